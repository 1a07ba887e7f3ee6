#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the firmware boot's judgement (firmware.py).

Run directly (python3 test_firmware.py) or through make check, which
reports each case as harness.firmware.<case>.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import acpi_tables  # noqa: E402
import firmware  # noqa: E402
import qemu  # noqa: E402
from results import Results  # noqa: E402

SMMU = 'smmu3.0x0000000009050000'
GOOD = [
    'ACPI: Table Upgrade: override [DSDT-BOCHS -BXPC    ]',
    'ACPI: Table Upgrade: override [IORT-BOCHS -BXPC    ]',
    'arm-smmu-v3 arm-smmu-v3.1.auto: IORT names SMMUv3 model 127, which '
    'this driver does not know; not using the SMMU',
    'arm-smmu-v3 arm-smmu-v3.2.auto: firmware gives no GERROR interrupt '
    'and no MSI parent; not using the SMMU',
    f'@@firmware edu rmr 0000:00:10.0 bind=ok group=3 iommu={SMMU}',
    '@@firmware regions rmr 0x0000000000100000 0x000000000010ffff direct',
    '@@firmware regions rmr 0x0000000008000000 0x00000000080fffff msi',
    '@@firmware direct_regions rmr ok',
    f'@@firmware edu holder 0000:00:11.0 bind=ok group=4 iommu={SMMU}',
    'iommu_dma_edu_test 0000:00:12.0: StreamID 0x88 is already used by '
    '0000:00:11.0',
    '@@firmware edu shared 0000:00:12.0 bind=failed group=none iommu=none',
    '@@firmware edu bad_model 0000:00:13.0 bind=deferred group=none '
    'iommu=none',
    '@@firmware edu no_irq 0000:00:14.0 bind=ok group=none iommu=none',
    '@@harness end',
]


def judge(lines):
    results = Results()
    firmware.check_firmware(qemu.Boot(lines, False, 1.0, 'console.log'),
                            results)
    return {name: (verdict, detail) for verdict, name, detail
            in results.items}


class CheckFirmwareTest(unittest.TestCase):
    def failed(self, lines):
        return {name: detail for name, (verdict, detail)
                in judge(lines).items() if verdict != 'PASS'}

    def test_all_as_expected(self):
        verdicts = judge(GOOD)
        self.assertEqual(len(verdicts), 7)
        self.assertEqual(self.failed(GOOD), {})

    def test_rmr_not_direct(self):
        lines = [line for line in GOOD if 'direct' not in line]
        failed = self.failed(lines)
        self.assertEqual(list(failed), ['rmr.direct_mapped'])
        self.assertIn('lack', failed['rmr.direct_mapped'])
        self.assertIn('did not run', failed['rmr.direct_mapped'])

    def test_shared_streamid_taken(self):
        lines = [line.replace('bind=failed group=none iommu=none',
                              f'bind=ok group=4 iommu={SMMU}')
                 if 'edu shared' in line else line for line in GOOD]
        failed = self.failed(lines)
        self.assertEqual(list(failed), ['streamid.shared_refused'])
        self.assertIn('its driver bound', failed['streamid.shared_refused'])
        self.assertIn('in group 4', failed['streamid.shared_refused'])

    def test_bad_smmu_used(self):
        lines = [line for line in GOOD if 'model 127' not in line]
        lines = [line.replace('bind=ok group=none iommu=none',
                              f'bind=ok group=5 iommu={SMMU}')
                 if 'edu no_irq' in line else line for line in lines]
        self.assertEqual(sorted(self.failed(lines)),
                         ['smmu.bad_model_refused', 'smmu.no_irq_refused'])

    def test_no_table_upgrade(self):
        lines = [line for line in GOOD if 'IORT-BOCHS' not in line]
        self.assertEqual(list(self.failed(lines)), ['tables.IORT_upgraded'])

    def test_guest_said_nothing(self):
        failed = self.failed(['@@harness end'])
        self.assertEqual(len(failed), 7)
        self.assertIn('said nothing of 0000:00:10.0',
                      failed['rmr.direct_mapped'])

    def test_guest_words_and_devices(self):
        words = firmware.guest_words()
        self.assertIn('harness=firmware', words)
        self.assertIn('fwedus=rmr:10,holder:11,shared:12,bad_model:13,'
                      'no_irq:14', words)
        devices = firmware.qemu_devices()
        self.assertEqual(devices.count('-device'),
                         len(acpi_tables.FIRMWARE_EDUS))
        self.assertIn('edu,addr=0x10', devices)


if __name__ == '__main__':
    unittest.main()
