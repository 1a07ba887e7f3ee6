// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock IOMMU driver of the IOMMU core's KUnit suite "iommu-core", and
 * the helpers of its test cases, which are in iommu-test.c.  The suite
 * "iommu-iopf" (io-pgfault-test.c) uses them too.
 *
 * The mock driver registers two IOMMU instances, each with a software
 * firmware node of its own: "plain" without a domain_alloc_user op and
 * "user" with one (and, unlike "plain", without a static blocked domain,
 * so that claiming a group makes the core allocate one).  Test devices are
 * KUnit devices given a fwspec that points at an instance, then probed with
 * iommu_probe_device(); the KUnit bus has no IOMMU notifier, so each one is
 * released with iommu_release_device() before the device goes away.  The
 * mock records what it is asked: every attach, every map_pages() and
 * unmap_pages() call with its IOVA, page size and count, every IOTLB sync
 * with the range its gather covered, every answer to a group of page
 * requests.  Its paging domains hold a list of mapped leaves, so that
 * iova_to_phys() answers as page tables would, and its unmap stops at the
 * first IOVA that is not mapped, as ours do.
 *
 * The helpers give each test a fresh struct mock_ctx, create and probe its
 * devices, and allocate, claim and attach for it; each of these is undone
 * by a deferred KUnit action, at the latest when the test ends.  After
 * every test a last check finds every domain the mock allocated freed and
 * every device it probed released.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/fwnode.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommu-priv.h"
#include "iommu-test-mock.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- The mock driver ---- */

static struct mock_dev *mock_dev_of(struct device *dev)
{
	return dev_iommu_priv_get(dev);
}

/*
 * One attach_dev for every domain of the driver: records the attach, or
 * refuses it as the test asked, leaving the device where it was.
 */
static int mock_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct mock_ctx *ctx = mdev->ctx;

	if (ctx->fail_attach_dev == dev && ctx->fail_attach_domain == domain)
		return ctx->fail_attach_err;
	if (ctx->nr_attaches < MOCK_MAX_ATTACHES) {
		ctx->attach_log[ctx->nr_attaches].dev = dev;
		ctx->attach_log[ctx->nr_attaches].domain = domain;
	}
	ctx->nr_attaches++;
	mdev->attaches++;
	mdev->attached = domain;
	return 0;
}

/* The leaf that overlaps [iova, last], or NULL */
static struct mock_leaf *mock_find_leaf(struct mock_domain *md,
					unsigned long iova, unsigned long last)
{
	unsigned int i;

	for (i = 0; i < md->nr_leaves; i++) {
		struct mock_leaf *leaf = &md->leaves[i];

		if (leaf->iova <= last && iova <= leaf->iova + (leaf->size - 1))
			return leaf;
	}
	return NULL;
}

static void mock_record(struct mock_call *calls, unsigned int n,
			unsigned long iova, phys_addr_t paddr, size_t pgsize,
			size_t pgcount, int prot)
{
	if (n >= MOCK_MAX_CALLS)
		return;
	calls[n].iova = iova;
	calls[n].paddr = paddr;
	calls[n].pgsize = pgsize;
	calls[n].pgcount = pgcount;
	calls[n].prot = prot;
}

/*
 * Maps page by page, refusing pages that are mapped already, as page
 * tables do.  The core must only ask for page sizes of the domain, at
 * addresses aligned to them.
 */
