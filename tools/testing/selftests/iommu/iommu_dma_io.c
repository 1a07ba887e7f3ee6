// SPDX-License-Identifier: GPL-2.0
/*
 * Disk I/O through the IOMMU: O_DIRECT writes, read back and compared, on
 * the disks that the harness gives the guest, found by their serial
 * numbers: NVMe, virtio-blk (iommu_platform=on), and in make check's and
 * make run's guest SATA through AHCI, USB disks behind xHCI and EHCI, and a
 * virtio-scsi disk.  Each one's driver moves data its own way: NVMe's PRP
 * lists, virtqueues, AHCI's command tables, xHCI's and EHCI's transfer
 * rings and descriptor pools.  O_DIRECT makes the block layer map the user pages
 * themselves for DMA, so each transfer exercises the DMA layer's map_sg and
 * unmap_sg on the device's IOMMU domain.  Buffers are page aligned or start
 * at an odd multiple of 512 bytes into a page, so a transfer spans pages
 * partially and the scatterlists have several segments of odd lengths.
 *
 * The data comes from a seeded generator; the seed is printed and
 * $IOMMU_TEST_SEED replays it.  After the individual transfers the whole
 * region is read once more in large chunks and its checksum compared with
 * the checksum of what was written.
 *
 * The disks signal completions with MSIs through the GICv3 ITS.  In a DMA
 * domain an MSI is a write the IOMMU translates like any DMA, so it arrives
 * only because the DMA layer mapped the ITS doorbell into the domain
 * (iommu_dma_prepare_msi()); msi_through_its checks that they do arrive.
 * (In the passthrough boot they pass untranslated.)
 */
#include "../kselftest_harness.h"
#include "iommu_test_util.h"

/* Transfer sizes, from one sector to 4 MiB, with odd ones in between. */
static const size_t transfer_sizes[] = {
	512, 1024, 1536, 4096, 4608, 8192, 12800, 65536, 65536 + 3 * 512,
	131072, 131072 + 4096, 262144 + 7 * 512, 1 << 20, (1 << 20) + 512,
	2 << 20, 4 << 20,
};

#define MAX_TRANSFER	(4 * 1024 * 1024)
#define CHUNK		(1024 * 1024)

FIXTURE(disk_io) {
	int fd;
	void *wbase, *rbase;
	char *wbuf, *rbuf;
	char *shadow;		/* what the region should hold */
	size_t region;
	__u64 seed;
	char devdir[PATH_MAX];	/* the disk's device, in its IOMMU group */
	char disk[64];
};

FIXTURE_VARIANT(disk_io) {
	const char *serial;	/* the harness's disk, see harness.py */
	size_t buf_offset;	/* bytes past a page boundary */
};

FIXTURE_VARIANT_ADD(disk_io, nvme_page_aligned) {
	.serial = "iommu-nvme",
	.buf_offset = 0,
};

FIXTURE_VARIANT_ADD(disk_io, nvme_odd_offset) {
	.serial = "iommu-nvme",
	.buf_offset = 3 * IOMMU_SECTOR,
};

FIXTURE_VARIANT_ADD(disk_io, virtio_page_aligned) {
	.serial = "iommu-virtio",
	.buf_offset = 0,
};

FIXTURE_VARIANT_ADD(disk_io, virtio_odd_offset) {
	.serial = "iommu-virtio",
	.buf_offset = 7 * IOMMU_SECTOR,
};

/* SATA through AHCI: command lists and tables in coherent memory. */
FIXTURE_VARIANT_ADD(disk_io, sata_odd_offset) {
	.serial = "iommu-sata",
	.buf_offset = 5 * IOMMU_SECTOR,
};

/* USB disks: xHCI's rings and DMA pools, EHCI's 32-bit descriptors. */
FIXTURE_VARIANT_ADD(disk_io, usb3_odd_offset) {
	.serial = "iommu-usb3",
	.buf_offset = 1 * IOMMU_SECTOR,
};

FIXTURE_VARIANT_ADD(disk_io, usb2_odd_offset) {
	.serial = "iommu-usb2",
	.buf_offset = 3 * IOMMU_SECTOR,
};

FIXTURE_VARIANT_ADD(disk_io, scsi_odd_offset) {
	.serial = "iommu-scsi",
	.buf_offset = 7 * IOMMU_SECTOR,
};

/*
 * The interrupts @devdir's device raised through its MSI vectors that the
 * GICv3 ITS delivers, summed over CPUs; -1 if it has no such vector.
 */
static long its_msi_count(const char *devdir)
{
	char path[PATH_MAX], buf[256];
	struct dirent *de;
	long total = -1;
	char *p;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/msi_irqs", devdir);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/irq/%s/chip_name",
			 de->d_name);
		if (sysfs_read(path, buf, sizeof(buf)) || !strstr(buf, "ITS"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/irq/%s/per_cpu_count",
			 de->d_name);
		if (sysfs_read(path, buf, sizeof(buf)))
			continue;
		if (total < 0)
			total = 0;
		/* "n0,n1,...", one count per CPU */
		for (p = buf; *p; p++) {
			total += strtol(p, &p, 10);
			if (*p != ',')
				break;
		}
	}
	closedir(dir);
	return total;
}

