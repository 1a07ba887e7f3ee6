// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the SMMUv3 command queue, on the model SMMU of
 * arm-smmu-v3-cmdq-model.c: a kernel thread on another CPU consumes the
 * driver's real queue.  The cases that need commands from several CPUs at
 * once queue them with smmu_cmdq_queue() while the model is paused, which
 * leaves the ring as several CPUs would, and wait for them afterwards.
 * Each case runs with CMD_SYNCs completing by CONS, by CONS with a
 * send-event (waiters in WFE) and by MSI write.
 */

#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>

#include <kunit/device.h>
#include <kunit/test.h>

#include "arm-smmu-v3-cmdq-model.h"

/* Eight entries: a handful of submissions wrap it */
#define SMMU_CMDQ_TEST_SHIFT		3
#define SMMU_CMDQ_TEST_ENTRIES		BIT(SMMU_CMDQ_TEST_SHIFT)
/* A CMD_SYNC takes long enough for producers to gather behind it */
#define SMMU_CMDQ_TEST_SYNC_NS		(20 * NSEC_PER_USEC)
/*
 * And long enough that a waiter always finds its CMD_SYNC in flight at its
 * first poll, however late the host runs the waiter's CPU: what the queue
 * learns from waiting then stays what it is on a slow SMMU.
 */
#define SMMU_CMDQ_TEST_SLOW_SYNC_NS	(100 * NSEC_PER_MSEC)
/* Long enough for a blocked producer to have overwritten the ring */
#define SMMU_CMDQ_TEST_SETTLE_MS	20

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- Fixture ---- */

/* How the model completes CMD_SYNCs, and so how the driver waits */
enum smmu_cmdq_test_mode {
	SMMU_CMDQ_TEST_CONS,
	SMMU_CMDQ_TEST_SEV,
	SMMU_CMDQ_TEST_MSI,
};

static const enum smmu_cmdq_test_mode smmu_cmdq_test_mode_list[] = {
	SMMU_CMDQ_TEST_CONS, SMMU_CMDQ_TEST_SEV, SMMU_CMDQ_TEST_MSI,
};

static void smmu_cmdq_test_mode_desc(const enum smmu_cmdq_test_mode *mode,
				     char *desc)
{
	static const char * const names[] = {
		[SMMU_CMDQ_TEST_CONS]	= "CONS",
		[SMMU_CMDQ_TEST_SEV]	= "SEV",
		[SMMU_CMDQ_TEST_MSI]	= "MSI",
	};

	strscpy(desc, names[*mode], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(smmu_cmdq_test_modes, smmu_cmdq_test_mode_list,
		  smmu_cmdq_test_mode_desc);

KUNIT_DEFINE_ACTION_WRAPPER(smmu_cmdq_test_destroy, smmu_model_destroy,
			    struct smmu_model *);

/*
 * A model on another CPU than the test's, and the test kept where it is:
 * the driver's waiters spin, and must not spin on the model's CPU.  Its
 * CMD_SYNCs take @sync_ns.
 */
static struct smmu_model *__smmu_cmdq_test_model(struct kunit *test,
						 bool paused, u64 sync_ns)
{
	const enum smmu_cmdq_test_mode *mode = test->param_value;
	struct smmu_model *m;
	struct device *dev;
	unsigned int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "the model needs a CPU of its own");
	dev = kunit_device_register(test, "smmu-cmdq-model");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	m = smmu_model_create(dev, SMMU_CMDQ_TEST_SHIFT,
			      mode && *mode == SMMU_CMDQ_TEST_MSI, sync_ns);
	KUNIT_ASSERT_NOT_NULL(test, m);
	if (mode && *mode == SMMU_CMDQ_TEST_SEV)
		m->smmu.features |= SMMU_FEAT_SEV;
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, smmu_cmdq_test_destroy,
						  m), 0);

	cpu = raw_smp_processor_id();
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);
	cpu = cpumask_any_but(cpu_online_mask, cpu);
	smmu_model_pause(m, paused);
	KUNIT_ASSERT_EQ(test, smmu_model_start(m, cpu), 0);
	return m;
}

