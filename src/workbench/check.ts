/**
 * `scalelab check`: run a scenario with a fixed seed and compare every run-level metric with a
 * committed baseline under per-metric tolerances.
 *
 * A baseline is a YAML file (see `reports/baselines/`):
 *
 * ```yaml
 * scalelab_baseline: 1
 * scenario: albatross-default        # the scenario's name, seed and --set overrides it was made with
 * seed: 42
 * sets: []
 * scalelab: 0.1.0
 * default_tolerance: { relative: 0.02 }
 * metrics:
 *   instance_seconds: { value: 584490.89, unit: instance·s, better: lower }
 *   scale_ups: { value: 158, unit: count, tolerance: { absolute: 5 } }
 * ```
 *
 * A metric passes when |now − baseline| ≤ max(absolute, relative × |baseline|) (its own
 * `tolerance`, else `default_tolerance`). Beyond that, with `better: lower` (or `higher`) a move
 * in the better direction is `improved` and passes, the other way is a `regression`; without
 * `better` any move is `changed` and fails. A metric the run no longer reports is `missing`
 * (fails); a metric the baseline lacks is `new` (passes). `--update` rewrites the values and
 * keeps every tolerance and `better` already written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Document, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { InputError, type InputLocation } from '../scenario/errors.js';
import { makeLocator, type Locator } from '../scenario/locate.js';
import { loadScenario } from '../scenario/load.js';
import { runInputs } from '../run/run.js';
import type { KeyPath } from '../scenario/paths.js';
import { simulateScenario } from '../run/run.js';
import type { MetricSet } from '../report/types.js';
import { VERSION } from '../version.js';
import { writeFileAtomic } from '../report/files.js';
import { readTextInput } from '../files/inputs.js';
import { checkOutputFile, makeOutputDir, refuseInputAsOutput } from '../files/outputs.js';
import { RUN_SETS } from './execute.js';

/** How far a metric may move: the larger of the two bounds (missing ones count as 0). */
export interface Tolerance {
  absolute?: number;
  relative?: number;
}

/** Which direction is an improvement. */
export type Better = 'lower' | 'higher';

/** One metric of a baseline. */
export interface BaselineMetric {
  value: number | null;
  unit: string;
  better?: Better;
  tolerance?: Tolerance;
}

/** A baseline file. */
export interface Baseline {
  scalelab_baseline: 1;
  scenario: string;
  seed: number;
  sets: string[];
  scalelab: string;
  default_tolerance: Tolerance;
  metrics: Record<string, BaselineMetric>;
}

/** Verdict of one metric. */
export type Verdict = 'ok' | 'improved' | 'regression' | 'changed' | 'missing' | 'new';

/** Verdicts that fail the check. */
export const FAILING: ReadonlySet<Verdict> = new Set(['regression', 'changed', 'missing']);

/** One line of the comparison. */
export interface CheckRow {
  metric: string;
  unit: string;
  baseline: number | null;
  now: number | null;
  /** now − baseline (null when either is missing). */
  change: number | null;
  /** The largest change allowed. */
  allowed: number;
  tolerance: Tolerance;
  better: Better | null;
  verdict: Verdict;
}

/** Tolerance written by `--update` for a new baseline. */
export const DEFAULT_TOLERANCE: Tolerance = { relative: 0.02 };

/** Metrics where lower is plainly better (cost, SLO, reaction, stability, elasticity, failures). */
const LOWER_IS_BETTER = new Set([
  'instance_seconds', 'vcpu_seconds', 'gib_seconds', 'mean_instances', 'max_instances',
  'boot_failures', 'spawn_failures', 'orphaned_instances', 'migrations_failed', 'cold_moves',
  'slo_violation_seconds', 'slo_violation_percent', 'unserved_core_seconds', 'steal_core_seconds',
  'flip_flops', 'flip_flop_rate', 'reversals', 'reversal_rate', 'ping_pongs', 'ping_pongs_back', 'ping_pong_rate',
  'host_overload_seconds', 'host_overload_percent', 'migration_downtime_seconds',
  'rebalance_runs_aborted', 'rebalance_runs_abandoned',
  'theta_u', 'theta_o', 'tau_u', 'tau_o', 'upsilon',
  'requests_delayed', 'requests_dropped', 'cold_starts', 'cold_start_requests',
]);

