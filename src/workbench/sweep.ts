/**
 * `scalelab sweep`: load the scenario and its sweep definition, check every swept value before
 * anything runs, plan the points and seeds, skip what `runs.jsonl` already holds, run the rest
 * on the worker pool appending each result at once, and write the report from the journal.
 *
 * Order of checks (nothing is written until all pass): the scenario with the base overrides;
 * the sweep definition; each swept value on its own against the scenario (an unknown key, a
 * wrong type or an out-of-bounds value stops the sweep here). A combination refused only
 * together (a down threshold above the up threshold) is recorded as an invalid point and
 * listed in the report.
 */
import path from 'node:path';
import { InputError, type InputLocation } from '../scenario/errors.js';
import { parseScenarioText, readScenarioFile } from '../scenario/load.js';
import { applySets, SET_LOCATION } from '../scenario/overrides.js';
import { parse as parseYaml } from 'yaml';
import { isPrefix, parseKeyPath } from '../scenario/paths.js';
import type { Scenario } from '../scenario/types.js';
import { VERSION } from '../version.js';
import fs from 'node:fs';
import { makeOutputDir, removeCreatedDirs } from '../files/outputs.js';
import { lockFolder } from '../files/lock.js';
import { MAX_SWEEP_RUNS } from '../scenario/limits.js';
import { aggregate, type Aggregate } from './aggregate.js';
import { domainValues, formatRangeValue, valueText, type Axis } from './axis.js';
import { judge, type Judgement } from './choose.js';
import { metricCatalog } from './choice.js';
import type { RunnerInit, RunOutput, RunTask } from './execute.js';
import { fingerprint, Journal, JOURNAL_FORMAT, readJournal, RUNS_FILE, sha256, type RunRecord, type SweepHeader } from './journal.js';
import { enumeratePoints, inShard, plannedRuns, pointSets, runKey, type PlannedRun, type Shard, type SweepPlan } from './plan.js';
import { InlineExecutor, runAll, WorkerPool, type Executor } from './pool.js';
import { writeSweepReport } from './report.js';
import { traceCoverage } from '../run/run.js';
import { deriveSeeds } from './seeds.js';
import { prepareEngine } from '../engines/external/module.js';
import { readSweepSection, sweepDefinition, type SweepDefinition, type SweepFlags } from './spec.js';

/** Progress of a sweep, reported after each run. */
export interface SweepProgress {
  /** Runs of this shard recorded (including those found from an earlier session). */
  done: number;
  total: number;
  /** Runs found already recorded when the sweep started. */
  resumed: number;
  /** When this session started (ms since the epoch). */
  startedAt: number;
}

/** Everything `runSweep` needs. */
export interface SweepOptions {
  scenarioFile: string;
  /** Base `--set` overrides for every run. */
  sets?: string[];
  /** Overrides the scenario's seed (the base of the replication seeds). */
  seed?: number;
  flags?: Partial<SweepFlags>;
  /** Output directory; default `reports/<name>-sweep` (`…/shard-I-of-N` for a shard). */
  outDir?: string;
  /** Worker threads; 0 runs in this thread. */
  workers: number;
  shard?: Shard;
  /** Trace files may lie outside the scenario's folder (`--allow-outside`). */
  allowOutside?: boolean;
  /** Worker script (default: next to this module, or dist/ when running from source). */
  workerUrl?: URL;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Warnings, one line each: a trace that does not cover the scenario as written (checked once, not per run). */
  warn?: (line: string) => void;
  /** Write the report (default: yes, except for a shard of several). */
  report?: boolean;
}

/** What a sweep did. */
export interface SweepOutcome {
  status: 'done' | 'aborted';
  outDir: string;
  header: SweepHeader;
  /** Runs this shard plans, found already done, and run now. */
  planned: number;
  resumed: number;
  ran: number;
  /** Report files written (empty for a shard or an aborted sweep). */
  files: string[];
  agg: Aggregate | null;
  judgement: Judgement | null;
}

