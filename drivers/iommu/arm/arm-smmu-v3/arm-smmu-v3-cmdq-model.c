// SPDX-License-Identifier: GPL-2.0-only
/*
 * A model SMMU for the command queue, and a benchmark on it.
 *
 * QEMU's SMMUv3 carries out commands inside the guest's write to PROD, so
 * a CMD_SYNC there costs nothing and nothing waits for one.  On hardware a
 * CMD_SYNC completes only once every TLB the invalidations before it went
 * to has answered, which takes microseconds.  The model is the driver's own
 * command queue with its registers in memory, consumed by a kernel thread
 * on a CPU of its own that takes @sync_ns for every CMD_SYNC.  It refuses
 * an opcode it does not know as hardware does (CERROR_ILL, then waits for
 * GERRORN), and completes CMD_SYNCs by MSI write or by moving CONS, with
 * a send-event where the CMD_SYNC asks for one.
 *
 * The KUnit suite "arm-smmu-v3-cmdq" builds its cases on it.  The
 * benchmark in iommu/arm-smmu-v3/cmdq-model-bench (debugfs) runs strict
 * 1-page unmaps from 1 to 3 CPUs against it: each a map and an unmap in an
 * LPAE table of the CPU's own, the TLBI for the page and the wait for its
 * CMD_SYNC.  It runs the queue as it is ("shared") or as it was before
 * CMD_SYNCs were shared ("serial": one lock held from writing the commands
 * until their CMD_SYNC completed), and reports the batches done and the
 * CMD_SYNCs the model completed.  A CMD_SYNC there takes a multiple of the
 * CPU time of a whole batch, submission and wait included, timed against
 * the model with CMD_SYNCs that take none: on hardware too a CMD_SYNC is
 * a multiple of what its CPU spends on a batch, and under emulation the
 * submission costs more than the map and unmap.
 */

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "arm-smmu-v3-cmdq-model.h"

/* ==== The model ==== */

/*
 * Registers are memory here.  Acquire and release stand for what the
 * hardware guarantees: a command is read after the PROD that covers it,
 * and CONS moves on after the command was read.
 */
static u32 smmu_model_reg(struct smmu_model *m, u32 offset)
{
	/* Acquire: see above */
	return smp_load_acquire(&m->regs[offset / sizeof(u32)]);
}

static void smmu_model_set_reg(struct smmu_model *m, u32 offset, u32 val)
{
	/* Release: see above */
	smp_store_release(&m->regs[offset / sizeof(u32)], val);
}

/* Busy, as the SMMU is: the time goes by whether anyone looks or not. */
static void smmu_model_busy(struct smmu_model *m, u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end && !kthread_should_stop())
		cpu_relax();
}

static void smmu_model_complete_sync(struct smmu_model *m, u64 w0, u64 w1)
{
	struct smmu_cmdq *cmdq = &m->smmu.cmdq;

	smmu_model_busy(m, m->sync_ns);
	switch (FIELD_GET(SMMU_SYNC0_CS, w0)) {
	case SMMU_SYNC_CS_IRQ:
		if (!cmdq->msi || (w1 & SMMU_SYNC1_MSIADDR) != cmdq->msi_dma) {
			WRITE_ONCE(m->bad_msi, m->bad_msi + 1);
			break;
		}
		/* Release: the wait was over before the write */
		smp_store_release(cmdq->msi, FIELD_GET(SMMU_SYNC0_MSIDATA, w0));
		break;
	case SMMU_SYNC_CS_SEV:
		WRITE_ONCE(m->sevs, m->sevs + 1);
		sev();
		break;
	}
	WRITE_ONCE(m->syncs, m->syncs + 1);
}

/*
 * Refuse the command at @cons: flag it in CONS and GERROR, and wait until
 * software acknowledges in GERRORN.  It will have replaced the command.
 */
