// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU core: IOMMU instances, device probe, domains and mappings.
 *
 * An IOMMU driver registers each instance with iommu_device_register().
 * Firmware (of_iommu.c for the device tree, the base kernel's IORT code
 * for ACPI) gives a device a fwspec that names its instance, once that
 * instance has registered; iommu_probe_device() then hands the device to
 * the driver, puts it in a group and attaches the group's default domain
 * (iommu-group.c).
 *
 * A paging domain is a set of page tables behind struct iommu_domain_ops.
 * iommu_map() cuts a range into the largest pages the domain supports that
 * the addresses allow; iommu_unmap() does the same, lets the driver gather
 * what the IOTLB must forget, and syncs once at the end: one invalidation
 * per call, however many pages it covered.
 */
#define pr_fmt(fmt)	"iommu: " fmt

#include <kunit/visibility.h>
#include <linux/amba/bus.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device/driver.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/list_sort.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <trace/events/iommu.h>

#include "dma-iommu.h"
#include "iommu-priv.h"

/* ---------------------------------------------------------------------
 * Default domain policy
 * ---------------------------------------------------------------------
 */

#if defined(CONFIG_IOMMU_DEFAULT_PASSTHROUGH)
unsigned int iommu_def_domain_type __read_mostly = IOMMU_DOMAIN_IDENTITY;
#elif defined(CONFIG_IOMMU_DEFAULT_DMA_LAZY)
unsigned int iommu_def_domain_type __read_mostly = IOMMU_DOMAIN_DMA_FQ;
#else
unsigned int iommu_def_domain_type __read_mostly = IOMMU_DOMAIN_DMA;
#endif

static bool iommu_dma_strict __read_mostly =
	!IS_ENABLED(CONFIG_IOMMU_DEFAULT_DMA_LAZY);

/* Which of the two choices the command line made, so code cannot undo it */
static bool iommu_type_from_cmdline __read_mostly;
static bool iommu_strict_from_cmdline __read_mostly;

static int __init iommu_passthrough_param(char *str)
{
	bool pt;

	if (kstrtobool(str, &pt))
		return -EINVAL;
	iommu_def_domain_type = pt ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
	iommu_type_from_cmdline = true;
	return 0;
}
early_param("iommu.passthrough", iommu_passthrough_param);

static int __init iommu_strict_param(char *str)
{
	if (kstrtobool(str, &iommu_dma_strict))
		return -EINVAL;
	iommu_strict_from_cmdline = true;
	return 0;
}
early_param("iommu.strict", iommu_strict_param);

/**
 * iommu_set_default_passthrough() - make identity the default domain type
 * @cmd_line: the caller parsed the command line; otherwise a choice made
 *	there is kept
 */
void iommu_set_default_passthrough(bool cmd_line)
{
	if (cmd_line)
		iommu_type_from_cmdline = true;
	else if (iommu_type_from_cmdline)
		return;
	iommu_def_domain_type = IOMMU_DOMAIN_IDENTITY;
}

/**
 * iommu_set_default_translated() - make DMA the default domain type
 * @cmd_line: as for iommu_set_default_passthrough()
 */
void iommu_set_default_translated(bool cmd_line)
{
	if (cmd_line)
		iommu_type_from_cmdline = true;
	else if (iommu_type_from_cmdline)
		return;
	iommu_def_domain_type = IOMMU_DOMAIN_DMA;
}

static const char *iommu_type_source(bool from_cmdline)
{
	return from_cmdline ? "kernel command line" : "build configuration";
}

/* ---------------------------------------------------------------------
 * IOMMU instances
 * ---------------------------------------------------------------------
 */

static LIST_HEAD(iommu_device_list);
static DEFINE_SPINLOCK(iommu_device_lock);

/*
 * Serialises probe and release of devices with each other and with fwspec
 * set-up in of_iommu_configure() and ACPI's acpi_iommu_configure_id().
 */
DEFINE_MUTEX(iommu_probe_device_lock);

/* Buses whose devices can be behind an IOMMU on arm64 */
static const struct bus_type * const iommu_buses[] = {
#if IS_ENABLED(CONFIG_PCI)
	&pci_bus_type,
#endif
#if IS_ENABLED(CONFIG_ARM_AMBA)
	&amba_bustype,
#endif
	&platform_bus_type,
};

static int iommu_probe_existing(struct device *dev, void *data)
{
	struct iommu_device *iommu = data;
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	if (fwspec ? fwspec->iommu_fwnode == iommu->fwnode : !!iommu->bus)
		iommu_probe_device(dev);
	return 0;
}

static int iommu_device_add(struct iommu_device *iommu,
			    const struct iommu_ops *ops)
{
	if (WARN_ON(is_module_address((unsigned long)ops) && !ops->owner))
		return -EINVAL;
	iommu->ops = ops;
	spin_lock(&iommu_device_lock);
	list_add_tail(&iommu->list, &iommu_device_list);
	spin_unlock(&iommu_device_lock);
	return 0;
}

/**
 * iommu_device_register() - make an IOMMU instance known to the core
 * @iommu: the instance, with @iommu->fwnode set or @hwdev given
 * @ops: its driver
 * @hwdev: the IOMMU's own device, whose firmware node devices point at
 *
 * Devices that firmware described before the instance registered are
 * probed now.
 *
 * Return: 0, or -EINVAL for a modular driver without @ops->owner.
 */
