// SPDX-License-Identifier: GPL-2.0
/*
 * Device assignment through iommufd, on QEMU's edu device behind our SMMUv3:
 * edu is bound to vfio-pci, opened as a VFIO device cdev
 * (/dev/vfio/devices/vfioN) and bound to an iommufd (/dev/iommu).  User
 * space maps its memory into an I/O address space (IOAS) and has iommufd
 * allocate a hardware page table (HWPT) for edu on it: a user domain that
 * comes from the IOMMU core's iommu_user_domain_alloc(), which records the
 * user_domain_alloc trace event.  With edu attached to the HWPT, edu's DMA
 * engine copies through the mappings and the tests check the bytes; a DMA
 * to an IOVA nothing maps must be refused and reported by the SMMUv3 driver
 * (read from /dev/kmsg, see iommu_kmsg.h); and a second HWPT may replace
 * the first under the bound device.
 *
 * The rest are refusals, each with the errno that the base kernel's iommufd
 * and VFIO (drivers/iommu/iommufd/, drivers/vfio/device_cdev.c) give for it,
 * and IOMMU_GET_HW_INFO, whose SMMUv3 data the test decodes.
 *
 * IOVAs are those of vfio_edu.h: below 256 MiB, which edu's DMA engine
 * reaches, and away from the SMMU's MSI window at 128 MiB.  The fault DMAs
 * move 4 bytes: QEMU's SMMU raises one event for each 4 bytes it cannot
 * translate, and each test expects exactly one report.
 *
 * Each test binds edu to vfio-pci in its fixture's setup and puts edu back
 * as it found it in the teardown; closing the cdev and the iommufd there
 * undoes everything else.  Without /dev/iommu, edu or vfio-pci the tests
 * are skipped as the other tests are (MISSING(): they fail in the
 * harness's guest, whose kernel has them all); without VFIO's cdev, which
 * a kernel may leave out, they are skipped.
 */
#include "../kselftest_harness.h"
#include <assert.h>
#include "iommu_kmsg.h"
#include "iommu_tracefs.h"
#include "iommufd_edu.h"

#ifndef BIT
#define BIT(n)			(1U << (n))
#endif

/* Object ids and flags no iommufd has given out or knows. */
#define BOGUS_ID		0xfffffffeU
#define BOGUS_HWPT_FLAG		BIT(31)

#define USER_DOMAIN_EVENT	"iommu/user_domain_alloc"

/*
 * IOMMU_GET_HW_INFO's SMMUv3 type and data, as Linux 6.13 added them to
 * the uAPI (IOMMU_HW_INFO_TYPE_ARM_SMMUV3 and struct
 * iommu_hw_info_arm_smmuv3).  The header this builds against may not have
 * them yet, and neither an enum constant nor a struct tag can be tested
 * with #ifdef, so the test keeps its own copy of the value and the layout,
 * under names of its own.
 */
#define HW_INFO_TYPE_SMMUV3	2
struct hw_info_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

static_assert(sizeof(struct hw_info_smmuv3) == 40, "the uAPI's layout");

/* Fields of the SMMU's ID registers (SMMUv3 architecture, IHI 0070). */
#define IDR0_S2P		BIT(0)
#define IDR0_S1P		BIT(1)
#define IDR0_TTF(r)		(((r) >> 2) & 0x3)	/* 2: AArch64 */
#define IDR0_TTF_AARCH64	0x2
#define IDR0_COHACC		BIT(4)
#define IDR0_HTTU(r)		(((r) >> 6) & 0x3)
#define IDR0_ATS		BIT(10)
#define IDR0_ASID16		BIT(12)
#define IDR0_PRI		BIT(16)
#define IDR0_ST_LEVEL(r)	(((r) >> 27) & 0x3)
#define IDR1_SIDSIZE(r)		((r) & 0x3f)
#define IDR1_SSIDSIZE(r)	(((r) >> 6) & 0x1f)
#define IDR3_RIL		BIT(10)
#define IDR5_OAS(r)		((r) & 0x7)
#define IDR5_GRAN4K		BIT(4)
#define IDR5_GRAN16K		BIT(5)
#define IDR5_GRAN64K		BIT(6)
#define AIDR_MINOR(r)		((r) & 0xf)
#define AIDR_MAJOR(r)		(((r) >> 4) & 0xf)

/* IDR5.OAS: the output address size, in bits. */
static const unsigned int oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/*
 * The StreamID QEMU's SMMU gives a PCI device: its requester ID, from the
 * name "DDDD:BB:DD.F".  -1 for a name that is not one.
 */
static int pci_stream_id(const char *bdf)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -1;
	return bus << 8 | dev << 3 | fn;
}

