// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-blk-verify [--no-iommu-ok] DISK: show which device and IOMMU group
 * a disk sits behind, then write, read back and verify a few O_DIRECT
 * transfers through it.  DISK is a block device's name, or serial=SERIAL
 * for the disk with that serial number (the harness gives each of its disks
 * one).  A disk behind no IOMMU fails, unless --no-iommu-ok says that the
 * kernel has no IOMMU driver (make series-check's boots of the patches
 * before the SMMUv3 driver).  It writes only to the harness's disks
 * (scratch_disk_open()).  Used by "make run" to show DMA through the SMMU
 * working; the kselftests do the thorough job.  Exits 0 only if every
 * transfer verified.
 */
#include "iommu_test_util.h"

static const struct {
	size_t len;
	size_t buf_offset;
} transfers[] = {
	{ 4096, 0 },
	{ 65536 + 512, 1536 },
	{ 1 << 20, 0 },
	{ 4 << 20, 3584 },
};

int main(int argc, char **argv)
{
	char devdir[PATH_MAX];
	__u64 seed, state, sum = FNV64_INIT;
	void *wbase, *rbase;
	char *wbuf, *rbuf;
	size_t total = 0;
	off_t off = 0;
	bool no_iommu_ok = false;
	int fd, group;

	char disk[64];

	if (argc == 3 && !strcmp(argv[1], "--no-iommu-ok")) {
		no_iommu_ok = true;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--no-iommu-ok] DISK|serial=SERIAL\n",
			argv[0]);
		return 2;
	}
	if (!strncmp(argv[1], "serial=", 7)) {
		if (disk_by_serial(argv[1] + 7, disk, sizeof(disk))) {
			printf("%s: FAIL: no such disk\n", argv[1] + 7);
			return 1;
		}
		argv[1] = disk;
	}
	group = disk_iommu_group(argv[1], devdir, sizeof(devdir));
	if (group < 0 && !no_iommu_ok) {
		printf("%s: FAIL: missing or not behind an IOMMU\n", argv[1]);
		return 1;
	}
	fd = scratch_disk_open(argv[1]);
	if (fd < 0) {
		printf("%s: FAIL: open: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	wbuf = alloc_io_buffer(4 << 20, IOMMU_PAGE, &wbase);
	rbuf = alloc_io_buffer(4 << 20, IOMMU_PAGE, &rbase);
	if (!wbuf || !rbuf) {
		printf("%s: FAIL: out of memory\n", argv[1]);
		return 1;
	}
	seed = test_seed();
	state = seed;
	for (size_t i = 0; i < ARRAY_SIZE(transfers); i++) {
		size_t len = transfers[i].len;
		char *w = wbase + transfers[i].buf_offset;
		char *r = rbase + transfers[i].buf_offset;

		prng_fill(&state, w, len);
		if (transfer_verify(fd, w, r, len, off)) {
			printf("%s: FAIL: transfer of %zu bytes at offset %lld\n",
			       argv[1], len, (long long)off);
			return 1;
		}
		sum = fnv64(sum, r, len);
		total += len;
		off += len;
	}
	close(fd);
	if (group < 0)
		printf("%s: behind no IOMMU: ", argv[1]);
	else
		printf("%s: behind %s in IOMMU group %d: ", argv[1],
		       strrchr(devdir, '/') + 1, group);
	printf("%zu transfers, %zu bytes written, read back and verified ",
	       ARRAY_SIZE(transfers), total);
	printf("(seed %llu, checksum %016llx)\n", (unsigned long long)seed,
	       (unsigned long long)sum);
	free(wbase);
	free(rbase);
	return 0;
}
