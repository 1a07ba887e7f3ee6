// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups: the unit of isolation, of attachment and of ownership.
 *
 * Every device behind an IOMMU is in one group, and every device of a
 * group is attached to the group's current domain (@domain).  The group's
 * default domain, made when its first device is probed, is what kernel
 * drivers DMA through; each bound driver counts as one user of it
 * (@owner_cnt).  Alternatively one owner (VFIO) claims the group: the
 * group then sits on a blocking domain until the owner attaches its own,
 * and goes back to the default domain when the owner lets go.  The two
 * kinds of use exclude each other.
 *
 * /sys/kernel/iommu_groups/<id>/ shows each group: its devices, the type
 * of its default domain (writable while nobody uses the group) and its
 * reserved regions.  Documentation/ABI/testing/sysfs-kernel-iommu_groups
 * describes the files.
 */
#define pr_fmt(fmt)	"iommu: " fmt

#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/list_sort.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <trace/events/iommu.h>

#include "dma-iommu.h"
#include "iommu-priv.h"

static struct kset *iommu_group_kset;
static DEFINE_IDA(iommu_group_ida);

/* The fault path's read side, see iommu-priv.h */
DEFINE_SRCU(iommu_fault_srcu);

/* ---------------------------------------------------------------------
 * sysfs
 * ---------------------------------------------------------------------
 */

struct iommu_group_attribute {
	struct attribute attr;
	ssize_t (*show)(struct iommu_group *group, char *buf);
	ssize_t (*store)(struct iommu_group *group, const char *buf,
			 size_t count);
};

#define to_iommu_group(k)	container_of(k, struct iommu_group, kobj)
#define to_group_attr(a)	container_of(a, struct iommu_group_attribute, attr)

static ssize_t iommu_group_attr_show(struct kobject *kobj,
				     struct attribute *attr, char *buf)
{
	struct iommu_group_attribute *ga = to_group_attr(attr);

	return ga->show ? ga->show(to_iommu_group(kobj), buf) : -EIO;
}

static ssize_t iommu_group_attr_store(struct kobject *kobj,
				      struct attribute *attr,
				      const char *buf, size_t count)
{
	struct iommu_group_attribute *ga = to_group_attr(attr);

	return ga->store ? ga->store(to_iommu_group(kobj), buf, count) : -EIO;
}

static const struct sysfs_ops iommu_group_sysfs_ops = {
	.show	= iommu_group_attr_show,
	.store	= iommu_group_attr_store,
};

/* The names of domain types in sysfs, both ways */
static const struct {
	unsigned int type;
	const char *name;
} iommu_type_names[] = {
	{ IOMMU_DOMAIN_BLOCKED,		"blocked" },
	{ IOMMU_DOMAIN_IDENTITY,	"identity" },
	{ IOMMU_DOMAIN_UNMANAGED,	"unmanaged" },
	{ IOMMU_DOMAIN_DMA,		"DMA" },
	{ IOMMU_DOMAIN_DMA_FQ,		"DMA-FQ" },
};

/* The type named @buf, or -1U */
static unsigned int iommu_type_from_name(const char *buf)
{
	for (int i = 0; i < ARRAY_SIZE(iommu_type_names); i++)
		if (sysfs_streq(buf, iommu_type_names[i].name))
			return iommu_type_names[i].type;
	return -1U;
}

/* The types a group's default domain can have */
static bool iommu_type_is_default(unsigned int type)
{
	return type == IOMMU_DOMAIN_IDENTITY || type == IOMMU_DOMAIN_DMA ||
	       type == IOMMU_DOMAIN_DMA_FQ;
}

static const char *iommu_type_name(unsigned int type)
{
	for (int i = 0; i < ARRAY_SIZE(iommu_type_names); i++)
		if (iommu_type_names[i].type == type)
			return iommu_type_names[i].name;
	return "unknown";
}

static ssize_t iommu_group_type_show(struct iommu_group *group, char *buf)
{
	const char *name = "unknown";

	mutex_lock(&group->mutex);
	if (group->default_domain)
		name = iommu_type_name(group->default_domain->type);
	mutex_unlock(&group->mutex);
	return sysfs_emit(buf, "%s\n", name);
}

static int iommu_group_change_default(struct iommu_group *group,
				      unsigned int req);

static ssize_t iommu_group_type_store(struct iommu_group *group,
				      const char *buf, size_t count)
{
	unsigned int req;
	int ret;

	if (!capable(CAP_SYS_ADMIN) || !capable(CAP_SYS_RAWIO))
		return -EACCES;
	/* sysfs_streq() stops at a NUL: "identity\0junk" is not a type. */
	if (strnlen(buf, count) != count)
		return -EINVAL;

	/* "auto" (0) is the policy's type; the rest must be default types. */
	if (sysfs_streq(buf, "auto")) {
		req = 0;
	} else {
		req = iommu_type_from_name(buf);
		if (!iommu_type_is_default(req))
			return -EINVAL;
	}

	mutex_lock(&group->mutex);
	ret = iommu_group_change_default(group, req);
	mutex_unlock(&group->mutex);
	return ret ?: count;
}

/* As Documentation/ABI/testing/sysfs-kernel-iommu_groups names them */
static const char *iommu_resv_name(enum iommu_resv_type type)
{
	if (type == IOMMU_RESV_MSI || type == IOMMU_RESV_SW_MSI)
		return "msi";
	if (type == IOMMU_RESV_RESERVED)
		return "reserved";
	return type == IOMMU_RESV_DIRECT ? "direct" : "direct-relaxable";
}

static ssize_t iommu_group_resv_show(struct iommu_group *group, char *buf)
{
	struct iommu_resv_region *region, *next;
	LIST_HEAD(regions);
	int len = 0;

	iommu_get_group_resv_regions(group, &regions);
	list_for_each_entry_safe(region, next, &regions, list) {
		len += sysfs_emit_at(buf, len, "0x%016llx 0x%016llx %s\n",
				     (u64)region->start,
				     (u64)(region->start + region->length - 1),
				     iommu_resv_name(region->type));
		kfree(region);
	}
	return len;
}

static ssize_t iommu_group_name_show(struct iommu_group *group, char *buf)
{
	return sysfs_emit(buf, "%s\n", group->name);
}

static struct iommu_group_attribute iommu_group_attr_type =
	__ATTR(type, 0644, iommu_group_type_show, iommu_group_type_store);
