// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM VMSAv8-64 stage-1 I/O page tables, as SMMUv3 context descriptors
 * use them with AArch64 tables.
 *
 * The tables: one granule (4K, 16K or 64K) of 64-bit descriptors each,
 * resolving granule_shift - 3 bits of the IOVA per level, up to four levels
 * numbered 0 to 3; the root may be narrower and start below level 0 when
 * the input size needs fewer bits.  A descriptor is empty, a leaf (a page at
 * level 3, a block at level 2, and at level 1 with 4K) or a table pointer.
 *
 * Concurrency.  map, unmap and iova_to_phys run on disjoint ranges, as the
 * DMA API calls them, without locks or atomic operations on their fast
 * path: a walk is a few loads under rcu_read_lock(), a new table goes in
 * with one cmpxchg, and leaves are plain stores.  Tables go away in one
 * place only, lpae_reclaim(), a while after an unmap: it raises a flag and
 * waits for an RCU grace period, after which every mapper takes map_lock;
 * under that lock it unlinks the tables that are empty, drops the flag,
 * invalidates the walk cache over their spans, waits for a second grace
 * period (for unmappers and lookups still inside) and frees them.  Freeing
 * late, and not from unmap, keeps unmap free of synchronous invalidations.
 *
 * Only idle tables go.  A mapper sets LPAE_TABLE_SW_USED in the descriptor
 * of the table it writes leaves into, once per reclaim pass, and each pass
 * clears the bit again; a pass takes out only the empty tables whose bit
 * was clear, that is, tables nobody mapped into for a whole period.  A
 * table that empties and refills with every DMA (the single-page case, or
 * any steady load, where a flush queue holds unmapped ranges back) is then
 * never freed and reallocated, and, since a pass that finds nothing to take
 * out skips the grace periods, mappers do not queue on map_lock for the
 * tens of milliseconds a grace period lasts on a busy machine.
 *
 * Blocks are never split: an unmap stops at a block that reaches outside
 * its range, and returns how much it unmapped up to there.
 */

#define pr_fmt(fmt) "io-pgtable-arm: " fmt

#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "io-pgtable-arm.h"
#include "iommu-pages.h"

#define LPAE_LAST_LEVEL		3
#define LPAE_MAX_INPUT_BITS	48
#define LPAE_MIN_ADDR_BITS	32
#define LPAE_MAX_OUTPUT_BITS	48
/* How long a table may stay empty before it is freed */
#define LPAE_RECLAIM_DELAY	HZ

/* The IOMMU_* prot bits that make a difference to a leaf */
#define LPAE_PROT_BITS		(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | \
				 IOMMU_NOEXEC | IOMMU_MMIO | IOMMU_PRIV)
#define LPAE_PROT_VALUES	(LPAE_PROT_BITS + 1)

/* Output sizes TCR.IPS can encode, in its order */
static const u8 lpae_ips_bits[] = { 32, 36, 40, 42, 44, 48 };

struct lpae_pgtable {
	struct io_pgtable	iop;
	u64			*root;
	struct device		*dev;		/* the walker, for DMA syncs */
	bool			coherent;
	unsigned int		granule_shift;	/* log2 of the granule */
	unsigned int		start_level;	/* level of the root table */
	unsigned int		root_bits;	/* IOVA bits the root resolves */
	unsigned int		root_shift;	/* lpae_shift() of the root */
	unsigned int		ias, oas;
	unsigned long		quirks;
	atomic_long_t		nr_tables;	/* table pages held, root too */

	/* Set while reclaim unlinks tables: mappers then take map_lock */
	bool			reclaiming;
	spinlock_t		map_lock;	/* mappers against reclaim */
	struct mutex		reclaim_lock;	/* one reclaim at a time */
	unsigned long		reclaim_pass;	/* passes so far, under it */
	struct delayed_work	reclaim_work;
	/* Tables a mapper unlinked, waiting for reclaim to flush and free */
	spinlock_t		graveyard_lock;	/* protects graveyard */
	struct list_head	graveyard;
	/*
	 * Leaf attributes by IOMMU_* prot, worked out once: every map needs
	 * them, and they depend on nothing else.  0 for a prot that may not
	 * be mapped.
	 */
	u64			prot_attrs[LPAE_PROT_VALUES];
};

#define to_lpae(ops) \
	container_of(io_pgtable_ops_to_pgtable(ops), struct lpae_pgtable, iop)

/* ------------------------------------------------------------------------
 * Geometry
 * ------------------------------------------------------------------------
 */

static unsigned int lpae_bits(const struct lpae_pgtable *pgt)
{
	return pgt->granule_shift - 3;
}

/* log2 of the bytes one descriptor at @level translates */
static unsigned int lpae_shift(const struct lpae_pgtable *pgt, int level)
{
	return pgt->granule_shift + (LPAE_LAST_LEVEL - level) * lpae_bits(pgt);
}

static size_t lpae_entry_size(const struct lpae_pgtable *pgt, int level)
{
	return 1UL << lpae_shift(pgt, level);
}

/* Descriptors in a table at @level: the root may hold fewer */
static unsigned int lpae_entries(const struct lpae_pgtable *pgt, int level)
{
	return 1U << (level == pgt->start_level ? pgt->root_bits :
						  lpae_bits(pgt));
}

static unsigned int lpae_index(const struct lpae_pgtable *pgt, int level,
			       unsigned long iova)
{
	return (iova >> lpae_shift(pgt, level)) & (lpae_entries(pgt, level) - 1);
}

static size_t lpae_granule(const struct lpae_pgtable *pgt)
{
	return 1UL << pgt->granule_shift;
}

/* Levels a leaf may sit at without 52-bit addressing */
static bool lpae_leaf_level(const struct lpae_pgtable *pgt, int level)
{
	return level >= 2 || (level == 1 && pgt->granule_shift == 12);
}

