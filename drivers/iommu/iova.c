// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA allocator
 *
 * An iova_domain is a space of page frames.  Every live or reserved range is
 * a struct iova in an rbtree ordered by first page frame.  Ranges never
 * overlap, so the free space is the set of runs between neighbours in tree
 * order, plus the runs below the lowest and above the highest range.
 *
 * Each node summarises its subtree: the lowest and highest page frame held
 * in it, the longest free run strictly inside it, and the order of the
 * largest naturally aligned block that fits in one of those runs.  The
 * summary depends only on the node and its two children, so the rbtree's
 * augmented callbacks keep it right through insertions, erasures and
 * rotations, at O(log n) a change.
 *
 * Allocation looks for the highest run that can hold the request below the
 * caller's limit.  The walk visits runs in descending address order and
 * skips every subtree whose summary says it cannot help.  A subtree that
 * lies wholly inside [start_pfn, limit] and passes that test is certain to
 * hold a fit, so the walk never backs out of one; only the O(log n)
 * subtrees that straddle an end of the window can be entered in vain.  That
 * bounds every allocation by O(log n), on a fragmented space too.
 *
 * A size-aligned request is placed at a multiple of its size rounded up to a
 * power of two, in a run that holds a whole naturally aligned block of that
 * power of two.  For power-of-two sizes that is exactly "any run it fits";
 * a size-aligned request of another size may pass over a run it would just
 * fit, which is what keeps the search exact and logarithmic.
 *
 * In front of the tree, alloc_iova_fast() and free_iova_fast() keep recently
 * freed ranges of small power-of-two sizes in per-CPU magazines, after the
 * magazine-and-depot design of Bonwick and Adams ("Magazines and Vmem",
 * USENIX 2001).  A cached range stays in the tree, so it can never be handed
 * out twice.  Full magazines move between CPUs through a depot of at most
 * IOVA_DEPOT_MAX magazines per size; a periodic trim gives back magazines
 * the depot held all through the last period.
 *
 * Lock order: a CPU's magazine lock, then a depot lock, then the tree lock.
 * All three are taken with interrupts off, as the DMA API is used from
 * interrupt context.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/iova.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "iova-internal.h"

/* ---------------------------------------------------------------------
 * Subtree summaries
 * ---------------------------------------------------------------------
 */

static inline struct iova *to_iova(struct rb_node *node)
{
	return rb_entry_safe(node, struct iova, node);
}

/*
 * Order of the largest naturally aligned block inside the free run
 * [lo, hi], or -1 when the run is empty.  The largest power of two not
 * above the run's length always fits at half size, so only that one power
 * needs checking.
 */
static int iova_run_order(unsigned long lo, unsigned long hi)
{
	unsigned long len, block;
	int order;

	if (lo > hi)
		return -1;
	len = hi - lo + 1;
	if (!len)			/* the whole pfn space */
		return BITS_PER_LONG - 1;
	order = __fls(len);
	block = 1UL << order;
	if (ALIGN(lo, block) - lo > len - block)
		order--;
	return order;
}

struct iova_summary {
	unsigned long lo, hi, gap;
	int order;
};

static void iova_summary_add_run(struct iova_summary *sum, unsigned long lo,
				 unsigned long hi)
{
	if (lo > hi)
		return;
	sum->gap = max(sum->gap, hi - lo + 1);
	sum->order = max(sum->order, iova_run_order(lo, hi));
}

static void iova_summary_add_child(struct iova_summary *sum, struct iova *child)
{
	sum->gap = max(sum->gap, child->subtree_gap);
	sum->order = max_t(int, sum->order, child->subtree_order);
}

/* Recompute @iova's summary from its children; true if it did not change. */
static bool iova_summarise(struct iova *iova)
{
	struct iova *left = to_iova(iova->node.rb_left);
	struct iova *right = to_iova(iova->node.rb_right);
	struct iova_summary sum = {
		.lo = iova->pfn_lo, .hi = iova->pfn_hi, .gap = 0, .order = -1,
	};

	if (left) {
		sum.lo = left->subtree_lo;
		iova_summary_add_child(&sum, left);
		iova_summary_add_run(&sum, left->subtree_hi + 1, iova->pfn_lo - 1);
	}
	if (right) {
		sum.hi = right->subtree_hi;
		iova_summary_add_child(&sum, right);
		iova_summary_add_run(&sum, iova->pfn_hi + 1, right->subtree_lo - 1);
	}
	if (iova->subtree_lo == sum.lo && iova->subtree_hi == sum.hi &&
	    iova->subtree_gap == sum.gap && iova->subtree_order == sum.order)
		return true;
	iova->subtree_lo = sum.lo;
	iova->subtree_hi = sum.hi;
	iova->subtree_gap = sum.gap;
	iova->subtree_order = sum.order;
	return false;
}

static void iova_augment_propagate(struct rb_node *node, struct rb_node *stop)
{
	while (node != stop) {
		if (iova_summarise(to_iova(node)))
			break;
		node = rb_parent(node);
	}
}

static void iova_augment_copy(struct rb_node *from, struct rb_node *to)
{
	struct iova *old = to_iova(from), *new = to_iova(to);

	new->subtree_lo = old->subtree_lo;
	new->subtree_hi = old->subtree_hi;
	new->subtree_gap = old->subtree_gap;
	new->subtree_order = old->subtree_order;
}

