// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the ARM LPAE stage-1 I/O page tables.
 *
 * Everything goes through the io_pgtable_ops a driver uses, plus three hooks
 * from io-pgtable-arm.h that show what the walker would see: the leaf
 * descriptor of an IOVA, the number of table pages held, and a run of the
 * reclaim that otherwise frees empty tables from a delayed work.  For each
 * granule (4K, 16K, 64K) the cases prove that:
 *
 *  - the TTBR, TCR and MAIR values handed to the driver match what it asked
 *    for, and configurations the format cannot meet are refused;
 *  - every page and block size translates exactly over its range and
 *    nowhere else, with coherent and non-coherent table walks;
 *  - a map touching anything already mapped fails with -EEXIST and changes
 *    nothing, and bad arguments fail with -EINVAL or -ERANGE;
 *  - unmap removes whole leaves only, never splits a block, reports every
 *    leaf it removed once (not at all when the gather is queued), each run
 *    of leaves in one tlb_add_pages call or, for a driver without it, one
 *    tlb_add_page call a leaf, and never waits on a synchronous
 *    invalidation;
 *  - permissions, memory types and quirks land in the descriptor bits;
 *  - an empty table is freed only after a walk invalidation of its whole
 *    span, and a table still in use is kept;
 *  - dirty state is reported and cleaned as the HD quirk promises;
 *  - two threads mapping and unmapping in one table while the reclaim
 *    takes it out under them always see exactly their own translations;
 *  - thousands of random operations agree with a reference model.  That
 *    case prints its seed so that a failure can be replayed with
 *    io_pgtable_arm_test.seed=N.
 *
 * The fake TLB callbacks count only what the test's own task does, because
 * the deferred reclaim may call tlb_flush_walk from a kworker at any time.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "io-pgtable-arm.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the randomized case (0: pick one)");

/* Output addresses need no memory behind them: the tables only hold them */
#define LPAE_TEST_PBASE		BIT_ULL(36)
/* Distinct output ranges, aligned for every block size */
#define LPAE_TEST_PA(i)		(LPAE_TEST_PBASE + (u64)(i) * SZ_1G)
/* A non-zero start shows that map_pages() adds to *mapped */
#define LPAE_TEST_MAPPED	0x5a5aUL
#define LPAE_TEST_RW		(IOMMU_READ | IOMMU_WRITE)
#define LPAE_TEST_MAX_WALKS	32

#define LPAE_TEST_MAIR						\
	((LPAE_MAIR_ATTR_WBRWA << (8 * LPAE_MAIR_IDX_WBRWA)) |	\
	 (LPAE_MAIR_ATTR_NC << (8 * LPAE_MAIR_IDX_NC)) |		\
	 (LPAE_MAIR_ATTR_DEV << (8 * LPAE_MAIR_IDX_DEV)))

struct lpae_test_param {
	const char *name;
	unsigned int shift;		/* log2 of the granule */
	unsigned long pgsizes;		/* the granule and its blocks */
	u8 tg;
	bool coherent;
};

#define LPAE_TEST_4K(desc, coh) {					\
	.name = desc, .shift = 12, .pgsizes = SZ_4K | SZ_2M | SZ_1G,	\
	.tg = ARM_LPAE_TCR_TG0_4K, .coherent = coh,			\
}

#define LPAE_TEST_16K(desc, coh) {					\
	.name = desc, .shift = 14, .pgsizes = SZ_16K | SZ_32M,		\
	.tg = ARM_LPAE_TCR_TG0_16K, .coherent = coh,			\
}

#define LPAE_TEST_64K(desc, coh) {					\
	.name = desc, .shift = 16, .pgsizes = SZ_64K | SZ_512M,		\
	.tg = ARM_LPAE_TCR_TG0_64K, .coherent = coh,			\
}

static const struct lpae_test_param lpae_test_granules[] = {
	LPAE_TEST_4K("4K", true),
	LPAE_TEST_16K("16K", true),
	LPAE_TEST_64K("64K", true),
};

static const struct lpae_test_param lpae_test_walks[] = {
	LPAE_TEST_4K("4K", true),
	LPAE_TEST_16K("16K", true),
	LPAE_TEST_64K("64K", true),
	LPAE_TEST_4K("4K non-coherent", false),
	LPAE_TEST_16K("16K non-coherent", false),
	LPAE_TEST_64K("64K non-coherent", false),
};

KUNIT_ARRAY_PARAM_DESC(lpae_test_granules, lpae_test_granules, name);
KUNIT_ARRAY_PARAM_DESC(lpae_test_walks, lpae_test_walks, name);

/* ---- Geometry, from the architecture rather than from the code ---- */

static unsigned long lpae_test_gran(const struct lpae_test_param *p)
{
	return 1UL << p->shift;
}

/* Bytes one descriptor at @lvl translates; 3 is the last level */
static unsigned long lpae_test_lvl_size(const struct lpae_test_param *p,
					int lvl)
{
	return 1UL << (p->shift + (3 - lvl) * (p->shift - 3));
}

/* The level-2 block, the only block size every granule has */
static unsigned long lpae_test_blk(const struct lpae_test_param *p)
{
	return lpae_test_lvl_size(p, 2);
}

/*
 * An IOVA away from 0 that starts a level-1 slot, so that the blocks after
 * it sit under one level-2 table: where the reclaim tests build theirs.
 */
static unsigned long lpae_test_l2_base(const struct lpae_test_param *p)
{
	return 3 * lpae_test_lvl_size(p, 1);
}

/* Tables between the root and the last level, on one path down */
static unsigned int lpae_test_inter(const struct lpae_test_param *p,
				    unsigned int ias)
{
	unsigned int levels = DIV_ROUND_UP(ias - p->shift, p->shift - 3);

	return levels - 2;
}

/* ---- A TLB that records what it is asked ---- */

struct lpae_test_span {
	unsigned long iova;
	size_t size;
};

struct lpae_test_fake {
	struct task_struct *task;	/* the test's own */
	struct io_pgtable_ops *ops;
	struct iommu_iotlb_gather *gather;	/* what unmap must pass on */
	size_t granule;

	unsigned int nr_adds, nr_bad_gather, nr_runs;
	size_t add_bytes;
	struct lpae_test_span *adds;
	unsigned int adds_cap;

	/* tlb_flush_walk from the test's task */
	unsigned int nr_walks, nr_bad_granule, nr_early_free;
	struct lpae_test_span walks[LPAE_TEST_MAX_WALKS];
	bool in_reclaim;
	unsigned long nr_tables_before;

	unsigned int nr_flush_all;
	atomic_t other_walks, other_flush_all;
};

static void lpae_test_fake_reset(struct lpae_test_fake *fake)
{
	fake->nr_adds = 0;
	fake->nr_runs = 0;
	fake->nr_bad_gather = 0;
	fake->add_bytes = 0;
	fake->nr_walks = 0;
	fake->nr_bad_granule = 0;
	fake->nr_early_free = 0;
	fake->nr_flush_all = 0;
}

static void lpae_test_add_page(struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t granule, void *cookie)
{
	struct lpae_test_fake *fake = cookie;

	if (gather != fake->gather)
		fake->nr_bad_gather++;
	if (fake->nr_adds < fake->adds_cap) {
		fake->adds[fake->nr_adds].iova = iova;
		fake->adds[fake->nr_adds].size = granule;
	}
	fake->nr_adds++;
	fake->add_bytes += granule;
}

/* A run counts once, and each of its leaves as tlb_add_page would count it */
static void lpae_test_add_pages(struct iommu_iotlb_gather *gather,
				unsigned long iova, size_t granule, size_t count,
				void *cookie)
{
	struct lpae_test_fake *fake = cookie;

	fake->nr_runs++;
	for (; count; count--, iova += granule)
		lpae_test_add_page(gather, iova, granule, cookie);
}

static void lpae_test_flush_walk(unsigned long iova, size_t size,
				 size_t granule, void *cookie)
{
	struct lpae_test_fake *fake = cookie;
	unsigned int i;

	if (current != fake->task) {
		atomic_inc(&fake->other_walks);
		return;
	}
	i = fake->nr_walks++;
	if (i < LPAE_TEST_MAX_WALKS) {
		fake->walks[i].iova = iova;
		fake->walks[i].size = size;
	}
	if (granule != fake->granule)
		fake->nr_bad_granule++;
	/*
	 * The walker may still hold any table of the batch until every
	 * invalidation is done, so none may be gone yet.
	 */
	if (fake->in_reclaim &&
	    io_pgtable_arm_nr_tables(fake->ops) != fake->nr_tables_before)
		fake->nr_early_free++;
}

static void lpae_test_flush_all(void *cookie)
{
	struct lpae_test_fake *fake = cookie;

	if (current == fake->task)
		fake->nr_flush_all++;
	else
		atomic_inc(&fake->other_flush_all);
}

static const struct iommu_flush_ops lpae_test_flush_ops = {
	.tlb_add_page = lpae_test_add_page,
	.tlb_add_pages = lpae_test_add_pages,
	.tlb_flush_walk = lpae_test_flush_walk,
	.tlb_flush_all = lpae_test_flush_all,
};

/* A driver that only takes leaves one at a time */
static const struct iommu_flush_ops lpae_test_page_flush_ops = {
	.tlb_add_page = lpae_test_add_page,
	.tlb_flush_walk = lpae_test_flush_walk,
	.tlb_flush_all = lpae_test_flush_all,
};

static int lpae_test_span_cmp(const void *a, const void *b)
{
	const struct lpae_test_span *x = a, *y = b;

	if (x->iova != y->iova)
		return x->iova < y->iova ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return 0;
}

/* @got and @want hold the same spans, each once, in any order */
static void lpae_test_expect_spans(struct kunit *test, const char *what,
				   struct lpae_test_span *got,
				   unsigned int nr_got,
				   struct lpae_test_span *want,
				   unsigned int nr_want)
{
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, nr_got, nr_want, "%s", what);
	if (nr_got != nr_want)
		return;
	sort(got, nr_got, sizeof(*got), lpae_test_span_cmp, NULL);
	sort(want, nr_want, sizeof(*want), lpae_test_span_cmp, NULL);
	for (i = 0; i < nr_got; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i].iova, want[i].iova,
				    "%s %u", what, i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].size, want[i].size,
				    "%s %u at %#lx", what, i, want[i].iova);
	}
}

