// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3 command queue.
 *
 * The command queue is a ring of 16-byte commands in memory.  Software
 * writes commands at PROD and moves the PROD register on; the SMMU executes
 * them in order and moves CONS.  A CMD_SYNC completes only once everything
 * before it has taken effect, CMD_SYNCs complete in order, and CONS does
 * not pass a CMD_SYNC before it completes.
 *
 * Positions are sequence numbers, 64-bit counts of the entries written
 * since reset that never wrap; PROD and CONS are their low bits.  The lock
 * covers writing into the ring and moving PROD, and nothing else: nobody
 * holds it while a CMD_SYNC completes.  Three invariants make that work:
 *
 *  - tail - cons_seq <= ring size.  Producers write only into room they saw
 *    free, so CONS is less than a lap ahead of cons_seq and its wrap bit
 *    says by how much: cons_seq follows CONS exactly, however late a
 *    waiter reads it (smmu_cmdq_read_cons()).
 *  - Every entry before sync_seq has a CMD_SYNC behind it, and the
 *    CMD_SYNC ending at sync_seq has completed once CONS reaches it (or,
 *    on a coherent SMMU with MSIs, once its completion write says so).
 *  - At most one CMD_SYNC is in flight.  Batches queued while one is
 *    gather behind it, and the next CMD_SYNC covers them all.  It is
 *    written once the last has completed and as many submissions have
 *    arrived since as it covered: the CPUs it released are usually back
 *    with more within the time of an unmap, and a CMD_SYNC written before
 *    they are would leave them to wait for another.  A waiter stops
 *    waiting for them after SMMU_CMDQ_GATHER_NS, a lone CPU never waits,
 *    and with N CPUs busy each CMD_SYNC serves all N.  Nobody waits for
 *    them on an SMMU whose CMD_SYNCs complete before their waiters poll.
 *
 * When the SMMU refuses a command (CERROR in GERROR), it stops with CONS at
 * that command.  Whoever polls at the time reports the command, replaces it
 * with a harmless CMD_SYNC and acknowledges the error, upon which the SMMU
 * goes on.  A submission fails only when the SMMU makes no progress for
 * SMMU_POLL_TIMEOUT_US; its callers return the error or, where they cannot,
 * say what it leaves behind.  Documentation/iommu/arm-smmu-v3.rst has the
 * orderings all this relies on.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/log2.h>

#include <kunit/visibility.h>

#include "arm-smmu-v3.h"

/* Command queues larger than this would only hold memory. */
#define SMMU_CMDQ_MAX_SHIFT	10

/* ==== Command encoding ==== */

static void smmu_cmd_init(struct smmu_cmd *cmd, u8 opcode)
{
	cmd->w[0] = FIELD_PREP(SMMU_CMD0_OPCODE, opcode);
	cmd->w[1] = 0;
}

/**
 * smmu_cmd_sync() - encode CMD_SYNC
 * @cmd: the command to fill in.
 * @sev: signal completion with a send-event as well.
 */
void smmu_cmd_sync(struct smmu_cmd *cmd, bool sev)
{
	smmu_cmd_init(cmd, SMMU_OP_CMD_SYNC);
	cmd->w[0] |= FIELD_PREP(SMMU_SYNC0_CS,
				sev ? SMMU_SYNC_CS_SEV : SMMU_SYNC_CS_NONE);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_sync);

/**
 * smmu_cmd_sync_msi() - encode CMD_SYNC that signals completion by a write
 * @cmd: the command to fill in.
 * @addr: where the SMMU writes, 4-byte aligned, in coherent memory.
 * @data: the 32-bit value it writes there.
 */
void smmu_cmd_sync_msi(struct smmu_cmd *cmd, dma_addr_t addr, u32 data)
{
	smmu_cmd_init(cmd, SMMU_OP_CMD_SYNC);
	cmd->w[0] |= FIELD_PREP(SMMU_SYNC0_CS, SMMU_SYNC_CS_IRQ) |
		     FIELD_PREP(SMMU_SYNC0_MSH, SMMU_SH_ISH) |
		     FIELD_PREP(SMMU_SYNC0_MSIATTR, SMMU_MEMATTR_OIWB) |
		     FIELD_PREP(SMMU_SYNC0_MSIDATA, data);
	cmd->w[1] = addr & SMMU_SYNC1_MSIADDR;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_sync_msi);

