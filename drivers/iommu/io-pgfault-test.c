// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for I/O page faults (io-pgfault.c): the suite "iommu-iopf".
 *
 * The devices are those of the core suite's mock IOMMU driver
 * (iommu-test-mock.c), whose page_response op records every answer.  Each
 * case sends page requests with iommu_report_device_fault(), as an IOMMU
 * driver passes on what its hardware queue received.  The device's group
 * is claimed and a mock domain attached to it with an attach handle, as
 * iommufd does; the domain's iopf_handler is a sink that records the
 * groups it gets and, as the case asks, keeps them on the pending list,
 * takes them off it, refuses them, or answers them from work on the
 * queue's workqueue.
 *
 * What matters to a device is that every group it ends gets exactly one
 * answer, with the right group index and PASID, and that no request is
 * lost or answered twice, whether the group goes to a handler, to nobody,
 * or is still pending when the device leaves its queue.  So the cases
 * count the answers the driver was asked to send, and the references on
 * the device's fault data: every group takes one and gives it back when
 * freed, and kmemleak and KASAN see what a wrong count would leak or free
 * early.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/workqueue.h>

#include "iommu-priv.h"
#include "iommu-test-mock.h"

/* Groups a sink keeps track of */
#define SINK_MAX	8

/**
 * enum sink_mode - what the sink does with a group
 * @SINK_PENDING: keeps it, on the device's pending list
 * @SINK_DEQUEUE: keeps it, off that list, as iommufd does
 * @SINK_REFUSE: returns an error
 * @SINK_WORK: answers it "success" from work on the queue's workqueue, a
 *	little later
 */
enum sink_mode {
	SINK_PENDING,
	SINK_DEQUEUE,
	SINK_REFUSE,
	SINK_WORK,
};

/**
 * struct iopf_sink - the fault handler of a case's domain
 * @mode: what it does with the next group
 * @got: groups it was given
 * @kept: the first SINK_MAX of them, NULL once the case or the teardown
 *	has freed them, or for a group it refused or answered
 * @worked: groups its work answered
 */
struct iopf_sink {
	enum sink_mode mode;
	unsigned int got;
	struct iopf_group *kept[SINK_MAX];
	atomic_t worked;
};

/**
 * struct iopf_fixture - a device that sends page requests
 * @mdev: the mock device
 * @group: its group, claimed
 * @domain: the domain attached to it with @handle
 * @handle: the attach handle
 * @queue: the queue it is in
 * @sink: @domain's fault handler
 */
struct iopf_fixture {
	struct mock_dev *mdev;
	struct iommu_group *group;
	struct iommu_domain *domain;
	struct iommu_attach_handle handle;
	struct iopf_queue *queue;
	struct iopf_sink sink;
};

static void sink_work(struct work_struct *work)
{
	struct iopf_group *group = container_of(work, struct iopf_group,
						work);
	struct iopf_sink *sink = group->attach_handle->domain->fault_data;

	/* Long enough for the case to be waiting in a flush by now */
	msleep(20);
	iopf_group_response(group, IOMMU_PAGE_RESP_SUCCESS);
	iopf_free_group(group);
	atomic_inc(&sink->worked);
}

static int sink_handler(struct iopf_group *group)
{
	struct iopf_sink *sink = group->attach_handle->domain->fault_data;
	unsigned int n = sink->got++;

	switch (sink->mode) {
	case SINK_REFUSE:
		return -EIO;
	case SINK_WORK:
		INIT_WORK(&group->work, sink_work);
		queue_work(group->fault_param->queue->wq, &group->work);
		return 0;
	case SINK_DEQUEUE:
		iopf_group_dequeue(group);
		fallthrough;
	case SINK_PENDING:
		if (n < SINK_MAX)
			sink->kept[n] = group;
		return 0;
	}
	return -EINVAL;
}

/* The case takes over the @n-th group the sink kept. */
static struct iopf_group *sink_take(struct kunit *test, struct iopf_sink *sink,
				    unsigned int n)
{
	struct iopf_group *group = sink->kept[n];

	KUNIT_ASSERT_NOT_NULL(test, group);
	sink->kept[n] = NULL;
	return group;
}

