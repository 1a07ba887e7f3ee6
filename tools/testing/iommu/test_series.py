#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of series.py: the staging of build files, the plan and how
it claims paths, on small made-up inputs.

Run directly (python3 test_series.py) or through make check, which
reports each case as harness.series.<case>.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import series  # noqa: E402

MAKEFILE = '''# SPDX-License-Identifier: GPL-2.0
obj-y += kept/

# The core
obj-$(CONFIG_CORE) += core.o group.o
obj-$(CONFIG_CORE_TEST) += core-test.o

# The DMA layer
obj-$(CONFIG_DMA) += dma.o

obj-y += driver/
obj-$(CONFIG_DRV) += drv_all.o
drv_all-y := drv.o \\
	 drv-cmdq.o
'''

KCONFIG = '''# SPDX-License-Identifier: GPL-2.0
config CORE
	bool "core"

# The core's tests.
config CORE_TEST
	bool "core test"
	depends on CORE

config DMA
	bool "dma"

source "drivers/x/driver/Kconfig"
source "drivers/x/kept/Kconfig"
'''


def ready_set(files, dirs=()):
    """A ready() for stage_makefile() from what is there in final form."""
    def ready(kind, path):
        return path.rstrip('/') in (dirs if kind == 'dir' else files)
    return ready


class StageTest(unittest.TestCase):
    def test_a_rule_waits_for_every_source_it_names(self):
        ready = ready_set({'drivers/x/core.c'}, {'drivers/x/kept'})
        text, kept, dropped = series.stage_makefile('drivers/x/Makefile',
                                                    MAKEFILE, ready)
        self.assertIn('obj-y += kept/', text)
        self.assertNotIn('core.o', text)        # group.c is not there yet
        self.assertEqual(kept, set())
        self.assertEqual(dropped, {'CORE', 'CORE_TEST', 'DMA', 'DRV'})

    def test_a_paragraph_goes_with_its_comment_only_when_all_rules_go(self):
        ready = ready_set({'drivers/x/core.c', 'drivers/x/group.c'})
        text, kept, dropped = series.stage_makefile('drivers/x/Makefile',
                                                    MAKEFILE, ready)
        self.assertIn('# The core\nobj-$(CONFIG_CORE) += core.o group.o\n',
                      text)
        self.assertNotIn('core-test.o', text)
        self.assertNotIn('# The DMA layer', text)
        self.assertNotIn('\n\n\n', text)
        self.assertEqual(kept, {'CORE'})

    def test_a_directory_and_a_composite_object_wait_for_their_parts(self):
        files = {'drivers/x/drv.c'}
        text, _, _ = series.stage_makefile('drivers/x/Makefile', MAKEFILE,
                                           ready_set(files))
        self.assertNotIn('driver/', text)
        self.assertNotIn('drv_all', text)
        files.add('drivers/x/drv-cmdq.c')
        text, _, _ = series.stage_makefile('drivers/x/Makefile', MAKEFILE,
                                           ready_set(files,
                                                     {'drivers/x/driver'}))
        self.assertIn('obj-y += driver/', text)
        self.assertIn('obj-$(CONFIG_DRV) += drv_all.o\ndrv_all-y := drv.o '
                      '\\\n\t drv-cmdq.o', text)

    def test_the_final_form_comes_out_when_everything_is_there(self):
        files = {f'drivers/x/{n}.c' for n in ('core', 'group', 'core-test',
                                              'dma', 'drv', 'drv-cmdq')}
        text, _, dropped = series.stage_makefile(
            'drivers/x/Makefile', MAKEFILE,
            ready_set(files, {'drivers/x/kept', 'drivers/x/driver'}))
        self.assertEqual(text, MAKEFILE)
        self.assertEqual(dropped, set())

    def test_kconfig_drops_an_entry_with_its_comment_and_a_source(self):
        ready = ready_set({'drivers/x/kept/Kconfig'})
        text = series.stage_kconfig(KCONFIG, {'CORE_TEST'}, ready)
        self.assertNotIn('CORE_TEST', text)
        self.assertNotIn("core's tests", text)
        self.assertIn('config CORE\n', text)
        self.assertIn('config DMA\n', text)
        self.assertNotIn('driver/Kconfig', text)
        self.assertIn('source "drivers/x/kept/Kconfig"', text)
        self.assertNotIn('\n\n\n', text)

    def test_kconfig_is_unchanged_when_everything_is_there(self):
        ready = ready_set({'drivers/x/kept/Kconfig',
                           'drivers/x/driver/Kconfig'})
        self.assertEqual(series.stage_kconfig(KCONFIG, set(), ready),
                         KCONFIG)