static void smmu_model_refuse(struct smmu_model *m, u32 cons)
{
	u32 gerror = smmu_model_reg(m, SMMU_GERROR) ^ SMMU_GERROR_CMDQ_ERR;

	smmu_model_set_reg(m, SMMU_CMDQ_CONS, cons |
			   FIELD_PREP(SMMU_CMDQ_CONS_ERR, SMMU_CERROR_ILL));
	smmu_model_set_reg(m, SMMU_GERROR, gerror);
	WRITE_ONCE(m->refused, m->refused + 1);
	while (((smmu_model_reg(m, SMMU_GERRORN) ^ gerror) &
		SMMU_GERROR_CMDQ_ERR) && !kthread_should_stop())
		cpu_relax();
	smmu_model_set_reg(m, SMMU_CMDQ_CONS, cons);
}

/* Carry out the command at @cons; false if it was refused. */
static bool smmu_model_execute(struct smmu_model *m, u32 cons)
{
	const __le64 *slot = smmu_q_entry(&m->smmu.cmdq.q, cons);
	u64 w0 = le64_to_cpu(READ_ONCE(slot[0]));
	u64 w1 = le64_to_cpu(READ_ONCE(slot[1]));

	switch (FIELD_GET(SMMU_CMD0_OPCODE, w0)) {
	case SMMU_OP_CMD_SYNC:
		smmu_model_complete_sync(m, w0, w1);
		return true;
	case SMMU_OP_CFGI_STE:
	case SMMU_OP_CFGI_ALL:
	case SMMU_OP_TLBI_NH_ALL:
	case SMMU_OP_TLBI_NH_ASID:
	case SMMU_OP_TLBI_NH_VA:
	case SMMU_OP_TLBI_EL2_ALL:
	case SMMU_OP_TLBI_NSNH_ALL:
		m->log[m->cmds % SMMU_MODEL_LOG] = w0;
		WRITE_ONCE(m->cmds, m->cmds + 1);
		return true;
	default:
		smmu_model_refuse(m, cons);
		return false;
	}
}

static int smmu_model_thread(void *data)
{
	struct smmu_model *m = data;
	struct smmu_queue *q = &m->smmu.cmdq.q;
	unsigned int idle = 0;
	u32 cons = 0;

	while (!kthread_should_stop()) {
		u32 prod = smmu_q_pos(q, smmu_model_reg(m, SMMU_CMDQ_PROD));

		if (READ_ONCE(m->paused) || prod == cons) {
			if (!(++idle % 1024))
				cond_resched();
			cpu_relax();
			continue;
		}
		if (!smmu_model_execute(m, cons))
			continue;	/* again, with what replaced it */
		cons = smmu_q_advance(q, cons, 1);
		/* Release: we read the command before software may reuse it */
		smmu_model_set_reg(m, SMMU_CMDQ_CONS, cons);
	}
	return 0;
}

/**
 * smmu_model_create() - build a model SMMU, not yet consuming
 * @dev: the device its messages are about.
 * @shift: log2 of the entries of its command queue.
 * @msi: complete CMD_SYNCs by MSI write rather than by CONS alone.
 * @sync_ns: how long each CMD_SYNC takes.
 *
 * Return: the model, or NULL without memory.
 */
