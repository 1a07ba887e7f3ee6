/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOMMU API: what device drivers, VFIO and the DMA layer see of the
 * IOMMU core, and what IOMMU drivers implement for it.
 *
 * A device behind an IOMMU belongs to exactly one iommu_group: the smallest
 * set of devices the IOMMU can tell apart.  A group is attached to one
 * iommu_domain at a time, an I/O address space with its own page tables.
 * At probe every group gets a default domain (identity, DMA or DMA-FQ) that
 * kernel drivers use through the DMA API; a group may instead be claimed by
 * one owner (VFIO, say), which then attaches domains it allocated itself.
 *
 * Documentation/iommu/core.rst describes the rules around this header.
 */
#ifndef __LINUX_IOMMU_H
#define __LINUX_IOMMU_H

#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/iova_bitmap.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

/* Access and attribute bits of a mapping (the @prot of iommu_map()) */
#define IOMMU_READ	BIT(0)
#define IOMMU_WRITE	BIT(1)
#define IOMMU_CACHE	BIT(2)	/* the device's accesses snoop CPU caches */
#define IOMMU_NOEXEC	BIT(3)
#define IOMMU_MMIO	BIT(4)	/* device memory, such as an MSI doorbell */
#define IOMMU_PRIV	BIT(5)	/* privileged accesses only */

struct dentry;
struct device;
struct iommu_attach_handle;
struct iommu_dma_cookie;
struct iommu_domain;
struct iommu_domain_ops;
struct iommu_fault_param;
struct iommu_group;
struct iommu_ops;
struct iommu_sva;
struct notifier_block;

/* A PASID, or IOMMU_NO_PASID for DMA that carries none */
typedef u32 ioasid_t;

/* The @flags a fault handler gets: the kind of the faulting access */
#define IOMMU_FAULT_READ	0x0
#define IOMMU_FAULT_WRITE	0x1

/*
 * A domain owner's hook for faults.
 *
 * Called with the domain, the device, the faulting IOVA, IOMMU_FAULT_* flags
 * and the token given to iommu_set_fault_handler().  Returning 0 means the
 * fault was handled; anything else lets the IOMMU driver report it itself.
 */
typedef int (*iommu_fault_handler_t)(struct iommu_domain *,
				     struct device *, unsigned long, int,
				     void *);

/*
 * I/O page faults (io-pgfault.c), in the model of PCIe's Page Request
 * Interface: a device that reaches an address its domain does not map sends
 * page requests, in groups, and waits for one response per group.
 */

/* What a page request asks for (the @perm of iommu_fault_page_request) */
#define IOMMU_FAULT_PERM_READ	BIT(0)
#define IOMMU_FAULT_PERM_WRITE	BIT(1)
#define IOMMU_FAULT_PERM_EXEC	BIT(2)
#define IOMMU_FAULT_PERM_PRIV	BIT(3)

/**
 * enum iommu_fault_type - the kinds of fault iommu_report_device_fault() takes
 * @IOMMU_FAULT_PAGE_REQ: a page request, which the device waits to have
 *	answered
 */
enum iommu_fault_type {
	IOMMU_FAULT_PAGE_REQ = 1,
};

/* The @flags of iommu_fault_page_request */
#define IOMMU_FAULT_PAGE_REQUEST_PASID_VALID	BIT(0)	/* @pasid is set */
#define IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE	BIT(1)	/* ends its group */
#define IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID	BIT(2)	/* answer with @pasid */

/**
 * struct iommu_fault_page_request - one page request, as the driver got it
 * @addr: the page
 * @perm: IOMMU_FAULT_PERM_* access the device needs
 * @grpid: the page request group index, which the response repeats
 * @pasid: the address space the request is for, if PASID_VALID is set
 * @flags: IOMMU_FAULT_PAGE_REQUEST_* and IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
 *	a request without LAST_PAGE waits for the one that ends its group
 * @private_data: whatever the IOMMU driver needs to answer the request
 */
struct iommu_fault_page_request {
	u64 addr;
	u32 perm;
	u32 grpid;
	u32 pasid;
	u32 flags;
	u64 private_data[2];
};

/**
 * struct iommu_fault - a fault reported by an IOMMU driver
 * @prm: the request, for IOMMU_FAULT_PAGE_REQ
 * @type: enum iommu_fault_type
 */
struct iommu_fault {
	struct iommu_fault_page_request prm;
	u32 type;
};

/**
 * enum iommu_page_response_code - how a group of page requests is answered
 * @IOMMU_PAGE_RESP_SUCCESS: the pages are mapped now; the device retries
 *	(PRI's "Success")
 * @IOMMU_PAGE_RESP_INVALID: the pages will not be mapped; the device does
 *	not retry (PRI's "Invalid Request")
 * @IOMMU_PAGE_RESP_FAILURE: something went wrong beyond this group; the
 *	device may stop sending requests (PRI's "Response Failure")
 */
enum iommu_page_response_code {
	IOMMU_PAGE_RESP_SUCCESS = 0,
	IOMMU_PAGE_RESP_INVALID = 1,
	IOMMU_PAGE_RESP_FAILURE = 2,
};

/**
 * struct iommu_page_response - the answer to a group, for the IOMMU driver
 * @grpid: the group index of the group's last request
 * @pasid: its PASID
 * @code: enum iommu_page_response_code
 */
struct iommu_page_response {
	u32 grpid;
	u32 pasid;
	u32 code;
};

/**
 * struct iopf_fault - a fault as the core keeps it
 * @fault: what the driver reported
 * @list: link in a device's partial requests, or in its group's @faults
 */
struct iopf_fault {
	struct iommu_fault fault;
	struct list_head list;
};

/**
 * struct iopf_group - a complete group of page requests, for a handler
 * @faults: every request of the group, @last_fault the last of them
 * @fault_count: how many there are on @faults
 * @last_fault: the request that ended the group; the response goes with
 *	its PASID and group index
 * @fault_param: the device's fault data; the group holds a reference
 * @attach_handle: the handle whose domain's @iopf_handler got the group
 * @pending_node: link in the device's pending groups while the core waits
 *	for the handler to answer; empty once answered, or dequeued by the
 *	handler (iopf_group_dequeue())
 * @node: free for the handler, to keep the group on lists of its own
 * @cookie: free for the handler, to name the group to user space
 * @work: for handlers that answer from the queue's workqueue
 */
