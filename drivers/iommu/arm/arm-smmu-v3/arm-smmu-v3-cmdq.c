// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3 command queue.
 *
 * The command queue is a ring of 16-byte commands in memory.  Software
 * writes commands at PROD and moves the PROD register on; the SMMU executes
 * them in order and moves CONS.  A CMD_SYNC completes only once everything
 * before it has taken effect, and CONS does not pass a CMD_SYNC before it
 * completes.
 *
 * Producers take one lock, write their commands and a CMD_SYNC, and keep
 * the lock until CONS reaches PROD.  With the lock held nobody else can add
 * commands, so "the SMMU consumed all we wrote" is the whole completion test
 * and no completion records are needed.  Every submission ends with one
 * CMD_SYNC, so an unmap's invalidations, or one step of an STE update, cost
 * one lock, one PROD write and one CMD_SYNC.  Polling uses WFE when the
 * SMMU signals completions with SEV.
 *
 * When the SMMU refuses a command (CERROR in GERROR), it stops with CONS at
 * that command.  Whoever polls at the time reports the command, replaces it
 * with a harmless CMD_SYNC and acknowledges the error, upon which the SMMU
 * goes on.  A submission fails only when the SMMU makes no progress for
 * SMMU_POLL_TIMEOUT_US; its callers return the error or, where they cannot,
 * say what it leaves behind.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
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
	u64 ttl = smmu_tlbi_ttl(r);
	unsigned int n = 0;

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

		smmu_cmd_init(cmd, SMMU_OP_TLBI_NH_VA);
		cmd->w[0] |= FIELD_PREP(SMMU_TLBI0_ASID, r->asid);
		cmd->w[1] = FIELD_PREP(SMMU_TLBI1_ADDR, addr >> 12);
		if (r->leaf_shift)
			cmd->w[1] |= SMMU_TLBI1_LEAF;

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
	unsigned int i, w;

	for (i = 0; i < n; i++, pos = smmu_q_advance(q, pos, 1)) {
		__le64 *slot = smmu_q_entry(q, pos);

		for (w = 0; w < SMMU_CMD_WORDS; w++)
			slot[w] = cpu_to_le64(cmds[i].w[w]);
	}
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

/* Refresh the shadow of CONS; the error field does not belong to it. */
static void smmu_cmdq_read_cons(struct smmu_queue *q)
{
	q->cons = smmu_q_pos(q, readl_relaxed(q->cons_reg));
}

/*
 * Wait until the SMMU consumed everything up to PROD (@drain) or until
 * @need entries are free.  The caller holds the queue lock, so nobody else
 * moves PROD meanwhile.
 */
static int smmu_cmdq_wait(struct smmu_device *smmu, u32 need, bool drain)
{
	struct smmu_queue *q = &smmu->cmdq.q;
	bool wfe = smmu->features & SMMU_FEAT_SEV;
	ktime_t timeout = 0;
	unsigned int spins = 0;

	lockdep_assert_held(&smmu->cmdq.lock);
	/* Room as of the last look at CONS is room still: no register read. */
	if (!drain && smmu_q_space(q) >= need)
		return 0;

	for (;;) {
		smmu_cmdq_read_cons(q);
		if (drain ? q->cons == q->prod : smmu_q_space(q) >= need)
			return 0;

		if ((readl_relaxed(smmu->base + SMMU_GERROR) ^
		     readl_relaxed(smmu->base + SMMU_GERRORN)) &
		    SMMU_GERROR_CMDQ_ERR) {
			smmu_cmdq_handle_error(smmu);
			continue;
		}

		if (!timeout) {
			timeout = ktime_add_us(ktime_get(), SMMU_POLL_TIMEOUT_US);
		} else if (ktime_after(ktime_get(), timeout)) {
			dev_err_ratelimited(smmu->dev,
					    "command queue: %s timed out: prod %#x cons %#x\n",
					    drain ? "CMD_SYNC" : "waiting for room",
					    q->prod, readl_relaxed(q->cons_reg));
			return -ETIMEDOUT;
		}

		if (wfe)
			wfe();
		else if (++spins < 100)
			cpu_relax();
		else
			udelay(1);
	}
}

/**
 * smmu_cmdq_submit() - queue commands and a CMD_SYNC, and wait for it
 * @smmu: the SMMU.
 * @cmds: the commands.
 * @n: how many; may be 0 for a CMD_SYNC alone.
 *
 * More commands than the ring holds go a ring at a time, each part handed
 * to the SMMU before room is waited for again.
 *
 * Return: 0 once the SMMU has carried out every command (those it refused
 * are reported and skipped), or -ETIMEDOUT if it made no progress in time.
 */
int smmu_cmdq_submit(struct smmu_device *smmu, const struct smmu_cmd *cmds,
		     unsigned int n)
{
	struct smmu_queue *q = &smmu->cmdq.q;
	/* Leave room for the CMD_SYNC behind whatever we write. */
	u32 room = smmu_q_entries(q) - 1;
	struct smmu_cmd sync;
	unsigned long flags;
	int ret;

	smmu_cmd_sync(&sync, smmu->features & SMMU_FEAT_SEV);

	raw_spin_lock_irqsave(&smmu->cmdq.lock, flags);
	for (;;) {
		u32 chunk = min(n, room);

		/* Room for this part, and for the CMD_SYNC after the last. */
		ret = smmu_cmdq_wait(smmu, chunk + 1, false);
		if (ret)
			goto out;
		q->prod = smmu_queue_write(q, q->prod, cmds, chunk);
		cmds += chunk;
		n -= chunk;
		if (!n)
			break;
		dma_wmb();
		writel_relaxed(q->prod, q->prod_reg);
	}
	q->prod = smmu_queue_write(q, q->prod, &sync, 1);
	/* Commands in memory before the SMMU learns of them. */
	dma_wmb();
	writel_relaxed(q->prod, q->prod_reg);
	ret = smmu_cmdq_wait(smmu, 0, true);
out:
	raw_spin_unlock_irqrestore(&smmu->cmdq.lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cmdq_submit);

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
	return 0;
}