int iommu_device_register(struct iommu_device *iommu,
			  const struct iommu_ops *ops, struct device *hwdev)
{
	int ret;

	iommu->fwnode = hwdev ? dev_fwnode(hwdev) : iommu->fwnode;
	iommu->bus = NULL;
	ret = iommu_device_add(iommu, ops);
	if (ret)
		return ret;
	for (int i = 0; i < ARRAY_SIZE(iommu_buses); i++)
		bus_for_each_dev(iommu_buses[i], NULL, iommu,
				 iommu_probe_existing);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_device_register);

/**
 * iommu_device_unregister() - forget an IOMMU instance
 * @iommu: the instance
 *
 * Its devices must have been released already.
 */
void iommu_device_unregister(struct iommu_device *iommu)
{
	spin_lock(&iommu_device_lock);
	list_del(&iommu->list);
	spin_unlock(&iommu_device_lock);
}
EXPORT_SYMBOL_GPL(iommu_device_unregister);

static int iommu_bus_notifier(struct notifier_block *nb,
			      unsigned long action, void *data);

/**
 * iommu_device_register_bus() - register an IOMMU for a bus of its own
 * @iommu: the instance
 * @ops: its driver
 * @bus: a bus whose devices have no firmware description (no fwspec) and
 *	are all behind @iommu
 * @nb: a notifier block of the caller's, for @bus
 *
 * For IOMMUs that firmware does not describe, such as iommufd's test
 * driver.  Devices already on @bus are probed now, later ones as they
 * are added, and they are released when removed from @bus.
 *
 * Return: 0, -EINVAL for a modular driver without @ops->owner, or the
 * error of registering @nb.
 */
int iommu_device_register_bus(struct iommu_device *iommu,
			      const struct iommu_ops *ops,
			      const struct bus_type *bus, struct notifier_block *nb)
{
	int ret;

	iommu->fwnode = NULL;
	iommu->bus = bus;
	ret = iommu_device_add(iommu, ops);
	if (ret)
		return ret;
	nb->notifier_call = iommu_bus_notifier;
	ret = bus_register_notifier(bus, nb);
	if (ret)
		iommu_device_unregister(iommu);
	else
		bus_for_each_dev(bus, NULL, iommu, iommu_probe_existing);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(iommu_device_register_bus, IOMMUFD_INTERNAL);

/**
 * iommu_device_unregister_bus() - undo iommu_device_register_bus()
 * @iommu: the instance
 * @bus: its bus
 * @nb: the notifier block given at registration
 *
 * The devices of @bus must have been removed already.
 */
void iommu_device_unregister_bus(struct iommu_device *iommu,
				 const struct bus_type *bus, struct notifier_block *nb)
{
	bus_unregister_notifier(bus, nb);
	iommu_device_unregister(iommu);
}
EXPORT_SYMBOL_NS_GPL(iommu_device_unregister_bus, IOMMUFD_INTERNAL);

/*
 * The driver of a device: the one of the instance its fwspec names, or
 * for a device without one, of the instance registered for its bus.
 */
static const struct iommu_ops *iommu_ops_for_dev(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	const struct iommu_ops *ops = NULL;
	struct iommu_device *iommu;

	if (fwspec)
		return iommu_fwspec_ops(fwspec);
	spin_lock(&iommu_device_lock);
	list_for_each_entry(iommu, &iommu_device_list, list) {
		if (iommu->bus && iommu->bus == dev->bus) {
			ops = iommu->ops;
			break;
		}
	}
	spin_unlock(&iommu_device_lock);
	return ops;
}

const struct iommu_ops *iommu_ops_from_fwnode(const struct fwnode_handle *fwnode)
{
	const struct iommu_ops *ops = NULL;
	struct iommu_device *iommu;

	if (!fwnode)
		return NULL;
	spin_lock(&iommu_device_lock);
	list_for_each_entry(iommu, &iommu_device_list, list) {
		if (iommu->fwnode == fwnode) {
			ops = iommu->ops;
			break;
		}
	}
	spin_unlock(&iommu_device_lock);
	return ops;
}

/* ---------------------------------------------------------------------
 * Per-device data and fwspec
 * ---------------------------------------------------------------------
 */

static struct dev_iommu *dev_iommu_get(struct device *dev)
{
	struct dev_iommu *param;

	lockdep_assert_held(&iommu_probe_device_lock);
	if (!dev->iommu) {
		param = kzalloc(sizeof(*param), GFP_KERNEL);
		if (!param)
			return NULL;
		dev->iommu = param;
	}
	return dev->iommu;
}

void dev_iommu_free(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	if (!param)
		return;
	/* Its page-request queue would keep pointing at it. */
	WARN_ON(rcu_access_pointer(param->fault_param));
	dev->iommu = NULL;
	if (param->fwspec) {
		fwnode_handle_put(param->fwspec->iommu_fwnode);
		kfree(param->fwspec);
	}
	kfree(param);
}

/**
 * dev_iommu_priv_set() - attach the IOMMU driver's data to a device
 * @dev: a device being probed or released
 * @priv: the data, or NULL
 */
void dev_iommu_priv_set(struct device *dev, void *priv)
{
	if (WARN_ON(!dev->iommu))
		return;
	dev->iommu->priv = priv;
}
EXPORT_SYMBOL_GPL(dev_iommu_priv_set);

/**
 * iommu_fwspec_init() - say which IOMMU instance a device is behind
 * @dev: the device
 * @iommu_fwnode: the instance's firmware node
 *
 * Called with iommu_probe_device_lock held, by the device tree and ACPI
 * (IORT) code as they configure @dev for its driver.  Calling it again
 * with the same node is harmless.
 *
 * A device whose IOMMU has not registered yet must wait for it: bound now,
 * its driver would do DMA to physical addresses, and the IOMMU's later
 * registration would put the device behind a domain under that driver.
 * So it gets no fwspec, and its driver's probe is deferred; once deferred
 * probing gives up on the IOMMU, the device does DMA without one.
 *
 * Return: 0; -EPROBE_DEFER if @iommu_fwnode has no registered driver, or
 * -ENODEV once deferred probing has given up waiting for one; -EINVAL if
 * @dev is already behind another IOMMU; or -ENOMEM.
 */
int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode)
{
	struct iommu_fwspec *fwspec;

	if (!iommu_ops_from_fwnode(iommu_fwnode)) {
		/*
		 * Given up on (-ETIMEDOUT with modules): the firmware callers
		 * take -ENODEV, and only it, to mean DMA without an IOMMU.
		 */
		if (driver_deferred_probe_check_state(dev) == -EPROBE_DEFER)
			return -EPROBE_DEFER;
		return -ENODEV;
	}
	if (!dev_iommu_get(dev))
		return -ENOMEM;
	fwspec = dev->iommu->fwspec;
	if (fwspec)
		return fwspec->iommu_fwnode == iommu_fwnode ? 0 : -EINVAL;

	fwspec = kzalloc(sizeof(*fwspec), GFP_KERNEL);
	if (!fwspec)
		return -ENOMEM;
	fwspec->iommu_fwnode = fwnode_handle_get(iommu_fwnode);
	dev->iommu->fwspec = fwspec;
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_fwspec_init);

