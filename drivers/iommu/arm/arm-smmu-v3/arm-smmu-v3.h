/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ARM SMMUv3: register layout, in-memory structures and the driver's
 * internal interfaces.
 *
 * The SMMU finds a device's configuration through the stream table, indexed
 * by the device's StreamID.  Each stream table entry (STE) either aborts,
 * bypasses, or points at a context descriptor (CD) that holds the stage-1
 * page table base, its TCR and MAIR, and the ASID that tags its TLB
 * entries.  This driver gives each paging domain exactly one CD and one
 * ASID; attaching a device points its STEs at the domain's CD, so the
 * domain's TLB entries are invalidated by ASID whatever is attached.
 *
 * Software talks to the SMMU through two rings in memory: the command
 * queue (configuration and TLB invalidation, ended by CMD_SYNC) and the
 * event queue (faults).  Field positions below are those of the ARM
 * "SMMU architecture version 3" specification (IHI 0070).
 */
#ifndef _ARM_SMMU_V3_H
#define _ARM_SMMU_V3_H

#include <linux/bitfield.h>
#include <linux/iommu.h>
#include <linux/io-pgtable.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

/* ---- Registers, page 0 ---- */
/* IDR0-IDR5, one after the other */
#define SMMU_IDR(n)			(0x00 + 4 * (n))
#define SMMU_NUM_IDRS			6

#define SMMU_IDR0			SMMU_IDR(0)
#define  SMMU_IDR0_S2P			BIT(0)
#define  SMMU_IDR0_S1P			BIT(1)
#define  SMMU_IDR0_TTF			GENMASK(3, 2)
#define   SMMU_TTF_AARCH64		0x2
#define   SMMU_TTF_AARCH32_64		0x3
#define  SMMU_IDR0_COHACC		BIT(4)
#define  SMMU_IDR0_HTTU			GENMASK(7, 6)
#define   SMMU_HTTU_ACCESS_DIRTY	0x2
#define  SMMU_IDR0_HYP			BIT(9)
#define  SMMU_IDR0_ASID16		BIT(12)
#define  SMMU_IDR0_MSI			BIT(13)
#define  SMMU_IDR0_SEV			BIT(14)
#define  SMMU_IDR0_TTENDIAN		GENMASK(22, 21)
#define   SMMU_TTENDIAN_MIXED		0x0
#define   SMMU_TTENDIAN_LE		0x2
#define  SMMU_IDR0_STALL_MODEL		GENMASK(25, 24)
#define   SMMU_STALL_MODEL_FORCE	0x2
#define  SMMU_IDR0_ST_LEVEL		GENMASK(28, 27)
#define   SMMU_ST_LEVEL_2LVL		0x1

#define SMMU_IDR1			SMMU_IDR(1)
#define  SMMU_IDR1_SIDSIZE		GENMASK(5, 0)
#define  SMMU_IDR1_EVTQS		GENMASK(20, 16)
#define  SMMU_IDR1_CMDQS		GENMASK(25, 21)
#define  SMMU_IDR1_QUEUES_PRESET	BIT(29)
#define  SMMU_IDR1_TABLES_PRESET	BIT(30)

#define SMMU_IDR3			SMMU_IDR(3)
#define  SMMU_IDR3_RIL			BIT(10)

#define SMMU_IDR5			SMMU_IDR(5)
#define  SMMU_IDR5_OAS			GENMASK(2, 0)
#define  SMMU_IDR5_GRAN4K		BIT(4)
#define  SMMU_IDR5_GRAN16K		BIT(5)
#define  SMMU_IDR5_GRAN64K		BIT(6)

/* Who made the SMMU, and which version of the architecture it follows */
#define SMMU_IIDR			0x18
#define SMMU_AIDR			0x1c

#define SMMU_CR0			0x20
#define  SMMU_CR0_SMMUEN		BIT(0)
#define  SMMU_CR0_EVTQEN		BIT(2)
#define  SMMU_CR0_CMDQEN		BIT(3)
#define SMMU_CR0ACK			0x24

