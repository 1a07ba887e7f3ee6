// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O page faults: the page requests of PCIe's Page Request Interface (PRI)
 * and of IOMMUs that work the same way.  A device that reaches an address
 * its domain does not map asks for the page instead of failing the access,
 * and waits until the request is answered.
 *
 * The IOMMU driver puts each device that may send requests in a queue of
 * its own (iopf_queue_add_device()) and passes every request it receives to
 * iommu_report_device_fault().  A device may send several requests as one
 * group: those that do not end their group (no LAST_PAGE flag) wait on the
 * device's partial list, and the one that does collects them, by group
 * index and PASID, into an &iopf_group.  The group goes to the iopf_handler
 * of the domain the device's group was attached to with an attach handle,
 * and waits on the device's pending list until the handler (or whoever it
 * passed the group to: iommufd hands it to user space) answers it with
 * iopf_group_response().  A group that no handler can take is answered
 * "invalid" at once, so that the device does not wait for ever.
 *
 * Lifetimes.  dev->iommu->fault_param is set and cleared under iopf_lock,
 * and the fault path reads it, and the group's attach handle, under
 * iommu_fault_srcu, which iopf_queue_remove_device() and the detach of a
 * handle wait out.  Each &iopf_group holds a reference on its device's
 * &iommu_fault_param, so that a handler can answer and free a group it
 * kept after the device has left its queue; the answer is then dropped,
 * since the driver has stopped the device's requests by that time.
 */
#define pr_fmt(fmt)	"iommu: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>

#include "iommu-priv.h"

/* Every queue's device list, and every device's fault_param pointer */
static DEFINE_MUTEX(iopf_lock);

static void iopf_param_put(struct iommu_fault_param *param)
{
	if (!refcount_dec_and_test(&param->users))
		return;
	/* Nothing can reach it now: no queue, no device, no group. */
	WARN_ON(!list_empty(&param->partial) || !list_empty(&param->faults));
	mutex_destroy(&param->lock);
	kfree(param);
}

/* A request with the PASID of @last, if any, and its group index */
static bool iopf_same_group(const struct iommu_fault_page_request *req,
			    const struct iommu_fault_page_request *last)
{
	u32 with_pasid = req->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;

	if (req->grpid != last->grpid ||
	    with_pasid != (last->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID))
		return false;
	return !with_pasid || req->pasid == last->pasid;
}

/*
 * Answer the group that @last ended, through the device's IOMMU driver.  A
 * device that has left its queue gets nothing: its driver turned its page
 * requests off, which also drops those it was waiting for.
 */
static void iopf_send(struct iommu_fault_param *param, struct iopf_fault *last,
		      enum iommu_page_response_code code)
{
	struct iommu_page_response msg = {
		.pasid = last->fault.prm.pasid,
		.grpid = last->fault.prm.grpid,
		.code = code,
	};

	lockdep_assert_held(&param->lock);
	if (param->queue)
		dev_iommu_ops(param->dev)->page_response(param->dev, last, &msg);
}

/* Free the requests on @list, which nothing else points to any more. */
static void iopf_free_faults(struct list_head *list,
			     struct iopf_fault *keep)
{
	struct iopf_fault *iopf, *next;

	list_for_each_entry_safe(iopf, next, list, list) {
		list_del(&iopf->list);
		if (iopf != keep)
			kfree(iopf);
	}
}

/* Take out the partial requests of the group that @last ends. */
static size_t iopf_collect_partial(struct iommu_fault_param *param,
				   const struct iopf_fault *last,
				   struct list_head *to)
{
	struct iopf_fault *iopf, *next;
	size_t n = 0;

	lockdep_assert_held(&param->lock);
	list_for_each_entry_safe(iopf, next, &param->partial, list) {
		if (!iopf_same_group(&iopf->fault.prm, &last->fault.prm))
			continue;
		list_move_tail(&iopf->list, to);
		n++;
	}
	return n;
}

