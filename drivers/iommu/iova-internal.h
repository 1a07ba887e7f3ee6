/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tunables of the IOVA allocator's range caches, shared with its KUnit
 * suite.
 */
#ifndef _IOMMU_IOVA_INTERNAL_H
#define _IOMMU_IOVA_INTERNAL_H

#include <linux/jiffies.h>

struct iova_domain;

/* Sizes of 2^0 .. 2^(IOVA_CACHE_ORDERS - 1) page frames are cached. */
#define IOVA_CACHE_ORDERS	9
#define IOVA_CACHE_MAX_PAGES	(1UL << (IOVA_CACHE_ORDERS - 1))

/* Ranges per magazine: a magazine fills one 1 KiB slab object. */
#define IOVA_MAG_PFNS	((1024 - 2 * sizeof(unsigned long)) / sizeof(unsigned long))

/*
 * The depot only moves magazines between CPUs, for instance from the CPU
 * that completes I/O to the one that submits it; a few per CPU cover that.
 * The bound keeps a burst of frees from pinning address space forever.
 */
#define IOVA_DEPOT_MAX		32

/* How often an idle depot is trimmed */
#define IOVA_DEPOT_TRIM_PERIOD	HZ

#if IS_ENABLED(CONFIG_KUNIT)
void iova_depot_trim(struct iova_domain *iovad);
unsigned int iova_depot_count(struct iova_domain *iovad, unsigned int order);
#endif

#endif /* _IOMMU_IOVA_INTERNAL_H */