#define SMMU_CR1			0x28
#define  SMMU_CR1_QUEUE_IC		GENMASK(1, 0)
#define  SMMU_CR1_QUEUE_OC		GENMASK(3, 2)
#define  SMMU_CR1_QUEUE_SH		GENMASK(5, 4)
#define  SMMU_CR1_TABLE_IC		GENMASK(7, 6)
#define  SMMU_CR1_TABLE_OC		GENMASK(9, 8)
#define  SMMU_CR1_TABLE_SH		GENMASK(11, 10)

#define SMMU_CR2			0x2c
#define  SMMU_CR2_RECINVSID		BIT(1)
#define  SMMU_CR2_PTM			BIT(2)

#define SMMU_GBPA			0x44
#define  SMMU_GBPA_ABORT		BIT(20)
#define  SMMU_GBPA_UPDATE		BIT(31)

#define SMMU_IRQ_CTRL			0x50
#define  SMMU_IRQ_CTRL_GERROR		BIT(0)
#define  SMMU_IRQ_CTRL_EVTQ		BIT(2)
#define SMMU_IRQ_CTRLACK		0x54

#define SMMU_GERROR			0x60
#define  SMMU_GERROR_CMDQ_ERR		BIT(0)
#define  SMMU_GERROR_EVTQ_ABT		BIT(2)
#define  SMMU_GERROR_PRIQ_ABT		BIT(3)
#define  SMMU_GERROR_MSI_CMDQ_ABT	BIT(4)
#define  SMMU_GERROR_MSI_EVTQ_ABT	BIT(5)
#define  SMMU_GERROR_MSI_PRIQ_ABT	BIT(6)
#define  SMMU_GERROR_MSI_GERROR_ABT	BIT(7)
#define  SMMU_GERROR_SFM		BIT(8)
#define SMMU_GERRORN			0x64
#define SMMU_GERROR_IRQ_CFG0		0x68

#define SMMU_STRTAB_BASE		0x80
#define  SMMU_STRTAB_BASE_ADDR		GENMASK_ULL(51, 6)
#define  SMMU_STRTAB_BASE_RA		BIT_ULL(62)
#define SMMU_STRTAB_BASE_CFG		0x88
#define  SMMU_STRTAB_CFG_LOG2SIZE	GENMASK(5, 0)
#define  SMMU_STRTAB_CFG_SPLIT		GENMASK(10, 6)
#define  SMMU_STRTAB_CFG_FMT		GENMASK(17, 16)
#define   SMMU_STRTAB_FMT_LINEAR	0x0
#define   SMMU_STRTAB_FMT_2LVL		0x1

/* Queue base registers: CMDQ_BASE and EVTQ_BASE share this layout. */
#define SMMU_CMDQ_BASE			0x90
#define SMMU_CMDQ_PROD			0x98
#define SMMU_CMDQ_CONS			0x9c
#define SMMU_EVTQ_BASE			0xa0
#define SMMU_EVTQ_IRQ_CFG0		0xb0
#define  SMMU_Q_BASE_LOG2SIZE		GENMASK_ULL(4, 0)
#define  SMMU_Q_BASE_ADDR		GENMASK_ULL(51, 5)
#define  SMMU_Q_BASE_RA			BIT_ULL(62)

/* CMDQ_CONS: why the SMMU stopped at the command CONS points to. */
#define  SMMU_CMDQ_CONS_ERR		GENMASK(30, 24)
#define   SMMU_CERROR_NONE		0
#define   SMMU_CERROR_ILL		1
#define   SMMU_CERROR_ABT		2
#define   SMMU_CERROR_ATC_INV_SYNC	3

/* PROD: the event queue overflowed; CONS: software saw that. */
#define  SMMU_Q_OVERFLOW		BIT(31)