/**
 * smmu_cmd_cfgi_ste() - encode CMD_CFGI_STE
 * @cmd: the command to fill in.
 * @sid: StreamID whose cached STE (and what it led to) goes.
 * @leaf: only the STE, not a level-1 descriptor leading to it.
 */
void smmu_cmd_cfgi_ste(struct smmu_cmd *cmd, u32 sid, bool leaf)
{
	smmu_cmd_init(cmd, SMMU_OP_CFGI_STE);
	cmd->w[0] |= FIELD_PREP(SMMU_CFGI0_SID, sid);
	cmd->w[1] = leaf ? SMMU_CFGI1_LEAF : 0;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_cfgi_ste);

/**
 * smmu_cmd_cfgi_all() - encode CMD_CFGI_ALL: drop all cached configuration
 * @cmd: the command to fill in.
 */
void smmu_cmd_cfgi_all(struct smmu_cmd *cmd)
{
	smmu_cmd_init(cmd, SMMU_OP_CFGI_ALL);
	/* CFGI_ALL is CFGI_STE_RANGE over every StreamID. */
	cmd->w[1] = FIELD_PREP(SMMU_CFGI1_RANGE, 31);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_cfgi_all);

/**
 * smmu_cmd_tlbi_asid() - encode CMD_TLBI_NH_ASID
 * @cmd: the command to fill in.
 * @asid: the ASID whose TLB entries go.
 */
void smmu_cmd_tlbi_asid(struct smmu_cmd *cmd, u16 asid)
{
	smmu_cmd_init(cmd, SMMU_OP_TLBI_NH_ASID);
	cmd->w[0] |= FIELD_PREP(SMMU_TLBI0_ASID, asid);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_tlbi_asid);

/**
 * smmu_cmd_tlbi_all() - encode a TLBI command without operands
 * @cmd: the command to fill in.
 * @opcode: SMMU_OP_TLBI_NH_ALL, SMMU_OP_TLBI_EL2_ALL or SMMU_OP_TLBI_NSNH_ALL.
 */
void smmu_cmd_tlbi_all(struct smmu_cmd *cmd, u8 opcode)
{
	smmu_cmd_init(cmd, opcode);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmd_tlbi_all);

/*
 * TTL, the level of the leaves that went: leaves of the granule's own size
 * sit at level 3, each level up covers granule_shift - 3 more bits.  0 means
 * "any level".  Stepping up the levels, rather than dividing, keeps a
 * divide off every unmap.
 */
static u64 smmu_tlbi_ttl(const struct smmu_tlbi_range *r)
{
	unsigned int shift = r->granule_shift;
	u64 ttl;

	for (ttl = 3; ttl >= 1; ttl--, shift += r->granule_shift - 3)
		if (r->leaf_shift == shift)
			return ttl;
	return 0;
}

/* TG: 4 KiB -> 1, 16 KiB -> 2, 64 KiB -> 3. */
static u64 smmu_tlbi_tg(unsigned int granule_shift)
{
	return (granule_shift - 10) / 2;
}

/* TLBI_NH_VA at @addr, without the fields of range invalidation. */
static void smmu_tlbi_va(struct smmu_cmd *cmd, const struct smmu_tlbi_range *r,
			 u64 addr)
{
	smmu_cmd_init(cmd, SMMU_OP_TLBI_NH_VA);
	cmd->w[0] |= FIELD_PREP(SMMU_TLBI0_ASID, r->asid);
	cmd->w[1] = FIELD_PREP(SMMU_TLBI1_ADDR, addr >> 12);
	if (r->leaf_shift)
		cmd->w[1] |= SMMU_TLBI1_LEAF;
}

/**
 * smmu_tlbi_range_cmds() - encode the TLBI_NH_VA commands for a range
 * @r: the range.
 * @cmds: where the commands go.
 * @max: room in @cmds.
 *
 * With range invalidation a command covers (NUM + 1) << SCALE granules, so
 * the range is cut where its length in granules has set bits: the lowest
 * set bit gives SCALE and the five bits from there give NUM.  A length
 * that is a power of two, or has all its set bits within five neighbours,
 * takes a single command.  Without it there is one command per leaf.
 *
 * Return: the number of commands the range needs.  If that is more than
 * @max, nothing useful is in @cmds and the caller should invalidate the
 * whole ASID instead.
 */
