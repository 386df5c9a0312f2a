/**
 * `scalelab sweep … --emit slurm|k8s`: the files that run a sweep's shards on a batch system and
 * merge them, written from the sweep's own command line so that every shard runs the same sweep.
 *
 * - Slurm: one bash script that, run by hand, submits itself as a job array (task T runs shard
 *   T+1 of N into `RESULTS/shard-T`) and a merge job after it (`afterok`); run again with a task
 *   list (`bash slurm-sweep.sh 2,5`) it submits those tasks again and a new merge.
 * - Kubernetes: an Indexed Job (completion index i runs shard i+1 of N through `--shard auto/N`,
 *   which reads `JOB_COMPLETION_INDEX`) and a merge Job created suspended, started once the shards
 *   are complete.
 *
 * A shard's identity is its task ID or completion index, never its place in one submission, and
 * its directory is fixed, so a task that is requeued, retried or submitted again resumes its own
 * `runs.jsonl` (runs already recorded are skipped).
 */
import { stringify } from 'yaml';

/** What both recipes need. */
export interface EmitRecipe {
  /** The scenario's name: job names and the default results folder. */
  name: string;
  /** What every shard runs after `scalelab sweep`: the scenario file and the sweep's flags. */
  sweepArgs: string[];
  /** Number of shards (array tasks, completions). */
  shards: number;
  /** CPUs (worker threads) per shard. */
  workers: number;
  /** The folder every shard writes under (shared by all tasks), and where the merge goes (`all/`). */
  results: string;
  /** Flags for the merge after `--out DIR`, e.g. `['--require-feasible']`. */
  mergeFlags?: string[];
}

/** The Kubernetes recipe also needs the image that holds scalelab and the results volume. */
export interface K8sRecipe extends EmitRecipe {
  image: string;
  /** Name of the PersistentVolumeClaim mounted at `results` in every pod (ReadWriteMany). */
  volume: string;
}

/**
 * A word for a POSIX shell: as it is when it has no special characters, else single-quoted.
 *
 * @example shellWord("slo_violation_percent<=3") // "'slo_violation_percent<=3'"
 * @example shellWord('--grid') // '--grid'
 */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_.,:=/@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The emit command that wrote a recipe (its first comment line says how to write it again).
 *
 * @example emitCommand('slurm', { name: 'x', sweepArgs: ['x.yaml'], shards: 4, workers: 2, results: 'r' }, []) // 'scalelab sweep x.yaml --emit slurm --shards 4 --workers 2 --out r'
 */
function emitCommand(target: 'slurm' | 'k8s', r: EmitRecipe, extra: string[]): string {
  return ['scalelab sweep', ...r.sweepArgs, ...(r.mergeFlags ?? []), '--emit', target, '--shards', String(r.shards), '--workers', String(r.workers), '--out', r.results, ...extra].map((w, i) => (i === 0 ? w : shellWord(w))).join(' ');
}

/**
 * The Slurm script (bash). Run from the folder that holds the scenario:
 * `bash slurm-sweep.sh` submits the array and the merge; `bash slurm-sweep.sh 2,5` submits
 * tasks 2 and 5 again and a new merge. `SCALELAB` (default `npx scalelab`, split on spaces) is
 * the command; `SCALELAB_RESULTS` overrides the results folder.
 *
 * @example slurmScript({ name: 'x', sweepArgs: ['x.yaml'], shards: 4, workers: 2, results: 'results/x' }).startsWith('#!/bin/bash') // true
 */