static void iova_augment_rotate(struct rb_node *from, struct rb_node *to)
{
	/* @to takes @from's place, and so its whole subtree's summary */
	iova_augment_copy(from, to);
	iova_summarise(to_iova(from));
}

static const struct rb_augment_callbacks iova_augment = {
	.propagate	= iova_augment_propagate,
	.copy		= iova_augment_copy,
	.rotate		= iova_augment_rotate,
};

/* ---------------------------------------------------------------------
 * The tree
 * ---------------------------------------------------------------------
 */

static struct kmem_cache *iova_node_slab;

static struct iova *iova_node_alloc(void)
{
	return kmem_cache_zalloc(iova_node_slab, GFP_ATOMIC | __GFP_NOWARN);
}

static void iova_node_free(struct iova *iova)
{
	kmem_cache_free(iova_node_slab, iova);
}

static void iova_tree_insert(struct iova_domain *iovad, struct iova *new)
{
	struct rb_node **link = &iovad->rbroot.rb_node, *parent = NULL;

	lockdep_assert_held(&iovad->lock);

	while (*link) {
		parent = *link;
		if (new->pfn_lo < to_iova(parent)->pfn_lo)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	new->subtree_lo = new->pfn_lo;
	new->subtree_hi = new->pfn_hi;
	new->subtree_gap = 0;
	new->subtree_order = -1;
	rb_link_node(&new->node, parent, link);
	iova_augment_propagate(parent, NULL);
	rb_insert_augmented(&new->node, &iovad->rbroot, &iova_augment);
}

static void iova_tree_erase(struct iova_domain *iovad, struct iova *iova)
{
	lockdep_assert_held(&iovad->lock);
	rb_erase_augmented(&iova->node, &iovad->rbroot, &iova_augment);
}

/* The range holding @pfn, or NULL. */
static struct iova *iova_tree_find(struct iova_domain *iovad, unsigned long pfn)
{
	struct rb_node *node;

	lockdep_assert_held(&iovad->lock);

	for (node = iovad->rbroot.rb_node; node;) {
		struct iova *iova = to_iova(node);

		if (pfn >= iova->pfn_lo && pfn <= iova->pfn_hi)
			return iova;
		node = pfn < iova->pfn_lo ? node->rb_left : node->rb_right;
	}
	return NULL;
}

/* The lowest range that ends at or above @pfn, or NULL. */
static struct iova *iova_tree_first_from(struct iova_domain *iovad,
					 unsigned long pfn)
{
	struct rb_node *node = iovad->rbroot.rb_node;
	struct iova *found = NULL;

	lockdep_assert_held(&iovad->lock);

	while (node) {
		struct iova *iova = to_iova(node);

		if (iova->pfn_hi >= pfn) {
			found = iova;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

/* ---------------------------------------------------------------------
 * Finding space
 * ---------------------------------------------------------------------
 */

/**
 * struct iova_request - what alloc_iova() looks for
 * @size: page frames wanted
 * @align: alignment in page frames, a power of two (1: none)
 * @order: log2(@align) when aligned, otherwise -1
 * @lo: lowest page frame allowed
 * @hi: highest page frame allowed
 */
struct iova_request {
	unsigned long size, align;
	int order;
	unsigned long lo, hi;
};

/*
 * Place @req in the free run [lo, hi] as high as it goes.  Only the runs at
 * the ends of the window are cut short here; the summaries handle the rest.
 */
static bool iova_fit_run(const struct iova_request *req, unsigned long lo,
			 unsigned long hi, unsigned long *pfn)
{
	lo = max(lo, req->lo);
	hi = min(hi, req->hi);
	if (lo > hi || hi - lo < req->size - 1)
		return false;
	if (req->order >= 0) {
		/* the whole aligned block must fit, see the file comment */
		if (hi - lo < req->align - 1 ||
		    ALIGN_DOWN(hi - req->align + 1, req->align) < lo)
			return false;
		*pfn = ALIGN_DOWN(hi - req->size + 1, req->align);
	} else {
		*pfn = hi - req->size + 1;
	}
	return true;
}

/* Can some free run strictly inside @iova's subtree take @req? */
static bool iova_subtree_may_fit(const struct iova_request *req,
				 struct iova *iova)
{
	if (!iova || iova->subtree_gap < req->size ||
	    iova->subtree_order < req->order)
		return false;
	/* the subtree's runs lie in [subtree_lo + 1, subtree_hi - 1] */
	return iova->subtree_hi > req->lo && iova->subtree_lo < req->hi;
}

/* The run between @iova and the lowest range of its right subtree */
static bool iova_fit_right_of(const struct iova_request *req,
			      struct iova *iova, unsigned long *pfn)
{
	struct iova *right = to_iova(iova->node.rb_right);

	return right && iova_fit_run(req, iova->pfn_hi + 1,
				     right->subtree_lo - 1, pfn);
}

/* The run between the highest range of @iova's left subtree and @iova */
static bool iova_fit_left_of(const struct iova_request *req,
			     struct iova *iova, unsigned long *pfn)
{
	struct iova *left = to_iova(iova->node.rb_left);

	return left && iova_fit_run(req, left->subtree_hi + 1,
				    iova->pfn_lo - 1, pfn);
}

/*
 * Runs inside the tree, highest first.  Within a subtree they come in the
 * order: right subtree, the run right of the root, the run left of it, left
 * subtree.  The walk keeps no stack; it climbs back through parent links.
 */
static bool iova_tree_fit(struct iova_domain *iovad,
			  const struct iova_request *req, unsigned long *pfn)
{
	struct iova *iova = to_iova(iovad->rbroot.rb_node);
	struct iova *parent, *left;

	if (!iova_subtree_may_fit(req, iova))
		return false;
descend:
	for (;;) {
		struct iova *right = to_iova(iova->node.rb_right);

		left = to_iova(iova->node.rb_left);
		if (iova_subtree_may_fit(req, right)) {
			iova = right;
			continue;
		}
		if (iova_fit_right_of(req, iova, pfn) ||
		    iova_fit_left_of(req, iova, pfn))
			return true;
		if (!iova_subtree_may_fit(req, left))
			break;
		iova = left;
	}
	/* @iova's subtree is done: go on with what precedes it */
	while ((parent = to_iova(rb_parent(&iova->node)))) {
		if (&iova->node == parent->node.rb_right) {
			if (iova_fit_right_of(req, parent, pfn) ||
			    iova_fit_left_of(req, parent, pfn))
				return true;
			left = to_iova(parent->node.rb_left);
			if (iova_subtree_may_fit(req, left)) {
				iova = left;
				goto descend;
			}
		}
		iova = parent;
	}
	return false;
}

/* The highest place for @req: above all ranges, between them, below them */
static bool iova_find_space(struct iova_domain *iovad,
			    const struct iova_request *req, unsigned long *pfn)
{
	struct iova *root = to_iova(iovad->rbroot.rb_node);

	lockdep_assert_held(&iovad->lock);

	if (!root)
		return iova_fit_run(req, req->lo, req->hi, pfn);
	if (root->subtree_hi != ULONG_MAX &&
	    iova_fit_run(req, root->subtree_hi + 1, ULONG_MAX, pfn))
		return true;
	if (iova_tree_fit(iovad, req, pfn))
		return true;
	return root->subtree_lo &&
	       iova_fit_run(req, 0, root->subtree_lo - 1, pfn);
}

/* ---------------------------------------------------------------------
 * Domains and the tree API
 * ---------------------------------------------------------------------
 */

/**
 * init_iova_domain() - set up an empty IOVA domain
 * @iovad: the domain
 * @granule: bytes per page frame; a power of two no larger than PAGE_SIZE
 * @start_pfn: lowest page frame to hand out
 *
 * The domain has no magazines until iova_domain_init_rcaches() is called.
 */
void init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		      unsigned long start_pfn)
{
	WARN_ON_ONCE(!is_power_of_2(granule) || granule > PAGE_SIZE);

	spin_lock_init(&iovad->lock);
	iovad->rbroot = RB_ROOT;
	iovad->granule = granule;
	iovad->start_pfn = start_pfn;
	iovad->caches = NULL;
}
EXPORT_SYMBOL_GPL(init_iova_domain);

/**
 * alloc_iova() - allocate a range of page frames
 * @iovad: the domain
 * @size: number of page frames
 * @limit_pfn: highest page frame the range may include
 * @size_aligned: start the range at a multiple of @size rounded up to a
 *	power of two
 *
 * Takes the highest free place at or below @limit_pfn and at or above the
 * domain's start_pfn.  A size-aligned request of a size that is not a power
 * of two needs a free run that holds the whole aligned power-of-two block.
 * Worst case O(log n) in the number of ranges in the domain.
 *
 * Context: any; does not sleep.
 * Return: the new range, or NULL if there is no room or no memory.
 */
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	struct iova_request req = {
		.size = size, .align = 1, .order = -1,
		.lo = iovad->start_pfn, .hi = limit_pfn,
	};
	struct iova *new;
	unsigned long flags, pfn;
	bool found;

	if (!size || limit_pfn < req.lo || size - 1 > limit_pfn - req.lo)
		return NULL;
	if (size_aligned) {
		req.order = order_base_2(size);
		if (req.order >= BITS_PER_LONG)
			return NULL;
		req.align = 1UL << req.order;
	}

	new = iova_node_alloc();
	if (!new)
		return NULL;

	spin_lock_irqsave(&iovad->lock, flags);
	found = iova_find_space(iovad, &req, &pfn);
	if (found) {
		new->pfn_lo = pfn;
		new->pfn_hi = pfn + size - 1;
		iova_tree_insert(iovad, new);
	}
	spin_unlock_irqrestore(&iovad->lock, flags);

	if (!found) {
		iova_node_free(new);
		return NULL;
	}
	return new;
}
EXPORT_SYMBOL_GPL(alloc_iova);

/**
 * reserve_iova_range() - keep a range of page frames from being allocated
 * @iovad: the domain
 * @pfn_lo: first page frame
 * @pfn_hi: last page frame
 *
 * Reservations that overlap merge into one range; the first of them grows
 * and the others are freed.  A reservation may not overlap an allocated
 * range.
 *
 * Context: any; does not sleep.
 * Return: the reserved range, ERR_PTR(-EINVAL) if @pfn_lo > @pfn_hi,
 * ERR_PTR(-EBUSY) if the range overlaps an allocation, or ERR_PTR(-ENOMEM).
 */
struct iova *reserve_iova_range(struct iova_domain *iovad, unsigned long pfn_lo,
				unsigned long pfn_hi)
{
	struct iova *new, *first, *iova, *next;
	unsigned long flags;

	if (pfn_lo > pfn_hi)
		return ERR_PTR(-EINVAL);
	new = iova_node_alloc();
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->pfn_lo = pfn_lo;
	new->pfn_hi = pfn_hi;
	new->reserved = true;

	spin_lock_irqsave(&iovad->lock, flags);
	first = iova_tree_first_from(iovad, pfn_lo);
	for (iova = first; iova && iova->pfn_lo <= pfn_hi;
	     iova = to_iova(rb_next(&iova->node))) {
		if (!iova->reserved) {
			spin_unlock_irqrestore(&iovad->lock, flags);
			iova_node_free(new);
			return ERR_PTR(-EBUSY);
		}
	}
	if (!first || first->pfn_lo > pfn_hi) {
		iova_tree_insert(iovad, new);
		spin_unlock_irqrestore(&iovad->lock, flags);
		return new;
	}

	/*
	 * Grow @first over the union.  Every range it swallows goes first, so
	 * the tree order holds when its key changes.
	 */
	for (iova = to_iova(rb_next(&first->node));
	     iova && iova->pfn_lo <= pfn_hi; iova = next) {
		next = to_iova(rb_next(&iova->node));
		pfn_hi = max(pfn_hi, iova->pfn_hi);
		iova_tree_erase(iovad, iova);
		iova_node_free(iova);
	}
	first->pfn_lo = min(first->pfn_lo, pfn_lo);
	first->pfn_hi = max(first->pfn_hi, pfn_hi);
	iova_augment_propagate(&first->node, NULL);
	spin_unlock_irqrestore(&iovad->lock, flags);

	iova_node_free(new);
	return first;
}
EXPORT_SYMBOL_GPL(reserve_iova_range);

/**
 * reserve_iova() - reserve_iova_range(), for callers that need no reason
 * @iovad: the domain
 * @pfn_lo: first page frame
 * @pfn_hi: last page frame
 *
 * Context: any; does not sleep.
 * Return: the reserved range, or NULL.
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	struct iova *iova = reserve_iova_range(iovad, pfn_lo, pfn_hi);

	return IS_ERR(iova) ? NULL : iova;
}
EXPORT_SYMBOL_GPL(reserve_iova);

/*
 * The range holding @pfn, or NULL; taken out of the tree if @take, for the
 * caller to free.  The three calls below are this, under the tree lock.
 */
static struct iova *iova_tree_lookup(struct iova_domain *iovad,
				     unsigned long pfn, bool take)
{
	unsigned long flags;
	struct iova *iova;

	spin_lock_irqsave(&iovad->lock, flags);
	iova = iova_tree_find(iovad, pfn);
	if (iova && take)
		iova_tree_erase(iovad, iova);
	spin_unlock_irqrestore(&iovad->lock, flags);
	return iova;
}

/**
 * find_iova() - look up the range holding a page frame
 * @iovad: the domain
 * @pfn: the page frame
 *
 * Context: any; does not sleep.
 * Return: the range, or NULL.  It stays valid only while the caller keeps
 * it from being freed.
 */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	return iova_tree_lookup(iovad, pfn, false);
}
EXPORT_SYMBOL_GPL(find_iova);

/**
 * __free_iova() - free a range
 * @iovad: the domain
 * @iova: a range of @iovad, from alloc_iova(), reserve_iova() or find_iova()
 *
 * A range that is not in @iovad's tree is reported and left alone.
 *
 * Context: any; does not sleep.
 */
void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (!WARN_ON(iova_tree_lookup(iovad, iova->pfn_lo, true) != iova))
		iova_node_free(iova);
}
EXPORT_SYMBOL_GPL(__free_iova);