unsigned int smmu_tlbi_range_cmds(const struct smmu_tlbi_range *r,
				  struct smmu_cmd *cmds, unsigned int max)
{
	unsigned int leaf = r->leaf_shift ?: r->granule_shift;
	u64 addr = r->iova, left = r->granules;
	unsigned int n = 0;
	u64 ttl;

	/* One page, what most unmaps are: one command, its level known. */
	if (left == 1 && r->leaf_shift == r->granule_shift && max) {
		smmu_tlbi_va(cmds, r, addr);
		if (r->use_range)
			cmds->w[1] |= FIELD_PREP(SMMU_TLBI1_TG,
						 smmu_tlbi_tg(r->granule_shift)) |
				      FIELD_PREP(SMMU_TLBI1_TTL, 3);
		return 1;
	}

	ttl = smmu_tlbi_ttl(r);
	if (!r->use_range) {
		/* One command per leaf, each at the leaf's address. */
		left = DIV_ROUND_UP_ULL(left, 1ULL << (leaf - r->granule_shift));
		if (left > max)
			return min_t(u64, left, UINT_MAX);
	}

	for (; left; n++) {
		struct smmu_cmd *cmd = &cmds[n];
		unsigned int scale = 0;
		u64 num = 1;

		if (r->use_range) {
			scale = __ffs64(left);
			/* Odd, as bit 0 of left >> scale is set: never 0. */
			num = (left >> scale) % SMMU_TLBI_NUM_MAX;
			if (scale > SMMU_TLBI_SCALE_MAX)
				return UINT_MAX;
		}
		if (n >= max) {
			left -= num << scale;
			continue;	/* only counting from here on */
		}

		smmu_tlbi_va(cmd, r, addr);
		if (r->use_range) {
			cmd->w[0] |= FIELD_PREP(SMMU_TLBI0_NUM, num - 1) |
				     FIELD_PREP(SMMU_TLBI0_SCALE, scale);
			cmd->w[1] |= FIELD_PREP(SMMU_TLBI1_TG,
						smmu_tlbi_tg(r->granule_shift)) |
				     FIELD_PREP(SMMU_TLBI1_TTL, ttl);
			addr += (num << scale) << r->granule_shift;
			left -= num << scale;
		} else {
			addr += 1ULL << leaf;
			left--;
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_tlbi_range_cmds);

/* ==== The ring ==== */

/**
 * smmu_queue_write() - copy commands into a ring
 * @q: the ring, with room for @n entries at @pos.
 * @pos: where the first command goes (index and wrap bit).
 * @cmds: the commands, in CPU byte order.
 * @n: how many.
 *
 * Return: the position after the last command written.
 */
u32 smmu_queue_write(struct smmu_queue *q, u32 pos,
		     const struct smmu_cmd *cmds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, pos = smmu_q_advance(q, pos, 1))
		smmu_q_write_cmd(q, pos, &cmds[i]);
	return pos;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_queue_write);

static const char * const smmu_cerror_names[] = {
	[SMMU_CERROR_NONE]		= "no error",
	[SMMU_CERROR_ILL]		= "illegal command",
	[SMMU_CERROR_ABT]		= "abort while reading the command",
	[SMMU_CERROR_ATC_INV_SYNC]	= "ATC invalidation timed out",
};

/*
 * The SMMU stopped at the command CONS points to.  Say which and why, put a
 * CMD_SYNC in its place (which does no harm wherever it sits) and tell the
 * SMMU to go on.  Called with the queue lock held.
 */
static void smmu_cmdq_skip_bad(struct smmu_device *smmu)
{
	struct smmu_queue *q = &smmu->cmdq.q;
	u32 cons = readl_relaxed(q->cons_reg);
	u32 why = FIELD_GET(SMMU_CMDQ_CONS_ERR, cons);
	__le64 *slot = smmu_q_entry(q, cons);
	struct smmu_cmd sync;

	lockdep_assert_held(&smmu->cmdq.lock);
	dev_err_ratelimited(smmu->dev,
			    "command queue: %s at index %u: %016llx %016llx; skipped\n",
			    why < ARRAY_SIZE(smmu_cerror_names) ?
			    smmu_cerror_names[why] : "unknown error",
			    smmu_q_slot(q, cons), le64_to_cpu(slot[0]),
			    le64_to_cpu(slot[1]));
	atomic_inc(&smmu->cmdq.errors);

	/* An abort fetching the command: just try it again. */
	if (why != SMMU_CERROR_ABT) {
		smmu_cmd_sync(&sync, false);
		smmu_queue_write(q, cons, &sync, 1);
	}
	/* The replacement must be in memory before the SMMU looks again. */
	dma_wmb();
}

/**
 * smmu_cmdq_handle_error() - deal with a pending command queue error
 * @smmu: the SMMU.
 *
 * Called with the queue lock held, by a producer that saw GERROR.CMDQ_ERR
 * while it waited, and by the GERROR interrupt.
 */
void smmu_cmdq_handle_error(struct smmu_device *smmu)
{
	u32 gerror = readl_relaxed(smmu->base + SMMU_GERROR);
	u32 gerrorn = readl_relaxed(smmu->base + SMMU_GERRORN);

	lockdep_assert_held(&smmu->cmdq.lock);
	if (!((gerror ^ gerrorn) & SMMU_GERROR_CMDQ_ERR))
		return;

	smmu_cmdq_skip_bad(smmu);
	/*
	 * Acknowledge: make GERRORN.CMDQ_ERR equal GERROR.CMDQ_ERR again.
	 * The SMMU resumes from CONS, at the replacement, once it sees this.
	 */
	writel(gerrorn ^ SMMU_GERROR_CMDQ_ERR, smmu->base + SMMU_GERRORN);
}

/* ==== Sequence numbers ==== */

/* Spins of a waiter before it backs off, and reads CONS even with MSIs. */
#define SMMU_CMDQ_SPINS		100
/*
 * How long a waiter holds the next CMD_SYNC back for the CPUs the last one
 * released: about the time a CPU takes to unmap a page and come back.
 */
#define SMMU_CMDQ_GATHER_NS	2000

/*
 * Bring cons_seq up to CONS.  Producers never run more than a ring ahead of
 * cons_seq, and CONS is read after it, so CONS is less than a lap (twice
 * the ring) ahead: its index and wrap bit give the exact distance.  Of
 * several CPUs doing this at once the first to move cons_seq wins and the
 * others look again, from the newer count.
 */
static u64 smmu_cmdq_read_cons(struct smmu_cmdq *cmdq)
{
	struct smmu_queue *q = &cmdq->q;
	u64 seen, now;

	for (;;) {
		seen = atomic64_read_acquire(&cmdq->cons_seq);
		/* readl(): whatever we do after this, we do after the SMMU read it */
		now = seen + smmu_q_pos(q, readl(q->cons_reg) - (u32)seen);
		if (now == seen ||
		    atomic64_try_cmpxchg(&cmdq->cons_seq, &seen, now))
			return now;
	}
}

/*
 * Has the CMD_SYNC that @sync is the sync_seq of completed?  The SMMU moves
 * CONS past a CMD_SYNC only once it completed, and CMD_SYNCs complete in
 * order, so the last MSI written speaks for every CMD_SYNC before it.
 */
static bool smmu_cmdq_synced(struct smmu_cmdq *cmdq, u64 sync)
{
	/* Acquire: what the caller does next comes after the completion. */
	if (atomic64_read_acquire(&cmdq->cons_seq) >= sync)
		return true;
	/* Acquire, as above. */
	return cmdq->msi && (s32)(smp_load_acquire(cmdq->msi) - (u32)sync) >= 0;
}

static bool smmu_cmdq_has_room(struct smmu_cmdq *cmdq, u32 need)
{
	return cmdq->tail + need - atomic64_read(&cmdq->cons_seq) <=
	       smmu_q_entries(&cmdq->q);
}

/* ==== Waiting for the SMMU ==== */

/**
 * struct smmu_cmdq_poll - one waiter's view of the SMMU's progress
 * @cons: cons_seq when it last moved.
 * @msi: the MSI word when it last moved.
 * @deadline: when no progress since @cons and @msi is a timeout, or 0.
 * @spins: polls since the last progress.
 */
struct smmu_cmdq_poll {
	u64		cons;
	u32		msi;
	ktime_t		deadline;
	unsigned int	spins;
};

static bool smmu_cmdq_error_pending(struct smmu_device *smmu)
{
	return (readl_relaxed(smmu->base + SMMU_GERROR) ^
		readl_relaxed(smmu->base + SMMU_GERRORN)) & SMMU_GERROR_CMDQ_ERR;
}

/*
 * Wait a little for the SMMU.  With MSIs a waiter for a CMD_SYNC watches
 * memory only, until it has spun for a while; everyone else reads CONS.
 * A refused command is cleared on the way.  The SMMU gets
 * SMMU_POLL_TIMEOUT_US from the last sign of progress.
 */
static int smmu_cmdq_poll(struct smmu_device *smmu, struct smmu_cmdq_poll *p,
			  bool need_cons, const char *what)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	u32 msi = cmdq->msi ? READ_ONCE(*cmdq->msi) : 0;
	u64 cons = p->cons;
	unsigned long flags;