/* MSI configuration registers (IRQ_CFG0/1/2 of each interrupt). */
#define  SMMU_MSI_CFG0_ADDR		GENMASK_ULL(51, 2)
#define  SMMU_MSI_CFG2_MEMATTR		GENMASK(3, 0)
#define   SMMU_MEMATTR_DEVICE_NGNRE	0x1

/*
 * ---- Registers, page 1 (64 KiB above page 0) ----
 * Offsets within the page, which struct smmu_device's @page1 locates.
 */
#define SMMU_PAGE1			0x10000
#define SMMU_EVTQ_PROD			0xa8
#define SMMU_EVTQ_CONS			0xac
#define SMMU_MMIO_SIZE			(2 * SMMU_PAGE1)

/* Memory attributes in CR1, STE.S1C* and the like. */
#define SMMU_CACHE_NC			0x0
#define SMMU_CACHE_WBRA			0x1
#define SMMU_SH_OSH			0x2
#define SMMU_SH_ISH			0x3

/* ---- Stream table ---- */
#define SMMU_STE_WORDS			8
#define SMMU_STE_BYTES			(SMMU_STE_WORDS * sizeof(u64))

/* 256 STEs (16 KiB) per second-level table. */
#define SMMU_STRTAB_SPLIT		8
#define SMMU_STRTAB_L2_STES		BIT(SMMU_STRTAB_SPLIT)
#define SMMU_L1_DESC_SPAN		GENMASK_ULL(4, 0)
#define SMMU_L1_DESC_L2PTR		GENMASK_ULL(51, 6)

#define SMMU_STE0_V			BIT_ULL(0)
#define SMMU_STE0_CONFIG		GENMASK_ULL(3, 1)
#define  SMMU_STE_CONFIG_ABORT		0x0
#define  SMMU_STE_CONFIG_BYPASS		0x4
#define  SMMU_STE_CONFIG_S1		0x5
#define SMMU_STE0_S1FMT			GENMASK_ULL(5, 4)
#define SMMU_STE0_S1CTXPTR		GENMASK_ULL(51, 6)
#define SMMU_STE0_S1CDMAX		GENMASK_ULL(63, 59)

#define SMMU_STE1_S1DSS			GENMASK_ULL(1, 0)
#define SMMU_STE1_S1CIR			GENMASK_ULL(3, 2)
#define SMMU_STE1_S1COR			GENMASK_ULL(5, 4)
#define SMMU_STE1_S1CSH			GENMASK_ULL(7, 6)
#define SMMU_STE1_S1STALLD		BIT_ULL(27)
#define SMMU_STE1_EATS			GENMASK_ULL(29, 28)
#define SMMU_STE1_STRW			GENMASK_ULL(31, 30)
#define  SMMU_STRW_NSEL1		0x0
#define SMMU_STE1_SHCFG			GENMASK_ULL(45, 44)
#define  SMMU_SHCFG_INCOMING		0x1

/* ---- Context descriptors ---- */
#define SMMU_CD_WORDS			8
#define SMMU_CD_BYTES			(SMMU_CD_WORDS * sizeof(u64))

#define SMMU_CD0_T0SZ			GENMASK_ULL(5, 0)
#define SMMU_CD0_TG0			GENMASK_ULL(7, 6)
#define SMMU_CD0_IRGN0			GENMASK_ULL(9, 8)
#define SMMU_CD0_ORGN0			GENMASK_ULL(11, 10)
#define SMMU_CD0_SH0			GENMASK_ULL(13, 12)
#define SMMU_CD0_EPD0			BIT_ULL(14)
#define SMMU_CD0_ENDI			BIT_ULL(15)
#define SMMU_CD0_EPD1			BIT_ULL(30)
#define SMMU_CD0_V			BIT_ULL(31)
#define SMMU_CD0_IPS			GENMASK_ULL(34, 32)
#define SMMU_CD0_AA64			BIT_ULL(41)
#define SMMU_CD0_R			BIT_ULL(45)
#define SMMU_CD0_A			BIT_ULL(46)
#define SMMU_CD0_ASET			BIT_ULL(47)
#define SMMU_CD0_ASID			GENMASK_ULL(63, 48)
#define SMMU_CD1_TTB0			GENMASK_ULL(51, 4)
#define SMMU_CD3_MAIR			GENMASK_ULL(63, 0)

