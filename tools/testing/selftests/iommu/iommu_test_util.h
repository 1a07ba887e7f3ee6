/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the IOMMU kselftests and the harness's guest tools:
 * sysfs access, finding the PCI device and IOMMU group behind a disk, the
 * kernel command line (the group type it asks for, and whether this is the
 * harness's guest), a seeded pseudo-random generator, a checksum, and
 * O_DIRECT transfers that are written, read back and compared.
 *
 * Everything here reports failures as a negative return value and a line on
 * stderr, so that callers can use it with or without kselftest_harness.h.
 */
#ifndef __IOMMU_TEST_UTIL_H
#define __IOMMU_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <sys/stat.h>

#define IOMMU_GROUPS_DIR	"/sys/kernel/iommu_groups"
#define IOMMU_SECTOR		512
#define IOMMU_PAGE		4096

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define iommu_err(fmt, ...) \
	fprintf(stderr, "# %s: " fmt "\n", __func__, ##__VA_ARGS__)

/* Read a sysfs attribute into @buf without its trailing newline. */
static inline int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* Write @val to a sysfs attribute; returns 0 or the negative errno. */
static inline int sysfs_write(const char *path, const char *val)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(val))
		err = -EIO;
	close(fd);
	return err;
}

static inline bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* How many entries directory @path has, or a negative errno. */
static inline int dir_count(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* The tests' kernel interfaces that are no ABI live in debugfs. */
#define DEBUGFS			"/sys/kernel/debug"

static inline bool debugfs_mounted(void)
{
	return dir_count(DEBUGFS) > 0;
}

/* Poll for @path to appear (or, with @gone, to disappear). */
static inline bool wait_for_path(const char *path, bool gone, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (path_exists(path) != gone)
			return true;
		usleep(20 * 1000);
	}
	return false;
}

/*
 * The last component of what the symlink @devdir/@link points to, such as a
 * device's driver or IOMMU group; "" when there is no such link.
 */
static inline void link_target_name(const char *devdir, const char *link,
				    char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	name[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", devdir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(name, len, "%s", base ? base + 1 : target);
}

/*
 * The IOMMU group number of a device, given its sysfs directory, or -1 when
 * the device has no group.
 */
static inline int device_iommu_group(const char *devdir)
{
	char group[32];

	link_target_name(devdir, "iommu_group", group, sizeof(group));
	return group[0] ? atoi(group) : -1;
}

/*
 * Find the device with an IOMMU group that the sysfs object at @path sits
 * on: walk up from it until a directory has an iommu_group link.  Fills
 * @devdir with that directory and returns the group, or -1.
 */
static inline int sysfs_iommu_group(const char *path, char *devdir, size_t len)
{
	char real[PATH_MAX];
	char *slash;
	int group;

	if (!realpath(path, real))
		return -1;
	while ((slash = strrchr(real, '/')) && slash != real) {
		group = device_iommu_group(real);
		if (group >= 0) {
			snprintf(devdir, len, "%s", real);
			return group;
		}
		*slash = '\0';
	}
	return -1;
}

/* sysfs_iommu_group() of /sys/block/@disk. */
static inline int disk_iommu_group(const char *disk, char *devdir, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	return sysfs_iommu_group(path, devdir, len);
}

/* @s without its leading and trailing blanks and newlines, in place. */
static inline char *strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/*
 * The serial number of block device @disk: the disk's own attribute (NVMe,
 * virtio-blk), the unit serial number page of a SCSI disk (ATA disks
 * through libata too), or failing those the serial of the nearest device
 * above it that has one (a USB disk's USB device).
 */
static inline int disk_serial(const char *disk, char *serial, size_t len)
{
	static const char *const attrs[] = { "serial", "device/serial" };
	char path[PATH_MAX], real[PATH_MAX], buf[256];
	char *slash;
	ssize_t n;
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "/sys/block/%s/%s", disk, attrs[i]);
		if (!sysfs_read(path, buf, sizeof(buf))) {
			snprintf(serial, len, "%s", strip(buf));
			return 0;
		}
	}
	/* VPD page 0x80: 4 bytes of header, then the serial number. */
	snprintf(path, sizeof(path), "/sys/block/%s/device/vpd_pg80", disk);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 4) {
			buf[n] = '\0';
			snprintf(serial, len, "%s", strip(buf + 4));
			return 0;
		}
	}
	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	if (!realpath(path, real))
		return -ENOENT;
	while ((slash = strrchr(real, '/')) && slash != real) {
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/serial", real);
		if (!sysfs_read(path, buf, sizeof(buf))) {
			snprintf(serial, len, "%s", strip(buf));
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The value of the last "@key=value" word of the kernel command line, in
 * @val; 0, or -ENOENT when there is none.
 */
static inline int cmdline_value(const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	char cmdline[4096];
	char *tok, *save;
	int err = -ENOENT;

	if (sysfs_read("/proc/cmdline", cmdline, sizeof(cmdline)))
		return -ENOENT;
	for (tok = strtok_r(cmdline, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, key, klen) && tok[klen] == '=') {
			snprintf(val, len, "%s", tok + klen + 1);
			err = 0;
		}
	}
	return err;
}

/*
 * Whether this runs in the QEMU guest of the harness (tools/testing/iommu/),
 * which boots with "harness=MODE" on the kernel command line, has every
 * device and option the tests need, and whose devices are all there to be
 * tested on.  A test that needs something only that guest is sure to have
 * fails without it there, and skips elsewhere (MISSING()).
 */
static inline bool in_harness_guest(void)
{
	char mode[64];

	return !cmdline_value("harness", mode, sizeof(mode)) && mode[0];
}

/*
 * For kselftest_harness.h tests: skip the test for want of a prerequisite,
 * which the printf() format and arguments after @statement name, unless
 * this is the harness's guest, which has them all; there its absence is a
 * failure.  @statement ends the test, as with SKIP().
 */
#define MISSING(statement, ...) do {					\
	char _missing[256];						\
									\
	snprintf(_missing, sizeof(_missing), __VA_ARGS__);		\
	ASSERT_FALSE(in_harness_guest()) {				\
		TH_LOG("%s in the harness's guest", _missing);		\
	}								\
	SKIP(statement, "%s", _missing);				\
} while (0)

