// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the ARM SMMUv3 driver.
 *
 * The SMMU reads stream table entries (STEs), context descriptors (CDs) and
 * commands from memory, so a wrong bit is not a crash but a device that
 * translates through the wrong table, or not at all.  The cases check the
 * encodings field by field against the masks of arm-smmu-v3.h, which follow
 * the architecture (IHI 0070):
 *
 *  - abort, bypass and stage-1 STEs, for coherent and non-coherent SMMUs
 *    and each stall model, and the bits smmu_ste_used() says each reads;
 *  - a stage-1 CD built from an io-pgtable configuration, and its used bits;
 *  - CMD_SYNC, CFGI and TLBI commands, and the TLBI_NH_VA commands of a
 *    range, with and without range invalidation: a random sweep decodes
 *    every command and checks that they tile the range exactly;
 *  - queue index arithmetic across the wrap, and commands written across
 *    the end of the ring land where the SMMU looks for them;
 *  - the line an event record is reported with.
 *
 * The most important case is the update of a live entry.  The SMMU may read
 * an entry at any moment, one 64-bit word at a time, and between two syncs
 * the stores to different words reach it in any order.  A recording sync
 * snapshots the entry each time smmu_write_entry() syncs; for each step
 * every subset of the words that step changed, applied to the snapshot
 * before it, is a view the SMMU may act on.  Each such view must act as
 * the old entry, as the new one, or as the break entry (word 0 holds
 * break_word0 and nothing else is read).  The case runs every ordered pair
 * of a set of STEs and CDs, and says which updates must be hitless.  With
 * syncs that fail, an update must still take every step and return the
 * first error.
 *
 * Attaching a device is tried on an SMMU made of memory, whose command
 * queue either carries out every command at once or never moves: the STEs
 * of every StreamID must be invalidated after each step, and when the
 * queue times out, the attach must fail with the STEs and the device's
 * domain as they were.  The same SMMU checks the bypass STEs of IORT RMRs,
 * stored before the SMMU is reset, and the STEs a device leaves at release.
 *
 * What firmware says is checked on hand-made input.  An IORT SMMUv3 node,
 * built in memory and reached through a device's platform data as the
 * IORT code leaves it: the models the driver knows are taken (a CN99xx
 * without register page 1), any other model and any other node type are
 * refused, and the COHACC override alone makes the SMMU coherent.  The
 * interrupts of a platform device made of resources: an SMMU is refused
 * unless GERROR has a wired interrupt, or an MSI parent and MSIs.
 *
 * The last cases use the SMMU that probed at boot, if any: a command it
 * refuses is skipped and counted, and a submission three times the size of
 * the ring still ends with the queue drained.  With a PCI device behind
 * it, they check what VFIO and iommufd get: user domains (directly and
 * through the core) that map, the flags and nesting refused, the ID
 * registers IOMMU_GET_HW_INFO reports, and the capabilities.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/acpi.h>
#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/io-pgtable.h>
#include <linux/irqdomain.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/iommufd.h>

#include "arm-smmu-v3.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Two 64-byte aligned CD addresses, with bits high up in S1CTXPTR */
#define SMMU_TEST_CD_A		0x0000fedcba987640ULL
#define SMMU_TEST_CD_B		0x000012345678a9c0ULL

/* Page table bases and attributes for the CD cases */
#define SMMU_TEST_TTBR_A	0x000fedcba9876000ULL
#define SMMU_TEST_TTBR_B	0x0000000123456000ULL
#define SMMU_TEST_MAIR		0x0123456789abcdefULL
#define SMMU_TEST_ASID_A	0xbeef
#define SMMU_TEST_ASID_B	0x0042

/* More syncs than any update takes, to hold what a broken one does */
#define SMMU_TEST_MAX_SYNCS	8
/* What an update of an STE or CD may cost: break, words 1-7, word 0 */
#define SMMU_TEST_ENTRY_MAX_SYNCS	3

/* Room for range commands, and a canary pattern for the slots beyond */
#define SMMU_TEST_MAX_CMDS	64
#define SMMU_TEST_CANARY	0x5a5a5a5a5a5a5a5aULL

/* The random range sweep: fixed seed, so a failure always comes back */
#define SMMU_TEST_SWEEP_SEED	0x534d4d5533ULL
#define SMMU_TEST_SWEEP_ROUNDS	500

/* ---- Helpers ---- */

/* An SMMU that exists only as the features an encoder looks at */
static struct smmu_device *smmu_test_fake_smmu(struct kunit *test,
					       u32 features)
{
	struct smmu_device *smmu = kunit_kzalloc(test, sizeof(*smmu),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, smmu);
	smmu->features = features;
	return smmu;
}

static void smmu_test_expect_zero_from(struct kunit *test, const u64 *entry,
				       unsigned int from, const char *what)
{
	unsigned int i;

	for (i = from; i < SMMU_STE_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, entry[i], 0ULL,
				    "%s: word %u should be zero", what, i);
}

static void smmu_test_expect_words(struct kunit *test, const u64 *got,
				   const u64 *want, const char *what)
{
	unsigned int i;

	for (i = 0; i < SMMU_STE_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, got[i], want[i], "%s: word %u",
				    what, i);
}

/* ---- Stream table entries ---- */

#define SMMU_TEST_STE0_S1_USED						\
	(SMMU_STE0_V | SMMU_STE0_CONFIG | SMMU_STE0_S1FMT |		\
	 SMMU_STE0_S1CTXPTR | SMMU_STE0_S1CDMAX)
#define SMMU_TEST_STE1_S1_USED						\
	(SMMU_STE1_S1DSS | SMMU_STE1_S1CIR | SMMU_STE1_S1COR |		\
	 SMMU_STE1_S1CSH | SMMU_STE1_S1STALLD | SMMU_STE1_EATS |	\
	 SMMU_STE1_STRW)

/*
 * Word 0 of an abort or bypass STE: valid (an invalid STE is a "bad STE"
 * event, not a silent abort), @config, and nothing else.
 */
static void smmu_test_expect_ste_word0(struct kunit *test, const u64 *ste,
				       u64 config, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_V, ste[0]), 1ULL,
			    "%s STE not valid", what);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_CONFIG, ste[0]), config,
			    "CONFIG of %s STE", what);
	KUNIT_EXPECT_EQ_MSG(test,
			    ste[0] & ~(SMMU_STE0_V | SMMU_STE0_CONFIG), 0ULL,
			    "%s STE word 0 has bits beyond V and CONFIG", what);
}

static void smmu_test_ste_abort(struct kunit *test)
{
	u64 ste[SMMU_STE_WORDS];

	/* Every word must be written, whatever was there */
	memset(ste, 0xa5, sizeof(ste));
	smmu_ste_abort(ste);

	smmu_test_expect_ste_word0(test, ste, SMMU_STE_CONFIG_ABORT, "abort");
	smmu_test_expect_zero_from(test, ste, 1, "abort STE");
}

static void smmu_test_ste_bypass(struct kunit *test)
{
	u64 ste[SMMU_STE_WORDS];

	memset(ste, 0xa5, sizeof(ste));
	smmu_ste_bypass(ste);

	smmu_test_expect_ste_word0(test, ste, SMMU_STE_CONFIG_BYPASS, "bypass");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_SHCFG, ste[1]),
			    (u64)SMMU_SHCFG_INCOMING,
			    "bypass must keep the incoming shareability");
	KUNIT_EXPECT_EQ_MSG(test, ste[1] & ~SMMU_STE1_SHCFG, 0ULL,
			    "bypass STE word 1 has bits beyond SHCFG");
	smmu_test_expect_zero_from(test, ste, 2, "bypass STE");
}

struct smmu_test_s1_param {
	const char *name;
	u32 features;
	u64 cache;		/* S1CIR and S1COR */
	u64 sh;			/* S1CSH */
	bool stalld;		/* S1STALLD */
};

static const struct smmu_test_s1_param smmu_test_s1_params[] = {
	{ "coherent", SMMU_FEAT_COHERENT,
	  SMMU_CACHE_WBRA, SMMU_SH_ISH, false },
	{ "non-coherent", 0,
	  SMMU_CACHE_NC, SMMU_SH_OSH, false },
	/* Stalls are optional: terminate faults instead */
	{ "coherent, stalls", SMMU_FEAT_COHERENT | SMMU_FEAT_STALLS,
	  SMMU_CACHE_WBRA, SMMU_SH_ISH, true },
	{ "non-coherent, stalls", SMMU_FEAT_STALLS,
	  SMMU_CACHE_NC, SMMU_SH_OSH, true },
	/* Forced stalls: S1STALLD would be illegal */
	{ "coherent, stalls forced",
	  SMMU_FEAT_COHERENT | SMMU_FEAT_STALLS | SMMU_FEAT_STALL_FORCE,
	  SMMU_CACHE_WBRA, SMMU_SH_ISH, false },
	{ "non-coherent, stalls forced",
	  SMMU_FEAT_STALLS | SMMU_FEAT_STALL_FORCE,
	  SMMU_CACHE_NC, SMMU_SH_OSH, false },
	/* Features that have nothing to do with the STE change nothing */
	{ "coherent, unrelated features",
	  SMMU_FEAT_COHERENT | SMMU_FEAT_2LVL_STRTAB | SMMU_FEAT_MSI |
	  SMMU_FEAT_SEV | SMMU_FEAT_RANGE_INV | SMMU_FEAT_HYP,
	  SMMU_CACHE_WBRA, SMMU_SH_ISH, false },
};

KUNIT_ARRAY_PARAM_DESC(smmu_test_s1, smmu_test_s1_params, name);

static void smmu_test_ste_s1(struct kunit *test)
{
	const struct smmu_test_s1_param *p = test->param_value;
	struct smmu_device *smmu = smmu_test_fake_smmu(test, p->features);
	static const dma_addr_t cds[] = { SMMU_TEST_CD_A, SMMU_TEST_CD_B };
	u64 ste[SMMU_STE_WORDS];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cds); i++) {
		u64 cd = cds[i];

		memset(ste, 0xa5, sizeof(ste));
		smmu_ste_s1(ste, smmu, cd);

		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_V, ste[0]), 1ULL,
				    "cd %#llx: S1 STE not valid", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_CONFIG, ste[0]),
				    (u64)SMMU_STE_CONFIG_S1,
				    "cd %#llx: CONFIG of S1 STE", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_S1FMT, ste[0]),
				    0ULL, "cd %#llx: S1FMT must be linear", cd);
		KUNIT_EXPECT_EQ_MSG(test,
				    FIELD_GET(SMMU_STE0_S1CTXPTR, ste[0]),
				    cd >> 6, "cd %#llx: S1CTXPTR", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE0_S1CDMAX, ste[0]),
				    0ULL, "cd %#llx: S1CDMAX must say one CD",
				    cd);
		KUNIT_EXPECT_EQ_MSG(test, ste[0] & ~SMMU_TEST_STE0_S1_USED,
				    0ULL, "cd %#llx: stray bits in word 0", cd);

		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_S1DSS, ste[1]),
				    0ULL, "cd %#llx: S1DSS", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_S1CIR, ste[1]),
				    p->cache, "cd %#llx: S1CIR", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_S1COR, ste[1]),
				    p->cache, "cd %#llx: S1COR", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_S1CSH, ste[1]),
				    p->sh, "cd %#llx: S1CSH", cd);
		KUNIT_EXPECT_EQ_MSG(test,
				    FIELD_GET(SMMU_STE1_S1STALLD, ste[1]),
				    (u64)p->stalld, "cd %#llx: S1STALLD", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_EATS, ste[1]),
				    0ULL, "cd %#llx: EATS (no ATS)", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_STRW, ste[1]),
				    (u64)SMMU_STRW_NSEL1, "cd %#llx: STRW", cd);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_STE1_SHCFG, ste[1]),
				    0ULL, "cd %#llx: SHCFG is for bypass", cd);
		KUNIT_EXPECT_EQ_MSG(test, ste[1] & ~SMMU_TEST_STE1_S1_USED,
				    0ULL, "cd %#llx: stray bits in word 1", cd);
		smmu_test_expect_zero_from(test, ste, 2, "S1 STE");
	}
}

static void smmu_test_expect_used(struct kunit *test, const u64 *entry,
				  void (*used_fn)(const u64 *, u64 *),
				  const u64 *want, const char *what)
{
	u64 used[SMMU_STE_WORDS];

	/* used() must set every word, not only the ones it reads */
	memset(used, 0xa5, sizeof(used));
	used_fn(entry, used);
	smmu_test_expect_words(test, used, want, what);
}

