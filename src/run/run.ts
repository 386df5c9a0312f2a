/**
 * `scalelab run`: simulate a scenario and write its report directory.
 *
 * Outputs under `outDir`: summary.json, timeseries.csv, events.jsonl (streamed while the run
 * goes), summary.md and report.html (at the end). Every file is written to a temporary file of
 * its own and renamed into place when complete (src/files/atomic.ts); on failure the temporary
 * files and the folders this run created are removed, so a folder never holds half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { aggregateMetricSets, workloadMetricSet } from '../metrics/summary.js';
import { groupRequestMetricSet, requestMetricSet } from '../metrics/requests.js';
import type { RunSummary } from '../report/types.js';
import type { WorkloadResult } from '../metrics/workload.js';
import type { Scenario } from '../scenario/types.js';
import { TIMESERIES_HEADER, type RunSinks, type SimulationResult } from './albatross.js';
import { simulateReplicas } from './replicas.js';
import type { ReplicaEngine } from '../world/replicas/engine.js';
import { albatrossEngine } from '../engines/albatross/plugin.js';
import { kraftcloudEngine } from '../engines/kraftcloud/world.js';
import { hpaEngine } from '../engines/hpa/plugin.js';
import { runIncus } from './incus.js';
import { runNeon } from './neon.js';
import { LineWriter } from '../report/files.js';
import { lazyGroupSets, writeSummaryFile } from './summary-file.js';
import { makeOutputDir, refuseInputAsOutput, removeCreatedDirs } from '../files/outputs.js';
import { VERSION } from '../version.js';
import { scenarioSummary } from './header.js';
import { InputError } from '../scenario/errors.js';
import { OutputSizeWatch } from './output-size.js';
import { buildLoadSources } from '../load/index.js';
import { externalRunnerFor } from '../engines/external/runners.js';
import { loggedRunnerFor } from '../bridge/protocol-log.js';
import { prepareEngine } from '../engines/external/module.js';

/**
 * What running one scenario yields, whatever the engine: the summary (everything in
 * summary.json) and a way to draw its report. Sweeps and `check` use only `summary`.
 */
export interface Simulated {
  /** Its `groups` may be built as read (see `lazyGroupSets`): read each set once, or copy it. */
  summary: RunSummary;
  /** Write report.html and summary.md into `outDir`. */
  writeReport(outDir: string): Promise<void>;
  counts: { rounds: number; records: number; heapEvents: number };
  /** The metrics `scalelab run` prints for this engine (default: the scaling ones). */
  headline?: readonly string[];
}

/** A way to simulate scenarios of one engine. */
export type Runner = (scenario: Scenario, sinks: RunSinks) => Simulated;

/**
 * The runner of a replica autoscaler (src/world/replicas/engine.ts): the horizontal world with
 * the engine's plug-in. Report rendering (vega) is imported only when a report is written, so
 * sweep workers never load it.
 *
 * @example runners.set('hpa', replicaRunner(hpaEngine))
 */
export function replicaRunner<S, O>(engine: ReplicaEngine<S, O>): Runner {
  return (scenario, sinks) => {
    const sim = simulateReplicas(scenario, engine.bind(scenario), sinks);
    const summary = buildSummary(scenario, sim);
    return { summary, writeReport: async (outDir) => (await import('../report/render.js')).writeReport(outDir, summary, sim.chart), counts: sim.counts };
  };
}

/** Runners by engine name; each engine's world registers here (replica autoscalers with `replicaRunner`). */
export const runners = new Map<string, Runner>([
  ['albatross', replicaRunner(albatrossEngine)],
  ['kraftcloud', replicaRunner(kraftcloudEngine)],
  ['hpa', replicaRunner(hpaEngine)],
  ['incus', runIncus],
  ['neon', runNeon],
]);

/**
 * The runner of `scenario`: its engine's built-in runner, or for `engine.kind: module | external`
 * the dialect's external runner (src/engines/external/runners.ts); undefined when there is none.
 *
 * @example runnerFor(scenario) === runners.get('hpa') // for a built-in hpa scenario
 */
export function runnerFor(scenario: Scenario): Runner | undefined {
  const kind = scenario.engine.kind;
  return kind === undefined || kind === 'builtin' ? runners.get(scenario.engine.name) : (loggedRunnerFor(scenario) ?? externalRunnerFor(scenario));
}

/** Simulate a scenario with its engine's runner, streaming to `sinks`; writes no files. */
export function simulateScenario(scenario: Scenario, sinks: RunSinks = {}): Simulated {
  const runner = runnerFor(scenario);
  if (!runner) {
    const kind = scenario.engine.kind;
    const what = kind === 'module' || kind === 'external' ? `no ${kind} engines for engine "${scenario.engine.name}" yet` : `no simulation world for engine "${scenario.engine.name}"`;
    throw new InputError(what, { file: scenario.file, key: kind === 'module' || kind === 'external' ? 'engine.kind' : 'engine.name' });
  }
  const sim = runner(scenario, sinks);
  // `output.groups: none`: no per-group part (the Albatross runner does not even build it)
  if (scenario.output.groups === 'none' && Object.keys(sim.summary.groups).length > 0) sim.summary = { ...sim.summary, groups: {} };
  return sim;
}

