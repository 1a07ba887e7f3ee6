// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA API on top of an IOMMU domain.
 *
 * A device whose default domain is of type DMA or DMA-FQ has its DMA API
 * calls routed here by kernel/dma/mapping.c.  Every mapping is one range of
 * the domain's IOVA space (struct iova_domain, with per-CPU caches), mapped
 * in the domain's page tables with the same offset inside the first IOMMU
 * page as the buffer has inside its first physical page.
 *
 * Unmapping clears the page-table entries with one IOTLB gather.  A DMA
 * domain then syncs the IOTLB once and frees the range; a DMA-FQ domain
 * hands the range to its flush queue (dma-iommu-fq.c), which frees it once
 * an IOTLB flush that started after the unmap has completed.  Either way no
 * address is handed out again while the IOMMU may still translate it.
 *
 * Coherent and non-contiguous allocations are in dma-iommu-alloc.c.
 */

#define pr_fmt(fmt) "iommu-dma: " fmt

#include <kunit/visibility.h>
#include <linux/acpi_iort.h>
#include <linux/bits.h>
#include <linux/cleanup.h>
#include <linux/crash_dump.h>
#include <linux/debugfs.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu-dma.h>
#include <linux/msi.h>
#include <linux/of.h>
#include <linux/of_iommu.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <trace/events/iommu.h>

#include "dma-iommu.h"
#include "dma-iommu-internal.h"
#include "iommu-pages.h"
#include "iommu-priv.h"

/* iommu.forcedac=1: no first try below 4 GiB for PCI devices. */
bool iommu_dma_forcedac __read_mostly;

static int __init iommu_dma_forcedac_param(char *str)
{
	if (kstrtobool(str, &iommu_dma_forcedac))
		return -EINVAL;
	if (iommu_dma_forcedac)
		pr_info("PCI devices get DMA addresses above 4 GiB first\n");
	return 0;
}
early_param("iommu.forcedac", iommu_dma_forcedac_param);

/*
 * A kdump kernel leaves the devices on the crashed kernel's domains until
 * their drivers first use the DMA API; only then is the default domain
 * attached.  Elsewhere this is a patched-out branch.
 */
static DEFINE_STATIC_KEY_FALSE(iommu_dma_attach_late);

static int iommu_dma_attach_if_late(struct device *dev,
				    struct iommu_domain *domain)
{
	if (static_branch_unlikely(&iommu_dma_attach_late))
		return iommu_deferred_attach(dev, domain);
	return 0;
}

/* ---------------------------------------------------------------------
 * Cookies
 * ---------------------------------------------------------------------
 */

/* Every IOVA cookie, for /sys/kernel/debug/iommu/dma_domains */
static LIST_HEAD(iommu_dma_cookies);
static DEFINE_MUTEX(iommu_dma_cookies_lock);

static struct iommu_dma_cookie *iommu_dma_cookie_alloc(struct iommu_domain *domain,
						       enum iommu_dma_cookie_kind kind)
{
	struct iommu_dma_cookie *cookie;

	if (domain->iova_cookie)
		return ERR_PTR(-EEXIST);
	cookie = kzalloc(sizeof(*cookie), GFP_KERNEL);
	if (!cookie)
		return ERR_PTR(-ENOMEM);
	cookie->kind = kind;
	cookie->domain = domain;
	mutex_init(&cookie->lock);
	INIT_LIST_HEAD(&cookie->msi_pages);
	INIT_LIST_HEAD(&cookie->all);
	if (kind == IOMMU_DMA_COOKIE_IOVA) {
		guard(mutex)(&iommu_dma_cookies_lock);
		list_add_tail(&cookie->all, &iommu_dma_cookies);
	}
	domain->iova_cookie = cookie;
	return cookie;
}

/**
 * iommu_get_dma_cookie() - give a DMA domain its DMA-layer state
 * @domain: a domain of type DMA or DMA-FQ, just allocated
 *
 * The IOVA space is set up later, by iommu_dma_prepare_domain() for the
 * domain's first device.
 *
 * Return: 0, -EEXIST if @domain already has a cookie, or -ENOMEM.
 */
int iommu_get_dma_cookie(struct iommu_domain *domain)
{
	return PTR_ERR_OR_ZERO(iommu_dma_cookie_alloc(domain,
						      IOMMU_DMA_COOKIE_IOVA));
}

/**
 * iommu_get_msi_cookie() - let a user-owned domain map MSI doorbells
 * @domain: an unmanaged domain, such as VFIO's
 * @base: start of an IOVA window the owner keeps free for doorbells
 *
 * Devices attached to @domain that need an MSI doorbell mapped get it at
 * @base, the next one a page above, and so on.
 *
 * Return: 0, -EINVAL if @domain is not unmanaged, -EEXIST if it already has
 * a cookie, or -ENOMEM.
 */
