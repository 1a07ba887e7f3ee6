# SPDX-License-Identifier: GPL-2.0
"""make check, make run and make stress: their boots and what they judge.

check_boots() lists make check's boots (as configured, lazy, plain,
passthrough, through UEFI and ACPI, and on ACPI tables with RMRs and bad
input, firmware.py), cmd_check() runs them and turns each console into
results:
the KUnit and kselftest results (results.py), and the boot's own checks
below, from the debug kernel's checkers to iommu-stress's summary.
cmd_run() boots the guest that shows the subsystem at work, cmd_stress()
iommu-stress in boots of its own.
"""

import concurrent.futures
import os
import re
import typing

import acpi_tables
import firmware
import net
import qemu
from results import Results, parse_kunit, parse_selftests


# --------------------------------------------------------------------------
# What a boot's console shows

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


SMMU_PROBED = re.compile(r'arm-smmu-v3 (\S+): SMMUv3: (.*)$')
# The SMMU's device as each firmware makes it: the device tree's node at
# its MMIO address, or the platform device IORT's code makes for its node.
SMMU_DEVICE = {False: '9050000.smmuv3', True: 'arm-smmu-v3.0.auto'}


def check_smmu_probe(boot_result, results, plain, acpi=False):
    """Our SMMUv3 driver probed, on the device the boot's firmware
    describes (the device tree, or IORT with @acpi), with the stream table
    format and the invalidation it was asked for: all it has by default,
    the linear table and no range invalidation with SMMU_PLAIN."""
    found = [m.groups() for m in map(SMMU_PROBED.search,
                                     boot_result.console()) if m]
    results.add(bool(found), 'smmu.probed',
                '' if found else 'no "arm-smmu-v3 ...: SMMUv3:" line')
    if not found:
        return
    device = found[0][0]
    results.add(device == SMMU_DEVICE[acpi], 'smmu.firmware',
                f'{device}, not {SMMU_DEVICE[acpi]}'
                if device != SMMU_DEVICE[acpi] else '')
    lines = [line for _, line in found]
    want = (('linear stream table', True), ('range invalidation', False)) \
        if plain else \
        (('2-level stream table', True), ('range invalidation', True))
    wrong = [f'{"no" if present else "a"} "{what}"'
             for what, present in want if (what in lines[0]) != present]
    results.add(not wrong, 'smmu.features',
                f'{", ".join(wrong)} in {lines[0]!r}' if wrong else '')


KMEMLEAK_BEGIN = '@@kmemleak begin'
KMEMLEAK_END = '@@kmemleak end'


class KmemleakReport(typing.NamedTuple):
    """What the guest's end-of-boot kmemleak scan printed: whether the scan
    ran, how many objects it reported, and the first one's size and the
    first frames of its allocation backtrace past kmemleak's own."""
    scanned: bool
    objects: int
    first: str


def kmemleak_report(lines):
    """The KmemleakReport of a boot's console @lines."""
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
    return KmemleakReport(scanned, objects, first)


def check_kmemleak(boot_result, results, what):
    """The end-of-boot kmemleak scan ran and reported nothing."""
    report = kmemleak_report(boot_result.lines)
    if not report.scanned:
        detail = 'no kmemleak scan at the end of the boot: the kernel ' \
                 'lacks CONFIG_DEBUG_KMEMLEAK, or kmemleak turned itself off'
    elif report.objects:
        n = report.objects
        detail = f'{n} unreferenced object{"s" * (n > 1)}, ' \
                 f'the first {report.first}; see {boot_result.log_path}'
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
# The commands