/**
 * free_iova() - free the range holding a page frame
 * @iovad: the domain
 * @pfn: any page frame of the range
 *
 * A page frame that no range holds is reported and otherwise ignored.
 *
 * Context: any; does not sleep.
 */
void free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova = iova_tree_lookup(iovad, pfn, true);

	if (iova)
		iova_node_free(iova);
	else
		pr_warn_ratelimited("iova: free of unallocated pfn %#lx\n", pfn);
}
EXPORT_SYMBOL_GPL(free_iova);

/* Free the ranges starting at @pfns under one hold of the tree lock */
static void iova_free_pfns(struct iova_domain *iovad, const unsigned long *pfns,
			   unsigned long count)
{
	struct iova *iova;
	unsigned long flags, i;

	spin_lock_irqsave(&iovad->lock, flags);
	for (i = 0; i < count; i++) {
		iova = iova_tree_find(iovad, pfns[i]);
		if (WARN_ONCE(!iova || iova->pfn_lo != pfns[i],
			      "iova: cached pfn %#lx is not a live range\n",
			      pfns[i]))
			continue;
		iova_tree_erase(iovad, iova);
		iova_node_free(iova);
	}
	spin_unlock_irqrestore(&iovad->lock, flags);
}

/* ---------------------------------------------------------------------
 * Magazines and the depot
 * ---------------------------------------------------------------------
 */