int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base)
{
	struct iommu_dma_cookie *cookie;

	if (domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	cookie = iommu_dma_cookie_alloc(domain, IOMMU_DMA_COOKIE_MSI);
	if (IS_ERR(cookie))
		return PTR_ERR(cookie);
	cookie->msi_next = base;
	return 0;
}
EXPORT_SYMBOL(iommu_get_msi_cookie);

struct iommu_dma_msi_page {
	struct list_head	list;
	phys_addr_t		doorbell;
	dma_addr_t		iova;
};

/**
 * iommu_put_dma_cookie() - free a domain's DMA-layer state
 * @domain: the domain, about to be freed; no device uses it any more
 *
 * Drains the flush queue (which flushes the IOTLB through @domain, still
 * alive here) and frees the IOVA space and the list of doorbells; their
 * mappings go with the domain's page tables.
 */
void iommu_put_dma_cookie(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iommu_dma_msi_page *msi, *next;

	if (!cookie)
		return;
	scoped_guard(mutex, &iommu_dma_cookies_lock)
		list_del(&cookie->all);
	if (cookie->kind == IOMMU_DMA_COOKIE_IOVA) {
		if (cookie->fq)
			iommu_dma_fq_destroy(cookie);
		if (cookie->ready)
			put_iova_domain(&cookie->iovad);
	}
	list_for_each_entry_safe(msi, next, &cookie->msi_pages, list)
		kfree(msi);
	mutex_destroy(&cookie->lock);
	kfree(cookie);
	domain->iova_cookie = NULL;
}

/* ---------------------------------------------------------------------
 * Reserved regions and setting a device up
 * ---------------------------------------------------------------------
 */

/**
 * iommu_dma_get_resv_regions() - reserved regions firmware describes
 * @dev: the device
 * @list: where to add them (struct iommu_resv_region)
 *
 * For IOMMU drivers' get_resv_regions(): the IORT's regions (RMRs, the ITS
 * doorbells) on ACPI systems, the "memory-region" and "iommu-addresses"
 * properties on device tree ones.
 */
void iommu_dma_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	/*
	 * IORT describes an SMMU by a table entry, not by an object in the
	 * ACPI namespace: the fwnode it gives the SMMU is a static one, which
	 * no test for ACPI device nodes recognises.  Only the device tree and
	 * IORT describe our IOMMUs, so whatever is not the former is IORT.
	 */
	if (fwspec && !is_of_node(fwspec->iommu_fwnode))
		iort_iommu_get_resv_regions(dev, list);
	else
		of_iommu_get_resv_regions(dev, list);
}
EXPORT_SYMBOL(iommu_dma_get_resv_regions);

/* 0, -EBUSY if [@first, @last] overlaps an allocated range, or -ENOMEM. */
static int iommu_dma_reserve(struct iova_domain *iovad, u64 first, u64 last)
{
	unsigned long shift = iova_shift(iovad);

	if (last < first || (last >> shift) < iovad->start_pfn)
		return 0;
	return PTR_ERR_OR_ZERO(reserve_iova_range(iovad,
						  max(first >> shift, iovad->start_pfn),
						  last >> shift));
}

/*
 * A PCI host bridge routes addresses inside its own windows to peer
 * devices, not to memory, and drops those outside its dma-ranges: neither
 * may become an IOVA.
 */
static int iommu_dma_reserve_pci(struct pci_dev *pdev, struct iova_domain *iovad)
{
	struct pci_host_bridge *bridge = pci_find_host_bridge(pdev->bus);
	struct resource_entry *entry;
	u64 next = 0;
	int ret;

	resource_list_for_each_entry(entry, &bridge->windows) {
		if (resource_type(entry->res) != IORESOURCE_MEM)
			continue;
		ret = iommu_dma_reserve(iovad, entry->res->start - entry->offset,
					entry->res->end - entry->offset);
		if (ret)
			return ret;
	}

	if (list_empty(&bridge->dma_ranges))
		return 0;
	resource_list_for_each_entry(entry, &bridge->dma_ranges) {
		u64 start = entry->res->start - entry->offset;

		if (start < next) {
			pci_warn(pdev, "host bridge dma-ranges overlap or are unsorted\n");
			return -EINVAL;
		}
		if (start > next) {
			ret = iommu_dma_reserve(iovad, next, start - 1);
			if (ret)
				return ret;
		}
		next = entry->res->end - entry->offset + 1;
		if (!next)	/* the last range reaches the top */
			return 0;
	}
	return iommu_dma_reserve(iovad, next, U64_MAX);
}

static int iommu_dma_reserve_regions(struct device *dev,
				     struct iova_domain *iovad)
{
	struct iommu_resv_region *region;
	LIST_HEAD(regions);
	int ret = 0;

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		/* Doorbells get ordinary IOVAs in a DMA domain. */
		if (region->type == IOMMU_RESV_SW_MSI || !region->length)
			continue;
		ret = iommu_dma_reserve(iovad, region->start,
					region->start + region->length - 1);
		if (ret)
			break;
	}
	iommu_put_resv_regions(dev, &regions);

	if (!ret && dev_is_pci(dev))
		ret = iommu_dma_reserve_pci(to_pci_dev(dev), iovad);
	return ret;
}

/**
 * iommu_dma_init_fq() - give a DMA domain a flush queue
 * @domain: a domain with an IOVA cookie, becoming DMA-FQ
 *
 * From the next unmap on, freed ranges wait in the queue instead of each
 * unmap waiting for an IOTLB sync.  Calling it again is harmless.
 *
 * Return: 0, -EINVAL without an IOVA cookie, or -ENOMEM.
 */
int iommu_dma_init_fq(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;

	if (!cookie || cookie->kind != IOMMU_DMA_COOKIE_IOVA)
		return -EINVAL;
	guard(mutex)(&cookie->lock);
	if (cookie->fq)
		return 0;
	return iommu_dma_fq_create(cookie);
}

/*
 * The domain's IOVA space, made once, by its first device.  The caller's
 * group mutex serialises this with every other set-up of the domain, so
 * the cookie's lock is taken only to publish @ready, with the name that
 * debugfs shows: registering the per-CPU caches takes the CPU hotplug lock,
 * which must not nest inside the cookie's lock, since
 * iommu_dma_prepare_msi() takes that lock under the MSI domain's mutex and
 * the MSI code takes its mutex under the hotplug lock.
 */
static int iommu_dma_init_iovad(struct iommu_dma_cookie *cookie,
				struct device *dev, unsigned long order,
				unsigned long start_pfn)
{
	struct iova_domain *iovad = &cookie->iovad;
	int ret;

	lockdep_assert_not_held(&cookie->lock);
	init_iova_domain(iovad, 1UL << order, start_pfn);
	ret = iova_domain_init_rcaches(iovad);
	if (ret) {
		put_iova_domain(iovad);
		return ret;
	}
	scoped_guard(mutex, &cookie->lock) {
		strscpy(cookie->first_dev, dev_name(dev));
		cookie->ready = true;
	}
	return 0;
}

