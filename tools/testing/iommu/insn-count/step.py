# SPDX-License-Identifier: GPL-2.0
"""gdb script: count the guest instructions of a few DMA API calls.

Run by insn-count.sh inside gdb-multiarch, attached to QEMU's gdbstub while
the guest runs dma_map_benchmark on one CPU.  For each function in
INSN_FUNCS it stops at the function's first instruction INSN_CALLS times
and single-steps until the call returns (pc back at the return address,
stack pointer back where it was), with QEMU's interrupts and timers held
off while stepping.  The last call counts: the first ones may still fill
caches and magazines.  Writes to INSN_OUT one line per function:

    FUNC insns=N ret=N bl=N blr=N daif=N excl=N barrier=N div=N lookups=N
        funcs=A:n,B:n

(on one line) and below it, indented, every instruction of that call as gdb
shows it.  A last line lists the jump-cache slots that two different
lookup targets of the traced calls share (see jump_cache_slot()), or says
there are none.
"""

import collections
import os
import re

import gdb

# What QEMU's TCG pays for beyond the instruction itself: returns and
# indirect calls look their target up, DAIF writes end the translation
# block, exclusives and barriers become host atomics and fences, and a
# divide is the host's slow divide.
DAIF_WRITE = r'\tmsr\s+daif'
KINDS = (('ret', r'\tret\b'), ('bl', r'\tbl\b'), ('blr', r'\tblr\b'),
         ('daif', DAIF_WRITE), ('excl', r'\t(ldx|stx|ldax|stlx)'),
         ('barrier', r'\t(dmb|dsb|isb)\b'), ('div', r'\t[su]div\b'))
MASK = (1 << 64) - 1
BRANCH = re.compile(r'\t(b|bl|b\.\w+|cbn?z|tbn?z)\s')
INDIRECT = re.compile(r'\t(ret|blr|br)\b')
PC = re.compile(r'0x([0-9a-f]+)')


def jump_cache_slot(pc):
    """The slot of QEMU 7.2's per-vCPU jump cache that caches @pc.

    tb_jmp_cache_hash_func() with 4096 slots and 4 KiB target pages: the
    page's bits 12-23 pick one of 64 groups, and the offset's bits 0-11,
    folded onto 6 bits, the slot in it.  Two targets of one page share a
    slot whenever their folded offsets are equal, 1 pair in 64.
    """
    mixed = pc ^ (pc >> 6)
    return ((mixed >> 6) & 0xfc0) | (mixed & 0x3f)


def lookups(steps):
    """The instructions TCG reaches by looking their address up.

    The call's entry (from kernel/dma/mapping.c, another page), the target
    of every return and indirect branch, of every direct branch that leaves
    its 4 KiB page (TCG chains only branches within a page), and the
    instruction after a DAIF write, which ends the translation block.
    """
    found = [steps[0]]
    for prev, step in zip(steps, steps[1:]):
        before, now = int(PC.search(prev)[1], 16), int(PC.search(step)[1], 16)
        if (INDIRECT.search(prev) or re.search(DAIF_WRITE, prev) or
                (BRANCH.search(prev) and now != before + 4 and
                 before >> 12 != now >> 12)):
            found.append(step)
    return found


def shared_slots(targets):
    """'slot: A | B' for each slot that two different targets share."""
    slots = collections.defaultdict(dict)
    for step in targets:
        pc = int(PC.search(step)[1], 16)
        slots[jump_cache_slot(pc)][pc] = step.split(':\t')[0].lstrip('=> ')
    return [f'{slot:#05x}: ' + ' | '.join(by_pc.values())
            for slot, by_pc in sorted(slots.items()) if len(by_pc) > 1]


def reg(name):
    return int(gdb.parse_and_eval(name)) & MASK


def trace_call():
    """Single-step one call from its first instruction; its instructions."""
    ret, sp = reg('$x30'), reg('$sp')
    steps, last = [], None
    while (pc := reg('$pc')) != ret or reg('$sp') != sp:
        # A stepi off a breakpoint can leave the pc where it was.
        if pc != last:
            last = pc
            steps.append(gdb.execute('x/i $pc', to_string=True).strip())
        if len(steps) > 100000:
            raise gdb.GdbError('no return after 100000 instructions')
        gdb.execute('stepi', to_string=True)
    return steps


def summary(func, steps):
    counts = {kind: sum(1 for s in steps if re.search(pat, s))
              for kind, pat in KINDS}
    funcs = collections.Counter()
    for s in steps:
        m = re.search(r'<([^+>]+)', s)
        if m:
            funcs[m.group(1)] += 1
    return (f'{func} insns={len(steps)} '
            + ' '.join(f'{k}={v}' for k, v in counts.items())
            + f' lookups={len(lookups(steps))}'
            + ' funcs=' + ','.join(f'{f}:{n}' for f, n in
                                   funcs.most_common()))


def main():
    out = os.environ['INSN_OUT']
    calls = int(os.environ.get('INSN_CALLS', '3'))
    gdb.execute('set pagination off')
    gdb.execute('set confirm off')
    gdb.execute('target remote ' + os.environ.get('INSN_GDBSTUB', ':1234'))
    # Hold off interrupts and timers while single-stepping (QEMU's gdbstub).
    gdb.execute('maint packet Qqemu.sstep=0x7', to_string=True)
    targets = []
    with open(out, 'w') as f:
        for func in os.environ['INSN_FUNCS'].split(','):
            gdb.execute(f'hbreak *{func}', to_string=True)
            for _ in range(calls):
                gdb.execute('continue', to_string=True)
                steps = trace_call()
            gdb.execute('delete', to_string=True)
            targets += lookups(steps)
            f.write(summary(func, steps) + '\n')
            f.writelines(f'    {s}\n' for s in steps)
        shared = shared_slots(targets)
        f.write('shared jump-cache slots: ' + ('; '.join(shared) or 'none')
                + '\n')
    gdb.execute('detach', to_string=True)


main()
