// SPDX-License-Identifier: GPL-2.0
/*
 * Device assignment through VFIO, on QEMU's edu device: edu is bound to
 * vfio-pci through driver_override, and user space drives it through the
 * VFIO container (/dev/vfio/vfio) with the type1 IOMMU backend.  Here the
 * IOMMU core hands the group over to VFIO (it claims DMA ownership, and the
 * DMA API's default domain makes way for an unmanaged domain that type1
 * allocates), and the I/O page tables hold exactly what user space maps
 * with VFIO_IOMMU_MAP_DMA.  The tests have edu's DMA engine copy through
 * those mappings and check the bytes, and after VFIO_IOMMU_UNMAP_DMA they
 * check that edu's DMA is refused: the IOMMU driver must report the fault
 * (read from /dev/kmsg, see iommu_kmsg.h) and memory must stay as it was.
 *
 * edu's DMA engine reaches only 28 bits of bus address, so every IOVA here
 * sits below 256 MiB, and clear of the window that the SMMU driver reserves
 * for MSIs at 128 MiB.  Its registers are reached through the device fd's
 * BAR0 region with pread() and pwrite(); its buffer is 4 KiB at device
 * address 0x40000, of which a transfer moves at most 4095 bytes.  A
 * transfer runs about 100 ms after it is started.
 *
 * The fault DMAs move 4 bytes: QEMU's SMMU raises one event for each 4
 * bytes it cannot translate, and each test expects exactly one report.
 *
 * Each test binds edu to vfio-pci in its fixture's setup and puts edu back
 * as it found it (driver and driver_override) in the teardown, since other
 * tests bind edu to other drivers the same way.  vfio-pci's remove waits
 * for every fd of the device to be closed, so the fds are closed first.
 */
#include "../kselftest_harness.h"
#include "iommu_kmsg.h"
#include "vfio_edu.h"

/*
 * The errno of a write to a group's "type" refused because someone owns
 * the group's DMA: the base kernel's core (6.12) says EPERM; EBUSY would
 * say it better, and is accepted too.
 */
static bool owned_group_errno(int err)
{
	return err == -EPERM || err == -EBUSY;
}

/*
 * An open container and group, not yet joined: for the calls that must come
 * in order.
 */
FIXTURE(vfio_open) {
	struct vfio_edu e;
};

