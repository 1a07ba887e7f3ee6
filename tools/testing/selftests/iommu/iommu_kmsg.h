/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the kernel log from /dev/kmsg, for tests that make a device fault
 * on purpose and look for the IOMMU driver's report of it.  The SMMUv3
 * driver reports each event on one rate-limited line, such as (on one line)
 *
 *   arm-smmu-v3 9050000.smmuv3: translation fault: 0000:00:03.0 write
 *     at IOVA 0x7ff000, stage 1 (sid 0x18)
 *
 * The lines are matched word by word rather than as a whole, so that the
 * tests hold what matters (the event, the device, the IOVA, the access) and
 * not the driver's exact wording around it.
 *
 * Like iommu_test_util.h this reports failures as a negative return value
 * and a line on stderr, with or without kselftest_harness.h.
 */
#ifndef __IOMMU_KMSG_H
#define __IOMMU_KMSG_H

#include <ctype.h>
#include "iommu_test_util.h"

#define KMSG_PATH		"/dev/kmsg"
/* A /dev/kmsg record is at most this long. */
#define KMSG_RECORD_MAX		8192
/* How long the IOMMU driver may take to report a fault. */
#define FAULT_WAIT_MS		1000
/* How long to go on reading after that, for a second report. */
#define FAULT_SETTLE_MS		200
#define FAULT_POLL_MS		20
/* Log lines shown when the fault reports are not what they should be. */
#define FAULT_SHOW_LINES	20

/*
 * The kernel log from the moment kmsg_open() opened it on: the text of
 * each record, without its prefix or its dictionary.
 */
struct kmsg {
	int fd;
	char **lines;
	size_t count;
	size_t cap;
	unsigned int lost;	/* overwritten before they could be read */
};

static inline int kmsg_open(struct kmsg *log)
{
	int err;

	memset(log, 0, sizeof(*log));
	log->fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK);
	if (log->fd < 0)
		return -errno;
	if (lseek(log->fd, 0, SEEK_END) < 0) {
		err = -errno;
		close(log->fd);
		return err;
	}
	return 0;
}

static inline void kmsg_close(struct kmsg *log)
{
	while (log->count)
		free(log->lines[--log->count]);
	free(log->lines);
	close(log->fd);
}

/* Take in the records logged since the last call; 0 or a negative errno. */
static inline int kmsg_read(struct kmsg *log)
{
	char rec[KMSG_RECORD_MAX + 1], *text, *end, **lines;
	ssize_t n;

	for (;;) {
		n = read(log->fd, rec, KMSG_RECORD_MAX);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == EPIPE) {
			log->lost++;
			continue;
		}
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		rec[n] = '\0';
		/* "prio,seq,time,flags;text\n" and " KEY=value" lines */
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		end = strchr(text, '\n');
		if (end)
			*end = '\0';
		if (log->count == log->cap) {
			log->cap = log->cap ? 2 * log->cap : 64;
			lines = realloc(log->lines, log->cap * sizeof(*lines));
			if (!lines)
				return -ENOMEM;
			log->lines = lines;
		}
		log->lines[log->count] = strdup(text);
		if (!log->lines[log->count])
			return -ENOMEM;
		log->count++;
	}
}

#define MAX_TOKENS		64