/* ---- Commands: two 64-bit words each ---- */
#define SMMU_CMD_WORDS			2
#define SMMU_CMD0_OPCODE		GENMASK_ULL(7, 0)

#define SMMU_OP_CFGI_STE		0x03
#define SMMU_OP_CFGI_ALL		0x04
#define SMMU_OP_TLBI_NH_ALL		0x10
#define SMMU_OP_TLBI_NH_ASID		0x11
#define SMMU_OP_TLBI_NH_VA		0x12
#define SMMU_OP_TLBI_EL2_ALL		0x20
#define SMMU_OP_TLBI_NSNH_ALL		0x30
#define SMMU_OP_CMD_SYNC		0x46

#define SMMU_CFGI0_SSID			GENMASK_ULL(31, 12)
#define SMMU_CFGI0_SID			GENMASK_ULL(63, 32)
#define SMMU_CFGI1_LEAF			BIT_ULL(0)
#define SMMU_CFGI1_RANGE		GENMASK_ULL(4, 0)

#define SMMU_TLBI0_NUM			GENMASK_ULL(16, 12)
#define SMMU_TLBI0_SCALE		GENMASK_ULL(24, 20)
#define SMMU_TLBI0_ASID			GENMASK_ULL(63, 48)
#define SMMU_TLBI1_LEAF			BIT_ULL(0)
#define SMMU_TLBI1_TTL			GENMASK_ULL(9, 8)
#define SMMU_TLBI1_TG			GENMASK_ULL(11, 10)
#define SMMU_TLBI1_ADDR			GENMASK_ULL(63, 12)
/* One range command covers (NUM + 1) << SCALE granules. */
#define SMMU_TLBI_NUM_MAX		32
#define SMMU_TLBI_SCALE_MAX		31

#define SMMU_SYNC0_CS			GENMASK_ULL(13, 12)
#define  SMMU_SYNC_CS_NONE		0x0
#define  SMMU_SYNC_CS_IRQ		0x1
#define  SMMU_SYNC_CS_SEV		0x2
#define SMMU_SYNC0_MSH			GENMASK_ULL(23, 22)
#define SMMU_SYNC0_MSIATTR		GENMASK_ULL(27, 24)
#define  SMMU_MEMATTR_OIWB		0xf
#define SMMU_SYNC0_MSIDATA		GENMASK_ULL(63, 32)
#define SMMU_SYNC1_MSIADDR		GENMASK_ULL(51, 2)

/* ---- Events: four 64-bit words each ---- */
#define SMMU_EVT_WORDS			4
#define SMMU_EVT0_ID			GENMASK_ULL(7, 0)
#define SMMU_EVT0_SSV			BIT_ULL(11)
#define SMMU_EVT0_SSID			GENMASK_ULL(31, 12)
#define SMMU_EVT0_SID			GENMASK_ULL(63, 32)
#define SMMU_EVT1_IND			BIT_ULL(34)
#define SMMU_EVT1_RNW			BIT_ULL(35)
#define SMMU_EVT1_S2			BIT_ULL(39)

/* The IOVA window the GICv3 ITS doorbell is mapped into, for MSIs. */
#define SMMU_MSI_IOVA_BASE		0x8000000
#define SMMU_MSI_IOVA_SIZE		0x100000

/* How long a CMD_SYNC, an ack register or a queue with no room may take. */
#define SMMU_POLL_TIMEOUT_US		1000000

/* ---- Driver state ---- */