/**
 * iommu_fwspec_add_ids() - add IDs (StreamIDs, say) to a device's fwspec
 * @dev: a device with a fwspec
 * @ids: the IDs
 * @num_ids: how many
 *
 * Return: 0, -EINVAL without a fwspec, or -ENOMEM.
 */
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids)
{
	struct iommu_fwspec *grown, *fwspec = dev_iommu_fwspec_get(dev);
	unsigned int first, total;

	if (!fwspec || num_ids < 0)
		return -EINVAL;
	if (check_add_overflow(fwspec->num_ids, (unsigned int)num_ids, &total))
		return -EINVAL;
	grown = krealloc(fwspec, struct_size(fwspec, ids, total), GFP_KERNEL);
	if (!grown)
		return -ENOMEM;
	fwspec = grown;
	dev->iommu->fwspec = fwspec;
	/* ids[] is counted by num_ids: grow the count before the copy. */
	first = fwspec->num_ids;
	fwspec->num_ids = total;
	memcpy(&fwspec->ids[first], ids, num_ids * sizeof(*ids));
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_fwspec_add_ids);

/* ---------------------------------------------------------------------
 * Device probe and release
 * ---------------------------------------------------------------------
 */

/*
 * How many PASIDs @dev can use behind @iommu: as many as both support.
 * Firmware gives a platform device's PASID width as "pasid-num-bits".
 */
static u32 iommu_dev_max_pasids(struct device *dev, struct iommu_device *iommu)
{
	u32 bits, dev_pasids;
	int n;

	if (!iommu->max_pasids)
		return 0;
	if (dev_is_pci(dev)) {
		n = pci_max_pasids(to_pci_dev(dev));
		dev_pasids = n > 0 ? n : 0;
	} else if (!device_property_read_u32(dev, "pasid-num-bits", &bits) &&
		   bits) {
		dev_pasids = bits < 32 ? 1U << bits : U32_MAX;
	} else {
		dev_pasids = 0;
	}
	return min(dev_pasids, iommu->max_pasids);
}

static int iommu_probe_locked(struct device *dev)
{
	const struct iommu_ops *ops;
	struct iommu_device *iommu;
	struct iommu_group *group;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);
	if (dev->iommu_group)
		return 0;	/* probed before */

	ops = iommu_ops_for_dev(dev);
	if (!ops || !try_module_get(ops->owner))
		return -ENODEV;
	/* A device that its bus's IOMMU takes has no dev_iommu before this. */
	iommu = dev_iommu_get(dev) ? ops->probe_device(dev) : ERR_PTR(-ENOMEM);
	ret = PTR_ERR_OR_ZERO(iommu);
	if (ret)
		goto err_module;
	dev->iommu->iommu_dev = iommu;
	dev->iommu->max_pasids = iommu_dev_max_pasids(dev, iommu);

	group = ops->device_group(dev);
	if (IS_ERR_OR_NULL(group)) {
		ret = group ? PTR_ERR(group) : -ENOMEM;
		goto err_release;
	}
	ret = iommu_group_add_device(group, dev);
	iommu_group_put(group);
	if (ret)
		goto err_release;

	ret = iommu_group_setup_device(dev);
	if (ret) {
		iommu_group_leave(dev);
		goto err_release;
	}
	iommu_device_link(iommu, dev);
	if (ops->probe_finalize)
		ops->probe_finalize(dev);
	return 0;

err_release:
	if (ops->release_device)
		ops->release_device(dev);
	dev->iommu->iommu_dev = NULL;
	dev->iommu->max_pasids = 0;
err_module:
	module_put(ops->owner);
	/* A fwspec stays for the next try; a bare dev_iommu goes. */
	if (dev->iommu && !dev->iommu->fwspec)
		dev_iommu_free(dev);
	return ret;
}

