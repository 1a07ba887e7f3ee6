// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOVA allocator.
 *
 * Most cases build a small domain (page frames from IOVA_TEST_START up) and
 * check placement exactly, because placement is part of the contract: the
 * highest free place below the limit, aligned when asked.  After every case
 * that changes the tree, iova_test_check_tree() recomputes every node's
 * subtree summary by brute force and compares, since a stale summary would
 * not crash anything but would make the allocator miss free space.
 *
 * The differential case replays thousands of random operations against a
 * flat sorted array of ranges that places requests by scanning the free
 * runs from the top; it prints its seed so that a failure can be replayed
 * with iova_test.seed=N.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/iova.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "iova-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the randomized cases (0: pick one)");

#define IOVA_TEST_START	1UL

static struct iova_domain *iova_test_domain(struct kunit *test)
{
	return test->priv;
}

static int iova_test_init(struct kunit *test)
{
	struct iova_domain *iovad;

	KUNIT_ASSERT_EQ(test, iova_cache_get(), 0);
	iovad = kzalloc(sizeof(*iovad), GFP_KERNEL);
	if (!iovad) {
		iova_cache_put();
		return -ENOMEM;
	}
	init_iova_domain(iovad, SZ_4K, IOVA_TEST_START);
	test->priv = iovad;
	return 0;
}

static void iova_test_exit(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);

	put_iova_domain(iovad);
	kfree(iovad);
	iova_cache_put();
}

static unsigned int iova_test_seed(struct kunit *test)
{
	unsigned int s = seed ?: get_random_u32() ?: 1;

	kunit_info(test, "seed %u (replay with iova_test.seed=%u)\n", s, s);
	return s;
}

/* ---- Tree invariants, recomputed the slow way ---- */

struct iova_test_summary {
	unsigned long lo, hi, gap;
	int order;
	bool any;		/* seen a range yet */
};

/* Largest aligned block in [lo, hi], by trying every order */
static int iova_test_run_order(unsigned long lo, unsigned long hi)
{
	int order;

	for (order = BITS_PER_LONG - 1; order >= 0; order--) {
		unsigned long block = 1UL << order;
		unsigned long start = ALIGN(lo, block);

		if (start >= lo && start <= hi && hi - start >= block - 1)
			return order;
	}
	return -1;
}

/* Fold the ranges of @node's subtree, in order, into @sum */
static void iova_test_fold(struct rb_node *node, struct iova_test_summary *sum)
{
	struct iova *iova;

	if (!node)
		return;
	iova_test_fold(node->rb_left, sum);
	iova = rb_entry(node, struct iova, node);
	if (!sum->any) {
		sum->lo = iova->pfn_lo;
		sum->any = true;
	} else if (iova->pfn_lo > sum->hi + 1) {
		sum->gap = max(sum->gap, iova->pfn_lo - sum->hi - 1);
		sum->order = max(sum->order,
				 iova_test_run_order(sum->hi + 1, iova->pfn_lo - 1));
	}
	sum->hi = iova->pfn_hi;
	iova_test_fold(node->rb_right, sum);
}

static unsigned long iova_test_check_node(struct kunit *test,
					  struct rb_node *node)
{
	struct iova_test_summary sum = { .order = -1 };
	struct iova *iova;
	unsigned long count;

	if (!node)
		return 0;
	iova = rb_entry(node, struct iova, node);
	KUNIT_EXPECT_LE(test, iova->pfn_lo, iova->pfn_hi);
	iova_test_fold(node, &sum);
	KUNIT_EXPECT_EQ(test, iova->subtree_lo, sum.lo);
	KUNIT_EXPECT_EQ(test, iova->subtree_hi, sum.hi);
	KUNIT_EXPECT_EQ(test, iova->subtree_gap, sum.gap);
	KUNIT_EXPECT_EQ(test, (int)iova->subtree_order, sum.order);
	count = 1 + iova_test_check_node(test, node->rb_left);
	return count + iova_test_check_node(test, node->rb_right);
}