static void smmu_test_ste_used(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test,
						       SMMU_FEAT_COHERENT |
						       SMMU_FEAT_STALLS);
	u64 ste[SMMU_STE_WORDS], want[SMMU_STE_WORDS] = {};

	/* V = 0: only V is read, whatever else the entry holds */
	memset(ste, 0xff, sizeof(ste));
	ste[0] &= ~SMMU_STE0_V;
	want[0] = SMMU_STE0_V;
	smmu_test_expect_used(test, ste, smmu_ste_used, want, "invalid STE");
	memset(ste, 0, sizeof(ste));
	smmu_test_expect_used(test, ste, smmu_ste_used, want, "zero STE");

	smmu_ste_abort(ste);
	want[0] = SMMU_STE0_V | SMMU_STE0_CONFIG;
	smmu_test_expect_used(test, ste, smmu_ste_used, want, "abort STE");

	smmu_ste_bypass(ste);
	want[1] = SMMU_STE1_SHCFG;
	smmu_test_expect_used(test, ste, smmu_ste_used, want, "bypass STE");

	smmu_ste_s1(ste, smmu, SMMU_TEST_CD_A);
	want[0] = SMMU_TEST_STE0_S1_USED;
	want[1] = SMMU_TEST_STE1_S1_USED;
	smmu_test_expect_used(test, ste, smmu_ste_used, want, "S1 STE");
}

/* ---- Context descriptors ---- */

/* What io-pgtable would have set up, with every field distinct */
static void smmu_test_pgtbl_cfg(struct io_pgtable_cfg *cfg, u64 ttbr)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->arm_lpae_s1_cfg.ttbr = ttbr;
	cfg->arm_lpae_s1_cfg.mair = SMMU_TEST_MAIR;
	cfg->arm_lpae_s1_cfg.tcr.tsz = 25;
	cfg->arm_lpae_s1_cfg.tcr.tg = 2;
	cfg->arm_lpae_s1_cfg.tcr.irgn = 1;
	cfg->arm_lpae_s1_cfg.tcr.orgn = 2;
	cfg->arm_lpae_s1_cfg.tcr.sh = 3;
	cfg->arm_lpae_s1_cfg.tcr.ips = 5;
}

/* Every field of word 0 that smmu_cd_s1() programs */
#define SMMU_TEST_CD0_FIELDS						\
	(SMMU_CD0_T0SZ | SMMU_CD0_TG0 | SMMU_CD0_IRGN0 | SMMU_CD0_ORGN0 | \
	 SMMU_CD0_SH0 | SMMU_CD0_EPD0 | SMMU_CD0_ENDI | SMMU_CD0_EPD1 |	\
	 SMMU_CD0_V | SMMU_CD0_IPS | SMMU_CD0_AA64 | SMMU_CD0_R |	\
	 SMMU_CD0_A | SMMU_CD0_ASET | SMMU_CD0_ASID)

static void smmu_test_cd_s1(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test,
						       SMMU_FEAT_COHERENT);
	struct io_pgtable_cfg cfg;
	u64 cd[SMMU_CD_WORDS];

	smmu_test_pgtbl_cfg(&cfg, SMMU_TEST_TTBR_A);
	memset(cd, 0xa5, sizeof(cd));
	smmu_cd_s1(cd, smmu, SMMU_TEST_ASID_A, &cfg);

	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_T0SZ, cd[0]), 25ULL,
			    "T0SZ from tcr.tsz");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_TG0, cd[0]), 2ULL,
			    "TG0 from tcr.tg");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_IRGN0, cd[0]), 1ULL,
			    "IRGN0 from tcr.irgn");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_ORGN0, cd[0]), 2ULL,
			    "ORGN0 from tcr.orgn");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_SH0, cd[0]), 3ULL,
			    "SH0 from tcr.sh");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_IPS, cd[0]), 5ULL,
			    "IPS from tcr.ips");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_ASID, cd[0]),
			    (u64)SMMU_TEST_ASID_A, "ASID");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_EPD0, cd[0]), 0ULL,
			    "EPD0: walks through TTB0 must be enabled");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_EPD1, cd[0]), 1ULL,
			    "EPD1: there is no TTB1, its walks must be off");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_ENDI, cd[0]), 0ULL,
			    "ENDI: little-endian tables");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_AA64, cd[0]), 1ULL,
			    "AA64: AArch64 table format");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_R, cd[0]), 1ULL,
			    "R: faults must be recorded");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_A, cd[0]), 1ULL,
			    "A: faulting transactions must abort");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_ASET, cd[0]), 1ULL,
			    "ASET: ASIDs must be private to the SMMU");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD0_V, cd[0]), 1ULL,
			    "CD not valid");
	KUNIT_EXPECT_EQ_MSG(test, cd[0] & ~SMMU_TEST_CD0_FIELDS, 0ULL,
			    "stray bits in CD word 0");

	KUNIT_EXPECT_EQ_MSG(test, cd[1] & SMMU_CD1_TTB0, SMMU_TEST_TTBR_A,
			    "TTB0 from ttbr");
	KUNIT_EXPECT_EQ_MSG(test, cd[1] & ~SMMU_CD1_TTB0, 0ULL,
			    "stray bits in CD word 1");
	KUNIT_EXPECT_EQ_MSG(test, cd[2], 0ULL, "CD word 2");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CD3_MAIR, cd[3]),
			    SMMU_TEST_MAIR, "MAIR in word 3");
	smmu_test_expect_zero_from(test, cd, 4, "CD");
}

static void smmu_test_cd_used(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test,
						       SMMU_FEAT_COHERENT);
	u64 cd[SMMU_CD_WORDS], used[SMMU_CD_WORDS];
	u64 want[SMMU_CD_WORDS] = { SMMU_CD0_V };
	struct io_pgtable_cfg cfg;
	unsigned int i;

	/* Invalid: only V is read, whatever else the CD holds */
	memset(cd, 0xff, sizeof(cd));
	cd[0] &= ~SMMU_CD0_V;
	smmu_test_expect_used(test, cd, smmu_cd_used, want, "invalid CD");
	memset(cd, 0, sizeof(cd));
	smmu_test_expect_used(test, cd, smmu_cd_used, want, "zero CD");

	/*
	 * Valid: every field another CD may set differently must be read,
	 * whole, or a live update could leave it half changed.
	 */
	smmu_test_pgtbl_cfg(&cfg, SMMU_TEST_TTBR_A);
	smmu_cd_s1(cd, smmu, SMMU_TEST_ASID_A, &cfg);
	memset(used, 0, sizeof(used));
	smmu_cd_used(cd, used);
	KUNIT_EXPECT_EQ_MSG(test, used[0] & SMMU_TEST_CD0_FIELDS,
			    SMMU_TEST_CD0_FIELDS,
			    "valid CD: word 0 fields not all read");
	KUNIT_EXPECT_EQ_MSG(test, used[1] & SMMU_CD1_TTB0, SMMU_CD1_TTB0,
			    "valid CD: TTB0 not all read");
	KUNIT_EXPECT_EQ_MSG(test, used[3], SMMU_CD3_MAIR,
			    "valid CD: MAIR not all read");
	for (i = 0; i < SMMU_CD_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, cd[i] & ~used[i], 0ULL,
				    "valid CD: word %u sets bits it does not read",
				    i);
}

/* ---- Live updates of entries ---- */

/*
 * smmu_write_entry() with the used() and break_word0 of a real kind of
 * entry, and a sync that snapshots the entry instead of telling an SMMU.
 * From sync number @fail_from on (counting from 1; 0 for never) the sync
 * fails, as a command queue that stopped would.
 */
struct smmu_test_writer {
	struct smmu_entry_ops ops;
	__le64 entry[SMMU_STE_WORDS];
	u64 snap[SMMU_TEST_MAX_SYNCS][SMMU_STE_WORDS];
	unsigned int syncs;
	unsigned int fail_from;
};

static int smmu_test_record_sync(void *cookie)
{
	struct smmu_test_writer *w = cookie;
	unsigned int i;

	if (w->syncs < SMMU_TEST_MAX_SYNCS)
		for (i = 0; i < SMMU_STE_WORDS; i++)
			w->snap[w->syncs][i] = le64_to_cpu(w->entry[i]);
	w->syncs++;
	return w->fail_from && w->syncs >= w->fail_from ? -ETIMEDOUT : 0;
}

/* Does @view act as @ref: read the same bits, holding the same values? */
static bool smmu_test_acts_as(const struct smmu_entry_ops *ops,
			      const u64 *view, const u64 *ref)
{
	u64 used_view[SMMU_STE_WORDS], used_ref[SMMU_STE_WORDS];
	unsigned int i;

	ops->used(view, used_view);
	ops->used(ref, used_ref);
	for (i = 0; i < SMMU_STE_WORDS; i++)
		if (used_view[i] != used_ref[i] ||
		    (view[i] ^ ref[i]) & used_ref[i])
			return false;
	return true;
}

/* Is @view the break entry: word 0 says so, and nothing else is read? */
static bool smmu_test_is_break(const struct smmu_entry_ops *ops,
			       const u64 *view)
{
	u64 used[SMMU_STE_WORDS];
	unsigned int i;

	if (view[0] != ops->break_word0)
		return false;
	ops->used(view, used);
	for (i = 1; i < SMMU_STE_WORDS; i++)
		if (used[i])
			return false;
	return true;
}

struct smmu_test_outcome {
	unsigned int syncs;
	bool broke;	/* some view acted only as the break entry */
	int ret;	/* what smmu_write_entry() returned */
};

/*
 * Every view the SMMU may see between the syncs at @before and @after:
 * @before with any subset of the words that changed.  Return false, having
 * failed the test, at the first view that acts as neither @from, @to nor
 * the break entry.
 */
static bool smmu_test_check_step(struct kunit *test,
				 const struct smmu_entry_ops *ops,
				 const u64 *from, const u64 *to,
				 const u64 *before, const u64 *after,
				 unsigned int step, const char *what,
				 struct smmu_test_outcome *out)
{
	unsigned int changed[SMMU_STE_WORDS], k = 0, i;
	unsigned long subset;
	u64 view[SMMU_STE_WORDS];

	for (i = 0; i < SMMU_STE_WORDS; i++)
		if (before[i] != after[i])
			changed[k++] = i;
	KUNIT_EXPECT_GT_MSG(test, k, 0U,
			    "%s: sync %u follows no store (a wasted CMD_SYNC)",
			    what, step);

	for (subset = 0; subset < BIT(k); subset++) {
		memcpy(view, before, sizeof(view));
		for (i = 0; i < k; i++)
			if (subset & BIT(i))
				view[changed[i]] = after[changed[i]];
		if (smmu_test_acts_as(ops, view, from) ||
		    smmu_test_acts_as(ops, view, to))
			continue;
		if (smmu_test_is_break(ops, view)) {
			out->broke = true;
			continue;
		}
		KUNIT_FAIL(test,
			   "%s: before sync %u the SMMU may see %016llx %016llx %016llx %016llx %016llx %016llx %016llx %016llx, which is neither the old entry, the new one nor the break entry",
			   what, step, view[0], view[1], view[2], view[3],
			   view[4], view[5], view[6], view[7]);
		return false;
	}
	return true;
}

/*
 * Update an entry from @from to @to, with syncs failing from @fail_from on
 * (0: none), checking every view on the way and that the entry ends as @to
 */
static void smmu_test_transition(struct kunit *test,
				 const struct smmu_entry_ops *real,
				 const u64 *from, const u64 *to,
				 unsigned int fail_from, const char *what,
				 struct smmu_test_outcome *out)
{
	struct smmu_test_writer *w = kunit_kzalloc(test, sizeof(*w),
						   GFP_KERNEL);
	const u64 *before = from;
	u64 final[SMMU_STE_WORDS];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ops = *real;
	w->ops.sync = smmu_test_record_sync;
	w->fail_from = fail_from;
	for (i = 0; i < SMMU_STE_WORDS; i++)
		w->entry[i] = cpu_to_le64(from[i]);

	out->ret = smmu_write_entry(&w->ops, w, w->entry, to);

	out->syncs = w->syncs;
	out->broke = false;
	KUNIT_ASSERT_LE_MSG(test, w->syncs, SMMU_TEST_MAX_SYNCS,
			    "%s: %u syncs", what, w->syncs);

	for (i = 0; i < w->syncs; i++) {
		if (!smmu_test_check_step(test, &w->ops, from, to, before,
					  w->snap[i], i + 1, what, out))
			return;
		before = w->snap[i];
	}

	for (i = 0; i < SMMU_STE_WORDS; i++)
		final[i] = le64_to_cpu(w->entry[i]);
	smmu_test_expect_words(test, final, to, what);
	/* A store after the last sync might never reach the SMMU */
	for (i = 0; i < SMMU_STE_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, final[i], before[i],
				    "%s: word %u stored after the last sync",
				    what, i);
}

enum smmu_test_ste_kind {
	SMMU_TEST_STE_ZERO,
	SMMU_TEST_STE_ABORT,
	SMMU_TEST_STE_BYPASS,
	SMMU_TEST_STE_S1_A,
	SMMU_TEST_STE_S1_B,
	SMMU_TEST_STE_S1_NC_A,
	SMMU_TEST_STE_KINDS,
};

static const char * const smmu_test_ste_names[SMMU_TEST_STE_KINDS] = {
	[SMMU_TEST_STE_ZERO]	= "invalid",
	[SMMU_TEST_STE_ABORT]	= "abort",
	[SMMU_TEST_STE_BYPASS]	= "bypass",
	[SMMU_TEST_STE_S1_A]	= "S1 cd A",
	[SMMU_TEST_STE_S1_B]	= "S1 cd B",
	[SMMU_TEST_STE_S1_NC_A]	= "S1 non-coherent cd A",
};

