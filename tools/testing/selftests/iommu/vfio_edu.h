/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device driven from user space through VFIO: binding edu to
 * vfio-pci, the type1 container, edu's registers in BAR0 and its DMA
 * engine, and mapping user memory at IOVAs edu can reach.  Shared by the
 * kselftests that hand edu to user space (iommu_vfio_edu, iommu_fail_nth,
 * and through iommufd_edu.h iommu_iommufd_edu) and by the harness's stress
 * tool.
 *
 * edu's DMA engine reaches only 28 bits of bus address, so every IOVA here
 * sits below 256 MiB, and clear of the window that the SMMU driver reserves
 * for MSIs at 128 MiB.  Its registers are reached through the device fd's
 * BAR0 region with pread() and pwrite(); its buffer is 4 KiB at device
 * address 0x40000, of which a transfer moves at most 4095 bytes.  A
 * transfer runs about 100 ms after it is started.
 *
 * Functions return 0 or a negative errno, and report on stderr which step
 * failed where there are several; they never assert, so that callers can
 * use them with or without kselftest_harness.h.
 */
#ifndef __IOMMU_VFIO_EDU_H
#define __IOMMU_VFIO_EDU_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include "pci_bind.h"

#define VFIO_DRIVER		"vfio-pci"
#define VFIO_CONTAINER_PATH	"/dev/vfio/vfio"
#define BIND_TIMEOUT_MS		5000

/* edu's registers in BAR0. */
#define EDU_REG_ID		0x00	/* 0x010000ed: edu, version 1.0 */
#define EDU_ID			0x010000ed
#define EDU_REG_LIVENESS	0x04	/* reads back the complement */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x1	/* cleared when the transfer is done */
#define EDU_DMA_TO_RAM		0x2	/* edu's buffer to RAM, else RAM to it */
/* edu's buffer, at this device address; QEMU stops on a DMA outside it. */
#define EDU_BUF			0x40000
/*
 * QEMU before 8.2.1 also stops on a transfer that ends exactly at the end
 * of edu's 4 KiB buffer, so one transfer is at most 4095 bytes.
 */
#define EDU_XFER_MAX		4095
#define EDU_DMA_TIMEOUT_MS	3000

/* IOVAs, below 256 MiB and away from the SMMU's MSI window at 128 MiB. */
#define IOVA_A			0x00100000ULL
#define IOVA_B			0x00200000ULL
#define IOVA_C			0x00300000ULL
#define IOVA_BIG		0x00400000ULL	/* 2 MiB aligned */
#define IOVA_NEVER		0x03000000ULL	/* never mapped */
#define BIG_SIZE		(2 << 20)
#define FAULT_BYTES		4

/* Everything a test holds of edu and VFIO, and how to put edu back. */
struct vfio_edu {
	char devdir[PATH_MAX];
	const char *bdf;
	struct pci_binding found;	/* edu's binding before the test */
	bool rebound;		/* edu's binding changed: put it back */
	int group_id;
	int container, group, device;
	__u64 pgsize;		/* the IOMMU's smallest page */
	__u64 bar0, bar0_size;	/* BAR0's region in the device fd */
	__u32 bar0_flags;
	__u64 config;		/* config space's region */
	unsigned char *a, *b;	/* a page each, for the tests to map */
	__u64 seed;
};

static inline void vfio_edu_init(struct vfio_edu *e)
{
	memset(e, 0, sizeof(*e));
	e->container = -1;
	e->group = -1;
	e->device = -1;
	e->a = MAP_FAILED;
	e->b = MAP_FAILED;
}

static inline void *page_alloc(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
}

/* A page each for A and B; vfio_edu_restore() frees them. */
static inline int vfio_edu_pages(struct vfio_edu *e)
{
	e->a = page_alloc(IOMMU_PAGE);
	e->b = page_alloc(IOMMU_PAGE);
	return e->a == MAP_FAILED || e->b == MAP_FAILED ? -ENOMEM : 0;
}

