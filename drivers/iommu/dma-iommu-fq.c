// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flush queues of DMA-FQ domains.
 *
 * In a DMA-FQ domain an unmap clears the page tables but does not wait for
 * the IOTLB: the range goes into its CPU's ring instead, and is freed once an
 * IOTLB flush of the whole domain that *started after it was queued* has
 * completed.  Until then the IOMMU may still translate the old addresses,
 * so they must not be handed out again.
 *
 * Two counters order entries against flushes.  A flush increments
 * @started before it invalidates and @done after it has completed.  An
 * entry records @started when it is queued, as @gen.  When @done exceeds
 * @gen, more flushes have completed than had started before the entry was
 * queued, so at least one of them started after it: the entry is safe to
 * free.  A CPU that has just flushed also frees every entry whose @gen is
 * below its own flush's ticket, the value @started took from it, even
 * while an earlier flush elsewhere keeps @done behind.  Entries of a ring
 * are queued in order, so their @gen never decreases and a ring is reaped
 * from its head.
 *
 * A flush happens when a ring is full, on a timer a few milliseconds after
 * an entry is queued, and when the IOVA space runs out.
 */

#include <linux/atomic.h>
#include <linux/iova.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "dma-iommu-internal.h"
#include "iommu-pages.h"

#define IOMMU_DMA_FQ_ENTRIES	256	/* per CPU, a power of two */
#define IOMMU_DMA_FQ_TIMEOUT_MS	10

struct iommu_dma_fq_entry {
	unsigned long		pfn;
	unsigned long		pages;
	u64			gen;
	struct list_head	freelist;
};

/* @head and @tail run freely; their difference is the number of entries. */
struct iommu_dma_fq_ring {
	spinlock_t			lock;	/* protects the whole ring */
	unsigned int			head;
	unsigned int			tail;
	struct iommu_dma_fq_entry	entries[IOMMU_DMA_FQ_ENTRIES];
};

/**
 * struct iommu_dma_fq - the flush queue of one domain
 * @cookie: the domain's cookie
 * @rings: one ring per CPU
 * @started: flushes started
 * @done: flushes completed
 * @timer: flushes what is queued if nothing else does
 * @timer_armed: @timer is pending, or about to be
 */
struct iommu_dma_fq {
	struct iommu_dma_cookie			*cookie;
	struct iommu_dma_fq_ring __percpu	*rings;
	atomic64_t				started;
	atomic64_t				done;
	struct timer_list			timer;
	atomic_t				timer_armed;
};

/*
 * Flush the IOTLB.  Returns the flush's ticket: every entry whose @gen is
 * below it was queued before this flush started, so this flush, now
 * complete, covers it, whatever other flushes are still running.
 */
static u64 iommu_dma_fq_flush(struct iommu_dma_fq *fq)
{
	/* A full barrier; pairs with the smp_mb() in iommu_dma_fq_queue(). */
	u64 ticket = atomic64_inc_return(&fq->started);

	iommu_flush_iotlb_all(fq->cookie->domain);
	/* No entry may be reaped before the flush has completed. */
	smp_mb__before_atomic();
	atomic64_inc(&fq->done);
	return ticket;
}

static bool iommu_dma_fq_ring_full(struct iommu_dma_fq_ring *ring)
{
	return ring->tail - ring->head == IOMMU_DMA_FQ_ENTRIES;
}

/* Free the entries from the head whose @gen is below @covered. */
static void iommu_dma_fq_reap(struct iommu_dma_fq *fq,
			      struct iommu_dma_fq_ring *ring, u64 covered)
{
	struct iova_domain *iovad = &fq->cookie->iovad;
	u64 done = max_t(u64, covered, atomic64_read(&fq->done));

	lockdep_assert_held(&ring->lock);
	while (ring->head != ring->tail) {
		struct iommu_dma_fq_entry *e =
			&ring->entries[ring->head % IOMMU_DMA_FQ_ENTRIES];

		if (e->gen >= done)
			break;
		free_iova_fast(iovad, e->pfn, e->pages);
		iommu_put_pages_list(&e->freelist);
		ring->head++;
	}
}

/*
 * Free what flushes have covered; only if that frees nothing, flush.  The
 * completed-flush count alone is not enough then: another CPU's flush that
 * started earlier may still be running, and the ring would stay full.  Our
 * own flush covers the whole ring, which holds nothing newer than it.
 */
static void iommu_dma_fq_make_room(struct iommu_dma_fq *fq,
				   struct iommu_dma_fq_ring *ring)
{
	iommu_dma_fq_reap(fq, ring, 0);
	if (!iommu_dma_fq_ring_full(ring))
		return;
	iommu_dma_fq_reap(fq, ring, iommu_dma_fq_flush(fq));
	WARN_ON_ONCE(iommu_dma_fq_ring_full(ring));
}