/* Ranges ordered and disjoint, every summary right; returns the count */
static unsigned long iova_test_check_tree(struct kunit *test,
					  struct iova_domain *iovad)
{
	struct rb_node *node;
	struct iova *prev = NULL, *iova;

	for (node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
		iova = rb_entry(node, struct iova, node);
		if (prev)
			KUNIT_EXPECT_GT(test, iova->pfn_lo, prev->pfn_hi);
		prev = iova;
	}
	return iova_test_check_node(test, iovad->rbroot.rb_node);
}

/* ---- Placement ---- */

static void iova_test_top_down(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *a, *b, *c;

	a = alloc_iova(iovad, 1, 1000, false);
	b = alloc_iova(iovad, 3, 1000, false);
	c = alloc_iova(iovad, 2, 1000, false);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, a->pfn_lo, 1000UL);
	KUNIT_EXPECT_EQ(test, b->pfn_lo, 997UL);
	KUNIT_EXPECT_EQ(test, b->pfn_hi, 999UL);
	KUNIT_EXPECT_EQ(test, iova_size(b), 3UL);
	KUNIT_EXPECT_EQ(test, c->pfn_lo, 995UL);
	iova_test_check_tree(test, iovad);
}

static void iova_test_alignment(struct kunit *test)
{
	static const unsigned long sizes[] = { 1, 2, 3, 4, 5, 8, 12, 16, 33, 64 };
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *iova;
	unsigned int i;

	/* an odd range at the top leaves every later one misaligned */
	KUNIT_ASSERT_NOT_NULL(test, alloc_iova(iovad, 1, 0xfffff, false));
	iova = alloc_iova(iovad, 2, 0xfffff, true);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo, 0xffffcUL);
	iova = alloc_iova(iovad, 1, 0xfffff, true);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo, 0xffffeUL);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long align = roundup_pow_of_two(sizes[i]);

		iova = alloc_iova(iovad, sizes[i], 0xfffff, true);
		KUNIT_ASSERT_NOT_NULL(test, iova);
		KUNIT_EXPECT_EQ(test, iova_size(iova), sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, iova->pfn_lo % align, 0UL,
				    "size %lu at %#lx", sizes[i], iova->pfn_lo);
	}
	iova_test_check_tree(test, iovad);
}

static void iova_test_limit(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct rnd_state rnd;
	struct iova *iova;
	unsigned int i;

	prandom_seed_state(&rnd, iova_test_seed(test));
	for (i = 0; i < 500; i++) {
		unsigned long limit = IOVA_TEST_START + prandom_u32_state(&rnd) % 5000;
		unsigned long size = 1 + prandom_u32_state(&rnd) % 9;

		iova = alloc_iova(iovad, size, limit, i & 1);
		if (!iova)
			continue;
		KUNIT_EXPECT_LE(test, iova->pfn_hi, limit);
		KUNIT_EXPECT_GE(test, iova->pfn_lo, IOVA_TEST_START);
	}
	iova_test_check_tree(test, iovad);

	/* a window too small or upside down holds nothing */
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, IOVA_TEST_START - 1, false));
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 0, 100, false));
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, ULONG_MAX, ULONG_MAX, true));
	KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 0, 100, true), 0UL);
}