FIXTURE_SETUP(vfio_open)
{
	const char *missing;
	int err;

	vfio_edu_init(&self->e);
	missing = vfio_edu_missing(&self->e);
	if (missing)
		MISSING(return, "%s", missing);
	err = vfio_edu_bind(&self->e) ?: vfio_edu_open(&self->e);
	/* The teardown does not run after a failed setup. */
	if (err)
		vfio_edu_restore(&self->e);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(vfio_open)
{
	EXPECT_EQ(0, vfio_edu_restore(&self->e));
}

TEST_F(vfio_open, api_and_extensions)
{
	EXPECT_EQ(VFIO_API_VERSION,
		  ioctl(self->e.container, VFIO_GET_API_VERSION));
	EXPECT_EQ(1, ioctl(self->e.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(self->e.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(self->e.container, VFIO_CHECK_EXTENSION,
			   VFIO_UNMAP_ALL));
	/* An extension no backend knows. */
	EXPECT_EQ(0, ioctl(self->e.container, VFIO_CHECK_EXTENSION, 0x7fff));
}

/* Only a container with a group in it may choose its IOMMU backend. */
TEST_F(vfio_open, set_iommu_before_set_container_refused)
{
	EXPECT_EQ(-1, ioctl(self->e.container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
	/* Nor does a container without a backend map anything. */
	EXPECT_EQ(-EINVAL, vfio_map(self->e.container, &self->e, IOVA_A,
				    IOMMU_PAGE, MAP_RW));
}

/* No device fd before the group has an IOMMU to isolate it. */
TEST_F(vfio_open, get_device_fd_before_set_container_refused)
{
	EXPECT_EQ(-1, ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD,
			    self->e.bdf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vfio_open, group_opens_once)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", self->e.group_id);
	fd = open(path, O_RDWR);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F(vfio_open, set_container_twice_refused)
{
	ASSERT_EQ(0, ioctl(self->e.group, VFIO_GROUP_SET_CONTAINER,
			   &self->e.container));
	EXPECT_EQ(-1, ioctl(self->e.group, VFIO_GROUP_SET_CONTAINER,
			    &self->e.container));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->e.group, VFIO_GROUP_UNSET_CONTAINER));
	/* Out again, the group may not unset twice. */
	EXPECT_EQ(-1, ioctl(self->e.group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vfio_open, set_iommu_unknown_type_refused)
{
	ASSERT_EQ(0, ioctl(self->e.group, VFIO_GROUP_SET_CONTAINER,
			   &self->e.container));
	EXPECT_EQ(-1, ioctl(self->e.container, VFIO_SET_IOMMU, 0x7fff));
	EXPECT_EQ(ENODEV, errno);
	/* The refusal left the container free to take type1v2. */
	EXPECT_EQ(0, ioctl(self->e.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU));
	/* But only once. */
	EXPECT_EQ(-1, ioctl(self->e.container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Once VFIO owns the group, its default domain may not change under it;
 * the type still reads as the boot made it, and does after VFIO lets go.
 */
TEST_F(vfio_open, type_change_refused_while_vfio_owns)
{
	const char *want = expected_group_type();
	const char *other = strcmp(want, "identity") ? "identity" : "DMA";
	char path[PATH_MAX], type[32];
	int err;

	ASSERT_EQ(0, group_type(self->e.group_id, type, sizeof(type)));
	ASSERT_STREQ(want, type);
	ASSERT_EQ(0, ioctl(self->e.group, VFIO_GROUP_SET_CONTAINER,
			   &self->e.container));
	ASSERT_EQ(0, ioctl(self->e.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU));

	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type",
		 self->e.group_id);
	err = sysfs_write(path, other);
	TH_LOG("writing \"%s\" while VFIO owns the group: %s", other,
	       err ? strerror(-err) : "accepted");
	EXPECT_TRUE(owned_group_errno(err));
	ASSERT_EQ(0, group_type(self->e.group_id, type, sizeof(type)));
	EXPECT_STREQ(want, type);

	vfio_edu_close(&self->e);
	ASSERT_EQ(0, group_type(self->e.group_id, type, sizeof(type)));
	EXPECT_STREQ(want, type);
}

/*
 * edu attached to a type1v2 container, with a device fd, bus mastering on,
 * and two pages of memory, A and B, not yet mapped.
 */
FIXTURE(vfio_edu) {
	struct vfio_edu e;
};

FIXTURE_SETUP(vfio_edu)
{
	const char *missing;
	__u64 state;
	int err;

	vfio_edu_init(&self->e);
	missing = vfio_edu_missing(&self->e);
	if (missing)
		MISSING(return, "%s", missing);
	err = vfio_edu_bind(&self->e) ?: vfio_edu_open(&self->e) ?:
	      vfio_edu_attach(&self->e) ?: vfio_edu_pages(&self->e);
	/* The teardown does not run after a failed setup. */
	if (err)
		vfio_edu_restore(&self->e);
	ASSERT_EQ(0, err);
	self->e.seed = test_seed();
	state = self->e.seed;
	prng_fill(&state, self->e.a, IOMMU_PAGE);
	TH_LOG("edu %s, group %d, seed %llu", self->e.bdf, self->e.group_id,
	       (unsigned long long)self->e.seed);
}

FIXTURE_TEARDOWN(vfio_edu)
{
	EXPECT_EQ(0, vfio_edu_restore(&self->e));
}

TEST_F(vfio_edu, device_info)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	__u16 ids[2];

	ASSERT_EQ(0, ioctl(self->e.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_LT(VFIO_PCI_CONFIG_REGION_INDEX, info.num_regions);
	/* edu's one BAR is 1 MiB of registers, read-write and mappable. */
	EXPECT_LE(0x100000, self->e.bar0_size);
	EXPECT_TRUE(self->e.bar0_flags & VFIO_REGION_INFO_FLAG_READ);
	EXPECT_TRUE(self->e.bar0_flags & VFIO_REGION_INFO_FLAG_WRITE);

	ASSERT_EQ(0, region_rw(self->e.device, self->e.config + PCI_VENDOR_ID,
			       ids, sizeof(ids), false));
	EXPECT_EQ(EDU_VENDOR, ids[0]);
	EXPECT_EQ(EDU_DEVICE, ids[1]);
}

/*
 * BAR0 through the device fd, by pread()/pwrite() and by mmap().  The
 * mapped registers are read and written with relaxed atomics, which the
 * compiler must emit as exactly one 32-bit access each.
 */
TEST_F(vfio_edu, bar0_registers)
{
	__u32 *regs, val;

	ASSERT_EQ(0, edu_read32(&self->e, EDU_REG_ID, &val));
	EXPECT_EQ(EDU_ID, val);
	ASSERT_EQ(0, edu_write32(&self->e, EDU_REG_LIVENESS, 0x12345678));
	ASSERT_EQ(0, edu_read32(&self->e, EDU_REG_LIVENESS, &val));
	EXPECT_EQ(~0x12345678U, val);

	if (!(self->e.bar0_flags & VFIO_REGION_INFO_FLAG_MMAP))
		SKIP(return, "vfio-pci does not offer BAR0 for mmap");
	regs = mmap(NULL, IOMMU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->e.device, self->e.bar0);
	ASSERT_NE(MAP_FAILED, regs) {
		TH_LOG("mmap of BAR0: %s", strerror(errno));
	}
	val = __atomic_load_n(&regs[EDU_REG_ID / 4], __ATOMIC_RELAXED);
	EXPECT_EQ(EDU_ID, val);
	__atomic_store_n(&regs[EDU_REG_LIVENESS / 4], 0xa5a5f00d,
			 __ATOMIC_RELAXED);
	val = __atomic_load_n(&regs[EDU_REG_LIVENESS / 4], __ATOMIC_RELAXED);
	EXPECT_EQ(~0xa5a5f00dU, val);
	/* The device fd stays open until the mapping goes. */
	munmap(regs, IOMMU_PAGE);
}

/*
 * Copy through the I/O page tables: A to edu's buffer, edu's buffer to B.
 * Then unmap B, and a DMA to B's old IOVA must fault, be reported, and
 * leave B as it was.
 */
TEST_F(vfio_edu, copy_unmap_fault)
{
	unsigned char before[IOMMU_PAGE];
	unsigned long long iova = IOVA_B;
	struct kmsg log;
	__u64 unmapped;
	int faults;

	ASSERT_EQ(0, vfio_copy_a_to_b(&self->e));
	ASSERT_EQ(0, memcmp(self->e.a, self->e.b, EDU_XFER_MAX)) {
		TH_LOG("B does not hold A's bytes after the copy through edu");
	}
	EXPECT_EQ(0, self->e.b[EDU_XFER_MAX]);

	ASSERT_EQ(0, vfio_unmap(self->e.container, IOVA_B, IOMMU_PAGE, 0,
				&unmapped));
	EXPECT_EQ(IOMMU_PAGE, unmapped);

	/* edu now holds other bytes than B, so that a write would show. */
	memset(self->e.a, 0x5a, IOMMU_PAGE);
	ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_A, 0, EDU_XFER_MAX));
	memcpy(before, self->e.b, IOMMU_PAGE);

	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_B, FAULT_BYTES));
	faults = kmsg_wait_events(&log, "translation fault", self->e.bdf,
				  &iova);
	EXPECT_EQ(1, faults) {
		TH_LOG("expected one \"translation fault\" of %s at IOVA 0x%llx",
		       self->e.bdf, iova);
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, self->e.bdf, &iova, "write"));
	kmsg_close(&log);
	EXPECT_EQ(0, memcmp(before, self->e.b, IOMMU_PAGE)) {
		TH_LOG("edu's refused DMA changed B");
	}
	/* A is still mapped: the engine itself still works. */
	memset(self->e.a, 0, IOMMU_PAGE);
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_A, EDU_XFER_MAX));
	EXPECT_EQ(0x5a, self->e.a[0]);
	EXPECT_EQ(0x5a, self->e.a[EDU_XFER_MAX - 1]);
	EXPECT_EQ(0, self->e.a[EDU_XFER_MAX]);
}

/* Reads and writes at an IOVA nobody mapped fault, each as what it is. */
TEST_F(vfio_edu, never_mapped_faults)
{
	unsigned long long iova = IOVA_NEVER;
	struct kmsg log;

	ASSERT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, MAP_RW));

	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_NEVER, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "translation fault", self->e.bdf,
				      &iova)) {
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, self->e.bdf, &iova, "write"));
	kmsg_close(&log);

	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_NEVER, 0, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "translation fault", self->e.bdf,
				      &iova)) {
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, self->e.bdf, &iova, "read"));
	kmsg_close(&log);
}

