// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA API through the IOMMU, end to end, on QEMU's edu device: edu is
 * bound to the kernel's test driver iommu_dma_edu_test
 * (CONFIG_IOMMU_DMA_EDU_TEST) through driver_override, and each test here
 * writes the name of one of the driver's tests to its debugfs file "run".
 * The driver moves bytes with edu's DMA engine through coherent,
 * streaming, scatterlist and non-contiguous mappings and compares them; the
 * write fails with the test's error.  The "mmap" test checks from user
 * space, through a dma_mmap_coherent() mapping, that edu moved the bytes.
 *
 * edu reaches only 28 bits of bus addresses and RAM on QEMU virt starts at
 * 1 GiB, so without translation (iommu.passthrough=1) the driver refuses
 * to run its tests (which the fixture checks), and they are skipped.
 *
 * Each test binds edu and unbinds it afterwards, clearing driver_override,
 * so that other tests can bind edu to other drivers.
 *
 * The fault tests make the IOMMU refuse a DMA on purpose: fault_unmapped
 * has edu write to an IOVA that was never mapped, fault_after_unmap to the
 * IOVA of a page after a strict unmap (skipped in lazy mode, where the
 * IOTLB may keep the translation for a while).  The driver checks that the
 * DMA completes and changes no memory, and logs "NAME: DMA to IOVA 0xHEX"
 * before it.  The test then reads the kernel log from /dev/kmsg and
 * expects the IOMMU driver to report exactly one fault there, as one line
 * holding the event name "translation fault", edu's PCI device name and
 * "IOVA 0xHEX" with the same IOVA, such as (on one line)
 *
 *   arm-smmu-v3 9050000.smmuv3: translation fault: 0000:00:03.0 write
 *     at IOVA 0x7ff000, stage 1 (sid 0x18)
 *
 * which must also call the access a write.  no_fault_on_mapped_dma checks
 * the converse: DMA to mapped memory brings no fault report for edu.
 *
 * direct_regions binds each edu in turn and, where its IOMMU group lists
 * a direct region (firmware's DMA that must go on, such as an IORT RMR),
 * runs the driver's test of that name: the region must be mapped 1:1 and
 * edu must read from it what the CPU reads, with no fault reported for
 * edu (trace event iommu:io_page_fault).  Where there is none, the driver
 * refuses the test (direct_regions_none).
 */
#include <sys/mman.h>
#include "../kselftest_harness.h"
#include "iommu_kmsg.h"
#include "iommu_tracefs.h"
#include "pci_bind.h"

#define EDU_MMAP_SIZE		(64 * 1024)
#define EDU_MMAP_COPY		4096
#define EDU_MMAP_DEST		(32 * 1024)

/* Why a test of edu's DMA is skipped where the group does not translate. */
#define NO_DMA		"edu cannot reach RAM on an identity domain"

FIXTURE(edu) {
	char devdir[PATH_MAX];
	char run[PATH_MAX];
	char mmap[PATH_MAX];
	/* The group does not translate: the driver runs no tests. */
	bool identity;
};

/*
 * Run the driver's test @name through its file @run: 0 when it passed, or
 * the negative errno it failed with (the driver logs why).
 */
static int edu_run(const char *run, const char *name)
{
	return sysfs_write(run, name);
}

FIXTURE_SETUP(edu)
{
	const char *bdf, *missing;

	missing = edu_test_missing(self->devdir, sizeof(self->devdir));
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_EQ(0, edu_bind(self->devdir, EDU_TEST_DRIVER));

	bdf = pci_bdf(self->devdir);
	snprintf(self->run, sizeof(self->run), EDU_TEST_DEBUGFS "/%s/run", bdf);
	snprintf(self->mmap, sizeof(self->mmap), EDU_TEST_DEBUGFS "/%s/mmap",
		 bdf);
	ASSERT_TRUE(path_exists(self->run)) {
		TH_LOG("%s is missing", self->run);
	}
	ASSERT_TRUE(path_exists(self->mmap)) {
		TH_LOG("%s is missing", self->mmap);
	}
	self->identity = !strcmp(expected_group_type(), "identity");
	/* Untranslated, the driver must refuse its tests. */
	if (self->identity)
		ASSERT_EQ(-EOPNOTSUPP, edu_run(self->run, "coherent_small"));
}

FIXTURE_TEARDOWN(edu)
{
	EXPECT_EQ(0, pci_unbind_override(self->devdir));
}

/*
 * The driver's lines "@name: DMA to IOVA 0x<hex>": how many there are, and
 * the IOVA of the last in @iova.
 */
static int kmsg_fault_dma(struct kmsg *log, const char *name,
			  unsigned long long *iova)
{
	char copy[KMSG_RECORD_MAX], *tok[MAX_TOKENS], want[64];
	int found = 0, i, n;
	size_t l;

	snprintf(want, sizeof(want), "%s:", name);
	for (l = 0; l < log->count; l++) {
		snprintf(copy, sizeof(copy), "%s", log->lines[l]);
		n = tokens(copy, tok);
		for (i = 0; i + 4 < n; i++) {
			if (!strcmp(tok[i], want) && !strcmp(tok[i + 1], "DMA") &&
			    !strcmp(tok[i + 2], "to") &&
			    !strcmp(tok[i + 3], "IOVA") &&
			    token_hex(tok[i + 4], iova) &&
			    isxdigit((unsigned char)tok[i + 4][strlen(tok[i + 4]) - 1])) {
				found++;
				break;
			}
		}
	}
	return found;
}

/*
 * After the driver's fault test @name on edu @bdf: the IOVA of its one
 * line "@name: DMA to IOVA 0x<hex>" in @iova, and, once the IOMMU driver
 * has had the time to report it, how many of its reports are of a
 * translation fault of edu there (@faults), and how many of those call
 * the access a write (@writes).  0, or a negative errno: -ENOENT when the
 * driver's line is not there once.
 */
static int edu_fault_reports(const char *bdf, struct kmsg *log,
			     const char *name, unsigned long long *iova,
			     int *faults, int *writes)
{
	int err;

	/* The driver logged its line before the DMA, hence before the fault. */
	err = kmsg_read(log);
	if (err)
		return err;
	if (kmsg_fault_dma(log, name, iova) != 1) {
		iommu_err("no one line \"%s: DMA to IOVA 0x<hex>\" from the driver",
			  name);
		return -ENOENT;
	}
	*faults = kmsg_wait_events(log, "translation fault", bdf, iova);
	if (*faults < 0)
		return *faults;
	*writes = kmsg_faults(log, bdf, iova, "write");
	return 0;
}

TEST_F(edu, coherent_small)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "coherent_small"));
}