/* Whether the @len bytes at @p all read @val. */
static bool all_bytes(const unsigned char *p, size_t len, unsigned char val)
{
	while (len--)
		if (*p++ != val)
			return false;
	return true;
}

/*
 * The user_domain_alloc events in @trace for device @bdf; the flags and
 * result of the last one go to @flags and @ret.
 */
static int user_domain_events(const char *trace, const char *bdf,
			      unsigned int *flags, int *ret)
{
	const char *pos = trace;
	char text[256], dev[64];
	unsigned int f;
	int n = 0, r;

	while (trace_next(&pos, "user_domain_alloc", text, sizeof(text))) {
		if (sscanf(text, "%63s flags 0x%x ret %d", dev, &f, &r) != 3 ||
		    strcmp(dev, bdf))
			continue;
		*flags = f;
		*ret = r;
		n++;
	}
	return n;
}

/*
 * The user_domain_alloc events for edu in the trace buffer: how many, or
 * -EIO if it cannot be read; the last one's flags and result go to @flags
 * and @ret.
 */
static int traced_allocs(struct iommufd_edu *d, unsigned int *flags, int *ret)
{
	char *trace = trace_read();
	int events;

	if (!trace)
		return -EIO;
	*ret = 1;
	events = user_domain_events(trace, d->e.bdf, flags, ret);
	free(trace);
	return events;
}

/*
 * edu bound to vfio-pci, its cdev open but not bound, an iommufd open, and
 * two pages of memory, A (random bytes) and B.
 */
FIXTURE(iommufd_edu) {
	struct iommufd_edu d;
};

FIXTURE_SETUP(iommufd_edu)
{
	struct iommufd_edu *d = &self->d;
	const char *missing;
	__u64 state;
	int err;

	iommufd_edu_init(d);
	missing = iommufd_edu_missing(d);
	if (missing)
		MISSING(return, "%s", missing);
	if (!path_exists(IOMMUFD_PATH))
		MISSING(return, "no " IOMMUFD_PATH " (CONFIG_IOMMUFD)");
	err = vfio_edu_bind(&d->e);
	if (!err && vfio_cdev_path(d->e.devdir, d->cdev, sizeof(d->cdev))) {
		/* The teardown does not run after a skipped setup. */
		ASSERT_EQ(0, iommufd_edu_restore(d));
		SKIP(return, "edu on vfio-pci has no VFIO cdev (CONFIG_VFIO_DEVICE_CDEV)");
	}
	err = err ?: iommufd_edu_open(d) ?: vfio_edu_pages(&d->e);
	/* Nor after a failed one. */
	if (err)
		iommufd_edu_restore(d);
	ASSERT_EQ(0, err);
	d->e.seed = test_seed();
	state = d->e.seed;
	prng_fill(&state, d->e.a, IOMMU_PAGE);
	TH_LOG("edu %s, %s, seed %llu", d->e.bdf, d->cdev,
	       (unsigned long long)d->e.seed);
}

FIXTURE_TEARDOWN(iommufd_edu)
{
	EXPECT_EQ(0, iommufd_edu_restore(&self->d));
}

/*
 * The whole way, step by step: A is mapped into the IOAS before the HWPT
 * exists (iommufd fills the new domain with it), B after edu is attached
 * (iommufd maps it into the domain at once).  edu copies A to B, and after
 * IOMMU_IOAS_UNMAP B's IOVA is gone from the IOAS.
 */
TEST_F(iommufd_edu, copy_through_hwpt)
{
	struct iommufd_edu *d = &self->d;
	__u64 unmapped;
	__u32 pt_id = 0;

	ASSERT_EQ(0, iommufd_edu_bind(d));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id, 0,
				&d->hwpt_id));
	EXPECT_NE(d->ioas_id, d->hwpt_id);
	ASSERT_EQ(0, vfio_cdev_attach(d->e.device, d->hwpt_id, &pt_id));
	/* Attached to a HWPT, the device is attached to that HWPT. */
	EXPECT_EQ(d->hwpt_id, pt_id);
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.b, IOVA_B,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, vfio_edu_device_ready(&d->e));

	memset(d->e.b, 0, IOMMU_PAGE);
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	ASSERT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX)) {
		TH_LOG("B does not hold A's bytes after the copy through edu");
	}
	EXPECT_EQ(0, d->e.b[EDU_XFER_MAX]);

	ASSERT_EQ(0, ioas_unmap(d->iommufd, d->ioas_id, IOVA_B, IOMMU_PAGE,
				&unmapped));
	EXPECT_EQ(IOMMU_PAGE, unmapped);
	/* Nothing is left there to unmap. */
	EXPECT_EQ(-ENOENT, ioas_unmap(d->iommufd, d->ioas_id, IOVA_B,
				      IOMMU_PAGE, NULL));
}