struct iopf_group {
	struct list_head faults;
	size_t fault_count;
	struct iopf_fault last_fault;
	struct iommu_fault_param *fault_param;
	struct iommu_attach_handle *attach_handle;
	struct list_head pending_node;
	struct list_head node;
	u32 cookie;
	struct work_struct work;
};

/**
 * struct iopf_queue - the devices of one IOMMU that send page requests
 * @devices: the &iommu_fault_param of each device, under io-pgfault.c's
 *	lock
 * @wq: where handlers may defer their work; iopf_queue_flush_dev() and
 *	iopf_queue_remove_device() wait for it
 */
struct iopf_queue {
	struct list_head devices;
	struct workqueue_struct *wq;
};

/**
 * struct iommu_fault_param - what the core keeps of a device in a queue
 * @lock: protects @queue (its clearing), @partial and @faults, and orders
 *	the responses sent to the driver
 * @partial: requests waiting for the last one of their group
 * @faults: groups handed to a handler and not answered yet
 * @queue: its queue; NULL once iopf_queue_remove_device() took the device
 *	out, after which nothing is sent to its IOMMU driver any more
 * @dev: the device
 * @users: one for the queue, one for each live &iopf_group
 * @queue_list: link in the queue's @devices
 *
 * dev->iommu->fault_param points here while the device is in its queue;
 * the fault path reads that under iommu_fault_srcu.
 */
struct iommu_fault_param {
	struct mutex lock;	/* @partial, @faults, clearing @queue */
	struct list_head partial;
	struct list_head faults;
	struct iopf_queue *queue;
	struct device *dev;
	refcount_t users;
	struct list_head queue_list;
};

/**
 * struct iommu_domain_geometry - the IOVA window a domain can translate
 * @aperture_start: lowest IOVA that can be mapped
 * @aperture_end: highest IOVA that can be mapped
 * @force_aperture: DMA outside the window is refused
 */
struct iommu_domain_geometry {
	dma_addr_t aperture_start;
	dma_addr_t aperture_end;
	bool force_aperture;
};

/*
 * A domain's type is a set of properties.  PAGING: iommu_map() and
 * iommu_unmap() work on it.  DMA_API: the DMA layer owns its IOVA space.
 * PT: addresses pass through untranslated.  DMA_FQ: the DMA layer defers
 * invalidation to a flush queue.  PLATFORM and NESTED: managed by the
 * driver or by user space, not by the core.
 */
#define __IOMMU_DOMAIN_PAGING	BIT(0)
#define __IOMMU_DOMAIN_DMA_API	BIT(1)
#define __IOMMU_DOMAIN_PT	BIT(2)
#define __IOMMU_DOMAIN_DMA_FQ	BIT(3)
#define __IOMMU_DOMAIN_SVA	BIT(4)
#define __IOMMU_DOMAIN_PLATFORM	BIT(5)
#define __IOMMU_DOMAIN_NESTED	BIT(6)

/* The types a domain is created as: everything but the flush queue */
#define IOMMU_DOMAIN_ALLOC_FLAGS	~__IOMMU_DOMAIN_DMA_FQ

#define IOMMU_DOMAIN_BLOCKED	0U
#define IOMMU_DOMAIN_IDENTITY	__IOMMU_DOMAIN_PT
#define IOMMU_DOMAIN_UNMANAGED	__IOMMU_DOMAIN_PAGING
#define IOMMU_DOMAIN_DMA	(__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)
#define IOMMU_DOMAIN_DMA_FQ	(IOMMU_DOMAIN_DMA | __IOMMU_DOMAIN_DMA_FQ)
#define IOMMU_DOMAIN_SVA	__IOMMU_DOMAIN_SVA
#define IOMMU_DOMAIN_PLATFORM	__IOMMU_DOMAIN_PLATFORM
#define IOMMU_DOMAIN_NESTED	__IOMMU_DOMAIN_NESTED

/**
 * struct iommu_domain - an I/O address space
 * @type: IOMMU_DOMAIN_*
 * @ops: the IOMMU driver's operations on this domain
 * @owner: the ops of the IOMMU driver that allocated it; only devices of
 *	that driver can be attached
 * @pgsize_bitmap: the page and block sizes its page tables can map
 * @geometry: the IOVA window it translates
 * @iova_cookie: the DMA layer's state (DMA domains), or its MSI window
 *	(domains that iommu_get_msi_cookie() was called on)
 * @handler: the owner's fault handler, or NULL
 * @handler_token: passed back to @handler
 * @dirty_ops: dirty tracking, for a user domain allocated with
 *	IOMMU_HWPT_ALLOC_DIRTY_TRACKING; NULL otherwise
 * @iopf_handler: takes the groups of page requests of devices attached
 *	with an attach handle; returns 0 if it took the group, to answer it,
 *	or an error to have the core answer it "invalid".  A group it keeps
 *	anywhere but in work on the queue's workqueue it dequeues first
 *	(iopf_group_dequeue()): iopf_queue_remove_device() frees the pending
 *	ones
 * @fault_data: the owner's, for @iopf_handler
 */
struct iommu_domain {
	unsigned int type;
	const struct iommu_domain_ops *ops;
	const struct iommu_dirty_ops *dirty_ops;
	const struct iommu_ops *owner;
	unsigned long pgsize_bitmap;
	struct iommu_domain_geometry geometry;
	struct iommu_dma_cookie *iova_cookie;
	iommu_fault_handler_t handler;
	void *handler_token;
	int (*iopf_handler)(struct iopf_group *group);
	void *fault_data;
};

/**
 * struct iommu_attach_handle - an owner's record of one attachment
 * @domain: the domain it attached; the core sets it
 *
 * An owner that attaches its domains with iommu_attach_group_handle() or
 * iommu_replace_group_handle() embeds this in a structure of its own, and
 * finds that again from the group (iommu_attach_handle_get()) or from a
 * fault group (&iopf_group.attach_handle).  The owner allocates and frees
 * it; the group points at it while @domain is attached.
 */