/* ---- Tables under test ---- */

struct lpae_test_pt {
	const struct lpae_test_param *p;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;
	struct iommu_iotlb_gather gather;
	struct lpae_test_fake fake;
};

KUNIT_DEFINE_ACTION_WRAPPER(lpae_test_kvfree, kvfree, const void *);

static void *lpae_test_kvcalloc(struct kunit *test, size_t n, size_t size)
{
	void *mem = kvcalloc(n, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, lpae_test_kvfree, mem),
			0);
	return mem;
}

static void lpae_test_cfg(struct kunit *test, struct io_pgtable_cfg *cfg,
			  const struct lpae_test_param *p, unsigned int ias,
			  unsigned int oas, bool coherent,
			  unsigned long quirks)
{
	*cfg = (struct io_pgtable_cfg) {
		.iommu_dev = test->priv,
		.tlb = &lpae_test_flush_ops,
		.pgsize_bitmap = p->pgsizes,
		.quirks = quirks,
		.ias = ias,
		.oas = oas,
		.coherent_walk = coherent,
	};
}

static struct lpae_test_fake *lpae_test_fake_new(struct kunit *test)
{
	struct lpae_test_fake *fake;

	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->task = current;
	return fake;
}

static void lpae_test_destroy(void *data)
{
	struct lpae_test_pt *pt = data;

	free_io_pgtable_ops(pt->ops);
}

/*
 * A table with oas 48 unless told, freed when the test ends.  Allocated
 * after the device and the fake, so that it goes before either.
 */
static struct lpae_test_pt *lpae_test_new(struct kunit *test,
					  const struct lpae_test_param *p,
					  unsigned int ias, unsigned int oas,
					  unsigned long quirks,
					  const struct iommu_flush_ops *tlb)
{
	struct lpae_test_pt *pt;

	pt = kunit_kzalloc(test, sizeof(*pt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pt);
	pt->p = p;
	pt->fake.task = current;
	pt->fake.granule = lpae_test_gran(p);
	pt->fake.gather = &pt->gather;
	/* room for every page of two blocks, the most one unmap here covers */
	pt->fake.adds_cap = 2 * (lpae_test_blk(p) >> p->shift) + 64;
	pt->fake.adds = lpae_test_kvcalloc(test, pt->fake.adds_cap,
					   sizeof(*pt->fake.adds));
	iommu_iotlb_gather_init(&pt->gather);

	lpae_test_cfg(test, &pt->cfg, p, ias, oas, p->coherent, quirks);
	pt->cfg.tlb = tlb;
	pt->ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &pt->cfg, &pt->fake);
	KUNIT_ASSERT_NOT_NULL_MSG(test, pt->ops, "%s ias %u quirks %#lx",
				  p->name, ias, quirks);
	pt->fake.ops = pt->ops;
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, lpae_test_destroy, pt),
			0);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
	return pt;
}

static struct lpae_test_pt *lpae_test_create(struct kunit *test,
					     const struct lpae_test_param *p,
					     unsigned long quirks)
{
	return lpae_test_new(test, p, 48, 48, quirks, &lpae_test_flush_ops);
}

static int lpae_test_map(struct kunit *test, struct lpae_test_pt *pt,
			 unsigned long iova, phys_addr_t paddr, size_t pgsize,
			 size_t pgcount, int prot)
{
	size_t mapped = LPAE_TEST_MAPPED;
	int ret;

	ret = pt->ops->map_pages(pt->ops, iova, paddr, pgsize, pgcount, prot,
				 GFP_KERNEL, &mapped);
	/* all or nothing */
	KUNIT_EXPECT_EQ_MSG(test, mapped,
			    LPAE_TEST_MAPPED + (ret ? 0 : pgsize * pgcount),
			    "map %#lx, %zu x %#zx: %d", iova, pgcount, pgsize,
			    ret);
	return ret;
}

/*
 * Unmap with a fresh gather.  Whatever came off must have been queued for
 * invalidation through tlb_add_page, and nothing may wait on the TLB.
 */
static size_t lpae_test_unmap(struct kunit *test, struct lpae_test_pt *pt,
			      unsigned long iova, size_t pgsize,
			      size_t pgcount)
{
	struct lpae_test_fake *fake = &pt->fake;
	size_t ret;

	lpae_test_fake_reset(fake);
	iommu_iotlb_gather_init(&pt->gather);
	ret = pt->ops->unmap_pages(pt->ops, iova, pgsize, pgcount, &pt->gather);
	KUNIT_EXPECT_EQ_MSG(test, fake->add_bytes, ret,
			    "unmap %#lx, %zu x %#zx", iova, pgcount, pgsize);
	if (!ret)
		KUNIT_EXPECT_EQ(test, fake->nr_adds, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_bad_gather, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 0U);
	return ret;
}

/*
 * Reclaim now.  Every table freed must have had its walk invalidated first,
 * all of them before the first is freed, and the count must be honest.  A
 * deferred reclaim racing with this one would make the counts meaningless,
 * so they are only checked when the kworker stayed out of the way.
 */
static unsigned int lpae_test_reclaim_pass(struct kunit *test,
					   struct lpae_test_pt *pt, bool all)
{
	struct lpae_test_fake *fake = &pt->fake;
	int others = atomic_read(&fake->other_walks);
	unsigned long before;
	unsigned int freed;

	lpae_test_fake_reset(fake);
	before = io_pgtable_arm_nr_tables(pt->ops);
	fake->nr_tables_before = before;
	fake->in_reclaim = true;
	freed = io_pgtable_arm_reclaim(pt->ops, all);
	fake->in_reclaim = false;

	KUNIT_EXPECT_EQ(test, fake->nr_bad_granule, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_adds, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 0U);
	if (atomic_read(&fake->other_walks) != others) {
		kunit_info(test, "deferred reclaim ran alongside\n");
		return freed;
	}
	KUNIT_EXPECT_EQ(test, fake->nr_early_free, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, freed);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			before - freed);
	return freed;
}

/* Reclaim every empty table, recently used or not */
static unsigned int lpae_test_reclaim(struct kunit *test,
				      struct lpae_test_pt *pt)
{
	return lpae_test_reclaim_pass(test, pt, true);
}

static phys_addr_t lpae_test_phys(struct lpae_test_pt *pt, unsigned long iova)
{
	return pt->ops->iova_to_phys(pt->ops, iova);
}

static void lpae_test_expect_at(struct kunit *test, struct lpae_test_pt *pt,
				unsigned long iova, size_t off,
				phys_addr_t paddr)
{
	u64 want = paddr ? paddr + off : 0;

	KUNIT_EXPECT_EQ_MSG(test, (u64)lpae_test_phys(pt, iova + off), want,
			    "iova %#lx", iova + off);
}

/*
 * [iova, iova + size) translates to @paddr onwards, or nowhere when @paddr
 * is 0: its first and last byte, one in the middle, and a byte in each of
 * its first granules.
 */
static void lpae_test_expect_range(struct kunit *test, struct lpae_test_pt *pt,
				   unsigned long iova, size_t size,
				   phys_addr_t paddr)
{
	size_t g = lpae_test_gran(pt->p);
	unsigned int i;

	lpae_test_expect_at(test, pt, iova, 0, paddr);
	lpae_test_expect_at(test, pt, iova, size / 2 + 0x123, paddr);
	lpae_test_expect_at(test, pt, iova, size - 1, paddr);
	for (i = 1; i < 16 && i * g < size; i++)
		lpae_test_expect_at(test, pt, iova, i * g + 8 * i, paddr);
}

/* Nothing is mapped on either side of [iova, iova + size) */
static void lpae_test_expect_alone(struct kunit *test, struct lpae_test_pt *pt,
				   unsigned long iova, size_t size)
{
	KUNIT_EXPECT_EQ_MSG(test, (u64)lpae_test_phys(pt, iova - 1), 0ULL,
			    "below %#lx", iova);
	KUNIT_EXPECT_EQ_MSG(test, (u64)lpae_test_phys(pt, iova + size), 0ULL,
			    "above %#lx + %#zx", iova, size);
}

/* The leaf translating @iova: its level, type and the bits every leaf has */
static u64 lpae_test_leaf(struct kunit *test, struct lpae_test_pt *pt,
			  unsigned long iova, int want_level)
{
	u64 want_type = want_level == 3 ? LPAE_DESC_PAGE : LPAE_DESC_BLOCK;
	int level = -1;
	u64 desc;

	desc = io_pgtable_arm_leaf(pt->ops, iova, &level);
	KUNIT_ASSERT_NE_MSG(test, desc, 0ULL, "no leaf at %#lx", iova);
	KUNIT_EXPECT_EQ_MSG(test, level, want_level, "leaf at %#lx", iova);
	KUNIT_EXPECT_EQ_MSG(test, desc & LPAE_DESC_TYPE, want_type,
			    "leaf at %#lx", iova);
	KUNIT_EXPECT_TRUE_MSG(test, desc & LPAE_PTE_AF, "leaf at %#lx", iova);
	KUNIT_EXPECT_TRUE_MSG(test, desc & LPAE_PTE_NG, "leaf at %#lx", iova);
	return desc;
}

static int lpae_test_init(struct kunit *test)
{
	struct device *dev;

	/*
	 * Non-coherent walks DMA-map every table for this device, so it
	 * must reach all of memory without bouncing.
	 */
	dev = kunit_device_register(test, "io-pgtable-arm-test");
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	test->priv = dev;
	return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(48));
}

static unsigned int lpae_test_seed(struct kunit *test)
{
	unsigned int s = seed ?: get_random_u32() ?: 1;

	kunit_info(test, "seed %u (replay with io_pgtable_arm_test.seed=%u)\n",
		   s, s);
	return s;
}

/* ---- Configuration ---- */

struct lpae_test_regs {
	unsigned int ias, oas;
	bool coherent;
	unsigned long quirks;
	unsigned int oas_out;
	u8 ips;
};

