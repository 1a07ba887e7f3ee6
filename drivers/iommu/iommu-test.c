// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOMMU core, against a mock IOMMU driver: the test
 * cases and the suite "iommu-core".
 *
 * The core sits between IOMMU drivers and everyone else, and most of its
 * mistakes crash nothing: a range cut into the wrong page sizes maps the
 * wrong physical pages, an unmap that syncs too early or too narrowly
 * leaves stale IOTLB entries a device can still use, and a group left on
 * the wrong domain lets a device DMA where it should be blocked.  So the
 * cases look at what the driver below the core was asked to do.
 *
 * The mock driver and the helpers of the cases are in iommu-test-mock.c,
 * which describes them.  The driver registers two IOMMU instances,
 * "plain" and "user" (with a domain_alloc_user op), behind which each
 * case probes KUnit devices of its own, and records every attach, every
 * map_pages() and unmap_pages() call and every IOTLB sync the core asks
 * of it.
 *
 * The cases cover domain allocation (paging and user, with and without
 * the driver's op), the page-size split of iommu_map() and what it refuses,
 * cleanup after a map fails part way, one IOTLB sync per iommu_unmap(),
 * the DMA domain, attach and detach, DMA ownership, attach handles, probe
 * failures, fwspecs naming an IOMMU that has not registered,
 * capabilities, the merging of reserved regions and the gather helpers.
 * After every case a last check finds every domain the mock allocated
 * freed and every device it probed released.
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommu-test-mock.h"

/* ---- Domain allocation ---- */

/*
 * A paging domain comes from the driver's domain_alloc_paging, and the
 * core finishes it: kernel-managed type, owned by the driver (so that only
 * its devices can be attached), the driver's domain ops and page sizes.
 * A device the core never probed has no IOMMU to ask.
 */
static void iommu_test_paging_domain_alloc(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct mock_dev *bare = mock_dev_create(test, NULL, "bare", 0);
	struct mock_dev *refused = mock_dev_create(test, &mock_plain, "refused",
						   MOCK_DEV_REFUSE);
	struct iommu_domain *domain;
	unsigned int allocs;

	/* the probe may have made a DMA domain already */
	allocs = ctx->paging_allocs;
	domain = mock_paging_domain(test, mdev);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs + 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->paging_dev, mdev->dev);
	KUNIT_EXPECT_EQ(test, domain->type, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_EXPECT_PTR_EQ(test, domain->owner, &mock_plain_ops);
	KUNIT_EXPECT_PTR_EQ(test, domain->ops, &mock_domain_ops);
	KUNIT_EXPECT_EQ(test, domain->pgsize_bitmap, MOCK_PGSIZES);
	/* not for the DMA API: no IOVA space of its own */
	KUNIT_EXPECT_NULL(test, domain->iova_cookie);
	KUNIT_EXPECT_FALSE(test, to_mock_domain(domain)->user);
	/* allocating attaches nothing */
	KUNIT_EXPECT_PTR_NE(test, mdev->attached, domain);
	KUNIT_EXPECT_PTR_NE(test, iommu_get_domain_for_dev(mdev->dev), domain);

	allocs = ctx->paging_allocs;
	mock_expect_alloc_err(test, iommu_paging_domain_alloc(bare->dev),
			      -ENODEV);
	/* a fwspec is not enough: the driver refused the device */
	KUNIT_EXPECT_EQ(test, iommu_probe_device(refused->dev), -ENODEV);
	mock_expect_alloc_err(test, iommu_paging_domain_alloc(refused->dev),
			      -ENODEV);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs);
}

/* The driver's error comes back as it is; a NULL from it is -ENOMEM. */
static void iommu_test_paging_domain_alloc_fails(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	unsigned int made = ctx->made;

	ctx->paging_err = -ENOSPC;
	mock_expect_alloc_err(test, iommu_paging_domain_alloc(mdev->dev),
			      -ENOSPC);
	ctx->paging_err = 1;
	mock_expect_alloc_err(test, iommu_paging_domain_alloc(mdev->dev),
			      -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->made, made);
}

/*
 * Without a domain_alloc_user op, a user domain is a plain paging domain,
 * which supports no flags: asking for one (dirty tracking, say) must fail
 * rather than hand out a domain that silently lacks it.
 */
static void iommu_test_user_domain_fallback(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain;
	unsigned int allocs = ctx->paging_allocs;

	domain = iommu_user_domain_alloc(mdev->dev, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, domain);
	mock_defer(test, mock_domain_free_action, domain);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs + 1);
	KUNIT_EXPECT_EQ(test, ctx->user_allocs, 0);
	KUNIT_EXPECT_EQ(test, domain->type, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_EXPECT_PTR_EQ(test, domain->owner, &mock_plain_ops);
	KUNIT_EXPECT_PTR_EQ(test, domain->ops, &mock_domain_ops);
	KUNIT_EXPECT_EQ(test, domain->pgsize_bitmap, MOCK_PGSIZES);

	mock_expect_alloc_err(test,
			      iommu_user_domain_alloc(mdev->dev,
						      IOMMU_HWPT_ALLOC_DIRTY_TRACKING),
			      -EOPNOTSUPP);
	mock_expect_alloc_err(test,
			      iommu_user_domain_alloc(mdev->dev,
						      IOMMU_HWPT_ALLOC_NEST_PARENT),
			      -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs + 1);
}

/*
 * With the op, the driver decides: it gets the flags as they were given,
 * no parent and no user data, and what it returns is what the caller
 * gets, finished by the core like any domain, or its error unchanged.
 */
static void iommu_test_user_domain_op(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_user, "dev", 0);
	const u32 flags_cases[] = { 0, IOMMU_HWPT_ALLOC_DIRTY_TRACKING };
	unsigned int allocs = ctx->paging_allocs;
	struct iommu_domain *domain;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags_cases); i++) {
		domain = iommu_user_domain_alloc(mdev->dev, flags_cases[i]);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, domain);
		mock_defer(test, mock_domain_free_action, domain);
		KUNIT_EXPECT_EQ(test, ctx->user_allocs, i + 1);
		KUNIT_EXPECT_EQ(test, ctx->user_flags, flags_cases[i]);
		KUNIT_EXPECT_NULL(test, ctx->user_parent);
		KUNIT_EXPECT_NULL(test, ctx->user_data);
		KUNIT_EXPECT_PTR_EQ(test, domain, ctx->user_domain);
		KUNIT_EXPECT_TRUE(test, to_mock_domain(domain)->user);
		KUNIT_EXPECT_EQ(test, domain->type, IOMMU_DOMAIN_UNMANAGED);
		KUNIT_EXPECT_PTR_EQ(test, domain->owner, &mock_user_ops);
		KUNIT_EXPECT_PTR_EQ(test, domain->ops, &mock_domain_ops);
		KUNIT_EXPECT_EQ(test, domain->pgsize_bitmap, MOCK_PGSIZES);
	}
	/* the op, not a fallback to domain_alloc_paging */
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs);

	/* flags the driver refuses, and its own errors, pass through */
	mock_expect_alloc_err(test,
			      iommu_user_domain_alloc(mdev->dev,
						      IOMMU_HWPT_ALLOC_NEST_PARENT),
			      -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ctx->user_flags, IOMMU_HWPT_ALLOC_NEST_PARENT);
	ctx->user_err = -ENOSPC;
	mock_expect_alloc_err(test, iommu_user_domain_alloc(mdev->dev, 0),
			      -ENOSPC);
	ctx->user_err = 1;
	mock_expect_alloc_err(test, iommu_user_domain_alloc(mdev->dev, 0),
			      -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->user_allocs, 5);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs);
}

/* ---- Mapping ---- */

#define MOCK_SPLIT_MAX_CALLS	6

/**
 * struct mock_split_case - a range and the map_pages() calls it must take
 * @name: what it checks
 * @iova: where it is mapped
 * @paddr: what it maps
 * @size: its size
 * @nr_calls: how many calls
 * @calls: each call's IOVA, page size and count (paddr follows from @iova)
 */
struct mock_split_case {
	const char *name;
	unsigned long iova;
	phys_addr_t paddr;
	size_t size;
	unsigned int nr_calls;
	struct {
		unsigned long iova;
		size_t pgsize;
		size_t pgcount;
	} calls[MOCK_SPLIT_MAX_CALLS];
};

/*
 * The core maps with the largest page both addresses are aligned to, and
 * stops a run of pages where both reach a boundary of the next larger
 * size, so that the rest can use it.  If the two addresses are not equally
 * aligned, larger pages never fit and one call takes the whole range.
 */