/* What IDR0-IDR5 said, as far as this driver uses it. */
enum smmu_feature {
	SMMU_FEAT_2LVL_STRTAB	= BIT(0),
	SMMU_FEAT_COHERENT	= BIT(1),
	SMMU_FEAT_MSI		= BIT(2),
	SMMU_FEAT_SEV		= BIT(3),
	SMMU_FEAT_RANGE_INV	= BIT(4),
	SMMU_FEAT_HYP		= BIT(5),
	SMMU_FEAT_STALL_FORCE	= BIT(6),
	SMMU_FEAT_STALLS	= BIT(7),
};

/**
 * struct smmu_queue - one ring shared with the SMMU
 * @base: the entries, @entry_words 64-bit words each, little-endian.
 * @dma: where the SMMU sees @base.
 * @shift: log2 of the number of entries.
 * @entry_words: size of an entry in 64-bit words.
 * @prod: producer index with its wrap bit, as last written or read.
 * @cons: consumer index with its wrap bit, as last written or read.
 * @prod_reg: the PROD register.
 * @cons_reg: the CONS register.
 *
 * An index counts modulo twice the number of entries: the bit above the
 * index proper (the wrap bit) tells a full ring from an empty one.
 */
struct smmu_queue {
	__le64			*base;
	dma_addr_t		dma;
	u32			shift;
	u32			entry_words;
	u32			prod;
	u32			cons;
	u32 __iomem		*prod_reg;
	u32 __iomem		*cons_reg;
};

/**
 * struct smmu_cmd - one command, in CPU byte order until it is queued
 * @w: its two words.
 */
struct smmu_cmd {
	u64 w[SMMU_CMD_WORDS];
};

/**
 * struct smmu_cmdq - the command queue
 * @q: the ring; its @prod and @cons shadows are not used, see @tail and
 *	@cons_seq.
 * @lock: serialises writing into the ring and moving PROD.  Nobody holds
 *	it while a CMD_SYNC completes.
 * @tail: entries ever written, under @lock.  PROD is its low bits.
 * @sync_seq: @tail just after the last CMD_SYNC written, under @lock: every
 *	entry before it has a CMD_SYNC behind it.
 * @batches: submissions ever queued, under @lock.
 * @synced_batches: @batches when the last CMD_SYNC was written.
 * @sync_batches: submissions that CMD_SYNC covered, whose CPUs it
 *	releases; the next waits for as many new ones, for a while.
 * @released_seq: the @sync_seq whose completion @released_batches counts
 *	from, under @lock.
 * @released_batches: @batches when that CMD_SYNC was first seen complete
 *	under @lock: the CPUs it released are back once @batches is
 *	@sync_batches past it.
 * @sync_waited: the last CMD_SYNC waited for was still in flight after
 *	its waiter's first poll.  Only then is the next held back for the
 *	CPUs the last released.
 * @cons_seq: entries the SMMU has consumed, as last seen; never more than
 *	a ring behind @tail.
 * @msi: where CMD_SYNCs write the low 32 bits of their @sync_seq as they
 *	complete, or NULL to watch CONS instead.
 * @msi_dma: @msi as the SMMU sees it.
 * @errors: commands the SMMU refused (CERROR) and that were skipped.
 *
 * Sequence numbers count entries from the queue's reset and never wrap;
 * arm-smmu-v3-cmdq.c says how they are kept and why that is enough.
 */
struct smmu_cmdq {
	struct smmu_queue	q;
	raw_spinlock_t		lock;
	u64			tail;
	u64			sync_seq;
	u64			batches;
	u64			synced_batches;
	u64			sync_batches;
	u64			released_seq;
	u64			released_batches;
	bool			sync_waited;
	atomic64_t		cons_seq ____cacheline_aligned;
	u32			*msi;
	dma_addr_t		msi_dma;
	atomic_t		errors;
};

