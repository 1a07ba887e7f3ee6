// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory the DMA layer allocates for a device behind an IOMMU.
 *
 * A coherent buffer is one range of IOVA space and one kernel mapping, but
 * its memory need not be contiguous: a blocking request of more than a page
 * gets an array of pages, allocated in the largest chunks the domain can
 * map as one page-table entry and falling back to single pages, mapped back
 * to back in the IOVA range and vmapped for the CPU.  Small, atomic and
 * DMA_ATTR_FORCE_CONTIGUOUS requests get contiguous memory; a device that
 * does not snoop caches gets it from the atomic pool when it cannot sleep,
 * since remapping it uncached would.
 *
 * The kernel mapping of a page array is a VM_DMA_COHERENT area that carries
 * the array, which is how free, mmap and get_sgtable tell the two kinds
 * apart.  The non-contiguous API hands out a page array in an sg_table.
 */

#include <linux/dma-map-ops.h>
#include <linux/gfp.h>
#include <linux/iommu-dma.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dma-iommu-internal.h"
#include "iommu-priv.h"

/* ---------------------------------------------------------------------
 * Page arrays
 * ---------------------------------------------------------------------
 */

static void iommu_dma_free_page_array(struct page **pages, unsigned int count)
{
	while (count--)
		__free_page(pages[count]);
	kvfree(pages);
}

/*
 * @count pages, in chunks of the orders set in @orders (order 0 always
 * is), largest first.  High-order chunks are split so that every page can
 * be freed on its own.  An order that fails once is not tried again.
 */
