/** The scenario part of summary.json, the same for every engine. */
import type { KeySpec } from '../engines/descriptor.js';
import { findEngine } from '../engines/registry.js';
import type { RunSummary } from '../report/types.js';
import type { Scenario } from '../scenario/types.js';

/**
 * Engine keys as summary.json shows them: durations (µs inside) become seconds under
 * `<key>_s`; everything else as loaded.
 *
 * @example inSeconds({ cooldown_period: 600_000_000 }, keys) // { cooldown_period_s: 600 }
 */
export function inSeconds(values: Record<string, unknown>, keys: readonly KeySpec[]): Record<string, unknown> {
  const durations = new Set(keys.filter((k) => k.type === 'duration' || k.type === 'incus-duration').map((k) => k.key));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (durations.has(k)) out[`${k}_s`] = (v as number) / 1e6;
    else out[k] = v;
  }
  return out;
}

/** Name, description, file, seed, duration and engine (config and options) of a run. */
export function scenarioSummary(scenario: Scenario): RunSummary['scenario'] {
  const engine = findEngine(scenario.engine.name);
  return {
    name: scenario.name,
    description: scenario.description,
    file: scenario.file,
    seed: scenario.seed,
    duration_s: scenario.duration / 1e6,
    engine: {
      name: scenario.engine.name,
      variant: scenario.engine.variant,
      config: inSeconds(scenario.engine.config, engine?.config ?? []),
      options: inSeconds(scenario.engine.options, engine?.options ?? []),
    },
  };
}