static struct iommu_group_attribute iommu_group_attr_resv =
	__ATTR(reserved_regions, 0444, iommu_group_resv_show, NULL);
static struct iommu_group_attribute iommu_group_attr_name =
	__ATTR(name, 0444, iommu_group_name_show, NULL);

static struct attribute *iommu_group_attrs[] = {
	&iommu_group_attr_type.attr,
	&iommu_group_attr_resv.attr,
	NULL
};

static const struct attribute_group iommu_group_files = {
	.attrs = iommu_group_attrs,
};

/* An empty, named group: the "devices" directory that member links go in */
static struct attribute *iommu_group_no_attrs[] = { NULL };

static const struct attribute_group iommu_group_devices_dir = {
	.name = "devices",
	.attrs = iommu_group_no_attrs,
};

static const struct attribute_group *iommu_group_groups[] = {
	&iommu_group_files,
	&iommu_group_devices_dir,
	NULL
};

static void iommu_group_release(struct kobject *kobj)
{
	struct iommu_group *group = to_iommu_group(kobj);

	pr_debug("group %d released\n", group->id);
	WARN_ON(!list_empty(&group->devices));
	iommu_domain_free(group->blocking_domain);
	iommu_domain_free(group->default_domain);
	if (group->iommu_data_release)
		group->iommu_data_release(group->iommu_data);
	kfree(group->name);
	ida_free(&iommu_group_ida, group->id);
	mutex_destroy(&group->mutex);
	kfree(group);
}

static const struct kobj_type iommu_group_ktype = {
	.release	= iommu_group_release,
	.default_groups	= iommu_group_groups,
	.sysfs_ops	= &iommu_group_sysfs_ops,
};

static int __init iommu_groups_init(void)
{
	iommu_group_kset = kset_create_and_add("iommu_groups", NULL,
					       kernel_kobj);
	return iommu_group_kset ? 0 : -ENOMEM;
}
postcore_initcall(iommu_groups_init);

/* ---------------------------------------------------------------------
 * Groups and their members
 * ---------------------------------------------------------------------
 */

/**
 * iommu_group_alloc() - make a new, empty group
 *
 * For IOMMU drivers' device_group op, and for VFIO's groups of devices
 * without an IOMMU.  The group appears in /sys/kernel/iommu_groups.
 *
 * Return: the group, with one reference for the caller, or an ERR_PTR.
 */
struct iommu_group *iommu_group_alloc(void)
{
	int ret, id = ida_alloc(&iommu_group_ida, GFP_KERNEL);
	struct iommu_group *group;

	if (id < 0)
		return ERR_PTR(id);
	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group) {
		ida_free(&iommu_group_ida, id);
		return ERR_PTR(-ENOMEM);
	}
	group->id = id;
	INIT_LIST_HEAD(&group->devices);
	mutex_init(&group->mutex);

	group->kobj.kset = iommu_group_kset;
	ret = kobject_init_and_add(&group->kobj, &iommu_group_ktype, NULL,
				   "%d", group->id);
	if (ret) {
		/* The release frees the ID and the group. */
		kobject_put(&group->kobj);
		return ERR_PTR(ret);
	}
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_alloc);

/**
 * iommu_group_set_iommudata() - store data with a group
 * @group: the group
 * @iommu_data: the data
 * @release: called with @iommu_data when the group is freed, or NULL
 */
void iommu_group_set_iommudata(struct iommu_group *group,
			       void *iommu_data,
			       void (*release)(void *iommu_data))
{
	group->iommu_data_release = release;
	group->iommu_data = iommu_data;
}
EXPORT_SYMBOL_GPL(iommu_group_set_iommudata);

/**
 * iommu_group_get_iommudata() - the data iommu_group_set_iommudata() stored
 * @group: the group
 *
 * Return: the data, or NULL.
 */
void *iommu_group_get_iommudata(struct iommu_group *group)
{
	return group ? group->iommu_data : NULL;
}
EXPORT_SYMBOL_GPL(iommu_group_get_iommudata);

/**
 * iommu_group_set_name() - name a group in sysfs
 * @group: the group
 * @name: the name, or NULL to remove it
 *
 * Return: 0, -ENOMEM, or the error of creating the sysfs file.
 */