TEST_F(edu, coherent_large)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "coherent_large"));
}

TEST_F(edu, single_offsets)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "single_offsets"));
}

TEST_F(edu, sg_merge)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "sg_merge"));
}

TEST_F(edu, noncontiguous)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "noncontiguous"));
}

TEST_F(edu, get_sgtable)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "get_sgtable"));
}

TEST_F(edu, resource)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "resource"));
}

TEST_F(edu, sync_single)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "sync_single"));
}

TEST_F(edu, exhaustion)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "exhaustion"));
}

TEST_F(edu, all)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "all"));
}

/*
 * edu writes to an IOVA that was never mapped: the IOMMU driver reports
 * one translation fault there, a write.
 */
TEST_F(edu, fault_unmapped)
{
	unsigned long long iova = 0;
	int faults = 0, writes = 0;
	struct kmsg log;

	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_run(self->run, "fault_unmapped"));
	ASSERT_EQ(0, edu_fault_reports(pci_bdf(self->devdir), &log,
				       "fault_unmapped", &iova, &faults,
				       &writes)) {
		kmsg_show(&log);
	}
	TH_LOG("edu's DMA went to IOVA 0x%llx", iova);
	EXPECT_EQ(1, faults) {
		TH_LOG("reports of a translation fault of %s at IOVA 0x%llx",
		       pci_bdf(self->devdir), iova);
		kmsg_show(&log);
	}
	EXPECT_EQ(1, writes);
	kmsg_close(&log);
}

