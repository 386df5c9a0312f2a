/**
 * What the resolve steps share: the scenario file, the seed and a way to fail at a key path,
 * plus the parsers that turn written values into Micros and bytes with located errors.
 */
import { formatDuration, parseDuration, parseDurationAt, type Micros } from '../kernel/time.js';
import { InputError } from './errors.js';
import type { KeyPath } from './paths.js';
import type { RawDuration, RawSize } from './raw.js';
import { parseSize } from './sizes.js';

export interface ResolveContext {
  /** The scenario file, as given (trace paths are relative to its directory). */
  file: string;
  /** The run's seed (for per-copy draws). */
  seed: number;
  /** Throw an `InputError` located at `path`. */
  fail(path: KeyPath, message: string): never;
  /** Trace files may lie outside the scenario's folder and the working directory (`--allow-outside`). */
  allowOutside?: boolean;
}

/** Which durations a key accepts. */
export type DurationRule = 'positive' | 'non-negative';

/** A written value, quoted as the user wrote it. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Parse a duration with `parser` (default `parseDuration`), failing at `path` when it cannot be
 * read or breaks `rule`.
 */
export function micros(ctx: ResolveContext, value: RawDuration, path: KeyPath, rule: DurationRule, parser: (v: RawDuration) => Micros = parseDuration): Micros {
  const us = parseDurationAt(value, (m) => ctx.fail(path, m), parser);
  if (rule === 'positive' && us <= 0) ctx.fail(path, `must be a duration longer than 0, got ${show(value)}`);
  if (rule === 'non-negative' && us < 0) ctx.fail(path, `must not be negative, got ${show(value)}`);
  return us;
}

/** Parse a size into bytes, failing at `path` unless it is a readable size above 0. */
export function bytes(ctx: ResolveContext, value: RawSize, path: KeyPath): number {
  let n: number;
  try {
    n = parseSize(value);
  } catch (err) {
    if (err instanceof InputError) ctx.fail(path, err.detail);
    throw err;
  }
  if (n <= 0) ctx.fail(path, `must be larger than 0 bytes, got ${show(value)}`);
  return n;
}

/** `value` must be a whole multiple (≥ 1) of `step`; both in µs. */
export function multipleOf(ctx: ResolveContext, value: Micros, step: Micros, path: KeyPath, stepName: string): Micros {
  if (value <= 0 || value % step !== 0) {
    ctx.fail(path, `must be a positive multiple of ${stepName} (${formatDuration(step)}), got ${formatDuration(value)}`);
  }
  return value;
}