static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned int call = ++md->nr_maps;
	size_t i;

	mock_record(md->maps, call - 1, iova, paddr, pgsize, pgcount, prot);
	*mapped = 0;
	if (!(pgsize & MOCK_PGSIZES) || !is_power_of_2(pgsize) ||
	    !IS_ALIGNED(iova | paddr, pgsize) || !pgcount) {
		KUNIT_FAIL(md->ctx->test,
			   "map_pages(iova %#lx, pa %pa, pgsize %#zx, count %zu) is not a valid request",
			   iova, &paddr, pgsize, pgcount);
		return -EINVAL;
	}
	for (i = 0; i < pgcount; i++) {
		unsigned long at = iova + i * pgsize;
		struct mock_leaf *leaf;

		if (call == md->fail_map_call && i == md->fail_map_pages)
			return md->fail_map_err;
		if (mock_find_leaf(md, at, at + (pgsize - 1)))
			return -EEXIST;
		if (md->nr_leaves == MOCK_MAX_LEAVES)
			return -ENOMEM;
		leaf = &md->leaves[md->nr_leaves++];
		leaf->iova = at;
		leaf->paddr = paddr + i * pgsize;
		leaf->size = pgsize;
		*mapped += pgsize;
	}
	return 0;
}

/*
 * Takes away the leaves in [@iova, @last], if there are some and all of
 * them lie inside it; a leaf reaching beyond is not split.
 */
static bool mock_unmap_one(struct mock_domain *md, unsigned long iova,
			   unsigned long last)
{
	struct mock_leaf *leaf;
	unsigned int i;

	for (i = 0; i < md->nr_leaves; i++) {
		leaf = &md->leaves[i];
		if (leaf->iova <= last && iova <= leaf->iova + (leaf->size - 1) &&
		    (leaf->iova < iova || leaf->iova + (leaf->size - 1) > last))
			return false;
	}
	if (!mock_find_leaf(md, iova, last))
		return false;
	while ((leaf = mock_find_leaf(md, iova, last)))
		*leaf = md->leaves[--md->nr_leaves];
	return true;
}

/*
 * Unmaps page by page, and stops at the first page with nothing mapped,
 * as our page tables do.  What it unmapped goes into the gather, to be
 * synced later.
 */
static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);
	size_t i;

	mock_record(md->unmaps, md->nr_unmaps++, iova, 0, pgsize, pgcount, 0);
	for (i = 0; i < pgcount; i++) {
		unsigned long at = iova + i * pgsize;

		if (!mock_unmap_one(md, at, at + (pgsize - 1)))
			break;
	}
	if (i)
		iommu_iotlb_gather_add_range(gather, iova, i * pgsize);
	return i * pgsize;
}

static void mock_iotlb_sync(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);

	if (md->nr_syncs < MOCK_MAX_SYNCS) {
		md->syncs[md->nr_syncs].start = gather->start;
		md->syncs[md->nr_syncs].end = gather->end;
	}
	md->nr_syncs++;
}

static int mock_iotlb_sync_map(struct iommu_domain *domain,
			       unsigned long iova, size_t size)
{
	struct mock_domain *md = to_mock_domain(domain);

	md->nr_sync_maps++;
	md->sync_map_iova = iova;
	md->sync_map_size = size;
	return md->fail_sync_map;
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct mock_leaf *leaf = mock_find_leaf(to_mock_domain(domain), iova,
						iova);

	return leaf ? leaf->paddr + (iova - leaf->iova) : 0;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	md->ctx->frees++;
	kfree(md->leaves);
	kfree(md);
}

const struct iommu_domain_ops mock_domain_ops = {
	.attach_dev	= mock_attach_dev,
	.map_pages	= mock_map_pages,
	.unmap_pages	= mock_unmap_pages,
	.iotlb_sync	= mock_iotlb_sync,
	.iotlb_sync_map	= mock_iotlb_sync_map,
	.iova_to_phys	= mock_iova_to_phys,
	.free		= mock_domain_free,
};

/* The driver's static domains: attach only, and never freed */
static const struct iommu_domain_ops mock_static_ops = {
	.attach_dev	= mock_attach_dev,
};

struct iommu_domain mock_identity_domain = {
	.type	= IOMMU_DOMAIN_IDENTITY,
	.ops	= &mock_static_ops,
};

struct iommu_domain mock_blocked_domain = {
	.type	= IOMMU_DOMAIN_BLOCKED,
	.ops	= &mock_static_ops,
};