/*
 * A mapping without VFIO_DMA_MAP_FLAG_WRITE is read-only for the device:
 * edu may read it but its write must be refused as a permission fault.
 */
TEST_F(vfio_edu, readonly_mapping)
{
	unsigned long long iova = IOVA_B;
	unsigned char pattern[IOMMU_PAGE];
	struct kmsg log;

	memcpy(pattern, self->e.a, IOMMU_PAGE);
	memset(self->e.b, 0, IOMMU_PAGE);
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.b, IOVA_B,
			      IOMMU_PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.b, IOVA_C,
			      IOMMU_PAGE, MAP_RW)) {
		TH_LOG("one page may be mapped at two IOVAs");
	}
	/* Read A, write it to B through the writable alias. */
	ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_A, 0, EDU_XFER_MAX));
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_C, EDU_XFER_MAX));
	ASSERT_EQ(0, memcmp(pattern, self->e.b, EDU_XFER_MAX));

	memset(self->e.b, 0xee, IOMMU_PAGE);
	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_B, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "permission fault", self->e.bdf,
				      &iova)) {
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_events(&log, "permission fault", self->e.bdf, &iova,
				 "write"));
	EXPECT_EQ(0, kmsg_faults(&log, self->e.bdf, NULL, NULL));
	kmsg_close(&log);
	for (int i = 0; i < FAULT_BYTES; i++)
		EXPECT_EQ(0xee, self->e.b[i]);
}