	if (need_cons || !cmdq->msi || p->spins >= SMMU_CMDQ_SPINS)
		cons = smmu_cmdq_read_cons(cmdq);
	if (cons != p->cons || msi != p->msi) {
		p->cons = cons;
		p->msi = msi;
		p->deadline = 0;
		p->spins = 0;
		return 0;
	}

	if (smmu_cmdq_error_pending(smmu)) {
		raw_spin_lock_irqsave(&cmdq->lock, flags);
		smmu_cmdq_handle_error(smmu);
		raw_spin_unlock_irqrestore(&cmdq->lock, flags);
		/* A CMD_SYNC it replaced writes no MSI: look at CONS. */
		p->spins = SMMU_CMDQ_SPINS;
		return 0;
	}

	if (!p->deadline) {
		p->deadline = ktime_add_us(ktime_get(), SMMU_POLL_TIMEOUT_US);
	} else if (ktime_after(ktime_get(), p->deadline)) {
		dev_err_ratelimited(smmu->dev,
				    "command queue: %s timed out: prod %#x cons %#x\n",
				    what, readl_relaxed(cmdq->q.prod_reg),
				    readl_relaxed(cmdq->q.cons_reg));
		return -ETIMEDOUT;
	}

	if (!cmdq->msi && (smmu->features & SMMU_FEAT_SEV))
		wfe();
	else if (++p->spins < SMMU_CMDQ_SPINS)
		cpu_relax();
	else
		udelay(1);
	return 0;
}

