// SPDX-License-Identifier: GPL-2.0
/*
 * iova_bench: a microbenchmark of the IOVA allocator, for make bench.
 *
 * make bench boots our kernel and the unmodified base kernel once each with
 * this module, built against that kernel's own headers, and compares what it
 * measures.  The module calls nothing but the allocator's public interface
 * (include/linux/iova.h), and every size and every choice it makes comes from
 * a PRNG with a fixed seed, so both kernels run exactly the same workload.
 *
 * Three scenarios, each in a domain of its own (granule PAGE_SIZE, ranges
 * below 4 GiB as for a 32-bit DMA mask), each with an untimed warm-up and
 * then rounds timed with ktime_get_ns().  Under QEMU the same loop runs at
 * one of two speeds, about 2x apart, that alternate every few hundred
 * milliseconds with what the host does.  So (a) and (b), whose rounds take a
 * millisecond or two, run many rounds spread over a second and report the
 * fastest.  The rounds of (c) are not alike, each allocating other sizes and
 * freeing other ranges, so (c) reports the median round.
 *
 * (a) fast_pair_ns: alloc_iova_fast() and free_iova_fast() of 1, 2, 4 or 8
 *     pages.  Most DMA mappings are this small, and the per-CPU range caches
 *     (6.12's hold sizes up to 32 pages) hand back what was just freed, so
 *     this is the fast path that every dma_map/dma_unmap pair pays for.
 *
 * (b) big_pair_ns: the same calls with 64 or 512 pages, sizes beyond 6.12's
 *     caches: each pair goes to the allocator's tree.
 *
 * (c) frag_pair_ns, frag_worst_alloc_ns, frag_max_alloc_ns: a space
 *     fragmented the way a long-running system fragments it.  200000 ranges
 *     of 1 to 8 pages are allocated, then a random half of them is freed,
 *     leaving 100000 live ranges with holes of a few pages between them.
 *     Each timed pair allocates 1, 4, 16, 64 or 256 pages with alloc_iova()
 *     and then frees a random live range with __free_iova(), the new range
 *     taking its place, so that 100000 ranges stay live.  6.12's allocator
 *     searches its tree downwards, range by range, from a cached node; a free
 *     above that node moves the node up to the freed range, and a size that
 *     the holes there cannot take then walks past every live range below it,
 *     tens of thousands of them, with the tree's lock held and interrupts
 *     off.  The mean pair shows the average cost; the worst single
 *     allocation, as the median of the rounds' worst and as the worst of all
 *     rounds, shows how long one DMA mapping can be made to wait.
 *
 * The figures go to the kernel log and to /sys/kernel/debug/iova_bench/results
 * as "name=value" lines, which the harness's /init passes on to the host.  If
 * an allocation fails, so does the module's load: the figures would not
 * describe the same workload in both kernels.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iova.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define IOVA_BENCH_SEED		0x494f5641ULL	/* "IOVA" */
#define IOVA_BENCH_LIMIT_PFN	(DMA_BIT_MASK(32) >> PAGE_SHIFT)

/*
 * (a) and (b): FAST_ROUNDS rounds, FAST_GAP_MS apart, of FAST_PAIRS or
 * BIG_PAIRS pairs, a millisecond or two each under QEMU.  A few long rounds
 * back to back could all land in one of QEMU's slow periods; these span a
 * second or more, and the fastest is reported.
 */
#define FAST_ROUNDS		51
#define FAST_GAP_MS		20
#define FAST_PAIRS		2000
#define BIG_PAIRS		1000

/*
 * (c): ranges allocated, ranges left live, timed rounds (odd, for a plain
 * median) and pairs per round.  The fill takes about 600000 of the 1048575
 * pages below 4 GiB (with 4 KiB pages); the 1200 pairs of the warm-up and
 * the timed rounds add about 120000 more, alignment included, which fit
 * below it.
 */