/*
 * IOMMU_HWPT_ALLOC goes through our core's iommu_user_domain_alloc(): its
 * trace event shows one allocation for edu, without flags, that succeeded.
 */
TEST_F(iommufd_edu, hwpt_alloc_traced)
{
	struct iommufd_edu *d = &self->d;
	unsigned int flags = ~0U;
	int ret;

	if (!tracefs_ready(USER_DOMAIN_EVENT))
		MISSING(return, "no tracefs with event " USER_DOMAIN_EVENT);
	ASSERT_EQ(0, iommufd_edu_bind(d));

	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_event_enable(USER_DOMAIN_EVENT, true));
	ret = hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id, 0, &d->hwpt_id);
	EXPECT_EQ(0, trace_event_enable(USER_DOMAIN_EVENT, false));
	ASSERT_EQ(0, ret);

	EXPECT_EQ(1, traced_allocs(d, &flags, &ret));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, ret);
}

/*
 * Attached to the IOAS itself, edu gets a HWPT that iommufd allocates on
 * its own, through the same core function, and is told its id.
 */
TEST_F(iommufd_edu, attach_ioas_allocates_hwpt)
{
	struct iommufd_edu *d = &self->d;
	unsigned int flags = ~0U;
	__u32 pt_id = 0;
	int ret;

	if (!tracefs_ready(USER_DOMAIN_EVENT))
		MISSING(return, "no tracefs with event " USER_DOMAIN_EVENT);
	ASSERT_EQ(0, iommufd_edu_bind(d));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.b, IOVA_B,
			      IOMMU_PAGE, IOAS_MAP_RW));

	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_event_enable(USER_DOMAIN_EVENT, true));
	ret = vfio_cdev_attach(d->e.device, d->ioas_id, &pt_id);
	EXPECT_EQ(0, trace_event_enable(USER_DOMAIN_EVENT, false));
	ASSERT_EQ(0, ret);
	EXPECT_NE(d->ioas_id, pt_id);
	EXPECT_NE(0, pt_id);

	EXPECT_EQ(1, traced_allocs(d, &flags, &ret));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, ret);

	/* The HWPT is in use: it may not go while edu is attached to it. */
	EXPECT_EQ(-EBUSY, iommufd_destroy(d->iommufd, pt_id));
	ASSERT_EQ(0, vfio_edu_device_ready(&d->e));
	memset(d->e.b, 0, IOMMU_PAGE);
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	EXPECT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX));
}

/*
 * A DMA to an IOVA that nothing maps is refused: exactly one translation
 * fault, decoded, for edu at that IOVA, and memory untouched.  edu then
 * copies through its mappings as before.
 */
TEST_F(iommufd_edu, unmapped_iova_faults)
{
	struct iommufd_edu *d = &self->d;
	unsigned long long iova = IOVA_NEVER;
	struct kmsg log;
	int faults;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.b, IOVA_B,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, edu_dma_in(&d->e, IOVA_A, 0, EDU_XFER_MAX));
	memset(d->e.b, 0x3c, IOMMU_PAGE);

	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&d->e, 0, IOVA_NEVER, FAULT_BYTES));
	faults = kmsg_wait_events(&log, "translation fault", d->e.bdf, &iova);
	EXPECT_EQ(1, faults) {
		TH_LOG("expected one \"translation fault\" of %s at IOVA 0x%llx",
		       d->e.bdf, iova);
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, d->e.bdf, &iova, "write"));
	kmsg_close(&log);
	EXPECT_TRUE(all_bytes(d->e.b, IOMMU_PAGE, 0x3c)) {
		TH_LOG("edu's refused DMA changed memory");
	}

	/* The device goes on working. */
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	EXPECT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX));
}

/*
 * A second HWPT on the same IOAS replaces the first under the bound
 * device: the same IOVAs work through it, and the first, no longer
 * attached, may be destroyed while the second may not.
 */
TEST_F(iommufd_edu, replace_hwpt_same_ioas)
{
	struct iommufd_edu *d = &self->d;
	__u32 second = 0, pt_id = 0;
	__u64 state = d->e.seed ^ 0x55;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.b, IOVA_B,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	ASSERT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX));

	ASSERT_EQ(0, hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id, 0, &second));
	EXPECT_NE(d->hwpt_id, second);
	ASSERT_EQ(0, vfio_cdev_attach(d->e.device, second, &pt_id));
	EXPECT_EQ(second, pt_id);

	prng_fill(&state, d->e.a, IOMMU_PAGE);
	memset(d->e.b, 0, IOMMU_PAGE);
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	EXPECT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX)) {
		TH_LOG("the copy through the second HWPT went wrong");
	}

	EXPECT_EQ(-EBUSY, iommufd_destroy(d->iommufd, second));
	EXPECT_EQ(0, iommufd_destroy(d->iommufd, d->hwpt_id));
}

