// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3 event queue and global errors.
 *
 * The SMMU writes a 32-byte record to the event queue for each fault and
 * configuration error it sees and raises the event interrupt.  Each record
 * becomes one rate-limited line that names the event, the device (looked up
 * by StreamID), and for faults of a translation the IOVA, the access and
 * the stage, after the SMMU's own name:
 *
 *   translation fault: 0000:00:03.0 write at IOVA 0x7ff000, stage 1 (sid 0x18)
 *
 * Global errors (GERROR) are bits that differ between GERROR and GERRORN;
 * software acknowledges one by making the two equal again.  A command
 * queue error is handed to the command queue, which skips the command.
 *
 * The interrupts are the wired ones the firmware describes ("eventq",
 * "gerror", or one "combined"), or MSIs where the SMMU and the platform
 * support them.  An SMMU whose global errors could reach no CPU is not
 * used.
 */

#include <linux/interrupt.h>
#include <linux/msi.h>
#include <linux/platform_device.h>

#include <kunit/visibility.h>

#include "arm-smmu-v3.h"

/* Event queues larger than this would only hold memory. */
#define SMMU_EVTQ_MAX_SHIFT	8

static const char * const smmu_event_names[] = {
	[0x01] = "unsupported upstream transaction",
	[0x02] = "bad StreamID",
	[0x03] = "STE fetch abort",
	[0x04] = "bad STE",
	[0x05] = "bad ATS translation request",
	[0x06] = "stream disabled",
	[0x07] = "ATS translation forbidden",
	[0x08] = "bad SubstreamID",
	[0x09] = "CD fetch abort",
	[0x0a] = "bad CD",
	[0x0b] = "table walk abort",
	[0x10] = "translation fault",
	[0x11] = "address size fault",
	[0x12] = "access flag fault",
	[0x13] = "permission fault",
	[0x20] = "TLB conflict",
	[0x21] = "configuration cache conflict",
	[0x24] = "page request",
	[0x25] = "VMS fetch abort",
};

/**
 * smmu_event_name() - what an event ID means
 * @id: the ID, from the first byte of the record.
 *
 * Return: a name, or "unknown event".
 */
const char *smmu_event_name(u8 id)
{
	if (id < ARRAY_SIZE(smmu_event_names) && smmu_event_names[id])
		return smmu_event_names[id];
	return "unknown event";
}
EXPORT_SYMBOL_IF_KUNIT(smmu_event_name);

/* Events whose record carries the input address of the access. */
static bool smmu_event_has_addr(u8 id)
{
	return id == 0x0b || (id >= 0x10 && id <= 0x13);
}

/**
 * smmu_event_format() - the line that reports an event
 * @evt: the record, in CPU byte order.
 * @dev: the name of the device with the record's StreamID, or NULL.
 * @buf: where the line goes.
 * @len: room in @buf.
 *
 * Return: what snprintf() returns.
 */
int smmu_event_format(const u64 *evt, const char *dev, char *buf, size_t len)
{
	u8 id = FIELD_GET(SMMU_EVT0_ID, evt[0]);
	u32 sid = FIELD_GET(SMMU_EVT0_SID, evt[0]);
	char ssid[24] = "";

	if (!dev)
		dev = "unknown device";
	if (evt[0] & SMMU_EVT0_SSV)
		snprintf(ssid, sizeof(ssid), " ssid %#llx",
			 FIELD_GET(SMMU_EVT0_SSID, evt[0]));

	if (!smmu_event_has_addr(id))
		return snprintf(buf, len,
				"%s: %s (sid %#x%s): %016llx %016llx %016llx %016llx",
				smmu_event_name(id), dev, sid, ssid, evt[0],
				evt[1], evt[2], evt[3]);

	return snprintf(buf, len, "%s: %s %s%s at IOVA 0x%llx, stage %u (sid %#x%s)",
			smmu_event_name(id), dev,
			evt[1] & SMMU_EVT1_RNW ? "read" : "write",
			evt[1] & SMMU_EVT1_IND ? " (instruction)" : "",
			evt[2], evt[1] & SMMU_EVT1_S2 ? 2 : 1, sid, ssid);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_event_format);