static const struct mock_split_case mock_split_cases[] = {
	{
		.name = "2M+64K+4K from a 2M boundary",
		.iova = 0x40000000, .paddr = MOCK_PA + SZ_512M,
		.size = SZ_2M + SZ_64K + SZ_4K,
		.nr_calls = 3,
		.calls = {
			{ 0x40000000, SZ_2M, 1 },
			{ 0x40200000, SZ_64K, 1 },
			{ 0x40210000, SZ_4K, 1 },
		},
	},
	{
		.name = "up through 4K and 64K to 2M, and down again",
		.iova = 0x1dd000, .paddr = MOCK_PA + 0x1dd000,
		.size = 3 * SZ_4K + 2 * SZ_64K + SZ_2M + 3 * SZ_64K + 2 * SZ_4K,
		.nr_calls = 5,
		.calls = {
			{ 0x1dd000, SZ_4K, 3 },
			{ 0x1e0000, SZ_64K, 2 },
			{ 0x200000, SZ_2M, 1 },
			{ 0x400000, SZ_64K, 3 },
			{ 0x430000, SZ_4K, 2 },
		},
	},
	{
		.name = "two 2M blocks in one call",
		.iova = 0x400000, .paddr = MOCK_PA,
		.size = 2 * SZ_2M,
		.nr_calls = 1,
		.calls = { { 0x400000, SZ_2M, 2 } },
	},
	{
		.name = "IOVA and paddr 0",
		.iova = 0, .paddr = 0,
		.size = SZ_2M + SZ_4K,
		.nr_calls = 2,
		.calls = {
			{ 0, SZ_2M, 1 },
			{ SZ_2M, SZ_4K, 1 },
		},
	},
	{
		.name = "paddr 64K but not 2M aligned: 64K pages only",
		.iova = 0x200000, .paddr = MOCK_PA + SZ_64K,
		.size = SZ_2M,
		.nr_calls = 1,
		.calls = { { 0x200000, SZ_64K, 32 } },
	},
	{
		.name = "paddr only 4K aligned: 4K pages only",
		.iova = 0x10000, .paddr = MOCK_PA + SZ_4K,
		.size = 2 * SZ_64K,
		.nr_calls = 1,
		.calls = { { 0x10000, SZ_4K, 32 } },
	},
	{
		.name = "IOVA only 4K aligned: 4K pages only",
		.iova = 0x201000, .paddr = MOCK_PA,
		.size = SZ_64K,
		.nr_calls = 1,
		.calls = { { 0x201000, SZ_4K, 16 } },
	},
	{
		.name = "one 4K page",
		.iova = 0x3000, .paddr = MOCK_PA + 0x5000,
		.size = SZ_4K,
		.nr_calls = 1,
		.calls = { { 0x3000, SZ_4K, 1 } },
	},
};

KUNIT_ARRAY_PARAM_DESC(mock_split, mock_split_cases, name);

static void iommu_test_map_split(struct kunit *test)
{
	const struct mock_split_case *p = test->param_value;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const int prot = IOMMU_READ | IOMMU_WRITE;
	size_t total = 0;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, iommu_map(domain, p->iova, p->paddr, p->size,
					prot, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->nr_maps, p->nr_calls);
	for (i = 0; i < min(md->nr_maps, p->nr_calls); i++) {
		const struct mock_call *got = &md->maps[i];

		KUNIT_EXPECT_EQ_MSG(test, got->iova, p->calls[i].iova,
				    "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->paddr,
				    p->paddr + (got->iova - p->iova),
				    "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->pgsize, p->calls[i].pgsize,
				    "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->pgcount, p->calls[i].pgcount,
				    "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->prot, prot, "call %u", i);
		total += mock_call_bytes(got);
	}
	KUNIT_EXPECT_EQ(test, total, p->size);

	/* made visible once, as a whole */
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 1);
	KUNIT_EXPECT_EQ(test, md->sync_map_iova, p->iova);
	KUNIT_EXPECT_EQ(test, md->sync_map_size, p->size);

	/* each byte translates to its own physical address */
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, p->iova + 0x123),
			p->paddr + 0x123);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, p->iova + p->size - 1),
			p->paddr + p->size - 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, p->iova + p->size), 0);

	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, p->iova, p->size), p->size);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

/**
 * struct mock_bad_map - a mapping the core must refuse
 * @name: what is wrong with it
 * @iova: where it would go
 * @paddr: what it would map
 * @size: its size
 * @prot: its permissions
 */
struct mock_bad_map {
	const char *name;
	unsigned long iova;
	phys_addr_t paddr;
	size_t size;
	int prot;
};

#define MOCK_RW		(IOMMU_READ | IOMMU_WRITE)

static const struct mock_bad_map mock_bad_maps[] = {
	{ "IOVA not page aligned", 0x100800, MOCK_PA, SZ_4K, MOCK_RW },
	{ "paddr not page aligned", 0x100000, MOCK_PA + 0x400, SZ_4K, MOCK_RW },
	{ "size not a whole page", 0x100000, MOCK_PA, SZ_4K + 512, MOCK_RW },
	{ "size less than a page", 0x100000, MOCK_PA, 512, MOCK_RW },
	{ "size 0", 0x100000, MOCK_PA, 0, MOCK_RW },
	{ "range wraps past the top", ULONG_MAX - SZ_4K + 1, MOCK_PA, SZ_8K,
	  MOCK_RW },
	{ "size wraps the IOVA", 0x100000, MOCK_PA, -(size_t)SZ_64K, MOCK_RW },
	{ "no access at all", 0x100000, MOCK_PA, SZ_4K, 0 },
	{ "attributes without access", 0x100000, MOCK_PA, SZ_4K,
	  IOMMU_CACHE | IOMMU_NOEXEC | IOMMU_PRIV },
};

KUNIT_ARRAY_PARAM_DESC(mock_bad_map, mock_bad_maps, name);

/* Refused before the driver is asked anything, with nothing mapped. */
static void iommu_test_map_refused(struct kunit *test)
{
	const struct mock_bad_map *p = test->param_value;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);

	KUNIT_EXPECT_EQ(test, iommu_map(domain, p->iova, p->paddr, p->size,
					p->prot, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, md->nr_maps, 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 0);
	KUNIT_EXPECT_EQ(test, md->nr_unmaps, 0);
}

/*
 * The last page of the IOVA space does not wrap, so it maps; the check
 * for wrapping must not be off by one.
 */
static void iommu_test_map_top_page(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const unsigned long top = ULONG_MAX - SZ_64K + 1;
	const phys_addr_t pa = MOCK_PA + SZ_2M - SZ_64K;

	KUNIT_ASSERT_EQ(test, iommu_map(domain, top, pa, SZ_64K, MOCK_RW,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->nr_maps, 1);
	KUNIT_EXPECT_EQ(test, md->maps[0].pgsize, SZ_64K);
	KUNIT_EXPECT_EQ(test, md->maps[0].pgcount, 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, ULONG_MAX),
			pa + SZ_64K - 1);

	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, top, SZ_64K), SZ_64K);
	mock_expect_one_sync(test, md, top, SZ_64K);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

/* Only paging domains map; identity and blocked domains refuse. */
static void iommu_test_map_not_paging(struct kunit *test)
{
	struct iommu_domain *domains[] = {
		&mock_identity_domain, &mock_blocked_domain,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(domains); i++) {
		KUNIT_EXPECT_EQ_MSG(test, iommu_map(domains[i], 0x100000,
						    MOCK_PA, SZ_4K, MOCK_RW,
						    GFP_KERNEL),
				    -EINVAL, "domain type %u", domains[i]->type);
		KUNIT_EXPECT_EQ_MSG(test, iommu_unmap(domains[i], 0x100000,
						      SZ_4K),
				    0, "domain type %u", domains[i]->type);
	}
	/* identity translates everything to itself, blocked nothing */
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(&mock_identity_domain,
						 0x12345678), 0x12345678);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(&mock_blocked_domain,
						 0x12345678), 0);
}

/* The range of the second split case, with its five calls */
#define MOCK_MIXED_IOVA		0x1dd000UL
#define MOCK_MIXED_PA		(MOCK_PA + MOCK_MIXED_IOVA)
#define MOCK_MIXED_SIZE		(3 * SZ_4K + 2 * SZ_64K + SZ_2M + \
				 3 * SZ_64K + 2 * SZ_4K)

