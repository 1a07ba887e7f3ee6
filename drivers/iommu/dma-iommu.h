/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the IOMMU core asks of the DMA layer: a cookie on every DMA domain,
 * the per-device set-up that turns the DMA API over to the IOMMU, the flush
 * queue of DMA-FQ domains, and the reserved regions firmware describes.
 * Everything else of the DMA layer stays behind include/linux/iommu-dma.h.
 */
#ifndef __DMA_IOMMU_H
#define __DMA_IOMMU_H

#include <linux/iommu.h>

/* iommu.forcedac=: PCI devices skip the first try below 4 GiB. */
extern bool iommu_dma_forcedac;

#if IS_ENABLED(CONFIG_IOMMU_DMA)
/*
 * A domain's life: its cookie; before it becomes a device's default domain,
 * under the group's mutex, the preparation that may fail; a flush queue if
 * it becomes DMA-FQ; after the default domain was chosen or changed, the
 * device's DMA ops, which cannot fail; and for IOMMU drivers'
 * get_resv_regions(), the regions firmware reserves.
 */
int iommu_get_dma_cookie(struct iommu_domain *domain);
int iommu_dma_prepare_domain(struct iommu_domain *domain, struct device *dev);
int iommu_dma_init_fq(struct iommu_domain *domain);
void iommu_put_dma_cookie(struct iommu_domain *domain);
void iommu_setup_dma_ops(struct device *dev);
void iommu_dma_get_resv_regions(struct device *dev, struct list_head *list);
#else
/* Without the DMA layer no domain is a DMA domain: nothing to set up. */
static inline int iommu_get_dma_cookie(struct iommu_domain *domain) { return -ENODEV; }
static inline int iommu_dma_prepare_domain(struct iommu_domain *domain,
					   struct device *dev) { return -ENODEV; }
static inline int iommu_dma_init_fq(struct iommu_domain *domain) { return -EINVAL; }
static inline void iommu_put_dma_cookie(struct iommu_domain *domain) { }
static inline void iommu_setup_dma_ops(struct device *dev) { }
static inline void iommu_dma_get_resv_regions(struct device *dev,
					      struct list_head *list) { }
#endif

#endif /* __DMA_IOMMU_H */