/**
 * iommu_probe_device() - put a device behind its IOMMU
 * @dev: a device whose fwspec names a registered IOMMU instance
 *
 * The driver accepts the device, the device joins its group, and the
 * group's default domain is made (for its first device) and attached.
 * Probing a device twice does nothing.
 *
 * Return: 0, -ENODEV if no registered IOMMU claims @dev, or the error of
 * the step that failed.
 */
int iommu_probe_device(struct device *dev)
{
	int ret;

	mutex_lock(&iommu_probe_device_lock);
	ret = iommu_probe_locked(dev);
	mutex_unlock(&iommu_probe_device_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_probe_device);

/**
 * iommu_release_device() - take a device from behind its IOMMU
 * @dev: a device that is going away
 *
 * The device leaves its group, on the driver's release domain, and the
 * driver forgets it.
 */
void iommu_release_device(struct device *dev)
{
	const struct iommu_ops *ops;

	mutex_lock(&iommu_probe_device_lock);
	if (dev_has_iommu(dev) && dev->iommu_group) {
		ops = dev_iommu_ops(dev);
		iommu_device_unlink(dev->iommu->iommu_dev, dev);
		iommu_group_leave(dev);
		if (ops->release_device)
			ops->release_device(dev);
		module_put(ops->owner);
	}
	dev_iommu_free(dev);
	mutex_unlock(&iommu_probe_device_lock);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_release_device);

static int iommu_bus_notifier(struct notifier_block *nb,
			      unsigned long action, void *data)
{
	struct device *dev = data;

	if (action == BUS_NOTIFY_ADD_DEVICE) {
		int ret = iommu_probe_device(dev);

		if (ret && ret != -ENODEV)
			dev_warn(dev, "IOMMU probe failed: %d\n", ret);
	} else if (action == BUS_NOTIFY_REMOVED_DEVICE) {
		iommu_release_device(dev);
	}
	return NOTIFY_DONE;
}

static struct notifier_block iommu_bus_nb[ARRAY_SIZE(iommu_buses)];

/* /sys/kernel/debug/iommu, for the subsystem's debugging files */
struct dentry *iommu_debugfs_dir;
EXPORT_SYMBOL_GPL(iommu_debugfs_dir);

static int __init iommu_subsys_init(void)
{
	if (iommu_def_domain_type == IOMMU_DOMAIN_IDENTITY) {
		pr_info("default domains: identity (passthrough), set by the %s\n",
			iommu_type_source(iommu_type_from_cmdline));
	} else {
		iommu_def_domain_type = iommu_dma_strict ? IOMMU_DOMAIN_DMA :
							   IOMMU_DOMAIN_DMA_FQ;
		pr_info("default domains: DMA with %s invalidation, set by the %s\n",
			iommu_dma_strict ? "strict" : "lazy (flush queue)",
			iommu_type_source(iommu_strict_from_cmdline));
	}

	iommu_debugfs_dir = debugfs_create_dir("iommu", NULL);
	for (int i = 0; i < ARRAY_SIZE(iommu_buses); i++) {
		iommu_bus_nb[i].notifier_call = iommu_bus_notifier;
		bus_register_notifier(iommu_buses[i], &iommu_bus_nb[i]);
	}
	return 0;
}
subsys_initcall(iommu_subsys_init);

/* ---------------------------------------------------------------------
 * Capabilities and features
 * ---------------------------------------------------------------------
 */

/**
 * device_iommu_capable() - ask a device's IOMMU about a capability
 * @dev: the device
 * @cap: the capability
 *
 * Return: true if @dev is behind an IOMMU that has @cap.
 */
bool device_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	const struct iommu_ops *ops = dev_has_iommu(dev) ? dev_iommu_ops(dev) :
							   NULL;

	return ops && ops->capable && ops->capable(dev, cap);
}
EXPORT_SYMBOL_GPL(device_iommu_capable);

/**
 * iommu_dev_enable_feature() - turn on a per-device IOMMU feature
 * @dev: the device
 * @f: the feature
 *
 * Return: 0, -ENODEV if the IOMMU driver does not offer features, or the
 * driver's error.
 */
int iommu_dev_enable_feature(struct device *dev, enum iommu_dev_features f)
{
	if (dev_has_iommu(dev) && dev_iommu_ops(dev)->dev_enable_feat)
		return dev_iommu_ops(dev)->dev_enable_feat(dev, f);
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_dev_enable_feature);

/**
 * iommu_dev_disable_feature() - turn a per-device IOMMU feature off
 * @dev: the device
 * @f: the feature
 *
 * Return: 0, -ENODEV if the IOMMU driver does not offer features, or the
 * driver's error (-EBUSY while the feature is in use).
 */
int iommu_dev_disable_feature(struct device *dev, enum iommu_dev_features f)
{
	if (dev_has_iommu(dev) && dev_iommu_ops(dev)->dev_disable_feat)
		return dev_iommu_ops(dev)->dev_disable_feat(dev, f);
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_dev_disable_feature);

/* ---------------------------------------------------------------------
 * Domains
 * ---------------------------------------------------------------------
 */

/*
 * Take a paging domain from a driver's allocator (@domain, which may be an
 * error or NULL) and fill in what the driver left to the core.  Returns the
 * domain, ready for attach, or an error with nothing left allocated.
 */