/*
 * A transfer that starts in the middle of one page and ends in the next,
 * each way, over a mapping of several pages.
 */
TEST_F(vfio_edu, dma_across_pages)
{
	const size_t len = 4 * IOMMU_PAGE, half = IOMMU_PAGE / 2;
	unsigned char *buf;
	__u64 state = self->e.seed ^ 0x77;
	__u64 unmapped;

	buf = page_alloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	prng_fill(&state, buf, len);
	ASSERT_EQ(0, vfio_map(self->e.container, buf, IOVA_BIG, len, MAP_RW));

	/* Bytes 2 KiB into page 1 up to 2 KiB into page 2, into edu... */
	ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_BIG + IOMMU_PAGE + half, 0,
				EDU_XFER_MAX));
	/* ...and back out 2 KiB into page 2 up to 2 KiB into page 3. */
	memcpy(self->e.a, buf + IOMMU_PAGE + half, EDU_XFER_MAX);
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_BIG + 2 * IOMMU_PAGE + half,
				 EDU_XFER_MAX));
	EXPECT_EQ(0, memcmp(self->e.a, buf + 2 * IOMMU_PAGE + half,
			    EDU_XFER_MAX));

	ASSERT_EQ(0, vfio_unmap(self->e.container, IOVA_BIG, len, 0,
				&unmapped));
	EXPECT_EQ(len, unmapped);
	munmap(buf, len);
}