struct iommu_attach_handle {
	struct iommu_domain *domain;
};

/* True for the DMA and DMA-FQ domains that the DMA layer runs. */
static inline bool iommu_is_dma_domain(struct iommu_domain *domain)
{
	return domain->type & __IOMMU_DOMAIN_DMA_API;
}

/**
 * iommu_domain_granule() - a paging domain's granule, its smallest page size
 * @domain: a paging domain, with a non-empty @pgsize_bitmap
 *
 * Every range mapped or unmapped in @domain starts and ends on a multiple
 * of the granule.  It is the page table's translation granule, and the
 * DMA layer's IOVA granule for a DMA domain.
 *
 * Return: the granule in bytes.
 */
static inline unsigned long
iommu_domain_granule(const struct iommu_domain *domain)
{
	return 1UL << __ffs(domain->pgsize_bitmap);
}

/* What device_iommu_capable() can be asked */
enum iommu_cap {
	/* IOMMU_CACHE makes the device's accesses coherent */
	IOMMU_CAP_CACHE_COHERENCY,
	/* IOMMU_NOEXEC is honoured */
	IOMMU_CAP_NOEXEC,
	/* firmware had the IOMMU on before the kernel: keep DMA translated */
	IOMMU_CAP_PRE_BOOT_PROTECTION,
	/* coherency can be enforced whatever the device asks for */
	IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	/* invalidation is cheap enough to be deferred to a flush queue */
	IOMMU_CAP_DEFERRED_FLUSH,
	/* the page tables track dirty pages */
	IOMMU_CAP_DIRTY_TRACKING,
};

/* Kinds of reserved IOVA regions */
enum iommu_resv_type {
	IOMMU_RESV_DIRECT,		/* firmware DMAs here: identity-map it */
	IOMMU_RESV_DIRECT_RELAXABLE,	/* the same, in default domains only */
	IOMMU_RESV_RESERVED,		/* never to be mapped */
	IOMMU_RESV_MSI,			/* MSIs, which hardware translates */
	IOMMU_RESV_SW_MSI,		/* where the DMA layer maps doorbells */
};

/**
 * struct iommu_resv_region - an IOVA range a device's domains must respect
 * @type: what the region is for
 * @start: first address
 * @length: size in bytes
 * @prot: IOMMU_* access for the DIRECT kinds
 * @free: frees the region, when it is embedded in something larger
 * @list: link in the caller's list
 */
struct iommu_resv_region {
	enum iommu_resv_type type;
	phys_addr_t start;
	size_t length;
	int prot;
	void (*free)(struct device *dev, struct iommu_resv_region *region);
	struct list_head list;
};

/**
 * struct iommu_iort_rmr_data - an ACPI IORT reserved memory range
 * @rr: the region
 * @sids: the StreamIDs it applies to
 * @num_sids: how many
 */
struct iommu_iort_rmr_data {
	const u32 *sids;
	u32 num_sids;
	struct iommu_resv_region rr;
};

enum iommu_dev_features {
	IOMMU_DEV_FEAT_SVA,	/* shared virtual addressing */
	IOMMU_DEV_FEAT_IOPF,	/* recoverable I/O page faults */
};

#define IOMMU_NO_PASID			0U	/* DMA without a PASID */
#define IOMMU_FIRST_GLOBAL_PASID	1U
#define IOMMU_PASID_INVALID		(-1U)

/* read_and_clear_dirty(): report, but leave the dirty bits set */
#define IOMMU_DIRTY_NO_CLEAR	BIT(0)

#ifdef CONFIG_IOMMU_API

/**
 * struct iommu_iotlb_gather - invalidation owed after an unmap
 * @start: first IOVA unmapped, ULONG_MAX when nothing is owed
 * @end: last IOVA unmapped
 * @pgsize: the leaf size unmapped, for drivers that invalidate per leaf
 * @freelist: page-table pages to free once the invalidation is done
 * @queued: the DMA layer's flush queue will invalidate; skip it now
 *
 * Unmapping fills this in; iommu_iotlb_sync() sends the invalidation and
 * resets it.  Pages freed from the page tables wait on @freelist until the
 * IOTLB no longer holds walks through them.
 */
struct iommu_iotlb_gather {
	unsigned long start, end;
	size_t pgsize;
	bool queued;
	struct list_head freelist;
};

/**
 * struct iommu_dirty_bitmap - where read_and_clear_dirty() reports to
 * @bitmap: the user's bitmap, or NULL
 * @gather: the range whose dirty bits were cleared, to be invalidated
 */
struct iommu_dirty_bitmap {
	struct iommu_iotlb_gather *gather;
	struct iova_bitmap *bitmap;
};

/**
 * struct iommu_dirty_ops - dirty tracking of a domain's page tables
 * @set_dirty_tracking: start or stop tracking
 * @read_and_clear_dirty: report the dirty pages of a range
 */
struct iommu_dirty_ops {
	int (*read_and_clear_dirty)(struct iommu_domain *domain,
				    unsigned long iova, size_t size,
				    unsigned long flags,
				    struct iommu_dirty_bitmap *dirty);
	int (*set_dirty_tracking)(struct iommu_domain *domain, bool enabled);
};

/**
 * struct iommu_user_data - a driver-specific blob from user space
 * @type: which of the driver's formats @uptr holds
 * @uptr: the blob
 * @len: its length
 */
struct iommu_user_data {
	void __user *uptr;
	size_t len;
	unsigned int type;
};

/**
 * struct iommu_user_data_array - an array of driver-specific entries from
 *	user space, such as cache invalidation requests
 * @type: which of the driver's formats the entries are in
 * @uptr: the first entry
 * @entry_len: the size of one entry, as user space knows it
 * @entry_num: how many entries; a consumer sets it to how many it handled
 */
struct iommu_user_data_array {
	unsigned int type;
	void __user *uptr;
	size_t entry_len;
	u32 entry_num;
};

/*
 * Copy a user blob of @ulen bytes at @uptr into a kernel struct of @klen
 * bytes.  User space gives at least @min_len bytes, the struct's first
 * version, and at most @klen: a struct that has grown since user space was
 * built has the rest zeroed, but a blob longer than the kernel knows is
 * refused, since its entries would be misread in an array.
 */