int iommu_group_set_name(struct iommu_group *group, const char *name)
{
	const char *copy = NULL;
	int ret = 0;

	if (name) {
		copy = kstrdup(name, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	/* The file exists exactly while the group has a name. */
	if (group->name)
		sysfs_remove_file(&group->kobj, &iommu_group_attr_name.attr);
	kfree(group->name);
	group->name = copy;
	if (copy)
		ret = sysfs_create_file(&group->kobj,
					&iommu_group_attr_name.attr);
	if (ret) {
		kfree(group->name);
		group->name = NULL;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_group_set_name);

/* A link under devices/ named after @dev, or after it plus a number. */
static char *iommu_group_link_device(struct iommu_group *group,
				     struct device *dev)
{
	char *name = kstrdup(dev_name(dev), GFP_KERNEL);
	int ret, n = 0;

	while (name) {
		ret = sysfs_add_link_to_group(&group->kobj, "devices",
					      &dev->kobj, name);
		if (!ret)
			return name;
		kfree(name);
		/* Two buses can use one name; number the later ones. */
		if (ret != -EEXIST || ++n > 64)
			return ERR_PTR(ret);
		name = kasprintf(GFP_KERNEL, "%s.%d", dev_name(dev), n);
	}
	return ERR_PTR(-ENOMEM);
}

/**
 * iommu_group_add_device() - put a device in a group
 * @group: the group
 * @dev: a device not in any group
 *
 * Only the bookkeeping: the device gets its sysfs links and a reference on
 * the group.  Devices behind an IOMMU are added by iommu_probe_device(),
 * which also attaches them; VFIO calls this for devices without an IOMMU.
 *
 * Return: 0, -EBUSY if @dev is in a group already, or -ENOMEM.
 */
int iommu_group_add_device(struct iommu_group *group, struct device *dev)
{
	struct group_device *gdev;
	int ret;

	if (dev->iommu_group)
		return -EBUSY;
	gdev = kzalloc(sizeof(*gdev), GFP_KERNEL);
	if (!gdev)
		return -ENOMEM;
	gdev->dev = dev;

	ret = sysfs_create_link(&dev->kobj, &group->kobj, "iommu_group");
	if (ret)
		goto err_free;
	gdev->name = iommu_group_link_device(group, dev);
	if (IS_ERR(gdev->name)) {
		ret = PTR_ERR(gdev->name);
		goto err_unlink;
	}

	kobject_get(&group->kobj);
	mutex_lock(&group->mutex);
	list_add_tail(&gdev->list, &group->devices);
	dev->iommu_group = group;
	mutex_unlock(&group->mutex);

	trace_add_device_to_group(group->id, dev);
	dev_info(dev, "in IOMMU group %d\n", group->id);
	return 0;

err_unlink:
	sysfs_remove_link(&dev->kobj, "iommu_group");
err_free:
	kfree(gdev);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_group_add_device);

/*
 * Undo iommu_group_add_device(): free @dev's membership of @group.  The
 * caller drops the group reference the membership held once it has let go
 * of the group's mutex.  Returns false if @dev was not a member.
 */
static bool iommu_group_unlink(struct iommu_group *group, struct device *dev)
{
	struct group_device *gdev;

	lockdep_assert_held(&group->mutex);
	for_each_group_device(group, gdev)
		if (gdev->dev == dev)
			break;
	if (WARN_ON(list_entry_is_head(gdev, &group->devices, list)))
		return false;

	list_del(&gdev->list);
	dev->iommu_group = NULL;
	sysfs_remove_link_from_group(&group->kobj, "devices", gdev->name);
	sysfs_remove_link(&dev->kobj, "iommu_group");
	trace_remove_device_from_group(group->id, dev);
	kfree(gdev->name);
	kfree(gdev);
	return true;
}

/**
 * iommu_group_remove_device() - take a device out of its group
 * @dev: a device that iommu_group_add_device() put in a group
 *
 * Drops the reference the device held on its group.
 */
void iommu_group_remove_device(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	bool unlinked;

	if (!group)
		return;
	dev_info(dev, "leaving IOMMU group %d\n", group->id);
	mutex_lock(&group->mutex);
	unlinked = iommu_group_unlink(group, dev);
	mutex_unlock(&group->mutex);
	if (unlinked)
		kobject_put(&group->kobj);
}
EXPORT_SYMBOL_GPL(iommu_group_remove_device);

/*
 * The domain a device goes to as it is released: its driver's release
 * domain, or blocked.  Firmware that still DMAs through the device's
 * direct regions would be cut off by a blocking one, and the device
 * cannot stay on a domain that may be freed: it goes to identity, which
 * is how such a device's StreamIDs were before the OS took them.
 */
static struct iommu_domain *iommu_release_domain(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *release = ops->release_domain ?: ops->blocked_domain;

	if (release && dev->iommu->require_direct &&
	    release->type == IOMMU_DOMAIN_BLOCKED && ops->identity_domain)
		return ops->identity_domain;
	return release;
}

/*
 * Release of a probed device: it goes to its release domain, and leaves
 * its group.  The last device to leave takes the group's domains with it;
 * a device probed later gets new ones.
 */
void iommu_group_leave(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_domain *release = iommu_release_domain(dev);
	struct iommu_domain *dead_default = NULL, *dead_blocking = NULL;

	mutex_lock(&group->mutex);
	if (release && group->domain != release &&
	    !dev->iommu->attach_deferred)
		WARN_ON(release->ops->attach_dev(release, dev));
	if (!iommu_group_unlink(group, dev)) {
		mutex_unlock(&group->mutex);
		return;
	}

	if (list_empty(&group->devices)) {
		WARN_ON(group->owner_cnt);
		dead_default = group->default_domain;
		dead_blocking = group->blocking_domain;
		group->domain = NULL;
		WRITE_ONCE(group->default_domain, NULL);
		group->blocking_domain = NULL;
	}
	mutex_unlock(&group->mutex);

	iommu_domain_free(dead_default);
	iommu_domain_free(dead_blocking);
	kobject_put(&group->kobj);
}

/**
 * iommu_group_get() - take a reference on a device's group
 * @dev: the device
 *
 * Return: the group, or NULL if @dev is not in one.
 */
struct iommu_group *iommu_group_get(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (group)
		kobject_get(&group->kobj);
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_get);

/**
 * iommu_group_ref_get() - take another reference on a group
 * @group: the group
 *
 * Return: @group.
 */
struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	kobject_get(&group->kobj);
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_ref_get);

/**
 * iommu_group_put() - drop a reference on a group
 * @group: the group, or NULL
 */
void iommu_group_put(struct iommu_group *group)
{
	if (group)
		kobject_put(&group->kobj);
}
EXPORT_SYMBOL_GPL(iommu_group_put);

/* iommu_group_for_each_dev() with the group's mutex held */
static int iommu_group_walk_locked(struct iommu_group *group, void *data,
				   int (*fn)(struct device *dev, void *data))
{
	struct group_device *gdev;
	int stop;

	lockdep_assert_held(&group->mutex);
	for_each_group_device(group, gdev) {
		stop = fn(gdev->dev, data);
		if (stop)
			return stop;
	}
	return 0;
}

/**
 * iommu_group_for_each_dev() - call a function on each device of a group
 * @group: the group
 * @data: passed to @fn
 * @fn: called with the group's mutex held; a non-zero return stops the walk
 *
 * Return: what the last call of @fn returned, or 0.
 */
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data))
{
	int stop;

	mutex_lock(&group->mutex);
	stop = iommu_group_walk_locked(group, data, fn);
	mutex_unlock(&group->mutex);
	return stop;
}
EXPORT_SYMBOL_GPL(iommu_group_for_each_dev);

/**
 * iommu_group_id() - a group's number, as in /sys/kernel/iommu_groups
 * @group: the group
 *
 * Return: the number.
 */
int iommu_group_id(struct iommu_group *group)
{
	return group ? group->id : -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_group_id);

#ifdef CONFIG_LOCKDEP
/**
 * iommu_group_mutex_assert() - check that a device's group is locked
 * @dev: a device in a group
 */
void iommu_group_mutex_assert(struct device *dev)
{
	lockdep_assert_held(&dev->iommu_group->mutex);
}
EXPORT_SYMBOL_GPL(iommu_group_mutex_assert);
#endif

/* ---------------------------------------------------------------------
 * Finding a device's group
 * ---------------------------------------------------------------------
 */

