/**
 * Simulated time. The kernel counts integer microseconds (`Micros`); human durations such as
 * `20ms`, `10s`, `5m`, `2h`, `1d` or Incus's `6H` / `1d 6H` are parsed only at the edges.
 */

/** Integer microseconds since the start of a run (or a duration in microseconds). */
export type Micros = number;

export const MICROS_PER_MS = 1_000;
export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;
export const MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE;
export const MICROS_PER_DAY = 24 * MICROS_PER_HOUR;

/** Error raised for an unparseable duration; callers add the file and key. */
export class DurationError extends Error {}

const GENERIC_UNITS: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: MICROS_PER_MS,
  s: MICROS_PER_SECOND,
  m: MICROS_PER_MINUTE,
  min: MICROS_PER_MINUTE,
  h: MICROS_PER_HOUR,
  d: MICROS_PER_DAY,
  w: 7 * MICROS_PER_DAY,
};

/**
 * Incus units, case-sensitive as upstream writes them: `S` seconds, `M` minutes, `H` hours,
 * `d` days, `w` weeks, `m` months (30 days), `y` years (365 days).
 */
const INCUS_UNITS: Record<string, number> = {
  S: MICROS_PER_SECOND,
  M: MICROS_PER_MINUTE,
  H: MICROS_PER_HOUR,
  d: MICROS_PER_DAY,
  w: 7 * MICROS_PER_DAY,
  m: 30 * MICROS_PER_DAY,
  y: 365 * MICROS_PER_DAY,
};

const PART = /^(\d+(?:\.\d+)?)\s*([a-zA-Zµ]+)$/;

function parseParts(text: string, units: Record<string, number>, style: string): Micros {
  const trimmed = text.trim();
  if (trimmed === '') throw new DurationError(`empty duration`);
  let total = 0;
  for (const part of trimmed.split(/\s+/)) {
    const match = PART.exec(part);
    if (!match) throw new DurationError(`cannot read duration "${text}" (${style})`);
    const unit = units[match[2]!];
    if (unit === undefined) throw new DurationError(`unknown unit "${match[2]}" in duration "${text}" (${style})`);
    total += Number(match[1]) * unit;
  }
  const rounded = Math.round(total);
  if (!Number.isSafeInteger(rounded)) throw new DurationError(`duration "${text}" is too large`);
  return rounded;
}

/**
 * Parse a duration written the ordinary way into integer microseconds. Units: `us`, `ms`, `s`,
 * `m`/`min` (minutes), `h`, `d`, `w`; parts may be joined with spaces (`1h 30m`). A bare number
 * is taken as seconds. Incus style capitals (`6H`, `30M`, `10S`) are accepted too, so a value
 * copied from an Incus configuration reads the same; lower-case `m` here means minutes.
 *
 * @example parseDuration('20ms') // 20_000
 * @example parseDuration('1d 6H') // 108_000_000_000
 */
export function parseDuration(text: string | number): Micros {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new DurationError(`duration ${text} is not a finite number of seconds`);
    return Math.round(text * MICROS_PER_SECOND);
  }
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Math.round(Number(text) * MICROS_PER_SECOND) : parseParts(text, DURATION_UNITS, 'units us, ms, s, m, h, d, w');
  if (PARSED.size < PARSED_MAX) PARSED.set(text, value);
  return value;
}

/** Units of `parseDuration`: the generic ones and Incus's capitals. */
const DURATION_UNITS: Record<string, number> = { ...GENERIC_UNITS, S: MICROS_PER_SECOND, M: MICROS_PER_MINUTE, H: MICROS_PER_HOUR };

/**
 * Parse a duration with `parser` (default `parseDuration`), handing an unreadable one's
 * `DurationError` message to `fail`, which throws the caller's located error (file, key); any
 * other error is rethrown as is. The one place the edges turn a duration error into bad input.
 *
 * @example parseDurationAt('5 fortnights', (m) => reader.fail('cooldown', m)) // throws at key `cooldown`: unknown unit "fortnights" …
 * @example parseDurationAt('20ms', fail) // 20_000
 */
export function parseDurationAt<V extends string | number>(value: V, fail: (message: string) => never, parser: (v: V) => Micros = parseDuration): Micros {
  try {
    return parser(value);
  } catch (e) {
    if (e instanceof DurationError) fail(e.message);
    throw e;
  }
}

/**
 * Durations already read, by text: a scenario with `count: 100000` copies reads the same few
 * durations once per copy. Bounded, so odd inputs cannot grow it; errors are never kept.
 */
const PARSED = new Map<string, Micros>();
const PARSED_MAX = 4096;

/**
 * Parse a duration exactly as Incus reads `cluster.rebalance.cooldown`: one or more parts
 * `^(\d+)(S|M|H|d|w|m|y)$` joined by spaces, where `M` is minutes and `m` is months.
 *
 * @example parseIncusDuration('6H') // 21_600_000_000
 * @example parseIncusDuration('1m') // 30 days in microseconds
 */
export function parseIncusDuration(text: string): Micros {
  if (text.trim() === '') return 0; // GetExpiry: an empty expression is no time at all
  const values = new Map<string, number>();
  for (const part of text.trim().split(/\s+/)) {
    if (!/^\d+[SMHdwmy]$/.test(part)) throw new DurationError(`invalid Incus duration "${text}" (parts like 30S, 10M, 6H, 1d, 1w, 1m, 1y)`);
    values.set(part.slice(-1), Number(part.slice(0, -1))); // a unit given again replaces its value, as GetExpiry
  }
  let total = 0;
  for (const [unit, n] of values) total += n * INCUS_UNITS[unit]!;
  if (!Number.isSafeInteger(total)) throw new DurationError(`duration "${text}" is too large`);
  return total;
}

/**
 * Format microseconds as a short human duration, largest units first.
 *
 * @example formatDuration(90_000_000) // '1m 30s'
 */
export function formatDuration(us: Micros): string {
  if (us === 0) return '0s';
  const sign = us < 0 ? '-' : '';
  let rest = Math.abs(us);
  const parts: string[] = [];
  const units: Array<[string, number]> = [
    ['d', MICROS_PER_DAY],
    ['h', MICROS_PER_HOUR],
    ['m', MICROS_PER_MINUTE],
    ['s', MICROS_PER_SECOND],
    ['ms', MICROS_PER_MS],
    ['us', 1],
  ];
  for (const [name, size] of units) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      parts.push(`${n}${name}`);
      rest -= n * size;
    }
  }
  return sign + parts.join(' ');
}

/** Microseconds to (fractional) seconds, for reports. @example toSeconds(1_500_000) // 1.5 */
export function toSeconds(us: Micros): number {
  return us / MICROS_PER_SECOND;
}