/**
 * The trace-coverage warnings of a scenario's load (load/coverage.ts), without running it:
 * `sweep` prints them once for the scenario as written instead of once per run.
 *
 * @example traceCoverage(loadScenario('epoch.yaml')) // ['epoch.csv: the trace starts at 1700000000 s of trace time, …']
 */
export function traceCoverage(scenario: Scenario): string[] {
  const loads = scenario.cluster
    ? scenario.cluster.vms.flatMap((v) => (v.load !== null ? [{ name: v.name, load: v.load }] : []))
    : scenario.workloads.map((w) => ({ name: w.name, load: w.load }));
  const { sources } = buildLoadSources(scenario.seed, loads);
  try {
    return sources.flatMap((s) => s.coverage?.(scenario.duration) ?? []);
  } finally {
    for (const s of sources) s.close();
  }
}

export interface RunOptions {
  outDir: string;
  /** Progress callback (fraction of simulated time done). */
  progress?: (fraction: number) => void;
  /**
   * Warnings, one line each (a trace not covering the run; a streamed output projected past
   * `maxOutputBytes`). Without it nothing is checked. Never changes the outputs.
   */
  warn?: (line: string) => void;
  /** Overrides `output.max_bytes`. */
  maxOutputBytes?: number;
  /** Every request to a module or external engine and its reply, one JSON line each (`--protocol-log`). */
  protocolLog?: (line: string) => void;
}

export interface RunOutcome {
  summary: RunSummary;
  sim: Simulated;
  files: string[];
}

/**
 * Build summary.json's content from a finished simulation. The per-group sets are built when
 * read (`lazyGroupSets`), so 100,000 groups never hold all of them at once; with
 * `output.groups: none` there are none.
 */
export function buildSummary(scenario: Scenario, sim: SimulationResult): RunSummary {
  // results read one at a time (built as read, replicas.ts): never all of them at once
  const metrics = aggregateMetricSets(resultsOf(sim), scenario.duration, sim.fleet);
  // request-driven workloads and parked instances: the request metrics after the generic ones
  const requests = sim.requests;
  if (requests) Object.assign(metrics, requestMetricSet(requests, sim.requestsLatency!));
  const requestsOf = new Map((requests ?? []).map((r) => [r.name, r]));
  const names = scenario.output.groups === 'none' ? [] : sim.workloads.map((w) => w.name);
  // each group's set is built when written (summary-file.ts), so 100,000 groups are never all held
  const groups = lazyGroupSets(names, (i) => {
    const set = workloadMetricSet(sim.workloads[i]!.result);
    const r = requestsOf.get(names[i]!);
    return r ? Object.assign(set, groupRequestMetricSet(r)) : set;
  });
  return {
    scalelab: VERSION,
    scenario: scenarioSummary(scenario),
    metrics,
    groups,
    notes: [
      `serving capacity s(t) = vCPUs of running instances; demand d(t) in cores; SLO violation when d > ${scenario.slo.utilisation_target} × s`,
      `elasticity metrics θ, τ, υ in instances (demanded = ⌈d / (u × vCPUs)⌉, supplied = running), ε = 1 instance; υ on a ${scenario.metrics.elasticity_grid / 1e6} s grid, from the sign of the changes as in the paper`,
      flipFlopNote(scenario, sim.engine?.cooldown),
      'reaction times exclude episodes still open at the end',
      `${sim.engine?.sensorNote ?? `stats records every ${scenario.world.stats_interval / 1e6} s`}; workload metrics summed over ${sim.workloads.length} workloads (θ, τ, υ averaged)`,
      ...(requests ? [REQUESTS_NOTE] : []),
    ],
  };
}

/** Each workload's result, read when iterated (so built then, and garbage right after). */
function* resultsOf(sim: SimulationResult): Generator<WorkloadResult> {
  for (const w of sim.workloads) yield w.result;
}

/** summary.json's note on the request metrics (request-driven workloads, parked instances). */
const REQUESTS_NOTE =
  'requests: a fluid model per span (src/requests; docs/REQUESTS.md): a request-driven workload\'s load series is requests/s, its demand the offered rate × service_time × cpu_per_request, its CPU counters the CPU of the requests served; added latency = wait for a slot, a boot or a wake, beyond the service time; a cold start is a wait for nothing ready that no wake ended';

/**
 * How flip-flops were counted in this run: the window is measured from the end of the
 * engine's cooldown (docs/METRICS.md, "Flip-flops").
 *
 * @example flipFlopNote(s) // 'flip-flop: a reversal at most 600 s (cooldown) + 600 s (W) = 1200 s after the previous action; …'
 */