/*
 * edu writes to the IOVA of a page after its strict unmap: the same.  On
 * a DMA-FQ domain the IOTLB may keep the translation for a while, and the
 * driver refuses the test.
 */
TEST_F(edu, fault_after_unmap)
{
	bool lazy = !strcmp(expected_group_type(), "DMA-FQ");
	unsigned long long iova = 0;
	int faults = 0, writes = 0;
	struct kmsg log;
	int err;

	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, kmsg_open(&log));
	err = edu_run(self->run, "fault_after_unmap");
	if (lazy || err == -EAGAIN) {
		ASSERT_EQ(-EAGAIN, err);
		SKIP(return, "a DMA-FQ domain may keep an unmapped IOVA's translation for a while");
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, edu_fault_reports(pci_bdf(self->devdir), &log,
				       "fault_after_unmap", &iova, &faults,
				       &writes)) {
		kmsg_show(&log);
	}
	TH_LOG("edu's DMA went to IOVA 0x%llx", iova);
	EXPECT_EQ(1, faults) {
		TH_LOG("reports of a translation fault of %s at IOVA 0x%llx",
		       pci_bdf(self->devdir), iova);
		kmsg_show(&log);
	}
	EXPECT_EQ(1, writes);
	kmsg_close(&log);
}

/*
 * A domain cannot be freed while a fault on it is being reported: the
 * driver's fault handler holds on to its domain while the test detaches
 * and frees it, and the detach must wait (the driver checks; KASAN would
 * report the use after free if it did not).
 */
TEST_F(edu, fault_race)
{
	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, edu_run(self->run, "fault_race"));
}

/*
 * DMA to mapped memory is no fault: the reports the fault tests count must
 * not come from DMA that the IOMMU should let through.
 */
TEST_F(edu, no_fault_on_mapped_dma)
{
	struct kmsg log;

	if (self->identity)
		SKIP(return, NO_DMA);
	ASSERT_EQ(0, kmsg_open(&log));
	ASSERT_EQ(0, edu_run(self->run, "coherent_small"));
	usleep(FAULT_SETTLE_MS * 1000);
	ASSERT_EQ(0, kmsg_read(&log));
	EXPECT_EQ(0, kmsg_faults(&log, pci_bdf(self->devdir), NULL, NULL)) {
		kmsg_show(&log);
	}
	kmsg_close(&log);
}

/*
 * Write a pattern through a mapping of the driver's coherent buffer, let
 * edu copy it 32 KiB further, and find it there through the same mapping.
 */
TEST_F(edu, mmap)
{
	unsigned char pattern[EDU_MMAP_COPY];
	__u64 seed = test_seed(), state = seed;
	unsigned char *map;
	int fd;

	if (self->identity)
		SKIP(return, NO_DMA);
	TH_LOG("seed %llu", (unsigned long long)seed);
	prng_fill(&state, pattern, sizeof(pattern));

	fd = open(self->mmap, O_RDWR);
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s", self->mmap, strerror(errno));
	}
	map = mmap(NULL, EDU_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, map) {
		TH_LOG("mmap of %d bytes: %s", EDU_MMAP_SIZE, strerror(errno));
	}
	memcpy(map, pattern, sizeof(pattern));
	memset(map + EDU_MMAP_DEST, 0, EDU_MMAP_COPY);

	EXPECT_EQ(0, sysfs_write(self->run, "mmap_check"));
	EXPECT_EQ(0, memcmp(map + EDU_MMAP_DEST, pattern, EDU_MMAP_COPY));
	EXPECT_EQ(0, memcmp(map, pattern, EDU_MMAP_COPY));
	munmap(map, EDU_MMAP_SIZE);
}

TEST_F(edu, unknown_test_refused)
{
	EXPECT_EQ(-EINVAL, sysfs_write(self->run, "no_such_test"));
	EXPECT_EQ(-EINVAL, sysfs_write(self->run, "\n"));
}

/* Map @len bytes of the mmap file at @offset; 0 or the negative errno. */
static int try_mmap(const char *path, size_t len, off_t offset)
{
	void *map;
	int fd, err = 0;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	if (map == MAP_FAILED)
		err = -errno;
	else
		munmap(map, len);
	close(fd);
	return err;
}

