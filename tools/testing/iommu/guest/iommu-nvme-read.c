// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-nvme-read DISK SIZE COUNT: COUNT O_DIRECT reads of SIZE bytes from
 * consecutive offsets of /dev/DISK, the workload whose SMMU commands the
 * harness counts in QEMU's trace.  Nothing else touches the disk meanwhile.
 */
#include "iommu_test_util.h"

int main(int argc, char **argv)
{
	char dev[PATH_MAX];
	size_t size;
	void *buf;
	long count;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DISK SIZE COUNT\n", argv[0]);
		return 2;
	}
	size = strtoul(argv[2], NULL, 0);
	count = strtol(argv[3], NULL, 0);
	snprintf(dev, sizeof(dev), "/dev/%s", argv[1]);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, IOMMU_PAGE, size)) {
		perror(dev);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		int err = pread_full(fd, buf, size, (off_t)i * size);

		if (err) {
			fprintf(stderr, "%s: read %ld: %s\n", dev, i, strerror(-err));
			return 1;
		}
	}
	printf("@@bench reads disk=%s size=%zu count=%ld\n", argv[1], size, count);
	close(fd);
	free(buf);
	return 0;
}