/** Run (or resume) a sweep. Bad input throws `InputError` before anything is written. */
export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  const prepared = prepareSweep(opts);
  // a module engine, imported here for the in-process executor (each worker imports its own)
  await prepareEngine(prepared.scenario);
  const { header } = prepared;
  if (opts.warn) for (const line of traceCoverage(prepared.scenario)) opts.warn(line);
  const outDir = opts.outDir ?? defaultOutDir(header.scenario.name, opts.shard);
  const created = makeOutputDir(outDir, '--out');
  const lock = lockFolder(outDir, '--out');
  const journalFile = path.join(outDir, RUNS_FILE);
  const fresh = !fs.existsSync(journalFile);
  try {
    return await sweepLocked(opts, prepared, outDir);
  } catch (err) {
    // bad input data met by the first runs of a new sweep: leave nothing behind (a journal with
    // results is kept, so fixing the data and running again resumes)
    lock.release();
    if (err instanceof InputError && fresh && fs.existsSync(journalFile) && readJournal(journalFile).runs.length === 0) {
      fs.rmSync(journalFile, { force: true });
      removeCreatedDirs(created);
    }
    throw err;
  } finally {
    lock.release();
  }
}

/** The sweep once its folder is locked: run what is left, then aggregate and report. */
async function sweepLocked(opts: SweepOptions, prepared: ReturnType<typeof prepareSweep>, outDir: string): Promise<SweepOutcome> {
  const { header, runs, init } = prepared;
  const journal = Journal.open(path.join(outDir, RUNS_FILE), header);
  const todo = runs.filter((r) => !journal.done.has(runKey(r.point.id, r.seed)));
  const resumed = runs.length - todo.length;
  const progress: SweepProgress = { done: resumed, total: runs.length, resumed, startedAt: Date.now() };
  opts.onProgress?.(progress);
  let status: 'done' | 'aborted' = 'done';
  const executor = makeExecutor(opts, init, todo.length);
  try {
    const tasks = tasksOf(header, todo);
    status = await runAll(
      executor,
      tasks,
      (out) => {
        journal.append(toRecord(todo[out.id]!, out));
        progress.done++;
        opts.onProgress?.(progress);
      },
      opts.signal,
    );
  } finally {
    await executor.close();
    journal.close();
  }
  const outcome: SweepOutcome = { status, outDir, header, planned: runs.length, resumed, ran: progress.done - resumed, files: [], agg: null, judgement: null };
  if (status === 'aborted') return outcome;
  const agg = aggregate(header.plan, readJournal(path.join(outDir, RUNS_FILE)).runs);
  refuseAllInvalid(agg, opts.shard);
  const judgement = judge(agg, header.choice);
  const wantReport = opts.report ?? (opts.shard === undefined || opts.shard.count === 1);
  const files = wantReport ? await writeSweepReport(outDir, { header, agg, judgement, sources: [] }) : [];
  return { ...outcome, files, agg, judgement };
}

/** The tasks for `runs`, numbered in order: each its point's overrides and its seed. */
export function tasksOf(header: SweepHeader, runs: readonly PlannedRun[]): RunTask[] {
  return runs.map((r, id) => ({ id, sets: pointSets(header.plan.axes, r.point), seed: r.seed }));
}

