#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of qemu.py: the QEMU command line, and what in a console
counts as a kernel report.

Run directly (python3 test_qemu.py) or through make check, which reports
each case as harness.qemu.<case>.
"""

import io
import os
import sys
import tempfile
import types
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import harness  # noqa: E402
import qemu  # noqa: E402


class BadLinesTest(unittest.TestCase):
    """Boot.bad_lines(): the kernel's reports on a console."""

    def boot(self, lines):
        return qemu.Boot(lines, False, 1.0, 'console.log')

    def test_a_call_trace_alone_is_no_report_while_injecting(self):
        lines = [qemu.INJECT_BEGIN + ' attach',
                 'kworker: page allocation failure: order:0',
                 'Call trace:', qemu.INJECT_END + ' attach']
        self.assertEqual(self.boot(lines).bad_lines(), [])

    def test_a_bug_is_a_report_while_injecting(self):
        lines = [qemu.INJECT_BEGIN + ' attach',
                 'BUG: KASAN: slab-use-after-free in x', 'Call trace:',
                 qemu.INJECT_END + ' attach']
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


class QemuCommandTest(unittest.TestCase):
    def test_one_cpu_and_gdbstub_on_request(self):
        with tempfile.TemporaryDirectory() as build:
            cmd = qemu.qemu_command(build, 'Image',
                                    qemu.kernel_append(['lat=1x1']),
                                    smp=1, gdb_port=1234)
            plain = qemu.qemu_command(build, 'Image', 'x')
        self.assertEqual(cmd[cmd.index('-smp') + 1], '1')
        self.assertEqual(cmd[cmd.index('-gdb') + 1], 'tcp::1234')
        self.assertTrue(cmd[cmd.index('-append') + 1].endswith(' lat=1x1'))
        self.assertEqual(plain[plain.index('-smp') + 1], '2')
        self.assertNotIn('-gdb', plain)

    def test_acpi_boots_through_uefi(self):
        with tempfile.TemporaryDirectory() as build:
            cmd = qemu.qemu_command(build, 'Image', 'x', acpi=True)
            plain = qemu.qemu_command(build, 'Image', 'x')
        self.assertEqual(cmd[cmd.index('-bios') + 1], qemu.UEFI_FIRMWARE)
        self.assertEqual(cmd[cmd.index('-kernel') + 1], 'Image')
        self.assertNotIn('-bios', plain)

    def test_a_users_guest_has_no_edu(self):
        with tempfile.TemporaryDirectory() as build:
            tests = qemu.qemu_command(build, 'Image', 'x', full=True)
            user = qemu.qemu_command(build, 'Image', 'x', full=True,
                                     edus=False)
        self.assertEqual(tests.count('edu'), 5)
        self.assertEqual(user.count('edu'), 0)
        self.assertEqual(len(tests) - len(user), 10)
        self.assertIn('e1000e,netdev=net0,romfile=', user)

    def printed(self, as_bench):
        """What harness.py qemu-command prints as the kernel's words."""
        args = types.SimpleNamespace(image='Image', words=['lat=1x1'],
                                     smp=1, gdb=None, bench=as_bench)
        with tempfile.TemporaryDirectory() as build, \
                mock.patch('sys.stdout', new_callable=io.StringIO) as out:
            args.build = build
            self.assertEqual(harness.cmd_qemu_command(args), 0)
        cmd = out.getvalue().split('\0')
        self.assertEqual(cmd[-1], '')
        return cmd[cmd.index('-append') + 1]

    def test_bench_boots_as_make_bench(self):
        self.assertEqual(self.printed(True).split()[-2:],
                         bench.BENCH_WORDS + ['lat=1x1'])
        self.assertNotIn('kunit.enable=0', self.printed(False))


if __name__ == '__main__':
    unittest.main()