/* What PCI isolation needs: no peer-to-peer path around the IOMMU */
#define IOMMU_PCI_ACS_ISOLATION \
	(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

struct iommu_alias_walk {
	struct pci_dev *self;
	struct iommu_group *group;
};

/* A DMA alias of the device that is already in a group decides its group. */
static int iommu_alias_group(struct pci_dev *pdev, u16 alias, void *data)
{
	struct iommu_alias_walk *walk = data;
	struct pci_dev *other;

	other = pci_get_domain_bus_and_slot(pci_domain_nr(pdev->bus),
					    PCI_BUS_NUM(alias), alias & 0xff);
	if (other && other != walk->self)
		walk->group = iommu_group_get(&other->dev);
	pci_dev_put(other);
	return walk->group ? 1 : 0;
}

/*
 * A device on @pdev's bus that aliases it, or (when neither isolates its
 * functions) another function of its slot, already in a group.
 */
static struct iommu_group *iommu_pci_sibling_group(struct pci_dev *pdev)
{
	bool isolated = !pdev->multifunction ||
			pci_acs_enabled(pdev, IOMMU_PCI_ACS_ISOLATION);
	struct pci_dev *tmp = NULL;
	struct iommu_group *group;

	for_each_pci_dev(tmp) {
		bool shares;

		if (tmp == pdev || tmp->bus != pdev->bus)
			continue;
		shares = pci_devs_are_dma_aliases(pdev, tmp) ||
			 (!isolated && tmp->multifunction &&
			  PCI_SLOT(tmp->devfn) == PCI_SLOT(pdev->devfn) &&
			  !pci_acs_enabled(tmp, IOMMU_PCI_ACS_ISOLATION));
		if (!shares)
			continue;
		group = iommu_group_get(&tmp->dev);
		if (!group)
			continue;
		pci_dev_put(tmp);	/* the walk's reference */
		return group;
	}
	return NULL;
}

/**
 * pci_device_group() - the group of a PCI device
 * @dev: a PCI device
 *
 * A device shares a group with its DMA aliases, with the functions of its
 * slot unless ACS isolates them, and with everything below the first
 * upstream bridge that lacks ACS.
 *
 * Return: the group, with a reference for the caller, or an ERR_PTR.
 */
struct iommu_group *pci_device_group(struct device *dev)
{
	struct iommu_alias_walk walk = { .self = NULL };
	struct iommu_group *group;
	struct pci_dev *pdev;
	struct pci_bus *bus;

	if (WARN_ON(!dev_is_pci(dev)))
		return ERR_PTR(-EINVAL);
	pdev = to_pci_dev(dev);
	walk.self = pdev;

	if (pci_for_each_dma_alias(pdev, iommu_alias_group, &walk))
		return walk.group;

	/* Up to the last bridge without isolation on the way to the root. */
	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent) {
		struct pci_dev *bridge = bus->self;

		if (!bridge)
			continue;
		if (pci_acs_path_enabled(bridge, NULL, IOMMU_PCI_ACS_ISOLATION))
			break;
		group = iommu_group_get(&bridge->dev);
		if (group)
			return group;
		pdev = bridge;
	}

	group = iommu_pci_sibling_group(pdev);
	return group ?: iommu_group_alloc();
}
EXPORT_SYMBOL_GPL(pci_device_group);

/* ---------------------------------------------------------------------
 * Attaching domains to groups
 * ---------------------------------------------------------------------
 */

/*
 * Move every device of @group to @new.  If one fails, those already moved
 * go back, so the group is never split between two domains.
 */
static int iommu_group_switch(struct iommu_group *group,
			      struct iommu_domain *new)
{
	struct group_device *gdev, *done;
	int ret;

	lockdep_assert_held(&group->mutex);
	if (group->domain == new)
		return 0;
	for_each_group_device(group, gdev) {
		ret = iommu_attach_dev_locked(new, gdev->dev);
		if (ret)
			goto rollback;
	}
	group->domain = new;
	return 0;

rollback:
	for_each_group_device(group, done) {
		if (done == gdev)
			break;
		if (group->domain)
			WARN(iommu_attach_dev_locked(group->domain, done->dev),
			     "cannot return %s to its domain\n",
			     dev_name(done->dev));
	}
	return ret;
}

/* The domain a group rests on when nobody attached one: see the header. */
static struct iommu_domain *iommu_group_core_domain(struct iommu_group *group)
{
	return group->owner ? group->blocking_domain : group->default_domain;
}

static int iommu_group_make_blocking(struct iommu_group *group)
{
	struct group_device *first;
	struct iommu_domain *domain;

	lockdep_assert_held(&group->mutex);
	if (group->blocking_domain)
		return 0;
	first = list_first_entry_or_null(&group->devices, struct group_device,
					 list);
	if (!first || !dev_has_iommu(first->dev))
		return -ENODEV;
	domain = iommu_domain_alloc_for(first->dev, IOMMU_DOMAIN_BLOCKED);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	group->blocking_domain = domain;
	return 0;
}

/*
 * The group's attach handle becomes @handle.  A report of a page request
 * may still be reading the one it replaces, which is returned for
 * iommu_group_retire_handle().
 */
static struct iommu_attach_handle *
iommu_group_swap_handle(struct iommu_group *group,
			struct iommu_attach_handle *handle)
{
	lockdep_assert_held(&group->mutex);
	return rcu_replace_pointer(group->attach_handle, handle,
				   lockdep_is_held(&group->mutex));
}

/*
 * Wait until no report of a page request can be using @old any more, so
 * that its owner may free it, and its domain, once we return.  Done after
 * the group's mutex is dropped: nothing under it needs to wait as well.
 */
static void iommu_group_retire_handle(struct iommu_attach_handle *old,
				      struct iommu_attach_handle *new)
{
	might_sleep();
	if (old && old != new)
		synchronize_srcu(&iommu_fault_srcu);
}

/*
 * Attach a domain of the caller's to a group resting on its core domain;
 * if @alone, only while the group has one device.  @handle (or none)
 * becomes the group's attach handle.
 */
static int iommu_group_attach(struct iommu_domain *domain,
			      struct iommu_group *group, bool alone,
			      struct iommu_attach_handle *handle)
{
	struct iommu_attach_handle *old = NULL;
	int ret;

