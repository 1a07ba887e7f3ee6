/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space side of the kernel's streaming DMA map benchmark
 * (kernel/dma/map_benchmark.c, CONFIG_DMA_MAP_BENCHMARK): the ioctl on
 * /sys/kernel/debug/dma_map_benchmark and binding a PCI device to the
 * benchmark driver.  The kernel keeps the ioctl's structure in a header that
 * is not exported to user space, so its layout is spelled out here.
 */
#ifndef __DMA_MAP_BENCH_H
#define __DMA_MAP_BENCH_H

#include <sys/ioctl.h>
#include "iommu_test_util.h"

#define DMA_MAP_BENCH_FILE	"/sys/kernel/debug/dma_map_benchmark"
#define DMA_MAP_BENCH_DRIVER	"dma_map_benchmark"
#define DMA_MAP_BIDIRECTIONAL	0

struct dma_map_bench_args {
	__u64 avg_map_100ns;	/* results, in units of 100 ns */
	__u64 map_stddev;
	__u64 avg_unmap_100ns;
	__u64 unmap_stddev;
	__u32 threads;		/* parameters */
	__u32 seconds;
	__s32 node;
	__u32 dma_bits;
	__u32 dma_dir;
	__u32 dma_trans_ns;
	__u32 granule;		/* pages per map */
	__u8 expansion[76];
};

#define DMA_MAP_BENCHMARK	_IOWR('d', 1, struct dma_map_bench_args)

/* QEMU's edu device: PCI 1234:11e8, a 28-bit DMA engine. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_DMA_BITS		28

/*
 * Bind the PCI device in @devdir to @driver through driver_override,
 * unbinding it from whatever holds it first.
 */
static inline int pci_bind_override(const char *devdir, const char *driver)
{
	char path[PATH_MAX], cur[64];
	const char *bdf = strrchr(devdir, '/') + 1;
	int err;

	device_driver(devdir, cur, sizeof(cur));
	if (!strcmp(cur, driver))
		return 0;
	if (cur[0]) {
		snprintf(path, sizeof(path), "%s/driver/unbind", devdir);
		err = sysfs_write(path, bdf);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "%s/driver_override", devdir);
	err = sysfs_write(path, driver);
	if (err)
		return err;
	snprintf(path, sizeof(path), PCI_DRIVERS_DIR "/%s/bind", driver);
	return sysfs_write(path, bdf);
}

/* Undo pci_bind_override(): unbind and clear the override. */
static inline int pci_unbind_override(const char *devdir)
{
	char path[PATH_MAX], cur[64];
	const char *bdf = strrchr(devdir, '/') + 1;
	int err = 0;

	device_driver(devdir, cur, sizeof(cur));
	if (cur[0]) {
		snprintf(path, sizeof(path), "%s/driver/unbind", devdir);
		err = sysfs_write(path, bdf);
	}
	snprintf(path, sizeof(path), "%s/driver_override", devdir);
	/* A lone newline clears the override. */
	return sysfs_write(path, "\n") ?: err;
}

/*
 * Find QEMU's edu, bind it to @driver and check that it got an IOMMU group
 * (a PCI device gets one when a driver binds).  Returns 0, or -1 with what
 * went wrong in @why.
 */
static inline int edu_bind(const char *driver, char *devdir, size_t len,
			   char *why, size_t why_len)
{
	char cur[64];
	int err;

	if (find_pci_device(EDU_VENDOR, EDU_DEVICE, devdir, len)) {
		snprintf(why, why_len,
			 "no edu device (1234:11e8); run QEMU with -device edu");
		return -1;
	}
	err = pci_bind_override(devdir, driver);
	if (err) {
		snprintf(why, why_len, "binding %s to %s: %s", devdir, driver,
			 strerror(-err));
		return -1;
	}
	device_driver(devdir, cur, sizeof(cur));
	if (strcmp(cur, driver)) {
		snprintf(why, why_len, "%s is bound to \"%s\", not %s", devdir,
			 cur, driver);
		return -1;
	}
	if (device_iommu_group(devdir) < 0) {
		snprintf(why, why_len,
			 "edu got no IOMMU group when its driver bound");
		return -1;
	}
	return 0;
}

/* Run the benchmark; 0 or the negative errno of the ioctl. */
static inline int dma_map_bench_run(struct dma_map_bench_args *args)
{
	int fd, err = 0;

	fd = open(DMA_MAP_BENCH_FILE, O_RDWR);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, DMA_MAP_BENCHMARK, args))
		err = -errno;
	close(fd);
	return err;
}

#endif /* __DMA_MAP_BENCH_H */
