/** `scalelab sweep SCENARIO` and `scalelab sweep merge DIR…`. */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { InputError } from '../scenario/errors.js';
import { MAX_WORKERS, WORKERS_PER_CORE } from '../scenario/limits.js';
import { formatNumber } from '../report/format.js';
import { seedFlag, wholeNumberFlag } from './flags.js';
import { progressWriter } from './progress.js';
import { warnLine } from './run.js';
import { ExitCode } from './exit.js';
import { prepareSweep, runSweep, type SweepOutcome, type SweepProgress } from '../workbench/sweep.js';
import { k8sManifests, slurmScript, type EmitRecipe } from '../workbench/emit.js';
import { enumeratePoints } from '../workbench/plan.js';
import { mergeSweeps } from '../workbench/merge.js';
import { parseShard, formatShard } from '../workbench/shard.js';
import { RUNS_FILE } from '../workbench/journal.js';
import { pointLabel, shortKeys } from '../workbench/charts.js';
import { asWrittenPoint, keyMetrics } from '../workbench/report.js';
import type { JudgedPoint, Judgement } from '../workbench/choose.js';
import type { Aggregate } from '../workbench/aggregate.js';
import { formatConstraint } from '../workbench/choice.js';
import type { SweepHeader } from '../workbench/journal.js';

interface SweepCliFlags {
  grid: string[];
  random?: string;
  seeds?: string;
  workers?: string;
  out?: string;
  shard?: string;
  objective?: string;
  constraint: string[];
  pareto?: string;
  heatmap: string[];
  set: string[];
  seed?: string;
  quiet?: boolean;
  allowOutside?: boolean;
  requireFeasible?: boolean;
  emit?: string;
  shards?: string;
  image?: string;
  volume?: string;
}