static struct iommu_domain *iommu_domain_init(struct iommu_domain *domain,
					      const struct iommu_ops *ops,
					      unsigned int type)
{
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);
	domain->ops = domain->ops ?: ops->default_domain_ops;
	domain->pgsize_bitmap = domain->pgsize_bitmap ?: ops->pgsize_bitmap;
	domain->owner = ops;
	domain->type = type;
	/* Without ops the driver's domain cannot even be freed. */
	if (WARN_ON(!domain->ops))
		return ERR_PTR(-EINVAL);
	if (WARN_ON(!domain->pgsize_bitmap)) {
		iommu_domain_free(domain);
		return ERR_PTR(-EINVAL);
	}
	return domain;
}

/*
 * A domain of @type for @dev's IOMMU: the driver's static identity domain,
 * or a new paging domain (with a DMA cookie if it is for the DMA API).
 */
struct iommu_domain *iommu_domain_alloc_for(struct device *dev,
					    unsigned int type)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *domain;
	int ret;

	if (ops->default_domain)
		return type == ops->default_domain->type ? ops->default_domain :
							   ERR_PTR(-EINVAL);
	if (type == IOMMU_DOMAIN_IDENTITY)
		return ops->identity_domain ?: ERR_PTR(-EOPNOTSUPP);
	if (type == IOMMU_DOMAIN_BLOCKED && ops->blocked_domain)
		return ops->blocked_domain;
	if (!ops->domain_alloc_paging)
		return ERR_PTR(-EOPNOTSUPP);

	/* A blocking domain made from a paging one: nothing is ever mapped. */
	domain = iommu_domain_init(ops->domain_alloc_paging(dev), ops,
				   type == IOMMU_DOMAIN_BLOCKED ?
				   IOMMU_DOMAIN_UNMANAGED : type);
	if (IS_ERR(domain) || !iommu_is_dma_domain(domain))
		return domain;
	ret = iommu_get_dma_cookie(domain);
	if (ret) {
		iommu_domain_free(domain);
		return ERR_PTR(ret);
	}
	return domain;
}

/**
 * iommu_paging_domain_alloc() - allocate a domain for kernel-managed mappings
 * @dev: a device the domain will be attached to (any device behind the
 *	same IOMMU instance can be)
 *
 * The caller maps and unmaps in the domain with iommu_map() and
 * iommu_unmap(), and frees it with iommu_domain_free().
 *
 * Return: the domain, or ERR_PTR(-ENODEV) if @dev is not behind an IOMMU,
 * -EOPNOTSUPP if its IOMMU has no paging domains, or -ENOMEM.
 */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	if (!dev_has_iommu(dev))
		return ERR_PTR(-ENODEV);
	return iommu_domain_alloc_for(dev, IOMMU_DOMAIN_UNMANAGED);
}
EXPORT_SYMBOL_GPL(iommu_paging_domain_alloc);

/**
 * iommu_user_domain_alloc() - allocate a domain owned by user space
 * @dev: a device the domain will be attached to
 * @flags: IOMMU_HWPT_ALLOC_* flags (include/uapi/linux/iommufd.h)
 *
 * For VFIO, iommufd and vDPA.  A driver with a domain_alloc_user op
 * decides what @flags it supports; with no such op, a plain paging
 * domain is allocated, which supports no flags.  Every call records the
 * user_domain_alloc trace event with its result.
 *
 * Return: the domain, or ERR_PTR(-ENODEV) if @dev is not behind an IOMMU,
 * -EOPNOTSUPP for flags the driver cannot honour, or -ENOMEM.
 */
struct iommu_domain *iommu_user_domain_alloc(struct device *dev, u32 flags)
{
	struct iommu_domain *domain = ERR_PTR(-ENODEV);
	const struct iommu_ops *ops;

	if (!dev_has_iommu(dev))
		goto out;
	ops = dev_iommu_ops(dev);
	if (ops->domain_alloc_user) {
		domain = ops->domain_alloc_user(dev, flags, NULL, NULL);
		domain = iommu_domain_init(domain, ops, IOMMU_DOMAIN_UNMANAGED);
	} else if (flags) {
		domain = ERR_PTR(-EOPNOTSUPP);
	} else {
		domain = iommu_domain_alloc_for(dev, IOMMU_DOMAIN_UNMANAGED);
	}
out:
	trace_user_domain_alloc(dev, flags, PTR_ERR_OR_ZERO(domain));
	return domain;
}
EXPORT_SYMBOL_GPL(iommu_user_domain_alloc);

/**
 * iommu_domain_free() - free a domain
 * @domain: a domain no device is attached to
 *
 * A driver's static domains (identity, blocked) have no free op, so
 * "freeing" one only drops its DMA cookie, which they never have.
 */
void iommu_domain_free(struct iommu_domain *domain)
{
	if (!domain)
		return;
	iommu_put_dma_cookie(domain);
	if (domain->ops->free)
		domain->ops->free(domain);
}
EXPORT_SYMBOL_GPL(iommu_domain_free);

/**
 * iommu_enable_nesting() - make a domain usable as a nesting parent
 * @domain: an unmanaged domain not yet attached
 *
 * Return: 0, -EINVAL for another kind of domain, or -EOPNOTSUPP.
 */
