#!/bin/bash
# The monthly batch across machines on Slurm: a job array whose tasks are
# the shards, all writing to shared storage, and a merge job that starts
# once every task has ended.
#
#   deploy/slurm/batch-array.sh /shared/practice 2026-09 2026-10-05 4 /shared/superbill
#
# Arguments: the practice folder, the period (YYYY-MM), the --as-of date
# (fixed, so that every shard bills as of the same day), the number of
# shards N, and a folder on storage every node mounts. Shards write
# BASE/work/PERIOD/shard-K, the merge BASE/out/PERIOD. Submitting prints the
# two job ids; `sacct -j ID` follows them. See the README, "Running across
# machines".
set -euo pipefail

if [ "$#" -ne 5 ]; then
    echo "usage: $0 PRACTICE_DIR PERIOD AS_OF SHARDS BASE_DIR" >&2
    exit 2
fi
practice=$1 period=$2 as_of=$3 shards=$4 base=$5
work="$base/work/$period"
mkdir -p "$work" "$base/logs"

# Tasks 1..N: SLURM_ARRAY_TASK_ID is the shard K (shards count from 1).
# Exit 1 (problems in the data) is the shard's normal end: the merge
# reports them; anything else fails the task.
array_id=$(sbatch --parsable \
    --job-name="superbill-$period" \
    --array="1-$shards" \
    --cpus-per-task=1 \
    --mem=2G \
    --output="$base/logs/shard-%a.out" \
    --wrap="superbill batch --practice '$practice' --period '$period' --as-of '$as_of' \
--shard \${SLURM_ARRAY_TASK_ID}/$shards --merge-into '$base/out/$period' --no-progress \
--out '$work'/shard-\${SLURM_ARRAY_TASK_ID}; \
rc=\$?; [ \$rc -le 1 ] || exit \$rc")

# afterok: only when every task succeeded; a failed shard leaves the merge
# pending with reason DependencyNeverSatisfied (cancel it, re-run the
# shard, merge by hand).
merge_id=$(sbatch --parsable \
    --job-name="superbill-$period-merge" \
    --dependency="afterok:$array_id" \
    --cpus-per-task=2 \
    --mem=2G \
    --output="$base/logs/merge.out" \
    --wrap="superbill merge --no-progress --out '$base/out/$period' '$work'/shard-*; \
rc=\$?; [ \$rc -le 1 ] || exit \$rc")

echo "shards: job $array_id (tasks 1-$shards); merge: job $merge_id"