/**
 * Which direction is better for a metric, when `--update` adds it: lower for cost, SLO,
 * reaction-time, stability, imbalance and elasticity metrics and failures; none for everything
 * else — activity counts (more scaling or migrating is not in itself better or worse), episode
 * counts (fewer episodes may be longer ones), load inputs, and metrics this list does not know.
 * Without a direction any change beyond the tolerance fails, so unknown metrics are held strictly.
 *
 * @example defaultBetter('slo_violation_seconds') // 'lower'
 * @example defaultBetter('scale_ups') // null
 */
export function defaultBetter(metric: string): Better | null {
  return LOWER_IS_BETTER.has(metric) || metric.startsWith('reaction_time_') || metric.startsWith('imbalance_') || metric.startsWith('added_latency_') || metric.startsWith('wake_latency_') || metric.startsWith('cold_start_added_latency_') || metric.startsWith('wake_added_latency_') ? 'lower' : null;
}

/**
 * The largest allowed change for a baseline value.
 *
 * @example allowedChange(200, { relative: 0.02, absolute: 1 }) // 4
 */
export function allowedChange(baseline: number, tol: Tolerance): number {
  return Math.max(tol.absolute ?? 0, (tol.relative ?? 0) * Math.abs(baseline));
}

/**
 * The verdict for one metric.
 *
 * @example verdictOf(100, 103, { relative: 0.02 }, 'lower') // 'regression'
 * @example verdictOf(100, 97, { relative: 0.02 }, 'lower') // 'improved'
 * @example verdictOf(100, 101, { absolute: 1 }, null) // 'ok'
 */
export function verdictOf(baseline: number | null, now: number | null, tol: Tolerance, better: Better | null): Verdict {
  if (baseline === null && now === null) return 'ok';
  if (baseline === null || now === null) return 'changed';
  const change = now - baseline;
  if (Math.abs(change) <= allowedChange(baseline, tol)) return 'ok';
  if (better === null) return 'changed';
  return (better === 'lower') === change < 0 ? 'improved' : 'regression';
}

/** Compare the run's metrics with the baseline, metric by metric (baseline order, then new). */
export function compare(baseline: Baseline, metrics: MetricSet): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const [name, b] of Object.entries(baseline.metrics)) {
    const tolerance = b.tolerance ?? baseline.default_tolerance;
    const better = b.better ?? null;
    const m = metrics[name];
    const now = m === undefined ? null : m.value;
    const verdict = m === undefined ? 'missing' : verdictOf(b.value, now, tolerance, better);
    const change = b.value !== null && now !== null ? now - b.value : null;
    rows.push({ metric: name, unit: b.unit, baseline: b.value, now, change, allowed: b.value === null ? 0 : allowedChange(b.value, tolerance), tolerance, better, verdict });
  }
  for (const [name, m] of Object.entries(metrics)) {
    if (name in baseline.metrics) continue;
    rows.push({ metric: name, unit: m.unit, baseline: null, now: m.value, change: null, allowed: 0, tolerance: baseline.default_tolerance, better: defaultBetter(name), verdict: 'new' });
  }
  return rows;
}

/** A new or refreshed baseline: values from the run, tolerances and `better` kept from `old`. */
export function updatedBaseline(old: Baseline | null, identity: { scenario: string; seed: number; sets: string[] }, metrics: MetricSet): Baseline {
  const out: Baseline = { scalelab_baseline: 1, ...identity, scalelab: VERSION, default_tolerance: old?.default_tolerance ?? DEFAULT_TOLERANCE, metrics: {} };
  for (const [name, m] of Object.entries(metrics)) {
    const prev = old?.metrics[name];
    const better = prev ? prev.better : (defaultBetter(name) ?? undefined);
    out.metrics[name] = { value: m.value, unit: m.unit, ...(better ? { better } : {}), ...(prev?.tolerance ? { tolerance: prev.tolerance } : {}) };
  }
  return out;
}

// ---------------------------------------------------------------- baseline files

/** Comment at the top of every baseline file. */
const BASELINE_COMMENT = [
  ' scalelab baseline for `scalelab check` (rewrite deliberately with --update).',
  ' A metric passes when |now - value| <= max(absolute, relative * |value|), using its own',
  ' `tolerance` or else `default_tolerance`. With `better: lower|higher` a move beyond the',
  ' tolerance in that direction passes as "improved"; without `better` any such move fails.',
  ' --update keeps every tolerance and `better` written here.',
].join('\n');

