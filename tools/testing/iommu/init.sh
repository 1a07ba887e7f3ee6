#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the harness's guest.  What it does depends on the "harness=" word
# of the kernel command line (the kernel passes unknown key=value words to
# init as environment variables):
#
#   harness=run        show groups, verified I/O on each disk, IOMMU dmesg
#                      (no group is a failure unless "groups=optional")
#   harness=check      run the kselftests ("selftests=a,b" picks some);
#                      "stress=SECONDS" runs iommu-stress after them
#   harness=stress     iommu-stress for "duration=SECONDS"
#   harness=bench-lat  dma_map_benchmark over threads and granules, the
#                      whole sweep "repeats=N" times; "lat=TxG" runs only
#                      T threads at G pages
#   harness=bench-cmds one traced NVMe workload ("workload=none|4k|128k|1m")
#   harness=bench-iova the IOVA allocator microbenchmark module built for
#                      this kernel ("kernel=ours|base")
#   harness=bench-cmdq the SMMUv3 command queue on the model SMMU: strict
#                      unmaps from 1-3 CPUs ("cmdq=RATIO,RATIO..." CMD_SYNC
#                      latencies, "seconds=N" a run)
#   harness=acpi-tables print the firmware's IORT and DSDT
#   harness=firmware   the boot with acpi_tables.py's tables: bind the edus
#                      of "fwedus=NAME:SLOT,..." and say what became of
#                      each, then run "selftests=a,b" (of iommu_dma_edu
#                      only its direct_regions)
#
# Lines starting with "@@" are for the host side (harness.py); everything
# ends with "@@harness end" and a power-off.

/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin/iommu

mount -t proc none /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug
mount -t tmpfs tmp /tmp

# The console shows warnings and worse while tests run, so that kernel chatter
# does not break up test output; the full log is dumped at the end.
echo 5 > /proc/sys/kernel/printk

mark() { echo "@@harness $*"; }

# A kernel with kmemleak (make check's) scans for leaks at the end of the
# boot.  kmemleak reports an object only once it has looked unreferenced in
# two scans, so it scans twice; whatever it reports goes to the host
# between the markers.  lockdep's state comes along: a checker that turned
# itself off (as lockdep does after its first report) checks nothing more.
kmemleak_scan() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || return 0
	echo "@@kmemleak begin"
	if echo scan > $k && sleep 1 && echo scan > $k; then
		cat $k
	else
		echo "@@kmemleak error: the scan failed, kmemleak is off"
	fi
	echo "@@kmemleak end"
	if [ -e /proc/lockdep_stats ]; then
		echo "@@lockdep $(grep -E '^ *debug_locks:' /proc/lockdep_stats | tr -d ' ')"
	fi
}

finish() {
	kmemleak_scan
	echo "@@dmesg begin"
	dmesg
	echo "@@dmesg end"
	mark end
	sync
	poweroff -f
}