/**
 * struct smmu_strtab - the stream table
 * @base: linear: every STE; two-level: the level-1 descriptors.
 * @dma: where the SMMU sees @base.
 * @l2: two-level only: the CPU address of each second-level table, or NULL.
 * @num_l1: two-level only: number of level-1 descriptors.
 * @cfg: the value of STRTAB_BASE_CFG.
 */
struct smmu_strtab {
	__le64			*base;
	dma_addr_t		dma;
	__le64			**l2;
	u32			num_l1;
	u32			cfg;
};

/**
 * struct smmu_device - one SMMU
 * @dev: its platform device.
 * @base: its registers, page 0 and page 1.
 * @page1: offset of register page 1 from @base: SMMU_PAGE1, or 0 for an
 *	implementation that firmware says has page 1's registers in page 0.
 * @idr: IDR0-IDR5 as read at probe, before any feature was left unused.
 * @iidr: IIDR as read at probe.
 * @aidr: AIDR as read at probe.
 * @features: SMMU_FEAT_* bits.
 * @sid_bits: StreamID width in use.
 * @asid_bits: ASID width.
 * @oas: output address size in bits.
 * @pgsize_bitmap: page and block sizes of the granules it walks.
 * @cmdq: the command queue.
 * @evtq: the event queue.
 * @combined_irq: the one wired interrupt of both, or 0.
 * @evtq_irq: interrupt of the event queue, or 0.
 * @gerror_irq: interrupt of global errors, or 0.
 * @strtab: the stream table.
 * @streams: StreamID -> struct smmu_master; lookups are under its lock.
 * @strtab_mutex: serialises writes to the stream table: second-level
 *	tables, their level-1 descriptors and STEs.
 * @asids: ASIDs in use, one per paging domain.
 * @cd_pool: memory for context descriptors.
 * @iommu: what the IOMMU core knows of this SMMU.
 * @debugfs: its directory in debugfs.
 */
struct smmu_device {
	struct device		*dev;
	void __iomem		*base;
	u32			page1;
	u32			idr[SMMU_NUM_IDRS];
	u32			iidr;
	u32			aidr;
	u32			features;
	unsigned int		sid_bits;
	unsigned int		asid_bits;
	unsigned int		oas;
	unsigned long		pgsize_bitmap;

	struct smmu_cmdq	cmdq;
	struct smmu_queue	evtq;
	int			combined_irq;
	int			evtq_irq;
	int			gerror_irq;

	struct smmu_strtab	strtab;
	struct xarray		streams;
	struct mutex		strtab_mutex;	/* see @strtab_mutex above */

	struct ida		asids;
	struct dma_pool		*cd_pool;

	struct iommu_device	iommu;
	struct dentry		*debugfs;
};

/**
 * struct smmu_master - a device behind an SMMU
 * @smmu: the SMMU.
 * @dev: the device.
 * @domain: the domain its STEs lead to, which its faults are reported to;
 *	written under the lock of the SMMU's @streams, where the event queue
 *	reads it.
 * @num_sids: how many StreamIDs it uses.
 * @sids: its StreamIDs.
 */
struct smmu_master {
	struct smmu_device	*smmu;
	struct device		*dev;
	struct iommu_domain	*domain;
	unsigned int		num_sids;
	u32			sids[] __counted_by(num_sids);
};

/**
 * struct smmu_domain - a stage-1 paging domain
 * @domain: what the IOMMU core knows of it.
 * @smmu: the SMMU whose devices it may be attached to.
 * @pgtbl: its I/O page table.
 * @asid: the ASID of its TLB entries.
 * @granule_shift: log2 of the page table's translation granule.
 * @asid_stale: the last invalidation of the whole ASID failed, so TLB
 *	entries tagged with it may remain.
 * @cd: its context descriptor, which every attached STE points to.
 * @cd_dma: where the SMMU sees @cd.
 */
