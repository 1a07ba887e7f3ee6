/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device driven from user space through iommufd: edu bound to
 * vfio-pci as in vfio_edu.h, but opened as a VFIO device cdev
 * (/dev/vfio/devices/vfioN, CONFIG_VFIO_DEVICE_CDEV) and bound to an
 * iommufd (/dev/iommu, CONFIG_IOMMUFD) instead of joining a type1
 * container.  User space maps its memory into an I/O address space (an
 * IOAS) and has iommufd allocate a hardware page table (a HWPT: an IOMMU
 * domain, filled with the IOAS's mappings) for edu on it, then attaches
 * edu to the HWPT.  edu's registers and DMA engine are then reached as in
 * vfio_edu.h, through the cdev's BAR0 region.
 *
 * This is apart from vfio_edu.h because it needs the uAPI of iommufd and
 * of VFIO's cdev, which the harness's guest tools (iommu-stress, built
 * against the cross compiler's older headers) do not have.
 *
 * Functions return 0 or a negative errno, and report on stderr which step
 * failed where there are several; they never assert, so that callers can
 * use them with or without kselftest_harness.h.
 */
#ifndef __IOMMU_IOMMUFD_EDU_H
#define __IOMMU_IOMMUFD_EDU_H

#include <linux/iommufd.h>
#include "vfio_edu.h"

#define IOMMUFD_PATH		"/dev/iommu"
#define VFIO_CDEV_DIR		"/dev/vfio/devices"

/* IOMMU_IOAS_MAP of memory edu may read and write, at the IOVA given. */
#define IOAS_MAP_RW		(IOMMU_IOAS_MAP_FIXED_IOVA |		\
				 IOMMU_IOAS_MAP_READABLE |		\
				 IOMMU_IOAS_MAP_WRITEABLE)

/* edu through its cdev, and what iommufd_edu_attach() set up for it. */
struct iommufd_edu {
	struct vfio_edu e;	/* e.device is the cdev; no container, group */
	char cdev[PATH_MAX];	/* /dev/vfio/devices/vfioN */
	int iommufd;
	__u32 dev_id;		/* edu's object in the iommufd, once bound */
	__u32 ioas_id;
	__u32 hwpt_id;
};

static inline void iommufd_edu_init(struct iommufd_edu *d)
{
	memset(d, 0, sizeof(*d));
	vfio_edu_init(&d->e);
	d->iommufd = -1;
}

/* What the tests need, found or not by the harness's guest: edu, vfio-pci. */
static inline const char *iommufd_edu_missing(struct iommufd_edu *d)
{
	if (edu_find(d->e.devdir, sizeof(d->e.devdir)))
		return "no edu device (PCI 1234:11e8)";
	if (!pci_driver_exists(VFIO_DRIVER))
		return "no PCI driver " VFIO_DRIVER " (CONFIG_VFIO_PCI)";
	return NULL;
}

/*
 * The cdev of the device in @devdir, bound to a VFIO driver: its name
 * (vfioN) is the one entry of the device's vfio-dev directory in sysfs.
 * -ENOENT when there is none, as without CONFIG_VFIO_DEVICE_CDEV.
 */
static inline int vfio_cdev_path(const char *devdir, char *path, size_t len)
{
	char dirpath[PATH_MAX];
	struct dirent *de;
	int err = -ENOENT;
	DIR *dir;

	snprintf(dirpath, sizeof(dirpath), "%s/vfio-dev", devdir);
	dir = opendir(dirpath);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, len, VFIO_CDEV_DIR "/%s", de->d_name);
		err = 0;
		break;
	}
	closedir(dir);
	return err;
}

/*
 * With edu bound to vfio-pci (vfio_edu_bind()), open its cdev, not yet
 * bound to anything, and an iommufd.
 */
