#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the firmware boot's ACPI tables (acpi_tables.py).

Run directly (python3 test_acpi_tables.py) or through make check, which
reports each case as harness.acpi_tables.<case>.
"""

import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import acpi_tables as at  # noqa: E402

# The nodes of the IORT that QEMU 7.2's virt machine writes with
# iommu=smmuv3: an ITS group, the SMMUv3 (GSIVs 106 to 109, coherent) and
# the root complex, whose bus 0 goes to the SMMU (with the classic
# off-by-one count of 256) and the other buses straight to the ITS.
QEMU_NODES = [
    at.Node(at.IORT_ITS_GROUP, 1, 0, bytes.fromhex('0100000000000000'), []),
    at.Node(at.IORT_SMMU_V3, 4, 1, bytes.fromhex(
        '0000050900000000010000000000000000000000000000000000000'
        '06a0000006b0000006d0000006c0000000000000000000000'),
        [at.Mapping(0, 0xffff, 0, 0)]),
    at.Node(at.IORT_ROOT_COMPLEX, 3, 2, bytes.fromhex(
        '0100000000000003000000000000000040000000'),
        [at.Mapping(0, 256, 0, 1), at.Mapping(256, 65279, 256, 0)]),
]


def qemu_iort():
    return at.Table(b'IORT', 3, b'BOCHS ', b'BXPC    ', 1, b'BXPC', 1,
                    at.iort_body(QEMU_NODES))


def map_rid(nodes, rc, rid):
    """(node index, output ID) that Linux's IORT code finds for @rid at
    root complex node @rc: the first mapping that holds it, unless it is
    the last ID of a mapping and another one holds it too."""
    fallback = None
    for m in nodes[rc].mappings:
        if not m.input_base <= rid <= m.input_base + m.count:
            continue
        hit = (m.target, m.output_base + rid - m.input_base)
        if m.count and rid == m.input_base + m.count:
            fallback = fallback or hit
            continue
        return hit
    return fallback


class IortTest(unittest.TestCase):
    def test_qemu_table_round_trips(self):
        table = qemu_iort()
        packed = table.pack()
        self.assertEqual(at.checksum(packed), 0)
        again = at.Table.parse(packed)
        self.assertEqual(at.iort_parse(again), QEMU_NODES)
        self.assertEqual(at.iort_body(at.iort_parse(again)), table.body)

    def test_firmware_table_header(self):
        fw = at.firmware_iort(qemu_iort())
        self.assertEqual(fw.revision, 5)
        self.assertEqual(fw.oem_revision, 2)
        self.assertEqual((fw.signature, fw.oem_id, fw.oem_table_id),
                         (b'IORT', b'BOCHS ', b'BXPC    '))
        self.assertEqual(at.checksum(fw.pack()), 0)

    def test_where_each_device_goes(self):
        nodes = at.iort_parse(at.Table.parse(
            at.firmware_iort(qemu_iort()).pack()))
        self.assertEqual(nodes[:2], QEMU_NODES[:2])
        smmu, rc = 1, 2
        slot = at.FIRMWARE_EDUS
        # Devices of make check's guests and the RMR's edu: 1:1 to QEMU's
        # SMMU, as before.
        for rid in (0x08, 0x10, 0x60, at.rid(slot['rmr']),
                    at.rid(slot['holder']), 0xa8, 0xff):
            self.assertEqual(map_rid(nodes, rc, rid), (smmu, rid), hex(rid))
        self.assertEqual(map_rid(nodes, rc, at.rid(slot['shared'])),
                         (smmu, at.rid(slot['holder'])))
        target, sid = map_rid(nodes, rc, at.rid(slot['bad_model']))
        self.assertEqual(nodes[target].type, at.IORT_SMMU_V3)
        self.assertEqual(at.smmu_v3_base(nodes[target]), at.BAD_MODEL_BASE)
        model = struct.unpack_from('<I', nodes[target].data, 24)[0]
        self.assertEqual(model, at.BAD_MODEL)
        target, sid = map_rid(nodes, rc, at.rid(slot['no_irq']))
        node = nodes[target]
        self.assertEqual(at.smmu_v3_base(node), at.NO_IRQ_BASE)
        self.assertEqual(struct.unpack_from('<4I', node.data, 28), (0,) * 4)
        self.assertEqual(node.mappings, [])
        self.assertEqual(node.revision, 5)
        # Buses past 0 stay as QEMU had them.
        self.assertEqual(map_rid(nodes, rc, 0x100), (0, 0x100))

    def test_rmr_node(self):
        nodes = at.iort_parse(at.Table.parse(
            at.firmware_iort(qemu_iort()).pack()))
        rmrs = [n for n in nodes if n.type == at.IORT_RMR]
        self.assertEqual(len(rmrs), 1)
        rmr = rmrs[0]
        flags, count, offset = struct.unpack_from('<III', rmr.data)
        self.assertEqual(flags >> 2, at.RMR_ATTR_DEVICE_NGNRE)
        self.assertEqual(count, 1)
        self.assertEqual(offset, at.IORT_NODE.size + len(rmr.data) +
                         at.ID_MAPPING.size * len(rmr.mappings))
        self.assertEqual(rmr.mappings, [at.Mapping(
            0, 0, at.rid(at.FIRMWARE_EDUS['rmr']), 1)])
        base, length, _ = struct.unpack('<QQI', rmr.tail)
        self.assertEqual((base, length), (at.RMR_BASE, at.RMR_LENGTH))
        self.assertEqual(base % 0x10000, 0)
        self.assertEqual(length % 0x10000, 0)
        self.assertLess(base + length, 1 << 28)

    def test_other_tables_are_refused(self):
        nodes = QEMU_NODES[:2]
        table = qemu_iort()._replace(body=at.iort_body(nodes))
        with self.assertRaisesRegex(at.TableError, 'node types'):
            at.firmware_iort(table)
        moved = [QEMU_NODES[0],
                 QEMU_NODES[1]._replace(data=b'\0' * 8 +
                                        QEMU_NODES[1].data[8:]),
                 QEMU_NODES[2]]
        with self.assertRaisesRegex(at.TableError, 'SMMUv3 at 0x0'):
            at.firmware_iort(qemu_iort()._replace(body=at.iort_body(moved)))
        bad = bytearray(qemu_iort().pack())
        bad[40] ^= 1
        with self.assertRaisesRegex(at.TableError, 'checksum'):
            at.Table.parse(bytes(bad))


# QEMU virt's PCI host bridge _DSM, with a name before and after it.
DSM = (b'\x14\x2d_DSM\x04\xa0\x21\x93\x68\x11\x13\x0a\x10' +
       at.PCI_DSM_UUID + at.QUERY_RETURN + at.OTHER_RETURN)


class DsdtTest(unittest.TestCase):
    def dsdt(self, body):
        return at.Table(b'DSDT', 2, b'BOCHS ', b'BXPC    ', 1, b'BXPC', 1,
                        body)

    def test_preserves_the_boot_configuration(self):
        body = b'\x10\x20PCI0' + DSM + b'\x5b\x82RES0'
        fw = at.firmware_dsdt(self.dsdt(body))
        self.assertEqual(len(fw.body), len(body))
        self.assertEqual(fw.oem_revision, 2)
        dsm = fw.body.index(at.PCI_DSM_UUID) + len(at.PCI_DSM_UUID)
        # Query: functions 0 and 5; anything else: Return (Zero), Noops.
        self.assertEqual(fw.body[dsm + 9], 0x21)
        self.assertEqual(fw.body[dsm + 10:dsm + 15],
                         bytes([0xa4, 0x00, 0xa3, 0xa3, 0xa3]))
        self.assertEqual(fw.body[dsm + 15:], b'\x5b\x82RES0')

    def test_an_unknown_dsm_is_refused(self):
        with self.assertRaisesRegex(at.TableError, 'no single PCI _DSM'):
            at.firmware_dsdt(self.dsdt(b'nothing here'))
        with self.assertRaisesRegex(at.TableError, 'no single PCI _DSM'):
            at.firmware_dsdt(self.dsdt(DSM + DSM))
        other = DSM.replace(at.QUERY_RETURN, at.NEW_QUERY_RETURN)
        with self.assertRaisesRegex(at.TableError, 'not the one QEMU'):
            at.firmware_dsdt(self.dsdt(other))


def read_cpio(data):
    """{path: bytes} of a newc archive, up to its trailer."""
    files, pos = {}, 0
    while True:
        assert data[pos:pos + 6] == b'070701'
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16)
                  for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        if name == 'TRAILER!!!':
            return files, pos
        files[name] = data[pos:pos + size]
        pos += size
        pos += -pos % 4


class ArchiveTest(unittest.TestCase):
    def test_console_to_archive(self):
        dsdt = DsdtTest().dsdt(DSM).pack()
        lines = ['[ 1.0] Booting Linux', '@@acpi-table begin IORT']
        iort = qemu_iort().pack()
        for i in range(0, len(iort), 16):
            lines.append(' ' + ' '.join(f'{b:02x}' for b in iort[i:i + 16]))
        lines += ['@@acpi-table end IORT', '@@acpi-table begin DSDT',
                  ' ' + ' '.join(f'{b:02x}' for b in dsdt),
                  '@@acpi-table end DSDT', '@@harness end']
        tables = at.console_tables(lines)
        self.assertEqual(tables, {'IORT': iort, 'DSDT': dsdt})
        archive = at.firmware_archive(tables)
        self.assertEqual(len(archive) % 512, 0)
        files, end = read_cpio(archive)
        self.assertEqual(sorted(files), ['kernel/firmware/acpi/DSDT.aml',
                                         'kernel/firmware/acpi/IORT.aml'])
        self.assertEqual(archive[end:], b'\0' * (len(archive) - end))
        for data in files.values():
            self.assertEqual(at.checksum(data), 0)
            self.assertEqual(at.Table.parse(data).oem_revision, 2)

    def test_missing_table(self):
        with self.assertRaisesRegex(at.TableError, 'DSDT was not captured'):
            at.firmware_archive({'IORT': qemu_iort().pack()})
        with self.assertRaisesRegex(at.TableError, 'not a line of bytes'):
            at.console_tables(['@@acpi-table begin IORT', 'oops'])


if __name__ == '__main__':
    unittest.main()
