// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3: probe, reset and the devices behind an SMMU.
 *
 * The SMMU is found in the device tree ("arm,smmu-v3"), where devices name
 * it in their "iommus" (or a PCI host bridge in its "iommu-map") with one
 * cell, the StreamID; or in ACPI's IORT, whose code makes a platform device
 * "arm-smmu-v3" for each SMMUv3 node and gives devices their StreamIDs
 * through the table's ID mappings.  Probing reads what the SMMU implements
 * from IDR0-IDR5, sets up the stream table and the queues, and enables it.
 * While it is disabled (before that, after shutdown) GBPA makes it abort
 * everything rather than let DMA through untranslated.
 *
 * The rest of the driver:
 *   arm-smmu-v3-cmdq.c	  the command queue and command encoding
 *   arm-smmu-v3-strtab.c the stream table, STEs and CDs
 *   arm-smmu-v3-domain.c paging, identity and blocked domains; TLB upkeep
 *   arm-smmu-v3-event.c  the event queue, global errors, interrupts
 */

#include <linux/acpi.h>
#include <linux/acpi_iort.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <kunit/visibility.h>
#include <uapi/linux/iommufd.h>

#include "arm-smmu-v3.h"
#include "../../dma-iommu.h"

static struct platform_driver smmu_driver;

static char *ignore;
module_param(ignore, charp, 0444);
MODULE_PARM_DESC(ignore,
		 "Features to leave unused although the SMMU has them, comma separated: 2lvl (two-level stream table), range-inv (range invalidation), msi, sev. For testing the fallbacks.");

static const struct {
	const char	*name;
	u32		feature;
} smmu_ignorable[] = {
	{ "2lvl",	SMMU_FEAT_2LVL_STRTAB },
	{ "range-inv",	SMMU_FEAT_RANGE_INV },
	{ "msi",	SMMU_FEAT_MSI },
	{ "sev",	SMMU_FEAT_SEV },
};

/* Drop the features the "ignore" parameter names. */
static void smmu_ignore_features(struct smmu_device *smmu)
{
	char *list, *cur, *name;
	unsigned int i;

	if (!ignore || !*ignore)
		return;
	list = kstrdup(ignore, GFP_KERNEL);
	if (!list)
		return;
	for (cur = list; (name = strsep(&cur, ","));) {
		for (i = 0; i < ARRAY_SIZE(smmu_ignorable); i++)
			if (!strcmp(name, smmu_ignorable[i].name))
				break;
		if (i == ARRAY_SIZE(smmu_ignorable)) {
			dev_warn(smmu->dev, "ignore=: no feature \"%s\"\n", name);
			continue;
		}
		if (smmu->features & smmu_ignorable[i].feature)
			dev_info(smmu->dev, "not using %s, as asked\n", name);
		smmu->features &= ~smmu_ignorable[i].feature;
	}
	kfree(list);
}

/* ==== Registers ==== */

/* Wait until a register reads @want under @mask; 0 or -ETIMEDOUT. */
static int smmu_poll_reg(struct smmu_device *smmu, u32 reg, u32 mask, u32 want)
{
	u32 val;

	return readl_relaxed_poll_timeout(smmu->base + reg, val,
					  (val & mask) == want, 1,
					  SMMU_POLL_TIMEOUT_US);
}

/* Write CR0 or IRQ_CTRL and wait for its ACK register to follow. */
static int smmu_write_ack(struct smmu_device *smmu, u32 reg, u32 ack, u32 val)
{
	int ret;

	writel_relaxed(val, smmu->base + reg);
	ret = smmu_poll_reg(smmu, ack, ~0U, val);
	if (ret)
		dev_err(smmu->dev, "register %#x did not acknowledge %#x\n",
			reg, val);
	return ret;
}

/* GBPA says what happens to transactions while the SMMU is disabled. */
static int smmu_set_gbpa(struct smmu_device *smmu, u32 val)
{
	int ret;

	ret = smmu_poll_reg(smmu, SMMU_GBPA, SMMU_GBPA_UPDATE, 0);
	if (!ret) {
		writel_relaxed(val | SMMU_GBPA_UPDATE, smmu->base + SMMU_GBPA);
		ret = smmu_poll_reg(smmu, SMMU_GBPA, SMMU_GBPA_UPDATE, 0);
	}
	if (ret)
		dev_err(smmu->dev, "GBPA update timed out\n");
	return ret;
}