/**
 * iommu_dma_prepare_domain() - make a DMA domain ready for a device
 * @domain: a domain of type DMA or DMA-FQ, with an IOVA cookie
 * @dev: a device that is about to have @domain as its default domain
 *
 * Sets up the IOVA space on the domain's first device, reserves the
 * addresses @dev cannot use (its reserved regions, its host bridge's
 * windows), and gives a DMA-FQ domain its flush queue.  Everything that
 * can fail happens here, before the core attaches @domain, so that a
 * device never ends up attached to a DMA domain it cannot use; once this
 * has succeeded, iommu_setup_dma_ops() cannot fail.
 *
 * Context: process; the caller holds the mutex of @dev's group.
 * Return: 0; -EINVAL if @domain is not a DMA domain whose driver maps and
 * unmaps pages (which the DMA layer's map and unmap then call without
 * asking again), its granule or aperture differs from the one its IOVA
 * space was made for, or it is of type DMA-FQ and @dev's IOMMU cannot
 * defer flushes; -EBUSY if a reserved region overlaps addresses in use; or
 * -ENOMEM.
 */
int iommu_dma_prepare_domain(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	unsigned long order, start_pfn;
	int ret;

	iommu_group_mutex_assert(dev);
	if (!iommu_is_dma_domain(domain) || !cookie ||
	    cookie->kind != IOMMU_DMA_COOKIE_IOVA || !domain->pgsize_bitmap ||
	    !domain->ops->map_pages || !domain->ops->unmap_pages)
		return -EINVAL;
	order = __ffs(domain->pgsize_bitmap);
	/* IOVA 0 is never handed out: too many drivers take it for "none". */
	start_pfn = max(domain->geometry.aperture_start >> order, 1ULL);
	if (domain->geometry.force_aperture &&
	    domain->geometry.aperture_end >> order < start_pfn)
		return -EINVAL;

	if (!cookie->ready) {
		ret = iommu_dma_init_iovad(cookie, dev, order, start_pfn);
		if (ret)
			return ret;
	} else if (iova_shift(&cookie->iovad) != order ||
		   cookie->iovad.start_pfn != start_pfn) {
		dev_warn(dev, "IOMMU page size or aperture differs from its group's\n");
		return -EINVAL;
	}

	ret = iommu_dma_reserve_regions(dev, &cookie->iovad);
	if (ret == -EBUSY)
		dev_warn(dev, "a reserved region overlaps DMA addresses in use\n");
	if (ret)
		return ret;

	if (domain->type != IOMMU_DOMAIN_DMA_FQ)
		return 0;
	if (!device_iommu_capable(dev, IOMMU_CAP_DEFERRED_FLUSH))
		return -EINVAL;
	return iommu_dma_init_fq(domain);
}

/**
 * iommu_setup_dma_ops() - route a device's DMA API calls to its domain
 * @dev: a device whose group's default domain was just chosen or changed
 *
 * A device whose default domain is of type DMA or DMA-FQ gets IOVAs from
 * it; any other device goes straight to memory.  The domain was prepared
 * for @dev by iommu_dma_prepare_domain().
 *
 * Context: the caller holds the mutex of @dev's group.
 */
void iommu_setup_dma_ops(struct device *dev)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct iommu_dma_cookie *cookie;

	iommu_group_mutex_assert(dev);
	if (!domain || !iommu_is_dma_domain(domain)) {
		dev->dma_iommu = false;
		return;
	}
	cookie = domain->iova_cookie;
	dev->dma_iommu = !WARN_ON(!cookie || !cookie->ready);
}

/* ---------------------------------------------------------------------
 * IOVA ranges
 * ---------------------------------------------------------------------
 */

/**
 * iommu_dma_prot() - IOMMU_* permissions of a DMA mapping
 * @dir: direction of the transfer
 * @coherent: the device snoops CPU caches
 * @attrs: DMA_ATTR_* flags
 *
 * Return: the IOMMU_* flags, or 0 for an invalid @dir.
 */
int iommu_dma_prot(enum dma_data_direction dir, bool coherent,
		   unsigned long attrs)
{
	int prot = 0;

	if (!valid_dma_direction(dir))
		return 0;
	/* The device reads memory unless it only writes, and vice versa. */
	if (dir != DMA_FROM_DEVICE)
		prot |= IOMMU_READ;
	if (dir != DMA_TO_DEVICE)
		prot |= IOMMU_WRITE;
	if (coherent)
		prot |= IOMMU_CACHE;
	if (attrs & DMA_ATTR_PRIVILEGED)
		prot |= IOMMU_PRIV;
	return prot;
}

static void iommu_dma_report_full(struct device *dev, size_t size, u64 limit)
{
	dev_err_ratelimited(dev, "no free IOVA range of %#zx bytes below %#llx\n",
			    size, limit);
}

/**
 * iommu_dma_alloc_iova() - allocate a range of a DMA domain's IOVA space
 * @dev: the device that will use it
 * @domain: @dev's DMA domain
 * @size: bytes, a multiple of the IOVA granule
 * @dma_limit: highest address @dev can reach
 *
 * PCI devices are first offered addresses below 4 GiB, which a PCI
 * transaction carries in one address cycle, until that part of the space
 * has run out once.  When the whole space is taken, the flush queue gives
 * back what it holds and the allocation is tried again.
 *
 * Inline, like iommu_dma_map_phys(): every map_page runs both, and taken
 * inline they save it two calls and their frames; the coherent allocator
 * in dma-iommu-alloc.c calls the out-of-line copies.
 *
 * Context: any; does not sleep.
 * Return: the first address of the range, or 0.
 */
