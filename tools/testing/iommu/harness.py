#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the IOMMU test harness.

Boots a kernel with the harness's initramfs in QEMU virt behind an emulated
SMMUv3, reads the serial console, and turns what the guest prints into test
results (make check), a report (make run) or benchmark tables (make bench).

The guest marks its output with lines starting with "@@" (see ./init); the
kernel's KUnit results come as KTAP on the same console.  A boot that does
not reach "@@harness end" in time, or a console that shows one of
BAD_PATTERNS (an Oops, BUG, WARNING, panic, "Unable to handle", arm64's
"Internal error:" or a call trace), fails whatever else it printed.
"""

import argparse
import concurrent.futures
import glob
import json
import math
import os
import queue
import re
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time
import typing

# arm64's die() says "Internal error: <what>" without "Oops" for aborts
# other than faults, so that and the call trace it prints count too.  The
# debug kernel's checkers report with "BUG:" (KASAN, soft lockups,
# workqueue stalls, sleeping in atomic context) or "WARNING:" (lockdep,
# DEBUG_LIST), but for UBSAN, the hung-task detector and RCU stalls.
BAD_PATTERNS = ('Oops', 'BUG:', 'WARNING:', 'Kernel panic', 'Unable to handle',
                'Internal error:', 'Call trace:', 'UBSAN:',
                'blocked for more than', 'detected stall')
# While a kselftest injects allocation failures on purpose (between these
# lines of its output), the kernel may print the stack of an allocation
# that failed (warn_alloc()); a call trace alone is no report there, but
# everything else in BAD_PATTERNS still is.
INJECT_BEGIN = '@@inject begin'
INJECT_END = '@@inject end'
DISK_MIB = 64


def log(tag, msg):
    print(f'  {tag:<8}{msg}', flush=True)


# --------------------------------------------------------------------------
# Booting the guest

class Boot:
    """One QEMU boot: its console lines and how it ended."""

    def __init__(self, lines, timed_out, seconds, log_path):
        self.lines = lines
        self.timed_out = timed_out
        self.seconds = seconds
        self.log_path = log_path

    @property
    def reached_end(self):
        return any(line.startswith('@@harness end') for line in self.lines)

    @property
    def ok(self):
        """Reached its end with a clean console."""
        return self.reached_end and not self.bad_lines()

    def bad_lines(self):
        bad, injecting = [], False
        for line in self.lines:
            if line.startswith(INJECT_BEGIN):
                injecting = True
            elif line.startswith(INJECT_END):
                injecting = False
            elif any(p in line for p in BAD_PATTERNS):
                if not (injecting and 'Call trace:' in line and
                        not any(p in line for p in BAD_PATTERNS
                                if p != 'Call trace:')):
                    bad.append(line)
        return bad

    def console(self):
        """The live console, without the dmesg dump at the end."""
        out, inside = [], False
        for line in self.lines:
            if line.startswith('@@dmesg begin'):
                inside = True
            elif line.startswith('@@dmesg end'):
                inside = False
            elif not inside:
                out.append(line)
        return out


# The disks of every boot, and the ones make check's and make run's boots
# add: each a sparse file of DISK_MIB, with a serial number the guest finds
# it by.
DISKS = ('nvme', 'virtio')
MORE_DISKS = ('sata', 'usb3', 'usb2', 'scsi')
DISK_SERIAL = 'iommu-{}'


def make_disks(build, names, disk_set=''):
    """Sparse image files of DISK_MIB for the disks @names, in the set of
    disks @disk_set (each of the boots that run at once has its own)."""
    disks = {}
    top = os.path.join(build, 'disks', disk_set)
    os.makedirs(top, exist_ok=True)
    for name in names:
        path = os.path.join(top, f'{name}.img')
        if not os.path.exists(path) or os.path.getsize(path) != DISK_MIB << 20:
            with open(path, 'wb') as f:
                f.truncate(DISK_MIB << 20)
        disks[name] = path
    return disks


def more_devices(build, disk_set):
    """QEMU arguments for the devices of a full guest: an AHCI SATA disk,
    USB disks behind xHCI and EHCI, a virtio-scsi disk, four more edus, and
    two network cards, e1000e and virtio-net, each on a QEMU user network of its own
    (from the guest, the host is 10.0.2.2 and 10.0.3.2, and a connection
    there reaches the host's loopback)."""
    disks = make_disks(build, MORE_DISKS, disk_set)

    def drive(name):
        return ['-drive', f'file={disks[name]},if=none,id={name},format=raw']

    virtio = 'iommu_platform=on,disable-legacy=on'
    return (['-device', 'ich9-ahci,id=ahci'] + drive('sata') +
            ['-device', f'ide-hd,drive=sata,bus=ahci.0,'
                        f'serial={DISK_SERIAL.format("sata")}',
             '-device', 'qemu-xhci,id=xhci'] + drive('usb3') +
            ['-device', f'usb-storage,bus=xhci.0,drive=usb3,'
                        f'serial={DISK_SERIAL.format("usb3")}',
             '-device', 'usb-ehci,id=ehci'] + drive('usb2') +
            ['-device', f'usb-storage,bus=ehci.0,drive=usb2,'
                        f'serial={DISK_SERIAL.format("usb2")}',
             '-device', f'virtio-scsi-pci,id=vscsi,{virtio}'] + drive('scsi') +
            ['-device', f'scsi-hd,drive=scsi,bus=vscsi.0,'
                        f'serial={DISK_SERIAL.format("scsi")}',
             # More edus, for iommu-stress: one each for the DMA map
             # benchmark, type changes, remove and rescan, and VFIO.
             '-device', 'edu', '-device', 'edu', '-device', 'edu',
             '-device', 'edu',
             '-netdev', 'user,id=net0,net=10.0.2.0/24',
             '-device', 'e1000e,netdev=net0,romfile=',
             '-netdev', 'user,id=net1,net=10.0.3.0/24',
             '-device', f'virtio-net-pci,netdev=net1,romfile=,{virtio}'])


def qemu_command(build, image, append, trace_log=None, smp=2,
                 gdb_port=None, full=False, disk_set=''):
    """The QEMU command line of a boot: the benchmarks' guest, or with
    @full make check's and make run's, with more devices and memory for
    the debug kernel's checkers.  Boots that run at once need different
    @disk_set names."""
    disks = make_disks(build, DISKS, disk_set)
    cmd = ['qemu-system-aarch64',
           '-M', 'virt,iommu=smmuv3,gic-version=3', '-cpu', 'cortex-a57',
           '-smp', str(smp), '-m', '2G' if full else '1G', '-nic', 'none',
           '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
           '-no-reboot',
           '-kernel', image,
           '-initrd', os.path.join(build, 'initramfs.cpio.gz'),
           '-append', append,
           '-drive', f'file={disks["nvme"]},if=none,id=nvme,format=raw',
           '-device', 'nvme,drive=nvme,serial=iommu-nvme',
           '-drive', f'file={disks["virtio"]},if=none,id=vblk,format=raw',
           '-device', 'virtio-blk-pci,drive=vblk,iommu_platform=on,'
                      'disable-legacy=on,serial=iommu-virtio',
           '-device', 'edu']
    if full:
        cmd += more_devices(build, disk_set)
    if trace_log:
        cmd += ['-trace', 'smmuv3_cmdq_opcode',
                '-trace', 'smmuv3_s1_range_inval', '-D', trace_log]
    if gdb_port:
        cmd += ['-gdb', f'tcp::{gdb_port}']
    return cmd


def kernel_append(words):
    return ' '.join(['console=ttyAMA0', 'rdinit=/init', 'panic=-1'] + words)


def boot(build, image, words, log_path, timeout, on_line=None,
         trace_log=None, full=False, disk_set=''):
    """Boot image with the extra command-line words; return a Boot.

    on_line is called for each console line as it arrives.  The guest is
    killed when it has not powered off after timeout seconds.  @full boots
    make check's and make run's guest (qemu_command()).
    """
    if full:
        words = words + [f'disks={len(DISKS) + len(MORE_DISKS)}']
    cmd = qemu_command(build, image, kernel_append(words), trace_log,
                       full=full, disk_set=disk_set)
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = queue.Queue()

    def reader():
        for raw in proc.stdout:
            lines.put(raw.decode('utf-8', 'replace').rstrip('\r\n'))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    got, timed_out = [], False
    with open(log_path, 'w') as logf:
        logf.write('# ' + shlex.join(cmd) + '\n')
        while True:
            left = start + timeout - time.monotonic()
            try:
                line = lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                timed_out = True
                proc.kill()
                break
            if line is None:
                break
            # Output that raced with a kernel message may carry a \r.
            line = line.replace('\r', '')
            logf.write(line + '\n')
            got.append(line)
            if on_line:
                on_line(line)
    proc.wait()
    return Boot(got, timed_out, time.monotonic() - start, log_path)


# --------------------------------------------------------------------------
# The host's end of the network test

NET_BLOCK = 64 << 10
NET_BLOCK_MULT = 0x9e3779b97f4a7c15
NET_REPLY_SEED = 0x5deece66d
U64 = (1 << 64) - 1


def splitmix64_bytes(seed, nbytes):
    """What prng_fill() of iommu_test_util.h writes for @seed."""
    state, words = seed, []
    for _ in range(nbytes // 8):
        state = (state + 0x9e3779b97f4a7c15) & U64
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & U64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & U64
        words.append(z ^ (z >> 31))
    return struct.pack(f'<{len(words)}Q', *words)


def net_stream_block(base, k):
    """Block @k of the stream whose first block, before the XOR, is
    @base (kselftest iommu_net)."""
    word = struct.pack('<Q', ((k + 1) * NET_BLOCK_MULT) & U64)
    mask = int.from_bytes(word * (len(base) // 8), 'little')
    return (int.from_bytes(base, 'little') ^ mask).to_bytes(len(base),
                                                             'little')


class TrafficServer:
    """The server kselftest iommu_net talks to, on the host's loopback.

    Each connection sends "IOMMU-NET <card> <seed> <bytes>" and that many
    bytes of its stream; the server checks them, answers "OK <bytes>" (or
    "BAD <offset>") and sends the reply stream.  take() returns, per card,
    whether what it sent arrived intact, and forgets it.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.seen = {}
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _record(self, card, ok, detail):
        with self.lock:
            self.seen[card] = (ok, detail)

    def _serve(self, conn):
        card = '?'
        with conn, conn.makefile('rb') as f:
            try:
                head = f.readline().decode('ascii', 'replace').split()
                if len(head) != 4 or head[0] != 'IOMMU-NET':
                    return
                card, seed, nbytes = head[1], int(head[2]), int(head[3])
                base = splitmix64_bytes(seed, NET_BLOCK)
                bad = None
                for k in range(nbytes // NET_BLOCK):
                    got = f.read(NET_BLOCK)
                    if got != net_stream_block(base, k) and bad is None:
                        bad = k * NET_BLOCK + next(
                            (i for i, (a, b) in enumerate(
                                zip(got, net_stream_block(base, k)))
                             if a != b), len(got))
                # The verdict is kept before the guest hears it, so that
                # it is there as soon as the guest goes on.
                if bad is not None:
                    self._record(card, False, f'byte {bad} of {nbytes} '
                                 'from the guest differs')
                    conn.sendall(f'BAD {bad}\n'.encode())
                    return
                self._record(card, True, f'{nbytes} bytes checked')
                conn.sendall(f'OK {nbytes}\n'.encode())
                base = splitmix64_bytes(seed ^ NET_REPLY_SEED, NET_BLOCK)
                for k in range(nbytes // NET_BLOCK):
                    conn.sendall(net_stream_block(base, k))
            except (OSError, ValueError) as err:
                self._record(card, False, f'connection failed: {err}')

    def take(self):
        with self.lock:
            seen, self.seen = self.seen, {}
        return seen

    def close(self):
        self.sock.close()


NET_CARDS = ('e1000e', 'virtio_net')


def check_net(seen, results, expected):
    """Each card's stream reached the host intact (the host's half of
    kselftest iommu_net), if that test ran in the boot; @seen is what the
    boot's TrafficServer took."""
    if 'iommu_net' not in expected:
        return
    for card in NET_CARDS:
        ok, detail = seen.get(card, (False, 'nothing arrived from it'))
        results.add(ok, f'net.{card}.host_checked', '' if ok else detail)


# --------------------------------------------------------------------------
# Results

class Results:
    def __init__(self):
        self.items = []         # (status, name, detail)
        self.prefix = ''        # put before the names add() is given

    def add(self, ok, name, detail='', skipped=False):
        status = 'SKIP' if skipped else ('PASS' if ok else 'FAIL')
        self.items.append((status, self.prefix + name, detail))

    def load(self, path):
        with open(path) as f:
            for line in f:
                status, _, rest = line.rstrip('\n').partition(' ')
                name, _, detail = rest.partition(' ')
                self.items.append((status, name, detail))

    def save(self, path):
        """Write the results as load() reads them."""
        with open(path, 'w') as f:
            for status, name, detail in self.items:
                f.write(f'{status} {name} {detail}'.rstrip() + '\n')

    def report(self):
        """Print one line a test and the summary; return the exit code."""
        for status, name, detail in self.items:
            print(f'{status}  {name}' + (f'  ({detail})' if detail else ''))
        passed = sum(1 for s, _, _ in self.items if s == 'PASS')
        failed = sum(1 for s, _, _ in self.items if s == 'FAIL')
        skipped = sum(1 for s, _, _ in self.items if s == 'SKIP')
        tail = f', {skipped} skipped' if skipped else ''
        print(f'{passed} passed, {failed} failed{tail}')
        return 1 if failed or not self.items else 0


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


DMA_API_QUIET = re.compile(r'DMA-API: (debugging enabled by kernel config|'
                           r'preallocated \d+ debug entries)')


def check_dma_api_debug(boot_result, results):
    """CONFIG_DMA_API_DEBUG was on, and reported nothing.

    Its reports are the console lines with "DMA-API:" other than the two it
    prints at boot; a kernel without it prints neither, which fails too, so
    that a configuration slip cannot pass for a clean run.
    """
    lines = boot_result.console()
    enabled = any('DMA-API: debugging enabled' in line for line in lines)
    reports = [line.strip() for line in lines
               if 'DMA-API:' in line and not DMA_API_QUIET.search(line)]
    results.add(enabled, 'dma_api_debug.enabled',
                '' if enabled else 'no "DMA-API: debugging enabled" line: '
                'the kernel lacks CONFIG_DMA_API_DEBUG')
    results.add(not reports, 'dma_api_debug.no_reports',
                '' if not reports else f'{reports[0]!r} and '
                f'{len(reports) - 1} more, see {boot_result.log_path}')


SMMU_PROBED = re.compile(r'arm-smmu-v3 \S+: SMMUv3: (.*)$')


def check_smmu_probe(boot_result, results, plain):
    """Our SMMUv3 driver probed, with the stream table format and the
    invalidation it was asked for: all it has by default, the linear table
    and no range invalidation with SMMU_PLAIN."""
    lines = [m.group(1) for m in map(SMMU_PROBED.search,
                                     boot_result.console()) if m]
    results.add(bool(lines), 'smmu.probed',
                '' if lines else 'no "arm-smmu-v3 ...: SMMUv3:" line')
    if not lines:
        return
    want = (('linear stream table', True), ('range invalidation', False)) \
        if plain else \
        (('2-level stream table', True), ('range invalidation', True))
    wrong = [f'{"no" if present else "a"} "{what}"'
             for what, present in want if (what in lines[0]) != present]
    results.add(not wrong, 'smmu.features',
                f'{", ".join(wrong)} in {lines[0]!r}' if wrong else '')


KMEMLEAK_BEGIN = '@@kmemleak begin'
KMEMLEAK_END = '@@kmemleak end'


def kmemleak_report(lines):
    """What the guest's end-of-boot kmemleak scan printed, as
    (scanned, objects, first): whether the scan ran, how many objects it
    reported, and the first one's size and the first frames of its
    allocation backtrace past kmemleak's own."""
    scanned, inside, objects, first, frames = False, False, 0, '', []
    for line in lines:
        if line.startswith(KMEMLEAK_BEGIN):
            inside = scanned = True
        elif line.startswith(KMEMLEAK_END):
            inside = False
        elif not inside:
            continue
        elif line.startswith('@@kmemleak error'):
            scanned = False
        elif line.startswith('unreferenced object'):
            objects += 1
            if objects == 1:
                m = re.search(r'\(size (\d+)\)', line)
                first = f'{m.group(1) if m else "?"} bytes'
        elif objects == 1:
            m = re.match(r'^\s*\[<[0-9a-f]+>\] (\S+)', line)
            if m and not m.group(1).startswith(('kmemleak_', '__kmemleak')):
                frames.append(m.group(1))
    if frames:
        first += ' from ' + ' < '.join(frames[:4])
    return scanned, objects, first


def check_kmemleak(boot_result, results, what):
    """The end-of-boot kmemleak scan ran and reported nothing."""
    scanned, objects, first = kmemleak_report(boot_result.lines)
    if not scanned:
        detail = 'no kmemleak scan at the end of the boot: the kernel ' \
                 'lacks CONFIG_DEBUG_KMEMLEAK, or kmemleak turned itself off'
    elif objects:
        detail = f'{objects} unreferenced object{"s" * (objects > 1)}, ' \
                 f'the first {first}; see {boot_result.log_path}'
    else:
        detail = ''
    results.add(not detail, f'boot.{what}.kmemleak', detail)


def check_debug_kernel(boot_result, results):
    """The debug kernel's checkers were on from the boot to its end: KASAN
    said it started, and lockdep had not turned itself off at the end (it
    does after its first report, or when it runs out of room)."""
    kasan = any('KernelAddressSanitizer initialized' in line
                for line in boot_result.lines)
    lockdep = [line.split(':', 1)[1] for line in boot_result.lines
               if line.startswith('@@lockdep debug_locks:')]
    missing = []
    if not kasan:
        missing.append('no "KernelAddressSanitizer initialized" line')
    if lockdep != ['1']:
        missing.append('lockdep ' + ('was off at the end' if lockdep
                                     else 'did not report its state'))
    results.add(not missing, 'debug_kernel.checkers_on', '; '.join(missing))


# --------------------------------------------------------------------------
# iommu-stress

STRESS_LINE = re.compile(r'^@@stress (\w+) ?(.*)$')
# How far the subsystem's memory may be from where it was before the
# stress, once everything is back as it was: see stress_memory_slack().
STRESS_PGTABLE_SLACK_PER_DOMAIN = 4


def parse_stress(lines):
    """What iommu-stress's summary said: {'ops': {kind: n}, 'errors':
    {kind: n}, 'mismatches': n, 'first_error': {kind: why},
    'memory': {'before': {...}, 'after': {...}}}, or None if it printed no
    summary."""
    out = {'first_error': {}, 'memory': {}}
    for line in lines:
        m = STRESS_LINE.match(line)
        if not m:
            continue
        what, rest = m.group(1), m.group(2)
        if what in ('ops', 'errors'):
            out[what] = {k: int(v) for k, v in
                         (item.split('=') for item in rest.split())}
        elif what == 'mismatches':
            out['mismatches'] = int(rest)
        elif what == 'first_error':
            kind, _, why = rest.partition(' ')
            out['first_error'][kind] = why
        elif what == 'memory':
            when, _, figures = rest.partition(' ')
            out['memory'][when] = {k: int(v) for k, v in
                                   (item.split('=') for item in
                                    figures.split())}
    if 'ops' not in out or 'mismatches' not in out:
        return None
    return out


def stress_memory_slack(before, after):
    """The differences in the subsystem's memory after the stress that
    are too large, as strings; none if it is back where it was.

    There must be as many DMA domains as before, and exactly as many IOVA
    ranges in use (neither reserved nor cached): every device is bound to
    the same driver again, and the drivers keep the same mappings while
    idle.  The range caches may hold more or fewer ranges, but every IOVA
    node that is not in a DMA domain's tree must be gone as before (the
    "iova" slab's objects less the ranges).  Page-table pages may differ
    by a few per DMA domain: the same number of mappings, put at other
    IOVAs after a rebind, can need a table more or less at each level below
    the top (three with a 4 KiB granule), and an emptied table goes only
    after a reclaim period.
    """
    bad = []
    for key in ('pgtable_pages', 'iova_in_use', 'iova_ranges', 'iova_nodes',
                'domains'):
        if before.get(key, -1) < 0 or after.get(key, -1) < 0:
            bad.append(f'no {key} figure')
    if bad:
        return bad
    if after['domains'] != before['domains']:
        bad.append(f'DMA domains {before["domains"]} -> {after["domains"]}')
    if after['iova_in_use'] != before['iova_in_use']:
        bad.append(f'IOVA ranges in use {before["iova_in_use"]} -> '
                   f'{after["iova_in_use"]}')
    loose = [m['iova_nodes'] - m['iova_ranges'] for m in (before, after)]
    if loose[0] != loose[1]:
        bad.append(f'IOVA nodes outside DMA domains {loose[0]} -> '
                   f'{loose[1]}')
    slack = STRESS_PGTABLE_SLACK_PER_DOMAIN * before['domains']
    if abs(after['pgtable_pages'] - before['pgtable_pages']) > slack:
        bad.append(f'page-table pages {before["pgtable_pages"]} -> '
                   f'{after["pgtable_pages"]} (more than {slack} apart)')
    return bad


def check_stress(boot_result, results):
    """iommu-stress ran to its summary, with no data mismatch, no failed
    operation, and the subsystem's memory back where it was."""
    out = parse_stress(boot_result.lines)
    results.add(out is not None, 'stress.ran',
                '' if out else f'no summary, see {boot_result.log_path}')
    if not out:
        return
    results.add(out['mismatches'] == 0, 'stress.data_intact',
                f'{out["mismatches"]} transfers read back other data'
                if out['mismatches'] else '')
    failed = {k: n for k, n in out.get('errors', {}).items() if n}
    results.add(not failed, 'stress.no_errors', '; '.join(
        f'{k}: {n} of {out["ops"].get(k, 0)}, first: '
        f'{out["first_error"].get(k, "?")}' for k, n in failed.items()))
    mem = out['memory']
    bad = stress_memory_slack(mem.get('before', {}), mem.get('after', {}))
    results.add(not bad, 'stress.memory_back', '; '.join(bad))


def check_boot(boot_result, results, what):
    ok = boot_result.reached_end and not boot_result.timed_out
    results.add(ok, f'boot.{what}.reached_end',
                '' if ok else f'no "@@harness end" within '
                f'{boot_result.seconds:.0f} s, see {boot_result.log_path}')
    bad = boot_result.bad_lines()
    results.add(not bad, f'boot.{what}.console_clean',
                '' if not bad else f'{bad[0].strip()!r} and {len(bad) - 1} '
                f'more lines, see {boot_result.log_path}')


# --------------------------------------------------------------------------
# Commands

def cmd_run(args):
    log_path = os.path.join(args.build, 'run', 'console.log')
    log('BOOT', f'{args.image}: QEMU virt, SMMUv3, NVMe, virtio-blk, edu '
        f'(console log: {log_path})')
    state = {'shown': False, 'dmesg': False}

    def show(line):
        if line.startswith('@@harness start'):
            state['shown'] = True
        elif line.startswith('@@dmesg begin'):
            state['dmesg'] = True
        elif line.startswith('@@dmesg end'):
            state['dmesg'] = False
        elif state['shown'] and not state['dmesg'] and not line.startswith('@@'):
            print(line, flush=True)

    # A user's boot: no KUnit suites before user space.
    result = boot(args.build, args.image,
                  ['harness=run', 'kunit.enable=0'] + args.append.split(),
                  log_path, args.timeout, on_line=show, full=True)
    problems = []
    if not result.reached_end:
        problems.append(f'the guest did not finish within {args.timeout} s')
    if not any(line == '@@harness result pass' for line in result.lines):
        problems.append('the guest reported a failure')
    bad = result.bad_lines()
    if bad:
        problems.append('the console shows: ' + bad[0].strip())
    if problems:
        print('make run: FAILED: ' + '; '.join(problems))
        return 1
    print(f'make run: OK, booted, verified and powered off in '
          f'{result.seconds:.1f} s')
    return 0


class CheckBoot(typing.NamedTuple):
    """One boot of make check: its results' prefix, console log, extra
    kernel words, the kselftest programs it runs and whether KUnit runs."""
    prefix: str
    log_name: str
    words: list
    progs: list
    kunit: bool


# The fail-nth sweep runs in the first boot only: it takes long, and what
# it checks (that a failed allocation is undone) does not depend on the
# invalidation mode or the SMMU's options.
ONCE_SELFTESTS = ('iommu_fail_nth',)
# The boot with the SMMU driver's options off runs what goes through the
# stream table and the TLB invalidation, and the driver's KUnit suite.
SMMU_PLAIN = 'arm_smmu_v3.ignore=2lvl,range-inv'
PLAIN_SELFTESTS = ('iommu_dma_edu', 'iommu_dma_io', 'iommu_vfio_edu')
PLAIN_KUNIT = 'arm-smmu-v3*'
# The lazy boot runs the KUnit suites whose devices get default domains
# by the boot's policy (the core's and the DMA layer's); the others (IOVA,
# page tables, the SMMUv3 driver's) do not depend on it.
LAZY_KUNIT = 'iommu-*'
# The passthrough boot: identity default domains, so the DMA API goes
# around the IOMMU.  Most tests would only skip there (edu cannot reach RAM
# untranslated) or repeat the strict boot, so it runs the group listing,
# which must then read "identity" everywhere, and the I/O of the disks and
# network cards, which must work untranslated; KUnit, which does not
# depend on the mode, is left out.
PT_WORDS = ['iommu.passthrough=1', 'kunit.enable=0']
PT_SELFTESTS = ('iommu_dma_io', 'iommu_groups', 'iommu_net')


def check_boots(args, progs):
    """The boots of make check, for the kselftest programs @progs.

    The whole suite runs once with the configured invalidation mode and,
    with --lazy, once more in lazy mode (DMA-FQ domains, flush queues),
    followed by iommu-stress; that boot's results are named "lazy.*".  The
    third boot, with --plain, is strict again but tells our SMMUv3 driver
    to leave the two-level stream table and range invalidation unused
    ("plain.*"); the fourth, with --pt, is in passthrough mode ("pt.*").
    A boot whose selection comes out empty is left out.
    """
    def sel(chosen):
        """The word that picks @chosen, unless it is every program."""
        if chosen == progs and not args.selftest:
            return []
        return [f'selftests={",".join(chosen) or "none"}']

    # iommu-stress runs when the whole suite does.
    stress = [f'stress={args.stress}'] if args.stress and not args.selftest \
        and not args.kunit else []
    again = [p for p in progs if p not in ONCE_SELFTESTS]
    boots = [CheckBoot('', 'console.log',
                       sel(progs) + ([] if args.lazy else stress), progs,
                       True)]
    if args.lazy:
        kunit = [] if args.kunit else [f'kunit.filter_glob={LAZY_KUNIT}']
        boots.append(CheckBoot('lazy.', 'console-lazy.log',
                               ['iommu.strict=0'] + kunit + sel(again) +
                               stress, again, True))
    if args.plain:
        chosen = [p for p in progs if p in PLAIN_SELFTESTS]
        kunit = [] if args.kunit else [f'kunit.filter_glob={PLAIN_KUNIT}']
        boots.append(CheckBoot('plain.', 'console-plain.log',
                               [SMMU_PLAIN] + kunit + sel(chosen), chosen,
                               True))
    if args.pt:
        pt = pt_boot(progs)
        if pt:
            boots.append(pt)
        else:
            log('BOOT', 'no passthrough boot: the selection has none of '
                + ', '.join(PT_SELFTESTS))
    return [b for b in boots if b.progs or b.kunit]


def run_check_boot(args, spec, words):
    """Boot @spec; return its Boot and the traffic server's results."""
    log_path = os.path.join(args.build, 'check', spec.log_name)
    timeout = args.timeout + sum(int(w.split('=')[1]) for w in spec.words
                                 if w.startswith('stress='))
    name = spec.prefix.rstrip('.') or 'first'
    shown = [w for w in spec.words if not w.startswith('selftests=')]
    log('BOOT', f'{name}: {" ".join(shown) or "default options"}, '
        f'{"KUnit at boot then " if spec.kunit else ""}'
        f'{len(spec.progs)} kselftest programs (console log: {log_path}, '
        f'timeout {timeout} s)')

    def progress(line):
        if line.startswith('@@selftest begin'):
            log('GUEST', f'{name}: {line.split()[2]}')
        elif line.startswith('@@harness start'):
            log('GUEST', f'{name}: booted, KUnit done')
        elif line.startswith('@@stress begin'):
            log('GUEST', f'{name}: iommu-stress')

    server = TrafficServer()
    try:
        result = boot(args.build, args.image,
                      words + spec.words + [f'netport={server.port}'],
                      log_path, timeout, on_line=progress, full=True,
                      disk_set=name)
    finally:
        server.close()
    log('BOOT', f'{name}: done in {result.seconds:.0f} s')
    return result, server.take()


def cmd_check(args):
    results = Results()

    words = ['harness=check'] + args.append.split()
    if args.kunit:
        words.append(f'kunit.filter_glob={args.kunit}')
    progs = sorted(p for p in os.listdir(os.path.join(args.build, 'selftests'))
                   if os.access(os.path.join(args.build, 'selftests', p), os.X_OK))
    if args.selftest:
        wanted = args.selftest.split(',')
        for name in sorted(set(wanted) - set(progs)):
            results.add(False, f'selftest.{name}', 'no such kselftest program')
        progs = [p for p in progs if p in wanted]

    # Boots run --jobs at a time.  Much of a boot's time is the guest
    # waiting (edu's DMA engine takes 100 ms a transfer), so two boots at
    # once take much less than one after the other, even on two cores.
    boots = check_boots(args, progs)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda spec: run_check_boot(args, spec, words),
                             boots))
    for spec, (result, traffic) in zip(boots, done):
        results.prefix = spec.prefix
        suites = parse_kunit(result.console(), results)
        if spec.kunit and not args.kunit:
            results.add(suites > 0, 'kunit.suites_ran', f'{suites} suites')
        parse_selftests(result, results, spec.progs)
        check_dma_api_debug(result, results)
        check_smmu_probe(result, results, plain=SMMU_PLAIN in spec.words)
        check_debug_kernel(result, results)
        check_net(traffic, results, spec.progs)
        if any(w.startswith('stress=') for w in spec.words):
            check_stress(result, results)
        check_boot(result, results, 'check')
        check_kmemleak(result, results, 'check')
    results.prefix = ''
    results.save(args.output)
    return 0


def pt_boot(progs):
    """The passthrough boot as cmd_check's boots list it, or None.

    It runs those of PT_SELFTESTS that make check's selection (progs)
    holds; None when it holds none of them.
    """
    chosen = [p for p in progs if p in PT_SELFTESTS]
    if not chosen:
        return None
    return CheckBoot('pt.', 'console-pt.log',
                     PT_WORDS + [f'selftests={",".join(chosen)}'], chosen,
                     False)


def cmd_stress(args):
    """iommu-stress in a boot of its own, strict and then lazy."""
    results = Results()
    for prefix, words in (('strict.', []), ('lazy.', ['iommu.strict=0'])):
        log_path = os.path.join(args.build, 'stress', f'console-{prefix[:-1]}.log')
        log('BOOT', f'{args.image} {" ".join(words)}: iommu-stress for '
            f'{args.duration} s (console log: {log_path})')

        state = {'on': False}

        def show(line):
            """Print the summary as it arrives."""
            if line.startswith('stress summary'):
                state['on'] = True
            elif line.startswith('@@stress end'):
                state['on'] = False
            if state['on'] and not line.startswith('@@'):
                print(line, flush=True)

        result = boot(args.build, args.image,
                      ['harness=stress', f'duration={args.duration}'] + words +
                      args.append.split(), log_path,
                      args.duration + args.timeout, on_line=show, full=True)
        results.prefix = prefix
        check_stress(result, results)
        check_debug_kernel(result, results)
        check_boot(result, results, 'stress')
        check_kmemleak(result, results, 'stress')
    results.prefix = ''
    return results.report()


def cmd_unit(args):
    """Run the harness's own unit tests into a results file."""
    import unittest
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, pattern='test_*.py')
    outcome = {}

    class Recorder(unittest.TextTestResult):
        def addSuccess(self, test):
            super().addSuccess(test)
            outcome[test.id()] = ('PASS', '')

        def addFailure(self, test, err):
            super().addFailure(test, err)
            outcome[test.id()] = ('FAIL', str(err[1]).splitlines()[0][:120])

        def addError(self, test, err):
            super().addError(test, err)
            outcome[test.id()] = ('FAIL', f'{err[0].__name__}: {err[1]}'[:120])

    with open(os.devnull, 'w') as quiet:
        unittest.TextTestRunner(stream=quiet, resultclass=Recorder).run(suite)
    with open(args.output, 'w') as f:
        for test_id, (status, detail) in sorted(outcome.items()):
            module, _, case = test_id.rpartition('.')
            name = module.split('.')[0].removeprefix('test_') + '.' + case
            f.write(f'{status} harness.{name} {detail}'.rstrip() + '\n')
    return 0


