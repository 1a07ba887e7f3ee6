#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of tree_check.py on small fake trees.

Run directly (python3 test_tree_check.py) or through make check, which
reports each case as harness.tree_check.<case>.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tree_check  # noqa: E402

OURS = ['drivers/iommu/iommu.c', 'drivers/iommu/Makefile',
        'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c'] + \
    list(tree_check.HEADERS)


def write(root, name, text):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


class TreeCheckTest(unittest.TestCase):
    def setUp(self):
        # Plain folders, not git checkouts: our_files() then takes every
        # file below the repository as ours.
        self.tmp = tempfile.TemporaryDirectory()
        self.repo = os.path.join(self.tmp.name, 'repo')
        self.tree = os.path.join(self.tmp.name, 'tree')
        for name in OURS:
            write(self.repo, name, f'ours: {name}\n')
            write(self.tree, name, f'ours: {name}\n')
        write(self.repo, 'tools/testing/iommu/harness.py', 'not kernel\n')
        write(self.tree, 'drivers/pci/pci.c', 'base, elsewhere\n')

    def tearDown(self):
        self.tmp.cleanup()

    def check(self):
        return tree_check.result_line(
            *tree_check.problems(self.repo, self.tree))

    def test_all_ours_passes(self):
        self.assertEqual(self.check(),
                         f'PASS {tree_check.NAME} {len(OURS)} files')

    def test_kept_directory_is_named(self):
        write(self.repo, 'tools/testing/iommu/owned-dirs',
              'drivers/iommu\nkeep drivers/iommu/iommufd\n')
        write(self.tree, 'drivers/iommu/iommufd/main.c', 'base\n')
        self.assertEqual(self.check(),
                         f'PASS {tree_check.NAME} {len(OURS)} files; '
                         "drivers/iommu/iommufd/ is the base's")

    def test_base_file_left_behind_fails(self):
        write(self.tree, 'drivers/iommu/amd/iommu.c', 'base\n')
        self.assertEqual(self.check(), f'FAIL {tree_check.NAME} '
                         'drivers/iommu/amd/iommu.c: not ours')

    def test_changed_file_fails(self):
        write(self.tree, 'drivers/iommu/iommu.c', 'stale copy\n')
        self.assertIn('drivers/iommu/iommu.c: differs from ours',
                      self.check())

    def test_base_header_fails(self):
        os.unlink(os.path.join(self.repo, 'include/linux/iommu.h'))
        self.assertIn('include/linux/iommu.h: not ours', self.check())

    def test_missing_file_fails(self):
        os.unlink(os.path.join(self.tree, 'drivers/iommu/Makefile'))
        self.assertIn('drivers/iommu/Makefile: missing from the tree',
                      self.check())

    def test_header_missing_everywhere_fails(self):
        for root in (self.repo, self.tree):
            os.unlink(os.path.join(root, 'include/linux/iova.h'))
        self.assertIn('include/linux/iova.h: not ours', self.check())

    def test_long_list_is_cut(self):
        for i in range(8):
            write(self.tree, f'drivers/iommu/base{i}.c', 'base\n')
        line = self.check()
        self.assertTrue(line.startswith(f'FAIL {tree_check.NAME} '))
        self.assertTrue(line.endswith('and 3 more'), line)


if __name__ == '__main__':
    unittest.main()