int iommu_enable_nesting(struct iommu_domain *domain)
{
	const struct iommu_domain_ops *ops = domain->ops;

	if (domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	return ops->enable_nesting ? ops->enable_nesting(domain) : -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(iommu_enable_nesting);

/**
 * iommu_set_pgtable_quirks() - pass io-pgtable quirks to a domain
 * @domain: an unmanaged domain not yet attached
 * @quirks: IO_PGTABLE_QUIRK_*
 *
 * Return: 0, -EINVAL for another kind of domain, or -EOPNOTSUPP.
 */
int iommu_set_pgtable_quirks(struct iommu_domain *domain,
			     unsigned long quirks)
{
	const struct iommu_domain_ops *ops = domain->ops;

	if (domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	if (ops->set_pgtable_quirks)
		return ops->set_pgtable_quirks(domain, quirks);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(iommu_set_pgtable_quirks);

/**
 * iommu_set_fault_handler() - hear about faults in a domain
 * @domain: the domain
 * @handler: called from the IOMMU driver's fault path, maybe in IRQ context
 * @token: passed to @handler
 */
void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *token)
{
	if (WARN_ON(!domain))
		return;
	domain->handler = handler;
	domain->handler_token = token;
}
EXPORT_SYMBOL_GPL(iommu_set_fault_handler);

/**
 * report_iommu_fault() - tell a domain's owner about a fault
 * @domain: the domain the faulting device is attached to
 * @dev: the device
 * @iova: the faulting address
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 *
 * For IOMMU drivers.  Records the io_page_fault tracepoint either way.
 *
 * Return: 0 if the owner's handler took the fault; its error, or
 * -EOPNOTSUPP without a handler, if the driver should report it itself.
 */
int report_iommu_fault(struct iommu_domain *domain, struct device *dev,
		       unsigned long iova, int flags)
{
	trace_io_page_fault(dev, iova, flags);
	if (!domain->handler)
		return -EOPNOTSUPP;
	return domain->handler(domain, dev, iova, flags, domain->handler_token);
}
EXPORT_SYMBOL_GPL(report_iommu_fault);

/*
 * Attach one device; the caller holds its group's mutex and keeps the
 * group's bookkeeping.  A device whose attach is deferred (kdump) stays
 * where it is until the DMA API is first used on its default domain.
 */
int iommu_attach_dev_locked(struct iommu_domain *domain, struct device *dev)
{
	int ret;

	iommu_group_mutex_assert(dev);
	if (domain->owner && domain->owner != dev_iommu_ops(dev))
		return -EINVAL;
	if (dev->iommu->attach_deferred) {
		if (domain == dev->iommu_group->default_domain)
			return 0;
		dev->iommu->attach_deferred = 0;
	}
	if (dev->iommu->require_direct &&
	    (domain->type == IOMMU_DOMAIN_BLOCKED ||
	     domain == dev->iommu_group->blocking_domain)) {
		dev_warn(dev, "firmware needs DMA to go on; not blocking it\n");
		return -EINVAL;
	}
	ret = domain->ops->attach_dev(domain, dev);
	if (!ret)
		trace_attach_device_to_domain(dev);
	return ret;
}

/**
 * iommu_deferred_attach() - attach a device's default domain at last
 * @dev: a device whose IOMMU driver deferred the attach
 * @domain: its default domain
 *
 * Called by the DMA layer on first use.
 *
 * Return: 0 or the driver's attach error.
 */
int iommu_deferred_attach(struct device *dev, struct iommu_domain *domain)
{
	int ret = 0;

	if (!dev->iommu || !dev->iommu->attach_deferred)
		return 0;
	mutex_lock(&dev->iommu_group->mutex);
	if (dev->iommu->attach_deferred) {
		dev->iommu->attach_deferred = 0;
		ret = iommu_attach_dev_locked(domain, dev);
	}
	mutex_unlock(&dev->iommu_group->mutex);
	return ret;
}

/* ---------------------------------------------------------------------
 * Mappings
 *
 * iommu_map() and iommu_unmap_fast() run once per DMA mapping big enough
 * for a page size above the granule; smaller ones, whose page size is
 * known, the DMA layer hands to the driver itself.  Both split a range
 * into the largest pages its alignment allows and hand each run of equal
 * pages to the driver in one call.
 * ---------------------------------------------------------------------
 */

/*
 * The largest page size that @iova and @paddr are both aligned to and that
 * fits in @size, and in *@count how many such pages to map at once: all
 * that fit, unless the addresses reach a boundary of a larger page size
 * on the way, where the next call can switch to it.
 */
static inline size_t iommu_pick_pgsize(struct iommu_domain *domain,
				       unsigned long iova, phys_addr_t paddr,
				       size_t size, size_t *count)
{
	unsigned long sizes = domain->pgsize_bitmap;
	unsigned long fits, larger, align = iova | paddr;
	unsigned int shift;
	size_t pgsize, span;

	fits = sizes & GENMASK(__fls(size), 0);
	if (align)
		fits &= GENMASK(__ffs(align), 0);
	if (WARN_ON(!fits))
		return 0;
	shift = __fls(fits);
	pgsize = BIT(shift);
	span = size;

	larger = sizes & ~GENMASK(shift, 0);
	if (larger) {
		unsigned long next = BIT(__ffs(larger));

		/* Both addresses land on a @next boundary at the same time? */
		if (!((iova ^ paddr) & (next - 1))) {
			size_t to_boundary = next - (iova & (next - 1));

			span = min(span, to_boundary);
		}
	}
	*count = span >> shift;
	return pgsize;
}

/* Whether a range can be mapped in @domain: aligned, not wrapping. */
static inline int iommu_check_range(struct iommu_domain *domain,
				    unsigned long iova, phys_addr_t paddr,
				    size_t size)
{
	unsigned long granule;
	unsigned long last;

	if (!(domain->type & __IOMMU_DOMAIN_PAGING) || !domain->pgsize_bitmap)
		return -EINVAL;
	granule = iommu_domain_granule(domain);
	if (!size || !IS_ALIGNED(iova | paddr | size, granule)) {
		pr_err_ratelimited("range iova 0x%lx pa %pa size 0x%zx not aligned to the granule 0x%lx\n",
				   iova, &paddr, size, granule);
		return -EINVAL;
	}
	if (check_add_overflow(iova, size - 1, &last))
		return -EINVAL;
	return 0;
}

/*
 * Page-table memory is reached through the linear map, one page at a time:
 * callers may not ask for compound, highmem or zone-restricted pages.
 */
#define IOMMU_MAP_GFP_REFUSED \
	(__GFP_COMP | __GFP_HIGHMEM | __GFP_DMA | __GFP_DMA32)

static inline int iommu_map_nosync(struct iommu_domain *domain,
				   unsigned long iova, phys_addr_t paddr,
				   size_t size, int prot, gfp_t gfp)
{
	const struct iommu_domain_ops *ops = domain->ops;
	unsigned long start = iova;
	size_t done = 0;
	int ret;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (WARN_ON_ONCE(gfp & IOMMU_MAP_GFP_REFUSED))
		return -EINVAL;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	ret = iommu_check_range(domain, iova, paddr, size);
	if (ret)
		return ret;
	if (WARN_ON(!ops->map_pages))
		return -ENODEV;

	while (done < size) {
		size_t pgsize, count, mapped = 0;

		pgsize = iommu_pick_pgsize(domain, iova, paddr, size - done,
					   &count);
		if (!pgsize) {
			ret = -EINVAL;
			break;
		}
		ret = ops->map_pages(domain, iova, paddr, pgsize, count, prot,
				     gfp, &mapped);
		done += mapped;
		iova += mapped;
		paddr += mapped;
		if (ret)
			break;
		if (WARN_ON(!mapped)) {
			ret = -EIO;
			break;
		}
	}
	if (ret) {
		if (done)
			iommu_unmap(domain, start, done);
		return ret;
	}
	trace_map(start, paddr - size, size);
	return 0;
}

/**
 * iommu_map() - map a physically contiguous range into a domain
 * @domain: a paging domain
 * @iova: where the range goes
 * @paddr: its physical address
 * @size: its size
 * @prot: IOMMU_READ and/or IOMMU_WRITE, and other IOMMU_* bits
 * @gfp: how page-table memory may be allocated
 *
 * @iova, @paddr and @size must be aligned to the domain's smallest page
 * size.  The range is mapped with the largest pages the alignment allows.
 *
 * Return: 0, with the range visible to devices; -EINVAL for a misaligned
 * or wrapping range, a map without permissions or a domain that cannot
 * map; or the driver's error, with nothing of the range left mapped.
 */
int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	int ret;

	ret = iommu_map_nosync(domain, iova, paddr, size, prot, gfp);
	if (!ret && domain->ops->iotlb_sync_map) {
		ret = domain->ops->iotlb_sync_map(domain, iova, size);
		if (ret)
			iommu_unmap(domain, iova, size);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_map);

/**
 * iommu_unmap() - unmap a range from a domain, and invalidate it
 * @domain: a paging domain
 * @iova: start of the range
 * @size: its size, aligned to the domain's smallest page size
 *
 * The IOTLB is invalidated once, for the whole range, before returning.
 * Unmapping stops at the first IOVA that is not mapped.
 *
 * Return: the bytes unmapped; 0 for a misaligned or wrapping range.
 */
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size)
{
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	size = iommu_unmap_fast(domain, iova, size, &gather);
	/* One sync for the whole range, however many leaves it had. */
	iommu_iotlb_sync(domain, &gather);
	return size;
}
EXPORT_SYMBOL_GPL(iommu_unmap);

/**
 * iommu_unmap_fast() - unmap a range, leaving the invalidation to the caller
 * @domain: a paging domain
 * @iova: start of the range
 * @size: its size
 * @iotlb_gather: collects what must be invalidated; the caller passes it
 *	to iommu_iotlb_sync() before reusing the range
 *
 * Return: the bytes unmapped.
 */
size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather)
{
	const struct iommu_domain_ops *ops = domain->ops;
	unsigned long start = iova;
	size_t done = 0;

	if (iommu_check_range(domain, iova, 0, size))
		return 0;
	if (WARN_ON(!ops->unmap_pages))
		return 0;

	while (done < size) {
		size_t pgsize, count, unmapped;

		pgsize = iommu_pick_pgsize(domain, iova, iova, size - done,
					   &count);
		if (!pgsize)
			break;
		unmapped = ops->unmap_pages(domain, iova, pgsize, count,
					    iotlb_gather);
		if (!unmapped)
			break;	/* a hole: the caller asked for too much */
		done += unmapped;
		iova += unmapped;
	}
	trace_unmap(start, size, done);
	return done;
}
EXPORT_SYMBOL_GPL(iommu_unmap_fast);

/* Map one physically contiguous run of a scatterlist after what is mapped. */
static int iommu_map_sg_run(struct iommu_domain *domain, unsigned long iova,
			    size_t *mapped, phys_addr_t start, size_t len,
			    int prot, gfp_t gfp)
{
	int ret;

	if (!len)
		return 0;
	ret = iommu_map_nosync(domain, iova + *mapped, start, len, prot, gfp);
	if (!ret)
		*mapped += len;
	return ret;
}

/**
 * iommu_map_sg() - map the pages of a scatterlist back to back
 * @domain: a paging domain
 * @iova: where the first segment goes
 * @sg: the list
 * @nents: its entries
 * @prot: IOMMU_* access
 * @gfp: how page-table memory may be allocated
 *
 * Physically adjacent segments are mapped as one range.  Each range must
 * start and end on the domain's smallest page, as for iommu_map().
 *
 * Return: the bytes mapped, or a negative errno with nothing left mapped.
 */
ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     struct scatterlist *sg, unsigned int nents, int prot,
		     gfp_t gfp)
{
	phys_addr_t run_start = 0;
	size_t run_len = 0, total = 0;
	struct scatterlist *s;
	unsigned int i;
	int ret;

	for_each_sg(sg, s, nents, i) {
		phys_addr_t pa = sg_phys(s);

		if (run_len && run_start + run_len == pa) {
			run_len += s->length;
			continue;
		}
		ret = iommu_map_sg_run(domain, iova, &total, run_start, run_len,
				       prot, gfp);
		if (ret)
			goto err_unmap;
		run_start = pa;
		run_len = s->length;
	}
	ret = iommu_map_sg_run(domain, iova, &total, run_start, run_len, prot,
			       gfp);
	if (!ret && domain->ops->iotlb_sync_map)
		ret = domain->ops->iotlb_sync_map(domain, iova, total);
	if (!ret)
		return total;

err_unmap:
	if (total)
		iommu_unmap(domain, iova, total);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_map_sg);