/* Answers and frees the dequeued groups a case left with the sink. */
static void sink_drain(void *data)
{
	struct iopf_sink *sink = data;
	unsigned int i;

	for (i = 0; i < SINK_MAX; i++) {
		struct iopf_group *group = sink->kept[i];

		/* Pending ones are the core's: the removal frees them. */
		if (!group || !list_empty(&group->pending_node))
			continue;
		sink->kept[i] = NULL;
		iopf_group_response(group, IOMMU_PAGE_RESP_INVALID);
		iopf_free_group(group);
	}
}

static void detach_handle_action(void *data)
{
	struct iopf_fixture *fx = data;

	iommu_detach_group_handle(fx->domain, fx->group);
}

static void remove_device_action(void *data)
{
	struct iopf_fixture *fx = data;

	iopf_queue_remove_device(fx->queue, fx->mdev->dev);
}

KUNIT_DEFINE_ACTION_WRAPPER(queue_free_action, iopf_queue_free,
			    struct iopf_queue *);

/* A queue, freed when the case ends */
static struct iopf_queue *iopf_test_queue(struct kunit *test)
{
	struct iopf_queue *queue = iopf_queue_alloc("kunit");

	KUNIT_ASSERT_NOT_NULL(test, queue);
	mock_defer(test, queue_free_action, queue);
	return queue;
}

/*
 * A probed device in @queue, its group claimed and attached with a
 * handle to a domain whose fault handler is a sink in @mode.  All of it
 * is undone when the case ends: the device leaves the queue (after the
 * sink gave back what it kept), then the domain is detached.
 */
static struct iopf_fixture *iopf_test_device(struct kunit *test,
					     struct iopf_queue *queue,
					     const char *name,
					     enum sink_mode mode)
{
	struct iopf_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->mdev = mock_dev_probe(test, &mock_plain, name, 0);
	fx->group = mock_group(test, fx->mdev);
	KUNIT_ASSERT_EQ(test, mock_claim(test, fx->group, fx), 0);
	fx->domain = mock_paging_domain(test, fx->mdev);
	fx->domain->iopf_handler = sink_handler;
	fx->domain->fault_data = &fx->sink;
	fx->sink.mode = mode;
	atomic_set(&fx->sink.worked, 0);

	KUNIT_ASSERT_EQ(test, iommu_attach_group_handle(fx->domain, fx->group,
							&fx->handle), 0);
	mock_defer(test, detach_handle_action, fx);
	fx->queue = queue;
	KUNIT_ASSERT_EQ(test, iopf_queue_add_device(queue, fx->mdev->dev), 0);
	mock_defer(test, remove_device_action, fx);
	mock_defer(test, sink_drain, &fx->sink);
	return fx;
}

/* The device's fault data, which the cases look into */
static struct iommu_fault_param *iopf_param(struct iopf_fixture *fx)
{
	return rcu_access_pointer(fx->mdev->dev->iommu->fault_param);
}

static unsigned int iopf_users(struct iopf_fixture *fx)
{
	return refcount_read(&iopf_param(fx)->users);
}

/* Sends one page request for @addr, as the IOMMU driver would. */
static int iopf_report(struct iopf_fixture *fx, u32 flags, u32 pasid,
		       u32 grpid, u64 addr)
{
	struct iopf_fault evt = {
		.fault = {
			.type = IOMMU_FAULT_PAGE_REQ,
			.prm = {
				.flags = flags,
				.pasid = pasid,
				.grpid = grpid,
				.perm = IOMMU_FAULT_PERM_READ |
					IOMMU_FAULT_PERM_WRITE,
				.addr = addr,
			},
		},
	};

	return iommu_report_device_fault(fx->mdev->dev, &evt);
}

#define LAST	IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE
#define PASID	IOMMU_FAULT_PAGE_REQUEST_PASID_VALID

