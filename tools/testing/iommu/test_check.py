#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of how harness.py judges a make check boot.

Run directly (python3 test_check.py) or through make check, which reports
each case as harness.check.<case>.
"""

import os
import socket
import sys
import types
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


class DebugKernelTest(unittest.TestCase):
    """The debug kernel's reports and its end-of-boot kmemleak scan."""

    def boot(self, lines):
        return harness.Boot(lines, False, 1.0, 'console.log')

    def test_a_call_trace_alone_is_no_report_while_injecting(self):
        lines = [harness.INJECT_BEGIN + ' attach',
                 'kworker: page allocation failure: order:0',
                 'Call trace:', harness.INJECT_END + ' attach']
        self.assertEqual(self.boot(lines).bad_lines(), [])

    def test_a_bug_is_a_report_while_injecting(self):
        lines = [harness.INJECT_BEGIN + ' attach',
                 'BUG: KASAN: slab-use-after-free in x', 'Call trace:',
                 harness.INJECT_END + ' attach']
        self.assertEqual(self.boot(lines).bad_lines(),
                         ['BUG: KASAN: slab-use-after-free in x'])

    def test_a_call_trace_elsewhere_is_a_report(self):
        self.assertEqual(self.boot(['Call trace:']).bad_lines(),
                         ['Call trace:'])

    def test_checkers_of_their_own_are_reports(self):
        lines = ['UBSAN: array-index-out-of-bounds in a.c:1:2',
                 'INFO: task nvme:12 blocked for more than 120 seconds.',
                 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:']
        self.assertEqual(self.boot(lines).bad_lines(), lines)

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
        results = harness.Results()
        harness.check_kmemleak(self.boot(lines), results, 'check')
        return results.items[0]

    def test_a_leak_fails_with_its_first_backtrace(self):
        status, name, detail = self.judge_kmemleak(self.LEAK)
        self.assertEqual((status, name), ('FAIL', 'boot.check.kmemleak'))
        self.assertIn('2 unreferenced objects', detail)
        self.assertIn('64 bytes from __kmalloc_noprof+0x1f0/0x2c0 < '
                      'iommu_dma_map_doorbell+0x44/0x100 < '
                      'iommu_dma_prepare_msi+0x60/0x90', detail)

    def test_a_clean_scan_passes(self):
        self.assertEqual(self.judge_kmemleak(
            ['@@kmemleak begin', '@@kmemleak end'])[0], 'PASS')

    def test_no_scan_fails(self):
        self.assertEqual(self.judge_kmemleak(['@@harness end'])[0], 'FAIL')
        self.assertEqual(self.judge_kmemleak(
            ['@@kmemleak begin', '@@kmemleak error: the scan failed',
             '@@kmemleak end'])[0], 'FAIL')

    def test_checkers_on(self):
        results = harness.Results()
        harness.check_debug_kernel(self.boot(
            ['kasan: KernelAddressSanitizer initialized (generic)',
             '@@lockdep debug_locks:1']), results)
        self.assertEqual(results.items[0][0], 'PASS')
        results = harness.Results()
        harness.check_debug_kernel(self.boot(
            ['kasan: KernelAddressSanitizer initialized (generic)',
             '@@lockdep debug_locks:0']), results)
        self.assertEqual(results.items[0][:2],
                         ('FAIL', 'debug_kernel.checkers_on'))


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
        results = harness.Results()
        harness.check_stress(harness.Boot(lines, False, 1.0, 'c.log'),
                             results)
        return {name: (status, detail)
                for status, name, detail in results.items}

    def test_summary_is_read(self):
        out = harness.parse_stress(STRESS_LINES)
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
        self.assertEqual(harness.stress_memory_slack(before, before), [])
        leak = dict(before, iova_in_use=51, iova_ranges=101,
                    iova_nodes=101)
        self.assertIn('IOVA ranges in use 50 -> 51',
                      harness.stress_memory_slack(before, leak))
        lost = dict(before, iova_nodes=103)
        self.assertIn('IOVA nodes outside DMA domains 0 -> 3',
                      harness.stress_memory_slack(before, lost))
        tables = dict(before, pgtable_pages=40 + 17)
        self.assertTrue(harness.stress_memory_slack(before, tables))

    def test_no_summary_fails(self):
        self.assertEqual(self.judge(['@@harness end'])['stress.ran'][0],
                         'FAIL')


class CheckBootsTest(unittest.TestCase):
    PROGS = ['iommu_dma_edu', 'iommu_dma_io', 'iommu_fail_nth',
             'iommu_groups', 'iommu_net', 'iommu_vfio_edu']

    def boots(self, selftest='', kunit='', stress=60):
        args = types.SimpleNamespace(selftest=selftest, kunit=kunit,
                                     stress=stress, lazy=True, plain=True,
                                     pt=True)
        progs = [p for p in self.PROGS
                 if not selftest or p in selftest.split(',')]
        return {b.prefix: b for b in harness.check_boots(args, progs)}

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

    def test_a_selection_runs_nowhere_else(self):
        boots = self.boots(selftest='iommu_fail_nth')
        self.assertIn('selftests=iommu_fail_nth', boots[''].words)
        self.assertIn('selftests=none', boots['lazy.'].words)
        self.assertNotIn('pt.', boots)
        self.assertFalse(any('stress=' in w for b in boots.values()
                             for w in b.words))


class TrafficServerTest(unittest.TestCase):
    """The host's end of kselftest iommu_net, against a fake guest."""

    def talk(self, corrupt_at=None):
        server = harness.TrafficServer()
        seed, nbytes = 12345, 4 * harness.NET_BLOCK
        base = harness.splitmix64_bytes(seed, harness.NET_BLOCK)
        data = b''.join(harness.net_stream_block(base, k)
                        for k in range(nbytes // harness.NET_BLOCK))
        if corrupt_at is not None:
            data = data[:corrupt_at] + b'\0' + data[corrupt_at + 1:]
        with socket.create_connection(('127.0.0.1', server.port)) as s:
            s.sendall(f'IOMMU-NET e1000e {seed} {nbytes}\n'.encode() + data)
            f = s.makefile('rb')
            line = f.readline().decode().strip()
            reply = f.read(nbytes) if line.startswith('OK') else b''
        server.close()
        return line, reply, server.take()

    def test_a_good_stream_is_checked_and_answered(self):
        line, reply, seen = self.talk()
        self.assertEqual(line, f'OK {4 * harness.NET_BLOCK}')
        base = harness.splitmix64_bytes(12345 ^ harness.NET_REPLY_SEED,
                                        harness.NET_BLOCK)
        self.assertEqual(reply[:harness.NET_BLOCK],
                         harness.net_stream_block(base, 0))
        self.assertTrue(seen['e1000e'][0])

    def test_a_bad_byte_is_found(self):
        line, _, seen = self.talk(corrupt_at=harness.NET_BLOCK + 7)
        self.assertEqual(line, f'BAD {harness.NET_BLOCK + 7}')
        self.assertFalse(seen['e1000e'][0])

    def test_the_generator_is_splitmix64(self):
        # The first output of SplitMix64 seeded with 0.
        self.assertEqual(harness.splitmix64_bytes(0, 8),
                         (0xe220a8397b1dcdaf).to_bytes(8, 'little'))


if __name__ == '__main__':
    unittest.main()
