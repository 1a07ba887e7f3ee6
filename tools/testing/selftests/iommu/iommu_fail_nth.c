// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation of the IOMMU subsystem fails once: each operation runs
 * with /proc/thread-self/fail-nth set to 1, 2, 3, ... (the Nth allocation
 * of this thread fails), until it completes without an injected failure.
 * After each run the operation must have returned an error code (or
 * succeeded), and the state must be what it was: the device still does
 * verified DMA, its group still has the domain it had, and a domain holds
 * exactly the mappings it should.  kmemleak's scan at the end of the boot
 * (the harness's) finds whatever leaked.
 *
 * Only allocations whose call stack passes through the subsystem's own code
 * count: the fault-injection stack trace filter gets the range of
 * drivers/iommu's text from /usr/share/iommu/text-range, two symbols that
 * the harness names when it builds the guest (text-range.sh), looked up in
 * /proc/kallsyms.  So a sweep over a PCI rescan crosses the allocations of
 * the IOMMU probe, not the PCI core's.
 *
 * What the operations cover:
 * - the edu test driver's "op" file (CONFIG_IOMMU_DMA_EDU_TEST): paging and
 *   user domain allocation, attach and detach, iommu_map() of ranges that
 *   need new tables at each level, iommu_map_sg(), the DMA layer's
 *   map_page, map_sg, contiguous and page-array allocations, the
 *   non-contiguous API, and IOVA allocation with cold caches;
 * - the group's default domain type, changed through sysfs on edu (to an
 *   identity domain and back, and between DMA and DMA-FQ) and on the
 *   harness's NVMe disk (identity to "auto", then the disk must still do
 *   verified I/O);
 * - device probe and release: edu removed, found again by a PCI rescan,
 *   and probed into its IOMMU group when a driver binds (PCI devices are
 *   probed then, not at the rescan);
 * - a VFIO type1 container's set-up and VFIO_IOMMU_MAP_DMA.
 *
 * Each sweep logs "sweep NAME: N injection points" for the harness.  While
 * failures are injected the kernel may print the stack of an allocation
 * that failed; the sweep brackets its runs with "@@inject begin" and
 * "@@inject end" so that the harness does not take those for reports.
 */
#include "../kselftest_harness.h"
#include "vfio_edu.h"

#define TEXT_RANGE_FILE		"/usr/share/iommu/text-range"
#define NVME_SERIAL		"iommu-nvme"
#define NVME_OFFSET		(40LL << 20)
/* A sweep stops (and fails) if an operation crosses this many points. */
#define SWEEP_MAX		400
#define PROBE_TIMEOUT_MS	15000
/* Seconds a sweep may take: a step costs up to a second (a PCI rescan). */
#define SWEEP_TIMEOUT		300

/* ---------------------------------------------------------------------
 * Injecting failures
 * ---------------------------------------------------------------------
 */

static const char *const injectors[] = { "failslab", "fail_page_alloc" };

/* Write @val to DEBUGFS/@injector/@knob. */
static int knob(const char *injector, const char *knob, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DEBUGFS "/%s/%s", injector, knob);
	return sysfs_write(path, val);
}

/* The address of @name in /proc/kallsyms, or 0. */
static unsigned long long kallsyms_addr(const char *name)
{
	unsigned long long addr, found = 0;
	char type, sym[256], line[512];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name)) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * What the sweeps need and this machine lacks, or NULL: fail-nth, the two
 * injectors with their stack trace filters in debugfs, and the file that
 * names the subsystem's code, which the harness puts in its guest.
 */
static const char *inject_missing(void)
{
	char path[PATH_MAX];

	if (!path_exists("/proc/thread-self/fail-nth"))
		return "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)";
	for (size_t i = 0; i < ARRAY_SIZE(injectors); i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/require-start",
			 injectors[i]);
		if (!path_exists(path))
			return "no fault injectors with stack trace filters in debugfs";
	}
	if (!path_exists(TEXT_RANGE_FILE))
		return "no " TEXT_RANGE_FILE " (the harness writes it)";
	return NULL;
}

