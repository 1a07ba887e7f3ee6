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
#include <sys/mount.h>
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define TRACEFS			"/sys/kernel/tracing"
#define RESCAN_TIMEOUT_MS	5000
#define TRACE_MAX		(1024 * 1024)

/* Mount tracefs if needed; false if this kernel has no iommu events. */
static bool tracefs_ready(void)
{
	if (!path_exists(TRACEFS "/events"))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return path_exists(TRACEFS "/events/iommu/enable");
}

static int trace_events(bool on)
{
	return sysfs_write(TRACEFS "/events/iommu/enable", on ? "1" : "0");
}

/* Opening the trace file truncated empties the buffer. */
static int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The trace buffer so far, NUL-terminated, or NULL. */
static char *trace_read(void)
{
	char *buf = calloc(1, TRACE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(TRACEFS "/trace", O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < TRACE_MAX &&
	       (n = read(fd, buf + len, TRACE_MAX - len)) > 0)
		len += n;
	close(fd);
	return buf;
}

/* Lines of @trace recording event @event whose text contains @what. */
static int trace_count(const char *trace, const char *event, const char *what)
{
	char tag[64];
	const char *line = trace;
	int n = 0;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = memmem(line, len, tag, strlen(tag));

		if (hit && (!what || memmem(hit, len - (hit - line), what,
					    strlen(what))))
			n++;
		line = end ? end + 1 : NULL;
	}
	return n;
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
	if (!tracefs_ready())
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
