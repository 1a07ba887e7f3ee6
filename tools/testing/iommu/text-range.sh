#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Name where the IOMMU subsystem's code begins and ends in a built kernel,
# for kselftest iommu_fail_nth, which fails only allocations whose stack
# passes through that range (the fault-injection stack trace filter).
#
# drivers/iommu/Makefile links iommufd (the base's, a consumer) first and
# the edu test driver last, so the subsystem's text runs from the first
# function of our objects to the first function of the test driver.  The
# range is written as two symbol names, "BEGIN END", each unique in the
# kernel, so that the guest finds their addresses in /proc/kallsyms of the
# kernel it runs.
#
# With KMEMLEAK_OUTPUT it also names, the same way, the function with
# which kmemleak allocates its record of each allocation, and the symbol
# after it, for upstream's iommufd_fail_nth: the guest keeps fault
# injection out of that range (see the init script), so that an
# allocation is one injection point, as that test's bound of 400 points
# assumes, not two.  A kernel without kmemleak gets an empty file.
#
# Usage: text-range.sh OBJ OUTPUT [KMEMLEAK_OUTPUT]
set -euo pipefail

obj=$1 out=$2 kmemleak_out=${3:-}
nm=${CROSS_COMPILE:-aarch64-linux-gnu-}nm
map=$obj/System.map
dir=$obj/drivers/iommu

# Text symbols of objects, one name per line.
text_names() {
	"$nm" --defined-only "$@" 2>/dev/null | awk '$2 ~ /^[tT]$/ { print $3 }' | sort -u
}

# The unique symbol of System.map with the lowest address among the names
# on stdin.
lowest_unique() {
	awk 'NR == FNR { want[$1] = 1; next }
	     $3 in want { seen[$3]++; addr[$3] = $1 }
	     END { for (s in seen) if (seen[s] == 1) print addr[s], s }' \
		- "$map" | sort | awk 'NR == 1 { print $2 }'
}

tests=$(ls "$dir"/iommu-dma-edu-*.o)
ours=$(find "$dir" -path "$dir/iommufd" -prune -o -name '*.o' \
	! -name 'iommu-dma-edu-*' ! -name '*.mod.o' ! -name 'built-in.a' \
	-print | sort)
begin=$(text_names $ours | lowest_unique)
end=$(text_names $tests | lowest_unique)
if [ -z "$begin" ] || [ -z "$end" ]; then
	echo "text-range: no unique symbols found in $obj" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
echo "$begin $end" > "$out"
echo "  RANGE   $begin .. $end"

[ -n "$kmemleak_out" ] || exit 0
record=__alloc_object
: > "$kmemleak_out"
if [ -f "$obj/mm/kmemleak.o" ]; then
	# Whole pipelines, no early exits: pipefail would end the script.
	ok=$(text_names "$obj/mm/kmemleak.o" | awk -v s="$record" \
		'$1 == s { n++ } END { print n + 0 }')
	in_map=$(awk -v s="$record" '$3 == s { n++ } END { print n + 0 }' "$map")
	if [ "$ok" != 1 ] || [ "$in_map" != 1 ]; then
		echo "text-range: $record is not a unique function of kmemleak" >&2
		exit 1
	fi
	next=$(sort "$map" | awk -v s="$record" \
		'found && !next_sym && $2 ~ /^[tT]$/ { next_sym = $3 }
		 $3 == s { found = 1 } END { print next_sym }')
	echo "$record $next" > "$kmemleak_out"
	echo "  RANGE   $record .. $next (kmemleak's records)"
fi
