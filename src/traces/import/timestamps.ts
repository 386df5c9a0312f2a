/**
 * Wall-clock timestamps as recordings write them → integer µs since the Unix epoch.
 */
import type { Micros } from '../../kernel/time.js';

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parse an RFC 3339 / ISO 8601 time (fraction to the µs; no zone = UTC) or Unix seconds
 * (a number or numeric string, fraction allowed). Returns NaN when it is neither.
 *
 * @example parseTimestamp('2026-06-01T10:00:00.5Z') // 1_780_308_000_500_000
 * @example parseTimestamp(1780308000.5) // 1_780_308_000_500_000
 */
export function parseTimestamp(value: unknown): Micros {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 1_000_000) : NaN;
  if (typeof value !== 'string') return NaN;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000_000);
  const match = RFC3339.exec(text);
  if (!match) return NaN;
  const zone = match[4] === undefined || match[4].toUpperCase() === 'Z' ? 'Z' : match[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const seconds = Date.parse(`${match[1]}T${match[2]}${zone}`);
  if (Number.isNaN(seconds)) return NaN;
  const fraction = match[3] === undefined ? 0 : Math.round(Number(`0.${match[3]}`) * 1_000_000);
  return seconds * 1_000 + fraction;
}

/** µs since the epoch as ISO 8601 (ms precision). @example isoTime(0) // '1970-01-01T00:00:00.000Z' */
export function isoTime(us: Micros): string {
  return new Date(Math.floor(us / 1_000)).toISOString();
}