/*
 * A HWPT on a second IOAS, with mappings of its own at other IOVAs,
 * replaces the first: edu copies through the new IOVAs, and the old ones
 * no longer reach memory (each DMA to them faults, and B stays as it was).
 */
TEST_F(iommufd_edu, replace_hwpt_other_ioas)
{
	struct iommufd_edu *d = &self->d;
	unsigned long long old_b = IOVA_B, old_a = IOVA_A;
	__u64 state = d->e.seed ^ 0xaa;
	__u32 ioas2 = 0, hwpt2 = 0, pt_id = 0;
	struct kmsg log;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, ioas_map(d->iommufd, d->ioas_id, d->e.b, IOVA_B,
			      IOMMU_PAGE, IOAS_MAP_RW));
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_A, IOVA_B));
	ASSERT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX));

	/* The same pages at other IOVAs, in an IOAS of their own. */
	ASSERT_EQ(0, ioas_alloc(d->iommufd, &ioas2));
	ASSERT_EQ(0, ioas_map(d->iommufd, ioas2, d->e.a, IOVA_C, IOMMU_PAGE,
			      IOAS_MAP_RW));
	ASSERT_EQ(0, ioas_map(d->iommufd, ioas2, d->e.b, IOVA_BIG, IOMMU_PAGE,
			      IOAS_MAP_RW));
	ASSERT_EQ(0, hwpt_alloc(d->iommufd, d->dev_id, ioas2, 0, &hwpt2));
	ASSERT_EQ(0, vfio_cdev_attach(d->e.device, hwpt2, &pt_id));
	EXPECT_EQ(hwpt2, pt_id);

	prng_fill(&state, d->e.a, IOMMU_PAGE);
	memset(d->e.b, 0, IOMMU_PAGE);
	ASSERT_EQ(0, edu_copy(&d->e, IOVA_C, IOVA_BIG));
	ASSERT_EQ(0, memcmp(d->e.a, d->e.b, EDU_XFER_MAX)) {
		TH_LOG("the copy through the second IOAS's HWPT went wrong");
	}

	/* edu's buffer holds A's bytes: a write to B's old IOVA would show. */
	memset(d->e.b, 0xee, IOMMU_PAGE);
	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_out(&d->e, 0, IOVA_B, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "translation fault", d->e.bdf,
				      &old_b)) {
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, d->e.bdf, &old_b, "write"));
	kmsg_close(&log);
	EXPECT_TRUE(all_bytes(d->e.b, IOMMU_PAGE, 0xee)) {
		TH_LOG("a DMA to B's old IOVA reached B");
	}

	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_dma_in(&d->e, IOVA_A, 0, FAULT_BYTES));
	EXPECT_EQ(1, kmsg_wait_events(&log, "translation fault", d->e.bdf,
				      &old_a)) {
		kmsg_show(&log);
	}
	EXPECT_EQ(1, kmsg_faults(&log, d->e.bdf, &old_a, "read"));
	kmsg_close(&log);

	/* The first HWPT and then its IOAS may go; the second's may not. */
	EXPECT_EQ(-EBUSY, iommufd_destroy(d->iommufd, ioas2));
	EXPECT_EQ(0, iommufd_destroy(d->iommufd, d->hwpt_id));
	EXPECT_EQ(0, iommufd_destroy(d->iommufd, d->ioas_id));
}

/*
 * The IOVA ranges of an IOAS with edu attached: aligned to the SMMU's
 * smallest page, and without the group's reserved regions (the MSI
 * window), which may not be mapped.
 */