def cmd_run(args):
    log_path = os.path.join(args.build, 'run', 'console.log')
    if args.acpi:
        qemu.log('BOOT', 'through UEFI firmware, with ACPI (IORT) instead '
                 'of a device tree')
    qemu.log('BOOT', f'{args.image}: QEMU virt, SMMUv3, six disks on '
             f'NVMe, virtio, AHCI, xHCI, EHCI and virtio-scsi, two network '
             f'cards (console log: {log_path})')
    state = {'shown': False, 'dmesg': False}

    def show(line):
        if line.startswith('@@harness start'):
            state['shown'] = True
        elif line.startswith('@@dmesg begin'):
            state['dmesg'] = True
        elif line.startswith('@@dmesg end'):
            state['dmesg'] = False
        elif state['shown'] and not state['dmesg'] and \
                not line.startswith('@@'):
            print(line, flush=True)

    # A user's boot: no KUnit suites before user space, and none of the
    # edu DMA test devices, which only the tests use.
    result = qemu.boot(args.build, args.image,
                       ['harness=run', 'kunit.enable=0'] + args.append.split(),
                       log_path, args.timeout, on_line=show, full=True,
                       acpi=args.acpi, edus=False)
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
    kernel words, the kselftest programs it runs, whether KUnit runs, and
    on how many CPUs."""
    prefix: str
    log_name: str
    words: list
    progs: list
    kunit: bool
    acpi: bool = False
    firmware: bool = False
    smp: int = 2


# The fail-nth sweep runs in the first boot only: it takes long, and what
# it checks (that a failed allocation is undone) does not depend on the
# invalidation mode or the SMMU's options.  Neither do upstream's iommufd
# suites, which run on iommufd's mock IOMMU driver, not on the SMMU.
ONCE_SELFTESTS = ('iommu_fail_nth', 'iommufd', 'iommufd_fail_nth')
# The boot with the SMMU driver's options off runs what goes through the
# stream table and the TLB invalidation, and the driver's KUnit suite.
SMMU_PLAIN = 'arm_smmu_v3.ignore=2lvl,range-inv'
PLAIN_SELFTESTS = ('iommu_dma_edu', 'iommu_dma_io', 'iommu_streams',
                   'iommu_vfio_edu')
PLAIN_KUNIT = 'arm-smmu-v3*'
# It has four CPUs, so that the command queue's suite can run two
# producers and its model SMMU each on a CPU of their own.
PLAIN_SMP = 4
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
PT_SELFTESTS = ('iommu_dma_io', 'iommu_groups', 'iommu_net', 'iommu_streams')
# The ACPI boot (--acpi): the kernel started by QEMU's UEFI firmware finds
# the SMMU and the devices' StreamIDs in IORT instead of the device tree.
# It runs every KUnit suite and every kselftest but those that run once,
# last, beside the end of the first boot.
# The firmware boot (--firmware, firmware.py) runs on ACPI tables with an
# RMR and bad input, and checks what the StreamIDs came to; of
# iommu_dma_edu it runs only direct_regions, which needs the RMR.
FIRMWARE_SELFTESTS = ('iommu_dma_edu', 'iommu_streams')


def check_boots(args, progs):
    """The boots of make check, for the kselftest programs @progs.

    The whole suite runs once with the configured invalidation mode and,
    with --lazy, once more in lazy mode (DMA-FQ domains, flush queues),
    followed by iommu-stress; that boot's results are named "lazy.*".  The
    third boot, with --plain, is strict again but tells our SMMUv3 driver
    to leave the two-level stream table and range invalidation unused
    ("plain.*"); the fourth, with --pt, is in passthrough mode ("pt.*");
    the fifth, with --acpi, is started by UEFI firmware and finds the SMMU
    in ACPI's IORT ("acpi.*"); the sixth, with --firmware, has IORT input
    that QEMU's tables lack ("firmware.*").
    A boot whose selection comes out empty is left out, but for the
    firmware boot, whose own checks run in any case.
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
                               True, smp=PLAIN_SMP))
    if args.pt:
        pt = pt_boot(progs)
        if pt:
            boots.append(pt)
        else:
            qemu.log('BOOT', 'no passthrough boot: the selection has none '
                     'of ' + ', '.join(PT_SELFTESTS))
    if args.acpi:
        boots.append(CheckBoot('acpi.', 'console-acpi.log', sel(again),
                               again, True, acpi=True))
    if args.firmware:
        chosen = [p for p in progs if p in FIRMWARE_SELFTESTS]
        boots.append(CheckBoot('firmware.', 'console-firmware.log',
                               firmware.guest_words() +
                               [f'selftests={",".join(chosen)}'],
                               chosen, False, acpi=True, firmware=True))
    return [b for b in boots if b.progs or b.kunit or b.firmware]


