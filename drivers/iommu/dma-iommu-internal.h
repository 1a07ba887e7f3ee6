/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between the files of the DMA layer (dma-iommu*.c), not beyond.
 *
 * A DMA domain carries a struct iommu_dma_cookie.  Its IOVA domain hands out
 * the I/O virtual addresses the DMA API returns; its flush queue, present
 * while the domain is of type DMA-FQ, holds freed ranges until an IOTLB
 * flush has covered them.  A domain that user space owns (VFIO) may instead
 * carry an MSI cookie: a bump allocator in a window the owner chose, used
 * only to map MSI doorbells.
 */
#ifndef __DMA_IOMMU_INTERNAL_H
#define __DMA_IOMMU_INTERNAL_H

#include <linux/dma-direction.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct iommu_dma_fq;

enum iommu_dma_cookie_kind {
	IOMMU_DMA_COOKIE_IOVA,
	IOMMU_DMA_COOKIE_MSI,
};

/**
 * struct iommu_dma_cookie - the DMA layer's state of one domain
 * @kind: IOVA (DMA API domains) or MSI (domains user space owns)
 * @lock: publishes @ready; serialises flush queue creation and the MSI
 *	doorbell list
 * @iovad: the IOVA space of an IOVA cookie, set up for the first device
 *	under its group's mutex
 * @ready: @iovad is set up
 * @sac_exhausted: the space below 4 GiB ran out once; PCI devices no longer
 *	try it first
 * @msi_next: next free address of an MSI cookie's window
 * @msi_pages: doorbells mapped in this domain (struct iommu_dma_msi_page)
 * @fq: the flush queue, or NULL while unmaps flush the IOTLB at once
 * @domain: the domain this cookie belongs to
 * @all: link in the list of IOVA cookies that debugfs shows
 * @first_dev: name of the device @iovad was set up for, for debugfs
 */
struct iommu_dma_cookie {
	enum iommu_dma_cookie_kind	kind;
	struct mutex			lock;	/* see above */
	union {
		struct iova_domain	iovad;
		dma_addr_t		msi_next;
	};
	bool				ready;
	bool				sac_exhausted;
	struct list_head		msi_pages;
	struct iommu_dma_fq		*fq;
	struct iommu_domain		*domain;
	struct list_head		all;
	char				first_dev[32];
};

/* dma-iommu.c: what the other files build on */
int iommu_dma_prot(enum dma_data_direction dir, bool coherent,
		   unsigned long attrs);
dma_addr_t iommu_dma_alloc_iova(struct device *dev, struct iommu_domain *domain,
				size_t size, u64 dma_limit);
void iommu_dma_free_iova(struct iommu_dma_cookie *cookie, dma_addr_t iova,
			 size_t size);
void iommu_dma_unmap_iova(struct device *dev, dma_addr_t iova, size_t size,
			  size_t mapped);
size_t iommu_dma_sweep(struct iommu_domain *domain, unsigned long granule,
		       dma_addr_t iova, size_t size,
		       struct iommu_iotlb_gather *gather);
dma_addr_t iommu_dma_map_phys(struct device *dev, phys_addr_t phys,
			      size_t size, int prot, u64 dma_limit);

/*
 * dma-iommu.c: laying a scatterlist out in IOVA space.
 *
 * iommu_dma_sg_plan() decides where each segment of @sgl goes, relative to
 * the start of one IOVA range, and how the segments merge into the device's
 * DMA segments.  It writes those DMA segments (offsets from 0, not yet
 * addresses) into the DMA fields of the first entries and returns how many
 * there are; *@iova_len is the size of the range to allocate.  After
 * allocating, iommu_dma_sg_place() turns the offsets into addresses and
 * clears the DMA length of the entries that carry no DMA segment.
 */
int iommu_dma_sg_plan(struct device *dev, struct scatterlist *sgl, int nents,
		      unsigned long granule, size_t *iova_len);
void iommu_dma_sg_place(struct scatterlist *sgl, int nents, int count,
			dma_addr_t iova);

/* dma-iommu-fq.c: the flush queue of DMA-FQ domains */
int iommu_dma_fq_create(struct iommu_dma_cookie *cookie);
void iommu_dma_fq_destroy(struct iommu_dma_cookie *cookie);
void iommu_dma_fq_queue(struct iommu_dma_fq *fq, dma_addr_t iova, size_t size,
			struct list_head *freelist);
void iommu_dma_fq_drain(struct iommu_dma_fq *fq);
unsigned long iommu_dma_fq_count(struct iommu_dma_fq *fq);

#endif /* __DMA_IOMMU_INTERNAL_H */
