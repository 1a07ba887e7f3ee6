// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMUs in sysfs.
 *
 * Each IOMMU that registers a sysfs node appears as a device of class
 * "iommu" (/sys/class/iommu/<name>), a child of its hardware device.  Its
 * "devices" directory holds a link to every device translated by it, and
 * each such device gets an "iommu" link back, so that user space can go
 * from either end to the other without knowing the driver.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/device.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#define IOMMU_LINKS_DIR	"devices"

/* The class device is allocated here, so it is freed here as well. */
static void iommu_class_dev_release(struct device *dev)
{
	kfree(dev);
}

/*
 * An attribute group with a name and no attributes is how sysfs makes an
 * empty subdirectory that links can later be added to.
 */
static struct attribute *iommu_links_attrs[] = {
	NULL,
};

static const struct attribute_group iommu_links_group = {
	.name	= IOMMU_LINKS_DIR,
	.attrs	= iommu_links_attrs,
};

static const struct attribute_group *iommu_class_groups[] = {
	&iommu_links_group, NULL
};

static const struct class iommu_class = {
	.name		= "iommu",
	.dev_release	= iommu_class_dev_release,
	.dev_groups	= iommu_class_groups,
};

/* IOMMU drivers register from device_initcall on; be there before them. */
static int __init iommu_sysfs_init(void)
{
	int ret = class_register(&iommu_class);

	if (ret)
		pr_err("cannot register /sys/class/iommu: %d\n", ret);
	return ret;
}
postcore_initcall(iommu_sysfs_init);

/**
 * iommu_device_sysfs_add() - Give an IOMMU its node in sysfs
 * @iommu: the IOMMU, not yet registered with the core
 * @parent: its hardware device, or NULL
 * @groups: driver-specific attribute groups for the node, or NULL
 * @fmt: printf-style format of the node's name, unique among IOMMUs
 *
 * Sets @iommu->dev to a new device of class "iommu" whose driver data is
 * @iommu, so that attribute callbacks can find it with
 * dev_get_drvdata().  Drivers call this before iommu_device_register()
 * so that the devices probed at registration can be linked to it.
 *
 * Return: 0 on success or a negative errno.
 */
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *parent,
			   const struct attribute_group **groups,
			   const char *fmt, ...)
{
	struct device *dev;
	va_list args;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;

	device_initialize(dev);
	dev->class = &iommu_class;
	dev->parent = parent;
	dev->groups = groups;
	/*
	 * The attributes are readable as soon as device_add() returns, and
	 * their show() callbacks look the IOMMU up from the driver data.
	 */
	dev_set_drvdata(dev, iommu);

	va_start(args, fmt);
	ret = kobject_set_name_vargs(&dev->kobj, fmt, args);
	va_end(args);
	if (!ret)
		ret = device_add(dev);
	if (ret)
		put_device(dev);	/* frees the name, and dev by release */
	else
		iommu->dev = dev;
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_device_sysfs_add);

/**
 * iommu_device_sysfs_remove() - Undo iommu_device_sysfs_add(), if it was done
 * @iommu: the IOMMU, already unregistered from the core (nothing links to it)
 */
void iommu_device_sysfs_remove(struct iommu_device *iommu)
{
	if (iommu->dev)
		device_unregister(iommu->dev);
	iommu->dev = NULL;
}
EXPORT_SYMBOL_GPL(iommu_device_sysfs_remove);

/**
 * iommu_device_link() - Link a device and the IOMMU that translates it
 * @iommu: the IOMMU
 * @link: a device the IOMMU core has just probed behind @iommu
 *
 * Adds the link <iommu node>/devices/<name of @link> and the link "iommu"
 * in @link's own directory.  Either both links exist afterwards or
 * neither does.  An IOMMU whose driver gave it no sysfs node has nowhere
 * to link to; that is not an error.
 *
 * Return: 0 on success or a negative errno.
 */
int iommu_device_link(struct iommu_device *iommu, struct device *link)
{
	struct kobject *node;
	int ret;

	if (IS_ERR_OR_NULL(iommu))
		return -ENODEV;
	if (!iommu->dev)
		return 0;

	node = &iommu->dev->kobj;
	ret = sysfs_add_link_to_group(node, IOMMU_LINKS_DIR, &link->kobj,
				      dev_name(link));
	if (ret)
		return ret;

	ret = sysfs_create_link_nowarn(&link->kobj, node, "iommu");
	if (ret)
		sysfs_remove_link_from_group(node, IOMMU_LINKS_DIR,
					     dev_name(link));
	return ret;
}

/**
 * iommu_device_unlink() - Undo iommu_device_link()
 * @iommu: the IOMMU
 * @link: the device leaving it
 */
void iommu_device_unlink(struct iommu_device *iommu, struct device *link)
{
	if (IS_ERR_OR_NULL(iommu) || !iommu->dev)
		return;

	sysfs_remove_link(&link->kobj, "iommu");
	sysfs_remove_link_from_group(&iommu->dev->kobj, IOMMU_LINKS_DIR,
				     dev_name(link));
}
