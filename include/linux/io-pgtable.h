/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O page tables: a CPU-side library that builds the translation tables an
 * IOMMU walks.
 *
 * An IOMMU driver describes its hardware in a struct io_pgtable_cfg (page
 * sizes, address widths, coherency of the table walker, TLB callbacks) and
 * asks alloc_io_pgtable_ops() for a table of one format.  The library fills
 * in the format's register values (TTBR, TCR, MAIR for ARM LPAE) for the
 * driver to program, and returns the ops the driver forwards its iommu_ops
 * map/unmap/iova_to_phys calls to.
 *
 * Invalidation stays with the driver.  The library calls back through
 * struct iommu_flush_ops: leaf invalidations of an unmap are only added to
 * the caller's iotlb gather, so that the driver syncs once per unmap; the
 * synchronous callbacks are used where the tables themselves change shape.
 */
#ifndef __IO_PGTABLE_H
#define __IO_PGTABLE_H

#include <linux/bitops.h>
#include <linux/iommu.h>

/**
 * enum io_pgtable_fmt - page table formats known to the library
 * @ARM_32_LPAE_S1: ARM LPAE, AArch32 stage 1
 * @ARM_32_LPAE_S2: ARM LPAE, AArch32 stage 2
 * @ARM_64_LPAE_S1: ARM VMSAv8-64, stage 1 (what SMMUv3 context descriptors use)
 * @ARM_64_LPAE_S2: ARM VMSAv8-64, stage 2
 * @ARM_V7S: ARM short descriptor format
 * @ARM_MALI_LPAE: Mali GPU variant of LPAE
 * @AMD_IOMMU_V1: AMD IOMMU host table
 * @AMD_IOMMU_V2: AMD IOMMU guest table
 * @APPLE_DART: Apple DART
 * @APPLE_DART2: Apple DART, t6000 and later
 * @IO_PGTABLE_NUM_FMTS: number of formats
 *
 * Only ARM_64_LPAE_S1 is built (CONFIG_IOMMU_IO_PGTABLE_LPAE); the others
 * keep the numbers that drivers outside drivers/iommu ask for, and
 * alloc_io_pgtable_ops() refuses them.  See
 * Documentation/core-api/io-pgtable.rst.
 */
enum io_pgtable_fmt {
	ARM_64_LPAE_S1, ARM_64_LPAE_S2,
	ARM_32_LPAE_S1, ARM_32_LPAE_S2,
	ARM_MALI_LPAE, ARM_V7S,
	APPLE_DART, APPLE_DART2,
	AMD_IOMMU_V1, AMD_IOMMU_V2,
	IO_PGTABLE_NUM_FMTS
};

/**
 * struct iommu_flush_ops - how the library asks the driver to invalidate
 * @tlb_add_page: record that the leaf of @leaf_size bytes at @iova went away.
 *	The driver may invalidate at once or note the range in @gather and
 *	invalidate when the caller syncs the gather; it must not wait here.
 * @tlb_add_pages: optional; record that @count contiguous leaves of
 *	@leaf_size bytes from @iova went away, as @count calls of
 *	@tlb_add_page would.  A large unmap clears hundreds of leaves in one
 *	table, and one call for all of them saves a call for each.
 * @tlb_flush_walk: invalidate cached table walks (and leaves) for
 *	[@iova, @iova + @size), whose leaves are @leaf_size bytes, and wait.
 * @tlb_flush_all: invalidate everything cached for this table, and wait.
 *
 * All four may be called in atomic context.  @leaf_size is the size of
 * one leaf (a page or a block), not necessarily the table's granule.
 */
struct iommu_flush_ops {
	void (*tlb_add_page)(struct iommu_iotlb_gather *gather,
			     unsigned long iova, size_t leaf_size, void *cookie);
	void (*tlb_add_pages)(struct iommu_iotlb_gather *gather,
			      unsigned long iova, size_t leaf_size,
			      size_t count, void *cookie);
	void (*tlb_flush_walk)(unsigned long iova, size_t size,
			       size_t leaf_size, void *cookie);
	void (*tlb_flush_all)(void *cookie);
};

