#!/bin/busybox sh
# initramfs /init: mount pseudo filesystems, run the fragmentation workload,
# run the step list from the kernel command line, capture kernel files, and
# write everything as a tar onto the raw virtio disk (/dev/vda).
#
# Kernel command line parameters read here (no dots, so the kernel ignores them):
#   gt_wl=k=v,k=v,...      arguments for fragwork (see fragwork.c)
#   gt_pre=step,step,...   steps run BEFORE the workload starts
#   gt_seq=step,step,...   steps run after the workload reports ready
# Steps:
#   cap:LABEL              capture into NN-LABEL/
#   cn                     echo 1 > /sys/devices/system/node/node0/compact
#   cm                     echo 1 > /proc/sys/vm/compact_memory
#   cn@C, cm@C             the same, written by a shell pinned to CPU C (taskset): the compaction
#                          runs there, and its freed pages go to CPU C's per-cpu lists
# Every trigger's steps.log line says which CPU ran it (cpu=C; for an unpinned trigger the CPU the
# shell last ran on before and after, cpu=B..A).
#   gt_wlcpu=C             pin the workload to CPU C (its frees fill CPU C's per-cpu lists)
#   gt_capcpu=C            pin this shell, so every capture's tools (cat, gzip) and every step's helpers,
#                          to CPU C from the first gt_seq step on: their short-lived pages are freed to,
#                          and taken again from, CPU C's per-cpu lists (a trigger cn@C/cm@C still runs
#                          where it says)
#   trace:C                (in gt_pre, before the workload: the ring buffer is allocated then) set up
#                          tracing of kmem:mm_page_alloc (with a kernel stack per event) and
#                          kmem:mm_page_pcpu_drain (every page free_pcppages_bulk returns) on CPU C only
#   tron / troff           start tracing / stop it and save the trace as /cap/trace-N.txt.gz (N = the
#                          number of the next capture); put them around a trigger
#   ctrace:C|all           (in gt_pre) set up the compaction tracepoints (the whole compaction event
#                          group: mm_compaction_begin/end, isolate_migratepages/isolate_freepages with
#                          start_pfn/end_pfn/nr_scanned/nr_taken per call, migratepages, finished, ...) on
#                          CPU C or on every CPU; tracing stays off until ctron
#   rtrace                 (in gt_pre, after ctrace:C|all) add kmem:mm_page_alloc_zone_locked (every block
#                          taken off a buddy free list under the zone lock: pfn, order, migratetype,
#                          percpu_refill=1 for an rmqueue_bulk refill) and kmem:mm_page_pcpu_drain (every
#                          page free_pcppages_bulk returns) to the same buffer, on the same CPUs: with
#                          ctron before a capture, the refills between it and the trigger
#   ptrace[:KB]            (in gt_pre, before the workload) trace every page's fate on every CPU, trace clock
#                          global: kmem:mm_page_alloc, mm_page_free, mm_page_pcpu_drain and
#                          mm_page_alloc_zone_locked (rmqueue_bulk refills), KB (default 32768) of ring buffer per CPU
#                          (overwrite: the oldest events go first); each capture marks "gt cap N kpageflags"
#                          and "gt cap N kpagecount" before those reads; `ptoff` stops it. Saved after the last
#                          step as /cap/ptrace.txt.gz: the CPU whose per-cpu list held each page at a capture
#                          (scripts/pcp-owners.ts)
#   ctron / ctroff         mark (trace_marker "gt ctron N" / "gt ctroff N") and start / stop the compaction
#                          trace around a trigger. Nothing is written to /cap then (no gzip between the
#                          trigger and the next capture); the buffer keeps every traced trigger, and is
#                          saved once, after the last step, as /cap/ctrace.txt.gz
#   huge:SIZEKB:N          echo N > /sys/kernel/mm/hugepages/hugepages-SIZEKBkB/nr_hugepages
#   vm:NAME:VALUE          echo VALUE > /proc/sys/vm/NAME
#   thp:MODE               echo MODE > /sys/kernel/mm/transparent_hugepage/enabled
#   unpin                  SIGUSR1 to the workload (drops its vmsplice page references)
#   sleep:S                sleep S seconds
#   bsc:OPTION:VALUE       run capture/buddyscope-capture --OPTION VALUE (e.g. bsc:compact:all,
#                          bsc:hugetlb:2M:64) under busybox sh; its bundle goes to /cap/bsc-N-OPTION.tar.gz
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /cap
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
echo 4 > /proc/sys/kernel/printk