/*
 * The harness gives each of its disks, which are there to be written to, a
 * serial number starting with this (DISK_SERIAL in harness.py).
 */
#define SCRATCH_SERIAL_PREFIX	"iommu-"

/* Whether block device @disk is one of the harness's scratch disks. */
static inline bool scratch_disk(const char *disk)
{
	char serial[256];

	return !disk_serial(disk, serial, sizeof(serial)) &&
	       !strncmp(serial, SCRATCH_SERIAL_PREFIX,
			strlen(SCRATCH_SERIAL_PREFIX));
}

/*
 * Open /dev/@disk for O_DIRECT writes and reads, if it is one of the
 * harness's scratch disks: every test that writes to a disk opens it here.
 * The file descriptor, or a negative errno (-EPERM for another disk).
 */
static inline int scratch_disk_open(const char *disk)
{
	char dev[PATH_MAX];
	int fd;

	if (!scratch_disk(disk)) {
		iommu_err("%s has no serial number %s*: not the harness's disk, not written",
			  disk, SCRATCH_SERIAL_PREFIX);
		return -EPERM;
	}
	snprintf(dev, sizeof(dev), "/dev/%s", disk);
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0) {
		fd = -errno;
		iommu_err("open %s: %s", dev, strerror(-fd));
	}
	return fd;
}

/*
 * The block device (such as "sdb") whose serial number is @serial, such as
 * one of the harness's.  0, or -ENODEV when no disk has it.
 */
static inline int disk_by_serial(const char *serial, char *disk, size_t len)
{
	char found[256];
	struct dirent *de;
	int err = -ENODEV;
	DIR *dir;

	dir = opendir("/sys/block");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (!disk_serial(de->d_name, found, sizeof(found)) &&
		    !strcmp(found, serial)) {
			snprintf(disk, len, "%s", de->d_name);
			err = 0;
			break;
		}
	}
	closedir(dir);
	return err;
}

/* splitmix64: small, fast, and the same sequence for the same seed. */
static inline __u64 prng_next(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void prng_fill(__u64 *state, void *buf, size_t len)
{
	unsigned char *p = buf;
	__u64 v;

	while (len >= sizeof(v)) {
		v = prng_next(state);
		memcpy(p, &v, sizeof(v));
		p += sizeof(v);
		len -= sizeof(v);
	}
	if (len) {
		v = prng_next(state);
		memcpy(p, &v, len);
	}
}

/*
 * The seed for a run: $IOMMU_TEST_SEED when set, so that a failure can be
 * replayed, otherwise taken from the clock.
 */
static inline __u64 test_seed(void)
{
	const char *env = getenv("IOMMU_TEST_SEED");
	struct timespec ts;

	if (env && *env)
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000007ULL ^ (__u64)ts.tv_nsec;
}

/* 64-bit FNV-1a, continued from @hash (start with FNV64_INIT). */
#define FNV64_INIT	0xcbf29ce484222325ULL

static inline __u64 fnv64(__u64 hash, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len--) {
		hash ^= *p++;
		hash *= 0x100000001b3ULL;
	}
	return hash;
}

/* pwrite() or pread() all of @len bytes, going on after short transfers. */
static inline int rw_full(int fd, char *p, size_t len, off_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, off) : pread(fd, p, len, off);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static inline int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	return rw_full(fd, (char *)buf, len, off, true);
}

static inline int pread_full(int fd, void *buf, size_t len, off_t off)
{
	return rw_full(fd, buf, len, off, false);
}