/* The @n-th answer the driver sent: to @fx, for @grpid and @pasid, @code */
static void iopf_expect_response(struct kunit *test, struct iopf_fixture *fx,
				 unsigned int n, u32 pasid, u32 grpid,
				 enum iommu_page_response_code code)
{
	struct mock_ctx *ctx = test->priv;
	struct mock_response *r = &ctx->responses[n];

	KUNIT_ASSERT_GT(test, ctx->nr_responses, n);
	KUNIT_EXPECT_PTR_EQ(test, r->dev, fx->mdev->dev);
	KUNIT_EXPECT_EQ(test, r->msg.pasid, pasid);
	KUNIT_EXPECT_EQ(test, r->msg.grpid, grpid);
	KUNIT_EXPECT_EQ(test, r->msg.code, code);
	/* the driver gets the request that ended the group */
	KUNIT_EXPECT_TRUE(test, r->last.flags & LAST);
	KUNIT_EXPECT_EQ(test, r->last.grpid, grpid);
}

/* The addresses of a group's requests, in its order, are @addrs. */
static void iopf_expect_addrs(struct kunit *test, struct iopf_group *group,
			      const u64 *addrs, size_t n)
{
	struct iopf_fault *iopf;
	size_t i = 0;

	KUNIT_EXPECT_EQ(test, group->fault_count, n);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&group->faults), n);
	list_for_each_entry(iopf, &group->faults, list) {
		if (i < n)
			KUNIT_EXPECT_EQ(test, iopf->fault.prm.addr, addrs[i]);
		i++;
	}
	/* the last one is the group's own, which the answer repeats */
	KUNIT_EXPECT_PTR_EQ(test, list_last_entry(&group->faults,
						  struct iopf_fault, list),
			    &group->last_fault);
}

/*
 * A request that ends its group at once goes to the handler of the
 * domain attached with a handle, as a group of one, with that handle and
 * the device's fault data; nothing is answered until the handler answers,
 * and then the driver sends exactly that, for the request's group.
 */
static void iopf_test_single(struct kunit *test)
{
	static const u64 addr[] = { 0x12345000 };
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_DEQUEUE);
	struct iopf_group *group;

	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 3, addr[0]), 0);
	KUNIT_ASSERT_EQ(test, fx->sink.got, 1);
	group = sink_take(test, &fx->sink, 0);
	iopf_expect_addrs(test, group, addr, 1);
	KUNIT_EXPECT_EQ(test, group->last_fault.fault.prm.grpid, 3);
	KUNIT_EXPECT_EQ(test, group->last_fault.fault.prm.perm,
			IOMMU_FAULT_PERM_READ | IOMMU_FAULT_PERM_WRITE);
	KUNIT_EXPECT_PTR_EQ(test, group->attach_handle, &fx->handle);
	KUNIT_EXPECT_PTR_EQ(test, group->fault_param, iopf_param(fx));
	KUNIT_EXPECT_PTR_EQ(test, group->fault_param->dev, fx->mdev->dev);
	/* dequeued by the handler: off the pending list, still unanswered */
	KUNIT_EXPECT_TRUE(test, list_empty(&group->pending_node));
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(fx)->faults));
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 0);
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 2);

	iopf_group_response(group, IOMMU_PAGE_RESP_SUCCESS);
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 1);
	iopf_expect_response(test, fx, 0, 0, 3, IOMMU_PAGE_RESP_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, ctx->responses[0].evt, &group->last_fault);
	KUNIT_EXPECT_EQ(test, ctx->responses[0].last.addr, addr[0]);
	iopf_free_group(group);
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 1);
}

/*
 * Requests that do not end their group wait, unanswered, for the one that
 * does; it collects those of its group index, and of its PASID if it has
 * one, in the order they came, and leaves the others waiting.  A request
 * with a PASID finds no handle (domains are attached per group), so its
 * group is answered "invalid" with that PASID, and its partial request
 * goes with it.
 */
