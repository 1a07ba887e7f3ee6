#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and booting the IOMMU project needs, from Debian's
# registry.  Quiet and quick when everything is already there.
#
# Usage: deps.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: deps.sh BUILD_DIR}
packages=(linux-source-6.12 gcc libc6-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	  qemu-system-arm qemu-efi-aarch64 make flex bison bc libelf-dev libssl-dev
	  cpio rsync kmod ccache sparse xz-utils python3 perl gzip)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
updated=
apt_update() {
	if [ -z "$updated" ]; then
		echo "  DEPS    apt-get update"
		$sudo apt-get update -qq
		updated=1
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	echo "  DEPS    installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

# A static arm64 busybox for the guest, unpacked under the build directory
# rather than installed on the host.
bb="$build/busybox/bin/busybox"
if [ ! -x "$bb" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "  DEPS    adding the arm64 architecture to dpkg"
		$sudo dpkg --add-architecture arm64
		updated=
	fi
	apt_update
	mkdir -p "$build/busybox"
	echo "  DEPS    fetching busybox-static:arm64"
	(cd "$build" && rm -f busybox-static_*_arm64.deb &&
	 # apt warns that it cannot drop privileges to write here; harmless.
	 apt-get download -qq busybox-static:arm64 2>/dev/null &&
	 dpkg-deb -x busybox-static_*_arm64.deb busybox &&
	 rm -f busybox-static_*_arm64.deb)
	[ -x "$bb" ]
fi
