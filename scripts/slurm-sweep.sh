#!/bin/bash
# A scalelab sweep as a Slurm job array (one task per shard) and a job that merges the shards.
# Written by: scalelab sweep scenarios/albatross-tuning.yaml --emit slurm --shards 8 --workers 2 --out results/albatross-tuning
#
#   bash slurm-sweep.sh        submit the 8 shards (array tasks 0-7) and the merge after them
#   bash slurm-sweep.sh 2,5    submit tasks 2 and 5 again (after a scancel or a failure) and a new merge
#
# Run it from the folder that holds the scenario. Task T runs shard T+1 of 8 into
# RESULTS/shard-T; the merge writes RESULTS/all (index.html, sweep.csv, summary.md); logs go to
# RESULTS/logs. A task that Slurm requeues (--requeue) or that is submitted again resumes its own
# shard from its runs.jsonl: runs already recorded are skipped, none is lost or run twice. The
# merge starts only when every task of its array succeeded (afterok); otherwise Slurm cancels it
# and the second command above, for the failed tasks, submits a new one (which also waits for
# the first submission's tasks still queued).
#
# Environment: SCALELAB, the command (default "npx scalelab"; split on spaces);
# SCALELAB_RESULTS, the results folder (default results/albatross-tuning).
#SBATCH --job-name=albatross-tuning
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --requeue
#SBATCH --time=01:00:00
set -euo pipefail
shards=8
results=results/albatross-tuning
results="${SCALELAB_RESULTS:-$results}"
scalelab="${SCALELAB:-npx scalelab}"

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Submitting: the array (all tasks, or those named by $1), then the merge after it. The merge
  # also waits for the tasks of an earlier submission that are still queued (when tasks are
  # submitted again while the first array runs), so that it sees every shard.
  mkdir -p "$results/logs"
  earlier=$(squeue -h --me --name=albatross-tuning -o %F | sort -u | paste -sd: -)
  array=$(sbatch --parsable --array="${1:-0-$((shards - 1))}" --output="$results/logs/shard-%a.log" "$0")
  array=${array%%;*}
  dirs=""
  for ((t = 0; t < shards; t++)); do dirs+=" $(printf %q "$results/shard-$t")"; done
  merge=$(sbatch --parsable --job-name=albatross-tuning-merge --dependency="afterok:$array${earlier:+,afterany:$earlier}" --kill-on-invalid-dep=yes \
    --output="$results/logs/merge.log" --wrap "$scalelab sweep merge$dirs --out $(printf %q "$results/all")")
  echo "submitted the shards as job $array and the merge as job ${merge%%;*}; the report will be in $results/all"
  exit 0
fi

# One array task: shard T+1 of N for task ID T, whatever else was submitted with it.
exec $scalelab sweep scenarios/albatross-tuning.yaml \
  --shard "$((SLURM_ARRAY_TASK_ID + 1))/$shards" --workers "${SLURM_CPUS_PER_TASK:-1}" --out "$results/shard-$SLURM_ARRAY_TASK_ID"
