#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of how harness.py judges a make check boot.

Run directly (python3 test_check.py) or through make check, which reports
each case as harness.check.<case>.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class FakeBoot:
    def __init__(self, lines):
        self.lines = lines
        self.log_path = 'console.log'

    def console(self):
        return self.lines


BOOT_LINES = ['[    0.01] DMA-API: preallocated 65536 debug entries',
              '[    0.01] DMA-API: debugging enabled by kernel config']


def judge(lines):
    results = harness.Results()
    harness.check_dma_api_debug(FakeBoot(lines), results)
    return {name: (status, detail) for status, name, detail in results.items}


SMMU_FULL = ('[    0.30] arm-smmu-v3 9050000.smmuv3: SMMUv3: 2-level stream '
             'table of 16 StreamID bits, 16-bit ASIDs, 44-bit output, pages '
             '0x62215000, coherent, range invalidation')
SMMU_PLAIN = ('[    0.30] arm-smmu-v3 9050000.smmuv3: SMMUv3: linear stream '
              'table of 16 StreamID bits, 16-bit ASIDs, 44-bit output, pages '
              '0x62215000, coherent')


def judge_smmu(lines, plain):
    results = harness.Results()
    harness.check_smmu_probe(FakeBoot(lines), results, plain)
    return {name: (status, detail) for status, name, detail in results.items}


class SmmuProbeTest(unittest.TestCase):
    def test_default_boot_uses_everything(self):
        verdict = judge_smmu([SMMU_FULL], plain=False)
        self.assertEqual(verdict['smmu.probed'][0], 'PASS')
        self.assertEqual(verdict['smmu.features'][0], 'PASS')

    def test_plain_boot_uses_linear_table_without_ranges(self):
        self.assertEqual(judge_smmu([SMMU_PLAIN], plain=True)
                         ['smmu.features'][0], 'PASS')

    def test_plain_boot_with_features_fails(self):
        status, detail = judge_smmu([SMMU_FULL], plain=True)['smmu.features']
        self.assertEqual(status, 'FAIL')
        self.assertIn('"linear stream table"', detail)
        self.assertIn('a "range invalidation"', detail)

    def test_missing_probe_line_fails(self):
        verdict = judge_smmu(['nvme nvme0: 2/0/0 queues'], plain=False)
        self.assertEqual(verdict['smmu.probed'][0], 'FAIL')
        self.assertNotIn('smmu.features', verdict)

class DmaApiDebugTest(unittest.TestCase):
    def test_quiet_boot_passes(self):
        verdict = judge(BOOT_LINES + ['nvme nvme0: 2/0/0 queues'])
        self.assertEqual(verdict['dma_api_debug.enabled'][0], 'PASS')
        self.assertEqual(verdict['dma_api_debug.no_reports'][0], 'PASS')

    def test_report_fails(self):
        report = ('DMA-API: nvme 0000:00:01.0: device driver frees DMA memory '
                  'with different size')
        verdict = judge(BOOT_LINES + ['WARNING: CPU: 0 PID: 1', report])
        status, detail = verdict['dma_api_debug.no_reports']
        self.assertEqual(status, 'FAIL')
        self.assertIn('different size', detail)
        self.assertIn('and 0 more', detail)

    def test_out_of_entries_is_a_report(self):
        lines = BOOT_LINES + ['DMA-API: debugging out of memory - disabling']
        self.assertEqual(judge(lines)['dma_api_debug.no_reports'][0], 'FAIL')

    def test_kernel_without_debugging_fails(self):
        verdict = judge(['nvme nvme0: 2/0/0 queues'])
        status, detail = verdict['dma_api_debug.enabled']
        self.assertEqual(status, 'FAIL')
        self.assertIn('CONFIG_DMA_API_DEBUG', detail)


class PrefixTest(unittest.TestCase):
    def test_second_boot_is_named_apart(self):
        results = harness.Results()
        results.add(True, 'kunit.iova.case')
        results.prefix = 'lazy.'
        results.add(False, 'kunit.iova.case', 'why')
        self.assertEqual([name for _, name, _ in results.items],
                         ['kunit.iova.case', 'lazy.kunit.iova.case'])


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
        self.results = harness.Results()
        self.suites = harness.parse_kunit(KUNIT_LOG, self.results)
        self.items = {name: (status, detail)
                      for status, name, detail in self.results.items}

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


class PassthroughBootTest(unittest.TestCase):
    def test_runs_its_subset_without_kunit(self):
        prefix, log_name, words, progs, kunit = harness.pt_boot(
            ['iommu_dma_edu', 'iommu_dma_io', 'iommu_groups',
             'iommu_vfio_edu'])
        self.assertEqual(prefix, 'pt.')
        self.assertEqual(log_name, 'console-pt.log')
        self.assertIn('iommu.passthrough=1', words)
        self.assertIn('kunit.enable=0', words)
        self.assertIn('selftests=iommu_dma_io,iommu_groups', words)
        self.assertEqual(progs, ['iommu_dma_io', 'iommu_groups'])
        self.assertFalse(kunit)

    def test_follows_the_selection(self):
        self.assertEqual(harness.pt_boot(['iommu_groups'])[3],
                         ['iommu_groups'])

    def test_none_when_the_selection_has_none_of_it(self):
        self.assertIsNone(harness.pt_boot(['iommu_vfio_edu']))
        self.assertIsNone(harness.pt_boot([]))


if __name__ == '__main__':
    unittest.main()
