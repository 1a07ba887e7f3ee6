// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's streaming DMA map benchmark on QEMU's edu device: edu is
 * bound to the dma_map_benchmark driver through driver_override, which puts
 * it in an IOMMU group, and the benchmark maps and unmaps pages for it from
 * one and from two threads.  Every run must succeed and report non-zero
 * latencies; bad parameters must be refused.
 *
 * The runs use a 32-bit DMA mask, as the kernel's own benchmark tool does:
 * nothing is transferred, so edu's 28-bit engine does not matter.  One
 * variant asks for edu's real 28 bits.  Behind a translating domain that
 * works, since the IOVA allocator keeps addresses below the mask; with an
 * identity domain it must be refused, because RAM on QEMU virt starts at
 * 1 GiB, out of a direct-mapped 28-bit device's reach.
 */
#include "../kselftest_harness.h"
#include "dma_map_bench.h"
#include "pci_bind.h"

FIXTURE(edu_bench) {
	char devdir[PATH_MAX];
};

FIXTURE_VARIANT(edu_bench) {
	unsigned int threads;
	unsigned int granule;
	unsigned int dma_bits;
};

FIXTURE_VARIANT_ADD(edu_bench, one_thread) {
	.threads = 1,
	.granule = 1,
	.dma_bits = 32,
};

FIXTURE_VARIANT_ADD(edu_bench, two_threads) {
	.threads = 2,
	.granule = 1,
	.dma_bits = 32,
};

FIXTURE_VARIANT_ADD(edu_bench, one_thread_16_pages) {
	.threads = 1,
	.granule = 16,
	.dma_bits = 32,
};

FIXTURE_VARIANT_ADD(edu_bench, edu_28_bit_mask) {
	.threads = 1,
	.granule = 1,
	.dma_bits = EDU_DMA_BITS,
};

FIXTURE_SETUP(edu_bench)
{
	if (edu_find(self->devdir, sizeof(self->devdir)))
		MISSING(return, "no edu device (PCI 1234:11e8)");
	if (!pci_driver_exists(DMA_MAP_BENCH_DRIVER))
		MISSING(return, "no PCI driver " DMA_MAP_BENCH_DRIVER
			" (CONFIG_DMA_MAP_BENCHMARK)");
	if (!debugfs_mounted())
		MISSING(return, "debugfs is not mounted on " DEBUGFS);
	ASSERT_EQ(0, edu_bind(self->devdir, DMA_MAP_BENCH_DRIVER));
}

FIXTURE_TEARDOWN(edu_bench)
{
	EXPECT_EQ(0, pci_unbind_override(self->devdir));
}

static struct dma_map_bench_args bench_args(unsigned int threads,
					    unsigned int granule,
					    unsigned int seconds)
{
	struct dma_map_bench_args args = {
		.threads = threads,
		.seconds = seconds,
		.node = -1,
		.dma_bits = 32,
		.dma_dir = DMA_MAP_BIDIRECTIONAL,
		.granule = granule,
	};

	return args;
}

/*
 * Whether the variant's DMA mask must be refused: a mask too narrow to reach
 * RAM (which starts at 1 GiB on QEMU virt) while edu's group does not
 * translate addresses.
 */
static bool mask_must_fail(const char *devdir, unsigned int dma_bits)
{
	char path[PATH_MAX], type[32] = "";

	if (dma_bits >= 30)
		return false;
	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type",
		 device_iommu_group(devdir));
	sysfs_read(path, type, sizeof(type));
	return strcmp(type, "identity") == 0;
}

TEST_F(edu_bench, one_second)
{
	struct dma_map_bench_args args = bench_args(variant->threads,
						    variant->granule, 1);
	int err;

	args.dma_bits = variant->dma_bits;
	err = dma_map_bench_run(&args);
	if (mask_must_fail(self->devdir, variant->dma_bits)) {
		EXPECT_EQ(-EINVAL, err) {
			TH_LOG("a %u-bit mask cannot reach RAM without translation",
			       variant->dma_bits);
		}
		return;
	}
	ASSERT_EQ(0, err) {
		TH_LOG("DMA_MAP_BENCHMARK: %s", strerror(-err));
	}
	TH_LOG("%u thread(s), %u page(s): map %.1f us (sd %.1f), unmap %.1f us (sd %.1f)",
	       variant->threads, variant->granule,
	       args.avg_map_100ns / 10.0, args.map_stddev / 10.0,
	       args.avg_unmap_100ns / 10.0, args.unmap_stddev / 10.0);
	EXPECT_LT(0ULL, args.avg_map_100ns);
	EXPECT_LT(0ULL, args.avg_unmap_100ns);
}

/*
 * The kernel's user-space benchmark tool (tools/testing/selftests/dma), as a
 * user would run it with the variant's parameters: it must succeed and
 * report non-zero latencies, or fail where the mask cannot work.  The
 * harness installs it as /usr/bin/iommu/dma_map_benchmark;
 * $DMA_MAP_BENCHMARK_TOOL names another copy.
 */
TEST_F(edu_bench, upstream_tool)
{
	const char *tool = getenv("DMA_MAP_BENCHMARK_TOOL");
	double map = -1, unmap = -1, val, sd;
	char cmd[PATH_MAX + 64], line[256];
	FILE *out;

	if (!tool)
		tool = "/usr/bin/iommu/dma_map_benchmark";
	ASSERT_EQ(0, access(tool, X_OK)) {
		TH_LOG("%s: %s", tool, strerror(errno));
	}
	snprintf(cmd, sizeof(cmd), "%s -s 1 -t %u -g %u -b %u 2>&1", tool,
		 variant->threads, variant->granule, variant->dma_bits);
	out = popen(cmd, "r");
	ASSERT_NE(NULL, out);
	while (fgets(line, sizeof(line), out)) {
		TH_LOG("%s", strtok(line, "\n") ?: "");
		if (sscanf(line, "average map latency(us):%lf standard deviation:%lf",
			   &val, &sd) == 2)
			map = val;
		else if (sscanf(line, "average unmap latency(us):%lf standard deviation:%lf",
				&val, &sd) == 2)
			unmap = val;
	}
	if (mask_must_fail(self->devdir, variant->dma_bits)) {
		EXPECT_NE(0, pclose(out));
		EXPECT_EQ(-1.0, map);
		return;
	}
	ASSERT_EQ(0, pclose(out));
	EXPECT_LT(0.0, map);
	EXPECT_LT(0.0, unmap);
}

TEST_F(edu_bench, bad_parameters_refused)
{
	struct dma_map_bench_args args;

	args = bench_args(0, 1, 1);
	EXPECT_EQ(-EINVAL, dma_map_bench_run(&args));
	args = bench_args(1, 0, 1);
	EXPECT_EQ(-EINVAL, dma_map_bench_run(&args));
	args = bench_args(1, 1, 0);
	EXPECT_EQ(-EINVAL, dma_map_bench_run(&args));
	args = bench_args(1, 1, 1);
	args.dma_dir = 7;
	EXPECT_EQ(-EINVAL, dma_map_bench_run(&args));
}

TEST_HARNESS_MAIN