	mutex_lock(&group->mutex);
	if (alone && !list_is_singular(&group->devices))
		ret = -EINVAL;
	else if (!group->domain)
		ret = -ENODEV;
	else if (group->domain != group->default_domain &&
		 group->domain != group->blocking_domain)
		ret = -EBUSY;
	else
		ret = iommu_group_switch(group, domain);
	if (!ret) {
		if (handle)
			handle->domain = domain;
		old = iommu_group_swap_handle(group, handle);
	}
	mutex_unlock(&group->mutex);
	iommu_group_retire_handle(old, handle);
	return ret;
}

/*
 * Put a group back on its core domain, with no attach handle; if @alone,
 * only while the group has one device.
 */
static void iommu_group_detach(struct iommu_domain *domain,
			       struct iommu_group *group, bool alone)
{
	struct iommu_attach_handle *old = NULL;

	mutex_lock(&group->mutex);
	if (!WARN_ON(alone && !list_is_singular(&group->devices)) &&
	    !WARN_ON(group->domain != domain)) {
		WARN_ON(iommu_group_switch(group,
					   iommu_group_core_domain(group)));
		old = iommu_group_swap_handle(group, NULL);
	}
	mutex_unlock(&group->mutex);
	iommu_group_retire_handle(old, NULL);
}

/**
 * iommu_attach_group() - attach a domain to every device of a group
 * @domain: a domain of the group's IOMMU
 * @group: a group on its default domain (when unowned) or its blocking
 *	domain (when claimed)
 *
 * The group has no attach handle afterwards.
 *
 * Return: 0, -EBUSY if another domain is attached, or the driver's error
 * with the group left as it was.
 */
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	return iommu_group_attach(domain, group, false, NULL);
}
EXPORT_SYMBOL_GPL(iommu_attach_group);

/**
 * iommu_detach_group() - put a group back on its core domain
 * @domain: the domain iommu_attach_group() attached
 * @group: the group
 *
 * An owned group goes to its blocking domain, an unowned one to its
 * default domain.  Any attach handle is forgotten.
 */
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	iommu_group_detach(domain, group, false);
}
EXPORT_SYMBOL_GPL(iommu_detach_group);

/**
 * iommu_attach_group_handle() - attach a domain, and record the attachment
 * @domain: a domain of the group's IOMMU
 * @group: a group on its core domain, as for iommu_attach_group()
 * @handle: the owner's handle; its @domain is set to @domain
 *
 * The group keeps @handle as its attach handle until it is detached or
 * replaced, or its owner releases it: page requests of its devices go to
 * @domain's iopf_handler with it, and iommu_attach_handle_get() finds it.
 *
 * Return: 0, -EINVAL without @handle, or as iommu_attach_group(); on an
 * error the group and its handle stay as they were.
 */
int iommu_attach_group_handle(struct iommu_domain *domain,
			      struct iommu_group *group,
			      struct iommu_attach_handle *handle)
{
	if (WARN_ON(!handle))
		return -EINVAL;
	return iommu_group_attach(domain, group, false, handle);
}
EXPORT_SYMBOL_GPL(iommu_attach_group_handle);

/**
 * iommu_detach_group_handle() - undo iommu_attach_group_handle()
 * @domain: the domain it attached
 * @group: the group
 *
 * The group goes back to its core domain and forgets its handle.  Reports
 * of page requests that may have found the handle are over when this
 * returns, so the owner may free the handle; groups of requests already
 * handed to @domain's handler are still the owner's to answer.
 */
void iommu_detach_group_handle(struct iommu_domain *domain,
			       struct iommu_group *group)
{
	iommu_group_detach(domain, group, false);
}
EXPORT_SYMBOL_GPL(iommu_detach_group_handle);

/**
 * iommu_replace_group_handle() - move an owned group to another domain
 * @group: a group claimed with iommu_group_claim_dma_owner()
 * @new_domain: the domain to attach
 * @handle: the group's attach handle from now on, or NULL for none; its
 *	@domain is set to @new_domain
 *
 * The devices go straight from whatever domain they are on to
 * @new_domain, without passing through the blocking domain, so that an
 * owner can change translations without stopping the devices' DMA.  The
 * handle it replaces is no longer used by the fault path when this
 * returns.
 *
 * Return: 0; -EINVAL for a NULL @new_domain or an unclaimed group; or
 * the driver's error, with the group on its old domain and with its old
 * handle.
 */
int iommu_replace_group_handle(struct iommu_group *group,
			       struct iommu_domain *new_domain,
			       struct iommu_attach_handle *handle)
{
	struct iommu_attach_handle *old = NULL;
	int ret = -EINVAL;

	mutex_lock(&group->mutex);
	if (new_domain && group->owner)
		ret = iommu_group_switch(group, new_domain);
	if (!ret) {
		if (handle)
			handle->domain = new_domain;
		old = iommu_group_swap_handle(group, handle);
	}
	mutex_unlock(&group->mutex);
	iommu_group_retire_handle(old, handle);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_replace_group_handle);

/**
 * iommu_attach_handle_get() - the handle a group's domain was attached with
 * @group: the group
 * @pasid: IOMMU_NO_PASID; domains are attached per group, not per PASID
 * @type: the domain type the caller expects, or 0 for any
 *
 * The handle belongs to the group's owner, and is the group's only as
 * long as nothing detaches or replaces it: the result stays valid while
 * the caller keeps those from running, as the owner does by serializing
 * its own attach, detach and replace calls (iommufd under its group
 * lock), or while the caller is inside iommu_fault_srcu's read side, as
 * the fault path is (detach and replace wait for it before they return).
 * The lookup itself takes no lock, and works in any context but NMI.
 *
 * Return: the handle; ERR_PTR(-ENOENT) if the group has none (or @pasid
 * is not IOMMU_NO_PASID); ERR_PTR(-EBUSY) if @type is not 0 and the
 * handle's domain is of another type.
 */
struct iommu_attach_handle *iommu_attach_handle_get(struct iommu_group *group,
						    ioasid_t pasid,
						    unsigned int type)
{
	struct iommu_attach_handle *handle, *found;
	int idx;

	if (pasid != IOMMU_NO_PASID)
		return ERR_PTR(-ENOENT);
	idx = srcu_read_lock(&iommu_fault_srcu);
	handle = srcu_dereference(group->attach_handle, &iommu_fault_srcu);
	if (handle && type && type != handle->domain->type)
		found = ERR_PTR(-EBUSY);
	else
		found = handle ?: ERR_PTR(-ENOENT);
	srcu_read_unlock(&iommu_fault_srcu, idx);
	return found;
}
EXPORT_SYMBOL_GPL(iommu_attach_handle_get);