static inline int iommufd_edu_open(struct iommufd_edu *d)
{
	int err;

	err = vfio_cdev_path(d->e.devdir, d->cdev, sizeof(d->cdev));
	if (err) {
		iommu_err("no VFIO cdev for %s: %s", d->e.bdf, strerror(-err));
		return err;
	}
	if (!wait_for_path(d->cdev, false, BIND_TIMEOUT_MS)) {
		iommu_err("%s did not appear", d->cdev);
		return -ETIMEDOUT;
	}
	d->e.device = open(d->cdev, O_RDWR);
	if (d->e.device < 0) {
		err = -errno;
		iommu_err("open %s: %s", d->cdev, strerror(-err));
		return err;
	}
	d->iommufd = open(IOMMUFD_PATH, O_RDWR);
	if (d->iommufd < 0) {
		err = -errno;
		iommu_err("open %s: %s", IOMMUFD_PATH, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Close the cdev (which unbinds it from the iommufd and detaches edu) and
 * the iommufd, which destroys every object in it.
 */
static inline void iommufd_edu_close(struct iommufd_edu *d)
{
	vfio_edu_close(&d->e);
	if (d->iommufd >= 0)
		close(d->iommufd);
	d->iommufd = -1;
}

/* Close everything and put edu back as vfio_edu_bind() found it. */
static inline int iommufd_edu_restore(struct iommufd_edu *d)
{
	iommufd_edu_close(d);
	return vfio_edu_restore(&d->e);
}

/* VFIO_DEVICE_BIND_IOMMUFD of the cdev @device; edu's id goes to @dev_id. */
static inline int vfio_cdev_bind(int device, int iommufd, __u32 *dev_id)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (dev_id)
		*dev_id = bind.out_devid;
	return 0;
}

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach, or replace what the device is
 * attached to with, the HWPT @pt_id, or a HWPT of the IOAS @pt_id that
 * iommufd finds or allocates; that HWPT's id goes to @out_id.
 */
static inline int vfio_cdev_attach(int device, __u32 pt_id, __u32 *out_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	if (out_id)
		*out_id = attach.pt_id;
	return 0;
}

static inline int ioas_alloc(int iommufd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd))
		return -errno;
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

/* IOMMU_IOAS_MAP of @len bytes at @vaddr to @iova, with @flags. */
static inline int ioas_map(int iommufd, __u32 ioas_id, const void *vaddr,
			   __u64 iova, __u64 len, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (__u64)(uintptr_t)vaddr,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

/* IOMMU_IOAS_UNMAP; what iommufd says it unmapped goes to @unmapped. */
static inline int ioas_unmap(int iommufd, __u32 ioas_id, __u64 iova,
			     __u64 len, __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = len,
	};
	int ret;

	ret = ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd) ? -errno : 0;
	if (unmapped)
		*unmapped = cmd.length;
	return ret;
}

/*
 * IOMMU_HWPT_ALLOC of a paging HWPT for device @dev_id on the IOAS @pt_id
 * (no driver data), with IOMMU_HWPT_ALLOC_* @flags.
 */
static inline int hwpt_alloc(int iommufd, __u32 dev_id, __u32 pt_id,
			     __u32 flags, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
		return -errno;
	if (hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return 0;
}

static inline int iommufd_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &cmd) ? -errno : 0;
}

/*
 * IOMMU_GET_HW_INFO of device @dev_id into @info, with @len bytes of the
 * IOMMU's own data going to @data; @info's flags and in_data_type are the
 * caller's.
 */
static inline int hw_info_get(int iommufd, __u32 dev_id, void *data,
			      __u32 len, struct iommu_hw_info *info)
{
	info->size = sizeof(*info);
	info->dev_id = dev_id;
	info->data_len = len;
	info->data_uptr = (__u64)(uintptr_t)data;
	return ioctl(iommufd, IOMMU_GET_HW_INFO, info) ? -errno : 0;
}

/*
 * After iommufd_edu_open(): bind the cdev to the iommufd and allocate an
 * IOAS, into d->dev_id and d->ioas_id.
 */
static inline int iommufd_edu_bind(struct iommufd_edu *d)
{
	int err;

	err = vfio_cdev_bind(d->e.device, d->iommufd, &d->dev_id);
	if (err) {
		iommu_err("VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(-err));
		return err;
	}
	err = ioas_alloc(d->iommufd, &d->ioas_id);
	if (err)
		iommu_err("IOMMU_IOAS_ALLOC: %s", strerror(-err));
	return err;
}

/*
 * After iommufd_edu_open(): iommufd_edu_bind(), a HWPT on the IOAS for
 * edu, edu attached to it, and edu's registers and bus mastering ready
 * (vfio_edu_device_ready()).
 */
static inline int iommufd_edu_attach(struct iommufd_edu *d)
{
	int err;

	err = iommufd_edu_bind(d);
	if (err)
		return err;
	err = hwpt_alloc(d->iommufd, d->dev_id, d->ioas_id, 0, &d->hwpt_id);
	if (err) {
		iommu_err("IOMMU_HWPT_ALLOC: %s", strerror(-err));
		return err;
	}
	err = vfio_cdev_attach(d->e.device, d->hwpt_id, NULL);
	if (err) {
		iommu_err("VFIO_DEVICE_ATTACH_IOMMUFD_PT %u: %s", d->hwpt_id,
			  strerror(-err));
		return err;
	}
	return vfio_edu_device_ready(&d->e);
}

/*
 * Through whatever edu is attached to: copy EDU_XFER_MAX bytes from device
 * address @src into edu's buffer and out to @dst.
 */
static inline int edu_copy(struct vfio_edu *e, __u64 src, __u64 dst)
{
	return edu_dma_in(e, src, 0, EDU_XFER_MAX) ?:
	       edu_dma_out(e, 0, dst, EDU_XFER_MAX);
}

#endif /* __IOMMU_IOMMUFD_EDU_H */