static struct smmu_model *smmu_cmdq_test_model(struct kunit *test,
					       bool paused)
{
	return __smmu_cmdq_test_model(test, paused, SMMU_CMDQ_TEST_SYNC_NS);
}

/* TLBI_NH_ASID with @asid: the model's log tells them apart by it */
static void smmu_cmdq_test_cmds(struct smmu_cmd *cmds, unsigned int n,
				u16 first_asid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		smmu_cmd_tlbi_asid(&cmds[i], first_asid + i);
}

/* The ASIDs of the last @n commands the model carried out, in order */
static void smmu_cmdq_test_expect_log(struct kunit *test, struct smmu_model *m,
				      const u16 *asids, unsigned int n)
{
	unsigned long done = READ_ONCE(m->cmds);
	unsigned int i;

	KUNIT_ASSERT_GE(test, done, (unsigned long)n);
	for (i = 0; i < n; i++) {
		u64 w0 = m->log[(done - n + i) % SMMU_MODEL_LOG];

		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(SMMU_TLBI0_ASID, w0),
				    (u64)asids[i], "command %u of %u", i, n);
	}
}

/* CMD_SYNCs between sequence numbers @from and @to, as written */
static unsigned int smmu_cmdq_test_syncs_in(struct smmu_model *m, u64 from,
					    u64 to)
{
	struct smmu_queue *q = &m->smmu.cmdq.q;
	unsigned int n = 0;

	for (; from < to; from++)
		n += FIELD_GET(SMMU_CMD0_OPCODE,
			       le64_to_cpu(smmu_q_entry(q, (u32)from)[0])) ==
		     SMMU_OP_CMD_SYNC;
	return n;
}

/*
 * Everything is consumed, and the registers say so; without MSIs the
 * waiters' count of it too.  With SEV every CMD_SYNC written for a
 * submission sent an event.
 */
static void smmu_cmdq_test_expect_idle(struct kunit *test,
				       struct smmu_model *m)
{
	struct smmu_cmdq *cmdq = &m->smmu.cmdq;
	unsigned long sevs = 0;
	u32 pos, cons;

	KUNIT_EXPECT_EQ(test, smmu_cmdq_submit(&m->smmu, NULL, 0), 0);
	pos = smmu_q_pos(&cmdq->q, (u32)cmdq->tail);
	KUNIT_EXPECT_EQ(test, readl_relaxed(cmdq->q.prod_reg), pos);
	/* With MSIs the model may move CONS just after the last write */
	KUNIT_EXPECT_EQ(test, read_poll_timeout(readl_relaxed, cons,
						cons == pos, 10, USEC_PER_SEC,
						false, cmdq->q.cons_reg), 0);
	if (!cmdq->msi)
		KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&cmdq->cons_seq),
				cmdq->tail);
	/* The model counted before it moved CONS on. */
	smp_rmb();
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->bad_msi), 0UL);
	/* Those in place of refused commands are the driver's, and silent */
	if (m->smmu.features & SMMU_FEAT_SEV)
		sevs = READ_ONCE(m->syncs) - READ_ONCE(m->refused);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(m->sevs), sevs,
			    "CMD_SYNCs that signalled with a send-event");
	if (cmdq->msi)
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(*cmdq->msi),
				    (u32)cmdq->sync_seq,
				    "the last CMD_SYNC's MSI is not the last written");
}

/* ---- Cases ---- */

/*
 * One producer, many laps of an eight-entry ring: each submission is its
 * command and a CMD_SYNC, PROD and CONS wrap five times, and the commands
 * are carried out in order.
 */
static void smmu_cmdq_test_wrap(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, false);
	unsigned int i, n = 5 * SMMU_CMDQ_TEST_ENTRIES;
	u16 asids[SMMU_MODEL_LOG];
	struct smmu_cmd cmd;

	for (i = 0; i < n; i++) {
		smmu_cmdq_test_cmds(&cmd, 1, 100 + i);
		KUNIT_ASSERT_EQ_MSG(test, smmu_cmdq_submit(&m->smmu, &cmd, 1), 0,
				    "submission %u", i);
		asids[i % SMMU_MODEL_LOG] = 100 + i;
	}
	KUNIT_EXPECT_EQ(test, m->smmu.cmdq.tail, 2ULL * n);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->syncs), (unsigned long)n);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->cmds), (unsigned long)n);
	smmu_cmdq_test_expect_log(test, m, asids, min_t(unsigned int, n,
							SMMU_MODEL_LOG));
	smmu_cmdq_test_expect_idle(test, m);
}