static void iova_test_reserve(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *r1, *r2, *live, *iova;
	unsigned int i;

	r1 = reserve_iova(iovad, 100, 199);
	KUNIT_ASSERT_NOT_NULL(test, r1);
	KUNIT_EXPECT_TRUE(test, r1->reserved);

	/* allocations fill 200..300 and 1..99 and never touch 100..199 */
	for (i = 0; i < 200; i++) {
		iova = alloc_iova(iovad, 1, 300, false);
		KUNIT_ASSERT_NOT_NULL(test, iova);
		KUNIT_EXPECT_TRUE(test, iova->pfn_lo < 100 || iova->pfn_lo > 199);
	}
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, 300, false));

	/* overlapping reservations merge into the first */
	r2 = reserve_iova(iovad, 150, 250);
	KUNIT_EXPECT_NULL(test, r2);	/* 200..250 are live allocations */
	put_iova_domain(iovad);

	r1 = reserve_iova(iovad, 100, 199);
	r2 = reserve_iova(iovad, 300, 399);
	KUNIT_ASSERT_NOT_NULL(test, r1);
	KUNIT_ASSERT_NOT_NULL(test, r2);
	iova = reserve_iova(iovad, 150, 350);
	KUNIT_EXPECT_PTR_EQ(test, iova, r1);
	KUNIT_EXPECT_EQ(test, r1->pfn_lo, 100UL);
	KUNIT_EXPECT_EQ(test, r1->pfn_hi, 399UL);
	KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 399), r1);
	KUNIT_EXPECT_PTR_EQ(test, reserve_iova(iovad, 120, 130), r1);
	KUNIT_EXPECT_NULL(test, reserve_iova(iovad, 10, 9));

	/* a reservation beside a live range does not swallow it */
	live = alloc_iova(iovad, 1, 400, false);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_EXPECT_EQ(test, live->pfn_lo, 400UL);
	KUNIT_EXPECT_NULL(test, reserve_iova(iovad, 390, 400));
	KUNIT_EXPECT_NOT_NULL(test, reserve_iova(iovad, 401, 500));
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 3UL);
}

/* reserve_iova_range() says why it failed; reserve_iova() only that. */
static void iova_test_reserve_errors(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *live, *r;

	live = alloc_iova(iovad, 10, 1000, false);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_EXPECT_EQ(test, PTR_ERR(reserve_iova_range(iovad, live->pfn_lo - 5,
							 live->pfn_lo)), -EBUSY);
	KUNIT_EXPECT_EQ(test, PTR_ERR(reserve_iova_range(iovad, 20, 10)),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, reserve_iova(iovad, 20, 10));

	r = reserve_iova_range(iovad, 10, 20);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_TRUE(test, r->reserved);
	KUNIT_EXPECT_PTR_EQ(test, reserve_iova_range(iovad, 15, 30), r);
	KUNIT_EXPECT_EQ(test, r->pfn_hi, 30UL);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 2UL);
}

/* iova_domain_usage() tells reserved, cached and allocated ranges apart. */
static void iova_test_usage(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova_usage usage;
	unsigned long pfn[3];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	iova_domain_usage(iovad, &usage);
	KUNIT_EXPECT_EQ(test, usage.ranges, 0UL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(reserve_iova_range(iovad, 5000, 5999)));
	for (i = 0; i < ARRAY_SIZE(pfn); i++) {
		pfn[i] = alloc_iova_fast(iovad, 1, 0xffff, false);
		KUNIT_ASSERT_NE(test, pfn[i], 0UL);
	}
	iova_domain_usage(iovad, &usage);
	KUNIT_EXPECT_EQ(test, usage.ranges, 4UL);
	KUNIT_EXPECT_EQ(test, usage.reserved, 1UL);
	KUNIT_EXPECT_EQ(test, usage.cached, 0UL);

	/* freed into the cache: still a range, now a cached one */
	free_iova_fast(iovad, pfn[0], 1);
	free_iova_fast(iovad, pfn[1], 1);
	iova_domain_usage(iovad, &usage);
	KUNIT_EXPECT_EQ(test, usage.ranges, 4UL);
	KUNIT_EXPECT_EQ(test, usage.cached, 2UL);

	iova_domain_flush_rcaches(iovad);
	iova_domain_usage(iovad, &usage);
	KUNIT_EXPECT_EQ(test, usage.ranges, 2UL);
	KUNIT_EXPECT_EQ(test, usage.reserved, 1UL);
	KUNIT_EXPECT_EQ(test, usage.cached, 0UL);
}