# virtio-blk for the output disk; modules.dep is not shipped, so retry in
# passes until every module resolves its symbols
for pass in 1 2 3 4; do
	for m in $(cat /modules.order 2>/dev/null); do
		grep -q "^${m%.ko} " /proc/modules || insmod /lib/modules/$m 2>/dev/null
	done
done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 20 ]; do sleep 0.2; i=$((i + 1)); done

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
WL=$(arg gt_wl)
PRE=$(arg gt_pre)
SEQ=$(arg gt_seq)
WLCPU=$(arg gt_wlcpu)
CAPCPU=$(arg gt_capcpu)

S=/cap/steps.log
n=0
uname -a > /cap/uname
cat /proc/cmdline > /cap/cmdline
cat /proc/version > /cap/version
echo "gt_wl=$WL" > /cap/params
echo "gt_pre=$PRE" >> /cap/params
echo "gt_seq=$SEQ" >> /cap/params
[ -n "$WLCPU" ] && echo "gt_wlcpu=$WLCPU" >> /cap/params
[ -n "$CAPCPU" ] && echo "gt_capcpu=$CAPCPU" >> /cap/params

vmsnap() { grep -E '^(compact_|cma_|thp_|pgmigrate_|htlb_|nr_free_pages|nr_free_cma|pgsteal|pgscan|kswapd|drop_|allocstall|nr_isolated)' /proc/vmstat; }