/** Baseline as YAML text, one flow mapping per metric. */
export function baselineYaml(b: Baseline): string {
  const doc = new Document(b);
  doc.commentBefore = BASELINE_COMMENT;
  const metrics = doc.get('metrics') as YAMLMap;
  for (const pair of metrics.items) (pair.value as YAMLMap).flow = true;
  (doc.get('default_tolerance') as YAMLMap).flow = true;
  (doc.get('sets') as { flow?: boolean }).flow = true;
  return doc.toString({ lineWidth: 0 });
}

/** Write a baseline atomically (creating its directory). */
export function writeBaseline(file: string, b: Baseline): void {
  makeOutputDir(path.dirname(path.resolve(file)), '--baseline');
  checkOutputFile(file, '--baseline');
  writeFileAtomic(file, baselineYaml(b));
}

/** Read and check a baseline file; problems are InputErrors with file, line and key. */
export function readBaseline(file: string): Baseline {
  if (!fs.existsSync(file)) throw new InputError('baseline not found; create it with --update', { file });
  const text = readTextInput(file, 'baseline');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const bad = doc.errors[0];
  if (bad) throw new InputError(`invalid YAML: ${bad.message.split('\n')[0]}`, { file, line: lines.linePos(bad.pos[0]).line });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    // an alias bomb (billions of laughs) or another alias the document cannot expand
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  return checkBaseline(data, makeLocator(doc, lines, file, []));
}

/** The shape of a baseline, key by key. */
function checkBaseline(raw: unknown, locate: Locator): Baseline {
  const top = mapping(raw, locate([]));
  const known = ['scalelab_baseline', 'scenario', 'seed', 'sets', 'scalelab', 'default_tolerance', 'metrics'];
  for (const k of Object.keys(top)) if (!known.includes(k)) throw new InputError(`unknown key; expected one of: ${known.join(', ')}`, locate([k]));
  if (top['scalelab_baseline'] !== 1) throw new InputError('must be 1 (the baseline format)', locate(['scalelab_baseline']));
  if (typeof top['scenario'] !== 'string') throw new InputError('must be the scenario name', locate(['scenario']));
  if (!Number.isInteger(top['seed'])) throw new InputError('must be an integer', locate(['seed']));
  const sets = top['sets'] ?? [];
  if (!Array.isArray(sets) || sets.some((s) => typeof s !== 'string')) throw new InputError('must be a list of key=value strings', locate(['sets']));
  const metrics = mapping(top['metrics'], locate(['metrics']));
  const out: Baseline = {
    scalelab_baseline: 1,
    scenario: top['scenario'],
    seed: top['seed'] as number,
    sets: sets as string[],
    scalelab: String(top['scalelab'] ?? ''),
    default_tolerance: tolerance(top['default_tolerance'] ?? {}, ['default_tolerance'], locate),
    metrics: {},
  };
  for (const [name, m] of Object.entries(metrics)) out.metrics[name] = baselineMetric(m, ['metrics', name], locate);
  return out;
}

/** One metric entry. */
function baselineMetric(raw: unknown, at: KeyPath, locate: Locator): BaselineMetric {
  const m = mapping(raw, locate(at));
  for (const k of Object.keys(m)) if (!['value', 'unit', 'better', 'tolerance'].includes(k)) throw new InputError('unknown key; expected one of: value, unit, better, tolerance', locate([...at, k]));
  if (m['value'] !== null && (typeof m['value'] !== 'number' || !Number.isFinite(m['value']))) throw new InputError(`must be a finite number or null, got ${String(m['value'])}`, locate([...at, 'value']));
  if (m['better'] !== undefined && m['better'] !== 'lower' && m['better'] !== 'higher') throw new InputError('must be lower or higher', locate([...at, 'better']));
  return {
    value: m['value'] as number | null,
    unit: String(m['unit'] ?? ''),
    ...(m['better'] !== undefined ? { better: m['better'] as Better } : {}),
    ...(m['tolerance'] !== undefined ? { tolerance: tolerance(m['tolerance'], [...at, 'tolerance'], locate) } : {}),
  };
}

