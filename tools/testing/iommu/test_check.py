#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of how check.py judges a make check boot.

Run directly (python3 test_check.py) or through make check, which reports
each case as harness.check.<case>.
"""

import os
import sys
import types
import unittest
import unittest.mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import qemu  # noqa: E402
import results  # noqa: E402


class FakeBoot:
    def __init__(self, lines):
        self.lines = lines
        self.log_path = 'console.log'

    def console(self):
        return self.lines


BOOT_LINES = ['[    0.01] DMA-API: preallocated 65536 debug entries',
              '[    0.01] DMA-API: debugging enabled by kernel config']


def judge(lines):
    found = results.Results()
    check.check_dma_api_debug(FakeBoot(lines), found)
    return {r.name: (r.status, r.detail) for r in found.items}


SMMU_FULL = ('[    0.30] arm-smmu-v3 9050000.smmuv3: SMMUv3: 2-level stream '
             'table of 16 StreamID bits, 16-bit ASIDs, 44-bit output, pages '
             '0x62215000, coherent, range invalidation')
SMMU_PLAIN = ('[    0.30] arm-smmu-v3 9050000.smmuv3: SMMUv3: linear stream '
              'table of 16 StreamID bits, 16-bit ASIDs, 44-bit output, pages '
              '0x62215000, coherent')


def judge_smmu(lines, plain, acpi=False):
    found = results.Results()
    check.check_smmu_probe(FakeBoot(lines), found, plain, acpi)
    return {r.name: (r.status, r.detail) for r in found.items}


class SmmuProbeTest(unittest.TestCase):
    def test_default_boot_uses_everything(self):
        verdict = judge_smmu([SMMU_FULL], plain=False)
        self.assertEqual(verdict['smmu.probed'][0], 'PASS')
        self.assertEqual(verdict['smmu.firmware'][0], 'PASS')
        self.assertEqual(verdict['smmu.features'][0], 'PASS')

    def test_acpi_boot_finds_the_smmu_in_iort(self):
        iort = SMMU_FULL.replace('9050000.smmuv3', 'arm-smmu-v3.0.auto')
        self.assertEqual(judge_smmu([iort], False, acpi=True)
                         ['smmu.firmware'][0], 'PASS')
        verdict = judge_smmu([SMMU_FULL], False, acpi=True)
        self.assertEqual(verdict['smmu.firmware'],
                         ('FAIL', '9050000.smmuv3, not arm-smmu-v3.0.auto'))
        self.assertEqual(judge_smmu([iort], False)['smmu.firmware'][0],
                         'FAIL')

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
        self.assertEqual(judge(lines)['dma_api_debug.no_reports'][0],
                         'FAIL')

    def test_kernel_without_debugging_fails(self):
        verdict = judge(['nvme nvme0: 2/0/0 queues'])
        status, detail = verdict['dma_api_debug.enabled']
        self.assertEqual(status, 'FAIL')
        self.assertIn('CONFIG_DMA_API_DEBUG', detail)


class PassthroughBootTest(unittest.TestCase):
    def test_runs_its_subset_without_kunit(self):
        boot = check.pt_boot(['iommu_dma_edu', 'iommu_dma_io',
                              'iommu_groups', 'iommu_vfio_edu'])
        self.assertEqual(boot.prefix, 'pt.')
        self.assertEqual(boot.log_name, 'console-pt.log')
        self.assertIn('iommu.passthrough=1', boot.words)
        self.assertIn('kunit.enable=0', boot.words)
        self.assertIn('selftests=iommu_dma_io,iommu_groups', boot.words)
        self.assertEqual(boot.progs, ['iommu_dma_io', 'iommu_groups'])
        self.assertFalse(boot.kunit)

    def test_follows_the_selection(self):
        self.assertEqual(check.pt_boot(['iommu_groups']).progs,
                         ['iommu_groups'])

    def test_none_when_the_selection_has_none_of_it(self):
        self.assertIsNone(check.pt_boot(['iommu_vfio_edu']))
        self.assertIsNone(check.pt_boot([]))


class DebugKernelTest(unittest.TestCase):
    """The debug kernel's checkers and its end-of-boot kmemleak scan."""

    def boot(self, lines):
        return qemu.Boot(lines, False, 1.0, 'console.log')

    LEAK = ['@@kmemleak begin',
            'unreferenced object 0xffff000012345678 (size 64):',
            '  comm "swapper/0", pid 1, jiffies 4294892300',
            '  backtrace (crc 1234abcd):',
            '    [<000000001>] kmemleak_alloc+0x4c/0x60',
            '    [<000000002>] __kmalloc_noprof+0x1f0/0x2c0',
            '    [<000000003>] iommu_dma_map_doorbell+0x44/0x100',
            '    [<000000004>] iommu_dma_prepare_msi+0x60/0x90',
            'unreferenced object 0xffff000012349999 (size 32):',
            '@@kmemleak end']

    def judge_kmemleak(self, lines):
        found = results.Results()
        check.check_kmemleak(self.boot(lines), found, 'check')
        return found.items[0]

    def test_a_leak_fails_with_its_first_backtrace(self):
        result = self.judge_kmemleak(self.LEAK)
        self.assertEqual(result.status, 'FAIL')
        self.assertEqual(result.name, 'boot.check.kmemleak')
        self.assertIn('2 unreferenced objects', result.detail)
        self.assertIn('64 bytes from __kmalloc_noprof+0x1f0/0x2c0 < '
                      'iommu_dma_map_doorbell+0x44/0x100 < '
                      'iommu_dma_prepare_msi+0x60/0x90', result.detail)

    def test_a_clean_scan_passes(self):
        self.assertEqual(self.judge_kmemleak(
            ['@@kmemleak begin', '@@kmemleak end']).status, 'PASS')

    def test_no_scan_fails(self):
        self.assertEqual(self.judge_kmemleak(['@@harness end']).status,
                         'FAIL')
        self.assertEqual(self.judge_kmemleak(
            ['@@kmemleak begin', '@@kmemleak error: the scan failed',
             '@@kmemleak end']).status, 'FAIL')

    def test_checkers_on(self):
        found = results.Results()
        check.check_debug_kernel(self.boot(
            ['kasan: KernelAddressSanitizer initialized (generic)',
             '@@lockdep debug_locks:1']), found)
        self.assertEqual(found.items[0].status, 'PASS')
        found = results.Results()
        check.check_debug_kernel(self.boot(
            ['kasan: KernelAddressSanitizer initialized (generic)',
             '@@lockdep debug_locks:0']), found)
        self.assertEqual(found.items[0],
                         ('FAIL', 'debug_kernel.checkers_on',
                          'lockdep was off at the end'))