/**
 * iommu_attach_device() - attach a domain to a device alone in its group
 * @domain: the domain
 * @dev: the device
 *
 * Return: 0, -ENODEV if @dev is in no group, -EINVAL if its group has
 * other devices, or as iommu_attach_group().
 */
int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	if (!dev->iommu_group)
		return -ENODEV;
	return iommu_group_attach(domain, dev->iommu_group, true, NULL);
}
EXPORT_SYMBOL_GPL(iommu_attach_device);

/**
 * iommu_detach_device() - undo iommu_attach_device()
 * @domain: the domain
 * @dev: the device
 */
void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	if (dev->iommu_group)
		iommu_group_detach(domain, dev->iommu_group, true);
}
EXPORT_SYMBOL_GPL(iommu_detach_device);

/**
 * iommu_get_domain_for_dev() - the domain a device is attached to now
 * @dev: the device
 *
 * Return: the domain, or NULL if @dev is in no group.
 */
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	return group ? group->domain : NULL;
}
EXPORT_SYMBOL_GPL(iommu_get_domain_for_dev);

/**
 * iommu_get_dma_domain() - the DMA layer's domain for a device
 * @dev: a device whose DMA goes through the IOMMU
 *
 * For code outside the DMA layer, which reads the same pointer inline
 * (dev_iommu_dma_domain()) on every mapping: one plain read, no
 * reference, no lock, nothing written.  That is safe because the default
 * domain changes only while no driver uses the group.
 *
 * Return: the default domain of @dev's group.
 */
struct iommu_domain *iommu_get_dma_domain(struct device *dev)
{
	return dev_iommu_dma_domain(dev);
}

/* ---------------------------------------------------------------------
 * Default domains
 * ---------------------------------------------------------------------
 */

/*
 * The type a group's default domain should have: @req (0: the policy's),
 * unless a device of the group needs another.  -EINVAL if devices disagree
 * or @req contradicts one of them.
 */
static int iommu_group_pick_type(struct iommu_group *group, unsigned int req)
{
	unsigned int need = 0;
	struct group_device *gdev;

	lockdep_assert_held(&group->mutex);
	for_each_group_device(group, gdev) {
		struct device *dev = gdev->dev;
		const struct iommu_ops *ops = dev_iommu_ops(dev);
		unsigned int t = 0;

		if (ops->def_domain_type)
			t = ops->def_domain_type(dev);
		/* Untrusted devices (external ports) always get translation. */
		if (dev_is_pci(dev) && to_pci_dev(dev)->untrusted)
			t = IOMMU_DOMAIN_DMA;
		if (!t)
			continue;
		if (need && need != t) {
			dev_warn(dev, "needs a %s default domain, its group a %s one\n",
				 iommu_type_name(t), iommu_type_name(need));
			return -EINVAL;
		}
		need = t;
	}

	if (!need)
		return req ?: iommu_def_domain_type;
	if (!req) {
		/* The policy's flush queue suits a device that needs DMA. */
		if (need == IOMMU_DOMAIN_DMA &&
		    iommu_def_domain_type == IOMMU_DOMAIN_DMA_FQ)
			return IOMMU_DOMAIN_DMA_FQ;
		return need;
	}
	/* A device that needs translation is happy with a flush queue. */
	if (req == need || (need == IOMMU_DOMAIN_DMA &&
			    req == IOMMU_DOMAIN_DMA_FQ))
		return req;
	return -EINVAL;
}

static struct device *iommu_group_first_dev(struct iommu_group *group)
{
	return list_first_entry(&group->devices, struct group_device,
				list)->dev;
}

/*
 * Get @domain ready to be @dev's default domain: the firmware's direct
 * regions mapped and, for a DMA domain, the DMA layer's state made.  This
 * is all that can fail in giving a device a default domain, and comes
 * before the domain is attached, so that a device's DMA ops always match
 * the domain it has.
 */
static int iommu_prepare_default(struct iommu_domain *domain,
				 struct device *dev)
{
	int ret;

	ret = iommu_map_direct_regions(domain, dev);
	if (ret || !iommu_is_dma_domain(domain))
		return ret;
	return iommu_dma_prepare_domain(domain, dev);
}

/* A default domain of @type for @group, ready for all of its devices. */
static struct iommu_domain *iommu_group_new_default(struct iommu_group *group,
						    unsigned int type)
{
	struct iommu_domain *domain;
	struct group_device *gdev;
	int ret;

	domain = iommu_domain_alloc_for(iommu_group_first_dev(group), type);
	if (IS_ERR(domain))
		return domain;
	for_each_group_device(group, gdev) {
		ret = iommu_prepare_default(domain, gdev->dev);
		if (ret) {
			iommu_domain_free(domain);
			return ERR_PTR(ret);
		}
	}
	return domain;
}

/*
 * The first default domain of a group: of the type the policy and the
 * devices ask for, or failing that one that translates without a flush
 * queue, which every IOMMU with paging domains can give.
 */
static struct iommu_domain *iommu_group_first_default(struct iommu_group *group,
						      struct device *dev)
{
	const struct iommu_domain *fixed = dev_iommu_ops(dev)->default_domain;
	struct iommu_domain *domain;
	int type;

	/* A driver that has one default domain for all gives that one. */
	if (fixed)
		return iommu_group_new_default(group, fixed->type);
	type = iommu_group_pick_type(group, 0);
	if (type < 0)
		type = iommu_def_domain_type;
	domain = iommu_group_new_default(group, type);
	if (IS_ERR(domain) && type != IOMMU_DOMAIN_DMA) {
		dev_notice(dev, "no %s default domain (%pe), using DMA\n",
			   iommu_type_name(type), domain);
		domain = iommu_group_new_default(group, IOMMU_DOMAIN_DMA);
	}
	return domain;
}

/*
 * A device was just probed into its group: attach it to the group's domain,
 * making the default domain first if it is the group's first device.
 */