static void smmu_test_make_ste(struct kunit *test, enum smmu_test_ste_kind kind,
			       u64 *ste)
{
	switch (kind) {
	case SMMU_TEST_STE_ZERO:
		memset(ste, 0, SMMU_STE_BYTES);
		break;
	case SMMU_TEST_STE_ABORT:
		smmu_ste_abort(ste);
		break;
	case SMMU_TEST_STE_BYPASS:
		smmu_ste_bypass(ste);
		break;
	case SMMU_TEST_STE_S1_A:
		smmu_ste_s1(ste, smmu_test_fake_smmu(test, SMMU_FEAT_COHERENT),
			    SMMU_TEST_CD_A);
		break;
	case SMMU_TEST_STE_S1_B:
		smmu_ste_s1(ste, smmu_test_fake_smmu(test, SMMU_FEAT_COHERENT),
			    SMMU_TEST_CD_B);
		break;
	case SMMU_TEST_STE_S1_NC_A:
		smmu_ste_s1(ste, smmu_test_fake_smmu(test, 0), SMMU_TEST_CD_A);
		break;
	default:
		KUNIT_FAIL(test, "no STE of kind %d", kind);
	}
}

struct smmu_test_ste_pair {
	enum smmu_test_ste_kind from, to;
};

/* Every ordered pair of kinds, the same kind twice included */
static struct smmu_test_ste_pair
smmu_test_ste_pairs[SMMU_TEST_STE_KINDS * SMMU_TEST_STE_KINDS];

static void smmu_test_ste_pair_desc(const struct smmu_test_ste_pair *p,
				    char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s -> %s",
		 smmu_test_ste_names[p->from], smmu_test_ste_names[p->to]);
}

static const void *smmu_test_ste_pairs_gen_params(const void *prev,
						  char *desc)
{
	const struct smmu_test_ste_pair *p = prev;
	unsigned int i = p ? p - smmu_test_ste_pairs + 1 : 0;

	if (i >= ARRAY_SIZE(smmu_test_ste_pairs))
		return NULL;
	smmu_test_ste_pairs[i].from = i / SMMU_TEST_STE_KINDS;
	smmu_test_ste_pairs[i].to = i % SMMU_TEST_STE_KINDS;
	smmu_test_ste_pair_desc(&smmu_test_ste_pairs[i], desc);
	return &smmu_test_ste_pairs[i];
}

/*
 * The one pair no order of stores takes across hitlessly: S1 entries of a
 * coherent and a non-coherent SMMU for different CDs differ in S1CTXPTR
 * (word 0) and in S1CIR/S1COR/S1CSH (word 1), read by both, so after one
 * store either the SMMU would walk one CD with the other's attributes.
 * (One STE never moves between two such SMMUs; this just forces the break
 * with real STEs.)
 */
static bool smmu_test_ste_needs_break(const struct smmu_test_ste_pair *p)
{
	return (p->from == SMMU_TEST_STE_S1_B &&
		p->to == SMMU_TEST_STE_S1_NC_A) ||
	       (p->from == SMMU_TEST_STE_S1_NC_A &&
		p->to == SMMU_TEST_STE_S1_B);
}

static void smmu_test_ste_transition(struct kunit *test)
{
	const struct smmu_test_ste_pair *p = test->param_value;
	u64 from[SMMU_STE_WORDS], to[SMMU_STE_WORDS];
	struct smmu_test_outcome out;
	char what[KUNIT_PARAM_DESC_SIZE];

	smmu_test_ste_pair_desc(p, what);
	smmu_test_make_ste(test, p->from, from);
	smmu_test_make_ste(test, p->to, to);
	smmu_test_transition(test, &smmu_ste_ops, from, to, 0, what, &out);
	KUNIT_EXPECT_EQ_MSG(test, out.ret, 0, "%s: no sync failed", what);

	kunit_info(test, "%s: %u syncs, %s\n", what, out.syncs,
		   out.broke ? "through the break entry" : "hitless");
	KUNIT_EXPECT_LE_MSG(test, out.syncs, SMMU_TEST_ENTRY_MAX_SYNCS,
			    "%s: too many syncs", what);
	if (p->from == p->to)
		KUNIT_EXPECT_EQ_MSG(test, out.syncs, 0U,
				    "%s: rewriting an STE with itself must store nothing",
				    what);
	else
		KUNIT_EXPECT_GT_MSG(test, out.syncs, 0U,
				    "%s: the change was never synced", what);
	if (smmu_test_ste_needs_break(p))
		KUNIT_EXPECT_TRUE_MSG(test, out.broke,
				      "%s: cannot be hitless, yet never showed the break entry",
				      what);
	else
		KUNIT_EXPECT_FALSE_MSG(test, out.broke,
				       "%s: should be hitless, but aborted on the way",
				       what);
}

/*
 * The same updates with the syncs failing from each one on: the update must
 * still take every step it takes when they succeed (so that the entry ends
 * as the new one, and writing the old one back starts from there), through
 * views that are all safe, and return the error of the first that failed.
 * An update that stores nothing syncs nothing, and cannot fail.
 */
static void smmu_test_ste_failed_sync(struct kunit *test)
{
	const struct smmu_test_ste_pair *p = test->param_value;
	u64 from[SMMU_STE_WORDS], to[SMMU_STE_WORDS];
	struct smmu_test_outcome clean, out;
	char what[KUNIT_PARAM_DESC_SIZE];
	unsigned int fail_from;

	smmu_test_ste_pair_desc(p, what);
	smmu_test_make_ste(test, p->from, from);
	smmu_test_make_ste(test, p->to, to);
	smmu_test_transition(test, &smmu_ste_ops, from, to, 0, what, &clean);

	for (fail_from = 1; fail_from <= max(clean.syncs, 1U); fail_from++) {
		smmu_test_transition(test, &smmu_ste_ops, from, to, fail_from,
				     what, &out);
		KUNIT_EXPECT_EQ_MSG(test, out.ret, clean.syncs ? -ETIMEDOUT : 0,
				    "%s, syncs failing from %u: what it returned",
				    what, fail_from);
		KUNIT_EXPECT_EQ_MSG(test, out.syncs, clean.syncs,
				    "%s, syncs failing from %u: steps left out",
				    what, fail_from);
	}
}

enum smmu_test_cd_kind {
	SMMU_TEST_CD_ZERO,
	SMMU_TEST_CD_S1_A,
	SMMU_TEST_CD_S1_A_TABLE_B,	/* ASID A, TTB0 of B */
	SMMU_TEST_CD_S1_B,
};

struct smmu_test_cd_pair {
	const char *name;
	enum smmu_test_cd_kind from, to;
	bool hitless;		/* must be; else either is fine */
};

static const struct smmu_test_cd_pair smmu_test_cd_pairs[] = {
	{ "invalid -> CD A", SMMU_TEST_CD_ZERO, SMMU_TEST_CD_S1_A, true },
	{ "CD A -> invalid", SMMU_TEST_CD_S1_A, SMMU_TEST_CD_ZERO, true },
	{ "CD A -> CD A, new table", SMMU_TEST_CD_S1_A,
	  SMMU_TEST_CD_S1_A_TABLE_B, true },
	{ "CD A -> CD B", SMMU_TEST_CD_S1_A, SMMU_TEST_CD_S1_B, false },
	{ "CD B -> CD A", SMMU_TEST_CD_S1_B, SMMU_TEST_CD_S1_A, false },
	{ "CD A -> CD A", SMMU_TEST_CD_S1_A, SMMU_TEST_CD_S1_A, true },
};

KUNIT_ARRAY_PARAM_DESC(smmu_test_cd_pairs, smmu_test_cd_pairs, name);

static void smmu_test_make_cd(struct kunit *test, enum smmu_test_cd_kind kind,
			      u64 *cd)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test,
						       SMMU_FEAT_COHERENT);
	struct io_pgtable_cfg cfg;

	switch (kind) {
	case SMMU_TEST_CD_ZERO:
		memset(cd, 0, SMMU_CD_BYTES);
		break;
	case SMMU_TEST_CD_S1_A:
		smmu_test_pgtbl_cfg(&cfg, SMMU_TEST_TTBR_A);
		smmu_cd_s1(cd, smmu, SMMU_TEST_ASID_A, &cfg);
		break;
	case SMMU_TEST_CD_S1_A_TABLE_B:
		smmu_test_pgtbl_cfg(&cfg, SMMU_TEST_TTBR_B);
		smmu_cd_s1(cd, smmu, SMMU_TEST_ASID_A, &cfg);
		break;
	case SMMU_TEST_CD_S1_B:
		smmu_test_pgtbl_cfg(&cfg, SMMU_TEST_TTBR_B);
		smmu_cd_s1(cd, smmu, SMMU_TEST_ASID_B, &cfg);
		break;
	default:
		KUNIT_FAIL(test, "no CD of kind %d", kind);
	}
}

static void smmu_test_cd_transition(struct kunit *test)
{
	const struct smmu_test_cd_pair *p = test->param_value;
	u64 from[SMMU_CD_WORDS], to[SMMU_CD_WORDS];
	struct smmu_test_outcome out;

	smmu_test_make_cd(test, p->from, from);
	smmu_test_make_cd(test, p->to, to);
	smmu_test_transition(test, &smmu_cd_ops, from, to, 0, p->name, &out);
	KUNIT_EXPECT_EQ_MSG(test, out.ret, 0, "%s: a CD sync failed", p->name);

	kunit_info(test, "%s: %u syncs, %s\n", p->name, out.syncs,
		   out.broke ? "through the break entry" : "hitless");
	KUNIT_EXPECT_LE_MSG(test, out.syncs, SMMU_TEST_ENTRY_MAX_SYNCS,
			    "%s: too many syncs", p->name);
	if (p->from == p->to)
		KUNIT_EXPECT_EQ_MSG(test, out.syncs, 0U,
				    "%s: rewriting a CD with itself must store nothing",
				    p->name);
	else
		KUNIT_EXPECT_GT_MSG(test, out.syncs, 0U,
				    "%s: the change was never synced", p->name);
	if (p->hitless)
		KUNIT_EXPECT_FALSE_MSG(test, out.broke,
				       "%s: should be hitless, but invalidated the CD on the way",
				       p->name);
}

/*
 * An entry where word 0 bit 0 is "valid" and a valid entry reads all of
 * words 0 and 1: changing both can only go through the (invalid) break.
 */
static void smmu_test_fake_used(const u64 *entry, u64 *used)
{
	memset(used, 0, SMMU_STE_BYTES);
	used[0] = BIT_ULL(0);
	if (entry[0] & BIT_ULL(0)) {
		used[0] = ~0ULL;
		used[1] = ~0ULL;
	}
}

static const struct smmu_entry_ops smmu_test_fake_ops = {
	.used		= smmu_test_fake_used,
	.break_word0	= 0,
};

static void smmu_test_forced_break(struct kunit *test)
{
	const u64 from[SMMU_STE_WORDS] = { 0x11, 0xaaaa };
	const u64 to[SMMU_STE_WORDS] = { 0x21, 0xbbbb };
	const u64 torn_a[SMMU_STE_WORDS] = { 0x21, 0xaaaa };
	const u64 torn_b[SMMU_STE_WORDS] = { 0x11, 0xbbbb };
	const u64 word1_only[SMMU_STE_WORDS] = { 0x11, 0xbbbb, 0, 0x77 };
	struct smmu_test_outcome out;

	/* The checker itself must reject the two torn views */
	KUNIT_EXPECT_FALSE(test,
			   smmu_test_acts_as(&smmu_test_fake_ops, torn_a, from) ||
			   smmu_test_acts_as(&smmu_test_fake_ops, torn_a, to) ||
			   smmu_test_is_break(&smmu_test_fake_ops, torn_a));
	KUNIT_EXPECT_FALSE(test,
			   smmu_test_acts_as(&smmu_test_fake_ops, torn_b, from) ||
			   smmu_test_acts_as(&smmu_test_fake_ops, torn_b, to) ||
			   smmu_test_is_break(&smmu_test_fake_ops, torn_b));

	smmu_test_transition(test, &smmu_test_fake_ops, from, to, 0,
			     "forced break", &out);
	KUNIT_EXPECT_TRUE_MSG(test, out.broke,
			      "words 0 and 1 both changed without the break entry");
	/* Break, words 1-7, word 0: one sync each */
	KUNIT_EXPECT_EQ_MSG(test, out.syncs, 3U, "syncs of the forced break");

	/* One used word (1) and an unused one (3) change: no break needed */
	smmu_test_transition(test, &smmu_test_fake_ops, from, word1_only, 0,
			     "word 1 only", &out);
	KUNIT_EXPECT_FALSE_MSG(test, out.broke,
			       "a change of one used word went through the break");
	KUNIT_EXPECT_GT(test, out.syncs, 0U);
	KUNIT_EXPECT_LE(test, out.syncs, 2U);
}

/* ---- Commands ---- */

static void smmu_test_poison_cmd(struct smmu_cmd *cmd)
{
	cmd->w[0] = SMMU_TEST_CANARY;
	cmd->w[1] = SMMU_TEST_CANARY;
}