/*
 * Give the owner of the faulting device's domain (and the io_page_fault
 * tracepoint) a look at a fault with an address.  Returns true if the
 * owner's handler dealt with it, so it is not logged.  The caller holds
 * the lock of the streams xarray, which keeps @master->domain from being
 * detached, and so freed, under the handler (smmu_master_attach()).
 */
static bool smmu_event_to_owner(struct smmu_master *master, const u64 *evt)
{
	struct iommu_domain *domain = master->domain;
	u8 id = FIELD_GET(SMMU_EVT0_ID, evt[0]);
	int flags;

	lockdep_assert_held(&master->smmu->streams.xa_lock);
	if (!smmu_event_has_addr(id))
		return false;
	if (!domain || !(domain->type & __IOMMU_DOMAIN_PAGING))
		return false;
	flags = evt[1] & SMMU_EVT1_RNW ? IOMMU_FAULT_READ : IOMMU_FAULT_WRITE;
	return !report_iommu_fault(domain, master->dev, evt[2], flags);
}

static void smmu_event_report(struct smmu_device *smmu, const u64 *evt)
{
	u32 sid = FIELD_GET(SMMU_EVT0_SID, evt[0]);
	struct smmu_master *master;
	bool handled = false;
	char line[192];

	/* The master stays while its StreamID is in the xarray. */
	xa_lock(&smmu->streams);
	master = xa_load(&smmu->streams, sid);
	if (master)
		handled = smmu_event_to_owner(master, evt);
	smmu_event_format(evt, master ? dev_name(master->dev) : NULL, line,
			  sizeof(line));
	xa_unlock(&smmu->streams);

	if (!handled)
		dev_err_ratelimited(smmu->dev, "%s\n", line);
}

static irqreturn_t smmu_evtq_thread(int irq, void *cookie)
{
	struct smmu_device *smmu = cookie;
	struct smmu_queue *q = &smmu->evtq;
	u64 evt[SMMU_EVT_WORDS];
	u32 prod, ovf_seen;
	unsigned int i;

	ovf_seen = readl_relaxed(q->cons_reg) & SMMU_Q_OVERFLOW;
	for (;;) {
		prod = readl_relaxed(q->prod_reg);
		if ((prod ^ ovf_seen) & SMMU_Q_OVERFLOW) {
			dev_err_ratelimited(smmu->dev,
					    "event queue overflowed: events were lost\n");
			ovf_seen = prod & SMMU_Q_OVERFLOW;
		}
		q->prod = smmu_q_pos(q, prod);
		if (q->cons == q->prod)
			break;

		/* The records are read only after PROD said they are there. */
		dma_rmb();
		while (q->cons != q->prod) {
			const __le64 *rec = smmu_q_entry(q, q->cons);

			for (i = 0; i < SMMU_EVT_WORDS; i++)
				evt[i] = le64_to_cpu(rec[i]);
			smmu_event_report(smmu, evt);
			q->cons = smmu_q_advance(q, q->cons, 1);
		}
		/* Done reading before the SMMU may write the slots again. */
		mb();
		writel_relaxed(q->cons | ovf_seen, q->cons_reg);
	}
	return IRQ_HANDLED;
}

static const char * const smmu_gerror_names[] = {
	[ilog2(SMMU_GERROR_CMDQ_ERR)]		= "command queue error",
	[ilog2(SMMU_GERROR_EVTQ_ABT)]		= "abort writing the event queue",
	[ilog2(SMMU_GERROR_PRIQ_ABT)]		= "abort writing the PRI queue",
	[ilog2(SMMU_GERROR_MSI_CMDQ_ABT)]	= "abort writing a CMD_SYNC MSI",
	[ilog2(SMMU_GERROR_MSI_EVTQ_ABT)]	= "abort writing the event queue MSI",
	[ilog2(SMMU_GERROR_MSI_PRIQ_ABT)]	= "abort writing the PRI queue MSI",
	[ilog2(SMMU_GERROR_MSI_GERROR_ABT)]	= "abort writing the GERROR MSI",
	[ilog2(SMMU_GERROR_SFM)]		= "service failure mode: every transaction aborts",
};

