/**
 * How the reports lay out metric tables: which metrics apply to an engine (a row that cannot
 * apply — migrations in an autoscaler that never migrates — is left out of the tables;
 * summary.json keeps every key), what each one means, and how a per-group table with thirty
 * metric columns is split into a few tables, one per family, that each fit a screen.
 */
import { CLUSTER_METRIC_DOCS } from '../metrics/cluster.js';
import { METRIC_DOCS } from '../metrics/summary.js';
import type { MetricColumn } from './format.js';
import type { MetricSet } from './types.js';

/** Metrics an engine can never produce, by engine name: not shown in its report tables. */
// A replica autoscaler (the horizontal world) adds and removes instances: it never migrates, resizes or ping-pongs.
const REPLICA_NOT_APPLICABLE: readonly string[] = ['migrations', 'migrations_failed', 'migration_seconds', 'resizes', 'ping_pongs', 'ping_pong_rate'];
export const NOT_APPLICABLE: Readonly<Record<string, readonly string[]>> = {
  albatross: REPLICA_NOT_APPLICABLE,
  hpa: REPLICA_NOT_APPLICABLE,
  kraftcloud: REPLICA_NOT_APPLICABLE,
};

/** Metric families, in table order; a metric not named here goes to "Other". */
export const METRIC_FAMILIES: readonly { title: string; names: readonly string[] }[] = [
  { title: 'Cost', names: ['instance_seconds', 'vcpu_seconds', 'gib_seconds', 'mean_instances', 'max_instances'] },
  { title: 'Scaling and faults', names: ['scale_ups', 'scale_downs', 'clones_spawned', 'clones_destroyed', 'boot_failures', 'spawn_failures', 'orphaned_instances'] },
  { title: 'Service', names: ['slo_violation_seconds', 'slo_violation_percent', 'unserved_core_seconds', 'reaction_episodes', 'reaction_episodes_open'] },
  { title: 'Reaction time', names: ['reaction_time_mean', 'reaction_time_p50', 'reaction_time_p95', 'reaction_time_max'] },
  { title: 'Stability', names: ['flip_flops', 'flip_flop_rate', 'reversals', 'reversal_rate', 'ping_pongs', 'ping_pong_rate'] },
  { title: 'Elasticity', names: ['theta_u', 'theta_o', 'tau_u', 'tau_o', 'upsilon'] },
  { title: 'Migrations', names: ['migrations', 'migrations_failed', 'migration_seconds', 'resizes'] },
];

/** Most metric columns in one table of the split per-group tables. */
export const MAX_TABLE_COLUMNS = 8;

/**
 * Whether `metric` can apply to `engine`.
 *
 * @example applies('albatross', 'migrations') // false
 */
export function applies(engine: string, metric: string): boolean {
  return !(NOT_APPLICABLE[engine]?.includes(metric) ?? false);
}

/**
 * The metrics of `set` that can apply to `engine`, in order.
 *
 * @example applicableEntries('albatross', summary.metrics).map(([name]) => name) // no 'migrations'
 */
export function applicableEntries(engine: string, set: MetricSet): [string, MetricSet[string]][] {
  return Object.entries(set).filter(([name]) => applies(engine, name));
}

/**
 * What a metric means, in one line ('' when unknown). Cluster metrics named `…_mean_<arch>`
 * or `…_max_<arch>` share their base metric's text.
 *
 * @example meaningOf('flip_flops') // 'Scaling actions opposite to the previous one …'
 */
export function meaningOf(metric: string): string {
  return METRIC_DOCS[metric] ?? CLUSTER_METRIC_DOCS[metric] ?? CLUSTER_METRIC_DOCS[metric.replace(/_(mean|max)_.+$/, '_$1')] ?? '';
}

/**
 * Splits metric columns into tables that fit a screen: one per family (see
 * {@link METRIC_FAMILIES}) holding any of the columns, then the rest in chunks of
 * {@link MAX_TABLE_COLUMNS}; a family wider than that is chunked too.
 *
 * @example splitColumns(cols).map((t) => t.title) // ['Cost', 'Scaling and faults', …]
 */
export function splitColumns(columns: readonly MetricColumn[]): { title: string; columns: MetricColumn[] }[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const used = new Set<string>();
  const tables: { title: string; columns: MetricColumn[] }[] = [];
  for (const family of METRIC_FAMILIES) {
    const picked = family.names.map((n) => byName.get(n)).filter((c): c is MetricColumn => c !== undefined);
    for (const c of picked) used.add(c.name);
    tables.push(...chunked(family.title, picked));
  }
  tables.push(...chunked('Other', columns.filter((c) => !used.has(c.name))));
  return tables;
}

/** `columns` in tables of at most {@link MAX_TABLE_COLUMNS}, titled `title`, `title (2)`, … */
function chunked(title: string, columns: readonly MetricColumn[]): { title: string; columns: MetricColumn[] }[] {
  const out: { title: string; columns: MetricColumn[] }[] = [];
  for (let i = 0; i < columns.length; i += MAX_TABLE_COLUMNS) {
    out.push({ title: i === 0 ? title : `${title} (${i / MAX_TABLE_COLUMNS + 1})`, columns: columns.slice(i, i + MAX_TABLE_COLUMNS) });
  }
  return out;
}