struct smmu_domain {
	struct iommu_domain	domain;
	struct smmu_device	*smmu;
	struct io_pgtable_ops	*pgtbl;
	u16			asid;
	u8			granule_shift;
	bool			asid_stale;
	__le64			*cd;
	dma_addr_t		cd_dma;
};

static inline struct smmu_domain *to_smmu_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct smmu_domain, domain);
}

/* ---- Queue indices ---- */

static inline u32 smmu_q_entries(const struct smmu_queue *q)
{
	return 1U << q->shift;
}

/* Index and wrap bit, without any flag above them. */
static inline u32 smmu_q_pos(const struct smmu_queue *q, u32 reg)
{
	return reg & (2 * smmu_q_entries(q) - 1);
}

static inline u32 smmu_q_slot(const struct smmu_queue *q, u32 pos)
{
	return pos & (smmu_q_entries(q) - 1);
}

static inline u32 smmu_q_used(const struct smmu_queue *q, u32 prod, u32 cons)
{
	return smmu_q_pos(q, prod - cons);
}

static inline u32 smmu_q_space(const struct smmu_queue *q)
{
	return smmu_q_entries(q) - smmu_q_used(q, q->prod, q->cons);
}

static inline u32 smmu_q_advance(const struct smmu_queue *q, u32 pos, u32 n)
{
	return smmu_q_pos(q, pos + n);
}

static inline __le64 *smmu_q_entry(const struct smmu_queue *q, u32 pos)
{
	return q->base + (size_t)smmu_q_slot(q, pos) * q->entry_words;
}

/* A command into the ring at @pos, in the SMMU's byte order. */
static inline void smmu_q_write_cmd(struct smmu_queue *q, u32 pos,
				    const struct smmu_cmd *cmd)
{
	__le64 *slot = q->base + (size_t)smmu_q_slot(q, pos) * SMMU_CMD_WORDS;

	slot[0] = cpu_to_le64(cmd->w[0]);
	slot[1] = cpu_to_le64(cmd->w[1]);
}

/* ---- Command encoding (arm-smmu-v3-cmdq.c) ---- */
void smmu_cmd_sync(struct smmu_cmd *cmd, bool sev);
void smmu_cmd_sync_msi(struct smmu_cmd *cmd, dma_addr_t addr, u32 data);
void smmu_cmd_cfgi_ste(struct smmu_cmd *cmd, u32 sid, bool leaf);
void smmu_cmd_cfgi_all(struct smmu_cmd *cmd);
void smmu_cmd_tlbi_asid(struct smmu_cmd *cmd, u16 asid);
void smmu_cmd_tlbi_all(struct smmu_cmd *cmd, u8 opcode);

/**
 * struct smmu_tlbi_range - what one or more TLBI_NH_VA commands invalidate
 * @asid: the ASID.
 * @iova: start of the range, aligned to the granule.
 * @granules: length in translation granules.
 * @granule_shift: log2 of the page table's translation granule.
 * @leaf_shift: log2 of the size of the leaf entries that went, or 0 if
 *	tables went too (then every level is invalidated).
 * @use_range: the SMMU implements range invalidation (IDR3.RIL).
 */
struct smmu_tlbi_range {
	u16		asid;
	u64		iova;
	u64		granules;
	unsigned int	granule_shift;
	unsigned int	leaf_shift;
	bool		use_range;
};

unsigned int smmu_tlbi_range_cmds(const struct smmu_tlbi_range *r,
				  struct smmu_cmd *cmds, unsigned int max);

/* ---- Command queue (arm-smmu-v3-cmdq.c) ---- */
int smmu_queue_init(struct smmu_device *smmu, struct smmu_queue *q,
		    unsigned int shift, unsigned int entry_words,
		    u32 prod_reg, u32 cons_reg, const char *what);
int smmu_cmdq_init(struct smmu_device *smmu);
u32 smmu_queue_write(struct smmu_queue *q, u32 pos,
		     const struct smmu_cmd *cmds, unsigned int n);