static void smmu_test_cmd_sync(struct kunit *test)
{
	struct smmu_cmd cmd;

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_sync(&cmd, false);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_CMD_SYNC);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_SYNC0_CS, cmd.w[0]),
			    (u64)SMMU_SYNC_CS_NONE, "CMD_SYNC without SEV");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[0] & ~SMMU_CMD0_OPCODE, 0ULL,
			    "CMD_SYNC without SEV: stray bits in word 0");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], 0ULL, "CMD_SYNC word 1");

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_sync(&cmd, true);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_CMD_SYNC);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_SYNC0_CS, cmd.w[0]),
			    (u64)SMMU_SYNC_CS_SEV, "CMD_SYNC with SEV");
	KUNIT_EXPECT_EQ_MSG(test,
			    cmd.w[0] & ~(SMMU_CMD0_OPCODE | SMMU_SYNC0_CS),
			    0ULL, "CMD_SYNC with SEV: stray bits in word 0");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], 0ULL, "CMD_SYNC word 1");
}

static void smmu_test_cmd_cfgi(struct kunit *test)
{
	struct smmu_cmd cmd;

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_cfgi_ste(&cmd, 0xfedc1234, true);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_CFGI_STE);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CFGI0_SID, cmd.w[0]),
			    0xfedc1234ULL, "CFGI_STE SID");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CFGI0_SSID, cmd.w[0]), 0ULL,
			    "CFGI_STE SSID");
	KUNIT_EXPECT_EQ_MSG(test,
			    cmd.w[0] & ~(SMMU_CMD0_OPCODE | SMMU_CFGI0_SID),
			    0ULL, "CFGI_STE: stray bits in word 0");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], SMMU_CFGI1_LEAF,
			    "CFGI_STE leaf: word 1 is LEAF alone");

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_cfgi_ste(&cmd, 7, false);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_CFGI_STE);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CFGI0_SID, cmd.w[0]), 7ULL);
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], 0ULL,
			    "CFGI_STE non-leaf: LEAF must be clear");

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_cfgi_all(&cmd);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_CFGI_ALL);
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[0] & ~SMMU_CMD0_OPCODE, 0ULL,
			    "CFGI_ALL: stray bits in word 0");
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CFGI1_RANGE, cmd.w[1]), 31ULL,
			    "CFGI_ALL must span every StreamID (RANGE 31)");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1] & ~SMMU_CFGI1_RANGE, 0ULL,
			    "CFGI_ALL: stray bits in word 1");
}

static void smmu_test_cmd_tlbi(struct kunit *test)
{
	static const u8 opcodes[] = {
		SMMU_OP_TLBI_NH_ALL, SMMU_OP_TLBI_EL2_ALL, SMMU_OP_TLBI_NSNH_ALL,
	};
	struct smmu_cmd cmd;
	unsigned int i;

	smmu_test_poison_cmd(&cmd);
	smmu_cmd_tlbi_asid(&cmd, 0xbeef);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd.w[0]),
			(u64)SMMU_OP_TLBI_NH_ASID);
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_TLBI0_ASID, cmd.w[0]),
			    0xbeefULL, "TLBI_NH_ASID ASID");
	KUNIT_EXPECT_EQ_MSG(test,
			    cmd.w[0] & ~(SMMU_CMD0_OPCODE | SMMU_TLBI0_ASID),
			    0ULL, "TLBI_NH_ASID: stray bits in word 0");
	KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], 0ULL, "TLBI_NH_ASID word 1");

	for (i = 0; i < ARRAY_SIZE(opcodes); i++) {
		smmu_test_poison_cmd(&cmd);
		smmu_cmd_tlbi_all(&cmd, opcodes[i]);
		KUNIT_EXPECT_EQ_MSG(test, cmd.w[0], (u64)opcodes[i],
				    "opcode %#x: word 0 is the opcode alone",
				    opcodes[i]);
		KUNIT_EXPECT_EQ_MSG(test, cmd.w[1], 0ULL,
				    "opcode %#x: word 1", opcodes[i]);
	}
}

/* ---- Range invalidation ---- */

/* A TLBI_NH_VA command, decoded */
struct smmu_test_tlbi {
	u64 asid, num, scale, leaf, ttl, tg, addr;
};

static void smmu_test_decode_tlbi(struct kunit *test,
				  const struct smmu_cmd *cmd, unsigned int idx,
				  struct smmu_test_tlbi *t)
{
	KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CMD0_OPCODE, cmd->w[0]),
			    (u64)SMMU_OP_TLBI_NH_VA, "command %u: opcode", idx);
	KUNIT_EXPECT_EQ_MSG(test,
			    cmd->w[0] & ~(SMMU_CMD0_OPCODE | SMMU_TLBI0_NUM |
					  SMMU_TLBI0_SCALE | SMMU_TLBI0_ASID),
			    0ULL, "command %u: stray bits in word 0", idx);
	KUNIT_EXPECT_EQ_MSG(test,
			    cmd->w[1] & ~(SMMU_TLBI1_LEAF | SMMU_TLBI1_TTL |
					  SMMU_TLBI1_TG | SMMU_TLBI1_ADDR),
			    0ULL, "command %u: stray bits in word 1", idx);
	t->asid = FIELD_GET(SMMU_TLBI0_ASID, cmd->w[0]);
	t->num = FIELD_GET(SMMU_TLBI0_NUM, cmd->w[0]);
	t->scale = FIELD_GET(SMMU_TLBI0_SCALE, cmd->w[0]);
	t->leaf = FIELD_GET(SMMU_TLBI1_LEAF, cmd->w[1]);
	t->ttl = FIELD_GET(SMMU_TLBI1_TTL, cmd->w[1]);
	t->tg = FIELD_GET(SMMU_TLBI1_TG, cmd->w[1]);
	t->addr = FIELD_GET(SMMU_TLBI1_ADDR, cmd->w[1]);
}

/*
 * smmu_tlbi_range_cmds() into @cmds with room for @max, where @cmds has
 * SMMU_TEST_MAX_CMDS entries: the ones from @max on must stay untouched.
 */
static unsigned int smmu_test_range_cmds(struct kunit *test,
					 const struct smmu_tlbi_range *r,
					 struct smmu_cmd *cmds,
					 unsigned int max)
{
	unsigned int i, n;

	for (i = 0; i < SMMU_TEST_MAX_CMDS; i++)
		smmu_test_poison_cmd(&cmds[i]);
	n = smmu_tlbi_range_cmds(r, cmds, max);
	for (i = max; i < SMMU_TEST_MAX_CMDS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, cmds[i].w[0], SMMU_TEST_CANARY,
				    "wrote command %u beyond max %u", i, max);
		KUNIT_EXPECT_EQ_MSG(test, cmds[i].w[1], SMMU_TEST_CANARY,
				    "wrote command %u beyond max %u", i, max);
	}
	return n;
}

static struct smmu_cmd *smmu_test_alloc_cmds(struct kunit *test)
{
	struct smmu_cmd *cmds = kunit_kcalloc(test, SMMU_TEST_MAX_CMDS,
					      sizeof(*cmds), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cmds);
	return cmds;
}

/* @r must take exactly one command: decode it into @t */
static void smmu_test_one_tlbi(struct kunit *test,
			       const struct smmu_tlbi_range *r,
			       struct smmu_cmd *cmds, struct smmu_test_tlbi *t)
{
	unsigned int n;

	n = smmu_test_range_cmds(test, r, cmds, SMMU_TEST_MAX_CMDS);
	KUNIT_ASSERT_EQ_MSG(test, n, 1U,
			    "%llu granules of 2^%u bytes, leaves of 2^%u: commands",
			    r->granules, r->granule_shift, r->leaf_shift);
	smmu_test_decode_tlbi(test, &cmds[0], 0, t);
}

/* One range command of @n 4K granules at 0x12345000, with RIL */
static void smmu_test_ril_one(struct kunit *test, struct smmu_cmd *cmds,
			      u64 n, u64 want_scale, u64 want_num)
{
	const struct smmu_tlbi_range r = {
		.asid = 0x1234, .iova = 0x12345000, .granules = n,
		.granule_shift = 12, .leaf_shift = 12, .use_range = true,
	};
	struct smmu_test_tlbi t;

	smmu_test_one_tlbi(test, &r, cmds, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.asid, 0x1234ULL, "%llu granules: ASID", n);
	KUNIT_EXPECT_EQ_MSG(test, t.scale, want_scale, "%llu granules: SCALE",
			    n);
	KUNIT_EXPECT_EQ_MSG(test, t.num, want_num, "%llu granules: NUM", n);
	KUNIT_EXPECT_EQ_MSG(test, t.tg, 1ULL, "%llu granules: TG of 4K", n);
	KUNIT_EXPECT_EQ_MSG(test, t.ttl, 3ULL,
			    "%llu granules: TTL of 4K leaves is level 3", n);
	KUNIT_EXPECT_EQ_MSG(test, t.leaf, 1ULL, "%llu granules: LEAF", n);
	KUNIT_EXPECT_EQ_MSG(test, t.addr, 0x12345ULL, "%llu granules: ADDR", n);
}

static void smmu_test_tlbi_range_single(struct kunit *test)
{
	struct smmu_cmd *cmds = smmu_test_alloc_cmds(test);

	smmu_test_ril_one(test, cmds, 1, 0, 0);
	/* Powers of two: NUM 0, SCALE the power */
	smmu_test_ril_one(test, cmds, 32, 5, 0);
	smmu_test_ril_one(test, cmds, 128, 7, 0);
	/* Set bits within five of each other: still one command */
	smmu_test_ril_one(test, cmds, 31, 0, 30);
	smmu_test_ril_one(test, cmds, 3 << 4, 4, 2);
}

static void smmu_test_tlbi_range_split(struct kunit *test)
{
	const struct smmu_tlbi_range r = {
		.asid = 1, .iova = 0x40000000, .granules = 33,
		.granule_shift = 12, .leaf_shift = 12, .use_range = true,
	};
	struct smmu_cmd *cmds = smmu_test_alloc_cmds(test);
	struct smmu_test_tlbi t;
	u64 next = r.iova;
	unsigned int i, n;

	n = smmu_test_range_cmds(test, &r, cmds, SMMU_TEST_MAX_CMDS);
	KUNIT_ASSERT_EQ_MSG(test, n, 2U, "33 granules take two range commands");
	for (i = 0; i < n; i++) {
		smmu_test_decode_tlbi(test, &cmds[i], i, &t);
		KUNIT_EXPECT_EQ_MSG(test, t.addr << 12, next,
				    "command %u does not start where the one before ended",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, t.tg, 1ULL, "command %u: TG", i);
		KUNIT_EXPECT_EQ_MSG(test, t.ttl, 3ULL, "command %u: TTL", i);
		KUNIT_EXPECT_EQ_MSG(test, t.leaf, 1ULL, "command %u: LEAF", i);
		next += ((t.num + 1) << t.scale) << 12;
	}
	KUNIT_EXPECT_EQ_MSG(test, next, r.iova + 33 * SZ_4K,
			    "the commands do not end at the end of the range");

	/* With room for one only: count both, write one */
	n = smmu_test_range_cmds(test, &r, cmds, 1);
	KUNIT_EXPECT_EQ_MSG(test, n, 2U, "33 granules with room for 1 command");
}

static void smmu_test_tlbi_range_levels(struct kunit *test)
{
	struct smmu_tlbi_range r = {
		.asid = 7, .iova = SZ_1G, .granules = 512,
		.granule_shift = 12, .leaf_shift = 21, .use_range = true,
	};
	struct smmu_cmd *cmds = smmu_test_alloc_cmds(test);
	struct smmu_test_tlbi t;

	/* One 2 MiB block: level 2 */
	smmu_test_one_tlbi(test, &r, cmds, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.ttl, 2ULL, "TTL of 2 MiB leaves");
	KUNIT_EXPECT_EQ_MSG(test, t.leaf, 1ULL, "LEAF of 2 MiB leaves");
	KUNIT_EXPECT_EQ_MSG(test, (t.num + 1) << t.scale, 512ULL,
			    "2 MiB in 4K granules");
	KUNIT_EXPECT_EQ(test, t.addr << 12, (u64)SZ_1G);

	/* Tables went too: every level, not only leaves */
	r.leaf_shift = 0;
	smmu_test_one_tlbi(test, &r, cmds, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.leaf, 0ULL,
			    "a table walk invalidation must not be LEAF");
	KUNIT_EXPECT_EQ_MSG(test, t.ttl, 0ULL,
			    "a table walk invalidation must not name a level");

	/* 64K granule: TG 3, 64K leaves at level 3 */
	r.granule_shift = 16;
	r.leaf_shift = 16;
	r.granules = 4;
	smmu_test_one_tlbi(test, &r, cmds, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.tg, 3ULL, "TG of 64K");
	KUNIT_EXPECT_EQ_MSG(test, t.ttl, 3ULL, "TTL of 64K leaves");
	KUNIT_EXPECT_EQ_MSG(test, (t.num + 1) << t.scale, 4ULL,
			    "four 64K granules");
	KUNIT_EXPECT_EQ_MSG(test, t.addr << 12, (u64)SZ_1G,
			    "ADDR is in 4K units whatever the granule");

	/* 16K granule: TG 2, 32 MiB leaves at level 2 */
	r.granule_shift = 14;
	r.leaf_shift = 25;
	r.granules = 2048;
	smmu_test_one_tlbi(test, &r, cmds, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.tg, 2ULL, "TG of 16K");
	KUNIT_EXPECT_EQ_MSG(test, t.ttl, 2ULL, "TTL of 32 MiB leaves");
}