/* A request that does not end its group waits for the one that does. */
static int iopf_add_partial(struct iommu_fault_param *param,
			    const struct iopf_fault *evt)
{
	struct iopf_fault *iopf = kmalloc(sizeof(*iopf), GFP_KERNEL);

	if (!iopf)
		return -ENOMEM;
	iopf->fault = evt->fault;
	mutex_lock(&param->lock);
	list_add_tail(&iopf->list, &param->partial);
	mutex_unlock(&param->lock);
	return 0;
}

/*
 * The group that @evt ends, with its partial requests in the order they
 * came and @evt last, pending for a handler.  Without memory for it, the
 * requests are answered "invalid" and dropped here.
 */
static struct iopf_group *iopf_group_new(struct iommu_fault_param *param,
					 const struct iopf_fault *evt)
{
	struct iopf_group *group = kzalloc(sizeof(*group), GFP_KERNEL);
	struct iopf_fault last = { .fault = evt->fault };
	LIST_HEAD(orphans);

	mutex_lock(&param->lock);
	if (!group) {
		iopf_collect_partial(param, &last, &orphans);
		iopf_send(param, &last, IOMMU_PAGE_RESP_INVALID);
		mutex_unlock(&param->lock);
		iopf_free_faults(&orphans, NULL);
		return NULL;
	}
	group->last_fault.fault = evt->fault;
	INIT_LIST_HEAD(&group->faults);
	INIT_LIST_HEAD(&group->node);
	group->fault_count = iopf_collect_partial(param, &group->last_fault,
						  &group->faults) + 1;
	list_add_tail(&group->last_fault.list, &group->faults);
	group->fault_param = param;
	refcount_inc(&param->users);
	list_add_tail(&group->pending_node, &param->faults);
	mutex_unlock(&param->lock);
	return group;
}

/*
 * Hand a complete group to the fault handler of the domain the device's
 * group is attached to.  The handle and its domain stay attached while we
 * are in iommu_fault_srcu's read side, handler included.
 */
static int iopf_deliver(struct iommu_fault_param *param,
			const struct iopf_fault *evt)
{
	const struct iommu_fault_page_request *prm = &evt->fault.prm;
	ioasid_t pasid = IOMMU_NO_PASID;
	struct iommu_attach_handle *handle;
	struct iopf_group *group;
	int ret;

	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&iommu_fault_srcu),
			 "page request delivered outside iommu_fault_srcu");
	group = iopf_group_new(param, evt);
	if (!group)
		return -ENOMEM;

	if (prm->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID)
		pasid = prm->pasid;
	handle = iommu_attach_handle_get(param->dev->iommu_group, pasid, 0);
	/*
	 * Where user space owns the PASID table, every PASID translates
	 * through the nested domain attached for the whole device, and its
	 * faults go to that domain's handler.
	 */
	if (IS_ERR(handle) && pasid != IOMMU_NO_PASID &&
	    dev_iommu_ops(param->dev)->user_pasid_table)
		handle = iommu_attach_handle_get(param->dev->iommu_group,
						 IOMMU_NO_PASID,
						 IOMMU_DOMAIN_NESTED);
	if (IS_ERR(handle) || !handle->domain || !handle->domain->iopf_handler) {
		dev_warn_ratelimited(param->dev,
				     "page request (PASID %#x, group %u) with no fault handler: answered invalid\n",
				     prm->pasid, prm->grpid);
		ret = -ENOENT;
		goto answer;
	}

	group->attach_handle = handle;
	ret = handle->domain->iopf_handler(group);
	/* On success the group is the handler's: it may be gone already. */
	if (!ret)
		return 0;
	dev_warn_ratelimited(param->dev,
			     "fault handler refused a page request (%pe): answered invalid\n",
			     ERR_PTR(ret));
answer:
	iopf_group_response(group, IOMMU_PAGE_RESP_INVALID);
	iopf_free_group(group);
	return ret;
}