/*
 * Whether [@iova, @iova + @size) is a non-empty range of the input address
 * space, without wrapping; *@last is its last address.
 */
static bool lpae_input_range(const struct lpae_pgtable *pgt,
			     unsigned long iova, size_t size,
			     unsigned long *last)
{
	return size && !check_add_overflow(iova, size - 1, last) &&
	       !(*last >> pgt->ias);
}

static int lpae_level_of(const struct lpae_pgtable *pgt, size_t size)
{
	int level;

	for (level = LPAE_LAST_LEVEL; level >= (int)pgt->start_level; level--)
		if (lpae_entry_size(pgt, level) == size)
			return lpae_leaf_level(pgt, level) ? level : -1;
	return -1;
}

/* ------------------------------------------------------------------------
 * Descriptors
 * ------------------------------------------------------------------------
 */

static bool lpae_is_table(u64 desc, int level)
{
	return level < LPAE_LAST_LEVEL &&
	       (desc & LPAE_DESC_TYPE) == LPAE_DESC_TABLE;
}

static phys_addr_t lpae_desc_phys(u64 desc)
{
	return desc & LPAE_DESC_ADDR_48;
}

static u64 *lpae_desc_table(u64 desc)
{
	return phys_to_virt(lpae_desc_phys(desc));
}

static u64 lpae_table_desc(const struct lpae_pgtable *pgt, u64 *table)
{
	u64 desc = virt_to_phys(table) | LPAE_DESC_TABLE;

	if (pgt->quirks & IO_PGTABLE_QUIRK_ARM_NS)
		desc |= LPAE_TABLE_NS;
	return desc;
}

static u64 lpae_leaf_desc(phys_addr_t paddr, int level, u64 attrs)
{
	return paddr | attrs |
	       (level == LPAE_LAST_LEVEL ? LPAE_DESC_PAGE : LPAE_DESC_BLOCK);
}

/* Leaf attributes for IOMMU_* @prot */
static int lpae_prot_attrs(const struct lpae_pgtable *pgt, int prot, u64 *attrs)
{
	u64 a = LPAE_PTE_AF | LPAE_PTE_NG;

	if (pgt->quirks & IO_PGTABLE_QUIRK_NO_PERMS)
		prot = IOMMU_READ | IOMMU_WRITE | (prot & (IOMMU_CACHE | IOMMU_MMIO));
	else if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;

	if (prot & IOMMU_MMIO)
		a |= FIELD_PREP(LPAE_PTE_ATTRINDX, LPAE_MAIR_IDX_DEV);
	else if (prot & IOMMU_CACHE)
		a |= FIELD_PREP(LPAE_PTE_ATTRINDX, LPAE_MAIR_IDX_WBRWA) |
		     FIELD_PREP(LPAE_PTE_SH, ARM_LPAE_TCR_SH_IS);
	else
		a |= FIELD_PREP(LPAE_PTE_ATTRINDX, LPAE_MAIR_IDX_NC) |
		     FIELD_PREP(LPAE_PTE_SH, ARM_LPAE_TCR_SH_IS);

	if (!(prot & IOMMU_PRIV))
		a |= LPAE_PTE_AP_UNPRIV;
	/* Hardware dirty tracking: writable-dirty until read_and_clear_dirty */
	if (!(prot & IOMMU_WRITE))
		a |= LPAE_PTE_AP_RDONLY;
	else if (pgt->quirks & IO_PGTABLE_QUIRK_ARM_HD)
		a |= LPAE_PTE_DBM;
	if (prot & IOMMU_NOEXEC)
		a |= LPAE_PTE_UXN | LPAE_PTE_PXN;
	if (pgt->quirks & IO_PGTABLE_QUIRK_ARM_NS)
		a |= LPAE_PTE_NS;

	*attrs = a;
	return 0;
}

/* Make @n descriptors from @ptep visible to a walker that does not snoop. */
static void lpae_sync(const struct lpae_pgtable *pgt, u64 *ptep, unsigned int n)
{
	if (!pgt->coherent)
		dma_sync_single_for_device(pgt->dev, virt_to_phys(ptep),
					   n * sizeof(*ptep), DMA_TO_DEVICE);
}

/*
 * A new table pointer is cleaned by the mapper that installed it, but
 * another mapper may reach the table first and return to its caller before
 * that; so whoever follows a pointer not yet marked clean cleans it too.
 * Returns the descriptor as it is now, for a caller that sets another
 * software bit with cmpxchg.
 */
static u64 lpae_follow(const struct lpae_pgtable *pgt, u64 *ptep, u64 desc)
{
	u64 old;

	if (pgt->coherent || (desc & LPAE_PTE_SW_SYNCED))
		return desc;
	lpae_sync(pgt, ptep, 1);
	old = cmpxchg64(ptep, desc, desc | LPAE_PTE_SW_SYNCED);
	return old == desc ? desc | LPAE_PTE_SW_SYNCED : old;
}

/* ------------------------------------------------------------------------
 * Table memory
 * ------------------------------------------------------------------------
 */

static unsigned int lpae_table_order(const struct lpae_pgtable *pgt)
{
	return pgt->granule_shift > PAGE_SHIFT ? pgt->granule_shift - PAGE_SHIFT : 0;
}

static u64 *lpae_alloc_table(struct lpae_pgtable *pgt, gfp_t gfp)
{
	size_t size = lpae_granule(pgt);
	u64 *table;

	table = iommu_alloc_pages_node(pgt->dev ? dev_to_node(pgt->dev) :
							NUMA_NO_NODE,
				       gfp, lpae_table_order(pgt));
	if (!table)
		return NULL;

	if (!pgt->coherent) {
		dma_addr_t dma = dma_map_single(pgt->dev, table, size,
						DMA_TO_DEVICE);

		if (dma_mapping_error(pgt->dev, dma))
			goto err_free;
		/* The walker reads tables by physical address. */
		if (dma != virt_to_phys(table)) {
			dev_err_ratelimited(pgt->dev,
					    "page tables need untranslated DMA\n");
			dma_unmap_single(pgt->dev, dma, size, DMA_TO_DEVICE);
			goto err_free;
		}
	}
	atomic_long_inc(&pgt->nr_tables);
	return table;

err_free:
	iommu_free_pages(table, lpae_table_order(pgt));
	return NULL;
}