static irqreturn_t smmu_gerror_irq(int irq, void *cookie)
{
	struct smmu_device *smmu = cookie;
	unsigned long active, flags;
	u32 gerror, gerrorn;
	unsigned int bit;

	gerror = readl_relaxed(smmu->base + SMMU_GERROR);
	gerrorn = readl_relaxed(smmu->base + SMMU_GERRORN);
	active = gerror ^ gerrorn;
	if (!active)
		return IRQ_NONE;

	if (active & SMMU_GERROR_CMDQ_ERR) {
		/* A producer waiting for a CMD_SYNC may have got there first. */
		raw_spin_lock_irqsave(&smmu->cmdq.lock, flags);
		smmu_cmdq_handle_error(smmu);
		raw_spin_unlock_irqrestore(&smmu->cmdq.lock, flags);
		active &= ~SMMU_GERROR_CMDQ_ERR;
	}

	for_each_set_bit(bit, &active, 32)
		dev_err_ratelimited(smmu->dev, "global error: %s\n",
				    bit < ARRAY_SIZE(smmu_gerror_names) &&
				    smmu_gerror_names[bit] ?
				    smmu_gerror_names[bit] : "unknown");
	if (active) {
		gerrorn = readl_relaxed(smmu->base + SMMU_GERRORN);
		writel(gerrorn ^ active, smmu->base + SMMU_GERRORN);
	}
	return IRQ_HANDLED;
}

static irqreturn_t smmu_combined_irq(int irq, void *cookie)
{
	smmu_gerror_irq(irq, cookie);
	return IRQ_WAKE_THREAD;
}

/**
 * smmu_evtq_init() - allocate the event queue
 * @smmu: the SMMU, with its IDRs read.
 *
 * Return: 0 or -ENOMEM.
 */
int smmu_evtq_init(struct smmu_device *smmu)
{
	u32 idr1 = smmu->idr[1];
	unsigned int shift = min_t(unsigned int, SMMU_EVTQ_MAX_SHIFT,
				   FIELD_GET(SMMU_IDR1_EVTQS, idr1));

	return smmu_queue_init(smmu, &smmu->evtq, shift, SMMU_EVT_WORDS,
			       smmu->page1 + SMMU_EVTQ_PROD,
			       smmu->page1 + SMMU_EVTQ_CONS, "event queue");
}

/* ==== Interrupts ==== */

enum smmu_msi_index { SMMU_MSI_EVTQ, SMMU_MSI_GERROR, SMMU_MSI_COUNT };

static const u32 smmu_msi_cfg0[SMMU_MSI_COUNT] = {
	[SMMU_MSI_EVTQ]		= SMMU_EVTQ_IRQ_CFG0,
	[SMMU_MSI_GERROR]	= SMMU_GERROR_IRQ_CFG0,
};

/* IRQ_CFG1 (data) and IRQ_CFG2 (attributes) follow IRQ_CFG0. */
static void smmu_write_msi_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	struct smmu_device *smmu = dev_get_drvdata(msi_desc_to_dev(desc));
	u32 cfg0 = smmu_msi_cfg0[desc->msi_index];
	u64 addr = ((u64)msg->address_hi << 32) | msg->address_lo;

	writeq_relaxed(addr & SMMU_MSI_CFG0_ADDR, smmu->base + cfg0);
	writel_relaxed(msg->data, smmu->base + cfg0 + 8);
	writel_relaxed(FIELD_PREP(SMMU_MSI_CFG2_MEMATTR,
				  SMMU_MEMATTR_DEVICE_NGNRE),
		       smmu->base + cfg0 + 12);
}

/* Use MSIs if the SMMU and its platform can; wired interrupts if not. */
static void smmu_setup_msis(struct smmu_device *smmu)
{
	unsigned int i;

	if (!(smmu->features & SMMU_FEAT_MSI))
		return;
	/* No MSI until one is set up: address 0 disables it. */
	for (i = 0; i < SMMU_MSI_COUNT; i++)
		writeq_relaxed(0, smmu->base + smmu_msi_cfg0[i]);

	if (!dev_get_msi_domain(smmu->dev))
		return;
	if (platform_device_msi_init_and_alloc_irqs(smmu->dev, SMMU_MSI_COUNT,
						    smmu_write_msi_msg)) {
		dev_warn(smmu->dev, "no MSIs, using wired interrupts\n");
		return;
	}
	smmu->evtq_irq = msi_get_virq(smmu->dev, SMMU_MSI_EVTQ);
	smmu->gerror_irq = msi_get_virq(smmu->dev, SMMU_MSI_GERROR);
}

