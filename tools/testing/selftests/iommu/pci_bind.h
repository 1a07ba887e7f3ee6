/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI devices for the IOMMU kselftests and the harness's guest tools:
 * finding one, the driver bound to it, binding and unbinding drivers, and
 * putting a device back to the driver and driver_override it had.  A PCI
 * device joins its IOMMU group when a driver first binds to it, and stays
 * in the group when the driver goes.
 *
 * The tests bind, unbind and change the group of two kinds of device only.
 * QEMU's edu device (PCI 1234:11e8) is a test device, which no machine has
 * for any other use, and no driver of its own; the tests bind it to theirs
 * through driver_override.  The device of a disk (struct pci_disk) is
 * unbound only when every disk on it is one of the harness's scratch
 * disks.
 *
 * Functions return 0 or a negative errno, and report on stderr which step
 * failed where there are several, so that callers can use them with or
 * without kselftest_harness.h.
 */
#ifndef __PCI_BIND_H
#define __PCI_BIND_H

#include "iommu_test_util.h"

#define PCI_DEVICES_DIR		"/sys/bus/pci/devices"
#define PCI_DRIVERS_DIR		"/sys/bus/pci/drivers"
/* How long a disk may take to go or come back with its driver. */
#define PCI_DISK_TIMEOUT_MS	15000

/* QEMU's edu device: PCI 1234:11e8, a 28-bit DMA engine. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_DMA_BITS		28
/* The kernel's driver for edu's DMA tests (CONFIG_IOMMU_DMA_EDU_TEST). */
#define EDU_TEST_DRIVER		"iommu_dma_edu_test"
#define EDU_TEST_DEBUGFS	DEBUGFS "/" EDU_TEST_DRIVER

/* The PCI name ("0000:00:03.0") of the device in sysfs directory @devdir. */
static inline const char *pci_bdf(const char *devdir)
{
	return strrchr(devdir, '/') + 1;
}

/* Whether the PCI device in sysfs directory @devdir is @vendor:@device. */
static inline bool pci_device_is(const char *devdir, unsigned int vendor,
				 unsigned int device)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), "%s/vendor", devdir);
	if (sysfs_read(path, val, sizeof(val)) || strtoul(val, NULL, 16) != vendor)
		return false;
	snprintf(path, sizeof(path), "%s/device", devdir);
	return !sysfs_read(path, val, sizeof(val)) &&
	       strtoul(val, NULL, 16) == device;
}

/* The sysfs directory of the first PCI device with this vendor and device. */
static inline int find_pci_device(unsigned int vendor, unsigned int device,
				  char *devdir, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int found = -ENODEV;
	DIR *dir;

	dir = opendir(PCI_DEVICES_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES_DIR "/%s", de->d_name);
		if (!pci_device_is(path, vendor, device))
			continue;
		snprintf(devdir, len, "%s", path);
		found = 0;
		break;
	}
	closedir(dir);
	return found;
}

/* The first edu, or -ENODEV. */
static inline int edu_find(char *devdir, size_t len)
{
	return find_pci_device(EDU_VENDOR, EDU_DEVICE, devdir, len);
}

/* The name of the driver bound to a device, or "" when none is. */
static inline void device_driver(const char *devdir, char *name, size_t len)
{
	link_target_name(devdir, "driver", name, len);
}

static inline bool pci_driver_exists(const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DRIVERS_DIR "/%s", driver);
	return path_exists(path);
}

/*
 * What the tests of edu's DMA through the test driver need and this
 * machine lacks, or NULL: edu (which goes to @devdir), the driver, or
 * debugfs, where the driver's files are.
 */
static inline const char *edu_test_missing(char *devdir, size_t len)
{
	if (edu_find(devdir, len))
		return "no edu device (PCI 1234:11e8)";
	if (!pci_driver_exists(EDU_TEST_DRIVER))
		return "no PCI driver " EDU_TEST_DRIVER " (CONFIG_IOMMU_DMA_EDU_TEST)";
	if (!debugfs_mounted())
		return "debugfs is not mounted on " DEBUGFS;
	return NULL;
}