TEST_F(iommufd_edu, ioas_iova_ranges)
{
	struct iommufd_edu *d = &self->d;
	struct iommu_iova_range ranges[16];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.num_iovas = ARRAY_SIZE(ranges),
		.allowed_iovas = (__u64)(uintptr_t)ranges,
	};
	unsigned long long start, end;
	char path[PATH_MAX], line[256], kind[64];
	bool usable = false;
	int regions = 0;
	FILE *f;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	cmd.ioas_id = d->ioas_id;
	ASSERT_EQ(0, ioctl(d->iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd)) {
		TH_LOG("IOMMU_IOAS_IOVA_RANGES: %s", strerror(errno));
	}
	EXPECT_EQ(IOMMU_PAGE, cmd.out_iova_alignment);
	ASSERT_LT(0, cmd.num_iovas);
	ASSERT_GE(ARRAY_SIZE(ranges), cmd.num_iovas);
	for (__u32 i = 0; i < cmd.num_iovas; i++) {
		TH_LOG("IOVA range %#llx-%#llx",
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);
		if (ranges[i].start <= IOVA_A && IOVA_BIG <= ranges[i].last)
			usable = true;
	}
	/* The IOVAs of the other tests must be usable, or they mean nothing. */
	EXPECT_TRUE(usable);

	snprintf(path, sizeof(path), "%s/iommu_group/reserved_regions",
		 d->e.devdir);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %llx %63s", &start, &end, kind) != 3 ||
		    strstr(kind, "relaxable"))
			continue;
		regions++;
		for (__u32 i = 0; i < cmd.num_iovas; i++) {
			EXPECT_TRUE(end < ranges[i].start ||
				    start > ranges[i].last) {
				TH_LOG("reserved %#llx-%#llx (%s) is in an IOVA range",
				       start, end, kind);
			}
		}
		EXPECT_EQ(-EINVAL, ioas_map(d->iommufd, d->ioas_id, d->e.a,
					    start & ~(IOMMU_PAGE - 1ULL),
					    IOMMU_PAGE, IOAS_MAP_RW));
	}
	fclose(f);
	/* An SMMU behind a GICv3 ITS reserves an IOVA window for MSIs. */
	EXPECT_LT(0, regions);
}

/*
 * What iommufd says of the IOMMU behind edu: no dirty tracking (our
 * SMMUv3 driver does not offer it), and no PASIDs (edu has no PASID
 * capability).  Asked with no room for the driver's data, iommufd still
 * says how much there is.
 */