/**
 * struct iova_magazine - a stack of cached ranges of one size
 * @count: ranges held
 * @next: next full magazine in a depot
 * @pfns: first page frames of the ranges
 */
struct iova_magazine {
	unsigned long count;
	struct iova_magazine *next;
	unsigned long pfns[IOVA_MAG_PFNS];
};

/**
 * struct iova_cpu_mags - one CPU's magazines for one size
 * @lock: protects the two magazines; taken remotely by flushes
 * @loaded: magazine in use, or NULL
 * @spare: the previous one, swapped in when @loaded is full or empty
 */
struct iova_cpu_mags {
	spinlock_t lock;	/* see the kernel-doc above */
	struct iova_magazine *loaded;
	struct iova_magazine *spare;
};

/**
 * struct iova_depot - full magazines shared by all CPUs, for one size
 * @lock: protects the other fields
 * @full: stack of full magazines
 * @count: magazines on @full, at most IOVA_DEPOT_MAX
 * @low: fewest magazines @full held since the last trim
 */
struct iova_depot {
	spinlock_t lock;	/* see the kernel-doc above */
	struct iova_magazine *full;
	unsigned int count;
	unsigned int low;
};

struct iova_cpu_cache {
	struct iova_cpu_mags mags[IOVA_CACHE_ORDERS];
};

