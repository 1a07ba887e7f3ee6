// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place the IOMMU trace points (include/trace/events/iommu.h) are
 * instantiated; everything else only includes the header to fire them.
 */

#include <linux/device.h>
#include <linux/export.h>

#define CREATE_TRACE_POINTS
#include <trace/events/iommu.h>

/*
 * Faults are reported, and mappings may be made, from modular IOMMU
 * drivers and their users; group and attach events stay with the core.
 */
EXPORT_TRACEPOINT_SYMBOL_GPL(io_page_fault);
EXPORT_TRACEPOINT_SYMBOL_GPL(map);
EXPORT_TRACEPOINT_SYMBOL_GPL(unmap);