/* A new paging domain; the core is left to fill in ops and page sizes. */
static struct mock_domain *mock_domain_new(struct mock_ctx *ctx)
{
	struct mock_domain *md = kzalloc(sizeof(*md), GFP_KERNEL);

	if (!md)
		return NULL;
	md->leaves = kcalloc(MOCK_MAX_LEAVES, sizeof(*md->leaves), GFP_KERNEL);
	if (!md->leaves) {
		kfree(md);
		return NULL;
	}
	md->ctx = ctx;
	ctx->made++;
	md->domain.geometry.aperture_end = DMA_BIT_MASK(48);
	md->domain.geometry.force_aperture = true;
	return md;
}

static struct iommu_domain *mock_domain_alloc_paging(struct device *dev)
{
	struct mock_ctx *ctx = mock_dev_of(dev)->ctx;
	struct mock_domain *md;

	ctx->paging_dev = dev;
	if (ctx->paging_err)
		return ctx->paging_err == 1 ? NULL : ERR_PTR(ctx->paging_err);
	md = mock_domain_new(ctx);
	if (!md)
		return ERR_PTR(-ENOMEM);
	ctx->paging_allocs++;
	return &md->domain;
}

/* Takes dirty tracking, as a driver with such page tables would; not nesting. */
static struct iommu_domain *
mock_domain_alloc_user(struct device *dev, u32 flags,
		       struct iommu_domain *parent,
		       const struct iommu_user_data *user_data)
{
	struct mock_ctx *ctx = mock_dev_of(dev)->ctx;
	struct mock_domain *md;

	ctx->user_allocs++;
	ctx->user_flags = flags;
	ctx->user_parent = parent;
	ctx->user_data = user_data;
	ctx->user_domain = NULL;
	if (ctx->user_err)
		return ctx->user_err == 1 ? NULL : ERR_PTR(ctx->user_err);
	if (flags & ~IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		return ERR_PTR(-EOPNOTSUPP);
	md = mock_domain_new(ctx);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->user = true;
	ctx->user_domain = &md->domain;
	return &md->domain;
}

static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	struct mock_ctx *ctx = mock_dev_of(dev)->ctx;

	ctx->capable_calls++;
	ctx->capable_dev = dev;
	ctx->capable_cap = cap;
	return ctx->caps & BIT(cap);
}

/**
 * struct mock_iommu - one IOMMU instance of the mock driver
 * @iommu: the core's part, registered at suite init
 * @fwnode: the firmware node test devices' fwspecs point at
 * @name: its name in /sys/class/iommu
 */
struct mock_iommu {
	struct iommu_device iommu;
	struct fwnode_handle fwnode;
	const char *name;
};

static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct fwnode_handle *fwnode = dev_iommu_fwspec_get(dev)->iommu_fwnode;

	mdev->probes++;
	if (mdev->flags & MOCK_DEV_REFUSE)
		return ERR_PTR(-ENODEV);
	mdev->ctx->accepted++;
	return &container_of(fwnode, struct mock_iommu, fwnode)->iommu;
}

static void mock_release_device(struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	mdev->releases++;
	mdev->ctx->released++;
}

/* A group of its own, or the test's shared one for MOCK_DEV_SHARED. */
static struct iommu_group *mock_device_group(struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct mock_ctx *ctx = mdev->ctx;

	if (mdev->flags & MOCK_DEV_NO_GROUP)
		return ERR_PTR(-ENOSPC);
	if (!(mdev->flags & MOCK_DEV_SHARED))
		return generic_device_group(dev);
	if (!ctx->shared_group) {
		struct iommu_group *group = iommu_group_alloc();

		if (IS_ERR(group))
			return group;
		ctx->shared_group = group;
	}
	return iommu_group_ref_get(ctx->shared_group);
}

static int mock_def_domain_type(struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	if (mdev->flags & MOCK_DEV_DMA)
		return IOMMU_DOMAIN_DMA;
	if (mdev->flags & MOCK_DEV_IDENTITY)
		return IOMMU_DOMAIN_IDENTITY;
	return 0;
}