#define FRAG_FILL		200000
#define FRAG_LIVE		100000
#define FRAG_ROUNDS		5
#define FRAG_PAIRS		200

static const u16 fast_sizes[] = { 1, 2, 4, 8 };
static const u16 big_sizes[] = { 64, 512 };
/* Half of the fill is 1 page, a quarter 2 pages, 15% 4 and 10% 8. */
static const u16 fill_sizes[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
				  2, 2, 2, 2, 2, 4, 4, 4, 8, 8 };
static const u16 frag_sizes[] = { 1, 4, 16, 64, 256 };

enum iova_bench_figure {
	FIG_FAST_PAIR,
	FIG_BIG_PAIR,
	FIG_FRAG_PAIR,
	FIG_FRAG_WORST_ALLOC,
	FIG_FRAG_MAX_ALLOC,
	NR_FIGURES
};

static const char * const iova_bench_names[NR_FIGURES] = {
	[FIG_FAST_PAIR]		= "fast_pair_ns",
	[FIG_BIG_PAIR]		= "big_pair_ns",
	[FIG_FRAG_PAIR]		= "frag_pair_ns",
	[FIG_FRAG_WORST_ALLOC]	= "frag_worst_alloc_ns",
	[FIG_FRAG_MAX_ALLOC]	= "frag_max_alloc_ns",
};

static u64 iova_bench_values[NR_FIGURES];
static struct dentry *iova_bench_dir;

static u16 __init pick(struct rnd_state *rnd, const u16 *sizes,
		       unsigned int nr)
{
	return sizes[reciprocal_scale(prandom_u32_state(rnd), nr)];
}

static int __init cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 __init median(u64 *rounds)
{
	sort(rounds, FRAG_ROUNDS, sizeof(*rounds), cmp_u64, NULL);
	return rounds[FRAG_ROUNDS / 2];
}

/**
 * domain_create() - set up an IOVA domain the way the DMA layer does
 *
 * Return: the domain, with its range caches, or NULL if out of memory.
 */
static struct iova_domain * __init domain_create(void)
{
	struct iova_domain *iovad;

	iovad = kzalloc(sizeof(*iovad), GFP_KERNEL);
	if (!iovad)
		return NULL;
	init_iova_domain(iovad, PAGE_SIZE, 1);
	if (iova_domain_init_rcaches(iovad)) {
		put_iova_domain(iovad);
		kfree(iovad);
		return NULL;
	}
	return iovad;
}

static void __init domain_destroy(struct iova_domain *iovad)
{
	put_iova_domain(iovad);		/* frees the ranges still allocated */
	kfree(iovad);
}

/**
 * fast_pairs() - alloc_iova_fast() and at once free_iova_fast() each size
 * @iovad: the domain
 * @seq: sizes in pages
 * @n: number of entries of @seq to run
 *
 * Return: 0, or -ENOMEM if an allocation failed.
 */
static int __init fast_pairs(struct iova_domain *iovad, const u16 *seq,
			     unsigned int n)
{
	unsigned long pfn;
	unsigned int i;

	for (i = 0; i < n; i++) {
		pfn = alloc_iova_fast(iovad, seq[i], IOVA_BENCH_LIMIT_PFN, true);
		if (!pfn)
			return -ENOMEM;
		free_iova_fast(iovad, pfn, seq[i]);
	}
	return 0;
}

/**
 * bench_fast_pairs() - time alloc_iova_fast() + free_iova_fast() pairs
 * @sizes: sizes in pages to choose from
 * @nr_sizes: number of entries in @sizes
 * @pairs: pairs per round
 * @seed: seed of the size sequence
 * @ns_per_pair: set to the fastest round's mean nanoseconds per pair
 *
 * Scenarios (a) and (b), in a fresh domain.  One PRNG-chosen sequence of
 * sizes is run once untimed, to fill the range caches, and then in
 * FAST_ROUNDS timed rounds FAST_GAP_MS apart; after each gap an eighth of
 * the sequence runs untimed first, to warm the CPU up again.  Each range is
 * freed right after it is allocated, so the domain holds at most one range
 * besides what its caches keep.
 *
 * Return: 0, or -ENOMEM if memory or IOVA space ran out.
 */
