// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-stress SECONDS: everything that moves an IOMMU domain, at once, for
 * SECONDS, then a summary.  Used by make stress and by one of make check's
 * boots; the harness's guest has the devices it needs (harness.py), and
 * anywhere else it refuses to run: it takes a CPU offline.
 *
 * Workers, each a process of its own, loop until the time is up:
 *
 *   disk_io      O_DIRECT write, read back and compare on every disk the
 *                harness gave (found by serial number), one worker a disk
 *   nvme_rebind  the NVMe disk's worker also unbinds and rebinds nvme
 *                every few rounds
 *   dma_bench    the kernel's dma_map_benchmark on edu 1, one thread a CPU
 *   edu_dma      the edu test driver's DMA tests on edu 0
 *   type_change  edu 2, unbound, through every type of default domain
 *   cpu_hotplug  the last CPU off and on again
 *   pci_rescan   edu 3 removed and found again by a rescan
 *   vfio_fault   edu 4 through VFIO: a DMA that faults, and at once the
 *                container closed, so that the domain is detached and
 *                freed while the SMMU may still be reporting the fault
 *
 * Workers stop by themselves when the time is up.  Afterwards every
 * device goes back to how it was, and once the deferred
 * work has run (flush queues, depot trims, page-table reclaim: a few
 * seconds) the subsystem's memory is measured again, like the first time
 * just after nvme was bound afresh (memory_measure()): IOMMU page-table
 * pages (nr_iommu_pages in /proc/vmstat), the IOVA ranges of DMA domains
 * (/sys/kernel/debug/iommu/dma_domains) and the IOVA allocator's slab
 * cache.  For the harness, the summary's lines start with "@@stress".
 * Exits 0 when no data differed and no operation failed.
 */
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "dma_map_bench.h"
#include "vfio_edu.h"

#define SETTLE_SECONDS		5
#define NVME_ROUNDS		8	/* I/O rounds between two rebinds */
#define EDUS			5
#define PROBE_TIMEOUT_MS	15000

enum kind {
	DISK_IO, NVME_REBIND, DMA_BENCH, EDU_DMA, TYPE_CHANGE, CPU_HOTPLUG,
	PCI_RESCAN, VFIO_FAULT, KINDS
};

static const char *const kind_names[KINDS] = {
	"disk_io", "nvme_rebind", "dma_bench", "edu_dma", "type_change",
	"cpu_hotplug", "pci_rescan", "vfio_fault",
};

/* Shared by every worker, in an anonymous shared mapping. */
struct tally {
	long ops[KINDS];
	long errors[KINDS];
	long mismatches;
	char first_error[KINDS][160];
	struct pci_disk nvme;	/* to bind again if its worker could not */
	long busy;		/* CPU offlines refused during a PCI probe */
};

static struct tally *tally;
static time_t deadline;

static bool running(void)
{
	return time(NULL) < deadline;
}

