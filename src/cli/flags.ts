/** Parsers for command-line flag values; each refuses bad input with an InputError naming the flag. */
import { DurationError, parseDuration, type Micros } from '../kernel/time.js';
import { InputError } from '../scenario/errors.js';
import { MAX_SEED } from '../scenario/limits.js';

/**
 * A positive duration flag such as `--interval 10s`, in integer µs.
 *
 * @example durationFlag('10s', '--interval') // 10_000_000
 */
export function durationFlag(text: string, key: string): Micros {
  try {
    const value = parseDuration(text);
    if (!(value > 0)) throw new InputError(`must be positive, got "${text}"`, { key });
    return value;
  } catch (error) {
    if (error instanceof DurationError) throw new InputError(error.message, { key });
    throw error;
  }
}

/**
 * A whole-number flag (0 or more), such as `--seed 7`.
 *
 * @example wholeNumberFlag('7', '--seed') // 7
 */
export function wholeNumberFlag(text: string, key: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InputError(`expected a whole number, got "${text}"`, { key });
  return Number(text);
}

/**
 * A seed flag: a whole number from 0 to MAX_SEED (2^31 − 1).
 *
 * @example seedFlag('42', '--seed') // 42
 */
export function seedFlag(text: string, key: string): number {
  const value = wholeNumberFlag(text, key);
  if (value > MAX_SEED) throw new InputError(`must be at most ${MAX_SEED}, got ${text}`, { key });
  return value;
}
