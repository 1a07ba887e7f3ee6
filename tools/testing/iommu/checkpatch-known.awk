# SPDX-License-Identifier: GPL-2.0
#
# Filter checkpatch --show-types output: drop its "total:" line and the one
# finding that is checkpatch's mistake, not ours.  checkpatch takes any
# name with "for_each" before a "(" for a loop macro, so it reads the
# definition of iommu_group_for_each_dev(), the function VFIO and powerpc
# call by that name, as a loop whose brace is misplaced.  Any other finding
# in the same file or patch still counts.  Used by lint.sh and series.py.
BEGIN { RS = "" }
/^total:/ { next }
/^ERROR:OPEN_BRACE:[^\n]*\n[^\n]*\n\+[a-z ]*iommu_group_for_each_dev\(/ { next }
{ printf "%s\n\n", $0 }
