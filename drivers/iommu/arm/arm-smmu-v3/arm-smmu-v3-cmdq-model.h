/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A model SMMU for the command queue: memory for registers, a CPU for the
 * SMMU.  See arm-smmu-v3-cmdq-model.c.
 */
#ifndef _ARM_SMMU_V3_CMDQ_MODEL_H
#define _ARM_SMMU_V3_CMDQ_MODEL_H

#include <linux/types.h>

#include "arm-smmu-v3.h"

/* How many executed commands the model remembers, for tests */
#define SMMU_MODEL_LOG		64

/**
 * struct smmu_model - an SMMU that is a kernel thread
 * @smmu: what the driver's queue code sees; its registers are memory.
 * @regs: the register page.
 * @thread: the consumer, on its own CPU.
 * @cpu: that CPU.
 * @sync_ns: how long a CMD_SYNC takes to complete.
 * @paused: set to stop consuming (between two commands).
 * @syncs: CMD_SYNCs completed.
 * @sevs: of those, the ones that signalled with a send-event (CS=SEV).
 * @cmds: other commands carried out.
 * @refused: commands refused with CERROR_ILL.
 * @log: word 0 of the last %SMMU_MODEL_LOG commands carried out other
 *	than CMD_SYNC, oldest first from @cmds % %SMMU_MODEL_LOG.
 * @bad_msi: CMD_SYNCs whose MSI address was not the queue's.
 *
 * The counters are written by @thread only; read them with READ_ONCE().
 */
struct smmu_model {
	struct smmu_device	smmu;
	u32			*regs;
	struct task_struct	*thread;
	unsigned int		cpu;
	u64			sync_ns;
	bool			paused;
	unsigned long		syncs;
	unsigned long		sevs;
	unsigned long		cmds;
	unsigned long		refused;
	u64			log[SMMU_MODEL_LOG];
	unsigned long		bad_msi;
};

/* An opcode the model refuses, as hardware refuses one it does not know */
#define SMMU_MODEL_OP_ILLEGAL	0x7f

struct smmu_model *smmu_model_create(struct device *dev, unsigned int shift,
				     bool msi, u64 sync_ns);
int smmu_model_start(struct smmu_model *m, unsigned int cpu);
void smmu_model_pause(struct smmu_model *m, bool paused);
void smmu_model_destroy(struct smmu_model *m);

#endif /* _ARM_SMMU_V3_CMDQ_MODEL_H */
