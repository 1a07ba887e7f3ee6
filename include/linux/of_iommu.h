/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device tree glue of the IOMMU core: what drivers/of asks of it when it
 * configures a device for DMA.
 */
#ifndef __OF_IOMMU_H
#define __OF_IOMMU_H

#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct device_node;
struct list_head;

#if IS_ENABLED(CONFIG_OF_IOMMU)
int of_iommu_configure(struct device *dev, struct device_node *master_np,
		       const u32 *id);
void of_iommu_get_resv_regions(struct device *dev, struct list_head *list);
#else
/* Without OF_IOMMU, the device tree puts no device behind an IOMMU. */
static inline void
of_iommu_get_resv_regions(struct device *dev, struct list_head *list) { }

static inline int
of_iommu_configure(struct device *dev, struct device_node *master_np,
		   const u32 *id)
{
	return -ENODEV;
}
#endif

#endif /* __OF_IOMMU_H */