wait_disk() {
	i=0
	while [ ! -b "/dev/$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b "/dev/$1" ]
}

# The full guest of make check and make run has four SCSI disks besides
# NVMe and virtio-blk (SATA, two USB, virtio-scsi); the host says so with
# "disks=6".  USB disks come a while after the rest.
wait_disks() {
	want=${disks:-2}
	i=0
	while [ "$(ls /sys/block | grep -cE '^(nvme|vd|sd)')" -lt "$want" ] &&
	      [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait_disk nvme0n1 && wait_disk vda
}

pci_name() {
	d=/sys/bus/pci/devices/$1
	drv=-
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	printf '%s  %s:%s  driver %s' "$1" "$(sed 's/0x//' "$d/vendor")" \
		"$(sed 's/0x//' "$d/device")" "$drv"
}

show_groups() {
	echo "IOMMU groups:"
	found=0
	for g in /sys/kernel/iommu_groups/*; do
		[ -d "$g" ] || continue
		found=1
		echo "  group $(basename "$g"): domain type $(cat "$g/type")"
		for dev in "$g"/devices/*; do
			echo "    $(pci_name "$(basename "$dev")")"
		done
	done
	[ $found = 1 ] || echo "  (none)"
	echo "PCI devices in no group (a device gets one when its driver binds):"
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/iommu_group" ] || echo "    $(pci_name "$(basename "$d")")"
	done
	[ $found = 1 ]
}

mode_run() {
	ok=1
	mark start run
	wait_disks || { echo "a disk did not appear"; ok=0; }
	echo
	# groups=optional: a kernel that may have no IOMMU driver, as make
	# series-check boots for the patches before the SMMUv3 driver's.
	optional=
	[ "${groups:-}" = optional ] && optional=--no-iommu-ok
	show_groups || [ -n "$optional" ] || ok=0
	echo
	echo "DMA through the SMMU, O_DIRECT write, read back, compare:"
	for disk in nvme virtio sata usb3 usb2 scsi; do
		printf '  %-6s ' "$disk"
		iommu-blk-verify $optional serial=iommu-$disk || ok=0
	done
	echo
	echo "IOMMU messages from dmesg:"
	# KUnit's KTAP lines name the SMMU driver too; they are not news.
	dmesg | grep -iE 'iommu|smmu' | grep -vE '^ *(ok|not ok|#) ' |
		sed 's/^/  /'
	echo
	if [ $ok = 1 ]; then mark result pass; else mark result fail; fi
}

hugepages() {
	[ -e /proc/sys/vm/nr_hugepages ] && echo "$1" > /proc/sys/vm/nr_hugepages
}

# Upstream's iommufd_fail_nth fails each allocation of an operation in
# turn and allows an operation 400 of them.  With kmemleak every allocation
# is two injection points, the allocation and kmemleak's record of it (whose
# failure kmemleak absorbs from a reserved pool); the stack-trace filter
# keeps the records out, over the range text-range.sh named ("on" or "off").
kmemleak_records_injectable() {
	set -- $1 $(cat /usr/share/iommu/kmemleak-record 2>/dev/null)
	[ $# = 3 ] || return 0
	begin=$(awk -v s="$2" '$3 == s && NF == 3 { print $1 }' /proc/kallsyms)
	end=$(awk -v s="$3" '$3 == s && NF == 3 { print $1 }' /proc/kallsyms)
	for inj in failslab fail_page_alloc; do
		d=/sys/kernel/debug/$inj
		[ -e $d/reject-start ] || continue
		if [ "$1" = off ] && [ -n "$begin" ] && [ -n "$end" ]; then
			echo "0x$begin" > $d/reject-start
			echo "0x$end" > $d/reject-end
		else
			echo 0 > $d/reject-start
			echo 0 > $d/reject-end
		fi
	done
}

# Runs kselftest program $1 with the rest as its arguments, between the
# markers harness.py reads its results by.
run_selftest() {
	name=$1
	shift
	echo "@@selftest begin $name"
	start=$(cut -d' ' -f1 /proc/uptime)
	# Upstream's iommufd suites map up to 128 MiB of 2 MiB huge pages; the
	# other tests get that memory back.
	case $name in iommufd*) hugepages 72 ;; esac
	case $name in iommufd_fail_nth) kmemleak_records_injectable off ;; esac
	"/usr/bin/iommu/selftests/$name" "$@" 2>&1
	rc=$?
	case $name in iommufd*) hugepages 0 ;; esac
	case $name in iommufd_fail_nth) kmemleak_records_injectable on ;; esac
	echo "@@selftest end $name rc=$rc seconds=$(awk -v s="$start" \
		'{ printf "%.0f", $1 - s }' /proc/uptime)"
}

mode_check() {
	mark start check
	wait_disks
	for t in /usr/bin/iommu/selftests/*; do
		name=$(basename "$t")
		if [ -n "$selftests" ]; then
			case ",$selftests," in *",$name,"*) ;; *) continue ;; esac
		fi
		run_selftest "$name"
	done
	[ -n "$stress" ] && run_stress "$stress"
}

mode_acpi_tables() {
	for t in IORT DSDT; do
		echo "@@acpi-table begin $t"
		od -An -v -tx1 "/sys/firmware/acpi/tables/$t"
		echo "@@acpi-table end $t"
	done
}

# One edu of the firmware boot: bind it to the DMA test driver and say
# what came of it.  A device behind an SMMU that was refused defers (a
# bind through sysfs then fails with EAGAIN and is not retried) until the
# kernel stops waiting for its IOMMU, 10 s after the late initcalls; bound
# again after that, it binds without an IOMMU.
firmware_edu() {
	name=$1 bdf=0000:00:$2.0
	d=/sys/bus/pci/devices/$bdf
	echo iommu_dma_edu_test > "$d/driver_override"
	bind=ok tries=0
	until err=$({ echo "$bdf" > /sys/bus/pci/drivers/iommu_dma_edu_test/bind; } 2>&1)
	do
		case $err in
		*"temporarily unavailable"*)
			if [ $tries -lt 30 ]; then
				bind=deferred tries=$((tries + 1))
				sleep 1
				continue
			fi
			;;
		esac
		bind=failed
		break
	done
	group=none iommu=none
	[ -e "$d/iommu_group" ] && group=$(basename "$(readlink "$d/iommu_group")")
	[ -e "$d/iommu" ] && iommu=$(basename "$(readlink "$d/iommu")")
	echo "@@firmware edu $name $bdf bind=$bind group=$group iommu=$iommu"
	[ "$group" = none ] && return
	sed "s/^/@@firmware regions $name /" \
		"/sys/kernel/iommu_groups/$group/reserved_regions"
	[ "$name" = rmr ] || return
	if echo direct_regions > "/sys/kernel/debug/iommu_dma_edu_test/$bdf/run"
	then
		echo "@@firmware direct_regions $name ok"
	else
		echo "@@firmware direct_regions $name failed"
	fi
}

mode_firmware() {
	mark start firmware
	wait_disks
	for edu in $(echo "$fwedus" | tr , ' '); do
		firmware_edu "${edu%%:*}" "${edu#*:}"
	done
	# Of iommu_dma_edu only direct_regions: the other tests need every
	# edu in a DMA domain, and here three have none on purpose.
	for name in $(echo "$selftests" | tr , ' '); do
		case $name in
		iommu_dma_edu) run_selftest "$name" -t direct_regions ;;
		*) run_selftest "$name" ;;
		esac
	done
}

run_stress() {
	echo "@@stress begin $1"
	iommu-stress "$1"
	echo "@@stress end rc=$?"
}

mode_stress() {
	mark start stress
	wait_disks
	run_stress "${duration:-600}"
}

# The sweep repeats as a whole, not figure by figure, so that a stall of the
# host lasting a few seconds cannot spoil every run of one figure.
mode_bench_lat() {
	mark start bench-lat
	all_threads="1 2" all_granules="1 16 256"
	if [ -n "$lat" ]; then
		all_threads=${lat%x*} all_granules=${lat#*x}
	fi
	r=0
	while [ $r -lt "${repeats:-1}" ]; do
		for threads in $all_threads; do
			for granule in $all_granules; do
				iommu-dma-bench $threads $granule "${seconds:-3}"
			done
		done
		r=$((r + 1))
	done
}

mode_bench_cmds() {
	mark start bench-cmds
	wait_disk nvme0n1
	case "$workload" in
	4k) iommu-nvme-read nvme0n1 4096 1000 ;;
	128k) iommu-nvme-read nvme0n1 131072 256 ;;
	1m) iommu-nvme-read nvme0n1 1048576 32 ;;
	none) echo "@@bench reads none" ;;
	esac
}

# iova_bench.ko runs its benchmark while it loads and leaves its figures in
# debugfs as "name=value" lines.  There is one module per kernel, each built
# against that kernel's headers; the host says which kernel this is.
mode_bench_iova() {
	mark start bench-iova
	ko=/lib/iommu/iova_bench-$kernel.ko
	if [ ! -f "$ko" ]; then
		echo "@@bench error iova: no $ko in the initramfs"
		return
	fi
	if ! insmod "$ko"; then
		echo "@@bench error iova: insmod $ko failed, see the kernel log"
		return
	fi
	sed 's/^/@@bench iova /' /sys/kernel/debug/iova_bench/results
	rmmod iova_bench || echo "@@bench error iova: rmmod iova_bench failed"
}

# One run of the command queue benchmark ($f): $1 producers, design $2,
# ratio $3.
bench_cmdq_run() {
	if echo "producers $1 design $2 ratio $3" \
		"ms $((${seconds:-1} * 1000))" > "$f"; then
		sed 's/^/@@bench cmdq /' "$f"
	else
		echo "@@bench error cmdq: $1 $2 $3 failed"
	fi
}

# The model SMMU of our SMMUv3 driver (CONFIG_ARM_SMMU_V3_CMDQ_MODEL) on the
# last CPU, 1-3 producers on the others; the queue as it is ("shared") and
# as it was ("serial"), at each CMD_SYNC latency asked for, as a multiple
# of the CPU time of a batch.
mode_bench_cmdq() {
	mark start bench-cmdq
	f=/sys/kernel/debug/iommu/arm-smmu-v3/cmdq-model-bench
	if [ ! -f "$f" ]; then
		echo "@@bench error cmdq: no $f in this kernel"
		return
	fi
	# Each design twice, serial first and then shared first, so that
	# neither always runs first.
	for ratio in $(echo "${cmdq:-4}" | tr , ' '); do
		for producers in 1 2 3; do
			bench_cmdq_run "$producers" serial "$ratio"
			bench_cmdq_run "$producers" shared "$ratio"
			bench_cmdq_run "$producers" shared "$ratio"
			bench_cmdq_run "$producers" serial "$ratio"
		done
	done
}

case "$harness" in
run) mode_run ;;
check) mode_check ;;
stress) mode_stress ;;
bench-lat) mode_bench_lat ;;
bench-cmds) mode_bench_cmds ;;
bench-iova) mode_bench_iova ;;
bench-cmdq) mode_bench_cmdq ;;
acpi-tables) mode_acpi_tables ;;
firmware) mode_firmware ;;
*) echo "init: unknown harness mode '$harness'"; mark result fail ;;
esac
finish