/*
 * Quirks a driver may set in io_pgtable_cfg.quirks.  A format refuses a
 * table whose quirks it does not implement.
 */
enum io_pgtable_quirk {
	/* Set NS and NSTable, for walkers that check them in the non-secure world. */
	IO_PGTABLE_QUIRK_ARM_NS = BIT(0),
	/* The hardware has no permission bits: map everything read-write. */
	IO_PGTABLE_QUIRK_NO_PERMS = BIT(1),
	/* MediaTek's 35-bit output and table-base extensions of the v7s format. */
	IO_PGTABLE_QUIRK_ARM_MTK_EXT = BIT(3),
	IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT = BIT(4),
	/* The table translates the upper half of the address space. */
	IO_PGTABLE_QUIRK_ARM_TTBR1 = BIT(5),
	/* Walks are outer write-back cacheable even when not coherent. */
	IO_PGTABLE_QUIRK_ARM_OUTER_WBWA = BIT(6),
	/* Stage-1 hardware dirty-state update (DBM), for read_and_clear_dirty. */
	IO_PGTABLE_QUIRK_ARM_HD = BIT(7),
};

/**
 * struct io_pgtable_cfg - what the driver asks for, and what it gets
 * @quirks: IO_PGTABLE_QUIRK_* bits.
 * @pgsize_bitmap: in: page and block sizes the IOMMU supports; out: the
 *	sizes this table will use (one granule and its block sizes).
 * @ias: input (IOVA) address width in bits.
 * @oas: output (physical) address width in bits.
 * @coherent_walk: the walker snoops CPU caches; if false, the library
 *	cleans every table update to the point of coherency.
 * @tlb: invalidation callbacks, given @cookie of alloc_io_pgtable_ops().
 * @iommu_dev: the device that walks the tables, for DMA syncs.
 * @alloc: optional allocator for table memory, for formats that advertise
 *	IO_PGTABLE_CAP_CUSTOM_ALLOCATOR (none built here does, so a table
 *	with @alloc set is refused); returns zeroed memory of @size bytes.
 * @free: releases what @alloc returned; set exactly when @alloc is.
 * @arm_lpae_s1_cfg: ARM_64_LPAE_S1 output: TTBR, TCR fields and MAIR.
 * @arm_mali_lpae_cfg: ARM_MALI_LPAE output registers.
 *
 * alloc_io_pgtable_ops() keeps a copy; the driver reads the format's
 * output fields from its own @cfg after the call.
 */
struct io_pgtable_cfg {
	struct device *iommu_dev;
	const struct iommu_flush_ops *tlb;
	unsigned long pgsize_bitmap, quirks;
	unsigned int ias, oas;
	bool coherent_walk;

	union {
		struct {
			u64	ttbr, mair;
			/* TCR fields, in the register's encoding */
			struct {
				u8	tsz;
				u8	tg;
				u8	irgn;
				u8	orgn;
				u8	sh;
				u8	ips;
			}	tcr;
		} arm_lpae_s1_cfg;

		/* panfrost asks for this format, which is refused */
		struct { u64 transtab, memattr; } arm_mali_lpae_cfg;
	};

	void *(*alloc)(void *cookie, size_t size, gfp_t gfp);
	void (*free)(void *cookie, void *pages, size_t size);
};

/**
 * struct io_pgtable_ops - what the driver calls on a table
 * @map_pages: map @pgcount pages of @pgsize bytes from @iova to @paddr with
 *	IOMMU_* @prot; adds the bytes mapped to *@mapped.  Fails with -EEXIST
 *	if any of it is mapped already.
 * @unmap_pages: unmap @pgcount pages of @pgsize bytes from @iova, adding
 *	the leaves to @gather; returns the bytes unmapped.  A block mapping is
 *	never split: unmap stops at the first hole or at a block that reaches
 *	outside the range, and returns what it unmapped up to there (so 0
 *	for a range that starts unmapped or inside a larger block).
 * @iova_to_phys: the physical address @iova translates to, or 0.
 * @read_and_clear_dirty: record the dirty pages of [@iova, @iova + @size)
 *	in @dirty and, unless @flags has IOMMU_DIRTY_NO_CLEAR, mark them clean.
 *
 * The first three are what iommu_domain_ops' callbacks of the same names
 * forward to.  The details of each format are in its source file.
 */