/*
 * Turn the SMMU off; GBPA, set to abort at reset, then makes it abort every
 * transaction.  For teardown and a failed probe, which have nobody to tell
 * of a failure (smmu_write_ack() has logged it).
 */
static void smmu_disable(struct smmu_device *smmu)
{
	smmu_write_ack(smmu, SMMU_CR0, SMMU_CR0ACK, 0);
}

/* ==== What the SMMU implements ==== */

static const u8 smmu_oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

static int smmu_read_idr0(struct smmu_device *smmu, bool fw_coherent)
{
	u32 idr0 = smmu->idr[0];
	u32 ttf = FIELD_GET(SMMU_IDR0_TTF, idr0);

	if (!(idr0 & SMMU_IDR0_S1P)) {
		dev_err(smmu->dev, "no stage-1 translation, which this driver needs\n");
		return -ENODEV;
	}
	if (ttf != SMMU_TTF_AARCH64 && ttf != SMMU_TTF_AARCH32_64) {
		dev_err(smmu->dev, "no AArch64 table format\n");
		return -ENODEV;
	}
	switch (FIELD_GET(SMMU_IDR0_TTENDIAN, idr0)) {
	case SMMU_TTENDIAN_MIXED:
		break;
	case SMMU_TTENDIAN_LE:
		if (!IS_ENABLED(CONFIG_CPU_BIG_ENDIAN))
			break;
		fallthrough;
	default:
		dev_err(smmu->dev, "cannot walk tables of this CPU's endianness\n");
		return -ENODEV;
	}

	if (FIELD_GET(SMMU_IDR0_ST_LEVEL, idr0) == SMMU_ST_LEVEL_2LVL)
		smmu->features |= SMMU_FEAT_2LVL_STRTAB;
	if (idr0 & SMMU_IDR0_MSI)
		smmu->features |= SMMU_FEAT_MSI;
	if (idr0 & SMMU_IDR0_SEV)
		smmu->features |= SMMU_FEAT_SEV;
	if (idr0 & SMMU_IDR0_HYP)
		smmu->features |= SMMU_FEAT_HYP;
	switch (FIELD_GET(SMMU_IDR0_STALL_MODEL, idr0)) {
	case SMMU_STALL_MODEL_FORCE:
		smmu->features |= SMMU_FEAT_STALL_FORCE;
		fallthrough;
	case 0:
		smmu->features |= SMMU_FEAT_STALLS;
		break;
	}

	/* The firmware knows how the SMMU is wired; trust it, but say so. */
	if (fw_coherent)
		smmu->features |= SMMU_FEAT_COHERENT;
	if (fw_coherent != !!(idr0 & SMMU_IDR0_COHACC))
		dev_warn(smmu->dev, "firmware says %scoherent, IDR0 says %scoherent\n",
			 fw_coherent ? "" : "not ",
			 idr0 & SMMU_IDR0_COHACC ? "" : "not ");

	smmu->asid_bits = idr0 & SMMU_IDR0_ASID16 ? 16 : 8;
	return 0;
}

/*
 * Read the ID registers once: what the driver decides from them and what
 * user space is told of them (smmu_hw_info()) then come from the same
 * values.
 */
static void smmu_read_id_regs(struct smmu_device *smmu)
{
	unsigned int i;

	for (i = 0; i < SMMU_NUM_IDRS; i++)
		smmu->idr[i] = readl_relaxed(smmu->base + SMMU_IDR(i));
	smmu->iidr = readl_relaxed(smmu->base + SMMU_IIDR);
	smmu->aidr = readl_relaxed(smmu->base + SMMU_AIDR);
}

