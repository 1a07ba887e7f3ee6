#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the IOMMU test harness.

Boots a kernel with the harness's initramfs in QEMU virt behind an emulated
SMMUv3, reads the serial console, and turns what the guest prints into test
results (make check), a report (make run) or benchmark tables (make bench).

This file is the command line; the work is in the modules beside it:

  qemu.py     booting the guest and reading its console
  results.py  results, and KUnit's and the kselftests' (K)TAP, read with
              the base tree's tools/testing/kunit/kunit_parser.py
  check.py    make check, make run and make stress, and what they judge
  net.py      the host's end of kselftest iommu_net
  bench.py    make bench, ours against the base kernel
  compare.py  make compare-iommufd, upstream's iommufd kselftests on ours
              and on the base kernel

Usage: harness.py --build BUILD COMMAND ...; BUILD is the Makefile's build
directory, which holds the initramfs, the disks, the logs and the base tree
(BUILD/base-src, from make base-src).
"""

import argparse
import os
import sys
import unittest

import bench
import check
import compare
import qemu
import results


def cmd_unit(args):
    """Run the harness's own unit tests into a results file, each case of
    test_SCRIPT.py as harness.SCRIPT.CASE."""
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, pattern='test_*.py')
    outcome = {}

    def record(test, status, detail=''):
        module, _, case = test.id().rpartition('.')
        script = module.split('.')[0].removeprefix('test_')
        outcome[test.id()] = results.Result(status, f'harness.{script}.{case}',
                                            detail[:120])

    class Recorder(unittest.TextTestResult):
        def addSuccess(self, test):
            super().addSuccess(test)
            record(test, 'PASS')

        def addFailure(self, test, err):
            super().addFailure(test, err)
            record(test, 'FAIL', str(err[1]).splitlines()[0])

        def addError(self, test, err):
            super().addError(test, err)
            record(test, 'FAIL', f'{err[0].__name__}: {err[1]}')

    with open(os.devnull, 'w') as quiet:
        unittest.TextTestRunner(stream=quiet, resultclass=Recorder).run(suite)
    found = results.Results()
    found.items = [outcome[test_id] for test_id in sorted(outcome)]
    found.save(args.output)
    return 0


def cmd_qemu_command(args):
    """The QEMU command line of a boot, for tools that run QEMU themselves
    (insn-count): one argument after another, each ended by a NUL.  With
    --bench, the kernel boots as make bench's do (BENCH_WORDS)."""
    words = (bench.BENCH_WORDS if args.bench else []) + args.words
    cmd = qemu.qemu_command(args.build, args.image,
                            qemu.kernel_append(words), smp=args.smp,
                            gdb_port=args.gdb)
    sys.stdout.write(''.join(arg + '\0' for arg in cmd))
    return 0


def cmd_summary(args):
    """Print the results of every file and count them."""
    found = results.Results()
    for path in args.files:
        found.load(path)
    return found.report()



def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', required=True, help='the build directory')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('run', help='boot and show the subsystem working')
    p.add_argument('--image', required=True)
    p.add_argument('--timeout', type=int, default=300)
    p.add_argument('--append', default='', help='extra kernel parameters')
    p.add_argument('--acpi', action='store_true',
                   help='boot through UEFI, with ACPI instead of a device '
                   'tree')
    p = sub.add_parser('check', help='boot the tests, print results')
    p.add_argument('--image', required=True)
    p.add_argument('--timeout', type=int, default=900)
    p.add_argument('--append', default='', help='extra kernel parameters')
    p.add_argument('--kunit', default='', help='KUnit filter glob')
    p.add_argument('--selftest', default='',
                   help='comma-separated kselftest programs')
    p.add_argument('--plain', action='store_true',
                   help='boot the tests once more with the SMMU driver\'s '
                   'optional features off (' + check.SMMU_PLAIN + ')')
    p.add_argument('--lazy', action='store_true',
                   help='boot the tests a second time with iommu.strict=0')
    p.add_argument('--pt', action='store_true',
                   help='boot a subset of the tests once more with '
                   'iommu.passthrough=1')
    p.add_argument('--acpi', action='store_true',
                   help='boot the tests once more through UEFI, with ACPI '
                   'instead of a device tree')
    p.add_argument('--firmware', action='store_true',
                   help='boot through UEFI with ACPI tables that add an RMR '
                   'and bad SMMUv3 input to QEMU\'s')
    p.add_argument('--stress', type=int, default=0,
                   help='run iommu-stress for this many seconds after the '
                   'kselftests of the lazy boot')
    p.add_argument('--jobs', type=int, default=2,
                   help='boots at once')
    p.add_argument('--output', required=True,
                   help='results file to write, for the summary')
    p = sub.add_parser('stress', help='iommu-stress, strict and lazy')
    p.add_argument('--image', required=True)
    p.add_argument('--duration', type=int, default=600)
    p.add_argument('--timeout', type=int, default=600,
                   help='seconds the boot may take beyond the duration')
    p.add_argument('--append', default='', help='extra kernel parameters')
    p = sub.add_parser('unit', help="the harness's own unit tests")
    p.add_argument('output', help='results file to write')
    p = sub.add_parser('summary', help='print and count result files')
    p.add_argument('files', nargs='+')
    p = sub.add_parser('bench', help='ours against the base kernel')
    p.add_argument('--image', required=True)
    p.add_argument('--base-image', required=True)
    p.add_argument('--seconds', type=int, default=2,
                   help='length of one dma_map_benchmark run')
    p.add_argument('--rounds', type=int, default=3,
                   help='latency boots per kernel and mode')
    p.add_argument('--repeats', type=int, default=3,
                   help='runs of every latency figure per boot; the fastest '
                   'run of all boots counts')
    p.add_argument('--only', choices=('cmdq',),
                   help="only this section: cmdq, our command queue on the "
                   "model SMMU (make bench-cmdq)")
    p = sub.add_parser('compare-iommufd',
                       help="upstream's iommufd kselftests, ours against "
                       'the base kernel')
    p.add_argument('--image', required=True)
    p.add_argument('--base-image', required=True)
    p.add_argument('--runs', type=int, default=3, help='boots per kernel')
    p.add_argument('--append', default='', help='extra kernel parameters')
    p.add_argument('--timeout', type=int, default=1500)
    p = sub.add_parser('qemu-command',
                       help='print the QEMU command line of a boot, '
                       'NUL-separated')
    p.add_argument('--image', required=True)
    p.add_argument('--smp', type=int, default=2)
    p.add_argument('--gdb', type=int, help="port for QEMU's gdbstub")
    p.add_argument('--bench', action='store_true',
                   help="boot as make bench's boots do")
    p.add_argument('words', nargs='*', help='extra kernel parameters')
    args = ap.parse_args()
    handler = {'run': check.cmd_run, 'check': check.cmd_check,
               'stress': check.cmd_stress, 'summary': cmd_summary,
               'unit': cmd_unit, 'bench': bench.cmd_bench,
               'compare-iommufd': compare.cmd_compare_iommufd,
               'qemu-command': cmd_qemu_command}[args.cmd]
    results.use_base_tree(os.path.join(args.build, 'base-src'))
    try:
        return handler(args)
    except (OSError, RuntimeError) as err:
        print(f'harness: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