STRESS_LINES = [
    '@@stress ops disk_io=10 nvme_rebind=2 cpu_hotplug=4',
    '@@stress errors disk_io=0 nvme_rebind=1 cpu_hotplug=0',
    '@@stress mismatches 0',
    '@@stress first_error nvme_rebind rebinding nvme at 0000:00:01.0: '
    'Connection timed out',
    '@@stress memory before pgtable_pages=40 iova_ranges=100 '
    'iova_in_use=50 iova_nodes=100 domains=4',
    '@@stress memory after pgtable_pages=42 iova_ranges=130 '
    'iova_in_use=50 iova_nodes=130 domains=4',
]


class StressTest(unittest.TestCase):
    def judge(self, lines):
        found = results.Results()
        check.check_stress(qemu.Boot(lines, False, 1.0, 'c.log'),
                             found)
        return {r.name: (r.status, r.detail) for r in found.items}

    def test_summary_is_read(self):
        out = check.parse_stress(STRESS_LINES)
        self.assertEqual(out['ops']['disk_io'], 10)
        self.assertEqual(out['errors']['nvme_rebind'], 1)
        self.assertEqual(out['memory']['after']['iova_ranges'], 130)
        self.assertIn('timed out', out['first_error']['nvme_rebind'])

    def test_an_error_fails_and_says_which(self):
        verdict = self.judge(STRESS_LINES)
        self.assertEqual(verdict['stress.ran'][0], 'PASS')
        self.assertEqual(verdict['stress.data_intact'][0], 'PASS')
        self.assertEqual(verdict['stress.no_errors'][0], 'FAIL')
        self.assertIn('nvme_rebind: 1 of 2', verdict['stress.no_errors'][1])
        # More cached ranges and two more tables are within bounds.
        self.assertEqual(verdict['stress.memory_back'][0], 'PASS')

    def test_memory_that_did_not_come_back_fails(self):
        before = {'pgtable_pages': 40, 'iova_ranges': 100,
                  'iova_in_use': 50, 'iova_nodes': 100, 'domains': 4}
        self.assertEqual(check.stress_memory_slack(before, before), [])
        leak = dict(before, iova_in_use=51, iova_ranges=101,
                    iova_nodes=101)
        self.assertIn('IOVA ranges in use 50 -> 51',
                      check.stress_memory_slack(before, leak))
        lost = dict(before, iova_nodes=103)
        self.assertIn('IOVA nodes outside DMA domains 0 -> 3',
                      check.stress_memory_slack(before, lost))
        tables = dict(before, pgtable_pages=40 + 17)
        self.assertTrue(check.stress_memory_slack(before, tables))

    def test_no_summary_fails(self):
        self.assertEqual(self.judge(['@@harness end'])['stress.ran'][0],
                         'FAIL')


