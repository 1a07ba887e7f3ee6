// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for how the IOMMU DMA layer lays a scatterlist out in IOVA
 * space.
 *
 * iommu_dma_sg_plan() decides, before any IOVA is allocated, where each
 * entry of a scatterlist goes relative to the start of one range and which
 * entries merge into one DMA segment; iommu_dma_sg_place() then turns those
 * offsets into addresses.  A wrong plan crashes nothing: it hands a device
 * a segment longer than it can take or one that crosses its segment
 * boundary, or it maps a buffer at the wrong offset inside an IOMMU page,
 * and the device then reads or writes the wrong bytes.  So the fixed cases
 * check every segment exactly, on fake devices whose limits they choose,
 * and dma_test_check_plan() checks the rules that any plan must keep:
 *
 *  - segments come in address order and share no IOMMU page;
 *  - no segment crosses the device's segment boundary;
 *  - a segment fits the maximum segment size, unless it is a single entry
 *    longer than that, which the planner neither splits nor refuses;
 *  - the entries fill the segments in order, each at its own offset inside
 *    an IOMMU page, with no byte lost or added;
 *  - the range to allocate is whole IOMMU pages and holds every segment.
 *
 * The planner reads nothing but sg_phys() and the length of each entry, so
 * the entries point into one 64 KiB block of pages that is never touched.
 * The randomized case prints its seed so that a failure can be replayed
 * with dma_iommu_test.seed=N.
 *
 * One more case checks iommu_dma_sweep(), the clean-up after an unmap that
 * found a hole, on a fake domain whose unmap stops at holes.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include "dma-iommu-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the randomized case (0: pick one)");

/* The block the entries point into; alloc_pages() aligns it to its size */
#define DMA_TEST_SPAN		SZ_64K
#define DMA_TEST_ORDER		get_order(DMA_TEST_SPAN)
#define DMA_TEST_MAX_ENTS	32
#define DMA_TEST_ROUNDS		200
#define DMA_TEST_IOVA		0x100000

/* An input entry: @len bytes from @at bytes into the block */
struct dma_test_ent {
	u32 at;
	u32 len;
};

/* An expected DMA segment, relative to the start of the range */
struct dma_test_seg {
	u64 addr;
	u32 len;
};

static void dma_test_free_pages(void *pages)
{
	__free_pages(pages, DMA_TEST_ORDER);
}

static int dma_test_init(struct kunit *test)
{
	struct page *pages = alloc_pages(GFP_KERNEL, DMA_TEST_ORDER);
	int ret;

	if (!pages)
		return -ENOMEM;
	ret = kunit_add_action_or_reset(test, dma_test_free_pages, pages);
	if (ret)
		return ret;
	/* so that an offset into the block is one into a 64 KiB granule */
	KUNIT_ASSERT_EQ(test, page_to_phys(pages) & (DMA_TEST_SPAN - 1), 0);
	test->priv = pages;
	return 0;
}

static unsigned int dma_test_seed(struct kunit *test)
{
	unsigned int s = seed ?: get_random_u32() ?: 1;

	kunit_info(test, "seed %u (replay with dma_iommu_test.seed=%u)\n",
		   s, s);
	return s;
}

static u32 dma_test_rand(struct rnd_state *rnd, u32 n)
{
	return prandom_u32_state(rnd) % n;
}

/*
 * A device with the given limits.  A max_seg of 0 leaves it without
 * dma_parms, so that it has the DMA API's defaults.
 */
static struct device *dma_test_dev(struct kunit *test, unsigned int max_seg,
				   unsigned long boundary)
{
	struct device_dma_parameters *parms = NULL;
	struct device *dev;

	/* allocated first so that it outlives the device */
	if (max_seg) {
		parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, parms);
	}
	dev = kunit_device_register(test, "iommu-dma-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	if (parms) {
		dev->dma_parms = parms;
		dma_set_max_seg_size(dev, max_seg);
		dma_set_seg_boundary(dev, boundary);
	}
	return dev;
}

