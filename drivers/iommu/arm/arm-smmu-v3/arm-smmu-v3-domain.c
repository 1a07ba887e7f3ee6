// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM SMMUv3 domains and TLB maintenance.
 *
 * A paging domain is an AArch64 stage-1 page table (io-pgtable), one
 * context descriptor that describes it and one ASID.  Attaching a device
 * points its STEs at the CD; the identity and blocked domains are STEs
 * that bypass or abort.  Since a domain's TLB entries carry its own ASID
 * whoever is attached, invalidation needs to know nothing of devices.
 * User space (VFIO, iommufd) gets the same paging domains, with none of
 * the extras it may ask for: no nesting, no dirty tracking.
 *
 * Unmapping gathers the leaves that went (io-pgtable calls tlb_add_pages
 * for each run of them, which only widens the gather) and iotlb_sync then
 * invalidates the whole range in one submission: with range invalidation
 * usually one TLBI_NH_VA, without it one per leaf, and one CMD_SYNC either
 * way.  A range that would take more than SMMU_TLBI_MAX_CMDS commands
 * invalidates the ASID instead.
 */

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/idr.h>
#include <linux/slab.h>

#include "arm-smmu-v3.h"

/* Input address size of our stage-1 tables. */
#define SMMU_S1_IAS		48

/* ==== TLB maintenance ==== */

/* Most TLBI_NH_VA commands one invalidation sends, rather than TLBI_NH_ASID */
#define SMMU_TLBI_MAX_CMDS	32

/*
 * Send invalidations of @d and wait for them.  Neither iotlb_sync nor the
 * page table's flush callbacks can fail: their callers free the pages and
 * tables whatever happens.  So a failure is reported here (the command
 * queue has said why), and the domain's ASID is kept out of use when the
 * domain goes, unless an invalidation of all of it succeeds before then
 * (smmu_domain_free()).
 */
static int smmu_tlb_submit(struct smmu_domain *d, const struct smmu_cmd *cmds,
			   unsigned int n)
{
	int ret = smmu_cmdq_submit(d->smmu, cmds, n);

	if (unlikely(ret))
		dev_err_ratelimited(d->smmu->dev,
				    "ASID %u: TLB invalidation failed (%d), stale entries may remain\n",
				    d->asid, ret);
	return ret;
}

static void smmu_tlb_inv_asid(struct smmu_domain *d)
{
	struct smmu_cmd cmd;

	smmu_cmd_tlbi_asid(&cmd, d->asid);
	WRITE_ONCE(d->asid_stale, smmu_tlb_submit(d, &cmd, 1) != 0);
}

/*
 * Invalidate [@iova, @iova + @size) of @d.  @leaf_size is the size of the
 * leaves that went, or 0 when tables went as well.
 */
static void smmu_tlb_inv_range(struct smmu_domain *d, unsigned long iova,
			       size_t size, size_t leaf_size)
{
	struct smmu_tlbi_range range = {
		.asid		= d->asid,
		.iova		= iova,
		.granules	= DIV_ROUND_UP(size, 1UL << d->granule_shift),
		.granule_shift	= d->granule_shift,
		.leaf_shift	= leaf_size ? ilog2(leaf_size) : 0,
		.use_range	= d->smmu->features & SMMU_FEAT_RANGE_INV,
	};
	/*
	 * Not zeroed on entry: smmu_tlbi_range_cmds() writes every command it
	 * counts, and only those are sent.  Zeroing the whole array would
	 * cost more than building the one or two commands a range needs.
	 */
	struct smmu_cmd cmds[SMMU_TLBI_MAX_CMDS] __uninitialized;
	unsigned int n;

	n = smmu_tlbi_range_cmds(&range, cmds, SMMU_TLBI_MAX_CMDS);
	if (n > SMMU_TLBI_MAX_CMDS)
		smmu_tlb_inv_asid(d);
	else
		smmu_tlb_submit(d, cmds, n);
}

static void smmu_tlb_add_page(struct iommu_iotlb_gather *gather,
			      unsigned long iova, size_t granule, void *cookie)
{
	struct smmu_domain *d = cookie;

	iommu_iotlb_gather_add_page(&d->domain, gather, iova, granule);
}

static void smmu_tlb_add_pages(struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t granule, size_t count,
			       void *cookie)
{
	struct smmu_domain *d = cookie;

	/* The first leaf decides whether what is gathered goes first. */
	iommu_iotlb_gather_add_page(&d->domain, gather, iova, granule);
	iommu_iotlb_gather_add_range(gather, iova, granule * count);
}