/** The header, the runs of this shard and the workers' shared input, all checked. */
export function prepareSweep(opts: SweepOptions): { header: SweepHeader; runs: PlannedRun[]; init: RunnerInit; scenario: Scenario; definition: SweepDefinition } {
  const file = opts.scenarioFile;
  const text = readScenario(file);
  const sets = opts.sets ?? [];
  const outside = opts.allowOutside ? { allowOutside: true } : {};
  const scenario = parseScenarioText(text, file, { sets, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...outside });
  const flags: SweepFlags = { grid: [], constraint: [], heatmap: [], ...opts.flags };
  const catalog = metricCatalog(scenario.engine.name);
  const definition = sweepDefinition(readSweepSection(text, file, catalog), flags, catalog);
  refuseEngineAxes(definition);
  probeAxes(text, file, sets, scenario.seed, definition, opts.allowOutside === true);
  const plan: SweepPlan = { axes: definition.axes, random: definition.random, sampleSeed: scenario.seed, seeds: deriveSeeds(scenario.seed, definition.seeds) };
  const points = enumeratePoints(plan);
  if (points.length * plan.seeds.length > MAX_SWEEP_RUNS) {
    throw new InputError(`${points.length} points × ${plan.seeds.length} seeds is ${points.length * plan.seeds.length} runs, more than ${MAX_SWEEP_RUNS} (the limit); use fewer points or seeds`, { file: '--grid' });
  }
  const runs = plannedRuns(points, plan.seeds, opts.shard);
  const header: SweepHeader = {
    kind: 'sweep',
    format: JOURNAL_FORMAT,
    scalelab: VERSION,
    scenario: { name: scenario.name, description: scenario.description, file, engine: scenario.engine.name, seed: scenario.seed, sha256: sha256(text), values: writtenValues(text, sets, definition.axes) },
    sets,
    fingerprint: fingerprint(text, sets),
    plan,
    choice: definition.choice,
    shard: opts.shard ?? null,
  };
  return { header, runs, init: { text, file, sets, ...outside }, scenario, definition };
}

/**
 * The value each swept key has in the scenario as written, base overrides applied, as `--set`
 * text; null for a key the file leaves to its default.
 *
 * @example writtenValues(text, [], axes) // ['90', '3', '600s']
 */
export function writtenValues(text: string, sets: readonly string[], axes: readonly Axis[]): Array<string | null> {
  const doc = applySets(parseYaml(text, { merge: true }) as unknown, sets);
  return axes.map((a) => {
    const node = lookup(doc, parseKeyPath(a.key) ?? []);
    return node === undefined || node === null ? null : valueText(node);
  });
}

/**
 * The value at `path`, where a mapping may also hold the rest of the path as one dotted key
 * (Incus writes `cluster.rebalance.cooldown` flat; `--set` writes it nested).
 *
 * @example lookup({ engine: { config: { 'cluster.rebalance.batch': 2 } } }, ['engine', 'config', 'cluster', 'rebalance', 'batch']) // 2
 */
function lookup(node: unknown, path: ReadonlyArray<string | number>): unknown {
  if (path.length === 0) return node;
  if (node === null || typeof node !== 'object') return undefined;
  const map = node as Record<string | number, unknown>;
  for (let n = path.length; n > 1; n--) {
    const flat = path.slice(0, n).join('.');
    if (flat in map) return lookup(map[flat], path.slice(n));
  }
  return lookup(map[path[0]!], path.slice(1));
}

/** `reports/<name>-sweep`, or its `shard-I-of-N` subdirectory. */
export function defaultOutDir(name: string, shard: Shard | undefined): string {
  const base = path.join('reports', `${name}-sweep`);
  return shard && shard.count > 1 ? path.join(base, `shard-${shard.index}-of-${shard.count}`) : base;
}

/** The scenario file's text (an InputError when it cannot be read). */
function readScenario(file: string): string {
  return readScenarioFile(file);
}

/**
 * Check each swept value on its own: the scenario with the base overrides and that one value
 * must load, unless what fails is about another key (a combination problem, judged per point
 * when it runs). A range without a step is probed at both ends.
 */
