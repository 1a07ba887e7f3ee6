// SPDX-License-Identifier: GPL-2.0
/*
 * Changing a group's default domain at run time through
 * /sys/kernel/iommu_groups/N/type (Documentation/ABI/testing/
 * sysfs-kernel-iommu_groups), on the group of the harness's NVMe disk
 * (serial number iommu-nvme): with the driver
 * unbound, each of "DMA", "DMA-FQ", "identity" and "auto" is written, reads
 * back as the type asked for ("auto" as the type the boot chose), and
 * stays when the driver binds again; a verified O_DIRECT transfer then goes
 * through the new domain.  NVMe, unlike edu, reaches all of RAM, so it can
 * work untranslated too.
 *
 * The refusals: a write while the driver is bound (the DMA API uses the
 * domain), and any value but the four above (the type names that read
 * back but may not be asked for, such as "blocked" and "unmanaged", case
 * and white space variants).  Each leaves the type as it was.  DMA to
 * DMA-FQ under a bound driver, which only adds a flush queue to the domain
 * in use, is allowed by the base kernel's core and may be refused by
 * another; it has a test of its own.
 *
 * Each test puts the group back to the type and the disk back to the
 * driver it found.
 */
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define NVME_SERIAL	"iommu-nvme"
#define NVME_DRIVER	"nvme"
/* Away from the regions that iommu_dma_io and iommu_nvme_rebind write. */
#define DISK_OFFSET	(56LL << 20)

/* The NVMe disk, its group, and the type the test found. */
struct nvme_group {
	struct pci_disk d;
	char type_path[PATH_MAX];
	char orig_type[32];
	__u64 seed, state;
};

static int read_type(struct nvme_group *g, char *type, size_t len)
{
	return sysfs_read(g->type_path, type, len);
}

/*
 * The errno of a type write refused because a driver is bound: the base
 * kernel's core (6.12) says EPERM; EBUSY would say it better, and is
 * accepted too.
 */
static bool bound_errno(int err)
{
	return err == -EPERM || err == -EBUSY;
}

/*
 * The type of the group of the disk that pci_disk_find() found, and a
 * seed for the data; nothing changes yet.
 */
static int nvme_group_init(struct nvme_group *g)
{
	snprintf(g->type_path, sizeof(g->type_path),
		 IOMMU_GROUPS_DIR "/%d/type", g->d.group);
	g->seed = test_seed();
	g->state = g->seed;
	return read_type(g, g->orig_type, sizeof(g->orig_type));
}

/*
 * Put the type and the driver back as nvme_group_init() found them; 0, or
 * the negative errno of the first step that failed.
 */
static int nvme_group_restore(struct nvme_group *g)
{
	char type[32] = "";
	int err = 0;

	read_type(g, type, sizeof(type));
	if (strcmp(type, g->orig_type)) {
		if (pci_disk_bound(&g->d))
			err = pci_disk_unbind(&g->d);
		err = err ?: sysfs_write(g->type_path, g->orig_type) ?:
		      read_type(g, type, sizeof(type));
		if (!err && strcmp(type, g->orig_type))
			err = -EPROTO;
		if (err)
			iommu_err("putting back type %s: %s, reads %s",
				  g->orig_type, strerror(-err), type);
	}
	if (!pci_disk_bound(&g->d))
		err = err ?: pci_disk_bind(&g->d);
	return err;
}

/* Whether the group's type reads @want; says so on stderr if not. */
static int check_type(struct nvme_group *g, const char *want, const char *when)
{
	char got[32];
	int err = read_type(g, got, sizeof(got));

	if (err)
		return err;
	if (strcmp(got, want)) {
		iommu_err("%s the type reads \"%s\", not \"%s\"", when, got, want);
		return -EPROTO;
	}
	return 0;
}

/*
 * With the driver unbound, make the group @type, check that it reads back
 * as @want and that the device stays in it, bind the driver and check
 * again, and move data through the disk.  0, or the negative errno of the
 * first step that failed, with the step on stderr.
 */
static int switch_type(struct nvme_group *g, const char *type,
		       const char *want)
{
	int err;

	if (pci_disk_bound(&g->d)) {
		err = pci_disk_unbind(&g->d);
		if (err)
			return err;
	}
	err = sysfs_write(g->type_path, type);
	if (err) {
		iommu_err("writing \"%s\" with no driver bound: %s", type,
			  strerror(-err));
		return err;
	}
	err = check_type(g, want, "with no driver bound,");
	if (err)
		return err;
	if (device_iommu_group(g->d.devdir) != g->d.group) {
		iommu_err("%s left group %d", pci_bdf(g->d.devdir), g->d.group);
		return -EPROTO;
	}
	err = pci_disk_bind(&g->d) ?:
	      check_type(g, want, "once " NVME_DRIVER " bound,");
	if (err)
		return err;
	err = disk_roundtrip(g->d.disk, DISK_OFFSET, &g->state);
	if (err)
		iommu_err("I/O on a %s domain: %s", want, strerror(-err));
	return err;
}

