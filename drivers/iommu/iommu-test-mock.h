/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the two files of the IOMMU core's KUnit suite "iommu-core":
 * iommu-test-mock.c, the mock IOMMU driver and the helpers of the tests,
 * and iommu-test.c, the test cases.  The cases read what the mock driver
 * recorded in the structures below, and set up its failures there.
 */
#ifndef __IOMMU_TEST_MOCK_H
#define __IOMMU_TEST_MOCK_H

#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/container_of.h>
#include <linux/iommu.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* The page sizes of the mock's paging domains: three, to make splits */
#define MOCK_PGSIZES		(SZ_4K | SZ_64K | SZ_2M)

/* Room in the records; counters go on past them */
#define MOCK_MAX_LEAVES		1024
#define MOCK_MAX_CALLS		16
#define MOCK_MAX_SYNCS		8
#define MOCK_MAX_ATTACHES	32
#define MOCK_MAX_RESPONSES	16

/* A physical address the tests map at, well away from 0 */
#define MOCK_PA			0x40000000UL

/* How a test device behaves at probe, chosen by the test */
#define MOCK_DEV_SHARED		BIT(0)	/* shares one group with the others */
#define MOCK_DEV_DMA		BIT(1)	/* def_domain_type: DMA */
#define MOCK_DEV_IDENTITY	BIT(2)	/* def_domain_type: identity */
#define MOCK_DEV_RESV		BIT(3)	/* reports the test's reserved regions */
#define MOCK_DEV_REFUSE		BIT(4)	/* probe_device says -ENODEV */
#define MOCK_DEV_NO_GROUP	BIT(5)	/* device_group fails */

struct mock_ctx;

/**
 * struct mock_call - one map_pages() or unmap_pages() call
 * @iova: its IOVA
 * @paddr: its physical address (map only)
 * @pgsize: the page size the core picked
 * @pgcount: how many pages of it
 * @prot: IOMMU_* permissions (map only)
 */
struct mock_call {
	unsigned long iova;
	phys_addr_t paddr;
	size_t pgsize;
	size_t pgcount;
	int prot;
};

/**
 * struct mock_leaf - one mapped page in a mock domain
 * @iova: where it starts
 * @paddr: what it maps to
 * @size: its size, one of MOCK_PGSIZES
 */
struct mock_leaf {
	unsigned long iova;
	phys_addr_t paddr;
	size_t size;
};

/**
 * struct mock_sync - what one iotlb_sync() was asked to invalidate
 * @start: the gather's first IOVA (ULONG_MAX: nothing owed)
 * @end: its last IOVA
 */
struct mock_sync {
	unsigned long start;
	unsigned long end;
};

/**
 * struct mock_domain - a paging domain of the mock driver
 * @domain: the core's part; the mock leaves ops and pgsize_bitmap to the
 *	core, which must fill them in from the driver's iommu_ops
 * @ctx: the test it belongs to
 * @user: made by domain_alloc_user, not domain_alloc_paging
 * @leaves: what is mapped (@nr_leaves of them)
 * @nr_leaves: number of @leaves in use
 * @maps: the first map_pages() calls (@nr_maps of them in all)
 * @nr_maps: map_pages() calls
 * @unmaps: the first unmap_pages() calls
 * @nr_unmaps: unmap_pages() calls
 * @syncs: the first iotlb_sync() calls
 * @nr_syncs: iotlb_sync() calls
 * @nr_sync_maps: iotlb_sync_map() calls
 * @sync_map_iova: IOVA of the last iotlb_sync_map()
 * @sync_map_size: its size
 * @fail_map_call: the map_pages() call (counting from 1) that fails, or 0
 * @fail_map_pages: pages that call maps before it fails
 * @fail_map_err: what it returns
 * @fail_sync_map: what iotlb_sync_map() returns
 */
struct mock_domain {
	struct iommu_domain domain;
	struct mock_ctx *ctx;
	bool user;
	struct mock_leaf *leaves;
	unsigned int nr_leaves;
	struct mock_call maps[MOCK_MAX_CALLS];
	unsigned int nr_maps;
	struct mock_call unmaps[MOCK_MAX_CALLS];
	unsigned int nr_unmaps;
	struct mock_sync syncs[MOCK_MAX_SYNCS];
	unsigned int nr_syncs;
	unsigned int nr_sync_maps;
	unsigned long sync_map_iova;
	size_t sync_map_size;
	unsigned int fail_map_call;
	size_t fail_map_pages;
	int fail_map_err;
	int fail_sync_map;
};

#define to_mock_domain(d)	container_of(d, struct mock_domain, domain)

/**
 * struct mock_response - one page_response() call
 * @dev: the device answered
 * @evt: the request it was given as its group's last; only compared
 * @last: a copy of that request
 * @msg: the response
 */
struct mock_response {
	struct device *dev;
	const struct iopf_fault *evt;
	struct iommu_fault_page_request last;
	struct iommu_page_response msg;
};

/**
 * struct mock_dev - a test device, as the mock driver knows it
 * @ctx: the test
 * @dev: the KUnit device
 * @flags: MOCK_DEV_*
 * @probes: probe_device() calls
 * @releases: release_device() calls
 * @attaches: attach_dev() calls that succeeded
 * @attached: the domain the device translates through now, as far as the
 *	driver knows: the last one attached
 * @responses: page_response() calls for it
 *
 * The test sets it as the device's IOMMU private data along with the
 * fwspec, as firmware would describe the device, before probing it.
 */