struct smmu_model *smmu_model_create(struct device *dev, unsigned int shift,
				     bool msi, u64 sync_ns)
{
	struct smmu_model *m = kzalloc(sizeof(*m), GFP_KERNEL);
	struct smmu_cmdq *cmdq;

	if (!m)
		return NULL;
	cmdq = &m->smmu.cmdq;
	m->regs = (u32 *)get_zeroed_page(GFP_KERNEL);
	cmdq->q.base = kcalloc(SMMU_CMD_WORDS << shift, sizeof(__le64),
			       GFP_KERNEL);
	if (msi)
		cmdq->msi = kzalloc(sizeof(*cmdq->msi), GFP_KERNEL);
	if (!m->regs || !cmdq->q.base || (msi && !cmdq->msi)) {
		smmu_model_destroy(m);
		return NULL;
	}

	m->smmu.dev = dev;
	m->smmu.base = (void __iomem __force *)m->regs;
	if (msi) {
		m->smmu.features = SMMU_FEAT_MSI | SMMU_FEAT_COHERENT;
		cmdq->msi_dma = virt_to_phys(cmdq->msi);
	}
	raw_spin_lock_init(&cmdq->lock);
	cmdq->q.shift = shift;
	cmdq->q.entry_words = SMMU_CMD_WORDS;
	cmdq->q.prod_reg = m->smmu.base + SMMU_CMDQ_PROD;
	cmdq->q.cons_reg = m->smmu.base + SMMU_CMDQ_CONS;
	smmu_cmdq_rewind(cmdq);
	m->sync_ns = sync_ns;
	return m;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_model_create);

/**
 * smmu_model_start() - start consuming
 * @m: the model.
 * @cpu: the CPU it runs on, which nothing else should need meanwhile.
 *
 * Return: 0, or the error of creating its thread.
 */