class CheckBootsTest(unittest.TestCase):
    PROGS = ['iommu_dma_edu', 'iommu_dma_io', 'iommu_fail_nth',
             'iommu_groups', 'iommu_net', 'iommu_vfio_edu']

    def boots(self, selftest='', kunit='', stress=60):
        args = types.SimpleNamespace(selftest=selftest, kunit=kunit,
                                     stress=stress, lazy=True, plain=True,
                                     pt=True, acpi=False, firmware=False)
        progs = [p for p in self.PROGS
                 if not selftest or p in selftest.split(',')]
        return {b.prefix: b for b in check.check_boots(args, progs)}

    def test_the_whole_suite(self):
        boots = self.boots()
        self.assertEqual(boots[''].progs, self.PROGS)
        self.assertEqual(boots[''].words, [])
        lazy = boots['lazy.']
        self.assertNotIn('iommu_fail_nth', lazy.progs)
        self.assertIn('stress=60', lazy.words)
        self.assertIn('kunit.filter_glob=iommu-*', lazy.words)
        self.assertIn('arm_smmu_v3.ignore=2lvl,range-inv',
                      boots['plain.'].words)
        self.assertNotIn('iommu_fail_nth', boots['plain.'].progs)
        self.assertFalse(boots['pt.'].kunit)

    def test_only_the_plain_boot_has_four_cpus(self):
        # The command queue's suite needs two producers and its model.
        smp = {p: b.smp for p, b in self.boots().items()}
        self.assertEqual(smp.pop('plain.'), 4)
        self.assertEqual(set(smp.values()), {2})

    def test_the_acpi_boot_on_request(self):
        args = types.SimpleNamespace(selftest='', kunit='', stress=60,
                                     lazy=True, plain=True, pt=True,
                                     acpi=True, firmware=False)
        boots = {b.prefix: b for b in check.check_boots(args, self.PROGS)}
        acpi = boots['acpi.']
        self.assertTrue(acpi.acpi and acpi.kunit)
        self.assertNotIn('iommu_fail_nth', acpi.progs)
        self.assertIn('iommu_dma_edu', acpi.progs)
        self.assertFalse(any(b.acpi for p, b in boots.items() if p != 'acpi.'))
        self.assertNotIn('acpi.', {b.prefix for b in check.check_boots(
            types.SimpleNamespace(**dict(vars(args), acpi=False)),
            self.PROGS)})

    def test_the_firmware_boot(self):
        args = types.SimpleNamespace(selftest='iommu_fail_nth', kunit='',
                                     stress=0, lazy=False, plain=False,
                                     pt=False, acpi=False, firmware=True)
        with unittest.mock.patch.object(check.qemu, 'log'):
            boots = {b.prefix: b for b in check.check_boots(
                args, self.PROGS + ['iommu_streams'])}
        fw = boots['firmware.']
        self.assertTrue(fw.firmware and fw.acpi)
        self.assertFalse(fw.kunit)
        self.assertEqual(fw.progs, ['iommu_dma_edu', 'iommu_streams'])
        self.assertIn('harness=firmware', fw.words)
        self.assertIn('selftests=iommu_dma_edu,iommu_streams', fw.words)
        # Its own checks run even when no program of it is selected.
        with unittest.mock.patch.object(check.qemu, 'log'):
            alone = check.check_boots(args, ['iommu_fail_nth'])
        self.assertEqual([b.prefix for b in alone], ['', 'firmware.'])
        self.assertEqual(alone[1].progs, [])

    def test_a_selection_runs_nowhere_else(self):
        with unittest.mock.patch.object(check.qemu, 'log') as log:
            boots = self.boots(selftest='iommu_fail_nth')
        log.assert_called_once()
        self.assertIn('no passthrough boot', log.call_args.args[1])
        self.assertIn('selftests=iommu_fail_nth', boots[''].words)
        self.assertIn('selftests=none', boots['lazy.'].words)
        self.assertNotIn('pt.', boots)
        self.assertFalse(any('stress=' in w for b in boots.values()
                             for w in b.words))


if __name__ == '__main__':
    unittest.main()