int iommu_group_setup_device(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_group *group = dev->iommu_group;
	struct iommu_domain *domain;
	bool made = false;
	int ret;

	mutex_lock(&group->mutex);
	if (ops->is_attach_deferred && ops->is_attach_deferred(dev))
		dev->iommu->attach_deferred = 1;

	if (!group->default_domain) {
		domain = iommu_group_first_default(group, dev);
		ret = PTR_ERR_OR_ZERO(domain);
		if (ret)
			goto out_unlock;
		WRITE_ONCE(group->default_domain, domain);
		made = true;
	} else {
		ret = iommu_prepare_default(group->default_domain, dev);
		if (ret)
			goto out_unlock;
	}

	if (!group->domain)
		ret = iommu_group_switch(group, group->default_domain);
	else
		ret = iommu_attach_dev_locked(group->domain, dev);
	if (ret) {
		if (made) {
			iommu_domain_free(group->default_domain);
			WRITE_ONCE(group->default_domain, NULL);
		}
		goto out_unlock;
	}
	/* The DMA ops follow the default domain, wherever the group is now. */
	iommu_setup_dma_ops(dev);
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

/*
 * The sysfs "type" file: give an unused group a default domain of another
 * type (@req, 0 for the policy's).  DMA to DMA-FQ only adds a flush queue
 * to the domain there is; any other change makes a new domain.
 */
static int iommu_group_change_default(struct iommu_group *group,
				      unsigned int req)
{
	struct iommu_domain *old = group->default_domain, *new;
	struct group_device *gdev;
	int type, ret;

	lockdep_assert_held(&group->mutex);
	if (!old || list_empty(&group->devices))
		return -ENODEV;
	/* A bound driver or an owner uses the group: not now. */
	if (group->owner_cnt || group->domain != old)
		return -EBUSY;
	/* The driver's one default domain is the only choice. */
	if (dev_iommu_ops(iommu_group_first_dev(group))->default_domain)
		return req && req != old->type ? -EINVAL : 0;

	type = iommu_group_pick_type(group, req);
	if (type < 0)
		return type;
	if (type == old->type)
		return 0;

	if (old->type == IOMMU_DOMAIN_DMA && type == IOMMU_DOMAIN_DMA_FQ) {
		for_each_group_device(group, gdev)
			if (!device_iommu_capable(gdev->dev,
						  IOMMU_CAP_DEFERRED_FLUSH))
				return -EINVAL;
		ret = iommu_dma_init_fq(old);
		if (ret)
			return ret;
		old->type = IOMMU_DOMAIN_DMA_FQ;
		return 0;
	}

	/* Whatever can fail comes before the switch; after it, nothing can. */
	new = iommu_group_new_default(group, type);
	if (IS_ERR(new))
		return PTR_ERR(new) == -EOPNOTSUPP ? -EINVAL : PTR_ERR(new);
	ret = iommu_group_switch(group, new);
	if (ret) {
		iommu_domain_free(new);
		return ret;
	}
	WRITE_ONCE(group->default_domain, new);
	for_each_group_device(group, gdev)
		iommu_setup_dma_ops(gdev->dev);
	iommu_domain_free(old);
	pr_info("group %d: default domain now %s\n", group->id,
		iommu_type_name(new->type));
	return 0;
}

/* ---------------------------------------------------------------------
 * DMA ownership
 * ---------------------------------------------------------------------
 */

/*
 * Kernel drivers bound to a group's devices are counted in owner_cnt with
 * no owner: they share the default domain, and while any is bound nobody
 * else may hold the group.  @bind: a driver comes (true) or goes.
 */
static int iommu_group_count_driver(struct iommu_group *group, bool bind)
{
	int ret = 0;

	mutex_lock(&group->mutex);
	if (bind) {
		if (group->owner_cnt &&
		    (group->owner || group->domain != group->default_domain))
			ret = -EBUSY;
		else
			group->owner_cnt++;
	} else if (!WARN_ON(!group->owner_cnt || group->owner)) {
		group->owner_cnt--;
	}
	mutex_unlock(&group->mutex);
	return ret;
}

/**
 * iommu_device_use_default_domain() - a kernel driver binds to a device
 * @dev: the device
 *
 * Called by the bus code before probing a driver that uses the DMA API.
 *
 * Return: 0, or -EBUSY if an owner holds the device's group.
 */
int iommu_device_use_default_domain(struct device *dev)
{
	if (!dev->iommu_group)
		return 0;
	return iommu_group_count_driver(dev->iommu_group, true);
}

/**
 * iommu_device_unuse_default_domain() - a kernel driver unbinds
 * @dev: the device
 */
void iommu_device_unuse_default_domain(struct device *dev)
{
	if (dev->iommu_group)
		iommu_group_count_driver(dev->iommu_group, false);
}

/* First claim of an unused group: park it on the blocking domain. */
static int iommu_group_take(struct iommu_group *group, void *owner)
{
	int ret;

	lockdep_assert_held(&group->mutex);
	if (group->domain && group->domain != group->default_domain)
		return -EBUSY;
	ret = iommu_group_make_blocking(group) ?:
	      iommu_group_switch(group, group->blocking_domain);
	if (ret)
		return ret;
	group->owner = owner;
	group->owner_cnt = 1;
	return 0;
}

/*
 * The last claim is gone: back to the default domain, without the owner's
 * handle, which is returned for iommu_group_retire_handle().
 */
static struct iommu_attach_handle *
iommu_group_give_back(struct iommu_group *group)
{
	lockdep_assert_held(&group->mutex);
	group->owner = NULL;
	group->owner_cnt = 0;
	WARN_ON(iommu_group_switch(group, group->default_domain));
	return iommu_group_swap_handle(group, NULL);
}

/**
 * iommu_group_claim_dma_owner() - take a group for a user-space owner
 * @group: the group
 * @owner: a cookie that identifies the owner, not NULL
 *
 * No kernel driver may be bound to the group's devices.  The group goes
 * to a domain that blocks all DMA until the owner attaches its own.
 *
 * Return: 0, -EINVAL for a NULL @owner, -EBUSY if the group is in use.
 */
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	int ret;

	if (WARN_ON(!owner))
		return -EINVAL;
	mutex_lock(&group->mutex);
	ret = group->owner_cnt ? -EBUSY : iommu_group_take(group, owner);
	mutex_unlock(&group->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_group_claim_dma_owner);

/**
 * iommu_group_release_dma_owner() - give a claimed group back to the kernel
 * @group: the group; the owner's domain must be detached
 *
 * The group goes back to its default domain, and an attach handle the
 * owner left is forgotten.
 */
void iommu_group_release_dma_owner(struct iommu_group *group)
{
	struct iommu_attach_handle *old = NULL;

	mutex_lock(&group->mutex);
	if (!WARN_ON(!group->owner_cnt || !group->owner))
		old = iommu_group_give_back(group);
	mutex_unlock(&group->mutex);
	iommu_group_retire_handle(old, NULL);
}
EXPORT_SYMBOL_GPL(iommu_group_release_dma_owner);

/**
 * iommu_group_dma_owner_claimed() - is anyone using a group?
 * @group: the group
 *
 * Return: true if a kernel driver or an owner uses it.
 */
bool iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	/*
	 * A snapshot, which can change as soon as it is taken, with the
	 * group's mutex or without it; the count is written under it.
	 */
	return READ_ONCE(group->owner_cnt) != 0;
}
EXPORT_SYMBOL_GPL(iommu_group_dma_owner_claimed);