static void mock_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct mock_ctx *ctx = mdev->ctx;
	unsigned int i;

	if (!(mdev->flags & MOCK_DEV_RESV))
		return;
	for (i = 0; i < ctx->nr_resv; i++) {
		const struct iommu_resv_region *r = &ctx->resv[i];
		struct iommu_resv_region *region;

		region = iommu_alloc_resv_region(r->start, r->length, r->prot,
						 r->type, GFP_KERNEL);
		if (!region)
			return;
		list_add_tail(&region->list, list);
	}
}

/* Records the answer to a group of page requests (io-pgfault.c). */
static void mock_page_response(struct device *dev, struct iopf_fault *evt,
			       struct iommu_page_response *msg)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct mock_ctx *ctx = mdev->ctx;

	if (ctx->nr_responses < MOCK_MAX_RESPONSES) {
		struct mock_response *r = &ctx->responses[ctx->nr_responses];

		r->dev = dev;
		r->evt = evt;
		r->last = evt->fault.prm;
		r->msg = *msg;
	}
	ctx->nr_responses++;
	mdev->responses++;
}

/* Without domain_alloc_user, and with a static blocked domain */
const struct iommu_ops mock_plain_ops = {
	.capable		= mock_capable,
	.domain_alloc_paging	= mock_domain_alloc_paging,
	.probe_device		= mock_probe_device,
	.release_device		= mock_release_device,
	.device_group		= mock_device_group,
	.def_domain_type	= mock_def_domain_type,
	.get_resv_regions	= mock_get_resv_regions,
	.page_response		= mock_page_response,
	.default_domain_ops	= &mock_domain_ops,
	.pgsize_bitmap		= MOCK_PGSIZES,
	.owner			= THIS_MODULE,
	.identity_domain	= &mock_identity_domain,
	.blocked_domain		= &mock_blocked_domain,
};

/* With domain_alloc_user, and no blocked domain: the core must make one */
const struct iommu_ops mock_user_ops = {
	.capable		= mock_capable,
	.domain_alloc_user	= mock_domain_alloc_user,
	.domain_alloc_paging	= mock_domain_alloc_paging,
	.probe_device		= mock_probe_device,
	.release_device		= mock_release_device,
	.device_group		= mock_device_group,
	.def_domain_type	= mock_def_domain_type,
	.get_resv_regions	= mock_get_resv_regions,
	.page_response		= mock_page_response,
	.default_domain_ops	= &mock_domain_ops,
	.pgsize_bitmap		= MOCK_PGSIZES,
	.owner			= THIS_MODULE,
	.identity_domain	= &mock_identity_domain,
};

static const struct fwnode_operations mock_fwnode_ops = {};

struct mock_iommu mock_plain = { .name = "iommu-core-test-plain" };
struct mock_iommu mock_user = { .name = "iommu-core-test-user" };

static int mock_iommu_register(struct mock_iommu *mi,
			       const struct iommu_ops *ops)
{
	int ret;

	fwnode_init(&mi->fwnode, &mock_fwnode_ops);
	/* The core links each probed device to its IOMMU in sysfs. */
	ret = iommu_device_sysfs_add(&mi->iommu, NULL, NULL, "%s", mi->name);
	if (ret)
		return ret;
	mi->iommu.fwnode = &mi->fwnode;
	ret = iommu_device_register(&mi->iommu, ops, NULL);
	if (ret)
		iommu_device_sysfs_remove(&mi->iommu);
	return ret;
}

static void mock_iommu_unregister(struct mock_iommu *mi)
{
	iommu_device_unregister(&mi->iommu);
	iommu_device_sysfs_remove(&mi->iommu);
}

int mock_suite_init(struct kunit_suite *suite)
{
	int ret = mock_iommu_register(&mock_plain, &mock_plain_ops);

	if (ret)
		return ret;
	ret = mock_iommu_register(&mock_user, &mock_user_ops);
	if (ret)
		mock_iommu_unregister(&mock_plain);
	return ret;
}