int smmu_model_start(struct smmu_model *m, unsigned int cpu)
{
	struct task_struct *t;

	t = kthread_create(smmu_model_thread, m, "smmu-model/%u", cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	m->thread = t;
	m->cpu = cpu;
	wake_up_process(t);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smmu_model_start);

/**
 * smmu_model_pause() - stop or resume consuming, between two commands
 * @m: the model.
 * @paused: stop if true.
 */
void smmu_model_pause(struct smmu_model *m, bool paused)
{
	WRITE_ONCE(m->paused, paused);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_model_pause);

/**
 * smmu_model_destroy() - stop a model and free it
 * @m: the model, or NULL.
 */
void smmu_model_destroy(struct smmu_model *m)
{
	if (!m)
		return;
	if (m->thread)
		kthread_stop(m->thread);
	kfree(m->smmu.cmdq.msi);
	kfree(m->smmu.cmdq.q.base);
	free_page((unsigned long)m->regs);
	kfree(m);
}
EXPORT_SYMBOL_IF_KUNIT(smmu_model_destroy);

/* ==== The benchmark ==== */

#define SMMU_BENCH_MAX_PRODUCERS	3
#define SMMU_BENCH_IOVA			SZ_1G
/*
 * The work of a batch is timed over SMMU_BENCH_CALIBRATE of them, a whole
 * batch over SMMU_BENCH_CALIBRATE_MS of one producer's: the fastest of
 * SMMU_BENCH_CALIBRATE_ROUNDS rounds each.
 */
#define SMMU_BENCH_CALIBRATE		2000
#define SMMU_BENCH_CALIBRATE_MS		20
#define SMMU_BENCH_CALIBRATE_ROUNDS	5

/**
 * struct smmu_bench - one run of the benchmark
 * @m: the model SMMU.
 * @serial: hold @serial_lock over each whole submission, as before.
 * @serial_lock: see @serial.
 * @ready: producers that have their page table.
 * @go: set when all are ready.
 * @stop: set when the time is up.
 * @batches: per producer, strict unmaps done.
 * @errors: per producer, failed maps, unmaps or submissions.
 */
struct smmu_bench {
	struct smmu_model	*m;
	bool			serial;
	raw_spinlock_t		serial_lock;
	atomic_t		ready;
	bool			go;
	bool			stop;
	unsigned long		batches[SMMU_BENCH_MAX_PRODUCERS];
	unsigned long		errors[SMMU_BENCH_MAX_PRODUCERS];
};

static void smmu_bench_no_flush(void *cookie)
{
}

static void smmu_bench_no_walk(unsigned long iova, size_t size,
			       size_t leaf_size, void *cookie)
{
}

static void smmu_bench_no_page(struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t leaf_size,
			       void *cookie)
{
}

/* The producers send their own TLBIs, to the model. */
static const struct iommu_flush_ops smmu_bench_flush_ops = {
	.tlb_flush_all	= smmu_bench_no_flush,
	.tlb_flush_walk	= smmu_bench_no_walk,
	.tlb_add_page	= smmu_bench_no_page,
};

static struct io_pgtable_ops *smmu_bench_table(struct io_pgtable_cfg *cfg)
{
	*cfg = (struct io_pgtable_cfg) {
		.tlb		= &smmu_bench_flush_ops,
		.pgsize_bitmap	= SZ_4K | SZ_2M | SZ_1G,
		.ias		= 48,
		.oas		= 48,
		.coherent_walk	= true,
	};
	return alloc_io_pgtable_ops(ARM_64_LPAE_S1, cfg, NULL);
}

/*
 * One strict 1-page unmap, less the IOVA and DMA layers: map a page, unmap
 * it and, if @submit, invalidate it and wait.  Returns 0 or an error.
 */
static int smmu_bench_batch(struct smmu_bench *b, struct io_pgtable_ops *ops,
			    u16 asid, bool submit)
{
	struct smmu_tlbi_range r = {
		.asid = asid, .iova = SMMU_BENCH_IOVA, .granules = 1,
		.granule_shift = PAGE_SHIFT, .leaf_shift = PAGE_SHIFT,
	};
	struct iommu_iotlb_gather gather = {};
	struct smmu_device *smmu;
	struct smmu_cmd cmd;
	unsigned long flags;
	size_t mapped = 0;
	int ret;

	ret = ops->map_pages(ops, SMMU_BENCH_IOVA, PAGE_SIZE, PAGE_SIZE, 1,
			     IOMMU_READ | IOMMU_WRITE, GFP_KERNEL, &mapped);
	if (ret)
		return ret;
	if (ops->unmap_pages(ops, SMMU_BENCH_IOVA, PAGE_SIZE, 1, &gather) !=
	    PAGE_SIZE)
		return -EIO;
	if (smmu_tlbi_range_cmds(&r, &cmd, 1) != 1)
		return -EIO;
	if (!submit)
		return 0;
	smmu = &b->m->smmu;
	if (!b->serial)
		return smmu_cmdq_submit(smmu, &cmd, 1);

	raw_spin_lock_irqsave(&b->serial_lock, flags);
	ret = smmu_cmdq_submit(smmu, &cmd, 1);
	raw_spin_unlock_irqrestore(&b->serial_lock, flags);
	return ret;
}

struct smmu_bench_producer {
	struct smmu_bench	*b;
	unsigned int		id;
	struct completion	done;
};

static int smmu_bench_producer(void *data)
{
	struct smmu_bench_producer *p = data;
	struct smmu_bench *b = p->b;
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;

	ops = smmu_bench_table(&cfg);
	atomic_inc(&b->ready);
	if (!ops) {
		b->errors[p->id]++;
		goto out;
	}
	/*
	 * Whoever started the run may share this CPU, and without preemption
	 * gets it back only here: to say go, and to say stop.
	 */
	while (!READ_ONCE(b->go))
		cond_resched();
	while (!READ_ONCE(b->stop)) {
		if (smmu_bench_batch(b, ops, p->id + 1, true))
			b->errors[p->id]++;
		else
			b->batches[p->id]++;
		cond_resched();
	}
	free_io_pgtable_ops(ops);
out:
	complete(&p->done);
	return 0;
}

/*
 * Nanoseconds of CPU work in one batch, without its submission: the fastest
 * of a few rounds, the first of which is mostly the cold start.  Timed once
 * a boot, and reported only: it shows how much of a batch is its
 * submission.
 */
static u64 smmu_bench_work_ns(void)
{
	struct smmu_bench b = {};
	static u64 work_ns;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;
	u64 start, ns;
	int round, i;

	if (work_ns)
		return work_ns;
	ops = smmu_bench_table(&cfg);
	if (!ops)
		return 0;
	for (round = 0; round < SMMU_BENCH_CALIBRATE_ROUNDS; round++) {
		start = ktime_get_ns();
		for (i = 0; i < SMMU_BENCH_CALIBRATE; i++)
			smmu_bench_batch(&b, ops, 1, false);
		ns = div_u64(ktime_get_ns() - start, SMMU_BENCH_CALIBRATE);
		if (!work_ns || ns < work_ns)
			work_ns = ns;
	}
	free_io_pgtable_ops(ops);
	return work_ns;
}

/**
 * struct smmu_bench_params - what one run is asked for
 * @producers: CPUs submitting, from CPU 0 on.
 * @serial: the queue as before CMD_SYNCs were shared.
 * @ratio: a CMD_SYNC takes this many times the CPU time of a batch.
 * @ms: how long to run.
 * @msi: CMD_SYNCs complete by MSI write.
 */
struct smmu_bench_params {
	unsigned int	producers;
	bool		serial;
	unsigned int	ratio;
	unsigned int	ms;
	bool		msi;
};

/**
 * struct smmu_bench_counts - what one run did
 * @elapsed_ns: from go to the last producer's stop.
 * @batches: strict unmaps done, all producers.
 * @syncs: CMD_SYNCs the model completed.
 * @errors: failed batches, all producers.
 * @refused: commands the model refused.
 */
struct smmu_bench_counts {
	u64		elapsed_ns;
	unsigned long	batches;
	unsigned long	syncs;
	unsigned long	errors;
	unsigned long	refused;
};

static char smmu_bench_result[256];
static DEFINE_MUTEX(smmu_bench_mutex);

/* Run @prm once against a model taking @sync_ns per CMD_SYNC. */
static int smmu_bench_once(const struct smmu_bench_params *prm, u64 sync_ns,
			   struct smmu_bench_counts *c)
{
	struct smmu_bench_producer p[SMMU_BENCH_MAX_PRODUCERS] = {};
	unsigned int model_cpu = num_online_cpus() - 1, i;
	struct smmu_bench *b;
	struct device *dev;
	u64 start;
	int ret = 0;

	if (model_cpu < prm->producers)
		return -ENODEV;	/* a CPU each, and one for the model */

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	dev = root_device_register("smmu-model");
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto free;
	}
	b->m = smmu_model_create(dev, 8, prm->msi, sync_ns);
	if (!b->m) {
		ret = -ENOMEM;
		goto unregister;
	}
	b->serial = prm->serial;
	raw_spin_lock_init(&b->serial_lock);
	ret = smmu_model_start(b->m, model_cpu);
	if (ret)
		goto destroy;

	for (i = 0; i < prm->producers; i++) {
		struct task_struct *t;

		p[i].b = b;
		p[i].id = i;
		init_completion(&p[i].done);
		t = kthread_create(smmu_bench_producer, &p[i], "smmu-bench/%u",
				   i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			p[i].b = NULL;
			break;
		}
		kthread_bind(t, i);
		wake_up_process(t);
	}
	while (!ret && atomic_read(&b->ready) < prm->producers)
		cond_resched();

	start = ktime_get_ns();
	WRITE_ONCE(b->go, true);
	if (!ret)
		msleep(prm->ms);
	WRITE_ONCE(b->stop, true);
	for (i = 0; i < prm->producers && p[i].b; i++)
		wait_for_completion(&p[i].done);

	*c = (struct smmu_bench_counts) {
		.elapsed_ns	= ktime_get_ns() - start,
		.syncs		= READ_ONCE(b->m->syncs),
		.refused	= READ_ONCE(b->m->refused),
	};
	for (i = 0; i < prm->producers; i++) {
		c->batches += b->batches[i];
		c->errors += b->errors[i];
	}
destroy:
	smmu_model_destroy(b->m);
unregister:
	root_device_unregister(dev);
free:
	kfree(b);
	return ret;
}

