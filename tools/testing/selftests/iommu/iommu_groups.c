// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU groups as user space sees them in sysfs: every PCI device that a
 * driver is bound to sits in exactly one group, the group and the device
 * point at each other, and the group's default domain has the type that the
 * kernel command line asks for (DMA when it asks for nothing, DMA-FQ with
 * iommu.strict=0, identity with iommu.passthrough=1; see
 * expected_group_type()).  That holds for every group, also those whose
 * device has no driver now: the tests that change a group's type or hand
 * the group to VFIO put it back.
 */
#include "../kselftest_harness.h"
#include "pci_bind.h"

/* How many groups list @bdf among their devices. */
static int groups_holding(const char *bdf, int *group)
{
	char path[PATH_MAX];
	struct dirent *de;
	int count = 0;
	DIR *dir;

	dir = opendir(IOMMU_GROUPS_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%s/devices/%s",
			 de->d_name, bdf);
		if (path_exists(path)) {
			*group = atoi(de->d_name);
			count++;
		}
	}
	closedir(dir);
	return count;
}

FIXTURE(bound_pci) {
	char bdf[64][32];
	int count;
};

FIXTURE_SETUP(bound_pci)
{
	char devdir[PATH_MAX], driver[64];
	struct dirent *de;
	DIR *dir;

	self->count = 0;
	if (dir_count(IOMMU_GROUPS_DIR) <= 0)
		MISSING(return, "no IOMMU groups");
	dir = opendir(PCI_DEVICES_DIR);
	if (!dir)
		MISSING(return, "no PCI bus");
	while ((de = readdir(dir)) && self->count < 64) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s", de->d_name);
		device_driver(devdir, driver, sizeof(driver));
		if (!driver[0])
			continue;
		snprintf(self->bdf[self->count++], sizeof(self->bdf[0]), "%s",
			 de->d_name);
	}
	closedir(dir);
	if (!self->count)
		MISSING(return, "no PCI device has a driver");
}

FIXTURE_TEARDOWN(bound_pci)
{
}

TEST_F(bound_pci, each_in_exactly_one_group)
{
	for (int i = 0; i < self->count; i++) {
		int group = -1;

		EXPECT_EQ(1, groups_holding(self->bdf[i], &group)) {
			TH_LOG("%s is listed in %d groups", self->bdf[i],
			       groups_holding(self->bdf[i], &group));
		}
	}
}

TEST_F(bound_pci, group_link_matches_group_listing)
{
	char devdir[PATH_MAX];

	for (int i = 0; i < self->count; i++) {
		int listed = -1, linked;

		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s",
			 self->bdf[i]);
		linked = device_iommu_group(devdir);
		ASSERT_LE(0, linked) {
			TH_LOG("%s has no iommu_group link", self->bdf[i]);
		}
		groups_holding(self->bdf[i], &listed);
		EXPECT_EQ(listed, linked) {
			TH_LOG("%s links to group %d but group %d lists it",
			       self->bdf[i], linked, listed);
		}
	}
}

TEST_F(bound_pci, default_domain_type)
{
	const char *want = expected_group_type();
	char path[PATH_MAX], devdir[PATH_MAX], type[64];

	TH_LOG("expecting default domain type %s", want);
	for (int i = 0; i < self->count; i++) {
		int group;

		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s",
			 self->bdf[i]);
		group = device_iommu_group(devdir);
		ASSERT_LE(0, group);
		snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type", group);
		ASSERT_EQ(0, sysfs_read(path, type, sizeof(type)));
		EXPECT_STREQ(want, type) {
			TH_LOG("group %d of %s", group, self->bdf[i]);
		}
	}
}

TEST(every_group_has_boot_type)
{
	const char *want = expected_group_type();
	char path[PATH_MAX], type[64];
	struct dirent *de;
	DIR *dir;

	if (dir_count(IOMMU_GROUPS_DIR) <= 0)
		MISSING(return, "no IOMMU groups");
	TH_LOG("expecting default domain type %s", want);
	dir = opendir(IOMMU_GROUPS_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%s/type",
			 de->d_name);
		ASSERT_EQ(0, sysfs_read(path, type, sizeof(type)));
		EXPECT_STREQ(want, type) {
			TH_LOG("group %s", de->d_name);
		}
	}
	closedir(dir);
}

TEST(groups_are_not_empty)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (dir_count(IOMMU_GROUPS_DIR) <= 0)
		MISSING(return, "no IOMMU groups");
	dir = opendir(IOMMU_GROUPS_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%s/devices",
			 de->d_name);
		EXPECT_LT(0, dir_count(path)) {
			TH_LOG("group %s has no devices", de->d_name);
		}
	}
	closedir(dir);
}

TEST_HARNESS_MAIN
