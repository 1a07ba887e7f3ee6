// SPDX-License-Identifier: GPL-2.0-only
/*
 * The edu test driver's operations for fault injection, and the fault
 * report race.
 *
 * Each operation does one thing of the IOMMU API or the DMA API that
 * allocates memory, checks what it did and undoes it, so that user space
 * can run it with /proc/thread-self/fail-nth set to 1, 2, 3, ... until it
 * succeeds without an injected failure (kselftest iommu_fail_nth).  The
 * operation is started by writing its name to
 * iommu_dma_edu_test/<device>/op in debugfs; the write fails with the
 * operation's error.  An operation that finds the IOMMU in a state it
 * should not be in after a failure (a range half mapped, a device left on
 * the wrong domain) says so in the kernel log and fails with
 * -ENOTRECOVERABLE, which no allocation failure may cause.
 *
 * Between two operations user space reads iommu_dma_edu_test/<device>/state
 * ("domain DMA", "attached default", "mapped N": the pages edu's domain
 * maps below edu's 256 MiB), which must be the same after an operation as
 * before it, and runs the "verify" operation, a DMA round trip through the
 * default domain.
 *
 * The test "fault_race" (in the "run" file) checks that a domain cannot be
 * freed while a fault on it is being reported: its fault handler holds on
 * while the test detaches the domain, and the detach must wait for it.
 */

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "iommu-dma-edu.h"

/* Where operations with a domain of their own map, below edu's reach. */
#define EDU_OWN_IOVA		SZ_1M
/* A physical address for mappings that no DMA goes through. */
#define EDU_FAKE_PHYS		BIT_ULL(40)
/* At most this many pages of a range are looked at, spread over it. */
#define EDU_PROBES		64
/* How long the fault race's handler holds on to its domain. */
#define EDU_RACE_HOLD_MS	200
#define EDU_RACE_WAIT		(5 * HZ)

/* ---------------------------------------------------------------------
 * Looking at a domain
 * ---------------------------------------------------------------------
 */

/*
 * Whether every probed page of [@iova, @iova + @size) translates to @phys
 * plus its offset (@phys == 0: to nothing).  The first and last page are
 * always probed.
 */
static bool edu_range_is(struct iommu_domain *domain, u64 iova, u64 size,
			 phys_addr_t phys)
{
	size_t granule = iommu_domain_granule(domain);
	u64 pages = size / granule, step = max_t(u64, 1, pages / EDU_PROBES);
	u64 i;

	for (i = 0; pages; i += step) {
		u64 off = min(i, pages - 1) * granule;
		phys_addr_t got = iommu_iova_to_phys(domain, iova + off);

		if (got != (phys ? phys + off : 0))
			return false;
		if (i >= pages - 1)
			break;
	}
	return true;
}