static void iova_test_exhaustion(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *iova, *taken[64];
	unsigned int i;

	for (i = 0; i < 64; i++) {
		taken[i] = alloc_iova(iovad, 1, 64, true);
		KUNIT_ASSERT_NOT_NULL(test, taken[i]);
	}
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, 64, true));
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, 64, false));
	KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, 64, true), 0UL);

	/* a freed page is found again, and nothing else */
	__free_iova(iovad, taken[17]);
	iova = alloc_iova(iovad, 1, 64, false);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo, 47UL);
	KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, 64, false));
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 64UL);
}

static void iova_test_reuse_and_find(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *a, *b;
	unsigned long pfn, lo;

	a = alloc_iova(iovad, 16, 0xffff, true);
	KUNIT_ASSERT_NOT_NULL(test, a);
	lo = a->pfn_lo;
	for (pfn = lo; pfn < lo + 16; pfn++)
		KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, pfn), a);
	KUNIT_EXPECT_NULL(test, find_iova(iovad, lo - 1));
	KUNIT_EXPECT_NULL(test, find_iova(iovad, lo + 16));

	free_iova(iovad, lo + 5);
	KUNIT_EXPECT_NULL(test, find_iova(iovad, lo));
	b = alloc_iova(iovad, 16, 0xffff, true);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, b->pfn_lo, lo);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 1UL);
}

/* Holes of one page: small requests reuse them, larger ones go below */
static void iova_test_fragmentation(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova *iova, **taken;
	unsigned long lowest = ULONG_MAX;
	unsigned int i;

	taken = kunit_kcalloc(test, 1001, sizeof(*taken), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, taken);

	for (i = 0; i <= 1000; i++) {
		taken[i] = alloc_iova(iovad, 1, 0xffff, false);
		KUNIT_ASSERT_NOT_NULL(test, taken[i]);
		lowest = taken[i]->pfn_lo;
	}
	for (i = 1; i <= 1000; i += 2)
		__free_iova(iovad, taken[i]);
	KUNIT_EXPECT_EQ(test, lowest, 0xffffUL - 1000);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 501UL);

	/* two pages fit no hole: the first place is below everything */
	iova = alloc_iova(iovad, 2, 0xffff, false);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_hi, lowest - 1);

	/* an aligned pair needs an aligned block, also below */
	iova = alloc_iova(iovad, 2, 0xffff, true);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_LT(test, iova->pfn_hi, lowest - 2);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo % 2, 0UL);

	/* one page takes the highest hole */
	iova = alloc_iova(iovad, 1, 0xffff, false);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo, 0xfffeUL);

	/* below a limit inside the fragmented part, the highest hole there */
	iova = alloc_iova(iovad, 1, 0xffff - 500, false);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova->pfn_lo, 0xffffUL - 501);
	iova_test_check_tree(test, iovad);
}

/* ---- Caches ---- */