static void smmu_test_tlbi_no_range(struct kunit *test)
{
	struct smmu_tlbi_range r = {
		.asid = 0x55, .iova = 0x7f000000, .granules = 4,
		.granule_shift = 12, .leaf_shift = 12, .use_range = false,
	};
	struct smmu_cmd *cmds = smmu_test_alloc_cmds(test);
	struct smmu_test_tlbi t;
	unsigned int i, n;

	/* One command per 4K leaf, at consecutive addresses */
	n = smmu_test_range_cmds(test, &r, cmds, SMMU_TEST_MAX_CMDS);
	KUNIT_ASSERT_EQ_MSG(test, n, 4U, "4 leaves without RIL");
	for (i = 0; i < n; i++) {
		smmu_test_decode_tlbi(test, &cmds[i], i, &t);
		KUNIT_EXPECT_EQ_MSG(test, t.addr, (r.iova >> 12) + i,
				    "command %u: ADDR", i);
		KUNIT_EXPECT_EQ_MSG(test, t.asid, 0x55ULL, "command %u: ASID",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, t.tg, 0ULL,
				    "command %u: TG must be 0 without RIL", i);
		KUNIT_EXPECT_EQ_MSG(test, t.num, 0ULL, "command %u: NUM", i);
		KUNIT_EXPECT_EQ_MSG(test, t.scale, 0ULL, "command %u: SCALE",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, t.ttl, 0ULL,
				    "command %u: TTL needs TG", i);
		KUNIT_EXPECT_EQ_MSG(test, t.leaf, 1ULL, "command %u: LEAF", i);
	}

	/* Two 2 MiB leaves: two commands, 2 MiB apart */
	r.granules = 1024;
	r.leaf_shift = 21;
	n = smmu_test_range_cmds(test, &r, cmds, SMMU_TEST_MAX_CMDS);
	KUNIT_ASSERT_EQ_MSG(test, n, 2U, "2 leaves of 2 MiB without RIL");
	for (i = 0; i < n; i++) {
		smmu_test_decode_tlbi(test, &cmds[i], i, &t);
		KUNIT_EXPECT_EQ_MSG(test, t.addr << 12, r.iova + i * SZ_2M,
				    "2 MiB leaf %u: ADDR", i);
		KUNIT_EXPECT_EQ_MSG(test, t.leaf, 1ULL, "2 MiB leaf %u: LEAF",
				    i);
	}

	/* More leaves than room: say so, write nothing beyond the room */
	r.granules = 40;
	r.leaf_shift = 12;
	n = smmu_test_range_cmds(test, &r, cmds, 32);
	KUNIT_EXPECT_GT_MSG(test, n, 32U,
			    "40 leaves with room for 32 must return more than 32");
}

/*
 * Random ranges with RIL: the decoded commands must tile the range exactly
 * and in order, in no more commands than five bits of length each.
 */
static void smmu_test_tlbi_range_sweep(struct kunit *test)
{
	static const unsigned int leaf_shifts[] = { 0, 12, 21 };
	struct smmu_cmd *cmds = smmu_test_alloc_cmds(test);
	struct rnd_state rnd;
	unsigned int round, i, n, bound;

	prandom_seed_state(&rnd, SMMU_TEST_SWEEP_SEED);
	for (round = 0; round < SMMU_TEST_SWEEP_ROUNDS; round++) {
		struct smmu_tlbi_range r = {
			.asid = prandom_u32_state(&rnd) & 0xffff,
			.iova = (u64)prandom_u32_state(&rnd) << 12,
			.granules = 1 + prandom_u32_state(&rnd) % SZ_1M,
			.granule_shift = 12,
			.use_range = true,
		};
		u64 next = r.iova, end;

		r.leaf_shift = leaf_shifts[prandom_u32_state(&rnd) %
					   ARRAY_SIZE(leaf_shifts)];
		end = r.iova + (r.granules << 12);
		bound = DIV_ROUND_UP(fls64(r.granules), 5) + 1;

		n = smmu_tlbi_range_cmds(&r, cmds, SMMU_TEST_MAX_CMDS);
		if (n > bound) {
			KUNIT_FAIL(test,
				   "round %u: %llu granules at %#llx took %u commands, more than %u",
				   round, r.granules, r.iova, n, bound);
			return;
		}
		for (i = 0; i < n; i++) {
			struct smmu_test_tlbi t;

			smmu_test_decode_tlbi(test, &cmds[i], i, &t);
			if (t.addr << 12 != next || t.asid != r.asid ||
			    t.tg != 1 || t.leaf != (u64)!!r.leaf_shift) {
				KUNIT_FAIL(test,
					   "round %u: %llu granules at %#llx, leaf shift %u: command %u covers from %#llx (asid %#llx tg %llu leaf %llu), expected from %#llx",
					   round, r.granules, r.iova, r.leaf_shift,
					   i, t.addr << 12, t.asid, t.tg,
					   t.leaf, next);
				return;
			}
			next += ((t.num + 1) << t.scale) << 12;
		}
		if (next != end) {
			KUNIT_FAIL(test,
				   "round %u: %llu granules at %#llx: %u commands end at %#llx, not %#llx",
				   round, r.granules, r.iova, n, next, end);
			return;
		}
	}
	KUNIT_EXPECT_EQ(test, round, SMMU_TEST_SWEEP_ROUNDS);
}

/* ---- Queues ---- */

#define SMMU_TEST_Q_SHIFT	3
#define SMMU_TEST_Q_ENTRIES	BIT(SMMU_TEST_Q_SHIFT)
#define SMMU_TEST_Q_WRAP	SMMU_TEST_Q_ENTRIES

static struct smmu_queue *smmu_test_fake_queue(struct kunit *test)
{
	struct smmu_queue *q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, q);
	q->base = kunit_kcalloc(test, SMMU_TEST_Q_ENTRIES * SMMU_CMD_WORDS,
				sizeof(*q->base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q->base);
	q->shift = SMMU_TEST_Q_SHIFT;
	q->entry_words = SMMU_CMD_WORDS;
	return q;
}

static void smmu_test_queue_indices(struct kunit *test)
{
	struct smmu_queue *q = smmu_test_fake_queue(test);

	KUNIT_EXPECT_EQ(test, smmu_q_entries(q), SMMU_TEST_Q_ENTRIES);

	/* prod wrapped to slot 2, cons still at slot 6: 4 in flight */
	q->prod = SMMU_TEST_Q_WRAP | 2;
	q->cons = 6;
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_used(q, q->prod, q->cons), 4U,
			    "used across the wrap");
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_space(q), 4U, "space across the wrap");
	/* The other way round: cons has the wrap bit, prod does not */
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_used(q, 2, SMMU_TEST_Q_WRAP | 6), 4U,
			    "used with the wrap bit on cons only");

	/* Same index, different wrap bits: full */
	q->prod = SMMU_TEST_Q_WRAP | 6;
	q->cons = 6;
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_used(q, q->prod, q->cons),
			    SMMU_TEST_Q_ENTRIES, "prod == cons ^ wrap is full");
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_space(q), 0U, "a full queue has room");

	/* Same index, same wrap bit: empty */
	q->cons = SMMU_TEST_Q_WRAP | 6;
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_used(q, q->prod, q->cons), 0U,
			    "prod == cons is empty");
	KUNIT_EXPECT_EQ_MSG(test, smmu_q_space(q), SMMU_TEST_Q_ENTRIES,
			    "an empty queue has all its room");

	/* Advancing past the last slot flips the wrap bit */
	KUNIT_EXPECT_EQ(test, smmu_q_advance(q, 7, 1), SMMU_TEST_Q_WRAP | 0);
	KUNIT_EXPECT_EQ(test, smmu_q_advance(q, SMMU_TEST_Q_WRAP | 7, 1), 0U);
	KUNIT_EXPECT_EQ(test, smmu_q_advance(q, 6, 5), SMMU_TEST_Q_WRAP | 3);
	KUNIT_EXPECT_EQ(test, smmu_q_advance(q, SMMU_TEST_Q_WRAP | 6, 5), 3U);
	KUNIT_EXPECT_EQ(test, smmu_q_slot(q, SMMU_TEST_Q_WRAP | 3), 3U);
	KUNIT_EXPECT_EQ(test, smmu_q_slot(q, 5), 5U);
	/* Flags above the wrap bit (the overflow flag, CONS.ERR) go */
	KUNIT_EXPECT_EQ(test, smmu_q_pos(q, SMMU_Q_OVERFLOW |
					 SMMU_TEST_Q_WRAP | 5),
			SMMU_TEST_Q_WRAP | 5);
	KUNIT_EXPECT_PTR_EQ(test, smmu_q_entry(q, SMMU_TEST_Q_WRAP | 3),
			    q->base + 3 * SMMU_CMD_WORDS);
}

static void smmu_test_queue_write(struct kunit *test)
{
	static const unsigned int slots[] = { 6, 7, 0, 1, 2 };
	struct smmu_queue *q = smmu_test_fake_queue(test);
	struct smmu_cmd cmds[ARRAY_SIZE(slots)];
	const u8 *bytes = (const u8 *)q->base;
	unsigned int i, slot;
	u32 pos;

	for (i = 0; i < SMMU_TEST_Q_ENTRIES * SMMU_CMD_WORDS; i++)
		q->base[i] = cpu_to_le64(SMMU_TEST_CANARY);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		cmds[i].w[0] = 0x0807060504030201ULL + i;
		cmds[i].w[1] = 0x1000000000000000ULL * (i + 1) + 0xff;
	}

	pos = smmu_queue_write(q, 6, cmds, ARRAY_SIZE(cmds));
	KUNIT_EXPECT_EQ_MSG(test, pos, SMMU_TEST_Q_WRAP | 3,
			    "5 commands from slot 6 end at slot 3, wrapped");

	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		const __le64 *e = q->base + slots[i] * SMMU_CMD_WORDS;

		KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(e[0]), cmds[i].w[0],
				    "command %u in slot %u, word 0", i,
				    slots[i]);
		KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(e[1]), cmds[i].w[1],
				    "command %u in slot %u, word 1", i,
				    slots[i]);
	}
	/* Little-endian in memory, whatever the CPU: lowest byte first */
	KUNIT_EXPECT_EQ_MSG(test, bytes[6 * SMMU_CMD_WORDS * 8], 0x01,
			    "command 0 is not little-endian in memory");
	KUNIT_EXPECT_EQ_MSG(test, bytes[6 * SMMU_CMD_WORDS * 8 + 7], 0x08,
			    "command 0 is not little-endian in memory");
	for (slot = 3; slot <= 5; slot++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    le64_to_cpu(q->base[slot * SMMU_CMD_WORDS]),
				    SMMU_TEST_CANARY, "slot %u overwritten",
				    slot);
		KUNIT_EXPECT_EQ_MSG(test,
				    le64_to_cpu(q->base[slot * SMMU_CMD_WORDS + 1]),
				    SMMU_TEST_CANARY, "slot %u overwritten",
				    slot);
	}
}

/* ---- Events ---- */

static void smmu_test_event_fault(u64 *evt, u8 id)
{
	memset(evt, 0, SMMU_EVT_WORDS * sizeof(u64));
	evt[0] = FIELD_PREP(SMMU_EVT0_ID, id) | FIELD_PREP(SMMU_EVT0_SID, 0x18);
	evt[2] = 0x7ff000;
}

static void smmu_test_event_translation_fault(struct kunit *test)
{
	static const char dev[] = "0000:00:03.0";
	const char *want;
	u64 evt[SMMU_EVT_WORDS];
	char buf[192];
	int ret;

	smmu_test_event_fault(evt, 0x10);
	want = "translation fault: 0000:00:03.0 write at IOVA 0x7ff000, stage 1 (sid 0x18)";
	ret = smmu_event_format(evt, dev, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, want);
	KUNIT_EXPECT_EQ(test, ret, (int)strlen(want));

	evt[1] |= SMMU_EVT1_RNW;
	smmu_event_format(evt, dev, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "translation fault: 0000:00:03.0 read at IOVA 0x7ff000, stage 1 (sid 0x18)");

	evt[1] = SMMU_EVT1_S2;
	smmu_event_format(evt, dev, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "translation fault: 0000:00:03.0 write at IOVA 0x7ff000, stage 2 (sid 0x18)");

	evt[1] = 0;
	smmu_event_format(evt, NULL, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "translation fault: unknown device write at IOVA 0x7ff000, stage 1 (sid 0x18)");

	/* A substream is named after the StreamID */
	evt[0] |= SMMU_EVT0_SSV | FIELD_PREP(SMMU_EVT0_SSID, 5);
	smmu_event_format(evt, dev, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "translation fault: 0000:00:03.0 write at IOVA 0x7ff000, stage 1 (sid 0x18 ssid 0x5)");

	/* A short buffer: cut and terminated, the full length returned */
	smmu_test_event_fault(evt, 0x10);
	ret = smmu_event_format(evt, dev, buf, 12);
	KUNIT_EXPECT_STREQ(test, buf, "translation");
	KUNIT_EXPECT_EQ(test, ret, (int)strlen(want));
}

