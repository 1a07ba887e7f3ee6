# SPDX-License-Identifier: GPL-2.0
"""make check's firmware boot: IORT input QEMU cannot give.

The boot runs on ACPI tables of acpi_tables.py's making, which describe an
RMR, an SMMUv3 of an unknown model, one without interrupts and a StreamID
that two devices share, each for one edu of the boot (FIRMWARE_EDUS).
The guest's init ("harness=firmware") binds those edus to the DMA test
driver in slot order and reports what became of each; check_firmware()
judges that and the kernel's messages:

- rmr: in a DMA domain, whose reserved regions list the RMR as direct,
  and the DMA test driver's direct_regions test reads it through edu;
- holder: an ordinary device of the SMMU;
- shared: refused, since its StreamID belongs to holder: no driver binds;
- bad_model, no_irq: their SMMUs were refused with a message, so they have
  no IOMMU and their driver binds without one.

The tables come from QEMU's own, which a short boot prints
(capture_tables()); they depend only on QEMU and its firmware, so the
capture is kept in the build directory until either changes.
"""

import os
import re
import subprocess

import acpi_tables
import qemu

QEMU_SMMU = f'smmu3.{acpi_tables.QEMU_SMMU_BASE:#018x}'
# The platform devices IORT's code makes for the SMMUv3 nodes, in table
# order: QEMU's, the unknown model, the one without interrupts.
BAD_MODEL_SMMU = 'arm-smmu-v3.1.auto'
NO_IRQ_SMMU = 'arm-smmu-v3.2.auto'


def edu_bdf(name):
    return f'0000:00:{acpi_tables.FIRMWARE_EDUS[name]:02x}.0'


# What is refused, and the message that says so: the edu whose StreamID
# another holds, to which no driver binds, and the edus behind the two bad
# SMMUs, whose driver binds without an IOMMU.  Result name, edu, whether
# its driver binds, the message as a regular expression, and the message
# in a failure's words.
_HELD = acpi_tables.rid(acpi_tables.FIRMWARE_EDUS['holder'])
_HOLDER = edu_bdf('holder')
REFUSALS = (
    ('streamid.shared_refused', 'shared', False,
     rf'StreamID {_HELD:#x} is already used by {re.escape(_HOLDER)}',
     f'"StreamID {_HELD:#x} is already used by {_HOLDER}"'),
    ('smmu.bad_model_refused', 'bad_model', True,
     rf'{re.escape(BAD_MODEL_SMMU)}: IORT names SMMUv3 model '
     rf'{acpi_tables.BAD_MODEL}\b.*not using the SMMU',
     f'from {BAD_MODEL_SMMU} refusing model {acpi_tables.BAD_MODEL}'),
    ('smmu.no_irq_refused', 'no_irq', True,
     rf'{re.escape(NO_IRQ_SMMU)}: .*interrupt.*not using the SMMU',
     f'from {NO_IRQ_SMMU} refusing an SMMU without interrupts'),
)


def qemu_devices():
    """QEMU arguments for the edus that the tables single out."""
    args = []
    for slot in acpi_tables.FIRMWARE_EDUS.values():
        args += ['-device', f'edu,addr={slot:#x}']
    return args


def guest_words():
    edus = ','.join(f'{name}:{slot:02x}' for name, slot
                    in acpi_tables.FIRMWARE_EDUS.items())
    return ['harness=firmware', f'fwedus={edus}', 'kunit.enable=0']


def capture_key():
    """What the captured tables depend on: QEMU and its UEFI firmware."""
    version = subprocess.run(['qemu-system-aarch64', '--version'],
                             capture_output=True, text=True).stdout
    st = os.stat(qemu.UEFI_FIRMWARE)
    return f'{version.splitlines()[0]} {st.st_size} {int(st.st_mtime)}'


def capture_tables(build, image, timeout):
    """QEMU's ACPI tables as {signature: bytes}, from a boot of @image
    that prints them, or from the last such boot's log while QEMU and its
    firmware are unchanged.  Raises acpi_tables.TableError."""
    top = os.path.join(build, 'check', 'firmware')
    os.makedirs(top, exist_ok=True)
    saved = os.path.join(top, 'qemu-tables.txt')
    key = capture_key()
    if os.path.exists(saved):
        with open(saved) as f:
            lines = f.read().splitlines()
        if lines and lines[0] == key:
            return acpi_tables.console_tables(lines[1:])
    log_path = os.path.join(top, 'console-tables.log')
    qemu.log('BOOT', f'firmware: QEMU\'s ACPI tables (console log: '
             f'{log_path})')
    result = qemu.boot(build, image, ['harness=acpi-tables',
                                      'kunit.enable=0'],
                       log_path, timeout, acpi=True, disk_set='tables')
    tables = acpi_tables.console_tables(result.lines)
    if not result.reached_end or sorted(tables) != ['DSDT', 'IORT']:
        raise acpi_tables.TableError(f'the boot that prints QEMU\'s tables '
                                     f'did not, see {log_path}')
    kept, inside = [key], False
    for line in result.lines:
        inside = inside or line.startswith(acpi_tables.TABLE_BEGIN)
        if inside:
            kept.append(line)
        inside = inside and not line.startswith(acpi_tables.TABLE_END)
    with open(saved, 'w') as f:
        f.write('\n'.join(kept) + '\n')
    return tables