/* ==== Producers ==== */

static void smmu_cmdq_write(struct smmu_cmdq *cmdq,
			    const struct smmu_cmd *cmds, unsigned int n)
{
	smmu_queue_write(&cmdq->q, (u32)cmdq->tail, cmds, n);
	cmdq->tail += n;
}

/* A CMD_SYNC behind everything written so far. */
static inline void smmu_cmdq_write_sync(struct smmu_device *smmu)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	struct smmu_cmd sync;

	lockdep_assert_held(&cmdq->lock);
	if (cmdq->msi)
		smmu_cmd_sync_msi(&sync, cmdq->msi_dma, (u32)(cmdq->tail + 1));
	else
		smmu_cmd_sync(&sync, smmu->features & SMMU_FEAT_SEV);
	smmu_q_write_cmd(&cmdq->q, (u32)cmdq->tail++, &sync);
	WRITE_ONCE(cmdq->sync_seq, cmdq->tail);
	WRITE_ONCE(cmdq->sync_batches, cmdq->batches - cmdq->synced_batches);
	cmdq->synced_batches = cmdq->batches;
}

/*
 * The last CMD_SYNC has completed: start counting the CPUs it released
 * back from here, unless somebody already has.  Submissions that arrived
 * while it was in flight are not among them.
 */
static void smmu_cmdq_note_released(struct smmu_cmdq *cmdq)
{
	lockdep_assert_held(&cmdq->lock);
	if (cmdq->released_seq == cmdq->sync_seq)
		return;
	WRITE_ONCE(cmdq->released_batches, cmdq->batches);
	/* Pairs with smmu_cmdq_gathered(): the count before the mark. */
	smp_store_release(&cmdq->released_seq, cmdq->sync_seq);
}

/*
 * Have as many submissions arrived since the last CMD_SYNC completed as it
 * covered?  Then the CPUs it released are back, and the next can go.  So
 * it can when CMD_SYNCs complete before their waiters first poll: waiting
 * for the CPUs to come back would then take longer than a second CMD_SYNC.
 */