static const struct lpae_test_regs lpae_test_regs_cases[] = {
	{ .ias = 48, .oas = 44, .coherent = true, .oas_out = 44, .ips = 4 },
	{ .ias = 40, .oas = 40, .oas_out = 40, .ips = 2 },
	{ .ias = 32, .oas = 48, .coherent = true, .oas_out = 48, .ips = 5 },
	{
		.ias = 36, .oas = 36, .quirks = IO_PGTABLE_QUIRK_ARM_OUTER_WBWA,
		.oas_out = 36, .ips = 1,
	}, {
		.ias = 42, .oas = 42, .coherent = true,
		.quirks = IO_PGTABLE_QUIRK_ARM_OUTER_WBWA,
		.oas_out = 42, .ips = 3,
	},
	/* an odd width rounds up to the next one the register can say */
	{ .ias = 39, .oas = 33, .oas_out = 33, .ips = 1 },
	{ .ias = 44, .oas = 32, .coherent = true, .oas_out = 32, .ips = 0 },
	/* 52-bit output needs encodings this format does not use */
	{ .ias = 48, .oas = 52, .oas_out = 48, .ips = 5 },
};

static void lpae_test_registers(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_fake *fake = lpae_test_fake_new(test);
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lpae_test_regs_cases); i++) {
		const struct lpae_test_regs *r = &lpae_test_regs_cases[i];
		bool outer = r->quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA;
		u8 sh, irgn, orgn;
		u64 ttbr;

		if (r->coherent) {
			sh = ARM_LPAE_TCR_SH_IS;
			irgn = ARM_LPAE_TCR_RGN_WBWA;
			orgn = ARM_LPAE_TCR_RGN_WBWA;
		} else {
			sh = ARM_LPAE_TCR_SH_OS;
			irgn = ARM_LPAE_TCR_RGN_NC;
			orgn = outer ? ARM_LPAE_TCR_RGN_WBWA :
				       ARM_LPAE_TCR_RGN_NC;
		}

		lpae_test_cfg(test, &cfg, p, r->ias, r->oas, r->coherent,
			      r->quirks);
		ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, fake);
		KUNIT_ASSERT_NOT_NULL_MSG(test, ops, "case %u", i);

		ttbr = cfg.arm_lpae_s1_cfg.ttbr;
		KUNIT_EXPECT_EQ_MSG(test, cfg.pgsize_bitmap, p->pgsizes,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.oas, r->oas_out, "case %u", i);
		KUNIT_EXPECT_NE_MSG(test, ttbr, 0ULL, "case %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(ttbr, 64), "case %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, pfn_valid(PHYS_PFN(ttbr)),
				      "case %u: ttbr %#llx", i, ttbr);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.tsz,
				    64 - r->ias, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.tg, p->tg,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.sh, sh,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.irgn, irgn,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.orgn, orgn,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.ips, r->ips,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.mair,
				    LPAE_TEST_MAIR, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, io_pgtable_arm_nr_tables(ops), 1UL,
				    "case %u", i);

		lpae_test_fake_reset(fake);
		free_io_pgtable_ops(ops);
		KUNIT_EXPECT_EQ_MSG(test, fake->nr_flush_all, 1U, "case %u", i);
	}
}

static void lpae_test_expect_refused(struct kunit *test,
				     enum io_pgtable_fmt fmt,
				     struct io_pgtable_cfg *cfg, void *cookie,
				     const char *why)
{
	struct io_pgtable_ops *ops = alloc_io_pgtable_ops(fmt, cfg, cookie);

	KUNIT_EXPECT_NULL_MSG(test, ops, "%s", why);
	if (ops)
		free_io_pgtable_ops(ops);
}

static void *lpae_test_alloc_nothing(void *cookie, size_t size, gfp_t gfp)
{
	return NULL;
}

static void lpae_test_free_nothing(void *cookie, void *pages, size_t size)
{
}

static void lpae_test_alloc_rejects(struct kunit *test)
{
	static const enum io_pgtable_fmt others[] = {
		ARM_64_LPAE_S2, ARM_32_LPAE_S1, ARM_32_LPAE_S2, ARM_MALI_LPAE,
		ARM_V7S, APPLE_DART, IO_PGTABLE_NUM_FMTS,
	};
	static const struct {
		unsigned long quirks;
		const char *why;
	} quirks[] = {
		{ IO_PGTABLE_QUIRK_ARM_TTBR1, "TTBR1 quirk" },
		{ IO_PGTABLE_QUIRK_ARM_MTK_EXT, "MTK_EXT quirk" },
		{ IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT, "MTK_TTBR_EXT quirk" },
		{ BIT(2), "unknown quirk" },
		{ IO_PGTABLE_QUIRK_ARM_NS | BIT(12), "unknown quirk with NS" },
	};
	static const struct {
		unsigned long pgsizes;
		const char *why;
	} sizes[] = {
		{ 0, "no page sizes" },
		{ SZ_8K, "no granule" },
		{ SZ_2M | SZ_1G, "blocks without a granule" },
	};
	const struct lpae_test_param *p = &lpae_test_granules[0];
	struct lpae_test_fake *fake = lpae_test_fake_new(test);
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;
	unsigned int i;

	lpae_test_cfg(test, &cfg, p, 49, 48, true, 0);
	lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake, "ias 49");
	lpae_test_cfg(test, &cfg, p, 31, 48, true, 0);
	lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake, "ias 31");
	lpae_test_cfg(test, &cfg, p, 64, 48, true, 0);
	lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake, "ias 64");

	for (i = 0; i < ARRAY_SIZE(quirks); i++) {
		lpae_test_cfg(test, &cfg, p, 48, 48, true, quirks[i].quirks);
		lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake,
					 quirks[i].why);
	}

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		lpae_test_cfg(test, &cfg, p, 48, 48, true, 0);
		cfg.pgsize_bitmap = sizes[i].pgsizes;
		lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake,
					 sizes[i].why);
	}

	/* table memory always comes from the page allocator */
	lpae_test_cfg(test, &cfg, p, 48, 48, true, 0);
	cfg.alloc = lpae_test_alloc_nothing;
	cfg.free = lpae_test_free_nothing;
	lpae_test_expect_refused(test, ARM_64_LPAE_S1, &cfg, fake,
				 "custom allocator");

	for (i = 0; i < ARRAY_SIZE(others); i++) {
		lpae_test_cfg(test, &cfg, p, 40, 40, true, 0);
		lpae_test_expect_refused(test, others[i], &cfg, fake,
					 "another format");
	}

	/* nothing refused may have touched the TLB */
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_adds, 0U);

	/* the quirks it does know are accepted (HD only with coherent walks) */
	lpae_test_cfg(test, &cfg, p, 48, 48, true,
		      IO_PGTABLE_QUIRK_ARM_NS | IO_PGTABLE_QUIRK_NO_PERMS |
		      IO_PGTABLE_QUIRK_ARM_OUTER_WBWA |
		      IO_PGTABLE_QUIRK_ARM_HD);
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, fake);
	KUNIT_EXPECT_NOT_NULL(test, ops);
	if (ops)
		free_io_pgtable_ops(ops);
}

static void lpae_test_granule_choice(struct kunit *test)
{
	static const struct {
		unsigned long offered, granule;
		u8 tg;
	} rows[] = {
		{
			SZ_4K | SZ_16K | SZ_64K | SZ_2M | SZ_32M | SZ_512M,
			SZ_4K, ARM_LPAE_TCR_TG0_4K,
		},
		{ SZ_16K | SZ_64K | SZ_32M | SZ_512M, SZ_16K,
		  ARM_LPAE_TCR_TG0_16K },
		{ SZ_64K | SZ_512M | SZ_1G, SZ_64K, ARM_LPAE_TCR_TG0_64K },
	};
	const unsigned long granules = SZ_4K | SZ_16K | SZ_64K;
	struct lpae_test_fake *fake = lpae_test_fake_new(test);
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;
	unsigned int i, j;

	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "the rows assume 4K CPU pages");

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned long family = 0;

		for (j = 0; j < ARRAY_SIZE(lpae_test_granules); j++)
			if (lpae_test_granules[j].pgsizes & rows[i].granule)
				family = lpae_test_granules[j].pgsizes;

		lpae_test_cfg(test, &cfg, &lpae_test_granules[0], 48, 48,
			      true, 0);
		cfg.pgsize_bitmap = rows[i].offered;
		ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, fake);
		KUNIT_ASSERT_NOT_NULL_MSG(test, ops, "row %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.arm_lpae_s1_cfg.tcr.tg,
				    rows[i].tg, "row %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.pgsize_bitmap & granules,
				    rows[i].granule, "row %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.pgsize_bitmap & ~family, 0UL,
				    "row %u: a size of another granule", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.pgsize_bitmap & ~rows[i].offered,
				    0UL, "row %u: a size not offered", i);
		free_io_pgtable_ops(ops);
	}
}

/* ---- Mapping and unmapping ---- */

struct lpae_test_run {
	unsigned long iova;
	size_t pgsize, pgcount;
	int level;
};

/*
 * Pages, pages across two last-level tables, a full last-level table,
 * blocks of every size, all live at once: each translates over its range
 * and nowhere else, and unmapping one leaves the others alone.
 */
