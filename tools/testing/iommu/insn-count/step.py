# SPDX-License-Identifier: GPL-2.0
"""gdb script: count the guest instructions of a few DMA API calls.

Run by insn-count.sh inside gdb-multiarch, attached to QEMU's gdbstub while
the guest runs dma_map_benchmark on one CPU.  For each function in
INSN_FUNCS it stops at the function's first instruction INSN_CALLS times
and single-steps until the call returns (pc back at the return address,
stack pointer back where it was), with QEMU's interrupts and timers held
off while stepping.  The last call counts: the first ones may still fill
caches and magazines.  Writes to INSN_OUT one line per function:

    FUNC insns=N ret=N bl=N blr=N daif=N excl=N barrier=N div=N funcs=A:n,B:n

and below it, indented, every instruction of that call as gdb shows it.
"""

import collections
import os
import re

import gdb

# What QEMU's TCG pays for beyond the instruction itself: returns and
# indirect calls look their target up, DAIF writes end the translation
# block, exclusives and barriers become host atomics and fences, and a
# divide is the host's slow divide.
KINDS = (('ret', r'\tret\b'), ('bl', r'\tbl\b'), ('blr', r'\tblr\b'),
         ('daif', r'\tmsr\s+daif'), ('excl', r'\t(ldx|stx|ldax|stlx)'),
         ('barrier', r'\t(dmb|dsb|isb)\b'), ('div', r'\t[su]div\b'))
MASK = (1 << 64) - 1


def reg(name):
    return int(gdb.parse_and_eval(name)) & MASK


def trace_call():
    """Single-step one call from its first instruction; its instructions."""
    ret, sp = reg('$x30'), reg('$sp')
    steps = []
    while reg('$pc') != ret or reg('$sp') != sp:
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
    with open(out, 'w') as f:
        for func in os.environ['INSN_FUNCS'].split(','):
            gdb.execute(f'hbreak *{func}', to_string=True)
            for _ in range(calls):
                gdb.execute('continue', to_string=True)
                steps = trace_call()
            gdb.execute('delete', to_string=True)
            f.write(summary(func, steps) + '\n')
            f.writelines(f'    {s}\n' for s in steps)
    gdb.execute('detach', to_string=True)


main()