/*
 * A driver that fails part way leaves some of the range mapped; the core
 * must unmap exactly that part, sync it away, and report the error.
 */
static void iommu_test_map_fails_midway(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	/* the first two calls: 3 x 4K, then 2 x 64K */
	const size_t before_third = 3 * SZ_4K + 2 * SZ_64K;

	/* the third call, the 2M block, fails */
	md->fail_map_call = 3;
	md->fail_map_pages = 0;
	md->fail_map_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, md->nr_maps, 3);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, MOCK_MIXED_IOVA), 0);
	KUNIT_EXPECT_GT(test, md->nr_unmaps, 0);
	if (md->nr_unmaps)
		KUNIT_EXPECT_EQ(test, md->unmaps[0].iova, MOCK_MIXED_IOVA);
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, before_third);

	/* the second call fails after one of its two 64K pages */
	mock_domain_reset(md);
	md->fail_map_call = 2;
	md->fail_map_pages = 1;
	KUNIT_EXPECT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, md->nr_maps, 2);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, 3 * SZ_4K + SZ_64K);

	/* the very first page fails: nothing to undo */
	mock_domain_reset(md);
	md->fail_map_call = 1;
	md->fail_map_pages = 0;
	KUNIT_EXPECT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, md->nr_maps, 1);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, md->nr_unmaps, 0);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 0);

	/* and with the failure gone, the same range maps */
	md->fail_map_call = 0;
	KUNIT_EXPECT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, MOCK_MIXED_IOVA,
					  MOCK_MIXED_SIZE), MOCK_MIXED_SIZE);
}

/*
 * Mapping over a page that is mapped already fails, and the cleanup must
 * take only what this call mapped: the page that was there stays.
 */
static void iommu_test_map_over_mapped(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const unsigned long iova = 0x100000;

	KUNIT_ASSERT_EQ(test, iommu_map(domain, iova + 2 * SZ_4K, MOCK_PA,
					SZ_4K, MOCK_RW, GFP_KERNEL), 0);
	mock_domain_reset(md);
	KUNIT_EXPECT_EQ(test, iommu_map(domain, iova, MOCK_PA + SZ_64K,
					4 * SZ_4K, MOCK_RW, GFP_KERNEL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + 2 * SZ_4K),
			MOCK_PA);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + SZ_4K), 0);
	mock_expect_one_sync(test, md, iova, 2 * SZ_4K);
}

/* A failed iotlb_sync_map() also leaves nothing mapped. */
static void iommu_test_map_sync_map_fails(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);

	md->fail_sync_map = -EIO;
	KUNIT_EXPECT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			-EIO);
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 1);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, MOCK_MIXED_SIZE);
}

static void mock_free_pages_action(void *data)
{
	__free_pages(data, 2);
}

/*
 * iommu_map_sg() maps the entries back to back, physically adjacent ones
 * as one range (so with the largest pages they allow), and makes the
 * whole of it visible once.  If one range fails, the ranges before it are
 * unmapped too.
 */
static void iommu_test_map_sg(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const unsigned long iova = 0x100000;
	struct scatterlist sgl[3];
	struct page *pages;
	phys_addr_t pa;

	/* four pages A B C D: the list is A, B (adjacent to A), then D */
	pages = alloc_pages(GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	mock_defer(test, mock_free_pages_action, pages);
	pa = page_to_phys(pages);
	sg_init_table(sgl, ARRAY_SIZE(sgl));
	sg_set_page(&sgl[0], pages, PAGE_SIZE, 0);
	sg_set_page(&sgl[1], pages + 1, PAGE_SIZE, 0);
	sg_set_page(&sgl[2], pages + 3, PAGE_SIZE, 0);

	KUNIT_EXPECT_EQ(test, iommu_map_sg(domain, iova, sgl, ARRAY_SIZE(sgl),
					   MOCK_RW, GFP_KERNEL),
			3 * PAGE_SIZE);
	/* A and B in one call, D in another */
	KUNIT_ASSERT_EQ(test, md->nr_maps, 2);
	KUNIT_EXPECT_EQ(test, md->maps[0].iova, iova);
	KUNIT_EXPECT_EQ(test, md->maps[0].paddr, pa);
	KUNIT_EXPECT_EQ(test, mock_call_bytes(&md->maps[0]), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, md->maps[1].iova, iova + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, md->maps[1].paddr, pa + 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mock_call_bytes(&md->maps[1]), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 1);
	KUNIT_EXPECT_EQ(test, md->sync_map_iova, iova);
	KUNIT_EXPECT_EQ(test, md->sync_map_size, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + PAGE_SIZE),
			pa + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain,
						 iova + 2 * PAGE_SIZE + 8),
			pa + 3 * PAGE_SIZE + 8);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, 3 * PAGE_SIZE),
			3 * PAGE_SIZE);

	/* the second range fails: the first goes too */
	mock_domain_reset(md);
	md->fail_map_call = 2;
	md->fail_map_pages = 0;
	md->fail_map_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, iommu_map_sg(domain, iova, sgl, ARRAY_SIZE(sgl),
					   MOCK_RW, GFP_KERNEL), -ENOMEM);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, md->nr_sync_maps, 0);
	mock_expect_one_sync(test, md, iova, 2 * PAGE_SIZE);
}

/* ---- Unmapping ---- */

/* Maps the mixed range and forgets the calls that took. */
static void mock_map_mixed(struct kunit *test, struct iommu_domain *domain)
{
	KUNIT_ASSERT_EQ(test, iommu_map(domain, MOCK_MIXED_IOVA, MOCK_MIXED_PA,
					MOCK_MIXED_SIZE, MOCK_RW, GFP_KERNEL),
			0);
	KUNIT_ASSERT_EQ(test, to_mock_domain(domain)->nr_maps, 5);
	mock_domain_reset(to_mock_domain(domain));
}

/*
 * iommu_unmap() of a range of mixed page sizes asks the driver for the
 * same pieces the map used, and syncs the IOTLB once, for the whole range:
 * one invalidation per call, not one per page size.
 */
static void iommu_test_unmap_one_sync(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const struct mock_split_case *p = &mock_split_cases[1];
	unsigned int i;

	mock_map_mixed(test, domain);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, MOCK_MIXED_IOVA,
					  MOCK_MIXED_SIZE), MOCK_MIXED_SIZE);
	KUNIT_EXPECT_EQ(test, md->nr_unmaps, p->nr_calls);
	for (i = 0; i < min(md->nr_unmaps, p->nr_calls); i++) {
		KUNIT_EXPECT_EQ_MSG(test, md->unmaps[i].iova, p->calls[i].iova,
				    "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, md->unmaps[i].pgsize,
				    p->calls[i].pgsize, "call %u", i);
		KUNIT_EXPECT_EQ_MSG(test, md->unmaps[i].pgcount,
				    p->calls[i].pgcount, "call %u", i);
	}
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, MOCK_MIXED_SIZE);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, MOCK_MIXED_IOVA), 0);
}

/*
 * iommu_unmap_fast() leaves the sync to the caller: nothing is synced
 * until iommu_iotlb_sync(), and then once for everything gathered, also
 * over several calls on adjacent ranges; the gather is empty afterwards.
 */
static void iommu_test_unmap_fast(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const size_t first = 3 * SZ_4K + 2 * SZ_64K;
	struct iommu_iotlb_gather gather;

	mock_map_mixed(test, domain);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(domain, MOCK_MIXED_IOVA,
					       MOCK_MIXED_SIZE, &gather),
			MOCK_MIXED_SIZE);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 0);
	KUNIT_EXPECT_EQ(test, gather.start, MOCK_MIXED_IOVA);
	KUNIT_EXPECT_EQ(test, gather.end, MOCK_MIXED_IOVA + MOCK_MIXED_SIZE - 1);
	iommu_iotlb_sync(domain, &gather);
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, MOCK_MIXED_SIZE);
	KUNIT_EXPECT_EQ(test, gather.start, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, gather.end, 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);

	/* two calls, one gather, one sync */
	mock_map_mixed(test, domain);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(domain, MOCK_MIXED_IOVA, first,
					       &gather), first);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(domain, MOCK_MIXED_IOVA + first,
					       MOCK_MIXED_SIZE - first,
					       &gather),
			MOCK_MIXED_SIZE - first);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 0);
	iommu_iotlb_sync(domain, &gather);
	mock_expect_one_sync(test, md, MOCK_MIXED_IOVA, MOCK_MIXED_SIZE);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