static void lpae_test_map_unmap(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G;
	const struct lpae_test_run runs[] = {
		{ base + g, g, 1, 3 },
		{ base + 8 * g, g, 3, 3 },
		{ base + blk - 2 * g, g, 4, 3 },
		{ base + 2 * blk, blk, 1, 2 },
		{ base + 4 * blk, blk, 2, 2 },
		{ base + 7 * blk, g, blk / g, 3 },
		/* last: the 4K granule's level-1 block, far from the rest */
		{ base + 2UL * SZ_1G, SZ_1G, 1, 1 },
	};
	unsigned int nr = ARRAY_SIZE(runs) - !(p->pgsizes & SZ_1G);
	unsigned int inter = lpae_test_inter(p, 48), i, j;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ_MSG(test,
				    lpae_test_map(test, pt, runs[i].iova,
						  LPAE_TEST_PA(i),
						  runs[i].pgsize,
						  runs[i].pgcount,
						  LPAE_TEST_RW),
				    0, "run %u", i);

	/* the three last-level tables of the pages and those above them */
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 3);

	for (i = 0; i < nr; i++) {
		const struct lpae_test_run *r = &runs[i];
		size_t size = r->pgsize * r->pgcount;
		phys_addr_t paddr = LPAE_TEST_PA(i);
		u64 desc;

		lpae_test_expect_range(test, pt, r->iova, size, paddr);
		lpae_test_expect_alone(test, pt, r->iova, size);
		desc = lpae_test_leaf(test, pt, r->iova, r->level);
		KUNIT_EXPECT_EQ_MSG(test, desc & LPAE_DESC_ADDR_48, (u64)paddr,
				    "run %u", i);
		desc = lpae_test_leaf(test, pt, r->iova + size - 1, r->level);
		KUNIT_EXPECT_EQ_MSG(test, desc & LPAE_DESC_ADDR_48,
				    (u64)(paddr + size - r->pgsize),
				    "run %u", i);
	}

	for (i = 0; i < nr; i++) {
		const struct lpae_test_run *r = &runs[i];
		size_t size = r->pgsize * r->pgcount;
		int level;

		KUNIT_EXPECT_EQ_MSG(test,
				    lpae_test_unmap(test, pt, r->iova,
						    r->pgsize, r->pgcount),
				    size, "run %u", i);
		lpae_test_expect_range(test, pt, r->iova, size, 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    io_pgtable_arm_leaf(pt->ops, r->iova,
							&level),
				    0ULL, "run %u", i);
		for (j = i + 1; j < nr; j++)
			lpae_test_expect_at(test, pt, runs[j].iova, 0,
					    LPAE_TEST_PA(j));
	}

	/* unmap left the tables for the reclaim: all but the root go */
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), inter + 3);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
}

/* A map touching anything mapped fails whole and changes nothing */
static void lpae_test_overlap(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G, spb = blk / g;
	const struct lpae_test_run live[] = {
		{ base, blk, 1, 2 },
		{ base + 2 * blk + 5 * g, g, 1, 3 },
		{ base + 4 * blk + 4 * g, g, 2, 3 },
		{ base + 6 * blk, g, 1, 3 },
		{ base + 8 * blk, blk, 1, 2 },
	};
	const struct {
		unsigned long iova;
		size_t pgsize, pgcount;
		const char *why;
	} refused[] = {
		{ base + 3 * g, g, 1, "page inside a block" },
		{ base - g, g, 2, "pages running into a block" },
		{ base + 2 * blk, blk, 1, "block over a page" },
		{ base + blk, blk, 2, "second block over a page" },
		{ base + 2 * blk + 5 * g, g, 1, "same page twice" },
		{ base + 4 * blk + 2 * g, g, 4, "overlapping at the end" },
		{ base + 4 * blk + 5 * g, g, 3, "overlapping at the start" },
		{ base + 6 * blk - 2 * g, g, 4, "overlap in the next table" },
		{ base + 8 * blk - 2 * g, g, spb + 2, "pages over a block" },
		{ base + 8 * blk, blk, 1, "same block twice" },
	};
	/* granules the refused calls would have mapped and nothing else did */
	const unsigned long untouched[] = {
		base - g, base - 1, base + blk, base + 2 * blk,
		base + 3 * blk - 1, base + 4 * blk + 2 * g,
		base + 4 * blk + 3 * g, base + 4 * blk + 6 * g,
		base + 4 * blk + 7 * g, base + 6 * blk - 2 * g,
		base + 6 * blk - g, base + 6 * blk + g,
		base + 8 * blk - 2 * g, base + 8 * blk - 1,
	};
	const phys_addr_t pnew = LPAE_TEST_PA(7);
	unsigned long tables;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(live); i++)
		KUNIT_ASSERT_EQ(test,
				lpae_test_map(test, pt, live[i].iova,
					      LPAE_TEST_PA(i),
					      live[i].pgsize, live[i].pgcount,
					      LPAE_TEST_RW),
				0);
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), 0U);
	tables = io_pgtable_arm_nr_tables(pt->ops);

	for (i = 0; i < ARRAY_SIZE(refused); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    lpae_test_map(test, pt, refused[i].iova,
						  pnew, refused[i].pgsize,
						  refused[i].pgcount,
						  LPAE_TEST_RW),
				    -EEXIST, "%s", refused[i].why);

	for (i = 0; i < ARRAY_SIZE(live); i++) {
		size_t size = live[i].pgsize * live[i].pgcount;

		lpae_test_expect_range(test, pt, live[i].iova, size,
				       LPAE_TEST_PA(i));
		lpae_test_leaf(test, pt, live[i].iova, live[i].level);
	}
	for (i = 0; i < ARRAY_SIZE(untouched); i++)
		lpae_test_expect_at(test, pt, untouched[i], 0, 0);

	/* a refused map may not leave tables behind either */
	lpae_test_reclaim(test, pt);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), tables);
}

/*
 * Once the pages under a block-sized region are all gone, a block may take
 * the place of their (empty, not yet reclaimed) table.
 */
static void lpae_test_block_over_emptied_table(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G;
	const unsigned long pages[] = { base, base + 7 * g, base + blk - g };
	const phys_addr_t pb = LPAE_TEST_PA(1);
	unsigned int inter = lpae_test_inter(p, 48), i;

	for (i = 0; i < ARRAY_SIZE(pages); i++)
		KUNIT_ASSERT_EQ(test,
				lpae_test_map(test, pt, pages[i],
					      LPAE_TEST_PBASE, g, 1,
					      LPAE_TEST_RW),
				0);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, pages[i], g, 1),
				g);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pb, blk, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_expect_range(test, pt, base, blk, pb);
	lpae_test_expect_alone(test, pt, base, blk);
	lpae_test_leaf(test, pt, base + 5 * g, 2);

	/* the table the block replaced is gone, one way or another */
	lpae_test_reclaim(test, pt);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL + inter);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, blk, 1), blk);
	lpae_test_reclaim(test, pt);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);

	if (!(p->pgsizes & SZ_1G))
		return;

	/* a level-1 block over a level-2 table holding an empty one */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 3 * g,
					    LPAE_TEST_PBASE, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 5 * blk,
					    LPAE_TEST_PBASE, blk, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + 3 * g, g, 1), g);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + 5 * blk, blk, 1),
			blk);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pb, SZ_1G, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_expect_range(test, pt, base, SZ_1G, pb);
	lpae_test_leaf(test, pt, base + 5 * blk, 1);
	lpae_test_reclaim(test, pt);
	/* the root and the level-1 table holding the block */
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 2UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, SZ_1G, 1),
			(size_t)SZ_1G);
	lpae_test_reclaim(test, pt);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
}

/* Unmapping nothing returns 0 and bothers no TLB */
static void lpae_test_unmap_unmapped(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G, r1 = base + blk;

	/* in a table that has no tables yet */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, g, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, g, 16), 0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, blk, 1), 0UL);
	if (p->pgsizes & SZ_1G)
		KUNIT_EXPECT_EQ(test,
				lpae_test_unmap(test, pt, base, SZ_1G, 1), 0UL);

	/* a range that starts in a hole stops there, however much follows */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, r1 + 2 * g,
					    LPAE_TEST_PBASE, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1, g, 4), 0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1 + 3 * g, g, 1),
			0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1, blk, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1 + blk, g, 1), 0UL);
	lpae_test_expect_range(test, pt, r1 + 2 * g, g, LPAE_TEST_PBASE);

	/* in a table left empty by an unmap */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1 + 2 * g, g, 1), g);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1 + 2 * g, g, 1),
			0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1, blk, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1, g, blk / g), 0UL);
	lpae_test_expect_range(test, pt, r1, blk, 0);
}

/* Unmap never splits a block: a range that cuts one unmaps none of it */
static void lpae_test_unmap_partial_block(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G, r1 = base + blk;
	const phys_addr_t pb = LPAE_TEST_PA(1);
	const struct lpae_test_run cuts[] = {
		{ r1, g, 1 },
		{ r1 + g, g, 3 },
		{ r1 + blk - g, g, 1 },
		{ r1, g, blk / g - 1 },
		{ r1 + g, g, blk / g },
	};
	struct lpae_test_span want[2];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, r1, pb, blk, 1,
					    LPAE_TEST_RW), 0);
	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    lpae_test_unmap(test, pt, cuts[i].iova,
						    cuts[i].pgsize,
						    cuts[i].pgcount),
				    0UL, "cut %u", i);
		lpae_test_expect_range(test, pt, r1, blk, pb);
		lpae_test_leaf(test, pt, r1, 2);
	}

	if (p->pgsizes & SZ_1G) {
		unsigned long b1g = base + 2UL * SZ_1G;

		KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, b1g, pb, SZ_1G,
						    1, LPAE_TEST_RW), 0);
		KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, b1g, blk, 1),
				0UL);
		KUNIT_EXPECT_EQ(test,
				lpae_test_unmap(test, pt, b1g + blk, blk, 3),
				0UL);
		KUNIT_EXPECT_EQ(test,
				lpae_test_unmap(test, pt, b1g, blk,
						SZ_1G / blk - 1),
				0UL);
		KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, b1g, g, 1),
				0UL);
		lpae_test_expect_range(test, pt, b1g, SZ_1G, pb);
		lpae_test_leaf(test, pt, b1g, 1);
	}

	/* the pages in front of the block go, and the walk stops there */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, r1 - 2 * g,
					    LPAE_TEST_PBASE, g, 2,
					    LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1 - 2 * g, g, 4),
			2 * g);
	want[0] = (struct lpae_test_span){ r1 - 2 * g, g };
	want[1] = (struct lpae_test_span){ r1 - g, g };
	lpae_test_expect_spans(test, "pages", pt->fake.adds, pt->fake.nr_adds,
			       want, 2);
	lpae_test_expect_range(test, pt, r1 - 2 * g, 2 * g, 0);
	lpae_test_expect_range(test, pt, r1, blk, pb);

	/* a range covering the block takes it, as one leaf */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, r1, g, blk / g), blk);
	want[0] = (struct lpae_test_span){ r1, blk };
	lpae_test_expect_spans(test, "block", pt->fake.adds, pt->fake.nr_adds,
			       want, 1);
	lpae_test_expect_range(test, pt, r1, blk, 0);
}

