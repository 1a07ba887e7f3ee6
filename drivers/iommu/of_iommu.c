// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device tree side of IOMMU probing.
 *
 * A device names the IOMMUs in front of it in one of two ways.  A device
 * with a fixed set of stream IDs lists them in its own "iommus" property:
 * a phandle to the IOMMU followed by as many cells as the IOMMU's
 * #iommu-cells.  A device on a bus whose IDs depend on its bus address,
 * such as PCI, gets them from its host's "iommu-map", which maps the
 * requester ID (or another bus-specific ID) to an IOMMU and a stream ID.
 * Either way every specifier is handed to the IOMMU driver's of_xlate(),
 * which records the IDs in the device's fwspec, and the core then probes
 * the device against that IOMMU.
 *
 * "memory-region" nodes with "iommu-addresses" also describe, per device,
 * I/O virtual addresses that must stay reserved or identity mapped; the
 * IOMMU drivers' get_resv_regions() collect them here.
 */

#define pr_fmt(fmt) "of_iommu: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/of_iommu.h>
#include <linux/pci.h>

#include "iommu-priv.h"

/*
 * One specifier: the IOMMU node and its cells.  The IOMMU's driver must
 * have registered its iommu_device with the node's fwnode before it can
 * interpret the cells; until then iommu_fwspec_init() keeps the device in
 * deferred probe, unless deferred probing has given up, in which case it
 * goes on without an IOMMU.
 */
static int of_iommu_add_spec(struct device *dev, struct of_phandle_args *spec)
{
	struct fwnode_handle *iommu_fwnode;
	const struct iommu_ops *ops;
	int ret;

	if (!spec->np || !of_device_is_available(spec->np))
		return -ENODEV;

	iommu_fwnode = of_fwnode_handle(spec->np);
	ret = iommu_fwspec_init(dev, iommu_fwnode);
	if (ret)
		return ret;
	ops = iommu_ops_from_fwnode(iommu_fwnode);
	if (!ops || !ops->of_xlate)
		return -ENODEV;

	/* A modular IOMMU driver must not go away while it parses the cells. */
	if (!try_module_get(ops->owner))
		return -ENODEV;
	ret = ops->of_xlate(dev, spec);
	module_put(ops->owner);
	return ret;
}

/* The "iommus" list of a device that has fixed IDs. */
static int of_iommu_add_iommus(struct device *dev, struct device_node *np)
{
	struct of_phandle_args spec;
	int ret = -ENODEV;
	int i;

	for (i = 0; ; i++) {
		if (of_parse_phandle_with_args(np, "iommus", "#iommu-cells",
					       i, &spec))
			break;
		ret = of_iommu_add_spec(dev, &spec);
		of_node_put(spec.np);
		if (ret)
			break;
	}
	return ret;
}

/*
 * An ID on a bus below @np, looked up in @np's "iommu-map".  The map
 * yields a single cell: the stream ID as the IOMMU sees it.
 */
static int of_iommu_add_mapped_id(struct device *dev, struct device_node *np,
				  u32 id)
{
	struct of_phandle_args spec = { .args_count = 1 };
	int ret;

	ret = of_map_id(np, id, "iommu-map", "iommu-map-mask", &spec.np,
			spec.args);
	if (ret)
		return ret;
	/* A map without an entry for this ID leaves the target unset. */
	if (!spec.np)
		return -ENODEV;

	ret = of_iommu_add_spec(dev, &spec);
	of_node_put(spec.np);
	return ret;
}

/*
 * A PCI function may issue DMA with more than one requester ID (bridges
 * and quirks alias it); each of them needs its stream ID in the fwspec.
 * The walk over them calls back with the alias's device, which may be a
 * bridge, so the function itself and its host bridge's node travel here.
 */
struct of_iommu_pci_walk {
	struct device_node *host_np;
	struct device *dev;
};

static int of_iommu_pci_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	const struct of_iommu_pci_walk *walk = data;

	return of_iommu_add_mapped_id(walk->dev, walk->host_np, alias);
}

static int of_iommu_add_ids(struct device *dev, struct device_node *master_np,
			    const u32 *id)
{
	if (dev_is_pci(dev)) {
		struct of_iommu_pci_walk walk = {
			.dev = dev,
			.host_np = master_np,
		};

		/*
		 * Isolation between functions relies on ACS; ask the PCI core
		 * to enable it before it scans further devices.
		 */
		pci_request_acs();
		return pci_for_each_dma_alias(to_pci_dev(dev),
					      of_iommu_pci_alias, &walk);
	}
	if (id)
		return of_iommu_add_mapped_id(dev, master_np, *id);
	return of_iommu_add_iommus(dev, master_np);
}

/*
 * Give the device its fwspec under iommu_probe_device_lock, which keeps
 * dev->iommu and its fwspec stable.  Returns 1 if an earlier call already
 * did (of_dma_configure() runs before each probe of the device's driver),
 * 0 once it has one now, or an errno with nothing left half set up for
 * the next attempt.
 */
static int of_iommu_setup(struct device *dev, struct device_node *master_np,
			  const u32 *id)
{
	int ret = 1;

	if (!master_np)
		return -ENODEV;

	mutex_lock(&iommu_probe_device_lock);
	if (!dev_iommu_fwspec_get(dev)) {
		ret = of_iommu_add_ids(dev, master_np, id);
		/* dev->iommu exists only for the fwspec made here. */
		if (ret)
			dev_iommu_free(dev);
	}
	mutex_unlock(&iommu_probe_device_lock);
	return ret;
}