/*
 * A 2 MiB mapping at a 2 MiB aligned IOVA (which the IOMMU may hold as a
 * block): its first, middle and last pages work, and after the unmap its
 * last page faults.
 */
TEST_F(vfio_edu, large_mapping)
{
	const __u64 offs[] = { 0, BIG_SIZE / 2 + 3 * 512,
			       BIG_SIZE - IOMMU_PAGE };
	unsigned long long iova = IOVA_BIG + BIG_SIZE - IOMMU_PAGE;
	unsigned char *raw, *buf;
	__u64 state = self->e.seed ^ 0x1234;
	struct kmsg log;
	__u64 unmapped;

	/* 4 MiB of address space, to take a 2 MiB aligned half of it. */
	raw = page_alloc(2 * BIG_SIZE);
	ASSERT_NE(MAP_FAILED, raw);
	buf = (unsigned char *)(((uintptr_t)raw + BIG_SIZE - 1) &
				~(uintptr_t)(BIG_SIZE - 1));
	memset(buf, 0, BIG_SIZE);
	ASSERT_EQ(0, vfio_map(self->e.container, buf, IOVA_BIG, BIG_SIZE,
			      MAP_RW));
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, MAP_RW));

	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		prng_fill(&state, self->e.a, IOMMU_PAGE);
		ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_A, 0, EDU_XFER_MAX));
		ASSERT_EQ(0, edu_dma_out(&self->e, 0, IOVA_BIG + offs[i],
					 EDU_XFER_MAX));
		EXPECT_EQ(0, memcmp(self->e.a, buf + offs[i], EDU_XFER_MAX)) {
			TH_LOG("offset %#llx of the 2 MiB mapping",
			       (unsigned long long)offs[i]);
		}
	}

	ASSERT_EQ(0, vfio_unmap(self->e.container, IOVA_BIG, BIG_SIZE, 0,
				&unmapped));
	EXPECT_EQ(BIG_SIZE, unmapped);

	memset(buf + BIG_SIZE - IOMMU_PAGE, 0x3c, IOMMU_PAGE);
	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&self->e, 0, iova, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "translation fault", self->e.bdf,
				      &iova)) {
		kmsg_show(&log);
	}
	kmsg_close(&log);
	for (int i = 0; i < FAULT_BYTES; i++)
		EXPECT_EQ(0x3c, buf[BIG_SIZE - IOMMU_PAGE + i]);
	munmap(raw, 2 * BIG_SIZE);
}