function flipFlopNote(scenario: Scenario, cooldownUs?: number): string {
  const cooldown = (cooldownUs ?? Number((scenario.engine.config as Record<string, unknown>)['cooldown_period'] ?? 0)) / 1e6;
  const w = scenario.metrics.flip_flop_window / 1e6;
  return `flip-flop: a scaling action opposite to the previous one at most ${cooldown} s (the engine's cooldown) + ${w} s (metrics.flip_flop_window) = ${cooldown + w} s after it; reversals count every opposite action, however far apart`;
}

/** Every file a run may write into its folder; files of these names not written by this run are removed after it. */
export const RUN_OUTPUTS: readonly string[] = ['summary.json', 'summary.md', 'report.html', 'timeseries.csv', 'events.jsonl'];

/**
 * Remove the outputs of an earlier run that this run did not write (events or timeseries
 * turned off), so the folder holds one run's outputs only. Only scalelab's own output names
 * (`RUN_OUTPUTS`), only regular files; anything else in the folder is left alone.
 *
 * @example removeStaleOutputs('reports/x', ['summary.json']) // removes reports/x/events.jsonl if there
 */
export function removeStaleOutputs(outDir: string, written: readonly string[]): void {
  for (const name of RUN_OUTPUTS) {
    if (written.includes(name)) continue;
    const file = path.join(outDir, name);
    try {
      if (fs.lstatSync(file).isFile()) fs.unlinkSync(file);
    } catch {
      // not there
    }
  }
}

/**
 * The files a run reads: the scenario, its traces, a module engine's file and the words of an
 * external engine's command that are files in its working directory (an output must not be one
 * of them).
 *
 * @example runInputs(s) // ['scenarios/x.yaml', '/abs/traces/a.csv', '/abs/scenarios/my_engine.py']
 */
export function runInputs(scenario: Scenario): string[] {
  const loads = [...scenario.workloads.map((w) => w.load), ...(scenario.cluster?.vms ?? []).map((v) => v.load)];
  const traces = loads.flatMap((l) => (l !== null && l.kind === 'trace' ? [l.trace.file] : []));
  return [scenario.file, ...traces, ...engineInputs(scenario.engine)];
}

/** A module engine's file; the words of an external command naming an existing file relative to `cwd`. */
function engineInputs(engine: Scenario['engine']): string[] {
  if (engine.kind === 'module' && engine.path) return [engine.path];
  if (engine.kind !== 'external' || !engine.command) return [];
  const cwd = engine.cwd ?? process.cwd();
  return engine.command.map((word) => path.resolve(cwd, word)).filter((file) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Simulate `scenario` and write all outputs under `opts.outDir`. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunOutcome> {
  // a module engine is imported before anything is written (a bad module: one line, exit 2)
  await prepareEngine(scenario);
  const outDir = opts.outDir;
  refuseInputAsOutput(RUN_OUTPUTS.map((f) => path.join(outDir, f)), runInputs(scenario), '--out');
  // the folders this call creates (real paths), removed again on failure; never one that existed
  const created = makeOutputDir(outDir, '--out');
  const writers: LineWriter[] = [];
  try {
    const events = scenario.output.events ? new LineWriter(path.join(outDir, 'events.jsonl')) : null;
    if (events) writers.push(events);
    const series = scenario.output.timeseries ? new LineWriter(path.join(outDir, 'timeseries.csv')) : null;
    if (series) {
      writers.push(series);
      series.line(TIMESERIES_HEADER);
    }
    const warn = opts.warn;
    const watch = warn ? new OutputSizeWatch(opts.maxOutputBytes ?? scenario.output.max_bytes, warn) : null;
    const sink = (w: LineWriter): ((l: string) => void) => {
      const line = (l: string) => w.line(l);
      return watch ? watch.counted(w.path, line) : line;
    };
    const userProgress = opts.progress;
    const progress = watch
      ? (f: number) => {
          watch.check(f);
          userProgress?.(f);
        }
      : userProgress;
    const sim = simulateScenario(scenario, {
      ...(events ? { event: sink(events) } : {}),
      ...(series ? { timeseries: sink(series) } : {}),
      ...(progress ? { progress } : {}),
      ...(warn ? { warn } : {}),
      ...(opts.protocolLog ? { protocolLog: opts.protocolLog } : {}),
    });
    watch?.check(1);
    const summary = sim.summary;
    const files: string[] = [];
    if (scenario.output.report) {
      await sim.writeReport(outDir);
      files.push('report.html', 'summary.md');
    }
    // written a piece at a time: the same bytes as JSON.stringify(summary, null, 2) (files/json.ts)
    writeSummaryFile(path.join(outDir, 'summary.json'), summary);
    files.push('summary.json');
    for (const w of writers) {
      w.commit();
      files.push(path.basename(w.path));
    }
    removeStaleOutputs(outDir, files);
    return { summary, sim, files };
  } catch (err) {
    for (const w of writers) w.abort();
    removeCreatedDirs(created);
    throw err;
  }
}