/*
 * Three CPUs' batches while a CMD_SYNC is in flight: the first batch
 * gets its CMD_SYNC, the two behind it none; the first of them to wait
 * writes one CMD_SYNC for both, and the other uses it.
 */
static void smmu_cmdq_test_shared_sync(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, true);
	struct smmu_device *smmu = &m->smmu;
	static const u16 asids[] = { 1, 2, 3, 4 };
	struct smmu_cmd cmds[ARRAY_SIZE(asids)];
	u64 a, b, c, before_wait;

	smmu_cmdq_test_cmds(cmds, ARRAY_SIZE(asids), 1);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[0], 1, &a), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[1], 1, &b), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[2], 2, &c), 0);
	before_wait = smmu->cmdq.tail;
	KUNIT_EXPECT_EQ(test, before_wait, 5ULL);
	KUNIT_EXPECT_EQ_MSG(test, smmu_cmdq_test_syncs_in(m, 0, before_wait),
			    1U, "a CMD_SYNC behind a batch while one is in flight");

	smmu_model_pause(m, false);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, b), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, c), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, a), 0);
	KUNIT_EXPECT_EQ_MSG(test, smmu->cmdq.tail, before_wait + 1,
			    "the batches behind the first share one CMD_SYNC");
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->syncs), 2UL);
	smmu_cmdq_test_expect_log(test, m, asids, ARRAY_SIZE(asids));
	smmu_cmdq_test_expect_idle(test, m);
}

/*
 * Three CPUs, x, y and z, each waiting for its batch and coming back with
 * another.  The next CMD_SYNC waits for as many submissions after the last
 * completed as that one covered, not counting those that gathered behind
 * it while it was in flight: counting those too, the three would pair up,
 * each CMD_SYNC covering two batches.  A lone waiter stops waiting for the
 * others after a while, and on an SMMU whose CMD_SYNCs complete before
 * anyone waits for them nothing waits at all.
 */
static void smmu_cmdq_test_gather(struct kunit *test)
{
	struct smmu_model *m = __smmu_cmdq_test_model(test, true,
						      SMMU_CMDQ_TEST_SLOW_SYNC_NS);
	struct smmu_device *smmu = &m->smmu;
	struct smmu_cmdq *cmdq = &smmu->cmdq;
	u64 x, y, z, from;
	struct smmu_cmd cmd;

	smmu_cmd_tlbi_asid(&cmd, 1);
	/* x's batch gets a CMD_SYNC; y's gathers behind it. */
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &x), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &y), 0);
	smmu_model_pause(m, false);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_wait(smmu, x), 0);
	KUNIT_EXPECT_TRUE_MSG(test, READ_ONCE(cmdq->sync_waited),
			      "a CMD_SYNC the model took time over");

	/* x comes back: its CMD_SYNC covered one, so one is enough. */
	smmu_model_pause(m, true);
	from = cmdq->tail;
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &x), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail), 1U);
	/* z gathers behind the CMD_SYNC that covers y and x. */
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &z), 0);
	smmu_model_pause(m, false);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_wait(smmu, y), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_wait(smmu, x), 0);

	/* y comes back, and x is still on the way: no CMD_SYNC yet. */
	smmu_model_pause(m, true);
	from = cmdq->tail;
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &y), 0);
	KUNIT_EXPECT_EQ_MSG(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail),
			    0U, "a CMD_SYNC before the CPUs it released are back");
	/* x is back: one CMD_SYNC for z, y and x. */
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &x), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail), 1U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(cmdq->sync_batches), 3ULL);
	smmu_model_pause(m, false);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, z), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, y), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, x), 0);

	/* Only x comes back: it waits a while for the others, then writes. */
	from = cmdq->tail;
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &x), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail), 0U);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, x), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail), 1U);

	/* CMD_SYNCs that complete at once: a CMD_SYNC goes at once. */
	WRITE_ONCE(cmdq->sync_waited, false);
	from = cmdq->tail;
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmd, 1, &x), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_test_syncs_in(m, from, cmdq->tail), 1U);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, x), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->syncs), 5UL);
	smmu_cmdq_test_expect_idle(test, m);
}

