// SPDX-License-Identifier: GPL-2.0
/*
 * Every PCI device has the StreamID its firmware gives it.
 *
 * Firmware says where the DMA of each requester ID (RID, bus << 8 |
 * devfn) of PCI segment 0 goes.  ACPI's IORT does it with ID mappings:
 * from the PCI root complex node to an SMMUv3 node, whose output is the
 * StreamID, or to an ITS group node, when the device's DMA goes past any
 * SMMU.  A device tree does it with the PCI host bridge's "iommu-map"
 * (and "iommu-map-mask"), whose entries <rid-base phandle sid-base
 * length> name the SMMU by phandle.  The test reads the table or the tree
 * as Linux does and holds every PCI device against it:
 *
 *  - behind an SMMU that probed (/sys/class/iommu/smmu3.<base> is there),
 *    a device in an IOMMU group has an "iommu" link to that SMMU, and the
 *    SMMU's debugfs file iommu/arm-smmu-v3/smmu3.<base>/streams lists the
 *    StreamID for the device.  A device in no group shares its StreamID
 *    with the device that holds it (the driver refuses the second one:
 *    "StreamID %#x is already used by %s"), or has not been probed, as no
 *    driver has bound to it yet;
 *  - behind an SMMU that did not probe (of a model the driver does not
 *    know, say, or with no way to report its errors), or with no SMMU, a
 *    device has no group and no "iommu" link;
 *  - each line of each streams file, in increasing order of StreamID,
 *    names a device that firmware gives that StreamID on that SMMU.
 *
 * A device in a group without a StreamID from firmware fails, and so does
 * a run in which no device's StreamID could be checked.  The test only
 * reads files and runs in every boot, through a device tree or ACPI.  It
 * does not model the StreamIDs of DMA aliases, which only a device behind
 * a PCI-to-PCI bridge has; the harness's guest has none.
 */
#include <endian.h>
#include "../kselftest_harness.h"
#include "pci_bind.h"

#define IORT_TABLE		"/sys/firmware/acpi/tables/IORT"
#define DT_BASE			"/sys/firmware/devicetree/base"
#define IOMMU_CLASS_DIR		"/sys/class/iommu"
#define SMMU_DEBUGFS		DEBUGFS "/iommu/arm-smmu-v3"

#define MAX_PCI			256
#define MAX_STREAMS		1024
#define NAME_LEN		64

/* Where firmware sends a PCI device's DMA */
enum route {
	ROUTE_NONE,	/* nowhere in particular: no mapping takes its RID */
	ROUTE_SMMU,	/* to an SMMUv3, with a StreamID */
	ROUTE_NO_SMMU,	/* to an ITS, or an IOMMU that is no SMMUv3 */
};

struct want {
	enum route route;
	unsigned long long base;	/* the SMMUv3's register base */
	unsigned int sid;
	char how[96];			/* the node or entry, for messages */
};

struct pci_fn {
	char bdf[16];
	unsigned int rid;
	struct want want;
	int group;
	char iommu[NAME_LEN];		/* where its "iommu" link points */
	char driver[NAME_LEN];
};

/* A line of an SMMU's streams file */
struct stream {
	char smmu[NAME_LEN];		/* the SMMU, as /sys/class/iommu names it */
	unsigned int sid;
	char dev[NAME_LEN];
};

struct view {
	const char *firmware;
	struct pci_fn *pci;
	int npci;
	struct stream *streams;
	int nstreams;
};

/* The SMMUv3 driver names its SMMUs after their base, printed with %pa. */
static void smmu_name(unsigned long long base, char *name, size_t len)
{
	snprintf(name, len, "smmu3.0x%016llx", base);
}

static bool smmu_probed(unsigned long long base)
{
	char name[NAME_LEN], path[PATH_MAX];

	smmu_name(base, name, sizeof(name));
	snprintf(path, sizeof(path), IOMMU_CLASS_DIR "/%s", name);
	return path_exists(path);
}