def make_initrd(build, tables):
    """The firmware boot's initrd: the tables' archive, then the harness's
    initramfs; returns its path."""
    top = os.path.join(build, 'check', 'firmware')
    path = os.path.join(top, 'initrd')
    with open(os.path.join(build, 'initramfs.cpio.gz'), 'rb') as f:
        initramfs = f.read()
    with open(path, 'wb') as f:
        f.write(acpi_tables.firmware_archive(tables) + initramfs)
    return path


EDU_LINE = re.compile(r'^@@firmware edu (\w+) (\S+) bind=(\w+) group=(\w+) '
                      r'iommu=(\S+)$')


class Edu:
    """What the guest said of one edu of the boot."""

    def __init__(self, bind, group, iommu):
        self.bind, self.group, self.iommu = bind, group, iommu
        self.regions = []
        self.direct_regions = None


def parse_firmware(lines):
    """{name: Edu} from the guest's "@@firmware" lines."""
    edus = {}
    for line in lines:
        m = EDU_LINE.match(line)
        if m:
            name, _, bind, group, iommu = m.groups()
            edus[name] = Edu(bind, group, iommu)
            continue
        parts = line.split(maxsplit=3)
        if len(parts) < 4 or parts[2] not in edus:
            continue
        if parts[:2] == ['@@firmware', 'regions']:
            edus[parts[2]].regions.append(parts[3])
        elif parts[:2] == ['@@firmware', 'direct_regions']:
            edus[parts[2]].direct_regions = parts[3]
    return edus


def expect(edus, name, bound, iommu):
    """Problems with edu @name: whether its driver is to have bound
    (@bound), and behind which IOMMU (@iommu, None for none)."""
    edu = edus.get(name)
    if not edu:
        return [f'the guest said nothing of {edu_bdf(name)}']
    wrong = []
    if (edu.bind != 'failed') != bound:
        wrong.append(f'its driver {"did not bind" if bound else "bound"} '
                     f'(bind={edu.bind})')
    if iommu is None and (edu.group != 'none' or edu.iommu != 'none'):
        wrong.append(f'it is in group {edu.group} behind {edu.iommu}')
    elif iommu and edu.iommu != iommu:
        wrong.append(f'it is behind {edu.iommu}, not {iommu} '
                     f'(group {edu.group})')
    return wrong


def check_firmware(boot_result, results):
    """The firmware boot did what the module's header says."""
    lines = boot_result.lines
    text = '\n'.join(lines)

    def said(pattern):
        return re.search(pattern, text, re.M) is not None

    def add(name, wrong):
        results.add(not wrong, name, '; '.join(wrong))

    for sig in ('IORT', 'DSDT'):
        taken = said(rf'Table Upgrade: override \[{sig}-')
        add(f'tables.{sig}_upgraded',
            [] if taken else [f'no "Table Upgrade: override [{sig}-..." '
                              'line: the kernel did not take the table'])

    edus = parse_firmware(lines)
    rmr = acpi_tables.RMR_BASE
    region = f'{rmr:#018x} {rmr + acpi_tables.RMR_LENGTH - 1:#018x} direct'
    wrong = expect(edus, 'rmr', True, QEMU_SMMU)
    if 'rmr' in edus:
        if region not in edus['rmr'].regions:
            wrong.append(f'its reserved regions {edus["rmr"].regions} lack '
                         f'"{region}"')
        if edus['rmr'].direct_regions != 'ok':
            wrong.append('the direct_regions test '
                         f'{edus["rmr"].direct_regions or "did not run"}')
    add('rmr.direct_mapped', wrong)

    add('streamid.holder', expect(edus, 'holder', True, QEMU_SMMU))
    for result, name, bound, message, what in REFUSALS:
        wrong = expect(edus, name, bound, None)
        if not said(message):
            wrong.append(f'no message {what}')
        add(result, wrong)