/**
 * struct iova_caches - magazines of an iova_domain
 * @iovad: the domain
 * @cpu: per-CPU magazines
 * @depot: a depot per cached size
 * @trim: gives back magazines the depots did not need
 */
struct iova_caches {
	struct iova_domain *iovad;
	struct iova_cpu_cache __percpu *cpu;
	struct iova_depot depot[IOVA_CACHE_ORDERS];
	struct delayed_work trim;
};

static struct iova_magazine *iova_mag_alloc(void)
{
	struct iova_magazine *mag;

	mag = kmalloc(sizeof(*mag), GFP_ATOMIC | __GFP_NOWARN);
	if (mag)
		mag->count = 0;
	return mag;
}

static bool iova_mag_full(struct iova_magazine *mag)
{
	return mag->count == IOVA_MAG_PFNS;
}

/* Give a magazine's ranges back to the tree; the magazine stays. */
static void iova_mag_drain(struct iova_domain *iovad, struct iova_magazine *mag)
{
	iova_free_pfns(iovad, mag->pfns, mag->count);
	mag->count = 0;
}

/*
 * Take a range that ends at or below @limit_pfn, or 0.  The newest entry
 * nearly always fits; a domain shared by devices with different DMA masks
 * may need a look further down.
 */
static unsigned long iova_mag_pop(struct iova_magazine *mag,
				  unsigned long size, unsigned long limit_pfn)
{
	unsigned long i, pfn;

	for (i = mag->count; i-- > 0;) {
		pfn = mag->pfns[i];
		if (pfn + size - 1 <= limit_pfn) {
			mag->pfns[i] = mag->pfns[--mag->count];
			return pfn;
		}
	}
	return 0;
}

/*
 * Hand a full magazine to the depot; false if the depot is full.  Called
 * under a CPU's magazine lock, so with interrupts off.
 */
static bool iova_depot_push(struct iova_caches *caches, unsigned int order,
			    struct iova_magazine *mag)
{
	struct iova_depot *depot = &caches->depot[order];
	bool taken = false;

	lockdep_assert_irqs_disabled();
	spin_lock(&depot->lock);
	if (depot->count < IOVA_DEPOT_MAX) {
		mag->next = depot->full;
		depot->full = mag;
		depot->count++;
		taken = true;
	}
	spin_unlock(&depot->lock);

	if (taken && !delayed_work_pending(&caches->trim))
		schedule_delayed_work(&caches->trim, IOVA_DEPOT_TRIM_PERIOD);
	return taken;
}

/* Take a full magazine from the depot, under a CPU's magazine lock. */
static struct iova_magazine *iova_depot_pop(struct iova_caches *caches,
					    unsigned int order)
{
	struct iova_depot *depot = &caches->depot[order];
	struct iova_magazine *mag;

	lockdep_assert_irqs_disabled();
	spin_lock(&depot->lock);
	mag = depot->full;
	if (mag) {
		depot->full = mag->next;
		depot->count--;
		depot->low = min(depot->low, depot->count);
	}
	spin_unlock(&depot->lock);
	return mag;
}

/*
 * The loaded magazine is full or missing: swap in the spare, or hand the
 * spare to the depot and start an empty one.  Under @cm's lock; out of
 * line so that the common case, a push onto the loaded magazine, stays
 * short.
 */
static noinline bool iova_cache_put_slow(struct iova_caches *caches,
					 struct iova_cpu_mags *cm,
					 unsigned int order, unsigned long pfn)
{
	struct iova_magazine *empty = NULL;

	if (cm->spare && !iova_mag_full(cm->spare)) {
		swap(cm->loaded, cm->spare);
		goto push;
	}
	/*
	 * Both are full or missing.  The spare goes to the depot, or if the
	 * depot is full, its ranges go back to the tree and it is reused.
	 */
	if (cm->spare && !iova_depot_push(caches, order, cm->spare)) {
		iova_mag_drain(caches->iovad, cm->spare);
		empty = cm->spare;
	}
	cm->spare = cm->loaded;
	cm->loaded = empty ?: iova_mag_alloc();
	if (!cm->loaded)
		return false;
push:
	cm->loaded->pfns[cm->loaded->count++] = pfn;
	return true;
}

/* Cache a freed range; false if it must go back to the tree instead. */
static bool iova_cache_put_pfn(struct iova_caches *caches, unsigned int order,
			       unsigned long pfn)
{
	struct iova_cpu_mags *cm = &raw_cpu_ptr(caches->cpu)->mags[order];
	struct iova_magazine *mag;
	unsigned long flags;
	bool cached = true;

	spin_lock_irqsave(&cm->lock, flags);
	mag = cm->loaded;
	if (mag && !iova_mag_full(mag))
		mag->pfns[mag->count++] = pfn;
	else
		cached = iova_cache_put_slow(caches, cm, order, pfn);
	spin_unlock_irqrestore(&cm->lock, flags);
	return cached;
}

