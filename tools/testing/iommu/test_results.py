#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of results.py: results files, and the KUnit and kselftest
results read from (K)TAP with the base tree's kunit_parser.

The base tree must be unpacked (make base-src); make check does that before
it runs these.  Run directly (python3 test_results.py) or through make
check, which reports each case as harness.results.<case>.
"""

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402


def judged(results_):
    return {r.name: (r.status, r.detail) for r in results_.items}


class ResultsTest(unittest.TestCase):
    def test_second_boot_is_named_apart(self):
        found = results.Results()
        found.add(True, 'kunit.iova.case')
        found.prefix = 'lazy.'
        found.add(False, 'kunit.iova.case', 'why')
        self.assertEqual([r.name for r in found.items],
                         ['kunit.iova.case', 'lazy.kunit.iova.case'])

    def test_a_file_reads_back_as_written(self):
        found = results.Results()
        found.add(True, 'a.b')
        found.add(False, 'a.c', 'why it failed')
        found.add(True, 'a.d', skipped=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'x.results')
            found.save(path)
            again = results.Results()
            again.load(path)
        self.assertEqual(again.items, found.items)
        self.assertEqual(again.items[1],
                         results.Result('FAIL', 'a.c', 'why it failed'))

    def test_the_summary_counts_and_fails(self):
        found = results.Results()
        found.add(True, 'a')
        found.add(False, 'b')
        found.add(True, 'c', skipped=True)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = found.report()
        self.assertEqual(code, 1)
        self.assertEqual(out.getvalue().splitlines()[-1],
                         '1 passed, 1 failed, 1 skipped')
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(results.Results().report(), 1)
        self.assertEqual(out.getvalue(), '0 passed, 0 failed\n')


def console(ktap):
    """@ktap as the console shows it: with printk's timestamps."""
    return [f'[    1.{i:06d}] {line}' for i, line in enumerate(ktap)]


# What KUnit prints at boot, as the console shows it; a kernel message
# comes between two lines of it.
KUNIT_LOG = console('''\
KTAP version 1
1..3
    KTAP version 1
    # Subtest: iova
    1..3
    ok 1 iova_test_top_down
    # iova_test_cpu_offline: EXPECTATION FAILED at drivers/iommu/iova-test.c:529
    Expected find_iova(iovad, work.pfn) == ((void *)0), but
    # iova_test_cpu_offline: ASSERTION FAILED at drivers/iommu/iova-test.c:530
    not ok 2 iova_test_cpu_offline
    ok 3 iova_test_concurrent # SKIP needs two CPUs
# iova: pass:1 fail:1 skip:1 total:3
not ok 1 iova
    KTAP version 1
    # Subtest: io-pgtable-arm
    1..2
        KTAP version 1
        # Subtest: lpae_test_map_unmap
        ok 1 4K granule
        # lpae_test_map_unmap: EXPECTATION FAILED at drivers/iommu/t.c:12
        not ok 2 16K granule
        ok 3 64K granule
    # lpae_test_map_unmap: pass:2 fail:1 skip:0 total:3
    not ok 1 lpae_test_map_unmap
        KTAP version 1
        # Subtest: lpae_test_overlap
        ok 1 4K granule
    # lpae_test_overlap: pass:1 fail:0 skip:0 total:1
    ok 2 lpae_test_overlap
# io-pgtable-arm: pass:1 fail:1 skip:0 total:2
not ok 2 io-pgtable-arm
    KTAP version 1
    # Subtest: iommu-core
    1..2
    ok 1 iommu_test_groups'''.splitlines()) + \
    ['[    1.500000] nvme nvme0: 2/0/0 default/read/poll queues'] + \
    console(['    # iommu_test_attach: try faulted'])


