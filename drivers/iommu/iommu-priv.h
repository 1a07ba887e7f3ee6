/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the IOMMU core share among themselves and with
 * of_iommu.c: the group structure, probe and release, and the few helpers
 * that turn a device into its IOMMU driver.  The DMA layer uses only
 * dev_iommu_dma_domain(), on its hot path.
 */
#ifndef __IOMMU_PRIV_H
#define __IOMMU_PRIV_H

#include <linux/cache.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/srcu.h>

/**
 * struct iommu_group - devices the IOMMU cannot tell apart
 * @default_domain: the domain kernel drivers DMA through; read without a
 *	lock by the DMA layer on every mapping (dev_iommu_dma_domain()), so
 *	it shares its cache line with nothing that is written often
 * @domain: the domain every device of the group is attached to now
 * @blocking_domain: a domain that refuses all DMA, for owners between
 *	their own domains; made on first need
 * @mutex: protects everything below and the attachment of @domain
 * @devices: the struct group_device of each member
 * @owner_cnt: kernel drivers using @default_domain, or the claims of @owner
 * @owner: whoever claimed the group for its own domains (VFIO), or NULL
 * @attach_handle: the handle the owner attached @domain with, or NULL;
 *	written under @mutex, read by the fault path under iommu_fault_srcu
 * @kobj: /sys/kernel/iommu_groups/<id>; its references keep the group
 * @id: the group's number
 * @name: an optional name, shown in sysfs
 * @iommu_data: data of whoever made the group
 * @iommu_data_release: frees @iommu_data with the group
 */
struct iommu_group {
	struct iommu_domain *default_domain;
	struct iommu_domain *domain;
	struct iommu_domain *blocking_domain;

	struct mutex mutex ____cacheline_aligned_in_smp;
	struct list_head devices;
	unsigned int owner_cnt;
	void *owner;
	struct iommu_attach_handle __rcu *attach_handle;

	struct kobject kobj;
	int id;
	const char *name;
	void *iommu_data;
	void (*iommu_data_release)(void *iommu_data);
};

/**
 * dev_iommu_dma_domain() - iommu_get_dma_domain(), inline for the DMA layer
 * @dev: a device whose DMA goes through the IOMMU
 *
 * One plain read, see @default_domain above; the DMA layer calls it for
 * every mapping and unmapping.
 *
 * Return: the default domain of @dev's group.
 */
static inline struct iommu_domain *dev_iommu_dma_domain(struct device *dev)
{
	return dev->iommu_group->default_domain;
}

/**
 * struct group_device - a device's membership of a group
 * @list: link in the group's @devices
 * @dev: the device
 * @name: its link's name in the group's devices directory
 */
struct group_device {
	struct list_head list;
	struct device *dev;
	char *name;
};

#define for_each_group_device(group, gdev) \
	list_for_each_entry(gdev, &(group)->devices, list)

/* The IOMMU driver of a device that iommu_probe_device() accepted */
static inline const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return dev->iommu->iommu_dev->ops;
}

/* True once a device is probed, until it is released */
static inline bool dev_has_iommu(struct device *dev)
{
	return dev->iommu && dev->iommu->iommu_dev;
}

const struct iommu_ops *iommu_ops_from_fwnode(const struct fwnode_handle *fwnode);

static inline const struct iommu_ops *iommu_fwspec_ops(struct iommu_fwspec *fwspec)
{
	return iommu_ops_from_fwnode(fwspec ? fwspec->iommu_fwnode : NULL);
}

void dev_iommu_free(struct device *dev);
void iommu_release_device(struct device *dev);

/*
 * iommu.c: an IOMMU instance for a bus whose devices firmware does not
 * describe (iommufd's test driver).  @nb is the caller's, for the core.
 */
int iommu_device_register_bus(struct iommu_device *iommu,
			      const struct iommu_ops *ops,
			      const struct bus_type *bus, struct notifier_block *nb);
void iommu_device_unregister_bus(struct iommu_device *iommu,
				 const struct bus_type *bus, struct notifier_block *nb);

/* iommu.c, for the group code */
extern unsigned int iommu_def_domain_type;
int iommu_attach_dev_locked(struct iommu_domain *domain, struct device *dev);
struct iommu_domain *iommu_domain_alloc_for(struct device *dev,
					    unsigned int type);
int iommu_map_direct_regions(struct iommu_domain *domain, struct device *dev);

/*
 * iommu-group.c: the read side of the fault path.  Reports of page requests
 * look up a device's fault data and its group's attach handle inside it,
 * and call the domain's fault handler there; whoever takes either away
 * waits for such readers before it frees what it took.
 */
extern struct srcu_struct iommu_fault_srcu;

/* iommu-group.c, for probe and release */
void iommu_group_leave(struct device *dev);
int iommu_group_setup_device(struct device *dev);

#endif /* __IOMMU_PRIV_H */