TEST_F(iommufd_edu, hw_info_capabilities)
{
	struct iommufd_edu *d = &self->d;
	struct iommu_hw_info info = {};

	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	ASSERT_EQ(0, hw_info_get(d->iommufd, d->dev_id, NULL, 0, &info));
	TH_LOG("hardware info type %u, %u bytes, capabilities %#llx, PASID bits %u",
	       info.out_data_type, info.data_len,
	       (unsigned long long)info.out_capabilities,
	       info.out_max_pasid_log2);
	EXPECT_FALSE(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	EXPECT_EQ(0, info.out_max_pasid_log2);
	if (info.out_data_type == IOMMU_HW_INFO_TYPE_NONE) {
		EXPECT_EQ(0, info.data_len);
	} else {
		EXPECT_EQ(HW_INFO_TYPE_SMMUV3, info.out_data_type);
		EXPECT_EQ(sizeof(struct hw_info_smmuv3), info.data_len);
	}
}

/*
 * The SMMU's ID registers, as IOMMU_GET_HW_INFO gives them, decoded: a
 * stage-1 SMMU with AArch64 tables and 4 KiB pages, whose StreamIDs cover
 * edu's.  The buffer is larger than the data: iommufd zeroes the rest.
 */
TEST_F(iommufd_edu, hw_info_smmuv3)
{
	struct iommufd_edu *d = &self->d;
	struct iommu_hw_info info = {};
	struct {
		struct hw_info_smmuv3 smmu;
		unsigned char past[16];
	} buf;
	struct hw_info_smmuv3 *smmu = &buf.smmu;
	__u32 idr0, idr1, idr5;
	int sid;

	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	memset(&buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, hw_info_get(d->iommufd, d->dev_id, &buf, sizeof(buf),
				 &info));
	if (info.out_data_type == IOMMU_HW_INFO_TYPE_NONE)
		SKIP(return, "no hardware info from the IOMMU driver (type NONE)");
	ASSERT_EQ(HW_INFO_TYPE_SMMUV3, info.out_data_type);
	ASSERT_EQ(sizeof(*smmu), info.data_len);
	EXPECT_TRUE(all_bytes(buf.past, sizeof(buf.past), 0)) {
		TH_LOG("the buffer past the SMMU's data was not zeroed");
	}
	EXPECT_EQ(0, smmu->flags);
	EXPECT_EQ(0, smmu->__reserved);

	idr0 = smmu->idr[0];
	idr1 = smmu->idr[1];
	idr5 = smmu->idr[5];
	for (int i = 0; i < 6; i++)
		TH_LOG("IDR%d %#010x", i, smmu->idr[i]);
	TH_LOG("IDR0: S1P %d, S2P %d, TTF %u, COHACC %d, HTTU %u",
	       !!(idr0 & IDR0_S1P), !!(idr0 & IDR0_S2P), IDR0_TTF(idr0),
	       !!(idr0 & IDR0_COHACC), IDR0_HTTU(idr0));
	TH_LOG("IDR0: ATS %d, ASID16 %d, PRI %d, ST_LEVEL %u",
	       !!(idr0 & IDR0_ATS), !!(idr0 & IDR0_ASID16),
	       !!(idr0 & IDR0_PRI), IDR0_ST_LEVEL(idr0));
	TH_LOG("IDR1: SIDSIZE %u, SSIDSIZE %u; IDR3: RIL %d",
	       IDR1_SIDSIZE(idr1), IDR1_SSIDSIZE(idr1),
	       !!(smmu->idr[3] & IDR3_RIL));
	TH_LOG("IDR5: OAS %u (%u bits), GRAN4K %d, GRAN16K %d, GRAN64K %d",
	       IDR5_OAS(idr5),
	       IDR5_OAS(idr5) < ARRAY_SIZE(oas_bits) ?
	       oas_bits[IDR5_OAS(idr5)] : 0,
	       !!(idr5 & IDR5_GRAN4K), !!(idr5 & IDR5_GRAN16K),
	       !!(idr5 & IDR5_GRAN64K));
	TH_LOG("IIDR %#010x; AIDR %#x: SMMUv%u.%u", smmu->iidr, smmu->aidr,
	       AIDR_MAJOR(smmu->aidr) + 3, AIDR_MINOR(smmu->aidr));

	/* What our driver needs of an SMMU, and what the tests need of it. */
	EXPECT_TRUE(idr0 & IDR0_S1P);
	EXPECT_TRUE(IDR0_TTF(idr0) & IDR0_TTF_AARCH64);
	EXPECT_TRUE(idr5 & IDR5_GRAN4K);
	EXPECT_GT(ARRAY_SIZE(oas_bits), IDR5_OAS(idr5));
	sid = pci_stream_id(d->e.bdf);
	ASSERT_LE(0, sid);
	EXPECT_GT(1ULL << IDR1_SIDSIZE(idr1), (unsigned long long)sid) {
		TH_LOG("edu's StreamID %#x is beyond SIDSIZE %u", sid,
		       IDR1_SIDSIZE(idr1));
	}
}

/* IOMMU_GET_HW_INFO refused: unknown flags, no such device, another type. */
TEST_F(iommufd_edu, hw_info_refused)
{
	struct iommufd_edu *d = &self->d;
	struct iommu_hw_info info = {};

	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	info.flags = BIT(31);
	EXPECT_EQ(-EOPNOTSUPP, hw_info_get(d->iommufd, d->dev_id, NULL, 0,
					   &info));
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(-ENOENT, hw_info_get(d->iommufd, BOGUS_ID, NULL, 0, &info));
	/* Our SMMU's information is never Intel VT-d's. */
	memset(&info, 0, sizeof(info));
	info.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	info.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	EXPECT_EQ(-EOPNOTSUPP, hw_info_get(d->iommufd, d->dev_id, NULL, 0,
					   &info));
}

/*
 * Dirty tracking needs the SMMU to record written pages in the page
 * tables, which our driver does not do: it neither says it can
 * (IOMMU_CAP_DIRTY_TRACKING) nor takes the flag.
 */
TEST_F(iommufd_edu, hwpt_dirty_tracking_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_bind(d));
	EXPECT_EQ(-EOPNOTSUPP,
		  hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id,
			     IOMMU_HWPT_ALLOC_DIRTY_TRACKING, NULL));
	/* The refusal left nothing half-made: a plain HWPT still comes. */
	EXPECT_EQ(0, hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id, 0, NULL));
}

/* Our SMMUv3 driver translates at stage 1 only: no parent for nesting. */
TEST_F(iommufd_edu, hwpt_nest_parent_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_bind(d));
	EXPECT_EQ(-EOPNOTSUPP,
		  hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id,
			     IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
	EXPECT_EQ(-EOPNOTSUPP,
		  hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id,
			     IOMMU_HWPT_ALLOC_NEST_PARENT |
			     IOMMU_HWPT_ALLOC_DIRTY_TRACKING, NULL));
}

TEST_F(iommufd_edu, hwpt_unknown_flag_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_bind(d));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id,
					  BOGUS_HWPT_FLAG, NULL));
	/* The next flag after those the uAPI defines. */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id,
					  IOMMU_HWPT_FAULT_ID_VALID << 1, NULL));
}

/*
 * IOMMU_HWPT_ALLOC for no such device, or on no such IOAS: the base's
 * iommufd says ENOENT for the device but EINVAL for the page table it
 * cannot find (or that is not an IOAS or HWPT, such as the device).
 */