/** `{ absolute?, relative? }`, both ≥ 0. */
function tolerance(raw: unknown, at: KeyPath, locate: Locator): Tolerance {
  const t = mapping(raw, locate(at));
  const out: Tolerance = {};
  for (const [k, v] of Object.entries(t)) {
    if (k !== 'absolute' && k !== 'relative') throw new InputError('unknown key; expected absolute or relative', locate([...at, k]));
    if (typeof v !== 'number' || !(v >= 0)) throw new InputError('must be a number >= 0', locate([...at, k]));
    out[k] = v;
  }
  return out;
}

function mapping(raw: unknown, where: InputLocation): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('must be a mapping', where);
  return raw as Record<string, unknown>;
}

// ---------------------------------------------------------------- running a check

/** Inputs of `runCheck`. */
export interface CheckOptions {
  scenarioFile: string;
  sets?: string[];
  seed?: number;
  /** Default `reports/baselines/<scenario name>.yaml`. */
  baselineFile?: string;
  update?: boolean;
  /** Trace files may lie outside the scenario's folder (`--allow-outside`). */
  allowOutside?: boolean;
}

/** What a check found. */
export interface CheckOutcome {
  scenario: string;
  seed: number;
  baselineFile: string;
  rows: CheckRow[];
  failed: CheckRow[];
  /** The baseline was (re)written. */
  updated: boolean;
  seconds: number;
}

/**
 * Run the scenario and compare it with its baseline (or rewrite the baseline with `update`).
 * A baseline made with another scenario, seed or overrides is bad input: the numbers would
 * not be comparable.
 */
export function runCheck(opts: CheckOptions): CheckOutcome {
  const sets = opts.sets ?? [];
  const scenario = loadScenario(opts.scenarioFile, { sets: [...sets, ...RUN_SETS], ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.allowOutside ? { allowOutside: true } : {}) });
  const baselineFile = opts.baselineFile ?? path.join('reports', 'baselines', `${scenario.name}.yaml`);
  const existing = opts.update && !fs.existsSync(baselineFile) ? null : readBaseline(baselineFile);
  const identity = { scenario: scenario.name, seed: scenario.seed, sets };
  if (existing && !opts.update) sameIdentity(existing, identity, baselineFile);
  const started = process.hrtime.bigint();
  const metrics = simulateScenario(scenario).summary.metrics;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const reference = existing ?? updatedBaseline(null, identity, metrics);
  const rows = compare(reference, metrics);
  if (opts.update) {
    refuseInputAsOutput([baselineFile], runInputs(scenario), '--baseline');
    writeBaseline(baselineFile, updatedBaseline(existing, identity, metrics));
  }
  const failed = rows.filter((r) => FAILING.has(r.verdict));
  return { scenario: scenario.name, seed: scenario.seed, baselineFile, rows, failed, updated: opts.update === true, seconds };
}

/** The baseline must have been made from the same scenario, seed and overrides. */
function sameIdentity(b: Baseline, now: { scenario: string; seed: number; sets: string[] }, file: string): void {
  const differs: string[] = [];
  if (b.scenario !== now.scenario) differs.push(`scenario ${b.scenario} (now ${now.scenario})`);
  if (b.seed !== now.seed) differs.push(`seed ${b.seed} (now ${now.seed})`);
  if (JSON.stringify(b.sets) !== JSON.stringify(now.sets)) differs.push(`--set [${b.sets.join(' ')}] (now [${now.sets.join(' ')}])`);
  if (differs.length > 0) throw new InputError(`was recorded with ${differs.join(', ')}; run with the same, or rewrite it with --update`, { file });
}

// ---------------------------------------------------------------- output