/* The pages @domain maps below edu's reach, one page-table walk each. */
static unsigned long edu_mapped_pages(struct iommu_domain *domain)
{
	size_t granule = iommu_domain_granule(domain);
	unsigned long count = 0;
	u64 iova;

	if (!(domain->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	for (iova = 0; iova < BIT_ULL(EDU_DMA_BITS); iova += granule)
		count += !!iommu_iova_to_phys(domain, iova);
	return count;
}

static const char *edu_domain_kind(struct iommu_domain *domain)
{
	switch (domain ? domain->type : 0) {
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "none";
	}
}

/* edu's group is back on its default domain after an operation. */
static int edu_on_default(struct edu_test *edu, const char *after)
{
	if (iommu_get_domain_for_dev(edu->dev) == iommu_get_dma_domain(edu->dev))
		return 0;
	edu_err(edu, "after %s, edu is on a %s domain, not its default one\n",
		after, edu_domain_kind(iommu_get_domain_for_dev(edu->dev)));
	return -ENOTRECOVERABLE;
}

static int edu_state_show(struct seq_file *m, void *unused)
{
	struct edu_test *edu = m->private;
	struct iommu_domain *domain;

	mutex_lock(&edu->lock);
	domain = iommu_get_domain_for_dev(edu->dev);
	seq_printf(m, "domain %s\n", edu_domain_kind(domain));
	seq_printf(m, "attached %s\n", domain == iommu_get_dma_domain(edu->dev) ?
		   "default" : "other");
	seq_printf(m, "mapped %lu\n", domain ? edu_mapped_pages(domain) : 0);
	mutex_unlock(&edu->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(edu_state);

/* ---------------------------------------------------------------------
 * The IOMMU API
 * ---------------------------------------------------------------------
 */

static int edu_op_domain_paging(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_paging_domain_alloc(edu->dev);

	if (IS_ERR(domain))
		return PTR_ERR(domain);
	iommu_domain_free(domain);
	return 0;
}

static int edu_op_domain_user(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_user_domain_alloc(edu->dev, 0);

	if (IS_ERR(domain))
		return PTR_ERR(domain);
	iommu_domain_free(domain);
	return 0;
}

/*
 * A domain of the test's own, with two pages mapped, attached to edu: edu
 * copies the first page to the second through it, then goes back to its
 * default domain.
 */
static int edu_op_attach(struct edu_test *edu)
{
	const size_t size = 2 * PAGE_SIZE;
	struct iommu_domain *domain;
	struct page *pages;
	u8 *buf;
	int ret;

	pages = alloc_pages(GFP_KERNEL, 1);
	if (!pages)
		return -ENOMEM;
	buf = page_address(pages);
	edu_fill(buf, PAGE_SIZE, 60);
	memset(buf + PAGE_SIZE, EDU_POISON, PAGE_SIZE);

	domain = iommu_paging_domain_alloc(edu->dev);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto free_pages;
	}
	ret = iommu_map(domain, EDU_OWN_IOVA, page_to_phys(pages), size,
			IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, GFP_KERNEL);
	if (ret)
		goto free_domain;

	ret = iommu_attach_device(domain, edu->dev);
	if (ret) {
		ret = edu_on_default(edu, "a failed attach") ?: ret;
		goto unmap;
	}
	if (iommu_get_domain_for_dev(edu->dev) != domain) {
		edu_err(edu, "attach succeeded, but edu is not on the domain\n");
		ret = -ENOTRECOVERABLE;
	} else {
		ret = edu_copy(edu, EDU_OWN_IOVA, EDU_OWN_IOVA + PAGE_SIZE,
			       EDU_XFER_MAX);
		if (!ret)
			ret = edu_compare(edu, "copy through the attached domain at",
					  0, buf, buf + PAGE_SIZE, EDU_XFER_MAX);
	}
	iommu_detach_device(domain, edu->dev);
	ret = edu_on_default(edu, "detach") ?: ret;
unmap:
	if (iommu_unmap(domain, EDU_OWN_IOVA, size) != size) {
		edu_err(edu, "unmap of the test's own domain failed\n");
		ret = -ENOTRECOVERABLE;
	}
free_domain:
	iommu_domain_free(domain);
free_pages:
	__free_pages(pages, 1);
	return ret;
}

/*
 * Ranges that each need new page tables: from a fresh level-0 table, a
 * page needs tables at levels 1, 2 and 3, and so on.  Nothing is attached
 * to the domain, so the physical addresses need no memory behind them.
 */
static const struct {
	u64 iova;
	u64 size;
} edu_map_ranges[] = {
	{ SZ_4K,			SZ_4K },	/* tables at levels 1-3 */
	{ SZ_2M - SZ_4K,		2 * SZ_4K },	/* a second level-3 table */
	{ SZ_1G,			SZ_2M },	/* a new level-2 table */
	{ 512ULL * SZ_1G,		SZ_1G },	/* a new level-1 table */
	{ 4ULL * SZ_1G + 3 * SZ_4K,	SZ_4M + 3 * SZ_4K }, /* pages and blocks */
};

/* Every range before @failed maps what it should, and @failed nothing. */
static int edu_check_map_ranges(struct edu_test *edu,
				struct iommu_domain *domain, unsigned int failed)
{
	unsigned int i;

	for (i = 0; i < failed; i++) {
		if (!edu_range_is(domain, edu_map_ranges[i].iova,
				  edu_map_ranges[i].size,
				  EDU_FAKE_PHYS + edu_map_ranges[i].iova))
			goto bad;
	}
	if (failed == ARRAY_SIZE(edu_map_ranges) ||
	    edu_range_is(domain, edu_map_ranges[failed].iova,
			 edu_map_ranges[failed].size, 0))
		return 0;
bad:
	edu_err(edu, "after a failed map of range %u, range %u maps the wrong thing\n",
		failed, i);
	return -ENOTRECOVERABLE;
}

static int edu_op_map_levels(struct edu_test *edu)
{
	const int prot = IOMMU_READ | IOMMU_WRITE;
	struct iommu_domain *domain;
	unsigned int i, mapped;
	int ret = 0;

	domain = iommu_paging_domain_alloc(edu->dev);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	for (mapped = 0; mapped < ARRAY_SIZE(edu_map_ranges); mapped++) {
		ret = iommu_map(domain, edu_map_ranges[mapped].iova,
				EDU_FAKE_PHYS + edu_map_ranges[mapped].iova,
				edu_map_ranges[mapped].size, prot, GFP_KERNEL);
		if (ret)
			break;
	}
	ret = edu_check_map_ranges(edu, domain, mapped) ?: ret;

	for (i = 0; i < mapped; i++) {
		u64 iova = edu_map_ranges[i].iova, size = edu_map_ranges[i].size;

		if (iommu_unmap(domain, iova, size) != size ||
		    !edu_range_is(domain, iova, size, 0)) {
			edu_err(edu, "range %u did not unmap whole\n", i);
			ret = -ENOTRECOVERABLE;
		}
	}
	iommu_domain_free(domain);
	return ret;
}

/* A scatterlist of a page, four contiguous pages, and a page. */
#define EDU_SG_CHUNKS		3
static const unsigned int edu_sg_orders[EDU_SG_CHUNKS] = { 0, 2, 0 };

static int edu_op_map_sg(struct edu_test *edu)
{
	struct page *pages[EDU_SG_CHUNKS] = { };
	struct iommu_domain *domain;
	struct scatterlist *sg;
	struct sg_table sgt;
	size_t total = 0;
	ssize_t mapped;
	unsigned int i;
	u64 iova;
	int ret;

	ret = sg_alloc_table(&sgt, EDU_SG_CHUNKS, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(&sgt, sg, i) {
		pages[i] = alloc_pages(GFP_KERNEL, edu_sg_orders[i]);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto free_pages;
		}
		sg_set_page(sg, pages[i], PAGE_SIZE << edu_sg_orders[i], 0);
		total += PAGE_SIZE << edu_sg_orders[i];
	}

	domain = iommu_paging_domain_alloc(edu->dev);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto free_pages;
	}
	mapped = iommu_map_sgtable(domain, EDU_OWN_IOVA, &sgt,
				   IOMMU_READ | IOMMU_WRITE);
	if (mapped < 0) {
		ret = mapped;
		if (!edu_range_is(domain, EDU_OWN_IOVA, total, 0)) {
			edu_err(edu, "a failed iommu_map_sg() left pages mapped\n");
			ret = -ENOTRECOVERABLE;
		}
		goto free_domain;
	}
	iova = EDU_OWN_IOVA;
	for_each_sgtable_sg(&sgt, sg, i) {
		if (!edu_range_is(domain, iova, sg->length, sg_phys(sg))) {
			edu_err(edu, "scatterlist entry %u is mapped wrong\n", i);
			ret = -ENOTRECOVERABLE;
		}
		iova += sg->length;
	}
	if (mapped != total ||
	    iommu_unmap(domain, EDU_OWN_IOVA, total) != total) {
		edu_err(edu, "iommu_map_sg() mapped %zd bytes of %zu\n", mapped,
			total);
		ret = -ENOTRECOVERABLE;
	}
free_domain:
	iommu_domain_free(domain);
free_pages:
	for (i = 0; i < EDU_SG_CHUNKS; i++)
		if (pages[i])
			__free_pages(pages[i], edu_sg_orders[i]);
	sg_free_table(&sgt);
	return ret;
}

/* ---------------------------------------------------------------------
 * The DMA API and the IOVA allocator
 * ---------------------------------------------------------------------
 */

/* A DMA mapping of @size bytes at @cpu_addr translates to its pages. */
static int edu_check_dma_buffer(struct edu_test *edu, const char *what,
				void *cpu_addr, dma_addr_t dma, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(edu->dev);
	size_t off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		void *p = cpu_addr + off;
		struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) :
							 virt_to_page(p);

		if (iommu_iova_to_phys(domain, dma + off) != page_to_phys(page)) {
			edu_err(edu, "%s: page %zu of %pad is mapped wrong\n",
				what, off / PAGE_SIZE, &dma);
			return -ENOTRECOVERABLE;
		}
	}
	return 0;
}

