import seedrandom from 'seedrandom';

/**
 * A random small Neon cluster for seed `seed`, an hour long, named `${prefix}-${seed}`: 2–4
 * nodes, both plugin models, request and migration failures, LFC metrics every fourth seed,
 * steady or zero initial load averages. Shared by test/neon-quiet.test.ts (the quiet fast path
 * against the plain loop) and test/external-neon.test.ts (the built-in agents against the same
 * agents outside the simulator).
 *
 * @example parseScenarioText(randomNeonCluster(3, 'neon-quiet'), 'quiet-3.yaml')
 */
export function randomNeonCluster(seed: number, prefix: string): string {
  const rng = seedrandom(`neon-quiet-cluster-${seed}`);
  const pick = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const nodes = pick(2, 4);
  const threads = [4, 8, 16][pick(0, 2)]!;
  const perNode = pick(2, 6);
  const maxCu = Math.min(threads * 4, pick(4, 16));
  const startCu = Math.max(1, Math.min(maxCu, Math.floor((threads * 4 * 0.8) / perNode)));
  const lfc = seed % 4 === 3;
  return `
name: ${prefix}-${seed}
seed: ${seed}
duration: 1h
engine: { name: neon, variant: ${seed % 2 === 0 ? 'faithful' : 'pressure-model'}${lfc ? ', config: { enableLFCMetrics: true }' : ''} }
cluster:
  load_step: ${[5, 30, 60][pick(0, 2)]}s
  host: { memory_overhead: 2GiB, initial_loadavg: ${seed % 3 === 0 ? 'steady' : 'zero'} }
  migration: { bandwidth_gbps: 8.59, setup: 1s, failure_probability: ${[0, 0.2][pick(0, 1)]} }
  neon: { neonvm_latency: ${pick(0, 5)}s, reconcile_delay: ${pick(0, 1000)}ms, plugin_latency: ${pick(0, 50)}ms, monitor_latency: ${pick(0, 20)}ms, failure_probability: { plugin: ${[0, 0.1][pick(0, 1)]}, neonvm: ${[0, 0.1][pick(0, 1)]}, monitor: ${[0, 0.1][pick(0, 1)]} } }
  members:
    - { name: n, count: ${nodes}, threads: ${threads}, memory: ${threads * 4 + 2}GiB }
  vms:
    - name: vm
      count: ${perNode * nodes}
      neon:
        min_cu: 1
        max_cu: ${maxCu}
        cu: ${startCu}
        memory: { base: { uniform: [0.3, ${(maxCu * 0.6).toFixed(2)}] }, ar1: { coefficient: 0.8, sigma: 0.2 } }${lfc ? `\n        lfc: { base: { uniform: [0.5, 4] }, ar1: { coefficient: 0.9, sigma: 0.3 } }` : ''}
      load:
        base: { uniform: [0.05, ${(maxCu * 0.25).toFixed(2)}] }
        ar1: { coefficient: 0.8, sigma: 0.1 }
        bursts: { rate_per_hour: 2, height: ${(rng() * 3).toFixed(2)}, duration: 5m }
output: { report: false, timeseries_step: 30s, chart_groups: 12 }
`;
}
