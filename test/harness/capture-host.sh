#!/bin/sh
# By hand only (tests never run this): capture this machine's /proc and debugfs files the way
# test/harness/init.sh does inside the guest, then optionally trigger compaction and capture again.
#   sh test/harness/capture-host.sh OUTDIR            one capture: OUTDIR/01-before
#   sh test/harness/capture-host.sh OUTDIR cm         before, compact_memory, after (writes /proc!)
# OUTDIR gets steps.log with the /proc/vmstat deltas of the trigger, like a harness run.
set -eu
out=$1; trig=${2:-}
mkdir -p "$out"
S=$out/steps.log
n=0
vmsnap() { grep -E '^(compact_|cma_|thp_|pgmigrate_|htlb_|nr_free_pages|nr_free_cma|pgsteal|pgscan|kswapd|drop_|allocstall|nr_isolated)' /proc/vmstat; }
cap() {
	n=$((n + 1)); d=$out/$(printf %02d $n)-$1; mkdir -p "$d"
	cat /proc/uptime > "$d/uptime"
	cat /proc/buddyinfo > "$d/buddyinfo"
	for f in extfrag_index unusable_index; do
		[ -r /sys/kernel/debug/extfrag/$f ] && cat /sys/kernel/debug/extfrag/$f > "$d/$f"
	done
	for f in pagetypeinfo zoneinfo vmstat meminfo iomem slabinfo cmdline; do cat /proc/$f > "$d/$f" 2>/dev/null || true; done
	cat /proc/kpageflags | gzip -1 > "$d/kpageflags.gz"
	cat /proc/kpagecount | gzip -1 > "$d/kpagecount.gz"
	mkdir -p "$d/after-kpage"
	cat /proc/buddyinfo > "$d/after-kpage/buddyinfo"; cat /proc/zoneinfo > "$d/after-kpage/zoneinfo"; cat /proc/vmstat > "$d/after-kpage/vmstat"
	for f in $(find /sys/kernel/mm/transparent_hugepage -type f); do
		echo "${f#/sys/kernel/mm/transparent_hugepage/}: $(cat "$f" 2>/dev/null)"
	done > "$d/transparent_hugepage"
	for k in compaction_proactiveness extfrag_threshold min_free_kbytes watermark_scale_factor \
		watermark_boost_factor compact_unevictable_allowed nr_hugepages percpu_pagelist_high_fraction \
		overcommit_memory lowmem_reserve_ratio; do
		[ -r /proc/sys/vm/$k ] && echo "$k: $(cat /proc/sys/vm/$k)"
	done > "$d/sysctl_vm"
	for h in /sys/kernel/mm/hugepages/*; do
		echo "$(basename "$h") nr=$(cat "$h/nr_hugepages") free=$(cat "$h/free_hugepages") surplus=$(cat "$h/surplus_hugepages")"
	done > "$d/hugepages"
	[ -r /sys/devices/system/node/node0/vmstat ] && cat /sys/devices/system/node/node0/vmstat > "$d/node0_vmstat"
	uname -r > "$d/uname_r"; uname -m > "$d/uname_m"
	echo "[$(cut -d' ' -f1 /proc/uptime)] cap $n-$1" >> "$S"
}
uname -a > "$out/uname"; cat /proc/version > "$out/version"; cat /proc/cmdline > "$out/cmdline"
dmesg > "$out/dmesg.txt" 2>/dev/null || true
cap before
if [ "$trig" = cm ]; then
	vmsnap > /tmp/vm.before.$$
	t0=$(cut -d' ' -f1 /proc/uptime)
	echo 1 > /proc/sys/vm/compact_memory
	t1=$(cut -d' ' -f1 /proc/uptime)
	vmsnap > /tmp/vm.after.$$
	echo "[$t0 -> $t1] step cm: rc=0" >> "$S"
	paste -d' ' /tmp/vm.before.$$ /tmp/vm.after.$$ | awk '{d=$4-$2; if (d!=0) printf "    %s %+d\n", $1, d}' >> "$S"
	rm -f /tmp/vm.before.$$ /tmp/vm.after.$$
	cap after-compact-memory
fi
cat "$S"
