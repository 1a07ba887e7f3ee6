#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the guest's initramfs: busybox, the harness's /init, the kselftests,
# the guest tools and, if there are any, kernel modules for /lib/iommu/
# (make bench's iova_bench-ours.ko and iova_bench-base.ko) and data files
# for /usr/share/iommu/ (the text range of kselftest iommu_fail_nth, and
# kmemleak's record allocator for iommufd_fail_nth).
#
# Usage: mkinitramfs.sh BUILD_DIR OUTPUT INIT SELFTEST_DIR TOOL_DIR
#			[MODULE_DIR [SHARE_DIR]]
set -euo pipefail

build=$1 out=$2 init=$3 selftests=$4 tools=$5 modules=${6:-} share=${7:-}
root="$build/initramfs"

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/iommu,usr/bin/iommu/selftests,usr/share/iommu}
cp "$build/busybox/bin/busybox" "$root/bin/busybox"
install -m 755 "$init" "$root/init"
for t in "$selftests"/*; do
	# The kselftest binaries: executables only, not objects or headers.
	[ -f "$t" ] && [ -x "$t" ] && cp "$t" "$root/usr/bin/iommu/selftests/"
done
cp "$tools"/* "$root/usr/bin/iommu/"
if [ -n "$modules" ] && compgen -G "$modules/*.ko" > /dev/null; then
	cp "$modules"/*.ko "$root/lib/iommu/"
fi
if [ -n "$share" ] && [ -d "$share" ]; then
	cp -r "$share"/. "$root/usr/share/iommu/"
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -4 > "$out.tmp"
mv "$out.tmp" "$out"
echo "  INITRD  $out ($(du -k "$out" | cut -f1) KiB)"
