// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding a kernel driver releases its device's use of the group's default
 * domain and binding it again takes it back; DMA must work after each round.
 * The harness's NVMe disk (serial number iommu-nvme) has its driver unbound
 * and rebound twice (or as often as the kernel command line's
 * "nvme_rebind_rounds=N" says), and each time the disk comes back in the
 * same IOMMU group and a verified O_DIRECT transfer goes through it.
 */
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define NVME_SERIAL	"iommu-nvme"
#define ROUNDS		2
#define ROUNDS_WORD	"nvme_rebind_rounds"
/* Far from the region that iommu_dma_io writes. */
#define DISK_OFFSET	(48LL << 20)

FIXTURE(nvme_rebind) {
	struct pci_disk d;
	__u64 seed;
};

FIXTURE_SETUP(nvme_rebind)
{
	int err = pci_disk_find(&self->d, NVME_SERIAL);

	if (err)
		MISSING(return, "no NVMe disk of the harness's behind an IOMMU (%s)",
			strerror(-err));
	ASSERT_STREQ("nvme", self->d.driver);
	self->seed = test_seed();
	TH_LOG("%s at %s, group %d, seed %llu", self->d.disk,
	       pci_bdf(self->d.devdir), self->d.group,
	       (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(nvme_rebind)
{
	/* Leave the disk bound for whatever runs next. */
	if (!pci_disk_bound(&self->d))
		pci_disk_bind(&self->d);
}

/* Long enough for hundreds of rounds, for the hang hunt of README.md. */
TEST_F_TIMEOUT(nvme_rebind, unbind_rebind_twice, 3600)
{
	struct pci_disk *d = &self->d;
	__u64 state = self->seed;
	char word[16];
	int rounds = ROUNDS;
	char driver[64];

	if (!cmdline_value(ROUNDS_WORD, word, sizeof(word)) && atoi(word) > 0)
		rounds = atoi(word);
	ASSERT_EQ(0, disk_roundtrip(d->disk, DISK_OFFSET, &state));
	for (int round = 1; round <= rounds; round++) {
		ASSERT_EQ(0, pci_disk_unbind(d)) {
			TH_LOG("round %d", round);
		}
		device_driver(d->devdir, driver, sizeof(driver));
		ASSERT_STREQ("", driver);
		/* Unbinding must not take the device out of its group. */
		EXPECT_EQ(d->group, device_iommu_group(d->devdir));

		ASSERT_EQ(0, pci_disk_bind(d)) {
			TH_LOG("round %d", round);
		}
		EXPECT_EQ(d->group, device_iommu_group(d->devdir));
		ASSERT_EQ(0, disk_roundtrip(d->disk, DISK_OFFSET, &state)) {
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

	EXPECT_GT(0, pci_bind(self->d.devdir, self->d.driver));
	EXPECT_EQ(self->d.group, device_iommu_group(self->d.devdir));
	EXPECT_EQ(0, disk_roundtrip(self->d.disk, DISK_OFFSET, &state));
}

TEST_HARNESS_MAIN