/*
 * All of file @path in @buf of @max bytes: its size, or a negative errno,
 * -EFBIG if it may not fit.
 */
static ssize_t read_all(const char *path, void *buf, size_t max)
{
	size_t size = 0;
	ssize_t n = 0;
	int fd, err;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (size < max && (n = read(fd, (char *)buf + size, max - size)) > 0)
		size += n;
	err = n < 0 ? -errno : size == max ? -EFBIG : 0;
	close(fd);
	return err ?: (ssize_t)size;
}

/* ---- ACPI: IORT ---- */

/* Far more than the IORT of a machine with a few hundred devices */
#define IORT_MAX		(1024 * 1024)

/* After the 36-byte ACPI header: the number of nodes, where they start */
#define IORT_NODE_COUNT		36
#define IORT_NODE_OFFSET	40
/* A node: type, length, revision, identifier, mapping count and offset */
#define IORT_NODE_HEADER	16
#define IORT_NODE_DATA		16
#define IORT_MAP_SIZE		20
#define IORT_MAP_SINGLE		1
/* A chain longer than this is a loop */
#define IORT_MAX_HOPS		8

enum iort_type {
	IORT_ITS_GROUP		= 0,
	IORT_NAMED_COMPONENT	= 1,
	IORT_ROOT_COMPLEX	= 2,
	IORT_SMMU		= 3,
	IORT_SMMU_V3		= 4,
};

struct iort {
	unsigned char *buf;
	size_t len;
};

static bool iort_has(const struct iort *t, size_t off, size_t len)
{
	return off <= t->len && len <= t->len - off;
}

static unsigned int iort_u32(const struct iort *t, size_t off)
{
	__u32 v;

	memcpy(&v, t->buf + off, sizeof(v));
	return le32toh(v);
}

static unsigned long long iort_u64(const struct iort *t, size_t off)
{
	__u64 v;

	memcpy(&v, t->buf + off, sizeof(v));
	return le64toh(v);
}

static unsigned int iort_node_len(const struct iort *t, size_t node)
{
	return t->buf[node + 1] | t->buf[node + 2] << 8;
}

/* The root complex node of PCI segment @segment, or 0. */
static size_t iort_root_complex(const struct iort *t, unsigned int segment)
{
	size_t node = iort_u32(t, IORT_NODE_OFFSET);
	unsigned int i, count = iort_u32(t, IORT_NODE_COUNT);

	for (i = 0; i < count && iort_has(t, node, IORT_NODE_HEADER); i++) {
		/* Its data: memory properties (8), ATS (4), then the segment */
		if (t->buf[node] == IORT_ROOT_COMPLEX &&
		    iort_has(t, node + IORT_NODE_DATA, 16) &&
		    iort_u32(t, node + IORT_NODE_DATA + 12) == segment)
			return node;
		if (!iort_node_len(t, node))
			break;
		node += iort_node_len(t, node);
	}
	return 0;
}

/*
 * One step of the walk of Linux's IORT code (iort_node_map_id()): the ID
 * mapping of @node that takes @id, its target node in @next and the ID
 * there in @out.  The first mapping whose range holds @id takes it, but
 * for one quirk: id_count is the number of IDs minus one, which firmware
 * has got wrong, so a match on the last ID of a range gives way to a
 * later mapping that starts at @id.  false when none takes it.
 */