/* Report the first byte where @got differs from @want, or return 0. */
static inline int compare_buffers(const void *want, const void *got,
				  size_t len, off_t disk_off)
{
	const unsigned char *w = want, *g = got;

	for (size_t i = 0; i < len; i++) {
		if (w[i] != g[i]) {
			iommu_err("mismatch at disk offset %lld (byte %zu of %zu): wrote 0x%02x, read 0x%02x",
				  (long long)(disk_off + i), i, len, w[i], g[i]);
			return -EILSEQ;
		}
	}
	return 0;
}

/*
 * Write @len bytes of @wbuf at @off of an O_DIRECT file descriptor, read them
 * back into @rbuf (poisoned first, so that a read that moves nothing cannot
 * pass) and compare.
 */
static inline int transfer_verify(int fd, const void *wbuf, void *rbuf,
				  size_t len, off_t off)
{
	int err;

	err = pwrite_full(fd, wbuf, len, off);
	if (err) {
		iommu_err("write of %zu bytes at %lld: %s", len, (long long)off,
			  strerror(-err));
		return err;
	}
	memset(rbuf, 0xa5, len);
	err = pread_full(fd, rbuf, len, off);
	if (err) {
		iommu_err("read of %zu bytes at %lld: %s", len, (long long)off,
			  strerror(-err));
		return err;
	}
	return compare_buffers(wbuf, rbuf, len, off);
}

/* A buffer @offset bytes past a page boundary, for O_DIRECT. */
static inline void *alloc_io_buffer(size_t len, size_t offset, void **base)
{
	if (posix_memalign(base, IOMMU_PAGE, len + offset))
		return NULL;
	return (char *)*base + offset;
}

/*
 * A boolean kernel parameter's value as the kernel's kstrtobool() reads
 * it: 1/y/t and 0/n/f by their first character (either case), "on" and
 * "off"; -1 for anything else, which the kernel ignores.
 */
static inline int cmdline_bool(const char *val)
{
	switch (val[0]) {
	case '1': case 'y': case 'Y': case 't': case 'T':
		return 1;
	case '0': case 'n': case 'N': case 'f': case 'F':
		return 0;
	case 'o': case 'O':
		if (val[1] == 'n' || val[1] == 'N')
			return 1;
		if (val[1] == 'f' || val[1] == 'F')
			return 0;
	}
	return -1;
}

/*
 * The default domain type ("DMA", "DMA-FQ" or "identity") that the kernel
 * should have chosen for IOMMU groups, from /proc/cmdline: iommu.passthrough
 * and iommu.strict as the kernel reads them (the last of each counts),
 * over the test configuration's default, strict translation
 * (CONFIG_IOMMU_DEFAULT_DMA_STRICT).  Passthrough wins over strict=0.
 */
static inline const char *expected_group_type(void)
{
	int passthrough = 0, strict = 1, v;
	char cmdline[4096];
	char *tok, *save;

	if (sysfs_read("/proc/cmdline", cmdline, sizeof(cmdline)))
		return "DMA";
	for (tok = strtok_r(cmdline, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "iommu.passthrough=", 18)) {
			v = cmdline_bool(tok + 18);
			passthrough = v < 0 ? passthrough : v;
		} else if (!strncmp(tok, "iommu.strict=", 13)) {
			v = cmdline_bool(tok + 13);
			strict = v < 0 ? strict : v;
		}
	}
	if (passthrough)
		return "identity";
	return strict ? "DMA" : "DMA-FQ";
}

/*
 * Verified transfers through /dev/@disk, a scratch disk, of sizes from one sector to 1 MiB
 * (some odd, some spanning pages), one after the other from byte @off of
 * the disk on; the data comes from @state.  The write buffer starts one
 * sector into a page, so that the DMA mappings do not start on a page.
 */
static inline int disk_roundtrip(const char *disk, off_t off, __u64 *state)
{
	static const size_t sizes[] = {
		512, 4096, 12800, 131072 + 1536, 1 << 20,
	};
	void *wbase = NULL, *rbase = NULL;
	char *wbuf, *rbuf;
	int fd, err = -ENOMEM;

	fd = scratch_disk_open(disk);
	if (fd < 0)
		return fd;
	wbuf = alloc_io_buffer(1 << 20, IOMMU_SECTOR, &wbase);
	rbuf = alloc_io_buffer(1 << 20, 0, &rbase);
	if (wbuf && rbuf) {
		err = 0;
		for (size_t i = 0; i < ARRAY_SIZE(sizes) && !err; i++) {
			prng_fill(state, wbuf, sizes[i]);
			err = transfer_verify(fd, wbuf, rbuf, sizes[i], off);
			off += sizes[i];
		}
	}
	free(wbase);
	free(rbase);
	close(fd);
	return err;
}

#endif /* __IOMMU_TEST_UTIL_H */