TEST_F(edu, mmap_too_large_refused)
{
	int want = self->identity ? -ENODEV : -ENXIO;

	EXPECT_EQ(want, try_mmap(self->mmap, 2 * EDU_MMAP_SIZE, 0));
	EXPECT_EQ(want, try_mmap(self->mmap, EDU_MMAP_SIZE + 4096, 0));
	if (!self->identity)
		EXPECT_EQ(0, try_mmap(self->mmap, EDU_MMAP_SIZE, 0));
}

TEST_F(edu, mmap_offset_past_end_refused)
{
	int want = self->identity ? -ENODEV : -ENXIO;

	EXPECT_EQ(want, try_mmap(self->mmap, 4096, EDU_MMAP_SIZE));
	EXPECT_EQ(want, try_mmap(self->mmap, 4096, 4 * EDU_MMAP_SIZE));
	/* Starts inside, ends beyond. */
	EXPECT_EQ(want, try_mmap(self->mmap, 8192, EDU_MMAP_SIZE - 4096));
	if (!self->identity)
		EXPECT_EQ(0, try_mmap(self->mmap, 4096, EDU_MMAP_SIZE - 4096));
}

TEST_F(edu, group_type)
{
	const char *want = expected_group_type();
	char path[PATH_MAX], type[32];
	int group = device_iommu_group(self->devdir);

	ASSERT_LE(0, group);
	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type", group);
	ASSERT_EQ(0, sysfs_read(path, type, sizeof(type)));
	EXPECT_STREQ(want, type) {
		TH_LOG("group %d of edu", group);
	}
}

/*
 * A line of a group's reserved_regions: "0x<16 hex digits> 0x<16 hex
 * digits> <type>", the first and last address and the type.
 */
struct resv_line {
	unsigned long long start;
	unsigned long long end;
	char type[32];
};

static bool resv_line_parse(const char *line, struct resv_line *r)
{
	int n = -1;

	if (sscanf(line, "0x%16llx 0x%16llx %31s%n", &r->start, &r->end,
		   r->type, &n) != 3 || n < 0 || line[n])
		return false;
	/* Both addresses zero-padded to 16 digits, as the kernel prints them */
	return line[18] == ' ' && line[37] == ' ' && r->start <= r->end;
}

static bool resv_direct(const struct resv_line *r)
{
	return !strcmp(r->type, "direct") || !strcmp(r->type, "direct-relaxable");
}

#define MAX_DIRECT	16

/*
 * The direct and direct-relaxable regions that group @group lists, up to
 * @max: how many, or a negative errno; -EILSEQ for a line that does not
 * parse.
 */
static int group_direct_regions(int group, struct resv_line *regions,
				int max)
{
	char path[PATH_MAX], buf[4096], *line, *save;
	struct resv_line r;
	int n = 0, err;

	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/reserved_regions",
		 group);
	err = sysfs_read(path, buf, sizeof(buf));
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!resv_line_parse(line, &r)) {
			iommu_err("%s: \"%s\" is not \"0x<16 digits> 0x<16 digits> <type>\"",
				  path, line);
			return -EILSEQ;
		}
		if (resv_direct(&r) && n < max)
			regions[n++] = r;
	}
	return n;
}

#define FAULT_EVENT	"iommu/io_page_fault"

/*
 * Run the driver's direct_regions on edu @bdf, bound to it: 0 when it
 * passed and the IOMMU driver reported no fault of edu meanwhile, the
 * driver's error, or -EFAULT for a fault.  A read that faults may bring
 * zeros instead of the region's bytes (QEMU's does), which a region of
 * zeros would not tell apart; the report tells.  The trace event counts
 * every report, where the kernel log's lines are rate-limited.
 */