/**
 * of_iommu_configure() - Set up a device's IOMMU IDs from the device tree
 * @dev: the device being configured for DMA
 * @master_np: the node that describes its DMA: the device's own node, or
 *	for a device on a bus such as PCI, the host bridge's node
 * @id: the device's ID on that bus to look up in "iommu-map", or NULL to
 *	use @master_np's "iommus" (ignored for PCI, which uses the
 *	requester IDs of the device and its aliases)
 *
 * Called by the OF DMA set-up each time the device's driver is about to
 * probe.  A device that already has a fwspec keeps it, and is probed into
 * the IOMMU core again if an earlier probe failed.
 *
 * Return: 0 if the device is behind an IOMMU and was probed into the IOMMU
 * core, -EPROBE_DEFER if its IOMMU has no driver yet but may get one,
 * -ENODEV if the device tree gives it no IOMMU (it does DMA without one),
 * or the error of a probe that failed: then its IOMMU blocks its DMA, and
 * its driver must not bind.
 */
int of_iommu_configure(struct device *dev, struct device_node *master_np,
		       const u32 *id)
{
	int ret;

	/*
	 * A fwspec made by an earlier call stays, but the probe is tried
	 * again: it may have failed then, and does nothing for a device it
	 * took.
	 */
	ret = of_iommu_setup(dev, master_np, id);
	if (ret >= 0 && dev->bus)
		ret = iommu_probe_device(dev);
	else if (ret > 0)
		ret = 0;

	if (ret && ret != -ENODEV && ret != -EPROBE_DEFER)
		dev_dbg(dev, "no IOMMU translation: %d\n", ret);
	return ret;
}

/*
 * A reserved-memory region that has physical memory ("reg") and the same
 * address in I/O space must be mapped 1:1; one without memory only keeps
 * the I/O addresses out of the allocator.  Anything else cannot be
 * expressed as a reserved region, so it degrades to a reservation.
 */
static enum iommu_resv_type of_iommu_resv_type(struct device *dev,
					       const struct resource *mem,
					       phys_addr_t iova, size_t length)
{
	if (!mem)
		return IOMMU_RESV_RESERVED;
	if (mem->start == iova && resource_size(mem) == length)
		return IOMMU_RESV_DIRECT;

	dev_warn(dev, "%pR is not at I/O address %pa, only reserving it\n",
		 mem, &iova);
	return IOMMU_RESV_RESERVED;
}

/*
 * Walk one region's "iommu-addresses": a list of <device-phandle address
 * size> tuples, where address and size take the cell counts of the named
 * device's DMA parent bus.  Only the tuples naming @dev concern it.
 */
static void of_iommu_region_addresses(struct device *dev,
				      struct device_node *region,
				      const struct resource *mem,
				      struct list_head *list)
{
	const __be32 *cell, *end;
	int prot = IOMMU_READ | IOMMU_WRITE;
	int len;

	cell = of_get_property(region, "iommu-addresses", &len);
	if (!cell)
		return;
	end = cell + len / sizeof(*cell);

	if (of_dma_is_coherent(dev->of_node))
		prot |= IOMMU_CACHE;

	while (cell < end) {
		struct iommu_resv_region *resv;
		struct device_node *np;
		phys_addr_t iova;
		size_t length;
		bool ours;

		np = of_find_node_by_phandle(be32_to_cpup(cell++));
		if (!np)
			break;
		/* The tuple's size depends on np; without it we are lost. */
		cell = of_translate_dma_region(np, cell, &iova, &length);
		ours = np == dev->of_node;
		of_node_put(np);
		if (!cell || cell > end) {
			dev_warn(dev, "%pOF: malformed iommu-addresses\n",
				 region);
			break;
		}
		if (!ours)
			continue;
		if (!length) {
			dev_warn(dev, "%pOF: empty IOVA range ignored\n",
				 region);
			continue;
		}

		resv = iommu_alloc_resv_region(iova, length, prot,
					       of_iommu_resv_type(dev, mem, iova,
								  length),
					       GFP_KERNEL);
		if (resv)
			list_add_tail(&resv->list, list);
	}
}

/**
 * of_iommu_get_resv_regions() - Reserved I/O ranges the device tree sets
 * @dev: device whose ranges to collect
 * @list: list to append &struct iommu_resv_region entries to
 *
 * Each of @dev's "memory-region" nodes may have an "iommu-addresses"
 * property giving, per device, the I/O virtual addresses at which that
 * memory must be reachable (a region with a "reg", mapped 1:1) or which
 * must never be handed out (a region without one).  IOMMU drivers call
 * this from their get_resv_regions().
 */
void of_iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct of_phandle_iterator it;
	int err;

	if (!IS_ENABLED(CONFIG_OF_ADDRESS) || !dev->of_node)
		return;

	of_for_each_phandle(&it, err, dev->of_node, "memory-region", NULL, 0) {
		struct resource mem;
		bool has_mem = false;

		if (of_property_present(it.node, "reg")) {
			if (of_address_to_resource(it.node, 0, &mem)) {
				dev_err(dev, "%pOF: unusable reg\n", it.node);
				continue;
			}
			has_mem = true;
		}
		of_iommu_region_addresses(dev, it.node, has_mem ? &mem : NULL,
					  list);
	}
}