/*
 * A refused command in the middle of the second of three batches that
 * share a CMD_SYNC: it is reported, counted and skipped, the commands
 * around it are carried out, and every batch completes.
 */
static void smmu_cmdq_test_shared_cerror(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, true);
	struct smmu_device *smmu = &m->smmu;
	static const u16 asids[] = { 1, 2, 4, 5 };
	struct smmu_cmd cmds[5];
	int errors = atomic_read(&smmu->cmdq.errors);
	u64 a, b, c;

	smmu_cmdq_test_cmds(cmds, ARRAY_SIZE(cmds), 1);
	cmds[2].w[0] = FIELD_PREP(SMMU_CMD0_OPCODE, SMMU_MODEL_OP_ILLEGAL);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[0], 1, &a), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[1], 3, &b), 0);
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, &cmds[4], 1, &c), 0);

	smmu_model_pause(m, false);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, c), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, b), 0);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, a), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->refused), 1UL);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&smmu->cmdq.errors), errors + 1,
			    "the refused command was not counted exactly once");
	/* Two CMD_SYNCs written, and one in place of the refused command */
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->syncs), 3UL);
	smmu_cmdq_test_expect_log(test, m, asids, ARRAY_SIZE(asids));
	smmu_cmdq_test_expect_idle(test, m);
}

struct smmu_cmdq_test_producer {
	struct smmu_device	*smmu;
	struct smmu_cmd		*cmds;
	unsigned int		n;
	unsigned int		batches;
	int			ret;
	struct completion	done;
};

static int smmu_cmdq_test_produce(void *data)
{
	struct smmu_cmdq_test_producer *p = data;
	unsigned int i;

	for (i = 0; i < p->batches && !p->ret; i++)
		p->ret = smmu_cmdq_submit(p->smmu, p->cmds, p->n);
	complete(&p->done);
	return 0;
}

static void smmu_cmdq_test_start(struct kunit *test,
				 struct smmu_cmdq_test_producer *p,
				 unsigned int cpu)
{
	struct task_struct *t;

	init_completion(&p->done);
	t = kthread_create(smmu_cmdq_test_produce, p, "smmu-cmdq-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, cpu);
	wake_up_process(t);
}

/* Looks at the ring from the model's CPU while the test is blocked */
struct smmu_cmdq_test_watch {
	struct smmu_model	*m;
	bool			submitted;
	bool			submitted_seen;
	u64			tail_seen;
	struct completion	done;
};

static int smmu_cmdq_test_watch(void *data)
{
	struct smmu_cmdq_test_watch *w = data;

	msleep(SMMU_CMDQ_TEST_SETTLE_MS);
	w->tail_seen = READ_ONCE(w->m->smmu.cmdq.tail);
	w->submitted_seen = READ_ONCE(w->submitted);
	smmu_model_pause(w->m, false);
	complete(&w->done);
	return 0;
}

/*
 * A full ring: a producer that needs more room than there is waits for
 * the SMMU without overwriting anything, then goes on once it consumes.
 */
static void smmu_cmdq_test_full(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, true);
	struct smmu_device *smmu = &m->smmu;
	static const u16 asids[] = { 1, 2, 3, 4, 5, 6, 10, 11, 12, 13 };
	struct smmu_cmdq_test_watch w = { .m = m };
	struct smmu_cmd first[6], second[4];
	struct task_struct *t;
	u64 a;

	smmu_cmdq_test_cmds(first, ARRAY_SIZE(first), 1);
	smmu_cmdq_test_cmds(second, ARRAY_SIZE(second), 10);
	/* Six commands and their CMD_SYNC: one entry left */
	KUNIT_ASSERT_EQ(test, smmu_cmdq_queue(smmu, first, 6, &a), 0);
	KUNIT_ASSERT_EQ(test, smmu->cmdq.tail, 7ULL);

	init_completion(&w.done);
	t = kthread_create(smmu_cmdq_test_watch, &w, "smmu-cmdq-watch");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, m->cpu);
	wake_up_process(t);

	KUNIT_EXPECT_EQ(test, smmu_cmdq_submit(smmu, second, 4), 0);
	WRITE_ONCE(w.submitted, true);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_FALSE_MSG(test, w.submitted_seen,
			       "a submission went through a full ring");
	KUNIT_EXPECT_EQ_MSG(test, w.tail_seen, 7ULL,
			    "commands written without room for them");
	KUNIT_EXPECT_EQ(test, smmu_cmdq_wait(smmu, a), 0);
	smmu_cmdq_test_expect_log(test, m, asids, ARRAY_SIZE(asids));
	smmu_cmdq_test_expect_idle(test, m);
}