static inline int iommu_copy_user_blob(void *kdst, size_t klen, size_t min_len,
				       const void __user *uptr, size_t ulen)
{
	if (ulen < min_len || ulen > klen)
		return -EINVAL;
	return copy_struct_from_user(kdst, klen, uptr, ulen);
}

/* A user blob of the driver's @type; see iommu_copy_struct_from_user() */
static inline int iommu_copy_user_data(void *kdst, size_t klen, size_t min_len,
				       const struct iommu_user_data *src,
				       unsigned int type)
{
	if (src->type != type)
		return -EINVAL;
	return iommu_copy_user_blob(kdst, klen, min_len, src->uptr, src->len);
}

/* Entry @index of a user array of @type; see the macro below */
static inline int iommu_copy_user_entry(void *kdst, size_t klen, size_t min_len,
					const struct iommu_user_data_array *array,
					unsigned int type, unsigned int index)
{
	if (array->type != type || index >= array->entry_num)
		return -EINVAL;
	return iommu_copy_user_blob(kdst, klen, min_len,
				    array->uptr + (size_t)index * array->entry_len,
				    array->entry_len);
}

/**
 * iommu_copy_struct_from_user() - copy a driver's struct from user data
 * @kdst: the kernel struct to fill
 * @user_data: what user space gave
 * @data_type: the type @kdst's format has in the uAPI
 * @min_last: the last member user space must give
 *
 * Return: 0; -EINVAL if @user_data is of another type, shorter than
 * @kdst's first version or longer than @kdst; -EFAULT.
 */
#define iommu_copy_struct_from_user(kdst, user_data, data_type, min_last)    \
({                                                                           \
	typeof(kdst) __kdst = (kdst);                                        \
									     \
	iommu_copy_user_data(__kdst, sizeof(*__kdst),                        \
			     offsetofend(typeof(*__kdst), min_last),         \
			     user_data, data_type);                          \
})

/**
 * iommu_copy_struct_from_user_array() - copy one entry of a user array
 * @kdst: the kernel struct to fill
 * @user_array: what user space gave
 * @data_type: the type @kdst's format has in the uAPI
 * @index: which entry
 * @min_last: the last member each entry must have
 *
 * Return: as iommu_copy_struct_from_user(); also -EINVAL for an @index
 * past the array.
 */
#define iommu_copy_struct_from_user_array(kdst, user_array, data_type,       \
					  index, min_last)                   \
({                                                                           \
	typeof(kdst) __kdst = (kdst);                                        \
									     \
	iommu_copy_user_entry(__kdst, sizeof(*__kdst),                       \
			      offsetofend(typeof(*__kdst), min_last),        \
			      user_array, data_type, index);                 \
})

/**
 * struct iommu_ops - an IOMMU driver
 * @capable: answers device_iommu_capable()
 * @domain_alloc_user: allocates a domain for user space (VFIO, iommufd,
 *	vDPA); @parent and @user_data are for nesting and may be NULL
 * @domain_alloc_paging: allocates a paging domain for @dev's IOMMU
 * @probe_device: takes a device whose fwspec points at this driver; returns
 *	its IOMMU instance or an ERR_PTR (-ENODEV: not ours)
 * @release_device: forgets a device; its group is on @release_domain (or
 *	@blocked_domain) by then
 * @probe_finalize: last step of probe, after the default domain is attached
 * @device_group: finds or makes the group of a device
 * @get_resv_regions: lists a device's reserved regions
 * @of_xlate: adds the IDs of one "iommus" entry to the device's fwspec
 * @is_attach_deferred: attach the default domain on first DMA API use
 *	(kdump keeps the old kernel's translations until then)
 * @dev_enable_feat: turns a per-device feature on
 * @dev_disable_feat: turns it off again
 * @page_response: sends the response to a group of page requests whose
 *	last request was @evt
 * @def_domain_type: IOMMU_DOMAIN_IDENTITY or _DMA when a device needs one,
 *	0 to leave it to the policy
 * @default_domain_ops: domain ops of domains this driver allocates
 * @pgsize_bitmap: page sizes its domains support, by default
 * @owner: the driver's module
 * @identity_domain: its static identity domain, if it has one
 * @blocked_domain: its static domain that blocks all DMA, if it has one
 * @release_domain: what a device is put on before @release_device; a
 *	device with direct regions goes to @identity_domain instead of a
 *	blocking one
 * @default_domain: a domain every group of this driver must use
 * @hw_info: describes @dev's IOMMU to user space (iommufd's
 *	IOMMU_GET_HW_INFO): returns a kmalloc'ed struct of the uAPI, which
 *	the caller frees, or an ERR_PTR; sets *@length to its size and
 *	*@type to its IOMMU_HW_INFO_TYPE_*
 * @user_pasid_table: user space owns the PASID table of the driver's
 *	nested domains, so the core must not attach PASIDs itself
 */
struct iommu_ops {
	struct module *owner;
	unsigned long pgsize_bitmap;
	const struct iommu_domain_ops *default_domain_ops;
	struct iommu_domain *default_domain;
	struct iommu_domain *identity_domain;
	struct iommu_domain *blocked_domain;
	struct iommu_domain *release_domain;

	/* Devices come and go */
	int (*of_xlate)(struct device *dev, const struct of_phandle_args *args);
	struct iommu_device *(*probe_device)(struct device *dev);
	struct iommu_group *(*device_group)(struct device *dev);
	int (*def_domain_type)(struct device *dev);
	bool (*is_attach_deferred)(struct device *dev);
	void (*probe_finalize)(struct device *dev);
	void (*release_device)(struct device *dev);

	/* Domains */
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	struct iommu_domain *(*domain_alloc_user)(struct device *dev, u32 flags,
						  struct iommu_domain *parent,
						  const struct iommu_user_data *user_data);

	/* Questions and per-device features */
	bool (*capable)(struct device *dev, enum iommu_cap cap);
	void *(*hw_info)(struct device *dev, u32 *length, u32 *type);
	void (*get_resv_regions)(struct device *dev, struct list_head *list);
	int (*dev_enable_feat)(struct device *dev, enum iommu_dev_features f);
	int (*dev_disable_feat)(struct device *dev, enum iommu_dev_features f);
	void (*page_response)(struct device *dev, struct iopf_fault *evt,
			      struct iommu_page_response *msg);

