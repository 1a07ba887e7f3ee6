// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests of the DMA API through the IOMMU, on QEMU's "edu"
 * device (PCI 1234:11e8).
 *
 * The KUnit suite of the DMA layer checks its arithmetic on fake devices;
 * this driver checks that real DMA lands where the API says it does.  Each
 * test maps or allocates memory through the DMA API and moves bytes with
 * edu's DMA engine, from memory into edu's 4 KiB buffer and back out to
 * another place, then compares what arrived with what was sent.  A test
 * fails on the first byte that differs, on a DMA address the device cannot
 * use, or on a DMA API call that fails where it should succeed.
 *
 * The driver has no ID table, so it binds only where user space asks:
 *
 *   echo iommu_dma_edu_test > /sys/bus/pci/devices/$BDF/driver_override
 *   echo $BDF > /sys/bus/pci/drivers/iommu_dma_edu_test/bind
 *
 * and then, in /sys/kernel/debug/iommu_dma_edu_test/$BDF/:
 *
 *   run    write a test's name to run it; the write fails with the test's
 *          error.  "all" runs every test but mmap_check, direct_regions
 *          and the fault tests.  Each test logs "test NAME: ok" or what
 *          went wrong, or "test NAME: not run" when it fails with -EAGAIN
 *          because the domain or the device does not suit it.
 *   mmap   maps a 64 KiB coherent buffer with dma_mmap_coherent(); after
 *          user space writes its first 4 KiB through the mapping, the test
 *          mmap_check copies them with edu to offset 32 KiB, where user
 *          space can read them back.
 *
 * edu reaches only the low 256 MiB of its bus addresses.  RAM on QEMU virt
 * starts at 1 GiB, so the tests need a domain that translates: on an
 * identity domain every test fails with -EOPNOTSUPP.  The kselftest
 * tools/testing/selftests/iommu/iommu_dma_edu.c drives all of this.
 *
 * Two tests make the IOMMU fault on purpose, once each, and so are not
 * part of "all".  fault_unmapped has edu write to an IOVA that was never
 * mapped; fault_after_unmap writes to a page through its IOVA, unmaps it
 * and writes to the same IOVA again, which must leave the page untouched
 * (on a strict domain only: on a DMA-FQ domain it fails with -EAGAIN).
 * Just before its faulting DMA each logs "NAME: DMA to IOVA 0xHEX", so
 * that user space can find the IOMMU driver's report of the fault.  The
 * driver's tests pass when the DMA completes and no memory changed; that
 * the fault was reported is for user space to check.
 *
 * direct_regions, also run only by name, checks the device's direct
 * regions (firmware's DMA, such as an IORT RMR, that must go on): each
 * one within edu's reach must be mapped 1:1 in edu's domain, and edu
 * copying its first 4 KiB into a DMA buffer must bring what the CPU reads
 * there.  It only reads the regions, and fails with -EAGAIN ("not run")
 * when edu has none.
 *
 * For testing only: a DMA that times out is abandoned, not cancelled.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/iopoll.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "iommu-dma-edu.h"

#define EDU_DRIVER_NAME		"iommu_dma_edu_test"

/* edu's DMA engine, in BAR 0. */
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_CMD_START		BIT(0)
#define EDU_CMD_TO_RAM		BIT(1)	/* from edu's buffer to memory */
#define EDU_BUF_ADDR		0x40000	/* edu's buffer, as edu addresses it */
/* edu runs each transfer 100 ms after it is started. */
#define EDU_POLL_US		1000
#define EDU_TIMEOUT_US		(3 * USEC_PER_SEC)

#define EDU_MMAP_SIZE		SZ_64K
#define EDU_MMAP_COPY		SZ_4K
#define EDU_MMAP_DEST		SZ_32K

static struct dentry *edu_debugfs_root;

/* What went wrong in the test that is running. */
void edu_err(struct edu_test *edu, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_err(edu->dev, "test %s: %pV", edu->test, &vaf);
	va_end(args);
}

/* ---------------------------------------------------------------------
 * edu's DMA engine
 * ---------------------------------------------------------------------
 */

static int edu_dma(struct edu_test *edu, dma_addr_t addr, size_t len,
		   bool to_ram)
{
	u64 cmd = EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0);
	int ret;

	if (!len || len > EDU_XFER_MAX) {
		edu_err(edu, "bad transfer length %zu\n", len);
		return -EINVAL;
	}
	if (addr > DMA_BIT_MASK(EDU_DMA_BITS) ||
	    len - 1 > DMA_BIT_MASK(EDU_DMA_BITS) - addr) {
		edu_err(edu, "DMA address %pad+%#zx is beyond edu's %d bits\n",
			&addr, len, EDU_DMA_BITS);
		return -ERANGE;
	}
	if (readq(edu->regs + EDU_DMA_CMD) & EDU_CMD_START) {
		edu_err(edu, "edu's DMA engine is busy\n");
		return -EBUSY;
	}

	/* writeq() orders earlier writes to memory before the MMIO write. */
	writeq(to_ram ? EDU_BUF_ADDR : addr, edu->regs + EDU_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF_ADDR, edu->regs + EDU_DMA_DST);
	writeq(len, edu->regs + EDU_DMA_COUNT);
	writeq(cmd, edu->regs + EDU_DMA_CMD);

	ret = readq_poll_timeout(edu->regs + EDU_DMA_CMD, cmd,
				 !(cmd & EDU_CMD_START), EDU_POLL_US,
				 EDU_TIMEOUT_US);
	if (ret)
		edu_err(edu, "DMA of %zu bytes %s %pad did not finish\n", len,
			to_ram ? "to" : "from", &addr);
	return ret;
}

/* Copy @len bytes at DMA address @dma into the start of edu's buffer. */
int edu_to_device(struct edu_test *edu, dma_addr_t dma, size_t len)
{
	return edu_dma(edu, dma, len, false);
}

/* Copy @len bytes from the start of edu's buffer to DMA address @dma. */
int edu_from_device(struct edu_test *edu, dma_addr_t dma, size_t len)
{
	return edu_dma(edu, dma, len, true);
}

