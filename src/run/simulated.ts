/**
 * What simulating a scenario yields, whatever the engine (`Simulated`), the signature of a
 * runner, summary.json's content for the replica worlds (`buildSummary`) and the check that a
 * scenario has a runner at all (`simulateWith`). No engine is imported here: `scalelab run`
 * loads only its scenario's runner (src/run/load-runner.ts), the library's synchronous
 * `simulateScenario` (src/run/run.ts) all of them.
 */
import { aggregateMetricSets, workloadMetricSet, workloadMetricSetJson } from '../metrics/summary.js';
import { groupRequestMetricSet, requestMetricSet } from '../metrics/requests.js';
import type { RunSummary } from '../report/types.js';
import type { WorkloadResult } from '../metrics/workload.js';
import type { Scenario } from '../scenario/types.js';
import type { RunSinks, SimulationResult } from './albatross.js';
import { lazyGroupSets } from './summary-file.js';
import { VERSION } from '../version.js';
import { scenarioSummary } from './header.js';
import { InputError } from '../scenario/errors.js';

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
 * Simulate `scenario` with `runner` (its engine's, from `runnerFor` or `loadRunnerLookup`),
 * streaming to `sinks`; writes no files. Without a runner: the one-line bad-input error naming
 * `engine.name` (or `engine.kind` for a module or external engine of a dialect without one).
 *
 * @example simulateWith(scenario, runners.get('albatross'), {}).summary.metrics.scale_ups
 */
export function simulateWith(scenario: Scenario, runner: Runner | undefined, sinks: RunSinks = {}): Simulated {
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
 * Build summary.json's content from a finished simulation. The per-group sets are built when
 * read (`lazyGroupSets`), so 100,000 groups never hold all of them at once; with
 * `output.groups: none` there are none.
 */
export function buildSummary(scenario: Scenario, sim: SimulationResult): RunSummary {
  // results read one at a time, each built when read (metrics/workload.ts lazyResults): above
  // KEPT_RESULTS_UP_TO workloads never all of them at once
  const metrics = aggregateMetricSets(resultsOf(sim), scenario.duration, sim.fleet);
  // request-driven workloads and parked instances: the request metrics after the generic ones
  const requests = sim.requests;
  if (requests) Object.assign(metrics, requestMetricSet(requests, sim.requestsLatency!));
  const requestsOf = new Map((requests ?? []).map((r) => [r.name, r]));
  const names = scenario.output.groups === 'none' ? [] : sim.workloads.map((w) => w.name);
  // each group's set is built when written (summary-file.ts), so 100,000 groups are never all held
  // summary.json takes a group's text straight from its numbers (no set built) unless it has request metrics
  const groups = lazyGroupSets(
    names,
    (i) => {
      const set = workloadMetricSet(sim.workloads[i]!.result);
      const r = requestsOf.get(names[i]!);
      return r ? Object.assign(set, groupRequestMetricSet(r)) : set;
    },
    (i, indent) => (requestsOf.has(names[i]!) ? undefined : workloadMetricSetJson(sim.workloads[i]!.result, indent)),
  );
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

/** Each workload's result, read when iterated (built then; kept for summary.json's second read only up to KEPT_RESULTS_UP_TO workloads). */
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