cap() {
	n=$((n + 1))
	d=/cap/$(printf %02d $n)-$1
	mkdir -p $d
	cat /proc/uptime > $d/uptime
	# the quick summary files first, back to back, so they describe one moment; kpageflags is slow
	cat /proc/buddyinfo > $d/buddyinfo
	for f in extfrag_index unusable_index; do
		[ -r /sys/kernel/debug/extfrag/$f ] && cat /sys/kernel/debug/extfrag/$f > $d/$f
	done
	for f in pagetypeinfo zoneinfo vmstat meminfo iomem slabinfo; do
		cat /proc/$f > $d/$f 2>/dev/null
	done
	[ -n "$PTRACE" ] && echo "gt cap $n kpageflags" > $PT/trace_marker
	cat /proc/kpageflags | gzip -1 > $d/kpageflags.gz
	[ -n "$PTRACE" ] && echo "gt cap $n kpagecount" > $PT/trace_marker
	cat /proc/kpagecount | gzip -1 > $d/kpagecount.gz
	# the same summaries again right after the page maps: what moved while they were read
	# (per-cpu list counts, free lists); test/harness/README.md
	mkdir -p $d/after-kpage
	cat /proc/buddyinfo > $d/after-kpage/buddyinfo
	cat /proc/zoneinfo > $d/after-kpage/zoneinfo
	cat /proc/vmstat > $d/after-kpage/vmstat
	[ -r /sys/kernel/debug/page_owner ] && cat /sys/kernel/debug/page_owner | gzip -1 > $d/page_owner.gz
	# 6.10+: the allocated pages summed per stack
	[ -r /sys/kernel/debug/page_owner_stacks/show_stacks ] &&
		cat /sys/kernel/debug/page_owner_stacks/show_stacks | gzip -1 > $d/page_owner_stacks.gz
	if [ -d /sys/kernel/debug/cma ]; then
		for a in /sys/kernel/debug/cma/*; do
			mkdir -p $d/cma/$(basename $a)
			for f in $a/*; do cat $f > $d/cma/$(basename $a)/$(basename $f) 2>/dev/null; done
		done
	fi
	if [ -d /sys/kernel/mm/cma ]; then
		for a in /sys/kernel/mm/cma/*; do
			for f in $a/*; do echo "$(basename $a)/$(basename $f): $(cat $f)"; done
		done > $d/cma_sysfs
	fi
	for f in $(find /sys/kernel/mm/transparent_hugepage -type f); do
		echo "${f#/sys/kernel/mm/transparent_hugepage/}: $(cat $f 2>/dev/null)"
	done > $d/transparent_hugepage
	for k in compaction_proactiveness extfrag_threshold min_free_kbytes watermark_scale_factor \
		watermark_boost_factor compact_unevictable_allowed nr_hugepages percpu_pagelist_high_fraction \
		overcommit_memory lowmem_reserve_ratio; do
		[ -r /proc/sys/vm/$k ] && echo "$k: $(cat /proc/sys/vm/$k)"
	done > $d/sysctl_vm
	for h in /sys/kernel/mm/hugepages/*; do
		echo "$(basename $h) nr=$(cat $h/nr_hugepages) free=$(cat $h/free_hugepages) surplus=$(cat $h/surplus_hugepages)"
	done > $d/hugepages
	[ -r /sys/devices/system/node/node0/vmstat ] && cat /sys/devices/system/node/node0/vmstat > $d/node0_vmstat
	uname -r > $d/uname_r
	cat /proc/cmdline > $d/cmdline
	echo "[$(cut -d' ' -f1 /proc/uptime)] cap $n-$1 cpu=$(shellcpu)" >> $S
}

# the CPU this shell last ran on (field 39 of /proc/PID/stat; the comm field has no spaces here)
shellcpu() { cut -d' ' -f39 /proc/$$/stat; }

step() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	case "$1" in
	cap:*) cap "${1#cap:}"; return ;;
	sleep:*) sleep "${1#sleep:}"; return ;;
	bsc:*)
		o=$(echo $1 | cut -d: -f2); v=${1#bsc:$o:}
		n=$((n + 1))
		sh /buddyscope-capture --$o "$v" -o /cap/bsc-$(printf %02d $n)-$o.tar.gz 2>> /cap/bsc.log
		echo "[$(cut -d' ' -f1 /proc/uptime)] note bsc --$o $v: rc=$?" >> $S
		return ;;
	esac
	vmsnap > /tmp/vm.before
	res=""
	case "$1" in
	cn|cm)
		f=/proc/sys/vm/compact_memory; [ "$1" = cn ] && f=/sys/devices/system/node/node0/compact
		c0=$(shellcpu); echo 1 > $f; rc=$?; c1=$(shellcpu)
		res="rc=$rc cpu=$c0..$c1" ;;
	cn@*|cm@*)
		f=/proc/sys/vm/compact_memory; [ "${1%@*}" = cn ] && f=/sys/devices/system/node/node0/compact
		c=${1#*@}
		rc=$(taskset -c $c sh -c "echo 1 > $f; echo \$?")
		res="rc=$rc cpu=$c" ;;
	huge:*)
		sz=$(echo $1 | cut -d: -f2); cnt=$(echo $1 | cut -d: -f3)
		h=/sys/kernel/mm/hugepages/hugepages-${sz}kB
		if [ -d $h ]; then
			before=$(cat $h/nr_hugepages)
			echo $cnt > $h/nr_hugepages; rc=$?
			res="size=${sz}kB requested=$cnt before=$before obtained=$(cat $h/nr_hugepages) rc=$rc"
		else
			res="size=${sz}kB unsupported (no $h)"
		fi ;;
	thp:*)
		echo ${1#thp:} > /sys/kernel/mm/transparent_hugepage/enabled
		res="enabled=$(cat /sys/kernel/mm/transparent_hugepage/enabled)" ;;
	vm:*)
		k=$(echo $1 | cut -d: -f2); v=$(echo $1 | cut -d: -f3)
		echo $v > /proc/sys/vm/$k; res="$k=$(cat /proc/sys/vm/$k)" ;;
	trace:*)
		T=/sys/kernel/debug/tracing
		[ -d $T/events ] || { mkdir -p /sys/kernel/tracing; mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; T=/sys/kernel/tracing; }
		echo 0 > $T/tracing_on; echo > $T/trace
		printf '%x\n' $((1 << ${1#trace:})) > $T/tracing_cpumask
		echo 16384 > $T/per_cpu/cpu${1#trace:}/buffer_size_kb
		echo 1 > $T/events/kmem/mm_page_alloc/enable
		echo 1 > $T/events/kmem/mm_page_pcpu_drain/enable
		echo stacktrace > $T/events/kmem/mm_page_alloc/trigger
		res="cpu=${1#trace:} mask=$(cat $T/tracing_cpumask) buffer_kb=$(cat $T/per_cpu/cpu${1#trace:}/buffer_size_kb)" ;;
	ftrace)
		# (in gt_pre) the function tracer on the functions that give per-cpu pages back to the
		# buddy allocator, each call with its kernel stack, every CPU; `tron` / `troff` around the
		# steps to trace (troff saves trace-N.txt.gz)
		T=/sys/kernel/debug/tracing
		[ -d $T/events ] || { mkdir -p /sys/kernel/tracing; mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; T=/sys/kernel/tracing; }
		echo 0 > $T/tracing_on; echo > $T/trace
		echo 8192 > $T/buffer_size_kb
		for fn in drain_pages_zone drain_pages __drain_all_pages drain_all_pages drain_local_pages decay_pcp_high zone_pcp_update free_pcppages_bulk drain_zone_pages; do echo $fn >> $T/set_ftrace_filter 2>/dev/null; done
		echo function > $T/current_tracer
		echo 1 > $T/options/func_stack_trace
		res="ftrace filter=$(cat $T/set_ftrace_filter | tr '\n' ' ') tracer=$(cat $T/current_tracer)" ;;
	ctrace:*)
		T=/sys/kernel/debug/tracing
		[ -d $T/events ] || { mkdir -p /sys/kernel/tracing; mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; T=/sys/kernel/tracing; }
		echo 0 > $T/tracing_on; echo > $T/trace
		c=${1#ctrace:}
		if [ "$c" != all ]; then printf '%x\n' $((1 << c)) > $T/tracing_cpumask; fi
		echo 4096 > $T/buffer_size_kb
		echo 1 > $T/events/compaction/enable
		CTRACE=1
		res="cpus=$c mask=$(cat $T/tracing_cpumask) buffer_kb=$(cat $T/buffer_size_kb) events=$(ls $T/events/compaction | grep -c mm_)" ;;
	ptrace|ptrace:*)
		kb=${1#ptrace:}; [ "$kb" = "$1" ] && kb=32768
		T=/sys/kernel/debug/tracing
		[ -d $T/events ] || { mkdir -p /sys/kernel/tracing; mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; T=/sys/kernel/tracing; }
		echo 0 > $T/tracing_on; echo > $T/trace
		echo global > $T/trace_clock
		echo $kb > $T/buffer_size_kb
		for e in mm_page_alloc mm_page_free mm_page_pcpu_drain mm_page_alloc_zone_locked; do echo 1 > $T/events/kmem/$e/enable; done
		echo 1 > $T/tracing_on
		PTRACE=1; PT=$T
		res="clock=$(sed 's/.*\[\(.*\)\].*/\1/' $T/trace_clock) buffer_kb=$(cat $T/buffer_size_kb) on=$(cat $T/tracing_on)" ;;
	ptoff)
		echo "gt ptoff $((n + 1))" > $PT/trace_marker; echo 0 > $PT/tracing_on; res="off" ;;
	rtrace)
		T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
		echo 1 > $T/events/kmem/mm_page_alloc_zone_locked/enable
		echo 1 > $T/events/kmem/mm_page_pcpu_drain/enable
		res="events=mm_page_alloc_zone_locked,mm_page_pcpu_drain buffer_kb=$(cat $T/buffer_size_kb)" ;;
	ctron)
		T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
		echo 1 > $T/tracing_on; echo "gt ctron $((n + 1))" > $T/trace_marker; res="on" ;;
	ctroff)
		T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
		echo "gt ctroff $((n + 1))" > $T/trace_marker; echo 0 > $T/tracing_on
		res="off" ;;
	tron)
		T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
		echo 1 > $T/tracing_on; res="on" ;;
	troff)
		T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
		echo 0 > $T/tracing_on
		gzip -1 < $T/trace > /cap/trace-$((n + 1)).txt.gz
		res="saved trace-$((n + 1)).txt.gz ($(gzip -dc /cap/trace-$((n + 1)).txt.gz | grep -c mm_page_pcpu_drain) pcpu_drain, $(gzip -dc /cap/trace-$((n + 1)).txt.gz | grep -c 'mm_page_alloc:') alloc events)" ;;
	unpin)
		kill -USR1 $WLPID
		i=0; while [ ! -e /tmp/wl.unpinned ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
		res="unpinned=$([ -e /tmp/wl.unpinned ] && echo yes || echo no)" ;;
	*) res="unknown step" ;;
	esac
	t1=$(cut -d' ' -f1 /proc/uptime)
	vmsnap > /tmp/vm.after
	echo "[$t0 -> $t1] step $1: $res" >> $S
	# vmstat deltas of the compaction/migration/cma counters
	paste -d' ' /tmp/vm.before /tmp/vm.after | awk '{d=$4-$2; if (d!=0) printf "    %s %+d\n", $1, d}' >> $S
}