static void dma_test_set(struct kunit *test, struct scatterlist *s, u32 at,
			 u32 len)
{
	struct page *pages = test->priv;

	sg_set_page(s, pages + at / PAGE_SIZE, len, at % PAGE_SIZE);
}

static struct scatterlist *dma_test_sgl(struct kunit *test,
					const struct dma_test_ent *ents,
					int nents)
{
	struct scatterlist *sgl, *s;
	int i;

	sgl = kunit_kcalloc(test, nents, sizeof(*sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgl);
	sg_init_table(sgl, nents);
	for_each_sg(sgl, s, nents, i)
		dma_test_set(test, s, ents[i].at, ents[i].len);
	return sgl;
}

/*
 * The rules every successful plan keeps, whatever the list.  Returns false,
 * having said which rule broke, if one did.
 */
static bool dma_test_check_plan(struct kunit *test, struct device *dev,
				struct scatterlist *sgl, int nents,
				unsigned long granule, int count,
				size_t iova_len)
{
	unsigned int max_seg = dma_get_max_seg_size(dev);
	unsigned long boundary = dma_get_seg_boundary(dev);
	struct scatterlist *s, *seg = NULL;
	u64 addr, end = 0, at = 0, left = 0;
	int i, seg_idx = -1, pieces = 0;
	bool ok = true;

	if (count < 1 || count > nents) {
		KUNIT_FAIL(test, "%d segments from %d entries", count, nents);
		return false;
	}

	for_each_sg(sgl, s, count, i) {
		addr = sg_dma_address(s);
		if (!sg_dma_len(s) || ALIGN_DOWN(addr, granule) < end) {
			KUNIT_FAIL(test,
				   "segment %d (%#llx + %#x) empty or in a page below %#llx",
				   i, addr, sg_dma_len(s), end);
			ok = false;
		}
		if ((addr ^ (addr + sg_dma_len(s) - 1)) & ~(u64)boundary) {
			KUNIT_FAIL(test,
				   "segment %d (%#llx + %#x) crosses the boundary (mask %#lx)",
				   i, addr, sg_dma_len(s), boundary);
			ok = false;
		}
		end = ALIGN(addr + sg_dma_len(s), granule);
	}
	if ((iova_len & (granule - 1)) || iova_len < end) {
		KUNIT_FAIL(test, "a range of %#zx bytes for segments ending at %#llx",
			   iova_len, end);
		ok = false;
	}

	/* The entries fill the segments in order, each at its own offset */
	for_each_sg(sgl, s, nents, i) {
		if (!left) {
			if (++seg_idx == count) {
				KUNIT_FAIL(test, "entries from %d on are in no segment", i);
				return false;
			}
			seg = seg ? sg_next(seg) : sgl;
			at = sg_dma_address(seg);
			left = sg_dma_len(seg);
			pieces = 0;
		}
		if ((at & (granule - 1)) != (sg_phys(s) & (granule - 1))) {
			KUNIT_FAIL(test,
				   "entry %d is at %#llx, but %#llx bytes into its IOMMU page",
				   i, at, sg_phys(s) & (granule - 1));
			ok = false;
		}
		if (s->length > left) {
			KUNIT_FAIL(test, "entry %d (%#x bytes) overruns segment %d",
				   i, s->length, seg_idx);
			return false;
		}
		if (++pieces == 2 && sg_dma_len(seg) > max_seg) {
			KUNIT_FAIL(test,
				   "segment %d merges entries into %#x bytes, over the maximum %#x",
				   seg_idx, sg_dma_len(seg), max_seg);
			ok = false;
		}
		at += s->length;
		left -= s->length;
	}
	if (seg_idx != count - 1 || left) {
		KUNIT_FAIL(test, "the entries fill %d of %d segments, %#llx bytes short",
			   seg_idx + 1, count, left);
		ok = false;
	}
	return ok;
}

/* Plan @ents and expect exactly @segs in a range of @iova_len bytes */
static struct scatterlist *dma_test_plan(struct kunit *test,
					 struct device *dev,
					 unsigned long granule,
					 const struct dma_test_ent *ents,
					 int nents,
					 const struct dma_test_seg *segs,
					 int count, size_t iova_len)
{
	struct scatterlist *sgl = dma_test_sgl(test, ents, nents);
	struct scatterlist *s;
	size_t len = 0;
	int i, ret;

	ret = iommu_dma_sg_plan(dev, sgl, nents, granule, &len);
	KUNIT_EXPECT_EQ(test, ret, count);
	for_each_sg(sgl, s, min(ret, count), i) {
		KUNIT_EXPECT_EQ_MSG(test, sg_dma_address(s), segs[i].addr,
				    "segment %d", i);
		KUNIT_EXPECT_EQ_MSG(test, sg_dma_len(s), segs[i].len,
				    "segment %d", i);
	}
	if (ret > 0) {
		KUNIT_EXPECT_EQ(test, len, iova_len);
		dma_test_check_plan(test, dev, sgl, nents, granule, ret, len);
	}
	return sgl;
}

static void dma_test_plan_fails(struct kunit *test, struct device *dev,
				unsigned long granule,
				const struct dma_test_ent *ents, int nents)
{
	struct scatterlist *sgl = dma_test_sgl(test, ents, nents);
	size_t len;

	KUNIT_EXPECT_EQ(test, iommu_dma_sg_plan(dev, sgl, nents, granule, &len),
			-EINVAL);
}

/* Whole IOMMU pages become one segment, whatever their physical order */
static void dma_test_merge_pages(struct kunit *test)
{
	static const struct dma_test_ent ents[] = {
		{ 3 * SZ_4K, SZ_4K }, { 0, SZ_4K },
		{ 7 * SZ_4K, SZ_4K }, { SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg segs[] = { { 0, SZ_16K } };
	struct device *dev = dma_test_dev(test, SZ_64K, ULONG_MAX);

	dma_test_plan(test, dev, SZ_4K, ents, ARRAY_SIZE(ents),
		      segs, ARRAY_SIZE(segs), SZ_16K);
}

/* Each entry keeps its offset inside an IOMMU page; merges need a page edge */
static void dma_test_offsets(struct kunit *test)
{
	/* ends on a page edge, so the next whole page joins it */
	static const struct dma_test_ent joined[] = {
		{ SZ_4K + 0x200, 0xe00 }, { 2 * SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg joined_segs[] = { { 0x200, 0x1e00 } };
	/* ends mid-page: whatever follows starts in the next page */
	static const struct dma_test_ent mid[] = {
		{ 0, 0x800 }, { SZ_4K + 0x300, 0x400 }, { 2 * SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg mid_segs[] = {
		{ 0, 0x800 }, { 0x1300, 0x400 }, { 0x2000, SZ_4K },
	};
	/* starts mid-page after a whole page: a new segment at its offset */
	static const struct dma_test_ent offset[] = {
		{ 0, SZ_4K }, { 5 * SZ_4K + 0x700, 0x900 }, { 0, SZ_4K },
	};
	static const struct dma_test_seg offset_segs[] = {
		{ 0, SZ_4K }, { 0x1700, 0x1900 },
	};
	struct device *dev = dma_test_dev(test, SZ_64K, ULONG_MAX);

	dma_test_plan(test, dev, SZ_4K, joined, ARRAY_SIZE(joined),
		      joined_segs, ARRAY_SIZE(joined_segs), SZ_8K);
	dma_test_plan(test, dev, SZ_4K, mid, ARRAY_SIZE(mid),
		      mid_segs, ARRAY_SIZE(mid_segs), 0x3000);
	dma_test_plan(test, dev, SZ_4K, offset, ARRAY_SIZE(offset),
		      offset_segs, ARRAY_SIZE(offset_segs), 0x3000);
}

/* With a 64 KiB granule the same list keeps offsets a 4 KiB one merges away */
static void dma_test_offsets_64k(struct kunit *test)
{
	static const struct dma_test_ent ents[] = {
		{ 0x5200, 0xae00 }, { 0, SZ_64K }, { 0x3000, SZ_4K },
		{ 0x4000, 0x800 },
	};
	static const struct dma_test_seg segs_64k[] = {
		{ 0x5200, 0x1ae00 }, { 0x23000, SZ_4K }, { 0x34000, 0x800 },
	};
	static const struct dma_test_seg segs_4k[] = { { 0x200, 0x1c600 } };
	struct device *dev = dma_test_dev(test, SZ_1M, ULONG_MAX);

	dma_test_plan(test, dev, SZ_64K, ents, ARRAY_SIZE(ents),
		      segs_64k, ARRAY_SIZE(segs_64k), 0x40000);
	dma_test_plan(test, dev, SZ_4K, ents, ARRAY_SIZE(ents),
		      segs_4k, ARRAY_SIZE(segs_4k), 0x1d000);
}

/* Merging stops at the maximum segment size; a longer entry stays whole */
static void dma_test_max_seg(struct kunit *test)
{
	static const struct dma_test_ent pages[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_4K }, { 2 * SZ_4K, SZ_4K },
		{ 3 * SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg pages_segs[] = {
		{ 0, SZ_8K }, { SZ_8K, SZ_8K },
	};
	static const struct dma_test_ent big[] = { { 0, SZ_8K + SZ_4K } };
	static const struct dma_test_seg big_segs[] = { { 0, SZ_8K + SZ_4K } };
	/* neither the page before nor the page after joins the long entry */
	static const struct dma_test_ent around[] = {
		{ 0, SZ_4K }, { 0, SZ_8K + SZ_4K }, { 0, SZ_4K },
	};
	static const struct dma_test_seg around_segs[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_8K + SZ_4K }, { SZ_16K, SZ_4K },
	};
	struct device *dev = dma_test_dev(test, SZ_8K, ULONG_MAX);

	dma_test_plan(test, dev, SZ_4K, pages, ARRAY_SIZE(pages),
		      pages_segs, ARRAY_SIZE(pages_segs), SZ_16K);
	dma_test_plan(test, dev, SZ_4K, big, ARRAY_SIZE(big),
		      big_segs, ARRAY_SIZE(big_segs), SZ_8K + SZ_4K);
	dma_test_plan(test, dev, SZ_4K, around, ARRAY_SIZE(around),
		      around_segs, ARRAY_SIZE(around_segs), SZ_16K + SZ_4K);
}

/* With 16 KiB windows, segments split at the line or move past it */
static void dma_test_boundary(struct kunit *test)
{
	/* six whole pages: split where the first window ends */
	static const struct dma_test_ent split[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_4K }, { 2 * SZ_4K, SZ_4K },
		{ 3 * SZ_4K, SZ_4K }, { 4 * SZ_4K, SZ_4K },
		{ 5 * SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg split_segs[] = {
		{ 0, SZ_16K }, { SZ_16K, SZ_8K },
	};
	/* 8 KiB cannot follow 12 KiB in the window, nor start at 12 KiB */
	static const struct dma_test_ent pad[] = {
		{ 0, 3 * SZ_4K }, { 0, SZ_8K },
	};
	static const struct dma_test_seg pad_segs[] = {
		{ 0, 3 * SZ_4K }, { SZ_16K, SZ_8K },
	};
	/* padded to the next window, keeping its offset */
	static const struct dma_test_ent pad_offset[] = {
		{ 0, 0x2800 }, { SZ_4K + 0x100, 0x1800 },
	};
	static const struct dma_test_seg pad_offset_segs[] = {
		{ 0, 0x2800 }, { SZ_16K + 0x100, 0x1800 },
	};
	/* padded, then the page after it may not join across the next line */
	static const struct dma_test_ent pad_split[] = {
		{ 0, SZ_4K }, { 0x100, 0x3f00 }, { 0, SZ_4K },
	};
	static const struct dma_test_seg pad_split_segs[] = {
		{ 0, SZ_4K }, { SZ_16K + 0x100, 0x3f00 }, { SZ_32K, SZ_4K },
	};
	struct device *dev = dma_test_dev(test, SZ_64K, SZ_16K - 1);

	dma_test_plan(test, dev, SZ_4K, split, ARRAY_SIZE(split),
		      split_segs, ARRAY_SIZE(split_segs), 6 * SZ_4K);
	dma_test_plan(test, dev, SZ_4K, pad, ARRAY_SIZE(pad),
		      pad_segs, ARRAY_SIZE(pad_segs), 6 * SZ_4K);
	dma_test_plan(test, dev, SZ_4K, pad_offset, ARRAY_SIZE(pad_offset),
		      pad_offset_segs, ARRAY_SIZE(pad_offset_segs), 6 * SZ_4K);
	dma_test_plan(test, dev, SZ_4K, pad_split, ARRAY_SIZE(pad_split),
		      pad_split_segs, ARRAY_SIZE(pad_split_segs), 9 * SZ_4K);
}

/* An entry that no window can hold is refused, and so is an empty one */
static void dma_test_refused(struct kunit *test)
{
	/* whole pages fill 4 KiB windows exactly, but never merge */
	static const struct dma_test_ent fits[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_4K },
	};
	static const struct dma_test_seg fits_segs[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_4K },
	};
	static const struct dma_test_ent alone[] = {
		{ SZ_4K + 0x800, SZ_4K },
	};
	static const struct dma_test_ent after[] = {
		{ 0, SZ_4K }, { 0x800, SZ_4K },
	};
	static const struct dma_test_ent empty[] = { { 0, 0 } };
	static const struct dma_test_ent empty_after[] = {
		{ 0, SZ_4K }, { SZ_4K, 0 },
	};
	struct device *dev = dma_test_dev(test, SZ_64K, SZ_4K - 1);

	dma_test_plan(test, dev, SZ_4K, fits, ARRAY_SIZE(fits),
		      fits_segs, ARRAY_SIZE(fits_segs), SZ_8K);
	dma_test_plan_fails(test, dev, SZ_4K, alone, ARRAY_SIZE(alone));
	dma_test_plan_fails(test, dev, SZ_4K, after, ARRAY_SIZE(after));
	dma_test_plan_fails(test, dev, SZ_4K, empty, ARRAY_SIZE(empty));
	dma_test_plan_fails(test, dev, SZ_4K, empty_after,
			    ARRAY_SIZE(empty_after));
}

/* Placing adds the base and clears the entries left without a segment */
static void dma_test_place(struct kunit *test)
{
	static const struct dma_test_ent ents[] = {
		{ 0, SZ_4K }, { SZ_4K, SZ_4K }, { 2 * SZ_4K, SZ_4K },
		{ 3 * SZ_4K, SZ_4K }, { 9 * SZ_4K + 0x100, 0x200 },
	};
	static const struct dma_test_seg segs[] = {
		{ 0, SZ_8K }, { SZ_8K, SZ_8K }, { SZ_16K + 0x100, 0x200 },
	};
	struct device *dev = dma_test_dev(test, SZ_8K, ULONG_MAX);
	int nents = ARRAY_SIZE(ents), count = ARRAY_SIZE(segs);
	struct scatterlist *sgl, *s;
	int i;

	sgl = dma_test_plan(test, dev, SZ_4K, ents, nents, segs, count,
			    5 * SZ_4K);
	/* what the plan leaves in the other entries must not survive */
	for_each_sg(sgl, s, nents, i) {
		if (i >= count) {
			sg_dma_address(s) = 0x5a5a000;
			sg_dma_len(s) = 0x5a5a;
		}
	}
	iommu_dma_sg_place(sgl, nents, count, DMA_TEST_IOVA);
	for_each_sg(sgl, s, nents, i) {
		if (i < count) {
			KUNIT_EXPECT_EQ_MSG(test, sg_dma_address(s),
					    DMA_TEST_IOVA + segs[i].addr,
					    "entry %d", i);
			KUNIT_EXPECT_EQ_MSG(test, sg_dma_len(s), segs[i].len,
					    "entry %d", i);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, sg_dma_address(s),
					    DMA_MAPPING_ERROR, "entry %d", i);
			KUNIT_EXPECT_EQ_MSG(test, sg_dma_len(s), 0,
					    "entry %d", i);
		}
	}
}

/* Without dma_parms a device gets 64 KiB segments and no boundary */
static void dma_test_default_limits(struct kunit *test)
{
	static const struct dma_test_seg segs[] = {
		{ 0, SZ_64K }, { SZ_64K, SZ_64K },
	};
	struct device *dev = dma_test_dev(test, 0, 0);
	struct dma_test_ent ents[32];
	int i;

	KUNIT_EXPECT_NULL(test, dev->dma_parms);
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(dev), SZ_64K);
	KUNIT_EXPECT_EQ(test, dma_get_seg_boundary(dev), ULONG_MAX);
	for (i = 0; i < ARRAY_SIZE(ents); i++) {
		ents[i].at = i * SZ_4K % DMA_TEST_SPAN;
		ents[i].len = SZ_4K;
	}
	dma_test_plan(test, dev, SZ_4K, ents, ARRAY_SIZE(ents),
		      segs, ARRAY_SIZE(segs), SZ_128K);
}

/* Mostly whole pages, which merge; some odd offsets; now and then a huge one */
static void dma_test_rand_ent(struct kunit *test, struct rnd_state *rnd,
			      struct scatterlist *s)
{
	u32 dice = dma_test_rand(rnd, 32), at, len;

	if (dice < 16) {
		at = dma_test_rand(rnd, DMA_TEST_SPAN / SZ_4K) * SZ_4K;
		len = (1 + dma_test_rand(rnd, 4)) * SZ_4K;
	} else if (dice < 24) {
		/* ends on a page edge */
		at = dma_test_rand(rnd, DMA_TEST_SPAN);
		len = (1 + dma_test_rand(rnd, 3)) * SZ_4K - at % SZ_4K;
	} else if (dice < 31) {
		at = dma_test_rand(rnd, DMA_TEST_SPAN);
		len = 1 + dma_test_rand(rnd, 3 * SZ_4K);
	} else {
		at = dma_test_rand(rnd, DMA_TEST_SPAN / SZ_4K) * SZ_4K;
		len = dma_test_rand(rnd, 2) ?
		      (1 + dma_test_rand(rnd, 32)) * SZ_4K :
		      1 + dma_test_rand(rnd, SZ_128K);
	}
	dma_test_set(test, s, at, len);
}

static void dma_test_dump(struct kunit *test, struct scatterlist *sgl,
			  int nents, int count)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i)
		kunit_info(test, "entry %d: %#llx into a page, %#x bytes\n",
			   i, sg_phys(s) & (SZ_4K - 1), s->length);
	for_each_sg(sgl, s, count, i)
		kunit_info(test, "segment %d: %#llx + %#x\n",
			   i, sg_dma_address(s), sg_dma_len(s));
}

/* Random lists on random limits: each plan keeps the rules or is impossible */
static void dma_test_random(struct kunit *test)
{
	static const unsigned long boundaries[] = { 0x3fff, 0xffff, ULONG_MAX };
	unsigned int round, planned = 0, refused = 0;
	struct dma_test_seg *first;
	struct scatterlist *sgl, *s;
	struct rnd_state rnd;
	struct device *dev;

	dev = dma_test_dev(test, SZ_64K, ULONG_MAX);
	sgl = kunit_kcalloc(test, DMA_TEST_MAX_ENTS, sizeof(*sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgl);
	first = kunit_kcalloc(test, DMA_TEST_MAX_ENTS, sizeof(*first),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	prandom_seed_state(&rnd, dma_test_seed(test));

	for (round = 0; round < DMA_TEST_ROUNDS; round++) {
		unsigned long boundary = boundaries[dma_test_rand(&rnd, 3)];
		unsigned int max_seg = SZ_4K << dma_test_rand(&rnd, 5);
		int nents = 1 + dma_test_rand(&rnd, DMA_TEST_MAX_ENTS);
		bool impossible = false, same;
		u64 off;
		size_t len, len2;
		int i, count, again;

		dma_set_max_seg_size(dev, max_seg);
		dma_set_seg_boundary(dev, boundary);
		sg_init_table(sgl, nents);
		for_each_sg(sgl, s, nents, i) {
			dma_test_rand_ent(test, &rnd, s);
			off = sg_phys(s) & (SZ_4K - 1);
			if (off + s->length - 1 > boundary)
				impossible = true;
		}

		count = iommu_dma_sg_plan(dev, sgl, nents, SZ_4K, &len);
		if (count < 0 || impossible) {
			KUNIT_EXPECT_EQ_MSG(test, count, -EINVAL,
					    "round %u: max %#x, boundary %#lx",
					    round, max_seg, boundary);
			KUNIT_EXPECT_TRUE_MSG(test, impossible,
					      "round %u: refused a list that fits (max %#x, mask %#lx)",
					      round, max_seg, boundary);
			if (count != -EINVAL || !impossible) {
				dma_test_dump(test, sgl, nents, max(count, 0));
				break;
			}
			refused++;
			continue;
		}
		if (!dma_test_check_plan(test, dev, sgl, nents, SZ_4K, count,
					 len)) {
			kunit_info(test, "round %u: max %#x, boundary %#lx\n",
				   round, max_seg, boundary);
			dma_test_dump(test, sgl, nents, count);
			break;
		}

		/* the same list plans the same way again */
		for_each_sg(sgl, s, count, i) {
			first[i].addr = sg_dma_address(s);
			first[i].len = sg_dma_len(s);
		}
		for_each_sg(sgl, s, nents, i) {
			sg_dma_address(s) = DMA_MAPPING_ERROR;
			sg_dma_len(s) = 0;
		}
		again = iommu_dma_sg_plan(dev, sgl, nents, SZ_4K, &len2);
		same = again == count && len2 == len;
		for_each_sg(sgl, s, min(again, count), i)
			same &= sg_dma_address(s) == first[i].addr &&
				sg_dma_len(s) == first[i].len;
		if (!same) {
			KUNIT_FAIL(test,
				   "round %u: again %d segments in %#zx bytes, not %d in %#zx",
				   round, again, len2, count, len);
			break;
		}
		planned++;
	}

	kunit_info(test, "%u lists planned, %u refused\n", planned, refused);
	if (round == DMA_TEST_ROUNDS) {
		/* a run that never planned or never refused proved little */
		KUNIT_EXPECT_GT(test, planned, 0U);
		KUNIT_EXPECT_GT(test, refused, 0U);
	}
}

/*
 * The sweep that cleans up after an unmap found less mapped than expected,
 * against a fake domain whose unmap stops at the first hole, as our I/O
 * page tables do: everything mapped in the range must go, nothing outside.
 */
#define DMA_TEST_FAKE_PAGES	64

struct dma_test_fake_domain {
	struct iommu_domain domain;
	DECLARE_BITMAP(mapped, DMA_TEST_FAKE_PAGES);
	unsigned int calls;
};

#define to_fake(d)	container_of(d, struct dma_test_fake_domain, domain)

/* Clears mapped pages from @iova on, up to the first hole. */
static size_t dma_test_fake_unmap(struct iommu_domain *domain, unsigned long iova,
				  size_t pgsize, size_t pgcount, struct iommu_iotlb_gather *gather)
{
	unsigned long pfn = iova / SZ_4K;
	struct dma_test_fake_domain *fake = to_fake(domain);
	size_t n = 0;

	fake->calls++;
	while (n < pgcount && pfn + n < DMA_TEST_FAKE_PAGES &&
	       test_bit(pfn + n, fake->mapped)) {
		clear_bit(pfn + n, fake->mapped);
		n++;
	}
	return n * pgsize;
}

static const struct iommu_domain_ops dma_test_fake_ops = {
	.unmap_pages = dma_test_fake_unmap,
};

static void dma_test_sweep(struct kunit *test)
{
	struct dma_test_fake_domain *fake;
	struct iommu_iotlb_gather gather;
	size_t cleared;

	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->domain.type = IOMMU_DOMAIN_UNMANAGED;
	fake->domain.ops = &dma_test_fake_ops;
	fake->domain.pgsize_bitmap = SZ_4K;

	/* Pages 0-3, 6, 9-10 and 40 mapped; sweep pages 2-11. */
	bitmap_set(fake->mapped, 0, 4);
	set_bit(6, fake->mapped);
	bitmap_set(fake->mapped, 9, 2);
	set_bit(40, fake->mapped);
	iommu_iotlb_gather_init(&gather);
	cleared = iommu_dma_sweep(&fake->domain, SZ_4K, 2 * SZ_4K, 10 * SZ_4K,
				  &gather);

	KUNIT_EXPECT_EQ(test, cleared, 5 * SZ_4K);
	KUNIT_EXPECT_EQ(test, bitmap_weight(fake->mapped, DMA_TEST_FAKE_PAGES), 3);
	KUNIT_EXPECT_TRUE(test, test_bit(0, fake->mapped));
	KUNIT_EXPECT_TRUE(test, test_bit(1, fake->mapped));
	KUNIT_EXPECT_TRUE(test, test_bit(40, fake->mapped));
	/*
	 * Each mapped run costs two calls, as the core's unmap asks once more
	 * after a short one (2-3, 6, 9-10); each hole granule costs one (4, 5,
	 * 7, 8, 11).
	 */
	KUNIT_EXPECT_EQ(test, fake->calls, 3 * 2 + 5);

	/* Nothing mapped: nothing cleared, and it still ends. */
	fake->calls = 0;
	cleared = iommu_dma_sweep(&fake->domain, SZ_4K, 16 * SZ_4K, 8 * SZ_4K,
				  &gather);
	KUNIT_EXPECT_EQ(test, cleared, 0);
	KUNIT_EXPECT_EQ(test, fake->calls, 8);
}

static struct kunit_case dma_test_cases[] = {
	KUNIT_CASE(dma_test_merge_pages),
	KUNIT_CASE(dma_test_offsets),
	KUNIT_CASE(dma_test_offsets_64k),
	KUNIT_CASE(dma_test_max_seg),
	KUNIT_CASE(dma_test_boundary),
	KUNIT_CASE(dma_test_refused),
	KUNIT_CASE(dma_test_place),
	KUNIT_CASE(dma_test_default_limits),
	KUNIT_CASE(dma_test_random),
	KUNIT_CASE(dma_test_sweep),
	{}
};

static struct kunit_suite dma_iommu_test_suite = {
	.name = "iommu-dma",
	.init = dma_test_init,
	.test_cases = dma_test_cases,
};

kunit_test_suite(dma_iommu_test_suite);

MODULE_DESCRIPTION("KUnit tests for the IOMMU DMA layer");
MODULE_LICENSE("GPL");