static int smmu_read_features(struct smmu_device *smmu, bool fw_coherent)
{
	u32 idr1, idr3, idr5, oas;
	int ret;

	smmu_read_id_regs(smmu);
	ret = smmu_read_idr0(smmu, fw_coherent);
	if (ret)
		return ret;

	idr1 = smmu->idr[1];
	if (idr1 & (SMMU_IDR1_TABLES_PRESET | SMMU_IDR1_QUEUES_PRESET)) {
		dev_err(smmu->dev, "fixed table or queue addresses are not supported\n");
		return -ENODEV;
	}
	smmu->sid_bits = FIELD_GET(SMMU_IDR1_SIDSIZE, idr1);

	idr3 = smmu->idr[3];
	if (idr3 & SMMU_IDR3_RIL)
		smmu->features |= SMMU_FEAT_RANGE_INV;

	idr5 = smmu->idr[5];
	oas = FIELD_GET(SMMU_IDR5_OAS, idr5);
	smmu->oas = oas < ARRAY_SIZE(smmu_oas_bits) ? smmu_oas_bits[oas] : 48;
	/* 52-bit output needs the 64K-granule LPA format; stay at 48. */
	smmu->oas = min(smmu->oas, 48U);

	if (idr5 & SMMU_IDR5_GRAN4K)
		smmu->pgsize_bitmap |= SZ_4K | SZ_2M | SZ_1G;
	if (idr5 & SMMU_IDR5_GRAN16K)
		smmu->pgsize_bitmap |= SZ_16K | SZ_32M;
	if (idr5 & SMMU_IDR5_GRAN64K)
		smmu->pgsize_bitmap |= SZ_64K | SZ_512M;
	if (!smmu->pgsize_bitmap) {
		dev_err(smmu->dev, "no translation granule\n");
		return -ENODEV;
	}

	smmu_ignore_features(smmu);

	ret = dma_set_mask_and_coherent(smmu->dev, DMA_BIT_MASK(smmu->oas));
	if (ret)
		dev_warn(smmu->dev, "cannot use a %u-bit DMA mask\n", smmu->oas);
	return 0;
}

/* ==== What firmware says ==== */

#ifdef CONFIG_ACPI_IORT
/*
 * An SMMU that IORT describes.  Its platform device carries a pointer to
 * its node (IORT stays mapped), and the IORT code has done the rest of
 * what the node says: its GSIVs are the named interrupts smmu_setup_irqs()
 * asks for, the device's MSI domain is set if the node maps to an ITS,
 * and with ACPI_NUMA its proximity domain is the device's NUMA node, which
 * our allocations for the SMMU follow.  Left here are the model and the
 * flag that says whether the SMMU's accesses snoop CPU caches.
 */
VISIBLE_IF_KUNIT int smmu_fw_iort(struct smmu_device *smmu, bool *coherent)
{
	struct acpi_iort_node *const *node = dev_get_platdata(smmu->dev);
	struct acpi_iort_smmu_v3 *desc;

	if (!node || !*node || (*node)->type != ACPI_IORT_NODE_SMMU_V3) {
		dev_err(smmu->dev, "no IORT SMMUv3 node\n");
		return -ENODEV;
	}
	desc = (struct acpi_iort_smmu_v3 *)(*node)->node_data;

	switch (desc->model) {
	case ACPI_IORT_SMMU_V3_GENERIC:
		break;
	case ACPI_IORT_SMMU_V3_HISILICON_HI161X:
		/*
		 * Its quirks are that CMD_PREFETCH_CONFIG must not be issued,
		 * which we never do, and that MSIs bypass it, which IORT's
		 * reserved regions cover.
		 */
		break;
	case ACPI_IORT_SMMU_V3_CAVIUM_CN99XX:
		/* No page 1: its registers sit at the same offsets in page 0. */
		smmu->page1 = 0;
		break;
	default:
		/* Quirks we cannot know of could corrupt memory: leave it be. */
		dev_err(smmu->dev, "IORT names SMMUv3 model %u, which this driver does not know; not using the SMMU\n",
			desc->model);
		return -ENODEV;
	}

	*coherent = desc->flags & ACPI_IORT_SMMU_V3_COHACC_OVERRIDE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_fw_iort);
#else
static int smmu_fw_iort(struct smmu_device *smmu, bool *coherent)
{
	return -ENODEV;
}
#endif