/**
 * iommu_iova_to_phys() - look up what an IOVA translates to
 * @domain: the domain
 * @iova: the address
 *
 * Return: the physical address, or 0 if @iova is not mapped.
 */
phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (domain->type == IOMMU_DOMAIN_BLOCKED || !domain->ops->iova_to_phys)
		return 0;
	return domain->ops->iova_to_phys(domain, iova);
}
EXPORT_SYMBOL_GPL(iommu_iova_to_phys);

/* ---------------------------------------------------------------------
 * Reserved regions
 * ---------------------------------------------------------------------
 */

/**
 * iommu_alloc_resv_region() - allocate a reserved region
 * @start: its first address
 * @length: its size
 * @prot: IOMMU_* access, for the DIRECT kinds
 * @type: its kind
 * @gfp: allocation flags
 *
 * Return: the region, to be put on a list, or NULL.
 */
struct iommu_resv_region *
iommu_alloc_resv_region(phys_addr_t start, size_t length, int prot,
			enum iommu_resv_type type, gfp_t gfp)
{
	struct iommu_resv_region *region = kmalloc(sizeof(*region), gfp);

	if (region)
		*region = (struct iommu_resv_region) {
			.type = type, .start = start, .length = length,
			.prot = prot, .list = LIST_HEAD_INIT(region->list),
		};
	return region;
}
EXPORT_SYMBOL_GPL(iommu_alloc_resv_region);

