/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMSAv8-64 translation table encodings shared by io-pgtable-arm.c, its
 * KUnit suite and the SMMUv3 driver (which builds CPU-table compatible
 * context descriptors for SVA).  The values are the architecture's.
 */
#ifndef __IO_PGTABLE_ARM_H
#define __IO_PGTABLE_ARM_H

#include <linux/bits.h>
#include <linux/types.h>

/* TCR.TG0: the translation granule */
enum {
	ARM_LPAE_TCR_TG0_4K = 0,
	ARM_LPAE_TCR_TG0_64K = 1,
	ARM_LPAE_TCR_TG0_16K = 2,
};

/* TCR.SH0: shareability of table walks */
enum {
	ARM_LPAE_TCR_SH_NS = 0,
	ARM_LPAE_TCR_SH_OS = 2,
	ARM_LPAE_TCR_SH_IS = 3,
};

/* TCR.IRGN0 and ORGN0: cacheability of table walks */
enum {
	ARM_LPAE_TCR_RGN_NC = 0,
	ARM_LPAE_TCR_RGN_WBWA = 1,
	ARM_LPAE_TCR_RGN_WT = 2,
	ARM_LPAE_TCR_RGN_WB = 3,
};

/*
 * Descriptor bits.  Bits 1:0 say what a descriptor is; a "page" at the last
 * level has the encoding of a table elsewhere.
 */
#define LPAE_DESC_TYPE		GENMASK_ULL(1, 0)
#define LPAE_DESC_BLOCK		0x1ULL
#define LPAE_DESC_TABLE		0x3ULL
#define LPAE_DESC_PAGE		0x3ULL
#define LPAE_PTE_ATTRINDX	GENMASK_ULL(4, 2)
#define LPAE_PTE_NS		BIT_ULL(5)
#define LPAE_PTE_AP_UNPRIV	BIT_ULL(6)	/* AP[1]: EL0 may access */
#define LPAE_PTE_AP_RDONLY	BIT_ULL(7)	/* AP[2] */
#define LPAE_PTE_SH		GENMASK_ULL(9, 8)
#define LPAE_PTE_AF		BIT_ULL(10)
#define LPAE_PTE_NG		BIT_ULL(11)
#define LPAE_PTE_DBM		BIT_ULL(51)
#define LPAE_PTE_PXN		BIT_ULL(53)
#define LPAE_PTE_UXN		BIT_ULL(54)
/* Bits 58:55 are ignored by the walker; two of them are ours. */
#define LPAE_PTE_SW_SYNCED	BIT_ULL(55)
/* In a table descriptor: mapped into since reclaim last looked at it */
#define LPAE_TABLE_SW_USED	BIT_ULL(56)
#define LPAE_TABLE_NS		BIT_ULL(63)
/* Output address of a descriptor, for up to 48 bits */
#define LPAE_DESC_ADDR_48	GENMASK_ULL(47, 12)

/* The memory types we put in MAIR, by attribute index */
enum lpae_mair_index {
	LPAE_MAIR_IDX_WBRWA = 0,	/* normal, write-back, allocating */
	LPAE_MAIR_IDX_NC = 1,		/* normal, non-cacheable */
	LPAE_MAIR_IDX_DEV = 2,		/* device-nGnRE */
};

#define LPAE_MAIR_ATTR_WBRWA	0xffULL
#define LPAE_MAIR_ATTR_NC	0x44ULL
#define LPAE_MAIR_ATTR_DEV	0x04ULL

#if IS_ENABLED(CONFIG_KUNIT)
struct io_pgtable_ops;

/* Table pages held by @ops, root included. */
unsigned long io_pgtable_arm_nr_tables(struct io_pgtable_ops *ops);
/*
 * One pass of reclaim, which frees the tables that are empty; with @all
 * false only those nobody has mapped into since the previous pass, as the
 * deferred reclaim does.
 */
unsigned int io_pgtable_arm_reclaim(struct io_pgtable_ops *ops, bool all);
/* The descriptor that translates @iova and its level, or 0 if none. */
u64 io_pgtable_arm_leaf(struct io_pgtable_ops *ops, unsigned long iova,
			int *level);
#endif

#endif /* __IO_PGTABLE_ARM_H */
