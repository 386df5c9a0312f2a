/**
 * Small field checks for the bridge's input lines: each names the line (`stdin:12`) and the key,
 * so a bad observation is one line of error (exit 2) and nothing is decided on it.
 */
import { InputError } from '../scenario/errors.js';

/** Where a value sits: the input line and the key path inside it. */
export interface At {
  readonly where: string;
  readonly key: string;
}

/** Fail at `at` with `message`. */
export function fail(at: At, message: string): never {
  throw new InputError(message, { file: at.where, key: at.key });
}

/** The same line, one key deeper. @example deeper({ where: 'stdin:3', key: 'cluster' }, 'vms').key // 'cluster.vms' */
export function deeper(at: At, key: string | number): At {
  return { where: at.where, key: typeof key === 'number' ? `${at.key}[${key}]` : at.key === '' ? key : `${at.key}.${key}` };
}

/** A JSON object (not an array, not null). @example object({a: 1}, at) // {a: 1} */
export function object(value: unknown, at: At): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(at, 'must be a JSON object');
  return value as Record<string, unknown>;
}

/** A string. @example text('web', at) // 'web' */
export function text(value: unknown, at: At): string {
  if (typeof value !== 'string') fail(at, 'must be a string');
  return value;
}

/** A boolean. @example flag(true, at) // true */
export function flag(value: unknown, at: At): boolean {
  if (typeof value !== 'boolean') fail(at, 'must be true or false');
  return value;
}

/** A finite number. @example num(0.5, at) // 0.5 */
export function num(value: unknown, at: At): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, 'must be a number');
  return value;
}

/** A safe integer in [min, max]. @example int(3, at, 0) // 3 */
export function int(value: unknown, at: At, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(at, 'must be a whole number');
  if (value < min || value > max) fail(at, `must be ${min} to ${max}, got ${value}`);
  return value;
}

/** One of a fixed set of strings. @example oneOf('placed', ['placed', 'no_capacity'], at) // 'placed' */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], at: At): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(at, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** An array whose items each pass `item`. @example list(['a'], at, text) // ['a'] */
export function list<T>(value: unknown, at: At, item: (v: unknown, at: At) => T): T[] {
  if (!Array.isArray(value)) fail(at, 'must be a list');
  return value.map((v, i) => item(v, deeper(at, i)));
}