/*
 * What firmware says of the SMMU beyond its registers and interrupts:
 * whether its table walks and queue accesses are coherent with CPU caches
 * (set in @coherent), and the quirks of its implementation.
 */
static int smmu_fw_probe(struct smmu_device *smmu, bool *coherent)
{
	smmu->page1 = SMMU_PAGE1;
	if (smmu->dev->of_node) {
		*coherent = device_get_dma_attr(smmu->dev) == DEV_DMA_COHERENT;
		return 0;
	}
	return smmu_fw_iort(smmu, coherent);
}

/*
 * IORT's RMRs name StreamIDs whose DMA firmware set going and which must
 * survive the SMMU's reset: they bypass from the start.  A driver that
 * later takes such a device gets a default domain with the RMRs mapped
 * 1:1 (the core's direct regions), and the device bypasses again when
 * released.  A StreamID that cannot bypass is only reported: the SMMU
 * still protects everything else.
 */
static void smmu_rmr_install(struct smmu_device *smmu)
{
	struct iommu_iort_rmr_data *rmr;
	struct iommu_resv_region *region;
	LIST_HEAD(rmrs);
	u32 i;
	int ret;

	if (smmu->dev->of_node)
		return;
	iort_get_rmr_sids(dev_fwnode(smmu->dev), &rmrs);
	list_for_each_entry(region, &rmrs, list) {
		rmr = container_of(region, struct iommu_iort_rmr_data, rr);
		for (i = 0; i < rmr->num_sids; i++) {
			ret = smmu_strtab_bypass_early(smmu, rmr->sids[i]);
			if (ret)
				dev_err(smmu->dev, "RMR at %pa: StreamID %#x cannot bypass: %d\n",
					&region->start, rmr->sids[i], ret);
		}
	}
	iort_put_rmr_sids(dev_fwnode(smmu->dev), &rmrs);
}

/* ==== Reset ==== */

static u32 smmu_cr1(const struct smmu_device *smmu)
{
	bool coherent = smmu->features & SMMU_FEAT_COHERENT;
	u32 cache = coherent ? SMMU_CACHE_WBRA : SMMU_CACHE_NC;
	u32 sh = coherent ? SMMU_SH_ISH : SMMU_SH_OSH;

	return FIELD_PREP(SMMU_CR1_TABLE_SH, sh) |
	       FIELD_PREP(SMMU_CR1_TABLE_OC, cache) |
	       FIELD_PREP(SMMU_CR1_TABLE_IC, cache) |
	       FIELD_PREP(SMMU_CR1_QUEUE_SH, sh) |
	       FIELD_PREP(SMMU_CR1_QUEUE_OC, cache) |
	       FIELD_PREP(SMMU_CR1_QUEUE_IC, cache);
}

/* Forget whatever configuration and translations the SMMU cached. */
static int smmu_invalidate_all(struct smmu_device *smmu)
{
	struct smmu_cmd cmds[3];
	unsigned int n = 0;

	smmu_cmd_cfgi_all(&cmds[n++]);
	if (smmu->features & SMMU_FEAT_HYP)
		smmu_cmd_tlbi_all(&cmds[n++], SMMU_OP_TLBI_EL2_ALL);
	smmu_cmd_tlbi_all(&cmds[n++], SMMU_OP_TLBI_NSNH_ALL);
	return smmu_cmdq_submit(smmu, cmds, n);
}

/*
 * Point the SMMU at an empty queue and turn it on: @cr0 holds what CR0
 * enables already, and gains @enable.
 */
static int smmu_queue_enable(struct smmu_device *smmu, struct smmu_queue *q,
			     u32 base_reg, u32 enable, u32 *cr0)
{
	u64 base = FIELD_PREP(SMMU_Q_BASE_ADDR, q->dma >> 5) |
		   FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, q->shift);

	if (smmu->features & SMMU_FEAT_COHERENT)
		base |= SMMU_Q_BASE_RA;
	writeq_relaxed(base, smmu->base + base_reg);
	q->prod = 0;
	q->cons = 0;
	writel_relaxed(0, q->prod_reg);
	writel_relaxed(0, q->cons_reg);
	*cr0 |= enable;
	return smmu_write_ack(smmu, SMMU_CR0, SMMU_CR0ACK, *cr0);
}