static void lpae_free_table(struct lpae_pgtable *pgt, u64 *table)
{
	if (!pgt->coherent)
		dma_unmap_single(pgt->dev, virt_to_phys(table),
				 lpae_granule(pgt), DMA_TO_DEVICE);
	set_page_private(virt_to_page(table), 0);	/* reclaim's note */
	iommu_free_pages(table, lpae_table_order(pgt));
	atomic_long_dec(&pgt->nr_tables);
}

static void lpae_want_reclaim(struct lpae_pgtable *pgt)
{
	if (!delayed_work_pending(&pgt->reclaim_work))
		queue_delayed_work(system_unbound_wq, &pgt->reclaim_work,
				   LPAE_RECLAIM_DELAY);
}

/*
 * Remember where a dead table sat (its span's start and its level, in the
 * page's index) so that reclaim can invalidate the walks through it.
 */
static void lpae_mark_dead(u64 *table, unsigned long base, int level,
			   struct list_head *list)
{
	struct page *page = virt_to_page(table);

	page->index = base | level;
	list_add_tail(&page->lru, list);
}

/* ------------------------------------------------------------------------
 * Map
 * ------------------------------------------------------------------------
 */

/* Nothing mapped under @table, which sits at @level */
static bool lpae_subtree_empty(const struct lpae_pgtable *pgt, u64 *table,
			       int level)
{
	unsigned int i, entries = lpae_entries(pgt, level);

	for (i = 0; i < entries; i++) {
		u64 desc = READ_ONCE(table[i]);

		if (lpae_is_table(desc, level) &&
		    lpae_subtree_empty(pgt, lpae_desc_table(desc), level + 1))
			continue;
		if (desc)
			return false;
	}
	return true;
}

/* Every table under and including @table, for reclaim to free */
static void lpae_collect(struct lpae_pgtable *pgt, u64 *table, int level,
			 unsigned long base, struct list_head *dead)
{
	size_t size = lpae_entry_size(pgt, level);
	unsigned int i, entries = lpae_entries(pgt, level);

	for (i = 0; i < entries; i++)
		if (lpae_is_table(table[i], level))
			lpae_collect(pgt, lpae_desc_table(table[i]), level + 1,
				     base + i * size, dead);
	lpae_mark_dead(table, base, level, dead);
}

/*
 * A block is to go where @ptep points to a table (@desc) at @level that
 * translates from @base.  If nothing under it is mapped any more, unlink
 * it and hand its tables to reclaim.  Returns true if the slot is free.
 * Rare, and called from the loop over the slots of lpae_map_run(): out of
 * line, it leaves that loop its registers.
 */
static noinline bool lpae_prune(struct lpae_pgtable *pgt, u64 *ptep, u64 desc,
				unsigned long base, int level)
{
	u64 *child = lpae_desc_table(desc);
	unsigned long flags;
	LIST_HEAD(dead);
	u64 old;

	if (!lpae_subtree_empty(pgt, child, level))
		return false;
	/* Reclaim may clear our software bits meanwhile; nothing else. */
	while ((old = cmpxchg64(ptep, desc, 0)) != desc) {
		if ((old ^ desc) & ~(LPAE_TABLE_SW_USED | LPAE_PTE_SW_SYNCED))
			return false;
		desc = old;
	}
	lpae_sync(pgt, ptep, 1);

	lpae_collect(pgt, child, level, base, &dead);
	spin_lock_irqsave(&pgt->graveyard_lock, flags);
	list_splice_tail(&dead, &pgt->graveyard);
	spin_unlock_irqrestore(&pgt->graveyard_lock, flags);
	lpae_want_reclaim(pgt);
	return true;
}

/*
 * Fill @n slots of @level from @iova, all in one table, with leaves of
 * @attrs.  Returns -EAGAIN when a new table is needed and *@spare is empty:
 * the caller allocates one outside the RCU read section and calls again.
 *
 * Inlined into both callers of lpae_map_locked(): the walk is most of a
 * small map, and it runs with the geometry in registers.  Above the last
 * level a valid descriptor is a table or a block, so one test of the type
 * bits tells them apart.
 */
static __always_inline int lpae_map_run(struct lpae_pgtable *pgt,
					unsigned long iova, phys_addr_t paddr,
					int level, unsigned int n, u64 attrs,
					u64 **spare)
{
	unsigned int bits = lpae_bits(pgt), shift = pgt->root_shift;
	unsigned long mask = (1UL << pgt->root_bits) - 1;
	u64 *table = pgt->root, *ptep, *parent = NULL, desc = 0, old;
	bool coherent = pgt->coherent;
	size_t size;
	unsigned int i;
	int lvl;

	for (lvl = pgt->start_level; lvl < level;
	     lvl++, shift -= bits, mask = (1UL << bits) - 1) {
		ptep = table + ((iova >> shift) & mask);
		desc = READ_ONCE(*ptep);
		if (unlikely(!desc)) {
			if (!*spare)
				return -EAGAIN;
			old = cmpxchg64(ptep, 0, lpae_table_desc(pgt, *spare) |
					LPAE_TABLE_SW_USED);
			if (!old) {
				lpae_sync(pgt, ptep, 1);
				table = *spare;
				*spare = NULL;
				parent = NULL;	/* went in marked */
				continue;
			}
			desc = old;	/* another mapper was first */
		}
		if ((desc & LPAE_DESC_TYPE) != LPAE_DESC_TABLE)
			return -EEXIST;		/* a block covers the range */
		if (!coherent)
			desc = lpae_follow(pgt, ptep, desc);
		parent = ptep;
		table = lpae_desc_table(desc);
	}
	/*
	 * The table the leaves go into is used in this period.  Set once a
	 * period, so a cmpxchg costs nothing here; one lost to a racing
	 * change of another software bit is set by the next map.
	 */
	if (parent && !(desc & LPAE_TABLE_SW_USED))
		cmpxchg64(parent, desc, desc | LPAE_TABLE_SW_USED);

	size = 1UL << shift;
	ptep = table + ((iova >> shift) & mask);
	for (i = 0; i < n; i++) {
		desc = READ_ONCE(ptep[i]);
		/* Emptied tables where a block goes are taken out. */
		if (unlikely(desc) &&
		    !(lpae_is_table(desc, level) &&
		      lpae_prune(pgt, &ptep[i], desc, iova + i * size,
				 level + 1)))
			return -EEXIST;
	}

	attrs = lpae_leaf_desc(paddr, level, attrs);
	for (i = 0; i < n; i++, attrs += size)
		WRITE_ONCE(ptep[i], attrs);
	if (!coherent)
		lpae_sync(pgt, ptep, n);
	return 0;
}

