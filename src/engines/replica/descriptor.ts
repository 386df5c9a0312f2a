/**
 * The generic `replica` dialect: a horizontal autoscaler written by the user, run as a module
 * (`engine: { kind: module, path }`) or as a child process (`kind: external, command`). It has
 * no built-in core. Its configuration is what the user's engine reads from `hello.config`:
 * `period` (the cadence of the first wake-up, a convention for the engine) and `params` (any
 * mapping, passed through as written). docs/engines/replica.md is the user's page.
 */
import type { EngineDescriptor } from '../descriptor.js';

/** The dialect's name, also `engine.name`'s default for module and external kinds. */
export const REPLICA_DIALECT = 'replica';

export const replicaDescriptor: EngineDescriptor = {
  name: REPLICA_DIALECT,
  summary: 'your own horizontal autoscaler (kind: module or external; no built-in core): observes each group\'s instances, answers with spawn/destroy/standby/wake commands',
  config: [{ key: 'period', type: 'duration', default: '10s', unit: 'µs', doc: 'when each group is first observed, unless the engine\'s init reply gives a wakeAt (hello.config.period, µs); later wake-ups are the engine\'s', min: 1 }],
  options: [],
  variants: [{ name: 'generic', doc: 'the engine named by engine.path or engine.command decides; scalelab only observes and carries out', options: {} }],
  structured: [{ key: 'params', doc: 'anything your engine reads (thresholds, targets …), passed as written in hello.config.params', expect: 'a mapping (your engine\'s own parameters)', shape: 'mapping' }],
  check: () => [],
  resolveConfig(resolved, _options, structured) {
    // JSON round trip: a plain copy of what YAML gave (summary.json and hello carry it as is)
    return { ...resolved, params: JSON.parse(JSON.stringify(structured['params'] ?? {})) as unknown };
  },
};