static int smmu_device_reset(struct smmu_device *smmu)
{
	u64 strtab = smmu->strtab.dma & SMMU_STRTAB_BASE_ADDR;
	u32 enables = 0;
	int ret;

	/* Abort, not bypass, whatever comes while we turn things off. */
	ret = smmu_set_gbpa(smmu, SMMU_GBPA_ABORT);
	if (!ret)
		ret = smmu_write_ack(smmu, SMMU_CR0, SMMU_CR0ACK, 0);
	if (ret)
		return ret;

	writel_relaxed(smmu_cr1(smmu), smmu->base + SMMU_CR1);
	/* PTM: our ASIDs are private, CPU broadcast TLBIs are not for us. */
	writel_relaxed(SMMU_CR2_PTM | SMMU_CR2_RECINVSID, smmu->base + SMMU_CR2);

	if (smmu->features & SMMU_FEAT_COHERENT)
		strtab |= SMMU_STRTAB_BASE_RA;
	writeq_relaxed(strtab, smmu->base + SMMU_STRTAB_BASE);
	writel_relaxed(smmu->strtab.cfg, smmu->base + SMMU_STRTAB_BASE_CFG);

	smmu_cmdq_rewind(&smmu->cmdq);
	ret = smmu_queue_enable(smmu, &smmu->cmdq.q, SMMU_CMDQ_BASE,
				SMMU_CR0_CMDQEN, &enables);
	if (!ret)
		ret = smmu_invalidate_all(smmu);
	if (!ret)
		ret = smmu_queue_enable(smmu, &smmu->evtq, SMMU_EVTQ_BASE,
					SMMU_CR0_EVTQEN, &enables);
	if (ret)
		return ret;

	ret = smmu_write_ack(smmu, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK, 0);
	if (!ret)
		ret = smmu_setup_irqs(smmu);
	if (!ret)
		ret = smmu_write_ack(smmu, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK,
				     SMMU_IRQ_CTRL_GERROR | SMMU_IRQ_CTRL_EVTQ);
	if (ret)
		return ret;

	enables |= SMMU_CR0_SMMUEN;
	return smmu_write_ack(smmu, SMMU_CR0, SMMU_CR0ACK, enables);
}

/* ==== Devices behind the SMMU ==== */

/* The first SMMU @match accepts; it stays while the driver is bound. */
static struct smmu_device *smmu_find(const void *data,
				     int (*match)(struct device *dev,
						  const void *data))
{
	struct smmu_device *smmu;
	struct device *dev;

	dev = driver_find_device(&smmu_driver.driver, NULL, data, match);
	if (!dev)
		return NULL;
	smmu = dev_get_drvdata(dev);
	put_device(dev);
	return smmu;
}

/*
 * Readers of the xarray that hold its lock (event reports, debugfs) may
 * use the masters they find: xa_cmpxchg() takes the lock, and a master is
 * freed only after all its StreamIDs have gone.
 */
static void smmu_forget_streams(struct smmu_master *master, unsigned int n)
{
	while (n--)
		xa_cmpxchg(&master->smmu->streams, master->sids[n], master,
			   NULL, GFP_KERNEL);
}

