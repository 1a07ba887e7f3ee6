// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU core's tracepoints fire where they should.  With the "iommu"
 * trace events on, edu is removed from the PCI bus and found again by a
 * rescan, which must record remove_device_from_group and then
 * add_device_to_group when a driver binds (a PCI device joins its group
 * at bind time); the bind also records attach_device_to_domain.  Our edu
 * test driver then maps and unmaps buffers (map and unmap events, the
 * unmap covering what was mapped) and has edu write to an IOVA nothing
 * maps, which the SMMUv3 driver reports through report_iommu_fault()
 * (io_page_fault, naming edu).
 *
 * The tests need edu, its test driver and tracefs (CONFIG_FTRACE with event
 * tracing); without them they are skipped.  On an identity domain nothing
 * is mapped and nothing faults, so those checks are skipped there too.
 */
#include "../kselftest_harness.h"
#include "iommu_tracefs.h"
#include "pci_bind.h"

#define RESCAN_TIMEOUT_MS	5000

static int trace_events(bool on)
{
	return trace_event_enable("iommu", on);
}

FIXTURE(trace) {
	char devdir[PATH_MAX];
	const char *bdf;
	bool identity;
};

FIXTURE_SETUP(trace)
{
	const char *missing;

	missing = edu_test_missing(self->devdir, sizeof(self->devdir));
	if (missing)
		MISSING(return, "%s", missing);
	/* The tracing of a machine without edu is left alone. */
	if (!tracefs_ready("iommu"))
		MISSING(return, "no tracefs with iommu events (CONFIG_FTRACE)");
	self->bdf = pci_bdf(self->devdir);
	self->identity = !strcmp(expected_group_type(), "identity");
	ASSERT_EQ(0, pci_unbind_override(self->devdir));
	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_events(true));
}

FIXTURE_TEARDOWN(trace)
{
	if (!path_exists(TRACEFS "/events/iommu/enable"))
		return;
	EXPECT_EQ(0, trace_events(false));
	if (path_exists(self->devdir))
		EXPECT_EQ(0, pci_unbind_override(self->devdir));
}

/*
 * Removal takes edu out of its group, a rescan and a bind put it back in
 * one and attach its default domain; its DMA maps, unmaps and faults.
 */
TEST_F(trace, device_life)
{
	char run[PATH_MAX], path[PATH_MAX];
	char *trace;

	/* edu joins its group on its first bind: make sure it has one. */
	ASSERT_EQ(0, trace_events(false));
	ASSERT_EQ(0, edu_bind(self->devdir, EDU_TEST_DRIVER));
	ASSERT_EQ(0, pci_unbind_override(self->devdir));
	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_events(true));

	snprintf(path, sizeof(path), "%s/remove", self->devdir);
	ASSERT_EQ(0, sysfs_write(path, "1"));
	ASSERT_TRUE(wait_for_path(self->devdir, true, RESCAN_TIMEOUT_MS));
	ASSERT_EQ(0, sysfs_write("/sys/bus/pci/rescan", "1"));
	ASSERT_TRUE(wait_for_path(self->devdir, false, RESCAN_TIMEOUT_MS)) {
		TH_LOG("edu did not come back after a rescan");
	}

	ASSERT_EQ(0, edu_bind(self->devdir, EDU_TEST_DRIVER));
	snprintf(run, sizeof(run), EDU_TEST_DEBUGFS "/%s/run", self->bdf);
	if (!self->identity) {
		ASSERT_EQ(0, sysfs_write(run, "single_offsets"));
		ASSERT_EQ(0, sysfs_write(run, "fault_unmapped"));
		/* The SMMU's event thread reports the fault. */
		usleep(300 * 1000);
	}
	ASSERT_EQ(0, trace_events(false));

	trace = trace_read();
	ASSERT_NE(NULL, trace);
	EXPECT_EQ(1, trace_count(trace, "remove_device_from_group", self->bdf));
	EXPECT_EQ(1, trace_count(trace, "add_device_to_group", self->bdf));
	EXPECT_LE(1, trace_count(trace, "attach_device_to_domain", self->bdf));
	if (!self->identity) {
		EXPECT_LE(1, trace_count(trace, "map", NULL));
		EXPECT_LE(1, trace_count(trace, "unmap", NULL));
		EXPECT_LE(1, trace_count(trace, "io_page_fault", self->bdf));
	} else {
		EXPECT_EQ(0, trace_count(trace, "io_page_fault", self->bdf));
	}
	if (_metadata->exit_code)
		TH_LOG("trace:\n%.4000s", trace);
	free(trace);
}

/* With the events off, the same DMA records nothing. */
TEST_F(trace, events_off_record_nothing)
{
	char run[PATH_MAX];
	char *trace;

	ASSERT_EQ(0, trace_events(false));
	ASSERT_EQ(0, edu_bind(self->devdir, EDU_TEST_DRIVER));
	snprintf(run, sizeof(run), EDU_TEST_DEBUGFS "/%s/run", self->bdf);
	if (!self->identity)
		ASSERT_EQ(0, sysfs_write(run, "single_offsets"));

	trace = trace_read();
	ASSERT_NE(NULL, trace);
	EXPECT_EQ(0, trace_count(trace, "map", NULL));
	EXPECT_EQ(0, trace_count(trace, "attach_device_to_domain", NULL));
	free(trace);
}

TEST_HARNESS_MAIN
