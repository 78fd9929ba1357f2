#!/bin/sh
# By hand only (tests never run this): capture this machine's /proc and debugfs files the way
# test/harness/init.sh does inside the guest, then optionally trigger compaction and capture again.
#   sh test/harness/capture-host.sh OUTDIR            one capture: OUTDIR/01-before
#   sh test/harness/capture-host.sh OUTDIR cm         before, compact_memory, after (writes /proc!)
#   sh test/harness/capture-host.sh OUTDIR STEP...    before, then the steps in order:
#       cm | cm@C     compact_memory (cm@C: from a shell pinned to CPU C), then a capture
#       sleep:N       sleep N seconds (no capture)
#       cap:LABEL     a capture named LABEL
# OUTDIR gets steps.log with the /proc/vmstat deltas of every trigger, like a harness run, and the
# CPU the trigger ran on (cpu=C, or cpu=B..A for an unpinned shell: before and after).
# PTRACE=DIR (the instance test/harness/ptrace-host.sh start prints) marks each capture's page-map
# reads in that per-page trace ("gt cap N kpageflags", "gt cap N kpagecount"), as init.sh does.
# TRACE=1 also records the compaction tracepoints of each trigger (a private tracefs instance,
# removed at the end) in OUTDIR/trace/NN-STEP.txt.gz (NN: the capture the trigger follows).
# For a ground-truth pair: run `sync` first and put OUTDIR on tmpfs (e.g. /dev/shm/NAME, copied
# out afterwards). A 6.18 full compaction ends at the first dirty page-cache large folio it cannot
# split, and the capture's own gzip output on ext4 makes such folios (fixtures/host-24G-k618-f
# ended so; -g, made this way, ran to the end).
set -eu
out=$1; shift
mkdir -p "$out"
S=$out/steps.log
n=0
vmsnap() {
	grep -E '^(compact_|cma_|thp_|pgmigrate_|htlb_|nr_free_pages|nr_free_cma|pgsteal|pgscan|kswapd|drop_|allocstall|nr_isolated)' /proc/vmstat
	# large folios split (6.10+ per-size counters: anon and page cache), e.g. by a migration that found no target
	for st in /sys/kernel/mm/transparent_hugepage/hugepages-*/stats; do
		[ -r "$st/split" ] || continue
		sz=${st%/stats}; sz=$(echo "${sz##*hugepages-}" | tr A-Z a-z)
		echo "mthp_split_$sz $(cat "$st/split")"; echo "mthp_split_failed_$sz $(cat "$st/split_failed")"
	done
}
cap() {
	n=$((n + 1)); d=$out/$(printf %02d $n)-$1; mkdir -p "$d"
	cat /proc/uptime > "$d/uptime"
	cat /proc/buddyinfo > "$d/buddyinfo"
	for f in extfrag_index unusable_index; do
		[ -r /sys/kernel/debug/extfrag/$f ] && cat /sys/kernel/debug/extfrag/$f > "$d/$f"
	done
	for f in pagetypeinfo zoneinfo vmstat meminfo iomem slabinfo cmdline; do cat /proc/$f > "$d/$f" 2>/dev/null || true; done
	# PTRACE (test/harness/ptrace-host.sh): mark the page maps' reads in that trace, as init.sh does
	[ -n "${PTRACE:-}" ] && echo "gt cap $n kpageflags" > "$PTRACE/trace_marker"
	cat /proc/kpageflags | gzip -1 > "$d/kpageflags.gz"
	[ -n "${PTRACE:-}" ] && echo "gt cap $n kpagecount" > "$PTRACE/trace_marker"
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
	# the shell's CPU, as the harness logs it: the CPU whose per-cpu list the capture's tools most
	# likely took their pages from and freed them to (the what-if's written pages come off it)
	echo "[$(cut -d' ' -f1 /proc/uptime)] cap $n-$1 cpu=$(shellcpu)" >> "$S"
}
# the compaction tracepoints, in an instance of our own (the global buffer stays as it is)
T=''
if [ "${TRACE:-0}" = 1 ]; then
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do [ -d $t/instances ] && T=$t/instances/buddyscope-$$ && break; done
	[ -n "$T" ] || { echo "TRACE=1: no tracefs instances directory under /sys/kernel/tracing or /sys/kernel/debug/tracing; mount it first (as root: mount -t tracefs none /sys/kernel/tracing), or run without TRACE=1" >&2; exit 1; }
	mkdir "$T"
	trap 'echo 0 > "$T/tracing_on" 2>/dev/null; rmdir "$T" 2>/dev/null || true' EXIT
	echo 65536 > "$T/buffer_size_kb"
	for e in mm_compaction_begin mm_compaction_end mm_compaction_isolate_migratepages mm_compaction_isolate_freepages \
		mm_compaction_fast_isolate_freepages mm_compaction_migratepages mm_compaction_finished; do
		[ -d "$T/events/compaction/$e" ] && echo 1 > "$T/events/compaction/$e/enable"
	done
	echo 0 > "$T/tracing_on"
fi
# the CPU this shell last ran on (field 39 of /proc/PID/stat)
shellcpu() { cut -d' ' -f39 /proc/$$/stat; }
trigger() {
	f=/proc/sys/vm/compact_memory
	vmsnap > /tmp/vm.before.$$
	if [ -n "$T" ]; then echo > "$T/trace"; echo 1 > "$T/tracing_on"; fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	case "$1" in
	cm) c0=$(shellcpu); echo 1 > $f; rc=$?; c1=$(shellcpu); res="rc=$rc cpu=$c0..$c1" ;;
	cm@*) c=${1#cm@}; rc=$(taskset -c "$c" sh -c "echo 1 > $f; echo \$?"); res="rc=$rc cpu=$c" ;;
	esac
	t1=$(cut -d' ' -f1 /proc/uptime)
	vmsnap > /tmp/vm.after.$$
	if [ -n "$T" ]; then
		echo 0 > "$T/tracing_on"
		mkdir -p "$out/trace"
		cat "$T/trace" | gzip -9 > "$out/trace/$(printf %02d $n)-$1.txt.gz"
	fi
	echo "[$t0 -> $t1] step $1: $res" >> "$S"
	paste -d' ' /tmp/vm.before.$$ /tmp/vm.after.$$ | awk '{d=$4-$2; if (d!=0) printf "    %s %+d\n", $1, d}' >> "$S"
	rm -f /tmp/vm.before.$$ /tmp/vm.after.$$
}
uname -a > "$out/uname"; cat /proc/version > "$out/version"; cat /proc/cmdline > "$out/cmdline"
dmesg > "$out/dmesg.txt" 2>/dev/null || true
cap before
ntrig=0
for st in "$@"; do
	case "$st" in
	cm | cm@*)
		ntrig=$((ntrig + 1)); trigger "$st"
		if [ $ntrig = 1 ]; then cap after-compact-memory; else cap after-compact-memory-$ntrig; fi ;;
	sleep:*) sleep "${st#sleep:}" ;;
	cap:*) cap "${st#cap:}" ;;
	*) echo "unknown step $st (cm, cm@C, sleep:N, cap:LABEL)" >&2; exit 2 ;;
	esac
done
cat "$S"