inline dma_addr_t iommu_dma_alloc_iova(struct device *dev,
				       struct iommu_domain *domain,
				       size_t size, u64 dma_limit)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	unsigned long shift = iova_shift(iovad);
	unsigned long pages = size >> shift;
	struct iommu_dma_fq *fq;
	unsigned long pfn;

	dma_limit = min_not_zero(dma_limit, dev->bus_dma_limit);
	if (domain->geometry.force_aperture)
		dma_limit = min_t(u64, dma_limit, domain->geometry.aperture_end);

	if (dma_limit > DMA_BIT_MASK(32) && dev_is_pci(dev) &&
	    !iommu_dma_forcedac && !READ_ONCE(cookie->sac_exhausted)) {
		pfn = alloc_iova_fast(iovad, pages, DMA_BIT_MASK(32) >> shift,
				      false);
		if (pfn)
			return (dma_addr_t)pfn << shift;
		WRITE_ONCE(cookie->sac_exhausted, true);
		dev_notice(dev, "IOVA space below 4 GiB is full, using the rest\n");
	}

	pfn = alloc_iova_fast(iovad, pages, dma_limit >> shift, true);
	if (!pfn) {
		fq = READ_ONCE(cookie->fq);
		if (fq) {
			iommu_dma_fq_drain(fq);
			pfn = alloc_iova_fast(iovad, pages, dma_limit >> shift,
					      true);
		}
	}
	if (!pfn)
		iommu_dma_report_full(dev, size, dma_limit);
	return (dma_addr_t)pfn << shift;
}

/**
 * iommu_dma_free_iova() - give back a range from iommu_dma_alloc_iova()
 * @cookie: the domain's cookie
 * @iova: first address of the range
 * @size: its size, as allocated
 *
 * Only once nothing can translate the range any more: after an IOTLB sync
 * that covers it, or if it was never mapped.
 */
void iommu_dma_free_iova(struct iommu_dma_cookie *cookie, dma_addr_t iova,
			 size_t size)
{
	struct iova_domain *iovad = &cookie->iovad;

	free_iova_fast(iovad, iova_pfn(iovad, iova), size >> iova_shift(iovad));
}

/**
 * iommu_dma_sweep() - clear whatever is mapped in a range
 * @domain: the domain
 * @granule: its granule, the smallest page size
 * @iova: first address of the range
 * @size: bytes
 * @gather: collects the invalidations
 *
 * Steps over holes, where an I/O page table's unmap stops.  For error
 * paths and inconsistencies: it costs one call per unmapped granule.
 *
 * Return: the bytes that were mapped.
 */
size_t iommu_dma_sweep(struct iommu_domain *domain, unsigned long granule,
		       dma_addr_t iova, size_t size,
		       struct iommu_iotlb_gather *gather)
{
	size_t pos = 0, cleared = 0, step;

	while (pos < size) {
		step = iommu_unmap_fast(domain, iova + pos, size - pos, gather);
		cleared += step;
		pos += step ?: granule;
	}
	return cleared;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_dma_sweep);

static DEFINE_RATELIMIT_STATE(iommu_dma_mismatch_rs, 5 * HZ, 4);

/*
 * The page tables held only @cleared bytes of a range that must be fully
 * mapped: clear whatever else is there and say so loudly.
 */
static void iommu_dma_mismatch(struct device *dev, struct iommu_domain *domain,
			       dma_addr_t iova, size_t size, size_t cleared,
			       struct iommu_iotlb_gather *gather)
{
	unsigned long granule = iommu_domain_granule(domain);

	cleared += iommu_dma_sweep(domain, granule, iova + cleared,
				   size - cleared, gather);
	WARN(__ratelimit(&iommu_dma_mismatch_rs),
	     "%s %s: unmapping IOVA %pad size %#zx, but the page tables held %#zx bytes of it\n",
	     dev_driver_string(dev), dev_name(dev), &iova, size, cleared);
}

/*
 * Whether @size bytes are too few for any page size of @domain above its
 * granule.  Such a range, as the DMA layer allocates it (aligned to the
 * granule and not wrapping), is mapped with granules only: iommu_map() and
 * iommu_unmap_fast() would check what the DMA layer already knows, pick
 * the granule and hand the range to the driver in one call.  The DMA
 * layer makes that call itself.
 */
static inline bool iommu_dma_granules_only(struct iommu_domain *domain,
					   size_t size)
{
	unsigned long sizes = domain->pgsize_bitmap;
	unsigned long larger = sizes & (sizes - 1);	/* without the granule */

	return !larger || size < (larger & -larger);
}

/* iommu_map() of a range that iommu_dma_granules_only() holds true of */
static inline int iommu_dma_map_granules(struct iommu_domain *domain,
					 dma_addr_t iova, phys_addr_t paddr,
					 size_t size, int prot)
{
	const struct iommu_domain_ops *ops = domain->ops;
	unsigned int shift = __ffs(domain->pgsize_bitmap);
	size_t mapped = 0;
	int ret;

	ret = ops->map_pages(domain, iova, paddr, 1UL << shift, size >> shift,
			     prot, GFP_ATOMIC, &mapped);
	if (!ret && WARN_ON_ONCE(mapped != size))
		ret = -EIO;
	if (!ret && ops->iotlb_sync_map)
		ret = ops->iotlb_sync_map(domain, iova, size);
	if (unlikely(ret)) {
		/* As iommu_map(): nothing of the range stays mapped. */
		if (mapped)
			iommu_unmap(domain, iova, mapped);
		return ret;
	}
	trace_map(iova, paddr, size);
	return 0;
}

/* iommu_unmap_fast() of a range that iommu_dma_granules_only() holds true of */
static inline size_t iommu_dma_unmap_granules(struct iommu_domain *domain,
					      dma_addr_t iova, size_t size,
					      struct iommu_iotlb_gather *gather)
{
	unsigned int shift = __ffs(domain->pgsize_bitmap);
	size_t cleared;