static void smmu_test_event_without_address(struct kunit *test)
{
	u64 evt[SMMU_EVT_WORDS] = {
		FIELD_PREP(SMMU_EVT0_ID, 0x04) | FIELD_PREP(SMMU_EVT0_SID, 0x18),
		0x1111222233334444ULL, 0x5555666677778888ULL,
		0x99990000aaaabbbbULL,
	};
	char buf[192], word[20];
	unsigned int i;
	int ret;

	ret = smmu_event_format(evt, "0000:00:03.0", buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ret, (int)strlen(buf));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(buf, "bad STE: "),
			      "event not named first: \"%s\"", buf);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "0000:00:03.0"),
				  "device not named: \"%s\"", buf);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "sid 0x18"),
				  "StreamID not named: \"%s\"", buf);
	KUNIT_EXPECT_NULL_MSG(test, strstr(buf, "IOVA"),
			      "a bad STE has no IOVA: \"%s\"", buf);
	for (i = 0; i < SMMU_EVT_WORDS; i++) {
		snprintf(word, sizeof(word), "%016llx", evt[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, word),
					  "raw word %u (%s) missing: \"%s\"",
					  i, word, buf);
	}

	smmu_event_format(evt, NULL, buf, sizeof(buf));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "unknown device"),
				  "no device: \"%s\"", buf);
}

static void smmu_test_event_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x10), "translation fault");
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x04), "bad STE");
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x13), "permission fault");
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0xff), "unknown event");
	/* Holes in the table and the ID 0 are unknown too */
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x00), "unknown event");
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x0c), "unknown event");
	KUNIT_EXPECT_STREQ(test, smmu_event_name(0x26), "unknown event");
}

/* ---- Attaching, on an SMMU made of memory ---- */

#define SMMU_TEST_MEM_Q_SHIFT		5
#define SMMU_TEST_MEM_SID_BITS		3
/* GERROR, GERRORN, CMDQ_PROD and CMDQ_CONS: the queue's registers */
#define SMMU_TEST_MEM_REG_BYTES		SZ_4K

/* The StreamIDs of the device the cases attach, with others around them */
static const u32 smmu_test_mem_sids[] = { 1, 6 };

/*
 * An SMMU that is only memory: its registers in a buffer, a command queue
 * and a linear stream table whose STEs all abort.  Its CONS register is its
 * PROD register, so whatever PROD passes counts as carried out at once.
 */
static struct smmu_device *smmu_test_mem_smmu(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test, 0);
	struct smmu_strtab *st = &smmu->strtab;
	struct smmu_queue *q = &smmu->cmdq.q;
	u32 i, stes = BIT(SMMU_TEST_MEM_SID_BITS);
	u64 abort[SMMU_STE_WORDS];
	void *regs;

	smmu->dev = kunit_device_register(test, "smmu-v3-mem");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, smmu->dev);
	regs = kunit_kzalloc(test, SMMU_TEST_MEM_REG_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, regs);
	smmu->base = (void __iomem __force *)regs;

	raw_spin_lock_init(&smmu->cmdq.lock);
	q->shift = SMMU_TEST_MEM_Q_SHIFT;
	q->entry_words = SMMU_CMD_WORDS;
	q->base = kunit_kcalloc(test, smmu_q_entries(q) * SMMU_CMD_WORDS,
				sizeof(*q->base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q->base);
	q->prod_reg = smmu->base + SMMU_CMDQ_PROD;
	q->cons_reg = q->prod_reg;

	smmu->sid_bits = SMMU_TEST_MEM_SID_BITS;
	st->base = kunit_kcalloc(test, stes * SMMU_STE_WORDS,
				 sizeof(*st->base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->base);
	smmu_ste_abort(abort);
	for (i = 0; i < stes * SMMU_STE_WORDS; i++)
		st->base[i] = cpu_to_le64(abort[i % SMMU_STE_WORDS]);
	mutex_init(&smmu->strtab_mutex);
	xa_init(&smmu->streams);
	return smmu;
}

/* From now on CONS stays where it is: every CMD_SYNC times out */
static void smmu_test_mem_stall(struct smmu_device *smmu)
{
	struct smmu_queue *q = &smmu->cmdq.q;

	q->cons_reg = smmu->base + SMMU_CMDQ_CONS;
	writel_relaxed(smmu_q_pos(q, (u32)smmu->cmdq.tail), q->cons_reg);
}

static struct smmu_master *smmu_test_mem_master(struct kunit *test,
						struct smmu_device *smmu)
{
	unsigned int n = ARRAY_SIZE(smmu_test_mem_sids);
	struct smmu_master *master;

	master = kunit_kzalloc(test, struct_size(master, sids, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, master);
	master->smmu = smmu;
	master->dev = smmu->dev;
	master->num_sids = n;
	memcpy(master->sids, smmu_test_mem_sids, sizeof(smmu_test_mem_sids));
	return master;
}

/* Every STE: @dev_ste for the device's StreamIDs, aborting for the others */
static void smmu_test_mem_expect_stes(struct kunit *test,
				      struct smmu_device *smmu,
				      const u64 *dev_ste, const char *what)
{
	unsigned int sid, i, k;
	u64 abort[SMMU_STE_WORDS];

	smmu_ste_abort(abort);
	for (sid = 0; sid < BIT(SMMU_TEST_MEM_SID_BITS); sid++) {
		const __le64 *ste = smmu->strtab.base + sid * SMMU_STE_WORDS;
		const u64 *want = abort;

		for (k = 0; k < ARRAY_SIZE(smmu_test_mem_sids); k++)
			if (smmu_test_mem_sids[k] == sid)
				want = dev_ste;
		for (i = 0; i < SMMU_STE_WORDS; i++)
			KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(ste[i]), want[i],
					    "%s: StreamID %u, word %u", what,
					    sid, i);
	}
}

/*
 * A device with two StreamIDs goes from aborting to a stage-1 STE: each
 * StreamID's STE is written and, after each step, dropped from the SMMU's
 * caches (CFGI_STE without Leaf, for the level-1 descriptor too) and
 * synced, StreamID by StreamID.
 */
static void smmu_test_mem_attach(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_mem_smmu(test);
	struct smmu_master *master = smmu_test_mem_master(test, smmu);
	const struct smmu_queue *q = &smmu->cmdq.q;
	unsigned int i, k = 0, cfgis[ARRAY_SIZE(smmu_test_mem_sids)] = {};
	struct iommu_domain domain = {};
	u64 ste[SMMU_STE_WORDS], written;

	smmu_ste_s1(ste, smmu, SMMU_TEST_CD_A);
	KUNIT_ASSERT_EQ(test, smmu_master_attach(master, &domain, ste), 0);
	KUNIT_EXPECT_PTR_EQ(test, master->domain, &domain);
	smmu_test_mem_expect_stes(test, smmu, ste, "after the attach");

	/* Pairs of commands, none past the end of the ring */
	written = smmu->cmdq.tail;
	KUNIT_ASSERT_GT(test, written, 0ULL);
	KUNIT_ASSERT_LT(test, written, (u64)smmu_q_entries(q));
	KUNIT_ASSERT_EQ_MSG(test, written % 2, 0ULL, "commands not in pairs");
	for (i = 0; i < written; i += 2) {
		u64 cfgi = le64_to_cpu(q->base[i * SMMU_CMD_WORDS]);
		u64 leaf = le64_to_cpu(q->base[i * SMMU_CMD_WORDS + 1]);
		u64 sync = le64_to_cpu(q->base[(i + 1) * SMMU_CMD_WORDS]);

		KUNIT_ASSERT_EQ_MSG(test, FIELD_GET(SMMU_CMD0_OPCODE, cfgi),
				    (u64)SMMU_OP_CFGI_STE, "command %u", i);
		KUNIT_EXPECT_EQ_MSG(test, leaf & SMMU_CFGI1_LEAF, 0ULL,
				    "command %u: Leaf would leave the level-1 descriptor cached",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_CMD0_OPCODE, sync),
				    (u64)SMMU_OP_CMD_SYNC, "command %u", i + 1);
		/* StreamID by StreamID, in the device's order */
		while (k < ARRAY_SIZE(smmu_test_mem_sids) &&
		       FIELD_GET(SMMU_CFGI0_SID, cfgi) != smmu_test_mem_sids[k])
			k++;
		KUNIT_ASSERT_LT_MSG(test, k, ARRAY_SIZE(smmu_test_mem_sids),
				    "command %u: StreamID %llu out of order or not the device's",
				    i, FIELD_GET(SMMU_CFGI0_SID, cfgi));
		cfgis[k]++;
	}
	for (k = 0; k < ARRAY_SIZE(smmu_test_mem_sids); k++)
		KUNIT_EXPECT_GT_MSG(test, cfgis[k], 0U,
				    "StreamID %u was never invalidated",
				    smmu_test_mem_sids[k]);
}

/*
 * The device is on domain A; moving it to domain B times out on the first
 * sync.  The attach must fail with every STE back on A and the device's
 * faults still reported to A, as the IOMMU core expects of a failed attach.
 */
static void smmu_test_mem_attach_timeout(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_mem_smmu(test);
	struct smmu_master *master = smmu_test_mem_master(test, smmu);
	u64 ste_a[SMMU_STE_WORDS], ste_b[SMMU_STE_WORDS];
	struct iommu_domain a = {}, b = {};

	smmu_ste_s1(ste_a, smmu, SMMU_TEST_CD_A);
	smmu_ste_s1(ste_b, smmu, SMMU_TEST_CD_B);
	KUNIT_ASSERT_EQ(test, smmu_master_attach(master, &a, ste_a), 0);

	smmu_test_mem_stall(smmu);
	KUNIT_EXPECT_EQ(test, smmu_master_attach(master, &b, ste_b),
			-ETIMEDOUT);
	KUNIT_EXPECT_PTR_EQ_MSG(test, master->domain, &a,
				"a failed attach moved the fault reports");
	smmu_test_mem_expect_stes(test, smmu, ste_a, "after a failed attach");
}

/*
 * A StreamID that an IORT RMR names bypasses before the SMMU is reset: its
 * STE is only stored, as the SMMU reads nothing of the table yet, and the
 * other STEs still abort; a StreamID beyond the table is refused.  At
 * release a device with firmware DMA to keep going bypasses again, any
 * other device aborts.
 */
static void smmu_test_mem_bypass_early(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_mem_smmu(test);
	struct smmu_master *master = smmu_test_mem_master(test, smmu);
	u64 bypass[SMMU_STE_WORDS], abort[SMMU_STE_WORDS];
	unsigned int k;

	smmu_ste_bypass(bypass);
	smmu_ste_abort(abort);
	for (k = 0; k < ARRAY_SIZE(smmu_test_mem_sids); k++)
		KUNIT_ASSERT_EQ(test,
				smmu_strtab_bypass_early(smmu,
							 smmu_test_mem_sids[k]),
				0);
	KUNIT_EXPECT_EQ(test, smmu->cmdq.tail, 0ULL);
	smmu_test_mem_expect_stes(test, smmu, bypass, "RMR StreamIDs");
	KUNIT_EXPECT_EQ(test,
			smmu_strtab_bypass_early(smmu,
						 BIT(SMMU_TEST_MEM_SID_BITS)),
			-ERANGE);

	smmu_master_release(master, false);
	smmu_test_mem_expect_stes(test, smmu, abort, "released");
	smmu_master_release(master, true);
	smmu_test_mem_expect_stes(test, smmu, bypass,
				  "released with direct regions");
}

/* ---- What firmware says ---- */

#ifdef CONFIG_ACPI_IORT
/* Where the IORT node says the SMMU is; only the node holds it */
#define SMMU_TEST_IORT_BASE	0x9050000ULL

/*
 * An SMMU on a device of the kind the IORT code makes, whose platform
 * data points at its node; smmu_test_iort_node() gives it one.  Register
 * page 1 is where smmu_fw_probe() puts it before it asks IORT.
 */
static struct smmu_device *smmu_test_iort_smmu(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test, 0);

	smmu->dev = kunit_device_register(test, "smmu-v3-iort");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, smmu->dev);
	smmu->page1 = SMMU_PAGE1;
	return smmu;
}

/* Point @smmu's device at a node of type @type laid out as an SMMUv3's. */
static void smmu_test_iort_node(struct kunit *test, struct smmu_device *smmu,
				u8 type, u32 model, u32 flags)
{
	size_t len = sizeof(struct acpi_iort_node) +
		     sizeof(struct acpi_iort_smmu_v3);
	struct acpi_iort_smmu_v3 *desc;
	struct acpi_iort_node **node;

	node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, node);
	*node = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *node);
	(*node)->type = type;
	(*node)->length = len;
	(*node)->revision = 5;
	desc = (struct acpi_iort_smmu_v3 *)(*node)->node_data;
	desc->base_address = SMMU_TEST_IORT_BASE;
	desc->model = model;
	desc->flags = flags;
	smmu->dev->platform_data = node;
}