static struct page **iommu_dma_alloc_page_array(struct device *dev,
						unsigned int count,
						unsigned long orders, gfp_t gfp)
{
	struct page **pages;
	unsigned int i = 0, j;
	int nid = dev_to_node(dev);

	pages = kvcalloc(count, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	orders = (orders & GENMASK(MAX_PAGE_ORDER, 0)) | 1;
	gfp &= ~__GFP_COMP;
	while (i < count) {
		unsigned long fit = orders & GENMASK(__fls(count - i), 0);
		struct page *page = NULL;
		unsigned int order = 0;

		while (fit) {
			order = __fls(fit);
			page = alloc_pages_node(nid, order ?
						gfp | __GFP_NORETRY | __GFP_NOWARN :
						gfp, order);
			if (page)
				break;
			fit &= ~BIT(order);
			orders &= ~BIT(order);
		}
		if (!page) {
			iommu_dma_free_page_array(pages, i);
			return NULL;
		}
		if (order)
			split_page(page, order);
		for (j = 0; j < 1U << order; j++)
			pages[i++] = page + j;
	}
	return pages;
}

/*
 * Map @sgt's pages back to back in one new IOVA range of @size bytes.
 * Returns the range's address, or 0.
 */
static dma_addr_t iommu_dma_map_table(struct device *dev, struct sg_table *sgt,
				      size_t size, int prot, u64 dma_limit)
{
	struct iommu_domain *domain = dev_iommu_dma_domain(dev);
	struct scatterlist *s;
	dma_addr_t iova;
	size_t pos = 0;
	int i;

	iova = iommu_dma_alloc_iova(dev, domain, size, dma_limit);
	if (!iova)
		return 0;
	for_each_sgtable_sg(sgt, s, i) {
		if (iommu_map(domain, iova + pos, sg_phys(s), s->length, prot,
			      GFP_KERNEL)) {
			iommu_dma_unmap_iova(dev, iova, size, pos);
			return 0;
		}
		pos += s->length;
	}
	return iova;
}

/* The domain's page sizes as page orders, if they suit a page array. */
static unsigned long iommu_dma_chunk_orders(struct device *dev)
{
	unsigned long pgsizes = dev_iommu_dma_domain(dev)->pgsize_bitmap;

	/* An IOMMU page larger than a CPU page needs contiguous chunks. */
	if (pgsizes & (PAGE_SIZE - 1))
		return 0;
	return pgsizes >> PAGE_SHIFT;
}

/* ---------------------------------------------------------------------
 * Coherent allocations
 * ---------------------------------------------------------------------
 */

static void *iommu_dma_alloc_scattered(struct device *dev, size_t size,
				       dma_addr_t *handle, gfp_t gfp, int prot,
				       unsigned long attrs)
{
	unsigned int count = size >> PAGE_SHIFT;
	struct sg_table sgt;
	struct page **pages;
	struct scatterlist *s;
	dma_addr_t iova;
	void *vaddr;
	int i;

	pages = iommu_dma_alloc_page_array(dev, count,
					   iommu_dma_chunk_orders(dev), gfp);
	if (!pages)
		return NULL;
	if (sg_alloc_table_from_pages(&sgt, pages, count, 0, size, GFP_KERNEL))
		goto free_pages;
	if (!dev_is_dma_coherent(dev))
		for_each_sgtable_sg(&sgt, s, i)
			arch_dma_prep_coherent(sg_page(s), s->length);

	iova = iommu_dma_map_table(dev, &sgt, size, prot, dev->coherent_dma_mask);
	sg_free_table(&sgt);
	if (!iova)
		goto free_pages;
	vaddr = dma_common_pages_remap(pages, size,
				       dma_pgprot(dev, PAGE_KERNEL, attrs),
				       __builtin_return_address(0));
	if (!vaddr) {
		iommu_dma_unmap_iova(dev, iova, size, size);
		goto free_pages;
	}
	*handle = iova;
	return vaddr;

free_pages:
	iommu_dma_free_page_array(pages, count);
	return NULL;
}

/*
 * Give back a physically contiguous buffer at @vaddr, whose first page is
 * @page: to the atomic pool it came from, or unmap its remap (a device
 * that does not snoop sees it uncached) and free the pages.
 */
static void iommu_dma_free_contiguous(struct device *dev, void *vaddr,
				      struct page *page, size_t size)
{
	if (IS_ENABLED(CONFIG_DMA_COHERENT_POOL) &&
	    dma_free_from_pool(dev, vaddr, size))
		return;
	if (is_vmalloc_addr(vaddr))
		dma_common_free_remap(vaddr, size);
	dma_free_contiguous(dev, page, size);
}

static void *iommu_dma_alloc_contiguous(struct device *dev, size_t size,
					dma_addr_t *handle, gfp_t gfp, int prot,
					unsigned long attrs)
{
	bool coherent = dev_is_dma_coherent(dev);
	struct page *page;
	void *vaddr;

	if (!coherent && !gfpflags_allow_blocking(gfp)) {
		if (!IS_ENABLED(CONFIG_DMA_COHERENT_POOL))
			return NULL;
		page = dma_alloc_from_pool(dev, size, &vaddr, gfp, NULL);
		if (!page)
			return NULL;
		memset(vaddr, 0, size);
	} else {
		page = dma_alloc_contiguous(dev, size, gfp);
		if (!page)
			page = alloc_pages_node(dev_to_node(dev), gfp,
						get_order(size));
		if (!page)
			return NULL;
		/* CMA hands out pages as they were. */
		memset(page_address(page), 0, size);
		vaddr = page_address(page);
		if (!coherent) {
			pgprot_t prot = dma_pgprot(dev, PAGE_KERNEL, attrs);

			arch_dma_prep_coherent(page, size);
			vaddr = dma_common_contiguous_remap(page, size, prot,
							    __builtin_return_address(0));
			if (!vaddr) {
				dma_free_contiguous(dev, page, size);
				return NULL;
			}
		}
	}

	*handle = iommu_dma_map_phys(dev, page_to_phys(page), size, prot,
				     dev->coherent_dma_mask);
	if (*handle != DMA_MAPPING_ERROR)
		return vaddr;
	iommu_dma_free_contiguous(dev, vaddr, page, size);
	return NULL;
}

void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		      gfp_t gfp, unsigned long attrs)
{
	int prot = iommu_dma_prot(DMA_BIDIRECTIONAL, dev_is_dma_coherent(dev),
				  attrs);

	size = PAGE_ALIGN(size);
	if (!size)
		return NULL;
	/* Any page will do: the IOMMU puts it where the device can reach. */
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	gfp |= __GFP_ZERO;

	if (size > PAGE_SIZE && gfpflags_allow_blocking(gfp) &&
	    !(attrs & DMA_ATTR_FORCE_CONTIGUOUS) && iommu_dma_chunk_orders(dev))
		return iommu_dma_alloc_scattered(dev, size, handle, gfp, prot,
						 attrs);
	return iommu_dma_alloc_contiguous(dev, size, handle, gfp, prot, attrs);
}

/* The page array behind a coherent buffer, or NULL if it is contiguous. */
static struct page **iommu_dma_buffer_pages(void *cpu_addr)
{
	return is_vmalloc_addr(cpu_addr) ? dma_common_find_pages(cpu_addr) : NULL;
}

/* The first page of a contiguous coherent buffer. */
static struct page *iommu_dma_buffer_page(void *cpu_addr)
{
	return is_vmalloc_addr(cpu_addr) ? vmalloc_to_page(cpu_addr) :
					   virt_to_page(cpu_addr);
}

void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr,
		    dma_addr_t handle, unsigned long attrs)
{
	struct page **pages = iommu_dma_buffer_pages(cpu_addr);

	size = PAGE_ALIGN(size);
	iommu_dma_unmap_iova(dev, handle, size, size);

	if (pages) {
		dma_common_free_remap(cpu_addr, size);
		iommu_dma_free_page_array(pages, size >> PAGE_SHIFT);
		return;
	}
	iommu_dma_free_contiguous(dev, cpu_addr, iommu_dma_buffer_page(cpu_addr),
				  size);
}

