# SPDX-License-Identifier: GPL-2.0
"""ACPI tables for make check's firmware boot.

QEMU's virt machine writes its ACPI tables when it starts, and its UEFI
firmware hands them to the kernel.  They describe one well-formed SMMUv3
and nothing more: no RMR (memory that DMA set going by firmware keeps
using) and no bad input.  The firmware boot supplies both through ACPI
table upgrade (CONFIG_ACPI_TABLE_UPGRADE): a table at
kernel/firmware/acpi/ in an uncompressed cpio archive at the start of the
initrd replaces the firmware's table of the same signature, OEM ID and
OEM table ID when its OEM revision is higher.

The tables are built from QEMU's own, which a boot with
"harness=acpi-tables" prints (see ./init):

- IORT: QEMU's nodes, revision 5 (RMR nodes are read from 5 on), plus an
  RMR node, an SMMUv3 node of a model no driver knows and one with no
  interrupts.  The root complex's ID mappings send one edu of the boot
  (FIRMWARE_EDUS) to each of these, and give another edu the StreamID of
  a third.  The two bad SMMUv3 nodes sit where nothing else is; a driver
  that touched their registers would fault.
- DSDT: QEMU's, with the PCI host bridge's _DSM saying that the PCI
  configuration firmware set up is kept (function 5 returns 0).  Only
  then does Linux's IORT code apply an RMR to a PCI device: its StreamIDs
  hold only for that configuration (ARM DEN 0049E.d, 3.1.1.5).

Run as a script: acpi_tables.py CONSOLE_LOG CPIO writes the archive from
the tables a console log holds.
"""

import struct
import sys
import typing

HEADER = struct.Struct('<4sIBB6s8sI4sI')
IORT_NODE = struct.Struct('<BHBIII')
ID_MAPPING = struct.Struct('<IIIII')

IORT_ITS_GROUP = 0
IORT_ROOT_COMPLEX = 2
IORT_SMMU_V3 = 4
IORT_RMR = 6

# QEMU virt's SMMUv3 and where the bad ones go: VIRT_PLATFORM_BUS, which
# holds nothing unless a sysbus device is plugged in.
QEMU_SMMU_BASE = 0x09050000
BAD_MODEL_BASE = 0x0c000000
NO_IRQ_BASE = 0x0c020000
BAD_MODEL = 0x7f

# The RMR: 64 KiB (IORT wants RMRs 64 KiB aligned) of QEMU's first flash,
# where UEFI's code lives, below what edu can reach (28 bits).  As device
# memory, nGnRE: only read by DMA in the test.
RMR_BASE = 0x100000
RMR_LENGTH = 0x10000
RMR_ATTR_DEVICE_NGNRE = 0x01

# PCI slots of the firmware boot's extra edus, on bus 0 (RID = slot << 3).
FIRMWARE_EDUS = {
    'rmr': 0x10,        # its StreamID has the RMR
    'holder': 0x11,     # holds its StreamID ...
    'shared': 0x12,     # ... which IORT gives to this one too
    'bad_model': 0x13,  # behind the SMMUv3 of model BAD_MODEL
    'no_irq': 0x14,     # behind the SMMUv3 without interrupts
}


def rid(slot):
    return slot << 3


class TableError(Exception):
    """Input tables that are not what this tool was written for."""


def checksum(data):
    return (-sum(data)) & 0xff


class Table(typing.NamedTuple):
    """An ACPI table: its header's fields and the body after them."""
    signature: bytes
    revision: int
    oem_id: bytes
    oem_table_id: bytes
    oem_revision: int
    creator_id: bytes
    creator_revision: int
    body: bytes

    @classmethod
    def parse(cls, data):
        if len(data) < HEADER.size:
            raise TableError(f'{len(data)} bytes are no ACPI table')
        (sig, length, rev, _, oem, oem_table, oem_rev, creator,
         creator_rev) = HEADER.unpack_from(data)
        if length != len(data):
            raise TableError(f'{sig!r}: header says {length} bytes, '
                             f'have {len(data)}')
        if checksum(data):
            raise TableError(f'{sig!r}: bad checksum')
        return cls(sig, rev, oem, oem_table, oem_rev, creator,
                   creator_rev, bytes(data[HEADER.size:]))

    def pack(self):
        length = HEADER.size + len(self.body)
        head = HEADER.pack(self.signature, length, self.revision, 0,
                           self.oem_id, self.oem_table_id, self.oem_revision,
                           self.creator_id, self.creator_revision)
        data = bytearray(head + self.body)
        data[9] = checksum(data)
        return bytes(data)

    def upgrade(self, **fields):
        """The table as an upgrade of this one: a higher OEM revision."""
        return self._replace(oem_revision=self.oem_revision + 1, **fields)