	u8 user_pasid_table:1;
};

/**
 * struct iommu_domain_ops - operations on one domain
 * @attach_dev: makes @dev translate through the domain; on failure the
 *	device must be left as it was
 * @map_pages: maps @pgcount pages of @pgsize; sets *@mapped to the bytes
 *	mapped, also on failure
 * @unmap_pages: unmaps up to @pgcount pages of @pgsize and records what the
 *	IOTLB must forget in @iotlb_gather; returns the bytes unmapped
 * @flush_iotlb_all: invalidates the whole domain, synchronously
 * @iotlb_sync_map: makes new mappings visible, for IOMMUs that cache misses
 * @iotlb_sync: invalidates what @iotlb_gather holds and waits for it
 * @iova_to_phys: walks the page tables
 * @enforce_cache_coherency: makes every mapping coherent from now on;
 *	false if the IOMMU cannot
 * @enable_nesting: prepares the domain to be a nesting parent
 * @set_pgtable_quirks: sets io-pgtable quirks before the first attach
 * @cache_invalidate_user: carries out a nested domain's invalidation
 *	requests from user space, in the driver's format; sets
 *	@array->entry_num to how many it handled, also on failure
 * @free: frees the domain
 */
struct iommu_domain_ops {
	void (*free)(struct iommu_domain *domain);
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	int (*set_pgtable_quirks)(struct iommu_domain *domain,
				  unsigned long quirks);
	int (*enable_nesting)(struct iommu_domain *domain);
	bool (*enforce_cache_coherency)(struct iommu_domain *domain);
	int (*cache_invalidate_user)(struct iommu_domain *domain,
				     struct iommu_user_data_array *array);

	/* Page tables */
	int (*map_pages)(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped);
	int (*iotlb_sync_map)(struct iommu_domain *domain, unsigned long iova,
			      size_t size);
	size_t (*unmap_pages)(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *iotlb_gather);
	phys_addr_t (*iova_to_phys)(struct iommu_domain *domain,
				    dma_addr_t iova);

	/* The IOTLB */
	void (*iotlb_sync)(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *iotlb_gather);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
};

/**
 * struct iommu_device - one IOMMU instance, as the core knows it
 * @list: link in the core's list of IOMMUs
 * @ops: its driver
 * @fwnode: its firmware node, which devices' fwspecs point at
 * @bus: for an instance registered by iommu_device_register_bus(), the bus
 *	whose devices it takes; they have no fwspec
 * @dev: its device in the "iommu" class (iommu_device_sysfs_add())
 * @max_pasids: how many PASIDs its devices can use
 */
struct iommu_device {
	const struct iommu_ops *ops;
	struct device *dev;
	struct fwnode_handle *fwnode;
	const struct bus_type *bus;
	u32 max_pasids;
	struct list_head list;
};

/**
 * struct iommu_fwspec - how firmware says a device reaches its IOMMU
 * @iommu_fwnode: the IOMMU's firmware node
 * @flags: IOMMU_FWSPEC_*
 * @num_ids: entries in @ids
 * @ids: the device's IDs at that IOMMU (StreamIDs for an SMMU)
 */
struct iommu_fwspec {
	u32 flags;
	struct fwnode_handle *iommu_fwnode;
	unsigned int num_ids;
	u32 ids[] __counted_by(num_ids);
};

/* The PCI root complex supports ATS */
#define IOMMU_FWSPEC_PCI_RC_ATS	BIT(0)

/**
 * struct dev_iommu - what the core keeps per device (dev->iommu)
 * @fwspec: the device's firmware description
 * @iommu_dev: its IOMMU, once probed
 * @priv: the IOMMU driver's data
 * @max_pasids: PASIDs the device can use
 * @attach_deferred: the default domain is attached on first DMA API use
 * @pci_32bit_workaround: give this device IOVAs below 4 GiB first
 * @require_direct: the device has IOMMU_RESV_DIRECT regions, so it cannot
 *	be attached to a domain that lacks them
 * @shadow_on_flush: the IOMMU caches misses; use strict invalidation
 * @fault_param: its page-request state while it is in an &iopf_queue
 */
struct dev_iommu {
	struct iommu_fault_param __rcu *fault_param;
	struct iommu_device *iommu_dev;
	struct iommu_fwspec *fwspec;
	void *priv;
	u32 attach_deferred:1, require_direct:1, pci_32bit_workaround:1,
	    shadow_on_flush:1;
	u32 max_pasids;
};

/* Registration of IOMMU instances, and their devices in sysfs */
int iommu_device_register(struct iommu_device *iommu,
			  const struct iommu_ops *ops, struct device *hwdev);
void iommu_device_unregister(struct iommu_device *iommu);
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *parent,
			   const struct attribute_group **groups,
			   const char *fmt, ...) __printf(4, 5);
void iommu_device_sysfs_remove(struct iommu_device *iommu);
int iommu_device_link(struct iommu_device *iommu, struct device *link);
void iommu_device_unlink(struct iommu_device *iommu, struct device *link);

/* /sys/kernel/debug/iommu, from subsys_initcall on; drivers add theirs */
extern struct dentry *iommu_debugfs_dir;

/* Device probe through firmware */
extern struct mutex iommu_probe_device_lock;
int iommu_probe_device(struct device *dev);
int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode);
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids);

/* The fwspec of a device, or NULL before firmware gave it one */
static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	return param ? param->fwspec : NULL;
}

/* The IOMMU driver's data of a device, or NULL */
static inline void *dev_iommu_priv_get(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	return param ? param->priv : NULL;
}

void dev_iommu_priv_set(struct device *dev, void *priv);

/* Capabilities */
bool device_iommu_capable(struct device *dev, enum iommu_cap cap);
bool iommu_group_has_isolated_msi(struct iommu_group *group);
int iommu_dev_enable_feature(struct device *dev, enum iommu_dev_features f);
int iommu_dev_disable_feature(struct device *dev, enum iommu_dev_features f);