	cleared = domain->ops->unmap_pages(domain, iova, 1UL << shift,
					   size >> shift, gather);
	trace_unmap(iova, size, cleared);
	return cleared;
}

/* Clear a range that must be fully mapped. */
static inline void iommu_dma_clear(struct device *dev,
				   struct iommu_domain *domain,
				   dma_addr_t iova, size_t size,
				   struct iommu_iotlb_gather *gather)
{
	size_t cleared;

	if (iommu_dma_granules_only(domain, size))
		cleared = iommu_dma_unmap_granules(domain, iova, size, gather);
	else
		cleared = iommu_unmap_fast(domain, iova, size, gather);

	if (unlikely(cleared != size))
		iommu_dma_mismatch(dev, domain, iova, size, cleared, gather);
}

/* After clearing: sync now and free, or let the flush queue do both. */
static void iommu_dma_retire(struct iommu_domain *domain,
			     struct iommu_dma_cookie *cookie,
			     struct iommu_dma_fq *fq, dma_addr_t iova,
			     size_t size, struct iommu_iotlb_gather *gather)
{
	if (fq) {
		iommu_dma_fq_queue(fq, iova, size, &gather->freelist);
		return;
	}
	iommu_iotlb_sync(domain, gather);
	iommu_put_pages_list(&gather->freelist);
	iommu_dma_free_iova(cookie, iova, size);
}

/**
 * iommu_dma_unmap_iova() - unmap and free a range from iommu_dma_alloc_iova()
 * @dev: the device it was mapped for
 * @iova: first address of the range, granule-aligned
 * @size: size of the range as allocated
 * @mapped: bytes from @iova that were mapped: @size, or less on an error
 *	path, which makes holes expected
 *
 * Inline for unmap_page, as iommu_dma_map_phys() is for map_page.
 */
inline void iommu_dma_unmap_iova(struct device *dev, dma_addr_t iova,
				 size_t size, size_t mapped)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iommu_dma_fq *fq = READ_ONCE(cookie->fq);
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	gather.queued = fq;
	if (mapped == size)
		iommu_dma_clear(dev, domain, iova, size, &gather);
	else if (mapped)
		iommu_dma_sweep(domain, cookie->iovad.granule, iova, mapped,
				&gather);
	iommu_dma_retire(domain, cookie, fq, iova, size, &gather);
}

/**
 * iommu_dma_map_phys() - map physically contiguous memory at a new IOVA
 * @dev: the device
 * @phys: first byte
 * @size: bytes
 * @prot: IOMMU_* permissions
 * @dma_limit: highest address @dev can reach
 *
 * Context: any; does not sleep.
 * Return: the DMA address of @phys, or DMA_MAPPING_ERROR.
 */
__always_inline dma_addr_t iommu_dma_map_phys(struct device *dev,
					      phys_addr_t phys, size_t size,
					      int prot, u64 dma_limit)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct iova_domain *iovad = &domain->iova_cookie->iovad;
	size_t offset, len;
	dma_addr_t iova;
	int ret;

	offset = iova_offset(iovad, phys);
	if (!prot || !size || check_add_overflow(size, offset, &len) ||
	    len > SIZE_MAX - iovad->granule)
		return DMA_MAPPING_ERROR;
	if (iommu_dma_attach_if_late(dev, domain))
		return DMA_MAPPING_ERROR;

	len = iova_align(iovad, len);
	iova = iommu_dma_alloc_iova(dev, domain, len, dma_limit);
	if (!iova)
		return DMA_MAPPING_ERROR;
	if (iommu_dma_granules_only(domain, len))
		ret = iommu_dma_map_granules(domain, iova, phys - offset, len,
					     prot);
	else
		ret = iommu_map(domain, iova, phys - offset, len, prot,
				GFP_ATOMIC);
	if (ret) {
		iommu_dma_free_iova(domain->iova_cookie, iova, len);
		return DMA_MAPPING_ERROR;
	}
	return iova + offset;
}

/* Unmap what iommu_dma_map_phys() mapped: @dma_addr and @size as returned. */
static inline void iommu_dma_unmap_phys(struct device *dev,
					dma_addr_t dma_addr, size_t size)
{
	struct iova_domain *iovad = &dev_iommu_dma_domain(dev)->iova_cookie->iovad;
	size_t offset = iova_offset(iovad, dma_addr);
	size_t len = iova_align(iovad, size + offset);

	iommu_dma_unmap_iova(dev, dma_addr - offset, len, len);
}

/* ---------------------------------------------------------------------
 * Streaming mappings: pages and MMIO
 *
 * The iommu_dma_* functions from here on are what kernel/dma/mapping.c
 * calls for a device with dev->dma_iommu set, one for each DMA API call of
 * the same name (dma_map_page_attrs() and so on); their contract is the
 * DMA API's, Documentation/core-api/dma-api.rst.
 * ---------------------------------------------------------------------
 */

dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t phys = page_to_phys(page) + offset;
	bool coherent = dev_is_dma_coherent(dev);

	if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		arch_sync_dma_for_device(phys, size, dir);
	return iommu_dma_map_phys(dev, phys, size,
				  iommu_dma_prot(dir, coherent, attrs),
				  dma_get_mask(dev));
}