/* lpae_map_run() while reclaim unlinks tables: see lpae_map_locked() */
static noinline int lpae_map_run_locked(struct lpae_pgtable *pgt,
					unsigned long iova, phys_addr_t paddr,
					int level, unsigned int n, u64 attrs,
					u64 **spare)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&pgt->map_lock, flags);
	ret = lpae_map_run(pgt, iova, paddr, level, n, attrs, spare);
	spin_unlock_irqrestore(&pgt->map_lock, flags);
	return ret;
}

/*
 * Mappers normally run alone in their range; while reclaim unlinks tables
 * they queue on map_lock instead, so that none writes into a table being
 * taken out.  The flag is read under rcu_read_lock(), and reclaim waits for
 * a grace period after setting it, so no mapper can miss it.
 */
static int lpae_map_locked(struct lpae_pgtable *pgt, unsigned long iova,
			   phys_addr_t paddr, int level, unsigned int n,
			   u64 attrs, u64 **spare)
{
	int ret;

	rcu_read_lock();
	if (likely(!READ_ONCE(pgt->reclaiming)))
		ret = lpae_map_run(pgt, iova, paddr, level, n, attrs, spare);
	else
		ret = lpae_map_run_locked(pgt, iova, paddr, level, n, attrs,
					  spare);
	rcu_read_unlock();
	return ret;
}

static size_t lpae_unmap_level(struct lpae_pgtable *pgt, u64 *table, int level,
			       unsigned long iova, unsigned long last,
			       struct iommu_iotlb_gather *gather, bool *stop);

/*
 * Map [@iova, @iova + @size) as leaves of @level, table by table, with
 * new tables allocated as the walk needs them.  All or nothing: a failure
 * takes back what this call mapped.
 */
static noinline int lpae_map_tables(struct lpae_pgtable *pgt,
				    unsigned long iova, phys_addr_t paddr,
				    int level, size_t size, u64 attrs,
				    gfp_t gfp)
{
	unsigned long per_table = 1UL << lpae_bits(pgt), done = 0;
	unsigned int shift = lpae_shift(pgt, level);
	u64 *spare = NULL;
	int ret = 0;

	while (done < size) {
		unsigned long at = iova + done;
		unsigned int n;

		/* As many slots as the rest of this table holds */
		n = min(per_table - lpae_index(pgt, level, at),
			(size - done) >> shift);
		ret = lpae_map_locked(pgt, at, paddr + done, level, n, attrs,
				      &spare);
		if (ret == -EAGAIN) {
			spare = lpae_alloc_table(pgt, gfp);
			if (spare)
				continue;
			ret = -ENOMEM;
		}
		if (ret)
			break;
		done += (unsigned long)n << shift;
	}
	if (spare)
		lpae_free_table(pgt, spare);

	if (ret && done) {
		bool stop = false;

		/* All or nothing: take back what this call mapped. */
		rcu_read_lock();
		lpae_unmap_level(pgt, pgt->root, pgt->start_level, iova,
				 iova + done - 1, NULL, &stop);
		rcu_read_unlock();
		io_pgtable_tlb_flush_walk(&pgt->iop, iova, done, lpae_granule(pgt));
	}
	return ret;
}

static int lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct lpae_pgtable *pgt = to_lpae(ops);
	u64 *spare = NULL, attrs;
	unsigned long last;
	unsigned int shift;
	phys_addr_t plast;
	size_t size;
	int level, ret;

	/* Nearly every map is of granules. */
	level = likely(pgsize == lpae_granule(pgt)) ? LPAE_LAST_LEVEL :
						      lpae_level_of(pgt, pgsize);
	if (level < 0 || !(pgsize & pgt->iop.cfg.pgsize_bitmap) || !pgcount ||
	    (iova | paddr) & (pgsize - 1))
		return -EINVAL;
	/* pgsize is 1 << shift: shifts, not a multiply and a divide */
	shift = __ffs(pgsize);
	if (pgcount > SIZE_MAX >> shift)
		return -ERANGE;
	size = pgcount << shift;
	if (!lpae_input_range(pgt, iova, size, &last) ||
	    check_add_overflow(paddr, size - 1, &plast) || plast >> pgt->oas)
		return -ERANGE;
	attrs = pgt->prot_attrs[prot & LPAE_PROT_BITS];
	if (!attrs)
		return -EINVAL;

	/*
	 * The usual DMA map: one run in one table that is already there,
	 * with no reclaim under way.  Without a spare table lpae_map_run()
	 * installs no table, and it writes no leaf unless it writes them
	 * all, so a failure leaves nothing to take back; a missing table or
	 * a reclaim sends the map down the general path, from the start.
	 */
	ret = -EAGAIN;
	if (likely(iova >> (shift + lpae_bits(pgt)) ==
		   last >> (shift + lpae_bits(pgt)))) {
		rcu_read_lock();
		/* Pages get a copy of the walk with their level built in. */
		if (unlikely(READ_ONCE(pgt->reclaiming)))
			;
		else if (likely(level == LPAE_LAST_LEVEL))
			ret = lpae_map_run(pgt, iova, paddr, LPAE_LAST_LEVEL,
					   pgcount, attrs, &spare);
		else
			ret = lpae_map_run(pgt, iova, paddr, level, pgcount,
					   attrs, &spare);
		rcu_read_unlock();
	}
	if (unlikely(ret == -EAGAIN))
		ret = lpae_map_tables(pgt, iova, paddr, level, size, attrs,
				      gfp);
	if (!ret)
		*mapped += size;
	return ret;
}