struct smmu_test_iort_model {
	const char *name;
	u32 model;
	int ret;
	u32 page1;
};

static const struct smmu_test_iort_model smmu_test_iort_models[] = {
	{ "generic", ACPI_IORT_SMMU_V3_GENERIC, 0, SMMU_PAGE1 },
	{ "HiSilicon Hi161x", ACPI_IORT_SMMU_V3_HISILICON_HI161X, 0,
	  SMMU_PAGE1 },
	/* Its page 1 registers sit at the same offsets in page 0 */
	{ "Cavium CN99xx", ACPI_IORT_SMMU_V3_CAVIUM_CN99XX, 0, 0 },
	/* Quirks the driver cannot know of: the SMMU is not used */
	{ "unknown model 0x7f", 0x7f, -ENODEV, SMMU_PAGE1 },
};

KUNIT_ARRAY_PARAM_DESC(smmu_test_iort_models, smmu_test_iort_models, name);

static void smmu_test_iort_model(struct kunit *test)
{
	const struct smmu_test_iort_model *p = test->param_value;
	struct smmu_device *smmu = smmu_test_iort_smmu(test);
	bool coherent = false;

	smmu_test_iort_node(test, smmu, ACPI_IORT_NODE_SMMU_V3, p->model, 0);
	KUNIT_EXPECT_EQ(test, smmu_fw_iort(smmu, &coherent), p->ret);
	KUNIT_EXPECT_EQ_MSG(test, smmu->page1, p->page1,
			    "register page 1 of model %u", p->model);
}

/*
 * The COHACC override says the SMMU's accesses snoop CPU caches; without
 * it, whatever other flags there are, they do not.
 */
static void smmu_test_iort_coherent(struct kunit *test)
{
	const u32 others = ACPI_IORT_SMMU_V3_HTTU_OVERRIDE |
			   ACPI_IORT_SMMU_V3_PXM_VALID |
			   ACPI_IORT_SMMU_V3_DEVICEID_VALID;
	struct smmu_device *smmu = smmu_test_iort_smmu(test);
	bool coherent = false;

	smmu_test_iort_node(test, smmu, ACPI_IORT_NODE_SMMU_V3,
			    ACPI_IORT_SMMU_V3_GENERIC,
			    ACPI_IORT_SMMU_V3_COHACC_OVERRIDE);
	KUNIT_ASSERT_EQ(test, smmu_fw_iort(smmu, &coherent), 0);
	KUNIT_EXPECT_TRUE_MSG(test, coherent, "COHACC override set");

	smmu_test_iort_node(test, smmu, ACPI_IORT_NODE_SMMU_V3,
			    ACPI_IORT_SMMU_V3_GENERIC, others);
	coherent = true;
	KUNIT_ASSERT_EQ(test, smmu_fw_iort(smmu, &coherent), 0);
	KUNIT_EXPECT_FALSE_MSG(test, coherent,
			       "COHACC override clear, flags %#x", others);
}

/* Only an SMMUv3 node describes this driver's SMMU. */
static void smmu_test_iort_wrong_node(struct kunit *test)
{
	static const u8 types[] = {
		ACPI_IORT_NODE_ITS_GROUP, ACPI_IORT_NODE_NAMED_COMPONENT,
		ACPI_IORT_NODE_PCI_ROOT_COMPLEX, ACPI_IORT_NODE_SMMU,
		ACPI_IORT_NODE_PMCG, ACPI_IORT_NODE_RMR,
	};
	struct smmu_device *smmu = smmu_test_iort_smmu(test);
	struct acpi_iort_node *none = NULL;
	bool coherent = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		smmu_test_iort_node(test, smmu, types[i],
				    ACPI_IORT_SMMU_V3_GENERIC, 0);
		KUNIT_EXPECT_EQ_MSG(test, smmu_fw_iort(smmu, &coherent),
				    -ENODEV, "node type %u", types[i]);
	}

	/* A device the IORT code did not make, and one without a node */
	smmu->dev->platform_data = NULL;
	KUNIT_EXPECT_EQ(test, smmu_fw_iort(smmu, &coherent), -ENODEV);
	smmu->dev->platform_data = &none;
	KUNIT_EXPECT_EQ(test, smmu_fw_iort(smmu, &coherent), -ENODEV);
	smmu->dev->platform_data = NULL;
}
#endif /* CONFIG_ACPI_IORT */

/* The first interrupt number the fake platform devices below hand out */
#define SMMU_TEST_IRQ_BASE	100

KUNIT_DEFINE_ACTION_WRAPPER(smmu_test_pdev_put, platform_device_put,
			    struct platform_device *);

struct smmu_test_irq_case {
	const char *name;
	/* The named wired interrupts firmware gives, NULL-terminated */
	const char *wired[4];
	bool msi_parent;
	int find_ret;
	/* Once IDR0 is read: MSIs in IDR0, and left in use */
	bool idr0_msi;
	bool feat_msi;
	int check_ret;
};

static const struct smmu_test_irq_case smmu_test_irqs_params[] = {
	{ "combined", { "combined" }, false, 0, false, false, 0 },
	{ "eventq and gerror", { "eventq", "gerror" }, false, 0,
	  false, false, 0 },
	{ "gerror only", { "gerror" }, false, 0, false, false, 0 },
	/* Faults reported, GERROR never: refused before the registers */
	{ "eventq only", { "eventq" }, false, -ENODEV },
	{ "nothing", { }, false, -ENODEV },
	{ "MSI parent, MSIs", { }, true, 0, true, true, 0 },
	{ "eventq, MSI parent, MSIs", { "eventq" }, true, 0, true, true, 0 },
	/* The MSI parent is of no use: refused after IDR0 */
	{ "MSI parent, no MSIs", { }, true, 0, false, false, -ENODEV },
	{ "MSI parent, MSIs ignored", { }, true, 0, true, false, -ENODEV },
	/* A wired GERROR needs no MSIs */
	{ "gerror, MSI parent, no MSIs", { "gerror" }, true, 0,
	  false, false, 0 },
};

KUNIT_ARRAY_PARAM_DESC(smmu_test_irqs, smmu_test_irqs_params, name);

/*
 * An SMMU on a platform device, never added, with the named interrupts
 * @p->wired, numbered from SMMU_TEST_IRQ_BASE on, and the MSI domain
 * @msi_parent, which only has to be there.
 */
static struct smmu_device *smmu_test_irq_smmu(struct kunit *test,
					      const struct smmu_test_irq_case *p,
					      struct irq_domain *msi_parent)
{
	struct smmu_device *smmu = smmu_test_fake_smmu(test, 0);
	struct resource res[ARRAY_SIZE(p->wired)] = {};
	struct platform_device *pdev;
	unsigned int n;

	pdev = platform_device_alloc("smmu-v3-irqs", PLATFORM_DEVID_NONE);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							smmu_test_pdev_put,
							pdev), 0);
	/* platform_device_add() would name it; the messages need a name. */
	KUNIT_ASSERT_EQ(test, dev_set_name(&pdev->dev, "smmu-v3-irqs"), 0);
	for (n = 0; n < ARRAY_SIZE(p->wired) && p->wired[n]; n++)
		res[n] = DEFINE_RES_IRQ_NAMED(SMMU_TEST_IRQ_BASE + n,
					      p->wired[n]);
	KUNIT_ASSERT_EQ(test, platform_device_add_resources(pdev, res, n), 0);
	dev_set_msi_domain(&pdev->dev, msi_parent);
	smmu->dev = &pdev->dev;
	return smmu;
}

/* The number smmu_test_irq_smmu() gave the interrupt @name, or 0. */
static int smmu_test_wired_irq(const struct smmu_test_irq_case *p,
			       const char *name)
{
	unsigned int n;

	for (n = 0; n < ARRAY_SIZE(p->wired) && p->wired[n]; n++)
		if (!strcmp(p->wired[n], name))
			return SMMU_TEST_IRQ_BASE + n;
	return 0;
}

/*
 * An SMMU is used only if GERROR can reach a CPU: by a wired "combined"
 * or "gerror" interrupt, or by MSI, for which the SMMU needs an MSI
 * parent before its registers are touched and MSIs of its own once IDR0
 * is read.
 */
static void smmu_test_irqs(struct kunit *test)
{
	const struct smmu_test_irq_case *p = test->param_value;
	struct irq_domain *parent = NULL;
	struct smmu_device *smmu;

	if (p->msi_parent) {
		/* Allocated first, so freed after the device is put */
		parent = kunit_kzalloc(test, sizeof(*parent), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, parent);
	}
	smmu = smmu_test_irq_smmu(test, p, parent);

	KUNIT_ASSERT_EQ(test, smmu_find_irqs(smmu), p->find_ret);
	if (p->find_ret)
		return;
	KUNIT_EXPECT_EQ(test, smmu->combined_irq,
			smmu_test_wired_irq(p, "combined"));
	KUNIT_EXPECT_EQ(test, smmu->evtq_irq, smmu_test_wired_irq(p, "eventq"));
	KUNIT_EXPECT_EQ(test, smmu->gerror_irq,
			smmu_test_wired_irq(p, "gerror"));

	if (p->idr0_msi)
		smmu->idr[0] |= SMMU_IDR0_MSI;
	if (p->feat_msi)
		smmu->features |= SMMU_FEAT_MSI;
	KUNIT_EXPECT_EQ(test, smmu_check_irqs(smmu), p->check_ret);
}

/* ---- The SMMU that probed ---- */

static struct smmu_device *smmu_test_live_smmu(struct kunit *test)
{
	struct smmu_device *smmu = smmu_kunit_get_device();

	if (!smmu)
		kunit_skip(test, "no SMMUv3 probed");
	return smmu;
}

/*
 * The SMMU got through everything queued so far: a CMD_SYNC behind it
 * completes, and CONS, as the queue last read it, is past it.
 */
static void smmu_test_expect_drained(struct kunit *test,
				     struct smmu_device *smmu, const char *what)
{
	u64 tail = READ_ONCE(smmu->cmdq.tail);

	KUNIT_EXPECT_EQ_MSG(test, smmu_cmdq_submit(smmu, NULL, 0), 0,
			    "%s: a CMD_SYNC alone failed", what);
	KUNIT_EXPECT_GE_MSG(test, (u64)atomic64_read(&smmu->cmdq.cons_seq),
			    tail, "%s: the command queue is not drained", what);
}

static void smmu_test_live_illegal_command(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct smmu_cmd c = { .w = { 0x7f, 0 } };
	int errors, ret;

	errors = atomic_read(&smmu->cmdq.errors);
	ret = smmu_cmdq_submit(smmu, &c, 1);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "a refused command must be skipped, not fail the sync");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&smmu->cmdq.errors), errors + 1,
			    "the refused command was not counted exactly once");

	ret = smmu_cmdq_submit(smmu, NULL, 0);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "the queue does not work after a refused command");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&smmu->cmdq.errors), errors + 1,
			    "a CMD_SYNC alone was counted as refused");
	smmu_test_expect_drained(test, smmu, "after a refused command");
}

/*
 * More commands in one submission than the ring holds: the producer must
 * hand them over a ring at a time, waiting for the SMMU to make room.
 */
static void smmu_test_live_queue_full(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	unsigned int i, n = 3 * smmu_q_entries(&smmu->cmdq.q) + 7;
	struct smmu_cmd *cmds;
	int errors, ret;

	cmds = kunit_kcalloc(test, n, sizeof(*cmds), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cmds);
	for (i = 0; i < n; i++)
		smmu_cmd_tlbi_asid(&cmds[i], 0);	/* ASID 0 is never used */
	errors = atomic_read(&smmu->cmdq.errors);

	ret = smmu_cmdq_submit(smmu, cmds, n);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%u commands through a ring of %u",
			    n, smmu_q_entries(&smmu->cmdq.q));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&smmu->cmdq.errors), errors,
			    "the SMMU refused one of the commands");
	smmu_test_expect_drained(test, smmu, "after three rings' worth");
}

/* ---- User domains, hardware information and capabilities ---- */

/* Where the map cases put their page: above the MSI window, 2 MiB aligned */
#define SMMU_TEST_USER_IOVA	0x40000000UL

KUNIT_DEFINE_ACTION_WRAPPER(smmu_test_put_device, put_device, struct device *);
KUNIT_DEFINE_ACTION_WRAPPER(smmu_test_domain_free, iommu_domain_free,
			    struct iommu_domain *);
KUNIT_DEFINE_ACTION_WRAPPER(smmu_test_free_page, __free_page, struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(smmu_test_kfree, kfree, const void *);

static int smmu_test_behind(struct device *dev, const void *iommu)
{
	return dev->iommu && dev->iommu->iommu_dev == iommu;
}

/*
 * A PCI device behind the live SMMU, held until the case ends.  KUnit runs
 * at boot, after PCI devices probed and before anything can remove them.
 */
static struct device *smmu_test_live_dev(struct kunit *test,
					 struct smmu_device *smmu)
{
	struct device *dev;

	dev = bus_find_device(&pci_bus_type, NULL, &smmu->iommu,
			      smmu_test_behind);
	if (!dev)
		kunit_skip(test, "no PCI device behind %s", dev_name(smmu->dev));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							smmu_test_put_device,
							dev), 0);
	return dev;
}