class KunitParseTest(unittest.TestCase):
    def parse(self, lines):
        found = results.Results()
        suites = results.parse_kunit(lines, found)
        return suites, judged(found)

    def setUp(self):
        self.suites, self.items = self.parse(KUNIT_LOG)

    def test_cases_and_suites(self):
        self.assertEqual(self.suites, 2)
        self.assertEqual(self.items['kunit.iova.iova_test_top_down'],
                         ('PASS', ''))
        self.assertEqual(self.items['kunit.iova.iova_test_concurrent'][0],
                         'SKIP')
        self.assertEqual(sorted(self.items), [
            'kunit.io-pgtable-arm.lpae_test_map_unmap',
            'kunit.io-pgtable-arm.lpae_test_overlap',
            'kunit.iommu-core',
            'kunit.iommu-core.iommu_test_groups',
            'kunit.iova.iova_test_concurrent',
            'kunit.iova.iova_test_cpu_offline',
            'kunit.iova.iova_test_top_down'])

    def test_failure_names_its_first_check(self):
        self.assertEqual(self.items['kunit.iova.iova_test_cpu_offline'],
                         ('FAIL', 'drivers/iommu/iova-test.c:529'))

    def test_parameters_count_through_their_case(self):
        self.assertEqual(
            self.items['kunit.io-pgtable-arm.lpae_test_map_unmap'],
            ('FAIL', 'drivers/iommu/t.c:12'))
        self.assertEqual(
            self.items['kunit.io-pgtable-arm.lpae_test_overlap'],
            ('PASS', ''))

    def test_unfinished_suite_fails(self):
        self.assertEqual(self.items['kunit.iommu-core'],
                         ('FAIL', 'suite never finished'))

    def test_a_suite_failed_without_a_failed_case_fails(self):
        suites, items = self.parse(console('''\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: iommu-dma
    # iommu-dma: initialization failed
    1..1
    ok 1 iommu_dma_test_map
not ok 1 iommu-dma'''.splitlines()))
        self.assertEqual(suites, 1)
        self.assertEqual(items['kunit.iommu-dma'], ('FAIL', 'suite failed'))
        self.assertEqual(items['kunit.iommu-dma.iommu_dma_test_map'],
                         ('PASS', ''))

    def test_user_space_is_not_kunit(self):
        # The pt boot runs no KUnit; the TAP of its kselftests must not
        # read as KUnit's.
        suites, items = self.parse(['[    0.100000] Booting Linux',
                                    '@@harness start check',
                                    '@@selftest begin iommu_groups',
                                    'TAP version 13', '1..1',
                                    'ok 1 groups.listing'])
        self.assertEqual((suites, items), (0, {}))

    def test_the_base_tree_is_needed(self):
        old = results.base_tree()
        with tempfile.TemporaryDirectory() as tmp:
            results.use_base_tree(tmp)
            try:
                with self.assertRaisesRegex(RuntimeError, 'make base-src'):
                    self.parse(KUNIT_LOG)
            finally:
                results.use_base_tree(old)


class FakeBoot:
    def __init__(self, lines):
        self.lines = lines

    def console(self):
        return self.lines


def selftest(name, lines, rc=0):
    return [f'@@selftest begin {name}'] + lines + \
        [f'@@selftest end {name} rc={rc} seconds=1']


# What kselftest_harness.h prints.
GROUPS_TAP = '''\
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
#  RUN           groups.listing ...
#            OK  groups.listing
ok 1 groups.listing
#  RUN           groups.types ...
# iommu_groups.c:50:types:Expected 1 (1) == 2 (2)
[    9.000000] iommu: a warning between two lines
#          FAIL  groups.types
not ok 2 groups.types
#  RUN           groups.scratch ...
#      SKIP      no scratch disk
ok 3 groups.scratch # SKIP no scratch disk
# FAILED: 2 / 3 tests passed.
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0'''.splitlines()


class SelftestParseTest(unittest.TestCase):
    def parse(self, lines, expected):
        found = results.Results()
        results.parse_selftests(FakeBoot(lines), found, expected)
        return [(r.status, r.name, r.detail) for r in found.items]

    def test_every_test_is_a_result(self):
        self.assertEqual(
            self.parse(selftest('iommu_groups', GROUPS_TAP, rc=1),
                       ['iommu_groups']),
            [('PASS', 'selftest.iommu_groups.groups.listing', ''),
             ('FAIL', 'selftest.iommu_groups.groups.types', ''),
             ('SKIP', 'selftest.iommu_groups.groups.scratch', '')])

    def test_tests_that_never_reported_fail_their_program(self):
        self.assertEqual(
            self.parse(selftest('iommu_groups', GROUPS_TAP[:6], rc=0),
                       ['iommu_groups'])[1:],
            [('FAIL', 'selftest.iommu_groups', '1 of 3 tests reported')])

    def test_an_exit_status_without_a_failed_test_fails(self):
        lines = ['TAP version 13', '1..1', 'ok 1 net.e1000e']
        self.assertEqual(self.parse(selftest('iommu_net', lines, rc=139),
                                    ['iommu_net'])[1:],
                         [('FAIL', 'selftest.iommu_net', 'exit status 139')])

    def test_a_program_that_printed_nothing_fails(self):
        self.assertEqual(self.parse(selftest('iommu_net', [], rc=1),
                                    ['iommu_net']),
                         [('FAIL', 'selftest.iommu_net', 'exit status 1')])

    def test_unfinished_and_missing_programs_fail(self):
        lines = selftest('iommu_net', ['TAP version 13', '1..1',
                                       'ok 1 net.e1000e']) + \
            ['@@selftest begin iommu_dma_io', 'TAP version 13', '1..2',
             'ok 1 io.nvme']
        self.assertEqual(
            self.parse(lines, ['iommu_dma_io', 'iommu_net', 'iommu_vfio_edu']),
            [('PASS', 'selftest.iommu_net.net.e1000e', ''),
             ('PASS', 'selftest.iommu_dma_io.io.nvme', ''),
             ('FAIL', 'selftest.iommu_dma_io', 'did not finish'),
             ('FAIL', 'selftest.iommu_vfio_edu', 'did not run')])


if __name__ == '__main__':
    unittest.main()