/* Domains */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
struct iommu_domain *iommu_user_domain_alloc(struct device *dev, u32 flags);
void iommu_domain_free(struct iommu_domain *domain);
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
struct iommu_domain *iommu_get_dma_domain(struct device *dev);
int iommu_enable_nesting(struct iommu_domain *domain);
int iommu_set_pgtable_quirks(struct iommu_domain *domain,
			     unsigned long quirks);
void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *token);
int report_iommu_fault(struct iommu_domain *domain, struct device *dev,
		       unsigned long iova, int flags);
int iommu_deferred_attach(struct device *dev, struct iommu_domain *domain);

/* Attaching domains; a device alone only when it is alone in its group */
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group);

/* The same for owners that find their attachment again by a handle */
int iommu_attach_group_handle(struct iommu_domain *domain,
			      struct iommu_group *group, struct iommu_attach_handle *handle);
void iommu_detach_group_handle(struct iommu_domain *domain, struct iommu_group *group);
int iommu_replace_group_handle(struct iommu_group *group,
			       struct iommu_domain *new_domain, struct iommu_attach_handle *handle);
struct iommu_attach_handle *
iommu_attach_handle_get(struct iommu_group *group, ioasid_t pasid, unsigned int type);

/* Mappings */
int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot, gfp_t gfp);
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size);
size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather);
ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     struct scatterlist *sg, unsigned int nents, int prot,
		     gfp_t gfp);
phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);

/* Reserved regions */
struct iommu_resv_region *
iommu_alloc_resv_region(phys_addr_t start, size_t length, int prot,
			enum iommu_resv_type type, gfp_t gfp);
void iommu_get_resv_regions(struct device *dev, struct list_head *list);
void iommu_put_resv_regions(struct device *dev, struct list_head *list);
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head);

/* Default domain policy: iommu.passthrough= and iommu.strict= */
void iommu_set_default_passthrough(bool cmd_line);
void iommu_set_default_translated(bool cmd_line);

/* Groups */
struct iommu_group *iommu_group_alloc(void);
void *iommu_group_get_iommudata(struct iommu_group *group);
void iommu_group_set_iommudata(struct iommu_group *group, void *iommu_data,
			       void (*release)(void *iommu_data));
int iommu_group_set_name(struct iommu_group *group, const char *name);
int iommu_group_add_device(struct iommu_group *group, struct device *dev);
void iommu_group_remove_device(struct device *dev);
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data));
struct iommu_group *iommu_group_get(struct device *dev);
struct iommu_group *iommu_group_ref_get(struct iommu_group *group);
void iommu_group_put(struct iommu_group *group);
int iommu_group_id(struct iommu_group *group);
struct iommu_group *pci_device_group(struct device *dev);

/* For IOMMU drivers' device_group op: every device in a group of its own */
static inline struct iommu_group *generic_device_group(struct device *dev)
{
	return iommu_group_alloc();
}

/* DMA ownership: kernel drivers use the default domain, or one owner */
bool iommu_group_dma_owner_claimed(struct iommu_group *group);
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner);
int iommu_device_claim_dma_owner(struct device *dev, void *owner);
void iommu_group_release_dma_owner(struct iommu_group *group);
void iommu_device_release_dma_owner(struct device *dev);
int iommu_device_use_default_domain(struct device *dev);
void iommu_device_unuse_default_domain(struct device *dev);

/* Invalidation */

/**
 * iommu_iotlb_gather_init() - start a gather that owes nothing
 * @gather: the gather
 */
static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather)
{
	gather->start = ULONG_MAX;
	gather->end = 0;
	gather->pgsize = 0;
	gather->queued = false;
	INIT_LIST_HEAD(&gather->freelist);
}

/**
 * iommu_flush_iotlb_all() - invalidate everything a domain's IOTLB holds
 * @domain: the domain
 */
static inline void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
	const struct iommu_domain_ops *ops = domain->ops;

	if (ops->flush_iotlb_all)
		ops->flush_iotlb_all(domain);
}

/**
 * iommu_iotlb_sync() - send the invalidation a gather owes, and wait
 * @domain: the domain the gather was filled from
 * @iotlb_gather: the gather; empty again afterwards
 */
static inline void iommu_iotlb_sync(struct iommu_domain *domain,
				    struct iommu_iotlb_gather *iotlb_gather)
{
	const struct iommu_domain_ops *ops = domain->ops;

	if (ops->iotlb_sync)
		ops->iotlb_sync(domain, iotlb_gather);
	iommu_iotlb_gather_init(iotlb_gather);
}

/**
 * iommu_iotlb_gather_is_disjoint() - would adding a range leave a gap?
 * @gather: the gather
 * @iova: start of the range
 * @size: its size
 *
 * A range that touches or overlaps what the gather holds can be merged
 * into it; one that leaves a gap would make the invalidation cover IOVAs
 * nobody unmapped.
 *
 * Return: true if the gather is not empty and the range neither overlaps
 * nor adjoins it.
 */
static inline bool
iommu_iotlb_gather_is_disjoint(struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size)
{
	unsigned long last = iova + size - 1;

	if (gather->start > gather->end)
		return false;
	/* No "+ 1" on an end: at the top of the space it would wrap to 0. */
	return (gather->start && last < gather->start - 1) ||
	       (iova && iova - 1 > gather->end);
}

/**
 * iommu_iotlb_gather_add_range() - widen a gather to cover a range
 * @gather: the gather
 * @iova: start of the range
 * @size: its size
 */
static inline void
iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *gather,
			     unsigned long iova, size_t size)
{
	gather->start = min(gather->start, iova);
	gather->end = max(gather->end, iova + size - 1);
}

/* True when the flush queue takes care of the invalidation */
static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather)
{
	return gather && gather->queued;
}

/**
 * iommu_iotlb_gather_add_page() - record an unmapped leaf
 * @domain: the domain, for a sync if the leaf cannot be merged
 * @gather: the gather
 * @iova: the leaf's IOVA
 * @size: its size
 *
 * For drivers that invalidate by leaf size: a leaf of another size, or one
 * that is not adjacent to the gather, first syncs what is gathered.
 */