/* What VFIO_IOMMU_UNMAP_DMA reports, and what type1v2 refuses to unmap. */
TEST_F(vfio_edu, unmap_sizes)
{
	const size_t len = 4 * IOMMU_PAGE;
	unsigned char *buf;
	__u64 unmapped;

	buf = page_alloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	/* Three mappings of one page side by side, and one of two pages. */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, vfio_map(self->e.container, buf + i * IOMMU_PAGE,
				      IOVA_BIG + i * IOMMU_PAGE, IOMMU_PAGE,
				      MAP_RW));
	ASSERT_EQ(0, vfio_map(self->e.container, buf, IOVA_C, 2 * IOMMU_PAGE,
			      MAP_RW));

	/* Nothing there: success, nothing unmapped. */
	EXPECT_EQ(0, vfio_unmap(self->e.container, IOVA_NEVER, IOMMU_PAGE, 0,
				&unmapped));
	EXPECT_EQ(0, unmapped);
	/* Type1v2 does not split a mapping: half of IOVA_C's is refused. */
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C, IOMMU_PAGE, 0,
				      NULL));
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C + IOMMU_PAGE,
				      IOMMU_PAGE, 0, NULL));
	/* Unaligned or empty ranges are refused. */
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C + 512,
				      IOMMU_PAGE, 0, NULL));
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C,
				      IOMMU_PAGE + 512, 0, NULL));
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C, 0, 0, NULL));
	/* ALL takes no range. */
	EXPECT_EQ(-EINVAL, vfio_unmap(self->e.container, IOVA_C, IOMMU_PAGE,
				      VFIO_DMA_UNMAP_FLAG_ALL, NULL));

	/* One call over three mappings takes all three. */
	EXPECT_EQ(0, vfio_unmap(self->e.container, IOVA_BIG, 3 * IOMMU_PAGE, 0,
				&unmapped));
	EXPECT_EQ(3 * IOMMU_PAGE, unmapped);
	/* The refusals above left IOVA_C's mapping whole. */
	EXPECT_EQ(0, vfio_unmap(self->e.container, 0, 0,
				VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(2 * IOMMU_PAGE, unmapped);
	munmap(buf, len);
}

TEST_F(vfio_edu, map_unaligned_refused)
{
	const __u64 half = self->e.pgsize / 2;
	const unsigned char *a = self->e.a;
	int c = self->e.container;

	EXPECT_EQ(-EINVAL, vfio_map(c, a, IOVA_A + half, IOMMU_PAGE, MAP_RW));
	EXPECT_EQ(-EINVAL, vfio_map(c, a + half, IOVA_A, IOMMU_PAGE, MAP_RW));
	EXPECT_EQ(-EINVAL, vfio_map(c, a, IOVA_A, half, MAP_RW));
	EXPECT_EQ(-EINVAL, vfio_map(c, a, IOVA_A, IOMMU_PAGE + half, MAP_RW));
	EXPECT_EQ(-EINVAL, vfio_map(c, a, IOVA_A + 1, IOMMU_PAGE, MAP_RW));
	/* None of them left anything behind. */
	EXPECT_EQ(0, vfio_map(c, a, IOVA_A, IOMMU_PAGE, MAP_RW));
}

TEST_F(vfio_edu, map_size_zero_refused)
{
	EXPECT_EQ(-EINVAL, vfio_map(self->e.container, self->e.a, IOVA_A, 0,
				    MAP_RW));
}

TEST_F(vfio_edu, map_without_access_refused)
{
	EXPECT_EQ(-EINVAL, vfio_map(self->e.container, self->e.a, IOVA_A,
				    IOMMU_PAGE, 0));
	EXPECT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, MAP_RW));
}

/* An IOVA range may hold one mapping, whatever memory the next brings. */
TEST_F(vfio_edu, map_overlap_refused)
{
	const size_t len = 4 * IOMMU_PAGE;
	unsigned char *buf;
	int c = self->e.container;

	buf = page_alloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, vfio_map(c, buf + IOMMU_PAGE, IOVA_BIG + IOMMU_PAGE,
			      2 * IOMMU_PAGE, MAP_RW));
	/* The same range, from other memory. */
	EXPECT_EQ(-EEXIST, vfio_map(c, buf, IOVA_BIG + IOMMU_PAGE,
				    2 * IOMMU_PAGE, MAP_RW));
	/* Starting before, ending inside. */
	EXPECT_EQ(-EEXIST, vfio_map(c, buf, IOVA_BIG, 2 * IOMMU_PAGE, MAP_RW));
	/* Starting inside, ending after. */
	EXPECT_EQ(-EEXIST, vfio_map(c, buf, IOVA_BIG + 2 * IOMMU_PAGE,
				    2 * IOMMU_PAGE, MAP_RW));
	/* Around it. */
	EXPECT_EQ(-EEXIST, vfio_map(c, buf, IOVA_BIG, len, MAP_RW));
	/* One page inside it. */
	EXPECT_EQ(-EEXIST, vfio_map(c, buf, IOVA_BIG + 2 * IOMMU_PAGE,
				    IOMMU_PAGE, MAP_RW));
	/* Right next to it, on either side, is free. */
	EXPECT_EQ(0, vfio_map(c, buf, IOVA_BIG, IOMMU_PAGE, MAP_RW));
	EXPECT_EQ(0, vfio_map(c, buf + 3 * IOMMU_PAGE,
			      IOVA_BIG + 3 * IOMMU_PAGE, IOMMU_PAGE, MAP_RW));
	munmap(buf, len);
}