static void iopf_test_partial(struct kunit *test)
{
	static const u64 first[] = { 0x1000, 0x3000, 0x4000 };
	static const u64 second[] = { 0x2000, 0x5000 };
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_DEQUEUE);
	struct iopf_group *g1, *g2;

	KUNIT_EXPECT_EQ(test, iopf_report(fx, 0, 0, 1, 0x1000), 0);
	KUNIT_EXPECT_EQ(test, iopf_report(fx, 0, 0, 2, 0x2000), 0);
	KUNIT_EXPECT_EQ(test, iopf_report(fx, 0, 0, 1, 0x3000), 0);
	KUNIT_EXPECT_EQ(test, iopf_report(fx, PASID, 5, 1, 0x6000), 0);
	KUNIT_EXPECT_EQ(test, fx->sink.got, 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 0);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&iopf_param(fx)->partial), 4);
	/* waiting requests hold no reference: only groups do */
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);

	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 1, 0x4000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 2, 0x5000), 0);
	KUNIT_ASSERT_EQ(test, fx->sink.got, 2);
	g1 = sink_take(test, &fx->sink, 0);
	g2 = sink_take(test, &fx->sink, 1);
	iopf_expect_addrs(test, g1, first, ARRAY_SIZE(first));
	iopf_expect_addrs(test, g2, second, ARRAY_SIZE(second));
	KUNIT_EXPECT_EQ(test, list_count_nodes(&iopf_param(fx)->partial), 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 0);

	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST | PASID, 5, 1, 0x7000),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, fx->sink.got, 2);
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 1);
	iopf_expect_response(test, fx, 0, 5, 1, IOMMU_PAGE_RESP_INVALID);
	KUNIT_EXPECT_TRUE(test, ctx->responses[0].last.flags & PASID);
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(fx)->partial));

	iopf_group_response(g2, IOMMU_PAGE_RESP_SUCCESS);
	iopf_group_response(g1, IOMMU_PAGE_RESP_INVALID);
	iopf_expect_response(test, fx, 1, 0, 2, IOMMU_PAGE_RESP_SUCCESS);
	iopf_expect_response(test, fx, 2, 0, 1, IOMMU_PAGE_RESP_INVALID);
	iopf_free_group(g1);
	iopf_free_group(g2);
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);
}

/*
 * A group nobody can take is answered "invalid" at once and freed: when
 * the domain has no fault handler, when the group has no attach handle
 * (attached without one, or detached), and when the handler refuses it.
 * A request that does not end its group needs no answer.  A device in no
 * queue, and a fault that is not a page request, are not taken at all.
 */
static void iopf_test_no_handler(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_REFUSE);
	struct mock_dev *stray = mock_dev_probe(test, &mock_plain, "stray", 0);
	struct iopf_fault other = { .fault.type = 0 };
	unsigned int n = 0;

	/* the handler refuses */
	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST, 0, 1, 0x1000), -EIO);
	KUNIT_EXPECT_EQ(test, fx->sink.got, 1);
	iopf_expect_response(test, fx, n++, 0, 1, IOMMU_PAGE_RESP_INVALID);

	/* no handler in the domain */
	fx->domain->iopf_handler = NULL;
	KUNIT_EXPECT_EQ(test, iopf_report(fx, 0, 0, 2, 0x2000), 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, n);
	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST, 0, 2, 0x3000), -ENOENT);
	iopf_expect_response(test, fx, n++, 0, 2, IOMMU_PAGE_RESP_INVALID);
	fx->domain->iopf_handler = sink_handler;

	/* no handle: detached, then attached without one */
	kunit_release_action(test, detach_handle_action, fx);
	KUNIT_EXPECT_TRUE(test, IS_ERR(iommu_attach_handle_get(fx->group,
							       IOMMU_NO_PASID,
							       0)));
	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST, 0, 3, 0x4000), -ENOENT);
	iopf_expect_response(test, fx, n++, 0, 3, IOMMU_PAGE_RESP_INVALID);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(fx->domain, fx->group), 0);
	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST, 0, 4, 0x5000), -ENOENT);
	iopf_expect_response(test, fx, n++, 0, 4, IOMMU_PAGE_RESP_INVALID);
	iommu_detach_group(fx->domain, fx->group);

	KUNIT_EXPECT_EQ(test, fx->sink.got, 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, n);
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(fx)->faults));
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(fx)->partial));
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);

	/* not a page request; not in a queue */
	KUNIT_EXPECT_EQ(test, iommu_report_device_fault(fx->mdev->dev, &other),
			-EOPNOTSUPP);
	other.fault.type = IOMMU_FAULT_PAGE_REQ;
	other.fault.prm.flags = LAST;
	KUNIT_EXPECT_EQ(test, iommu_report_device_fault(stray->dev, &other),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, n);
	KUNIT_EXPECT_EQ(test, stray->responses, 0);
}