struct mock_dev {
	struct mock_ctx *ctx;
	struct device *dev;
	unsigned int flags;
	unsigned int probes;
	unsigned int releases;
	unsigned int attaches;
	struct iommu_domain *attached;
	unsigned int responses;
};

/**
 * struct mock_ctx - the mock driver's state for one test
 * @test: the test, for expectations inside the driver's callbacks
 * @next_sid: the StreamID the next device gets
 * @shared_group: the group of MOCK_DEV_SHARED devices; the test holds a
 *	reference until its very end
 * @caps: IOMMU_CAP_* bits capable() answers true for
 * @capable_calls: capable() calls
 * @capable_dev: the device of the last one
 * @capable_cap: what it asked
 * @paging_allocs: domains domain_alloc_paging() made
 * @paging_dev: the device of the last domain_alloc_paging()
 * @paging_err: domain_alloc_paging() fails with this (1: returns NULL)
 * @user_allocs: domain_alloc_user() calls
 * @user_flags: the flags of the last one
 * @user_parent: its parent
 * @user_data: its user data
 * @user_err: domain_alloc_user() fails with this (1: returns NULL)
 * @user_domain: the domain the last one returned
 * @made: paging domains the mock made, by either op
 * @frees: domains freed
 * @accepted: devices probe_device() accepted
 * @released: devices release_device() was called for
 * @fail_attach_dev: attaching this device...
 * @fail_attach_domain: ...to this domain fails...
 * @fail_attach_err: ...with this
 * @attach_log: the first attaches, device and domain
 * @nr_attaches: attaches that succeeded
 * @resv: the reserved regions MOCK_DEV_RESV devices report
 * @nr_resv: how many
 * @responses: the first page_response() calls, of any device
 * @nr_responses: page_response() calls
 */
struct mock_ctx {
	struct kunit *test;
	u32 next_sid;
	struct iommu_group *shared_group;

	unsigned long caps;
	unsigned int capable_calls;
	struct device *capable_dev;
	enum iommu_cap capable_cap;

	unsigned int paging_allocs;
	struct device *paging_dev;
	int paging_err;
	unsigned int user_allocs;
	u32 user_flags;
	struct iommu_domain *user_parent;
	const struct iommu_user_data *user_data;
	int user_err;
	struct iommu_domain *user_domain;
	unsigned int made;
	unsigned int frees;
	unsigned int accepted;
	unsigned int released;

	struct device *fail_attach_dev;
	struct iommu_domain *fail_attach_domain;
	int fail_attach_err;
	struct {
		struct device *dev;
		struct iommu_domain *domain;
	} attach_log[MOCK_MAX_ATTACHES];
	unsigned int nr_attaches;

	const struct iommu_resv_region *resv;
	unsigned int nr_resv;

	struct mock_response responses[MOCK_MAX_RESPONSES];
	unsigned int nr_responses;
};

/* An IOMMU instance of the mock driver */
struct mock_iommu;

/* A domain a test attached to a group, for mock_detach() */
struct mock_attachment;

/* The mock driver's two instances, registered at suite init */
extern struct mock_iommu mock_plain;	/* no domain_alloc_user op */
extern struct mock_iommu mock_user;	/* domain_alloc_user, no blocked domain */

/* Their iommu_ops, which own the paging domains the mock makes */
extern const struct iommu_ops mock_plain_ops;
extern const struct iommu_ops mock_user_ops;

/* The domain ops of those paging domains */
extern const struct iommu_domain_ops mock_domain_ops;

/* The driver's static domains */
extern struct iommu_domain mock_identity_domain;
extern struct iommu_domain mock_blocked_domain;	/* mock_plain's only */

/* The suite's init and exit, and every test's init */
int mock_suite_init(struct kunit_suite *suite);
void mock_suite_exit(struct kunit_suite *suite);
int mock_test_init(struct kunit *test);

/* Deferred calls for mock_defer() and kunit_release_action() */
void mock_release_action(void *dev);
void mock_domain_free_action(void *domain);
void mock_device_unclaim_action(void *dev);
void mock_defer(struct kunit *test, kunit_action_t *action, void *data);

/* Test devices: created behind an instance, or created and probed */
struct mock_dev *mock_dev_create(struct kunit *test, struct mock_iommu *mi,
				 const char *name, unsigned int flags);
struct mock_dev *mock_dev_probe(struct kunit *test, struct mock_iommu *mi,
				const char *name, unsigned int flags);

/* Domains, groups, claims and attachments, undone when the test ends */
struct iommu_domain *mock_paging_domain(struct kunit *test,
					struct mock_dev *mdev);
void mock_expect_alloc_err(struct kunit *test, struct iommu_domain *domain,
			   long err);
struct iommu_group *mock_group(struct kunit *test, struct mock_dev *mdev);
int mock_claim(struct kunit *test, struct iommu_group *group, void *owner);
void mock_unclaim(struct kunit *test, struct iommu_group *group);
struct mock_attachment *mock_attach(struct kunit *test,
				    struct iommu_domain *domain,
				    struct iommu_group *group, int *ret);
void mock_detach(struct kunit *test, struct mock_attachment *att);

/* What a mock domain recorded */
void mock_domain_reset(struct mock_domain *md);
size_t mock_call_bytes(const struct mock_call *call);
void mock_expect_one_sync(struct kunit *test, struct mock_domain *md,
			  unsigned long iova, size_t size);
void mock_expect_no_owed_sync(struct kunit *test, struct mock_domain *md);

#endif /* __IOMMU_TEST_MOCK_H */