static bool iort_map_step(const struct iort *t, size_t node, unsigned int id,
			  size_t *next, unsigned int *out)
{
	unsigned int i, count = iort_u32(t, node + 8);
	size_t maps = node + iort_u32(t, node + 12);
	size_t last_ref = 0;
	unsigned int last_out = 0;

	if (!count || !iort_has(t, maps, (size_t)count * IORT_MAP_SIZE))
		return false;
	/* Linux gives up on a node whose first mapping leads nowhere. */
	if (!iort_u32(t, maps + 12))
		return false;

	for (i = 0; i < count; i++) {
		size_t m = maps + (size_t)i * IORT_MAP_SIZE;
		unsigned long long in = iort_u32(t, m);
		unsigned long long last = in + iort_u32(t, m + 4);
		unsigned int base = iort_u32(t, m + 8);
		size_t ref = iort_u32(t, m + 12);

		if (iort_u32(t, m + 16) & IORT_MAP_SINGLE) {
			/* Any ID, but only from these two kinds of node */
			if (t->buf[node] != IORT_ROOT_COMPLEX &&
			    t->buf[node] != IORT_NAMED_COMPONENT)
				continue;
			*next = ref;
			*out = base;
			return true;
		}
		if (id < in || id > last)
			continue;
		if (last_ref && id != in)
			continue;	/* two ranges hold it: the first stays */
		if (!last_ref && last > in && id == last) {
			last_ref = ref;
			last_out = base + (id - in);
			continue;
		}
		*next = ref;
		*out = base + (id - in);
		return true;
	}
	if (!last_ref)
		return false;
	*next = last_ref;
	*out = last_out;
	return true;
}

/* Where IORT sends the DMA of RID @rid of the root complex @rc. */
static void iort_route(const struct iort *t, size_t rc, unsigned int rid,
		       struct want *w)
{
	unsigned int hops, id = rid;
	size_t node = rc, next;

	for (hops = 0; hops < IORT_MAX_HOPS; hops++) {
		if (!iort_has(t, node, IORT_NODE_HEADER + 8))
			break;
		switch (t->buf[node]) {
		case IORT_SMMU_V3:
			w->route = ROUTE_SMMU;
			w->base = iort_u64(t, node + IORT_NODE_DATA);
			w->sid = id;
			snprintf(w->how, sizeof(w->how),
				 "IORT SMMUv3 node at %#zx", node);
			return;
		case IORT_SMMU:
			w->route = ROUTE_NO_SMMU;
			snprintf(w->how, sizeof(w->how),
				 "IORT SMMUv1/v2 node at %#zx", node);
			return;
		case IORT_ITS_GROUP:
			w->route = ROUTE_NO_SMMU;
			snprintf(w->how, sizeof(w->how),
				 "IORT ITS group node at %#zx, no SMMU", node);
			return;
		}
		if (!iort_map_step(t, node, id, &next, &id) || !next)
			break;
		node = next;
	}
	w->route = ROUTE_NONE;
	snprintf(w->how, sizeof(w->how), "no IORT mapping from node %#zx",
		 node);
}

/* The routes of @v's devices from IORT; 0 or a negative errno. */
static int iort_routes(struct view *v)
{
	struct iort t;
	ssize_t len;
	size_t rc;
	int i;

	t.buf = malloc(IORT_MAX);
	if (!t.buf)
		return -ENOMEM;
	len = read_all(IORT_TABLE, t.buf, IORT_MAX);
	if (len < 0) {
		iommu_err("reading %s: %s", IORT_TABLE, strerror(-len));
		free(t.buf);
		return len;
	}
	t.len = len;
	if (!iort_has(&t, 0, IORT_NODE_OFFSET + 4)) {
		iommu_err("%s has only %zd bytes", IORT_TABLE, len);
		free(t.buf);
		return -EINVAL;
	}
	rc = iort_root_complex(&t, 0);
	for (i = 0; i < v->npci; i++) {
		if (rc)
			iort_route(&t, rc, v->pci[i].rid, &v->pci[i].want);
		else
			snprintf(v->pci[i].want.how, sizeof(v->pci[i].want.how),
				 "no IORT root complex node of segment 0");
	}
	free(t.buf);
	return 0;
}

/* ---- Device tree: iommu-map ---- */