/**
 * iommu_report_device_fault() - pass on a page request a device sent
 * @dev: the device, in an &iopf_queue
 * @evt: the request; copied, so the caller may reuse it
 *
 * For IOMMU drivers.  A request without IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE
 * is kept until the last request of its group (same group index, and same
 * PASID if it has one) arrives.  That one completes the group, which goes
 * to the iopf_handler of the domain attached, with an attach handle, to
 * @dev's group for the request's PASID (or without one); the handler
 * answers it later with iopf_group_response().  If there is no such
 * handler, it refuses the group, or memory runs out, the group is answered
 * IOMMU_PAGE_RESP_INVALID through the driver's page_response op at once.
 *
 * Context: process context, such as the driver's threaded interrupt
 * handler; sleeps.
 *
 * Return: 0 if the request was kept or handed to a handler; -ENOENT or
 * -ENOMEM if it was answered "invalid" instead (a request that does not
 * end its group needs no answer, and is dropped on -ENOMEM); -ENODEV if
 * @dev is in no queue, -EOPNOTSUPP if @evt is not a page request, in
 * which cases nothing was answered.
 */
int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt)
{
	struct iommu_fault_param *param = NULL;
	int idx, ret;

	might_sleep();
	if (evt->fault.type != IOMMU_FAULT_PAGE_REQ)
		return -EOPNOTSUPP;

	idx = srcu_read_lock(&iommu_fault_srcu);
	if (dev->iommu)
		param = srcu_dereference(dev->iommu->fault_param,
					 &iommu_fault_srcu);
	if (!param) {
		dev_warn_ratelimited(dev, "page request from a device in no fault queue\n");
		ret = -ENODEV;
	} else if (!(evt->fault.prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
		ret = iopf_add_partial(param, evt);
	} else {
		ret = iopf_deliver(param, evt);
	}
	srcu_read_unlock(&iommu_fault_srcu, idx);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_report_device_fault);

/**
 * iopf_group_response() - answer a group of page requests
 * @group: a group a fault handler got
 * @status: the answer
 *
 * The driver's page_response op gets @status with the PASID and group
 * index of the group's last request, and the group leaves the device's
 * pending list.  After the device left its queue nothing is sent.  The
 * caller still frees the group (iopf_free_group()).
 *
 * Context: process context; takes the device's fault mutex.
 */
void iopf_group_response(struct iopf_group *group,
			 enum iommu_page_response_code status)
{
	struct iommu_fault_param *param = group->fault_param;

	mutex_lock(&param->lock);
	iopf_send(param, &group->last_fault, status);
	list_del_init(&group->pending_node);
	mutex_unlock(&param->lock);
}
EXPORT_SYMBOL_GPL(iopf_group_response);

/**
 * iopf_group_dequeue() - take a group off its device's pending list
 * @group: a group the caller's fault handler got
 *
 * For a handler that keeps the group past its return (iommufd, until user
 * space answers): the group is then the handler's alone, to answer and to
 * free, and iopf_queue_remove_device() leaves it alone.  Nothing is sent.
 *
 * Context: process context; takes the device's fault mutex.
 */
void iopf_group_dequeue(struct iopf_group *group)
{
	struct iommu_fault_param *param = group->fault_param;

	mutex_lock(&param->lock);
	list_del_init(&group->pending_node);
	mutex_unlock(&param->lock);
}
EXPORT_SYMBOL_GPL(iopf_group_dequeue);

/**
 * iopf_free_group() - free a group of page requests
 * @group: the group, or NULL
 *
 * The group should have been answered; one that is still pending is
 * taken off the pending list, unanswered, with a warning.
 *
 * Context: process context; takes the device's fault mutex.
 */
void iopf_free_group(struct iopf_group *group)
{
	struct iommu_fault_param *param;
	bool pending;

	if (!group)
		return;
	param = group->fault_param;
	mutex_lock(&param->lock);
	pending = !list_empty(&group->pending_node);
	list_del_init(&group->pending_node);
	mutex_unlock(&param->lock);
	if (pending)
		dev_warn_ratelimited(param->dev, "page request group %u freed unanswered\n",
				     group->last_fault.fault.prm.grpid);

	iopf_free_faults(&group->faults, &group->last_fault);
	kfree(group);
	iopf_param_put(param);
}
EXPORT_SYMBOL_GPL(iopf_free_group);

/**
 * iopf_queue_flush_dev() - wait for the deferred work of a device's handlers
 * @dev: a device in a queue
 *
 * Reports are synchronous: when the driver has passed on every request it
 * received, each is on a partial list or with a handler already.  What is
 * left is the work handlers queued on the queue's workqueue, which has run
 * when this returns.  The caller keeps @dev in its queue meanwhile.
 *
 * Context: process context; sleeps.
 *
 * Return: 0, or -ENODEV if @dev is in no queue.
 */
int iopf_queue_flush_dev(struct device *dev)
{
	struct iommu_fault_param *param;
	struct iopf_queue *queue = NULL;
	int idx;

	idx = srcu_read_lock(&iommu_fault_srcu);
	if (dev->iommu) {
		param = srcu_dereference(dev->iommu->fault_param,
					 &iommu_fault_srcu);
		queue = param ? param->queue : NULL;
	}
	srcu_read_unlock(&iommu_fault_srcu, idx);
	/* Outside the read side: work may wait for its readers (a detach). */
	if (!queue)
		return -ENODEV;
	flush_workqueue(queue->wq);
	return 0;
}
EXPORT_SYMBOL_GPL(iopf_queue_flush_dev);

/**
 * iopf_queue_discard_partial() - drop the partial requests of a queue
 * @queue: the queue
 *
 * For a driver whose hardware queue of requests overflowed: the requests
 * that would have ended the waiting groups may be lost, so nobody would
 * ever complete them.  Requests that arrive later start groups afresh.
 *
 * Return: 0, or -EINVAL without a queue.
 */
int iopf_queue_discard_partial(struct iopf_queue *queue)
{
	struct iommu_fault_param *param;
	LIST_HEAD(dropped);

	if (!queue)
		return -EINVAL;
	mutex_lock(&iopf_lock);
	list_for_each_entry(param, &queue->devices, queue_list) {
		mutex_lock(&param->lock);
		list_splice_tail_init(&param->partial, &dropped);
		mutex_unlock(&param->lock);
	}
	mutex_unlock(&iopf_lock);
	iopf_free_faults(&dropped, NULL);
	return 0;
}
EXPORT_SYMBOL_GPL(iopf_queue_discard_partial);

/**
 * iopf_queue_add_device() - let a device's page requests be reported
 * @queue: the queue of the device's IOMMU
 * @dev: a device the IOMMU driver probed; its driver must have a
 *	page_response op
 *
 * The driver calls this before it enables page requests for @dev.
 *
 * Return: 0; -ENODEV without a queue or for a device behind no IOMMU;
 * -EOPNOTSUPP if its driver cannot answer requests; -EBUSY if @dev is in
 * a queue already; or -ENOMEM.
 */
int iopf_queue_add_device(struct iopf_queue *queue, struct device *dev)
{
	struct iommu_fault_param *param;
	int ret = 0;

	if (!queue || !dev_has_iommu(dev))
		return -ENODEV;
	if (!dev_iommu_ops(dev)->page_response)
		return -EOPNOTSUPP;
	param = kzalloc(sizeof(*param), GFP_KERNEL);
	if (!param)
		return -ENOMEM;
	param->dev = dev;
	param->queue = queue;
	mutex_init(&param->lock);
	INIT_LIST_HEAD(&param->partial);
	INIT_LIST_HEAD(&param->faults);
	refcount_set(&param->users, 1);

	mutex_lock(&iopf_lock);
	if (rcu_dereference_protected(dev->iommu->fault_param,
				      lockdep_is_held(&iopf_lock))) {
		ret = -EBUSY;
	} else {
		list_add_tail(&param->queue_list, &queue->devices);
		rcu_assign_pointer(dev->iommu->fault_param, param);
	}
	mutex_unlock(&iopf_lock);
	if (ret) {
		mutex_destroy(&param->lock);
		kfree(param);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(iopf_queue_add_device);

/**
 * iopf_queue_remove_device() - stop reporting a device's page requests
 * @queue: the queue iopf_queue_add_device() put @dev in
 * @dev: the device
 *
 * The driver first stops the device's requests reaching it, and passes on
 * those it had received; afterwards it may turn the device's requests off.
 * In between, this waits for reports of @dev still under way and for the
 * work handlers queued on @queue, answers IOMMU_PAGE_RESP_INVALID to every
 * group still pending and frees it, and drops the partial requests.
 * Groups a handler dequeued are the handler's to free; answering them
 * afterwards sends nothing.
 *
 * Context: process context; sleeps.  Not from a handler or a work item of
 * @queue, which this waits for.
 */
void iopf_queue_remove_device(struct iopf_queue *queue, struct device *dev)
{
	struct iommu_fault_param *param;
	struct iopf_group *group, *next;
	LIST_HEAD(answered);
	LIST_HEAD(partial);

	mutex_lock(&iopf_lock);
	param = dev->iommu ? rcu_dereference_protected(dev->iommu->fault_param,
						       lockdep_is_held(&iopf_lock)) : NULL;
	if (WARN_ON(!param || param->queue != queue)) {
		mutex_unlock(&iopf_lock);
		return;
	}
	list_del(&param->queue_list);
	RCU_INIT_POINTER(dev->iommu->fault_param, NULL);
	mutex_unlock(&iopf_lock);

	/* No report can find @param any more; those that did are over... */
	synchronize_srcu(&iommu_fault_srcu);
	/* ...and so is the work their handlers queued. */
	flush_workqueue(queue->wq);

	mutex_lock(&param->lock);
	list_splice_init(&param->partial, &partial);
	list_for_each_entry_safe(group, next, &param->faults, pending_node) {
		iopf_send(param, &group->last_fault, IOMMU_PAGE_RESP_INVALID);
		list_move_tail(&group->pending_node, &answered);
	}
	param->queue = NULL;
	mutex_unlock(&param->lock);

	iopf_free_faults(&partial, NULL);
	list_for_each_entry_safe(group, next, &answered, pending_node) {
		list_del_init(&group->pending_node);
		iopf_free_group(group);
	}
	iopf_param_put(param);
}
EXPORT_SYMBOL_GPL(iopf_queue_remove_device);

/**
 * iopf_queue_alloc() - make a queue for the devices of one IOMMU
 * @name: names the queue's workqueue
 *
 * Return: the queue, or NULL without memory.
 */
struct iopf_queue *iopf_queue_alloc(const char *name)
{
	struct iopf_queue *queue = kzalloc(sizeof(*queue), GFP_KERNEL);

	if (!queue)
		return NULL;
	INIT_LIST_HEAD(&queue->devices);
	/* Unbound: a handler's work may fault pages in, which takes time. */
	queue->wq = alloc_workqueue("iopf-%s", WQ_UNBOUND, 0, name);
	if (queue->wq)
		return queue;
	kfree(queue);
	return NULL;
}
EXPORT_SYMBOL_GPL(iopf_queue_alloc);

/**
 * iopf_queue_free() - free a queue
 * @queue: the queue, or NULL
 *
 * Devices still in it are removed first, as by iopf_queue_remove_device().
 *
 * Context: process context; sleeps.
 */
void iopf_queue_free(struct iopf_queue *queue)
{
	struct iommu_fault_param *param;
	struct workqueue_struct *wq;
	struct device *dev;

	if (!queue)
		return;
	for (;;) {
		mutex_lock(&iopf_lock);
		param = list_first_entry_or_null(&queue->devices,
						 struct iommu_fault_param,
						 queue_list);
		dev = param ? param->dev : NULL;
		mutex_unlock(&iopf_lock);
		if (!dev)
			break;
		iopf_queue_remove_device(queue, dev);
	}
	wq = queue->wq;
	kfree(queue);
	/* Idle by now: the removal of each device flushed it. */
	destroy_workqueue(wq);
}
EXPORT_SYMBOL_GPL(iopf_queue_free);