void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma_handle,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	if (!dev_is_dma_coherent(dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		iommu_dma_sync_single_for_cpu(dev, dma_handle, size, dir);
	iommu_dma_unmap_phys(dev, dma_handle, size);
}

dma_addr_t iommu_dma_map_resource(struct device *dev, phys_addr_t phys,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	int prot = iommu_dma_prot(dir, false, attrs);

	return iommu_dma_map_phys(dev, phys, size, prot ? prot | IOMMU_MMIO : 0,
				  dma_get_mask(dev));
}

void iommu_dma_unmap_resource(struct device *dev, dma_addr_t handle,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	iommu_dma_unmap_phys(dev, handle, size);
}

/* ---------------------------------------------------------------------
 * Streaming mappings: scatterlists
 * ---------------------------------------------------------------------
 */

/* Do bytes @start to @start + @len - 1 cross a multiple of @mask + 1? */
static bool iommu_dma_straddles(u64 start, u64 len, unsigned long mask)
{
	return ((start ^ (start + len - 1)) & ~(u64)mask) != 0;
}

/**
 * iommu_dma_sg_plan() - lay a scatterlist out in one IOVA range
 * @dev: the device, for its maximum segment size and segment boundary
 * @sgl: the list; only its DMA fields are written
 * @nents: entries in @sgl
 * @granule: the domain's granule
 * @iova_len: the size of the range to allocate, on success
 *
 * Each entry keeps its offset inside an IOMMU page.  An entry joins the
 * previous DMA segment when the two meet on an IOMMU page boundary, the
 * merged segment stays within the maximum segment size and it does not
 * cross the device's segment boundary; otherwise it starts a new DMA
 * segment in the next free IOMMU page, or at the next boundary if it would
 * cross one.  Offsets are relative to a range aligned to its size rounded
 * up to a power of two, which is what the IOVA allocator returns: boundary
 * checks made on them hold for the final addresses.
 *
 * Return: the number of DMA segments, or -EINVAL for an empty entry or one
 * that cannot be placed without crossing the boundary.
 */
int iommu_dma_sg_plan(struct device *dev, struct scatterlist *sgl, int nents,
		      unsigned long granule, size_t *iova_len)
{
	unsigned int max_seg = dma_get_max_seg_size(dev);
	unsigned long boundary = dma_get_seg_boundary(dev);
	struct scatterlist *s, *seg = NULL;
	size_t pos = 0, start, span;
	int count = 0, i;

	for_each_sg(sgl, s, nents, i) {
		size_t offset = sg_phys(s) & (granule - 1);
		unsigned int len = s->length;

		if (!len)
			return -EINVAL;
		if (check_add_overflow((size_t)len, offset, &span) ||
		    check_add_overflow(span, granule - 1, &span))
			return -EINVAL;
		span &= ~(granule - 1);

		if (seg && !offset &&
		    sg_dma_address(seg) + sg_dma_len(seg) == pos &&
		    (u64)sg_dma_len(seg) + len <= max_seg &&
		    !iommu_dma_straddles(sg_dma_address(seg),
					 sg_dma_len(seg) + len, boundary)) {
			sg_dma_len(seg) += len;
		} else {
			start = pos + offset;
			if (iommu_dma_straddles(start, len, boundary)) {
				/* Move to the next boundary, if that helps. */
				pos = (pos | boundary) + 1;
				start = pos + offset;
				if (!pos || iommu_dma_straddles(start, len, boundary))
					return -EINVAL;
			}
			seg = seg ? sg_next(seg) : sgl;
			sg_dma_address(seg) = start;
			sg_dma_len(seg) = len;
			count++;
		}
		if (check_add_overflow(pos, span, &pos))
			return -EINVAL;
	}
	*iova_len = pos;
	return count;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_dma_sg_plan);

/**
 * iommu_dma_sg_place() - turn a plan's offsets into DMA addresses
 * @sgl: the list iommu_dma_sg_plan() wrote
 * @nents: entries in @sgl
 * @count: DMA segments, as iommu_dma_sg_plan() returned
 * @iova: the range allocated for the plan
 */
void iommu_dma_sg_place(struct scatterlist *sgl, int nents, int count,
			dma_addr_t iova)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		if (i < count) {
			sg_dma_address(s) += iova;
		} else {
			sg_dma_address(s) = DMA_MAPPING_ERROR;
			sg_dma_len(s) = 0;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(iommu_dma_sg_place);

/*
 * Map every entry where the plan put it.  Entries that follow each other in
 * memory as in the plan are mapped in one call, so that the page tables can
 * use large pages.  Returns how many bytes from @iova were walked.
 */
static int iommu_dma_sg_map(struct iommu_domain *domain, dma_addr_t iova,
			    struct scatterlist *sgl, int nents, int prot,
			    size_t *walked)
{
	unsigned long granule = iommu_domain_granule(domain);
	struct scatterlist *s, *seg = sgl;
	dma_addr_t run_iova = 0, at = sg_dma_address(sgl);
	phys_addr_t run_phys = 0;
	size_t run_len = 0, left = sg_dma_len(sgl);
	int i, ret = 0;

	*walked = 0;
	for_each_sg(sgl, s, nents, i) {
		phys_addr_t phys = sg_phys(s);
		size_t offset = phys & (granule - 1);
		size_t span = ALIGN(offset + s->length, granule);
		dma_addr_t piece = iova + at - offset;

		if (run_len && run_iova + run_len == piece &&
		    run_phys + run_len == phys - offset) {
			run_len += span;
		} else {
			if (run_len) {
				ret = iommu_map(domain, run_iova, run_phys,
						run_len, prot, GFP_ATOMIC);
				if (ret)
					return ret;
				*walked = run_iova + run_len - iova;
			}
			run_iova = piece;
			run_phys = phys - offset;
			run_len = span;
		}

		at += s->length;
		left -= s->length;
		if (!left && i + 1 < nents) {
			seg = sg_next(seg);
			at = sg_dma_address(seg);
			left = sg_dma_len(seg);
		}
	}
	ret = iommu_map(domain, run_iova, run_phys, run_len, prot, GFP_ATOMIC);
	if (!ret)
		*walked = run_iova + run_len - iova;
	return ret;
}

int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	bool coherent = dev_is_dma_coherent(dev);
	int prot = iommu_dma_prot(dir, coherent, attrs);
	size_t len, walked;
	dma_addr_t iova;
	int count, ret;

	if (!prot || nents <= 0)
		return -EINVAL;
	if (iommu_dma_attach_if_late(dev, domain))
		return -EIO;
	if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		iommu_dma_sync_sg_for_device(dev, sg, nents, dir);

	count = iommu_dma_sg_plan(dev, sg, nents, cookie->iovad.granule, &len);
	if (count < 0) {
		dev_err_ratelimited(dev, "scatterlist does not fit the device's DMA segment limits\n");
		return count;
	}
	iova = iommu_dma_alloc_iova(dev, domain, len, dma_get_mask(dev));
	if (!iova)
		return -ENOMEM;

	ret = iommu_dma_sg_map(domain, iova, sg, nents, prot, &walked);
	if (ret) {
		iommu_dma_unmap_iova(dev, iova, len, walked);
		return ret == -ENOMEM ? -ENOMEM : -EIO;
	}
	iommu_dma_sg_place(sg, nents, count, iova);
	return count;
}

void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	struct iommu_dma_fq *fq = READ_ONCE(cookie->fq);
	dma_addr_t first = 0, run = 0, run_end = 0;
	struct iommu_iotlb_gather gather;
	struct scatterlist *s;
	int i;

	if (!dev_is_dma_coherent(dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		iommu_dma_sync_sg_for_cpu(dev, sg, nents, dir);

	iommu_iotlb_gather_init(&gather);
	gather.queued = fq;
	/*
	 * The DMA segments lead the list.  Each covers whole IOMMU pages of
	 * its own; padding for a segment boundary may leave holes between
	 * them, so unmap them run by run.
	 */
	for_each_sg(sg, s, nents, i) {
		dma_addr_t start, end;

		if (!sg_dma_len(s))
			break;
		start = iova_align_down(iovad, sg_dma_address(s));
		end = iova_align(iovad, sg_dma_address(s) + sg_dma_len(s));
		if (!i) {
			first = start;
			run = start;
		} else if (start != run_end) {
			iommu_dma_clear(dev, domain, run, run_end - run, &gather);
			run = start;
		}
		run_end = end;
	}
	if (run_end == first)
		return;
	iommu_dma_clear(dev, domain, run, run_end - run, &gather);
	iommu_dma_retire(domain, cookie, fq, first, run_end - first, &gather);
}

/* ---------------------------------------------------------------------
 * CPU cache maintenance for devices that do not snoop
 * ---------------------------------------------------------------------
 */

/*
 * Each call of a pair differs only in the direction of the maintenance: for
 * the CPU (invalidate what the device wrote) or for the device (clean what
 * the CPU wrote).
 */
static void iommu_dma_sync_one(phys_addr_t phys, size_t size,
			       enum dma_data_direction dir, bool for_cpu)
{
	if (for_cpu)
		arch_sync_dma_for_cpu(phys, size, dir);
	else
		arch_sync_dma_for_device(phys, size, dir);
}

static void iommu_dma_sync_single(struct device *dev, dma_addr_t dma_handle,
				  size_t size, enum dma_data_direction dir,
				  bool for_cpu)
{
	phys_addr_t phys;

	if (dev_is_dma_coherent(dev))
		return;
	phys = iommu_iova_to_phys(dev_iommu_dma_domain(dev), dma_handle);
	if (!WARN_ON_ONCE(!phys))
		iommu_dma_sync_one(phys, size, dir, for_cpu);
}

static void iommu_dma_sync_sg(struct device *dev, struct scatterlist *sgl,
			      int nelems, enum dma_data_direction dir,
			      bool for_cpu)
{
	struct scatterlist *s;
	int i;

	if (dev_is_dma_coherent(dev))
		return;
	for_each_sg(sgl, s, nelems, i)
		iommu_dma_sync_one(sg_phys(s), s->length, dir, for_cpu);
}

void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t dma_handle,
				   size_t size, enum dma_data_direction dir)
{
	iommu_dma_sync_single(dev, dma_handle, size, dir, true);
}

void iommu_dma_sync_single_for_device(struct device *dev, dma_addr_t dma_handle,
				      size_t size, enum dma_data_direction dir)
{
	iommu_dma_sync_single(dev, dma_handle, size, dir, false);
}

void iommu_dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
			       int nelems, enum dma_data_direction dir)
{
	iommu_dma_sync_sg(dev, sgl, nelems, dir, true);
}