/* Copy @len bytes from @src to @dst through edu's buffer, in pieces. */
int edu_copy(struct edu_test *edu, dma_addr_t src, dma_addr_t dst,
	     size_t len)
{
	size_t n;
	int ret;

	while (len) {
		n = min_t(size_t, len, EDU_XFER_MAX);
		ret = edu_to_device(edu, src, n);
		if (!ret)
			ret = edu_from_device(edu, dst, n);
		if (ret)
			return ret;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------
 */

/* A fixed pseudo-random pattern: the same bytes for the same seed. */
void edu_fill(void *buf, size_t len, u64 seed)
{
	struct rnd_state state;

	prandom_seed_state(&state, seed);
	prandom_bytes_state(&state, buf, len);
}

/* Report the first byte where @got differs from @want. */
int edu_compare(struct edu_test *edu, const char *what, size_t where,
		const void *want, const void *got, size_t len)
{
	const u8 *w = want, *g = got;
	size_t i;

	if (!memcmp(want, got, len))
		return 0;
	for (i = 0; w[i] == g[i]; i++)
		;
	edu_err(edu, "%s %#zx: byte %zu of %zu is %#04x, expected %#04x\n",
		what, where, i, len, g[i], w[i]);
	return -EILSEQ;
}

/* Whether @len bytes at @buf all hold @val. */
bool edu_all(const void *buf, u8 val, size_t len)
{
	return !len || (*(const u8 *)buf == val && !memcmp(buf, buf + 1, len - 1));
}

/* The IOMMU domain's smallest page. */
static size_t edu_granule(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);

	return iommu_domain_granule(domain);
}

/* Whether a streaming mapping of @cpu_addr went where it should. */
static int edu_check_mapping(struct edu_test *edu, const char *what,
			     dma_addr_t dma, phys_addr_t phys)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	size_t granule = edu_granule(edu);
	phys_addr_t found;

	if ((dma & (granule - 1)) != (phys & (granule - 1))) {
		edu_err(edu, "%s: %pad does not keep the offset of %pa in its IOMMU page\n",
			what, &dma, &phys);
		return -EINVAL;
	}
	found = iommu_iova_to_phys(domain, dma);
	if (found != phys) {
		edu_err(edu, "%s: %pad translates to %pa, not %pa\n", what,
			&dma, &found, &phys);
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Coherent allocations
 * ---------------------------------------------------------------------
 */

int edu_test_coherent_small(struct edu_test *edu)
{
	dma_addr_t dma;
	u8 *buf;
	int ret;

	buf = dma_alloc_coherent(edu->dev, SZ_4K, &dma, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	edu_fill(buf, SZ_2K, 1);
	memset(buf + SZ_2K, EDU_POISON, SZ_2K);

	ret = edu_copy(edu, dma, dma + SZ_2K, SZ_2K);
	if (!ret)
		ret = edu_compare(edu, "copy to offset", SZ_2K, buf,
				  buf + SZ_2K, SZ_2K);

	dma_free_coherent(edu->dev, SZ_4K, buf, dma);
	return ret;
}

#define EDU_LARGE_SIZE		SZ_256K

/* Pieces of the large buffer to copy, each across a page boundary. */
static const struct {
	u32 src;
	u32 dst;
} edu_large_copies[] = {
	{ 1000,			20 * SZ_4K + 3000 },
	{ 9 * SZ_4K + 1000,	43 * SZ_4K + 3000 },
	{ 31 * SZ_4K + 1000,	51 * SZ_4K + 17 },
	{ 50 * SZ_4K + 1000,	10 * SZ_4K + 4095 },
	{ 62 * SZ_4K + 1000,	33 * SZ_4K + 2048 },
};

static int edu_test_coherent_large(struct edu_test *edu)
{
	dma_addr_t dma;
	u8 *buf, *shadow;
	unsigned int i;
	int ret = 0;

	shadow = kvmalloc(EDU_LARGE_SIZE, GFP_KERNEL);
	if (!shadow)
		return -ENOMEM;
	buf = dma_alloc_coherent(edu->dev, EDU_LARGE_SIZE, &dma, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto free_shadow;
	}
	/* A blocking allocation of more than a page is a vmapped page array. */
	if (!is_vmalloc_addr(buf)) {
		edu_err(edu, "the 256 KiB buffer is not vmapped\n");
		ret = -EINVAL;
		goto free_buf;
	}

	edu_fill(shadow, EDU_LARGE_SIZE, 2);
	memcpy(buf, shadow, EDU_LARGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(edu_large_copies) && !ret; i++) {
		u32 src = edu_large_copies[i].src, dst = edu_large_copies[i].dst;

		ret = edu_copy(edu, dma + src, dma + dst, EDU_XFER_MAX);
		if (ret)
			break;
		memmove(shadow + dst, shadow + src, EDU_XFER_MAX);
		/* The whole buffer, so that a stray write shows too. */
		ret = edu_compare(edu, "large buffer after copy", i, shadow,
				  buf, EDU_LARGE_SIZE);
	}

free_buf:
	dma_free_coherent(edu->dev, EDU_LARGE_SIZE, buf, dma);
free_shadow:
	kvfree(shadow);
	return ret;
}

/* The struct page behind a coherent buffer's kernel address. */
static struct page *edu_cpu_page(void *addr)
{
	return is_vmalloc_addr(addr) ? vmalloc_to_page(addr) : virt_to_page(addr);
}

static int edu_test_get_sgtable(struct edu_test *edu)
{
	struct scatterlist *s;
	struct sg_table sgt;
	size_t pos = 0;
	dma_addr_t dma;
	void *buf;
	int i, ret;

	buf = dma_alloc_coherent(edu->dev, EDU_LARGE_SIZE, &dma, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = dma_get_sgtable(edu->dev, &sgt, buf, dma, EDU_LARGE_SIZE);
	if (ret) {
		edu_err(edu, "dma_get_sgtable failed: %d\n", ret);
		goto free_buf;
	}

	for_each_sgtable_sg(&sgt, s, i) {
		unsigned int j;

		if (s->offset || !PAGE_ALIGNED(s->length)) {
			edu_err(edu, "entry %d has offset %u and length %u\n",
				i, s->offset, s->length);
			ret = -EINVAL;
			break;
		}
		for (j = 0; j < s->length >> PAGE_SHIFT; j++, pos += PAGE_SIZE) {
			struct page *page = nth_page(sg_page(s), j);

			if (pos >= EDU_LARGE_SIZE ||
			    page != edu_cpu_page(buf + pos)) {
				edu_err(edu, "entry %d, page %u: not the page at offset %#zx\n",
					i, j, pos);
				ret = -EINVAL;
				break;
			}
		}
		if (ret)
			break;
	}
	if (!ret && pos != EDU_LARGE_SIZE) {
		edu_err(edu, "the table holds %#zx bytes, not %#x\n", pos,
			EDU_LARGE_SIZE);
		ret = -EINVAL;
	}

	sg_free_table(&sgt);
free_buf:
	dma_free_coherent(edu->dev, EDU_LARGE_SIZE, buf, dma);
	return ret;
}

/* ---------------------------------------------------------------------
 * Streaming mappings of single buffers
 * ---------------------------------------------------------------------
 */

#define EDU_SINGLE_BUF		(3 * PAGE_SIZE)
#define EDU_SINGLE_LEN		4000

static const unsigned int edu_single_offsets[] = { 0, 1, 511, 4095, 4000 };

/*
 * Map @len bytes at @cpu_addr, check the mapping, and return it in
 * @dma; on failure nothing stays mapped.
 */
static int edu_map_single(struct edu_test *edu, const char *what,
			  void *cpu_addr, size_t len,
			  enum dma_data_direction dir, dma_addr_t *dma)
{
	int ret;

	*dma = dma_map_single(edu->dev, cpu_addr, len, dir);
	if (dma_mapping_error(edu->dev, *dma)) {
		edu_err(edu, "%s: dma_map_single of %zu bytes failed\n", what,
			len);
		return -ENOMEM;
	}
	ret = edu_check_mapping(edu, what, *dma, virt_to_phys(cpu_addr));
	if (ret)
		dma_unmap_single(edu->dev, *dma, len, dir);
	return ret;
}

static int edu_test_single_offsets(struct edu_test *edu)
{
	dma_addr_t src_dma, dst_dma;
	unsigned int i;
	u8 *buf;
	int ret = 0;

	buf = kmalloc(EDU_SINGLE_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(edu_single_offsets) && !ret; i++) {
		size_t src = edu_single_offsets[i];
		/* Near the end, with a guard byte on each side. */
		size_t dst = EDU_SINGLE_BUF - EDU_SINGLE_LEN - 1 - (src & 63);

		edu_fill(buf + src, EDU_SINGLE_LEN, 3 + i);
		memset(buf + dst - 1, EDU_POISON, EDU_SINGLE_LEN + 2);

		ret = edu_map_single(edu, "source", buf + src, EDU_SINGLE_LEN,
				     DMA_TO_DEVICE, &src_dma);
		if (ret)
			break;
		ret = edu_map_single(edu, "destination", buf + dst,
				     EDU_SINGLE_LEN, DMA_FROM_DEVICE, &dst_dma);
		if (ret) {
			dma_unmap_single(edu->dev, src_dma, EDU_SINGLE_LEN,
					 DMA_TO_DEVICE);
			break;
		}

		ret = edu_copy(edu, src_dma, dst_dma, EDU_SINGLE_LEN);

		dma_unmap_single(edu->dev, dst_dma, EDU_SINGLE_LEN,
				 DMA_FROM_DEVICE);
		dma_unmap_single(edu->dev, src_dma, EDU_SINGLE_LEN,
				 DMA_TO_DEVICE);
		if (!ret)
			ret = edu_compare(edu, "copy from offset", src,
					  buf + src, buf + dst, EDU_SINGLE_LEN);
		if (!ret && (buf[dst - 1] != EDU_POISON ||
			     buf[dst + EDU_SINGLE_LEN] != EDU_POISON)) {
			edu_err(edu, "copy from offset %#zx wrote outside its destination\n",
				src);
			ret = -EILSEQ;
		}
	}

	kfree(buf);
	return ret;
}

#define EDU_SYNC_LEN		3000
#define EDU_SYNC_OFFSET		40

static int edu_test_sync_single(struct edu_test *edu)
{
	dma_addr_t dma, src_dma;
	u8 *buf, *src;
	int ret;

	src = dma_alloc_coherent(edu->dev, SZ_4K, &src_dma, GFP_KERNEL);
	if (!src)
		return -ENOMEM;
	buf = kmalloc(SZ_4K, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto free_src;
	}
	memset(buf, EDU_POISON, SZ_4K);
	ret = edu_map_single(edu, "buffer", buf + EDU_SYNC_OFFSET,
			     EDU_SYNC_LEN, DMA_FROM_DEVICE, &dma);
	if (ret)
		goto free_buf;

	/* edu writes the first pattern; the CPU reads it after a sync. */
	edu_fill(src, EDU_SYNC_LEN, 10);
	ret = edu_copy(edu, src_dma, dma, EDU_SYNC_LEN);
	if (ret)
		goto unmap;
	dma_sync_single_for_cpu(edu->dev, dma, EDU_SYNC_LEN, DMA_FROM_DEVICE);
	ret = edu_compare(edu, "first pattern", 0, src, buf + EDU_SYNC_OFFSET,
			  EDU_SYNC_LEN);
	if (ret)
		goto unmap;

	/* The CPU scribbles, hands the buffer back, and edu writes again. */
	memset(buf + EDU_SYNC_OFFSET, EDU_POISON, EDU_SYNC_LEN);
	edu_fill(src, EDU_SYNC_LEN, 11);
	ret = edu_to_device(edu, src_dma, EDU_SYNC_LEN);
	if (ret)
		goto unmap;
	dma_sync_single_for_device(edu->dev, dma, EDU_SYNC_LEN,
				   DMA_FROM_DEVICE);
	ret = edu_from_device(edu, dma, EDU_SYNC_LEN);
	if (ret)
		goto unmap;
	dma_sync_single_for_cpu(edu->dev, dma, EDU_SYNC_LEN, DMA_FROM_DEVICE);
	ret = edu_compare(edu, "second pattern", 0, src,
			  buf + EDU_SYNC_OFFSET, EDU_SYNC_LEN);
	if (!ret && (!edu_all(buf, EDU_POISON, EDU_SYNC_OFFSET) ||
		     !edu_all(buf + EDU_SYNC_OFFSET + EDU_SYNC_LEN, EDU_POISON,
			      SZ_4K - EDU_SYNC_OFFSET - EDU_SYNC_LEN))) {
		edu_err(edu, "edu wrote outside the mapped buffer\n");
		ret = -EILSEQ;
	}

unmap:
	dma_unmap_single(edu->dev, dma, EDU_SYNC_LEN, DMA_FROM_DEVICE);
free_buf:
	kfree(buf);
free_src:
	dma_free_coherent(edu->dev, SZ_4K, src, src_dma);
	return ret;
}

static int edu_test_resource(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	phys_addr_t phys = pci_resource_start(edu->pdev, 0), found;
	dma_addr_t dma;
	int ret = 0;

	dma = dma_map_resource(edu->dev, phys, SZ_4K, DMA_BIDIRECTIONAL, 0);
	if (dma_mapping_error(edu->dev, dma)) {
		edu_err(edu, "dma_map_resource of %pa failed\n", &phys);
		return -ENOMEM;
	}
	found = iommu_iova_to_phys(domain, dma);
	if (found != phys) {
		edu_err(edu, "BAR 0 at %pa mapped at %pad, which translates to %pa\n",
			&phys, &dma, &found);
		ret = -EINVAL;
	}
	dma_unmap_resource(edu->dev, dma, SZ_4K, DMA_BIDIRECTIONAL, 0);
	return ret;
}

/* ---------------------------------------------------------------------
 * Direct regions
 * ---------------------------------------------------------------------
 */

/* How much of each direct region edu copies */
#define EDU_DIRECT_LEN		SZ_4K

/*
 * The first @len bytes at @phys as the CPU reads them.  A direct region
 * is RAM that firmware's DMA goes on into, which the kernel maps as
 * memory, or MMIO (a flash, say), which ioremap() maps as a device and
 * memremap() would map as memory.
 */
static int edu_cpu_read(struct edu_test *edu, phys_addr_t phys, void *buf,
			size_t len)
{
	void __iomem *io;
	void *mem;

	switch (region_intersects(phys, len, IORESOURCE_SYSTEM_RAM,
				  IORES_DESC_NONE)) {
	case REGION_INTERSECTS:
		mem = memremap(phys, len, MEMREMAP_WB);
		if (!mem)
			break;
		memcpy(buf, mem, len);
		memunmap(mem);
		return 0;
	case REGION_DISJOINT:
		io = ioremap(phys, len);
		if (!io)
			break;
		memcpy_fromio(buf, io, len);
		iounmap(io);
		return 0;
	default:
		edu_err(edu, "%pa+%#zx is partly RAM, partly not\n", &phys,
			len);
		return -EINVAL;
	}
	edu_err(edu, "cannot map %pa+%#zx for the CPU\n", &phys, len);
	return -ENOMEM;
}

/*
 * The domain must map the region 1:1, and edu reading its start through
 * the domain must see what the CPU sees there.  Only read: firmware may
 * depend on what is there.
 */
static int edu_direct_region(struct edu_test *edu,
			     const struct iommu_resv_region *region)
{
	phys_addr_t start = region->start, end = start + region->length - 1;
	phys_addr_t last = max(start, round_down(end, edu_granule(edu)));
	size_t i, len = min_t(size_t, region->length, EDU_DIRECT_LEN);
	u8 *cpu, *buf;
	dma_addr_t dma;
	int ret;

	/* Its first and last IOMMU pages map 1:1 */
	ret = edu_check_mapping(edu, "direct region start", start, start) ?:
	      edu_check_mapping(edu, "direct region end", last, last);
	if (ret)
		return ret;

	/* What the CPU reads, then, in a page of its own, edu's copy */
	cpu = kmalloc(2 * EDU_DIRECT_LEN, GFP_KERNEL);
	if (!cpu)
		return -ENOMEM;
	buf = cpu + EDU_DIRECT_LEN;
	ret = edu_cpu_read(edu, start, cpu, len);
	if (ret)
		goto free;
	/*
	 * Unlike the region in every byte, so that a DMA that moves nothing
	 * fails.  A read that faults may still bring something (QEMU's brings
	 * zeros): the fault report, which user space looks for, tells.
	 */
	for (i = 0; i < len; i++)
		buf[i] = ~cpu[i];
	ret = edu_map_single(edu, "destination", buf, len, DMA_BIDIRECTIONAL,
			     &dma);
	if (ret)
		goto free;
	/* So that edu's buffer holds no copy of the region to begin with */
	ret = edu_to_device(edu, dma, min_t(size_t, len, EDU_XFER_MAX));
	if (!ret)
		ret = edu_copy(edu, start, dma, len);
	dma_unmap_single(edu->dev, dma, len, DMA_BIDIRECTIONAL);
	if (!ret)
		ret = edu_compare(edu, "direct region at", start, cpu, buf, len);
	if (!ret)
		dev_info(edu->dev, "test %s: %pa-%pa %s: maps 1:1, edu reads its first %zu bytes as the CPU does\n",
			 edu->test, &start, &end,
			 region->type == IOMMU_RESV_DIRECT ?
			 "direct" : "direct-relaxable", len);
free:
	kfree(cpu);
	return ret;
}

/*
 * Every direct region of edu (an IORT RMR, or a device tree reserved
 * memory region with iommu-addresses) within edu's reach.  -EAGAIN if
 * there is none.
 */
static int edu_test_direct_regions(struct edu_test *edu)
{
	struct iommu_resv_region *region;
	unsigned int tested = 0;
	LIST_HEAD(regions);
	int ret = 0;

	iommu_get_resv_regions(edu->dev, &regions);
	list_for_each_entry(region, &regions, list) {
		phys_addr_t end = region->start + region->length - 1;

		if (region->type != IOMMU_RESV_DIRECT &&
		    region->type != IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (end > DMA_BIT_MASK(EDU_DMA_BITS)) {
			dev_info(edu->dev, "test %s: direct region %pa-%pa is beyond edu's %d bits, not tested\n",
				 edu->test, &region->start, &end,
				 EDU_DMA_BITS);
			continue;
		}
		ret = edu_direct_region(edu, region);
		if (ret)
			break;
		tested++;
	}
	iommu_put_resv_regions(edu->dev, &regions);

	if (!ret && !tested) {
		dev_info(edu->dev, "test %s: not run: edu has no direct region within its reach\n",
			 edu->test);
		return -EAGAIN;
	}
	return ret;
}

/* ---------------------------------------------------------------------
 * Scatterlists
 * ---------------------------------------------------------------------
 */

#define EDU_SG_PAGES		8
#define EDU_SG_ENTS		(EDU_SG_PAGES + 1)
/* The first entry: odd offset and length, ending on a page boundary. */
#define EDU_SG_OFFSET		301
#define EDU_SG_MAX_SEG		SZ_16K
#define EDU_SG_BOUNDARY		0xffff

/* A DMA segment: where it starts in the IOVA range and in the data. */
struct edu_seg {
	size_t		rel;
	size_t		len;
	size_t		data;
	dma_addr_t	dma;
};

/* Does [@start, @start + @len) cross a multiple of @mask + 1? */
static bool edu_crosses(u64 start, u64 len, u64 mask)
{
	return (start & ~mask) != ((start + len - 1) & ~mask);
}

/*
 * The DMA segments that Documentation/core-api/dma-iommu.rst promises for
 * @sgt: offsets from the start of the IOVA range, lengths, and where each
 * starts in the data.  Returns how many, or -EINVAL if the list could not
 * be mapped.
 */
static int edu_sg_expect(struct sg_table *sgt, size_t granule, size_t max_seg,
			 u64 boundary, struct edu_seg *segs, int max)
{
	size_t pos = 0, data = 0;
	struct scatterlist *s;
	int i, n = 0;

	for_each_sgtable_sg(sgt, s, i) {
		size_t off = sg_phys(s) & (granule - 1);
		struct edu_seg *prev = n ? &segs[n - 1] : NULL;

		if (prev && !off && prev->rel + prev->len == pos &&
		    prev->len + s->length <= max_seg &&
		    !edu_crosses(prev->rel, prev->len + s->length, boundary)) {
			prev->len += s->length;
		} else {
			if (n == max)
				return -EINVAL;
			if (edu_crosses(pos + off, s->length, boundary)) {
				pos = (pos | boundary) + 1;
				if (edu_crosses(pos + off, s->length, boundary))
					return -EINVAL;
			}
			segs[n].rel = pos + off;
			segs[n].len = s->length;
			segs[n].data = data;
			n++;
		}
		pos += ALIGN(off + s->length, granule);
		data += s->length;
	}
	return n;
}

/* Compare the DMA segments of a mapped @sgt with @want. */
static int edu_sg_check(struct edu_test *edu, struct sg_table *sgt,
			struct edu_seg *want, int count)
{
	size_t max_seg = dma_get_max_seg_size(edu->dev);
	u64 boundary = dma_get_seg_boundary(edu->dev);
	dma_addr_t base = 0;
	struct scatterlist *s;
	int i;

	if (sgt->nents != count) {
		edu_err(edu, "%u DMA segments, expected %d\n", sgt->nents,
			count);
		return -EINVAL;
	}
	for_each_sgtable_dma_sg(sgt, s, i) {
		dma_addr_t dma = sg_dma_address(s);
		size_t len = sg_dma_len(s);

		if (len > max_seg || edu_crosses(dma, len, boundary)) {
			edu_err(edu, "segment %d at %pad+%#zx breaks the device's limits\n",
				i, &dma, len);
			return -EINVAL;
		}
		if (!i)
			base = dma - want[0].rel;
		if (len != want[i].len || dma - base != want[i].rel) {
			edu_err(edu, "segment %d is %#zx bytes at offset %#llx of the range, expected %#zx at %#zx\n",
				i, len, (u64)(dma - base), want[i].len,
				want[i].rel);
			return -EINVAL;
		}
		want[i].dma = dma;
	}
	if (base & (edu_granule(edu) - 1)) {
		edu_err(edu, "the IOVA range starts at %pad, inside an IOMMU page\n",
			&base);
		return -EINVAL;
	}
	return 0;
}

/* The segment holding byte @pos of the data, or NULL. */
static struct edu_seg *edu_sg_find(struct edu_seg *segs, int count,
				   size_t pos)
{
	int i;

	for (i = 0; i < count; i++)
		if (pos >= segs[i].data && pos < segs[i].data + segs[i].len)
			return &segs[i];
	return NULL;
}

/* Copies inside the data (shortened to stay in one segment each). */
static const struct {
	u32 src;
	u32 dst;
	u32 len;
} edu_sg_copies[] = {
	{ 100,		20000,	4000 },
	{ 10000,	33000,	3000 },
	{ 26000,	2000,	4000 },
	{ 33500,	8000,	2500 },
};

static int edu_sg_copy(struct edu_test *edu, struct edu_seg *segs, int count,
		       u8 *shadow)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(edu_sg_copies); i++) {
		size_t src = edu_sg_copies[i].src, dst = edu_sg_copies[i].dst;
		struct edu_seg *from = edu_sg_find(segs, count, src);
		struct edu_seg *to = edu_sg_find(segs, count, dst);
		size_t len = edu_sg_copies[i].len;

		if (!from || !to) {
			edu_err(edu, "copy %u: no segment holds its bytes\n", i);
			return -EINVAL;
		}
		len = min3(len, from->data + from->len - src,
			   to->data + to->len - dst);
		ret = edu_copy(edu, from->dma + src - from->data,
			       to->dma + dst - to->data, len);
		if (ret)
			return ret;
		memmove(shadow + dst, shadow + src, len);
	}
	return 0;
}

static int edu_test_sg_merge(struct edu_test *edu)
{
	unsigned int old_max_seg = dma_get_max_seg_size(edu->dev);
	unsigned long old_boundary = dma_get_seg_boundary(edu->dev);
	struct edu_seg segs[EDU_SG_ENTS];
	struct page *pages[EDU_SG_ENTS] = {};
	size_t data = 0, total;
	struct scatterlist *s;
	struct sg_table sgt;
	int i, count, ret;
	u8 *shadow;

	total = PAGE_SIZE - EDU_SG_OFFSET + EDU_SG_PAGES * PAGE_SIZE;
	shadow = kmalloc(total, GFP_KERNEL);
	if (!shadow)
		return -ENOMEM;
	ret = sg_alloc_table(&sgt, EDU_SG_ENTS, GFP_KERNEL);
	if (ret)
		goto free_shadow;
	for (i = 0; i < EDU_SG_ENTS; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto free_pages;
		}
	}

	edu_fill(shadow, total, 20);
	for_each_sgtable_sg(&sgt, s, i) {
		unsigned int off = i ? 0 : EDU_SG_OFFSET;

		sg_set_page(s, pages[i], PAGE_SIZE - off, off);
		memset(page_address(pages[i]), EDU_POISON, off);
		memcpy(sg_virt(s), shadow + data, s->length);
		data += s->length;
	}

	count = edu_sg_expect(&sgt, edu_granule(edu), EDU_SG_MAX_SEG,
			      EDU_SG_BOUNDARY, segs, ARRAY_SIZE(segs));
	if (count < 0) {
		edu_err(edu, "the list cannot be laid out\n");
		ret = count;
		goto free_pages;
	}

	dma_set_max_seg_size(edu->dev, EDU_SG_MAX_SEG);
	dma_set_seg_boundary(edu->dev, EDU_SG_BOUNDARY);
	ret = dma_map_sgtable(edu->dev, &sgt, DMA_BIDIRECTIONAL, 0);
	if (ret) {
		edu_err(edu, "dma_map_sgtable failed: %d\n", ret);
		goto restore;
	}
	ret = edu_sg_check(edu, &sgt, segs, count);
	if (!ret)
		ret = edu_sg_copy(edu, segs, count, shadow);
	dma_unmap_sgtable(edu->dev, &sgt, DMA_BIDIRECTIONAL, 0);

	data = 0;
	for_each_sgtable_sg(&sgt, s, i) {
		if (ret)
			break;
		ret = edu_compare(edu, "entry", i, shadow + data, sg_virt(s),
				  s->length);
		data += s->length;
	}
	if (!ret && !edu_all(page_address(pages[0]), EDU_POISON,
			     EDU_SG_OFFSET)) {
		edu_err(edu, "DMA wrote before the first entry\n");
		ret = -EILSEQ;
	}

restore:
	dma_set_max_seg_size(edu->dev, old_max_seg);
	dma_set_seg_boundary(edu->dev, old_boundary);
free_pages:
	for (i = 0; i < EDU_SG_ENTS; i++)
		if (pages[i])
			__free_page(pages[i]);
	sg_free_table(&sgt);
free_shadow:
	kfree(shadow);
	return ret;
}

#define EDU_NONCONTIG_SIZE	SZ_64K

static const struct {
	u32 src;
	u32 dst;
	u32 len;
} edu_noncontig_copies[] = {
	{ 100,		40000,	EDU_XFER_MAX },
	{ 12000,	61000,	4000 },
	{ 63000,	5000,	EDU_NONCONTIG_SIZE - 63000 },
	{ 30000,	18000,	EDU_XFER_MAX },
};

static int edu_test_noncontiguous(struct edu_test *edu)
{
	struct sg_table *sgt;
	dma_addr_t dma;
	unsigned int i;
	u8 *vaddr, *shadow;
	int ret = 0;

	shadow = kmalloc(EDU_NONCONTIG_SIZE, GFP_KERNEL);
	if (!shadow)
		return -ENOMEM;
	sgt = dma_alloc_noncontiguous(edu->dev, EDU_NONCONTIG_SIZE,
				      DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	if (!sgt) {
		ret = -ENOMEM;
		goto free_shadow;
	}
	if (sgt->nents != 1 || sg_dma_len(sgt->sgl) < EDU_NONCONTIG_SIZE) {
		edu_err(edu, "%u DMA segments, the first of %#x bytes; expected one of 64 KiB\n",
			sgt->nents, sg_dma_len(sgt->sgl));
		ret = -EINVAL;
		goto free;
	}
	vaddr = dma_vmap_noncontiguous(edu->dev, EDU_NONCONTIG_SIZE, sgt);
	if (!vaddr) {
		ret = -ENOMEM;
		goto free;
	}

	edu_fill(shadow, EDU_NONCONTIG_SIZE, 30);
	memcpy(vaddr, shadow, EDU_NONCONTIG_SIZE);
	dma_sync_sgtable_for_device(edu->dev, sgt, DMA_BIDIRECTIONAL);
	dma = sg_dma_address(sgt->sgl);
	for (i = 0; i < ARRAY_SIZE(edu_noncontig_copies); i++) {
		u32 src = edu_noncontig_copies[i].src;
		u32 dst = edu_noncontig_copies[i].dst;
		u32 len = edu_noncontig_copies[i].len;

		ret = edu_copy(edu, dma + src, dma + dst, len);
		if (ret)
			break;
		memmove(shadow + dst, shadow + src, len);
	}
	dma_sync_sgtable_for_cpu(edu->dev, sgt, DMA_BIDIRECTIONAL);
	if (!ret)
		ret = edu_compare(edu, "buffer", 0, shadow, vaddr,
				  EDU_NONCONTIG_SIZE);

	dma_vunmap_noncontiguous(edu->dev, vaddr);
free:
	dma_free_noncontiguous(edu->dev, EDU_NONCONTIG_SIZE, sgt,
			       DMA_BIDIRECTIONAL);
free_shadow:
	kfree(shadow);
	return ret;
}

/* ---------------------------------------------------------------------
 * Running out of IOVA space
 * ---------------------------------------------------------------------
 */

#define EDU_EXHAUST_BITS	22
#define EDU_EXHAUST_MAX		2048
#define EDU_EXHAUST_MIN		100

/*
 * Map @page up to @max times; returns how many mappings succeeded, or a
 * negative error with every handle of this round still in @handles[0..*n).
 */
static int edu_map_many(struct edu_test *edu, struct page *page,
			dma_addr_t *handles, unsigned int max, unsigned int *n)
{
	u64 limit = DMA_BIT_MASK(EDU_EXHAUST_BITS);
	dma_addr_t dma;

	for (*n = 0; *n < max; (*n)++) {
		/* To the device only: DMA debugging allows that to overlap. */
		dma = dma_map_page(edu->dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(edu->dev, dma))
			return 0;
		handles[*n] = dma;
		if (dma > limit - PAGE_SIZE + 1) {
			(*n)++;
			edu_err(edu, "mapping %u at %pad is beyond the %d-bit mask\n",
				*n, &dma, EDU_EXHAUST_BITS);
			return -ERANGE;
		}
		if (edu_check_mapping(edu, "page", dma, page_to_phys(page))) {
			(*n)++;
			return -EINVAL;
		}
	}
	return 0;
}

static void edu_unmap_many(struct edu_test *edu, dma_addr_t *handles,
			   unsigned int n)
{
	while (n--)
		dma_unmap_page(edu->dev, handles[n], PAGE_SIZE, DMA_TO_DEVICE);
}

/* Map two halves of @page as a scatterlist, where no space is left. */
static int edu_map_sg_full(struct edu_test *edu, struct page *page)
{
	struct sg_table sgt;
	int ret;

	ret = sg_alloc_table(&sgt, 2, GFP_KERNEL);
	if (ret)
		return ret;
	sg_set_page(sgt.sgl, page, PAGE_SIZE / 2, 0);
	sg_set_page(sg_next(sgt.sgl), page, PAGE_SIZE / 2, PAGE_SIZE / 2);
	ret = dma_map_sgtable(edu->dev, &sgt, DMA_TO_DEVICE, 0);
	if (!ret) {
		dma_unmap_sgtable(edu->dev, &sgt, DMA_TO_DEVICE, 0);
		edu_err(edu, "a scatterlist was mapped with no IOVA space left\n");
		ret = -EINVAL;
	} else if (ret == -ENOMEM) {
		ret = 0;
	} else {
		edu_err(edu, "dma_map_sgtable with no IOVA space left failed with %d, not -ENOMEM\n",
			ret);
		ret = -EINVAL;
	}
	sg_free_table(&sgt);
	return ret;
}

static int edu_test_exhaustion(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	unsigned int first, second;
	dma_addr_t *handles;
	struct page *page;
	int ret;

	if (!domain || !(domain->type & __IOMMU_DOMAIN_DMA_API)) {
		dev_info(edu->dev, "test exhaustion: skipped, no DMA domain\n");
		return 0;
	}
	handles = kvcalloc(EDU_EXHAUST_MAX, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL);
	if (!page) {
		ret = -ENOMEM;
		goto free_handles;
	}
	ret = dma_set_mask(edu->dev, DMA_BIT_MASK(EDU_EXHAUST_BITS));
	if (ret) {
		edu_err(edu, "a %d-bit DMA mask was refused\n",
			EDU_EXHAUST_BITS);
		goto free_page;
	}

	/* Fill the 4 MiB below the mask; the DMA layer reports it once. */
	ret = edu_map_many(edu, page, handles, EDU_EXHAUST_MAX, &first);
	if (!ret && (first >= EDU_EXHAUST_MAX || first < EDU_EXHAUST_MIN)) {
		edu_err(edu, "%u pages mapped below %d bits; expected %d to %d\n",
			first, EDU_EXHAUST_BITS, EDU_EXHAUST_MIN,
			EDU_EXHAUST_MAX - 1);
		ret = -EINVAL;
	}
	if (!ret)
		ret = edu_map_sg_full(edu, page);
	edu_unmap_many(edu, handles, first);
	if (ret)
		goto restore;

	/*
	 * Everything is free again, though in lazy mode some of it waits in
	 * a flush queue, which the DMA layer drains when space runs out.
	 */
	ret = edu_map_many(edu, page, handles, first, &second);
	if (!ret && second != first) {
		edu_err(edu, "the second round mapped %u pages, the first %u\n",
			second, first);
		ret = -EINVAL;
	}
	edu_unmap_many(edu, handles, second);

restore:
	dma_set_mask(edu->dev, DMA_BIT_MASK(EDU_DMA_BITS));
free_page:
	__free_page(page);
free_handles:
	kvfree(handles);
	return ret;
}

/* ---------------------------------------------------------------------
 * IOMMU faults
 * ---------------------------------------------------------------------
 *
 * DMA that the IOMMU must refuse, from edu's buffer to memory.  edu does
 * not see the fault; its transfer completes and the write goes nowhere.
 * The IOMMU driver reports the fault, and user space matches its report to
 * the line each test logs just before the faulting DMA:
 *
 *   NAME: DMA to IOVA 0xHEX
 *
 * QEMU hands a DMA write that the IOMMU refuses to its unassigned memory
 * region, in accesses of at most 4 bytes that it translates one by one:
 * each 4 bytes raise a fault of their own (a 4095-byte transfer raised
 * 1024).  So a faulting DMA moves 4 bytes to an aligned IOVA, and each
 * test raises exactly one fault.
 */
/* How many pages to try, downwards, for one that nothing maps. */
#define EDU_FAULT_TRIES		16

void edu_log_fault_dma(struct edu_test *edu, dma_addr_t iova)
{
	dev_info(edu->dev, "%s: DMA to IOVA 0x%llx\n", edu->test, (u64)iova);
}

/*
 * An IOVA that nothing maps, far below @used: the DMA layer hands out IOVAs
 * from the top of the DMA mask down, so half of one it handed out is
 * mostly clear of the others; when that is too low, just below the middle
 * of edu's range.  A page that the domain translates is skipped.
 */
int edu_find_unmapped(struct edu_test *edu, dma_addr_t used,
		      dma_addr_t *iova)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	dma_addr_t try = round_down(used / 2, PAGE_SIZE);
	unsigned int i;

	if (try < EDU_FAULT_TRIES * PAGE_SIZE)
		try = BIT(EDU_DMA_BITS - 1) - PAGE_SIZE;

	for (i = 0; i < EDU_FAULT_TRIES && try; i++, try -= PAGE_SIZE) {
		if (!iommu_iova_to_phys(domain, try)) {
			*iova = try;
			return 0;
		}
	}
	edu_err(edu, "no unmapped IOVA found below %pad\n", &used);
	return -EBUSY;
}

/*
 * DMA to an IOVA that was never mapped.  It must leave the test's own
 * buffer alone, and edu's DMA through the domain must still work after it.
 */
static int edu_test_fault_unmapped(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	dma_addr_t dma, iova;
	u8 *buf, *want;
	int ret;

	want = kmalloc(SZ_4K, GFP_KERNEL);
	if (!want)
		return -ENOMEM;
	/* The first page goes to edu's buffer, the second is poisoned. */
	buf = dma_alloc_coherent(edu->dev, 2 * SZ_4K, &dma, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto free_want;
	}
	edu_fill(want, SZ_4K, 40);
	memcpy(buf, want, SZ_4K);
	memset(buf + SZ_4K, EDU_POISON, SZ_4K);
	ret = edu_to_device(edu, dma, EDU_XFER_MAX);
	if (ret)
		goto free_buf;

	ret = edu_find_unmapped(edu, dma, &iova);
	if (ret)
		goto free_buf;
	/* No IOTLB entry left from an earlier test, as lazy mode may leave. */
	iommu_flush_iotlb_all(domain);
	edu_log_fault_dma(edu, iova);
	ret = edu_from_device(edu, iova, EDU_FAULT_LEN);
	if (ret)
		goto free_buf;

	ret = edu_compare(edu, "first page after the fault", 0, want, buf,
			  SZ_4K);
	if (!ret && !edu_all(buf + SZ_4K, EDU_POISON, SZ_4K)) {
		edu_err(edu, "the DMA to IOVA %pad wrote into the buffer at %pad\n",
			&iova, &dma);
		ret = -EILSEQ;
	}
	if (!ret && iommu_iova_to_phys(domain, iova)) {
		edu_err(edu, "IOVA %pad is mapped after the fault\n", &iova);
		ret = -EINVAL;
	}
	/* The fault must not have cut edu off from its domain. */
	if (!ret)
		ret = edu_from_device(edu, dma + SZ_4K, EDU_XFER_MAX);
	if (!ret)
		ret = edu_compare(edu, "DMA after the fault to offset", SZ_4K,
				  want, buf + SZ_4K, EDU_XFER_MAX);
	if (!ret && buf[SZ_4K + EDU_XFER_MAX] != EDU_POISON) {
		edu_err(edu, "the DMA after the fault wrote past its end\n");
		ret = -EILSEQ;
	}

free_buf:
	dma_free_coherent(edu->dev, 2 * SZ_4K, buf, dma);
free_want:
	kfree(want);
	return ret;
}

/*
 * DMA into a page through its IOVA, unmap the page, and DMA to the same
 * IOVA again: the second DMA must fault and leave the page untouched.  In
 * lazy mode (a DMA-FQ domain) the IOTLB may still hold the translation
 * after the unmap, as that mode allows, so the test refuses to run there
 * with -EAGAIN.
 */
static int edu_test_fault_after_unmap(struct edu_test *edu)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(edu->dev);
	dma_addr_t dma, src_dma;
	struct page *page;
	u8 *buf, *src, *want;
	int ret;

	if (domain->type == IOMMU_DOMAIN_DMA_FQ) {
		dev_info(edu->dev, "test %s: not run: it needs a strict domain, and edu's is DMA-FQ, which may use a translation after its unmap\n",
			 edu->test);
		return -EAGAIN;
	}

	want = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!want)
		return -ENOMEM;
	src = dma_alloc_coherent(edu->dev, SZ_4K, &src_dma, GFP_KERNEL);
	if (!src) {
		ret = -ENOMEM;
		goto free_want;
	}
	page = alloc_page(GFP_KERNEL);
	if (!page) {
		ret = -ENOMEM;
		goto free_src;
	}
	buf = page_address(page);

	/* Pattern A in the page; edu writes pattern B over it. */
	edu_fill(want, PAGE_SIZE, 50);
	memcpy(buf, want, PAGE_SIZE);
	edu_fill(src, SZ_4K, 51);
	dma = dma_map_page(edu->dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(edu->dev, dma)) {
		edu_err(edu, "dma_map_page failed\n");
		ret = -ENOMEM;
		goto free_page;
	}
	ret = edu_check_mapping(edu, "page", dma, page_to_phys(page));
	if (!ret)
		ret = edu_to_device(edu, src_dma, EDU_XFER_MAX);
	if (!ret)
		ret = edu_from_device(edu, dma, EDU_XFER_MAX);
	dma_unmap_page(edu->dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
	if (!ret)
		ret = edu_compare(edu, "page at", 0, src, buf, EDU_XFER_MAX);
	if (!ret)
		ret = edu_compare(edu, "page at", EDU_XFER_MAX,
				  want + EDU_XFER_MAX, buf + EDU_XFER_MAX,
				  PAGE_SIZE - EDU_XFER_MAX);
	if (ret)
		goto free_page;

	/*
	 * The page is the CPU's again: pattern C in it, pattern B still in
	 * edu's buffer.  A strict unmap has invalidated the IOTLB, so the
	 * DMA to the old IOVA must fault.
	 */
	edu_fill(want, PAGE_SIZE, 52);
	/* So that the bytes the DMA would write differ from C's. */
	want[0] = ~src[0];
	memcpy(buf, want, PAGE_SIZE);
	if (iommu_iova_to_phys(domain, dma)) {
		edu_err(edu, "IOVA %pad is still mapped after dma_unmap_page\n",
			&dma);
		ret = -EINVAL;
		goto free_page;
	}
	edu_log_fault_dma(edu, dma);
	ret = edu_from_device(edu, dma, EDU_FAULT_LEN);
	if (!ret)
		ret = edu_compare(edu, "page after a DMA to its old IOVA, at", 0,
				  want, buf, PAGE_SIZE);

free_page:
	__free_page(page);
free_src:
	dma_free_coherent(edu->dev, SZ_4K, src, src_dma);
free_want:
	kfree(want);
	return ret;
}

/* ---------------------------------------------------------------------
 * mmap
 * ---------------------------------------------------------------------
 */

/* Copy what user space wrote at the start of the mmap buffer to 32 KiB. */
static int edu_test_mmap_check(struct edu_test *edu)
{
	u8 *buf = edu->mmap_buf;
	int ret;

	ret = edu_copy(edu, edu->mmap_dma, edu->mmap_dma + EDU_MMAP_DEST,
		       EDU_MMAP_COPY);
	if (!ret)
		ret = edu_compare(edu, "mmap buffer at", EDU_MMAP_DEST, buf,
				  buf + EDU_MMAP_DEST, EDU_MMAP_COPY);
	return ret;
}

static int edu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dentry *dentry = file->f_path.dentry;
	struct edu_test *edu;
	int ret;

	/* An unsafe debugfs file: keep the device from going meanwhile. */
	ret = debugfs_file_get(dentry);
	if (ret)
		return ret;
	edu = file->private_data;
	if (edu->mmap_buf)
		ret = dma_mmap_coherent(edu->dev, vma, edu->mmap_buf,
					edu->mmap_dma, EDU_MMAP_SIZE);
	else
		ret = -ENODEV;
	debugfs_file_put(dentry);
	return ret;
}

