#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of results.py: results, and the KUnit results read from KTAP.

Run directly (python3 test_results.py) or through make check, which
reports each case as harness.results.<case>.
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


KUNIT_LOG = '''\
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
    1..1
'''.splitlines()


class KunitParseTest(unittest.TestCase):
    def setUp(self):
        self.results = results.Results()
        self.suites = results.parse_kunit(KUNIT_LOG, self.results)
        self.items = judged(self.results)

    def test_cases_and_suites(self):
        self.assertEqual(self.suites, 1)
        self.assertEqual(self.items['kunit.iova.iova_test_top_down'],
                         ('PASS', ''))
        self.assertEqual(self.items['kunit.iova.iova_test_concurrent'][0],
                         'SKIP')

    def test_failure_names_its_first_check(self):
        self.assertEqual(self.items['kunit.iova.iova_test_cpu_offline'],
                         ('FAIL', 'drivers/iommu/iova-test.c:529'))

    def test_unfinished_suite_fails(self):
        self.assertEqual(self.items['kunit.io-pgtable-arm'],
                         ('FAIL', 'suite never finished'))


if __name__ == '__main__':
    unittest.main()
