# SPDX-License-Identifier: GPL-2.0
"""Test results, and reading them from KTAP.

A result is a line "STATUS NAME [DETAIL]", STATUS one of PASS, FAIL and
SKIP; Results collects them, writes them to a results file and counts them
into the summary "N passed, N failed" that make check ends with.
parse_kunit() and parse_selftests() read the results of the KTAP that
KUnit prints at boot and of each kselftest program's TAP, named
kunit.<suite>.<case> and selftest.<program>.<test>.
"""

import re
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


TAP_RESULT = re.compile(r'^(\s*)(ok|not ok) (\d+) (.*?)(?:\s+#\s*(SKIP|TODO)\b.*)?$')
KTAP_SUBTEST = re.compile(r'^(\s*)# Subtest: (\S+)')
TAP_PLAN = re.compile(r'^\s*1\.\.(\d+)')
KUNIT_FAILED_AT = re.compile(r'^\s*# \S+: (?:EXPECTATION|ASSERTION) FAILED at (\S+)')


def parse_kunit(lines, results):
    """Case-level results of the KTAP that KUnit printed at boot.

    A suite's header "# Subtest: NAME" and its cases' results are indented
    one level (four spaces); the suite's own result is at the top level.
    Parameterised cases nest one level deeper and are counted through their
    case's result.  A suite that started but never reported fails.  A failed
    case names the first check that failed in it, so that a failure seen
    only in a CI summary still says where to look.
    """
    suite, cases_failed, suites, failed_at = None, 0, 0, ''
    for line in lines:
        m = KTAP_SUBTEST.match(line)
        if m and len(m.group(1)) == 4:
            suite, cases_failed, failed_at = m.group(2), 0, ''
            continue
        m = KUNIT_FAILED_AT.match(line)
        if m:
            failed_at = failed_at or m.group(1)
            continue
        m = TAP_RESULT.match(line)
        if not m:
            continue
        depth, ok, name = len(m.group(1)), m.group(2) == 'ok', m.group(4)
        if depth == 4 and suite:
            results.add(ok, f'kunit.{suite}.{name}',
                        '' if ok else failed_at,
                        skipped=m.group(5) == 'SKIP')
            cases_failed += not ok
            failed_at = ''
        elif depth == 0 and suite:
            suites += 1
            if not ok and not cases_failed:
                results.add(False, f'kunit.{name}', 'suite failed')
            suite = None
    if suite:
        results.add(False, f'kunit.{suite}', 'suite never finished')
    return suites


def parse_selftests(boot_result, results, expected):
    """kselftest TAP between "@@selftest begin/end" markers.

    Every program in expected must have run.
    """
    name, seen, planned, failed = None, 0, None, 0
    ran = set()
    for line in boot_result.console():
        if line.startswith('@@selftest begin '):
            name, seen, planned, failed = line.split()[2], 0, None, 0
            ran.add(name)
            continue
        if not name:
            continue
        if line.startswith('@@selftest end '):
            rc = re.search(r'rc=(\d+)', line).group(1)
            if planned is not None and seen < planned:
                results.add(False, f'selftest.{name}',
                            f'{seen} of {planned} tests reported')
            elif rc != '0' and not failed:
                results.add(False, f'selftest.{name}', f'exit status {rc}')
            name = None
            continue
        m = TAP_PLAN.match(line)
        if m and planned is None:
            planned = int(m.group(1))
            continue
        m = TAP_RESULT.match(line)
        if m and not m.group(1):
            ok = m.group(2) == 'ok'
            seen += 1
            failed += not ok
            results.add(ok, f'selftest.{name}.{m.group(4)}',
                        skipped=m.group(5) == 'SKIP')
    if name:
        results.add(False, f'selftest.{name}', 'did not finish')
    for prog in sorted(set(expected) - ran):
        results.add(False, f'selftest.{prog}', 'did not run')
