/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the files of the edu test driver (iommu-dma-edu-*.c): the
 * driver's per-device state, edu's DMA engine, and the helpers that fill,
 * compare and report.
 */
#ifndef __IOMMU_DMA_EDU_H
#define __IOMMU_DMA_EDU_H

#include <linux/compiler_attributes.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* edu reaches this many bits of bus address. */
#define EDU_DMA_BITS		28
/*
 * QEMU before 8.2.1 aborts on a transfer that ends exactly at the end of
 * edu's 4 KiB buffer, so one transfer is at most 4095 bytes.
 */
#define EDU_XFER_MAX		(SZ_4K - 1)
#define EDU_POISON		0xa5
/* A faulting DMA moves 4 bytes: QEMU's SMMU reports each 4 bytes once. */
#define EDU_FAULT_LEN		4

struct dentry;

/**
 * struct edu_test - the test driver's state of one edu device
 * @pdev: the device
 * @dev: its struct device
 * @regs: BAR 0
 * @dir: its directory in debugfs
 * @lock: one test or operation at a time; also guards the mmap buffer's
 *	contents
 * @dma_ok: the device can do DMA through a translating domain
 * @test: the name of the test running, for messages
 * @mmap_buf: the buffer user space maps through the "mmap" file
 * @mmap_dma: its DMA address
 */
struct edu_test {
	struct pci_dev		*pdev;
	struct device		*dev;
	void __iomem		*regs;
	struct dentry		*dir;
	struct mutex		lock;	/* see above */
	bool			dma_ok;
	const char		*test;
	void			*mmap_buf;
	dma_addr_t		mmap_dma;
};

/* iommu-dma-edu-test.c: edu's DMA engine and the helpers of every test */
__printf(2, 3) void edu_err(struct edu_test *edu, const char *fmt, ...);
int edu_to_device(struct edu_test *edu, dma_addr_t dma, size_t len);
int edu_from_device(struct edu_test *edu, dma_addr_t dma, size_t len);
int edu_copy(struct edu_test *edu, dma_addr_t src, dma_addr_t dst, size_t len);
void edu_fill(void *buf, size_t len, u64 seed);
int edu_compare(struct edu_test *edu, const char *what, size_t where,
		const void *want, const void *got, size_t len);
bool edu_all(const void *buf, u8 val, size_t len);
void edu_log_fault_dma(struct edu_test *edu, dma_addr_t iova);
int edu_find_unmapped(struct edu_test *edu, dma_addr_t used, dma_addr_t *iova);
int edu_test_coherent_small(struct edu_test *edu);
char *edu_user_name(const char __user *ubuf, size_t count, char *buf,
		    size_t len);

/* iommu-dma-edu-inject.c: operations for fault injection, the fault race */
int edu_test_fault_race(struct edu_test *edu);
void edu_inject_debugfs_init(struct edu_test *edu);

#endif /* __IOMMU_DMA_EDU_H */