# --------------------------------------------------------------------------
# IORT

class Mapping(typing.NamedTuple):
    """An IORT ID mapping; @target is the index of the output node.
    @count is the number of IDs minus one, as IORT has it."""
    input_base: int
    count: int
    output_base: int
    target: int
    flags: int = 0


class Node(typing.NamedTuple):
    """An IORT node: @data is what follows its header up to its ID
    mappings, @tail what follows the mappings (an RMR's descriptors)."""
    type: int
    revision: int
    ident: int
    data: bytes
    mappings: list
    tail: bytes = b''


def iort_parse(table):
    """The nodes of IORT @table (a Table)."""
    body = table.pack()  # offsets in IORT count from the table's start
    count, offset, _ = struct.unpack_from('<III', body, HEADER.size)
    starts, pos = [], offset
    for _ in range(count):
        if pos + IORT_NODE.size > len(body):
            raise TableError(f'IORT node at {pos:#x} runs past the table')
        starts.append(pos)
        pos += IORT_NODE.unpack_from(body, pos)[1]
    nodes = []
    for start in starts:
        type_, length, rev, ident, nmaps, map_off = \
            IORT_NODE.unpack_from(body, start)
        data_end = start + (map_off if nmaps else length)
        maps = []
        for i in range(nmaps):
            inp, cnt, out, ref, flags = ID_MAPPING.unpack_from(
                body, start + map_off + i * ID_MAPPING.size)
            if ref not in starts:
                raise TableError(f'IORT node {len(nodes)}: mapping {i} '
                                 f'points at {ref:#x}, which is no node')
            maps.append(Mapping(inp, cnt, out, starts.index(ref), flags))
        tail_start = start + map_off + nmaps * ID_MAPPING.size
        nodes.append(Node(type_, rev, ident,
                          bytes(body[start + IORT_NODE.size:data_end]), maps,
                          bytes(body[tail_start:start + length])
                          if nmaps else b''))
    return nodes


def iort_body(nodes):
    """An IORT's body (what follows the ACPI header) holding @nodes."""
    first = HEADER.size + 12
    offsets, pos = [], first
    for node in nodes:
        offsets.append(pos)
        pos += (IORT_NODE.size + len(node.data) +
                ID_MAPPING.size * len(node.mappings) + len(node.tail))
    out = bytearray(struct.pack('<III', len(nodes), first, 0))
    for node in nodes:
        map_off = IORT_NODE.size + len(node.data)
        length = (map_off + ID_MAPPING.size * len(node.mappings) +
                  len(node.tail))
        out += IORT_NODE.pack(node.type, length, node.revision, node.ident,
                              len(node.mappings),
                              map_off if node.mappings else 0)
        out += node.data
        for m in node.mappings:
            out += ID_MAPPING.pack(m.input_base, m.count, m.output_base,
                                   offsets[m.target], m.flags)
        out += node.tail
    return bytes(out)


def smmu_v3_base(node):
    return struct.unpack_from('<Q', node.data)[0]


def smmu_v3_node(ident, base, model=0, gsivs=(0, 0, 0, 0)):
    """An SMMUv3 node of revision 5 with no ID mappings: so without
    IORT's DeviceID-valid flag, no MSIs either.  @gsivs: event, PRI,
    GERROR and sync interrupts, 0 for none."""
    data = struct.pack('<QIIQI4III', base, 0, 0, 0, model, *gsivs, 0, 0)
    return Node(IORT_SMMU_V3, 5, ident, data, [])