void mock_suite_exit(struct kunit_suite *suite)
{
	mock_iommu_unregister(&mock_user);
	mock_iommu_unregister(&mock_plain);
}

/* ---- Helpers of the tests ---- */

/*
 * Runs last, after every device is released and every domain the test
 * allocated is freed: the core must have freed every domain the mock made,
 * and released every device the mock accepted.
 */
static void mock_final_check(void *data)
{
	struct mock_ctx *ctx = data;

	iommu_group_put(ctx->shared_group);
	KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->frees, ctx->made,
			    "domains freed, of those the mock made");
	KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->released, ctx->accepted,
			    "devices released, of those the mock accepted");
}

int mock_test_init(struct kunit *test)
{
	struct mock_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->test = test;
	/* What our SMMUv3 driver says, so that lazy mode gets flush queues */
	ctx->caps = BIT(IOMMU_CAP_CACHE_COHERENCY) |
		    BIT(IOMMU_CAP_DEFERRED_FLUSH);
	test->priv = ctx;
	return kunit_add_action_or_reset(test, mock_final_check, ctx);
}

/*
 * Deferred calls that undo what a test set up, in reverse order.  The
 * test cases use the first three too, so those are not KUnit's static
 * wrappers: kunit_release_action() finds an action by its function.
 */
void mock_release_action(void *dev)
{
	iommu_release_device(dev);
}

void mock_domain_free_action(void *domain)
{
	iommu_domain_free(domain);
}

void mock_device_unclaim_action(void *dev)
{
	iommu_device_release_dma_owner(dev);
}

KUNIT_DEFINE_ACTION_WRAPPER(mock_group_put_action,
			    iommu_group_put, struct iommu_group *);
KUNIT_DEFINE_ACTION_WRAPPER(mock_unclaim_action,
			    iommu_group_release_dma_owner, struct iommu_group *);

/* Runs @action on @data when the test ends, or now if that cannot be. */
void mock_defer(struct kunit *test, kunit_action_t *action, void *data)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, action, data), 0);
}

/*
 * A KUnit device behind @mi (or behind no IOMMU if @mi is NULL), with a
 * fwspec as firmware would give it, not yet probed.  It is released from
 * its IOMMU before KUnit unregisters it.
 */
struct mock_dev *mock_dev_create(struct kunit *test, struct mock_iommu *mi,
				 const char *name, unsigned int flags)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_dev *mdev;
	struct device *dev;
	u32 sid = ++ctx->next_sid;
	int ret;

	/* allocated first, so that it outlives the release */
	mdev = kunit_kzalloc(test, sizeof(*mdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	mdev->ctx = ctx;
	mdev->flags = flags;

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	mdev->dev = dev;
	mock_defer(test, mock_release_action, dev);
	if (!mi)
		return mdev;

	mutex_lock(&iommu_probe_device_lock);
	ret = iommu_fwspec_init(dev, &mi->fwnode);
	if (!ret)
		ret = iommu_fwspec_add_ids(dev, &sid, 1);
	if (!ret)
		dev_iommu_priv_set(dev, mdev);
	mutex_unlock(&iommu_probe_device_lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return mdev;
}

/* The same, probed, with its default domain attached */
struct mock_dev *mock_dev_probe(struct kunit *test, struct mock_iommu *mi,
				const char *name, unsigned int flags)
{
	struct mock_dev *mdev = mock_dev_create(test, mi, name, flags);

	KUNIT_ASSERT_EQ(test, iommu_probe_device(mdev->dev), 0);
	KUNIT_ASSERT_NOT_NULL(test, mdev->dev->iommu_group);
	KUNIT_ASSERT_NOT_NULL(test, mdev->attached);
	return mdev;
}

/* A paging domain for @mdev, freed at the end of the test */
struct iommu_domain *mock_paging_domain(struct kunit *test,
					struct mock_dev *mdev)
{
	struct iommu_domain *domain = iommu_paging_domain_alloc(mdev->dev);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, domain);
	mock_defer(test, mock_domain_free_action, domain);
	return domain;
}

/* A domain allocation that should have failed with @err */
void mock_expect_alloc_err(struct kunit *test, struct iommu_domain *domain,
			   long err)
{
	if (!IS_ERR_OR_NULL(domain)) {
		KUNIT_FAIL(test, "allocated a domain; expected error %ld", err);
		iommu_domain_free(domain);
		return;
	}
	KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(domain), "NULL, not an ERR_PTR");
	KUNIT_EXPECT_EQ(test, PTR_ERR(domain), err);
}