/*
 * An SMMU that stops: the waiter gives up after SMMU_POLL_TIMEOUT_US with
 * -ETIMEDOUT, and the queue works again once the SMMU does.
 */
static void smmu_cmdq_test_timeout(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, true);
	struct smmu_cmd cmd;

	smmu_cmdq_test_cmds(&cmd, 1, 1);
	KUNIT_EXPECT_EQ(test, smmu_cmdq_submit(&m->smmu, &cmd, 1), -ETIMEDOUT);
	smmu_model_pause(m, false);
	smmu_cmdq_test_expect_idle(test, m);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->cmds), 1UL);
}

/*
 * Two CPUs submitting at once while CMD_SYNCs take their time: every
 * submission completes, every command is carried out once, and no
 * submission costs more than one CMD_SYNC.  How many CMD_SYNCs both share
 * depends on how the CPUs' timing falls (smmu_cmdq_test_shared_sync()
 * checks the sharing itself), so it is only reported.
 */
static void smmu_cmdq_test_producers(struct kunit *test)
{
	struct smmu_model *m = smmu_cmdq_test_model(test, false);
	struct smmu_cmdq_test_producer p[2] = {};
	struct smmu_cmd cmds[2][2];
	unsigned int i, cpu, batches = 200;

	if (num_online_cpus() < 3)
		kunit_skip(test, "two producers and the model need three CPUs");
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (cpu == m->cpu)
			cpu = cpumask_next(cpu, cpu_online_mask);
		smmu_cmdq_test_cmds(cmds[i], 2, 10 * (i + 1));
		p[i] = (struct smmu_cmdq_test_producer) {
			.smmu = &m->smmu, .cmds = cmds[i], .n = 2,
			.batches = batches,
		};
		smmu_cmdq_test_start(test, &p[i], cpu);
		cpu = cpumask_next(cpu, cpu_online_mask);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		wait_for_completion(&p[i].done);
		KUNIT_EXPECT_EQ_MSG(test, p[i].ret, 0, "producer %u", i);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->cmds), 2UL * 2 * batches);
	KUNIT_EXPECT_LE(test, READ_ONCE(m->syncs), 2UL * batches);
	kunit_info(test, "%lu CMD_SYNCs for %u submissions\n",
		   READ_ONCE(m->syncs), 2 * batches);
	smmu_cmdq_test_expect_idle(test, m);
}

static struct kunit_case smmu_cmdq_test_cases[] = {
	KUNIT_CASE_PARAM(smmu_cmdq_test_wrap, smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_shared_sync,
			 smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_gather,
			 smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_shared_cerror,
			 smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_full, smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_timeout,
			 smmu_cmdq_test_modes_gen_params),
	KUNIT_CASE_PARAM(smmu_cmdq_test_producers,
			 smmu_cmdq_test_modes_gen_params),
	{}
};

static struct kunit_suite smmu_cmdq_test_suite = {
	.name = "arm-smmu-v3-cmdq",
	.test_cases = smmu_cmdq_test_cases,
};

kunit_test_suite(smmu_cmdq_test_suite);

MODULE_DESCRIPTION("KUnit tests for the ARM SMMUv3 command queue");
MODULE_LICENSE("GPL");