def cmd_qemu_command(args):
    """The QEMU command line of a boot, for tools that run QEMU themselves
    (insn-count): one argument after another, each ended by a NUL.  With
    --bench, the kernel boots as make bench's do (BENCH_WORDS)."""
    words = (BENCH_WORDS if args.bench else []) + args.words
    cmd = qemu_command(args.build, args.image, kernel_append(words),
                       smp=args.smp, gdb_port=args.gdb)
    sys.stdout.write(''.join(arg + '\0' for arg in cmd))
    return 0


def cmd_summary(args):
    results = Results()
    for path in args.files:
        results.load(path)
    return results.report()


# --------------------------------------------------------------------------
# Benchmarks

MODES = (('strict', []), ('lazy', ['iommu.strict=0']),
         ('identity', ['iommu.passthrough=1']))
WORKLOADS = (('none', 0, 0), ('4k', 4096, 1000), ('128k', 128 << 10, 256),
             ('1m', 1 << 20, 32))
LAT_LINE = re.compile(r'^@@bench lat (.*)$')
OPCODE = re.compile(r'smmuv3_cmdq_opcode.*<--- (\S+)')

# The figures of the IOVA allocator microbenchmark (iova_bench.ko, in
# tools/testing/iommu/iova-bench/), in table order: (a) and (b) the fastest
# of many short rounds, (c) the median of five rounds but for the last, the
# worst of all; see the module's header comment for the workloads.
IOVA_LINE = re.compile(r'^@@bench iova (\w+)=(\d+)$')
IOVA_FIGURES = (
    ('fast_pair_ns', 'IOVA (a) cached sizes, 1-8 pages: alloc+free pair (ns)'),
    ('big_pair_ns', 'IOVA (b) 64 and 512 pages, beyond the caches: '
                    'alloc+free pair (ns)'),
    ('frag_pair_ns', 'IOVA (c) 100k live ranges: alloc+free pair, mean (ns)'),
    ('frag_worst_alloc_ns', 'IOVA (c) 100k live ranges: worst allocation '
                            'of a round (ns)'),
    ('frag_max_alloc_ns', 'IOVA (c) 100k live ranges: worst allocation '
                          'of all rounds (ns)'),
)
# Targets of the IOVA allocator: the most ours/base may be.
IOVA_TARGETS = (('fast_pair_ns', '(a) cached fast path, pair', 1.0),
                ('frag_worst_alloc_ns', '(c) worst allocation', 0.1))