static void lpae_test_invalid_args(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_new(test, p, 40, 40, 0,
						&lpae_test_flush_ops);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	const unsigned long top = 1UL << 40, x = 3UL * SZ_1G;
	const phys_addr_t pa = LPAE_TEST_PBASE;
	const int rw = LPAE_TEST_RW;
	const struct {
		unsigned long iova;
		phys_addr_t paddr;
		size_t pgsize, pgcount;
		int prot, err;
		const char *why;
	} rows[] = {
		{ x + g / 2, pa, g, 1, rw, -EINVAL, "iova misaligned" },
		{ x, pa + g / 2, g, 1, rw, -EINVAL, "paddr misaligned" },
		{ x, pa, g << 1, 1, rw, -EINVAL, "size not offered" },
		{ x, pa, g + g / 2, 1, rw, -EINVAL, "size not a power" },
		{ x + g, pa, blk, 1, rw, -EINVAL, "iova off the block" },
		{ x, pa + g, blk, 1, rw, -EINVAL, "paddr off the block" },
		{ top, pa, g, 1, rw, -ERANGE, "iova beyond ias" },
		{ top - g, pa, g, 2, rw, -ERANGE, "end beyond ias" },
		{ top - blk, pa, blk, 2, rw, -ERANGE, "blocks past ias" },
		{ ULONG_MAX - g + 1, pa, g, 1, rw, -ERANGE, "top page" },
		{ x, 1ULL << 40, g, 1, rw, -ERANGE, "paddr beyond oas" },
		{ x, pa, g, 1, 0, -EINVAL, "no prot" },
		{
			x, pa, g, 1, IOMMU_CACHE | IOMMU_NOEXEC | IOMMU_PRIV,
			-EINVAL, "neither read nor write",
		},
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    lpae_test_map(test, pt, rows[i].iova,
						  rows[i].paddr,
						  rows[i].pgsize,
						  rows[i].pgcount,
						  rows[i].prot),
				    rows[i].err, "%s", rows[i].why);
		lpae_test_expect_range(test, pt, x, blk, 0);
		lpae_test_expect_at(test, pt, top - 1, 0, 0);
	}

	/* the very last page and block below 2^ias are fine */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, top - g, pa, g, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_expect_range(test, pt, top - g, g, pa);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, top - g, g, 1), g);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, top - blk, pa, blk, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_expect_range(test, pt, top - blk, blk, pa);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, top - blk, blk, 1),
			blk);

	/* and the last output address below 2^oas */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, x, (1ULL << 40) - g, g,
					    1, LPAE_TEST_RW), 0);
	lpae_test_expect_range(test, pt, x, g, (1ULL << 40) - g);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, x, g, 1), g);

	lpae_test_reclaim(test, pt);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
}

/* ---- Descriptor bits ---- */

struct lpae_test_prot {
	int prot;
	bool rdonly, unpriv, xn;
	u8 attr;
};

static const struct lpae_test_prot lpae_test_prots[] = {
	{ IOMMU_READ, true, true, false, LPAE_MAIR_IDX_NC },
	{ IOMMU_WRITE, false, true, false, LPAE_MAIR_IDX_NC },
	{ LPAE_TEST_RW, false, true, false, LPAE_MAIR_IDX_NC },
	{ LPAE_TEST_RW | IOMMU_CACHE, false, true, false, LPAE_MAIR_IDX_WBRWA },
	{ LPAE_TEST_RW | IOMMU_MMIO, false, true, false, LPAE_MAIR_IDX_DEV },
	{ IOMMU_READ | IOMMU_NOEXEC, true, true, true, LPAE_MAIR_IDX_NC },
	{ LPAE_TEST_RW | IOMMU_PRIV, false, false, false, LPAE_MAIR_IDX_NC },
	{
		IOMMU_READ | IOMMU_PRIV | IOMMU_CACHE | IOMMU_NOEXEC,
		true, false, true, LPAE_MAIR_IDX_WBRWA,
	}, {
		IOMMU_WRITE | IOMMU_MMIO | IOMMU_PRIV | IOMMU_NOEXEC,
		false, false, true, LPAE_MAIR_IDX_DEV,
	},
};

static void lpae_test_expect_attrs(struct kunit *test, u64 desc,
				   const struct lpae_test_prot *want,
				   bool ns, bool dbm)
{
	int prot = want->prot;

	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_AP_RDONLY), want->rdonly,
			    "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_AP_UNPRIV), want->unpriv,
			    "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_UXN), want->xn,
			    "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_PXN), want->xn,
			    "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(LPAE_PTE_ATTRINDX, desc),
			    (u64)want->attr, "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_NS), ns, "prot %#x", prot);
	KUNIT_EXPECT_EQ_MSG(test, !!(desc & LPAE_PTE_DBM), dbm,
			    "prot %#x", prot);
}

static void lpae_test_prot_bits(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lpae_test_prots); i++) {
		const struct lpae_test_prot *want = &lpae_test_prots[i];
		unsigned long page = base + 2 * i * g;
		unsigned long block = base + (i + 1) * blk;
		phys_addr_t paddr = LPAE_TEST_PA(i);
		u64 desc;

		KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, page, paddr, g, 1,
						    want->prot), 0);
		KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, block, paddr, blk,
						    1, want->prot), 0);

		desc = lpae_test_leaf(test, pt, page, 3);
		KUNIT_EXPECT_EQ(test, desc & LPAE_DESC_ADDR_48, (u64)paddr);
		lpae_test_expect_attrs(test, desc, want, false, false);
		desc = lpae_test_leaf(test, pt, block, 2);
		KUNIT_EXPECT_EQ(test, desc & LPAE_DESC_ADDR_48, (u64)paddr);
		lpae_test_expect_attrs(test, desc, want, false, false);

		/* the permissions do not change where it translates */
		lpae_test_expect_range(test, pt, page, g, paddr);
		lpae_test_expect_range(test, pt, block, blk, paddr);
	}
}

static void lpae_test_quirk_bits(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	const struct lpae_test_prot rw = {
		LPAE_TEST_RW, false, true, false, LPAE_MAIR_IDX_NC,
	};
	const struct lpae_test_prot ro = {
		IOMMU_READ, true, true, false, LPAE_MAIR_IDX_NC,
	};
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G;
	const phys_addr_t pa = LPAE_TEST_PBASE;
	struct iommu_dirty_bitmap dirty = {};
	struct lpae_test_pt *pt;
	u64 desc;

	/* NS: every leaf says non-secure */
	pt = lpae_test_create(test, p, IO_PGTABLE_QUIRK_ARM_NS);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pa, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk, pa, blk, 1,
					    IOMMU_READ), 0);
	lpae_test_expect_attrs(test, lpae_test_leaf(test, pt, base, 3), &rw,
			       true, false);
	lpae_test_expect_attrs(test, lpae_test_leaf(test, pt, base + blk, 2),
			       &ro, true, false);
	lpae_test_expect_range(test, pt, base, g, pa);
	lpae_test_expect_range(test, pt, base + blk, blk, pa);

	/* without HD there is no dirty state to read */
	if (pt->ops->read_and_clear_dirty)
		KUNIT_EXPECT_EQ(test,
				pt->ops->read_and_clear_dirty(pt->ops, base, g,
							      0, &dirty),
				-EINVAL);

	/* NO_PERMS: no prot needed, and everything is read-write */
	pt = lpae_test_create(test, p, IO_PGTABLE_QUIRK_NO_PERMS);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pa, g, 1, 0), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + g, pa + g, g, 1,
					    IOMMU_READ), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk, pa, blk, 1,
					    0), 0);
	lpae_test_expect_range(test, pt, base, 2 * g, pa);
	lpae_test_expect_range(test, pt, base + blk, blk, pa);
	desc = lpae_test_leaf(test, pt, base, 3);
	KUNIT_EXPECT_FALSE(test, desc & LPAE_PTE_AP_RDONLY);
	desc = lpae_test_leaf(test, pt, base + g, 3);
	KUNIT_EXPECT_FALSE(test, desc & LPAE_PTE_AP_RDONLY);
	desc = lpae_test_leaf(test, pt, base + blk, 2);
	KUNIT_EXPECT_FALSE(test, desc & LPAE_PTE_AP_RDONLY);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, g, 2), 2 * g);

	/* HD: writable leaves are dirty-tracked, and start out dirty */
	pt = lpae_test_create(test, p, IO_PGTABLE_QUIRK_ARM_HD);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pa, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + g, pa, g, 1,
					    IOMMU_READ), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk, pa, blk, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_expect_attrs(test, lpae_test_leaf(test, pt, base, 3), &rw,
			       false, true);
	lpae_test_expect_attrs(test, lpae_test_leaf(test, pt, base + g, 3),
			       &ro, false, false);
	lpae_test_expect_attrs(test, lpae_test_leaf(test, pt, base + blk, 2),
			       &rw, false, true);
	lpae_test_expect_range(test, pt, base + blk, blk, pa);
}

/*
 * Dirty state with HD: a writable leaf starts dirty, is reported (here
 * through the gather of a bitmap-less struct iommu_dirty_bitmap, which
 * iommu_dirty_bitmap_record() widens to cover each dirty leaf) and made
 * clean unless IOMMU_DIRTY_NO_CLEAR; read-only leaves and holes never are.
 */
