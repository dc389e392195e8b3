#!/usr/bin/env bash
# Times `ebpf unlinks` from process start to attached (its stderr line "Tracing ..." comes once the programs are
# attached) and reads the process's CPU time by then; prints "WALL_MS CPU_S". Root needed (it attaches).
#   scripts/unlinks-startup.sh artifacts/native/ebpf --probe auto      # docs/benchmarks.md, "ebpf unlinks: from process start to attached"
set -uo pipefail
bin=$1; shift
err=$(mktemp)
trap 'rm -f "$err"' EXIT
t0=$(date +%s%N)
"$bin" unlinks "$@" >/dev/null 2>"$err" & pid=$!
until grep -q Tracing "$err" 2>/dev/null; do
  sleep 0.001
  kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; exit 1; }
done
t1=$(date +%s%N)
cpu=$(awk '{ print ($14 + $15) / 100 }' "/proc/$pid/stat")
kill -TERM "$pid"; wait "$pid"
echo "$(( (t1 - t0) / 1000000 )) $cpu"