IOVA_TIMEOUT = 300

# Targets of the DMA layer, ours/base at most LIMIT: over the latency
# figures whose key starts with PREFIX and contains WHAT (the worst one
# counts), or over the SMMU command figures named in WHAT (their sums).
DMA_TARGETS = (
    ('lazy mode, every map and unmap figure', 'latency', 'lazy,', '', 1.0),
    ('strict mode, every unmap figure', 'latency', 'strict,', 'unmap', 0.8),
    ('strict mode, 1 thread, 1 page: unmap', 'latency',
     'strict, 1 thread, 1 page: unmap', '', 0.8),
    ('TLBI + CMD_SYNC per MiB read', 'commands', None,
     ('tlbi per MiB read', 'sync per MiB read'), 0.25),
)


# Benchmark boots leave the KUnit suites built into both kernels off: ours
# has many more (a CPU hotplug case among them), and both kernels should
# reach the benchmark having done the same work.
BENCH_WORDS = ['kunit.enable=0']


def bench_boot(args, image, words, log_path, timeout, trace_log=None):
    """A benchmark boot, tried a second time if the first one fails.

    Benchmarks measure; they do not judge the kernel, and one rare boot
    failure should not throw away the other figures.  The retry is said
    aloud and the failed log kept beside the new one.
    """
    words = BENCH_WORDS + words
    result = boot(args.build, image, words, log_path, timeout,
                  trace_log=trace_log)
    if result.ok:
        return result
    os.replace(log_path, log_path + '.failed')
    log('BENCH', f'boot failed ({log_path}.failed), trying once more')
    return boot(args.build, image, words, log_path, timeout,
                trace_log=trace_log)