/**
 * iommu_get_resv_regions() - list a device's reserved regions
 * @dev: the device
 * @list: where the regions are added; free them with
 *	iommu_put_resv_regions()
 */
void iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	if (dev_has_iommu(dev) && dev_iommu_ops(dev)->get_resv_regions)
		dev_iommu_ops(dev)->get_resv_regions(dev, list);
}
EXPORT_SYMBOL_GPL(iommu_get_resv_regions);

/**
 * iommu_put_resv_regions() - free a list of reserved regions
 * @dev: the device they were listed for
 * @list: the list
 */
void iommu_put_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *region, *next;

	list_for_each_entry_safe(region, next, list, list) {
		list_del(&region->list);
		if (region->free)
			region->free(dev, region);
		else
			kfree(region);
	}
}
EXPORT_SYMBOL_GPL(iommu_put_resv_regions);

/*
 * Identity-map the regions firmware keeps using into a paging domain, and
 * remember that @dev needs them so it is never left blocked.  Returns 0 or
 * the error of the first page that could not be mapped; pages mapped
 * before it stay, as they would for the next try.
 */
int iommu_map_direct_regions(struct iommu_domain *domain, struct device *dev)
{
	bool paging = (domain->type & __IOMMU_DOMAIN_PAGING) &&
		      domain->pgsize_bitmap;
	size_t pg = paging ? iommu_domain_granule(domain) : 0;
	struct iommu_resv_region *region;
	LIST_HEAD(regions);
	int ret = 0;

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		phys_addr_t addr, end;

		if (region->type == IOMMU_RESV_DIRECT)
			dev->iommu->require_direct = 1;
		if (!paging || (region->type != IOMMU_RESV_DIRECT &&
				region->type != IOMMU_RESV_DIRECT_RELAXABLE))
			continue;

		/* Page by page: another device of the group may share some. */
		end = ALIGN(region->start + region->length, pg);
		for (addr = ALIGN_DOWN(region->start, pg); addr < end && !ret;
		     addr += pg) {
			if (iommu_iova_to_phys(domain, addr))
				continue;
			ret = iommu_map(domain, addr, addr, pg, region->prot,
					GFP_KERNEL);
			if (ret)
				dev_warn(dev, "cannot identity-map firmware region at %pa: %d\n",
					 &addr, ret);
		}
		if (ret)
			break;
	}
	iommu_put_resv_regions(dev, &regions);
	return ret;
}