/*
 * Nanoseconds of CPU time in one batch: one producer's batches against an
 * SMMU that takes no time for a CMD_SYNC, the fastest of a few rounds.
 * That is everything a CPU does for a strict unmap (the work, writing the
 * commands, seeing the CMD_SYNC complete), so a CMD_SYNC latency set as a
 * multiple of it stands in the same relation to the CPU as on hardware,
 * however much slower than silicon this CPU runs.  Timed once a boot, so
 * that all the runs of a boot compare at the same latencies.
 */
static int smmu_bench_batch_ns(u64 *batch_ns)
{
	static const struct smmu_bench_params prm = {
		.producers = 1, .ms = SMMU_BENCH_CALIBRATE_MS,
	};
	static u64 timed;
	struct smmu_bench_counts c;
	u64 fastest = U64_MAX;
	int round, ret;

	if (timed)
		goto out;
	for (round = 0; round < SMMU_BENCH_CALIBRATE_ROUNDS; round++) {
		ret = smmu_bench_once(&prm, 0, &c);
		if (ret)
			return ret;
		if (c.errors || !c.batches)
			return -EIO;
		fastest = min(fastest, div_u64(c.elapsed_ns, c.batches));
	}
	timed = fastest;
out:
	*batch_ns = timed;
	return 0;
}

