/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API on top of an IOMMU domain: what kernel/dma/ calls instead of
 * a device's dma_map_ops once the IOMMU core has put the device's DMA into
 * its default domain (drivers/iommu/dma-iommu*.c implement it).
 *
 * The declarations are there whether or not CONFIG_IOMMU_DMA is: callers
 * test use_dma_iommu() first, which is constant false without it, so the
 * compiler drops the calls and nothing is left to link.
 */
#ifndef _LINUX_IOMMU_DMA_H
#define _LINUX_IOMMU_DMA_H

#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

struct page;
struct scatterlist;
struct sg_table;
struct vm_area_struct;

/*
 * dev->dma_iommu is set by the IOMMU core when it hands the device's DMA
 * to this layer; the field only exists with CONFIG_IOMMU_DMA.
 */
static inline bool use_dma_iommu(struct device *dev)
{
#ifdef CONFIG_IOMMU_DMA
	return dev->dma_iommu;
#else
	return false;
#endif
}

/* Streaming mappings */
dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma_handle,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs);
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs);
dma_addr_t iommu_dma_map_resource(struct device *dev, phys_addr_t phys,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs);
void iommu_dma_unmap_resource(struct device *dev, dma_addr_t handle,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs);

/* Cache maintenance of streaming mappings for non-coherent devices */
void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t dma_handle,
				   size_t size, enum dma_data_direction dir);
void iommu_dma_sync_single_for_device(struct device *dev,
				      dma_addr_t dma_handle, size_t size,
				      enum dma_data_direction dir);
void iommu_dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
			       int nelems, enum dma_data_direction dir);
void iommu_dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				  int nelems, enum dma_data_direction dir);

/* Coherent buffers */
void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		      gfp_t gfp, unsigned long attrs);
void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr,
		    dma_addr_t handle, unsigned long attrs);
/* ... mapped into user space, or described as a scatterlist */
int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma_addr, size_t size,
		   unsigned long attrs);
int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma_addr,
			  size_t size, unsigned long attrs);

/* Buffers contiguous in IOVA space only */
struct sg_table *iommu_dma_alloc_noncontiguous(struct device *dev,
					       size_t size,
					       enum dma_data_direction dir,
					       gfp_t gfp, unsigned long attrs);
void iommu_dma_free_noncontiguous(struct device *dev, size_t size,
				  struct sg_table *sgt,
				  enum dma_data_direction dir);
void *iommu_dma_vmap_noncontiguous(struct device *dev, size_t size,
				   struct sg_table *sgt);
int iommu_dma_mmap_noncontiguous(struct device *dev,
				 struct vm_area_struct *vma, size_t size,
				 struct sg_table *sgt);

/* The vmap above is a plain vmap() of the pages: undone by vunmap(). */
static inline void iommu_dma_vunmap_noncontiguous(struct device *dev,
						  void *vaddr)
{
	vunmap(vaddr);
}

/* Limits the block layer and drivers size their requests by */
unsigned long iommu_dma_get_merge_boundary(struct device *dev);
size_t iommu_dma_opt_mapping_size(void);
size_t iommu_dma_max_mapping_size(struct device *dev);

#endif /* _LINUX_IOMMU_DMA_H */