/* Memory VFIO cannot pin, or may not let the device write. */
TEST_F(vfio_edu, map_bad_memory_refused)
{
	unsigned char *ro, *gone;
	int c = self->e.container;

	gone = page_alloc(IOMMU_PAGE);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, IOMMU_PAGE);
	EXPECT_EQ(-EFAULT, vfio_map(c, gone, IOVA_A, IOMMU_PAGE, MAP_RW));

	ro = mmap(NULL, IOMMU_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, vfio_map(c, ro, IOVA_A, IOMMU_PAGE, MAP_RW));
	/* The device may read what user space may read. */
	EXPECT_EQ(0, vfio_map(c, ro, IOVA_A, IOMMU_PAGE,
			      VFIO_DMA_MAP_FLAG_READ));
	munmap(ro, IOMMU_PAGE);
}

/*
 * The IOVA ranges VFIO reports: what lies outside them, past the top of the
 * IOMMU's input range and in the group's reserved regions (such as the MSI
 * window), may not be mapped; nor may a range that wraps.
 */
TEST_F(vfio_edu, map_outside_iova_ranges_refused)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	unsigned long long start, end;
	char info[4096], path[PATH_MAX], line[256], kind[64];
	__u64 top, pg = self->e.pgsize;
	int c = self->e.container, regions = 0;
	FILE *f;

	ASSERT_EQ(0, iommu_info(c, info, sizeof(info)));
	cap = iova_ranges(info, sizeof(info));
	ASSERT_NE(NULL, cap) {
		TH_LOG("VFIO_IOMMU_GET_INFO has no IOVA range capability");
	}
	ASSERT_LT(0, cap->nr_iovas);
	for (__u32 i = 0; i < cap->nr_iovas; i++)
		TH_LOG("IOVA range %#llx-%#llx",
		       (unsigned long long)cap->iova_ranges[i].start,
		       (unsigned long long)cap->iova_ranges[i].end);
	/* Our IOVAs must be usable, or the other tests mean nothing. */
	EXPECT_LE(cap->iova_ranges[0].start, IOVA_A);

	top = cap->iova_ranges[cap->nr_iovas - 1].end;
	if (top < ~0ULL - pg) {
		EXPECT_EQ(-EINVAL, vfio_map(c, self->e.a, (top + 1) & ~(pg - 1),
					    IOMMU_PAGE, MAP_RW));
	}
	EXPECT_EQ(-EINVAL, vfio_map(c, self->e.a, ~0ULL & ~(pg - 1),
				    2 * IOMMU_PAGE, MAP_RW));

	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/reserved_regions",
		 self->e.group_id);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %llx %63s", &start, &end, kind) != 3)
			continue;
		TH_LOG("reserved %#llx-%#llx %s", start, end, kind);
		/* Relaxable regions may be mapped all the same. */
		if (strstr(kind, "relaxable"))
			continue;
		regions++;
		EXPECT_EQ(-EINVAL, vfio_map(c, self->e.a, start & ~(pg - 1),
					    IOMMU_PAGE, MAP_RW)) {
			TH_LOG("mapped the start of reserved region %#llx-%#llx (%s)",
			       start, end, kind);
		}
		EXPECT_EQ(-EINVAL, vfio_map(c, self->e.a, end & ~(pg - 1),
					    IOMMU_PAGE, MAP_RW)) {
			TH_LOG("mapped the end of reserved region %#llx-%#llx (%s)",
			       start, end, kind);
		}
	}
	fclose(f);
	/* An SMMU behind a GICv3 ITS reserves an IOVA window for MSIs. */
	EXPECT_LT(0, regions);
}

