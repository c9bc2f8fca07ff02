#!/bin/bash
# Two shards and their merge against one batch with --jobs 2, on one
# machine (issue 11). CPU seconds (user + system) and wall clock of each
# step, from /usr/bin/time; the merged folder compared with the single
# run's. Run rounds of it, interleaving builds when comparing two:
#
#   superbill samples generate --patients 5000 --months 1 --start 2026-09 --seed 7 --out /tmp/p5k
#   benches/shards.sh target/release/superbill /tmp/p5k /tmp/shards-run
set -euo pipefail
bin=$1 practice=$2 out=$3
common=(--period 2026-09 --as-of 2026-10-05 --no-progress)
rm -rf "$out" && mkdir -p "$out"
timed() { local name=$1; shift; /usr/bin/time -f %e,%U,%S -o "$out/time.$name" "$@" >/dev/null 2>&1 || true; }
timed single "$bin" batch --practice "$practice" "${common[@]}" --jobs 2 --out "$out/single"
timed shard1 "$bin" batch --practice "$practice" "${common[@]}" --jobs 1 --shard 1/2 --out "$out/s1" &
timed shard2 "$bin" batch --practice "$practice" "${common[@]}" --jobs 1 --shard 2/2 --out "$out/s2" &
wait
timed merge "$bin" merge --no-progress --jobs 2 --out "$out/merged" "$out/s1" "$out/s2"
timed dry "$bin" batch --practice "$practice" "${common[@]}" --jobs 1 --dry-run --out "$out/dry"
cpu() { awk -F, '{printf "%.2f", $2 + $3}' "$out/time.$1"; }
wall() { cut -d, -f1 "$out/time.$1"; }
same=$(diff -r "$out/single" "$out/merged" >/dev/null && echo identical || echo DIFFERENT)
echo "batch --jobs 2: wall $(wall single) s, cpu $(cpu single) s"
echo "shards 1/2 + 2/2 at once: wall $(wall shard1)/$(wall shard2) s, cpu $(cpu shard1) + $(cpu shard2) s"
echo "merge --jobs 2: wall $(wall merge) s, cpu $(cpu merge) s"
echo "batch --dry-run --jobs 1: cpu $(cpu dry) s"
echo "load average $(cut -d' ' -f1 /proc/loadavg); merged folder vs single run: $same"