def parse_latency(lines, kind, mode):
    """Every run's figures of one bench-lat boot, and any errors.

    Returns {(threads, granule): {'map_us': [...], 'unmap_us': [...]}},
    one value per run in the order the guest printed them.
    """
    rows, errors = {}, []
    for line in lines:
        m = LAT_LINE.match(line)
        if m:
            kv = dict(item.split('=') for item in m.group(1).split())
            row = rows.setdefault((int(kv['threads']), int(kv['granule'])),
                                  {'map_us': [], 'unmap_us': []})
            row['map_us'].append(int(kv['map_100ns']) / 10)
            row['unmap_us'].append(int(kv['unmap_100ns']) / 10)
        elif line.startswith('@@bench error'):
            errors.append(f'{kind} {mode}: {line[len("@@bench error "):]}')
    return rows, errors


def bench_latency(args, image, kind, mode, words):
    log_path = os.path.join(args.build, 'bench', f'{kind}-{mode}.log')
    log('BENCH', f'{kind} kernel, {mode} mode: dma_map_benchmark, '
        f'{args.repeats} x {args.seconds} s a figure')
    runs = 6 * args.repeats
    result = bench_boot(args, image, ['harness=bench-lat',
                                      f'seconds={args.seconds}',
                                      f'repeats={args.repeats}'] + words,
                        log_path, 60 + 3 * runs * args.seconds)
    rows, errors = parse_latency(result.console(), kind, mode)
    if not result.ok:
        errors.append(f'{kind} {mode}: boot failed, see {log_path}')
    return rows, errors