static const struct file_operations edu_mmap_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.mmap	= edu_mmap,
};

/* ---------------------------------------------------------------------
 * Running tests
 * ---------------------------------------------------------------------
 */

struct edu_case {
	const char *name;
	int (*run)(struct edu_test *edu);
	bool in_all;
};

static int edu_test_all(struct edu_test *edu);

static const struct edu_case edu_cases[] = {
	{ "coherent_small",	edu_test_coherent_small,	true },
	{ "coherent_large",	edu_test_coherent_large,	true },
	{ "single_offsets",	edu_test_single_offsets,	true },
	{ "sg_merge",		edu_test_sg_merge,		true },
	{ "noncontiguous",	edu_test_noncontiguous,		true },
	{ "get_sgtable",	edu_test_get_sgtable,		true },
	{ "resource",		edu_test_resource,		true },
	{ "sync_single",	edu_test_sync_single,		true },
	{ "exhaustion",		edu_test_exhaustion,		true },
	{ "direct_regions",	edu_test_direct_regions,	false },
	{ "fault_unmapped",	edu_test_fault_unmapped,	false },
	{ "fault_after_unmap",	edu_test_fault_after_unmap,	false },
	{ "fault_race",		edu_test_fault_race,		false },
	{ "mmap_check",		edu_test_mmap_check,		false },
	{ "all",		edu_test_all,			false },
};