/*
 * Nothing in the loaded magazine fits: try the spare, and when it is empty
 * too, a full magazine from the depot.  Under @cm's lock, out of line as
 * iova_cache_put_slow() is.
 */
static noinline unsigned long iova_cache_get_slow(struct iova_caches *caches,
						  struct iova_cpu_mags *cm,
						  unsigned int order,
						  unsigned long limit_pfn)
{
	unsigned long size = 1UL << order;
	struct iova_magazine *mag;

	if (cm->spare && cm->spare->count) {
		swap(cm->loaded, cm->spare);
		return iova_mag_pop(cm->loaded, size, limit_pfn);
	}
	mag = iova_depot_pop(caches, order);
	if (!mag)
		return 0;
	kfree(cm->spare);
	cm->spare = cm->loaded;
	cm->loaded = mag;
	return iova_mag_pop(mag, size, limit_pfn);
}

/* A cached range of 2^order frames ending at or below @limit_pfn, or 0 */
static unsigned long iova_cache_get_pfn(struct iova_caches *caches,
					unsigned int order,
					unsigned long limit_pfn)
{
	struct iova_cpu_mags *cm = &raw_cpu_ptr(caches->cpu)->mags[order];
	unsigned long flags, pfn = 0;

	spin_lock_irqsave(&cm->lock, flags);
	if (cm->loaded)
		pfn = iova_mag_pop(cm->loaded, 1UL << order, limit_pfn);
	if (!pfn)
		pfn = iova_cache_get_slow(caches, cm, order, limit_pfn);
	spin_unlock_irqrestore(&cm->lock, flags);
	return pfn;
}

static void iova_cpu_flush(struct iova_caches *caches, unsigned int cpu)
{
	struct iova_cpu_cache *cc = per_cpu_ptr(caches->cpu, cpu);
	struct iova_magazine *loaded, *spare;
	unsigned long flags;
	unsigned int order;

	for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
		struct iova_cpu_mags *cm = &cc->mags[order];

		spin_lock_irqsave(&cm->lock, flags);
		loaded = cm->loaded;
		spare = cm->spare;
		cm->loaded = NULL;
		cm->spare = NULL;
		spin_unlock_irqrestore(&cm->lock, flags);

		if (loaded)
			iova_mag_drain(caches->iovad, loaded);
		if (spare)
			iova_mag_drain(caches->iovad, spare);
		kfree(loaded);
		kfree(spare);
	}
}

/*
 * Take magazines off a depot and give their ranges back: all of them, or
 * only those it held all through the period that ends now.  Either way a
 * new period starts with what is left.
 */
static void iova_depot_release(struct iova_caches *caches, unsigned int order,
			       bool all)
{
	struct iova_depot *depot = &caches->depot[order];
	struct iova_magazine *list = NULL, *mag;
	unsigned long flags;
	unsigned int count;

	spin_lock_irqsave(&depot->lock, flags);
	for (count = all ? depot->count : depot->low; count; count--) {
		mag = depot->full;
		depot->full = mag->next;
		depot->count--;
		mag->next = list;
		list = mag;
	}
	depot->low = depot->count;
	spin_unlock_irqrestore(&depot->lock, flags);

	while ((mag = list)) {
		list = mag->next;
		iova_mag_drain(caches->iovad, mag);
		kfree(mag);
	}
}

/**
 * iova_depot_trim() - give back the magazines the depots did not need
 * @iovad: a domain with caches
 *
 * A depot that never went below N magazines during the last period had N
 * more than its users needed; those go back to the tree.  Runs every
 * IOVA_DEPOT_TRIM_PERIOD while a depot holds anything.
 */
VISIBLE_IF_KUNIT void iova_depot_trim(struct iova_domain *iovad)
{
	unsigned int order;

	for (order = 0; order < IOVA_CACHE_ORDERS; order++)
		iova_depot_release(iovad->caches, order, false);
}
EXPORT_SYMBOL_IF_KUNIT(iova_depot_trim);

/**
 * iova_depot_count() - magazines in one depot
 * @iovad: a domain with caches
 * @order: log2 of the cached size
 *
 * Return: the number of full magazines the depot holds.
 */
VISIBLE_IF_KUNIT unsigned int iova_depot_count(struct iova_domain *iovad,
					       unsigned int order)
{
	return READ_ONCE(iovad->caches->depot[order].count);
}
EXPORT_SYMBOL_IF_KUNIT(iova_depot_count);

static void iova_depot_trim_work(struct work_struct *work)
{
	struct iova_caches *caches = container_of(to_delayed_work(work),
						  struct iova_caches, trim);
	unsigned int order;

	iova_depot_trim(caches->iovad);
	for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
		if (READ_ONCE(caches->depot[order].count)) {
			schedule_delayed_work(&caches->trim,
					      IOVA_DEPOT_TRIM_PERIOD);
			break;
		}
	}
}

