#!/bin/sh
# Writes monitor logs in the format of mmtests' monitors (monitors/watch-proc-buddyinfo.sh,
# watch-proc-pagetypeinfo.sh, watch-proc-vmstat.sh in mmtests): for each read, a line
# `time: <seconds since the epoch>` and then the /proc file as it is, appended to
# proc-<file>-<NAME>-<ITERATION>, gzip-compressed at the end as run-mmtests keeps them.
# Output is GENERATED on this machine (mmtests itself is not packaged); it only reads /proc.
#
#   sh scripts/mmtests-monitor-logs.sh OUTDIR [COUNT] [INTERVAL] [NAME]
set -eu
out=${1:?usage: mmtests-monitor-logs.sh OUTDIR [COUNT] [INTERVAL] [NAME]}
count=${2:-5}
interval=${3:-2}
name=${4:-buddyscope-1}
mkdir -p "$out"
i=0
while [ "$i" -lt "$count" ]; do
  for f in buddyinfo pagetypeinfo vmstat; do
    { echo "time: $(date +%s)"; cat "/proc/$f"; } >> "$out/proc-$f-$name"
  done
  i=$((i + 1))
  [ "$i" -lt "$count" ] && sleep "$interval"
done
for f in buddyinfo pagetypeinfo vmstat; do gzip -9f "$out/proc-$f-$name"; done