/* A page, then 2 MiB: the second is beyond the IOVA caches' sizes. */
static int edu_op_dma_map_page(struct edu_test *edu)
{
	static const unsigned int orders[] = { 0, 9 };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(orders) && !ret; i++) {
		size_t size = PAGE_SIZE << orders[i];
		struct page *page;
		dma_addr_t dma;

		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, orders[i]);
		if (!page)
			return -EAGAIN;
		dma = dma_map_page(edu->dev, page, 0, size, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(edu->dev, dma)) {
			ret = -ENOMEM;
		} else {
			ret = edu_check_dma_buffer(edu, "dma_map_page",
						   page_address(page), dma, size);
			dma_unmap_page(edu->dev, dma, size, DMA_BIDIRECTIONAL);
		}
		__free_pages(page, orders[i]);
	}
	return ret;
}

/*
 * Five pages apart from each other, and 2 MiB in one piece: more than the
 * IOVA caches hold, so the range comes from the allocator's tree.  Whole
 * pages go back to back into one IOVA range, however they are merged into
 * DMA segments.
 */
#define EDU_MAP_SG_ENTS		6
#define EDU_MAP_SG_ORDER	9

static int edu_check_dma_sg(struct edu_test *edu, struct sg_table *sgt)
{
	dma_addr_t iova = sg_dma_address(sgt->sgl);
	struct scatterlist *sg;
	size_t cpu = 0, dma = 0;
	unsigned int i;
	int ret;

	for_each_sgtable_sg(sgt, sg, i) {
		ret = edu_check_dma_buffer(edu, "dma_map_sg", sg_virt(sg),
					   iova + cpu, sg->length);
		if (ret)
			return ret;
		cpu += sg->length;
	}
	for_each_sgtable_dma_sg(sgt, sg, i)
		dma += sg_dma_len(sg);
	if (dma == cpu)
		return 0;
	edu_err(edu, "dma_map_sg: %zu bytes in DMA segments, %zu in pages\n",
		dma, cpu);
	return -ENOTRECOVERABLE;
}

