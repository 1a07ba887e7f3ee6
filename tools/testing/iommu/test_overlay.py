#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of overlay.py on small fake trees.

Run directly (python3 test_overlay.py) or through make check, which reports
each case as harness.overlay.<case>.
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest

OVERLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'overlay.py')


def write(root, name, text):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def read(root, name):
    with open(os.path.join(root, name)) as f:
        return f.read()


class OverlayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        top = self.tmp.name
        self.base = os.path.join(top, 'base')
        self.repo = os.path.join(top, 'repo')
        self.dest = os.path.join(top, 'dest')
        write(self.base, 'Makefile', 'kernel makefile\n')
        write(self.base, 'drivers/iommu/iova.c', 'base iova\n')
        write(self.base, 'drivers/iommu/iommu.c', 'base iommu\n')
        write(self.base, 'drivers/iommu/arm/smmu.c', 'base smmu\n')
        write(self.base, 'drivers/iommu/arm/extra.c', 'base extra\n')
        write(self.base, 'kernel/fork.c', 'base fork\n')
        write(self.repo, 'Makefile', 'project makefile\n')
        write(self.repo, 'README.md', 'readme\n')
        write(self.repo, '.ci/run', 'ci\n')
        write(self.repo, 'tools/testing/iommu/owned-dirs', '# none\n')

    def tearDown(self):
        self.tmp.cleanup()

    def overlay(self):
        subprocess.run([sys.executable, OVERLAY, self.base, self.repo,
                        self.dest], check=True, capture_output=True)

    def own(self, *dirs):
        write(self.repo, 'tools/testing/iommu/owned-dirs',
              '# owned\n' + ''.join(d + '\n' for d in dirs))

    def test_ours_replace_and_add(self):
        write(self.repo, 'drivers/iommu/iova.c', 'our iova\n')
        write(self.repo, 'drivers/iommu/new.c', 'new file\n')
        self.overlay()
        self.assertEqual(read(self.dest, 'drivers/iommu/iova.c'), 'our iova\n')
        self.assertEqual(read(self.dest, 'drivers/iommu/new.c'), 'new file\n')
        self.assertEqual(read(self.dest, 'drivers/iommu/iommu.c'), 'base iommu\n')

    def test_project_files_stay_out(self):
        self.overlay()
        self.assertEqual(read(self.dest, 'Makefile'), 'kernel makefile\n')
        self.assertFalse(os.path.exists(os.path.join(self.dest, 'README.md')))
        self.assertFalse(os.path.exists(os.path.join(self.dest, '.ci/run')))

    def test_dropped_file_gets_base_back_with_new_mtime(self):
        write(self.repo, 'drivers/iommu/iova.c', 'our iova\n')
        write(self.repo, 'drivers/iommu/new.c', 'new file\n')
        self.overlay()
        before = time.time() - 1
        os.unlink(os.path.join(self.repo, 'drivers/iommu/iova.c'))
        os.unlink(os.path.join(self.repo, 'drivers/iommu/new.c'))
        self.overlay()
        path = os.path.join(self.dest, 'drivers/iommu/iova.c')
        self.assertEqual(read(self.dest, 'drivers/iommu/iova.c'), 'base iova\n')
        # Older than the objects built from our version would not rebuild.
        self.assertGreater(os.path.getmtime(path), before)
        self.assertFalse(os.path.exists(os.path.join(self.dest,
                                                     'drivers/iommu/new.c')))

    def test_unchanged_file_keeps_mtime(self):
        write(self.repo, 'drivers/iommu/iova.c', 'our iova\n')
        self.overlay()
        path = os.path.join(self.dest, 'drivers/iommu/iova.c')
        os.utime(path, (1000, 1000))
        self.overlay()
        self.assertEqual(os.path.getmtime(path), 1000)

    def test_owned_directory_loses_base_files(self):
        write(self.repo, 'drivers/iommu/arm/smmu.c', 'our smmu\n')
        self.own('drivers/iommu/arm')
        self.overlay()
        self.assertEqual(read(self.dest, 'drivers/iommu/arm/smmu.c'), 'our smmu\n')
        self.assertFalse(os.path.exists(os.path.join(
            self.dest, 'drivers/iommu/arm/extra.c')))
        # Outside the owned directory the base stays.
        self.assertEqual(read(self.dest, 'drivers/iommu/iommu.c'), 'base iommu\n')

    def test_owned_directory_loses_emptied_folders(self):
        write(self.repo, 'drivers/iommu/iova.c', 'our iova\n')
        self.own('drivers/iommu')
        self.overlay()
        self.assertFalse(os.path.exists(os.path.join(self.dest,
                                                     'drivers/iommu/arm')))
        self.assertEqual(read(self.dest, 'drivers/iommu/iova.c'), 'our iova\n')
        # Disowned again, the base's folder and files come back.
        self.own()
        self.overlay()
        self.assertEqual(read(self.dest, 'drivers/iommu/arm/smmu.c'),
                         'base smmu\n')

    def test_kept_directory_stays_base(self):
        write(self.repo, 'drivers/iommu/iova.c', 'our iova\n')
        self.own('drivers/iommu')
        self.overlay()
        self.assertFalse(os.path.exists(os.path.join(
            self.dest, 'drivers/iommu/arm/smmu.c')))
        # Kept later: the base's files come back; others stay gone.
        self.own('drivers/iommu', 'keep drivers/iommu/arm')
        self.overlay()
        self.assertEqual(read(self.dest, 'drivers/iommu/arm/smmu.c'),
                         'base smmu\n')
        self.assertFalse(os.path.exists(os.path.join(
            self.dest, 'drivers/iommu/iommu.c')))
        # No longer kept: they go again.
        self.own('drivers/iommu')
        self.overlay()
        self.assertFalse(os.path.exists(os.path.join(
            self.dest, 'drivers/iommu/arm/extra.c')))

    def test_disowned_directory_gets_base_back(self):
        self.own('drivers/iommu/arm/')
        self.overlay()
        self.own()
        self.overlay()
        self.assertEqual(read(self.dest, 'drivers/iommu/arm/extra.c'),
                         'base extra\n')
        self.assertEqual(read(self.dest, 'drivers/iommu/arm/smmu.c'),
                         'base smmu\n')

    FORK_PATCH = """From 1 Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH] fork: Say so

---
 kernel/fork.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/kernel/fork.c b/kernel/fork.c
--- a/kernel/fork.c
+++ b/kernel/fork.c
@@ -1 +1 @@
-base fork
+patched fork
--
2.39.5
"""

    def test_patch_is_laid_over_and_taken_back(self):
        write(self.repo, 'patches/0001-fork.patch', self.FORK_PATCH)
        self.overlay()
        self.assertEqual(read(self.dest, 'kernel/fork.c'), 'patched fork\n')
        self.assertEqual(read(self.base, 'kernel/fork.c'), 'base fork\n')
        self.overlay()
        self.assertEqual(read(self.dest, 'kernel/fork.c'), 'patched fork\n')
        os.unlink(os.path.join(self.repo, 'patches/0001-fork.patch'))
        self.overlay()
        self.assertEqual(read(self.dest, 'kernel/fork.c'), 'base fork\n')

    def test_patch_that_does_not_apply_stops(self):
        write(self.repo, 'patches/0001-fork.patch',
              self.FORK_PATCH.replace('-base fork', '-other fork'))
        done = subprocess.run([sys.executable, OVERLAY, self.base, self.repo,
                               self.dest], capture_output=True, text=True)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn('does not apply', done.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
