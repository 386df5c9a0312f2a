/**
 * The runners of scenarios whose engine is not built in (`engine.kind: module | external`), by
 * dialect (`engine.name`): each opens the session with the dialect's hello, runs the dialect's
 * world with the decisions asked of the session, and closes the session on every path (after a
 * failure, a failure to close does not hide the run's own error). `src/run/run.ts:runnerFor`
 * picks from this table for the non-builtin kinds.
 *
 * The horizontal dialects (albatross, hpa, kraftcloud, replica) share one runner: the replica
 * world with the generic external plug-in (replica.ts). The rebalancing (incus) and vertical
 * (neon) dialects bring theirs (`runIncusExternal` in incus.ts, `runNeonExternal` in neon.ts).
 */
import type { RunSinks } from '../../run/albatross.js';
import type { Runner, Simulated } from '../../run/simulated.js';
import { buildSummary } from '../../run/simulated.js';
import { simulateReplicas } from '../../run/replicas.js';
import type { Scenario } from '../../scenario/types.js';
import { openSession, withSession, type SessionOpener } from './open.js';
import { bindExternalReplica, replicaHello, type ReplicaDialect } from './replica.js';
import { runIncusExternal } from './incus.js';
import { neonHello, runNeonExternal } from './neon.js';

export type { SessionOpener };

/** A runner of one dialect for engines that are not built in. */
export type ExternalRunner = (scenario: Scenario, sinks: RunSinks, open?: SessionOpener) => Simulated;

/**
 * The runner of a horizontal dialect: the replica world, each decision asked of the session.
 *
 * @example externalReplicaRunner('albatross')(scenario, sinks) // the same outputs as the built-in runner, given the same decisions
 */
export function externalReplicaRunner(dialect: ReplicaDialect): ExternalRunner {
  return (scenario, sinks, open = openSession) =>
    withSession(scenario, replicaHello(scenario, dialect), open, (session) => {
      const sim = simulateReplicas(scenario, bindExternalReplica(scenario, dialect, session), sinks);
      const summary = buildSummary(scenario, sim);
      return { summary, writeReport: async (outDir: string) => (await import('../../report/render.js')).writeReport(outDir, summary, sim.chart), counts: sim.counts };
    });
}

/**
 * The incus runner: the rebalancing world (src/run/incus.ts) with `runIncusExternal`, which opens
 * the session with its own hello (`incusHello`) through `open` and closes it on every path.
 */
const incusRunner: ExternalRunner = (scenario, sinks, open = openSession) => runIncusExternal(scenario, sinks, (hello) => open(scenario, hello));

/** The neon runner: the vertical world (src/run/neon.ts) with `runNeonExternal`, in a session opened with `neonHello`. */
const neonRunner: ExternalRunner = (scenario, sinks, open = openSession) => withSession(scenario, neonHello(scenario), open, (session) => runNeonExternal(scenario, sinks, session));

/** Runners by dialect for `kind: module | external`. */
export const externalRunners: ReadonlyMap<string, ExternalRunner> = new Map<string, ExternalRunner>([
  ['albatross', externalReplicaRunner('albatross')],
  ['hpa', externalReplicaRunner('hpa')],
  ['kraftcloud', externalReplicaRunner('kraftcloud')],
  ['replica', externalReplicaRunner('replica')],
  ['incus', incusRunner],
  ['neon', neonRunner],
]);

/**
 * The runner for `scenario` when its engine is not built in; undefined for a dialect without an
 * external path.
 */
export function externalRunnerFor(scenario: Scenario): Runner | undefined {
  const runner = externalRunners.get(scenario.engine.name);
  return runner === undefined ? undefined : (s, sinks) => runner(s, sinks);
}