export function slurmScript(r: EmitRecipe): string {
  const last = r.shards - 1;
  const sweep = r.sweepArgs.map(shellWord).join(' ');
  return `#!/bin/bash
# A scalelab sweep as a Slurm job array (one task per shard) and a job that merges the shards.
# Written by: ${emitCommand('slurm', r, [])}
#
#   bash slurm-sweep.sh        submit the ${r.shards} shards (array tasks 0-${last}) and the merge after them
#   bash slurm-sweep.sh 2,5    submit tasks 2 and 5 again (after a scancel or a failure) and a new merge
#
# Run it from the folder that holds the scenario. Task T runs shard T+1 of ${r.shards} into
# RESULTS/shard-T; the merge writes RESULTS/all (index.html, sweep.csv, summary.md); logs go to
# RESULTS/logs. A task that Slurm requeues (--requeue) or that is submitted again resumes its own
# shard from its runs.jsonl: runs already recorded are skipped, none is lost or run twice. The
# merge starts only when every task of its array succeeded (afterok); otherwise Slurm cancels it
# and the second command above, for the failed tasks, submits a new one (which also waits for
# the first submission's tasks still queued).
#
# Environment: SCALELAB, the command (default "npx scalelab"; split on spaces);
# SCALELAB_RESULTS, the results folder (default ${r.results}).
#SBATCH --job-name=${r.name}
#SBATCH --array=0-${last}
#SBATCH --cpus-per-task=${r.workers}
#SBATCH --requeue
#SBATCH --time=01:00:00
set -euo pipefail
shards=${r.shards}
results=${shellWord(r.results)}
results="${'$'}{SCALELAB_RESULTS:-$results}"
scalelab="${'$'}{SCALELAB:-npx scalelab}"

if [ -z "${'$'}{SLURM_ARRAY_TASK_ID:-}" ]; then
  # Submitting: the array (all tasks, or those named by $1), then the merge after it. The merge
  # also waits for the tasks of an earlier submission that are still queued (when tasks are
  # submitted again while the first array runs), so that it sees every shard.
  mkdir -p "$results/logs"
  earlier=$(squeue -h --me --name=${shellWord(r.name)} -o %F | sort -u | paste -sd: -)
  array=$(sbatch --parsable --array="${'$'}{1:-0-$((shards - 1))}" --output="$results/logs/shard-%a.log" "$0")
  array=${'$'}{array%%;*}
  dirs=""
  for ((t = 0; t < shards; t++)); do dirs+=" $(printf %q "$results/shard-$t")"; done
  merge=$(sbatch --parsable --job-name=${r.name}-merge --dependency="afterok:$array${'$'}{earlier:+,afterany:$earlier}" --kill-on-invalid-dep=yes \\
    --output="$results/logs/merge.log" --wrap "$scalelab sweep merge$dirs --out $(printf %q "$results/all")${mergeTail(r)}")
  echo "submitted the shards as job $array and the merge as job ${'$'}{merge%%;*}; the report will be in $results/all"
  exit 0
fi

# One array task: shard T+1 of N for task ID T, whatever else was submitted with it.
exec $scalelab sweep ${sweep} \\
  --shard "$((SLURM_ARRAY_TASK_ID + 1))/$shards" --workers "${'$'}{SLURM_CPUS_PER_TASK:-1}" --out "$results/shard-$SLURM_ARRAY_TASK_ID"
`;
}

/**
 * The merge flags as shell words after `--out DIR`, with a leading space; empty without any.
 *
 * @example mergeTail({ ...recipe, mergeFlags: ['--require-feasible'] }) // ' --require-feasible'
 */
function mergeTail(r: EmitRecipe): string {
  return (r.mergeFlags ?? []).map((f) => ` ${shellWord(f)}`).join('');
}

/**
 * A Kubernetes object name from a scenario name: lower case, `[a-z0-9-]`, at most 50 characters
 * (so that `-shards` and `-merge` still fit the 63 of a label value).
 *
 * @example k8sName('Albatross_Tuning') // 'albatross-tuning'
 */
export function k8sName(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return n === '' ? 'scalelab-sweep' : n;
}

/**
 * The pod template both Jobs use: one container running `command`, the results volume mounted.
 *
 * @example podTemplate(recipe, 'merge', ['scalelab', 'sweep', 'merge', '/results/shard-0', '--out', '/results/all'], 1)
 */