/* ------------------------------------------------------------------------
 * Unmap and lookup
 * ------------------------------------------------------------------------
 */

/*
 * Clear up to @n leaves from @ptep, up to a hole or a table; returns how
 * many went.  Inlined with a constant @level for the last level, where
 * every valid descriptor is a page: that loop only looks for holes, and a
 * large unmap spends most of its time in it.
 */
static __always_inline unsigned int lpae_clear_leaves(u64 *ptep, unsigned int n,
						      int level)
{
	u64 *p, *end = ptep + n;

	for (p = ptep; p < end; p++) {
		u64 desc = READ_ONCE(*p);

		if (!desc || lpae_is_table(desc, level))
			break;
		WRITE_ONCE(*p, 0);
	}
	return p - ptep;
}

/*
 * Clear the leaves of [@iova, @last] under @table, which sits at @level and
 * spans the whole range, from @iova upwards.  Stops, setting *@stop, at an
 * empty slot or at a block reaching outside the range.  Returns the bytes
 * cleared.  A NULL @gather means the caller invalidates by itself.
 */
static size_t lpae_unmap_level(struct lpae_pgtable *pgt, u64 *table, int level,
			       unsigned long iova, unsigned long last,
			       struct iommu_iotlb_gather *gather, bool *stop)
{
	unsigned int shift = lpae_shift(pgt, level), entries = lpae_entries(pgt, level);
	unsigned int first = lpae_index(pgt, level, iova), cleared = 0;
	bool add = gather && !iommu_iotlb_gather_queued(gather);
	size_t size = 1UL << shift;
	unsigned long start = iova;

	while (!*stop && iova <= last) {
		unsigned int idx = lpae_index(pgt, level, iova), n, i;
		unsigned long slot_last = iova | (size - 1);
		u64 *ptep = table + idx;
		u64 desc = READ_ONCE(*ptep);

		if (lpae_is_table(desc, level)) {
			iova += lpae_unmap_level(pgt, lpae_desc_table(desc),
						 level + 1, iova,
						 min(last, slot_last), gather, stop);
			continue;
		}
		if (!desc || iova & (size - 1) || slot_last > last) {
			*stop = true;
			break;
		}
		/*
		 * A leaf wholly inside the range: clear it and the leaves that
		 * follow it in this table in one tight pass, which is most of
		 * the cost of a large unmap, and hand the run to the driver in
		 * one call.  A table or a hole ends the pass.
		 */
		n = min_t(unsigned long, entries - idx,
			  ((last - iova) >> shift) + 1);
		if (level == LPAE_LAST_LEVEL)
			i = lpae_clear_leaves(ptep, n, LPAE_LAST_LEVEL);
		else
			i = lpae_clear_leaves(ptep, n, level);
		if (WARN_ON_ONCE(!i)) {	/* changed under us: not ours to unmap */
			*stop = true;
			break;
		}
		if (add)
			io_pgtable_tlb_add_pages(&pgt->iop, gather, iova, size, i);
		cleared += i;
		iova += (unsigned long)i * size;
	}

	if (cleared) {
		unsigned int span = lpae_index(pgt, level, iova - 1) - first + 1;

		lpae_sync(pgt, table + first, span);
		lpae_want_reclaim(pgt);
	}
	return iova - start;
}

/*
 * lpae_unmap_level() for a range that lies in one last-level table, the
 * usual DMA unmap: every valid descriptor there is a page, so there is
 * nothing to recurse into and no block to stop at, only a hole.
 */
static size_t lpae_unmap_last(struct lpae_pgtable *pgt, u64 *table,
			      unsigned long iova, unsigned long last,
			      struct iommu_iotlb_gather *gather)
{
	unsigned int shift = pgt->granule_shift;
	u64 *ptep = table + lpae_index(pgt, LPAE_LAST_LEVEL, iova);
	unsigned int n;

	n = lpae_clear_leaves(ptep, ((last - iova) >> shift) + 1,
			      LPAE_LAST_LEVEL);
	if (!n)
		return 0;
	if (gather && !iommu_iotlb_gather_queued(gather))
		io_pgtable_tlb_add_pages(&pgt->iop, gather, iova, 1UL << shift,
					 n);
	lpae_sync(pgt, ptep, n);
	lpae_want_reclaim(pgt);
	return (size_t)n << shift;
}

