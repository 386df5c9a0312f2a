/**
 * Running scenarios: `simulateScenario` (synchronous, every engine's runner imported here, for
 * the library, sweeps, `check` and `compare`), `traceCoverage`, and — re-exported — `runScenario`
 * (src/run/write-run.ts: simulate and write the outputs; it imports only the runner it needs).
 */
import type { Scenario } from '../scenario/types.js';
import type { RunSinks } from './albatross.js';
import { albatrossEngine } from '../engines/albatross/plugin.js';
import { kraftcloudEngine } from '../engines/kraftcloud/world.js';
import { hpaEngine } from '../engines/hpa/plugin.js';
import { runIncus } from './incus.js';
import { runNeon } from './neon.js';
import { buildLoadSources } from '../load/index.js';
import { externalRunnerFor } from '../engines/external/runners.js';
import { loggedRunnerFor } from '../bridge/protocol-log.js';
import { simulateWith, type Runner, type Simulated } from './simulated.js';
import { replicaRunner } from './replica-runner.js';

export { buildSummary, simulateWith, type Runner, type Simulated } from './simulated.js';
export { replicaRunner } from './replica-runner.js';
export { runScenario, removeStaleOutputs, runInputs, RUN_OUTPUTS, type RunOptions, type RunOutcome } from './write-run.js';

/**
 * Runners by engine name; each engine's world registers here (replica autoscalers with
 * `replicaRunner`) and in `BUILTIN_RUNNERS` of src/run/load-runner.ts (the same runners,
 * imported when asked for; a test checks both list the same engines).
 */
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
  return simulateWith(scenario, runnerFor(scenario), sinks);
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