class CheckOutcome(typing.NamedTuple):
    """How one boot of make check went: its console, and what the host's
    end of kselftest iommu_net received from it."""
    boot: qemu.Boot
    traffic: dict


def run_check_boot(args, spec, words):
    """Boot @spec; return its CheckOutcome."""
    log_path = os.path.join(args.build, 'check', spec.log_name)
    timeout = args.timeout + sum(int(w.split('=')[1]) for w in spec.words
                                 if w.startswith('stress='))
    name = spec.prefix.rstrip('.') or 'first'
    shown = [w for w in spec.words if not w.startswith('selftests=')]
    qemu.log('BOOT', f'{name}: {" ".join(shown) or "default options"}, '
             f'{"KUnit at boot then " if spec.kunit else ""}'
             f'{len(spec.progs)} kselftest programs (console log: '
             f'{log_path}, timeout {timeout} s)')

    def progress(line):
        if line.startswith('@@selftest begin'):
            qemu.log('GUEST', f'{name}: {line.split()[2]}')
        elif line.startswith('@@harness start'):
            qemu.log('GUEST', f'{name}: booted, KUnit done')
        elif line.startswith('@@stress begin'):
            qemu.log('GUEST', f'{name}: iommu-stress')

    initrd, devices = None, ()
    if spec.firmware:
        try:
            tables = firmware.capture_tables(args.build, args.image,
                                             args.timeout)
            initrd = firmware.make_initrd(args.build, tables)
        except acpi_tables.TableError as e:
            return CheckOutcome(qemu.Boot([f'@@firmware error: {e}'], False,
                                          0, log_path), {})
        devices = firmware.qemu_devices()
        words = [w for w in words if not w.startswith('harness=')]
    server = net.TrafficServer()
    try:
        result = qemu.boot(args.build, args.image,
                           words + spec.words + [f'netport={server.port}'],
                           log_path, timeout, on_line=progress,
                           full=not spec.firmware, disk_set=name,
                           acpi=spec.acpi, initrd=initrd, devices=devices,
                           smp=spec.smp)
    finally:
        server.close()
    qemu.log('BOOT', f'{name}: done in {result.seconds:.0f} s')
    return CheckOutcome(result, server.take())


def cmd_check(args):
    results = Results()

    words = ['harness=check'] + args.append.split()
    if args.kunit:
        words.append(f'kunit.filter_glob={args.kunit}')
    selftests = os.path.join(args.build, 'selftests')
    progs = sorted(p for p in os.listdir(selftests)
                   if os.access(os.path.join(selftests, p), os.X_OK))
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
    for spec, outcome in zip(boots, done):
        result = outcome.boot
        results.prefix = spec.prefix
        suites = parse_kunit(result.console(), results)
        if spec.kunit and not args.kunit:
            results.add(suites > 0, 'kunit.suites_ran', f'{suites} suites')
        parse_selftests(result, results, spec.progs)
        check_dma_api_debug(result, results)
        check_smmu_probe(result, results, plain=SMMU_PLAIN in spec.words,
                         acpi=spec.acpi)
        check_debug_kernel(result, results)
        if spec.firmware:
            firmware.check_firmware(result, results)
        net.check_net(outcome.traffic, results, spec.progs)
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
        log_path = os.path.join(args.build, 'stress',
                                f'console-{prefix[:-1]}.log')
        qemu.log('BOOT', f'{args.image} {" ".join(words)}: iommu-stress '
                 f'for {args.duration} s (console log: {log_path})')

        state = {'on': False}

        def show(line):
            """Print the summary as it arrives."""
            if line.startswith('stress summary'):
                state['on'] = True
            elif line.startswith('@@stress end'):
                state['on'] = False
            if state['on'] and not line.startswith('@@'):
                print(line, flush=True)

        result = qemu.boot(args.build, args.image,
                           ['harness=stress', f'duration={args.duration}'] +
                           words + args.append.split(), log_path,
                           args.duration + args.timeout, on_line=show,
                           full=True)
        results.prefix = prefix
        check_stress(result, results)
        check_debug_kernel(result, results)
        check_boot(result, results, 'stress')
        check_kmemleak(result, results, 'stress')
    results.prefix = ''
    return results.report()

