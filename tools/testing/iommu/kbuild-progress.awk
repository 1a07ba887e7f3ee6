#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0
#
# Condense Kbuild's one-line-per-file output into a progress line every few
# hundred steps; warnings, errors and anything else pass through untouched.
/^  [A-Z0-9_]+ +[^ ]/ && !/(warning|error):/ {
	steps++
	if (steps % 400 == 0) {
		printf "  KERNEL  %d build steps done\n", steps
		fflush()
	}
	next
}
/^make\[[0-9]+\]: (Entering|Leaving) directory/ { next }
{ print; fflush() }
END {
	if (steps)
		printf "  KERNEL  %d build steps\n", steps
}