static void lpae_test_dirty(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	const unsigned long base = SZ_4G;
	const phys_addr_t pa = LPAE_TEST_PBASE;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty = { .gather = &gather };
	struct lpae_test_pt *pt = lpae_test_create(test, p,
						   IO_PGTABLE_QUIRK_ARM_HD);
	struct io_pgtable_ops *ops = pt->ops;

	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pa, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + g, pa, g, 1,
					    IOMMU_READ), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 4 * g, pa, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk, pa, blk, 1,
					    LPAE_TEST_RW), 0);

	/* the read-only page and the holes around it are never dirty */
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base + g, 3 * g,
							0, &dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.end, 0UL);

	/* a fresh writable page is dirty; reading it cleans it */
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base, g, 0,
							&dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.start, base);
	KUNIT_EXPECT_EQ(test, gather.end, base + g - 1);
	KUNIT_EXPECT_TRUE(test, lpae_test_leaf(test, pt, base, 3) &
			  LPAE_PTE_AP_RDONLY);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base, g, 0,
							&dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.end, 0UL);
	/* still mapped, at the same place */
	lpae_test_expect_range(test, pt, base, g, pa);

	/* NO_CLEAR reports without cleaning, so it reports again */
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base + 4 * g, g,
							IOMMU_DIRTY_NO_CLEAR,
							&dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.start, base + 4 * g);
	KUNIT_EXPECT_EQ(test, gather.end, base + 5 * g - 1);
	KUNIT_EXPECT_FALSE(test, lpae_test_leaf(test, pt, base + 4 * g, 3) &
			   LPAE_PTE_AP_RDONLY);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base + 4 * g, g,
							IOMMU_DIRTY_NO_CLEAR,
							&dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.end, base + 5 * g - 1);

	/* a block is reported whole, even when asked about one page of it */
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, base + blk + g, g,
							0, &dirty), 0);
	KUNIT_EXPECT_EQ(test, gather.start, base + blk);
	KUNIT_EXPECT_EQ(test, gather.end, base + 2 * blk - 1);

	/* ranges beyond ias are refused */
	KUNIT_EXPECT_EQ(test, ops->read_and_clear_dirty(ops, 1UL << 48, g, 0,
							&dirty), -ERANGE);
}

/*
 * Concurrency: map and unmap from two threads in the same last-level table
 * while the reclaim keeps taking out whatever table is empty at the moment.
 * The threads' pages interleave, so each map may meet a table that is
 * dying, gone, or being refilled by the other thread; every translation
 * must still be exactly what its thread mapped.
 */
#define LPAE_TEST_STRESS_ROUNDS	4000

struct lpae_test_stress {
	struct io_pgtable_ops *ops;
	unsigned long base, granule;
	unsigned int lane;
	atomic_t *errors, *adds;
	struct completion done;
};

static void lpae_test_stress_add(struct iommu_iotlb_gather *gather,
				 unsigned long iova, size_t granule,
				 void *cookie)
{
	struct lpae_test_stress *st = cookie;

	atomic_inc(st->adds);
}

static void lpae_test_stress_walk(unsigned long iova, size_t size,
				  size_t granule, void *cookie)
{
}

static void lpae_test_stress_all(void *cookie)
{
}

static const struct iommu_flush_ops lpae_test_stress_ops = {
	.tlb_add_page = lpae_test_stress_add,
	.tlb_flush_walk = lpae_test_stress_walk,
	.tlb_flush_all = lpae_test_stress_all,
};

static int lpae_test_stress_thread(void *data)
{
	struct lpae_test_stress *st = data;
	struct io_pgtable_ops *ops = st->ops;
	struct iommu_iotlb_gather gather;
	unsigned int i;

	for (i = 0; i < LPAE_TEST_STRESS_ROUNDS; i++) {
		/* lanes 0 and 1 take alternate pages of the same table */
		unsigned long iova = st->base + (2 * (i % 8) + st->lane) *
					      st->granule;
		phys_addr_t pa = LPAE_TEST_PA(st->lane) + i * st->granule;
		size_t mapped = 0;

		if (ops->map_pages(ops, iova, pa, st->granule, 1,
				   LPAE_TEST_RW, GFP_KERNEL, &mapped) ||
		    mapped != st->granule ||
		    ops->iova_to_phys(ops, iova) != pa)
			atomic_inc(st->errors);
		iommu_iotlb_gather_init(&gather);
		if (ops->unmap_pages(ops, iova, st->granule, 1, &gather) !=
		    st->granule || ops->iova_to_phys(ops, iova))
			atomic_inc(st->errors);
		cond_resched();
	}
	complete(&st->done);
	return 0;
}

static void lpae_test_concurrent(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_stress st[2];
	atomic_t errors = ATOMIC_INIT(0), adds = ATOMIC_INIT(0);
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;
	unsigned int i, reclaimed = 0;

	lpae_test_cfg(test, &cfg, p, 48, 48, p->coherent, 0);
	cfg.tlb = &lpae_test_stress_ops;
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &st[0]);
	KUNIT_ASSERT_NOT_NULL(test, ops);

	for (i = 0; i < ARRAY_SIZE(st); i++) {
		struct task_struct *t;

		st[i] = (struct lpae_test_stress) {
			.ops = ops, .base = SZ_4G, .granule = lpae_test_gran(p),
			.lane = i, .errors = &errors, .adds = &adds,
		};
		init_completion(&st[i].done);
		t = kthread_run(lpae_test_stress_thread, &st[i],
				"lpae-stress/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	/* every other pass spares what the threads used since the last */
	i = 0;
	while (!completion_done(&st[0].done) || !completion_done(&st[1].done)) {
		reclaimed += io_pgtable_arm_reclaim(ops, i++ & 1);
		cond_resched();
	}
	wait_for_completion(&st[0].done);
	wait_for_completion(&st[1].done);

	kunit_info(test, "%u tables reclaimed under load\n", reclaimed);
	KUNIT_EXPECT_EQ(test, atomic_read(&errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&adds),
			2 * LPAE_TEST_STRESS_ROUNDS);
	io_pgtable_arm_reclaim(ops, true);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(ops), 1UL);
	free_io_pgtable_ops(ops);
}

/* ---- Invalidation ---- */

static void lpae_test_tlb_gather(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	struct lpae_test_fake *fake = &pt->fake;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G, start = base + blk - 3 * g;
	size_t spb = blk / g, size = 5 * g + blk;
	struct lpae_test_span *want;
	unsigned int nr = 0, i;

	want = lpae_test_kvcalloc(test, fake->adds_cap, sizeof(*want));

	/* pages, a block, pages: one contiguous range over three tables */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, start, LPAE_TEST_PBASE,
					    g, 3, LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk,
					    LPAE_TEST_PA(1), blk, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 2 * blk,
					    LPAE_TEST_PBASE, g, 2,
					    LPAE_TEST_RW), 0);
	for (i = 0; i < 3; i++)
		want[nr++] = (struct lpae_test_span){ start + i * g, g };
	want[nr++] = (struct lpae_test_span){ base + blk, blk };
	for (i = 0; i < 2; i++)
		want[nr++] = (struct lpae_test_span){ base + 2 * blk + i * g,
						      g };
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, start, g, size / g),
			size);
	lpae_test_expect_spans(test, "mixed leaves", fake->adds, fake->nr_adds,
			       want, nr);
	/* one call for each table's run: pages, the block, pages */
	KUNIT_EXPECT_EQ(test, fake->nr_runs, 3U);
	lpae_test_expect_range(test, pt, start, size, 0);

	/* a block-sized unmap of pages: each page is a leaf of its own */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 4 * blk,
					    LPAE_TEST_PBASE, g, spb,
					    LPAE_TEST_RW), 0);
	for (nr = 0; nr < spb; nr++)
		want[nr] = (struct lpae_test_span){ base + (4 * spb + nr) * g,
						    g };
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + 4 * blk, blk, 1),
			blk);
	lpae_test_expect_spans(test, "pages of a block", fake->adds,
			       fake->nr_adds, want, nr);
	KUNIT_EXPECT_EQ(test, fake->nr_runs, 1U);
	lpae_test_expect_range(test, pt, base + 4 * blk, blk, 0);

	/* a queued gather is flushed whole later: nothing to add */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 6 * blk,
					    LPAE_TEST_PBASE, g, spb,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 7 * blk,
					    LPAE_TEST_PBASE, blk, 1,
					    LPAE_TEST_RW), 0);
	lpae_test_fake_reset(fake);
	iommu_iotlb_gather_init(&pt->gather);
	pt->gather.queued = true;
	KUNIT_EXPECT_EQ(test,
			pt->ops->unmap_pages(pt->ops, base + 6 * blk, blk, 2,
					     &pt->gather),
			2 * blk);
	KUNIT_EXPECT_EQ(test, fake->nr_adds, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 0U);
	lpae_test_expect_range(test, pt, base + 6 * blk, 2 * blk, 0);

	/* freeing the table, live mappings and all, flushes it once */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, LPAE_TEST_PBASE,
					    g, 1, LPAE_TEST_RW), 0);
	lpae_test_fake_reset(fake);
	kunit_release_action(test, lpae_test_destroy, pt);
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 1U);
}

/* A driver without tlb_add_pages hears of each leaf on its own. */
static void lpae_test_tlb_gather_by_page(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_new(test, p, 48, 48, 0,
						&lpae_test_page_flush_ops);
	struct lpae_test_fake *fake = &pt->fake;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = SZ_4G, start = base + blk - 2 * g;
	struct lpae_test_span want[5];
	unsigned int i;

	/* two tables' runs, with a hole after them that stops the unmap */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, start, LPAE_TEST_PBASE,
					    g, 5, LPAE_TEST_RW), 0);
	for (i = 0; i < 5; i++)
		want[i] = (struct lpae_test_span){ start + i * g, g };
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, start, g, 7), 5 * g);
	lpae_test_expect_spans(test, "page by page", fake->adds, fake->nr_adds,
			       want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, fake->nr_runs, 0U);
	lpae_test_expect_range(test, pt, start, 5 * g, 0);
}

/*
 * The spans of the @inter intermediate tables above a last-level table
 * translating @base, appended to @want from @nr; returns the new count.
 */
static unsigned int lpae_test_want_inter(const struct lpae_test_param *p,
					 unsigned long base, unsigned int inter,
					 struct lpae_test_span *want,
					 unsigned int nr)
{
	int lvl;

	for (lvl = 3 - inter; lvl <= 2; lvl++) {
		unsigned long span = lpae_test_lvl_size(p, lvl - 1);

		want[nr++] = (struct lpae_test_span){ ALIGN_DOWN(base, span),
						      span };
	}
	return nr;
}

/*
 * Tables that empty out are freed by the reclaim, each after a walk
 * invalidation of everything it translated; tables holding a page, a block
 * or a table in use stay.
 */