int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma_addr, size_t size,
		   unsigned long attrs)
{
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT;
	struct page **pages;
	int ret;

	vma->vm_page_prot = dma_pgprot(dev, vma->vm_page_prot, attrs);
	if (dma_mmap_from_dev_coherent(dev, vma, cpu_addr, size, &ret))
		return ret;
	if (vma->vm_pgoff >= count || vma_pages(vma) > count - vma->vm_pgoff)
		return -ENXIO;

	pages = iommu_dma_buffer_pages(cpu_addr);
	if (pages)
		return vm_map_pages(vma, pages, count);
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(iommu_dma_buffer_page(cpu_addr)) +
			       vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma_addr, size_t size,
			  unsigned long attrs)
{
	struct page **pages = iommu_dma_buffer_pages(cpu_addr);
	int ret;

	if (pages)
		return sg_alloc_table_from_pages(sgt, pages,
						 PAGE_ALIGN(size) >> PAGE_SHIFT,
						 0, size, GFP_KERNEL);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (!ret)
		sg_set_page(sgt->sgl, iommu_dma_buffer_page(cpu_addr),
			    PAGE_ALIGN(size), 0);
	return ret;
}

/* ---------------------------------------------------------------------
 * The non-contiguous API
 * ---------------------------------------------------------------------
 */

struct iommu_dma_scattered {
	struct sg_table		sgt;
	struct page		**pages;
	unsigned int		count;
};

static struct iommu_dma_scattered *to_scattered(struct sg_table *sgt)
{
	return container_of(sgt, struct iommu_dma_scattered, sgt);
}

struct sg_table *iommu_dma_alloc_noncontiguous(struct device *dev, size_t size,
					       enum dma_data_direction dir,
					       gfp_t gfp, unsigned long attrs)
{
	int prot = iommu_dma_prot(dir, dev_is_dma_coherent(dev), attrs);
	unsigned long orders = iommu_dma_chunk_orders(dev);
	struct iommu_dma_scattered *buf;
	struct scatterlist *s;
	dma_addr_t iova;
	int i;

	size = PAGE_ALIGN(size);
	if (!size || !prot || !orders)
		return NULL;
	if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES)
		orders = 1;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->count = size >> PAGE_SHIFT;
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	buf->pages = iommu_dma_alloc_page_array(dev, buf->count, orders, gfp);
	if (!buf->pages)
		goto free_buf;
	if (sg_alloc_table_from_pages(&buf->sgt, buf->pages, buf->count, 0,
				      size, GFP_KERNEL))
		goto free_pages;
	iova = iommu_dma_map_table(dev, &buf->sgt, size, prot,
				   dev->coherent_dma_mask);
	if (!iova)
		goto free_table;

	/* One DMA segment, in the first entry. */
	for_each_sgtable_sg(&buf->sgt, s, i) {
		sg_dma_address(s) = i ? DMA_MAPPING_ERROR : iova;
		sg_dma_len(s) = i ? 0 : size;
	}
	buf->sgt.nents = 1;
	return &buf->sgt;

free_table:
	sg_free_table(&buf->sgt);
free_pages:
	iommu_dma_free_page_array(buf->pages, buf->count);
free_buf:
	kfree(buf);
	return NULL;
}

void iommu_dma_free_noncontiguous(struct device *dev, size_t size,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	struct iommu_dma_scattered *buf = to_scattered(sgt);

	iommu_dma_unmap_iova(dev, sg_dma_address(sgt->sgl), PAGE_ALIGN(size),
			     PAGE_ALIGN(size));
	sg_free_table(&buf->sgt);
	iommu_dma_free_page_array(buf->pages, buf->count);
	kfree(buf);
}

void *iommu_dma_vmap_noncontiguous(struct device *dev, size_t size,
				   struct sg_table *sgt)
{
	struct iommu_dma_scattered *buf = to_scattered(sgt);

	if (PAGE_ALIGN(size) >> PAGE_SHIFT > buf->count)
		return NULL;
	return vmap(buf->pages, PAGE_ALIGN(size) >> PAGE_SHIFT, VM_MAP,
		    PAGE_KERNEL);
}

int iommu_dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma,
				 size_t size, struct sg_table *sgt)
{
	struct iommu_dma_scattered *buf = to_scattered(sgt);
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (count > buf->count || vma->vm_pgoff >= count ||
	    vma_pages(vma) > count - vma->vm_pgoff)
		return -ENXIO;
	return vm_map_pages(vma, buf->pages, count);
}