static inline void
iommu_iotlb_gather_add_page(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather,
			    unsigned long iova, size_t size)
{
	bool other_size = gather->pgsize && gather->pgsize != size;

	if (other_size || iommu_iotlb_gather_is_disjoint(gather, iova, size))
		iommu_iotlb_sync(domain, gather);
	gather->pgsize = size;
	iommu_iotlb_gather_add_range(gather, iova, size);
}

/**
 * iommu_dirty_bitmap_init() - prepare a dirty report
 * @dirty: the report
 * @bitmap: where dirty pages are recorded, or NULL
 * @gather: where the cleared range is gathered for invalidation, or NULL
 */
static inline void iommu_dirty_bitmap_init(struct iommu_dirty_bitmap *dirty,
					   struct iova_bitmap *bitmap,
					   struct iommu_iotlb_gather *gather)
{
	dirty->gather = gather;
	dirty->bitmap = bitmap;
	if (gather)
		iommu_iotlb_gather_init(gather);
}

/**
 * iommu_dirty_bitmap_record() - report a dirty range
 * @dirty: the report
 * @iova: start of the range
 * @length: its size
 */
static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty,
					     unsigned long iova,
					     unsigned long length)
{
	struct iommu_iotlb_gather *gather = dirty->gather;

	if (dirty->bitmap)
		iova_bitmap_set(dirty->bitmap, iova, length);
	/* What was cleared must leave the IOTLB too. */
	if (gather)
		iommu_iotlb_gather_add_range(gather, iova, length);
}

#else /* !CONFIG_IOMMU_API */

/*
 * Without the IOMMU API no device is behind an IOMMU.  What code outside
 * the IOMMU drivers calls still compiles: lookups find nothing, requests
 * fail with -ENODEV, the rest does nothing.  IOMMU drivers select
 * IOMMU_API, so their side of the interface has no stubs.
 */
struct iommu_iotlb_gather {};
struct iommu_dirty_bitmap {};
struct iommu_fwspec {};

static inline struct iommu_fwspec *
dev_iommu_fwspec_get(struct device *dev)
{
	return NULL;
}

static inline int
iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode)
{
	return -ENODEV;
}

static inline int
iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids)
{
	return -ENODEV;
}

static inline bool
device_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	return false;
}

static inline bool
iommu_group_has_isolated_msi(struct iommu_group *group)
{
	return false;
}

static inline int
iommu_dev_enable_feature(struct device *dev, enum iommu_dev_features f)
{
	return -ENODEV;
}

static inline struct iommu_domain *
iommu_paging_domain_alloc(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static inline struct iommu_domain *
iommu_user_domain_alloc(struct device *dev, u32 flags)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_domain_free(struct iommu_domain *domain) { }

static inline struct iommu_domain *
iommu_get_domain_for_dev(struct device *dev)
{
	return NULL;
}

static inline int
iommu_dev_disable_feature(struct device *dev, enum iommu_dev_features f)
{
	return -ENODEV;
}

static inline struct iommu_domain *
iommu_get_dma_domain(struct device *dev)
{
	return NULL;
}

static inline int
iommu_set_pgtable_quirks(struct iommu_domain *domain, unsigned long quirks)
{
	return 0;
}

static inline void
iommu_set_fault_handler(struct iommu_domain *domain,
			iommu_fault_handler_t handler, void *token) { }

static inline int
iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	return -ENODEV;
}

static inline void
iommu_detach_device(struct iommu_domain *domain, struct device *dev) { }

static inline int
iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	return -ENODEV;
}

static inline void
iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group) { }

static inline int
iommu_attach_group_handle(struct iommu_domain *domain,
			  struct iommu_group *group,
			  struct iommu_attach_handle *handle)
{
	return -ENODEV;
}

static inline void
iommu_detach_group_handle(struct iommu_domain *domain,
			  struct iommu_group *group) { }

static inline int
iommu_replace_group_handle(struct iommu_group *group,
			   struct iommu_domain *new_domain,
			   struct iommu_attach_handle *handle)
{
	return -ENODEV;
}

static inline struct iommu_attach_handle *
iommu_attach_handle_get(struct iommu_group *group, ioasid_t pasid,
			unsigned int type)
{
	return ERR_PTR(-ENOENT);
}

static inline int
iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr,
	  size_t size, int prot, gfp_t gfp)
{
	return -ENODEV;
}

static inline size_t
iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size)
{
	return 0;
}

static inline size_t
iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova, size_t size,
		 struct iommu_iotlb_gather *iotlb_gather)
{
	return 0;
}

static inline ssize_t
iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
	     struct scatterlist *sg, unsigned int nents, int prot, gfp_t gfp)
{
	return -ENODEV;
}

static inline phys_addr_t
iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	return 0;
}

static inline void
iommu_get_resv_regions(struct device *dev, struct list_head *list) { }

static inline void
iommu_put_resv_regions(struct device *dev, struct list_head *list) { }

static inline int
iommu_get_group_resv_regions(struct iommu_group *group, struct list_head *head)
{
	return -ENODEV;
}

static inline void iommu_set_default_passthrough(bool cmd_line) { }
static inline void iommu_set_default_translated(bool cmd_line) { }

static inline struct iommu_group *iommu_group_alloc(void)
{
	return ERR_PTR(-ENODEV);
}

static inline void *
iommu_group_get_iommudata(struct iommu_group *group)
{
	return NULL;
}

static inline void
iommu_group_set_iommudata(struct iommu_group *group, void *iommu_data,
			  void (*release)(void *iommu_data)) { }

static inline int
iommu_group_set_name(struct iommu_group *group, const char *name)
{
	return -ENODEV;
}

static inline int
iommu_group_add_device(struct iommu_group *group, struct device *dev)
{
	return -ENODEV;
}

static inline void iommu_group_remove_device(struct device *dev) { }

static inline int
iommu_group_for_each_dev(struct iommu_group *group, void *data,
			 int (*fn)(struct device *dev, void *data))
{
	return -ENODEV;
}

static inline int iommu_group_id(struct iommu_group *group)
{
	return -ENODEV;
}

static inline void iommu_group_put(struct iommu_group *group) { }

