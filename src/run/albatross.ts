/**
 * One simulated run of the Albatross clone autoscaler: the horizontal world (`replicas.ts`)
 * with the Albatross plug-in (`src/engines/albatross/plugin.ts`).
 */
import { albatrossEngine } from '../engines/albatross/plugin.js';
import type { Scenario } from '../scenario/types.js';
import { simulateReplicas, type RunSinks, type SimulationResult } from './replicas.js';

export { TIMESERIES_HEADER, type RunSinks, type SimulationResult } from './replicas.js';

/** Run an Albatross scenario to its end and return what the metrics and report need. */
export function simulateAlbatross(scenario: Scenario, sinks: RunSinks = {}): SimulationResult {
  return simulateReplicas(scenario, albatrossEngine.bind(scenario), sinks);
}