int smmu_cmdq_submit(struct smmu_device *smmu, const struct smmu_cmd *cmds,
		     unsigned int n);
int smmu_cmdq_queue(struct smmu_device *smmu, const struct smmu_cmd *cmds,
		    unsigned int n, u64 *ticket);
int smmu_cmdq_wait(struct smmu_device *smmu, u64 ticket);
void smmu_cmdq_rewind(struct smmu_cmdq *cmdq);
void smmu_cmdq_handle_error(struct smmu_device *smmu);

#if IS_ENABLED(CONFIG_ARM_SMMU_V3_CMDQ_MODEL)
void smmu_model_debugfs_init(struct dentry *root);
#else
static inline void smmu_model_debugfs_init(struct dentry *root)
{
}
#endif

/* ---- Stream table and context descriptors (arm-smmu-v3-strtab.c) ---- */

/**
 * struct smmu_entry_ops - how one kind of 64-byte table entry is updated
 * @used: set in @used the bits of @entry that the SMMU reads, given the
 *	configuration @entry selects.
 * @break_word0: a first word that makes the entry stop using all others.
 * @sync: make the stores so far visible to the SMMU and drop what it
 *	cached of the entry; returns 0 or why it could not.
 */
struct smmu_entry_ops {
	void (*used)(const u64 *entry, u64 *used);
	u64 break_word0;
	int (*sync)(void *cookie);
};

int smmu_write_entry(const struct smmu_entry_ops *ops, void *cookie,
		     __le64 *entry, const u64 *target);

extern const struct smmu_entry_ops smmu_ste_ops;
extern const struct smmu_entry_ops smmu_cd_ops;

void smmu_ste_abort(u64 *ste);
void smmu_ste_bypass(u64 *ste);
void smmu_ste_s1(u64 *ste, const struct smmu_device *smmu, dma_addr_t cd);
void smmu_ste_used(const u64 *ste, u64 *used);
void smmu_cd_s1(u64 *cd, const struct smmu_device *smmu, u16 asid,
		const struct io_pgtable_cfg *cfg);
void smmu_cd_used(const u64 *cd, u64 *used);

int smmu_strtab_init(struct smmu_device *smmu);
int smmu_strtab_prepare(struct smmu_device *smmu, u32 sid);
int smmu_strtab_bypass_early(struct smmu_device *smmu, u32 sid);
int smmu_master_attach(struct smmu_master *master,
		       struct iommu_domain *domain, const u64 *ste);
void smmu_master_release(struct smmu_master *master, bool bypass);

/* ---- Domains and TLB maintenance (arm-smmu-v3-domain.c) ---- */
struct iommu_domain *smmu_domain_alloc_paging(struct device *dev);
struct iommu_domain *
smmu_domain_alloc_user(struct device *dev, u32 flags,
		       struct iommu_domain *parent,
		       const struct iommu_user_data *user_data);
extern struct iommu_domain smmu_identity_domain;
extern struct iommu_domain smmu_blocked_domain;

/* ---- Events and global errors (arm-smmu-v3-event.c) ---- */
int smmu_evtq_init(struct smmu_device *smmu);
int smmu_find_irqs(struct smmu_device *smmu);
int smmu_check_irqs(struct smmu_device *smmu);
int smmu_setup_irqs(struct smmu_device *smmu);
const char *smmu_event_name(u8 id);
int smmu_event_format(const u64 *evt, const char *dev, char *buf, size_t len);

/* ---- Probe (arm-smmu-v3.c) ---- */
#if IS_ENABLED(CONFIG_KUNIT)
struct smmu_device *smmu_kunit_get_device(void);
#endif
#if IS_ENABLED(CONFIG_KUNIT) && IS_ENABLED(CONFIG_ACPI_IORT)
int smmu_fw_iort(struct smmu_device *smmu, bool *coherent);
#endif

#endif /* _ARM_SMMU_V3_H */