static struct iommu_device *smmu_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct smmu_master *master;
	struct smmu_device *smmu;
	unsigned int i;
	int ret;

	if (!fwspec || !fwspec->num_ids)
		return ERR_PTR(-ENODEV);
	smmu = smmu_find(fwspec->iommu_fwnode, device_match_fwnode);
	if (!smmu)
		return ERR_PTR(-ENODEV);

	master = kzalloc(struct_size(master, sids, fwspec->num_ids),
			 GFP_KERNEL);
	if (!master)
		return ERR_PTR(-ENOMEM);
	master->smmu = smmu;
	master->dev = dev;
	master->num_sids = fwspec->num_ids;

	for (i = 0; i < fwspec->num_ids; i++) {
		u32 sid = fwspec->ids[i];
		void *old;

		master->sids[i] = sid;
		ret = smmu_strtab_prepare(smmu, sid);
		if (ret == -ERANGE)
			dev_err(dev, "StreamID %#x is beyond %s's %u bits\n",
				sid, dev_name(smmu->dev), smmu->sid_bits);
		if (ret)
			goto undo;

		old = xa_cmpxchg(&smmu->streams, sid, NULL, master, GFP_KERNEL);
		if (xa_is_err(old)) {
			ret = xa_err(old);
			goto undo;
		}
		if (old == master)
			continue;	/* an alias listed twice */
		if (old) {
			dev_err(dev, "StreamID %#x is already used by %s\n",
				sid, dev_name(((struct smmu_master *)old)->dev));
			ret = -EBUSY;
			goto undo;
		}
	}

	dev_iommu_priv_set(dev, master);
	return &smmu->iommu;

undo:
	smmu_forget_streams(master, i);
	kfree(master);
	return ERR_PTR(ret);
}

static void smmu_release_device(struct device *dev)
{
	struct smmu_master *master = dev_iommu_priv_get(dev);

	smmu_master_release(master, dev->iommu->require_direct);
	smmu_forget_streams(master, master->num_sids);
	kfree(master);
}

static struct iommu_group *smmu_device_group(struct device *dev)
{
	if (dev_is_pci(dev))
		return pci_device_group(dev);
	return generic_device_group(dev);
}

static int smmu_of_xlate(struct device *dev, const struct of_phandle_args *args)
{
	if (args->args_count != 1) {
		dev_err(dev, "an SMMUv3 reference takes one cell, not %d\n",
			args->args_count);
		return -EINVAL;
	}
	return iommu_fwspec_add_ids(dev, args->args, 1);
}

static void smmu_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct iommu_resv_region *msi;

	/* Where dma-iommu maps the GIC ITS doorbell for MSIs. */
	msi = iommu_alloc_resv_region(SMMU_MSI_IOVA_BASE, SMMU_MSI_IOVA_SIZE,
				      IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
				      IOMMU_RESV_SW_MSI, GFP_KERNEL);
	if (msi)
		list_add_tail(&msi->list, head);
	iommu_dma_get_resv_regions(dev, head);
}

static bool smmu_capable(struct device *dev, enum iommu_cap cap)
{
	struct smmu_master *master = dev_iommu_priv_get(dev);

	/*
	 * Our tables can forbid execution, and iotlb_sync() is all a flush
	 * queue needs; DMA snoops CPU caches only if the SMMU's walks do.
	 */
	if (cap == IOMMU_CAP_NOEXEC || cap == IOMMU_CAP_DEFERRED_FLUSH)
		return true;
	if (cap == IOMMU_CAP_CACHE_COHERENCY)
		return master->smmu->features & SMMU_FEAT_COHERENT;
	/*
	 * IOMMU_CAP_ENFORCE_CACHE_COHERENCY would promise VFIO and iommufd
	 * that a domain can make every access of the device snoop, whatever
	 * the device asks for.  A stage-1 descriptor has no bit for that: the
	 * SMMU combines the memory type it gives with the attributes the
	 * transaction comes with, so a PCIe No-snoop write may still leave
	 * the SMMU non-cacheable, and the root complex may have acted on
	 * No-snoop before the SMMU saw it.  Whether a root complex makes all
	 * of its traffic write-back and snooping is a property of the system
	 * that only firmware can state (ACPI IORT has a flag for it), and the
	 * device tree has none.  So no promise, and no enforce_cache_coherency
	 * op: VFIO then tells KVM that the device's DMA may not be coherent.
	 *
	 * IOMMU_CAP_DIRTY_TRACKING needs the SMMU to mark written pages dirty
	 * in the descriptors (IDR0.HTTU == 2 and CD.HD); we leave HTTU off.
	 */
	return false;
}

