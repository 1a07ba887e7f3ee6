// SPDX-License-Identifier: GPL-2.0
/*
 * The "iommu" device class: each IOMMU instance appears under
 * /sys/class/iommu, every device in an IOMMU group has an "iommu" link to
 * its instance, and the instance's "devices" directory links back to each
 * of them.  Also the group files' refusals: reserved_regions is read-only,
 * and a group's type file takes only the names of default domain types.
 */
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define IOMMU_CLASS_DIR	"/sys/class/iommu"

/* The first IOMMU instance's name, or "" if the class is empty. */
static void first_iommu(char *name, size_t len)
{
	struct dirent *de;
	DIR *dir = opendir(IOMMU_CLASS_DIR);

	name[0] = '\0';
	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.') {
			snprintf(name, len, "%s", de->d_name);
			break;
		}
	closedir(dir);
}

TEST(class_has_an_instance)
{
	char name[256];

	first_iommu(name, sizeof(name));
	if (!name[0])
		MISSING(return, "no IOMMU in " IOMMU_CLASS_DIR);
	/* Our SMMUv3 driver names its instances after their address. */
	EXPECT_EQ(0, strncmp(name, "smmu3.", 6)) {
		TH_LOG("instance %s", name);
	}
}

/* Every grouped PCI device and its IOMMU instance point at each other. */
TEST(devices_link_both_ways)
{
	char devdir[PATH_MAX], back[PATH_MAX], iommu[256];
	struct dirent *de;
	int checked = 0;
	DIR *dir;

	dir = opendir(PCI_DEVICES_DIR);
	if (!dir)
		MISSING(return, "no PCI bus");
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s",
			 de->d_name);
		if (device_iommu_group(devdir) < 0)
			continue;
		link_target_name(devdir, "iommu", iommu, sizeof(iommu));
		EXPECT_NE(0, iommu[0]) {
			TH_LOG("%s has a group but no iommu link", de->d_name);
		}
		if (!iommu[0])
			continue;
		snprintf(back, sizeof(back), IOMMU_CLASS_DIR "/%s/devices/%s",
			 iommu, de->d_name);
		EXPECT_TRUE(path_exists(back)) {
			TH_LOG("%s is missing", back);
		}
		checked++;
	}
	closedir(dir);
	if (!checked)
		MISSING(return, "no PCI device is in an IOMMU group");
}

FIXTURE(group_files) {
	char dir[PATH_MAX];
};

/*
 * The group of the harness's NVMe disk, whose type the tests try to change
 * (and must be refused, with its driver bound).
 */
FIXTURE_SETUP(group_files)
{
	struct pci_disk nvme;
	int err;

	err = pci_disk_find(&nvme, "iommu-nvme");
	if (err)
		MISSING(return, "no NVMe disk of the harness's behind an IOMMU (%s)",
			strerror(-err));
	snprintf(self->dir, sizeof(self->dir), IOMMU_GROUPS_DIR "/%d",
		 nvme.group);
}

FIXTURE_TEARDOWN(group_files)
{
}

TEST_F(group_files, reserved_regions_read_only)
{
	char path[PATH_MAX], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/reserved_regions", self->dir);
	ASSERT_EQ(0, sysfs_read(path, buf, sizeof(buf)));
	/* The SMMUv3 driver reserves the ITS doorbell window for MSIs. */
	EXPECT_NE(NULL, strstr(buf, " msi")) {
		TH_LOG("reserved_regions: %s", buf);
	}
	fd = open(path, O_WRONLY);
	EXPECT_GT(0, fd);
	if (fd >= 0)
		close(fd);
}

/* A bound driver keeps the type, whatever is written, valid or not. */
TEST_F(group_files, type_refusals_while_bound)
{
	static const char * const words[] = {
		"DMA", "identity", "auto", "DMA-FQ",
	};
	static const char * const junk[] = {
		"blocked", "unmanaged", "dma", "DMA-FQ-", "ident", " ", "0",
	};
	char path[PATH_MAX], before[64], after[64];

	snprintf(path, sizeof(path), "%s/type", self->dir);
	ASSERT_EQ(0, sysfs_read(path, before, sizeof(before)));
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		EXPECT_EQ(-EBUSY, sysfs_write(path, words[i])) {
			TH_LOG("writing %s", words[i]);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		EXPECT_EQ(-EINVAL, sysfs_write(path, junk[i])) {
			TH_LOG("writing \"%s\"", junk[i]);
		}
	}
	ASSERT_EQ(0, sysfs_read(path, after, sizeof(after)));
	EXPECT_STREQ(before, after);
}

TEST_HARNESS_MAIN
