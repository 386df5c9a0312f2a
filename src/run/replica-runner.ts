/**
 * The runner of a replica autoscaler: the horizontal world (src/run/replicas.ts) with the
 * engine's plug-in.
 */
import { simulateReplicas } from './replicas.js';
import type { ReplicaEngine } from '../world/replicas/engine.js';
import { buildSummary, type Runner } from './simulated.js';

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