static int __init bench_fast_pairs(const u16 *sizes, unsigned int nr_sizes,
				   unsigned int pairs, u64 seed,
				   u64 *ns_per_pair)
{
	struct iova_domain *iovad;
	u64 start, ns, best = U64_MAX;
	struct rnd_state rnd;
	unsigned int i;
	int ret;
	u16 *seq;

	seq = kvmalloc_array(pairs, sizeof(*seq), GFP_KERNEL);
	if (!seq)
		return -ENOMEM;
	iovad = domain_create();
	if (!iovad) {
		kvfree(seq);
		return -ENOMEM;
	}

	prandom_seed_state(&rnd, seed);
	for (i = 0; i < pairs; i++)
		seq[i] = pick(&rnd, sizes, nr_sizes);

	ret = fast_pairs(iovad, seq, pairs);
	for (i = 0; i < FAST_ROUNDS && !ret; i++) {
		msleep(FAST_GAP_MS);
		ret = fast_pairs(iovad, seq, pairs / 8);
		if (ret)
			break;
		start = ktime_get_ns();
		ret = fast_pairs(iovad, seq, pairs);
		ns = div_u64(ktime_get_ns() - start, pairs);
		best = min(best, ns);
	}
	if (!ret)
		*ns_per_pair = best;
	domain_destroy(iovad);
	kvfree(seq);
	return ret;
}

/**
 * frag_fill() - fragment a domain: FRAG_LIVE live ranges with holes between
 * @iovad: an empty domain
 * @ranges: room for FRAG_FILL ranges; the live ones are left in the first
 *	FRAG_LIVE entries, in random order
 * @rnd: the scenario's PRNG
 *
 * Allocates FRAG_FILL size-aligned ranges of fill_sizes below 4 GiB, then
 * frees a random FRAG_FILL - FRAG_LIVE of them.
 *
 * Return: 0, or -ENOSPC if an allocation failed (the domain then holds what
 * was allocated so far, for put_iova_domain() to free).
 */
static int __init frag_fill(struct iova_domain *iovad, struct iova **ranges,
			    struct rnd_state *rnd)
{
	unsigned int i, j;
	u16 size;

	for (i = 0; i < FRAG_FILL; i++) {
		size = pick(rnd, fill_sizes, ARRAY_SIZE(fill_sizes));
		ranges[i] = alloc_iova(iovad, size, IOVA_BENCH_LIMIT_PFN, true);
		if (!ranges[i])
			return -ENOSPC;
		if (!(i % 1024))
			cond_resched();
	}

	/* Fisher-Yates, then the second half goes. */
	for (i = FRAG_FILL - 1; i > 0; i--) {
		j = reciprocal_scale(prandom_u32_state(rnd), i + 1);
		swap(ranges[i], ranges[j]);
	}
	for (i = FRAG_LIVE; i < FRAG_FILL; i++) {
		__free_iova(iovad, ranges[i]);
		ranges[i] = NULL;
		if (!(i % 1024))
			cond_resched();
	}
	return 0;
}

/**
 * bench_frag() - scenario (c): alloc+free pairs in a fragmented space
 * @seed: seed of the scenario's PRNG
 * @values: where the scenario's figures go (FIG_FRAG_*)
 *
 * Fragments a fresh domain with frag_fill(), then runs an untimed warm-up
 * round and FRAG_ROUNDS timed rounds of FRAG_PAIRS pairs: allocate one
 * range of frag_sizes (timed alone as well), free a random live range, keep
 * the new one in its place.  The PRNG draws do not depend on the addresses
 * the allocator returns, so the sequence of calls is the same in any kernel.
 *
 * Return: 0, -ENOMEM if out of memory, or -ENOSPC if an allocation failed.
 */
