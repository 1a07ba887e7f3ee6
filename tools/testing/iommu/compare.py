# SPDX-License-Identifier: GPL-2.0
"""make compare-iommufd: upstream's iommufd kselftests on both kernels.

The two programs of the base tree, `iommufd` and `iommufd_fail_nth`, run
on our kernel and on the unmodified base kernel, both built with make
check's configuration (the debug options, CONFIG_IOMMUFD_TEST), from the
same initramfs and in make check's guest: the same binaries, the same
QEMU, the same preparation by the guest's init.  Each kernel boots
--runs times, two boots at once; the table gives each run's pass, fail
and skip counts per program, and the tests that failed, with the number
of runs they failed in.  The command fails when a test fails on our
kernel, or when one of our boots does not finish or shows a kernel report
on its console; what the base does is reported, not judged.
"""

import collections
import concurrent.futures
import os
import typing

import qemu
from results import Results, parse_selftests

PROGRAMS = ('iommufd', 'iommufd_fail_nth')
KERNELS = ('ours', 'base')


class Run(typing.NamedTuple):
    """One boot's outcome: its results and whether the boot went well."""
    results: Results
    problem: str        # '' when the boot finished with a clean console


def judge_boot(boot_result, progs):
    """The Run of one finished boot."""
    results = Results()
    parse_selftests(boot_result, results, progs)
    problem = ''
    if not boot_result.reached_end:
        problem = f'did not finish, see {boot_result.log_path}'
    else:
        bad = boot_result.bad_lines()
        if bad:
            problem = (f'console shows {bad[0].strip()!r}, see '
                       f'{boot_result.log_path}')
    return Run(results, problem)


def counts(run, prog):
    """(passed, failed, skipped) of @prog's tests in @run."""
    got = collections.Counter()
    for r in run.results.items:
        if r.name == f'selftest.{prog}' or \
                r.name.startswith(f'selftest.{prog}.'):
            got[r.status] += 1
    return got['PASS'], got['FAIL'], got['SKIP']


def failures(runs):
    """{test name: number of runs it failed in}, over @runs."""
    failed = collections.Counter()
    for run in runs:
        for r in run.results.items:
            if r.status == 'FAIL':
                failed[r.name.removeprefix('selftest.')] += 1
    return failed


def report(runs):
    """The text of the table, for {kernel: [Run]}."""
    n = max(len(v) for v in runs.values())
    lines = [f"Upstream's iommufd kselftests, {n} run(s) per kernel, "
             'passed/failed/skipped:', '']
    width = max(len(p) for p in PROGRAMS) + 2
    lines.append(f'{"":{width}}' + ''.join(f'{k:<32}' for k in KERNELS))
    for prog in PROGRAMS:
        cells = []
        for kernel in KERNELS:
            cells.append(' '.join('%d/%d/%d' % counts(run, prog)
                                  for run in runs[kernel]))
        lines.append(f'{prog:{width}}' + ''.join(f'{c:<32}' for c in cells))
    for kernel in KERNELS:
        lines.append('')
        failed = failures(runs[kernel])
        problems = [r.problem for r in runs[kernel] if r.problem]
        if not failed and not problems:
            lines.append(f'{kernel}: every test passed in every run')
            continue
        lines.append(f'{kernel}:')
        for name, times in sorted(failed.items()):
            lines.append(f'  failed in {times} of {len(runs[kernel])}: '
                         f'{name}')
        for problem in problems:
            lines.append(f'  boot {problem}')
    return '\n'.join(lines)


def cmd_compare_iommufd(args):
    out = os.path.join(args.build, 'compare-iommufd')
    images = {'ours': args.image, 'base': args.base_image}
    words = ['harness=check', 'kunit.enable=0',
             f'selftests={",".join(PROGRAMS)}'] + args.append.split()
    boots = [(kernel, i) for i in range(args.runs) for kernel in KERNELS]

    def one(boot):
        kernel, i = boot
        log_path = os.path.join(out, f'console-{kernel}-{i + 1}.log')
        qemu.log('BOOT', f'{kernel} run {i + 1}: {images[kernel]} '
                 f'(console log: {log_path})')
        result = qemu.boot(args.build, images[kernel], words, log_path,
                           args.timeout, full=True,
                           disk_set=f'compare-{kernel}-{i}')
        qemu.log('BOOT', f'{kernel} run {i + 1}: done in '
                 f'{result.seconds:.0f} s')
        return judge_boot(result, PROGRAMS)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        done = list(pool.map(one, boots))
    runs = {k: [run for (kernel, _), run in zip(boots, done) if kernel == k]
            for k in KERNELS}
    text = report(runs)
    with open(os.path.join(out, 'summary.txt'), 'w') as f:
        f.write(text + '\n')
    print(text)
    ours = runs['ours']
    return 1 if failures(ours) or any(r.problem for r in ours) else 0