static size_t lpae_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct lpae_pgtable *pgt = to_lpae(ops);
	unsigned int bits = lpae_bits(pgt), shift = pgt->root_shift;
	unsigned long mask = (1UL << pgt->root_bits) - 1;
	int level = pgt->start_level;
	u64 *table = pgt->root, desc;
	unsigned long last;
	bool stop = false;
	size_t size, done;

	/* pgsize is a power of two: shifts, not a multiply */
	if (!is_power_of_2(pgsize) || !(pgsize & pgt->iop.cfg.pgsize_bitmap) ||
	    !pgcount || iova & (pgsize - 1) ||
	    pgcount > SIZE_MAX >> __ffs(pgsize))
		goto out_of_bounds;
	size = pgcount << __ffs(pgsize);
	if (!lpae_input_range(pgt, iova, size, &last))
		goto out_of_bounds;

	/*
	 * Start from the lowest table that spans the whole range, found
	 * without recursion: a DMA unmap nearly always lies in one
	 * last-level table, and the levels above it would only pass it down.
	 * The geometry steps along in registers, as in lpae_map_run().
	 */
	rcu_read_lock();
	for (; level < LPAE_LAST_LEVEL;
	     level++, shift -= bits, mask = (1UL << bits) - 1) {
		if (iova >> shift != last >> shift)
			break;
		desc = READ_ONCE(table[(iova >> shift) & mask]);
		if ((desc & LPAE_DESC_TYPE) != LPAE_DESC_TABLE)
			break;
		table = lpae_desc_table(desc);
	}
	if (level == LPAE_LAST_LEVEL)
		done = lpae_unmap_last(pgt, table, iova, last, gather);
	else
		done = lpae_unmap_level(pgt, table, level, iova, last, gather,
					&stop);
	rcu_read_unlock();
	return done;

out_of_bounds:
	pr_warn_ratelimited("unmap of %zu x %#zx at %#lx out of bounds\n",
			    pgcount, pgsize, iova);
	return 0;
}

/* The leaf translating @iova and its level, or 0 */
static u64 lpae_lookup(struct lpae_pgtable *pgt, unsigned long iova, int *level)
{
	u64 *table = pgt->root, desc = 0;
	int lvl;

	if (iova >> pgt->ias)
		return 0;

	rcu_read_lock();
	for (lvl = pgt->start_level; lvl <= LPAE_LAST_LEVEL; lvl++) {
		desc = READ_ONCE(table[lpae_index(pgt, lvl, iova)]);
		if (!lpae_is_table(desc, lvl))
			break;
		table = lpae_desc_table(desc);
	}
	rcu_read_unlock();

	*level = lvl;
	return desc;
}

static phys_addr_t lpae_iova_to_phys(struct io_pgtable_ops *ops,
				     unsigned long iova)
{
	struct lpae_pgtable *pgt = to_lpae(ops);
	int level;
	u64 desc = lpae_lookup(pgt, iova, &level);

	if (!desc)
		return 0;
	return lpae_desc_phys(desc) | (iova & (lpae_entry_size(pgt, level) - 1));
}

/* ------------------------------------------------------------------------
 * Dirty tracking (hardware DBM)
 * ------------------------------------------------------------------------
 */

static void lpae_dirty_level(struct lpae_pgtable *pgt, u64 *table, int level,
			     unsigned long iova, unsigned long last,
			     unsigned long flags, struct iommu_dirty_bitmap *dirty)
{
	size_t size = lpae_entry_size(pgt, level);

	for (;;) {
		u64 *ptep = table + lpae_index(pgt, level, iova);
		unsigned long slot_last = iova | (size - 1);
		u64 desc = READ_ONCE(*ptep);

		if (lpae_is_table(desc, level)) {
			lpae_dirty_level(pgt, lpae_desc_table(desc), level + 1,
					 iova, min(last, slot_last), flags, dirty);
		} else if ((desc & LPAE_PTE_DBM) && !(desc & LPAE_PTE_AP_RDONLY)) {
			iommu_dirty_bitmap_record(dirty, iova & ~(size - 1), size);
			if (!(flags & IOMMU_DIRTY_NO_CLEAR))
				set_bit(__ffs64(LPAE_PTE_AP_RDONLY),
					(unsigned long *)ptep);
		}
		if (slot_last >= last)
			break;
		iova = slot_last + 1;
	}
}

static int lpae_read_and_clear_dirty(struct io_pgtable_ops *ops,
				     unsigned long iova, size_t size,
				     unsigned long flags,
				     struct iommu_dirty_bitmap *dirty)
{
	struct lpae_pgtable *pgt = to_lpae(ops);
	unsigned long last;

	if (!(pgt->quirks & IO_PGTABLE_QUIRK_ARM_HD))
		return -EINVAL;
	if (!lpae_input_range(pgt, iova, size, &last))
		return -ERANGE;

	rcu_read_lock();
	lpae_dirty_level(pgt, pgt->root, pgt->start_level, iova, last, flags,
			 dirty);
	rcu_read_unlock();
	return 0;
}

/* ------------------------------------------------------------------------
 * Reclaim of empty tables
 * ------------------------------------------------------------------------
 */

/**
 * struct lpae_reap - one pass of reclaim over the tables
 * @dead: where unlinked tables go; NULL for the first look, which clears
 *	the marks of use and notes the idle empty tables as candidates
 * @pass: number of this pass, what a candidate's page_private() holds
 * @all: take out every empty table, used lately or not
 * @found: a table is a candidate (first look), or went
 * @spared: an empty table stayed for being used lately
 */
struct lpae_reap {
	struct list_head	*dead;
	unsigned long		pass;
	bool			all;
	bool			found;
	bool			spared;
};

/*
 * May the empty @child, which @desc points to, go?  Under map_lock only a
 * candidate of the first look may, and only if no mapper has marked it
 * since: the look cleared the marks it judged by.
 */
static bool lpae_reap_idle(const struct lpae_reap *r, u64 *child, u64 desc)
{
	if (r->all)
		return true;
	if (desc & LPAE_TABLE_SW_USED)
		return false;
	return !r->dead || page_private(virt_to_page(child)) == r->pass;
}

/*
 * Unlink the idle empty tables under @table, children before parents so
 * that a table emptied by the loss of its children goes in the same pass.
 * @base is the first IOVA @table translates.  Returns true if @table is
 * empty now, or would be once the candidates under it are gone.
 */