/*
 * A misaligned, empty or wrapping unmap does nothing at all: 0 bytes,
 * no call into the driver, the mapping intact, no invalidation owed.
 */
static void iommu_test_unmap_refused(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const unsigned long iova = 0x100000;
	struct iommu_iotlb_gather gather;

	KUNIT_ASSERT_EQ(test, iommu_map(domain, iova, MOCK_PA, SZ_64K, MOCK_RW,
					GFP_KERNEL), 0);
	mock_domain_reset(md);

	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova + 0x800, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, SZ_4K + 0x800), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, 0x800), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, 0), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, ULONG_MAX - SZ_4K + 1,
					  SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, -(size_t)SZ_64K), 0);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(domain, iova + 0x800, SZ_4K,
					       &gather), 0);
	KUNIT_EXPECT_GT(test, gather.start, gather.end);

	KUNIT_EXPECT_EQ(test, md->nr_unmaps, 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + 0x800),
			MOCK_PA + 0x800);
	mock_expect_no_owed_sync(test, md);
}

/*
 * Unmapping stops at the first IOVA that is not mapped: what came before
 * is unmapped and synced, what comes after the hole stays mapped.  An
 * unmap that starts in a hole unmaps nothing.
 */
static void iommu_test_unmap_hole(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	const unsigned long iova = 0x100000;

	/* 4 pages mapped, 4 not, 4 mapped */
	KUNIT_ASSERT_EQ(test, iommu_map(domain, iova, MOCK_PA, 4 * SZ_4K,
					MOCK_RW, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iommu_map(domain, iova + 8 * SZ_4K,
					MOCK_PA + 8 * SZ_4K, 4 * SZ_4K,
					MOCK_RW, GFP_KERNEL), 0);
	mock_domain_reset(md);

	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, 12 * SZ_4K),
			4 * SZ_4K);
	mock_expect_one_sync(test, md, iova, 4 * SZ_4K);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 4);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + 8 * SZ_4K),
			MOCK_PA + 8 * SZ_4K);
	/* no more than one call past the hole's start: the core gives up */
	KUNIT_EXPECT_LE(test, md->nr_unmaps, 2);

	mock_domain_reset(md);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova + 4 * SZ_4K,
					  8 * SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 4);
	mock_expect_no_owed_sync(test, md);

	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova + 8 * SZ_4K,
					  4 * SZ_4K), 4 * SZ_4K);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

/* ---- The DMA domain and attaching ---- */

/**
 * struct mock_dma_case - a default domain type a device asks for
 * @name: the type
 * @flags: the MOCK_DEV_* flag that asks for it
 */
struct mock_dma_case {
	const char *name;
	unsigned int flags;
};

static const struct mock_dma_case mock_dma_cases[] = {
	{ "DMA", MOCK_DEV_DMA },
	{ "identity", MOCK_DEV_IDENTITY },
};

KUNIT_ARRAY_PARAM_DESC(mock_dma, mock_dma_cases, name);

/*
 * iommu_get_dma_domain() is the group's default domain: the domain the
 * driver saw attached at probe, and what iommu_get_domain_for_dev() says
 * while nothing else is attached.  It stays the default domain while
 * another domain is attached, since kernel drivers keep their mappings in
 * it; and the group goes back to it on detach.
 */
static void iommu_test_dma_domain(struct kunit *test)
{
	const struct mock_dma_case *p = test->param_value;
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev",
					       p->flags);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	struct iommu_domain *domain;
	struct mock_attachment *att;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), def);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_EQ(test, mdev->attaches, 1);
	if (p->flags & MOCK_DEV_DMA) {
		/* a paging domain of the driver's, with the DMA layer's state */
		KUNIT_EXPECT_TRUE(test, iommu_is_dma_domain(def));
		KUNIT_EXPECT_EQ(test, ctx->paging_allocs, 1);
		KUNIT_EXPECT_PTR_EQ(test, def->owner, &mock_plain_ops);
		KUNIT_EXPECT_PTR_EQ(test, def->ops, &mock_domain_ops);
		if (IS_ENABLED(CONFIG_IOMMU_DMA))
			KUNIT_EXPECT_NOT_NULL(test, def->iova_cookie);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, def, &mock_identity_domain);
		KUNIT_EXPECT_EQ(test, ctx->paging_allocs, 0);
	}

	domain = mock_paging_domain(test, mdev);
	att = mock_attach(test, domain, mock_group(test, mdev), &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(mdev->dev), def);

	mock_detach(test, att);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(mdev->dev), def);
	KUNIT_EXPECT_EQ(test, mdev->attaches, 3);
}

/*
 * A device alone in its group can be attached by itself; one that shares
 * its group cannot, since its neighbours would stay behind on another
 * domain, and nothing may be attached when that is refused.  The group as
 * a whole can be attached, and detached again.
 */
static void iommu_test_attach_shared_group(struct kunit *test)
{
	struct mock_dev *a = mock_dev_probe(test, &mock_plain, "a",
					    MOCK_DEV_SHARED);
	struct mock_dev *b = mock_dev_probe(test, &mock_plain, "b",
					    MOCK_DEV_SHARED);
	struct iommu_group *group = mock_group(test, a);
	struct iommu_domain *def = iommu_get_dma_domain(a->dev);
	struct iommu_domain *domain = mock_paging_domain(test, a);
	struct mock_attachment *att;
	int ret;

	KUNIT_ASSERT_PTR_EQ(test, b->dev->iommu_group, group);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(b->dev), def);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
	/* the second device joined the domain there was */
	KUNIT_EXPECT_EQ(test, a->attaches, 1);
	KUNIT_EXPECT_EQ(test, b->attaches, 1);

	ret = iommu_attach_device(domain, a->dev);
	if (!ret)
		iommu_detach_device(domain, a->dev);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, iommu_attach_device(domain, b->dev), -EINVAL);
	KUNIT_EXPECT_EQ(test, a->attaches, 1);
	KUNIT_EXPECT_EQ(test, b->attaches, 1);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(a->dev), def);

	att = mock_attach(test, domain, group, &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(b->dev), domain);

	mock_detach(test, att);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(a->dev), def);
}

/*
 * When the driver refuses to attach the second device of a group, the
 * first goes back to where it was: a group is never split between two
 * domains, and the error is the driver's.
 */
static void iommu_test_attach_rollback(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *a = mock_dev_probe(test, &mock_plain, "a",
					    MOCK_DEV_SHARED);
	struct mock_dev *b = mock_dev_probe(test, &mock_plain, "b",
					    MOCK_DEV_SHARED);
	struct iommu_group *group = mock_group(test, a);
	struct iommu_domain *def = iommu_get_dma_domain(a->dev);
	struct iommu_domain *domain = mock_paging_domain(test, a);
	struct mock_attachment *att;
	unsigned int log;
	int ret;

	ctx->fail_attach_dev = b->dev;
	ctx->fail_attach_domain = domain;
	ctx->fail_attach_err = -ENOSPC;
	log = ctx->nr_attaches;
	mock_attach(test, domain, group, &ret);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(a->dev), def);
	/* a went to the new domain, then back */
	KUNIT_ASSERT_EQ(test, ctx->nr_attaches, log + 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->attach_log[log].dev, a->dev);
	KUNIT_EXPECT_PTR_EQ(test, ctx->attach_log[log].domain, domain);
	KUNIT_EXPECT_PTR_EQ(test, ctx->attach_log[log + 1].dev, a->dev);
	KUNIT_EXPECT_PTR_EQ(test, ctx->attach_log[log + 1].domain, def);

	/* the group is still usable */
	ctx->fail_attach_dev = NULL;
	att = mock_attach(test, domain, group, &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, domain);
	mock_detach(test, att);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
}

/*
 * A domain of one IOMMU driver cannot be attached to a device of another:
 * its page tables mean nothing there.
 */
static void iommu_test_attach_foreign(struct kunit *test)
{
	struct mock_dev *a = mock_dev_probe(test, &mock_plain, "a", 0);
	struct mock_dev *u = mock_dev_probe(test, &mock_user, "u", 0);
	struct iommu_domain *dom_a = mock_paging_domain(test, a);
	struct iommu_domain *dom_u = mock_paging_domain(test, u);
	struct iommu_domain *def_a = iommu_get_dma_domain(a->dev);
	struct iommu_domain *def_u = iommu_get_dma_domain(u->dev);
	int ret;

	ret = iommu_attach_device(dom_u, a->dev);
	if (!ret)
		iommu_detach_device(dom_u, a->dev);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	ret = iommu_attach_device(dom_a, u->dev);
	if (!ret)
		iommu_detach_device(dom_a, u->dev);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, def_a);
	KUNIT_EXPECT_PTR_EQ(test, u->attached, def_u);
	KUNIT_EXPECT_EQ(test, a->attaches, 1);
	KUNIT_EXPECT_EQ(test, u->attaches, 1);
}