# Targets of the SMMUv3 driver: ours/base at most LIMIT, as DMA_TARGETS...
SMMU_TARGETS = (
    ('strict mode, 1 thread, 1 page: unmap', 'latency',
     'strict, 1 thread, 1 page: unmap', '', 0.8),
    ('strict mode, 1 thread, 1 page: map', 'latency',
     'strict, 1 thread, 1 page: map', '', 1.0),
)
# ...and command counts of our kernel that must be exactly WANT.
SMMU_EXACT = (
    ('one TLBI per 4 KiB read', 'tlbi per 4 KiB read', 1),
    ('one CMD_SYNC per 4 KiB read', 'sync per 4 KiB read', 1),
    ('one TLBI per 128 KiB read', 'tlbi per 128 KiB read', 1),
    ('one CMD_SYNC per 128 KiB read', 'sync per 128 KiB read', 1),
)


def count_commands(trace_log):
    counts = {'tlbi': 0, 'sync': 0, 'range': 0}
    with open(trace_log, errors='replace') as f:
        for line in f:
            m = OPCODE.search(line)
            if m:
                op = m.group(1)
                counts['tlbi'] += 'TLBI' in op
                counts['sync'] += op.endswith('CMD_SYNC')
            elif 'smmuv3_s1_range_inval' in line:
                counts['range'] += 1
    return counts


