#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of how bench.py reads and judges the benchmarks.

Run directly (python3 test_bench.py) or through make check, which reports
each case as harness.bench.<case>.
"""

import os
import sys
import tempfile
import types
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import qemu  # noqa: E402
import results  # noqa: E402

ALL_FIGURES = [f'@@bench iova {figure.name}={100 + i}'
               for i, figure in enumerate(bench.IOVA_FIGURES)]


class ParseIovaTest(unittest.TestCase):
    def test_all_figures(self):
        figures, errors = bench.parse_iova(['noise'] + ALL_FIGURES, 'ours')
        self.assertEqual(errors, [])
        self.assertEqual(figures['fast_pair_ns'], 100)
        self.assertEqual(len(figures), len(bench.IOVA_FIGURES))

    def test_missing_figure(self):
        figures, errors = bench.parse_iova(ALL_FIGURES[1:], 'base')
        self.assertNotIn('fast_pair_ns', figures)
        self.assertEqual(errors, ['base iova: no figure fast_pair_ns'])

    def test_guest_error(self):
        lines = ['@@bench error iova: insmod /lib/iommu/x.ko failed']
        _, errors = bench.parse_iova(lines, 'ours')
        self.assertEqual(errors[0],
                         'ours iova: insmod /lib/iommu/x.ko failed')
        self.assertTrue(errors[1].startswith('ours iova: no figure '))

    def test_kernel_log_prefix_is_not_a_figure(self):
        # The module's own pr_info lines reach only the dmesg dump.
        _, errors = bench.parse_iova(
            ['[    9.1] iova_bench: fast_pair_ns=5'], 'ours')
        self.assertEqual(len(errors), 1)


def cmdq_line(producers, design, batches, syncs, ratio=4, elapsed=10**9,
              batch=800):
    return (f'@@bench cmdq producers {producers} design {design} msi 0 '
            f'ratio {ratio} work_ns 100 batch_ns {batch} '
            f'sync_ns {batch * ratio} elapsed_ns {elapsed} batches {batches} '
            f'syncs {syncs} errors 0 refused 0')


class CmdqTest(unittest.TestCase):
    def test_parse(self):
        runs, errors = bench.parse_cmdq(
            ['noise', cmdq_line(3, 'shared', 300, 100),
             '@@bench error cmdq: 1 serial 4 failed'])
        self.assertEqual(errors, ['cmdq: 1 serial 4 failed'])
        self.assertEqual(runs[0]['design'], 'shared')
        self.assertEqual(runs[0]['producers'], 3)
        self.assertEqual(runs[0]['syncs'], 100)

    def test_the_fastest_run_counts(self):
        runs, _ = bench.parse_cmdq([cmdq_line(1, 'shared', 100, 100),
                                    cmdq_line(1, 'shared', 200, 200),
                                    cmdq_line(1, 'serial', 50, 50,
                                              elapsed=0)])
        best = bench.cmdq_figures(runs)
        self.assertEqual(best[(4, 'shared', 1)], (200.0, 1.0))
        self.assertNotIn((4, 'serial', 1), best)

    def test_one_boot_counts_the_median_by_batch_time(self):
        runs = []
        for boot, (batch, batches) in enumerate([(900, 10), (300, 90),
                                                 (500, 40)]):
            got, _ = bench.parse_cmdq(
                [cmdq_line(1, 'shared', batches, batches, batch=batch),
                 cmdq_line(1, 'serial', batches, batches, batch=batch)])
            runs += [dict(run, boot=boot) for run in got]
        best = bench.cmdq_figures(runs)
        self.assertEqual(best[(4, 'shared', 1)], (40.0, 1.0))
        self.assertEqual(best[(4, 'serial', 1)], (40.0, 1.0))
        self.assertIn('(500 ns in that boot; the map and unmap alone took '
                      '100 ns)', bench.cmdq_table(best, runs)[0])

    def test_older_figures_count_by_work(self):
        line = cmdq_line(1, 'shared', 10, 10).replace(' batch_ns 800', '')
        runs, _ = bench.parse_cmdq([line])
        self.assertEqual(bench.cmdq_base_ns(runs[0]), 100)
        self.assertIn('(100 ns in that boot)', bench.cmdq_table(
            bench.cmdq_figures(runs), runs)[0])

    def test_one_producer_within_the_spread_is_no_slower(self):
        lines = []
        for ratio in bench.CMDQ_RATIOS:
            # serial runs 100 and 96: 4% apart
            lines += [cmdq_line(1, 'serial', 100, 100, ratio),
                      cmdq_line(1, 'serial', 96, 96, ratio),
                      cmdq_line(1, 'shared', 97 if ratio == 4 else 95, 95,
                                ratio),
                      cmdq_line(3, 'shared', 300, 100, ratio)]
        runs = bench.parse_cmdq(lines)[0]
        targets = bench.cmdq_targets(bench.cmdq_figures(runs),
                                     bench.cmdq_spread(runs))
        self.assertEqual([t['met'] for t in targets][:4],
                         [True, True, True, False])
        self.assertEqual(targets[1]['min_ratio'], 0.96)
        # without the spread, 0.97 of serial is slower
        self.assertFalse(bench.cmdq_targets(bench.cmdq_figures(runs))[1][
            'met'])

    def test_targets(self):
        lines = []
        for ratio in bench.CMDQ_RATIOS:
            lines += [cmdq_line(1, 'serial', 100, 100, ratio),
                      cmdq_line(1, 'shared', 100, 100, ratio),
                      cmdq_line(3, 'shared', 199 if ratio == 4 else 200,
                                70, ratio)]
        best = bench.cmdq_figures(bench.parse_cmdq(lines)[0])
        verdicts = [t['met'] for t in bench.cmdq_targets(best)]
        self.assertEqual(verdicts, [False, True] + [True, True] *
                         (len(bench.CMDQ_RATIOS) - 1))
        self.assertIn('2.00, target >= 2.0: met',
                      bench.target_line(bench.cmdq_targets(best)[2]))

    def test_not_measured(self):
        self.assertEqual({t['met'] for t in bench.cmdq_targets({})}, {None})
        table = bench.cmdq_table({}, [])
        self.assertTrue(all(line.count('-') for line in table[4:]))


class IovaFigureTest(unittest.TestCase):
    def test_fast_paths_take_the_fastest_boot(self):
        self.assertEqual(bench.iova_figure('fast_pair_ns', [310, 290, 400]),
                         290)
        self.assertEqual(bench.iova_figure('big_pair_ns', [900]), 900)

    def test_fragmented_space_takes_the_median_boot(self):
        self.assertEqual(bench.iova_figure('frag_worst_alloc_ns',
                                             [50, 9000, 70]), 70)
        self.assertEqual(bench.iova_figure('frag_pair_ns', [5, 3]), 5)


class ParseLatencyTest(unittest.TestCase):
    LINE = ('@@bench lat threads={} granule={} map_100ns={} map_sd=3 '
            'unmap_100ns={} unmap_sd=4')

    def test_every_run_kept_in_order(self):
        lines = [self.LINE.format(1, 1, 15, 22), 'noise',
                 self.LINE.format(2, 256, 120, 80),
                 self.LINE.format(1, 1, 31, 20)]
        rows, errors = bench.parse_latency(lines, 'ours', 'lazy')
        self.assertEqual(errors, [])
        self.assertEqual(rows[(1, 1)], {'map_us': [1.5, 3.1],
                                        'unmap_us': [2.2, 2.0]})
        self.assertEqual(rows[(2, 256)], {'map_us': [12.0],
                                          'unmap_us': [8.0]})

    def test_guest_error(self):
        rows, errors = bench.parse_latency(
            ['@@bench error threads=1 granule=16: No space left on device'],
            'base', 'strict')
        self.assertEqual(rows, {})
        self.assertEqual(errors, ['base strict: threads=1 granule=16: '
                                  'No space left on device'])


class LatencyKeyTest(unittest.TestCase):
    def test_rows_name_mode_shape_and_operation(self):
        self.assertEqual(
            bench.latency_key('strict', bench.LatencyRun(1, 1), 'unmap_us'),
            'strict, 1 thread, 1 page: unmap (us)')
        self.assertEqual(
            bench.latency_key('lazy', bench.LatencyRun(2, 256), 'map_us'),
            'lazy, 2 threads, 256 pages: map (us)')

    def test_targets_find_their_rows(self):
        key = bench.latency_key('strict', bench.LatencyRun(1, 1), 'unmap_us')
        data = {'latency': {key: {'ours': 3.0, 'base': 4.0}}}
        ratios = [t['ratio'] for t in bench.dma_targets(data)]
        self.assertEqual(ratios, [None, 0.75, 0.75, None])


class TargetTest(unittest.TestCase):
    def data(self, ours, base):
        labels = {f.name: f.label for f in bench.IOVA_FIGURES}
        return {labels['fast_pair_ns']: {'ours': 90, 'base': 100},
                labels['frag_worst_alloc_ns']: {'ours': ours, 'base': base}}

    def test_met_and_missed(self):
        fast, worst = bench.iova_targets(self.data(5, 100))
        self.assertTrue(fast['met'])
        self.assertTrue(worst['met'])
        self.assertEqual(bench.target_line(worst),
                         '(c) worst allocation: ours/base 0.050, '
                         'target <= 0.1: met')
        _, worst = bench.iova_targets(self.data(11, 100))
        self.assertFalse(worst['met'])
        self.assertTrue(bench.target_line(worst).endswith(': MISSED'))

    def test_not_measured(self):
        _, worst = bench.iova_targets(self.data(None, 100))
        self.assertIsNone(worst['met'])
        self.assertIn('ours/base -', bench.target_line(worst))
        self.assertTrue(bench.target_line(worst).endswith('not measured'))

    def test_cells(self):
        self.assertEqual(bench.bench_fmt(1234), '1234')
        self.assertEqual(bench.bench_fmt(1.234), '1.23')
        self.assertEqual(bench.bench_fmt(0.00258), '0.0026')
        self.assertEqual(bench.bench_fmt(0.0), '0.00')
        self.assertEqual(bench.bench_fmt(0.00001), '0.000010')
        self.assertEqual(bench.bench_fmt(12345.678), '12345.68')
        self.assertEqual(bench.bench_fmt(None), '-')


class DmaTargetTest(unittest.TestCase):
    def data(self):
        def cell(ours, base):
            return {'ours': ours, 'base': base}
        return {'latency': {
                    'lazy, 1 thread, 1 page: map (us)': cell(1.0, 1.0),
                    'lazy, 1 thread, 1 page: unmap (us)': cell(1.2, 1.0),
                    'strict, 1 thread, 1 page: map (us)': cell(2.0, 1.0),
                    'strict, 1 thread, 1 page: unmap (us)': cell(3.0, 4.0),
                    'strict, 2 threads, 1 page: unmap (us)': cell(7.0, 10.0)},
                'commands': {'tlbi per MiB read': cell(2.0, 8.0),
                             'sync per MiB read': cell(2.0, 8.0)}}

    def test_worst_figure_counts(self):
        lazy, strict, one, cmds = bench.dma_targets(self.data())
        self.assertAlmostEqual(lazy['ratio'], 1.2)
        self.assertFalse(lazy['met'])
        self.assertEqual(lazy['figure'], 'lazy, 1 thread, 1 page: unmap (us)')
        # The strict map figure is not an unmap figure.
        self.assertAlmostEqual(strict['ratio'], 0.75)
        self.assertTrue(strict['met'])
        self.assertAlmostEqual(one['ratio'], 0.75)
        self.assertAlmostEqual(cmds['ratio'], 0.25)
        self.assertTrue(cmds['met'])

    def test_missing_figures(self):
        for t in bench.dma_targets({'latency': {}, 'commands': {}}):
            self.assertIsNone(t['met'])


class SmmuTargetTest(unittest.TestCase):
    def test_ratios_and_exact_counts(self):
        data = DmaTargetTest().data()
        data['commands'].update({
            'tlbi per 4 KiB read': {'ours': 1.0, 'base': 1.0},
            'sync per 4 KiB read': {'ours': 1.0, 'base': 1.0},
            'tlbi per 128 KiB read': {'ours': 1.0, 'base': 1.0},
            'sync per 128 KiB read': {'ours': 2.0, 'base': 1.0}})
        unmap, map_ = bench.dma_targets(data, bench.SMMU_TARGETS)
        self.assertAlmostEqual(unmap['ratio'], 0.75)
        self.assertTrue(unmap['met'])
        self.assertAlmostEqual(map_['ratio'], 2.0)
        self.assertFalse(map_['met'])
        exact = {t['figure']: t for t in bench.exact_targets(data)}
        self.assertTrue(exact['tlbi per 4 KiB read']['met'])
        self.assertTrue(exact['tlbi per 128 KiB read']['met'])
        self.assertFalse(exact['sync per 128 KiB read']['met'])
        self.assertIn('ours 2.00, want 1: MISSED',
                      bench.target_line(exact['sync per 128 KiB read']))

    def test_missing_counts_are_not_measured(self):
        for t in bench.exact_targets({'commands': {}}):
            self.assertIsNone(t['met'])
            self.assertIn('not measured', bench.target_line(t))


class BenchBootTest(unittest.TestCase):
    """bench_boot() with boot() replaced by a recorder."""

    def run_boots(self, outcomes):
        calls = []

        def fake_boot(build, image, words, log_path, timeout,
                      trace_log=None):
            calls.append(words)
            with open(log_path, 'w') as f:
                f.write('log\n')
            return types.SimpleNamespace(ok=outcomes[len(calls) - 1])

        with tempfile.TemporaryDirectory() as build, \
                mock.patch.object(qemu, 'boot', fake_boot), \
                mock.patch.object(qemu, 'log'):
            args = types.SimpleNamespace(build=build)
            log_path = os.path.join(build, 'ours-lazy.log')
            result = bench.bench_boot(args, 'Image', ['iommu.strict=0'],
                                        log_path, 60)
            failed = os.path.exists(log_path + '.failed')
        return calls, result, failed

    def test_kunit_off_and_words_kept(self):
        calls, result, failed = self.run_boots([True])
        self.assertTrue(result.ok)
        self.assertEqual(calls, [['kunit.enable=0', 'iommu.strict=0']])
        self.assertFalse(failed)

    def test_one_retry_keeps_the_failed_log(self):
        calls, result, failed = self.run_boots([False, True])
        self.assertTrue(result.ok)
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[0], calls[1])
        self.assertTrue(failed)


class ConfigDifferencesTest(unittest.TestCase):
    """config_differences() with the base tree's scripts/diffconfig."""

    BASE = ['CONFIG_KUNIT=y', 'CONFIG_NR_CPUS=64', '# CONFIG_KASAN is not set',
            'CONFIG_LOCALVERSION=""', 'CONFIG_GONE=y']

    def differences(self, ours):
        base_src = results.base_tree()
        with tempfile.TemporaryDirectory() as build:
            os.symlink(base_src, os.path.join(build, 'base-src'))
            for obj, lines in (('obj-base', self.BASE), ('obj-bench', ours)):
                os.makedirs(os.path.join(build, obj))
                with open(os.path.join(build, obj, '.config'), 'w') as f:
                    f.write('# comment\n' + '\n'.join(lines) + '\n')
            return bench.config_differences(build)

    def test_alike(self):
        self.assertEqual(self.differences(self.BASE), [])

    def test_changed_values_count(self):
        ours = ['CONFIG_KUNIT=y', 'CONFIG_NR_CPUS=8', 'CONFIG_KASAN=y',
                'CONFIG_LOCALVERSION="-iommu"', 'CONFIG_GONE=y']
        self.assertEqual(self.differences(ours),
                         ['CONFIG_KASAN', 'CONFIG_LOCALVERSION',
                          'CONFIG_NR_CPUS'])

    def test_options_of_one_kernel_only_do_not(self):
        ours = self.BASE[:-1] + ['CONFIG_IOMMU_KUNIT_TEST=y']
        self.assertEqual(self.differences(ours), [])

    def test_a_missing_configuration_is_an_error(self):
        with tempfile.TemporaryDirectory() as build:
            with self.assertRaisesRegex(RuntimeError, 'diffconfig'):
                bench.config_differences(build)


if __name__ == '__main__':
    unittest.main()
