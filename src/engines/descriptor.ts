/**
 * What an engine tells the rest of scalelab about itself: its configuration keys (upstream
 * names, types, defaults, units), its variants and their option presets, and the semantic
 * checks no schema can express. The scenario loader validates `engine.config` and
 * `engine.options` against this; `scalelab engines` prints it.
 */
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
}