def bench_commands(args, image, kind):
    """SMMU commands per read for one kernel, and any errors.

    Every figure is a difference from the boot-only count, so one failed
    traced boot leaves this kernel without command figures.
    """
    counts = {}
    for workload, size, count in WORKLOADS:
        base = os.path.join(args.build, 'bench', f'{kind}-cmds-{workload}')
        log('BENCH', f'{kind} kernel, SMMU commands, workload {workload}')
        result = bench_boot(args, image, ['harness=bench-cmds',
                                          f'workload={workload}'],
                            base + '.log', 60, trace_log=base + '.trace')
        if not result.ok:
            return {}, [f'{kind} commands: traced boot failed, see {base}.log']
        counts[workload] = count_commands(base + '.trace')
    out = {}
    for workload, size, count in WORKLOADS[1:]:
        per = count if size < (1 << 20) else count * size / (1 << 20)
        unit = f'per {size >> 10} KiB read' if size < (1 << 20) \
            else 'per MiB read'
        for what in ('tlbi', 'sync'):
            extra = counts[workload][what] - counts['none'][what]
            out[f'{what} {unit}'] = extra / per
    out['boot-only tlbi'] = counts['none']['tlbi']
    out['boot-only sync'] = counts['none']['sync']
    return out, []


def parse_iova(lines, kind):
    """The "@@bench iova NAME=NS" figures of one boot, and any errors."""
    figures, errors = {}, []
    for line in lines:
        m = IOVA_LINE.match(line)
        if m:
            figures[m.group(1)] = int(m.group(2))
        elif line.startswith('@@bench error iova'):
            errors.append(f'{kind} {line[len("@@bench error "):]}')
    missing = [name for name, _ in IOVA_FIGURES if name not in figures]
    if missing:
        errors.append(f'{kind} iova: no figure {", ".join(missing)}')
    return figures, errors


