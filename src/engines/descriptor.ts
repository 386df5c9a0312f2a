/**
 * What an engine tells the rest of scalelab about itself: its configuration keys (upstream
 * names, types, defaults, units), its variants and their option presets, and the semantic
 * checks no schema can express. The scenario loader validates `engine.config` and
 * `engine.options` against this; `scalelab engines` prints it.
 */
import type { WorkloadSpec } from '../scenario/types.js';

export type KeyType = 'duration' | 'integer' | 'number' | 'boolean' | 'enum' | 'incus-duration';

export interface KeySpec {
  key: string;
  type: KeyType;
  /** Default as written in a scenario (durations as strings such as '600s'). */
  default: string | number | boolean;
  /** Unit of the value after loading, for docs: 'µs', '%', 'ticks' … */
  unit: string;
  doc: string;
  /** For type 'enum'. */
  values?: readonly string[];
  /** Inclusive bounds for numbers and integers (after loading; durations in µs). */
  min?: number;
  max?: number;
}

export interface VariantSpec {
  name: string;
  doc: string;
  /** Option values this variant stands for; a scenario may override any of them. */
  options: Record<string, string | number | boolean>;
}

export interface ConfigProblem {
  key: string;
  message: string;
}

/**
 * A configuration key whose value is structured (a list of metrics, behavior policies, step
 * lists): the schema accepts any value there (`expect` says what), and the descriptor's
 * `resolveConfig` reads and checks it.
 */
export interface StructuredKeySpec {
  key: string;
  doc: string;
  /** What the value must be, for the schema's message and `scalelab engines` ("a list of metrics"). */
  expect: string;
  /** Whether the value is a mapping or a list. */
  shape: 'mapping' | 'list';
}

/** Where a structured configuration is being read (for `EngineDescriptor.resolveConfig`). */
export interface ConfigWhere {
  /** The scenario file. */
  readonly file: string;
  /**
   * Fail at a key under `engine.config` (e.g. `['behavior', 'scaleUp', 'policies', 0,
   * 'periodSeconds']`): one line `file:line: engine.config.behavior…: message`, exit 2.
   */
  fail(path: readonly (string | number)[], message: string): never;
}

export interface EngineDescriptor {
  name: string;
  summary: string;
  /** Upstream configuration keys. */
  config: readonly KeySpec[];
  /** Named behaviour options (each a deviation from the faithful variant). */
  options: readonly KeySpec[];
  variants: readonly VariantSpec[];
  /** Checks across keys (e.g. down threshold above up threshold), after types are known good. */
  check(config: Record<string, unknown>): ConfigProblem[];
  /** Structured configuration keys (read by `resolveConfig`), beside the scalar `config` keys. */
  structured?: readonly StructuredKeySpec[];
  /**
   * The configuration the engine runs with, from the scalar keys already resolved (defaults
   * filled, durations in µs, `check` passed), the options, and the structured keys as written
   * (absent when not written). Must return plain JSON data (summary.json shows it) and fail
   * through `where.fail` naming the key. Without it the scalar keys are the configuration.
   *
   * @example resolveConfig({ maxReplicas: 4 }, { version: '1.35' }, { behavior: { scaleUp: { selectPolicy: 'Most' } } }, where)
   * // fails: scenario.yaml:12: engine.config.behavior.scaleUp.selectPolicy: must be one of Max, Min, Disabled
   */
  resolveConfig?(resolved: Record<string, unknown>, options: Record<string, unknown>, structured: Record<string, unknown>, where: ConfigWhere): Record<string, unknown>;
  /**
   * Checks of the resolved configuration against the resolved workloads, once both are known
   * (HPA: request metrics need request-driven workloads). Fail through `fail` with a key path
   * from the scenario's root: one line with the file and line, exit 2.
   *
   * @example checkWorkloads(config, workloads, fail) // fails: s.yaml:14: engine.config.metrics[0].pods.metric.name: …
   */
  checkWorkloads?(config: Record<string, unknown>, workloads: readonly WorkloadSpec[], fail: (path: readonly (string | number)[], message: string) => never): void;
}