/** A number for the table: up to 6 significant digits, integers as they are. */
function num(v: number | null): string {
  if (v === null) return '—';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** The change, relative when the baseline is not 0. */
export function formatChange(r: CheckRow): string {
  if (r.change === null) return '—';
  if (r.change === 0) return '0';
  const sign = r.change > 0 ? '+' : '';
  if (r.baseline !== null && r.baseline !== 0) return `${sign}${num(r.change)} (${sign}${((r.change / Math.abs(r.baseline)) * 100).toFixed(2)} %)`;
  return `${sign}${num(r.change)}`;
}

/** The tolerance as written: `±2 %`, `±5`, `±max(5, 2 %)`, `exact`. */
export function formatTolerance(t: Tolerance): string {
  const rel = t.relative ? `${Number((t.relative * 100).toPrecision(6))} %` : '';
  const abs = t.absolute ? num(t.absolute) : '';
  if (rel && abs) return `±max(${abs}, ${rel})`;
  if (rel || abs) return `±${rel || abs}`;
  return 'exact';
}

/** The comparison as a plain-text table (for terminals and CI logs), all rows or `only` these. */
export function checkTable(o: CheckOutcome, only: readonly CheckRow[] = o.rows): string {
  const head = ['metric', 'baseline', 'now', 'change', 'tolerance', 'verdict'];
  const rows = only.map((r) => [r.metric, num(r.baseline), num(r.now), formatChange(r), formatTolerance(r.tolerance), r.verdict === 'ok' ? 'ok' : r.verdict.toUpperCase()]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One line saying how the check went. */
export function checkVerdictLine(o: CheckOutcome): string {
  if (o.updated) return `baseline ${o.baselineFile} written (${o.rows.length} metrics)`;
  const improved = o.rows.filter((r) => r.verdict === 'improved').length;
  if (o.failed.length === 0) return `ok: ${o.rows.length} metrics within tolerance of ${o.baselineFile}${improved > 0 ? ` (${improved} improved beyond it: consider --update)` : ''}`;
  return `FAILED: ${o.failed.length} of ${o.rows.length} metrics outside tolerance of ${o.baselineFile}: ${o.failed.map((r) => `${r.metric} ${r.verdict}`).join(', ')}`;
}

/** Verdicts in the order check.md lists them: what fails first, then what moved for the better, then what is new. */
const MARKDOWN_ORDER: readonly Verdict[] = ['regression', 'changed', 'missing', 'improved', 'new'];

/** A Markdown table cell: `|` escaped, newlines flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table of check rows. */
function markdownTable(rows: readonly CheckRow[]): string[] {
  const verdict = (v: Verdict) => (FAILING.has(v) ? `**${v}**` : v);
  return [
    '| metric | unit | baseline | now | change | tolerance | better | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| \`${cell(r.metric)}\` | ${cell(r.unit)} | ${num(r.baseline)} | ${num(r.now)} | ${cell(formatChange(r))} | ${cell(formatTolerance(r.tolerance))} | ${r.better ?? '—'} | ${verdict(r.verdict)} |`),
  ];
}

/**
 * check.md: the comparison as Markdown for a pull-request comment — a verdict heading, the
 * metrics that moved beyond their tolerance (regressions, changes, missing, then improvements
 * and new metrics) in one table, and every metric in a collapsed table below. No timings, so
 * the same run and baseline give the same bytes.
 *
 * @example checkMarkdown(outcome).split('\n')[0] // '## scalelab check albatross-default: FAILED (2 of 34 metrics)'
 */
export function checkMarkdown(o: CheckOutcome): string {
  const count = (v: Verdict) => o.rows.filter((r) => r.verdict === v).length;
  const status = o.updated ? 'baseline written' : o.failed.length > 0 ? `FAILED (${o.failed.length} of ${o.rows.length} metrics)` : `passed (${o.rows.length} metrics)`;
  const tally = (['regression', 'changed', 'missing', 'improved', 'new', 'ok'] as const)
    .map((v) => [v, count(v)] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const lines = [
    `## scalelab check ${o.scenario}: ${status}`,
    '',
    `Scenario \`${o.scenario}\`, seed ${o.seed}, against \`${o.baselineFile}\`: ${tally}.`,
    '',
  ];
  const moved = MARKDOWN_ORDER.flatMap((v) => o.rows.filter((r) => r.verdict === v));
  if (moved.length > 0) lines.push(...markdownTable(moved), '');
  else lines.push('Every metric is within its tolerance.', '');
  if (!o.updated && count('improved') > 0 && o.failed.length === 0) lines.push('Improvements beyond the tolerance pass; record them with `scalelab check … --update`.', '');
  lines.push(`<details><summary>All ${o.rows.length} metrics</summary>`, '', ...markdownTable(o.rows), '', '</details>', '');
  return lines.join('\n');
}