echo "=== gt: kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
for s in $(echo "$PRE" | tr ',' ' '); do step "$s"; done

cd /tmp
if [ -n "$WLCPU" ]; then
	taskset -c $WLCPU /fragwork $(echo "$WL" | tr ',' ' ') &
else
	/fragwork $(echo "$WL" | tr ',' ' ') &
fi
WLPID=$!
i=0
while [ ! -e /tmp/wl.ready ]; do
	sleep 1
	i=$((i + 1))
	if ! kill -0 $WLPID 2>/dev/null; then echo "workload died" >> $S; break; fi
	[ $((i % 30)) -eq 0 ] && echo "=== gt: waiting for workload ($i s)" && tail -1 /tmp/wl.log
done
echo "[$(cut -d' ' -f1 /proc/uptime)] workload ready after ${i}s" >> $S
cp /tmp/wl.log /cap/workload.log
echo "=== gt: workload ready"; cat /tmp/wl.log

if [ -n "$CAPCPU" ]; then
	taskset -p -c $CAPCPU $$ > /dev/null
	echo "[$(cut -d' ' -f1 /proc/uptime)] note shell pinned to cpu $CAPCPU (gt_capcpu)" >> $S
fi
for s in $(echo "$SEQ" | tr ',' ' '); do
	echo "=== gt: step $s"
	step "$s"