static void iova_test_cache_hit_and_flush(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	unsigned long pfn, again;
	struct iova *iova;

	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	KUNIT_EXPECT_EQ(test, iova_domain_init_rcaches(iovad), -EBUSY);
	KUNIT_EXPECT_EQ(test, iova_rcache_range(),
			PAGE_SIZE * IOVA_CACHE_MAX_PAGES);

	/* small sizes round up to a power of two, size-aligned */
	pfn = alloc_iova_fast(iovad, 3, 0xffff, false);
	KUNIT_ASSERT_NE(test, pfn, 0UL);
	iova = find_iova(iovad, pfn);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	KUNIT_EXPECT_EQ(test, iova_size(iova), 4UL);
	KUNIT_EXPECT_EQ(test, pfn % 4, 0UL);

	/* freed into the cache: still in the tree, and handed out again */
	migrate_disable();
	free_iova_fast(iovad, pfn, 3);
	KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, pfn), iova);
	again = alloc_iova_fast(iovad, 4, 0xffff, false);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, again, pfn);

	/* a cached range above the caller's limit is not handed out */
	free_iova_fast(iovad, pfn, 4);
	again = alloc_iova_fast(iovad, 4, pfn - 1, false);
	KUNIT_EXPECT_NE(test, again, 0UL);
	KUNIT_EXPECT_LE(test, again + 3, pfn - 1);
	free_iova_fast(iovad, again, 4);

	/* a flush gives everything back */
	iova_domain_flush_rcaches(iovad);
	KUNIT_EXPECT_NULL(test, find_iova(iovad, pfn));
	KUNIT_EXPECT_NULL(test, find_iova(iovad, again));
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 0UL);

	/* sizes beyond the caches go straight back to the tree */
	pfn = alloc_iova_fast(iovad, IOVA_CACHE_MAX_PAGES + 1, 0xffff, false);
	KUNIT_ASSERT_NE(test, pfn, 0UL);
	free_iova_fast(iovad, pfn, IOVA_CACHE_MAX_PAGES + 1);
	KUNIT_EXPECT_NULL(test, find_iova(iovad, pfn));
}

/* Exhaustion caused by cached ranges is undone by the flush-and-retry */
static void iova_test_cache_flush_on_exhaustion(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	unsigned long pfns[15], pfn;
	unsigned int i;

	/* fill page frames 1..15 with single pages, then cache them all */
	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	for (i = 0; i < 15; i++) {
		pfns[i] = alloc_iova_fast(iovad, 1, 15, false);
		KUNIT_ASSERT_NE(test, pfns[i], 0UL);
	}
	KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, 15, true), 0UL);
	for (i = 0; i < 15; i++)
		free_iova_fast(iovad, pfns[i], 1);

	KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 8, 15, false), 0UL);
	pfn = alloc_iova_fast(iovad, 8, 15, true);
	KUNIT_EXPECT_EQ(test, pfn, 8UL);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 1UL);
}

static unsigned long iova_test_count_live(struct iova_domain *iovad,
					  const unsigned long *pfns,
					  unsigned long count)
{
	unsigned long i, live = 0;

	for (i = 0; i < count; i++)
		live += !!find_iova(iovad, pfns[i]);
	return live;
}

