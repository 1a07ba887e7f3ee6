#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of make compare-iommufd's judgement and table.

Run directly (python3 test_compare.py) or through make check, which
reports each case as harness.compare.<case>.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import qemu  # noqa: E402


def boot(progs, end=True, extra=()):
    """A finished boot whose programs report the (name, ok) tests in
    @progs, {program: [(test, ok)]}."""
    lines = ['[    0.10] Booting Linux', '@@harness start check']
    for prog, tests in progs.items():
        lines.append(f'@@selftest begin {prog}')
        lines += ['TAP version 13', f'1..{len(tests)}']
        for i, (test, ok) in enumerate(tests, 1):
            lines.append(f'{"ok" if ok else "not ok"} {i} {test}')
        rc = 0 if all(ok for _, ok in tests) else 1
        lines.append(f'@@selftest end {prog} rc={rc} seconds=1')
    lines += list(extra)
    if end:
        lines.append('@@harness end')
    return qemu.Boot(lines, not end, 1.0, 'console.log')


GOOD = {'iommufd': [('a.b.c', True), ('a.b.d', True)],
        'iommufd_fail_nth': [('f.g', True)]}
BASE = {'iommufd': [('a.b.c', True), ('a.b.d', False)],
        'iommufd_fail_nth': [('f.g', True)]}


class CompareTest(unittest.TestCase):
    def test_counts_per_program(self):
        run = compare.judge_boot(boot(BASE), compare.PROGRAMS)
        self.assertEqual(compare.counts(run, 'iommufd'), (1, 1, 0))
        self.assertEqual(compare.counts(run, 'iommufd_fail_nth'), (1, 0, 0))
        self.assertEqual(run.problem, '')

    def test_failures_count_runs(self):
        runs = [compare.judge_boot(boot(BASE), compare.PROGRAMS),
                compare.judge_boot(boot(GOOD), compare.PROGRAMS),
                compare.judge_boot(boot(BASE), compare.PROGRAMS)]
        self.assertEqual(compare.failures(runs), {'iommufd.a.b.d': 2})

    def test_missing_program_is_a_failure(self):
        run = compare.judge_boot(boot({'iommufd': GOOD['iommufd']}),
                                 compare.PROGRAMS)
        self.assertEqual(compare.failures([run]),
                         {'iommufd_fail_nth': 1})

    def test_unfinished_or_dirty_boot_is_a_problem(self):
        run = compare.judge_boot(boot(GOOD, end=False), compare.PROGRAMS)
        self.assertIn('did not finish', run.problem)
        run = compare.judge_boot(
            boot(GOOD, extra=['[    9.00] WARNING: CPU: 0 PID: 1 at x']),
            compare.PROGRAMS)
        self.assertIn('WARNING', run.problem)

    def test_report_side_by_side(self):
        runs = {'ours': [compare.judge_boot(boot(GOOD), compare.PROGRAMS)],
                'base': [compare.judge_boot(boot(BASE), compare.PROGRAMS)]}
        text = compare.report(runs).splitlines()
        row = next(line for line in text if line.startswith('iommufd '))
        self.assertEqual(row.split(), ['iommufd', '2/0/0', '1/1/0'])
        self.assertIn('ours: every test passed in every run', text)
        self.assertIn('  failed in 1 of 1: iommufd.a.b.d', text)


if __name__ == '__main__':
    unittest.main()