/* A property's value: its length, or a negative errno. */
static ssize_t dt_prop(const char *node, const char *name, void *buf,
		       size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", node, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static unsigned int dt_cell(const void *cells, int i)
{
	__u32 v;

	memcpy(&v, (const char *)cells + 4 * i, sizeof(v));
	return be32toh(v);
}

/* A u32 property, or @def when the node has none. */
static unsigned int dt_u32(const char *node, const char *name,
			   unsigned int def)
{
	unsigned char val[4];

	return dt_prop(node, name, val, sizeof(val)) == 4 ? dt_cell(val, 0) : def;
}

/* Whether @compat is one of the strings of the node's "compatible". */
static bool dt_compatible(const char *node, const char *compat)
{
	char list[512];
	ssize_t i, n = dt_prop(node, "compatible", list, sizeof(list) - 1);

	if (n <= 0)
		return false;
	list[n] = '\0';
	for (i = 0; i < n; i += strlen(list + i) + 1)
		if (!strcmp(list + i, compat))
			return true;
	return false;
}

/*
 * The first node below @dir, depth first, for which @match(node, @arg)
 * holds, in @found.
 */
static bool dt_find(const char *dir, bool (*match)(const char *, const void *),
		    const void *arg, char *found, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool hit = false;
	struct stat st;
	DIR *d;

	if (match(dir, arg)) {
		snprintf(found, len, "%s", dir);
		return true;
	}
	d = opendir(dir);
	if (!d)
		return false;
	while (!hit && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!lstat(path, &st) && S_ISDIR(st.st_mode))
			hit = dt_find(path, match, arg, found, len);
	}
	closedir(d);
	return hit;
}

/* The PCI host bridge of segment 0 that has an iommu-map */
static bool dt_is_pci_host(const char *node, const void *unused)
{
	char type[16];
	ssize_t n = dt_prop(node, "device_type", type, sizeof(type) - 1);

	if (n <= 0)
		return false;
	type[n] = '\0';
	return !strcmp(type, "pci") && dt_u32(node, "linux,pci-domain", 0) == 0 &&
	       dt_prop(node, "iommu-map", type, sizeof(type)) > 0;
}

static bool dt_has_phandle(const char *node, const void *phandle)
{
	return dt_u32(node, "phandle", 0) == *(const unsigned int *)phandle;
}

/*
 * The register base of the SMMUv3 with phandle @phandle: the first
 * address of its "reg", in the number of cells its parent says.  false if
 * there is no such node or it is no SMMUv3.
 */
static bool dt_smmu(unsigned int phandle, unsigned long long *base,
		    char *node, size_t len)
{
	unsigned char reg[16];
	char parent[PATH_MAX];
	unsigned int cells;

	if (!phandle ||
	    !dt_find(DT_BASE, dt_has_phandle, &phandle, node, len) ||
	    !dt_compatible(node, "arm,smmu-v3"))
		return false;
	snprintf(parent, sizeof(parent), "%s", node);
	*strrchr(parent, '/') = '\0';
	cells = dt_u32(parent, "#address-cells", 2);
	if (cells < 1 || cells > 2 ||
	    dt_prop(node, "reg", reg, sizeof(reg)) < 4 * (ssize_t)cells)
		return false;
	*base = cells == 2 ? (unsigned long long)dt_cell(reg, 0) << 32 |
			     dt_cell(reg, 1) : dt_cell(reg, 0);
	return true;
}

/* An entry of iommu-map: <rid-base phandle sid-base length> */
struct dt_entry {
	unsigned long long in;
	unsigned long long count;
	unsigned int base;
	unsigned int phandle;
	bool smmu;			/* the phandle is an SMMUv3's */
	unsigned long long smmu_base;
	char node[PATH_MAX];
};

/*
 * Where the @n entries of an iommu-map send the DMA of RID @rid, as
 * Linux's of_map_id() reads them: the first entry whose range holds the
 * RID under @mask; none, if an entry before it has a base the mask
 * clears.
 */