/*
 * A group on a domain someone attached takes no other domain until that
 * one is detached, and cannot be claimed meanwhile.
 */
static void iommu_test_attach_busy(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *first = mock_paging_domain(test, mdev);
	struct iommu_domain *second = mock_paging_domain(test, mdev);
	struct mock_attachment *att;
	int owner, ret;

	att = mock_attach(test, first, group, &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	mock_attach(test, second, group, &ret);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, first);
	KUNIT_EXPECT_EQ(test, mock_claim(test, group, &owner), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, first);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));

	mock_detach(test, att);
	att = mock_attach(test, second, group, &ret);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, second);
}

/* ---- DMA ownership ---- */

/*
 * A claim parks the group on the blocked domain until the owner attaches
 * its own, and shuts everyone else out: other claims, and kernel drivers.
 * Giving the group back puts it on its default domain again, which the
 * claim left alone.
 */
static void iommu_test_claim_blocks(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	int owner, other;

	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev),
			    &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(mdev->dev), def);

	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, &other),
			-EBUSY);
	/* not twice by the same owner either: the claims are not counted */
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, &owner),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(mdev->dev, &other),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_device_use_default_domain(mdev->dev),
			-EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	KUNIT_EXPECT_EQ(test, mdev->attaches, 2);

	mock_unclaim(test, group);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), def);
	KUNIT_EXPECT_EQ(test, mdev->attaches, 3);

	/* and a kernel driver may use it again */
	KUNIT_EXPECT_EQ(test, iommu_device_use_default_domain(mdev->dev), 0);
	iommu_device_unuse_default_domain(mdev->dev);
}

/*
 * The owner attaches its own domain to a claimed group; while it is there
 * no other domain can be; detaching returns the group to the blocked
 * domain, not to the default one, since the owner still holds it.
 */
static void iommu_test_claim_attach(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct iommu_domain *other = mock_paging_domain(test, mdev);
	struct mock_attachment *att;
	int owner, ret;

	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	att = mock_attach(test, domain, group, &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(mdev->dev), def);
	mock_attach(test, other, group, &ret);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, domain);

	mock_detach(test, att);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev),
			    &mock_blocked_domain);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));

	mock_unclaim(test, group);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), def);
}

/*
 * A group whose device has a kernel driver bound (which uses the default
 * domain) cannot be claimed, by group or by device, until the last such
 * driver lets go.
 */
static void iommu_test_claim_while_used(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	int owner;

	KUNIT_ASSERT_EQ(test, iommu_device_use_default_domain(mdev->dev), 0);
	KUNIT_ASSERT_EQ(test, iommu_device_use_default_domain(mdev->dev), 0);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_EQ(test, mock_claim(test, group, &owner), -EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(mdev->dev, &owner),
			-EBUSY);
	iommu_device_unuse_default_domain(mdev->dev);
	KUNIT_EXPECT_EQ(test, mock_claim(test, group, &owner), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_EQ(test, mdev->attaches, 1);

	iommu_device_unuse_default_domain(mdev->dev);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	mock_unclaim(test, group);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
}

/*
 * Claims by device are counted per owner: the same owner may claim each
 * device of a group, another owner none, and the group comes back only
 * with the last claim.
 */
static void iommu_test_claim_by_device(struct kunit *test)
{
	struct mock_dev *a = mock_dev_probe(test, &mock_plain, "a",
					    MOCK_DEV_SHARED);
	struct mock_dev *b = mock_dev_probe(test, &mock_plain, "b",
					    MOCK_DEV_SHARED);
	struct iommu_group *group = mock_group(test, a);
	struct iommu_domain *def = iommu_get_dma_domain(a->dev);
	int owner, other;

	KUNIT_ASSERT_EQ(test, iommu_device_claim_dma_owner(a->dev, &owner), 0);
	mock_defer(test, mock_device_unclaim_action, a->dev);
	KUNIT_ASSERT_EQ(test, iommu_device_claim_dma_owner(b->dev, &owner), 0);
	mock_defer(test, mock_device_unclaim_action, b->dev);
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(a->dev, &other),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, &other),
			-EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, &mock_blocked_domain);

	kunit_release_action(test, mock_device_unclaim_action, a->dev);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_PTR_EQ(test, b->attached, &mock_blocked_domain);
	kunit_release_action(test, mock_device_unclaim_action, b->dev);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_PTR_EQ(test, a->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
}

/*
 * A driver without a static blocked domain gets a paging domain with
 * nothing mapped in its place, made on the first claim, kept for the next
 * and freed with the group (which the final check sees).
 */
static void iommu_test_claim_no_blocked_domain(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_user, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	unsigned int allocs = ctx->paging_allocs;
	struct iommu_domain *blocking;
	int owner;

	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs + 1);
	blocking = iommu_get_domain_for_dev(mdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, blocking);
	KUNIT_EXPECT_PTR_NE(test, blocking, def);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, blocking);
	KUNIT_EXPECT_PTR_EQ(test, blocking->owner, &mock_user_ops);
	KUNIT_EXPECT_FALSE(test, iommu_is_dma_domain(blocking));
	KUNIT_EXPECT_EQ(test, to_mock_domain(blocking)->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, to_mock_domain(blocking)->nr_maps, 0);
	mock_unclaim(test, group);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);

	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_EQ(test, ctx->paging_allocs, allocs + 1);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, blocking);
	mock_unclaim(test, group);
}

/* ---- Attach handles ---- */

/**
 * struct mock_handle_att - a domain a test attached with a handle
 * @domain: the domain
 * @group: the group
 */
struct mock_handle_att {
	struct iommu_domain *domain;
	struct iommu_group *group;
};

static void mock_detach_handle_action(void *data)
{
	struct mock_handle_att *att = data;

	iommu_detach_group_handle(att->domain, att->group);
}

/* The group's attach handle, or the error iommu_attach_handle_get() gave */
static struct iommu_attach_handle *mock_handle(struct iommu_group *group,
					       unsigned int type)
{
	return iommu_attach_handle_get(group, IOMMU_NO_PASID, type);
}

/*
 * An attach with a handle attaches like iommu_attach_group() and records
 * the handle, with its domain, for the group's lookups: of any domain
 * type or of the domain's own, not of another, and not for a PASID.  A
 * second attach is refused and leaves the first handle; detaching forgets
 * it.
 */
static void iommu_test_handle_attach(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct iommu_domain *other = mock_paging_domain(test, mdev);
	struct iommu_attach_handle handle = {}, second = {};
	struct mock_handle_att *att;
	int owner;

	att = kunit_kzalloc(test, sizeof(*att), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, att);
	att->domain = domain;
	att->group = group;
	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));

	KUNIT_ASSERT_EQ(test, iommu_attach_group_handle(domain, group, &handle),
			0);
	mock_defer(test, mock_detach_handle_action, att);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), domain);
	KUNIT_EXPECT_PTR_EQ(test, handle.domain, domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &handle);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, IOMMU_DOMAIN_UNMANAGED),
			    &handle);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, IOMMU_DOMAIN_DMA),
			    ERR_PTR(-EBUSY));
	KUNIT_EXPECT_PTR_EQ(test, iommu_attach_handle_get(group, 1, 0),
			    ERR_PTR(-ENOENT));

	KUNIT_EXPECT_EQ(test, iommu_attach_group_handle(other, group, &second),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_attach_group(other, group), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &handle);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, domain);
	KUNIT_EXPECT_NULL(test, second.domain);

	kunit_release_action(test, mock_detach_handle_action, att);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));
}

/*
 * An owner replaces its domain and handle in one step: the devices go
 * from one domain straight to the next, never through the blocked
 * domain, and the handle follows (or goes, for NULL).  A replace the
 * driver refuses leaves domain and handle as they were; a group nobody
 * claimed, or a NULL domain, is refused outright.  A plain detach leaves
 * no handle behind.
 */
