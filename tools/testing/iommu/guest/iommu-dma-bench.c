// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-dma-bench THREADS GRANULE SECONDS [DMA_BITS]: bind QEMU's edu device
 * to the kernel's dma_map_benchmark driver (once) and run the benchmark,
 * printing one machine-readable line for the harness:
 *
 *   @@bench lat threads=1 granule=1 map_100ns=10 map_sd=2 unmap_100ns=31 unmap_sd=3
 *
 * DMA_BITS defaults to 32, as in tools/testing/selftests/dma: the benchmark
 * only maps and unmaps, edu moves no data, so its 28-bit DMA engine does not
 * limit it, and 28 bits of IOVA space is too little for 2 threads mapping
 * 1 MiB at a time while a flush queue holds freed ranges back.
 */
#include "dma_map_bench.h"
#include "pci_bind.h"

int main(int argc, char **argv)
{
	struct dma_map_bench_args args = {
		.node = -1,
		.dma_bits = 32,
		.dma_dir = DMA_MAP_BIDIRECTIONAL,
	};
	char devdir[PATH_MAX];
	int err;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s THREADS GRANULE SECONDS [DMA_BITS]\n",
			argv[0]);
		return 2;
	}
	if (argc == 5)
		args.dma_bits = strtoul(argv[4], NULL, 0);
	args.threads = strtoul(argv[1], NULL, 0);
	args.granule = strtoul(argv[2], NULL, 0);
	args.seconds = strtoul(argv[3], NULL, 0);

	err = edu_find(devdir, sizeof(devdir));
	if (!err)
		err = pci_bind_override(devdir, DMA_MAP_BENCH_DRIVER);
	if (err) {
		printf("@@bench error edu: %s\n", strerror(-err));
		return 1;
	}
	err = dma_map_bench_run(&args);
	if (err) {
		printf("@@bench error threads=%u granule=%u: %s\n", args.threads,
		       args.granule, strerror(-err));
		return 1;
	}
	printf("@@bench lat threads=%u granule=%u", args.threads, args.granule);
	printf(" map_100ns=%llu map_sd=%llu",
	       (unsigned long long)args.avg_map_100ns,
	       (unsigned long long)args.map_stddev);
	printf(" unmap_100ns=%llu unmap_sd=%llu\n",
	       (unsigned long long)args.avg_unmap_100ns,
	       (unsigned long long)args.unmap_stddev);
	return 0;
}
