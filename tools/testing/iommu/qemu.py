# SPDX-License-Identifier: GPL-2.0
"""Booting the harness's guest in QEMU.

qemu_command() is the QEMU command line of a boot: QEMU virt with an
emulated SMMUv3, an NVMe and a virtio-blk disk and an edu device, and for
make check and make run (full=True) more disks, edus and network cards.
boot() runs it with the harness's initramfs, reads the serial console line
by line and returns a Boot.

The guest marks its output with lines starting with "@@" (see ./init).  A
boot that does not reach "@@harness end" in time, or a console that shows
one of BAD_PATTERNS (an Oops, BUG, WARNING, panic, "Unable to handle",
arm64's "Internal error:" or a call trace), fails whatever else it printed.
"""

import os
import queue
import shlex
import subprocess
import threading
import time

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
    """A progress line of the harness, as make prints its steps."""
    print(f'  {tag:<8}{msg}', flush=True)


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


def more_devices(build, disk_set, edus=True):
    """QEMU arguments for the devices of a full guest: an AHCI SATA disk,
    USB disks behind xHCI and EHCI, a virtio-scsi disk, four more edus
    (unless not @edus), and two network cards, e1000e and virtio-net, each
    on a QEMU user network of its own (from the guest, the host is 10.0.2.2
    and 10.0.3.2, and a connection there reaches the host's loopback)."""
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
             ] + ['-device', 'edu'] * (4 if edus else 0) + [
             '-netdev', 'user,id=net0,net=10.0.2.0/24',
             '-device', 'e1000e,netdev=net0,romfile=',
             '-netdev', 'user,id=net1,net=10.0.3.0/24',
             '-device', f'virtio-net-pci,netdev=net1,romfile=,{virtio}'])


# QEMU's UEFI firmware (Debian's qemu-efi-aarch64).  Started by it, the
# kernel (through its EFI stub) gets QEMU's ACPI tables, IORT among them,
# and no device tree; "acpi=force" makes sure arm64 takes ACPI.
UEFI_FIRMWARE = '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd'
ACPI_WORDS = ['acpi=force']


def qemu_command(build, image, append, trace_log=None, smp=2,
                 gdb_port=None, full=False, disk_set='', acpi=False,
                 initrd=None, devices=(), edus=True):
    """The QEMU command line of a boot: the benchmarks' guest, or with
    @full make check's and make run's, with more devices and memory for
    the debug kernel's checkers.  Boots that run at once need different
    @disk_set names.  With @acpi the UEFI firmware starts the kernel, which
    then finds its devices in ACPI's tables (@append should have
    ACPI_WORDS).  @initrd replaces the harness's initramfs; @devices are
    more QEMU arguments.  Without @edus the guest has none of QEMU's edu
    DMA test devices, only devices a user's machine could have."""
    disks = make_disks(build, DISKS, disk_set)
    cmd = ['qemu-system-aarch64',
           '-M', 'virt,iommu=smmuv3,gic-version=3', '-cpu', 'cortex-a57',
           '-smp', str(smp), '-m', '2G' if full else '1G', '-nic', 'none',
           '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
           '-no-reboot'] + (['-bios', UEFI_FIRMWARE] if acpi else []) + [
           '-kernel', image,
           '-initrd', initrd or os.path.join(build, 'initramfs.cpio.gz'),
           '-append', append,
           '-drive', f'file={disks["nvme"]},if=none,id=nvme,format=raw',
           '-device', 'nvme,drive=nvme,serial=iommu-nvme',
           '-drive', f'file={disks["virtio"]},if=none,id=vblk,format=raw',
           '-device', 'virtio-blk-pci,drive=vblk,iommu_platform=on,'
                      'disable-legacy=on,serial=iommu-virtio'] + \
        (['-device', 'edu'] if edus else [])
    if full:
        cmd += more_devices(build, disk_set, edus)
    cmd += list(devices)
    if trace_log:
        cmd += ['-trace', 'smmuv3_cmdq_opcode',
                '-trace', 'smmuv3_s1_range_inval', '-D', trace_log]
    if gdb_port:
        cmd += ['-gdb', f'tcp::{gdb_port}']
    return cmd


def kernel_append(words):
    return ' '.join(['console=ttyAMA0', 'rdinit=/init', 'panic=-1'] + words)


def boot(build, image, words, log_path, timeout, on_line=None,
         trace_log=None, full=False, disk_set='', acpi=False, initrd=None,
         devices=(), edus=True, smp=2):
    """Boot image with the extra command-line words; return a Boot.

    on_line is called for each console line as it arrives.  The guest is
    killed when it has not powered off after timeout seconds.  @full boots
    make check's and make run's guest, @acpi through UEFI and ACPI, with
    @initrd, more @devices and without @edus, on @smp CPUs
    (qemu_command()).
    """
    if full:
        words = words + [f'disks={len(DISKS) + len(MORE_DISKS)}']
    if acpi:
        words = words + ACPI_WORDS
    cmd = qemu_command(build, image, kernel_append(words), trace_log,
                       smp=smp, full=full, disk_set=disk_set, acpi=acpi,
                       initrd=initrd, devices=devices, edus=edus)
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
