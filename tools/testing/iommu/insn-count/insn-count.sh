#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# insn-count.sh BUILD IMAGE VMLINUX PAGES OUT [WORDS...]
#
# Guest instructions of one dma_map_page and one dma_unmap_page, counted
# deterministically: boot IMAGE on one CPU with QEMU's gdbstub, run
# dma_map_benchmark at 1 thread and PAGES pages per mapping (the initramfs
# of BUILD), and single-step the calls with step.py.  WORDS go on the kernel command line
# ("iommu.strict=0" for lazy mode).  OUT gets step.py's report; its
# summary lines are printed.  Wall-clock figures under TCG move with host
# load and with where the linker put the code; these do not.
set -euo pipefail

build=$1 image=$2 vmlinux=$3 pages=$4 out=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
port=${INSN_PORT:-1234}
console=$(mktemp)
qemu=
trap '[ -z "$qemu" ] || kill "$qemu" 2>/dev/null || true; rm -f "$console"' EXIT

command -v gdb-multiarch > /dev/null || {
	echo "insn-count: needs gdb-multiarch (apt-get install gdb-multiarch)" >&2
	exit 1
}

# The harness's own QEMU setup for make bench's boots, on one CPU and with
# the gdbstub on.
mapfile -d '' qemu_cmd < <(python3 "$here/../harness.py" --build "$build" \
	qemu-command --image "$image" --smp 1 --gdb "$port" --bench -- \
	nokaslr harness=bench-lat "lat=1x$pages" seconds=300 "$@")
"${qemu_cmd[@]}" < /dev/null > "$console" 2> "$out.qemu" &
qemu=$!

# The benchmark thread is mapping once its start line is out.
for _ in $(seq 1200); do
	grep -q '@@harness start bench-lat' "$console" && break
	sleep 0.1
done
grep -q '@@harness start bench-lat' "$console" || {
	echo "insn-count: $image did not reach the benchmark" >&2
	exit 1
}
sleep 3

INSN_OUT=$out INSN_GDBSTUB="localhost:$port" \
INSN_FUNCS=iommu_dma_map_page,iommu_dma_unmap_page \
	gdb-multiarch -q -batch -ex "file $vmlinux" -x "$here/step.py" \
	> "$out.gdb" 2>&1 || {
	echo "insn-count: gdb failed, see $out.gdb" >&2
	exit 1
}
grep -v '^    ' "$out"