/*
 * What the tests need and this machine lacks, or NULL: edu (which goes to
 * @e->devdir), vfio-pci, or VFIO's container.
 */
static inline const char *vfio_edu_missing(struct vfio_edu *e)
{
	if (edu_find(e->devdir, sizeof(e->devdir)))
		return "no edu device (PCI 1234:11e8)";
	if (!pci_driver_exists(VFIO_DRIVER))
		return "no PCI driver " VFIO_DRIVER " (CONFIG_VFIO_PCI)";
	if (!path_exists(VFIO_CONTAINER_PATH))
		return "no " VFIO_CONTAINER_PATH " (CONFIG_VFIO_CONTAINER)";
	return NULL;
}

/*
 * Remember the driver and driver_override of the edu in @e->devdir, and
 * bind it to vfio-pci.
 */
static inline int vfio_edu_bind(struct vfio_edu *e)
{
	char path[PATH_MAX];
	int err;

	e->bdf = pci_bdf(e->devdir);
	pci_binding_save(e->devdir, &e->found);
	e->rebound = true;
	err = edu_bind(e->devdir, VFIO_DRIVER);
	if (err)
		return err;
	e->group_id = device_iommu_group(e->devdir);
	snprintf(path, sizeof(path), "/dev/vfio/%d", e->group_id);
	if (!wait_for_path(path, false, BIND_TIMEOUT_MS)) {
		iommu_err("%s did not appear", path);
		return -ETIMEDOUT;
	}
	return 0;
}

static inline void vfio_edu_close(struct vfio_edu *e)
{
	if (e->device >= 0)
		close(e->device);
	if (e->group >= 0)
		close(e->group);
	if (e->container >= 0)
		close(e->container);
	e->device = -1;
	e->group = -1;
	e->container = -1;
}

/*
 * Close everything and put edu back as vfio_edu_bind() found it.  0, or
 * the negative errno of the first step that failed.
 */
static inline int vfio_edu_restore(struct vfio_edu *e)
{
	vfio_edu_close(e);
	if (e->a != MAP_FAILED)
		munmap(e->a, IOMMU_PAGE);
	if (e->b != MAP_FAILED)
		munmap(e->b, IOMMU_PAGE);
	e->a = MAP_FAILED;
	e->b = MAP_FAILED;
	if (!e->rebound)
		return 0;
	e->rebound = false;
	return pci_binding_restore(e->devdir, &e->found);
}