static bool lpae_reap(struct lpae_pgtable *pgt, u64 *table, int level,
		      unsigned long base, struct lpae_reap *r)
{
	unsigned int i, entries = lpae_entries(pgt, level);
	size_t size = lpae_entry_size(pgt, level);
	bool empty = true;

	lockdep_assert_held(&pgt->reclaim_lock);
	if (r->dead)
		lockdep_assert_held(&pgt->map_lock);
	for (i = 0; i < entries; i++) {
		u64 desc = READ_ONCE(table[i]);
		unsigned long child_base = base + i * size;
		u64 *child;

		if (!desc)
			continue;
		if (!lpae_is_table(desc, level)) {
			empty = false;
			continue;
		}
		/* A new period starts: mappers mark the table again. */
		if (!r->dead && (desc & LPAE_TABLE_SW_USED))
			cmpxchg64(&table[i], desc, desc & ~LPAE_TABLE_SW_USED);
		child = lpae_desc_table(desc);
		if (!lpae_reap(pgt, child, level + 1, child_base, r)) {
			empty = false;
			continue;
		}
		if (!lpae_reap_idle(r, child, desc)) {
			r->spared = true;
			empty = false;
			continue;
		}
		r->found = true;
		if (!r->dead) {
			set_page_private(virt_to_page(child), r->pass);
			continue;
		}
		WRITE_ONCE(table[i], 0);
		lpae_sync(pgt, &table[i], 1);
		lpae_mark_dead(child, child_base, level + 1, r->dead);
	}
	return empty;
}

static unsigned int lpae_reclaim(struct lpae_pgtable *pgt, bool all)
{
	struct lpae_reap r = { .all = all };
	struct page *page, *next;
	unsigned int freed = 0;
	LIST_HEAD(dead);

	mutex_lock(&pgt->reclaim_lock);
	r.pass = ++pgt->reclaim_pass;
	/* A look without stopping mappers first: usually nothing is idle. */
	lpae_reap(pgt, pgt->root, pgt->start_level, 0, &r);
	if (r.found) {
		WRITE_ONCE(pgt->reclaiming, true);
		synchronize_rcu();
		spin_lock_irq(&pgt->map_lock);
		r.dead = &dead;
		lpae_reap(pgt, pgt->root, pgt->start_level, 0, &r);
		spin_unlock_irq(&pgt->map_lock);
		WRITE_ONCE(pgt->reclaiming, false);
	}
	spin_lock_irq(&pgt->graveyard_lock);
	list_splice_tail_init(&pgt->graveyard, &dead);
	spin_unlock_irq(&pgt->graveyard_lock);

	if (!list_empty(&dead)) {
		/* No walk through a dead table may outlive its memory. */
		list_for_each_entry(page, &dead, lru) {
			int level = page->index & LPAE_LAST_LEVEL;

			io_pgtable_tlb_flush_walk(&pgt->iop,
						  page->index & ~LPAE_LAST_LEVEL,
						  lpae_entry_size(pgt, level - 1),
						  lpae_granule(pgt));
		}
		/* ... nor a CPU walking it under rcu_read_lock(). */
		synchronize_rcu();
		list_for_each_entry_safe(page, next, &dead, lru) {
			list_del(&page->lru);
			lpae_free_table(pgt, page_address(page));
			freed++;
		}
	}
	mutex_unlock(&pgt->reclaim_lock);
	/* An empty table kept for its last use goes next time if idle. */
	if (r.spared)
		lpae_want_reclaim(pgt);
	return freed;
}

static void lpae_reclaim_work(struct work_struct *work)
{
	struct lpae_pgtable *pgt = container_of(to_delayed_work(work),
						struct lpae_pgtable,
						reclaim_work);

	lpae_reclaim(pgt, false);
}

/* ------------------------------------------------------------------------
 * Allocation and release
 * ------------------------------------------------------------------------
 */

/*
 * The granule: the CPU's page size if the IOMMU has it, else the smallest
 * larger one (a smaller one could not map a CPU page on its own), else the
 * largest.  Returns its log2, or 0.
 */
static unsigned int lpae_pick_granule(unsigned long sizes)
{
	unsigned long granules = sizes & (SZ_4K | SZ_16K | SZ_64K);
	unsigned long larger = granules & ~(PAGE_SIZE | (PAGE_SIZE - 1));

	if (granules & PAGE_SIZE)
		return PAGE_SHIFT;
	if (larger)
		return __ffs(larger);
	return granules ? __fls(granules) : 0;
}

static void lpae_set_s1_regs(struct lpae_pgtable *pgt,
			     struct io_pgtable_cfg *cfg)
{
	typeof(cfg->arm_lpae_s1_cfg) *s1 = &cfg->arm_lpae_s1_cfg;
	unsigned int ips = 0;

	while (lpae_ips_bits[ips] < pgt->oas)
		ips++;

	s1->ttbr = virt_to_phys(pgt->root);
	s1->tcr.tsz = 64 - pgt->ias;
	s1->tcr.tg = pgt->granule_shift == 12 ? ARM_LPAE_TCR_TG0_4K :
		     pgt->granule_shift == 14 ? ARM_LPAE_TCR_TG0_16K :
					   ARM_LPAE_TCR_TG0_64K;
	s1->tcr.ips = ips;
	if (pgt->coherent) {
		s1->tcr.sh = ARM_LPAE_TCR_SH_IS;
		s1->tcr.irgn = ARM_LPAE_TCR_RGN_WBWA;
		s1->tcr.orgn = ARM_LPAE_TCR_RGN_WBWA;
	} else {
		s1->tcr.sh = ARM_LPAE_TCR_SH_OS;
		s1->tcr.irgn = ARM_LPAE_TCR_RGN_NC;
		s1->tcr.orgn = pgt->quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA ?
			       ARM_LPAE_TCR_RGN_WBWA : ARM_LPAE_TCR_RGN_NC;
	}
	s1->mair = LPAE_MAIR_ATTR_WBRWA << (8 * LPAE_MAIR_IDX_WBRWA) |
		   LPAE_MAIR_ATTR_NC << (8 * LPAE_MAIR_IDX_NC) |
		   LPAE_MAIR_ATTR_DEV << (8 * LPAE_MAIR_IDX_DEV);
}