/* Unbind whatever driver the device has; 0 when it has none. */
static inline int pci_unbind(const char *devdir)
{
	char path[PATH_MAX], cur[64];

	device_driver(devdir, cur, sizeof(cur));
	if (!cur[0])
		return 0;
	snprintf(path, sizeof(path), "%s/driver/unbind", devdir);
	return sysfs_write(path, pci_bdf(devdir));
}

/* Bind @driver to the device, which must have no driver. */
static inline int pci_bind(const char *devdir, const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DRIVERS_DIR "/%s/bind", driver);
	return sysfs_write(path, pci_bdf(devdir));
}

/*
 * Bind the PCI device in @devdir to @driver through driver_override,
 * unbinding it from whatever holds it first.
 */
static inline int pci_bind_override(const char *devdir, const char *driver)
{
	char path[PATH_MAX], cur[64];
	int err;

	device_driver(devdir, cur, sizeof(cur));
	if (!strcmp(cur, driver))
		return 0;
	err = pci_unbind(devdir);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/driver_override", devdir);
	err = sysfs_write(path, driver);
	if (err)
		return err;
	return pci_bind(devdir, driver);
}

/* Undo pci_bind_override(): unbind and clear the override. */
static inline int pci_unbind_override(const char *devdir)
{
	char path[PATH_MAX];
	int err = pci_unbind(devdir);

	snprintf(path, sizeof(path), "%s/driver_override", devdir);
	/* A lone newline clears the override. */
	return sysfs_write(path, "\n") ?: err;
}

/* A device's driver and driver_override, to put back after a test. */
struct pci_binding {
	char driver[64];
	char override[64];
};

static inline void pci_binding_save(const char *devdir, struct pci_binding *b)
{
	char path[PATH_MAX];

	device_driver(devdir, b->driver, sizeof(b->driver));
	snprintf(path, sizeof(path), "%s/driver_override", devdir);
	if (sysfs_read(path, b->override, sizeof(b->override)) ||
	    !strcmp(b->override, "(null)"))
		b->override[0] = '\0';
}

/* Put back what pci_binding_save() found; 0 or the first error. */
static inline int pci_binding_restore(const char *devdir,
				      const struct pci_binding *b)
{
	char path[PATH_MAX];
	int err, ret;

	ret = pci_unbind_override(devdir);
	if (b->override[0]) {
		snprintf(path, sizeof(path), "%s/driver_override", devdir);
		err = sysfs_write(path, b->override);
		ret = ret ?: err;
	}
	if (b->driver[0]) {
		err = pci_bind(devdir, b->driver);
		ret = ret ?: err;
	}
	return ret;
}

/*
 * Bind the edu in @devdir to @driver and check that it got an IOMMU group
 * (a PCI device gets one when a driver binds).
 */
static inline int edu_bind(const char *devdir, const char *driver)
{
	char cur[64];
	int err;

	err = pci_bind_override(devdir, driver);
	if (err) {
		iommu_err("binding %s to %s: %s", pci_bdf(devdir), driver,
			  strerror(-err));
		return err;
	}
	device_driver(devdir, cur, sizeof(cur));
	if (strcmp(cur, driver)) {
		iommu_err("%s is bound to \"%s\", not %s", pci_bdf(devdir), cur,
			  driver);
		return -EBUSY;
	}
	if (device_iommu_group(devdir) < 0) {
		iommu_err("%s got no IOMMU group when %s bound", pci_bdf(devdir),
			  driver);
		return -ENODEV;
	}
	return 0;
}

/*
 * One of the harness's scratch disks on a PCI device of its own, such as
 * the NVMe disk, whose driver the tests unbind and bind again.  The block
 * device may come back under another name; its serial number stays.
 */