/* Open the container and the group; check the API and the group. */
static inline int vfio_edu_open(struct vfio_edu *e)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX];
	int ret;

	e->container = open(VFIO_CONTAINER_PATH, O_RDWR);
	if (e->container < 0) {
		ret = -errno;
		iommu_err("open %s: %s", VFIO_CONTAINER_PATH, strerror(-ret));
		return ret;
	}
	ret = ioctl(e->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		iommu_err("VFIO API version %d, want %d", ret, VFIO_API_VERSION);
		return -EPROTO;
	}
	ret = ioctl(e->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	if (ret != 1) {
		iommu_err("no VFIO_TYPE1v2_IOMMU (%d; CONFIG_VFIO_IOMMU_TYPE1?)",
			  ret);
		return -EOPNOTSUPP;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", e->group_id);
	e->group = open(path, O_RDWR);
	if (e->group < 0) {
		ret = -errno;
		iommu_err("open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (ioctl(e->group, VFIO_GROUP_GET_STATUS, &status)) {
		ret = -errno;
		iommu_err("VFIO_GROUP_GET_STATUS: %s", strerror(-ret));
		return ret;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		/* Another device in the group has a kernel driver. */
		iommu_err("group %d is not viable (flags %#x)", e->group_id,
			  status.flags);
		return -EBUSY;
	}
	return 0;
}

/* The region @index of the device fd: its offset, size and flags. */
static inline int region_info(int device, __u32 index, __u64 *offset, __u64 *size,
			      __u32 *flags)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -errno;
	*offset = info.offset;
	*size = info.size;
	if (flags)
		*flags = info.flags;
	return 0;
}

/* pread() or pwrite() exactly @len bytes of a region; 0 or -errno. */
static inline int region_rw(int fd, __u64 off, void *val, size_t len, bool write)
{
	ssize_t n = write ? pwrite(fd, val, len, off) : pread(fd, val, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static inline int edu_read32(struct vfio_edu *e, __u64 reg, __u32 *val)
{
	return region_rw(e->device, e->bar0 + reg, val, sizeof(*val), false);
}

static inline int edu_write32(struct vfio_edu *e, __u64 reg, __u32 val)
{
	return region_rw(e->device, e->bar0 + reg, &val, sizeof(val), true);
}

static inline int edu_write64(struct vfio_edu *e, __u64 reg, __u64 val)
{
	return region_rw(e->device, e->bar0 + reg, &val, sizeof(val), true);
}

/*
 * One transfer of edu's DMA engine, waited for: @count bytes from device
 * address @src to @dst.  The engine gives no status: a transfer that the
 * IOMMU refused completes all the same.
 */
static inline int edu_dma(struct vfio_edu *e, __u64 src, __u64 dst, __u32 count,
			  bool to_ram)
{
	__u32 cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	int err, waited;

	err = edu_write64(e, EDU_REG_DMA_SRC, src) ?:
	      edu_write64(e, EDU_REG_DMA_DST, dst) ?:
	      edu_write64(e, EDU_REG_DMA_COUNT, count) ?:
	      edu_write32(e, EDU_REG_DMA_CMD, cmd);
	if (err)
		return err;
	for (waited = 0; waited < EDU_DMA_TIMEOUT_MS; waited += 10) {
		usleep(10 * 1000);
		err = edu_read32(e, EDU_REG_DMA_CMD, &cmd);
		if (err)
			return err;
		if (!(cmd & EDU_DMA_START))
			return 0;
	}
	return -ETIMEDOUT;
}

/* From RAM at @iova into edu's buffer at @off. */
static inline int edu_dma_in(struct vfio_edu *e, __u64 iova, __u32 off, __u32 count)
{
	return edu_dma(e, iova, EDU_BUF + off, count, false);
}

/* From edu's buffer at @off to RAM at @iova. */
static inline int edu_dma_out(struct vfio_edu *e, __u32 off, __u64 iova, __u32 count)
{
	return edu_dma(e, EDU_BUF + off, iova, count, true);
}

static inline int vfio_map(int container, const void *vaddr, __u64 iova, __u64 size,
			   __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

#define MAP_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/*
 * Map A at IOVA_A and a zeroed B at IOVA_B, both read-write, and copy
 * EDU_XFER_MAX bytes from A to B through edu's buffer.  0 or an errno.
 */
static inline int vfio_copy_a_to_b(struct vfio_edu *e)
{
	memset(e->b, 0, IOMMU_PAGE);
	return vfio_map(e->container, e->a, IOVA_A, IOMMU_PAGE, MAP_RW) ?:
	       vfio_map(e->container, e->b, IOVA_B, IOMMU_PAGE, MAP_RW) ?:
	       edu_dma_in(e, IOVA_A, 0, EDU_XFER_MAX) ?:
	       edu_dma_out(e, 0, IOVA_B, EDU_XFER_MAX);
}

/* Unmap; what VFIO says it unmapped goes to @unmapped. */
static inline int vfio_unmap(int container, __u64 iova, __u64 size, __u32 flags,
			     __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret;

	ret = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
	if (unmapped)
		*unmapped = unmap.size;
	return ret;
}

/*
 * VFIO_IOMMU_GET_INFO into @buf: the IOMMU's page sizes and, as a
 * capability, the IOVA ranges that may be mapped.
 */
static inline int iommu_info(int container, void *buf, size_t len)
{
	struct vfio_iommu_type1_info *info = buf;

	memset(buf, 0, len);
	info->argsz = len;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
		return -errno;
	return info->argsz > len ? -ENOSPC : 0;
}

/* The IOVA range capability in what iommu_info() returned, or NULL. */
static inline struct vfio_iommu_type1_info_cap_iova_range *
iova_ranges(void *buf, size_t len)
{
	struct vfio_iommu_type1_info *info = buf;
	struct vfio_info_cap_header *cap;
	__u32 off;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	for (off = info->cap_offset; off && off + sizeof(*cap) <= len;
	     off = cap->next) {
		cap = (struct vfio_info_cap_header *)((char *)buf + off);
		if (cap->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			return (void *)cap;
	}
	return NULL;
}

/*
 * With a device fd that may be used (from the group, or a device cdev bound
 * to iommufd): find its BAR0 and config regions, and turn bus mastering on.
 */
static inline int vfio_edu_device_ready(struct vfio_edu *e)
{
	__u64 size;
	__u16 cmd = 0;
	int err;

	err = region_info(e->device, VFIO_PCI_BAR0_REGION_INDEX, &e->bar0,
			  &e->bar0_size, &e->bar0_flags) ?:
	      region_info(e->device, VFIO_PCI_CONFIG_REGION_INDEX, &e->config,
			  &size, NULL);
	if (err) {
		iommu_err("VFIO_DEVICE_GET_REGION_INFO: %s", strerror(-err));
		return err;
	}

	/* vfio-pci leaves bus mastering off until user space asks for it. */
	err = region_rw(e->device, e->config + PCI_COMMAND, &cmd, sizeof(cmd),
			false);
	if (!err) {
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
		err = region_rw(e->device, e->config + PCI_COMMAND, &cmd,
				sizeof(cmd), true);
	}
	if (!err)
		err = region_rw(e->device, e->config + PCI_COMMAND, &cmd,
				sizeof(cmd), false);
	if (!err && !(cmd & PCI_COMMAND_MASTER))
		err = -EIO;
	if (err)
		iommu_err("enabling bus mastering: %s, command %#x",
			  strerror(-err), cmd);
	return err;
}

/*
 * Everything after opening: the group into the container, type1v2 as its
 * IOMMU, the device fd, and vfio_edu_device_ready().
 */
static inline int vfio_edu_attach(struct vfio_edu *e)
{
	char info[4096];
	__u64 size;
	int err;

	if (ioctl(e->group, VFIO_GROUP_SET_CONTAINER, &e->container)) {
		err = -errno;
		iommu_err("VFIO_GROUP_SET_CONTAINER: %s", strerror(-err));
		return err;
	}
	if (ioctl(e->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		err = -errno;
		iommu_err("VFIO_SET_IOMMU: %s", strerror(-err));
		return err;
	}
	err = iommu_info(e->container, info, sizeof(info));
	if (!err && !(((struct vfio_iommu_type1_info *)info)->flags &
		      VFIO_IOMMU_INFO_PGSIZES))
		err = -EPROTO;
	if (err) {
		iommu_err("VFIO_IOMMU_GET_INFO: %s, no page sizes",
			  strerror(-err));
		return err;
	}
	size = ((struct vfio_iommu_type1_info *)info)->iova_pgsizes;
	e->pgsize = size & -size;
	if (e->pgsize > IOMMU_PAGE) {
		/* The tests map single 4 KiB pages. */
		iommu_err("smallest IOMMU page %#llx, tests want 4 KiB",
			  (unsigned long long)e->pgsize);
		return -EOPNOTSUPP;
	}

	e->device = ioctl(e->group, VFIO_GROUP_GET_DEVICE_FD, e->bdf);
	if (e->device < 0) {
		err = -errno;
		iommu_err("VFIO_GROUP_GET_DEVICE_FD %s: %s", e->bdf,
			  strerror(-err));
		return err;
	}
	return vfio_edu_device_ready(e);
}

/* The group's default domain type, from sysfs. */
static inline int group_type(int group, char *type, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type", group);
	return sysfs_read(path, type, len);
}

#endif /* __IOMMU_VFIO_EDU_H */