static const struct io_pgtable_ops lpae_ops = {
	.map_pages		= lpae_map_pages,
	.unmap_pages		= lpae_unmap_pages,
	.iova_to_phys		= lpae_iova_to_phys,
	.read_and_clear_dirty	= lpae_read_and_clear_dirty,
};

static struct io_pgtable *lpae_alloc_s1(struct io_pgtable_cfg *cfg,
					void *cookie)
{
	const unsigned long known = IO_PGTABLE_QUIRK_ARM_NS |
				    IO_PGTABLE_QUIRK_NO_PERMS |
				    IO_PGTABLE_QUIRK_ARM_OUTER_WBWA |
				    IO_PGTABLE_QUIRK_ARM_HD;
	unsigned int granule_shift = lpae_pick_granule(cfg->pgsize_bitmap);
	struct lpae_pgtable *pgt;
	unsigned int levels;
	unsigned long sizes;
	u64 attrs;
	int prot;

	if (cfg->quirks & ~known || !granule_shift ||
	    cfg->ias < LPAE_MIN_ADDR_BITS || cfg->ias > LPAE_MAX_INPUT_BITS ||
	    cfg->oas < LPAE_MIN_ADDR_BITS ||
	    (!cfg->coherent_walk && !cfg->iommu_dev) ||
	    /* the walker updates dirty state in the tables it reads */
	    (cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD && !cfg->coherent_walk)) {
		pr_warn_ratelimited("stage-1 table: unsupported configuration (quirks %#lx, sizes %#lx, ias %u, oas %u)\n",
				    cfg->quirks, cfg->pgsize_bitmap, cfg->ias,
				    cfg->oas);
		return NULL;
	}

	pgt = kzalloc(sizeof(*pgt), GFP_KERNEL);
	if (!pgt)
		return NULL;

	pgt->dev = cfg->iommu_dev;
	pgt->coherent = cfg->coherent_walk;
	pgt->quirks = cfg->quirks;
	pgt->granule_shift = granule_shift;
	pgt->ias = cfg->ias;
	/* Descriptors here hold 48 output bits; larger PAs cannot be mapped. */
	pgt->oas = min(cfg->oas, LPAE_MAX_OUTPUT_BITS);
	levels = DIV_ROUND_UP(pgt->ias - granule_shift, lpae_bits(pgt));
	pgt->start_level = LPAE_LAST_LEVEL + 1 - levels;
	pgt->root_bits = pgt->ias - granule_shift - (levels - 1) * lpae_bits(pgt);
	pgt->root_shift = lpae_shift(pgt, pgt->start_level);
	for (prot = 0; prot < LPAE_PROT_VALUES; prot++)
		if (lpae_prot_attrs(pgt, prot, &attrs))
			pgt->prot_attrs[prot] = 0;
		else
			pgt->prot_attrs[prot] = attrs;
	spin_lock_init(&pgt->map_lock);
	mutex_init(&pgt->reclaim_lock);
	INIT_DELAYED_WORK(&pgt->reclaim_work, lpae_reclaim_work);
	spin_lock_init(&pgt->graveyard_lock);
	INIT_LIST_HEAD(&pgt->graveyard);

	pgt->root = lpae_alloc_table(pgt, GFP_KERNEL);
	if (!pgt->root) {
		kfree(pgt);
		return NULL;
	}

	sizes = 1UL << granule_shift | lpae_entry_size(pgt, 2);
	if (lpae_leaf_level(pgt, 1))
		sizes |= lpae_entry_size(pgt, 1);
	cfg->pgsize_bitmap = (sizes & cfg->pgsize_bitmap) | 1UL << granule_shift;
	cfg->oas = pgt->oas;
	lpae_set_s1_regs(pgt, cfg);
	pgt->iop.ops = lpae_ops;
	return &pgt->iop;
}

static void lpae_free_level(struct lpae_pgtable *pgt, u64 *table, int level)
{
	unsigned int i, entries = lpae_entries(pgt, level);

	for (i = 0; i < entries && level < LPAE_LAST_LEVEL; i++)
		if (lpae_is_table(table[i], level))
			lpae_free_level(pgt, lpae_desc_table(table[i]), level + 1);
	lpae_free_table(pgt, table);
}

static void lpae_free(struct io_pgtable *iop)
{
	struct lpae_pgtable *pgt = container_of(iop, struct lpae_pgtable, iop);
	struct page *page, *next;

	cancel_delayed_work_sync(&pgt->reclaim_work);
	list_for_each_entry_safe(page, next, &pgt->graveyard, lru) {
		list_del(&page->lru);
		lpae_free_table(pgt, page_address(page));
	}
	lpae_free_level(pgt, pgt->root, pgt->start_level);
	WARN_ON(atomic_long_read(&pgt->nr_tables));
	kfree(pgt);
}

struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns = {
	.alloc	= lpae_alloc_s1,
	.free	= lpae_free,
};

/* ------------------------------------------------------------------------
 * For the KUnit suite
 * ------------------------------------------------------------------------
 */

#if IS_ENABLED(CONFIG_KUNIT)
unsigned long io_pgtable_arm_nr_tables(struct io_pgtable_ops *ops)
{
	return atomic_long_read(&to_lpae(ops)->nr_tables);
}
EXPORT_SYMBOL_IF_KUNIT(io_pgtable_arm_nr_tables);

unsigned int io_pgtable_arm_reclaim(struct io_pgtable_ops *ops, bool all)
{
	return lpae_reclaim(to_lpae(ops), all);
}
EXPORT_SYMBOL_IF_KUNIT(io_pgtable_arm_reclaim);

u64 io_pgtable_arm_leaf(struct io_pgtable_ops *ops, unsigned long iova,
			int *level)
{
	return lpae_lookup(to_lpae(ops), iova, level);
}
EXPORT_SYMBOL_IF_KUNIT(io_pgtable_arm_leaf);
#endif