/* @mdev's group, with a reference held to the end of the test */
struct iommu_group *mock_group(struct kunit *test, struct mock_dev *mdev)
{
	struct iommu_group *group = iommu_group_get(mdev->dev);

	KUNIT_ASSERT_NOT_NULL(test, group);
	mock_defer(test, mock_group_put_action, group);
	return group;
}

/* Claims @group; the claim is given back at the latest when the test ends. */
int mock_claim(struct kunit *test, struct iommu_group *group, void *owner)
{
	int ret = iommu_group_claim_dma_owner(group, owner);

	if (!ret)
		mock_defer(test, mock_unclaim_action, group);
	return ret;
}

/* Gives back what mock_claim() took, now. */
void mock_unclaim(struct kunit *test, struct iommu_group *group)
{
	kunit_release_action(test, mock_unclaim_action, group);
}

/**
 * struct mock_attachment - a domain a test attached to a group
 * @domain: the domain
 * @group: the group
 */
struct mock_attachment {
	struct iommu_domain *domain;
	struct iommu_group *group;
};

static void mock_detach_action(void *data)
{
	struct mock_attachment *att = data;

	iommu_detach_group(att->domain, att->group);
}

/*
 * Attaches @domain to @group, detaching it again at the latest when the
 * test ends (before the domain is freed, which was deferred earlier).
 * Returns the attachment for mock_detach(), or NULL with *@ret set.
 */
struct mock_attachment *mock_attach(struct kunit *test,
				    struct iommu_domain *domain,
				    struct iommu_group *group, int *ret)
{
	struct mock_attachment *att;

	att = kunit_kzalloc(test, sizeof(*att), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, att);
	att->domain = domain;
	att->group = group;
	*ret = iommu_attach_group(domain, group);
	if (*ret)
		return NULL;
	mock_defer(test, mock_detach_action, att);
	return att;
}

void mock_detach(struct kunit *test, struct mock_attachment *att)
{
	kunit_release_action(test, mock_detach_action, att);
}

/* Forgets what a domain was asked so far. */
void mock_domain_reset(struct mock_domain *md)
{
	md->nr_maps = 0;
	md->nr_unmaps = 0;
	md->nr_syncs = 0;
	md->nr_sync_maps = 0;
}

/* Bytes a recorded call asked for */
size_t mock_call_bytes(const struct mock_call *call)
{
	return call->pgsize * call->pgcount;
}

/* Expects exactly one iotlb_sync(), covering [@iova, @iova + @size - 1]. */
void mock_expect_one_sync(struct kunit *test, struct mock_domain *md,
			  unsigned long iova, size_t size)
{
	KUNIT_EXPECT_EQ(test, md->nr_syncs, 1);
	if (!md->nr_syncs)
		return;
	KUNIT_EXPECT_EQ(test, md->syncs[0].start, iova);
	KUNIT_EXPECT_EQ(test, md->syncs[0].end, iova + (size - 1));
}

/* Expects that no iotlb_sync() so far was owed anything. */
void mock_expect_no_owed_sync(struct kunit *test, struct mock_domain *md)
{
	unsigned int i;

	for (i = 0; i < min(md->nr_syncs, MOCK_MAX_SYNCS); i++)
		KUNIT_EXPECT_GT_MSG(test, md->syncs[i].start, md->syncs[i].end,
				    "sync %u owed %#lx-%#lx", i,
				    md->syncs[i].start, md->syncs[i].end);
}