done
cp /tmp/wl.log /cap/workload.log
kill $WLPID 2>/dev/null
if [ -n "$CTRACE" ]; then
	T=/sys/kernel/debug/tracing; [ -d $T/events ] || T=/sys/kernel/tracing
	echo 0 > $T/tracing_on
	gzip -1 < $T/trace > /cap/ctrace.txt.gz
	echo "[$(cut -d' ' -f1 /proc/uptime)] note saved ctrace.txt.gz ($(gzip -dc /cap/ctrace.txt.gz | grep -c 'mm_compaction_') compaction events, $(grep . $T/per_cpu/cpu*/stats | grep -c 'overrun: [1-9]') cpus overran)" >> $S
fi
if [ -n "$PTRACE" ]; then
	echo 0 > $PT/tracing_on
	gzip -1 < $PT/trace > /cap/ptrace.txt.gz
	echo "[$(cut -d' ' -f1 /proc/uptime)] note saved ptrace.txt.gz ($(gzip -dc /cap/ptrace.txt.gz | grep -c ' mm_page_') page events; $(grep -h 'overrun' $PT/per_cpu/cpu*/stats | tr '\n' ' '))" >> $S
fi
dmesg > /cap/dmesg.txt
cat $S

if [ -b /dev/vda ]; then
	tar -cf /dev/vda -C /cap . && sync && echo "=== gt: wrote captures to /dev/vda"
else
	echo "=== gt: no /dev/vda, dumping base64"
	echo "=== GT-BEGIN-TGZ"
	tar -czf - -C /cap . | base64
	echo "=== GT-END-TGZ"
fi
echo "=== gt: done"
poweroff -f