static void iommu_test_handle_replace(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	struct iommu_domain *first = mock_paging_domain(test, mdev);
	struct iommu_domain *second = mock_paging_domain(test, mdev);
	struct iommu_domain *refused = mock_paging_domain(test, mdev);
	struct iommu_attach_handle h1 = {}, h2 = {}, h3 = {};
	unsigned int log;
	int owner;

	KUNIT_EXPECT_EQ(test, iommu_replace_group_handle(group, first, &h1),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_NULL(test, h1.domain);

	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_EXPECT_EQ(test, iommu_replace_group_handle(group, NULL, &h1),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, first, &h1), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, first);
	KUNIT_EXPECT_PTR_EQ(test, h1.domain, first);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &h1);

	log = ctx->nr_attaches;
	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, second, &h2),
			0);
	KUNIT_ASSERT_EQ(test, ctx->nr_attaches, log + 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->attach_log[log].domain, second);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), second);
	KUNIT_EXPECT_PTR_EQ(test, h2.domain, second);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &h2);

	ctx->fail_attach_dev = mdev->dev;
	ctx->fail_attach_domain = refused;
	ctx->fail_attach_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, iommu_replace_group_handle(group, refused, &h3),
			-ENOSPC);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, second);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), second);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &h2);
	KUNIT_EXPECT_NULL(test, h3.domain);
	ctx->fail_attach_dev = NULL;

	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, first, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, first);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));

	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, second, &h2), 0);
	iommu_detach_group(second, group);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_blocked_domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));

	/* a plain attach has no handle either */
	KUNIT_ASSERT_EQ(test, iommu_attach_group(first, group), 0);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));
	iommu_detach_group(first, group);
}

/*
 * An owner that lets its group go without detaching leaves no handle
 * behind: the next owner, or the kernel, must not find the old owner's.
 */
static void iommu_test_handle_release(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_group *group = mock_group(test, mdev);
	struct iommu_domain *def = iommu_get_dma_domain(mdev->dev);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct iommu_attach_handle handle = {};
	int owner;

	KUNIT_ASSERT_EQ(test, mock_claim(test, group, &owner), 0);
	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, domain,
							 &handle), 0);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), &handle);
	mock_unclaim(test, group);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));

	KUNIT_ASSERT_EQ(test, iommu_device_claim_dma_owner(mdev->dev, &owner),
			0);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));
	KUNIT_ASSERT_EQ(test, iommu_replace_group_handle(group, domain,
							 &handle), 0);
	iommu_device_release_dma_owner(mdev->dev);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, mock_handle(group, 0), ERR_PTR(-ENOENT));
}

/* ---- Probe and release ---- */

/*
 * A failed probe leaves the device in no group, released by the driver
 * if the driver had accepted it, and with nothing leaked; the device can
 * be probed again once the cause is gone.
 */
static void iommu_test_probe_fails(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *bare = mock_dev_create(test, NULL, "bare", 0);
	struct mock_dev *refused = mock_dev_create(test, &mock_plain, "refused",
						   MOCK_DEV_REFUSE);
	struct mock_dev *nogroup = mock_dev_create(test, &mock_plain, "nogroup",
						   MOCK_DEV_NO_GROUP);
	struct mock_dev *nodomain = mock_dev_create(test, &mock_plain,
						    "nodomain", MOCK_DEV_DMA);

	KUNIT_EXPECT_EQ(test, iommu_probe_device(bare->dev), -ENODEV);
	KUNIT_EXPECT_NULL(test, bare->dev->iommu_group);

	KUNIT_EXPECT_EQ(test, iommu_probe_device(refused->dev), -ENODEV);
	KUNIT_EXPECT_EQ(test, refused->probes, 1);
	KUNIT_EXPECT_EQ(test, refused->releases, 0);
	KUNIT_EXPECT_NULL(test, refused->dev->iommu_group);
	KUNIT_EXPECT_NULL(test, refused->attached);

	KUNIT_EXPECT_EQ(test, iommu_probe_device(nogroup->dev), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nogroup->probes, 1);
	KUNIT_EXPECT_EQ(test, nogroup->releases, 1);
	KUNIT_EXPECT_NULL(test, nogroup->dev->iommu_group);
	KUNIT_EXPECT_NULL(test, nogroup->attached);

	/* a DMA default domain the driver cannot make */
	ctx->paging_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, iommu_probe_device(nodomain->dev), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nodomain->probes, 1);
	KUNIT_EXPECT_EQ(test, nodomain->releases, 1);
	KUNIT_EXPECT_NULL(test, nodomain->dev->iommu_group);
	KUNIT_EXPECT_TRUE_MSG(test, !nodomain->attached ||
			      nodomain->attached == &mock_blocked_domain,
			      "left attached to a domain");
	mock_expect_alloc_err(test, iommu_paging_domain_alloc(nodomain->dev),
			      -ENODEV);

	ctx->paging_err = 0;
	KUNIT_EXPECT_EQ(test, iommu_probe_device(nodomain->dev), 0);
	KUNIT_EXPECT_EQ(test, nodomain->probes, 2);
	KUNIT_EXPECT_NOT_NULL(test, nodomain->dev->iommu_group);
	KUNIT_EXPECT_PTR_EQ(test, nodomain->attached,
			    iommu_get_dma_domain(nodomain->dev));
	/* probing twice does nothing */
	KUNIT_EXPECT_EQ(test, iommu_probe_device(nodomain->dev), 0);
	KUNIT_EXPECT_EQ(test, nodomain->probes, 2);
}

/*
 * Firmware may name an IOMMU whose driver has not registered yet.  The
 * device gets no fwspec then: its driver has to wait (or, once deferred
 * probing gives up, go without the IOMMU), because bound with direct DMA
 * it would be put behind the IOMMU under that driver when it registers.
 */
static void iommu_test_fwspec_unregistered(struct kunit *test)
{
	struct mock_dev *early = mock_dev_create(test, NULL, "early", 0);
	struct fwnode_handle absent = {};
	int ret;

	mutex_lock(&iommu_probe_device_lock);
	ret = iommu_fwspec_init(early->dev, &absent);
	mutex_unlock(&iommu_probe_device_lock);
	/* which of them depends on how far deferred probing has got */
	KUNIT_EXPECT_TRUE_MSG(test, ret == -EPROBE_DEFER || ret == -ENODEV,
			      "returned %d", ret);
	KUNIT_EXPECT_NULL(test, early->dev->iommu);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(early->dev), -ENODEV);
}

/*
 * Release puts the device on the driver's blocked domain before the
 * driver forgets it; the group's default domain goes with its last
 * device, not before.
 */
static void iommu_test_release(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *a = mock_dev_probe(test, &mock_plain, "a",
					    MOCK_DEV_SHARED | MOCK_DEV_DMA);
	struct mock_dev *b = mock_dev_probe(test, &mock_plain, "b",
					    MOCK_DEV_SHARED | MOCK_DEV_DMA);
	struct iommu_domain *def = iommu_get_dma_domain(a->dev);
	unsigned int frees = ctx->frees;

	kunit_release_action(test, mock_release_action, a->dev);
	KUNIT_EXPECT_EQ(test, a->releases, 1);
	KUNIT_EXPECT_PTR_EQ(test, a->attached, &mock_blocked_domain);
	KUNIT_EXPECT_NULL(test, a->dev->iommu_group);
	KUNIT_EXPECT_NULL(test, a->dev->iommu);
	KUNIT_EXPECT_EQ(test, ctx->frees, frees);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_dma_domain(b->dev), def);
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(a->dev,
						      IOMMU_CAP_CACHE_COHERENCY));

	kunit_release_action(test, mock_release_action, b->dev);
	KUNIT_EXPECT_EQ(test, b->releases, 1);
	KUNIT_EXPECT_PTR_EQ(test, b->attached, &mock_blocked_domain);
	KUNIT_EXPECT_EQ(test, ctx->frees, frees + 1);
}

/* ---- Questions to the driver ---- */

/*
 * device_iommu_capable() asks the device's driver, about that device; a
 * device behind no IOMMU, or one the driver refused, has no capabilities
 * and no driver to ask.
 */