static bool smmu_cmdq_gathered(struct smmu_cmdq *cmdq)
{
	if (!READ_ONCE(cmdq->sync_waited))
		return true;
	/* Acquire: the count that goes with the mark, not an older one. */
	if (smp_load_acquire(&cmdq->released_seq) != READ_ONCE(cmdq->sync_seq))
		return false;
	return READ_ONCE(cmdq->batches) - READ_ONCE(cmdq->released_batches) >=
	       READ_ONCE(cmdq->sync_batches);
}

/* Hand everything written so far to the SMMU. */
static void smmu_cmdq_publish(struct smmu_cmdq *cmdq)
{
	lockdep_assert_held(&cmdq->lock);
	/* The commands must be in memory before the SMMU learns of them. */
	dma_wmb();
	writel_relaxed(smmu_q_pos(&cmdq->q, (u32)cmdq->tail), cmdq->q.prod_reg);
}

/*
 * Make room for @need entries, which there was not as of cons_seq.  Called,
 * and returns, with the lock held; waits for the SMMU with it dropped, as
 * room may come only with a CMD_SYNC's completion.
 */
static int smmu_cmdq_reserve(struct smmu_device *smmu, u32 need,
			     unsigned long *flags)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	struct smmu_cmdq_poll poll = {};
	int ret = 0;

	lockdep_assert_held(&cmdq->lock);
	smmu_cmdq_read_cons(cmdq);
	while (!ret && !smmu_cmdq_has_room(cmdq, need)) {
		raw_spin_unlock_irqrestore(&cmdq->lock, *flags);
		ret = smmu_cmdq_poll(smmu, &poll, true, "waiting for room");
		raw_spin_lock_irqsave(&cmdq->lock, *flags);
	}
	return ret;
}

/* smmu_cmdq_queue(), inlined into smmu_cmdq_submit() too */
static __always_inline int __smmu_cmdq_queue(struct smmu_device *smmu,
					     const struct smmu_cmd *cmds,
					     unsigned int n, u64 *ticket)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	u32 room = smmu_q_entries(&cmdq->q) - 1;
	unsigned long flags;
	bool idle;
	int ret = 0;

	raw_spin_lock_irqsave(&cmdq->lock, flags);
	for (;;) {
		u32 chunk = min(n, room);

		/* Room for this part, and for a CMD_SYNC after the last. */
		if (!smmu_cmdq_has_room(cmdq, chunk + 1)) {
			ret = smmu_cmdq_reserve(smmu, chunk + 1, &flags);
			if (ret)
				goto unlock;
		}
		smmu_cmdq_write(cmdq, cmds, chunk);
		cmds += chunk;
		n -= chunk;
		if (!n)
			break;
		smmu_cmdq_publish(cmdq);
	}

	/* Nothing written after the last CMD_SYNC: that one covers us. */
	*ticket = cmdq->tail == cmdq->sync_seq ? cmdq->tail : cmdq->tail + 1;
	/* We need a CMD_SYNC, and none is in flight. */
	idle = *ticket > cmdq->sync_seq &&
	       smmu_cmdq_synced(cmdq, cmdq->sync_seq);
	if (idle)
		smmu_cmdq_note_released(cmdq);
	WRITE_ONCE(cmdq->batches, cmdq->batches + 1);
	if (idle && smmu_cmdq_gathered(cmdq))
		smmu_cmdq_write_sync(smmu);
	smmu_cmdq_publish(cmdq);
unlock:
	raw_spin_unlock_irqrestore(&cmdq->lock, flags);
	return ret;
}

/**
 * smmu_cmdq_queue() - hand commands to the SMMU
 * @smmu: the SMMU.
 * @cmds: the commands.
 * @n: how many; 0 to wait for everything queued before.
 * @ticket: set to the sync_seq of the first CMD_SYNC that covers them.
 *
 * A CMD_SYNC follows the commands when none is in flight and the CPUs the
 * last one released are all back.  Otherwise the commands wait for the
 * next, which whoever completes that gathering writes, or a waiter tired
 * of waiting for it: the SMMU completes one CMD_SYNC at a time, so
 * nothing is gained by queueing a second, and batches gather while it
 * works.  More commands than the ring holds go a ring at a time.
 *
 * Return: 0, or -ETIMEDOUT if the SMMU made no room in time.  The commands
 * handed over up to then are carried out.
 */