static void lpae_test_reclaim_tables(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	struct lpae_test_fake *fake = &pt->fake;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = lpae_test_l2_base(p);
	unsigned int inter = lpae_test_inter(p, 48), nr, i;
	const phys_addr_t pa = LPAE_TEST_PBASE;
	struct lpae_test_span want[8];

	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base, pa, blk, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk, pa, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk + 5 * g,
					    pa + 5 * g, g, 1, LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 3 * blk - 2 * g,
					    pa, g, 4, LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 3);

	/* unmapping frees nothing by itself */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + blk, g, 1), g);
	KUNIT_EXPECT_EQ(test,
			lpae_test_unmap(test, pt, base + 3 * blk - 2 * g, g, 4),
			4 * g);
	if (!atomic_read(&fake->other_walks))
		KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
				1UL + inter + 3);

	/* the first region still holds a page: only the next two go */
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), 2U);
	want[0] = (struct lpae_test_span){ base + 2 * blk, blk };
	want[1] = (struct lpae_test_span){ base + 3 * blk, blk };
	lpae_test_expect_spans(test, "walks", fake->walks, fake->nr_walks,
			       want, 2);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 1);
	lpae_test_expect_range(test, pt, base + blk + 5 * g, g, pa + 5 * g);
	lpae_test_expect_range(test, pt, base, blk, pa);

	/* the block keeps the tables above it */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + blk + 5 * g, g,
					      1), g);
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), 1U);
	want[0] = (struct lpae_test_span){ base + blk, blk };
	lpae_test_expect_spans(test, "walks", fake->walks, fake->nr_walks,
			       want, 1);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL + inter);
	lpae_test_expect_range(test, pt, base, blk, pa);

	/* with nothing left under them, all but the root go */
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base, blk, 1), blk);
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), inter);
	nr = lpae_test_want_inter(p, base, inter, want, 0);
	lpae_test_expect_spans(test, "walks", fake->walks, fake->nr_walks,
			       want, nr);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);

	/* last-level tables and the ones above, all in one pass */
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt,
						    base + i * (blk + g), pa,
						    g, 1, LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 5 * blk, pa, blk,
					    1, LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test,
				lpae_test_unmap(test, pt, base + i * (blk + g),
						g, 1), g);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + 5 * blk, blk, 1),
			blk);
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim(test, pt), 4 + inter);
	for (nr = 0; nr < 4; nr++)
		want[nr] = (struct lpae_test_span){ base + nr * blk, blk };
	nr = lpae_test_want_inter(p, base, inter, want, nr);
	lpae_test_expect_spans(test, "walks", fake->walks, fake->nr_walks,
			       want, nr);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
	lpae_test_expect_range(test, pt, base, 6 * blk, 0);
}

/*
 * One page in each of two neighbouring last-level tables under one level-2
 * table, at @base plus a granule and a block further: map both, and the
 * tables they need.
 */
static void lpae_test_map_two_tables(struct kunit *test,
				     struct lpae_test_pt *pt, unsigned long base)
{
	const struct lpae_test_param *p = test->param_value;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);

	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + g,
					    LPAE_TEST_PBASE, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + blk + g,
					    LPAE_TEST_PBASE, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + lpae_test_inter(p, 48) + 2);
}

/* Unmap the two pages lpae_test_map_two_tables() mapped; the tables stay */
static void lpae_test_unmap_two_tables(struct kunit *test,
				       struct lpae_test_pt *pt,
				       unsigned long base)
{
	const struct lpae_test_param *p = test->param_value;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);

	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + g, g, 1), g);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + blk + g, g, 1),
			g);
}

/*
 * The deferred reclaim's passes take out only the empty tables nobody
 * mapped into since the previous pass: a table emptied and refilled in
 * every period stays, and one left idle goes a pass later.
 */
static void lpae_test_reclaim_idle(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	struct lpae_test_fake *fake = &pt->fake;
	unsigned long g = lpae_test_gran(p), blk = lpae_test_blk(p);
	unsigned long base = lpae_test_l2_base(p);
	unsigned int inter = lpae_test_inter(p, 48), nr, round;
	struct lpae_test_span want[8];

	lpae_test_map_two_tables(test, pt, base);
	lpae_test_unmap_two_tables(test, pt, base);

	/* both were used in this period: they stay, and nothing is flushed */
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim_pass(test, pt, false), 0U);
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 2);

	/* a table refilled in every period never goes; the idle one does */
	for (round = 0; round < 3; round++) {
		KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + 2 * g,
						    LPAE_TEST_PBASE, g, 1,
						    LPAE_TEST_RW), 0);
		KUNIT_EXPECT_EQ(test,
				lpae_test_unmap(test, pt, base + 2 * g, g, 1),
				g);
		KUNIT_EXPECT_EQ_MSG(test,
				    lpae_test_reclaim_pass(test, pt, false),
				    round ? 0U : 1U, "round %u", round);
	}
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops),
			1UL + inter + 1);

	/* left alone for a period, it goes, and the tables above with it */
	KUNIT_EXPECT_EQ(test, lpae_test_reclaim_pass(test, pt, false),
			inter + 1);
	want[0] = (struct lpae_test_span){ base, blk };
	nr = lpae_test_want_inter(p, base, inter, want, 1);
	lpae_test_expect_spans(test, "walks", fake->walks, fake->nr_walks,
			       want, nr);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
}

/* Without being asked, empty tables go a second or two after an unmap */
static void lpae_test_deferred_reclaim(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	struct lpae_test_fake *fake = &pt->fake;
	unsigned long g = lpae_test_gran(p);
	unsigned long base = lpae_test_l2_base(p);
	unsigned int inter = lpae_test_inter(p, 48), waited;
	int walks, flushes;

	lpae_test_map_two_tables(test, pt, base);
	walks = atomic_read(&fake->other_walks);
	lpae_test_unmap_two_tables(test, pt, base);

	for (waited = 0; waited < 10000; waited += 50) {
		if (io_pgtable_arm_nr_tables(pt->ops) == 1)
			break;
		msleep(50);
	}
	kunit_info(test, "reclaimed after about %u ms\n", waited);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);
	/* from the kworker, one walk invalidation per table */
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->other_walks) - walks,
			(int)(2 + inter));
	KUNIT_EXPECT_EQ(test, fake->nr_walks, 0U);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_reclaim(pt->ops, true), 0U);

	/* a pending reclaim dies with the table: no callback after free */
	KUNIT_ASSERT_EQ(test, lpae_test_map(test, pt, base + g,
					    LPAE_TEST_PBASE, g, 1,
					    LPAE_TEST_RW), 0);
	KUNIT_EXPECT_EQ(test, lpae_test_unmap(test, pt, base + g, g, 1), g);
	lpae_test_fake_reset(fake);
	kunit_release_action(test, lpae_test_destroy, pt);
	KUNIT_EXPECT_EQ(test, fake->nr_flush_all, 1U);
	walks = atomic_read(&fake->other_walks);
	flushes = atomic_read(&fake->other_flush_all);
	msleep(2000);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->other_walks), walks);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->other_flush_all), flushes);
}

/* ---- Randomized comparison with a reference model ---- */

#define LPAE_TEST_WINDOW	4	/* level-2 blocks */
#define LPAE_TEST_OPS		3000
#define LPAE_TEST_CHECK_EVERY	256

/* Per granule of the window: output address of the granule, and flags */
#define LPAE_TEST_M_BLOCK	BIT_ULL(0)
#define LPAE_TEST_M_RDONLY	BIT_ULL(1)
#define LPAE_TEST_M_FLAGS	(LPAE_TEST_M_BLOCK | LPAE_TEST_M_RDONLY)

struct lpae_test_model {
	unsigned long base, end, g, blk, spb;
	unsigned int shift, inter;
	u64 *slot;
	struct lpae_test_span *leaves;
	struct rnd_state rnd;
	unsigned int nr_mapped, nr_eexist, nr_unmapped;
};

static u64 *lpae_test_slot(struct lpae_test_model *m, unsigned long iova)
{
	return &m->slot[(iova - m->base) >> m->shift];
}

static u32 lpae_test_rand(struct lpae_test_model *m, u32 n)
{
	return prandom_u32_state(&m->rnd) % n;
}

/* Where the leaf holding the mapped @iova starts, and its size */
static unsigned long lpae_test_model_leaf(struct lpae_test_model *m,
					  unsigned long iova, size_t *size)
{
	*size = *lpae_test_slot(m, iova) & LPAE_TEST_M_BLOCK ? m->blk : m->g;
	return ALIGN_DOWN(iova, *size);
}

static bool lpae_test_model_busy(struct lpae_test_model *m,
				 unsigned long iova, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += m->g)
		if (*lpae_test_slot(m, iova + off))
			return true;
	return false;
}

/*
 * What unmap_pages() must do: take leaf after leaf from @iova, stopping at
 * a hole or at a block reaching outside the range.  The leaves taken are
 * left in m->leaves.
 */
static size_t lpae_test_model_unmap(struct lpae_test_model *m,
				    unsigned long iova, size_t size,
				    unsigned int *nr)
{
	unsigned long pos = iova, end = iova + size;
	size_t leaf;

	*nr = 0;
	while (pos < end && *lpae_test_slot(m, pos)) {
		if (lpae_test_model_leaf(m, pos, &leaf) != pos ||
		    pos + leaf > end)
			break;
		m->leaves[(*nr)++] = (struct lpae_test_span){ pos, leaf };
		memset(lpae_test_slot(m, pos), 0,
		       (leaf >> m->shift) * sizeof(*m->slot));
		pos += leaf;
	}
	return pos - iova;
}

/*
 * An IOVA aligned to @pgsize in the window: pages mostly near the edges of
 * a block-sized region, where they collide and cross into the next table.
 */
static unsigned long lpae_test_rand_iova(struct lpae_test_model *m,
					 size_t pgsize)
{
	unsigned long region = m->base +
			       lpae_test_rand(m, LPAE_TEST_WINDOW) * m->blk;
	unsigned long idx = lpae_test_rand(m, 16);

	if (pgsize == m->blk)
		return region;
	switch (lpae_test_rand(m, 3)) {
	case 0:
		return region + idx * m->g;
	case 1:
		return region + m->blk - (idx + 1) * m->g;
	default:
		return region + lpae_test_rand(m, m->spb) * m->g;
	}
}