/*
 * Each answer goes to the device whose group it is, with the PASID and
 * group index of the group's last request and the code the handler
 * chose, whatever order the groups are answered in; flags the driver
 * needs to answer (NEEDS_PASID) reach it with the request.
 */
static void iopf_test_response(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *a = iopf_test_device(test, queue, "a",
						  SINK_DEQUEUE);
	struct iopf_fixture *b = iopf_test_device(test, queue, "b",
						  SINK_PENDING);
	u32 needs = IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
	struct iopf_group *ga, *gb;

	KUNIT_ASSERT_EQ(test, iopf_report(a, needs, 0, 7, 0x1000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(a, needs | LAST, 0, 7, 0x2000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(b, LAST, 0, 9, 0x3000), 0);
	KUNIT_ASSERT_EQ(test, a->sink.got, 1);
	KUNIT_ASSERT_EQ(test, b->sink.got, 1);
	ga = sink_take(test, &a->sink, 0);
	gb = sink_take(test, &b->sink, 0);
	KUNIT_EXPECT_EQ(test, ga->fault_count, 2);
	KUNIT_EXPECT_PTR_EQ(test, ga->fault_param->dev, a->mdev->dev);
	KUNIT_EXPECT_PTR_EQ(test, gb->fault_param->dev, b->mdev->dev);
	/* left pending by b's handler */
	KUNIT_EXPECT_FALSE(test, list_empty(&gb->pending_node));
	KUNIT_EXPECT_EQ(test, list_count_nodes(&iopf_param(b)->faults), 1);

	iopf_group_response(gb, IOMMU_PAGE_RESP_FAILURE);
	KUNIT_EXPECT_TRUE(test, list_empty(&gb->pending_node));
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(b)->faults));
	iopf_group_response(ga, IOMMU_PAGE_RESP_INVALID);
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 2);
	iopf_expect_response(test, b, 0, 0, 9, IOMMU_PAGE_RESP_FAILURE);
	iopf_expect_response(test, a, 1, 0, 7, IOMMU_PAGE_RESP_INVALID);
	KUNIT_EXPECT_EQ(test, ctx->responses[1].last.flags, needs | LAST);
	KUNIT_EXPECT_EQ(test, ctx->responses[1].last.addr, 0x2000);
	KUNIT_EXPECT_EQ(test, a->mdev->responses, 1);
	KUNIT_EXPECT_EQ(test, b->mdev->responses, 1);
	iopf_free_group(ga);
	iopf_free_group(gb);
	KUNIT_EXPECT_EQ(test, iopf_users(a), 1);
	KUNIT_EXPECT_EQ(test, iopf_users(b), 1);
}

/*
 * A device leaving its queue gets "invalid" for every group still pending,
 * which the core frees, and loses its partial requests; a group its
 * handler took off the pending list stays the handler's, and answering it
 * afterwards sends nothing, since the driver has turned the device's
 * requests off.  The device's fault data lives until that group is freed.
 * Freeing a queue removes the devices still in it the same way.
 */