struct io_pgtable_ops {
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount, int prot,
			 gfp_t gfp, size_t *mapped);
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather);
	int (*read_and_clear_dirty)(struct io_pgtable_ops *ops, unsigned long iova,
				    size_t size, unsigned long flags,
				    struct iommu_dirty_bitmap *dirty);
};

struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg, void *cookie);
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

/* What formats implement; drivers only use the functions above. */

/**
 * struct io_pgtable - one table of one format
 * @ops: the operations handed to the driver
 * @cfg: the configuration the format settled on
 * @cookie: the driver's token for the struct iommu_flush_ops callbacks
 * @fmt: its format
 */
struct io_pgtable {
	struct io_pgtable_ops	ops;
	struct io_pgtable_cfg	cfg;
	void			*cookie;
	enum io_pgtable_fmt	fmt;
};

#define io_pgtable_ops_to_pgtable(x) container_of((x), struct io_pgtable, ops)

static inline void io_pgtable_tlb_flush_all(struct io_pgtable *iop)
{
	const struct iommu_flush_ops *tlb = iop->cfg.tlb;

	if (tlb && tlb->tlb_flush_all)
		tlb->tlb_flush_all(iop->cookie);
}

static inline void io_pgtable_tlb_flush_walk(struct io_pgtable *iop,
					     unsigned long iova, size_t size,
					     size_t leaf_size)
{
	const struct iommu_flush_ops *tlb = iop->cfg.tlb;

	if (tlb && tlb->tlb_flush_walk)
		tlb->tlb_flush_walk(iova, size, leaf_size, iop->cookie);
}

static inline void io_pgtable_tlb_add_page(struct io_pgtable *iop,
					   struct iommu_iotlb_gather *gather,
					   unsigned long iova, size_t leaf_size)
{
	const struct iommu_flush_ops *tlb = iop->cfg.tlb;

	if (tlb && tlb->tlb_add_page)
		tlb->tlb_add_page(gather, iova, leaf_size, iop->cookie);
}

/* @count leaves of @leaf_size bytes from @iova, in one call if the driver can */
static inline void io_pgtable_tlb_add_pages(struct io_pgtable *iop,
					    struct iommu_iotlb_gather *gather,
					    unsigned long iova, size_t leaf_size,
					    size_t count)
{
	const struct iommu_flush_ops *tlb = iop->cfg.tlb;

	if (tlb && tlb->tlb_add_pages) {
		tlb->tlb_add_pages(gather, iova, leaf_size, count, iop->cookie);
		return;
	}
	for (; count; count--, iova += leaf_size)
		io_pgtable_tlb_add_page(iop, gather, iova, leaf_size);
}

/**
 * enum io_pgtable_caps - what a format supports beyond the basics
 * @IO_PGTABLE_CAP_CUSTOM_ALLOCATOR: honours io_pgtable_cfg.alloc and .free
 */
enum io_pgtable_caps {
	IO_PGTABLE_CAP_CUSTOM_ALLOCATOR = BIT(0),
};

/**
 * struct io_pgtable_init_fns - a format's constructor and destructor
 * @caps: IO_PGTABLE_CAP_* bits
 * @alloc: build an empty table for @cfg; NULL if @cfg cannot be met
 * @free: free every table page; the table is no longer live
 */
struct io_pgtable_init_fns {
	u32 caps;
	struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
	void (*free)(struct io_pgtable *iop);
};

/* The one format built: io-pgtable-arm.c, stage 1 */
extern struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns;

#endif /* __IO_PGTABLE_H */