void iommu_dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				  int nelems, enum dma_data_direction dir)
{
	iommu_dma_sync_sg(dev, sgl, nelems, dir, false);
}

/* ---------------------------------------------------------------------
 * Limits the DMA API reports
 * ---------------------------------------------------------------------
 */

unsigned long iommu_dma_get_merge_boundary(struct device *dev)
{
	return iommu_domain_granule(dev_iommu_dma_domain(dev)) - 1;
}

/*
 * Drivers size their requests by this (NVMe caps its transfers at it), so it
 * is the largest size the IOVA caches hold: bigger requests would each go to
 * the allocator's tree, smaller ones would cost an IOTLB sync per piece.
 */
size_t iommu_dma_opt_mapping_size(void)
{
	return iova_rcache_range();
}

size_t iommu_dma_max_mapping_size(struct device *dev)
{
	return SIZE_MAX;
}

/* ---------------------------------------------------------------------
 * MSI doorbells
 * ---------------------------------------------------------------------
 */

static dma_addr_t iommu_dma_map_doorbell(struct device *dev,
					 struct iommu_domain *domain,
					 phys_addr_t doorbell, size_t size)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	const int prot = IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;
	struct iommu_dma_msi_page *msi;
	dma_addr_t iova;

	lockdep_assert_held(&cookie->lock);
	list_for_each_entry(msi, &cookie->msi_pages, list)
		if (msi->doorbell == doorbell)
			return msi->iova;

	msi = kzalloc(sizeof(*msi), GFP_KERNEL);
	if (!msi)
		return 0;
	if (cookie->kind == IOMMU_DMA_COOKIE_MSI) {
		iova = cookie->msi_next;
		cookie->msi_next += size;
	} else {
		iova = iommu_dma_alloc_iova(dev, domain, size, dma_get_mask(dev));
	}
	if (!iova || iommu_map(domain, iova, doorbell, size, prot, GFP_KERNEL)) {
		if (iova && cookie->kind == IOMMU_DMA_COOKIE_IOVA)
			iommu_dma_free_iova(cookie, iova, size);
		else if (iova)
			cookie->msi_next -= size;
		kfree(msi);
		return 0;
	}
	msi->doorbell = doorbell;
	msi->iova = iova;
	list_add(&msi->list, &cookie->msi_pages);
	return iova;
}