static void iommu_test_capable(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct mock_dev *bare = mock_dev_create(test, NULL, "bare", 0);
	struct mock_dev *refused = mock_dev_create(test, &mock_plain, "refused",
						   MOCK_DEV_REFUSE);

	ctx->caps = BIT(IOMMU_CAP_CACHE_COHERENCY) | BIT(IOMMU_CAP_DIRTY_TRACKING);
	ctx->capable_calls = 0;
	KUNIT_EXPECT_TRUE(test, device_iommu_capable(mdev->dev,
						     IOMMU_CAP_CACHE_COHERENCY));
	KUNIT_EXPECT_EQ(test, ctx->capable_calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->capable_dev, mdev->dev);
	KUNIT_EXPECT_EQ(test, ctx->capable_cap, IOMMU_CAP_CACHE_COHERENCY);
	KUNIT_EXPECT_TRUE(test, device_iommu_capable(mdev->dev,
						     IOMMU_CAP_DIRTY_TRACKING));
	KUNIT_EXPECT_EQ(test, ctx->capable_cap, IOMMU_CAP_DIRTY_TRACKING);
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(mdev->dev,
						      IOMMU_CAP_NOEXEC));
	KUNIT_EXPECT_EQ(test, ctx->capable_cap, IOMMU_CAP_NOEXEC);
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(mdev->dev,
						      IOMMU_CAP_DEFERRED_FLUSH));
	KUNIT_EXPECT_EQ(test, ctx->capable_calls, 4);

	KUNIT_EXPECT_EQ(test, iommu_probe_device(refused->dev), -ENODEV);
	ctx->capable_calls = 0;
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(bare->dev,
						      IOMMU_CAP_CACHE_COHERENCY));
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(refused->dev,
						      IOMMU_CAP_CACHE_COHERENCY));
	KUNIT_EXPECT_EQ(test, ctx->capable_calls, 0);
}

#define MOCK_RESV(s, l, p, t) \
	{ .start = (s), .length = (l), .prot = (p), .type = (t) }

/*
 * Check a group's region list against @want, in order and field by field,
 * and free it.
 */
static void mock_expect_regions(struct kunit *test, struct list_head *list,
				const struct iommu_resv_region *want,
				unsigned int nr_want)
{
	struct iommu_resv_region *region, *next;
	unsigned int n = 0;

	list_for_each_entry_safe(region, next, list, list) {
		if (n < nr_want) {
			KUNIT_EXPECT_EQ_MSG(test, region->start, want[n].start,
					    "region %u", n);
			KUNIT_EXPECT_EQ_MSG(test, region->length,
					    want[n].length, "region %u", n);
			KUNIT_EXPECT_EQ_MSG(test, region->type, want[n].type,
					    "region %u", n);
			KUNIT_EXPECT_EQ_MSG(test, region->prot, want[n].prot,
					    "region %u", n);
		}
		n++;
		list_del(&region->list);
		kfree(region);
	}
	KUNIT_EXPECT_EQ_MSG(test, n, nr_want, "regions in the group's list");
}

/*
 * A group's reserved regions are its devices' regions, with overlapping
 * and touching regions of one type merged into one, regions of different
 * types kept apart even where they overlap, and the result sorted by
 * address.  Both devices of the group report the same regions, which
 * merge too.
 */
static void iommu_test_resv_regions(struct kunit *test)
{
	static const struct iommu_resv_region regions[] = {
		MOCK_RESV(0x8000000, 0x100000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
		MOCK_RESV(0x2000000, 0x1000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0x8080000, 0x100000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
		MOCK_RESV(0x1001000, 0x1000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0x8040000, 0x10000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_SW_MSI),
		MOCK_RESV(0x1000000, 0x1000, 0, IOMMU_RESV_RESERVED),
	};
	static const struct iommu_resv_region want[] = {
		MOCK_RESV(0x1000000, 0x2000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0x2000000, 0x1000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0x8000000, 0x180000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
		MOCK_RESV(0x8040000, 0x10000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_SW_MSI),
	};
	struct mock_ctx *ctx = test->priv;
	struct iommu_resv_region *region;
	struct mock_dev *a, *b;
	unsigned int n = 0;
	LIST_HEAD(list);

	ctx->resv = regions;
	ctx->nr_resv = ARRAY_SIZE(regions);
	a = mock_dev_probe(test, &mock_plain, "a",
			   MOCK_DEV_SHARED | MOCK_DEV_RESV);
	b = mock_dev_probe(test, &mock_plain, "b",
			   MOCK_DEV_SHARED | MOCK_DEV_RESV);

	/* one device's list is the driver's, unmerged */
	iommu_get_resv_regions(a->dev, &list);
	list_for_each_entry(region, &list, list)
		n++;
	KUNIT_EXPECT_EQ(test, n, ARRAY_SIZE(regions));
	iommu_put_resv_regions(a->dev, &list);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));

	KUNIT_ASSERT_EQ(test, iommu_get_group_resv_regions(mock_group(test, b),
							   &list), 0);
	mock_expect_regions(test, &list, want, ARRAY_SIZE(want));
}

/*
 * A region that reaches the top of the address space ends where its start
 * plus its length wraps to 0.  Merged with a region it overlaps, it must
 * still reach the top, and swallow a region that lies inside it.
 */
static void iommu_test_resv_regions_top(struct kunit *test)
{
	static const struct iommu_resv_region regions[] = {
		/* [0x1000, 0x3000) and [0x2000, the top] */
		MOCK_RESV(0x1000, 0x2000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0x2000, -(size_t)0x2000, 0, IOMMU_RESV_RESERVED),
		/* [top - 4G, the top] and a page inside it */
		MOCK_RESV(-(phys_addr_t)SZ_4G, SZ_4G, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
		MOCK_RESV(-(phys_addr_t)SZ_2G, SZ_4K, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
	};
	static const struct iommu_resv_region want[] = {
		MOCK_RESV(0x1000, -(size_t)0x1000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(-(phys_addr_t)SZ_4G, SZ_4G, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_MSI),
	};
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev;
	LIST_HEAD(list);

	ctx->resv = regions;
	ctx->nr_resv = ARRAY_SIZE(regions);
	mdev = mock_dev_probe(test, &mock_plain, "dev",
			      MOCK_DEV_RESV | MOCK_DEV_IDENTITY);
	KUNIT_ASSERT_EQ(test,
			iommu_get_group_resv_regions(mock_group(test, mdev),
						     &list), 0);
	mock_expect_regions(test, &list, want, ARRAY_SIZE(want));
}

/*
 * Firmware that keeps using memory (IOMMU_RESV_DIRECT) needs those
 * addresses to translate to themselves in the default domain, so the core
 * maps them there at probe, relaxable ones too but nothing else; and it
 * refuses to block such a device, so a claim fails and leaves the group
 * where it was.  Released, the device goes to identity, not blocked.
 */
static void iommu_test_direct_regions(struct kunit *test)
{
	static const struct iommu_resv_region regions[] = {
		MOCK_RESV(0x9000000, 0x2000, IOMMU_READ | IOMMU_WRITE,
			  IOMMU_RESV_DIRECT),
		MOCK_RESV(0xa000000, 0x1000, IOMMU_READ,
			  IOMMU_RESV_DIRECT_RELAXABLE),
		MOCK_RESV(0xb000000, 0x1000, 0, IOMMU_RESV_RESERVED),
		MOCK_RESV(0xc000000, 0x1000, IOMMU_WRITE | IOMMU_MMIO,
			  IOMMU_RESV_SW_MSI),
	};
	struct mock_ctx *ctx = test->priv;
	struct iommu_domain *def;
	struct mock_dev *mdev;
	struct mock_domain *md;
	int owner;

	ctx->resv = regions;
	ctx->nr_resv = ARRAY_SIZE(regions);
	mdev = mock_dev_probe(test, &mock_plain, "dev",
			      MOCK_DEV_DMA | MOCK_DEV_RESV);
	def = iommu_get_dma_domain(mdev->dev);
	KUNIT_ASSERT_TRUE(test, iommu_is_dma_domain(def));
	md = to_mock_domain(def);

	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, 0x9000000), 0x9000000);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, 0x9001fff), 0x9001fff);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, 0xa000010), 0xa000010);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, 0xb000000), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, 0xc000000), 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 3);
	KUNIT_ASSERT_GT(test, md->nr_maps, 0);
	KUNIT_EXPECT_EQ(test, md->maps[0].prot, IOMMU_READ | IOMMU_WRITE);

	KUNIT_EXPECT_EQ(test, mock_claim(test, mock_group(test, mdev), &owner),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(mdev->dev), def);
	KUNIT_EXPECT_FALSE(test,
			   iommu_group_dma_owner_claimed(mdev->dev->iommu_group));

	kunit_release_action(test, mock_release_action, mdev->dev);
	KUNIT_EXPECT_EQ(test, mdev->releases, 1);
	KUNIT_EXPECT_PTR_EQ(test, mdev->attached, &mock_identity_domain);
}

