// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3 stream table entries and context descriptors.
 *
 * Both are 64-byte entries of eight 64-bit words that the SMMU may read at
 * any time, one word at a time: a single 64-bit store is the only update it
 * is guaranteed to see whole.  smmu_write_entry() changes an entry in
 * steps, with the SMMU's cached copy dropped and a CMD_SYNC after each
 * step, such that whatever mix of old and new words the SMMU reads acts as
 * the old entry, as the new one, or (only where no other order exists) as
 * an entry that aborts.  Which bits the SMMU reads depends on the entry's
 * own configuration; each kind of entry describes that in its used()
 * function.
 *
 * The stream table is linear when the StreamID space is small or the SMMU
 * has no two-level tables; otherwise second-level tables of 256 STEs are
 * made as devices with StreamIDs in their span appear.  Every STE starts
 * out aborting, but for those of StreamIDs that firmware's DMA goes on
 * through (IORT RMRs), which bypass until a domain takes them.
 * Everything written to the stream table is written under the SMMU's
 * strtab_mutex: at probe, at attach (where the IOMMU core holds the
 * device's group mutex as well) and at release (where the device has left
 * its group already).
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "arm-smmu-v3.h"

/* A linear table up to this many StreamID bits (64 KiB of STEs)... */
#define SMMU_STRTAB_LINEAR_MAX_BITS	10
/* ...unless the SMMU has no two-level tables: then up to 4 MiB of them. */
#define SMMU_STRTAB_LINEAR_CAP_BITS	16
/* At most this many level-1 descriptors (a 64 KiB level-1 table). */
#define SMMU_STRTAB_L1_MAX_BITS		13

/* ==== Safe updates of live entries ==== */

static void smmu_read_entry(const __le64 *entry, u64 *val)
{
	unsigned int i;

	for (i = 0; i < SMMU_STE_WORDS; i++)
		val[i] = le64_to_cpu(READ_ONCE(entry[i]));
}

/* One smmu_write_entry() under way. */
struct smmu_entry_update {
	const struct smmu_entry_ops	*ops;
	void				*cookie;
	__le64				*entry;
	int				ret;	/* of the first failed sync */
};

static void smmu_entry_sync(struct smmu_entry_update *u)
{
	int ret = u->ops->sync(u->cookie);

	if (!u->ret)
		u->ret = ret;
}

/* Store words @from to @to - 1 of @val; sync once if any of them changed. */
static void smmu_store_words(struct smmu_entry_update *u, const u64 *val,
			     unsigned int from, unsigned int to)
{
	bool changed = false;
	unsigned int i;

	for (i = from; i < to; i++) {
		if (le64_to_cpu(READ_ONCE(u->entry[i])) == val[i])
			continue;
		WRITE_ONCE(u->entry[i], cpu_to_le64(val[i]));
		changed = true;
	}
	if (changed)
		smmu_entry_sync(u);
}

/**
 * smmu_write_entry() - change a live STE or CD without a torn view
 * @ops: the kind of entry.
 * @cookie: passed to @ops->sync.
 * @entry: the entry in memory the SMMU reads.
 * @target: what it should hold, in CPU byte order.
 *
 * 1. Bits the current configuration does not read take their new values.
 *    The SMMU still acts on the old entry, whatever it reads.
 * 2. If the new configuration now differs from what the entry holds in one
 *    word only, that word is stored: one store switches from old to new.
 *    Leftover bits, which the new configuration does not read, are then
 *    cleaned up.
 * 3. Otherwise word 0 first becomes @ops->break_word0 (an entry that
 *    aborts and reads nothing else), then words 1-7 and last word 0 take
 *    their new values.
 *
 * Each step that stores anything ends with @ops->sync.  A failed sync does
 * not stop the update: every step is taken, so that @entry holds @target
 * on return either way, and writing the old entry back goes through the
 * same safe steps from there.
 *
 * Return: 0, or the error of the first sync that failed; the SMMU may then
 * act on the old entry, the new one or the break entry for a while.
 */