/**
 * iommu_dma_prepare_msi() - map the doorbell an MSI will write to
 * @desc: the MSI; gets the doorbell's IOVA
 * @msi_addr: physical address of the doorbell
 *
 * A device behind a domain with a cookie writes its MSIs through the IOMMU,
 * so the doorbell's page is mapped there, once per domain, and the address
 * the device is given is rewritten by iommu_dma_compose_msi_msg().
 *
 * Context: process; takes a mutex.
 * Return: 0, -ENODEV if the domain's IOVA space is not set up, or -ENOMEM.
 */
int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr)
{
	struct device *dev = msi_desc_to_dev(desc);
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct iommu_dma_cookie *cookie = domain ? domain->iova_cookie : NULL;
	size_t size;
	dma_addr_t iova;

	if (!cookie) {
		msi_desc_set_iommu_msi_iova(desc, 0, 0);
		return 0;
	}
	size = iommu_domain_granule(domain);

	scoped_guard(mutex, &cookie->lock) {
		if (cookie->kind == IOMMU_DMA_COOKIE_IOVA && !cookie->ready)
			return -ENODEV;
		iova = iommu_dma_map_doorbell(dev, domain,
					      msi_addr & ~(phys_addr_t)(size - 1),
					      size);
	}
	if (!iova) {
		dev_err_ratelimited(dev, "cannot map the MSI doorbell at %pa\n",
				    &msi_addr);
		return -ENOMEM;
	}
	msi_desc_set_iommu_msi_iova(desc, iova, ilog2(size));
	return 0;
}

/**
 * iommu_dma_compose_msi_msg() - point an MSI at its doorbell's IOVA
 * @desc: the MSI, prepared by iommu_dma_prepare_msi()
 * @msg: the message, holding the doorbell's physical address
 *
 * The page of the address becomes the IOVA's; the offset inside it stays.
 */
void iommu_dma_compose_msi_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	unsigned int shift = desc->iommu_msi_shift;
	u64 addr;

	if (!shift)
		return;
	addr = ((u64)msg->address_hi << 32 | msg->address_lo) &
	       GENMASK_ULL(shift - 1, 0);
	addr |= (u64)desc->iommu_msi_iova << shift;
	msg->address_hi = upper_32_bits(addr);
	msg->address_lo = lower_32_bits(addr);
}

/* ---------------------------------------------------------------------
 * debugfs
 * ---------------------------------------------------------------------
 */

/*
 * One line per DMA domain, then their sum: its type, and its IOVA ranges:
 * all of them, the reserved ones, the ones in the range caches, the ones
 * waiting in the flush queue, and the rest, which are mapped.
 */
struct iommu_dma_usage {
	struct iova_usage	iova;
	unsigned long		queued;
};

/* The figures of a line, after its name and type. */
static void iommu_dma_usage_show(struct seq_file *m, struct iommu_dma_usage *u)
{
	seq_printf(m, " ranges %lu reserved %lu cached %lu queued %lu in_use %lu\n",
		   u->iova.ranges, u->iova.reserved, u->iova.cached, u->queued,
		   u->iova.ranges - u->iova.reserved - u->iova.cached - u->queued);
}

static int iommu_dma_domains_show(struct seq_file *m, void *unused)
{
	struct iommu_dma_usage sum = { }, u;
	struct iommu_dma_cookie *cookie;
	unsigned int n = 0;
	const char *name;

	guard(mutex)(&iommu_dma_cookies_lock);
	list_for_each_entry(cookie, &iommu_dma_cookies, all) {
		u = (struct iommu_dma_usage){ };
		scoped_guard(mutex, &cookie->lock) {
			if (cookie->ready)
				iova_domain_usage(&cookie->iovad, &u.iova);
			name = cookie->ready ? cookie->first_dev : "-";
			if (cookie->fq)
				u.queued = iommu_dma_fq_count(cookie->fq);
		}
		seq_printf(m, "%u %s %s", n++,
			   cookie->domain->type == IOMMU_DOMAIN_DMA_FQ ?
			   "DMA-FQ" : "DMA", name);
		iommu_dma_usage_show(m, &u);
		sum.iova.ranges += u.iova.ranges;
		sum.iova.reserved += u.iova.reserved;
		sum.iova.cached += u.iova.cached;
		sum.queued += u.queued;
	}
	seq_printf(m, "all %u", n);
	iommu_dma_usage_show(m, &sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommu_dma_domains);

static int __init iommu_dma_debugfs_init(void)
{
	debugfs_create_file("dma_domains", 0400, iommu_debugfs_dir, NULL,
			    &iommu_dma_domains_fops);
	return 0;
}
late_initcall(iommu_dma_debugfs_init);

static int __init iommu_dma_init(void)
{
	if (is_kdump_kernel())
		static_branch_enable(&iommu_dma_attach_late);
	return iova_cache_get();
}
arch_initcall(iommu_dma_init);
