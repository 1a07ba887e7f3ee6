/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOVA allocator: ranges of I/O virtual page frames for DMA mappings.
 *
 * An iova_domain hands out ranges of page frames (in units of the domain's
 * granule) between start_pfn and a per-call limit, top-down.  Live and
 * reserved ranges sit in an augmented rbtree; every node also summarises its
 * subtree (the longest free run and the largest naturally aligned free block
 * between the subtree's ranges), so that finding space takes O(log n) in the
 * number of ranges however fragmented the space is.
 *
 * alloc_iova_fast() and free_iova_fast() add per-CPU magazines of recently
 * freed small ranges in front of the tree, backed by a bounded shared depot
 * that gives unused magazines back over time.
 *
 * See Documentation/core-api/iova.rst.
 */
#ifndef _LINUX_IOVA_H
#define _LINUX_IOVA_H

#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct iova - a range of page frames held by an iova_domain
 * @node: link in the domain's rbtree, ordered by @pfn_lo
 * @pfn_hi: last page frame of the range
 * @pfn_lo: first page frame of the range
 * @subtree_lo: lowest page frame held in this node's subtree
 * @subtree_hi: highest page frame held in this node's subtree
 * @subtree_gap: longest free run between ranges of this node's subtree
 * @subtree_order: log2 of the largest naturally aligned free block between
 *	ranges of this node's subtree, or -1 if there is no free page there
 * @reserved: made by reserve_iova() rather than allocated
 *
 * Only @pfn_lo and @pfn_hi are for callers; the rest belongs to the
 * allocator.
 */
struct iova {
	struct rb_node	node;
	unsigned long	pfn_hi;
	unsigned long	pfn_lo;
	unsigned long	subtree_lo;
	unsigned long	subtree_hi;
	unsigned long	subtree_gap;
	s8		subtree_order;
	bool		reserved;
};

struct iova_caches;

/**
 * struct iova_usage - what a domain's ranges are, for debugging
 * @ranges: ranges in the tree
 * @reserved: those of them that reserve_iova() made
 * @cached: those of them in the range caches, free for the next allocation
 */
struct iova_usage {
	unsigned long	ranges;
	unsigned long	reserved;
	unsigned long	cached;
};

/**
 * struct iova_domain - an I/O virtual address space
 * @lock: protects @rbroot and every node in it
 * @rbroot: live and reserved ranges
 * @granule: size of one page frame in bytes, a power of two
 * @start_pfn: lowest page frame that may be allocated
 * @caches: per-CPU magazines and depot, once iova_domain_init_rcaches() ran
 * @cpuhp_dead: entry in the CPU hotplug instance list, with @caches
 */
struct iova_domain {
	spinlock_t		lock;		/* protects rbroot */
	struct rb_root		rbroot;
	unsigned long		granule;
	unsigned long		start_pfn;
	struct iova_caches	*caches;
	struct hlist_node	cpuhp_dead;
};

/*
 * Page-frame arithmetic.  A domain's granule is a power of two; a page frame
 * number (pfn) is an I/O virtual address divided by it.
 */

static inline unsigned long iova_shift(struct iova_domain *iovad)
{
	return __ffs(iovad->granule);
}

/* Bytes @size rounded up, or down, to whole page frames */
static inline size_t iova_align(struct iova_domain *iovad, size_t size)
{
	return round_up(size, iovad->granule);
}

static inline size_t iova_align_down(struct iova_domain *iovad, size_t size)
{
	return round_down(size, iovad->granule);
}

/* Where inside its page frame the address @iova lies */
static inline size_t iova_offset(struct iova_domain *iovad, dma_addr_t iova)
{
	return iova & (iovad->granule - 1);
}

static inline unsigned long iova_pfn(struct iova_domain *iovad, dma_addr_t iova)
{
	return iova >> iova_shift(iovad);
}

/* Page frames in a range, and the address where it starts */
static inline unsigned long iova_size(struct iova *iova)
{
	return iova->pfn_hi + 1 - iova->pfn_lo;
}

static inline dma_addr_t iova_dma_addr(struct iova_domain *iovad,
				       struct iova *iova)
{
	return (dma_addr_t)iova->pfn_lo << iova_shift(iovad);
}

#if IS_REACHABLE(CONFIG_IOMMU_IOVA)

int iova_cache_get(void);
void iova_cache_put(void);
unsigned long iova_rcache_range(void);

void init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		      unsigned long start_pfn);
int iova_domain_init_rcaches(struct iova_domain *iovad);
void iova_domain_flush_rcaches(struct iova_domain *iovad);
void put_iova_domain(struct iova_domain *iovad);
void iova_domain_usage(struct iova_domain *iovad, struct iova_usage *usage);

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned);
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi);
struct iova *reserve_iova_range(struct iova_domain *iovad, unsigned long pfn_lo,
				unsigned long pfn_hi);
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);
void __free_iova(struct iova_domain *iovad, struct iova *iova);
void free_iova(struct iova_domain *iovad, unsigned long pfn);

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache);
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size);

#else /* !CONFIG_IOMMU_IOVA */

static inline int iova_cache_get(void) { return -EOPNOTSUPP; }
static inline void iova_cache_put(void) { }
static inline unsigned long iova_rcache_range(void) { return 0; }

static inline void init_iova_domain(struct iova_domain *iovad,
				    unsigned long granule,
				    unsigned long start_pfn) { }
static inline int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	return -EOPNOTSUPP;
}

static inline void iova_domain_flush_rcaches(struct iova_domain *iovad) { }
static inline void put_iova_domain(struct iova_domain *iovad) { }
static inline void iova_domain_usage(struct iova_domain *iovad,
				     struct iova_usage *usage) { }

static inline struct iova *alloc_iova(struct iova_domain *iovad,
				      unsigned long size,
				      unsigned long limit_pfn,
				      bool size_aligned)
{
	return NULL;
}

static inline struct iova *reserve_iova(struct iova_domain *iovad,
					unsigned long pfn_lo,
					unsigned long pfn_hi)
{
	return NULL;
}

static inline struct iova *reserve_iova_range(struct iova_domain *iovad,
					      unsigned long pfn_lo,
					      unsigned long pfn_hi)
{
	return ERR_PTR(-ENODEV);
}

static inline struct iova *find_iova(struct iova_domain *iovad,
				     unsigned long pfn)
{
	return NULL;
}

static inline void __free_iova(struct iova_domain *iovad, struct iova *iova) { }
static inline void free_iova(struct iova_domain *iovad, unsigned long pfn) { }

static inline unsigned long alloc_iova_fast(struct iova_domain *iovad,
					    unsigned long size,
					    unsigned long limit_pfn,
					    bool flush_rcache)
{
	return 0;
}

static inline void free_iova_fast(struct iova_domain *iovad,
				  unsigned long pfn, unsigned long size) { }

#endif /* CONFIG_IOMMU_IOVA */

#endif /* _LINUX_IOVA_H */
