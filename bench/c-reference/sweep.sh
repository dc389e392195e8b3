#!/usr/bin/env bash
# Drain-mode sweep of the libbpf C reference consumer: ring buffer (reserve, output) and perf buffer, record sizes
# 16/64/256/1024. The matrix is run PASSES times, interleaved (every configuration once per pass) so that a noisy
# spell on this shared machine hits all configurations alike; each run is `cref drain --rounds 7` (two untimed
# warm-up laps, then 7 fill + timed drain rounds) and reports its median. The summary is the median over passes.
#   bench/c-reference/sweep.sh [PASSES=3] [OUT=bench/c-reference/build/sweep.jsonl]
# Records per round: 1,000,000, or fewer for big records so that one round stays near 256 MiB of ring data.
# Perf fills use --perf-wakeup 1000000 (no wake-up per record) so they take 80 ns instead of ~5 us a record; this
# changes the producer only, the consumer drains the same bytes through the same libbpf code.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cref="$root/bench/c-reference/build/cref"
passes=${1:-3}
out=${2:-$root/bench/c-reference/build/sweep.jsonl}
[ -x "$cref" ] || { echo "sweep: $cref missing (run scripts/build-c-reference.sh)" >&2; exit 1; }
command -v jq >/dev/null || { echo "sweep: jq is needed for the summary (apt-get install jq)" >&2; exit 1; }
: >"$out"
for pass in $(seq "$passes"); do
  for size in 16 64 256 1024; do
    records=$(( size >= 1024 ? 250000 : 1000000 ))
    for mode in reserve output perf; do
      "$cref" drain --mode "$mode" --size "$size" --records "$records" --rounds 7 --perf-wakeup 1000000 \
        | jq -c --argjson pass "$pass" '. + {pass: $pass}' >>"$out"
    done
  done
  echo "pass $pass/$passes done" >&2
done
echo "# median over $passes passes of each run's median (ns per record; records/s); $(nproc) CPUs, $(uname -r)"
jq -rs '
  def median: sort | if length % 2 == 1 then .[length/2|floor] else (.[length/2-1] + .[length/2]) / 2 end;
  group_by([.mode, .record_size]) | sort_by(.[0].record_size) | .[] |
  { mode: .[0].mode, size: .[0].record_size, records: .[0].records,
    ns: ([.[].median_ns_per_record] | median), fill: ([.[].median_fill_ns_per_record] | median),
    spread: ([.[].median_ns_per_record] | [min, max]) } |
  "\(.mode)\tsize \(.size)\trecords \(.records)\tdrain \(.ns * 1000 | round / 1000) ns/rec\t\(1e9 / .ns / 1e6 * 10 | round / 10) M rec/s\tpasses \(.spread[0])..\(.spread[1])\tfill \(.fill) ns/rec"
' "$out"