/*
 * Make the injectors count only allocations made through the subsystem's
 * code, and fail them quietly.  0, or a negative errno.
 */
static int inject_setup(void)
{
	char names[2][128], line[300], val[32];
	unsigned long long begin, end;
	int err = 0;
	FILE *f;

	f = fopen(TEXT_RANGE_FILE, "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "%127s %127s", names[0], names[1]) != 2) {
		iommu_err("no symbol names in %s", TEXT_RANGE_FILE);
		if (f)
			fclose(f);
		return -EINVAL;
	}
	fclose(f);
	begin = kallsyms_addr(names[0]);
	end = kallsyms_addr(names[1]);
	if (!begin || end <= begin) {
		iommu_err("%s and %s do not bound a range in /proc/kallsyms",
			  names[0], names[1]);
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(injectors) && !err; i++) {
		const char *inj = injectors[i];

		snprintf(val, sizeof(val), "%llu", begin);
		err = knob(inj, "require-start", val);
		snprintf(val, sizeof(val), "%llu", end);
		err = err ?: knob(inj, "require-end", val) ?:
		      knob(inj, "stacktrace-depth", "32") ?:
		      knob(inj, "ignore-gfp-wait", "N") ?:
		      knob(inj, "verbose", "0");
	}
	err = err ?: knob("fail_page_alloc", "ignore-gfp-highmem", "N") ?:
	      knob("fail_page_alloc", "min-order", "0");
	if (err)
		iommu_err("setting up the injectors in %s: %s", DEBUGFS,
			  strerror(-err));
	return err;
}

/* Back to the injectors' defaults, which fail nothing of their own. */
static void inject_teardown(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(injectors); i++) {
		knob(injectors[i], "require-start", "0");
		knob(injectors[i], "require-end", "18446744073709551615");
		knob(injectors[i], "ignore-gfp-wait", "Y");
		knob(injectors[i], "verbose", "2");
	}
	knob("fail_page_alloc", "ignore-gfp-highmem", "Y");
	knob("fail_page_alloc", "min-order", "1");
}

static int fail_nth_write(unsigned int n)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", n);
	return sysfs_write("/proc/thread-self/fail-nth", val);
}

/* Whether the failure set up by fail_nth_write() was injected; clears it. */
static bool fail_nth_injected(void)
{
	char val[16];
	bool injected;

	injected = !sysfs_read("/proc/thread-self/fail-nth", val, sizeof(val)) &&
		   !strcmp(val, "0");
	fail_nth_write(0);
	return injected;
}

/* The errors an operation may return when one of its allocations fails. */
static bool allocation_errno(int err)
{
	return err == -ENOMEM || err == -ENOSPC;
}

/* ---------------------------------------------------------------------
 * Sweeping
 * ---------------------------------------------------------------------
 */

/*
 * An operation and what must hold after it: @run does it once and
 * returns 0 or a negative errno; @check looks at the state after a run
 * that returned @ret (@injected: with a failure injected), puts back what
 * the next run needs, and returns 0 or -1 with the reason in @why.
 */
struct sweep_op {
	const char *name;
	int (*run)(void *arg);
	int (*check)(void *arg, int ret, bool injected, char *why, size_t len);
};

struct sweep_result {
	int points;		/* injection points the operation crossed */
	int step;		/* the step that went wrong, or 0 */
	char why[512];
};

/*
 * Run @op with its Nth injection point failing, N = 1, 2, ..., until it
 * runs without an injected failure.  0, or -1 with @res saying what went
 * wrong.
 */
