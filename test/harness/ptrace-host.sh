#!/bin/sh
# By hand only (tests never run this): the harness's `ptrace` step on this machine, limited to a
# PFN range. It records every page event of the range on every CPU (kmem:mm_page_alloc,
# mm_page_free, mm_page_pcpu_drain, mm_page_alloc_zone_locked; trace clock global) in a private
# tracefs instance, so that scripts/pcp-owners.ts extract can say which CPU's per-cpu list held
# each page of the range at each capture. A whole 24 GiB host traced through a fragmenting
# workload overruns any buffer; a range of a few hundred pageblocks does not.
#   sh test/harness/ptrace-host.sh start LO HI [KB]   start tracing pages LO <= pfn < HI (hex or
#                                                     decimal), KB per CPU (default 262144)
#   PTRACE=<instance dir> sh test/harness/capture-host.sh ...   (start prints the dir) marks each
#                                                     capture in the trace ("gt cap N kpageflags")
#   sh test/harness/ptrace-host.sh stop OUTDIR        stop, save OUTDIR/ptrace.txt.gz (with each
#                                                     CPU's overrun count in OUTDIR/steps.log),
#                                                     remove the instance
set -eu
T=''
for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do [ -d $t/instances ] && T=$t/instances/buddyscope-ptrace && break; done
[ -n "$T" ] || { echo "no tracefs instances directory under /sys/kernel/tracing or /sys/kernel/debug/tracing; mount it first (as root: mount -t tracefs none /sys/kernel/tracing)" >&2; exit 1; }
case "${1:-}" in
start)
	[ $# -ge 3 ] || { echo "usage: $0 start LO HI [KB]" >&2; exit 2; }
	for v in "$2" "$3" "${4:-262144}"; do
		case "$v" in
		0x*) case "${v#0x}" in '' | *[!0-9a-fA-F]*) echo "$0 start: '$v' is not a PFN or size (hex 0x... or decimal)" >&2; exit 2 ;; esac ;;
		'' | *[!0-9]*) echo "$0 start: '$v' is not a PFN or size (hex 0x... or decimal)" >&2; exit 2 ;;
		esac
	done
	lo=$(($2)); hi=$(($3)); kb=$((${4:-262144}))
	[ "$lo" -lt "$hi" ] || { echo "$0 start: LO ($2) must be below HI ($3)" >&2; exit 2; }
	[ -d "$T" ] && { echo "$T exists: stop the running trace first ($0 stop OUTDIR)" >&2; exit 1; }
	mkdir "$T"
	echo 0 > "$T/tracing_on"
	echo global > "$T/trace_clock"
	echo "$kb" > "$T/buffer_size_kb"
	for e in mm_page_alloc mm_page_free mm_page_pcpu_drain mm_page_alloc_zone_locked; do
		echo "pfn >= $lo && pfn < $hi" > "$T/events/kmem/$e/filter"
		echo 1 > "$T/events/kmem/$e/enable"
	done
	echo 1 > "$T/tracing_on"
	# (a marker written while tracing is off fails with EIO)
	echo "gt ptrace pfn $lo-$hi" > "$T/trace_marker"
	echo "$T" ;;
stop)
	[ $# -ge 2 ] || { echo "usage: $0 stop OUTDIR" >&2; exit 2; }
	[ -d "$T" ] || { echo "no trace running ($T)" >&2; exit 1; }
	echo 0 > "$T/tracing_on"
	mkdir -p "$2"
	cat "$T/trace" | gzip -1 > "$2/ptrace.txt.gz"
	echo "[$(cut -d' ' -f1 /proc/uptime)] note saved ptrace.txt.gz ($(gzip -dc "$2/ptrace.txt.gz" | grep -c ' mm_page_') page events; $(grep -h 'overrun' "$T"/per_cpu/cpu*/stats | tr '\n' ' '))" >> "$2/steps.log"
	for e in mm_page_alloc mm_page_free mm_page_pcpu_drain mm_page_alloc_zone_locked; do echo 0 > "$T/events/kmem/$e/enable"; echo 0 > "$T/events/kmem/$e/filter"; done
	rmdir "$T" ;;
*) echo "usage: $0 start LO HI [KB] | stop OUTDIR" >&2; exit 2 ;;
esac