static int __init bench_frag(u64 seed, u64 *values)
{
	u64 means[FRAG_ROUNDS], worsts[FRAG_ROUNDS];
	u64 t0, t1, t2, total, worst, max_alloc = 0;
	struct iova_domain *iovad;
	struct iova **live, *iova;
	struct rnd_state rnd;
	unsigned int i, victim;
	int round, ret;
	u16 size;

	live = kvcalloc(FRAG_FILL, sizeof(*live), GFP_KERNEL);
	if (!live)
		return -ENOMEM;
	iovad = domain_create();
	if (!iovad) {
		kvfree(live);
		return -ENOMEM;
	}

	prandom_seed_state(&rnd, seed);
	ret = frag_fill(iovad, live, &rnd);
	if (ret)
		goto out;

	/* Round -1 is the warm-up. */
	for (round = -1; round < FRAG_ROUNDS; round++) {
		total = 0;
		worst = 0;
		for (i = 0; i < FRAG_PAIRS; i++) {
			size = pick(&rnd, frag_sizes, ARRAY_SIZE(frag_sizes));
			victim = reciprocal_scale(prandom_u32_state(&rnd),
						  FRAG_LIVE);

			t0 = ktime_get_ns();
			iova = alloc_iova(iovad, size, IOVA_BENCH_LIMIT_PFN,
					  true);
			t1 = ktime_get_ns();
			if (!iova) {
				ret = -ENOSPC;
				goto out;
			}
			__free_iova(iovad, live[victim]);
			t2 = ktime_get_ns();

			live[victim] = iova;
			total += t2 - t0;
			worst = max(worst, t1 - t0);
			cond_resched();
		}
		if (round < 0)
			continue;
		means[round] = div_u64(total, FRAG_PAIRS);
		worsts[round] = worst;
		max_alloc = max(max_alloc, worst);
	}
	values[FIG_FRAG_PAIR] = median(means);
	values[FIG_FRAG_WORST_ALLOC] = median(worsts);
	values[FIG_FRAG_MAX_ALLOC] = max_alloc;
out:
	domain_destroy(iovad);
	kvfree(live);
	return ret;
}

static int iova_bench_results_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < NR_FIGURES; i++)
		seq_printf(m, "%s=%llu\n", iova_bench_names[i],
			   iova_bench_values[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iova_bench_results);

static int __init iova_bench_init(void)
{
	u64 *v = iova_bench_values;
	int i, ret;

	ret = iova_cache_get();
	if (ret)
		return ret;

	ret = bench_fast_pairs(fast_sizes, ARRAY_SIZE(fast_sizes), FAST_PAIRS,
			       IOVA_BENCH_SEED, &v[FIG_FAST_PAIR]);
	if (!ret)
		ret = bench_fast_pairs(big_sizes, ARRAY_SIZE(big_sizes),
				       BIG_PAIRS, IOVA_BENCH_SEED + 1,
				       &v[FIG_BIG_PAIR]);
	if (!ret)
		ret = bench_frag(IOVA_BENCH_SEED + 2, v);

	iova_cache_put();
	if (ret) {
		pr_err("benchmark failed: %d\n", ret);
		return ret;
	}

	for (i = 0; i < NR_FIGURES; i++)
		pr_info("%s=%llu\n", iova_bench_names[i], v[i]);
	iova_bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("results", 0444, iova_bench_dir, NULL,
			    &iova_bench_results_fops);
	return 0;
}
module_init(iova_bench_init);

static void __exit iova_bench_exit(void)
{
	debugfs_remove(iova_bench_dir);
}
module_exit(iova_bench_exit);

MODULE_DESCRIPTION("IOVA allocator microbenchmark for the IOMMU harness");
MODULE_LICENSE("GPL");
