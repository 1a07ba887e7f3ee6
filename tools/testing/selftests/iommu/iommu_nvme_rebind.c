// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding a kernel driver releases its device's use of the group's default
 * domain and binding it again takes it back; DMA must work after each round.
 * The NVMe driver is unbound and rebound twice (or as often as the kernel
 * command line's "nvme_rebind_rounds=N" says, which the harness passes on
 * in the environment), and each time the disk comes back in the same IOMMU
 * group and a verified O_DIRECT transfer goes through it.
 */
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define NVME_DISK	"nvme0n1"
#define ROUNDS		2
#define ROUNDS_VAR	"nvme_rebind_rounds"
#define PROBE_TIMEOUT_MS 15000
/* Far from the region that iommu_dma_io writes. */
#define DISK_OFFSET	(48LL << 20)

FIXTURE(nvme_rebind) {
	char devdir[PATH_MAX];
	char bdf[32];
	int group;
	__u64 seed;
};

FIXTURE_SETUP(nvme_rebind)
{
	char driver[64];

	self->group = disk_iommu_group(NVME_DISK, self->devdir,
				       sizeof(self->devdir));
	ASSERT_LE(0, self->group) {
		TH_LOG("%s is missing or not behind an IOMMU", NVME_DISK);
	}
	snprintf(self->bdf, sizeof(self->bdf), "%s",
		 strrchr(self->devdir, '/') + 1);
	device_driver(self->devdir, driver, sizeof(driver));
	ASSERT_STREQ("nvme", driver);
	self->seed = test_seed();
	TH_LOG("%s at %s, group %d, seed %llu", NVME_DISK, self->bdf,
	       self->group, (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(nvme_rebind)
{
	char driver[64];

	/* Leave the disk bound for whatever runs next. */
	device_driver(self->devdir, driver, sizeof(driver));
	if (!driver[0])
		sysfs_write(PCI_DRIVERS_DIR "/nvme/bind", self->bdf);
}

/* Long enough for hundreds of rounds, for the hang hunt of README.md. */
TEST_F_TIMEOUT(nvme_rebind, unbind_rebind_twice, 3600)
{
	const char *env = getenv(ROUNDS_VAR);
	int rounds = env && atoi(env) > 0 ? atoi(env) : ROUNDS;
	__u64 state = self->seed;
	char driver[64];

	ASSERT_EQ(0, disk_roundtrip(NVME_DISK, DISK_OFFSET, &state));
	for (int round = 1; round <= rounds; round++) {
		ASSERT_EQ(0, sysfs_write(PCI_DRIVERS_DIR "/nvme/unbind",
					 self->bdf));
		ASSERT_TRUE(wait_for_path("/sys/block/" NVME_DISK, true,
					  PROBE_TIMEOUT_MS)) {
			TH_LOG("round %d: %s still there after unbind", round,
			       NVME_DISK);
		}
		device_driver(self->devdir, driver, sizeof(driver));
		ASSERT_STREQ("", driver);
		/* Unbinding must not take the device out of its group. */
		EXPECT_EQ(self->group, device_iommu_group(self->devdir));

		ASSERT_EQ(0, sysfs_write(PCI_DRIVERS_DIR "/nvme/bind",
					 self->bdf));
		ASSERT_TRUE(wait_for_path("/dev/" NVME_DISK, false,
					  PROBE_TIMEOUT_MS)) {
			TH_LOG("round %d: %s did not come back", round,
			       NVME_DISK);
		}
		EXPECT_EQ(self->group, device_iommu_group(self->devdir));
		ASSERT_EQ(0, disk_roundtrip(NVME_DISK, DISK_OFFSET, &state)) {
			TH_LOG("round %d: I/O after rebind failed", round);
		}
		if (round <= ROUNDS || round % 25 == 0 || round == rounds)
			TH_LOG("round %d of %d: rebound, I/O verified", round,
			       rounds);
	}
}

/* Binding a device that is already bound is refused, and changes nothing. */
TEST_F(nvme_rebind, double_bind_refused)
{
	__u64 state = self->seed ^ 1;

	EXPECT_GT(0, sysfs_write(PCI_DRIVERS_DIR "/nvme/bind", self->bdf));
	EXPECT_EQ(self->group, device_iommu_group(self->devdir));
	EXPECT_EQ(0, disk_roundtrip(NVME_DISK, DISK_OFFSET, &state));
}

TEST_HARNESS_MAIN