/* Tables were freed: their walks may be cached too, at every level. */
static void smmu_tlb_flush_walk(unsigned long iova, size_t size,
				size_t granule, void *cookie)
{
	smmu_tlb_inv_range(cookie, iova, size, 0);
}

static void smmu_tlb_flush_all(void *cookie)
{
	smmu_tlb_inv_asid(cookie);
}

static const struct iommu_flush_ops smmu_flush_ops = {
	.tlb_add_page	= smmu_tlb_add_page,
	.tlb_add_pages	= smmu_tlb_add_pages,
	.tlb_flush_walk	= smmu_tlb_flush_walk,
	.tlb_flush_all	= smmu_tlb_flush_all,
};

static void smmu_iotlb_sync(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather)
{
	if (!gather->pgsize)
		return;		/* nothing was gathered */
	smmu_tlb_inv_range(to_smmu_domain(domain), gather->start,
			   gather->end - gather->start + 1, gather->pgsize);
}

static void smmu_flush_iotlb_all(struct iommu_domain *domain)
{
	smmu_tlb_inv_asid(to_smmu_domain(domain));
}

/* ==== Paging domains ==== */

static int smmu_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl;

	return ops->map_pages(ops, iova, paddr, pgsize, pgcount, prot, gfp,
			      mapped);
}

static size_t smmu_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl;

	return ops->unmap_pages(ops, iova, pgsize, pgcount, gather);
}

static phys_addr_t smmu_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl;

	return ops->iova_to_phys(ops, iova);
}

/* Every domain's attach_dev: the core calls it with the group's mutex held. */
static int smmu_attach(struct iommu_domain *domain, struct device *dev,
		       const u64 *ste)
{
	iommu_group_mutex_assert(dev);
	return smmu_master_attach(dev_iommu_priv_get(dev), domain, ste);
}

static int smmu_attach_paging(struct iommu_domain *domain, struct device *dev)
{
	struct smmu_master *master = dev_iommu_priv_get(dev);
	struct smmu_domain *d = to_smmu_domain(domain);
	u64 ste[SMMU_STE_WORDS];

	if (d->smmu != master->smmu) {
		dev_err_ratelimited(dev, "domain of %s, device behind %s\n",
				    dev_name(d->smmu->dev),
				    dev_name(master->smmu->dev));
		return -EINVAL;
	}
	smmu_ste_s1(ste, d->smmu, d->cd_dma);
	return smmu_attach(domain, dev, ste);
}

static void smmu_domain_free(struct iommu_domain *domain)
{
	struct smmu_domain *d = to_smmu_domain(domain);
	struct smmu_device *smmu = d->smmu;

	/*
	 * The core detached every device, so no STE leads to the CD any more.
	 * Freeing the table invalidates the ASID (tlb_flush_all) before the
	 * ASID can tag another table.  If that failed, entries of this table
	 * may still carry the ASID, and another domain's devices would reach
	 * them through it: the ASID stays allocated instead.
	 */
	free_io_pgtable_ops(d->pgtbl);
	dma_pool_free(smmu->cd_pool, d->cd, d->cd_dma);
	if (READ_ONCE(d->asid_stale))
		dev_err(smmu->dev, "ASID %u not reused: its TLB entries may remain\n",
			d->asid);
	else
		ida_free(&smmu->asids, d->asid);
	kfree(d);
}

static const struct iommu_domain_ops smmu_paging_ops = {
	.attach_dev	= smmu_attach_paging,
	.map_pages	= smmu_map_pages,
	.unmap_pages	= smmu_unmap_pages,
	.flush_iotlb_all = smmu_flush_iotlb_all,
	.iotlb_sync	= smmu_iotlb_sync,
	.iova_to_phys	= smmu_iova_to_phys,
	.free		= smmu_domain_free,
};

/**
 * smmu_domain_alloc_paging() - a stage-1 domain for devices of one SMMU
 * @dev: a device behind the SMMU.
 *
 * Return: the domain, or ERR_PTR(-ENOSPC) when the SMMU is out of ASIDs,
 * ERR_PTR(-ENOMEM).
 */
