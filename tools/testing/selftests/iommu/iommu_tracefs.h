/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events through tracefs, for the kselftests that check the IOMMU
 * core's tracepoints (include/trace/events/iommu.h): mounting tracefs,
 * turning an event or a whole system of events on and off, emptying and
 * reading the trace buffer, and finding an event's lines in what was read.
 *
 * An event is named as under tracefs's events/ directory: "iommu" for the
 * whole system, "iommu/map" for one event of it.  A line of the trace
 * reads "<task>-<pid> [<cpu>] <flags> <time>: <event>: <text>", where the
 * text is what the event's TP_printk() made of it.
 *
 * Like iommu_test_util.h this reports failures as a negative return value,
 * with or without kselftest_harness.h.
 */
#ifndef __IOMMU_TRACEFS_H
#define __IOMMU_TRACEFS_H

#include <sys/mount.h>
#include "iommu_test_util.h"

#define TRACEFS			"/sys/kernel/tracing"
/* The most of the trace buffer trace_read() returns. */
#define TRACE_MAX		(1024 * 1024)

/*
 * Mount tracefs if it is not; whether the kernel has the events @event
 * (a system or one event of it).
 */
static inline bool tracefs_ready(const char *event)
{
	char path[PATH_MAX];

	if (!path_exists(TRACEFS "/events"))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", event);
	return path_exists(path);
}

/* Turn @event on or off; 0 or a negative errno. */
static inline int trace_event_enable(const char *event, bool on)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", event);
	return sysfs_write(path, on ? "1" : "0");
}

/* Opening the trace file truncated empties the buffer. */
static inline int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The trace buffer so far, NUL-terminated, or NULL; the caller frees it. */
static inline char *trace_read(void)
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

/*
 * The text of the next line of @trace from *@pos on that records @event
 * (an event's name alone, such as "map"), copied to @text; *@pos moves
 * past that line.  false when there is no further such line.
 */
static inline bool trace_next(const char **pos, const char *event, char *text,
			      size_t len)
{
	char tag[64];
	const char *line = *pos;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *hit = memmem(line, n, tag, strlen(tag));
		const char *next = end ? end + 1 : NULL;

		if (hit) {
			hit += strlen(tag);
			snprintf(text, len, "%.*s", (int)(line + n - hit), hit);
			*pos = next;
			return true;
		}
		line = next;
	}
	*pos = NULL;
	return false;
}

/* Lines of @trace recording @event whose text contains @what (or any). */
static inline int trace_count(const char *trace, const char *event,
			      const char *what)
{
	const char *pos = trace;
	char text[512];
	int n = 0;

	while (trace_next(&pos, event, text, sizeof(text)))
		n += !what || strstr(text, what);
	return n;
}

#endif /* __IOMMU_TRACEFS_H */