/**
 * iommu_device_claim_dma_owner() - claim a device's group, by device
 * @dev: the device
 * @owner: the owner's cookie
 *
 * The same owner may claim several devices of one group; each claim is
 * counted.
 *
 * Return: 0, -ENODEV if @dev is in no group, -EINVAL for a NULL @owner,
 * -EBUSY if someone else uses the group.
 */
int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	struct iommu_group *group = dev->iommu_group;
	int ret = 0;

	if (!group)
		return -ENODEV;
	if (WARN_ON(!owner))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (!group->owner_cnt)
		ret = iommu_group_take(group, owner);
	else if (group->owner == owner)
		group->owner_cnt++;
	else
		ret = -EBUSY;
	mutex_unlock(&group->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_device_claim_dma_owner);

/**
 * iommu_device_release_dma_owner() - drop one claim made by device
 * @dev: the device
 *
 * With the last claim the group is given back as by
 * iommu_group_release_dma_owner().
 */
void iommu_device_release_dma_owner(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_attach_handle *old = NULL;

	mutex_lock(&group->mutex);
	if (!WARN_ON(!group->owner_cnt || !group->owner) &&
	    !--group->owner_cnt)
		old = iommu_group_give_back(group);
	mutex_unlock(&group->mutex);
	iommu_group_retire_handle(old, NULL);
}
EXPORT_SYMBOL_GPL(iommu_device_release_dma_owner);

/* ---------------------------------------------------------------------
 * Group-wide questions
 * ---------------------------------------------------------------------
 */

static int iommu_resv_cmp_type(void *priv, const struct list_head *a,
			       const struct list_head *b)
{
	const struct iommu_resv_region *ra = list_entry(a, typeof(*ra), list);
	const struct iommu_resv_region *rb = list_entry(b, typeof(*rb), list);

	if (ra->type != rb->type)
		return ra->type < rb->type ? -1 : 1;
	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

static int iommu_resv_cmp_start(void *priv, const struct list_head *a,
				const struct list_head *b)
{
	const struct iommu_resv_region *ra = list_entry(a, typeof(*ra), list);
	const struct iommu_resv_region *rb = list_entry(b, typeof(*rb), list);

	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

/*
 * Merge overlapping or touching regions of one type; sort by address.  A
 * region's end, one past its last byte, wraps to 0 when it reaches the
 * top of the address space: such a region swallows every later one of
 * its type, and one merged into another carries it to the top.
 */
static void iommu_resv_merge(struct list_head *head)
{
	struct iommu_resv_region *cur, *next, *prev = NULL;

	list_sort(NULL, head, iommu_resv_cmp_type);
	list_for_each_entry_safe(cur, next, head, list) {
		phys_addr_t prev_end, cur_end;
		bool prev_top, cur_top;

		if (prev && prev->type == cur->type) {
			prev_end = prev->start + prev->length;
			cur_end = cur->start + cur->length;
			prev_top = prev->length && !prev_end;
			cur_top = cur->length && !cur_end;
			if (prev_top || cur->start <= prev_end) {
				if (!prev_top && (cur_top || cur_end > prev_end))
					prev->length = cur->start - prev->start +
						       cur->length;
				list_del(&cur->list);
				kfree(cur);
				continue;
			}
		}
		prev = cur;
	}
	list_sort(NULL, head, iommu_resv_cmp_start);
}

/**
 * iommu_get_group_resv_regions() - the reserved regions of a whole group
 * @group: the group
 * @head: where the regions are added, one per range and kind, sorted by
 *	address; the caller kfree()s them
 *
 * Return: 0 or -ENOMEM.
 */
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head)
{
	struct iommu_resv_region *region, *copy;
	struct group_device *gdev;
	int ret = 0;

	mutex_lock(&group->mutex);
	for_each_group_device(group, gdev) {
		LIST_HEAD(dev_regions);

		if (!dev_has_iommu(gdev->dev))
			continue;
		iommu_get_resv_regions(gdev->dev, &dev_regions);
		list_for_each_entry(region, &dev_regions, list) {
			copy = iommu_alloc_resv_region(region->start,
						       region->length,
						       region->prot,
						       region->type,
						       GFP_KERNEL);
			if (!copy) {
				ret = -ENOMEM;
				break;
			}
			list_add_tail(&copy->list, head);
		}
		iommu_put_resv_regions(gdev->dev, &dev_regions);
		if (ret)
			break;
	}
	mutex_unlock(&group->mutex);
	iommu_resv_merge(head);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_get_group_resv_regions);

/**
 * iommu_group_has_isolated_msi() - can the group's MSIs not be spoofed?
 * @group: the group
 *
 * VFIO allows device assignment only if an assigned device cannot raise
 * other devices' interrupts.
 *
 * Return: true if every device's MSI controller isolates it.
 */
bool iommu_group_has_isolated_msi(struct iommu_group *group)
{
	struct group_device *gdev;
	bool isolated = true;

	mutex_lock(&group->mutex);
	for_each_group_device(group, gdev) {
		if (!msi_device_has_isolated_msi(gdev->dev)) {
			isolated = false;
			break;
		}
	}
	mutex_unlock(&group->mutex);
	return isolated;
}
EXPORT_SYMBOL_GPL(iommu_group_has_isolated_msi);