static int edu_direct_regions_run(const char *bdf)
{
	char run[PATH_MAX], *trace;
	int err, faults;

	err = trace_clear() ?: trace_event_enable(FAULT_EVENT, true);
	if (err)
		return err;
	snprintf(run, sizeof(run), EDU_TEST_DEBUGFS "/%s/run", bdf);
	err = edu_run(run, "direct_regions");
	/* The IOMMU driver reports faults from a thread of its own. */
	usleep(FAULT_SETTLE_MS * 1000);
	trace_event_enable(FAULT_EVENT, false);
	if (err)
		return err;

	trace = trace_read();
	if (!trace)
		return -ENOMEM;
	faults = trace_count(trace, "io_page_fault", bdf);
	free(trace);
	if (faults) {
		iommu_err("%d faults of %s reported during direct_regions",
			  faults, bdf);
		return -EFAULT;
	}
	return 0;
}

/*
 * Firmware's DMA into a direct region (an IORT RMR, say) must go on
 * through edu's domain.  Each edu is bound to the test driver, which
 * gives it a group if it had none; where the group lists a direct region,
 * the driver's test direct_regions checks that edu's domain maps each one
 * within edu's 28 bits 1:1, and that edu reads from it what the CPU does,
 * without a fault.
 * Skipped when no edu has one (QEMU's own firmware gives none).
 */
TEST(direct_regions)
{
	struct resv_line regions[MAX_DIRECT];
	struct pci_binding saved;
	char devdir[PATH_MAX];
	int edus = 0, tested = 0;
	const char *missing;
	struct dirent *de;
	DIR *dir;

	missing = edu_test_missing(devdir, sizeof(devdir));
	if (missing)
		MISSING(return, "%s", missing);
	if (!tracefs_ready(FAULT_EVENT))
		MISSING(return, "no trace event " FAULT_EVENT " (CONFIG_FTRACE)");
	if (!strcmp(expected_group_type(), "identity"))
		SKIP(return, NO_DMA);

	dir = opendir(PCI_DEVICES_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		bool in_reach = false;
		int n, i, group;

		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s",
			 de->d_name);
		if (de->d_name[0] == '.' || !pci_device_is(devdir, EDU_VENDOR,
							   EDU_DEVICE))
			continue;
		edus++;
		pci_binding_save(devdir, &saved);
		if (edu_bind(devdir, EDU_TEST_DRIVER)) {
			/* Its IOMMU refused it: kselftest iommu_streams says why. */
			ksft_print_msg("%s: not bound to %s, not tested\n",
				       de->d_name, EDU_TEST_DRIVER);
			EXPECT_EQ(0, pci_binding_restore(devdir, &saved));
			continue;
		}
		group = device_iommu_group(devdir);
		n = group_direct_regions(group, regions, MAX_DIRECT);
		EXPECT_LE(0, n) {
			TH_LOG("reserved regions of group %d of %s: %s", group,
			       de->d_name, strerror(-n));
		}
		for (i = 0; i < n; i++) {
			ksft_print_msg("%s: group %d: direct region 0x%llx-0x%llx, %s\n",
				       de->d_name, group, regions[i].start,
				       regions[i].end, regions[i].type);
			in_reach |= regions[i].end < (1ULL << EDU_DMA_BITS);
		}
		if (n > 0) {
			/* Regions beyond edu's reach it cannot test. */
			EXPECT_EQ(in_reach ? 0 : -EAGAIN,
				  edu_direct_regions_run(de->d_name)) {
				TH_LOG("direct_regions on %s", de->d_name);
			}
			tested++;
		}
		EXPECT_EQ(0, pci_binding_restore(devdir, &saved));
	}
	closedir(dir);
	ASSERT_LT(0, edus);
	if (!tested)
		SKIP(return, "no edu's IOMMU group lists a direct region");
}

/*
 * The converse, on an edu without direct regions: the driver's test
 * refuses to run there.
 */
TEST_F(edu, direct_regions_none)
{
	struct resv_line regions[MAX_DIRECT];
	int n;

	if (self->identity)
		SKIP(return, NO_DMA);
	n = group_direct_regions(device_iommu_group(self->devdir), regions,
				 MAX_DIRECT);
	ASSERT_LE(0, n);
	if (n)
		SKIP(return, "edu has direct regions: see test direct_regions");
	EXPECT_EQ(-EAGAIN, edu_run(self->run, "direct_regions"));
}

TEST_HARNESS_MAIN
