#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the kernel we build has our IOMMU subsystem and nothing else.

Every file under drivers/iommu/ of the overlaid tree, and the subsystem's
headers, must be a file of this repository with the same content; a file of
ours under those paths must be there as well.  Anything else (a base file
the overlay left behind, a stale copy) fails the result.  The one
exemption is a directory that owned-dirs lists as "keep": the base's
iommufd, a consumer of our core like VFIO, which the pass line names:

    PASS tree.drivers_iommu_ours <how many files>[; <kept dir> is the base's]
    FAIL tree.drivers_iommu_ours <the first few offending paths>

which make check counts with the other results.

Usage: tree_check.py REPO TREE RESULTS
"""

import filecmp
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from overlay import files_under, our_files, owned_dirs  # noqa: E402

NAME = 'tree.drivers_iommu_ours'
DIRS = ('drivers/iommu/',)
HEADERS = ('include/linux/iommu.h', 'include/linux/iommu-dma.h',
           'include/linux/of_iommu.h', 'include/linux/io-pgtable.h',
           'include/linux/iova.h', 'include/trace/events/iommu.h')
SHOWN = 5


def problems(repo, tree):
    """(files checked, sorted list of "path: why", kept directories) for
    TREE against REPO."""
    ours = our_files(repo)
    kept = sorted(owned_dirs(repo)[1])

    def exempt(name):
        return any(name.startswith(k) for k in kept)

    wanted = {n for n in ours if n.startswith(DIRS)} | set(HEADERS)
    present = set()
    for d in DIRS:
        present |= {n for n in files_under(tree, d) if not exempt(n)}
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
    return len(wanted | present), found, kept


def result_line(checked, found, kept=()):
    if not found:
        note = ''.join(f'; {k} is the base\'s' for k in kept)
        return f'PASS {NAME} {checked} files{note}'
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
