# SPDX-License-Identifier: GPL-2.0
"""Test results, and reading them from KTAP.

A result is a line "STATUS NAME [DETAIL]", STATUS one of PASS, FAIL and
SKIP; Results collects them, writes them to a results file and counts them
into the summary "N passed, N failed" that make check ends with.

The KTAP that KUnit prints at boot and the TAP of each kselftest program
are read with the base kernel's own parser, kunit_parser.py of
tools/testing/kunit in the base tree that make base-src unpacks
(BUILD/base-src); parse_kunit() and parse_selftests() turn the tests it
finds into results named kunit.<suite>.<case> and
selftest.<program>.<test>.
"""

import importlib
import io
import os
import re
import sys
import typing


class Result(typing.NamedTuple):
    """One test's result, as one line of a results file."""
    status: str         # PASS, FAIL or SKIP
    name: str
    detail: str


class Results:
    def __init__(self):
        self.items = []         # Result
        self.prefix = ''        # put before the names add() is given

    def add(self, ok, name, detail='', skipped=False):
        status = 'SKIP' if skipped else ('PASS' if ok else 'FAIL')
        self.items.append(Result(status, self.prefix + name, detail))

    def load(self, path):
        with open(path) as f:
            for line in f:
                status, _, rest = line.rstrip('\n').partition(' ')
                name, _, detail = rest.partition(' ')
                self.items.append(Result(status, name, detail))

    def save(self, path):
        """Write the results as load() reads them."""
        with open(path, 'w') as f:
            for r in self.items:
                f.write(f'{r.status} {r.name} {r.detail}'.rstrip() + '\n')

    def report(self):
        """Print one line a test and the summary; return the exit code."""
        for r in self.items:
            print(f'{r.status}  {r.name}' +
                  (f'  ({r.detail})' if r.detail else ''))
        counts = {status: sum(1 for r in self.items if r.status == status)
                  for status in ('PASS', 'FAIL', 'SKIP')}
        tail = f', {counts["SKIP"]} skipped' if counts['SKIP'] else ''
        print(f'{counts["PASS"]} passed, {counts["FAIL"]} failed{tail}')
        return 1 if counts['FAIL'] or not self.items else 0


# --------------------------------------------------------------------------
# The base tree's KTAP parser

# Where make base-src unpacks the base tree when BUILD is the repository's
# build/; harness.py --build BUILD says where it is instead.
_base_src = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         '..', '..', '..', 'build', 'base-src')
_parser = None


class _Discard(io.TextIOBase):
    """A file that keeps nothing of what is written to it."""

    def write(self, text):
        return len(text)


def use_base_tree(base_src):
    """Read KTAP with the kunit_parser.py of the base tree @base_src."""
    global _base_src, _parser
    _base_src, _parser = os.path.abspath(base_src), None


def base_tree():
    """The base tree that use_base_tree() named, or the default one."""
    return os.path.normpath(_base_src)


def kunit_parser():
    """The base tree's kunit_parser module, imported on first use.

    Its progress lines (what kunit.py prints while it parses) go nowhere:
    the results are what counts.
    """
    global _parser
    if _parser:
        return _parser
    where = os.path.join(_base_src, 'tools', 'testing', 'kunit')
    if not os.path.isfile(os.path.join(where, 'kunit_parser.py')):
        raise RuntimeError(f'no kunit_parser.py in {os.path.normpath(where)}:'
                           ' unpack the base tree first (make base-src)')
    # No __pycache__ in the base tree, which the overlay copies.
    sys.dont_write_bytecode = True
    if where not in sys.path:
        sys.path.append(where)
    parser = importlib.import_module('kunit_parser')
    printer = importlib.import_module('kunit_printer')
    parser.stdout = printer.Printer(_Discard())
    _parser = parser
    return parser


def parse_tap(lines):
    """The tests of the (K)TAP in @lines, as kunit_parser's Test of the
    whole output (named "main"), or None if there is none."""
    parser = kunit_parser()
    stream = parser.extract_tap_lines(lines)
    if not stream:
        return None
    return parser.parse_test(stream, 0, [], False)


# --------------------------------------------------------------------------
# KUnit

KUNIT_FAILED_AT = re.compile(r'^\s*# \S+: (?:EXPECTATION|ASSERTION) FAILED '
                             r'at (\S+)')


