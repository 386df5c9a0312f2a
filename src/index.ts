/**
 * scalelab as a library (`import { loadScenario, simulate, compare } from 'scalelab'`): the same
 * scenario loader, simulation and metric comparison the command line uses, plus the pure engine
 * cores. Everything is synchronous except `runScenario` (which renders the report). Bad input
 * throws `InputError` (its `message` is the one line the CLI would print). Guide: docs/API.md.
 *
 * @example
 * import { loadScenario, simulate, compare } from 'scalelab';
 * const shipped = simulate(loadScenario('scenarios/albatross-quirk-faithful.yaml'));
 * const fixed = simulate(loadScenario('scenarios/albatross-quirk-faithful.yaml', { sets: ['engine.variant=corrected'] }));
 * for (const row of compare(shipped, fixed)) if (row.verdict !== 'ok') console.log(row.metric, row.baseline, '→', row.now, row.verdict);
 */
import { simulateScenario, type Simulated } from './run/run.js';
import type { RunSinks } from './run/albatross.js';
import type { MetricSet, RunSummary } from './report/types.js';
import type { Scenario } from './scenario/types.js';
import { compare as compareWithBaseline, DEFAULT_TOLERANCE, updatedBaseline, type CheckRow, type Tolerance } from './workbench/check.js';

export { loadScenario, parseScenarioText, type LoadOptions } from './scenario/load.js';
export type { Scenario } from './scenario/types.js';
export { runScenario, type RunOptions, type RunOutcome } from './run/run.js';
export type { RunSinks } from './run/albatross.js';
export type { Metric, MetricSet, RunSummary } from './report/types.js';
export type { CheckRow, Tolerance, Verdict, Better } from './workbench/check.js';
export { InputError, type InputLocation } from './scenario/errors.js';
export { parseDuration, formatDuration, type Micros } from './kernel/time.js';
export { importTrace, type ImportRequest, type ImportSummary } from './traces/import/index.js';
export type { ImportOptions } from './traces/import/types.js';
export { engines, findEngine } from './engines/registry.js';
export type { EngineDescriptor } from './engines/descriptor.js';
/** The Albatross/mollymawk autoscaler's pure decision core (`onStats`, `initialGroup`, …). */
export * as albatross from './engines/albatross/engine.js';
/** The Incus cluster rebalancer's pure decision core (`onTick`, `initialState`, `wakeAt`, …). */
export * as incus from './engines/incus/engine.js';
/**
 * The request model of request-driven workloads (`requests:`; docs/REQUESTS.md): a service's
 * requests as a fluid over spans of constant arrival rate and ready instances (`createFlow`,
 * `advance`, `inFlight`, `servedRate`, `cpuDemandCores`, …), the added-latency histogram and
 * metrics (`requestMetrics`, `addedLatency`), the `requests:` block parser (`parseRequestsSpec`)
 * and the exact per-request simulation the fluid is checked against (`simulateExact`).
 *
 * @example
 * import { requests } from 'scalelab';
 * const flow = requests.createFlow({ serviceTime: 50_000, concurrency: 4, queueLimit: 1000 });
 * requests.advance(flow, 0, 1_000_000, 100, 2); // 100 requests/s for 1 s on 2 ready instances
 * requests.inFlight(flow); // 5 = 100/s × 0.05 s (Little's law; 8 slots, nobody waits)
 */
export * as requests from './requests/index.js';
export { VERSION } from './version.js';
/**
 * Engines that are not built in (docs/PROTOCOL.md, docs/API.md): the protocol's message types
 * (`protocol.HelloRequest`, `protocol.Request`, `protocol.StepReply`, …), the typed helpers that
 * turn pure functions into a module engine, and `prepareEngine`, which imports a scenario's module
 * engine (`engine: { kind: module, path }`). Await it before `simulate` for such a scenario.
 *
 * @example
 * import { defineReplicaEngine } from 'scalelab';
 * export default defineReplicaEngine({
 *   init: (group, instances, now) => ({ state: null, wakeAt: now + 10_000_000 }),
 *   observe: (state, req, now) => ({ state, actions: [], wakeAt: now + 10_000_000 }),
 * });
 */
export type * as protocol from './engines/external/protocol.js';
export { PROTOCOL, SHAPE, latestSharedVersion } from './engines/external/protocol.js';
export {
  defineReplicaEngine,
  defineRebalancingEngine,
  defineVerticalEngine,
  serveHello,
  serveMessage,
  type ModuleEngine,
  type ModuleHandler,
  type Sent,
  type SentBatch,
  type StepOf,
  type Report,
  type InitialInstance,
  type ObserveRequest,
  type ReplicaEngineSpec,
  type RebalancingEngineSpec,
  type VerticalEngineSpec,
  type VmInit,
} from './engines/external/api.js';
export { prepareEngine, provideModuleEngine } from './engines/external/module.js';
export { EngineProtocolError } from './engines/external/errors.js';
export type { EngineSession } from './engines/external/session.js';

/** What `simulate` returns. */
export interface SimulationOutcome {
  /** Everything `summary.json` holds: scenario, run-level `metrics`, per-group `groups`. */
  summary: RunSummary;
  counts: Simulated['counts'];
}

/**
 * Simulate a loaded scenario in memory and return its summary; writes nothing. `sinks` receive
 * the lines of events.jsonl and timeseries.csv as they are produced, if you want them. For a
 * module engine (`engine: { kind: module, path }`), `await prepareEngine(scenario)` first.
 *
 * @example simulate(loadScenario('scenarios/albatross-default.yaml')).summary.metrics['scale_ups']!.value // 158
 */
export function simulate(scenario: Scenario, sinks: RunSinks = {}): SimulationOutcome {
  const sim = simulateScenario(scenario, sinks);
  return { summary: sim.summary, counts: sim.counts };
}

/** Options of `compare`. */
export interface CompareOptions {
  /** How far a metric may move and still be `ok`: the larger of the bounds. Default `{ relative: 0.02 }`. */
  tolerance?: Tolerance;
}

/**
 * Compare two runs metric by metric, with the rules of `scalelab check` (docs/WORKBENCH.md):
 * `before` plays the baseline. A change within the tolerance is `ok`; beyond it, a metric where
 * lower is better (cost, SLO violation, flip-flops, reaction times …) is `improved` or a
 * `regression`, and any other metric is `changed`. Metrics only `after` has are `new`, those only
 * `before` has are `missing`. Accepts summaries (from `simulate` or summary.json) or metric sets.
 *
 * @example compare(a, b).filter((r) => r.verdict === 'regression').map((r) => r.metric)
 */
export function compare(before: SimulationOutcome | RunSummary | MetricSet, after: SimulationOutcome | RunSummary | MetricSet, options: CompareOptions = {}): CheckRow[] {
  const baseline = updatedBaseline(null, { scenario: '', seed: 0, sets: [] }, metricsOf(before));
  baseline.default_tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  return compareWithBaseline(baseline, metricsOf(after));
}

function metricsOf(run: SimulationOutcome | RunSummary | MetricSet): MetricSet {
  if ('summary' in run && isSummary(run.summary)) return run.summary.metrics;
  if (isSummary(run)) return run.metrics;
  return run as MetricSet;
}

function isSummary(value: unknown): value is RunSummary {
  return typeof value === 'object' && value !== null && 'metrics' in value && 'scenario' in value && typeof (value as RunSummary).metrics === 'object';
}