PLAN = '''# A comment.
Patch: 0001
%%
Subject: iommu: Replace the core
Files: drivers/x/core.c
  drivers/x/group.c
Staged: drivers/x/Makefile

Because.
%%
Subject: iommu: Remove the rest
Remove: drivers/x/*

Because too.
'''


class PlanTest(unittest.TestCase):
    def plan(self, text):
        with tempfile.NamedTemporaryFile('w', suffix='.plan') as f:
            f.write(text)
            f.flush()
            return series.read_plan(f.name)

    def test_the_plan_reads_headers_continuations_and_bodies(self):
        entries = self.plan(PLAN)
        self.assertEqual([e.patch for e in entries], ['0001', None, None])
        self.assertEqual(entries[1].files, ['drivers/x/core.c',
                                            'drivers/x/group.c'])
        self.assertEqual(entries[1].staged, ['drivers/x/Makefile'])
        self.assertEqual(entries[1].body, 'Because.')
        self.assertEqual(entries[2].remove, ['drivers/x/*'])

    def test_an_entry_without_a_body_is_refused(self):
        with self.assertRaises(series.SeriesError):
            self.plan('Subject: iommu: No reason\nFiles: a.c\n')

    def test_every_changed_path_goes_to_exactly_one_entry(self):
        entries = self.plan(PLAN)
        changed = {'drivers/x/core.c': False, 'drivers/x/group.c': False,
                   'drivers/x/Makefile': False, 'drivers/x/old.c': True,
                   'include/uapi/x.h': False}
        series.claim(entries, changed, {'include/uapi/x.h'})
        self.assertEqual(entries[1].claimed, ['drivers/x/core.c',
                                              'drivers/x/group.c'])
        self.assertEqual(entries[2].claimed, ['drivers/x/old.c'])

    def test_a_path_in_no_entry_is_an_error(self):
        entries = self.plan(PLAN)
        changed = {'drivers/x/core.c': False, 'drivers/x/group.c': False,
                   'drivers/x/old.c': True, 'drivers/x/Makefile': False,
                   'drivers/y/new.c': False}
        with self.assertRaisesRegex(series.SeriesError, 'drivers/y/new.c'):
            series.claim(entries, changed, set())

    def test_a_pattern_that_names_nothing_is_an_error(self):
        entries = self.plan(PLAN)
        changed = {'drivers/x/core.c': False, 'drivers/x/Makefile': False,
                   'drivers/x/old.c': True}
        with self.assertRaisesRegex(series.SeriesError, 'group.c'):
            series.claim(entries, changed, set())

    def test_the_projects_plan_reads(self):
        entries = series.read_plan()
        self.assertTrue(entries)
        for e in entries:
            if e.patch:
                self.assertTrue(os.path.isfile(series.patch_file(e.patch)))


class CheckpatchTest(unittest.TestCase):
    def test_only_the_for_each_dev_brace_finding_is_dropped(self):
        known = ('ERROR:OPEN_BRACE: open brace \'{\' following function '
                 'definitions go on the next line\n#10: FILE: iommu.c:5:\n'
                 '+int iommu_group_for_each_dev(struct iommu_group *group,')
        other = 'WARNING:LONG_LINE: line too long\n#11: FILE: iommu.c:9:'
        out = series.drop_known(known + '\n\n' + other + '\n\ntotal: 1')
        self.assertEqual(out, other)


if __name__ == '__main__':
    unittest.main()