static int edu_run_case(struct edu_test *edu, const struct edu_case *tc)
{
	const char *outer = edu->test;
	int ret;

	edu->test = tc->name;
	ret = tc->run(edu);
	if (ret == -EAGAIN)
		dev_info(edu->dev, "test %s: not run\n", tc->name);
	else if (ret)
		dev_err(edu->dev, "test %s: failed (%pe)\n", tc->name,
			ERR_PTR(ret));
	else
		dev_info(edu->dev, "test %s: ok\n", tc->name);
	edu->test = outer;
	return ret;
}

/*
 * Every test but mmap_check, direct_regions and the fault tests, in order,
 * up to the first failure.
 */
static int edu_test_all(struct edu_test *edu)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(edu_cases); i++) {
		if (!edu_cases[i].in_all)
			continue;
		ret = edu_run_case(edu, &edu_cases[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * edu_user_name() - the name user space wrote to one of the driver's files
 * @ubuf: what it wrote
 * @count: how many bytes
 * @buf: where the name goes
 * @len: room in @buf
 *
 * Return: the name, without surrounding white space, or an ERR_PTR():
 * -EINVAL if it does not fit, -EFAULT.
 */
char *edu_user_name(const char __user *ubuf, size_t count, char *buf,
		    size_t len)
{
	if (!count || count >= len)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	buf[count] = '\0';
	return strim(buf);
}

static ssize_t edu_run_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	const struct edu_case *tc = NULL;
	struct edu_test *edu = file->private_data;
	char buf[32], *name;
	unsigned int i;
	int ret;

	name = edu_user_name(ubuf, count, buf, sizeof(buf));
	if (IS_ERR(name))
		return PTR_ERR(name);
	for (i = 0; i < ARRAY_SIZE(edu_cases); i++)
		if (!strcmp(name, edu_cases[i].name))
			tc = &edu_cases[i];
	if (!tc)
		return -EINVAL;
	if (!edu->dma_ok) {
		dev_info(edu->dev, "test %s: cannot run, edu's DMA does not reach memory without a translating IOMMU domain\n",
			 tc->name);
		return -EOPNOTSUPP;
	}

	mutex_lock(&edu->lock);
	ret = edu_run_case(edu, tc);
	mutex_unlock(&edu->lock);
	return ret ?: count;
}

static const struct file_operations edu_run_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= edu_run_write,
	.llseek	= noop_llseek,
};

/* ---------------------------------------------------------------------
 * The PCI driver
 * ---------------------------------------------------------------------
 */

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct iommu_domain *domain;
	struct edu_test *edu;
	int ret;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	edu->dev = dev;
	edu->test = "-";
	ret = devm_mutex_init(dev, &edu->lock);
	if (ret)
		return ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	edu->regs = pcim_iomap_region(pdev, 0, EDU_DRIVER_NAME);
	if (IS_ERR(edu->regs))
		return PTR_ERR(edu->regs);

	domain = iommu_get_domain_for_dev(dev);
	if (domain && (domain->type & __IOMMU_DOMAIN_DMA_API)) {
		ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(EDU_DMA_BITS));
		if (ret)
			return dev_err_probe(dev, ret, "cannot set a %d-bit DMA mask\n",
					     EDU_DMA_BITS);
		edu->mmap_buf = dma_alloc_coherent(dev, EDU_MMAP_SIZE,
						   &edu->mmap_dma, GFP_KERNEL);
		if (!edu->mmap_buf)
			return -ENOMEM;
		edu->dma_ok = true;
	} else {
		dev_info(dev, "no translating IOMMU domain: edu cannot reach memory, the tests will not run\n");
	}

	edu->dir = debugfs_create_dir(pci_name(pdev), edu_debugfs_root);
	debugfs_create_file("run", 0200, edu->dir, edu, &edu_run_fops);
	debugfs_create_file_unsafe("mmap", 0600, edu->dir, edu, &edu_mmap_fops);
	edu_inject_debugfs_init(edu);
	pci_set_drvdata(pdev, edu);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_test *edu = pci_get_drvdata(pdev);

	/* Waits for tests and mmap calls in progress. */
	debugfs_remove_recursive(edu->dir);
	/* Pages still mapped into user space stay until munmap. */
	if (edu->mmap_buf)
		dma_free_coherent(edu->dev, EDU_MMAP_SIZE, edu->mmap_buf,
				  edu->mmap_dma);
}

/* Empty: the driver binds only through driver_override. */
static const struct pci_device_id edu_test_ids[] = {
	{ }
};

static struct pci_driver edu_test_driver = {
	.name		= EDU_DRIVER_NAME,
	.id_table	= edu_test_ids,
	.probe		= edu_probe,
	.remove		= edu_remove,
};

static int __init edu_test_init(void)
{
	int ret;

	edu_debugfs_root = debugfs_create_dir(EDU_DRIVER_NAME, NULL);
	ret = pci_register_driver(&edu_test_driver);
	if (ret)
		debugfs_remove(edu_debugfs_root);
	return ret;
}
module_init(edu_test_init);

static void __exit edu_test_exit(void)
{
	pci_unregister_driver(&edu_test_driver);
	debugfs_remove(edu_debugfs_root);
}
module_exit(edu_test_exit);

MODULE_DESCRIPTION("DMA API tests through the IOMMU with QEMU's edu device");
MODULE_LICENSE("GPL");