/* The depot never grows past its bound, and a trim empties an idle one */
static void iova_test_depot_bound_and_trim(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	unsigned long count = (IOVA_DEPOT_MAX + 8) * IOVA_MAG_PFNS;
	unsigned long *pfns, i, bound, held;

	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	pfns = kunit_kcalloc(test, count, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (i = 0; i < count; i++) {
		pfns[i] = alloc_iova_fast(iovad, 1, 0xfffff, false);
		KUNIT_ASSERT_NE(test, pfns[i], 0UL);
	}
	for (i = 0; i < count; i++) {
		free_iova_fast(iovad, pfns[i], 1);
		KUNIT_ASSERT_LE(test, iova_depot_count(iovad, 0),
				(unsigned int)IOVA_DEPOT_MAX);
	}
	KUNIT_EXPECT_EQ(test, iova_depot_count(iovad, 0),
			(unsigned int)IOVA_DEPOT_MAX);
	bound = (IOVA_DEPOT_MAX + 2 * num_possible_cpus()) * IOVA_MAG_PFNS;
	held = iova_test_count_live(iovad, pfns, count);
	KUNIT_EXPECT_LE(test, held, bound);
	KUNIT_EXPECT_LT(test, held, count);

	/* the first trim after the depot filled up keeps it: it was in use */
	iova_depot_trim(iovad);
	KUNIT_EXPECT_EQ(test, iova_depot_count(iovad, 0),
			(unsigned int)IOVA_DEPOT_MAX);
	/* a whole period without use: every magazine goes back */
	iova_depot_trim(iovad);
	KUNIT_EXPECT_EQ(test, iova_depot_count(iovad, 0), 0U);
	KUNIT_EXPECT_LE(test, iova_test_count_live(iovad, pfns, count),
			2 * num_possible_cpus() * IOVA_MAG_PFNS);
	iova_test_check_tree(test, iovad);
}

struct iova_test_cpu_work {
	struct iova_domain *iovad;
	unsigned long pfn;
	struct completion done;
};

static int iova_test_free_on_cpu(void *data)
{
	struct iova_test_cpu_work *work = data;

	free_iova_fast(work->iovad, work->pfn, 1);
	complete(&work->done);
	return 0;
}

#define IOVA_TEST_ONLINE_TRIES	20

/* A CPU that goes offline gives its cached ranges back */
static void iova_test_cpu_offline(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova_test_cpu_work work = { .iovad = iovad };
	struct task_struct *task;
	unsigned int cpu, tries;
	int ret;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2)
		kunit_skip(test, "needs CPU hotplug and two CPUs");
	cpu = cpumask_last(cpu_online_mask);
	if (cpu == 0)
		kunit_skip(test, "no CPU to take offline");

	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	work.pfn = alloc_iova_fast(iovad, 1, 0xffff, false);
	KUNIT_ASSERT_NE(test, work.pfn, 0UL);
	init_completion(&work.done);
	task = kthread_create_on_cpu(iova_test_free_on_cpu, &work, cpu,
				     "iova-test/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wake_up_process(task);
	wait_for_completion(&work.done);
	KUNIT_EXPECT_NOT_NULL(test, find_iova(iovad, work.pfn));

	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU%u refused to go offline: %d", cpu, ret);
	KUNIT_EXPECT_NULL(test, find_iova(iovad, work.pfn));

	/*
	 * On a slow or busy machine the dead CPU can take longer to power
	 * off than arm64 waits for it, and it cannot be started again
	 * until it has: give it a few seconds rather than lose it for the
	 * tests that follow.
	 */
	for (tries = 0; (ret = add_cpu(cpu)) && tries < IOVA_TEST_ONLINE_TRIES;
	     tries++) {
		kunit_info(test, "CPU%u not back online yet: %d", cpu, ret);
		msleep(500);
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
}

/* ---- Against a reference model ---- */

struct iova_model_range {
	unsigned long lo, hi;
};

#define IOVA_MODEL_SPACE	4096UL
#define IOVA_MODEL_MAX		1024

struct iova_model {
	struct iova_model_range r[IOVA_MODEL_MAX];
	struct iova *node[IOVA_MODEL_MAX];
	unsigned int count;
};

/*
 * Where alloc_iova() must put a request: the free runs inside
 * [start, limit] from the top down, the first that holds it.
 */
static bool iova_model_place(struct iova_model *m, unsigned long start,
			     unsigned long limit, unsigned long size,
			     bool aligned, unsigned long *pfn)
{
	unsigned long align = aligned ? roundup_pow_of_two(size) : 1;
	unsigned long top = limit, bottom;
	int i;

	for (i = m->count; i >= 0; i--) {
		unsigned long x;

		bottom = i ? m->r[i - 1].hi + 1 : start;
		if (i < m->count)
			top = min(limit, m->r[i].lo - 1);
		bottom = max(bottom, start);
		if (top < bottom || top - bottom + 1 < max(size, align))
			continue;
		x = (top - size + 1) & ~(align - 1);
		if (aligned && ((top - align + 1) & ~(align - 1)) < bottom)
			continue;
		*pfn = x;
		return true;
	}
	return false;
}

static void iova_model_insert(struct iova_model *m, unsigned long lo,
			      unsigned long hi, struct iova *node)
{
	unsigned int i = m->count++;

	m->r[i] = (struct iova_model_range){ .lo = lo, .hi = hi };
	m->node[i] = node;
	/* keep both arrays in step: insertion sort by lo */
	while (i && m->r[i - 1].lo > lo) {
		swap(m->r[i], m->r[i - 1]);
		swap(m->node[i], m->node[i - 1]);
		i--;
	}
}

static void iova_model_remove(struct iova_model *m, unsigned int i)
{
	m->count--;
	memmove(&m->r[i], &m->r[i + 1], (m->count - i) * sizeof(m->r[0]));
	memmove(&m->node[i], &m->node[i + 1], (m->count - i) * sizeof(m->node[0]));
}

static void iova_test_differential(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct rnd_state rnd;
	struct iova_model *m;
	unsigned int op, i, fails = 0, allocs = 0;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&rnd, iova_test_seed(test));

	for (op = 0; op < 6000 && !fails; op++) {
		u32 dice = prandom_u32_state(&rnd);
		unsigned long limit, size, pfn;
		bool aligned, expect;
		struct iova *iova;

		if (dice % 8 < 4 && m->count < IOVA_MODEL_MAX) {
			/* mostly small sizes, now and then a large one */
			size = dice % 16 ? 1 + prandom_u32_state(&rnd) % 8 :
					   1 + prandom_u32_state(&rnd) % 300;
			limit = IOVA_TEST_START +
				prandom_u32_state(&rnd) % IOVA_MODEL_SPACE;
			aligned = prandom_u32_state(&rnd) & 1;
			expect = iova_model_place(m, IOVA_TEST_START, limit,
						  size, aligned, &pfn);
			iova = alloc_iova(iovad, size, limit, aligned);
			KUNIT_EXPECT_EQ_MSG(test, !!iova, expect,
					    "op %u: size %lu limit %lu aligned %d",
					    op, size, limit, aligned);
			if (iova && expect)
				KUNIT_EXPECT_EQ_MSG(test, iova->pfn_lo, pfn,
						    "op %u: size %lu limit %lu aligned %d",
						    op, size, limit, aligned);
			if (iova)
				iova_model_insert(m, iova->pfn_lo, iova->pfn_hi,
						  iova);
			if (!!iova != expect || (iova && iova->pfn_lo != pfn))
				fails++;
			allocs += !!iova;
		} else if (dice % 8 < 7 && m->count) {
			i = prandom_u32_state(&rnd) % m->count;
			if (dice & 0x100)
				__free_iova(iovad, m->node[i]);
			else
				free_iova(iovad, m->r[i].lo +
					  prandom_u32_state(&rnd) %
					  (m->r[i].hi - m->r[i].lo + 1));
			iova_model_remove(m, i);
		} else {
			/* look up a random page frame */
			unsigned long probe = prandom_u32_state(&rnd) %
					      (IOVA_MODEL_SPACE + 2);
			struct iova *want = NULL;

			for (i = 0; i < m->count; i++)
				if (m->r[i].lo <= probe && probe <= m->r[i].hi)
					want = m->node[i];
			KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, probe), want);
		}
		if (op % 1000 == 999)
			KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad),
					(unsigned long)m->count);
	}
	KUNIT_EXPECT_EQ(test, fails, 0U);
	KUNIT_EXPECT_GT(test, allocs, 1000U);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad),
			(unsigned long)m->count);
}