static void lpae_test_rand_map(struct kunit *test, struct lpae_test_pt *pt,
			       struct lpae_test_model *m, unsigned int op)
{
	bool block = !lpae_test_rand(m, 4);
	size_t pgsize = block ? m->blk : m->g;
	size_t count = 1 + lpae_test_rand(m, block ? 2 : 8);
	unsigned long iova = lpae_test_rand_iova(m, pgsize);
	bool rdonly = lpae_test_rand(m, 2);
	phys_addr_t paddr;
	size_t size, off;
	u64 flags;
	int prot, ret;

	count = min_t(size_t, count, (m->end - iova) / pgsize);
	size = count * pgsize;
	paddr = LPAE_TEST_PBASE +
		ALIGN_DOWN((u64)prandom_u32_state(&m->rnd) << 6, pgsize);
	prot = IOMMU_READ | (rdonly ? 0 : IOMMU_WRITE) |
	       (lpae_test_rand(m, 2) ? IOMMU_CACHE : 0);

	ret = lpae_test_map(test, pt, iova, paddr, pgsize, count, prot);
	KUNIT_ASSERT_EQ_MSG(test, ret,
			    lpae_test_model_busy(m, iova, size) ? -EEXIST : 0,
			    "op %u: map %#lx, %zu x %#zx", op, iova, count,
			    pgsize);
	if (ret) {
		m->nr_eexist++;
		return;
	}
	m->nr_mapped++;
	flags = (block ? LPAE_TEST_M_BLOCK : 0) |
		(rdonly ? LPAE_TEST_M_RDONLY : 0);
	for (off = 0; off < size; off += m->g)
		*lpae_test_slot(m, iova + off) = (paddr + off) | flags;
}

static void lpae_test_rand_unmap(struct kunit *test, struct lpae_test_pt *pt,
				 struct lpae_test_model *m, unsigned long iova,
				 size_t pgsize, size_t count, unsigned int op)
{
	unsigned int nr;
	size_t want, got;

	want = lpae_test_model_unmap(m, iova, pgsize * count, &nr);
	got = lpae_test_unmap(test, pt, iova, pgsize, count);
	KUNIT_ASSERT_EQ_MSG(test, got, want, "op %u: unmap %#lx, %zu x %#zx",
			    op, iova, count, pgsize);
	lpae_test_expect_spans(test, "unmapped leaves", pt->fake.adds,
			       pt->fake.nr_adds, m->leaves, nr);
	if (got)
		m->nr_unmapped++;
}

static void lpae_test_probe(struct kunit *test, struct lpae_test_pt *pt,
			    struct lpae_test_model *m, unsigned long iova,
			    unsigned int op)
{
	u64 v = *lpae_test_slot(m, iova);
	u64 want = v ? (v & ~LPAE_TEST_M_FLAGS) + (iova & (m->g - 1)) : 0;
	bool block = v & LPAE_TEST_M_BLOCK;
	unsigned long start;
	int level = -1;
	size_t leaf;
	u64 desc;

	KUNIT_ASSERT_EQ_MSG(test, (u64)lpae_test_phys(pt, iova), want,
			    "op %u: iova %#lx", op, iova);
	desc = io_pgtable_arm_leaf(pt->ops, iova, &level);
	if (!v) {
		KUNIT_ASSERT_EQ_MSG(test, desc, 0ULL, "op %u: iova %#lx", op,
				    iova);
		return;
	}
	start = lpae_test_model_leaf(m, iova, &leaf);
	KUNIT_ASSERT_EQ_MSG(test, level, block ? 2 : 3, "op %u: iova %#lx",
			    op, iova);
	KUNIT_ASSERT_EQ_MSG(test, desc & LPAE_DESC_TYPE,
			    block ? LPAE_DESC_BLOCK : LPAE_DESC_PAGE,
			    "op %u: iova %#lx", op, iova);
	KUNIT_ASSERT_EQ_MSG(test, desc & LPAE_DESC_ADDR_48,
			    *lpae_test_slot(m, start) & ~LPAE_TEST_M_FLAGS,
			    "op %u: iova %#lx", op, iova);
	KUNIT_ASSERT_EQ_MSG(test, !!(desc & LPAE_PTE_AP_RDONLY),
			    !!(v & LPAE_TEST_M_RDONLY), "op %u: iova %#lx",
			    op, iova);
}

/*
 * After a reclaim exactly the tables holding something are left: the root,
 * the ones above the window if anything is mapped, and a last-level table
 * for each region holding pages.  Then every granule is probed.
 */
static void lpae_test_model_check(struct kunit *test, struct lpae_test_pt *pt,
				  struct lpae_test_model *m, unsigned int op)
{
	unsigned long tables = 1, r, i, nslots = LPAE_TEST_WINDOW * m->spb;
	bool any = false;

	for (r = 0; r < LPAE_TEST_WINDOW; r++) {
		bool pages = false;

		for (i = r * m->spb; i < (r + 1) * m->spb; i++) {
			any |= m->slot[i] != 0;
			pages |= m->slot[i] &&
				 !(m->slot[i] & LPAE_TEST_M_BLOCK);
		}
		tables += pages;
	}
	if (any)
		tables += m->inter;
	lpae_test_reclaim(test, pt);
	KUNIT_ASSERT_EQ_MSG(test, io_pgtable_arm_nr_tables(pt->ops), tables,
			    "op %u", op);
	for (i = 0; i < nslots; i++)
		lpae_test_probe(test, pt, m,
				m->base + i * m->g + ((i * 8) & (m->g - 1)),
				op);
}

static void lpae_test_differential(struct kunit *test)
{
	const struct lpae_test_param *p = test->param_value;
	struct lpae_test_pt *pt = lpae_test_create(test, p, 0);
	struct lpae_test_model *m;
	unsigned long iova;
	unsigned int op;
	size_t leaf;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->g = lpae_test_gran(p);
	m->blk = lpae_test_blk(p);
	m->spb = m->blk / m->g;
	m->shift = p->shift;
	m->inter = lpae_test_inter(p, 48);
	m->base = lpae_test_l2_base(p) + m->blk;
	m->end = m->base + LPAE_TEST_WINDOW * m->blk;
	m->slot = lpae_test_kvcalloc(test, LPAE_TEST_WINDOW * m->spb,
				     sizeof(*m->slot));
	m->leaves = lpae_test_kvcalloc(test, pt->fake.adds_cap,
				       sizeof(*m->leaves));
	prandom_seed_state(&m->rnd, lpae_test_seed(test));

	for (op = 0; op < LPAE_TEST_OPS; op++) {
		unsigned int what = lpae_test_rand(m, 16);
		bool block = !lpae_test_rand(m, 4);
		size_t pgsize = block ? m->blk : m->g;
		size_t count = 1 + lpae_test_rand(m, block ? 2 : 8);
		unsigned int k;

		iova = lpae_test_rand_iova(m, pgsize);
		count = min_t(size_t, count, (m->end - iova) / pgsize);
		if (what < 7) {
			lpae_test_rand_map(test, pt, m, op);
		} else if (what < 10) {
			/* one whole leaf, when there is one */
			iova = lpae_test_rand_iova(m, m->g);
			if (*lpae_test_slot(m, iova))
				iova = lpae_test_model_leaf(m, iova, &leaf);
			else
				leaf = m->g;
			lpae_test_rand_unmap(test, pt, m, iova, leaf, 1, op);
		} else if (what < 13) {
			lpae_test_rand_unmap(test, pt, m, iova, pgsize, count,
					     op);
		} else {
			for (k = 0; k < 8; k++)
				lpae_test_probe(test, pt, m,
						lpae_test_rand_iova(m, m->g) +
						lpae_test_rand(m, m->g), op);
		}
		if (op % LPAE_TEST_CHECK_EVERY == LPAE_TEST_CHECK_EVERY - 1)
			lpae_test_model_check(test, pt, m, op);
	}

	for (iova = m->base; iova < m->end; iova += leaf) {
		leaf = m->g;
		if (*lpae_test_slot(m, iova)) {
			lpae_test_model_leaf(m, iova, &leaf);
			lpae_test_rand_unmap(test, pt, m, iova, leaf, 1, op);
		}
	}
	lpae_test_model_check(test, pt, m, op);
	KUNIT_EXPECT_EQ(test, io_pgtable_arm_nr_tables(pt->ops), 1UL);

	kunit_info(test, "%u maps, %u refused, %u unmaps\n", m->nr_mapped,
		   m->nr_eexist, m->nr_unmapped);
	/* a run that never collided would have proved little */
	KUNIT_EXPECT_GT(test, m->nr_eexist, 0U);
	KUNIT_EXPECT_GT(test, m->nr_mapped, 0U);
}

static struct kunit_case lpae_test_cases[] = {
	KUNIT_CASE_PARAM(lpae_test_registers, lpae_test_granules_gen_params),
	KUNIT_CASE(lpae_test_alloc_rejects),
	KUNIT_CASE(lpae_test_granule_choice),
	KUNIT_CASE_PARAM(lpae_test_map_unmap, lpae_test_walks_gen_params),
	KUNIT_CASE_PARAM(lpae_test_overlap, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_block_over_emptied_table,
			 lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_unmap_unmapped,
			 lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_unmap_partial_block,
			 lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_invalid_args, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_prot_bits, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_quirk_bits, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_tlb_gather, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_tlb_gather_by_page,
			 lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_reclaim_tables, lpae_test_walks_gen_params),
	KUNIT_CASE_PARAM(lpae_test_reclaim_idle, lpae_test_walks_gen_params),
	/* waits out two reclaim periods per granule */
	KUNIT_CASE_PARAM_ATTR(lpae_test_deferred_reclaim,
			      lpae_test_granules_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(lpae_test_differential, lpae_test_walks_gen_params),
	KUNIT_CASE_PARAM(lpae_test_dirty, lpae_test_granules_gen_params),
	KUNIT_CASE_PARAM(lpae_test_concurrent, lpae_test_walks_gen_params),
	{}
};

static struct kunit_suite io_pgtable_arm_test_suite = {
	.name = "io-pgtable-arm",
	.init = lpae_test_init,
	.test_cases = lpae_test_cases,
};

kunit_test_suite(io_pgtable_arm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the ARM LPAE I/O page tables");
MODULE_LICENSE("GPL");