TEST_F(iommufd_edu, hwpt_alloc_bad_ids_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_bind(d));
	EXPECT_EQ(-ENOENT, hwpt_alloc(d->iommufd, BOGUS_ID, d->ioas_id, 0,
				      NULL));
	EXPECT_EQ(-EINVAL, hwpt_alloc(d->iommufd, d->dev_id, BOGUS_ID, 0,
				      NULL));
	EXPECT_EQ(-EINVAL, hwpt_alloc(d->iommufd, d->dev_id, d->dev_id, 0,
				      NULL));
}

/*
 * Once a HWPT of our SMMU is in the IOAS, its IOVAs, lengths and user
 * addresses must be aligned to the SMMU's smallest page.
 */
TEST_F(iommufd_edu, ioas_map_unaligned_refused)
{
	struct iommufd_edu *d = &self->d;
	const unsigned char *a = d->e.a;
	int fd = d->iommufd;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	EXPECT_EQ(-EINVAL, ioas_map(fd, d->ioas_id, a, IOVA_A + IOMMU_PAGE / 2,
				    IOMMU_PAGE, IOAS_MAP_RW));
	EXPECT_EQ(-EINVAL, ioas_map(fd, d->ioas_id, a, IOVA_A + 1, IOMMU_PAGE,
				    IOAS_MAP_RW));
	EXPECT_EQ(-EINVAL, ioas_map(fd, d->ioas_id, a, IOVA_A, IOMMU_PAGE / 2,
				    IOAS_MAP_RW));
	EXPECT_EQ(-EINVAL, ioas_map(fd, d->ioas_id, a + IOMMU_PAGE / 2, IOVA_A,
				    IOMMU_PAGE, IOAS_MAP_RW));
	/* None of them left anything behind. */
	EXPECT_EQ(0, ioas_map(fd, d->ioas_id, a, IOVA_A, IOMMU_PAGE,
			      IOAS_MAP_RW));
}

/* An IOVA range may hold one mapping, whatever memory the next brings. */
TEST_F(iommufd_edu, ioas_map_overlap_refused)
{
	struct iommufd_edu *d = &self->d;
	const size_t len = 4 * IOMMU_PAGE;
	unsigned char *buf;
	int fd = d->iommufd;
	__u32 ioas;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	ioas = d->ioas_id;
	buf = page_alloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, ioas_map(fd, ioas, buf + IOMMU_PAGE, IOVA_BIG + IOMMU_PAGE,
			      2 * IOMMU_PAGE, IOAS_MAP_RW));
	/* The same range, from other memory. */
	EXPECT_EQ(-EEXIST, ioas_map(fd, ioas, buf, IOVA_BIG + IOMMU_PAGE,
				    2 * IOMMU_PAGE, IOAS_MAP_RW));
	/* Starting before, ending inside. */
	EXPECT_EQ(-EEXIST, ioas_map(fd, ioas, buf, IOVA_BIG, 2 * IOMMU_PAGE,
				    IOAS_MAP_RW));
	/* Starting inside, ending after. */
	EXPECT_EQ(-EEXIST, ioas_map(fd, ioas, buf, IOVA_BIG + 2 * IOMMU_PAGE,
				    2 * IOMMU_PAGE, IOAS_MAP_RW));
	/* Around it. */
	EXPECT_EQ(-EEXIST, ioas_map(fd, ioas, buf, IOVA_BIG, len, IOAS_MAP_RW));
	/* Right next to it, on either side, is free. */
	EXPECT_EQ(0, ioas_map(fd, ioas, buf, IOVA_BIG, IOMMU_PAGE,
			      IOAS_MAP_RW));
	EXPECT_EQ(0, ioas_map(fd, ioas, buf + 3 * IOMMU_PAGE,
			      IOVA_BIG + 3 * IOMMU_PAGE, IOMMU_PAGE,
			      IOAS_MAP_RW));
	munmap(buf, len);
}

TEST_F(iommufd_edu, ioas_map_length_zero_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	EXPECT_EQ(-EINVAL, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A, 0,
				    IOAS_MAP_RW));
	/* Nor without access. */
	EXPECT_EQ(-EINVAL, ioas_map(d->iommufd, d->ioas_id, d->e.a, IOVA_A,
				    IOMMU_PAGE, IOMMU_IOAS_MAP_FIXED_IOVA));
}

/*
 * Ids that name nothing, or an object of another kind, in the calls that
 * look them up as the type they need: ENOENT.
 */
