#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure a kernel build directory from allnoconfig plus the project's
# fragments, then check that every option a fragment asks for holds.
# Reconfigures only when the fragments changed since the last run.
#
# Usage: kconfig.sh SRC OBJ [--lenient|--offered] FRAGMENT...
#   --lenient: options the tree does not define are dropped with a note
#              instead of failing (used for the unmodified base kernel).
#   --offered: configure every time and take what the tree offers of the
#              fragments, unchecked (make series-check, for each patch of
#              the series, whose Kconfig files change while the fragments
#              do not).
set -euo pipefail

src=$1 obj=$2
shift 2
lenient= offered=
case "${1:-}" in
--lenient) lenient=1; shift ;;
--offered) offered=1; shift ;;
esac
fragments=("$@")
kmake=(make -s -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
stamp="$obj/.iommu-fragment.sha1"
want=$(cat "${fragments[@]}" | sha1sum)

mkdir -p "$obj"
if [ -n "$offered" ] || [ ! -f "$obj/.config" ] ||
   [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	names=$(for f in "${fragments[@]}"; do basename "$f"; done)
	echo "  KCONFIG $obj from" $names
	"${kmake[@]}" allnoconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"${fragments[@]}" >/dev/null
	"${kmake[@]}" olddefconfig >/dev/null
	echo "$want" > "$stamp"
fi

[ -z "$offered" ] || exit 0
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) opt=${line%%=*} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
				  line="$opt=n" ;;
	*) continue ;;
	esac
	have=$(grep -E "^$opt=|^# $opt is not set" "$obj/.config" || true)
	case "$have" in
	"# $opt is not set") have="$opt=n" ;;
	"") have="$opt=n" ;;
	esac
	[ "$have" = "$line" ] && continue
	if [ -n "$lenient" ] && ! grep -rqE "^(menu)?config ${opt#CONFIG_}\$" \
		--include='Kconfig*' "$src"; then
		echo "  KCONFIG note: $opt is not defined in this tree, dropped"
		continue
	fi
	echo "  KCONFIG error: fragment wants $line, configuration has $have" >&2
	bad=1
done < <(cat "${fragments[@]}")
exit $bad
