// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O page-table formats, looked up by enum io_pgtable_fmt.
 *
 * This file only dispatches: each format's source file builds and frees its
 * tables, and this one checks what a driver asks for against what the
 * format can do, keeps the driver's cookie and configuration next to the
 * format's private data, and flushes the TLB once a table is given up.
 */

#define pr_fmt(fmt) "io-pgtable: " fmt

#include <linux/bug.h>
#include <linux/io-pgtable.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/types.h>

static const struct io_pgtable_init_fns *
io_pgtable_format(enum io_pgtable_fmt fmt)
{
	if (IS_ENABLED(CONFIG_IOMMU_IO_PGTABLE_LPAE) && fmt == ARM_64_LPAE_S1)
		return &io_pgtable_arm_64_lpae_s1_init_fns;
	return NULL;
}

/* A custom allocator comes with its release, to a format that calls them. */
static bool io_pgtable_allocator_ok(const struct io_pgtable_init_fns *fns,
				    const struct io_pgtable_cfg *cfg)
{
	if (!cfg->alloc && !cfg->free)
		return true;
	return cfg->alloc && cfg->free &&
	       (fns->caps & IO_PGTABLE_CAP_CUSTOM_ALLOCATOR);
}

/**
 * alloc_io_pgtable_ops() - build an empty I/O page table
 * @fmt: the table format
 * @cfg: what the IOMMU supports; on success the format writes back what it
 *	chose (page sizes, address widths) and its register values
 * @cookie: passed back to the callbacks in @cfg->tlb
 *
 * Return: the table's operations, or NULL if the format is not built in or
 * cannot meet @cfg, or memory ran out.
 */
struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg, void *cookie)
{
	const struct io_pgtable_init_fns *fns = io_pgtable_format(fmt);
	struct io_pgtable *iop = NULL;

	if (!fns)
		pr_warn_ratelimited("format %d is not built in\n", fmt);
	else if (!io_pgtable_allocator_ok(fns, cfg))
		pr_warn_ratelimited("format %d: unsupported table allocator\n",
				    fmt);
	else
		iop = fns->alloc(cfg, cookie);
	if (!iop)
		return NULL;

	/* The format wrote its choices into @cfg: keep them with the table. */
	iop->cfg = *cfg;
	iop->cookie = cookie;
	iop->fmt = fmt;
	return &iop->ops;
}
EXPORT_SYMBOL_GPL(alloc_io_pgtable_ops);

/**
 * free_io_pgtable_ops() - free an I/O page table
 * @ops: what alloc_io_pgtable_ops() returned, or NULL
 *
 * No device may be using the table any more, but the IOMMU's TLB may still
 * hold its translations: they are flushed here, before the table's memory
 * (and, for the driver, its ASID or VMID) can be reused.
 */
void free_io_pgtable_ops(struct io_pgtable_ops *ops)
{
	struct io_pgtable *iop = ops ? io_pgtable_ops_to_pgtable(ops) : NULL;

	if (iop) {
		io_pgtable_tlb_flush_all(iop);
		io_pgtable_format(iop->fmt)->free(iop);
	}
}
EXPORT_SYMBOL_GPL(free_io_pgtable_ops);