/* Free magazines without touching the tree; the domain is going away. */
static void iova_caches_free(struct iova_caches *caches)
{
	struct iova_magazine *mag;
	unsigned int cpu, order;

	for_each_possible_cpu(cpu) {
		struct iova_cpu_cache *cc = per_cpu_ptr(caches->cpu, cpu);

		for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
			kfree(cc->mags[order].loaded);
			kfree(cc->mags[order].spare);
		}
	}
	for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
		while ((mag = caches->depot[order].full)) {
			caches->depot[order].full = mag->next;
			kfree(mag);
		}
	}
	free_percpu(caches->cpu);
	kfree(caches);
}

/**
 * iova_domain_init_rcaches() - give a domain per-CPU range caches
 * @iovad: a domain set up by init_iova_domain()
 *
 * Needed before alloc_iova_fast() can cache; magazines themselves are
 * allocated as ranges are freed.  Requires iova_cache_get().
 *
 * Context: process context; may sleep.
 * Return: 0, -EBUSY if the domain has caches already, or -ENOMEM.
 */
int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	struct iova_caches *caches;
	unsigned int cpu, order;
	int ret;

	if (iovad->caches)
		return -EBUSY;
	caches = kzalloc(sizeof(*caches), GFP_KERNEL);
	if (!caches)
		return -ENOMEM;
	caches->cpu = alloc_percpu(struct iova_cpu_cache);
	if (!caches->cpu) {
		kfree(caches);
		return -ENOMEM;
	}
	caches->iovad = iovad;
	for_each_possible_cpu(cpu)
		for (order = 0; order < IOVA_CACHE_ORDERS; order++)
			spin_lock_init(&per_cpu_ptr(caches->cpu, cpu)->mags[order].lock);
	for (order = 0; order < IOVA_CACHE_ORDERS; order++)
		spin_lock_init(&caches->depot[order].lock);
	INIT_DELAYED_WORK(&caches->trim, iova_depot_trim_work);

	iovad->caches = caches;
	ret = cpuhp_state_add_instance_nocalls(CPUHP_IOMMU_IOVA_DEAD,
					       &iovad->cpuhp_dead);
	if (ret) {
		iovad->caches = NULL;
		iova_caches_free(caches);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(iova_domain_init_rcaches);

/**
 * iova_domain_flush_rcaches() - give every cached range back to the tree
 * @iovad: the domain
 *
 * Empties all CPUs' magazines and the depots, and frees the magazines.
 * alloc_iova_fast() does this itself before it reports that space ran out.
 *
 * Context: any; does not sleep.
 */
void iova_domain_flush_rcaches(struct iova_domain *iovad)
{
	struct iova_caches *caches = iovad->caches;
	unsigned int cpu, order;

	if (!caches)
		return;
	for_each_possible_cpu(cpu)
		iova_cpu_flush(caches, cpu);
	for (order = 0; order < IOVA_CACHE_ORDERS; order++)
		iova_depot_release(caches, order, true);
}
EXPORT_SYMBOL_GPL(iova_domain_flush_rcaches);

/**
 * put_iova_domain() - free everything a domain holds
 * @iovad: the domain; no other user may be left
 *
 * Context: process context; may sleep.
 */
void put_iova_domain(struct iova_domain *iovad)
{
	struct iova *iova, *next;

	might_sleep();
	if (iovad->caches) {
		cpuhp_state_remove_instance_nocalls(CPUHP_IOMMU_IOVA_DEAD,
						    &iovad->cpuhp_dead);
		cancel_delayed_work_sync(&iovad->caches->trim);
		iova_caches_free(iovad->caches);
		iovad->caches = NULL;
	}
	rbtree_postorder_for_each_entry_safe(iova, next, &iovad->rbroot, node)
		iova_node_free(iova);
	iovad->rbroot = RB_ROOT;
}
EXPORT_SYMBOL_GPL(put_iova_domain);

/* ---------------------------------------------------------------------
 * The range caches: alloc_iova_fast() and free_iova_fast()
 * ---------------------------------------------------------------------
 */

/**
 * iova_rcache_range() - largest size the per-CPU caches hold
 *
 * Return: that size in bytes, at PAGE_SIZE granule.
 */
unsigned long iova_rcache_range(void)
{
	return PAGE_SIZE << (IOVA_CACHE_ORDERS - 1);
}
EXPORT_SYMBOL_GPL(iova_rcache_range);

/* The tree's part of alloc_iova_fast(), out of line like the caches' */
static noinline unsigned long iova_alloc_uncached(struct iova_domain *iovad,
						  unsigned long size,
						  unsigned long limit_pfn,
						  bool flush_rcache)
{
	struct iova *iova;

	iova = alloc_iova(iovad, size, limit_pfn, true);
	if (!iova && flush_rcache && iovad->caches) {
		iova_domain_flush_rcaches(iovad);
		iova = alloc_iova(iovad, size, limit_pfn, true);
	}
	return iova ? iova->pfn_lo : 0;
}

/**
 * alloc_iova_fast() - allocate a range, from the per-CPU caches if possible
 * @iovad: the domain
 * @size: number of page frames
 * @limit_pfn: highest page frame the range may include
 * @flush_rcache: on failure, flush all caches and try once more
 *
 * Sizes up to iova_rcache_range() are rounded up to a power of two, so that
 * a cached range can serve any request of its class; such ranges must be
 * freed with free_iova_fast().  Every range is size-aligned.
 *
 * Context: any; does not sleep.
 * Return: the first page frame of the range, or 0 if there is no room.
 */
unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	unsigned int order;
	unsigned long pfn;

	if (!size)
		return 0;
	if (size <= IOVA_CACHE_MAX_PAGES) {
		order = order_base_2(size);
		size = 1UL << order;
		if (iovad->caches) {
			pfn = iova_cache_get_pfn(iovad->caches, order,
						 limit_pfn);
			if (pfn)
				return pfn;
		}
	}
	return iova_alloc_uncached(iovad, size, limit_pfn, flush_rcache);
}
EXPORT_SYMBOL_GPL(alloc_iova_fast);