/* One type per variant, from the boot's type and back. */
FIXTURE(nvme_switch) {
	struct nvme_group g;
};

FIXTURE_VARIANT(nvme_switch) {
	const char *write;
	const char *want;	/* NULL: the type the boot chose */
};

FIXTURE_VARIANT_ADD(nvme_switch, dma) {
	.write = "DMA",
	.want = "DMA",
};

FIXTURE_VARIANT_ADD(nvme_switch, dma_fq) {
	.write = "DMA-FQ",
	.want = "DMA-FQ",
};

FIXTURE_VARIANT_ADD(nvme_switch, identity) {
	.write = "identity",
	.want = "identity",
};

FIXTURE_VARIANT_ADD(nvme_switch, auto) {
	.write = "auto",
	.want = NULL,
};

/* sysfs takes a value with the newline that echo adds, too. */
FIXTURE_VARIANT_ADD(nvme_switch, identity_newline) {
	.write = "identity\n",
	.want = "identity",
};

FIXTURE_SETUP(nvme_switch)
{
	struct nvme_group *g = &self->g;
	int err = pci_disk_find(&g->d, NVME_SERIAL);

	if (err)
		MISSING(return, "no NVMe disk of the harness's behind an IOMMU (%s)",
			strerror(-err));
	ASSERT_STREQ(NVME_DRIVER, g->d.driver);
	ASSERT_EQ(0, nvme_group_init(g));
	TH_LOG("%s at %s, group %d of type %s, seed %llu", g->d.disk,
	       pci_bdf(g->d.devdir), g->d.group, g->orig_type,
	       (unsigned long long)g->seed);
}

FIXTURE_TEARDOWN(nvme_switch)
{
	EXPECT_EQ(0, nvme_group_restore(&self->g));
}

TEST_F(nvme_switch, switch_and_io)
{
	ASSERT_EQ(0, switch_type(&self->g, variant->write,
				 variant->want ?: expected_group_type()));
}

FIXTURE(nvme_type) {
	struct nvme_group g;
};

FIXTURE_SETUP(nvme_type)
{
	struct nvme_group *g = &self->g;
	int err = pci_disk_find(&g->d, NVME_SERIAL);

	if (err)
		MISSING(return, "no NVMe disk of the harness's behind an IOMMU (%s)",
			strerror(-err));
	ASSERT_STREQ(NVME_DRIVER, g->d.driver);
	ASSERT_EQ(0, nvme_group_init(g));
	TH_LOG("%s at %s, group %d of type %s, seed %llu", g->d.disk,
	       pci_bdf(g->d.devdir), g->d.group, g->orig_type,
	       (unsigned long long)g->seed);
}

FIXTURE_TEARDOWN(nvme_type)
{
	EXPECT_EQ(0, nvme_group_restore(&self->g));
}

/*
 * The types one after another, without the teardown's restore in between,
 * ending with "auto" where the boot began.
 */
TEST_F(nvme_type, cycle)
{
	static const char * const order[] = {
		"identity", "DMA", "DMA-FQ", "identity", "DMA-FQ", "DMA",
		"auto",
	};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const char *want = strcmp(order[i], "auto") ? order[i] :
				   expected_group_type();

		ASSERT_EQ(0, switch_type(&self->g, order[i], want)) {
			TH_LOG("to %s, after %zu changes", order[i], i);
		}
		TH_LOG("%s: I/O verified", want);
	}
}

/*
 * While the driver is bound every write is refused (DMA to DMA-FQ on a DMA
 * domain aside); the type and the I/O stay as they were.
 */
TEST_F(nvme_type, refused_while_bound)
{
	static const char * const types[] = {
		"identity", "DMA", "DMA-FQ", "auto",
	};
	struct nvme_group *g = &self->g;
	char got[32];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		/* Allowed by some cores: see dma_to_fq_while_bound. */
		if (!strcmp(types[i], "DMA-FQ") && !strcmp(g->orig_type, "DMA"))
			continue;
		err = sysfs_write(g->type_path, types[i]);
		TH_LOG("writing \"%s\" with %s bound to a %s domain: %s",
		       types[i], NVME_DRIVER, g->orig_type,
		       err ? strerror(-err) : "accepted");
		EXPECT_TRUE(bound_errno(err));
		ASSERT_EQ(0, read_type(g, got, sizeof(got)));
		EXPECT_STREQ(g->orig_type, got);
	}
	EXPECT_TRUE(pci_disk_bound(&g->d));
	EXPECT_EQ(0, disk_roundtrip(g->d.disk, DISK_OFFSET, &g->state));
}

/*
 * DMA to DMA-FQ with the driver bound.  The base kernel's core (6.12)
 * allows it: the domain in use stays and only gains a flush queue, so
 * that lazy invalidation can be had without an unbind.  A core may also
 * refuse it like any other change under a bound driver.  Either is
 * accepted, but a refusal must change nothing, and an acceptance must
 * leave a working DMA-FQ domain that cannot go back to DMA while bound.
 */