static int edu_op_dma_map_sg(struct edu_test *edu)
{
	struct scatterlist *sg;
	struct sg_table sgt;
	unsigned int i;
	int ret;

	ret = sg_alloc_table(&sgt, EDU_MAP_SG_ENTS, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(&sgt, sg, i) {
		unsigned int order = i == EDU_MAP_SG_ENTS - 1 ? EDU_MAP_SG_ORDER : 0;
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

		if (!page) {
			ret = -EAGAIN;
			break;
		}
		sg_set_page(sg, page, PAGE_SIZE << order, 0);
	}
	if (!ret) {
		ret = dma_map_sgtable(edu->dev, &sgt, DMA_BIDIRECTIONAL, 0);
		if (!ret) {
			ret = edu_check_dma_sg(edu, &sgt);
			dma_unmap_sgtable(edu->dev, &sgt, DMA_BIDIRECTIONAL, 0);
		}
	}
	for_each_sgtable_sg(&sgt, sg, i)
		if (sg_page(sg))
			__free_pages(sg_page(sg), get_order(sg->length));
	sg_free_table(&sgt);
	return ret;
}

/*
 * Coherent and non-contiguous allocations of 64 KiB: a page array of that
 * size is sixteen pages, each an allocation of its own.
 */
#define EDU_ALLOC_SIZE		SZ_64K

static int edu_op_dma_alloc(struct edu_test *edu, unsigned long attrs)
{
	const size_t size = EDU_ALLOC_SIZE;
	dma_addr_t dma;
	void *buf;
	int ret;

	buf = dma_alloc_attrs(edu->dev, size, &dma, GFP_KERNEL, attrs);
	if (!buf)
		return -ENOMEM;
	ret = edu_check_dma_buffer(edu, "dma_alloc", buf, dma, size);
	dma_free_attrs(edu->dev, size, buf, dma, attrs);
	return ret;
}

static int edu_op_dma_alloc_contiguous(struct edu_test *edu)
{
	return edu_op_dma_alloc(edu, DMA_ATTR_FORCE_CONTIGUOUS);
}

static int edu_op_dma_alloc_pages(struct edu_test *edu)
{
	return edu_op_dma_alloc(edu, 0);
}

static int edu_op_dma_noncontiguous(struct edu_test *edu)
{
	const size_t size = EDU_ALLOC_SIZE;
	struct sg_table *sgt;
	void *vaddr;
	int ret;

	sgt = dma_alloc_noncontiguous(edu->dev, size, DMA_BIDIRECTIONAL,
				      GFP_KERNEL, 0);
	if (!sgt)
		return -ENOMEM;
	vaddr = dma_vmap_noncontiguous(edu->dev, size, sgt);
	if (!vaddr) {
		ret = -ENOMEM;
	} else {
		ret = edu_check_dma_buffer(edu, "dma_alloc_noncontiguous",
					   vaddr, sg_dma_address(sgt->sgl),
					   size);
		dma_vunmap_noncontiguous(edu->dev, vaddr);
	}
	dma_free_noncontiguous(edu->dev, size, sgt, DMA_BIDIRECTIONAL);
	return ret;
}

/*
 * An IOVA space of the test's own, so that its caches start cold: the
 * smallest and the largest size the caches hold, one between and one
 * beyond, allocated, freed into the caches, and allocated from them again.
 */
static const unsigned int edu_iova_orders[] = { 0, 3, 8, 9 };

static int edu_op_iova_cold(struct edu_test *edu)
{
	unsigned long pfns[ARRAY_SIZE(edu_iova_orders)] = { };
	unsigned long limit = BIT(EDU_DMA_BITS - 12);
	struct iova_domain *iovad;
	unsigned int round, i;
	int ret;

	iovad = kzalloc(sizeof(*iovad), GFP_KERNEL);
	if (!iovad)
		return -ENOMEM;
	ret = iova_cache_get();
	if (ret)
		goto free;
	init_iova_domain(iovad, SZ_4K, 1);
	ret = iova_domain_init_rcaches(iovad);
	if (ret)
		goto put;
	for (round = 0; round < 2 && !ret; round++) {
		for (i = 0; i < ARRAY_SIZE(pfns); i++) {
			pfns[i] = alloc_iova_fast(iovad, 1UL << edu_iova_orders[i],
						  limit, true);
			if (!pfns[i]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < ARRAY_SIZE(pfns); i++) {
			if (pfns[i])
				free_iova_fast(iovad, pfns[i],
					       1UL << edu_iova_orders[i]);
			pfns[i] = 0;
		}
	}
put:
	put_iova_domain(iovad);
	iova_cache_put();
free:
	kfree(iovad);
	return ret;
}

/* The DMA API through the default domain still works, and edu is on it. */
static int edu_op_verify(struct edu_test *edu)
{
	return edu_on_default(edu, "the last operation") ?:
	       edu_test_coherent_small(edu);
}

/* ---------------------------------------------------------------------
 * The fault report race
 * ---------------------------------------------------------------------
 */

struct edu_race {
	struct completion	entered;
	struct completion	left;
	unsigned int		type;	/* read from the domain after the wait */
};

/*
 * Hold on to the domain the fault was reported for, then read it: if the
 * domain could be freed meanwhile, KASAN reports a use after free here.
 * The handler runs in the event queue's thread with the SMMU driver's
 * stream lock held, so it waits with mdelay().
 */
static int edu_race_handler(struct iommu_domain *domain, struct device *dev,
			    unsigned long iova, int flags, void *token)
{
	struct edu_race *race = token;

	complete(&race->entered);
	mdelay(EDU_RACE_HOLD_MS);
	race->type = READ_ONCE(domain->type);
	complete(&race->left);
	return 0;
}

/*
 * A fault on a domain of the test's own, whose handler holds on for a
 * while; during that, the test detaches and frees the domain.  The detach
 * must wait for the report to finish, so the handler must be done when it
 * returns.
 */
int edu_test_fault_race(struct edu_test *edu)
{
	struct iommu_domain *domain;
	struct edu_race race;
	bool done;
	int ret;

	init_completion(&race.entered);
	init_completion(&race.left);
	domain = iommu_paging_domain_alloc(edu->dev);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	iommu_set_fault_handler(domain, edu_race_handler, &race);
	ret = iommu_attach_device(domain, edu->dev);
	if (ret) {
		edu_err(edu, "cannot attach a domain: %d\n", ret);
		goto free;
	}

	edu_log_fault_dma(edu, EDU_OWN_IOVA);
	ret = edu_from_device(edu, EDU_OWN_IOVA, EDU_FAULT_LEN);
	if (!ret && !wait_for_completion_timeout(&race.entered, EDU_RACE_WAIT)) {
		edu_err(edu, "the fault was not reported to the domain's handler\n");
		ret = -ETIMEDOUT;
	}
	iommu_detach_device(domain, edu->dev);
	done = completion_done(&race.left);
	iommu_domain_free(domain);
	if (!ret && !done) {
		edu_err(edu, "the domain was detached while its fault handler ran\n");
		ret = -EBUSY;
	}
	/* Wait out the handler either way: @race is on this stack. */
	wait_for_completion(&race.left);
	if (!ret && race.type != IOMMU_DOMAIN_UNMANAGED) {
		edu_err(edu, "the handler saw a domain of type %#x\n", race.type);
		ret = -EINVAL;
	}
	return ret ?: edu_on_default(edu, "the fault race");

free:
	iommu_domain_free(domain);
	return ret;
}

/* ---------------------------------------------------------------------
 * The "op" file
 * ---------------------------------------------------------------------
 */

static const struct {
	const char *name;
	int (*run)(struct edu_test *edu);
} edu_ops[] = {
	{ "domain_paging",		edu_op_domain_paging },
	{ "domain_user",		edu_op_domain_user },
	{ "attach",			edu_op_attach },
	{ "map_levels",			edu_op_map_levels },
	{ "map_sg",			edu_op_map_sg },
	{ "dma_map_page",		edu_op_dma_map_page },
	{ "dma_map_sg",			edu_op_dma_map_sg },
	{ "dma_alloc_contiguous",	edu_op_dma_alloc_contiguous },
	{ "dma_alloc_pages",		edu_op_dma_alloc_pages },
	{ "dma_noncontiguous",		edu_op_dma_noncontiguous },
	{ "iova_cold",			edu_op_iova_cold },
	{ "verify",			edu_op_verify },
};

static ssize_t edu_op_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct edu_test *edu = file->private_data;
	char buf[32], *name;
	unsigned int i;
	int ret;

	name = edu_user_name(ubuf, count, buf, sizeof(buf));
	if (IS_ERR(name))
		return PTR_ERR(name);
	for (i = 0; i < ARRAY_SIZE(edu_ops); i++)
		if (!strcmp(name, edu_ops[i].name))
			break;
	if (i == ARRAY_SIZE(edu_ops))
		return -EINVAL;
	if (!edu->dma_ok)
		return -EOPNOTSUPP;

	mutex_lock(&edu->lock);
	edu->test = edu_ops[i].name;
	ret = edu_ops[i].run(edu);
	edu->test = "-";
	mutex_unlock(&edu->lock);
	return ret ?: count;
}

/* Written whole, never read: no seeking. */
static const struct file_operations edu_op_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= edu_op_write,
};

/**
 * edu_inject_debugfs_init() - add the "op" and "state" files
 * @edu: the device, with its debugfs directory made
 */
void edu_inject_debugfs_init(struct edu_test *edu)
{
	debugfs_create_file("op", 0200, edu->dir, edu, &edu_op_fops);
	debugfs_create_file("state", 0400, edu->dir, edu, &edu_state_fops);
}