int smmu_write_entry(const struct smmu_entry_ops *ops, void *cookie,
		     __le64 *entry, const u64 *target)
{
	struct smmu_entry_update u = {
		.ops = ops, .cookie = cookie, .entry = entry,
	};
	u64 cur[SMMU_STE_WORDS], used_cur[SMMU_STE_WORDS];
	u64 used_new[SMMU_STE_WORDS], mix[SMMU_STE_WORDS];
	unsigned int i, differ = 0, word = 0;

	smmu_read_entry(entry, cur);
	ops->used(cur, used_cur);
	ops->used(target, used_new);

	/* Step 1. */
	for (i = 0; i < SMMU_STE_WORDS; i++)
		mix[i] = (cur[i] & used_cur[i]) | (target[i] & ~used_cur[i]);
	smmu_store_words(&u, mix, 0, SMMU_STE_WORDS);

	/* Step 2: which words still differ where the new entry looks? */
	for (i = 0; i < SMMU_STE_WORDS; i++) {
		if ((mix[i] ^ target[i]) & used_new[i]) {
			differ++;
			word = i;
		}
	}
	if (differ <= 1) {
		u64 after[SMMU_STE_WORDS], used_after[SMMU_STE_WORDS];

		/* The switch must leave the entry reading what @target reads. */
		memcpy(after, mix, sizeof(after));
		after[word] = target[word];
		ops->used(after, used_after);
		if (!memcmp(used_after, used_new, sizeof(used_after))) {
			smmu_store_words(&u, target, word, word + 1);
			smmu_store_words(&u, target, 0, SMMU_STE_WORDS);
			return u.ret;
		}
	}

	/* Step 3. */
	smmu_store_words(&u, &ops->break_word0, 0, 1);
	smmu_store_words(&u, target, 1, SMMU_STE_WORDS);
	smmu_store_words(&u, target, 0, 1);
	return u.ret;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_write_entry);

/* ==== Stream table entries ==== */

/**
 * smmu_ste_used() - the bits of an STE the SMMU reads
 * @ste: the STE.
 * @used: set to those bits.
 */