static void iopf_test_remove(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_PENDING);
	struct iommu_fault_param *param = iopf_param(fx);
	struct iopf_group *kept;

	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 1, 0x1000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 2, 0x2000), 0);
	fx->sink.mode = SINK_DEQUEUE;
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 3, 0x3000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, 0, 0, 4, 0x4000), 0);
	KUNIT_ASSERT_EQ(test, fx->sink.got, 3);
	kept = sink_take(test, &fx->sink, 2);
	/* the core frees the pending ones */
	fx->sink.kept[0] = NULL;
	fx->sink.kept[1] = NULL;
	KUNIT_EXPECT_EQ(test, list_count_nodes(&param->faults), 2);
	KUNIT_EXPECT_EQ(test, refcount_read(&param->users), 4);

	kunit_release_action(test, remove_device_action, fx);
	KUNIT_EXPECT_NULL(test, iopf_param(fx));
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 2);
	iopf_expect_response(test, fx, 0, 0, 1, IOMMU_PAGE_RESP_INVALID);
	iopf_expect_response(test, fx, 1, 0, 2, IOMMU_PAGE_RESP_INVALID);
	/* what is left of the fault data is the kept group's */
	KUNIT_EXPECT_NULL(test, param->queue);
	KUNIT_EXPECT_TRUE(test, list_empty(&param->faults));
	KUNIT_EXPECT_TRUE(test, list_empty(&param->partial));
	KUNIT_EXPECT_EQ(test, refcount_read(&param->users), 1);

	KUNIT_EXPECT_EQ(test, iopf_report(fx, LAST, 0, 5, 0x5000), -ENODEV);
	KUNIT_EXPECT_EQ(test, iopf_queue_flush_dev(fx->mdev->dev), -ENODEV);
	iopf_group_response(kept, IOMMU_PAGE_RESP_SUCCESS);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 2);
	iopf_free_group(kept);		/* and the fault data with it */

	/* back in the queue, then the queue goes with a group pending */
	fx->sink.mode = SINK_PENDING;
	KUNIT_ASSERT_EQ(test, iopf_queue_add_device(queue, fx->mdev->dev), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 6, 0x6000), 0);
	KUNIT_ASSERT_EQ(test, fx->sink.got, 4);
	fx->sink.kept[3] = NULL;
	kunit_release_action(test, queue_free_action, queue);
	KUNIT_EXPECT_NULL(test, iopf_param(fx));
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 3);
	iopf_expect_response(test, fx, 2, 0, 6, IOMMU_PAGE_RESP_INVALID);
}

/*
 * After the driver's hardware queue overflowed, every partial request of
 * the queue's devices is dropped: the requests that would have completed
 * them may be lost.  A request that ends a group afterwards comes alone.
 */