static void iommu_dma_fq_reap_all(struct iommu_dma_fq *fq, u64 covered)
{
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct iommu_dma_fq_ring *ring = per_cpu_ptr(fq->rings, cpu);

		spin_lock_irqsave(&ring->lock, flags);
		iommu_dma_fq_reap(fq, ring, covered);
		spin_unlock_irqrestore(&ring->lock, flags);
	}
}

/**
 * iommu_dma_fq_drain() - flush the IOTLB and free everything queued
 * @fq: the queue
 *
 * Context: any; does not sleep.
 */
void iommu_dma_fq_drain(struct iommu_dma_fq *fq)
{
	iommu_dma_fq_reap_all(fq, iommu_dma_fq_flush(fq));
}

/**
 * iommu_dma_fq_count() - ranges waiting in a flush queue
 * @fq: the domain's queue
 *
 * For debugging: the count is exact only while nobody unmaps.
 *
 * Context: any; does not sleep.
 * Return: the number of ranges queued and not yet freed.
 */
unsigned long iommu_dma_fq_count(struct iommu_dma_fq *fq)
{
	unsigned long count = 0, flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct iommu_dma_fq_ring *ring = per_cpu_ptr(fq->rings, cpu);

		spin_lock_irqsave(&ring->lock, flags);
		count += ring->tail - ring->head;
		spin_unlock_irqrestore(&ring->lock, flags);
	}
	return count;
}

static void iommu_dma_fq_timeout(struct timer_list *t)
{
	struct iommu_dma_fq *fq = from_timer(fq, t, timer);

	/* Anything queued from here on arms the timer again. */
	atomic_set(&fq->timer_armed, 0);
	iommu_dma_fq_drain(fq);
}

/**
 * iommu_dma_fq_queue() - free a range once the IOTLB no longer holds it
 * @fq: the domain's queue
 * @iova: first address of the range, whose page-table entries are cleared
 * @size: size of the range as allocated
 * @freelist: page-table pages to free with it; emptied
 *
 * Context: any; does not sleep.
 */
void iommu_dma_fq_queue(struct iommu_dma_fq *fq, dma_addr_t iova, size_t size,
			struct list_head *freelist)
{
	struct iova_domain *iovad = &fq->cookie->iovad;
	struct iommu_dma_fq_ring *ring;
	struct iommu_dma_fq_entry *e;
	unsigned long flags;
	u64 gen;

	/*
	 * The cleared entries must be visible to the IOMMU's walker before
	 * the generation is read: a flush counted after this read must not
	 * overtake them.
	 */
	smp_mb();
	gen = atomic64_read(&fq->started);

	/* Another CPU's ring would do as well, so migration is harmless. */
	ring = raw_cpu_ptr(fq->rings);
	spin_lock_irqsave(&ring->lock, flags);
	iommu_dma_fq_make_room(fq, ring);
	e = &ring->entries[ring->tail % IOMMU_DMA_FQ_ENTRIES];
	e->pfn = iova_pfn(iovad, iova);
	e->pages = size >> iova_shift(iovad);
	e->gen = gen;
	INIT_LIST_HEAD(&e->freelist);
	list_splice_init(freelist, &e->freelist);
	ring->tail++;
	spin_unlock_irqrestore(&ring->lock, flags);

	if (!atomic_read(&fq->timer_armed) && !atomic_xchg(&fq->timer_armed, 1))
		mod_timer(&fq->timer,
			  jiffies + msecs_to_jiffies(IOMMU_DMA_FQ_TIMEOUT_MS));
}

/**
 * iommu_dma_fq_create() - give a domain a flush queue
 * @cookie: the domain's IOVA cookie, with its lock held
 *
 * Return: 0 or -ENOMEM.
 */
int iommu_dma_fq_create(struct iommu_dma_cookie *cookie)
{
	struct iommu_dma_fq *fq;
	int cpu;

	lockdep_assert_held(&cookie->lock);
	fq = kzalloc(sizeof(*fq), GFP_KERNEL);
	if (!fq)
		return -ENOMEM;
	fq->rings = alloc_percpu(struct iommu_dma_fq_ring);
	if (!fq->rings) {
		kfree(fq);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(fq->rings, cpu)->lock);
	fq->cookie = cookie;
	timer_setup(&fq->timer, iommu_dma_fq_timeout, 0);
	/* Unmaps look the queue up without the lock. */
	smp_store_release(&cookie->fq, fq);
	return 0;
}

/**
 * iommu_dma_fq_destroy() - free a domain's flush queue
 * @cookie: the cookie of a domain that no device uses any more
 */
void iommu_dma_fq_destroy(struct iommu_dma_cookie *cookie)
{
	struct iommu_dma_fq *fq = cookie->fq;
	int cpu;

	timer_shutdown_sync(&fq->timer);
	iommu_dma_fq_drain(fq);
	for_each_possible_cpu(cpu) {
		struct iommu_dma_fq_ring *ring = per_cpu_ptr(fq->rings, cpu);

		WARN_ON(ring->head != ring->tail);
	}
	free_percpu(fq->rings);
	kfree(fq);
	cookie->fq = NULL;
}
