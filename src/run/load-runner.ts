/**
 * The runner of one scenario, imported when asked for: `scalelab run` loads the world and the
 * engine of its scenario only (a built-in Albatross run does not load Incus, Neon, HPA,
 * Unikraft Cloud or the external-engine transport with its child processes and worker threads).
 * Start-up of a short run is a target of `npm run bench` (`pb1-10s`).
 *
 * `BUILTIN_RUNNERS` lists the same engines as the synchronous `runners` map of src/run/run.ts (a
 * test checks it).
 */
import type { Scenario } from '../scenario/types.js';
import type { Runner } from './simulated.js';

/** Built-in runners by engine name, each imported on first use. */
export const BUILTIN_RUNNERS: Readonly<Record<string, () => Promise<Runner>>> = {
  albatross: async () => (await import('./replica-runner.js')).replicaRunner((await import('../engines/albatross/plugin.js')).albatrossEngine),
  kraftcloud: async () => (await import('./replica-runner.js')).replicaRunner((await import('../engines/kraftcloud/world.js')).kraftcloudEngine),
  hpa: async () => (await import('./replica-runner.js')).replicaRunner((await import('../engines/hpa/plugin.js')).hpaEngine),
  incus: async () => (await import('./incus.js')).runIncus,
  neon: async () => (await import('./neon.js')).runNeon,
};

/**
 * Import what `scenario`'s runner needs and return the lookup that finds it (the same runner
 * `runnerFor` of src/run/run.ts finds; undefined when there is none). Nothing is looked up or
 * reported here, so a scenario without a runner fails where it always did.
 *
 * @example (await loadRunnerLookup(scenario))(scenario) // the albatross runner for PB1
 */
export async function loadRunnerLookup(scenario: Scenario): Promise<(scenario: Scenario) => Runner | undefined> {
  const kind = scenario.engine.kind;
  if (kind === undefined || kind === 'builtin') {
    const load = Object.hasOwn(BUILTIN_RUNNERS, scenario.engine.name) ? BUILTIN_RUNNERS[scenario.engine.name] : undefined;
    const runner = load ? await load() : undefined;
    return () => runner;
  }
  const [{ loggedRunnerFor }, { externalRunnerFor }] = await Promise.all([import('../bridge/protocol-log.js'), import('../engines/external/runners.js')]);
  return (s) => loggedRunnerFor(s) ?? externalRunnerFor(s);
}