static int smmu_bench_run(const struct smmu_bench_params *prm)
{
	struct smmu_bench_counts c;
	u64 work_ns, batch_ns;
	int ret;

	if (prm->producers < 1 || prm->producers > SMMU_BENCH_MAX_PRODUCERS ||
	    !prm->ms || prm->ms > 60000 || !prm->ratio || prm->ratio > 1000)
		return -EINVAL;

	work_ns = smmu_bench_work_ns();
	ret = smmu_bench_batch_ns(&batch_ns);
	if (ret)
		return ret;
	ret = smmu_bench_once(prm, batch_ns * prm->ratio, &c);
	if (ret)
		return ret;
	snprintf(smmu_bench_result, sizeof(smmu_bench_result),
		 "producers %u design %s msi %u ratio %u work_ns %llu batch_ns %llu sync_ns %llu elapsed_ns %llu batches %lu syncs %lu errors %lu refused %lu\n",
		 prm->producers, prm->serial ? "serial" : "shared", prm->msi,
		 prm->ratio, work_ns, batch_ns, batch_ns * prm->ratio,
		 c.elapsed_ns, c.batches, c.syncs, c.errors, c.refused);
	return 0;
}

/*
 * Write "producers N design serial|shared ratio R ms M [msi]" to run;
 * read the last run's figures.
 */
static ssize_t smmu_bench_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct smmu_bench_params prm = { .ms = 1000, .ratio = 4 };
	char buf[128], design[8] = "shared", msi[4] = "";
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "producers %u design %7s ratio %u ms %u %3s",
		   &prm.producers, design, &prm.ratio, &prm.ms, msi) < 4)
		return -EINVAL;
	if (!strcmp(design, "serial"))
		prm.serial = true;
	else if (strcmp(design, "shared"))
		return -EINVAL;
	prm.msi = !strcmp(msi, "msi");

	scoped_guard(mutex, &smmu_bench_mutex)
		ret = smmu_bench_run(&prm);
	return ret ?: count;
}

static ssize_t smmu_bench_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	guard(mutex)(&smmu_bench_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, smmu_bench_result,
				       strlen(smmu_bench_result));
}

/* Built in (the option is a bool), so no module owns it. */
static const struct file_operations smmu_bench_fops = {
	.write	= smmu_bench_write,
	.read	= smmu_bench_read,
	.llseek	= default_llseek,
};

/**
 * smmu_model_debugfs_init() - add the benchmark's file
 * @root: the driver's directory, iommu/arm-smmu-v3/ in debugfs.
 */
void smmu_model_debugfs_init(struct dentry *root)
{
	debugfs_create_file("cmdq-model-bench", 0600, root, NULL,
			    &smmu_bench_fops);
}
