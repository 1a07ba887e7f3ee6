/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space side of the kernel's streaming DMA map benchmark
 * (kernel/dma/map_benchmark.c, CONFIG_DMA_MAP_BENCHMARK): the ioctl on
 * /sys/kernel/debug/dma_map_benchmark, for a device bound to the benchmark
 * driver (pci_bind.h).  The kernel keeps the ioctl's structure in a header
 * that is not exported to user space, so its layout is spelled out here.
 */
#ifndef __DMA_MAP_BENCH_H
#define __DMA_MAP_BENCH_H

#include <sys/ioctl.h>
#include "iommu_test_util.h"

#define DMA_MAP_BENCH_FILE	DEBUGFS "/dma_map_benchmark"
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