int smmu_cmdq_queue(struct smmu_device *smmu, const struct smmu_cmd *cmds,
		    unsigned int n, u64 *ticket)
{
	return __smmu_cmdq_queue(smmu, cmds, n, ticket);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmdq_queue);

/* No CMD_SYNC is in flight, and none covers @ticket: write one. */
static int smmu_cmdq_sync_behind(struct smmu_device *smmu, u64 ticket)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	unsigned long flags;
	int ret = 0;

	raw_spin_lock_irqsave(&cmdq->lock, flags);
	/* Again under the lock: another waiter may have done it. */
	while (!ret && cmdq->sync_seq < ticket &&
	       smmu_cmdq_synced(cmdq, cmdq->sync_seq)) {
		smmu_cmdq_note_released(cmdq);
		if (smmu_cmdq_has_room(cmdq, 1)) {
			smmu_cmdq_write_sync(smmu);
			smmu_cmdq_publish(cmdq);
			break;
		}
		ret = smmu_cmdq_reserve(smmu, 1, &flags);
	}
	raw_spin_unlock_irqrestore(&cmdq->lock, flags);
	return ret;
}

/*
 * A waiter saw its CMD_SYNC complete after @polls polls: was it still in
 * flight after the first?  One seen complete before any poll, found so by
 * somebody else, says nothing about the SMMU.
 */
static inline void smmu_cmdq_note_wait(struct smmu_cmdq *cmdq,
				       unsigned int polls)
{
	bool waited = polls > 1;

	if (polls && READ_ONCE(cmdq->sync_waited) != waited)
		WRITE_ONCE(cmdq->sync_waited, waited);
}

/* smmu_cmdq_wait(), inlined into smmu_cmdq_submit() too */
static __always_inline int __smmu_cmdq_wait(struct smmu_device *smmu,
					    u64 ticket)
{
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	struct smmu_cmdq_poll poll = {};
	ktime_t gather_end = 0;
	unsigned int polls = 0;
	bool covered = false;
	u64 sync = 0;
	int ret;

	for (;;) {
		if (!covered) {
			sync = READ_ONCE(cmdq->sync_seq);
			covered = sync >= ticket;
		}
		if (covered) {
			if (smmu_cmdq_synced(cmdq, sync)) {
				smmu_cmdq_note_wait(cmdq, polls);
				return 0;
			}
			polls++;
		} else if (smmu_cmdq_synced(cmdq, sync)) {
			/*
			 * Nothing in flight, and nothing to poll the SMMU
			 * for: give the CPUs it released a moment.
			 */
			if (!smmu_cmdq_gathered(cmdq)) {
				ktime_t now = ktime_get();

				if (!gather_end)
					gather_end = now + SMMU_CMDQ_GATHER_NS;
				if (!ktime_after(now, gather_end)) {
					cpu_relax();
					continue;
				}
			}
			ret = smmu_cmdq_sync_behind(smmu, ticket);
			if (ret)
				return ret;
			continue;
		}
		ret = smmu_cmdq_poll(smmu, &poll, false, "CMD_SYNC");
		if (ret)
			return ret;
	}
}

/**
 * smmu_cmdq_wait() - wait for commands handed over by smmu_cmdq_queue()
 * @smmu: the SMMU.
 * @ticket: what smmu_cmdq_queue() gave.
 *
 * Waits without the queue's lock.  Writes the CMD_SYNC that covers the
 * commands if nobody else has once the one in flight completed and the
 * CPUs it released are back, or once it stopped waiting for them.
 *
 * Return: 0 once the SMMU has carried out the commands (those it refused
 * are reported and skipped), or -ETIMEDOUT if it made no progress in time.
 */
int smmu_cmdq_wait(struct smmu_device *smmu, u64 ticket)
{
	return __smmu_cmdq_wait(smmu, ticket);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmdq_wait);

/**
 * smmu_cmdq_submit() - hand commands to the SMMU and wait for them
 * @smmu: the SMMU.
 * @cmds: the commands.
 * @n: how many; 0 to wait for everything queued before.
 *
 * Return: 0 once the SMMU has carried out every command (those it refused
 * are reported and skipped), or -ETIMEDOUT if it made no progress in time.
 */