def rmr_node(ident, smmu, stream_id, base, length, attr):
    """An RMR node: one StreamID of node @smmu, one memory range."""
    data_size = 12
    desc_off = IORT_NODE.size + data_size + ID_MAPPING.size
    data = struct.pack('<III', attr << 2, 1, desc_off)
    return Node(IORT_RMR, 3, ident, data,
                [Mapping(0, 0, stream_id, smmu)],
                struct.pack('<QQI', base, length, 0))


def qemu_iort_nodes(nodes):
    """Indexes of QEMU's ITS group, SMMUv3 and root complex nodes, after
    checking that @nodes are what QEMU virt with iommu=smmuv3 builds."""
    kinds = [n.type for n in nodes]
    if sorted(kinds) != [IORT_ITS_GROUP, IORT_ROOT_COMPLEX, IORT_SMMU_V3]:
        raise TableError(f'IORT node types {kinds}: expected QEMU virt\'s '
                         'ITS group, SMMUv3 and root complex')
    its = kinds.index(IORT_ITS_GROUP)
    smmu = kinds.index(IORT_SMMU_V3)
    rc = kinds.index(IORT_ROOT_COMPLEX)
    if smmu_v3_base(nodes[smmu]) != QEMU_SMMU_BASE:
        raise TableError(f'SMMUv3 at {smmu_v3_base(nodes[smmu]):#x}, '
                         f'expected {QEMU_SMMU_BASE:#x}')
    bus0 = [m for m in nodes[rc].mappings
            if m.target == smmu and m.input_base == 0]
    if len(bus0) != 1 or bus0[0].output_base != 0 or bus0[0].count < 0xff:
        raise TableError('the root complex does not map bus 0 1:1 to the '
                         'SMMUv3')
    return its, smmu, rc


def firmware_iort(qemu_iort):
    """The firmware boot's IORT (a Table), from QEMU's."""
    nodes = iort_parse(qemu_iort)
    _, smmu, rc = qemu_iort_nodes(nodes)
    ident = max(n.ident for n in nodes) + 1
    bad_model, no_irq, rmr = len(nodes), len(nodes) + 1, len(nodes) + 2
    nodes.append(smmu_v3_node(ident, BAD_MODEL_BASE, model=BAD_MODEL))
    nodes.append(smmu_v3_node(ident + 1, NO_IRQ_BASE))
    e = {name: rid(slot) for name, slot in FIRMWARE_EDUS.items()}
    nodes.append(rmr_node(ident + 2, smmu, e['rmr'], RMR_BASE, RMR_LENGTH,
                          RMR_ATTR_DEVICE_NGNRE))

    def span(first, end, target, out=None):
        """RIDs [first, end) to @target from @out (default: first)."""
        return Mapping(first, end - first - 1,
                       first if out is None else out, target)

    # Bus 0 as QEMU maps it, but for the three edus that go elsewhere;
    # each edu's function 0 starts a span of eight RIDs.
    assert e['rmr'] < e['holder'] < e['shared'] < e['bad_model'] < \
        e['no_irq'] and e['holder'] + 8 == e['shared']
    bus0 = [span(0, e['shared'], smmu),
            span(e['shared'], e['shared'] + 8, smmu, out=e['holder']),
            span(e['bad_model'], e['bad_model'] + 8, bad_model),
            span(e['no_irq'], e['no_irq'] + 8, no_irq),
            span(e['no_irq'] + 8, 0x100, smmu)]
    maps = [m for m in nodes[rc].mappings
            if not (m.target == smmu and m.input_base == 0)]
    nodes[rc] = nodes[rc]._replace(mappings=bus0 + maps)
    return qemu_iort.upgrade(revision=5, body=iort_body(nodes))


# --------------------------------------------------------------------------
# DSDT