TEST_F(vfio_edu, get_device_fd_bad_name_refused)
{
	char name[64];
	int fd;

	fd = ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD, "bogus");
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno);
	fd = ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD, "");
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno);
	/* A device on the bus, but not in this group. */
	fd = ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD, "0000:00:00.0");
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno);
	/* edu's name with more after it. */
	snprintf(name, sizeof(name), "%sx", self->e.bdf);
	fd = ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD, name);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno);
	/* vfio-pci takes options after a space, but not this one. */
	snprintf(name, sizeof(name), "%s bogus=1", self->e.bdf);
	fd = ioctl(self->e.group, VFIO_GROUP_GET_DEVICE_FD, name);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Closing the container drops its mappings: a new container, in the same
 * test, maps the same IOVAs again and edu copies through them.  And the
 * group is VFIO's only while it is open: with everything closed the group
 * type reads as before.
 */
TEST_F(vfio_edu, close_and_reopen)
{
	char type[32];

	ASSERT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, MAP_RW));
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.b, IOVA_B,
			      IOMMU_PAGE, MAP_RW));
	vfio_edu_close(&self->e);
	ASSERT_EQ(0, group_type(self->e.group_id, type, sizeof(type)));
	EXPECT_STREQ(expected_group_type(), type);

	ASSERT_EQ(0, vfio_edu_open(&self->e));
	ASSERT_EQ(0, vfio_edu_attach(&self->e));
	ASSERT_EQ(0, vfio_copy_a_to_b(&self->e));
	EXPECT_EQ(0, memcmp(self->e.a, self->e.b, EDU_XFER_MAX));
}

/*
 * After VFIO, the group goes back to the kernel: edu, unbound from vfio-pci
 * and bound to the DMA API test driver (CONFIG_IOMMU_DMA_EDU_TEST), does DMA
 * through the default domain again.
 */
TEST_F(vfio_edu, dma_api_after_vfio)
{
	char run[PATH_MAX];
	int err;

	if (!pci_driver_exists(EDU_TEST_DRIVER))
		MISSING(return, "no PCI driver " EDU_TEST_DRIVER
			" (CONFIG_IOMMU_DMA_EDU_TEST)");
	ASSERT_EQ(0, vfio_map(self->e.container, self->e.a, IOVA_A,
			      IOMMU_PAGE, MAP_RW));
	ASSERT_EQ(0, edu_dma_in(&self->e, IOVA_A, 0, EDU_XFER_MAX));
	vfio_edu_close(&self->e);

	/* The teardown puts edu back from here too. */
	ASSERT_EQ(0, edu_bind(self->e.devdir, EDU_TEST_DRIVER));
	snprintf(run, sizeof(run), EDU_TEST_DEBUGFS "/%s/run", self->e.bdf);
	err = sysfs_write(run, "coherent_small");
	if (!strcmp(expected_group_type(), "identity")) {
		/* edu cannot reach RAM untranslated; the driver says so. */
		EXPECT_EQ(-EOPNOTSUPP, err);
		return;
	}
	EXPECT_EQ(0, err) {
		TH_LOG("%s coherent_small: %s", EDU_TEST_DRIVER, strerror(-err));
	}
	err = sysfs_write(run, "single_offsets");
	EXPECT_EQ(0, err) {
		TH_LOG("%s single_offsets: %s", EDU_TEST_DRIVER, strerror(-err));
	}
}

TEST_HARNESS_MAIN