static void iopf_test_discard_partial(struct kunit *test)
{
	static const u64 alone[] = { 0x3000 };
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *a = iopf_test_device(test, queue, "a",
						  SINK_DEQUEUE);
	struct iopf_fixture *b = iopf_test_device(test, queue, "b",
						  SINK_DEQUEUE);
	struct iopf_group *group;

	KUNIT_ASSERT_EQ(test, iopf_report(a, 0, 0, 1, 0x1000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(a, 0, 0, 2, 0x1000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(b, 0, 0, 1, 0x2000), 0);
	KUNIT_EXPECT_EQ(test, iopf_queue_discard_partial(queue), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(a)->partial));
	KUNIT_EXPECT_TRUE(test, list_empty(&iopf_param(b)->partial));
	KUNIT_EXPECT_EQ(test, iopf_queue_discard_partial(NULL), -EINVAL);

	KUNIT_ASSERT_EQ(test, iopf_report(a, LAST, 0, 1, 0x3000), 0);
	KUNIT_ASSERT_EQ(test, a->sink.got, 1);
	group = sink_take(test, &a->sink, 0);
	iopf_expect_addrs(test, group, alone, ARRAY_SIZE(alone));
	iopf_group_response(group, IOMMU_PAGE_RESP_SUCCESS);
	iopf_free_group(group);
	KUNIT_EXPECT_EQ(test, ctx->nr_responses, 1);
	KUNIT_EXPECT_EQ(test, iopf_users(a), 1);
}

/*
 * A handler may answer from work on the queue's workqueue; flushing the
 * device waits for that work, and so does its removal, before it answers
 * what is still pending, so that no group is answered twice or freed
 * under the work.
 */
static void iopf_test_flush(struct kunit *test)
{
	struct mock_ctx *ctx = test->priv;
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_WORK);
	struct mock_dev *stray = mock_dev_probe(test, &mock_plain, "stray", 0);
	unsigned int first;

	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 1, 0x1000), 0);
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 2, 0x2000), 0);
	KUNIT_EXPECT_EQ(test, iopf_queue_flush_dev(fx->mdev->dev), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->sink.worked), 2);
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 2);
	/* The queue's work items may run, and answer, in either order. */
	first = ctx->responses[0].msg.grpid == 1 ? 0 : 1;
	iopf_expect_response(test, fx, first, 0, 1, IOMMU_PAGE_RESP_SUCCESS);
	iopf_expect_response(test, fx, !first, 0, 2, IOMMU_PAGE_RESP_SUCCESS);
	KUNIT_EXPECT_EQ(test, iopf_users(fx), 1);
	KUNIT_EXPECT_EQ(test, iopf_queue_flush_dev(stray->dev), -ENODEV);

	/* work still queued when the device leaves answers first */
	KUNIT_ASSERT_EQ(test, iopf_report(fx, LAST, 0, 3, 0x3000), 0);
	kunit_release_action(test, remove_device_action, fx);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->sink.worked), 3);
	KUNIT_ASSERT_EQ(test, ctx->nr_responses, 3);
	iopf_expect_response(test, fx, 2, 0, 3, IOMMU_PAGE_RESP_SUCCESS);
}

/*
 * A device is in one queue at a time, and only a device behind an IOMMU
 * whose driver can answer requests can be in one; the device's fault data
 * exists exactly while it is.
 */
static void iopf_test_add(struct kunit *test)
{
	struct iopf_queue *queue = iopf_test_queue(test);
	struct iopf_queue *other = iopf_test_queue(test);
	struct iopf_fixture *fx = iopf_test_device(test, queue, "dev",
						   SINK_PENDING);
	struct mock_dev *bare = mock_dev_create(test, NULL, "bare", 0);
	struct mock_dev *fresh = mock_dev_probe(test, &mock_user, "fresh", 0);

	KUNIT_EXPECT_EQ(test, iopf_queue_add_device(queue, fx->mdev->dev),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iopf_queue_add_device(other, fx->mdev->dev),
			-EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, iopf_param(fx)->queue, queue);
	KUNIT_EXPECT_EQ(test, iopf_queue_add_device(queue, bare->dev),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, iopf_queue_add_device(NULL, fresh->dev),
			-ENODEV);

	KUNIT_ASSERT_EQ(test, iopf_queue_add_device(other, fresh->dev), 0);
	KUNIT_EXPECT_NOT_NULL(test,
			      rcu_access_pointer(fresh->dev->iommu->fault_param));
	iopf_queue_remove_device(other, fresh->dev);
	KUNIT_EXPECT_NULL(test,
			  rcu_access_pointer(fresh->dev->iommu->fault_param));
}

static struct kunit_case iopf_test_cases[] = {
	KUNIT_CASE(iopf_test_single),
	KUNIT_CASE(iopf_test_partial),
	KUNIT_CASE(iopf_test_no_handler),
	KUNIT_CASE(iopf_test_response),
	KUNIT_CASE(iopf_test_remove),
	KUNIT_CASE(iopf_test_discard_partial),
	KUNIT_CASE(iopf_test_flush),
	KUNIT_CASE(iopf_test_add),
	{}
};

static struct kunit_suite iopf_test_suite = {
	.name = "iommu-iopf",
	.suite_init = mock_suite_init,
	.suite_exit = mock_suite_exit,
	.init = mock_test_init,
	.test_cases = iopf_test_cases,
};

kunit_test_suite(iopf_test_suite);

MODULE_DESCRIPTION("KUnit tests for I/O page faults, with a mock IOMMU driver");
MODULE_LICENSE("GPL");