# The PCI firmware spec's _DSM UUID E5C937D0-3553-4D7A-9117-EA4D19C3434D as
# AML's ToUUID() lays it out.
PCI_DSM_UUID = bytes.fromhex('d037c9e553357a4d9117ea4d19c3434d')
# QEMU's PCI host bridge _DSM: functions 0 and up return Buffer {0x01}
# (only function 0, the query, exists) and everything else Buffer {0x00}:
#   If (Arg0 == ToUUID (...)) { If (Arg2 == Zero) { Return (Buffer {1}) } }
#   Return (Buffer {0})
QUERY_RETURN = bytes.fromhex('a0 09 93 6a 00 a4 11 03 01 01')
OTHER_RETURN = bytes.fromhex('a4 11 03 01 00')
# Function 5 ("preserve the boot configuration") returns 0 for yes.  Keep
# the method's length: the query answers 0x21 (functions 0 and 5) and the
# last Return becomes Return (Zero) and three Noops.
NEW_QUERY_RETURN = QUERY_RETURN[:-1] + b'\x21'
NEW_OTHER_RETURN = bytes.fromhex('a4 00 a3 a3 a3')


def firmware_dsdt(qemu_dsdt):
    """QEMU's DSDT (a Table) with PCI's boot configuration preserved."""
    body = qemu_dsdt.body
    at = body.find(PCI_DSM_UUID)
    if at < 0 or body.find(PCI_DSM_UUID, at + 1) >= 0:
        raise TableError('the DSDT has no single PCI _DSM')
    query = at + len(PCI_DSM_UUID)
    other = query + len(QUERY_RETURN)
    if (body[query:other] != QUERY_RETURN or
            body[other:other + len(OTHER_RETURN)] != OTHER_RETURN):
        raise TableError('the PCI _DSM is not the one QEMU virt writes: '
                         + body[at:other + len(OTHER_RETURN)].hex())
    body = (body[:query] + NEW_QUERY_RETURN + NEW_OTHER_RETURN +
            body[other + len(OTHER_RETURN):])
    return qemu_dsdt.upgrade(body=body)


# --------------------------------------------------------------------------
# The initrd's archive and the tables in a console log

def cpio_newc(files):
    """An uncompressed cpio archive ("newc") of {path: data}, in order."""
    out = bytearray()

    def entry(ino, name, mode, data):
        name = name.encode() + b'\0'
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0]
        out.extend(b'070701' + b''.join(b'%08X' % f for f in fields) + name)
        out.extend(b'\0' * (-len(out) % 4))
        out.extend(data)
        out.extend(b'\0' * (-len(out) % 4))

    for ino, (path, data) in enumerate(files.items(), 1):
        entry(ino, path, 0o100644, data)
    entry(0, 'TRAILER!!!', 0, b'')
    out.extend(b'\0' * (-len(out) % 512))
    return bytes(out)


TABLE_BEGIN = '@@acpi-table begin '
TABLE_END = '@@acpi-table end '


def console_tables(lines):
    """{signature: bytes} of the tables between "@@acpi-table" markers,
    each as od -An -tx1 prints it."""
    tables, name = {}, None
    for line in lines:
        if line.startswith(TABLE_BEGIN):
            name, data = line[len(TABLE_BEGIN):].strip(), bytearray()
        elif line.startswith(TABLE_END) and name:
            tables[name] = bytes(data)
            name = None
        elif name:
            try:
                data += bytes(int(x, 16) for x in line.split())
            except ValueError:
                raise TableError(f'{name}: not a line of bytes: {line!r}')
    return tables


def firmware_archive(tables):
    """The initrd archive of the firmware boot's tables, from QEMU's
    {signature: bytes}."""
    for sig in ('IORT', 'DSDT'):
        if sig not in tables:
            raise TableError(f'QEMU\'s {sig} was not captured')
    iort = firmware_iort(Table.parse(tables['IORT']))
    dsdt = firmware_dsdt(Table.parse(tables['DSDT']))
    return cpio_newc({'kernel/firmware/acpi/IORT.aml': iort.pack(),
                      'kernel/firmware/acpi/DSDT.aml': dsdt.pack()})


def main(argv):
    if len(argv) != 3:
        sys.exit('usage: acpi_tables.py CONSOLE_LOG CPIO')
    with open(argv[1]) as f:
        tables = console_tables(f.read().splitlines())
    try:
        archive = firmware_archive(tables)
    except TableError as e:
        sys.exit(f'acpi_tables.py: {e}')
    with open(argv[2], 'wb') as f:
        f.write(archive)


if __name__ == '__main__':
    main(sys.argv)