static inline struct iommu_group *iommu_group_get(struct device *dev)
{
	return NULL;
}

/* Kernel drivers always get DMA; user-space owners never get a group. */
static inline int iommu_device_use_default_domain(struct device *dev)
{
	return 0;
}

static inline void iommu_device_unuse_default_domain(struct device *dev) { }

static inline int
iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	return -ENODEV;
}

static inline void
iommu_group_release_dma_owner(struct iommu_group *group) { }

static inline bool
iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	return false;
}

static inline int
iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	return -ENODEV;
}

static inline void iommu_device_release_dma_owner(struct device *dev) { }

static inline void
iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather) { }

static inline void iommu_flush_iotlb_all(struct iommu_domain *domain) { }

static inline void
iommu_iotlb_sync(struct iommu_domain *domain,
		 struct iommu_iotlb_gather *iotlb_gather) { }

static inline void
iommu_iotlb_gather_add_page(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather,
			    unsigned long iova, size_t size) { }

static inline bool
iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather)
{
	return false;
}

#endif /* CONFIG_IOMMU_API */

#ifdef CONFIG_IOMMU_IOPF
/* Page requests (io-pgfault.c), for IOMMU drivers and domain owners */
int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);
void iopf_group_dequeue(struct iopf_group *group);
void iopf_group_response(struct iopf_group *group,
			 enum iommu_page_response_code status);
void iopf_free_group(struct iopf_group *group);
struct iopf_queue *iopf_queue_alloc(const char *name);
void iopf_queue_free(struct iopf_queue *queue);
int iopf_queue_add_device(struct iopf_queue *queue, struct device *dev);
int iopf_queue_flush_dev(struct device *dev);
void iopf_queue_remove_device(struct iopf_queue *queue, struct device *dev);
int iopf_queue_discard_partial(struct iopf_queue *queue);
#else
/*
 * Without CONFIG_IOMMU_IOPF no device takes part in page requests: a queue
 * cannot be made, and a device cannot be added to one.
 */
static inline struct iopf_queue *iopf_queue_alloc(const char *name)
{
	return NULL;
}

static inline void iopf_queue_free(struct iopf_queue *queue) { }

static inline int iopf_queue_add_device(struct iopf_queue *queue,
					struct device *dev)
{
	return -ENODEV;
}

static inline void
iopf_queue_remove_device(struct iopf_queue *queue, struct device *dev) { }

static inline int iopf_queue_flush_dev(struct device *dev)
{
	return -ENODEV;
}

static inline int iopf_queue_discard_partial(struct iopf_queue *queue)
{
	return -ENODEV;
}

static inline int iommu_report_device_fault(struct device *dev,
					    struct iopf_fault *evt)
{
	return -ENODEV;
}

static inline void
iopf_group_response(struct iopf_group *group,
		    enum iommu_page_response_code status) { }

static inline void iopf_group_dequeue(struct iopf_group *group) { }
static inline void iopf_free_group(struct iopf_group *group) { }
#endif /* CONFIG_IOMMU_IOPF */

#if IS_ENABLED(CONFIG_LOCKDEP) && IS_ENABLED(CONFIG_IOMMU_API)
void iommu_group_mutex_assert(struct device *dev);
#else
static inline void iommu_group_mutex_assert(struct device *dev) {}
#endif

/**
 * iommu_map_sgtable() - map the pages of an sg_table back to back
 * @domain: the domain
 * @iova: where the first page goes
 * @sgt: the table
 * @prot: IOMMU_* access
 *
 * Return: the bytes mapped, or a negative errno with nothing left mapped.
 */
static inline ssize_t iommu_map_sgtable(struct iommu_domain *domain,
					unsigned long iova,
					struct sg_table *sgt, int prot)
{
	return iommu_map_sg(domain, iova, sgt->sgl, sgt->orig_nents, prot,
			    GFP_KERNEL);
}

#ifdef CONFIG_IOMMU_DMA
#include <linux/msi.h>

int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base);
int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr);
void iommu_dma_compose_msi_msg(struct msi_desc *desc, struct msi_msg *msg);
#else
struct msi_desc;
struct msi_msg;

static inline int iommu_get_msi_cookie(struct iommu_domain *domain,
				       dma_addr_t base)
{
	return -ENODEV;
}

/* Without the DMA layer MSIs go to their doorbells untranslated. */
static inline int iommu_dma_prepare_msi(struct msi_desc *desc,
					phys_addr_t msi_addr)
{
	return 0;
}

static inline void iommu_dma_compose_msi_msg(struct msi_desc *desc,
					     struct msi_msg *msg) {}
#endif /* CONFIG_IOMMU_DMA */

/*
 * Tegra's engines are programmed with their own StreamID; this finds it for
 * a device with exactly one.
 */
#define TEGRA_STREAM_ID_BYPASS	0x7f

static inline bool
tegra_dev_iommu_get_stream_id(struct device *dev, u32 *stream_id)
{
#ifdef CONFIG_IOMMU_API
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	if (!fwspec || fwspec->num_ids != 1)
		return false;
	/* Above the StreamID's 16 bits, the ID holds flags. */
	*stream_id = lower_16_bits(fwspec->ids[0]);
	return true;
#else
	return false;
#endif
}

/*
 * Shared virtual addressing is not supported: binding an mm fails, and an
 * mm never carries a PASID.
 */
struct mm_struct;

static inline struct iommu_sva *
iommu_sva_bind_device(struct device *dev, struct mm_struct *mm)
{
	return ERR_PTR(-ENODEV);
}

static inline u32 iommu_sva_get_pasid(struct iommu_sva *handle)
{
	return IOMMU_PASID_INVALID;
}

static inline u32 mm_get_enqcmd_pasid(struct mm_struct *mm)
{
	return IOMMU_PASID_INVALID;
}

static inline void iommu_sva_unbind_device(struct iommu_sva *handle) { }
static inline void mm_pasid_init(struct mm_struct *mm) { }
static inline void mm_pasid_drop(struct mm_struct *mm) { }
static inline bool mm_valid_pasid(struct mm_struct *mm) { return false; }

#endif /* __LINUX_IOMMU_H */