/* Split @line at spaces into @tok, in place; returns how many tokens. */
static inline int tokens(char *line, char **tok)
{
	char *save, *t;
	int n = 0;

	for (t = strtok_r(line, " ", &save); t && n < MAX_TOKENS;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	return n;
}

/* Whether @c may end a token: the ':' after a name, the ',' after a value. */
static inline bool token_end(const char *c)
{
	return !*c || (strchr(",:;", *c) && !c[1]);
}

/* Whether @tok is @word, maybe with one punctuation character after it. */
static inline bool token_is(const char *tok, const char *word)
{
	size_t len = strlen(word);

	return !strncmp(tok, word, len) && token_end(tok + len);
}

/*
 * Whether @tok is "0x" and hex digits, maybe with one punctuation character
 * after them; their value goes to @val.  All digits count: 0x1000 is not
 * 0x10000.
 */
static inline bool token_hex(const char *tok, unsigned long long *val)
{
	const char *p = tok + 2;

	if (strncmp(tok, "0x", 2) || !isxdigit((unsigned char)*p))
		return false;
	for (*val = 0; isxdigit((unsigned char)*p); p++) {
		if (*val >> 60)
			return false;
		*val = *val << 4 | (isdigit((unsigned char)*p) ?
				    *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
	}
	return token_end(p);
}

#define MAX_EVENT_WORDS		8

/*
 * Whether the @nev words @ev of an event's name ("translation", "fault")
 * start at @tok[@i]; the last may carry the ':' that ends the name.
 */
static inline bool tokens_are(char **tok, int n, int i, char **ev, int nev)
{
	int j;

	if (!nev || i + nev > n)
		return false;
	for (j = 0; j < nev - 1; j++)
		if (strcmp(tok[i + j], ev[j]))
			return false;
	return token_is(tok[i + nev - 1], ev[nev - 1]);
}

/*
 * The IOMMU driver's reports of @event ("translation fault", "permission
 * fault") for the device @bdf: the lines holding @event, @bdf and
 * "IOVA 0x<hex>", with the value @iova unless that is NULL, and the word
 * @access ("read" or "write") unless that is NULL.  Returns how many there
 * are.
 */
static inline int kmsg_events(struct kmsg *log, const char *event,
			      const char *bdf, const unsigned long long *iova,
			      const char *access)
{
	char copy[KMSG_RECORD_MAX], *tok[MAX_TOKENS];
	char name[128], *ev[MAX_EVENT_WORDS], *save, *w;
	bool is_event, dev, at, acc;
	unsigned long long val;
	int found = 0, nev = 0, i, n;
	size_t l;

	snprintf(name, sizeof(name), "%s", event);
	for (w = strtok_r(name, " ", &save); w && nev < MAX_EVENT_WORDS;
	     w = strtok_r(NULL, " ", &save))
		ev[nev++] = w;
	for (l = 0; l < log->count; l++) {
		snprintf(copy, sizeof(copy), "%s", log->lines[l]);
		n = tokens(copy, tok);
		is_event = false;
		dev = false;
		at = false;
		acc = !access;
		for (i = 0; i < n; i++) {
			if (tokens_are(tok, n, i, ev, nev))
				is_event = true;
			if (token_is(tok[i], bdf))
				dev = true;
			if (!strcmp(tok[i], "IOVA") && i + 1 < n &&
			    token_hex(tok[i + 1], &val) && (!iova || val == *iova))
				at = true;
			if (access && !strcmp(tok[i], access))
				acc = true;
		}
		found += is_event && dev && at && acc;
	}
	return found;
}

/* Translation faults, the event the tests provoke most. */
static inline int kmsg_faults(struct kmsg *log, const char *bdf,
			      const unsigned long long *iova, const char *access)
{
	return kmsg_events(log, "translation fault", bdf, iova, access);
}

/*
 * Read the log until a report of @event for @bdf at @iova shows up or
 * FAULT_WAIT_MS pass (the IOMMU driver reports faults from a thread of its
 * own), then FAULT_SETTLE_MS more for a second report that should not be
 * there.  Returns how many reports there are, or a negative errno.
 */
static inline int kmsg_wait_events(struct kmsg *log, const char *event,
				   const char *bdf,
				   const unsigned long long *iova)
{
	int err, waited;

	for (waited = 0; waited < FAULT_WAIT_MS; waited += FAULT_POLL_MS) {
		err = kmsg_read(log);
		if (err)
			return err;
		if (kmsg_events(log, event, bdf, iova, NULL))
			break;
		usleep(FAULT_POLL_MS * 1000);
	}
	usleep(FAULT_SETTLE_MS * 1000);
	err = kmsg_read(log);
	if (err)
		return err;
	return kmsg_events(log, event, bdf, iova, NULL);
}

/* Log lines for the reader, when the reports are not what they should be. */
static inline void kmsg_show(struct kmsg *log)
{
	size_t l;

	fprintf(stderr, "# the kernel log since the test started (%zu lines, %u lost%s):\n",
		log->count, log->lost,
		log->count > FAULT_SHOW_LINES ? ", the first ones" : "");
	for (l = 0; l < log->count && l < FAULT_SHOW_LINES; l++)
		fprintf(stderr, "#   %s\n", log->lines[l]);
}

#endif /* __IOMMU_KMSG_H */