TEST_F(nvme_type, dma_to_fq_while_bound)
{
	struct nvme_group *g = &self->g;
	char got[32];
	int err;

	if (strcmp(g->orig_type, "DMA"))
		SKIP(return, "the group is %s, not DMA", g->orig_type);
	err = sysfs_write(g->type_path, "DMA-FQ");
	TH_LOG("DMA to DMA-FQ with %s bound: %s", NVME_DRIVER,
	       err ? strerror(-err) : "accepted");
	ASSERT_TRUE(!err || bound_errno(err));
	ASSERT_EQ(0, read_type(g, got, sizeof(got)));
	EXPECT_STREQ(err ? "DMA" : "DMA-FQ", got);
	EXPECT_TRUE(pci_disk_bound(&g->d));
	EXPECT_EQ(0, disk_roundtrip(g->d.disk, DISK_OFFSET, &g->state));
	if (err)
		return;
	/* Back to DMA is a new domain: not while bound. */
	err = sysfs_write(g->type_path, "DMA");
	EXPECT_TRUE(bound_errno(err)) {
		TH_LOG("DMA-FQ to DMA with %s bound: %s", NVME_DRIVER,
		       err ? strerror(-err) : "accepted");
	}
}

/*
 * Values that name no type a user may ask for are refused, with the driver
 * unbound so that only the value is at fault; the type stays, and a good
 * value still works afterwards.
 */
TEST_F(nvme_type, bad_values_refused)
{
	static const char * const bad[] = {
		"bogus", "unmanaged", "blocked", "unknown", "dma", "Dma",
		"IDENTITY", "Auto", "DMA_FQ", "DMAFQ", "DMA-fq", "DMA ",
		" DMA", "\tDMA", "DMA\t", "DMA\x20\n", "DMA\n\n", "DMA\r\n",
		"identity ", "auto\n ", "DMA-FQ-", "DM", "identityx", "\n",
		" ", "DMA,identity", "DMA identity",
	};
	struct nvme_group *g = &self->g;
	char got[32];
	int err;

	ASSERT_EQ(0, pci_disk_unbind(&g->d));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err = sysfs_write(g->type_path, bad[i]);
		EXPECT_EQ(-EINVAL, err) {
			TH_LOG("writing \"%s\" (%zu bytes): %s", bad[i],
			       strlen(bad[i]), err ? strerror(-err) : "accepted");
		}
		ASSERT_EQ(0, read_type(g, got, sizeof(got)));
		EXPECT_STREQ(g->orig_type, got) {
			TH_LOG("after writing \"%s\"", bad[i]);
		}
	}
	ASSERT_EQ(0, switch_type(g, g->orig_type, g->orig_type));
}

/* A value longer than sysfs takes in one write is refused too. */
TEST_F(nvme_type, long_value_refused)
{
	struct nvme_group *g = &self->g;
	char got[32], *val;
	int err;

	val = malloc(2 * IOMMU_PAGE + 1);
	ASSERT_NE(NULL, val);
	/* "DMA" and then more than a page of spaces. */
	memset(val, ' ', 2 * IOMMU_PAGE);
	memcpy(val, "DMA", 3);
	val[2 * IOMMU_PAGE] = '\0';
	ASSERT_EQ(0, pci_disk_unbind(&g->d));
	err = sysfs_write(g->type_path, val);
	free(val);
	EXPECT_NE(0, err);
	TH_LOG("a write of %d bytes: %s", 2 * IOMMU_PAGE,
	       err ? strerror(-err) : "accepted");
	ASSERT_EQ(0, read_type(g, got, sizeof(got)));
	EXPECT_STREQ(g->orig_type, got);
}

/* One write() of @len bytes to @path: what it returned, or -errno. */
static ssize_t write_bytes(const char *path, const void *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * A type name followed by a NUL and more bytes is not that type: the core
 * must look at every byte written, not stop at the first NUL.
 */
TEST_F(nvme_type, embedded_nul_refused)
{
	static const char val[] = "identity\0junk";
	struct nvme_group *g = &self->g;
	char got[32];

	ASSERT_EQ(0, pci_disk_unbind(&g->d));
	EXPECT_EQ(-EINVAL, write_bytes(g->type_path, val, sizeof(val) - 1));
	ASSERT_EQ(0, read_type(g, got, sizeof(got)));
	EXPECT_STREQ(g->orig_type, got);
}

/*
 * A write of no bytes succeeds and changes nothing: sysfs returns 0 for
 * it without calling the IOMMU core, so it cannot be refused there.
 */
TEST_F(nvme_type, empty_write_changes_nothing)
{
	struct nvme_group *g = &self->g;
	char got[32];

	ASSERT_EQ(0, pci_disk_unbind(&g->d));
	EXPECT_EQ(0, write_bytes(g->type_path, "", 0));
	ASSERT_EQ(0, read_type(g, got, sizeof(got)));
	EXPECT_STREQ(g->orig_type, got);
}

TEST_HARNESS_MAIN