static int sweep(const struct sweep_op *op, void *arg, struct sweep_result *res)
{
	struct timespec t0, t1;
	char why[400];
	int n, ret;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("@@inject begin %s\n", op->name);
	fflush(stdout);
	for (n = 1; n <= SWEEP_MAX; n++) {
		bool injected;

		if (fail_nth_write(n)) {
			snprintf(res->why, sizeof(res->why), "cannot set fail-nth");
			break;
		}
		ret = op->run(arg);
		injected = fail_nth_injected();
		why[0] = '\0';
		if (!injected && ret)
			snprintf(why, sizeof(why), "failed with %s without an injected failure",
				 strerror(-ret));
		else if (ret && !allocation_errno(ret))
			snprintf(why, sizeof(why), "returned %s for a failed allocation",
				 strerror(-ret));
		else if (op->check(arg, ret, injected, why, sizeof(why)))
			;
		else if (!injected)
			break;
		if (why[0]) {
			res->step = n;
			snprintf(res->why, sizeof(res->why), "%s, failing allocation %d: %s",
				 op->name, n, why);
			break;
		}
	}
	printf("@@inject end %s\n", op->name);
	if (n > SWEEP_MAX)
		snprintf(res->why, sizeof(res->why), "%s still fails after %d points",
			 op->name, SWEEP_MAX);
	if (res->why[0])
		return -1;
	res->points = n - 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %s: %s: %d injection points, %.1f s\n", __func__, op->name,
	       res->points, t1.tv_sec - t0.tv_sec +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	return 0;
}

/* ---------------------------------------------------------------------
 * edu through the test driver
 * ---------------------------------------------------------------------
 */

struct edu_ctx {
	char devdir[PATH_MAX];
	char op[PATH_MAX];
	char state[PATH_MAX];
	char baseline[128];	/* the "state" file before the sweep */
	const char *name;	/* the driver's operation */
};

/* Bind the edu in @c->devdir to the test driver and find its files. */
static int edu_ctx_init(struct edu_ctx *c)
{
	const char *bdf = pci_bdf(c->devdir);
	int err;

	err = edu_bind(c->devdir, EDU_TEST_DRIVER);
	if (err)
		return err;
	snprintf(c->op, sizeof(c->op), EDU_TEST_DEBUGFS "/%s/op", bdf);
	snprintf(c->state, sizeof(c->state), EDU_TEST_DEBUGFS "/%s/state", bdf);
	if (!path_exists(c->op) || !path_exists(c->state)) {
		iommu_err("%s or its state file is missing", c->op);
		return -ENOENT;
	}
	return 0;
}