/* ---- Concurrency ---- */

#define IOVA_STRESS_SPACE	BIT(14)
#define IOVA_STRESS_LIVE	64

struct iova_stress {
	struct iova_domain *iovad;
	unsigned long *used;		/* a bit per page frame */
	atomic_t overlaps, failures;
	struct completion done;
	atomic_t running;
	unsigned int seed;
};

static int iova_stress_thread(void *data)
{
	struct iova_stress *st = data;
	unsigned long pfn[IOVA_STRESS_LIVE], len[IOVA_STRESS_LIVE];
	struct rnd_state rnd;
	unsigned int i, slot, k;

	prandom_seed_state(&rnd, st->seed + raw_smp_processor_id());
	memset(pfn, 0, sizeof(pfn));
	for (i = 0; i < 20000; i++) {
		slot = prandom_u32_state(&rnd) % IOVA_STRESS_LIVE;
		if (pfn[slot]) {
			for (k = 0; k < len[slot]; k++)
				clear_bit(pfn[slot] + k, st->used);
			free_iova_fast(st->iovad, pfn[slot], len[slot]);
			pfn[slot] = 0;
			continue;
		}
		len[slot] = 1UL << (prandom_u32_state(&rnd) % 6);
		pfn[slot] = alloc_iova_fast(st->iovad, len[slot],
					    IOVA_STRESS_SPACE - 1, true);
		if (!pfn[slot]) {
			atomic_inc(&st->failures);
			continue;
		}
		for (k = 0; k < len[slot]; k++)
			if (test_and_set_bit(pfn[slot] + k, st->used))
				atomic_inc(&st->overlaps);
		if (i % 256 == 0)
			cond_resched();
	}
	for (slot = 0; slot < IOVA_STRESS_LIVE; slot++) {
		if (!pfn[slot])
			continue;
		for (k = 0; k < len[slot]; k++)
			clear_bit(pfn[slot] + k, st->used);
		free_iova_fast(st->iovad, pfn[slot], len[slot]);
	}
	if (atomic_dec_and_test(&st->running))
		complete(&st->done);
	return 0;
}