/* ---- Gather helpers ---- */

/*
 * A gather merges ranges that overlap or touch what it holds; a range
 * with a gap is disjoint, and iommu_iotlb_gather_add_page() syncs what
 * is gathered first, as it does for a leaf of another size.
 */
static void iommu_test_gather(struct kunit *test)
{
	struct mock_dev *mdev = mock_dev_probe(test, &mock_plain, "dev", 0);
	struct iommu_domain *domain = mock_paging_domain(test, mdev);
	struct mock_domain *md = to_mock_domain(domain);
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, gather.start, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, gather.end, 0);
	KUNIT_EXPECT_EQ(test, gather.pgsize, 0);
	KUNIT_EXPECT_FALSE(test, gather.queued);
	KUNIT_EXPECT_TRUE(test, list_empty(&gather.freelist));
	/* nothing gathered: nothing to be disjoint from */
	KUNIT_EXPECT_FALSE(test, iommu_iotlb_gather_is_disjoint(&gather,
								0x100000,
								SZ_4K));

	iommu_iotlb_gather_add_range(&gather, 0x10000, SZ_4K);
	KUNIT_EXPECT_EQ(test, gather.start, 0x10000);
	KUNIT_EXPECT_EQ(test, gather.end, 0x10fff);
	KUNIT_EXPECT_FALSE(test, iommu_iotlb_gather_is_disjoint(&gather,
								0x11000,
								SZ_4K));
	KUNIT_EXPECT_FALSE(test, iommu_iotlb_gather_is_disjoint(&gather,
								0xf000,
								SZ_4K));
	KUNIT_EXPECT_FALSE(test, iommu_iotlb_gather_is_disjoint(&gather,
								0x10800,
								SZ_4K));
	KUNIT_EXPECT_TRUE(test, iommu_iotlb_gather_is_disjoint(&gather,
							       0x12000,
							       SZ_4K));
	KUNIT_EXPECT_TRUE(test, iommu_iotlb_gather_is_disjoint(&gather,
							       0xe000,
							       SZ_4K));
	/* a range below merges in */
	iommu_iotlb_gather_add_range(&gather, 0xf000, SZ_4K);
	KUNIT_EXPECT_EQ(test, gather.start, 0xf000);
	KUNIT_EXPECT_EQ(test, gather.end, 0x10fff);

	/* at the bottom of the space */
	iommu_iotlb_gather_init(&gather);
	iommu_iotlb_gather_add_range(&gather, 0, SZ_4K);
	KUNIT_EXPECT_FALSE(test, iommu_iotlb_gather_is_disjoint(&gather,
								SZ_4K,
								SZ_4K));
	KUNIT_EXPECT_TRUE(test, iommu_iotlb_gather_is_disjoint(&gather,
							       SZ_8K,
							       SZ_4K));

	/* by leaf: adjacent leaves of one size gather, others sync first */
	iommu_iotlb_gather_init(&gather);
	iommu_iotlb_gather_add_page(domain, &gather, 0x10000, SZ_4K);
	iommu_iotlb_gather_add_page(domain, &gather, 0x11000, SZ_4K);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 0);
	iommu_iotlb_gather_add_page(domain, &gather, 0x20000, SZ_64K);
	mock_expect_one_sync(test, md, 0x10000, SZ_8K);
	KUNIT_EXPECT_EQ(test, gather.start, 0x20000);
	KUNIT_EXPECT_EQ(test, gather.end, 0x2ffff);
	KUNIT_EXPECT_EQ(test, gather.pgsize, SZ_64K);
	iommu_iotlb_gather_add_page(domain, &gather, 0x40000, SZ_64K);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 2);
	KUNIT_EXPECT_EQ(test, md->syncs[1].start, 0x20000);
	KUNIT_EXPECT_EQ(test, md->syncs[1].end, 0x2ffff);
	iommu_iotlb_sync(domain, &gather);
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 3);
	KUNIT_EXPECT_EQ(test, md->syncs[2].start, 0x40000);
	KUNIT_EXPECT_EQ(test, md->syncs[2].end, 0x4ffff);
}

/*
 * The same at the top of the address space, where the end of a range
 * plus one wraps to 0: a range right below, or right above, what is
 * gathered touches it, and is not disjoint.
 */
static void iommu_test_gather_top(struct kunit *test)
{
	const unsigned long top_page = ULONG_MAX - SZ_4K + 1;
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	iommu_iotlb_gather_add_range(&gather, top_page, SZ_4K);
	KUNIT_EXPECT_EQ(test, gather.end, ULONG_MAX);
	KUNIT_EXPECT_FALSE_MSG(test,
			       iommu_iotlb_gather_is_disjoint(&gather,
							      top_page - SZ_4K,
							      SZ_4K),
			       "the page below the top page");
	KUNIT_EXPECT_TRUE(test, iommu_iotlb_gather_is_disjoint(&gather,
							       top_page - SZ_8K,
							       SZ_4K));

	iommu_iotlb_gather_init(&gather);
	iommu_iotlb_gather_add_range(&gather, top_page - SZ_4K, SZ_4K);
	KUNIT_EXPECT_FALSE_MSG(test,
			       iommu_iotlb_gather_is_disjoint(&gather,
							      top_page, SZ_4K),
			       "the top page, above the page below it");
	KUNIT_EXPECT_TRUE(test, iommu_iotlb_gather_is_disjoint(&gather,
							       0, SZ_4K));
}

static struct kunit_case iommu_test_cases[] = {
	KUNIT_CASE(iommu_test_paging_domain_alloc),
	KUNIT_CASE(iommu_test_paging_domain_alloc_fails),
	KUNIT_CASE(iommu_test_user_domain_fallback),
	KUNIT_CASE(iommu_test_user_domain_op),
	KUNIT_CASE_PARAM(iommu_test_map_split, mock_split_gen_params),
	KUNIT_CASE_PARAM(iommu_test_map_refused, mock_bad_map_gen_params),
	KUNIT_CASE(iommu_test_map_top_page),
	KUNIT_CASE(iommu_test_map_not_paging),
	KUNIT_CASE(iommu_test_map_fails_midway),
	KUNIT_CASE(iommu_test_map_over_mapped),
	KUNIT_CASE(iommu_test_map_sync_map_fails),
	KUNIT_CASE(iommu_test_map_sg),
	KUNIT_CASE(iommu_test_unmap_one_sync),
	KUNIT_CASE(iommu_test_unmap_fast),
	KUNIT_CASE(iommu_test_unmap_refused),
	KUNIT_CASE(iommu_test_unmap_hole),
	KUNIT_CASE_PARAM(iommu_test_dma_domain, mock_dma_gen_params),
	KUNIT_CASE(iommu_test_attach_shared_group),
	KUNIT_CASE(iommu_test_attach_rollback),
	KUNIT_CASE(iommu_test_attach_foreign),
	KUNIT_CASE(iommu_test_attach_busy),
	KUNIT_CASE(iommu_test_claim_blocks),
	KUNIT_CASE(iommu_test_claim_attach),
	KUNIT_CASE(iommu_test_claim_while_used),
	KUNIT_CASE(iommu_test_claim_by_device),
	KUNIT_CASE(iommu_test_claim_no_blocked_domain),
	KUNIT_CASE(iommu_test_handle_attach),
	KUNIT_CASE(iommu_test_handle_replace),
	KUNIT_CASE(iommu_test_handle_release),
	KUNIT_CASE(iommu_test_probe_fails),
	KUNIT_CASE(iommu_test_fwspec_unregistered),
	KUNIT_CASE(iommu_test_release),
	KUNIT_CASE(iommu_test_capable),
	KUNIT_CASE(iommu_test_resv_regions),
	KUNIT_CASE(iommu_test_resv_regions_top),
	KUNIT_CASE(iommu_test_direct_regions),
	KUNIT_CASE(iommu_test_gather),
	KUNIT_CASE(iommu_test_gather_top),
	{}
};

static struct kunit_suite iommu_test_suite = {
	.name = "iommu-core",
	.suite_init = mock_suite_init,
	.suite_exit = mock_suite_exit,
	.init = mock_test_init,
	.test_cases = iommu_test_cases,
};

kunit_test_suite(iommu_test_suite);

MODULE_DESCRIPTION("KUnit tests for the IOMMU core, with a mock IOMMU driver");
MODULE_LICENSE("GPL");