FIXTURE_SETUP(disk_io)
{
	char *devdir = self->devdir;
	int group;

	self->wbase = NULL;
	self->rbase = NULL;
	self->shadow = NULL;
	self->fd = -1;

	if (disk_by_serial(variant->serial, self->disk, sizeof(self->disk)))
		MISSING(return, "no disk with serial %s", variant->serial);
	group = disk_iommu_group(self->disk, devdir, sizeof(self->devdir));
	if (group < 0)
		MISSING(return, "%s (%s) is not behind an IOMMU", self->disk,
			variant->serial);
	TH_LOG("%s (%s): device %s, IOMMU group %d", self->disk,
	       variant->serial, strrchr(devdir, '/') + 1, group);

	self->fd = scratch_disk_open(self->disk);
	ASSERT_LE(0, self->fd);

	self->wbuf = alloc_io_buffer(MAX_TRANSFER, variant->buf_offset,
				     &self->wbase);
	self->rbuf = alloc_io_buffer(MAX_TRANSFER, variant->buf_offset,
				     &self->rbase);
	ASSERT_NE(NULL, self->wbuf);
	ASSERT_NE(NULL, self->rbuf);

	self->region = 0;
	for (size_t i = 0; i < ARRAY_SIZE(transfer_sizes); i++)
		self->region += transfer_sizes[i];
	/* Round up so that the final pass reads whole chunks. */
	self->region = (self->region + CHUNK - 1) / CHUNK * CHUNK;
	self->shadow = malloc(self->region);
	ASSERT_NE(NULL, self->shadow);

	self->seed = test_seed();
	TH_LOG("seed %llu (set IOMMU_TEST_SEED to replay)",
	       (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(disk_io)
{
	if (self->fd >= 0)
		close(self->fd);
	free(self->wbase);
	free(self->rbase);
	free(self->shadow);
}

TEST_F(disk_io, write_read_verify)
{
	__u64 state = self->seed, want, got;
	off_t off = 0;

	/* Fill the whole region first, so the final checksum covers it all. */
	prng_fill(&state, self->shadow, self->region);
	for (off_t pos = 0; pos < (off_t)self->region; pos += CHUNK) {
		memcpy(self->wbuf, self->shadow + pos, CHUNK);
		ASSERT_EQ(0, pwrite_full(self->fd, self->wbuf, CHUNK, pos));
	}

	/* Overwrite it transfer by transfer with fresh data. */
	for (size_t i = 0; i < ARRAY_SIZE(transfer_sizes); i++) {
		size_t len = transfer_sizes[i];

		prng_fill(&state, self->wbuf, len);
		ASSERT_EQ(0, transfer_verify(self->fd, self->wbuf, self->rbuf,
					     len, off)) {
			TH_LOG("transfer of %zu bytes at disk offset %lld",
			       len, (long long)off);
		}
		memcpy(self->shadow + off, self->wbuf, len);
		off += len;
	}

	/* Then read the region back in whole chunks and compare checksums. */
	want = fnv64(FNV64_INIT, self->shadow, self->region);
	got = FNV64_INIT;
	for (off_t pos = 0; pos < (off_t)self->region; pos += CHUNK) {
		memset(self->rbuf, 0x5a, CHUNK);
		ASSERT_EQ(0, pread_full(self->fd, self->rbuf, CHUNK, pos));
		got = fnv64(got, self->rbuf, CHUNK);
	}
	TH_LOG("%zu bytes, checksum %016llx", self->region,
	       (unsigned long long)got);
	EXPECT_EQ(want, got) {
		TH_LOG("region checksum: expected %016llx",
		       (unsigned long long)want);
	}
}

/* The same write landing at many sector-granular offsets within a page. */
TEST_F(disk_io, every_sector_offset)
{
	__u64 state = self->seed ^ 0x5bd1e995;
	off_t disk_off = self->region;

	for (int sector = 0; sector < IOMMU_PAGE / IOMMU_SECTOR; sector++) {
		size_t len = 3 * IOMMU_PAGE + sector * IOMMU_SECTOR;

		prng_fill(&state, self->wbuf, len);
		ASSERT_EQ(0, transfer_verify(self->fd, self->wbuf, self->rbuf,
					     len, disk_off)) {
			TH_LOG("transfer of %zu bytes", len);
		}
		disk_off += len + sector * IOMMU_SECTOR;
	}
}

/* A transfer's completions arrive as MSIs through the ITS doorbell. */
TEST_F(disk_io, msi_through_its)
{
	__u64 state = self->seed ^ 0x9e3779b9;
	long before, after;

	before = its_msi_count(self->devdir);
	if (before < 0)
		SKIP(return, "%s signals completions without MSIs",
		     strrchr(self->devdir, '/') + 1);
	prng_fill(&state, self->wbuf, 65536);
	ASSERT_EQ(0, transfer_verify(self->fd, self->wbuf, self->rbuf, 65536,
				     0));
	after = its_msi_count(self->devdir);
	TH_LOG("%ld ITS MSIs for one write and one read", after - before);
	EXPECT_LT(before, after);
}

TEST_HARNESS_MAIN
