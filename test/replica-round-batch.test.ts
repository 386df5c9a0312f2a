/**
 * The round sensor's batch entry (`RoundSensor.roundBatch`, src/world/replicas/engine.ts) must
 * change nothing: the world decides the groups without a reading this round in one plug-in call
 * and carries out their steps afterwards, in group order, instead of sampling and deciding each
 * group itself. Each run below is made twice, with Albatross's plug-in as it is and with the same
 * plug-in stripped of `roundBatch` (so every group goes through `sample` + `decide` one by one,
 * as before the batch existed), and everything the run produces is compared: every events.jsonl
 * line, every timeseries.csv row, each workload's metrics, the fleet, the chart data, the counts.
 *
 * Albatross's batch also keeps, per group found steady, the state and the world's instance
 * counter (`changes`) of that round, and while both are unchanged decides by the loads alone
 * (src/engines/albatross/plugin.ts) — so these comparisons check that reuse against `steadyRound`
 * and the core as well (test/albatross-steady.test.ts checks `steadyRound` against the core).
 *
 * The scenarios are chosen so the batch meets what can differ: spawns refused for want of room
 * and boot failures (steps carried out after the batch decided), measurement noise (its draws in
 * group order), silence-is-death rounds without records, the faithful evaluation (the core, not
 * the fast path), charts on a few groups with no time series (those go one by one, the rest in a
 * batch in the same round), and time series every round (no batch at all).
 */
import { describe, expect, it } from 'vitest';
import { albatrossEngine } from '../src/engines/albatross/plugin.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { loadScenario } from '../src/scenario/load.js';
import type { ReplicaPlugin, RoundSensor } from '../src/world/replicas/engine.js';

/** Everything a run produces, as comparable data. */
function runAll(file: string, sets: string[], batch: boolean) {
  const scenario = loadScenario(`scenarios/${file}.yaml`, { sets });
  const plugin = albatrossEngine.bind(scenario) as ReplicaPlugin<unknown>;
  const sensor = plugin.sensor as RoundSensor<unknown>;
  expect(sensor.roundBatch).toBeTypeOf('function');
  const used: ReplicaPlugin<unknown> = batch ? plugin : { ...plugin, sensor: { kind: 'round', sample: sensor.sample, decide: sensor.decide } };
  const events: string[] = [];
  const rows: string[] = [];
  const sim = simulateReplicas(scenario, used, { event: (l) => events.push(l), ...(scenario.output.timeseries ? { timeseries: (l: string) => rows.push(l) } : {}) });
  return { events, rows, workloads: JSON.stringify(sim.workloads), fleet: JSON.stringify(sim.fleet), chart: JSON.stringify(sim.chart), counts: sim.counts };
}

const CASES: ReadonlyArray<[string, string[]]> = [
  ['albatross-default', ['output.timeseries=false', 'engine.variant=corrected', 'world.hosts=[{name: h, threads: 6, memory: 4GiB}]', 'world.boot.failure_probability=0.3', 'world.measurement_noise=0.2']],
  ['albatross-default', ['output.timeseries=false', 'output.chart_groups=1', 'engine.options.silence_is_death=true', 'engine.options.require_primary_record=true', 'engine.options.exclude_booting=true']],
  ['albatross-quirk-faithful', ['output.timeseries=false', 'output.report=false']],
  ['albatross-replay', []],
  ['bench-pb1', ['duration=2h', 'workloads.0.count=50', 'world.hosts.0.count=2', 'world.measurement_noise=0.1']],
];

describe('round sensor batch entry', () => {
  for (const [file, sets] of CASES) {
    it(`${file} ${sets.join(' ')}: the same run with and without roundBatch`, () => {
      const batched = runAll(file, sets, true);
      const oneByOne = runAll(file, sets, false);
      expect(batched.counts.records).toBeGreaterThan(0);
      expect(batched.events.length).toBeGreaterThan(0);
      expect(batched).toEqual(oneByOne);
    });
  }
});