static void dt_route(const struct dt_entry *map, int n, unsigned int mask,
		     unsigned int rid, struct want *w)
{
	unsigned int id = rid & mask;

	for (int i = 0; i < n; i++) {
		const struct dt_entry *e = &map[i];

		if (e->in & ~mask) {
			snprintf(w->how, sizeof(w->how),
				 "iommu-map entry %d: base 0x%llx outside the mask",
				 i, e->in);
			return;
		}
		if (id < e->in || id >= e->in + e->count)
			continue;
		if (!e->smmu) {
			w->route = ROUTE_NO_SMMU;
			snprintf(w->how, sizeof(w->how),
				 "iommu-map entry %d: phandle %u is no arm,smmu-v3",
				 i, e->phandle);
			return;
		}
		w->route = ROUTE_SMMU;
		w->base = e->smmu_base;
		w->sid = id - e->in + e->base;
		snprintf(w->how, sizeof(w->how), "iommu-map entry %d: %s", i,
			 e->node + strlen(DT_BASE));
		return;
	}
	snprintf(w->how, sizeof(w->how), "no iommu-map entry holds RID 0x%x",
		 id);
}

/* The routes of @v's devices from the device tree; 0 or a negative errno. */
static int dt_routes(struct view *v)
{
	unsigned char cells[4096];
	struct dt_entry *map;
	char host[PATH_MAX];
	unsigned int mask;
	ssize_t len;
	int i, n;

	if (!dt_find(DT_BASE, dt_is_pci_host, NULL, host, sizeof(host))) {
		iommu_err("no PCI host bridge of segment 0 with an iommu-map in %s",
			  DT_BASE);
		return -ENOENT;
	}
	len = dt_prop(host, "iommu-map", cells, sizeof(cells));
	if (len <= 0 || len % 16) {
		iommu_err("%s/iommu-map: %zd bytes, not entries of 4 cells",
			  host, len);
		return -EINVAL;
	}
	n = len / 16;
	map = calloc(n, sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		map[i].in = dt_cell(cells, 4 * i);
		map[i].phandle = dt_cell(cells, 4 * i + 1);
		map[i].base = dt_cell(cells, 4 * i + 2);
		map[i].count = dt_cell(cells, 4 * i + 3);
		map[i].smmu = dt_smmu(map[i].phandle, &map[i].smmu_base,
				      map[i].node, sizeof(map[i].node));
	}
	mask = dt_u32(host, "iommu-map-mask", 0xffffffff);
	ksft_print_msg("device tree: %s, %d iommu-map entries, mask 0x%x\n",
		       host + strlen(DT_BASE), n, mask);
	for (i = 0; i < v->npci; i++)
		dt_route(map, n, mask, v->pci[i].rid, &v->pci[i].want);
	free(map);
	return 0;
}

/* ---- What the kernel made of it ---- */

static int bdf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pci_fn *)a)->bdf,
		      ((const struct pci_fn *)b)->bdf);
}

/* The PCI devices of segment 0, in order, with their groups and links. */
static int read_pci(struct view *v)
{
	unsigned int seg, bus, dev, fn;
	char devdir[PATH_MAX];
	struct pci_fn *p;
	struct dirent *de;
	DIR *dir;

	dir = opendir(PCI_DEVICES_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && v->npci < MAX_PCI) {
		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4 ||
		    seg)
			continue;
		p = &v->pci[v->npci++];
		snprintf(p->bdf, sizeof(p->bdf), "%s", de->d_name);
		p->rid = bus << 8 | dev << 3 | fn;
		snprintf(devdir, sizeof(devdir), PCI_DEVICES_DIR "/%s",
			 de->d_name);
		p->group = device_iommu_group(devdir);
		link_target_name(devdir, "iommu", p->iommu, sizeof(p->iommu));
		device_driver(devdir, p->driver, sizeof(p->driver));
	}
	closedir(dir);
	qsort(v->pci, v->npci, sizeof(*v->pci), bdf_cmp);
	return 0;
}

/*
 * The lines of the streams file of every SMMUv3 in /sys/class/iommu, in
 * file order; 0 or a negative errno, -EILSEQ for a line that is not
 * "0x<hex StreamID> <device>".
 */