int smmu_cmdq_submit(struct smmu_device *smmu, const struct smmu_cmd *cmds,
		     unsigned int n)
{
	u64 ticket;
	int ret;

	ret = __smmu_cmdq_queue(smmu, cmds, n, &ticket);
	return ret ?: __smmu_cmdq_wait(smmu, ticket);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmdq_submit);

/**
 * smmu_cmdq_rewind() - start counting from an empty, reset queue
 * @cmdq: the queue, whose PROD and CONS registers read 0.
 */
void smmu_cmdq_rewind(struct smmu_cmdq *cmdq)
{
	cmdq->tail = 0;
	cmdq->sync_seq = 0;
	cmdq->batches = 0;
	cmdq->synced_batches = 0;
	cmdq->sync_batches = 0;
	cmdq->released_seq = 0;
	cmdq->released_batches = 0;
	cmdq->sync_waited = false;
	atomic64_set(&cmdq->cons_seq, 0);
	if (cmdq->msi)
		WRITE_ONCE(*cmdq->msi, 0);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmdq_rewind);

/* ==== Set-up ==== */

/**
 * smmu_queue_init() - allocate a ring and find its registers
 * @smmu: the SMMU.
 * @q: the ring to set up.
 * @shift: log2 of the number of entries wanted.
 * @entry_words: entry size in 64-bit words.
 * @prod_reg: offset of its PROD register.
 * @cons_reg: offset of its CONS register.
 * @what: its name, for messages.
 *
 * Halves the ring until an allocation succeeds.  The SMMU learns of it
 * when the queue is enabled.
 *
 * Return: 0 or -ENOMEM.
 */
int smmu_queue_init(struct smmu_device *smmu, struct smmu_queue *q,
		    unsigned int shift, unsigned int entry_words,
		    u32 prod_reg, u32 cons_reg, const char *what)
{
	size_t bytes;

	for (;; shift--) {
		bytes = ((size_t)entry_words * sizeof(u64)) << shift;
		q->base = dmam_alloc_coherent(smmu->dev, bytes, &q->dma,
					      GFP_KERNEL);
		if (q->base || !shift || bytes <= PAGE_SIZE)
			break;
	}
	if (!q->base) {
		dev_err(smmu->dev, "no memory for the %s\n", what);
		return -ENOMEM;
	}
	/* The architecture wants a queue aligned to its size. */
	if (WARN_ON(q->dma & (bytes - 1)))
		return -ENOMEM;

	q->shift = shift;
	q->entry_words = entry_words;
	q->prod = 0;
	q->cons = 0;
	q->prod_reg = smmu->base + prod_reg;
	q->cons_reg = smmu->base + cons_reg;
	return 0;
}

/**
 * smmu_cmdq_init() - allocate the command queue
 * @smmu: the SMMU, with its IDRs read.
 *
 * Return: 0, -ENOMEM, or -ENODEV for a queue too small to be used.
 */
int smmu_cmdq_init(struct smmu_device *smmu)
{
	u32 idr1 = smmu->idr[1];
	unsigned int shift = min_t(unsigned int, SMMU_CMDQ_MAX_SHIFT,
				   FIELD_GET(SMMU_IDR1_CMDQS, idr1));
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	int ret;

	raw_spin_lock_init(&cmdq->lock);
	atomic_set(&cmdq->errors, 0);
	ret = smmu_queue_init(smmu, &cmdq->q, shift, SMMU_CMD_WORDS,
			      SMMU_CMDQ_PROD, SMMU_CMDQ_CONS, "command queue");
	if (ret)
		return ret;
	/* A command and its CMD_SYNC must fit, or submissions cannot go. */
	if (smmu_q_entries(&cmdq->q) < 2) {
		dev_err(smmu->dev, "command queue of %u entries is too small\n",
			smmu_q_entries(&cmdq->q));
		return -ENODEV;
	}

	/*
	 * A coherent SMMU's completion writes land where waiters can watch
	 * them in their caches, instead of all reading CONS.  Without the
	 * memory, CONS does.
	 */
	cmdq->msi = NULL;
	if ((smmu->features & SMMU_FEAT_MSI) &&
	    (smmu->features & SMMU_FEAT_COHERENT))
		cmdq->msi = dmam_alloc_coherent(smmu->dev, sizeof(*cmdq->msi),
						&cmdq->msi_dma, GFP_KERNEL);
	smmu_cmdq_rewind(cmdq);
	return 0;
}