/*
 * IOMMU_GET_HW_INFO: the SMMU's ID registers for a VMM that emulates an
 * SMMUv3.  They are the hardware's, not what this driver makes of them
 * (ignore=, features it leaves unused): the uAPI defines them so, and it
 * is the VMM that knows which fields it can pass on to its guest.
 * Upstream Linux masks nothing out either, and nothing in them is secret.
 */
static void *smmu_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct smmu_master *master = dev_iommu_priv_get(dev);
	struct smmu_device *smmu = master->smmu;
	struct iommu_hw_info_arm_smmuv3 *info;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return ERR_PTR(-ENOMEM);
	BUILD_BUG_ON(sizeof(info->idr) != sizeof(smmu->idr));
	memcpy(info->idr, smmu->idr, sizeof(info->idr));
	info->iidr = smmu->iidr;
	info->aidr = smmu->aidr;

	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	return info;
}

static const struct iommu_ops smmu_ops = {
	.identity_domain	= &smmu_identity_domain,
	.blocked_domain		= &smmu_blocked_domain,
	.release_domain		= &smmu_blocked_domain,
	.capable		= smmu_capable,
	.hw_info		= smmu_hw_info,
	.domain_alloc_paging	= smmu_domain_alloc_paging,
	.domain_alloc_user	= smmu_domain_alloc_user,
	.probe_device		= smmu_probe_device,
	.release_device		= smmu_release_device,
	.device_group		= smmu_device_group,
	.of_xlate		= smmu_of_xlate,
	.get_resv_regions	= smmu_get_resv_regions,
	.owner			= THIS_MODULE,
};

/* ==== debugfs ==== */

/* iommu/arm-smmu-v3/ in debugfs, one directory per SMMU in it */
static struct dentry *smmu_debugfs_root;

static void smmu_streams_print(struct seq_file *s, struct smmu_device *smmu)
{
	struct smmu_master *master;
	unsigned long sid;

	/* See smmu_forget_streams(). */
	lockdep_assert_held(&smmu->streams.xa_lock);
	xa_for_each(&smmu->streams, sid, master)
		seq_printf(s, "0x%lx %s\n", sid, dev_name(master->dev));
}

/*
 * "streams": the StreamIDs this driver gave to devices, in order, one
 * line each with the device's name, for tests to hold against what the
 * firmware says.
 */
static int smmu_streams_show(struct seq_file *s, void *unused)
{
	struct smmu_device *smmu = s->private;

	xa_lock(&smmu->streams);
	smmu_streams_print(s, smmu);
	xa_unlock(&smmu->streams);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmu_streams);

/* Named as in /sys/class/iommu, the SMMU's base address in the name. */
static void smmu_debugfs_init(struct smmu_device *smmu)
{
	smmu->debugfs = debugfs_create_dir(dev_name(smmu->iommu.dev),
					   smmu_debugfs_root);
	debugfs_create_file("streams", 0400, smmu->debugfs, smmu,
			    &smmu_streams_fops);
}

/* ==== The platform device ==== */

#if IS_ENABLED(CONFIG_KUNIT)
static int smmu_match_any(struct device *dev, const void *data)
{
	return 1;
}

/**
 * smmu_kunit_get_device() - an SMMU that probed, for tests on live hardware
 *
 * Return: the SMMU, or NULL if none probed.  It stays as long as the
 * driver is bound, which it is until shutdown (no unbinding from sysfs).
 */
struct smmu_device *smmu_kunit_get_device(void)
{
	return smmu_find(NULL, smmu_match_any);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_kunit_get_device);
#endif

static void smmu_describe(struct smmu_device *smmu)
{
	dev_info(smmu->dev,
		 "SMMUv3: %s stream table of %u StreamID bits, %u-bit ASIDs, %u-bit output, pages %#lx%s%s%s\n",
		 smmu->strtab.l2 ? "2-level" : "linear", smmu->sid_bits,
		 smmu->asid_bits, smmu->oas, smmu->pgsize_bitmap,
		 smmu->features & SMMU_FEAT_COHERENT ? ", coherent" : "",
		 smmu->features & SMMU_FEAT_RANGE_INV ? ", range invalidation" : "",
		 smmu->features & SMMU_FEAT_MSI ? ", MSI" : "");
}