/**
 * free_iova_fast() - free a range from alloc_iova_fast()
 * @iovad: the domain
 * @pfn: first page frame of the range
 * @size: the size passed to alloc_iova_fast()
 *
 * Context: any; does not sleep.
 */
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size)
{
	if (size && size <= IOVA_CACHE_MAX_PAGES && iovad->caches &&
	    iova_cache_put_pfn(iovad->caches, order_base_2(size), pfn))
		return;
	free_iova(iovad, pfn);
}
EXPORT_SYMBOL_GPL(free_iova_fast);

static unsigned long iova_mag_count(struct iova_magazine *mag)
{
	return mag ? mag->count : 0;
}

static unsigned long iova_caches_count(struct iova_caches *caches)
{
	unsigned long count = 0, flags;
	struct iova_magazine *mag;
	unsigned int cpu, order;

	for_each_possible_cpu(cpu) {
		for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
			struct iova_cpu_mags *cm =
				&per_cpu_ptr(caches->cpu, cpu)->mags[order];

			spin_lock_irqsave(&cm->lock, flags);
			count += iova_mag_count(cm->loaded) +
				 iova_mag_count(cm->spare);
			spin_unlock_irqrestore(&cm->lock, flags);
		}
	}
	for (order = 0; order < IOVA_CACHE_ORDERS; order++) {
		spin_lock_irqsave(&caches->depot[order].lock, flags);
		for (mag = caches->depot[order].full; mag; mag = mag->next)
			count += mag->count;
		spin_unlock_irqrestore(&caches->depot[order].lock, flags);
	}
	return count;
}

/**
 * iova_domain_usage() - count what a domain's ranges are used for
 * @iovad: the domain
 * @usage: where the counts go
 *
 * Walks the whole tree and every cache, each under its own lock, so the
 * counts are exact only while nobody allocates or frees: for debugging.
 *
 * Context: any; takes the domain's spinlocks with interrupts off.
 */
void iova_domain_usage(struct iova_domain *iovad, struct iova_usage *usage)
{
	struct rb_node *node;
	unsigned long flags;

	memset(usage, 0, sizeof(*usage));
	if (iovad->caches)
		usage->cached = iova_caches_count(iovad->caches);
	spin_lock_irqsave(&iovad->lock, flags);
	for (node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
		usage->ranges++;
		usage->reserved += rb_entry(node, struct iova, node)->reserved;
	}
	spin_unlock_irqrestore(&iovad->lock, flags);
}
EXPORT_SYMBOL_GPL(iova_domain_usage);

/* ---------------------------------------------------------------------
 * Module-wide state: the slab of tree nodes and CPU hotplug
 *
 * iova_cache_get() and iova_cache_put() keep the names their callers know;
 * "cache" in this file otherwise means only a domain's range caches.
 * ---------------------------------------------------------------------
 */

static DEFINE_MUTEX(iova_global_mutex);
static unsigned int iova_global_users;

static int iova_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct iova_domain *iovad = hlist_entry_safe(node, struct iova_domain,
						     cpuhp_dead);

	iova_cpu_flush(iovad->caches, cpu);
	return 0;
}

/**
 * iova_cache_get() - take a reference on the allocator's global state
 *
 * The global state is the slab that tree nodes come from and the CPU
 * hotplug callback that empties a dead CPU's range caches.  A reference
 * must be held while any iova_domain exists.
 *
 * Context: process context; may sleep.
 * Return: 0 or a negative error code.
 */
int iova_cache_get(void)
{
	int ret = 0;

	mutex_lock(&iova_global_mutex);
	if (!iova_global_users) {
		iova_node_slab = KMEM_CACHE(iova, 0);
		ret = iova_node_slab ? 0 : -ENOMEM;
		if (!ret) {
			ret = cpuhp_setup_state_multi(CPUHP_IOMMU_IOVA_DEAD,
						      "iommu/iova:dead", NULL,
						      iova_cpu_dead);
			if (ret)
				kmem_cache_destroy(iova_node_slab);
		}
	}
	if (ret)
		pr_err("iova: cannot set up the allocator: %d\n", ret);
	else
		iova_global_users++;
	mutex_unlock(&iova_global_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(iova_cache_get);

/**
 * iova_cache_put() - drop a reference taken by iova_cache_get()
 *
 * Context: process context; may sleep.
 */
void iova_cache_put(void)
{
	mutex_lock(&iova_global_mutex);
	if (!WARN_ON_ONCE(!iova_global_users) && !--iova_global_users) {
		cpuhp_remove_multi_state(CPUHP_IOMMU_IOVA_DEAD);
		kmem_cache_destroy(iova_node_slab);
		iova_node_slab = NULL;
	}
	mutex_unlock(&iova_global_mutex);
}
EXPORT_SYMBOL_GPL(iova_cache_put);

MODULE_DESCRIPTION("IOMMU I/O virtual address allocator");
MODULE_LICENSE("GPL");
