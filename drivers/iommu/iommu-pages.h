/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory for IOMMU page tables and other structures the IOMMU code keeps
 * per domain.
 *
 * Every page handed out here is counted twice in the node's vmstat: in
 * NR_IOMMU_PAGES ("iommu" in /proc/vmstat), and in NR_SECONDARY_PAGETABLE,
 * the memcg-aware total of page tables that translate for something other
 * than the CPU (KVM's stage 2 shares it).  Pages must therefore be freed
 * through these helpers too, so that the counters come back down.
 */
#ifndef __IOMMU_PAGES_H
#define __IOMMU_PAGES_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/vmstat.h>

/* Adjust both counters by @npages for the pages starting at @page. */
static inline void iommu_pages_account(struct page *page, long npages)
{
	mod_node_page_state(page_pgdat(page), NR_IOMMU_PAGES, npages);
	mod_lruvec_page_state(page, NR_SECONDARY_PAGETABLE, npages);
}

/**
 * iommu_alloc_pages_node() - Allocate zeroed pages for IOMMU structures
 * @nid: NUMA node to allocate on, or NUMA_NO_NODE for the local one
 * @gfp: allocation flags; __GFP_ZERO is always added
 * @order: log2 of the number of pages
 *
 * The pages form one compound page, so that a page put on a list for
 * iommu_put_pages_list() carries its own order.
 *
 * Return: the kernel virtual address of the first page, or NULL.
 */
static inline void *iommu_alloc_pages_node(int nid, gfp_t gfp,
					   unsigned int order)
{
	struct page *page;

	page = alloc_pages_node(nid, gfp | __GFP_ZERO | __GFP_COMP, order);
	if (unlikely(!page))
		return NULL;

	iommu_pages_account(page, 1L << order);
	return page_address(page);
}

/**
 * iommu_free_pages() - Free what iommu_alloc_pages_node() returned
 * @virt: the address it returned, or NULL
 * @order: the order it was asked for
 */
static inline void iommu_free_pages(void *virt, unsigned int order)
{
	struct page *page;

	if (!virt)
		return;

	page = virt_to_page(virt);
	iommu_pages_account(page, -(1L << order));
	__free_pages(page, order);
}

/**
 * iommu_put_pages_list() - Free a list of IOMMU pages
 * @list: pages from iommu_alloc_pages_node(), linked through page->lru
 *
 * Used to free page tables only once the IOTLB can no longer hold walks
 * through them, which may be long after they were unlinked.  @list is
 * left empty.
 */
static inline void iommu_put_pages_list(struct list_head *list)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		iommu_pages_account(page, -(1L << compound_order(page)));
		put_page(page);
	}
}

#endif /* __IOMMU_PAGES_H */