interface MergeCliFlags {
  out?: string;
  objective?: string;
  constraint: string[];
  pareto?: string;
  heatmap: string[];
  quiet?: boolean;
  requireFeasible?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Worker threads: `--workers N` (0 = in this thread) or the number of cores; at most
 * WORKERS_PER_CORE × the cores (and MAX_WORKERS), since more only cost memory.
 *
 * @example parseWorkers('2', 4) // 2
 */
export function parseWorkers(text: string | undefined, cores = os.availableParallelism()): number {
  if (text === undefined) return cores;
  if (!/^\d+$/.test(text.trim())) throw new InputError(`expected a number of worker threads (0 runs in the main thread), got ${JSON.stringify(text)}`, { file: '--workers' });
  const max = Math.min(MAX_WORKERS, WORKERS_PER_CORE * cores);
  const n = Number(text);
  if (n > max) throw new InputError(`at most ${max} worker threads (${WORKERS_PER_CORE} × the ${cores} cores of this machine), got ${text.trim()}`, { file: '--workers' });
  return n;
}

/**
 * The progress line's text at wall time `nowMs`: runs done of all planned (and how many of
 * them were resumed from an earlier invocation), the rate of the runs done now, the time left
 * at that rate (`…` before the first run ends).
 *
 * @example progressText({ done: 30, total: 100, resumed: 10, startedAt: 0 }, 10_000) // 'sweep 30/100 runs (10 resumed)  2.0 runs/s  eta 35s'
 */
export function progressText(p: SweepProgress, nowMs: number): string {
  const elapsed = (nowMs - p.startedAt) / 1000;
  const ran = p.done - p.resumed;
  const rate = elapsed > 0 ? ran / elapsed : 0;
  const eta = rate > 0 ? (p.total - p.done) / rate : Number.NaN;
  const resumed = p.resumed > 0 ? ` (${p.resumed} resumed)` : '';
  return `sweep ${p.done}/${p.total} runs${resumed}  ${rate.toFixed(1)} runs/s  eta ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '…'}`;
}

/** `metric=mean ± ci` for the key metrics of a point. */
function metricsLine(header: SweepHeader, agg: Aggregate, j: Judgement, p: JudgedPoint): string {
  return keyMetrics({ header, agg, judgement: j, sources: [] })
    .map((m) => {
      const s = p.stats[m]!;
      return `${m}=${formatNumber(s.mean)}${s.ci95 !== null ? ` ± ${formatNumber(s.ci95)}` : ''}`;
    })
    .join('  ');
}

/** The best point and its key metrics, and the scenario as written when the sweep has it. */
export function bestLines(header: SweepHeader, agg: Aggregate, j: Judgement): string[] {
  const best = j.best;
  if (best === null) return ['no point has results'];
  const names = shortKeys(agg.plan.axes);
  const ranked = j.points.filter((p) => p.rank !== null).length;
  const lead = j.bestFeasible ? `best (rank 1 of ${ranked} feasible):` : 'no point meets the constraints; best by the objective alone:';
  const lines = [`${lead} ${pointLabel(names, best.values)}`, `  ${metricsLine(header, agg, j, best)}`];
  const own = asWrittenPoint({ header, judgement: j });
  if (own !== null && own !== best) lines.push(`as written: ${pointLabel(names, own.values)}`, `  ${metricsLine(header, agg, j, own)}`);
  return lines;
}

/**
 * `--require-feasible`: when no point meets the constraints, say so on stderr (one line) and
 * exit with status 1, after the report has been written and printed.
 *
 * @example requireFeasible({ bestFeasible: false, … }, header) // throws ExitCode(1)
 */
export function requireFeasible(j: Judgement, header: SweepHeader): void {
  if (j.bestFeasible) return;
  const constraints = header.choice.constraints.map(formatConstraint).join(', ');
  process.stderr.write(`scalelab: no point meets the constraints${constraints ? ` (${constraints})` : ' (no point has results)'} (--require-feasible)\n`);
  throw new ExitCode(1);
}

/** What a finished sweep prints on stdout. */
function report(o: SweepOutcome, workers: number, seconds: number): string {
  const lines = [`${o.header.scenario.name}: ${o.planned} runs${o.header.shard ? ` in shard ${formatShard(o.header.shard)}` : ''} (${o.ran} run now, ${o.resumed} already done) in ${seconds.toFixed(1)}s with ${workers === 0 ? 'no worker threads' : `${workers} worker${workers === 1 ? '' : 's'}`}`];
  if (o.agg && o.judgement && o.files.length > 0) lines.push(...bestLines(o.header, o.agg, o.judgement));
  const files = [...o.files, RUNS_FILE].map((f) => path.join(o.outDir, f));
  lines.push(`wrote ${files.join(', ')}`);
  if (o.files.includes('index.html')) lines.push(`open ${path.join(o.outDir, 'index.html')} in a browser`);
  else if (o.header.shard) lines.push(`merge the shards with: scalelab sweep merge <shard dirs…> --out DIR`);
  return `${lines.join('\n')}\n`;
}

/** The sweep's own flags as a shard runs them: scenario file first, then each flag as given. */
function sweepArgs(file: string, f: SweepCliFlags): string[] {
  const one = (flag: string, v: string | undefined) => (v === undefined ? [] : [flag, v]);
  const each = (flag: string, vs: string[]) => vs.flatMap((v) => [flag, v]);
  return [
    file,
    ...each('--grid', f.grid),
    ...one('--random', f.random),
    ...one('--seeds', f.seeds),
    ...one('--objective', f.objective),
    ...each('--constraint', f.constraint),
    ...one('--pareto', f.pareto),
    ...each('--heatmap', f.heatmap),
    ...each('--set', f.set),
    ...one('--seed', f.seed),
  ];
}

/**
 * `--emit slurm|k8s`: check the sweep exactly as a run would (bad input stops here, nothing
 * printed), then the recipe's text.
 */
function emitRecipe(file: string, f: SweepCliFlags): string {
  const target = f.emit;
  if (target !== 'slurm' && target !== 'k8s') {
    if (target === undefined) throw new InputError('--shards, --image and --volume go with --emit slurm or --emit k8s', { file: '--emit' });
    throw new InputError(`expected slurm or k8s, got ${JSON.stringify(target)}`, { file: '--emit' });
  }
  if (f.shard !== undefined) throw new InputError('--shard is for one shard; with --emit, give the number of shards with --shards N', { file: '--shard' });
  if (target === 'slurm' && (f.image !== undefined || f.volume !== undefined)) throw new InputError('--image and --volume go with --emit k8s', { file: '--emit' });
  const seed = f.seed !== undefined ? seedFlag(f.seed, '--seed') : undefined;
  const shards = f.shards !== undefined ? positiveFlag(f.shards, '--shards') : 4;
  const workers = f.workers !== undefined ? positiveFlag(f.workers, '--workers') : 2;
  const { header } = prepareSweep({
    scenarioFile: file,
    sets: f.set,
    ...(seed !== undefined ? { seed } : {}),
    flags: {
      grid: f.grid,
      constraint: f.constraint,
      heatmap: f.heatmap,
      ...(f.random !== undefined ? { random: f.random } : {}),
      ...(f.seeds !== undefined ? { seeds: f.seeds } : {}),
      ...(f.objective !== undefined ? { objective: f.objective } : {}),
      ...(f.pareto !== undefined ? { pareto: f.pareto } : {}),
    },
    workers: 0,
  });
  const points = enumeratePoints(header.plan).length;
  if (shards > points) throw new InputError(`${shards} shards for ${points} point(s): a shard runs whole points, so shards beyond ${points} would run nothing`, { key: '--shards' });
  if (target === 'k8s' && shards > MAX_INDEXED_PARALLELISM) throw new InputError(`at most ${MAX_INDEXED_PARALLELISM} for an Indexed Job (Kubernetes' limit on its parallelism), got ${shards}`, { key: '--shards' });
  const name = header.scenario.name;
  const mergeFlags = f.requireFeasible ? ['--require-feasible'] : [];
  if (target === 'slurm') {
    const recipe: EmitRecipe = { name, sweepArgs: sweepArgs(file, f), shards, workers, results: f.out ?? path.posix.join('results', name), mergeFlags };
    return slurmScript(recipe);
  }
  if (f.image === undefined || f.image.trim() === '') throw new InputError('--emit k8s needs --image IMAGE (an image holding scalelab and the scenario)', { file: '--image' });
  if (f.volume === undefined || f.volume.trim() === '') throw new InputError('--emit k8s needs --volume CLAIM (a ReadWriteMany PersistentVolumeClaim for the results)', { file: '--volume' });
  const results = f.out ?? '/results';
  if (!results.startsWith('/')) throw new InputError(`with --emit k8s, the mount point of the results volume in the pods: an absolute path, got ${JSON.stringify(results)}`, { file: '--out' });
  return k8sManifests({ name, sweepArgs: sweepArgs(file, f), shards, workers, results, mergeFlags, image: f.image, volume: f.volume });
}

/** Kubernetes refuses an Indexed Job with a larger parallelism (kubernetes/kubernetes, pkg/apis/batch/validation/validation.go, maxParallelismForIndexedJob). */
const MAX_INDEXED_PARALLELISM = 100_000;

/** A whole number of at least 1. */
function positiveFlag(text: string, key: string): number {
  const n = wholeNumberFlag(text, key);
  if (n < 1) throw new InputError(`must be at least 1, got ${n}`, { key });
  return n;
}

export function registerSweepCommand(program: Command): void {
  const sweep = program
    .command('sweep')
    .enablePositionalOptions() // `sweep merge … --out DIR`: the --out belongs to merge
    .description(summaryOf('sweep'))
    .argument('<scenario>', 'scenario YAML file; its sweep: section, if any, defines the sweep (see docs/WORKBENCH.md)')
    .option('--grid <KEY=VALUES>', 'sweep a key over V1,V2,… or a range LO..HI:STEP (60s..600s:60s for durations); repeatable; replaces the file\'s grid', collect, [])
    .option('--random <N>', 'sample N points within the values/ranges instead of the full grid (LO..HI without a step samples continuously)')
    .option('--seeds <K>', 'replications per point, each with a derived seed (default: the file\'s, else 3)')
    .option('--workers <N>', 'worker threads (default: the number of cores; 0 runs in the main thread)')
    .option('--out <dir>', 'output directory (default: reports/<scenario name>-sweep)')
    .option('--shard <I/N|auto>', 'run only shard I of N of the points (1-based); auto reads JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (task T = shard T+1; SCALELAB_SHARD_BASE=1: shard T), N from auto/N, SCALELAB_SHARDS or a whole array\'s SLURM_ARRAY_TASK_COUNT')
    .option('--objective <METRIC[:min|max]>', 'rank feasible points by this metric\'s mean (default: the first Pareto metric, min)')
    .option('--constraint <METRIC<=VALUE>', 'a point is feasible when its mean meets this (<=, <, >=, >); repeatable', collect, [])
    .option('--pareto <X,Y>', 'the two metrics of the Pareto front (default instance_seconds,slo_violation_seconds; add :max for higher-is-better)')
    .option('--heatmap <METRIC[:KEY_X,KEY_Y]>', 'draw a heatmap of METRIC over two swept keys (default: the first two); repeatable', collect, [])
    .option('--set <key=value>', 'override a scenario key for every run (repeatable)', collect, [])
    .option('--seed <n>', 'base seed (replication 0; the others are derived from it)')
    .option('--require-feasible', 'exit with status 1 when no point meets the constraints (for CI; not checked by a shard of several: use it on sweep merge)')
    .option('--allow-outside', "read trace files outside the scenario's folder and the working directory")
    .option('-q, --quiet', 'print nothing but errors and warnings (no progress)')
    .option('--emit <slurm|k8s>', 'run nothing: print a Slurm script (job array + merge) or Kubernetes manifests (Indexed Job + merge Job) that run this sweep in shards')
    .option('--shards <N>', 'with --emit: the number of shards (default 4, at most the number of points); --workers is then the CPUs of each shard (default 2) and --out the shared results folder')
    .option('--image <IMAGE>', 'with --emit k8s: the container image holding scalelab and the scenario')
    .option('--volume <CLAIM>', 'with --emit k8s: the PersistentVolumeClaim (ReadWriteMany) mounted at --out (default /results) in every pod')
    .addHelpText(
      'after',
      `
Exit status: 0 done, 1 with --require-feasible when no point meets the constraints, 2 bad
input, 130 interrupted.

Runs are appended to OUT/runs.jsonl as they finish; running the same command again resumes and
skips what is done (Ctrl-C leaves a valid file). Results do not depend on --workers. Progress
goes to stderr: redrawn in place on a terminal, a line every 10 s otherwise (a CI log).

Examples:
  scalelab sweep scenarios/albatross-tuning.yaml
  scalelab sweep scenarios/albatross-default.yaml --grid engine.config.scale_up_threshold_percent=70..95:5 \\
      --grid engine.config.cooldown_period=60s..600s:60s --seeds 5 --constraint 'slo_violation_percent<=1'
  scalelab sweep scenarios/albatross-default.yaml --grid engine.config.scale_up_threshold_percent=60..95 \\
      --grid engine.config.cooldown_period=0s..900s --random 100 --set duration=6h
  scalelab sweep scenarios/albatross-tuning.yaml --shard auto/8 --out results/shard-$JOB_COMPLETION_INDEX
  scalelab sweep merge results/shard-* --out results/all
  scalelab sweep scenarios/albatross-tuning.yaml --emit slurm --shards 8 > slurm-sweep.sh
  scalelab sweep scenarios/albatross-tuning.yaml --emit k8s --shards 8 --image IMAGE --volume CLAIM > k8s-sweep.yaml`,
    )
    .action(async (file: string, flags: SweepCliFlags) => {
      if (flags.emit !== undefined || flags.shards !== undefined || flags.image !== undefined || flags.volume !== undefined) {
        process.stdout.write(emitRecipe(file, flags));
        return;
      }
      const seed = flags.seed !== undefined ? seedFlag(flags.seed, '--seed') : undefined;
      const workers = parseWorkers(flags.workers);
      const shard = flags.shard !== undefined ? parseShard(flags.shard, process.env) : undefined;
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      const bar = flags.quiet ? undefined : progressWriter(process.stderr);
      const started = Date.now();
      let outcome: SweepOutcome;
      try {
        outcome = await runSweep({
          scenarioFile: file,
          sets: flags.set,
          ...(seed !== undefined ? { seed } : {}),
          flags: {
            grid: flags.grid,
            constraint: flags.constraint,
            heatmap: flags.heatmap,
            ...(flags.random !== undefined ? { random: flags.random } : {}),
            ...(flags.seeds !== undefined ? { seeds: flags.seeds } : {}),
            ...(flags.objective !== undefined ? { objective: flags.objective } : {}),
            ...(flags.pareto !== undefined ? { pareto: flags.pareto } : {}),
          },
          ...(flags.out !== undefined ? { outDir: flags.out } : {}),
          workers,
          ...(flags.allowOutside ? { allowOutside: true } : {}),
          ...(shard !== undefined ? { shard } : {}),
          signal: controller.signal,
          warn: warnLine,
          ...(bar ? { onProgress: (p: SweepProgress) => bar.update(() => progressText(p, Date.now())) } : {}),
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
        bar?.done();
      }
      if (outcome.status === 'aborted') {
        const done = outcome.resumed + outcome.ran;
        process.stderr.write(`scalelab: interrupted: ${done} of ${outcome.planned} runs are saved in ${path.join(outcome.outDir, RUNS_FILE)}; run the same command again to resume\n`);
        throw new ExitCode(130);
      }
      if (!flags.quiet) process.stdout.write(report(outcome, workers, (Date.now() - started) / 1000));
      if (flags.requireFeasible && outcome.judgement && (shard === undefined || shard.count === 1)) requireFeasible(outcome.judgement, outcome.header);
    });

  sweep
    .command('merge')
    .description('combine the outputs of sweep shards (or of any runs of the same sweep) into one runs.jsonl and report')
    .argument('<dirs...>', 'sweep output directories (each with a runs.jsonl)')
    .requiredOption('--out <dir>', 'directory for the merged runs.jsonl and report')
    .option('--objective <METRIC[:min|max]>', 'rank by this metric instead of the sweep\'s objective')
    .option('--constraint <METRIC<=VALUE>', 'replace the sweep\'s constraints (repeatable)', collect, [])
    .option('--pareto <X,Y>', 'replace the sweep\'s Pareto metrics')
    .option('--heatmap <METRIC[:KEY_X,KEY_Y]>', 'replace the sweep\'s heatmaps (repeatable)', collect, [])
    .option('--require-feasible', 'exit with status 1 when no point meets the constraints')
    .option('-q, --quiet', 'print nothing but errors and warnings')
    .addHelpText('after', `\nExample:\n  scalelab sweep merge results/shard-1-of-4 results/shard-2-of-4 results/shard-3-of-4 results/shard-4-of-4 --out results/all`)
    .action(async (dirs: string[], flags: MergeCliFlags) => {
      const outDir = flags.out!;
      const outcome = await mergeSweeps(dirs, outDir, {
        constraint: flags.constraint,
        heatmap: flags.heatmap,
        ...(flags.objective !== undefined ? { objective: flags.objective } : {}),
        ...(flags.pareto !== undefined ? { pareto: flags.pareto } : {}),
      });
      const missing = outcome.agg.points.filter((p) => p.invalid === null && p.runs < p.expected).length;
      if (outcome.missingShards.length > 0) process.stderr.write(`scalelab: warning: shard(s) ${outcome.missingShards.join(', ')} not among the inputs\n`);
      if (missing > 0) process.stderr.write(`scalelab: warning: ${missing} point(s) lack some of their runs; the report marks them\n`);
      if (!flags.quiet) {
        const lines = [`merged ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}: ${outcome.runs} runs of ${outcome.agg.points.length} points`, ...bestLines(outcome.header, outcome.agg, outcome.judgement)];
        lines.push(`wrote ${[...outcome.files, RUNS_FILE].map((f) => path.join(outDir, f)).join(', ')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (flags.requireFeasible) requireFeasible(outcome.judgement, outcome.header);
    });
}
