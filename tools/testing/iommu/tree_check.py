#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the kernel we build has our IOMMU subsystem and nothing else.

Every file under drivers/iommu/ of the overlaid tree, and the subsystem's
headers, must be a file of this repository with the same content; a file of
ours under those paths must be there as well.  Anything else (a base file
the overlay left behind, a stale copy) fails the result

    PASS tree.drivers_iommu_ours <how many files>
    FAIL tree.drivers_iommu_ours <the first few offending paths>

which make check counts with the other results.

Usage: tree_check.py REPO TREE RESULTS
"""

import filecmp
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from overlay import files_under, our_files  # noqa: E402

NAME = 'tree.drivers_iommu_ours'
DIRS = ('drivers/iommu/',)
HEADERS = ('include/linux/iommu.h', 'include/linux/iommu-dma.h',
           'include/linux/of_iommu.h', 'include/linux/io-pgtable.h',
           'include/linux/iova.h', 'include/trace/events/iommu.h')
SHOWN = 5


def problems(repo, tree):
    """(files checked, sorted list of "path: why") for TREE against REPO."""
    ours = our_files(repo)
    wanted = {n for n in ours if n.startswith(DIRS)} | set(HEADERS)
    present = set()
    for d in DIRS:
        present |= files_under(tree, d)
    present |= {h for h in HEADERS if os.path.lexists(os.path.join(tree, h))}

    found = []
    for name in sorted(wanted | present):
        if name not in ours:
            found.append(f'{name}: not ours')
        elif name not in present:
            found.append(f'{name}: missing from the tree')
        elif not filecmp.cmp(os.path.join(repo, name),
                             os.path.join(tree, name), shallow=False):
            found.append(f'{name}: differs from ours')
    return len(wanted | present), found


def result_line(checked, found):
    if not found:
        return f'PASS {NAME} {checked} files'
    more = f' and {len(found) - SHOWN} more' if len(found) > SHOWN else ''
    return f'FAIL {NAME} ' + '; '.join(found[:SHOWN]) + more


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    repo, tree, results = sys.argv[1:]
    line = result_line(*problems(repo, tree))
    with open(results, 'w') as f:
        f.write(line + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