export function probeAxes(text: string, file: string, sets: readonly string[], seed: number, def: SweepDefinition, allowOutside = false): void {
  for (const axis of def.axes) {
    const where = def.origins[axis.key] ?? { file: '--grid' };
    for (const value of probeValues(axis)) {
      try {
        parseScenarioText(text, file, { sets: [...sets, `${axis.key}=${value}`], seed, ...(allowOutside ? { allowOutside } : {}) });
      } catch (err) {
        if (!(err instanceof InputError) || err.file !== SET_LOCATION || !related(axis.key, err.key)) {
          if (err instanceof InputError) continue;
          throw err;
        }
        throw new InputError(probeMessage(err, value), { ...where, key: err.key ?? axis.key });
      }
    }
  }
}

/** Engine keys a sweep cannot vary: who decides is fixed for a sweep (one module import, one command). */
const FIXED_ENGINE_KEYS = ['engine.kind', 'engine.path', 'engine.command'];

/**
 * Refuse a sweep axis on `engine.kind`, `engine.path` or `engine.command` (or an element of it):
 * a sweep's runs share one engine. Run one sweep per engine and compare them instead.
 *
 * @example refuseEngineAxes(def) // an axis engine.path throws "s.yaml:12: engine.path: cannot be a sweep axis: …"
 */
export function refuseEngineAxes(def: SweepDefinition): void {
  for (const axis of def.axes) {
    const fixed = FIXED_ENGINE_KEYS.find((k) => axis.key === k || axis.key.startsWith(`${k}[`) || axis.key.startsWith(`${k}.`));
    if (fixed === undefined) continue;
    const where = def.origins[axis.key] ?? { file: '--grid' };
    throw new InputError(`cannot be a sweep axis: the runs of a sweep share one engine (${fixed}); run one sweep per engine and compare them`, { ...where, key: axis.key });
  }
}

/** The values to probe: every value of a finite domain, the two ends of a sampled range. */
function probeValues(axis: Axis): string[] {
  const finite = domainValues(axis.domain);
  if (finite !== undefined) return finite;
  if (axis.domain.kind !== 'range') return [];
  return [formatRangeValue(axis.domain, axis.domain.lo), formatRangeValue(axis.domain, axis.domain.hi)];
}

/** Is the error's key the swept key, inside it, or on its way? */
function related(axisKey: string, errKey: string | undefined): boolean {
  if (errKey === undefined) return true;
  const a = parseKeyPath(axisKey);
  const e = parseKeyPath(errKey);
  if (a === undefined || e === undefined) return true;
  return isPrefix(a, e) || isPrefix(e, a);
}

/** The loader's message, with the value when it does not already say it. */
function probeMessage(err: InputError, value: string): string {
  return /^unknown key|^index .* out of range|^cannot set a key|is a list; use an index/.test(err.detail) ? err.detail : `value ${value}: ${err.detail}`;
}

/** Worker threads, or this thread for `workers: 0` (or nothing to run); never more threads than runs. */
function makeExecutor(opts: SweepOptions, init: RunnerInit, runs: number): Executor {
  const n = Math.min(opts.workers, runs);
  if (n <= 0) return new InlineExecutor(init);
  return new WorkerPool(n, init, opts.workerUrl);
}

/** The journal line for a finished run. */
function toRecord(run: PlannedRun, out: RunOutput): RunRecord {
  const base = { kind: 'run' as const, point: run.point.id, seed: run.seed, replication: run.replication };
  if (out.kind === 'ok') return { ...base, metrics: out.metrics, units: out.units };
  if (out.kind === 'invalid') return { ...base, invalid: out.reason };
  throw new Error(out.kind === 'error' ? out.message : out.detail);
}

/** Every point of the sweep (or shard) refused: that is bad input, not a result. */
function refuseAllInvalid(agg: Aggregate, shard: Shard | undefined): void {
  const mine = agg.points.filter((p) => inShard(p, shard));
  const first = mine[0];
  if (first !== undefined && mine.every((p) => p.invalid !== null)) {
    throw new InputError(`every point of the sweep was refused; the first: ${first.invalid}`, { file: '--grid' } satisfies InputLocation);
  }
}