/* The test driver's "state" file, one line. */
static int edu_state(struct edu_ctx *c, char *buf, size_t len)
{
	char raw[256];
	int err = sysfs_read(c->state, raw, sizeof(raw));

	for (char *p = raw; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(buf, len, "%s", raw);
	return err;
}

static int edu_run_op(struct edu_ctx *c, const char *name)
{
	return sysfs_write(c->op, name);
}

static int edu_op_run(void *arg)
{
	struct edu_ctx *c = arg;

	return edu_run_op(c, c->name);
}

/* Same state as before the sweep, and a DMA round trip that works. */
static int edu_check(struct edu_ctx *c, char *why, size_t len)
{
	char now[128];
	int err;

	err = edu_state(c, now, sizeof(now));
	if (err || strcmp(now, c->baseline)) {
		snprintf(why, len, "state \"%s\", before \"%s\"", now, c->baseline);
		return -1;
	}
	err = edu_run_op(c, "verify");
	if (err) {
		snprintf(why, len, "DMA through the default domain: %s",
			 strerror(-err));
		return -1;
	}
	return 0;
}

static int edu_op_check(void *arg, int ret, bool injected, char *why,
			size_t len)
{
	return edu_check(arg, why, len);
}

FIXTURE(edu_ops) {
	struct edu_ctx c;
};

FIXTURE_VARIANT(edu_ops) {
	const char *op;
};

FIXTURE_VARIANT_ADD(edu_ops, domain_paging) { .op = "domain_paging" };
FIXTURE_VARIANT_ADD(edu_ops, domain_user) { .op = "domain_user" };
FIXTURE_VARIANT_ADD(edu_ops, attach) { .op = "attach" };
FIXTURE_VARIANT_ADD(edu_ops, map_levels) { .op = "map_levels" };
FIXTURE_VARIANT_ADD(edu_ops, map_sg) { .op = "map_sg" };
FIXTURE_VARIANT_ADD(edu_ops, dma_map_page) { .op = "dma_map_page" };
FIXTURE_VARIANT_ADD(edu_ops, dma_map_sg) { .op = "dma_map_sg" };
FIXTURE_VARIANT_ADD(edu_ops, dma_alloc_contiguous) { .op = "dma_alloc_contiguous" };
FIXTURE_VARIANT_ADD(edu_ops, dma_alloc_pages) { .op = "dma_alloc_pages" };
FIXTURE_VARIANT_ADD(edu_ops, dma_noncontiguous) { .op = "dma_noncontiguous" };
FIXTURE_VARIANT_ADD(edu_ops, iova_cold) { .op = "iova_cold" };

FIXTURE_SETUP(edu_ops)
{
	const char *missing;

	if (!strcmp(expected_group_type(), "identity"))
		SKIP(return, "edu's group is on an identity domain: edu cannot DMA");
	missing = edu_test_missing(self->c.devdir, sizeof(self->c.devdir)) ?:
		  inject_missing();
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_EQ(0, inject_setup());
	ASSERT_EQ(0, edu_ctx_init(&self->c));
	self->c.name = variant->op;
	ASSERT_EQ(0, edu_state(&self->c, self->c.baseline,
			       sizeof(self->c.baseline)));
	ASSERT_EQ(0, edu_run_op(&self->c, "verify"));
	/* Once without injection, so that the sweep starts from a set-up. */
	ASSERT_EQ(0, edu_run_op(&self->c, variant->op));
}

FIXTURE_TEARDOWN(edu_ops)
{
	inject_teardown();
	pci_unbind_override(self->c.devdir);
}

TEST_F_TIMEOUT(edu_ops, sweep, SWEEP_TIMEOUT)
{
	const struct sweep_op op = {
		.name = variant->op,
		.run = edu_op_run,
		.check = edu_op_check,
	};
	struct sweep_result res;

	ASSERT_EQ(0, sweep(&op, &self->c, &res)) {
		TH_LOG("%s", res.why);
	}
	TH_LOG("%s: %d injection points, state %s", variant->op, res.points,
	       self->c.baseline);
}

/* ---------------------------------------------------------------------
 * The group's default domain type
 * ---------------------------------------------------------------------
 */

struct type_ctx {
	struct edu_ctx edu;
	char type_path[PATH_MAX];
	const char *from, *to;	/* the change being swept */
	bool translated;	/* edu can DMA in @from's domain */
};

static int type_read(struct type_ctx *t, char *buf, size_t len)
{
	return sysfs_read(t->type_path, buf, len);
}

static int type_run(void *arg)
{
	struct type_ctx *t = arg;

	return sysfs_write(t->type_path, t->to);
}

/* "auto" reads back as the type the boot's policy gives. */
static const char *type_name(const char *type)
{
	return strcmp(type, "auto") ? type : expected_group_type();
}

/*
 * The type is the new one if the write succeeded, the old one if not; edu,
 * bound to the test driver, is on its default domain and does DMA there if
 * the domain translates.  A change that succeeded with a failure injected
 * is undone for the next run.
 */
static int type_check(void *arg, int ret, bool injected, char *why,
		      size_t len)
{
	struct type_ctx *t = arg;
	const char *want = type_name(ret ? t->from : t->to);
	char now[32], state[128];
	int err;

	if (type_read(t, now, sizeof(now)) || strcmp(now, want)) {
		snprintf(why, len, "the group's type reads \"%s\", not \"%s\"",
			 now, want);
		return -1;
	}
	err = edu_ctx_init(&t->edu);
	if (err) {
		snprintf(why, len, "binding edu to %s: %s", EDU_TEST_DRIVER,
			 strerror(-err));
		return -1;
	}
	err = edu_state(&t->edu, state, sizeof(state));
	if (err || !strstr(state, "attached default")) {
		snprintf(why, len, "edu is not on its default domain: %s", state);
	} else if (strcmp(now, "identity")) {
		err = edu_run_op(&t->edu, "verify");
		if (err)
			snprintf(why, len, "DMA after the change: %s",
				 strerror(-err));
	}
	err = pci_unbind_override(t->edu.devdir);
	if (!why[0] && err)
		snprintf(why, len, "unbinding edu: %s", strerror(-err));
	if (!why[0] && !ret && injected) {
		err = sysfs_write(t->type_path, t->from);
		if (err)
			snprintf(why, len, "changing back to %s: %s", t->from,
				 strerror(-err));
	}
	return why[0] ? -1 : 0;
}

FIXTURE(group_type) {
	struct type_ctx t;
};

FIXTURE_SETUP(group_type)
{
	const char *missing;
	int group;

	missing = edu_test_missing(self->t.edu.devdir,
				   sizeof(self->t.edu.devdir)) ?:
		  inject_missing();
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_EQ(0, inject_setup());
	ASSERT_EQ(0, edu_ctx_init(&self->t.edu));
	group = device_iommu_group(self->t.edu.devdir);
	ASSERT_LE(0, group);
	snprintf(self->t.type_path, sizeof(self->t.type_path),
		 IOMMU_GROUPS_DIR "/%d/type", group);
	ASSERT_EQ(0, pci_unbind_override(self->t.edu.devdir));
}

FIXTURE_TEARDOWN(group_type)
{
	inject_teardown();
	pci_unbind_override(self->t.edu.devdir);
	sysfs_write(self->t.type_path, "auto");
}

/*
 * From the boot's type to an identity domain, to DMA, to DMA-FQ (a flush
 * queue added to the same domain), to DMA again (a new domain) and back to
 * the boot's type.
 */
TEST_F_TIMEOUT(group_type, sweep, SWEEP_TIMEOUT)
{
	static const char *const chain[] = {
		"auto", "identity", "DMA", "DMA-FQ", "DMA", "auto",
	};
	struct sweep_result res;
	char now[32];

	for (size_t i = 1; i < ARRAY_SIZE(chain); i++) {
		char name[64];
		const struct sweep_op op = {
			.name = name,
			.run = type_run,
			.check = type_check,
		};

		self->t.from = chain[i - 1];
		self->t.to = chain[i];
		snprintf(name, sizeof(name), "type %s to %s",
			 type_name(chain[i - 1]), chain[i]);
		ASSERT_EQ(0, type_read(&self->t, now, sizeof(now)));
		ASSERT_STREQ(type_name(chain[i - 1]), now);
		ASSERT_EQ(0, sweep(&op, &self->t, &res)) {
			TH_LOG("%s", res.why);
		}
		TH_LOG("%s: %d injection points", name, res.points);
	}
}

/*
 * The group of the harness's NVMe disk, its driver unbound, from an
 * identity domain back to "auto": a change that cannot complete must fail
 * and leave the identity domain, and one that succeeds must leave a disk
 * that does verified I/O once nvme binds again.
 */
struct nvme_ctx {
	struct type_ctx t;
	struct pci_disk d;
	__u64 state;
};

static int nvme_check(void *arg, int ret, bool injected, char *why, size_t len)
{
	struct nvme_ctx *n = arg;
	char now[32];
	int err;

	if (type_read(&n->t, now, sizeof(now)) ||
	    strcmp(now, type_name(ret ? "identity" : "auto"))) {
		snprintf(why, len, "the group's type reads \"%s\" after %s",
			 now, ret ? "a failed change" : "a change");
		return -1;
	}
	if (ret)
		return 0;
	/* The change went through: the disk must work through its domain. */
	err = pci_disk_bind(&n->d);
	if (!err)
		err = disk_roundtrip(n->d.disk, NVME_OFFSET, &n->state);
	if (err) {
		snprintf(why, len, "%s reads \"%s\", but the disk's I/O fails: %s",
			 n->t.type_path, now, strerror(-err));
		return -1;
	}
	if (!injected)
		return 0;
	err = pci_disk_unbind(&n->d) ?: sysfs_write(n->t.type_path, "identity");
	if (err) {
		snprintf(why, len, "back to identity: %s", strerror(-err));
		return -1;
	}
	return 0;
}

FIXTURE(nvme_type) {
	struct nvme_ctx n;
};

FIXTURE_SETUP(nvme_type)
{
	const char *missing;
	int err;

	if (!strcmp(expected_group_type(), "identity"))
		SKIP(return, "passthrough boot: \"auto\" is identity already");
	err = pci_disk_find(&self->n.d, NVME_SERIAL);
	if (err)
		MISSING(return, "no NVMe disk of the harness's behind an IOMMU (%s)",
			strerror(-err));
	missing = inject_missing();
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_STREQ("nvme", self->n.d.driver);
	snprintf(self->n.t.type_path, sizeof(self->n.t.type_path),
		 IOMMU_GROUPS_DIR "/%d/type", self->n.d.group);
	self->n.t.from = "identity";
	self->n.t.to = "auto";
	self->n.state = test_seed();
	ASSERT_EQ(0, inject_setup());
	ASSERT_EQ(0, pci_disk_unbind(&self->n.d));
	ASSERT_EQ(0, sysfs_write(self->n.t.type_path, "identity"));
}

FIXTURE_TEARDOWN(nvme_type)
{
	inject_teardown();
	if (!pci_disk_bound(&self->n.d)) {
		sysfs_write(self->n.t.type_path, "auto");
		pci_disk_bind(&self->n.d);
	}
}

TEST_F_TIMEOUT(nvme_type, identity_to_auto, SWEEP_TIMEOUT)
{
	const struct sweep_op op = {
		.name = "nvme type identity to auto",
		.run = type_run,
		.check = nvme_check,
	};
	struct sweep_result res;

	ASSERT_EQ(0, sweep(&op, &self->n.t, &res)) {
		TH_LOG("%s", res.why);
	}
	TH_LOG("%d injection points, then verified I/O", res.points);
}

/* ---------------------------------------------------------------------
 * Device probe and release
 * ---------------------------------------------------------------------
 */

struct pci_ctx {
	struct edu_ctx edu;
	char devdir[PATH_MAX];
	char remove[PATH_MAX];
};

static int remove_run(void *arg)
{
	struct pci_ctx *p = arg;

	return sysfs_write(p->remove, "1");
}

/* Binding a driver probes a new device into its IOMMU and group. */
static int probe_run(void *arg)
{
	struct pci_ctx *p = arg;

	return pci_bind_override(p->devdir, EDU_TEST_DRIVER);
}

/* Remove edu and find it again: a device that has not been probed. */
static int pci_renew(struct pci_ctx *p, char *why, size_t len)
{
	int err = sysfs_write(p->remove, "1");

	if (!err && !wait_for_path(p->devdir, true, PROBE_TIMEOUT_MS))
		err = -ETIMEDOUT;
	if (!err)
		err = sysfs_write("/sys/bus/pci/rescan", "1");
	if (!err && !wait_for_path(p->devdir, false, PROBE_TIMEOUT_MS))
		err = -ETIMEDOUT;
	if (err)
		snprintf(why, len, "remove and rescan of edu: %s", strerror(-err));
	return err ? -1 : 0;
}

/* edu is there, binds to the test driver, has its group and does DMA. */
static int edu_works(struct pci_ctx *p, char *why, size_t len)
{
	char state[128];
	int err;

	if (!wait_for_path(p->devdir, false, PROBE_TIMEOUT_MS)) {
		snprintf(why, len, "%s did not come back", p->devdir);
		return -1;
	}
	err = edu_ctx_init(&p->edu);
	if (err) {
		snprintf(why, len, "binding edu to %s: %s", EDU_TEST_DRIVER,
			 strerror(-err));
		return -1;
	}
	err = edu_state(&p->edu, state, sizeof(state));
	if (err || !strstr(state, "attached default")) {
		snprintf(why, len, "edu is not on its default domain: %s", state);
	} else {
		err = edu_run_op(&p->edu, "verify");
		if (err)
			snprintf(why, len, "DMA after the probe: %s",
				 strerror(-err));
	}
	err = pci_unbind_override(p->edu.devdir);
	if (!why[0] && err)
		snprintf(why, len, "unbinding edu: %s", strerror(-err));
	return why[0] ? -1 : 0;
}

/*
 * After a probe, edu works (once bound again if its bind failed), and is
 * renewed for the next run.
 */
static int probe_check(void *arg, int ret, bool injected, char *why,
		       size_t len)
{
	struct pci_ctx *p = arg;

	if (ret)
		pci_unbind_override(p->devdir);
	if (edu_works(p, why, len))
		return -1;
	return pci_renew(p, why, len);
}

/* After a removal, edu is gone; a rescan brings it back, working. */
static int remove_check(void *arg, int ret, bool injected, char *why,
			size_t len)
{
	struct pci_ctx *p = arg;
	int err;

	if (!ret && !wait_for_path(p->devdir, true, PROBE_TIMEOUT_MS)) {
		snprintf(why, len, "%s is still there after its removal",
			 p->devdir);
		return -1;
	}
	err = sysfs_write("/sys/bus/pci/rescan", "1");
	if (err) {
		snprintf(why, len, "rescan: %s", strerror(-err));
		return -1;
	}
	return edu_works(p, why, len);
}

FIXTURE(pci) {
	struct pci_ctx p;
};

FIXTURE_SETUP(pci)
{
	const char *missing;

	if (!strcmp(expected_group_type(), "identity"))
		SKIP(return, "edu's group is on an identity domain: edu cannot DMA");
	missing = edu_test_missing(self->p.edu.devdir,
				   sizeof(self->p.edu.devdir)) ?:
		  inject_missing();
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_EQ(0, inject_setup());
	ASSERT_EQ(0, edu_ctx_init(&self->p.edu));
	snprintf(self->p.devdir, sizeof(self->p.devdir), "%s", self->p.edu.devdir);
	snprintf(self->p.remove, sizeof(self->p.remove), "%s/remove",
		 self->p.devdir);
	ASSERT_EQ(0, pci_unbind_override(self->p.devdir));
}

FIXTURE_TEARDOWN(pci)
{
	inject_teardown();
	if (!path_exists(self->p.devdir))
		sysfs_write("/sys/bus/pci/rescan", "1");
	pci_unbind_override(self->p.devdir);
}

TEST_F(pci, remove)
{
	const struct sweep_op op = {
		.name = "pci remove",
		.run = remove_run,
		.check = remove_check,
	};
	struct sweep_result res;

	ASSERT_EQ(0, sweep(&op, &self->p, &res)) {
		TH_LOG("%s", res.why);
	}
}

TEST_F_TIMEOUT(pci, probe, SWEEP_TIMEOUT)
{
	const struct sweep_op op = {
		.name = "pci probe",
		.run = probe_run,
		.check = probe_check,
	};
	struct sweep_result res;
	char why[PATH_MAX + 128];

	ASSERT_EQ(0, pci_renew(&self->p, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	ASSERT_EQ(0, sweep(&op, &self->p, &res)) {
		TH_LOG("%s", res.why);
	}
}

/* ---------------------------------------------------------------------
 * VFIO
 * ---------------------------------------------------------------------
 */

/*
 * The container's set-up (group into container, type1 as its IOMMU,
 * which allocates and attaches a domain) and two VFIO_IOMMU_MAP_DMA, all
 * under one sweep.  After each run everything is closed, and a set-up
 * without injection must then copy through edu; after a failed run, the
 * pages that were not mapped must not be.
 */
struct vfio_ctx {
	struct vfio_edu e;
	int mapped;		/* mappings the run made */
};

static int vfio_run(void *arg)
{
	struct vfio_ctx *v = arg;
	int err;

	v->mapped = 0;
	err = vfio_edu_open(&v->e) ?: vfio_edu_attach(&v->e);
	if (err)
		return err;
	err = vfio_map(v->e.container, v->e.a, IOVA_A, IOMMU_PAGE, MAP_RW);
	if (err)
		return err;
	v->mapped++;
	err = vfio_map(v->e.container, v->e.b, IOVA_B, IOMMU_PAGE, MAP_RW);
	if (err)
		return err;
	v->mapped++;
	return 0;
}

static int vfio_check(void *arg, int ret, bool injected, char *why, size_t len)
{
	struct vfio_ctx *v = arg;
	__u64 unmapped = 0;
	int err;

	/* A mapping that failed left nothing to unmap. */
	if (ret && v->e.device >= 0 && v->mapped < 2) {
		err = vfio_unmap(v->e.container, v->mapped ? IOVA_B : IOVA_A,
				 IOMMU_PAGE, 0, &unmapped);
		if (err || unmapped) {
			snprintf(why, len, "after a failed map, unmap found %llu bytes (%s)",
				 (unsigned long long)unmapped, strerror(-err));
			vfio_edu_close(&v->e);
			return -1;
		}
	}
	vfio_edu_close(&v->e);
	err = vfio_edu_open(&v->e) ?: vfio_edu_attach(&v->e);
	if (err) {
		snprintf(why, len, "VFIO set-up after the run: %s",
			 strerror(-err));
		vfio_edu_close(&v->e);
		return -1;
	}
	prng_fill(&v->e.seed, v->e.a, IOMMU_PAGE);
	err = vfio_copy_a_to_b(&v->e);
	if (!err && memcmp(v->e.a, v->e.b, EDU_XFER_MAX))
		err = -EILSEQ;
	if (err)
		snprintf(why, len, "copy through VFIO after the run: %s",
			 strerror(-err));
	vfio_edu_close(&v->e);
	return err ? -1 : 0;
}

FIXTURE(vfio) {
	struct vfio_ctx v;
};

FIXTURE_SETUP(vfio)
{
	const char *missing;
	int err;

	if (!strcmp(expected_group_type(), "identity"))
		SKIP(return, "edu's group is on an identity domain");
	vfio_edu_init(&self->v.e);
	missing = vfio_edu_missing(&self->v.e) ?: inject_missing();
	if (missing)
		MISSING(return, "%s", missing);
	ASSERT_EQ(0, inject_setup());
	err = vfio_edu_bind(&self->v.e) ?: vfio_edu_pages(&self->v.e);
	/* The teardown does not run after a failed setup. */
	if (err) {
		inject_teardown();
		vfio_edu_restore(&self->v.e);
	}
	ASSERT_EQ(0, err);
	self->v.e.seed = test_seed();
}

FIXTURE_TEARDOWN(vfio)
{
	inject_teardown();
	EXPECT_EQ(0, vfio_edu_restore(&self->v.e));
}

TEST_F_TIMEOUT(vfio, container_and_map, SWEEP_TIMEOUT)
{
	const struct sweep_op op = {
		.name = "vfio container and map",
		.run = vfio_run,
		.check = vfio_check,
	};
	struct sweep_result res;

	ASSERT_EQ(0, sweep(&op, &self->v, &res)) {
		TH_LOG("%s", res.why);
	}
}

TEST_HARNESS_MAIN
