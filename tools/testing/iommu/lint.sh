#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the project's own files with the base kernel's tools and write one
# result line per tool ("PASS lint.NAME" or "FAIL lint.NAME detail"):
#
#   checkpatch   scripts/checkpatch.pl --strict, no-tree file mode
#   kernel-doc   scripts/kernel-doc -none -Wall
#   sparse       make C=2 over drivers/iommu and the iova_bench module
#   w1           make W=1 over drivers/iommu and the iova_bench module
#   maintainers  scripts/get_maintainer.pl finds an entry for every file
#
# Findings in base kernel files that sparse or the compiler pass through are
# not ours and are left out; each tool's full output is kept beside RESULTS.
# A file of ours that patches a base file (a Kconfig that gained
# a few lines) is checked as a patch against BASE_SRC, so that only the
# lines we wrote count.
#
# Usage: lint.sh REPO OVERLAID_SRC LINT_OBJ RESULTS BASE_SRC
set -uo pipefail

repo=$1 src=$2 obj=$3 results=$4 base=$5
logs=$(dirname "$results")
mkdir -p "$logs"
: > "$results"

mapfile -t ours < <(git -C "$repo" ls-files --cached --others \
	--exclude-standard | grep -vE '^(Makefile|README\.md|\.gitignore|\.ci/)' |
	while read -r f; do [ -f "$repo/$f" ] && echo "$f"; done)
code=()
for f in "${ours[@]}"; do
	case "$f" in *.c|*.h) code+=("$f") ;; esac
done

result() {		# result NAME LOGFILE FINDINGS WHAT
	if [ "$3" -eq 0 ]; then
		echo "PASS lint.$1 $4" >> "$results"
	else
		echo "FAIL lint.$1 $3 findings, see $2" >> "$results"
		# The log stays behind in the build tree; CI shows only output.
		echo "lint.$1: first lines of $2:" >&2
		head -n 20 "$2" | sed 's/^/    /' >&2
	fi
}

# checkpatch, over C files, headers and Kconfig files of ours.  A Kconfig
# file that patches the base's is checked as a diff against it; one in a
# directory we own, or new, as a new file.
log="$logs/lint-checkpatch.log"
: > "$log"
n=0
owned=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' \
	"$repo/tools/testing/iommu/owned-dirs")
is_owned() {
	local d
	for d in $owned; do
		[[ $1 == "${d%/}"/* ]] && return 0
	done
	return 1
}
# checkpatch's one misreading of our code (checkpatch-known.awk says which).
drop_for_each_dev() {
	awk -f "$repo/tools/testing/iommu/checkpatch-known.awk"
}
for f in "${code[@]}" $(printf '%s\n' "${ours[@]}" | grep -E '(^|/)Kconfig'); do
	if [[ $f != *.[ch] ]]; then
		old="$base/$f"
		if [ ! -f "$old" ] || is_owned "$f"; then
			old=/dev/null
		fi
		out=$(cd "$repo" && diff -u --label "a/$f" --label "b/$f" \
			"$old" "$f" | "$src/scripts/checkpatch.pl" --strict \
			--no-tree --quiet --show-types --no-signoff \
			--ignore COMMIT_MESSAGE - 2>&1) || true
	else
		out=$("$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
			--show-types -f "$repo/$f" 2>&1 | drop_for_each_dev) ||
			true
	fi
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >> "$log"
		n=$((n + $(printf '%s\n' "$out" | grep -cE '^(ERROR|WARNING|CHECK):')))
	fi
done
# The patches to base files, whole, commit messages too.
patches=0
for f in "${ours[@]}"; do
	[[ $f == patches/*.patch ]] || continue
	patches=$((patches + 1))
	out=$("$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--show-types "$repo/$f" 2>&1) || true
	if [ -n "$out" ]; then
		printf '%s\n%s\n' "$f:" "$out" >> "$log"
		n=$((n + $(printf '%s\n' "$out" | grep -cE '^(ERROR|WARNING|CHECK):')))
	fi
done
result checkpatch "$log" $n "${#code[@]} C files and Kconfig, $patches patches"

# kernel-doc
log="$logs/lint-kernel-doc.log"
(cd "$repo" && "$src/scripts/kernel-doc" -none -Wall "${code[@]}") > "$log" 2>&1
n=$(grep -c . "$log")
result kernel-doc "$log" "$n" "${#code[@]} files"

# The compiler with W=1 and then sparse, in a build directory of their own
# so that the flags do not force a rebuild of the main kernel.
kmake=(make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
       CC="ccache aarch64-linux-gnu-gcc" -j"$(($(nproc) + 1))")
ours_re=$(printf '%s\n' "${code[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
ours_only() {		# keep diagnostics that point into files of ours
	grep -E "(^|/)(${ours_re:-^$}):[0-9]+(:[0-9]+)?: " || true
}
# make bench's out-of-tree module, compiled in the overlaid tree so that
# diagnostics name its path there; just the object, since this build has
# no vmlinux to link a module against.
module=(M="$src/tools/testing/iommu/iova-bench" iova_bench.o)
built="drivers/iommu and iova_bench"

echo "  LINT    W=1 build of $built in $obj"
log="$logs/lint-w1.log"
if "${kmake[@]}" -s W=1 drivers/iommu/ > "$log" 2>&1 &&
   "${kmake[@]}" -s W=1 "${module[@]}" >> "$log" 2>&1; then
	n=$(ours_only < "$log" | grep -c .)
	result w1 "$log" "$n" "$built"
else
	echo "FAIL lint.w1 the W=1 build failed, see $log" >> "$results"
fi

echo "  LINT    sparse over $built"
log="$logs/lint-sparse.log"
if "${kmake[@]}" -s W=1 C=2 drivers/iommu/ > "$log" 2>&1 &&
   "${kmake[@]}" -s W=1 C=2 "${module[@]}" >> "$log" 2>&1; then
	n=$(ours_only < "$log" | grep -c .)
	result sparse "$log" "$n" "$built"
else
	echo "FAIL lint.sparse the sparse run failed, see $log" >> "$results"
fi

# Every file of ours has one of our entries in MAINTAINERS (patch 0009 adds
# them to the base's), which get_maintainer.pl names.
log="$logs/lint-maintainers.log"
: > "$log"
n=0
our_address=iommu-project@example.org
for f in "${ours[@]}"; do
	# Patches to base files are not files of the tree; checkpatch reads them.
	[[ $f == patches/* ]] && continue
	who=$(cd "$src" && ./scripts/get_maintainer.pl --no-git --no-rolestats \
		--no-git-fallback -f "$f" 2>&1)
	# Not "printf | grep -q": grep quits at the first match, printf may
	# then die of SIGPIPE, and pipefail would call that a missing entry.
	if [[ "$who" != *"$our_address"* ]]; then
		echo "$f: no MAINTAINERS entry: $who" >> "$log"
		n=$((n + 1))
	fi
done
result maintainers "$log" $n "${#ours[@]} files"
exit 0
