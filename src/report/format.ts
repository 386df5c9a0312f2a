/**
 * Text formatting shared by the HTML and Markdown reports: numbers at a fixed, sensible
 * precision, durations, configuration values, and escaping. All pure and locale-independent,
 * so the same input always gives the same bytes.
 */
import type { MetricSet } from './types.js';

/** Shown for a missing or undefined value. */
export const MISSING = '—';

/**
 * Formats a metric value: integers as they are; otherwise 1 decimal from 100 up, 2 decimals
 * from 1 up, 3 significant digits below 1. `null` and NaN give `—`.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return MISSING;
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Formats seconds as `1 d 6 h`, `1 h 30 min 15 s`, `45 s` (non-zero parts, largest first). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return formatNumber(seconds) + ' s';
  if (seconds < 60) return `${formatNumber(seconds)} s`;
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${name}`);
  }
  return parts.join(' ');
}

/** Formats a configuration value exactly: numbers and strings as written, objects as JSON. */
export function formatConfigValue(value: unknown): string {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Escapes text for a Markdown paragraph or table cell: one line, and no emphasis, code, links,
 * HTML or cell breaks. Underscores stay as they are (`time_under` is not emphasis in GFM).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/([\\`*[\]<>|])/g, '\\$1');
}

/**
 * Serialises JSON for a `<script type="application/json">` element: `<` is written as
 * `\u003c` so no `</script>` or `<!--` can end the element early.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A metric column of the per-group table. */
export interface MetricColumn {
  name: string;
  unit: string;
}

/** Metric names over the given sets, in order of first appearance, with the first unit seen. */
export function metricColumns(sets: readonly MetricSet[]): MetricColumn[] {
  const columns = new Map<string, string>();
  for (const set of sets) {
    for (const [name, metric] of Object.entries(set)) {
      if (!columns.has(name)) columns.set(name, metric.unit);
    }
  }
  return [...columns].map(([name, unit]) => ({ name, unit }));
}

/** The first `limit` groups, in summary order. */
export function firstGroups(groups: Record<string, MetricSet>, limit: number): [string, MetricSet][] {
  // only the sets shown are read: a summary's sets may be built as read (run/summary-file.ts)
  return Object.keys(groups)
    .slice(0, limit)
    .map((name) => [name, groups[name]!]);
}

/** Column header text, `name (unit)` or just `name` for dimensionless metrics. */
export function columnTitle(column: MetricColumn): string {
  return column.unit === '' ? column.name : `${column.name} (${column.unit})`;
}