function podTemplate(r: K8sRecipe, container: string, command: string[], cpus: number): object {
  return {
    spec: {
      restartPolicy: 'OnFailure',
      containers: [
        {
          name: container,
          image: r.image,
          command,
          resources: { requests: { cpu: String(cpus) } },
          volumeMounts: [{ name: 'results', mountPath: r.results }],
        },
      ],
      volumes: [{ name: 'results', persistentVolumeClaim: { claimName: r.volume } }],
    },
  };
}

/**
 * The shard directories under the results folder: `shard-0` … `shard-(N-1)`.
 *
 * @example shardDirs({ ...recipe, shards: 2, results: '/results/' }) // ['/results/shard-0', '/results/shard-1']
 */
function shardDirs(r: EmitRecipe): string[] {
  return Array.from({ length: r.shards }, (_, t) => `${r.results.replace(/\/+$/, '')}/shard-${t}`);
}

/**
 * The Indexed Job of the shards and the (suspended) merge Job, as two YAML documents. Each
 * shard pod runs `scalelab sweep … --shard auto/N --out RESULTS/shard-$(JOB_COMPLETION_INDEX)`;
 * Kubernetes substitutes `$(JOB_COMPLETION_INDEX)` from the variable the Job controller sets in
 * every container of an Indexed Job, and scalelab reads the same variable for the shard.
 *
 * @example k8sManifests({ name: 'x', sweepArgs: ['x.yaml'], shards: 4, workers: 2, results: '/results', image: 'img', volume: 'pvc' }).includes('completionMode: Indexed') // true
 */
export function k8sManifests(r: K8sRecipe): string {
  const name = k8sName(r.name);
  const root = r.results.replace(/\/+$/, '');
  const labels = { 'app.kubernetes.io/name': 'scalelab', 'app.kubernetes.io/instance': name };
  const shards = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-shards`, labels },
    spec: {
      completionMode: 'Indexed',
      completions: r.shards,
      parallelism: r.shards,
      backoffLimit: 2 * r.shards,
      template: podTemplate(r, 'shard', ['scalelab', 'sweep', ...r.sweepArgs, '--shard', `auto/${r.shards}`, '--workers', String(r.workers), '--out', `${root}/shard-$(JOB_COMPLETION_INDEX)`], r.workers),
    },
  };
  const merge = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-merge`, labels },
    spec: {
      suspend: true,
      completions: 1,
      backoffLimit: 2,
      template: podTemplate(r, 'merge', ['scalelab', 'sweep', 'merge', ...shardDirs(r), '--out', `${root}/all`, ...(r.mergeFlags ?? [])], 1),
    },
  };
  const head = [
    '# A scalelab sweep as a Kubernetes Indexed Job (one pod per shard) and a Job that merges the shards.',
    `# Written by: ${emitCommand('k8s', r, ['--image', r.image, '--volume', r.volume])}`,
    '#',
    `#   kubectl apply -f k8s-sweep.yaml`,
    `#   kubectl wait --for=condition=complete job/${name}-shards --timeout=24h`,
    `#   kubectl patch job/${name}-merge --type=merge -p '{"spec":{"suspend":false}}'`,
    '#',
    `# The image must hold scalelab (on PATH) and the scenario at its working directory; the claim`,
    `# ${r.volume} (ReadWriteMany) is mounted at ${root} in every pod. Completion index i runs shard i+1`,
    `# of ${r.shards} into ${root}/shard-i; a pod that is retried resumes its own shard from its runs.jsonl`,
    `# (runs already recorded are skipped). The merge Job is created suspended: unsuspend it once the`,
    `# shards are complete; it writes ${root}/all (index.html, sweep.csv, summary.md).`,
  ];
  const doc = (o: object) => stringify(o, { lineWidth: 0 });
  return `${head.join('\n')}\n${doc(shards)}---\n${doc(merge)}`;
}