TEST_F(iommufd_edu, bad_ids_refused)
{
	struct iommufd_edu *d = &self->d;
	const unsigned char *a = d->e.a;
	int fd = d->iommufd;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	EXPECT_EQ(-ENOENT, ioas_map(fd, BOGUS_ID, a, IOVA_A, IOMMU_PAGE,
				    IOAS_MAP_RW));
	/* A HWPT is not an IOAS. */
	EXPECT_EQ(-ENOENT, ioas_map(fd, d->hwpt_id, a, IOVA_A, IOMMU_PAGE,
				    IOAS_MAP_RW));
	EXPECT_EQ(-ENOENT, ioas_unmap(fd, BOGUS_ID, IOVA_A, IOMMU_PAGE, NULL));
	EXPECT_EQ(-ENOENT, vfio_cdev_attach(d->e.device, BOGUS_ID, NULL));
	EXPECT_EQ(-ENOENT, iommufd_destroy(fd, BOGUS_ID));
	/* Still attached to its HWPT: a DMA through it works. */
	ASSERT_EQ(0, ioas_map(fd, d->ioas_id, a, IOVA_A, IOMMU_PAGE,
			      IOAS_MAP_RW));
	EXPECT_EQ(0, edu_dma_in(&d->e, IOVA_A, 0, EDU_XFER_MAX));
}

/* Objects in use stay: the attached HWPT, and the IOAS under it. */
TEST_F(iommufd_edu, destroy_in_use_refused)
{
	struct iommufd_edu *d = &self->d;

	ASSERT_EQ(0, iommufd_edu_attach(d));
	EXPECT_EQ(-EBUSY, iommufd_destroy(d->iommufd, d->hwpt_id));
	EXPECT_EQ(-EBUSY, iommufd_destroy(d->iommufd, d->ioas_id));
}

/* A cdev not yet bound to an iommufd may not attach, nor do anything else. */
TEST_F(iommufd_edu, attach_before_bind_refused)
{
	struct iommufd_edu *d = &self->d;
	__u64 off, size;

	ASSERT_EQ(0, ioas_alloc(d->iommufd, &d->ioas_id));
	EXPECT_EQ(-EINVAL, vfio_cdev_attach(d->e.device, d->ioas_id, NULL));
	EXPECT_EQ(-EINVAL, region_info(d->e.device, VFIO_PCI_BAR0_REGION_INDEX,
				       &off, &size, NULL));
	/* Bound, the same calls work. */
	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	EXPECT_EQ(0, vfio_cdev_attach(d->e.device, d->ioas_id, NULL));
	EXPECT_EQ(0, region_info(d->e.device, VFIO_PCI_BAR0_REGION_INDEX,
				 &off, &size, NULL));
}

/*
 * A device cdev binds once: again on the same fd, or on a second fd of
 * the same device, VFIO says EINVAL (drivers/vfio/device_cdev.c and
 * vfio_df_open()).
 */
TEST_F(iommufd_edu, bind_twice_refused)
{
	struct iommufd_edu *d = &self->d;
	int second, other;

	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	EXPECT_EQ(-EINVAL, vfio_cdev_bind(d->e.device, d->iommufd, NULL));

	other = open(IOMMUFD_PATH, O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EINVAL, vfio_cdev_bind(d->e.device, other, NULL));
	second = open(d->cdev, O_RDWR);
	EXPECT_LE(0, second);
	if (second >= 0) {
		EXPECT_EQ(-EINVAL, vfio_cdev_bind(second, other, NULL));
		close(second);
	}
	close(other);
}

/*
 * What is not an iommufd: a negative fd (EINVAL), a closed one (EBADF),
 * and a file of another kind (EBADFD).
 */
TEST_F(iommufd_edu, bind_bad_iommufd_refused)
{
	struct iommufd_edu *d = &self->d;
	int null, closed;

	EXPECT_EQ(-EINVAL, vfio_cdev_bind(d->e.device, -1, NULL));
	closed = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-EBADF, vfio_cdev_bind(d->e.device, closed, NULL));
	null = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADFD, vfio_cdev_bind(d->e.device, null, NULL));
	close(null);
	/* None of them bound it. */
	EXPECT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, NULL));
}

/*
 * The group's legacy VFIO interface and the cdev exclude each other:
 * with the group open the cdev does not bind, and with the cdev bound
 * the group does not open (EBUSY both ways).
 */
TEST_F(iommufd_edu, group_and_cdev_exclusive)
{
	struct iommufd_edu *d = &self->d;
	char path[PATH_MAX];
	int group;

	snprintf(path, sizeof(path), "/dev/vfio/%d", d->e.group_id);
	group = open(path, O_RDWR);
	ASSERT_LE(0, group) {
		TH_LOG("open %s: %s", path, strerror(errno));
	}
	EXPECT_EQ(-EBUSY, vfio_cdev_bind(d->e.device, d->iommufd, NULL));
	close(group);

	ASSERT_EQ(0, vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id));
	group = open(path, O_RDWR);
	EXPECT_EQ(-1, group);
	EXPECT_EQ(EBUSY, errno);
	if (group >= 0)
		close(group);
}

TEST_HARNESS_MAIN