struct iommu_domain *smmu_domain_alloc_paging(struct device *dev)
{
	struct smmu_master *master = dev_iommu_priv_get(dev);
	struct smmu_device *smmu = master->smmu;
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap	= smmu->pgsize_bitmap,
		.ias		= min_t(unsigned int, SMMU_S1_IAS, VA_BITS),
		.oas		= smmu->oas,
		.coherent_walk	= smmu->features & SMMU_FEAT_COHERENT,
		.tlb		= &smmu_flush_ops,
		.iommu_dev	= smmu->dev,
	};
	u64 cd[SMMU_CD_WORDS];
	struct smmu_domain *d;
	int asid, ret = -ENOMEM;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->smmu = smmu;

	asid = ida_alloc_range(&smmu->asids, 1, (1U << smmu->asid_bits) - 1,
			       GFP_KERNEL);
	if (asid < 0) {
		ret = asid;
		if (ret == -ENOSPC)
			dev_err_ratelimited(smmu->dev, "out of ASIDs\n");
		goto free_domain;
	}
	d->asid = asid;

	d->pgtbl = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, d);
	if (!d->pgtbl)
		goto free_asid;
	d->granule_shift = __ffs(cfg.pgsize_bitmap);

	d->cd = dma_pool_zalloc(smmu->cd_pool, GFP_KERNEL, &d->cd_dma);
	if (!d->cd)
		goto free_pgtbl;
	smmu_cd_s1(cd, smmu, d->asid, &cfg);
	ret = smmu_write_entry(&smmu_cd_ops, NULL, d->cd, cd);
	if (ret)
		goto free_cd;

	d->domain.ops = &smmu_paging_ops;
	d->domain.pgsize_bitmap = cfg.pgsize_bitmap;
	d->domain.geometry.aperture_end = (1ULL << cfg.ias) - 1;
	d->domain.geometry.force_aperture = true;
	return &d->domain;

free_cd:
	dma_pool_free(smmu->cd_pool, d->cd, d->cd_dma);
free_pgtbl:
	free_io_pgtable_ops(d->pgtbl);
free_asid:
	ida_free(&smmu->asids, d->asid);
free_domain:
	kfree(d);
	return ERR_PTR(ret);
}

/*
 * The IOMMU_HWPT_ALLOC_* flags a user domain may have: none.
 *
 * NEST_PARENT asks for a stage-2 table that user space's stage-1 tables
 * nest under; this driver translates at stage 1 only, and never uses
 * stage 2 (IDR0.S2P) even where the SMMU has it.
 *
 * DIRTY_TRACKING needs the SMMU to record writes in the descriptors
 * itself (HTTU with dirty state, IDR0.HTTU == 2, enabled by CD.HA and
 * CD.HD) and dirty_ops that read and clear that state.  This driver does
 * not enable HTTU, so it refuses the flag on every SMMU, including those
 * that could.
 *
 * Any other flag is one this driver does not know.
 */
#define SMMU_USER_DOMAIN_FLAGS	0

/**
 * smmu_domain_alloc_user() - a domain for user space (VFIO, iommufd)
 * @dev: a device behind the SMMU.
 * @flags: IOMMU_HWPT_ALLOC_* flags.
 * @parent: the stage-2 domain to nest under, or NULL.
 * @user_data: the driver-specific part of the request, or NULL.
 *
 * A plain stage-1 domain, as smmu_domain_alloc_paging() gives; nesting is
 * not supported.
 *
 * Return: the domain, ERR_PTR(-EOPNOTSUPP) for a flag, a @parent or
 * @user_data, or an error of smmu_domain_alloc_paging().
 */
struct iommu_domain *
smmu_domain_alloc_user(struct device *dev, u32 flags,
		       struct iommu_domain *parent,
		       const struct iommu_user_data *user_data)
{
	struct iommu_domain *domain;

	if (parent || user_data || (flags & ~SMMU_USER_DOMAIN_FLAGS))
		return ERR_PTR(-EOPNOTSUPP);

	domain = smmu_domain_alloc_paging(dev);
	/* iommufd takes the domain as it comes, without the core's init. */
	if (!IS_ERR(domain))
		domain->type = IOMMU_DOMAIN_UNMANAGED;
	return domain;
}

/* ==== Identity and blocked domains ==== */

static int smmu_attach_identity(struct iommu_domain *domain,
				struct device *dev)
{
	u64 ste[SMMU_STE_WORDS];

	smmu_ste_bypass(ste);
	return smmu_attach(domain, dev, ste);
}

static int smmu_attach_blocked(struct iommu_domain *domain, struct device *dev)
{
	u64 ste[SMMU_STE_WORDS];

	smmu_ste_abort(ste);
	return smmu_attach(domain, dev, ste);
}

static const struct iommu_domain_ops smmu_identity_ops = {
	.attach_dev	= smmu_attach_identity,
};

static const struct iommu_domain_ops smmu_blocked_ops = {
	.attach_dev	= smmu_attach_blocked,
};

struct iommu_domain smmu_identity_domain = {
	.type	= IOMMU_DOMAIN_IDENTITY,
	.ops	= &smmu_identity_ops,
};

struct iommu_domain smmu_blocked_domain = {
	.type	= IOMMU_DOMAIN_BLOCKED,
	.ops	= &smmu_blocked_ops,
};