static int smmu_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct smmu_device *smmu;
	struct resource *res;
	bool coherent = false;
	u32 size;
	int ret;

	smmu = devm_kzalloc(dev, sizeof(*smmu), GFP_KERNEL);
	if (!smmu)
		return -ENOMEM;
	smmu->dev = dev;
	platform_set_drvdata(pdev, smmu);

	ret = smmu_fw_probe(smmu, &coherent);
	if (!ret)
		ret = smmu_find_irqs(smmu);
	if (ret)
		return ret;

	size = smmu->page1 ? SMMU_MMIO_SIZE : SMMU_PAGE1;
	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res || resource_size(res) < size) {
		dev_err(dev, "needs %#x bytes of registers, has %pR\n",
			size, res);
		return -EINVAL;
	}
	/*
	 * Not requested: implementation-defined parts of the region, such
	 * as the PMCG's counters, belong to other drivers.
	 */
	smmu->base = devm_ioremap(dev, res->start, size);
	if (!smmu->base)
		return -ENOMEM;

	ret = smmu_read_features(smmu, coherent);
	if (!ret)
		ret = smmu_check_irqs(smmu);
	if (ret)
		return ret;
	ret = smmu_cmdq_init(smmu);
	if (!ret)
		ret = smmu_evtq_init(smmu);
	if (!ret)
		ret = smmu_strtab_init(smmu);
	if (ret)
		return ret;

	ida_init(&smmu->asids);
	smmu->cd_pool = dmam_pool_create("smmu-v3-cd", dev, SMMU_CD_BYTES,
					 SMMU_CD_BYTES, 0);
	if (!smmu->cd_pool)
		return -ENOMEM;

	smmu_rmr_install(smmu);
	ret = smmu_device_reset(smmu);
	if (ret)
		return ret;

	ret = iommu_device_sysfs_add(&smmu->iommu, dev, NULL, "smmu3.%pa",
				     &res->start);
	if (ret)
		goto disable;
	ret = iommu_device_register(&smmu->iommu, &smmu_ops, dev);
	if (ret) {
		iommu_device_sysfs_remove(&smmu->iommu);
		goto disable;
	}
	smmu_debugfs_init(smmu);
	smmu_describe(smmu);
	return 0;

disable:
	smmu_disable(smmu);
	return ret;
}

static void smmu_remove(struct platform_device *pdev)
{
	struct smmu_device *smmu = platform_get_drvdata(pdev);

	/* Waits for readers, which use the SMMU. */
	debugfs_remove(smmu->debugfs);
	iommu_device_unregister(&smmu->iommu);
	iommu_device_sysfs_remove(&smmu->iommu);
	smmu_disable(smmu);
	ida_destroy(&smmu->asids);
}

static void smmu_shutdown(struct platform_device *pdev)
{
	smmu_disable(platform_get_drvdata(pdev));
}

static const struct of_device_id smmu_of_match[] = {
	{ .compatible = "arm,smmu-v3" },
	{ }
};
MODULE_DEVICE_TABLE(of, smmu_of_match);

static struct platform_driver smmu_driver = {
	.probe		= smmu_probe,
	.remove		= smmu_remove,
	.shutdown	= smmu_shutdown,
	.driver		= {
		.name		= "arm-smmu-v3",
		.of_match_table	= smmu_of_match,
		/* The devices behind it cannot lose their IOMMU at run time. */
		.suppress_bind_attrs = true,
	},
};

static int __init smmu_init(void)
{
	int ret;

	smmu_debugfs_root = debugfs_create_dir("arm-smmu-v3", iommu_debugfs_dir);
	smmu_model_debugfs_init(smmu_debugfs_root);
	ret = platform_driver_register(&smmu_driver);
	if (ret)
		debugfs_remove(smmu_debugfs_root);
	return ret;
}
module_init(smmu_init);

static void __exit smmu_exit(void)
{
	platform_driver_unregister(&smmu_driver);
	debugfs_remove(smmu_debugfs_root);
}
module_exit(smmu_exit);

MODULE_DESCRIPTION("Driver for ARM SMMUv3 implementations");
MODULE_LICENSE("GPL");