struct pci_disk {
	const char *serial;
	char disk[64];		/* the block device, while the driver is bound */
	char devdir[PATH_MAX];	/* the PCI device */
	char driver[64];	/* its driver, as found */
	int group;
};

/*
 * Whether every disk on the PCI device in @devdir is a scratch disk: those
 * are what unbinding its driver takes away.
 */
static inline bool pci_disks_scratch(const char *devdir)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(devdir);
	bool scratch = true;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/block");
	if (!dir)
		return false;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s", de->d_name);
		if (!realpath(path, real) || strncmp(real, devdir, len) ||
		    real[len] != '/' || scratch_disk(de->d_name))
			continue;
		iommu_err("%s also holds %s, which is not the harness's disk",
			  pci_bdf(devdir), de->d_name);
		scratch = false;
	}
	closedir(dir);
	return scratch;
}

/*
 * Find the disk with serial number @serial (one the harness gives), its
 * PCI device, driver and IOMMU group.  0; -ENODEV when there is no such
 * disk; -ENXIO when it is not on a PCI device behind an IOMMU; -EPERM when
 * its device also holds a disk that is not the harness's.
 */
static inline int pci_disk_find(struct pci_disk *d, const char *serial)
{
	char real[PATH_MAX];

	memset(d, 0, sizeof(*d));
	d->serial = serial;
	if (strncmp(serial, SCRATCH_SERIAL_PREFIX, strlen(SCRATCH_SERIAL_PREFIX)) ||
	    disk_by_serial(serial, d->disk, sizeof(d->disk)))
		return -ENODEV;
	d->group = disk_iommu_group(d->disk, real, sizeof(real));
	if (d->group < 0)
		return -ENXIO;
	/* The PCI device, under the name the PCI bus gives it. */
	snprintf(d->devdir, sizeof(d->devdir), PCI_DEVICES_DIR "/%s",
		 pci_bdf(real));
	if (!path_exists(d->devdir))
		return -ENXIO;
	if (!pci_disks_scratch(real))
		return -EPERM;
	device_driver(d->devdir, d->driver, sizeof(d->driver));
	return 0;
}

static inline bool pci_disk_bound(const struct pci_disk *d)
{
	char driver[64];

	device_driver(d->devdir, driver, sizeof(driver));
	return driver[0] && !strcmp(driver, d->driver);
}

/* Unbind the disk's driver and wait for the disk to go. */
static inline int pci_disk_unbind(struct pci_disk *d)
{
	char path[PATH_MAX];
	int err;

	err = pci_unbind(d->devdir);
	if (err) {
		iommu_err("unbinding %s from %s: %s", pci_bdf(d->devdir),
			  d->driver, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "/sys/block/%s", d->disk);
	if (!wait_for_path(path, true, PCI_DISK_TIMEOUT_MS)) {
		iommu_err("%s is still there after the unbind", d->disk);
		return -ETIMEDOUT;
	}
	return 0;
}

/* Bind the disk's driver again and wait for the disk, maybe renamed. */
static inline int pci_disk_bind(struct pci_disk *d)
{
	char path[PATH_MAX];
	int err;

	err = pci_bind(d->devdir, d->driver);
	if (err) {
		iommu_err("binding %s to %s: %s", pci_bdf(d->devdir), d->driver,
			  strerror(-err));
		return err;
	}
	for (int waited = 0; waited <= PCI_DISK_TIMEOUT_MS; waited += 20) {
		if (!disk_by_serial(d->serial, d->disk, sizeof(d->disk))) {
			snprintf(path, sizeof(path), "/dev/%s", d->disk);
			if (path_exists(path))
				return 0;
		}
		usleep(20 * 1000);
	}
	iommu_err("no disk with serial %s after %s bound", d->serial, d->driver);
	return -ETIMEDOUT;
}

#endif /* __PCI_BIND_H */