def iova_figure(name, values):
    """One IOVA figure from its value in each boot: the fastest boot for
    the fast-path figures (a) and (b), which are already the fastest of many
    rounds; the median boot for (c), whose figures are medians and worsts."""
    if name in ('fast_pair_ns', 'big_pair_ns'):
        return min(values)
    return sorted(values)[len(values) // 2]


def bench_iova(args, image, kind):
    """The IOVA microbenchmark's figures for one kernel, and any errors."""
    log_path = os.path.join(args.build, 'bench', f'{kind}-iova.log')
    log('BENCH', f'{kind} kernel, IOVA allocator microbenchmark '
        f'(iova_bench-{kind}.ko)')
    result = bench_boot(args, image, ['harness=bench-iova', f'kernel={kind}'],
                        log_path, IOVA_TIMEOUT)
    figures, errors = parse_iova(result.console(), kind)
    errors = [f'{err} (see {log_path})' for err in errors]
    if not result.ok:
        errors.append(f'{kind} iova: boot failed, see {log_path}')
    return figures, errors


def iova_targets(data):
    """Each target of IOVA_TARGETS with its ours/base ratio and verdict."""
    labels = dict(IOVA_FIGURES)
    out = []
    for name, what, limit in IOVA_TARGETS:
        val = data.get(labels[name], {})
        ours, base = val.get('ours'), val.get('base')
        ratio = ours / base if ours is not None and base else None
        out.append({'figure': labels[name], 'target': what, 'max_ratio': limit,
                    'ratio': ratio,
                    'met': None if ratio is None else ratio <= limit})
    return out


def exact_targets(data):
    """Each target of SMMU_EXACT with our figure and verdict."""
    out = []
    for what, figure, want in SMMU_EXACT:
        ours = data.get('commands', {}).get(figure, {}).get('ours')
        out.append({'figure': figure, 'target': what, 'want': want,
                    'ours': ours,
                    'met': None if ours is None else ours == want})
    return out


def dma_targets(data, targets=DMA_TARGETS):
    """Each target of TARGETS with its ours/base ratio and verdict."""
    out = []
    for what, section, prefix, match, limit in targets:
        figures = data.get(section, {})
        ratio, worst = None, ''
        if prefix is None:
            ours = [figures.get(k, {}).get('ours') for k in match]
            base = [figures.get(k, {}).get('base') for k in match]
            if None not in ours + base and sum(base):
                ratio, worst = sum(ours) / sum(base), ' + '.join(match)
        else:
            for key, val in figures.items():
                if not key.startswith(prefix) or match not in key:
                    continue
                if val.get('ours') is None or not val.get('base'):
                    continue
                r = val['ours'] / val['base']
                if ratio is None or r > ratio:
                    ratio, worst = r, key
        out.append({'figure': worst, 'target': what, 'max_ratio': limit,
                    'ratio': ratio,
                    'met': None if ratio is None else ratio <= limit})
    return out


def target_line(t):
    verdict = {None: 'not measured', True: 'met', False: 'MISSED'}[t['met']]
    if 'want' in t:
        ours = '-' if t['ours'] is None else f'{t["ours"]:.2f}'
        return f'{t["target"]}: ours {ours}, want {t["want"]}: {verdict}'
    ratio = '-' if t['ratio'] is None else f'{t["ratio"]:.3f}'
    return (f'{t["target"]}: ours/base {ratio}, target <= {t["max_ratio"]}: '
            f'{verdict}')


def config_differences(build):
    def read(path):
        conf = {}
        with open(path) as f:
            for line in f:
                m = re.match(r'^(CONFIG_\w+)=(.*)$', line)
                if m:
                    conf[m.group(1)] = m.group(2)
                m = re.match(r'^# (CONFIG_\w+) is not set', line)
                if m:
                    conf[m.group(1)] = 'n'
        return conf
    ours = read(os.path.join(build, 'obj-bench', '.config'))
    base = read(os.path.join(build, 'obj-base', '.config'))
    return sorted(k for k in set(ours) & set(base) if ours[k] != base[k])


def bench_fmt(v):
    """A table cell: whole numbers (counts, nanoseconds) as they are, the
    rest to two decimals, or two significant digits below 0.1 (ratios)."""
    if v is None:
        return '-'
    if isinstance(v, int):
        return str(v)
    digits = 2 if not v else max(2, 1 - math.floor(math.log10(abs(v))))
    return f'{v:.{digits}f}'


def cmd_bench(args):
    diff = config_differences(args.build)
    if diff:
        print('bench: the two kernels are configured differently: '
              + ', '.join(diff))
        return 1
    data = {'latency': {}, 'commands': {}, 'iova': {}}
    errors = []
    # Logs of failed boots from earlier runs would read as this run's.
    for stale in glob.glob(os.path.join(args.build, 'bench', '*.failed')):
        os.remove(stale)
    kernels = (('ours', args.image), ('base', args.base_image))
    # Ours and base alternate, so that a change in the host's load while the
    # benchmark runs weighs on both alike.  QEMU runs the same loop at one of
    # two speeds about 2x apart, for seconds to minutes at a time, and the
    # host now and then stalls a vCPU for milliseconds, which a run's mean
    # takes in whole; so each figure is the fastest of --rounds boots times
    # --repeats runs, and results.json keeps every run.
    samples = {}
    for mode, words in MODES:
        for _ in range(args.rounds):
            for kind, image in kernels:
                rows, errs = bench_latency(args, image, kind, mode, words)
                errors += errs
                for (threads, granule), val in rows.items():
                    for op in ('map_us', 'unmap_us'):
                        key = f'{mode}, {threads} thread' \
                              f'{"s" if threads > 1 else ""}, {granule} page' \
                              f'{"s" if granule > 1 else ""}: {op[:-3]} (us)'
                        runs = samples.setdefault(key, {})
                        runs.setdefault(kind, []).extend(val[op])
                        data['latency'].setdefault(key, {})[kind] = \
                            min(runs[kind])
    for kind, image in kernels:
        figures, errs = bench_commands(args, image, kind)
        errors += errs
        for key, val in figures.items():
            data['commands'].setdefault(key, {})[kind] = val
    iova_runs = {}
    for _ in range(args.rounds):
        for kind, image in kernels:
            figures, errs = bench_iova(args, image, kind)
            errors += errs
            for name, value in figures.items():
                iova_runs.setdefault(name, {}).setdefault(kind, []).append(
                    value)
    for name, label in IOVA_FIGURES:
        for kind, values in iova_runs.get(name, {}).items():
            data['iova'].setdefault(label, {})[kind] = \
                iova_figure(name, values)

    table = ['| figure | ours | base | ours/base |', '|---|---:|---:|---:|']
    rows = []
    for section in ('latency', 'commands', 'iova'):
        for key, val in data[section].items():
            ours, base = val.get('ours'), val.get('base')
            ratio = ours / base if ours is not None and base else None
            row = {'figure': key, 'group': section, 'ours': ours,
                   'base': base, 'ratio': ratio}
            if key in samples:
                row['runs'] = samples[key]
            rows.append(row)
            table.append(f'| {key} | {bench_fmt(ours)} | {bench_fmt(base)} '
                         f'| {bench_fmt(ratio)} |')
    targets = iova_targets(data['iova'])
    target_lines = ['Targets of the IOVA allocator:', '']
    target_lines += [f'- {target_line(t)}' for t in targets]
    dma = dma_targets(data)
    target_lines += ['', 'Targets of the DMA layer (the worst figure counts):',
                     '']
    target_lines += [f'- {target_line(t)} ({t["figure"] or "-"})' for t in dma]
    targets += dma
    smmu = dma_targets(data, SMMU_TARGETS) + exact_targets(data)
    target_lines += ['', 'Targets of the SMMUv3 driver:', '']
    target_lines += [f'- {target_line(t)} ({t["figure"] or "-"})'
                     for t in smmu]
    targets += smmu
    out_dir = os.path.join(args.build, 'bench')
    header = [f'# IOMMU benchmarks, {time.strftime("%Y-%m-%d %H:%M")}', '',
              'dma_map_benchmark on edu, '
              f'the fastest of {args.rounds} boots x {args.repeats} runs '
              f'of {args.seconds} s (every run in results.json), '
              'latency in microseconds (the '
              'kernel reports 0.1 us steps); SMMU commands counted in '
              "QEMU's trace, boot-only counts subtracted.  Two identical "
              'kernels differ by up to about 10% between runs; at 0.1-0.3 us '
              '(identity mode) one 0.1 us step is a third.  The IOVA '
              'figures come from the iova_bench module, in nanoseconds, '
              f'one boot a kernel in each of {args.rounds} rounds: (a) and '
              '(b) the fastest of 51 short rounds in the fastest boot, (c) '
              'the median of five rounds (or the worst of all) in the '
              'median boot.', '']
    with open(os.path.join(out_dir, 'results.md'), 'w') as f:
        f.write('\n'.join(header + table + [''] + target_lines) + '\n')
        f.writelines(f'\nError: {err}\n' for err in errors)
    with open(os.path.join(out_dir, 'results.json'), 'w') as f:
        json.dump({'seconds': args.seconds, 'rounds': args.rounds,
                   'repeats': args.repeats, 'rows': rows, 'targets': targets,
                   'errors': errors}, f, indent=1)
    print('\n'.join(table))
    for t in targets:
        print(f'target: {target_line(t)}'
              + (f' ({t["figure"]})' if t in dma and t['figure'] else ''))
    for err in errors:
        print(f'bench: error: {err}')
    log('RESULTS', f'{out_dir}/results.md and results.json')
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', required=True, help='the build directory')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('run', help='boot and show the subsystem working')
    p.add_argument('--image', required=True)
    p.add_argument('--timeout', type=int, default=300)
    p.add_argument('--append', default='', help='extra kernel parameters')
    p = sub.add_parser('check', help='boot the tests, print results')
    p.add_argument('--image', required=True)
    p.add_argument('--timeout', type=int, default=900)
    p.add_argument('--append', default='', help='extra kernel parameters')
    p.add_argument('--kunit', default='', help='KUnit filter glob')
    p.add_argument('--selftest', default='',
                   help='comma-separated kselftest programs')
    p.add_argument('--plain', action='store_true',
                   help='boot the tests once more with the SMMU driver\'s '
                   'optional features off (' + SMMU_PLAIN + ')')
    p.add_argument('--lazy', action='store_true',
                   help='boot the tests a second time with iommu.strict=0')
    p.add_argument('--pt', action='store_true',
                   help='boot a subset of the tests once more with '
                   'iommu.passthrough=1')
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
    handler = {'run': cmd_run, 'check': cmd_check, 'stress': cmd_stress,
               'summary': cmd_summary,
               'unit': cmd_unit, 'bench': cmd_bench,
               'qemu-command': cmd_qemu_command}[args.cmd]
    try:
        return handler(args)
    except (OSError, RuntimeError) as err:
        print(f'harness: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
