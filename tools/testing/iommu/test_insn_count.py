#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of how insn-count/step.py reads a single-stepped call.

step.py runs inside gdb and imports its module; here a stand-in module
lets the pure helpers be loaded without gdb.  Run directly or through make
check, which reports each case as harness.insn_count.<case>.
"""

import importlib.util
import os
import sys
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_step():
    sys.modules.setdefault('gdb', types.ModuleType('gdb'))
    path = os.path.join(HERE, 'insn-count', 'step.py')
    with open(path) as f:
        # Everything but the last line, which runs main() in gdb.
        source = f.read().rsplit('\nmain()', 1)[0]
    module = types.ModuleType('step')
    exec(compile(source, path, 'exec'), module.__dict__)
    return module


step = load_step()


def insn(pc, text):
    return f'=> {pc:#x} <f+{pc & 0xfff}>:\t{text}'


class JumpCacheSlotTest(unittest.TestCase):
    def test_slot_range(self):
        for pc in (0, 0xffff800080294c28, (1 << 64) - 4):
            self.assertLess(step.jump_cache_slot(pc), 4096)

    def test_pair_seen_colliding_under_qemu(self):
        # Both missed on every pass in a perf-probe of QEMU 7.2.
        self.assertEqual(step.jump_cache_slot(0xffff8000802a3d94),
                         step.jump_cache_slot(0xffff8000802a3e98))

    def test_neighbours_differ(self):
        self.assertNotEqual(step.jump_cache_slot(0xffff800080294c28),
                            step.jump_cache_slot(0xffff800080294c2c))


class LookupsTest(unittest.TestCase):
    def test_kinds_of_lookup(self):
        steps = [insn(0x1000, 'stp\tx29, x30, [sp, #-16]!'),
                 insn(0x1004, 'bl\t0x1100 <g>'),     # same page: chained
                 insn(0x1100, 'bl\t0x2200 <h>'),     # leaves the page
                 insn(0x2200, 'ret'),
                 insn(0x1104, 'msr\tdaifset, #0x3'),
                 insn(0x1108, 'b.eq\t0x1200'),       # taken, same page
                 insn(0x1200, 'cbz\tx0, 0x3000'),    # not taken
                 insn(0x1204, 'ret')]
        found = [s.split()[1] for s in step.lookups(steps)]
        self.assertEqual(found, ['0x1000', '0x2200', '0x1104', '0x1108'])

    def test_shared_slots_names_both_targets(self):
        a, b = 0xffff8000802a3d94, 0xffff8000802a3e98
        shared = step.shared_slots([insn(a, 'stp'), insn(b, 'mov'),
                                    insn(a, 'stp'), insn(0x1000, 'nop')])
        self.assertEqual(len(shared), 1)
        self.assertIn(f'{a:#x}', shared[0])
        self.assertIn(f'{b:#x}', shared[0])

    def test_no_shared_slots(self):
        self.assertEqual(step.shared_slots([insn(0x1000, 'nop'),
                                            insn(0x1000, 'nop')]), [])


if __name__ == '__main__':
    unittest.main()