/* Every CPU allocates and frees at once; no page is ever handed out twice */
static void iova_test_concurrent(struct kunit *test)
{
	struct iova_domain *iovad = iova_test_domain(test);
	struct iova_stress *st;
	struct task_struct *task;
	unsigned int cpu;

	KUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(iovad), 0);
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->used = kunit_kcalloc(test, BITS_TO_LONGS(IOVA_STRESS_SPACE),
				 sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->used);
	st->iovad = iovad;
	st->seed = iova_test_seed(test);
	init_completion(&st->done);
	atomic_set(&st->running, 1);

	for_each_online_cpu(cpu) {
		task = kthread_create_on_cpu(iova_stress_thread, st, cpu,
					     "iova-stress/%u");
		if (IS_ERR(task))
			continue;
		atomic_inc(&st->running);
		wake_up_process(task);
	}
	if (atomic_dec_and_test(&st->running))
		complete(&st->done);
	wait_for_completion(&st->done);

	KUNIT_EXPECT_EQ(test, atomic_read(&st->overlaps), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->failures), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(st->used, IOVA_STRESS_SPACE));
	iova_domain_flush_rcaches(iovad);
	KUNIT_EXPECT_EQ(test, iova_test_check_tree(test, iovad), 0UL);
}

static struct kunit_case iova_test_cases[] = {
	KUNIT_CASE(iova_test_top_down),
	KUNIT_CASE(iova_test_alignment),
	KUNIT_CASE(iova_test_limit),
	KUNIT_CASE(iova_test_reserve),
	KUNIT_CASE(iova_test_reserve_errors),
	KUNIT_CASE(iova_test_usage),
	KUNIT_CASE(iova_test_exhaustion),
	KUNIT_CASE(iova_test_reuse_and_find),
	KUNIT_CASE(iova_test_fragmentation),
	KUNIT_CASE(iova_test_cache_hit_and_flush),
	KUNIT_CASE(iova_test_cache_flush_on_exhaustion),
	KUNIT_CASE(iova_test_depot_bound_and_trim),
	KUNIT_CASE(iova_test_cpu_offline),
	KUNIT_CASE(iova_test_differential),
	KUNIT_CASE(iova_test_concurrent),
	{}
};

static struct kunit_suite iova_test_suite = {
	.name = "iova",
	.init = iova_test_init,
	.exit = iova_test_exit,
	.test_cases = iova_test_cases,
};

kunit_test_suite(iova_test_suite);

MODULE_DESCRIPTION("KUnit tests for the IOVA allocator");
MODULE_LICENSE("GPL");