void smmu_ste_used(const u64 *ste, u64 *used)
{
	memset(used, 0, SMMU_STE_BYTES);
	used[0] = SMMU_STE0_V;
	if (!(ste[0] & SMMU_STE0_V))
		return;

	used[0] |= SMMU_STE0_CONFIG;
	switch (FIELD_GET(SMMU_STE0_CONFIG, ste[0])) {
	case SMMU_STE_CONFIG_BYPASS:
		used[1] |= SMMU_STE1_SHCFG;
		break;
	case SMMU_STE_CONFIG_S1:
		used[0] |= SMMU_STE0_S1FMT | SMMU_STE0_S1CTXPTR |
			   SMMU_STE0_S1CDMAX;
		used[1] |= SMMU_STE1_S1DSS | SMMU_STE1_S1CIR |
			   SMMU_STE1_S1COR | SMMU_STE1_S1CSH |
			   SMMU_STE1_S1STALLD | SMMU_STE1_EATS |
			   SMMU_STE1_STRW;
		break;
	case SMMU_STE_CONFIG_ABORT:
	default:
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(smmu_ste_used);

/**
 * smmu_ste_abort() - an STE that aborts every transaction, silently
 * @ste: filled in.
 */
void smmu_ste_abort(u64 *ste)
{
	memset(ste, 0, SMMU_STE_BYTES);
	ste[0] = SMMU_STE0_V |
		 FIELD_PREP(SMMU_STE0_CONFIG, SMMU_STE_CONFIG_ABORT);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_ste_abort);

/**
 * smmu_ste_bypass() - an STE that lets transactions through untranslated
 * @ste: filled in.
 */
void smmu_ste_bypass(u64 *ste)
{
	memset(ste, 0, SMMU_STE_BYTES);
	ste[0] = SMMU_STE0_V |
		 FIELD_PREP(SMMU_STE0_CONFIG, SMMU_STE_CONFIG_BYPASS);
	/* Keep the device's own shareability. */
	ste[1] = FIELD_PREP(SMMU_STE1_SHCFG, SMMU_SHCFG_INCOMING);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_ste_bypass);

/**
 * smmu_ste_s1() - an STE that translates through one context descriptor
 * @ste: filled in.
 * @smmu: the SMMU.
 * @cd: where the SMMU finds the CD.
 */
void smmu_ste_s1(u64 *ste, const struct smmu_device *smmu, dma_addr_t cd)
{
	bool coherent = smmu->features & SMMU_FEAT_COHERENT;
	u64 cache = coherent ? SMMU_CACHE_WBRA : SMMU_CACHE_NC;

	memset(ste, 0, SMMU_STE_BYTES);
	/* S1CDMAX 0: a single CD, no substreams; S1FMT 0: linear. */
	ste[0] = SMMU_STE0_V |
		 FIELD_PREP(SMMU_STE0_CONFIG, SMMU_STE_CONFIG_S1) |
		 FIELD_PREP(SMMU_STE0_S1CTXPTR, cd >> 6);
	ste[1] = FIELD_PREP(SMMU_STE1_S1CIR, cache) |
		 FIELD_PREP(SMMU_STE1_S1COR, cache) |
		 FIELD_PREP(SMMU_STE1_S1CSH,
			    coherent ? SMMU_SH_ISH : SMMU_SH_OSH) |
		 FIELD_PREP(SMMU_STE1_STRW, SMMU_STRW_NSEL1);
	/* Faults terminate rather than stall, where that is a choice. */
	if ((smmu->features & SMMU_FEAT_STALLS) &&
	    !(smmu->features & SMMU_FEAT_STALL_FORCE))
		ste[1] |= SMMU_STE1_S1STALLD;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_ste_s1);

/* What smmu_ste_sync() needs to know of the STE being written. */
struct smmu_ste_writer {
	struct smmu_device	*smmu;
	u32			sid;
};

/*
 * CFGI_STE without Leaf drops what the SMMU cached of the STE and of the
 * level-1 descriptor that leads to it, so that a stale descriptor cannot
 * outlive a failed invalidation in smmu_strtab_prepare().
 */
static int smmu_ste_sync(void *cookie)
{
	struct smmu_ste_writer *w = cookie;
	struct smmu_cmd cmd;

	smmu_cmd_cfgi_ste(&cmd, w->sid, false);
	return smmu_cmdq_submit(w->smmu, &cmd, 1);
}

const struct smmu_entry_ops smmu_ste_ops = {
	.used		= smmu_ste_used,
	.break_word0	= SMMU_STE0_V |
			  FIELD_PREP_CONST(SMMU_STE0_CONFIG,
					   SMMU_STE_CONFIG_ABORT),
	.sync		= smmu_ste_sync,
};
EXPORT_SYMBOL_IF_KUNIT(smmu_ste_ops);

/* ==== Context descriptors ==== */

/**
 * smmu_cd_used() - the bits of a CD the SMMU reads
 * @cd: the CD.
 * @used: set to those bits.
 */
void smmu_cd_used(const u64 *cd, u64 *used)
{
	memset(used, 0, SMMU_CD_BYTES);
	used[0] = SMMU_CD0_V;
	if (!(cd[0] & SMMU_CD0_V))
		return;
	used[0] = ~0ULL;
	used[1] = SMMU_CD1_TTB0;
	used[3] = SMMU_CD3_MAIR;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cd_used);

/**
 * smmu_cd_s1() - a CD for an AArch64 stage-1 table
 * @cd: filled in.
 * @smmu: the SMMU.
 * @asid: the ASID its TLB entries get.
 * @cfg: the page table, as alloc_io_pgtable_ops() set it up.
 */
void smmu_cd_s1(u64 *cd, const struct smmu_device *smmu, u16 asid,
		const struct io_pgtable_cfg *cfg)
{
	const typeof(cfg->arm_lpae_s1_cfg.tcr) *tcr = &cfg->arm_lpae_s1_cfg.tcr;

	memset(cd, 0, SMMU_CD_BYTES);
	/*
	 * Only TTB0 is used (EPD1); faults are recorded (R) and abort the
	 * transaction (A); ASET keeps CPU broadcast TLBIs off our ASIDs.
	 */
	cd[0] = FIELD_PREP(SMMU_CD0_T0SZ, tcr->tsz) |
		FIELD_PREP(SMMU_CD0_TG0, tcr->tg) |
		FIELD_PREP(SMMU_CD0_IRGN0, tcr->irgn) |
		FIELD_PREP(SMMU_CD0_ORGN0, tcr->orgn) |
		FIELD_PREP(SMMU_CD0_SH0, tcr->sh) |
		FIELD_PREP(SMMU_CD0_IPS, tcr->ips) |
		FIELD_PREP(SMMU_CD0_ASID, asid) |
		SMMU_CD0_EPD1 | SMMU_CD0_AA64 | SMMU_CD0_R | SMMU_CD0_A |
		SMMU_CD0_ASET | SMMU_CD0_V;
	cd[1] = cfg->arm_lpae_s1_cfg.ttbr & SMMU_CD1_TTB0;
	cd[3] = cfg->arm_lpae_s1_cfg.mair;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_cd_s1);

/*
 * A domain's CD is written while the domain is allocated, before anyone
 * else can reach it (so under no lock) and before any STE points at it,
 * and it is not changed afterwards: there is nothing cached to drop.  The
 * stores only have to reach memory before the STE that publishes them.
 */
static int smmu_cd_sync(void *cookie)
{
	dma_wmb();
	return 0;
}

const struct smmu_entry_ops smmu_cd_ops = {
	.used		= smmu_cd_used,
	.break_word0	= 0,
	.sync		= smmu_cd_sync,
};
EXPORT_SYMBOL_IF_KUNIT(smmu_cd_ops);

/* ==== The stream table ==== */

static void smmu_ste_fill_abort(__le64 *stes, unsigned int count)
{
	u64 abort[SMMU_STE_WORDS];
	unsigned int i, w;

	smmu_ste_abort(abort);
	for (i = 0; i < count; i++)
		for (w = 0; w < SMMU_STE_WORDS; w++)
			stes[i * SMMU_STE_WORDS + w] = cpu_to_le64(abort[w]);
}

static int smmu_strtab_init_linear(struct smmu_device *smmu)
{
	struct smmu_strtab *st = &smmu->strtab;
	u32 count;

	if (smmu->sid_bits > SMMU_STRTAB_LINEAR_CAP_BITS) {
		dev_info(smmu->dev, "using %u of %u StreamID bits\n",
			 SMMU_STRTAB_LINEAR_CAP_BITS, smmu->sid_bits);
		smmu->sid_bits = SMMU_STRTAB_LINEAR_CAP_BITS;
	}
	count = 1U << smmu->sid_bits;

	st->base = dmam_alloc_coherent(smmu->dev, count * SMMU_STE_BYTES,
				       &st->dma, GFP_KERNEL);
	if (!st->base)
		return -ENOMEM;
	smmu_ste_fill_abort(st->base, count);
	st->cfg = FIELD_PREP(SMMU_STRTAB_CFG_FMT, SMMU_STRTAB_FMT_LINEAR) |
		  FIELD_PREP(SMMU_STRTAB_CFG_LOG2SIZE, smmu->sid_bits);
	return 0;
}

static int smmu_strtab_init_2lvl(struct smmu_device *smmu)
{
	struct smmu_strtab *st = &smmu->strtab;
	unsigned int l1_bits;

	/* StreamIDs beyond what the level-1 table spans are refused. */
	l1_bits = min_t(unsigned int, smmu->sid_bits - SMMU_STRTAB_SPLIT,
			SMMU_STRTAB_L1_MAX_BITS);
	if (l1_bits + SMMU_STRTAB_SPLIT < smmu->sid_bits) {
		dev_info(smmu->dev, "using %u of %u StreamID bits\n",
			 l1_bits + SMMU_STRTAB_SPLIT, smmu->sid_bits);
		smmu->sid_bits = l1_bits + SMMU_STRTAB_SPLIT;
	}
	st->num_l1 = 1U << l1_bits;

	/* Zeroed: every level-1 descriptor invalid, so every StreamID aborts. */
	st->base = dmam_alloc_coherent(smmu->dev, st->num_l1 * sizeof(u64),
				       &st->dma, GFP_KERNEL);
	st->l2 = devm_kcalloc(smmu->dev, st->num_l1, sizeof(*st->l2),
			      GFP_KERNEL);
	if (!st->base || !st->l2)
		return -ENOMEM;
	st->cfg = FIELD_PREP(SMMU_STRTAB_CFG_FMT, SMMU_STRTAB_FMT_2LVL) |
		  FIELD_PREP(SMMU_STRTAB_CFG_SPLIT, SMMU_STRTAB_SPLIT) |
		  FIELD_PREP(SMMU_STRTAB_CFG_LOG2SIZE, smmu->sid_bits);
	return 0;
}

/**
 * smmu_strtab_init() - allocate the stream table
 * @smmu: the SMMU, with its IDRs read.
 *
 * Return: 0 or -ENOMEM.
 */
int smmu_strtab_init(struct smmu_device *smmu)
{
	int ret;

	mutex_init(&smmu->strtab_mutex);
	xa_init(&smmu->streams);

	if ((smmu->features & SMMU_FEAT_2LVL_STRTAB) &&
	    smmu->sid_bits > SMMU_STRTAB_LINEAR_MAX_BITS)
		ret = smmu_strtab_init_2lvl(smmu);
	else
		ret = smmu_strtab_init_linear(smmu);
	if (ret)
		dev_err(smmu->dev, "no memory for the stream table\n");
	return ret;
}

/*
 * Make the second-level table that holds @sid, all aborting, if there is
 * none yet, and publish it in the level-1 table.  Tables stay until the
 * SMMU goes.  Returns 1 if a table was published, 0 if @sid had an STE
 * already, -ERANGE for a StreamID the table does not span, or -ENOMEM.
 */
static int smmu_strtab_grow(struct smmu_device *smmu, u32 sid)
{
	struct smmu_strtab *st = &smmu->strtab;
	u32 l1 = sid >> SMMU_STRTAB_SPLIT;
	dma_addr_t l2_dma;
	__le64 *l2;
	u64 desc;

	lockdep_assert_held(&smmu->strtab_mutex);
	if (smmu->sid_bits < 32 && sid >> smmu->sid_bits)
		return -ERANGE;
	if (!st->l2 || st->l2[l1])
		return 0;	/* linear tables have every STE */

	l2 = dmam_alloc_coherent(smmu->dev,
				 SMMU_STRTAB_L2_STES * SMMU_STE_BYTES,
				 &l2_dma, GFP_KERNEL);
	if (!l2)
		return -ENOMEM;
	smmu_ste_fill_abort(l2, SMMU_STRTAB_L2_STES);
	/* The STEs are in memory before the descriptor that leads to them. */
	dma_wmb();
	desc = FIELD_PREP(SMMU_L1_DESC_SPAN, SMMU_STRTAB_SPLIT + 1) |
	       (l2_dma & SMMU_L1_DESC_L2PTR);
	WRITE_ONCE(st->base[l1], cpu_to_le64(desc));
	st->l2[l1] = l2;
	return 1;
}

/**
 * smmu_strtab_prepare() - make sure a StreamID has an STE
 * @smmu: the SMMU.
 * @sid: the StreamID.
 *
 * Creates the second-level table that holds @sid, all aborting, if it is
 * not there yet.
 *
 * Return: 0, -ERANGE for a StreamID the table does not span, -ENOMEM, or
 * the error of the invalidation.
 */
int smmu_strtab_prepare(struct smmu_device *smmu, u32 sid)
{
	struct smmu_cmd cmd;
	int ret;

	guard(mutex)(&smmu->strtab_mutex);
	ret = smmu_strtab_grow(smmu, sid);
	if (ret <= 0)
		return ret;
	/*
	 * Drop an invalid level-1 descriptor the SMMU may have cached.  Should
	 * that fail, the table stays: the next STE write for any StreamID it
	 * spans drops the descriptor again (smmu_ste_sync()).
	 */
	smmu_cmd_cfgi_ste(&cmd, sid, false);
	return smmu_cmdq_submit(smmu, &cmd, 1);
}

/* The STE of a StreamID that smmu_strtab_prepare() succeeded for. */
static __le64 *smmu_strtab_ste(struct smmu_device *smmu, u32 sid)
{
	struct smmu_strtab *st = &smmu->strtab;

	if (!st->l2)
		return st->base + (size_t)sid * SMMU_STE_WORDS;
	return st->l2[sid >> SMMU_STRTAB_SPLIT] +
	       (sid & (SMMU_STRTAB_L2_STES - 1)) * SMMU_STE_WORDS;
}

/**
 * smmu_strtab_bypass_early() - let a StreamID through before the SMMU is on
 * @smmu: the SMMU, not yet reset: its stream table made, its registers not
 *	yet pointing at it.
 * @sid: the StreamID, whose DMA firmware keeps going (an IORT RMR).
 *
 * The SMMU reads nothing of the table yet, so the STE is simply stored;
 * the reset orders the stores before the SMMU's first reads (its commands
 * are published with a barrier) and drops all it had cached.
 *
 * Return: 0, -ERANGE for a StreamID the table does not span, or -ENOMEM.
 */
int smmu_strtab_bypass_early(struct smmu_device *smmu, u32 sid)
{
	u64 ste[SMMU_STE_WORDS];
	unsigned int i;
	__le64 *entry;
	int ret;

	guard(mutex)(&smmu->strtab_mutex);
	ret = smmu_strtab_grow(smmu, sid);
	if (ret < 0)
		return ret;
	smmu_ste_bypass(ste);
	entry = smmu_strtab_ste(smmu, sid);
	for (i = 0; i < SMMU_STE_WORDS; i++)
		entry[i] = cpu_to_le64(ste[i]);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_strtab_bypass_early);

/*
 * Give every StreamID of a device the STE @target, which every one of them
 * holds in memory afterwards.  Return 0 or the first error of a sync.
 */
static int smmu_master_write_ste(struct smmu_master *master,
				 const u64 *target)
{
	struct smmu_ste_writer w = { .smmu = master->smmu };
	unsigned int i;
	int ret = 0, err;

	lockdep_assert_held(&master->smmu->strtab_mutex);
	for (i = 0; i < master->num_sids; i++) {
		w.sid = master->sids[i];
		err = smmu_write_entry(&smmu_ste_ops, &w,
				       smmu_strtab_ste(master->smmu, w.sid),
				       target);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/**
 * smmu_master_attach() - put a device on a domain
 * @master: the device.
 * @domain: the domain.
 * @ste: the STE that leads to @domain.
 *
 * Once the STEs are written, @domain takes over the device's fault
 * reports.  The event queue reads @master->domain under the lock of the
 * streams xarray and calls the owner's fault handler with it held, so when
 * this returns no report can still be using the domain the device had
 * before, and its owner may free it.
 *
 * If a sync fails, the STEs are written back as they were and the device
 * stays on its domain, as the IOMMU core expects of a failed attach.
 *
 * Return: 0, or the error of the first sync that failed.
 */
int smmu_master_attach(struct smmu_master *master,
		       struct iommu_domain *domain, const u64 *ste)
{
	struct smmu_device *smmu = master->smmu;
	u64 old[SMMU_STE_WORDS];
	int ret;

	guard(mutex)(&smmu->strtab_mutex);
	/* Every StreamID of a device holds the same STE. */
	smmu_read_entry(smmu_strtab_ste(smmu, master->sids[0]), old);
	ret = smmu_master_write_ste(master, ste);
	if (ret) {
		/*
		 * Through the same safe steps, whose syncs go to the queue
		 * that just failed.  If they fail as well, the old STEs are
		 * in memory all the same, and the error is the one returned.
		 */
		smmu_master_write_ste(master, old);
		return ret;
	}
	scoped_guard(spinlock, &smmu->streams.xa_lock)
		master->domain = domain;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_master_attach);

/**
 * smmu_master_release() - make a device's StreamIDs abort as it goes
 * @master: the device, which the IOMMU core has taken out of its group.
 * @bypass: let them through instead: the device has firmware DMA that must
 *	go on (direct regions), as its StreamIDs did before it was probed.
 *
 * The core attached the release domain (blocked, or identity for such a
 * device) already, so normally nothing changes; this covers an attach of
 * it that failed, and a probe that failed before the device had one.
 */
void smmu_master_release(struct smmu_master *master, bool bypass)
{
	u64 ste[SMMU_STE_WORDS];

	if (bypass)
		smmu_ste_bypass(ste);
	else
		smmu_ste_abort(ste);
	guard(mutex)(&master->smmu->strtab_mutex);
	/*
	 * Nobody can be told of a failure: the device goes whatever happens.
	 * Its STEs hold the new one in memory, but the SMMU may act on what
	 * it cached of the old ones until it carries out the invalidations.
	 */
	if (smmu_master_write_ste(master, ste))
		dev_err(master->dev, "StreamIDs may still use the old STE\n");
}
EXPORT_SYMBOL_IF_KUNIT(smmu_master_release);