/* Give a domain back when the case ends, whatever happens */
static void smmu_test_hold_domain(struct kunit *test,
				  struct iommu_domain *domain)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, domain);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							smmu_test_domain_free,
							domain), 0);
}

/* A page mapped in @domain translates, and is gone once unmapped. */
static void smmu_test_map_one(struct kunit *test, struct iommu_domain *domain)
{
	size_t granule = iommu_domain_granule(domain);
	unsigned long iova = SMMU_TEST_USER_IOVA;
	struct page *page;
	phys_addr_t phys;

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							smmu_test_free_page,
							page), 0);
	phys = page_to_phys(page);
	KUNIT_ASSERT_GE(test, granule, PAGE_SIZE);

	KUNIT_ASSERT_EQ(test, iommu_map(domain, iova, phys, granule,
					IOMMU_READ | IOMMU_WRITE, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + 0x123),
			phys + 0x123);
	KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(domain, iova + granule),
			    (phys_addr_t)0, "the next page is mapped too");
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, iova, granule), granule);
	KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(domain, iova),
			    (phys_addr_t)0, "still mapped after the unmap");
}

/*
 * No flags, no parent, no user data: a stage-1 domain of the SMMU, like
 * a paging domain, that maps and unmaps.  iommufd calls the op directly,
 * so the domain must come out complete, its type included.
 */
static void smmu_test_live_user_domain(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct device *dev = smmu_test_live_dev(test, smmu);
	const struct iommu_ops *ops = smmu->iommu.ops;
	struct iommu_domain *domain;

	KUNIT_ASSERT_NOT_NULL(test, ops->domain_alloc_user);
	domain = ops->domain_alloc_user(dev, 0, NULL, NULL);
	smmu_test_hold_domain(test, domain);

	KUNIT_EXPECT_EQ(test, domain->type, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_EXPECT_NOT_NULL(test, domain->ops);
	KUNIT_EXPECT_NULL(test, domain->dirty_ops);
	/* One granule's page and block sizes, out of all the SMMU walks */
	KUNIT_EXPECT_NE(test, domain->pgsize_bitmap, 0);
	KUNIT_EXPECT_EQ(test, domain->pgsize_bitmap & ~smmu->pgsize_bitmap, 0);
	KUNIT_EXPECT_TRUE(test, domain->geometry.force_aperture);
	KUNIT_EXPECT_GE(test, domain->geometry.aperture_end,
			(dma_addr_t)SMMU_TEST_USER_IOVA + SZ_2M - 1);
	KUNIT_EXPECT_PTR_EQ(test, to_smmu_domain(domain)->smmu, smmu);
	KUNIT_EXPECT_NE(test, to_smmu_domain(domain)->asid, 0);

	smmu_test_map_one(test, domain);
}

/*
 * What a user domain cannot be on this driver: a nesting parent (no
 * stage 2), dirty-tracked (HTTU unused), nested (a parent or user data),
 * or anything asked with a flag the driver does not know.
 */
static void smmu_test_live_user_domain_refused(struct kunit *test)
{
	static const struct {
		const char	*name;
		u32		flags;
	} refused[] = {
		{ "NEST_PARENT", IOMMU_HWPT_ALLOC_NEST_PARENT },
		{ "DIRTY_TRACKING", IOMMU_HWPT_ALLOC_DIRTY_TRACKING },
		{ "NEST_PARENT | DIRTY_TRACKING",
		  IOMMU_HWPT_ALLOC_NEST_PARENT |
		  IOMMU_HWPT_ALLOC_DIRTY_TRACKING },
		{ "FAULT_ID_VALID", IOMMU_HWPT_FAULT_ID_VALID },
		{ "bit 31", BIT(31) },
	};
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct device *dev = smmu_test_live_dev(test, smmu);
	const struct iommu_ops *ops = smmu->iommu.ops;
	struct iommu_user_data data = { .type = 1, .len = 8 };
	struct iommu_domain *parent, *domain;
	unsigned int i;

	kunit_info(test, "stage 2 %s, dirty state update %s: refused either way\n",
		   smmu->idr[0] & SMMU_IDR0_S2P ? "present" : "absent",
		   FIELD_GET(SMMU_IDR0_HTTU, smmu->idr[0]) ==
		   SMMU_HTTU_ACCESS_DIRTY ? "present" : "absent");
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		domain = ops->domain_alloc_user(dev, refused[i].flags, NULL,
						NULL);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(domain), -EOPNOTSUPP,
				    "flags %s", refused[i].name);
		if (!IS_ERR_OR_NULL(domain))
			iommu_domain_free(domain);
	}

	parent = ops->domain_alloc_user(dev, 0, NULL, NULL);
	smmu_test_hold_domain(test, parent);
	domain = ops->domain_alloc_user(dev, 0, parent, NULL);
	KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(domain), -EOPNOTSUPP,
			    "a parent");
	if (!IS_ERR_OR_NULL(domain))
		iommu_domain_free(domain);
	domain = ops->domain_alloc_user(dev, 0, NULL, &data);
	KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(domain), -EOPNOTSUPP,
			    "user data");
	if (!IS_ERR_OR_NULL(domain))
		iommu_domain_free(domain);
}

/*
 * The core's iommu_user_domain_alloc(), which VFIO and iommufd call, goes
 * through the driver's op: an unmanaged domain owned by the SMMU's ops,
 * with the driver's refusals passed on.
 */
static void smmu_test_live_core_user_domain(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct device *dev = smmu_test_live_dev(test, smmu);
	struct iommu_domain *domain, *direct;

	domain = iommu_user_domain_alloc(dev, 0);
	smmu_test_hold_domain(test, domain);
	direct = smmu->iommu.ops->domain_alloc_user(dev, 0, NULL, NULL);
	smmu_test_hold_domain(test, direct);

	KUNIT_EXPECT_EQ(test, domain->type, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_EXPECT_PTR_EQ(test, domain->owner, smmu->iommu.ops);
	KUNIT_EXPECT_PTR_EQ_MSG(test, domain->ops, direct->ops,
				"not the driver's user domain");
	KUNIT_EXPECT_PTR_EQ(test, to_smmu_domain(domain)->smmu, smmu);
	KUNIT_EXPECT_NULL(test, domain->iova_cookie);
	smmu_test_map_one(test, domain);

	domain = iommu_user_domain_alloc(dev, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(domain), -EOPNOTSUPP);
	if (!IS_ERR_OR_NULL(domain))
		iommu_domain_free(domain);
}

/*
 * IOMMU_GET_HW_INFO's answer: upstream's SMMUv3 type and layout, with the
 * ID registers as the hardware has them now.
 */
static void smmu_test_live_hw_info(struct kunit *test)
{
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct device *dev = smmu_test_live_dev(test, smmu);
	struct iommu_hw_info_arm_smmuv3 *info;
	u32 length = 0, type = 0;
	unsigned int i;

	/* uAPI: these must never change */
	KUNIT_EXPECT_EQ(test, IOMMU_HW_INFO_TYPE_ARM_SMMUV3, 2);
	KUNIT_EXPECT_EQ(test, sizeof(*info), 40);
	KUNIT_EXPECT_EQ(test, offsetof(typeof(*info), idr), 8);
	KUNIT_EXPECT_EQ(test, offsetof(typeof(*info), iidr), 32);
	KUNIT_EXPECT_EQ(test, offsetof(typeof(*info), aidr), 36);

	KUNIT_ASSERT_NOT_NULL(test, smmu->iommu.ops->hw_info);
	info = smmu->iommu.ops->hw_info(dev, &length, &type);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, info);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smmu_test_kfree,
							info), 0);

	KUNIT_EXPECT_EQ(test, type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	KUNIT_EXPECT_EQ(test, length, sizeof(*info));
	KUNIT_EXPECT_EQ(test, info->flags, 0);
	KUNIT_EXPECT_EQ(test, info->__reserved, 0);
	for (i = 0; i < SMMU_NUM_IDRS; i++)
		KUNIT_EXPECT_EQ_MSG(test, info->idr[i],
				    readl_relaxed(smmu->base + SMMU_IDR(i)),
				    "IDR%u", i);
	KUNIT_EXPECT_EQ(test, info->iidr,
			readl_relaxed(smmu->base + SMMU_IIDR));
	KUNIT_EXPECT_EQ(test, info->aidr,
			readl_relaxed(smmu->base + SMMU_AIDR));
	KUNIT_EXPECT_TRUE_MSG(test, info->idr[0] & SMMU_IDR0_S1P,
			      "the driver probed without stage 1?");
}

/* What VFIO and iommufd ask before they hand the device to user space */
static void smmu_test_live_capable(struct kunit *test)
{
	static const struct {
		const char	*name;
		enum iommu_cap	cap;
		bool		want;
	} caps[] = {
		{ "NOEXEC", IOMMU_CAP_NOEXEC, true },
		{ "DEFERRED_FLUSH", IOMMU_CAP_DEFERRED_FLUSH, true },
		/* Stage 1 cannot override a PCIe No-snoop request */
		{ "ENFORCE_CACHE_COHERENCY",
		  IOMMU_CAP_ENFORCE_CACHE_COHERENCY, false },
		{ "DIRTY_TRACKING", IOMMU_CAP_DIRTY_TRACKING, false },
		{ "PRE_BOOT_PROTECTION", IOMMU_CAP_PRE_BOOT_PROTECTION, false },
	};
	struct smmu_device *smmu = smmu_test_live_smmu(test);
	struct device *dev = smmu_test_live_dev(test, smmu);
	unsigned int i;

	KUNIT_EXPECT_EQ(test,
			device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY),
			!!(smmu->features & SMMU_FEAT_COHERENT));
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		KUNIT_EXPECT_EQ_MSG(test, device_iommu_capable(dev, caps[i].cap),
				    caps[i].want, "IOMMU_CAP_%s", caps[i].name);
}

static struct kunit_case smmu_test_cases[] = {
	KUNIT_CASE(smmu_test_ste_abort),
	KUNIT_CASE(smmu_test_ste_bypass),
	KUNIT_CASE_PARAM(smmu_test_ste_s1, smmu_test_s1_gen_params),
	KUNIT_CASE(smmu_test_ste_used),
	KUNIT_CASE(smmu_test_cd_s1),
	KUNIT_CASE(smmu_test_cd_used),
	KUNIT_CASE_PARAM(smmu_test_ste_transition,
			 smmu_test_ste_pairs_gen_params),
	KUNIT_CASE_PARAM(smmu_test_ste_failed_sync,
			 smmu_test_ste_pairs_gen_params),
	KUNIT_CASE_PARAM(smmu_test_cd_transition,
			 smmu_test_cd_pairs_gen_params),
	KUNIT_CASE(smmu_test_forced_break),
	KUNIT_CASE(smmu_test_cmd_sync),
	KUNIT_CASE(smmu_test_cmd_cfgi),
	KUNIT_CASE(smmu_test_cmd_tlbi),
	KUNIT_CASE(smmu_test_tlbi_range_single),
	KUNIT_CASE(smmu_test_tlbi_range_split),
	KUNIT_CASE(smmu_test_tlbi_range_levels),
	KUNIT_CASE(smmu_test_tlbi_no_range),
	KUNIT_CASE(smmu_test_tlbi_range_sweep),
	KUNIT_CASE(smmu_test_queue_indices),
	KUNIT_CASE(smmu_test_queue_write),
	KUNIT_CASE(smmu_test_event_translation_fault),
	KUNIT_CASE(smmu_test_event_without_address),
	KUNIT_CASE(smmu_test_event_names),
	KUNIT_CASE(smmu_test_mem_attach),
	KUNIT_CASE(smmu_test_mem_attach_timeout),
	KUNIT_CASE(smmu_test_mem_bypass_early),
#ifdef CONFIG_ACPI_IORT
	KUNIT_CASE_PARAM(smmu_test_iort_model,
			 smmu_test_iort_models_gen_params),
	KUNIT_CASE(smmu_test_iort_coherent),
	KUNIT_CASE(smmu_test_iort_wrong_node),
#endif
	KUNIT_CASE_PARAM(smmu_test_irqs, smmu_test_irqs_gen_params),
	KUNIT_CASE(smmu_test_live_illegal_command),
	KUNIT_CASE(smmu_test_live_queue_full),
	KUNIT_CASE(smmu_test_live_user_domain),
	KUNIT_CASE(smmu_test_live_user_domain_refused),
	KUNIT_CASE(smmu_test_live_core_user_domain),
	KUNIT_CASE(smmu_test_live_hw_info),
	KUNIT_CASE(smmu_test_live_capable),
	{}
};

static struct kunit_suite smmu_test_suite = {
	.name = "arm-smmu-v3",
	.test_cases = smmu_test_cases,
};

kunit_test_suite(smmu_test_suite);

MODULE_DESCRIPTION("KUnit tests for the ARM SMMUv3 driver");
MODULE_LICENSE("GPL");
