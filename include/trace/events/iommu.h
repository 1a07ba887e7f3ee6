/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace points of the IOMMU core: devices joining and leaving IOMMU
 * groups, domains being attached, user domains being allocated, mappings
 * made and removed, and faults reported by IOMMU drivers.
 *
 * Addresses are recorded as u64 so that the binary format is the same
 * whatever the width of unsigned long and phys_addr_t.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommu

#if !defined(_TRACE_IOMMU_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_IOMMU_H

#include <linux/device.h>
#include <linux/tracepoint.h>

/* A device and the number of the group it joins or leaves. */
DECLARE_EVENT_CLASS(iommu_group_membership,
		    TP_PROTO(int group_id, struct device *dev),
		    TP_ARGS(group_id, dev),
		    TP_STRUCT__entry(__string(dev_name, dev_name(dev))
				     __field(int, group)),
		    TP_fast_assign(__assign_str(dev_name);
				   __entry->group = group_id;),
		    TP_printk("%s group %d",
			      __get_str(dev_name), __entry->group)
);

#define IOMMU_GROUP_MEMBERSHIP_EVENT(name)				\
	DEFINE_EVENT(iommu_group_membership, name,			\
		     TP_PROTO(int group_id, struct device *dev),	\
		     TP_ARGS(group_id, dev))

/* The device is now a member of the group... */
IOMMU_GROUP_MEMBERSHIP_EVENT(add_device_to_group);
/* ...or it has left it, and the group may be gone next. */
IOMMU_GROUP_MEMBERSHIP_EVENT(remove_device_from_group);

/* Fired once a device's group has switched to a new domain. */
TRACE_EVENT(attach_device_to_domain,
	    TP_PROTO(struct device *dev),
	    TP_ARGS(dev),
	    TP_STRUCT__entry(__string(dev_name, dev_name(dev))),
	    TP_fast_assign(__assign_str(dev_name);),
	    TP_printk("%s attached", __get_str(dev_name))
);

/*
 * iommu_user_domain_alloc() has returned: the device the domain was asked
 * for, the IOMMU_HWPT_ALLOC_* flags of the request, and 0 or the error.
 */
TRACE_EVENT(user_domain_alloc,
	    TP_PROTO(struct device *dev, u32 flags, int ret),
	    TP_ARGS(dev, flags, ret),
	    TP_STRUCT__entry(__string(dev_name, dev_name(dev))
			     __field(u32, flags)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev_name);
			   __entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("%s flags 0x%x ret %d", __get_str(dev_name),
		      __entry->flags, __entry->ret)
);

/* One iommu_map() call as a whole, however many pages it took. */
TRACE_EVENT(map,
	    TP_PROTO(unsigned long iova, phys_addr_t paddr, size_t size),
	    TP_ARGS(iova, paddr, size),
	    TP_STRUCT__entry(__field(u64, start)
			     __field(u64, phys)
			     __field(size_t, len)),
	    TP_fast_assign(__entry->start = iova;
			   __entry->phys = paddr;
			   __entry->len = size;),
	    TP_printk("[%#llx, +%#zx) -> %#llx",
		      __entry->start, __entry->len, __entry->phys)
);

/*
 * One iommu_unmap() call: what was asked for and what was unmapped, which
 * differ when the range was not (fully) mapped.
 */
TRACE_EVENT(unmap,
	    TP_PROTO(unsigned long iova, size_t size, size_t unmapped_size),
	    TP_ARGS(iova, size, unmapped_size),
	    TP_STRUCT__entry(__field(u64, start)
			     __field(size_t, len)
			     __field(size_t, done)),
	    TP_fast_assign(__entry->start = iova;
			   __entry->len = size;
			   __entry->done = unmapped_size;),
	    TP_printk("[%#llx, +%#zx) unmapped %#zx",
		      __entry->start, __entry->len, __entry->done)
);

/*
 * A translation fault an IOMMU driver reported for a device; flags are
 * the IOMMU_FAULT_* bits of linux/iommu.h.
 */
TRACE_EVENT(io_page_fault,
	    TP_PROTO(struct device *dev, unsigned long iova, int flags),
	    TP_ARGS(dev, iova, flags),
	    TP_STRUCT__entry(__string(dev_name, dev_name(dev))
			     __string(drv_name, dev_driver_string(dev))
			     __field(u64, addr)
			     __field(int, fault_flags)),
	    TP_fast_assign(__assign_str(dev_name);
			   __assign_str(drv_name);
			   __entry->addr = iova;
			   __entry->fault_flags = flags;),
	    TP_printk("%s (%s) at %#llx, flags %#x",
		      __get_str(dev_name), __get_str(drv_name),
		      __entry->addr, __entry->fault_flags)
);

#endif /* _TRACE_IOMMU_H */

/* Outside the guard: the trace machinery reads this file several times. */
#include <trace/define_trace.h>