def first_failed_check(test):
    """Where the first check that failed in @test (or in one of its
    parameters) is, as file:line, or ''."""
    for line in test.log:
        m = KUNIT_FAILED_AT.match(line)
        if m:
            return m.group(1)
    for sub in test.subtests:
        where = first_failed_check(sub)
        if where:
            return where
    return ''


def kernel_part(lines):
    """The console before user space starts, where KUnit's KTAP is: the
    guest's first line for the host begins with "@@", and the TAP of the
    kselftests after it is not KUnit's."""
    out = []
    for line in lines:
        if line.startswith('@@'):
            break
        out.append(line)
    return out


def parse_kunit(lines, results):
    """Case-level results of the KTAP that KUnit printed at boot; return
    how many suites reported their result.

    Parameterised cases are counted through their case's result.  A suite
    that started but never reported fails, as does a suite that failed
    without a failed case.  A failed case names the first check that
    failed in it, so that a failure seen only in a CI summary still says
    where to look.  A case that never started has no name to report.
    """
    status = kunit_parser().TestStatus
    top = parse_tap(kernel_part(lines))
    suites = 0
    for suite in top.subtests if top else []:
        if not suite.name:
            continue
        cases_failed = 0
        for case in suite.subtests:
            if not case.name:
                continue
            ok = case.status in (status.SUCCESS, status.SKIPPED)
            detail = ''
            if case.status == status.TEST_CRASHED:
                detail = 'no result'
            elif not ok:
                detail = first_failed_check(case)
            results.add(ok, f'kunit.{suite.name}.{case.name}', detail,
                        skipped=case.status == status.SKIPPED)
            cases_failed += not ok
        if suite.status == status.TEST_CRASHED:
            results.add(False, f'kunit.{suite.name}', 'suite never finished')
            continue
        suites += 1
        if suite.status == status.FAILURE and not cases_failed:
            results.add(False, f'kunit.{suite.name}', 'suite failed')
    return suites


# --------------------------------------------------------------------------
# kselftests

class SelftestRun(typing.NamedTuple):
    """One kselftest program's output between the guest's markers
    "@@selftest begin NAME" and "@@selftest end NAME rc=RC"; rc is None
    when the end marker never came."""
    name: str
    lines: list
    rc: typing.Optional[int]


def selftest_runs(lines):
    """The SelftestRun of each program the guest ran, in order."""
    runs, name, got = [], None, []
    for line in lines:
        if line.startswith('@@selftest begin '):
            if name:
                runs.append(SelftestRun(name, got, None))
            name, got = line.split()[2], []
        elif line.startswith('@@selftest end ') and name:
            rc = int(re.search(r'rc=(\d+)', line).group(1))
            runs.append(SelftestRun(name, got, rc))
            name = None
        elif name:
            got.append(line)
    if name:
        runs.append(SelftestRun(name, got, None))
    return runs


def parse_selftests(boot_result, results, expected):
    """Results of the kselftest programs' TAP.

    Every test the TAP reports is a result.  A program fails on its own
    when it reported fewer tests than it planned, when it exited with a
    status other than 0 although no test failed, or when it did not
    finish; and every program in @expected must have run.
    """
    status = kunit_parser().TestStatus
    ran = set()
    for run in selftest_runs(boot_result.console()):
        ran.add(run.name)
        top = parse_tap(run.lines)
        tests = [t for t in top.subtests if t.name] if top else []
        failed = 0
        for test in tests:
            ok = test.status in (status.SUCCESS, status.SKIPPED)
            failed += not ok
            results.add(ok, f'selftest.{run.name}.{test.name}',
                        skipped=test.status == status.SKIPPED)
        planned = top.expected_count if top else None
        if run.rc is None:
            results.add(False, f'selftest.{run.name}', 'did not finish')
        elif planned is not None and len(tests) < planned:
            results.add(False, f'selftest.{run.name}',
                        f'{len(tests)} of {planned} tests reported')
        elif run.rc and not failed:
            results.add(False, f'selftest.{run.name}',
                        f'exit status {run.rc}')
    for prog in sorted(set(expected) - ran):
        results.add(False, f'selftest.{prog}', 'did not run')