/* A wired interrupt @name in @irq, 0 if firmware gives none; -EPROBE_DEFER. */
static int smmu_wired_irq(struct smmu_device *smmu, const char *name, int *irq)
{
	int ret;

	ret = platform_get_irq_byname_optional(to_platform_device(smmu->dev),
					       name);
	if (ret == -EPROBE_DEFER)
		return ret;
	*irq = max(ret, 0);
	return 0;
}

/**
 * smmu_find_irqs() - the wired interrupts firmware gives the SMMU
 * @smmu: the SMMU, its registers not yet mapped.
 *
 * A global error that nobody hears of is the worst failure the SMMU has:
 * in service failure mode, for one, every device's DMA aborts and the log
 * says nothing.  So an SMMU is used only if GERROR can reach the CPU, by a
 * wired "combined" or "gerror" interrupt, or else by MSI, which needs an
 * MSI parent here and the SMMU's own MSIs (smmu_check_irqs(), once IDR0 is
 * read).  An event queue without an interrupt only loses fault reports,
 * which smmu_setup_irqs() warns of.
 *
 * Return: 0, -EPROBE_DEFER while an interrupt controller is not there yet,
 * or -ENODEV if GERROR cannot be signalled.
 */
int smmu_find_irqs(struct smmu_device *smmu)
{
	int ret;

	ret = smmu_wired_irq(smmu, "combined", &smmu->combined_irq);
	if (!ret)
		ret = smmu_wired_irq(smmu, "eventq", &smmu->evtq_irq);
	if (!ret)
		ret = smmu_wired_irq(smmu, "gerror", &smmu->gerror_irq);
	if (ret)
		return ret;

	if (smmu->combined_irq || smmu->gerror_irq ||
	    dev_get_msi_domain(smmu->dev))
		return 0;
	dev_err(smmu->dev, "firmware gives no GERROR interrupt and no MSI parent; not using the SMMU\n");
	return -ENODEV;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_find_irqs);

/**
 * smmu_check_irqs() - refuse an SMMU that would need MSIs it cannot send
 * @smmu: the SMMU, after smmu_find_irqs(), with its features read.
 *
 * Return: 0, or -ENODEV if GERROR has no wired interrupt and the SMMU has
 * no MSIs, or is told not to use them.
 */
int smmu_check_irqs(struct smmu_device *smmu)
{
	if (smmu->combined_irq || smmu->gerror_irq ||
	    (smmu->features & SMMU_FEAT_MSI))
		return 0;
	dev_err(smmu->dev, "firmware gives no GERROR interrupt, only an MSI parent, and the SMMU %s; not using the SMMU\n",
		smmu->idr[0] & SMMU_IDR0_MSI ?
		"is told not to use MSIs (ignore=msi)" : "has no MSIs");
	return -ENODEV;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_check_irqs);

/**
 * smmu_setup_irqs() - request the event queue and GERROR interrupts
 * @smmu: the SMMU, with IRQ_CTRL zero, after smmu_check_irqs().
 *
 * Return: 0, -ENODEV if GERROR was to come by MSI and none could be
 * allocated, or an error from request_irq().  An SMMU without an event
 * queue interrupt works, but its faults go unreported, which is said once.
 */
int smmu_setup_irqs(struct smmu_device *smmu)
{
	const char *name = dev_name(smmu->dev);
	int ret;

	if (smmu->combined_irq)
		return devm_request_threaded_irq(smmu->dev, smmu->combined_irq,
						 smmu_combined_irq,
						 smmu_evtq_thread, IRQF_ONESHOT,
						 name, smmu);

	smmu_setup_msis(smmu);

	if (smmu->evtq_irq > 0) {
		ret = devm_request_threaded_irq(smmu->dev, smmu->evtq_irq, NULL,
						smmu_evtq_thread, IRQF_ONESHOT,
						name, smmu);
		if (ret)
			return ret;
	} else {
		dev_warn(smmu->dev, "no event queue interrupt: faults will not be reported\n");
	}

	if (smmu->gerror_irq > 0)
		return devm_request_irq(smmu->dev, smmu->gerror_irq,
					smmu_gerror_irq, 0, name, smmu);
	dev_err(smmu->dev, "no GERROR interrupt: MSIs were the only way and could not be allocated; not using the SMMU\n");
	return -ENODEV;
}