static void count(enum kind k, int err, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&tally->ops[k], 1, __ATOMIC_RELAXED);
	if (!err)
		return;
	if (err == -EILSEQ)
		__atomic_fetch_add(&tally->mismatches, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&tally->errors[k], 1, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(tally->first_error[k], sizeof(tally->first_error[k]), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------
 * The subsystem's memory
 * ---------------------------------------------------------------------
 */

struct memory {
	long pgtable_pages;	/* nr_iommu_pages */
	long iova_ranges;	/* of every DMA domain */
	long iova_in_use;	/* neither reserved nor cached */
	long iova_nodes;	/* objects of the "iova" slab cache */
	long domains;		/* DMA domains */
	char by_domain[4096];	/* the debugfs file itself, domain by domain */
};

static long field_after(const char *path, const char *key)
{
	char line[512];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, key);

		if (p && (p == line || p[-1] == ' ')) {
			val = strtol(p + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static void memory_read(struct memory *m)
{
	char line[512], name[64];
	long active;
	FILE *f;

	/* Objects on CPU slabs count as used until they go back to lists. */
	sysfs_write("/sys/kernel/slab/iova/shrink", "1");
	m->pgtable_pages = field_after("/proc/vmstat", "nr_iommu_pages ");
	m->iova_ranges = -1;
	m->iova_in_use = -1;
	m->iova_nodes = -1;
	m->domains = -1;
	m->by_domain[0] = '\0';
	f = fopen("/sys/kernel/debug/iommu/dma_domains", "r");
	while (f && fgets(line, sizeof(line), f)) {
		strncat(m->by_domain, line,
			sizeof(m->by_domain) - strlen(m->by_domain) - 1);
		if (strncmp(line, "all ", 4))
			continue;
		m->domains = strtol(line + 4, NULL, 10);
		m->iova_ranges = strtol(strstr(line, "ranges ") + 7, NULL, 10);
		m->iova_in_use = strtol(strstr(line, "in_use ") + 7, NULL, 10);
	}
	if (f)
		fclose(f);
	f = fopen("/proc/slabinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2 &&
		    !strcmp(name, "iova"))
			m->iova_nodes = active;
	if (f)
		fclose(f);
}

/*
 * What the subsystem holds with every device as it was at the start.  The
 * NVMe driver keeps the pages of its PRP-list pools mapped until it
 * unbinds, and how many it has depends on the sizes of the I/O since it
 * bound; so both measurements are taken with nvme freshly bound, after the
 * same probe-time I/O, and a mapping that an unbind fails to release still
 * counts.  Deferred frees (flush queues, depot trims, page-table reclaim)
 * run first.
 */
static int memory_measure(struct memory *m)
{
	int err;

	err = pci_disk_unbind(&tally->nvme) ?: pci_disk_bind(&tally->nvme);
	sleep(SETTLE_SECONDS);
	memory_read(m);
	return err;
}

/* ---------------------------------------------------------------------
 * Workers
 * ---------------------------------------------------------------------
 */

static char edus[EDUS][PATH_MAX];

static int find_edus(void)
{
	char path[PATH_MAX], val[32];
	struct dirent **list;
	int n, found = 0;

	n = scandir(PCI_DEVICES_DIR, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), PCI_DEVICES_DIR "/%s/vendor",
			 list[i]->d_name);
		if (!sysfs_read(path, val, sizeof(val)) &&
		    strtoul(val, NULL, 16) == EDU_VENDOR) {
			snprintf(path, sizeof(path), PCI_DEVICES_DIR "/%s/device",
				 list[i]->d_name);
			if (!sysfs_read(path, val, sizeof(val)) &&
			    strtoul(val, NULL, 16) == EDU_DEVICE && found < EDUS)
				snprintf(edus[found++], PATH_MAX,
					 PCI_DEVICES_DIR "/%s", list[i]->d_name);
		}
		free(list[i]);
	}
	free(list);
	return found;
}

/* Bind each edu to the test driver and unbind it: probed, driverless. */
static void probe_edus(void)
{
	for (int i = 0; i < EDUS; i++) {
		pci_bind_override(edus[i], EDU_TEST_DRIVER);
		pci_unbind_override(edus[i]);
	}
}

/*
 * Verified I/O on the disk with serial number @serial; on the NVMe disk,
 * whose PCI device holds no other disk, also unbind and bind nvme every
 * NVME_ROUNDS rounds.
 */
static void disk_worker(const char *serial, int index)
{
	bool nvme = !strcmp(serial, "iommu-nvme");
	struct pci_disk *d = &tally->nvme;
	__u64 state = test_seed() ^ index;
	char disk[64];
	int round = 0, err;

	if (disk_by_serial(serial, disk, sizeof(disk))) {
		count(DISK_IO, -ENODEV, "%s: no such disk", serial);
		return;
	}
	if (nvme) {
		err = pci_disk_find(d, serial);
		if (err) {
			count(NVME_REBIND, err, "%s: %s", serial, strerror(-err));
			return;
		}
	}
	while (running()) {
		/* 40 to 56 MiB: past what the kselftests write. */
		err = disk_roundtrip(disk, (40LL << 20) + (round % 8) * (2 << 20),
				     &state);
		count(DISK_IO, err, "%s (%s): %s", disk, serial, strerror(-err));
		if (!nvme || ++round % NVME_ROUNDS)
			continue;
		err = pci_disk_unbind(d) ?: pci_disk_bind(d);
		count(NVME_REBIND, err, "rebinding nvme at %s: %s",
		      pci_bdf(d->devdir), strerror(-err));
		if (err)
			return;
		snprintf(disk, sizeof(disk), "%s", d->disk);
	}
}

static void dma_bench_worker(void)
{
	struct dma_map_bench_args args = {
		.threads = sysconf(_SC_NPROCESSORS_ONLN),
		.seconds = 1,
		.node = -1,
		.dma_bits = EDU_DMA_BITS,
		.dma_dir = DMA_MAP_BIDIRECTIONAL,
	};
	int err, i = 0;

	err = pci_bind_override(edus[1], DMA_MAP_BENCH_DRIVER);
	if (err) {
		count(DMA_BENCH, err, "binding edu 1: %s", strerror(-err));
		return;
	}
	while (running()) {
		args.granule = (i++ & 1) ? 16 : 1;
		err = dma_map_bench_run(&args);
		count(DMA_BENCH, err, "dma_map_benchmark: %s", strerror(-err));
	}
}

static void edu_dma_worker(void)
{
	static const char *const tests[] = {
		"coherent_small", "single_offsets", "sg_merge", "noncontiguous",
	};
	char run[PATH_MAX];
	int err, i = 0;

	err = pci_bind_override(edus[0], EDU_TEST_DRIVER);
	if (err) {
		count(EDU_DMA, err, "binding edu 0: %s", strerror(-err));
		return;
	}
	snprintf(run, sizeof(run), EDU_TEST_DEBUGFS "/%s/run", pci_bdf(edus[0]));
	while (running()) {
		const char *test = tests[i++ % ARRAY_SIZE(tests)];

		err = sysfs_write(run, test);
		count(EDU_DMA, err, "edu test %s: %s", test, strerror(-err));
	}
}

static void type_worker(void)
{
	static const char *const types[] = { "identity", "DMA-FQ", "DMA", "auto" };
	char path[PATH_MAX], now[32];
	int group, err, i = 0;

	/* A group gets made when a driver binds; then edu 2 stays unbound. */
	err = pci_bind_override(edus[2], EDU_TEST_DRIVER) ?:
	      pci_unbind_override(edus[2]);
	group = device_iommu_group(edus[2]);
	if (err || group < 0) {
		count(TYPE_CHANGE, err ?: -ENODEV, "edu 2 has no group: %s",
		      strerror(-err));
		return;
	}
	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/type", group);
	while (running()) {
		const char *type = types[i++ % ARRAY_SIZE(types)];

		err = sysfs_write(path, type);
		if (!err && (sysfs_read(path, now, sizeof(now)) ||
			     strcmp(now, strcmp(type, "auto") ? type :
					 expected_group_type())))
			err = -EILSEQ;
		count(TYPE_CHANGE, err, "group %d to %s: %s, reads %s", group,
		      type, strerror(-err), now);
		usleep(100 * 1000);
	}
	sysfs_write(path, "auto");
}

/*
 * The PCI core keeps CPUs from going off while a driver probes (see
 * pci_call_probe()), and says -EBUSY meanwhile: that is counted apart, and
 * tried again.
 */
static void cpu_worker(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	char path[PATH_MAX];
	int err, on = 0;

	if (cpus < 2)
		return;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%ld/online",
		 cpus - 1);
	while (running()) {
		err = sysfs_write(path, on ? "1" : "0");
		if (err == -EBUSY) {
			__atomic_fetch_add(&tally->busy, 1, __ATOMIC_RELAXED);
			usleep(50 * 1000);
			continue;
		}
		count(CPU_HOTPLUG, err, "cpu%ld %s: %s", cpus - 1,
		      on ? "online" : "offline", strerror(-err));
		on = !on;
		usleep(500 * 1000);
	}
	sysfs_write(path, "1");
}

static void rescan_worker(void)
{
	char remove[PATH_MAX];
	int err;

	snprintf(remove, sizeof(remove), "%s/remove", edus[3]);
	while (running()) {
		err = sysfs_write(remove, "1");
		if (!err && !wait_for_path(edus[3], true, PROBE_TIMEOUT_MS))
			err = -ETIMEDOUT;
		if (!err)
			err = sysfs_write("/sys/bus/pci/rescan", "1");
		if (!err && !wait_for_path(edus[3], false, PROBE_TIMEOUT_MS))
			err = -ETIMEDOUT;
		count(PCI_RESCAN, err, "edu 3 remove and rescan: %s",
		      strerror(-err));
		usleep(200 * 1000);
	}
}

static void vfio_worker(void)
{
	struct vfio_edu e;
	int err;

	vfio_edu_init(&e);
	snprintf(e.devdir, sizeof(e.devdir), "%s", edus[4]);
	err = vfio_edu_bind(&e) ?: vfio_edu_pages(&e);
	if (err) {
		count(VFIO_FAULT, err, "edu 4 to vfio-pci: %s", strerror(-err));
		vfio_edu_restore(&e);
		return;
	}
	while (running()) {
		err = vfio_edu_open(&e) ?: vfio_edu_attach(&e);
		if (!err)
			err = vfio_map(e.container, e.a, IOVA_A, IOMMU_PAGE,
				       MAP_RW);
		/* Into an IOVA nobody mapped: the SMMU reports a fault. */
		if (!err)
			err = edu_dma_out(&e, 0, IOVA_NEVER, 4);
		vfio_edu_close(&e);
		count(VFIO_FAULT, err, "edu 4 through VFIO: %s",
		      strerror(-err));
	}
	vfio_edu_restore(&e);
}

/* ---------------------------------------------------------------------
 * Running them
 * ---------------------------------------------------------------------
 */

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

static const char *const disks[] = {
	"iommu-nvme", "iommu-virtio", "iommu-sata", "iommu-usb3", "iommu-usb2",
	"iommu-scsi",
};

static void print_memory(const char *when, const struct memory *m)
{
	printf("@@stress memory %s pgtable_pages=%ld iova_ranges=%ld", when,
	       m->pgtable_pages, m->iova_ranges);
	printf(" iova_in_use=%ld iova_nodes=%ld domains=%ld\n", m->iova_in_use,
	       m->iova_nodes, m->domains);
}

int main(int argc, char **argv)
{
	void (*const workers[])(void) = {
		dma_bench_worker, edu_dma_worker, type_worker, cpu_worker,
		rescan_worker, vfio_worker,
	};
	struct memory before, after;
	pid_t pids[ARRAY_SIZE(disks) + ARRAY_SIZE(workers)];
	long seconds, errors = 0;
	unsigned int n = 0;
	int err;

	seconds = argc == 2 ? atol(argv[1]) : 0;
	if (seconds <= 0) {
		fprintf(stderr, "usage: %s SECONDS\n", argv[0]);
		return 2;
	}
	if (!in_harness_guest()) {
		fprintf(stderr, "%s: not the harness's guest, refused\n",
			argv[0]);
		return 2;
	}
	if (find_edus() < EDUS) {
		printf("@@stress error: %d edu devices wanted, the guest has fewer\n",
		       EDUS);
		return 1;
	}
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		return 1;
	memset(tally, 0, sizeof(*tally));
	/*
	 * Every edu gets its group (when first bound) before the baseline,
	 * which is taken once deferred frees have run.
	 */
	probe_edus();
	err = pci_disk_find(&tally->nvme, "iommu-nvme");
	if (err) {
		printf("@@stress error: no NVMe disk: %s\n", strerror(-err));
		return 1;
	}
	err = memory_measure(&before);
	if (err) {
		printf("@@stress error: rebinding nvme: %s\n", strerror(-err));
		return 1;
	}
	print_memory("before", &before);

	deadline = time(NULL) + seconds;
	printf("stress: %ld s, %zu disks and %zu other workers\n", seconds,
	       ARRAY_SIZE(disks), ARRAY_SIZE(workers));
	fflush(stdout);
	for (size_t i = 0; i < ARRAY_SIZE(disks); i++) {
		pids[n] = fork();
		if (pids[n] == 0) {
			disk_worker(disks[i], i);
			_exit(0);
		}
		n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(workers); i++)
		pids[n++] = spawn(workers[i]);
	for (unsigned int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);

	/* Everything as it was: edus unbound and probed, the disk bound. */
	probe_edus();
	if (!pci_disk_bound(&tally->nvme))
		pci_disk_bind(&tally->nvme);
	err = memory_measure(&after);
	count(NVME_REBIND, err, "rebinding nvme at %s: %s",
	      pci_bdf(tally->nvme.devdir), strerror(-err));
	/* Which domain a difference is in, for whoever reads the log */
	if (after.iova_in_use != before.iova_in_use)
		printf("stress: DMA domains before:\n%sstress: DMA domains after:\n%s",
		       before.by_domain, after.by_domain);

	printf("\nstress summary (%ld s):\n", seconds);
	printf("  %-12s %10s %8s  %s\n", "operation", "done", "errors",
	       "first error");
	for (int k = 0; k < KINDS; k++) {
		printf("  %-12s %10ld %8ld  %s\n", kind_names[k], tally->ops[k],
		       tally->errors[k], tally->first_error[k]);
		errors += tally->errors[k];
	}
	printf("  data mismatches: %ld\n", tally->mismatches);
	printf("  CPU offlines refused while a PCI driver probed, retried: %ld\n",
	       tally->busy);
	printf("  %-22s %10s %10s\n", "memory", "before", "after");
	printf("  %-22s %10ld %10ld\n", "IOMMU page-table pages",
	       before.pgtable_pages, after.pgtable_pages);
	printf("  %-22s %10ld %10ld\n", "IOVA ranges in use", before.iova_in_use,
	       after.iova_in_use);
	printf("  %-22s %10ld %10ld\n", "IOVA ranges in all", before.iova_ranges,
	       after.iova_ranges);
	printf("  %-22s %10ld %10ld\n", "iova slab objects", before.iova_nodes,
	       after.iova_nodes);
	printf("  %-22s %10ld %10ld\n", "DMA domains", before.domains,
	       after.domains);
	printf("\n@@stress ops");
	for (int k = 0; k < KINDS; k++)
		printf(" %s=%ld", kind_names[k], tally->ops[k]);
	printf("\n@@stress errors");
	for (int k = 0; k < KINDS; k++)
		printf(" %s=%ld", kind_names[k], tally->errors[k]);
	printf("\n@@stress mismatches %ld\n", tally->mismatches);
	for (int k = 0; k < KINDS; k++)
		if (tally->errors[k])
			printf("@@stress first_error %s %s\n", kind_names[k],
			       tally->first_error[k]);
	print_memory("before", &before);
	print_memory("after", &after);
	return tally->mismatches || errors ? 1 : 0;
}