static int read_streams(struct view *v)
{
	char path[PATH_MAX], line[256], extra[2];
	struct stream *s;
	struct dirent *de;
	FILE *f;
	DIR *dir;
	int err = 0;

	dir = opendir(IOMMU_CLASS_DIR);
	if (!dir)
		return -errno;
	while (!err && (de = readdir(dir))) {
		if (strncmp(de->d_name, "smmu3.", 6))
			continue;
		snprintf(path, sizeof(path), SMMU_DEBUGFS "/%s/streams",
			 de->d_name);
		f = fopen(path, "r");
		if (!f) {
			err = -errno;
			iommu_err("%s: %s", path, strerror(-err));
			break;
		}
		while (!err && fgets(line, sizeof(line), f) &&
		       v->nstreams < MAX_STREAMS) {
			s = &v->streams[v->nstreams++];
			snprintf(s->smmu, sizeof(s->smmu), "%s", de->d_name);
			if (strncmp(line, "0x", 2) ||
			    sscanf(line, "0x%x %63s %1s", &s->sid, s->dev,
				   extra) != 2) {
				iommu_err("%s: \"%s\" is not \"0x<StreamID> <device>\"",
					  path, strip(line));
				err = -EILSEQ;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return err;
}

/* The device @smmu's streams file lists for @sid, or NULL. */
static const char *stream_holder(const struct view *v, const char *smmu,
				 unsigned int sid)
{
	for (int i = 0; i < v->nstreams; i++)
		if (!strcmp(v->streams[i].smmu, smmu) && v->streams[i].sid == sid)
			return v->streams[i].dev;
	return NULL;
}

static const struct pci_fn *find_pci(const struct view *v, const char *bdf)
{
	for (int i = 0; i < v->npci; i++)
		if (!strcmp(v->pci[i].bdf, bdf))
			return &v->pci[i];
	return NULL;
}

/* Whether firmware gives @p StreamID @sid on the SMMU named @smmu. */
static bool firmware_gives(const struct pci_fn *p, const char *smmu,
			   unsigned int sid)
{
	char name[NAME_LEN];

	if (p->want.route != ROUTE_SMMU || p->want.sid != sid)
		return false;
	smmu_name(p->want.base, name, sizeof(name));
	return !strcmp(name, smmu);
}

FIXTURE(streams) {
	struct view v;
};

FIXTURE_SETUP(streams)
{
	struct view *v = &self->v;

	if (!debugfs_mounted())
		MISSING(return, "debugfs is not mounted on " DEBUGFS);
	v->pci = calloc(MAX_PCI, sizeof(*v->pci));
	v->streams = calloc(MAX_STREAMS, sizeof(*v->streams));
	ASSERT_TRUE(v->pci && v->streams);
	ASSERT_EQ(0, read_pci(v));
	if (!v->npci)
		MISSING(return, "no PCI device in segment 0");

	if (path_exists(IORT_TABLE)) {
		v->firmware = "IORT";
		ASSERT_EQ(0, iort_routes(v));
	} else if (path_exists(DT_BASE)) {
		v->firmware = "device tree";
		ASSERT_EQ(0, dt_routes(v));
	} else {
		MISSING(return, "neither %s nor %s", IORT_TABLE, DT_BASE);
	}
	ASSERT_EQ(0, read_streams(v));
	ksft_print_msg("%s: %d PCI devices, %d StreamIDs in the SMMUs' streams files\n",
		       v->firmware, v->npci, v->nstreams);
}

FIXTURE_TEARDOWN(streams)
{
	free(self->v.pci);
	free(self->v.streams);
}

/*
 * Each device behind an SMMU that probed: in a group, its iommu link and
 * the SMMU's streams file say what firmware says; in none, another
 * device that firmware gives the same StreamID holds it, or nobody does
 * and no driver has asked for the device's DMA yet.  Behind no SMMU, or
 * one that did not probe: no group, no iommu link.
 */
TEST_F(streams, firmware_stream_ids)
{
	const struct view *v = &self->v;
	int checked = 0;

	for (int i = 0; i < v->npci; i++) {
		const struct pci_fn *p = &v->pci[i];
		const struct want *w = &p->want;
		const struct pci_fn *h;
		char smmu[NAME_LEN];
		const char *holder;

		smmu_name(w->base, smmu, sizeof(smmu));
		if (w->route == ROUTE_SMMU)
			ksft_print_msg("%s: RID 0x%04x: StreamID 0x%x on %s (%s)\n",
				       p->bdf, p->rid, w->sid, smmu, w->how);
		else
			ksft_print_msg("%s: RID 0x%04x: no SMMUv3 (%s)\n",
				       p->bdf, p->rid, w->how);

		if (w->route != ROUTE_SMMU || !smmu_probed(w->base)) {
			ksft_print_msg("%s: %s: group %d, iommu link \"%s\"\n",
				       p->bdf, w->route == ROUTE_SMMU ?
				       "the SMMU did not probe" : "no SMMU",
				       p->group, p->iommu);
			EXPECT_GT(0, p->group) {
				TH_LOG("%s is in group %d without a StreamID from %s",
				       p->bdf, p->group, v->firmware);
			}
			EXPECT_STREQ("", p->iommu);
			continue;
		}

		holder = stream_holder(v, smmu, w->sid);
		ksft_print_msg("%s: group %d, iommu link \"%s\", streams file: %s\n",
			       p->bdf, p->group, p->iommu, holder ?: "-");
		if (p->group >= 0) {
			EXPECT_STREQ(smmu, p->iommu);
			EXPECT_STREQ(p->bdf, holder ?: "-") {
				TH_LOG("%s's StreamID 0x%x in %s", p->bdf,
				       w->sid, smmu);
			}
			checked++;
			continue;
		}

		EXPECT_STREQ("", p->iommu);
		if (holder) {
			/* The driver refuses a StreamID in use to the next. */
			h = find_pci(v, holder);
			EXPECT_TRUE(h && h != p && firmware_gives(h, smmu, w->sid)) {
				TH_LOG("%s holds StreamID 0x%x of %s in %s",
				       holder, w->sid, p->bdf, smmu);
			}
			ksft_print_msg("%s: shares StreamID 0x%x with %s, which probed first%s\n",
				       p->bdf, w->sid, holder,
				       h && strcmp(h->bdf, p->bdf) > 0 ?
				       " though its BDF is higher" : "");
			checked++;
			continue;
		}
		/* With a driver, its DMA would go where the SMMU cannot see. */
		EXPECT_STREQ("", p->driver) {
			TH_LOG("%s has driver %s but no group behind %s",
			       p->bdf, p->driver, smmu);
		}
		ksft_print_msg("%s: not probed by the IOMMU: no driver has bound to it\n",
			       p->bdf);
	}
	ASSERT_LT(0, checked) {
		TH_LOG("no device's StreamID could be checked");
	}
	ksft_print_msg("%d devices' StreamIDs checked against %s\n", checked,
		       v->firmware);
}

/*
 * Each streams file in order of StreamID, each StreamID once, and each
 * PCI device it names given that StreamID on that SMMU by firmware.
 */
TEST_F(streams, streams_files_follow_firmware)
{
	const struct view *v = &self->v;

	for (int i = 0; i < v->nstreams; i++) {
		const struct stream *s = &v->streams[i];
		const struct pci_fn *p = find_pci(v, s->dev);

		if (i && !strcmp(v->streams[i - 1].smmu, s->smmu)) {
			EXPECT_LT(v->streams[i - 1].sid, s->sid) {
				TH_LOG("%s: StreamID 0x%x after 0x%x", s->smmu,
				       s->sid, v->streams[i - 1].sid);
			}
		}
		if (!p) {
			ksft_print_msg("%s: 0x%x %s: no PCI device of segment 0, not compared\n",
				       s->smmu, s->sid, s->dev);
			continue;
		}
		EXPECT_TRUE(firmware_gives(p, s->smmu, s->sid)) {
			TH_LOG("%s lists 0x%x for %s, which %s sends to %s",
			       s->smmu, s->sid, s->dev, v->firmware,
			       p->want.how);
		}
	}
}

TEST_HARNESS_MAIN
