/**
 * The sweep report: `index.html` (self-contained: inline CSS and SVG, the Vega-Lite specs
 * embedded), `summary.md`, `sweep.csv` (one row per point: the swept values — durations also in
 * seconds —, verdicts, and mean, sd, 95 % CI half-width and n of every metric) and
 * `sweep.units.csv` (the unit and meaning of each column of sweep.csv). Everything is computed from the runs,
 * sorted, so the same runs give the same bytes whatever the workers or shards.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../report/files.js';
import { escapeHtml, escapeMarkdown, formatNumber, jsonForScript } from '../report/format.js';
import { METRIC_DOCS } from '../metrics/summary.js';
import { CLUSTER_METRIC_DOCS } from '../metrics/cluster.js';
import { NEON_METRIC_DOCS } from '../metrics/neon.js';
import { axisSeconds, describeDomain, sameValue } from './axis.js';
import { findEngine } from '../engines/registry.js';
import { formatConstraint, formatGoal, metricCatalog } from './choice.js';
import { heatmapChart, heatmapPlan, numericValues, paretoChart, pointLabel, sensitivityChart, shortKeys, type ChartEntry } from './charts.js';
import { pairedDifference, type Aggregate } from './aggregate.js';
import type { JudgedPoint, Judgement } from './choose.js';
import type { SweepHeader } from './journal.js';
import { formatShard } from './shard.js';
import { htmlPage } from '../report/page.js';

/** Vega is loaded only when a report is drawn, so every other command starts faster. */
const renderSvg = async (...args: Parameters<typeof import('../report/render.js').renderSvg>): Promise<string> => (await import('../report/render.js')).renderSvg(...args);

/** What the report is made from. */
export interface SweepReportInput {
  header: SweepHeader;
  agg: Aggregate;
  judgement: Judgement;
  /** Shard directories merged into this report (empty for a plain sweep). */
  sources: string[];
}

/** Rows of the ranked table in index.html (all of them are in sweep.csv). */
export const HTML_ROWS = 100;
/** Rows of the ranked table in summary.md. */
export const MARKDOWN_ROWS = 10;

/** Write index.html, summary.md, sweep.csv and sweep.units.csv into `outDir`; returns the file names. */
export async function writeSweepReport(outDir: string, input: SweepReportInput): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'sweep.csv'), sweepCsv(input));
  writeFileAtomic(join(outDir, 'sweep.units.csv'), sweepUnitsCsv(input));
  writeFileAtomic(join(outDir, 'summary.md'), sweepMarkdown(input));
  writeFileAtomic(join(outDir, 'index.html'), await sweepHtml(input));
  return ['index.html', 'summary.md', 'sweep.csv', 'sweep.units.csv'];
}

/** The metrics shown in tables: objective, Pareto pair, constrained metrics, flip-flop rate. */
export function keyMetrics(input: SweepReportInput): string[] {
  const c = input.header.choice;
  const wanted = [c.objective.metric, c.pareto[0].metric, c.pareto[1].metric, ...c.constraints.map((k) => k.metric), stabilityMetric(input)];
  return [...new Set(wanted)].filter((m) => input.agg.metrics.includes(m));
}

/** What a metric means, from its engine's table. */
function metricDoc(input: SweepReportInput, metric: string): string {
  const engine = input.header.scenario.engine;
  const docs = engine === 'incus' ? CLUSTER_METRIC_DOCS : engine === 'neon' ? NEON_METRIC_DOCS : METRIC_DOCS;
  return docs[metric] ?? docs[metric.replace(/_(mean|max)_.+$/, '_$1')] ?? '';
}

/** The engine's stability metric (flip-flop or ping-pong rate). */
function stabilityMetric(input: SweepReportInput): string {
  return metricCatalog(input.header.scenario.engine).stability;
}

/** Points in table order: ranked, then the rest by objective, then without runs. */
export function tableOrder(input: SweepReportInput): JudgedPoint[] {
  const obj = input.header.choice.objective;
  const sign = obj.direction === 'min' ? 1 : -1;
  const mean = (p: JudgedPoint) => p.stats[obj.metric]?.mean ?? null;
  const group = (p: JudgedPoint) => (p.rank !== null ? 0 : p.runs > 0 && mean(p) !== null ? 1 : 2);
  return [...input.judgement.points].sort((a, b) => {
    const g = group(a) - group(b);
    if (g !== 0) return g;
    if (group(a) === 0) return a.rank! - b.rank!;
    if (group(a) === 1) return sign * (mean(a)! - mean(b)!) || a.index - b.index;
    return a.index - b.index;
  });
}

/** Counts of points by completeness. */
export function pointCounts(agg: Aggregate): { total: number; complete: number; partial: number; missing: number; invalid: number; runs: number; expected: number } {
  const c = { total: agg.points.length, complete: 0, partial: 0, missing: 0, invalid: 0, runs: 0, expected: 0 };
  for (const p of agg.points) {
    c.runs += p.runs;
    c.expected += p.invalid !== null ? 0 : p.expected;
    if (p.invalid !== null) c.invalid++;
    else if (p.runs >= p.expected) c.complete++;
    else if (p.runs > 0) c.partial++;
    else c.missing++;
  }
  return c;
}

/**
 * The point whose values are the scenario's own (as written, with the base overrides), if the
 * sweep has it: the configuration the sweep is meant to improve on.
 */
export function asWrittenPoint(input: Pick<SweepReportInput, 'header' | 'judgement'>): JudgedPoint | null {
  const own = input.header.scenario.values ?? [];
  if (own.length === 0 || own.some((v) => v === null)) return null;
  return input.judgement.points.find((p) => p.values.every((v, i) => sameValue(v, own[i]!))) ?? null;
}

/** `+d ± ci` of the paired difference `a − b`. */
function diffCi(a: JudgedPoint, b: JudgedPoint, metric: string): string {
  const d = pairedDifference(a, b, metric);
  if (d.mean === null) return '—';
  const sign = d.mean > 0 ? '+' : '';
  return d.ci95 === null ? `${sign}${formatNumber(d.mean)}` : `${sign}${formatNumber(d.mean)} ± ${formatNumber(d.ci95)}`;
}

/** `mean ± ci` (or the mean alone). */
function meanCi(p: JudgedPoint, metric: string): string {
  const s = p.stats[metric];
  if (!s || s.mean === null) return '—';
  return s.ci95 === null ? formatNumber(s.mean) : `${formatNumber(s.mean)} ± ${formatNumber(s.ci95)}`;
}

/** What a point is, in one word. */
function verdict(p: JudgedPoint): string {
  if (p.invalid !== null) return 'invalid';
  if (p.runs === 0) return 'not run';
  const base = p.feasible ? 'feasible' : `breaks ${p.violated.join(', ')}`;
  return p.pareto ? `${base}; Pareto` : base;
}

/** The `scalelab run` command that reproduces a point (replication 0). */
export function reproduceCommand(input: SweepReportInput, p: JudgedPoint): string {
  const sets = [...input.header.sets, ...input.agg.plan.axes.map((a, i) => `${a.key}=${p.values[i]}`)];
  return ['scalelab run', input.header.scenario.file, ...sets.map((s) => `--set ${shellQuote(s)}`)].join(' ');
}

/** Quote for a POSIX shell when needed. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_.,:=/@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- sweep.csv

/** A column of sweep.csv: its name, unit and meaning (sweep.units.csv), and its cell for a point. */
interface CsvColumn {
  name: string;
  unit: string;
  meaning: string;
  cell: (p: JudgedPoint) => string;
}

/**
 * The columns of sweep.csv: point, each swept key as written (and `<key>_s`, its value in
 * seconds, after each duration key), runs and verdicts, then mean/sd/ci95/n of every metric.
 */
export function sweepColumns(input: SweepReportInput): CsvColumn[] {
  const { agg, header } = input;
  const num = (v: number | null) => (v === null ? '' : String(v));
  const cols: CsvColumn[] = [{ name: 'point', unit: '', meaning: 'index of the point in the plan (grid order: the first key varies slowest)', cell: (p) => String(p.index) }];
  agg.plan.axes.forEach((axis, i) => {
    cols.push({ name: axis.key, unit: keyUnit(header.scenario.engine, axis.key), meaning: `swept value as written (--set text): ${describeDomain(axis.domain)}`, cell: (p) => p.values[i]! });
    const seconds = axisSeconds(axis, header.scenario.engine);
    if (seconds) cols.push({ name: `${axis.key}_s`, unit: 's', meaning: `${axis.key} in seconds`, cell: (p) => num(seconds(p.values[i]!)) });
  });
  cols.push(
    { name: 'runs', unit: 'runs', meaning: 'runs with results', cell: (p) => String(p.runs) },
    { name: 'expected_runs', unit: 'runs', meaning: 'runs the plan asks for (seeds per point)', cell: (p) => String(p.expected) },
    { name: 'invalid', unit: '', meaning: 'why the configuration was refused (empty: it was not)', cell: (p) => p.invalid ?? '' },
    { name: 'feasible', unit: 'true/false', meaning: 'the means meet every constraint', cell: (p) => String(p.feasible) },
    { name: 'rank', unit: '', meaning: 'rank among the feasible points by the objective (empty: not ranked)', cell: (p) => (p.rank === null ? '' : String(p.rank)) },
    { name: 'pareto', unit: 'true/false', meaning: 'on the Pareto front of the two Pareto metrics', cell: (p) => String(p.pareto) },
  );
  for (const m of agg.metrics) {
    const unit = agg.units[m] ?? '';
    const doc = metricDoc(input, m);
    const what = doc ? `: ${doc}` : '';
    cols.push(
      { name: `${m}_mean`, unit, meaning: `mean over the point's runs${what}`, cell: (p) => num(p.stats[m]!.mean) },
      { name: `${m}_sd`, unit, meaning: 'sample standard deviation (n − 1)', cell: (p) => num(p.stats[m]!.sd) },
      { name: `${m}_ci95`, unit, meaning: "half-width of the 95 % confidence interval of the mean (Student's t)", cell: (p) => num(p.stats[m]!.ci95) },
      { name: `${m}_n`, unit: 'runs', meaning: 'runs with a value', cell: (p) => String(p.stats[m]!.n) },
    );
  }
  return cols;
}

/** The unit of a swept engine key from its descriptor ('' when unknown or a duration, whose unit is in the text). */
function keyUnit(engine: string, key: string): string {
  const m = /^engine\.(config|options)\.(.+)$/.exec(key);
  if (!m) return '';
  const d = findEngine(engine);
  const spec = (m[1] === 'config' ? d?.config : d?.options)?.find((s) => s.key === m[2]);
  if (!spec || spec.type === 'duration' || spec.type === 'incus-duration') return '';
  return spec.unit;
}

/** One row per point (sweepColumns). */
export function sweepCsv(input: SweepReportInput): string {
  const cols = sweepColumns(input);
  return stringify([cols.map((c) => c.name), ...input.judgement.points.map((p) => cols.map((c) => c.cell(p)))]);
}

/** sweep.units.csv: `column,unit,meaning`, one row per column of sweep.csv. */
export function sweepUnitsCsv(input: SweepReportInput): string {
  return stringify([['column', 'unit', 'meaning'], ...sweepColumns(input).map((c) => [c.name, c.unit, c.meaning])]);
}

// ---------------------------------------------------------------- summary.md

/** The sweep in Markdown: definition, best point, top of the ranking, the Pareto front. */
export function sweepMarkdown(input: SweepReportInput): string {
  const { header, agg, judgement } = input;
  const names = shortKeys(agg.plan.axes);
  const counts = pointCounts(agg);
  const metrics = keyMetrics(input);
  const c = header.choice;
  const lines: string[] = [`# scalelab sweep: ${escapeMarkdown(header.scenario.name)}`, ''];
  lines.push(
    `**Scenario** ${escapeMarkdown(header.scenario.file)}, base seed ${header.scenario.seed}, ${agg.plan.seeds.length} seed(s) per point, ` +
      `${agg.plan.random > 0 ? `${agg.plan.random} sampled points` : `grid of ${counts.total} points`}, ${counts.runs} of ${counts.expected} runs` +
      (header.sets.length > 0 ? `, base overrides \`${header.sets.join(' ')}\`` : '') +
      `, scalelab ${escapeMarkdown(header.scalelab)}`,
    '',
  );
  lines.push('| swept key | values |', '| --- | --- |', ...agg.plan.axes.map((a) => `| ${escapeMarkdown(a.key)} | ${escapeMarkdown(describeDomain(a.domain))} |`), '');
  lines.push(
    `Objective: **${formatGoal(c.objective)}**` +
      (c.constraints.length > 0 ? `; constraints (on the means): ${c.constraints.map((k) => `\`${formatConstraint(k)}\``).join(', ')}` : '; no constraints') +
      `; Pareto front on ${c.pareto[0].metric} × ${c.pareto[1].metric}.`,
    '',
  );
  lines.push(...bestMarkdown(input, names, metrics), '');
  const ranked = tableOrder(input).filter((p) => p.runs > 0).slice(0, MARKDOWN_ROWS);
  lines.push(`## Ranking (first ${ranked.length}; all points in sweep.csv)`, '');
  lines.push(`| rank | ${names.map(escapeMarkdown).join(' | ')} | ${metrics.map(escapeMarkdown).join(' | ')} | verdict |`);
  lines.push(`| ---: | ${names.map(() => '---').join(' | ')} | ${metrics.map(() => '---:').join(' | ')} | --- |`);
  const own = asWrittenPoint(input);
  const shown = own !== null && !ranked.includes(own) ? [...ranked, own] : ranked;
  for (const p of shown) lines.push(`| ${p.rank ?? '—'} | ${p.values.map(escapeMarkdown).join(' | ')} | ${metrics.map((m) => meanCi(p, m)).join(' | ')} | ${escapeMarkdown(verdict(p))}${p === own ? ' (as written)' : ''} |`);
  lines.push('');
  const front = judgement.points.filter((p) => p.pareto).sort((a, b) => (a.stats[c.pareto[0].metric]?.mean ?? 0) - (b.stats[c.pareto[0].metric]?.mean ?? 0));
  lines.push(`## Pareto front (${front.length} point${front.length === 1 ? '' : 's'}; ${c.pareto[0].metric} × ${c.pareto[1].metric})`, '');
  for (const p of front.slice(0, 20)) lines.push(`- ${escapeMarkdown(pointLabel(names, p.values))}: ${c.pareto[0].metric} ${meanCi(p, c.pareto[0].metric)}, ${c.pareto[1].metric} ${meanCi(p, c.pareto[1].metric)}${p.feasible ? '' : ' (infeasible)'}`);
  if (front.length > 20) lines.push(`- … ${front.length - 20} more in sweep.csv`);
  lines.push('', '## Notes', '', ...notes(input, { sources: true }).map((n) => `- ${escapeMarkdown(n)}`), '');
  return lines.join('\n');
}

/** The best point, in Markdown. */
function bestMarkdown(input: SweepReportInput, names: string[], metrics: string[]): string[] {
  const { best, bestFeasible } = input.judgement;
  if (best === null) return ['## Best configuration', '', 'No point has results yet.'];
  const head = bestFeasible ? '## Best configuration' : '## Best configuration (no point meets the constraints; best by the objective alone)';
  const own = asWrittenPoint(input);
  const ownLine =
    own === null || own === best
      ? own === best
        ? ['', 'This is the scenario as written.']
        : []
      : [
          '',
          `As written, **${escapeMarkdown(pointLabel(names, own.values))}** — ${metrics.map((m) => `${escapeMarkdown(m)} ${meanCi(own, m)}`).join(', ')} (${verdict(own)}).`,
          '',
          `Best − as written, paired seed by seed: ${metrics.map((m) => `${escapeMarkdown(m)} ${diffCi(best, own, m)}`).join(', ')}.`,
        ];
  return [
    head,
    '',
    `**${escapeMarkdown(pointLabel(names, best.values))}** — ${metrics.map((m) => `${escapeMarkdown(m)} ${meanCi(best, m)}`).join(', ')} (mean ± 95 % CI over ${best.runs} seed${best.runs === 1 ? '' : 's'})`,
    ...ownLine,
    '',
    '```sh',
    reproduceCommand(input, best),
    '```',
  ];
}

/**
 * Method notes shared by both reports. Only summary.md (`sources: true`) names the directories a
 * merge read: index.html stays byte-identical to the report of the same sweep run unsharded.
 */
function notes(input: SweepReportInput, names: { sources: boolean }): string[] {
  const { header, agg } = input;
  const counts = pointCounts(agg);
  const out = [
    `Every point runs with the same ${agg.plan.seeds.length} seed(s) [${agg.plan.seeds.join(', ')}] (common random numbers): replication 0 is the scenario's seed, the others are derived from it.`,
    'Mean ± 95 % confidence interval of the mean over the seeds: t(0.975, n − 1) · sd / √n (sample sd; no interval with one seed). Constraints, ranking and the Pareto front use the means.',
    'Differences between two points are paired seed by seed (same load, noise and failures), so their interval is usually much narrower than the two points\' own intervals suggest.',
    'Heatmaps and sensitivity lines hold the other swept keys at the best point\'s values.',
  ];
  if (counts.invalid > 0) out.push(`${counts.invalid} point(s) were refused by the scenario checks (an invalid combination of values) and are not ranked.`);
  if (counts.partial + counts.missing > 0) out.push(`${counts.partial} point(s) have only some of their runs and ${counts.missing} none: the sweep is incomplete (resume it, or merge the missing shards).`);
  if (names.sources && input.sources.length > 0) out.push(`Merged from ${input.sources.length} shard director${input.sources.length === 1 ? 'y' : 'ies'}: ${input.sources.join(', ')}.`);
  if (header.shard !== null && input.sources.length === 0) out.push(`Shard ${formatShard(header.shard)} only: merge the shards with \`scalelab sweep merge\` for the whole sweep.`);
  return out;
}

// ---------------------------------------------------------------- index.html

/** The whole page. */
export async function sweepHtml(input: SweepReportInput): Promise<string> {
  const charts = await renderAll(chartEntries(input));
  const { header } = input;
  const title = `scalelab sweep — ${header.scenario.name}`;
  const body = [
    headerHtml(input),
    '<nav><a href="#best">Best</a><a href="#pareto">Pareto front</a><a href="#heatmaps">Heatmaps</a><a href="#sensitivity">Sensitivity</a><a href="#ranking">Ranking</a><a href="#notes">Notes</a></nav>',
    bestHtml(input),
    figures('pareto', 'Pareto front', charts.filter((c) => c.entry.id === 'pareto'), ''),
    figures('heatmaps', 'Heatmaps', charts.filter((c) => c.entry.id.startsWith('heatmap-')), 'grid wide', input.agg.plan.random > 0),
    figures('sensitivity', 'Sensitivity', charts.filter((c) => c.entry.id.startsWith('sens-')), 'grid narrow'),
    rankingHtml(input),
    section('notes', 'Notes', `<ul>\n${notes(input, { sources: false }).map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`),
    `<footer>Generated by scalelab ${escapeHtml(header.scalelab)}. Raw runs: runs.jsonl; every point: sweep.csv.</footer>`,
  ].join('\n');
  return htmlPage(title, body, SWEEP_STYLE);
}

/** Every chart of the report, in page order. */
export function chartEntries(input: SweepReportInput): ChartEntry[] {
  const { agg, judgement, header } = input;
  const anchor = judgement.best;
  if (anchor === null) return [];
  const c = header.choice;
  const sampled = agg.plan.random > 0;
  const entries: ChartEntry[] = [paretoChart(judgement, agg.plan.axes, c.pareto, agg.units, asWrittenPoint(input)?.index ?? null)];
  if (!sampled) {
    const defaults = [...new Set([c.objective.metric, c.pareto[1].metric, stabilityMetric(input)])].filter((m) => agg.metrics.includes(m));
    for (const h of heatmapPlan(agg.plan.axes, c.heatmaps, defaults)) entries.push(heatmapChart(judgement, agg.plan.axes, h.xi, h.yi, h.metric, agg.units, anchor));
  }
  const sensMetrics = [...new Set([c.objective.metric, c.pareto[0].metric, c.pareto[1].metric, stabilityMetric(input)])].filter((m) => agg.metrics.includes(m));
  agg.plan.axes.forEach((_, ai) => {
    for (const m of sensMetrics) entries.push(sensitivityChart(judgement, agg.plan.axes, ai, m, agg.units, anchor, sampled));
  });
  return entries;
}

/** Render each chart to SVG (ids scoped per chart). */
async function renderAll(entries: readonly ChartEntry[]): Promise<Array<{ entry: ChartEntry; svg: string }>> {
  const out: Array<{ entry: ChartEntry; svg: string }> = [];
  for (const entry of entries) out.push({ entry, svg: await renderSvg(entry.spec, `sw-${entry.id}`) });
  return out;
}

/** Title, description and facts. */
function headerHtml(input: SweepReportInput): string {
  const { header, agg } = input;
  const counts = pointCounts(agg);
  const facts: Array<[string, string]> = [
    ['scenario file', header.scenario.file],
    ['mode', agg.plan.random > 0 ? `${agg.plan.random} points sampled within the ranges (sampling seed ${agg.plan.sampleSeed})` : `grid, ${counts.total} points`],
    ['seeds per point', `${agg.plan.seeds.length}: ${agg.plan.seeds.join(', ')}`],
    ['runs', `${counts.runs} of ${counts.expected}${counts.invalid > 0 ? ` (${counts.invalid} invalid points)` : ''}`],
    ['base overrides', header.sets.length > 0 ? header.sets.join(' ') : 'none'],
    ['objective', formatGoal(header.choice.objective)],
    ['constraints', header.choice.constraints.length > 0 ? header.choice.constraints.map(formatConstraint).join(', ') : 'none'],
    ['scalelab', header.scalelab],
  ];
  const axes = agg.plan.axes.map((a) => `<tr><td><code>${escapeHtml(a.key)}</code></td><td>${escapeHtml(describeDomain(a.domain))}</td></tr>`).join('\n');
  const description = header.scenario.description.trim() === '' ? '' : `<p class="description">${escapeHtml(header.scenario.description)}</p>`;
  return [
    '<header>',
    `<h1>Sweep: ${escapeHtml(header.scenario.name)}</h1>`,
    description,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
    `<h3>Swept keys</h3>\n<table>\n<thead><tr><th>key</th><th>values</th></tr></thead>\n<tbody>\n${axes}\n</tbody>\n</table>`,
    '</header>',
  ].join('\n');
}

/** The best configuration with its key metrics and how to reproduce it. */
function bestHtml(input: SweepReportInput): string {
  const { best, bestFeasible } = input.judgement;
  if (best === null) return section('best', 'Best configuration', '<p class="muted">No point has results yet.</p>');
  const names = shortKeys(input.agg.plan.axes);
  const extra = ['slo_violation_percent', 'scale_ups', 'orphaned_instances', 'reaction_time_p95', 'host_overload_seconds', 'migration_downtime_seconds', 'imbalance_mean'];
  const metrics = input.agg.metrics.filter((m) => keyMetrics(input).includes(m) || extra.includes(m));
  const own = asWrittenPoint(input);
  const compare = own !== null && own !== best;
  const rows = metrics.map(
    (m) =>
      `<tr><td>${escapeHtml(m)}</td><td class="num">${escapeHtml(meanCi(best, m))}</td>${compare ? `<td class="num">${escapeHtml(meanCi(own, m))}</td><td class="num">${escapeHtml(diffCi(best, own, m))}</td>` : ''}` +
      `<td>${escapeHtml(input.agg.units[m] ?? '')}</td><td class="muted">${escapeHtml(metricDoc(input, m))}</td></tr>`,
  );
  const lead = bestFeasible
    ? `<p>Rank 1 of ${input.judgement.points.filter((p) => p.rank !== null).length} feasible points: <strong>${escapeHtml(pointLabel(names, best.values))}</strong>.</p>`
    : `<p><strong>No point meets the constraints.</strong> Best by the objective alone: <strong>${escapeHtml(pointLabel(names, best.values))}</strong> (breaks ${escapeHtml(best.violated.join(', '))}).</p>`;
  const ownHead = compare ? '<th>as written: mean ± 95 % CI</th><th>best − as written, paired by seed</th>' : '';
  const table = `<table>\n<thead><tr><th>metric</th><th>best: mean ± 95 % CI</th>${ownHead}<th>unit</th><th>meaning</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
  const ownNote =
    own === best
      ? '<p class="muted">The best point is the scenario as written.</p>'
      : own === null
        ? '<p class="muted">The scenario as written is not among the swept points.</p>'
        : `<p class="muted">As written: ${escapeHtml(pointLabel(names, own.values))} (${escapeHtml(verdict(own))}).</p>`;
  return section('best', 'Best configuration', `${lead}\n${table}\n${ownNote}\n<p>Reproduce (first seed):</p>\n<pre><code>${escapeHtml(reproduceCommand(input, best))}</code></pre>`);
}

/** A section of figures, each SVG followed by its spec. */
function figures(id: string, title: string, charts: ReadonlyArray<{ entry: ChartEntry; svg: string }>, layout: string, sampled = false): string {
  if (charts.length === 0) {
    const why =
      id !== 'heatmaps'
        ? 'Nothing to draw yet.'
        : sampled
          ? 'Heatmaps are drawn for grid sweeps; the sensitivity plots below show every sampled point.'
          : 'Heatmaps need a grid over at least two keys with several values.';
    return section(id, title, `<p class="muted">${why}</p>`);
  }
  const figs = charts.map(
    ({ entry, svg }) =>
      `<figure id="chart-${escapeHtml(entry.id)}">\n<figcaption><strong>${escapeHtml(entry.title)}</strong><br><span class="muted">${escapeHtml(entry.caption)}</span></figcaption>\n${svg}\n` +
      `<script type="application/json" id="spec-${escapeHtml(entry.id)}">${jsonForScript(entry.spec)}</script>\n</figure>`,
  );
  return section(id, title, layout !== '' ? `<div class="${layout}">\n${figs.join('\n')}\n</div>` : figs.join('\n'));
}

/** The ranked table (first HTML_ROWS points). */
function rankingHtml(input: SweepReportInput): string {
  const names = shortKeys(input.agg.plan.axes);
  const metrics = keyMetrics(input);
  const own = asWrittenPoint(input);
  const first = tableOrder(input).slice(0, HTML_ROWS);
  const rows = own !== null && !first.includes(own) ? [...first, own] : first;
  const head = ['rank', ...names, 'runs', ...metrics.map((m) => `${m} (${input.agg.units[m] ?? ''})`), 'verdict'].map((h) => `<th title="click to sort">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((p) => {
    const cls = p.rank === 1 ? ' class="best"' : p.pareto ? ' class="front"' : '';
    const cells = [
      `<td class="num"${sortKey(p.rank)}>${p.rank ?? '—'}</td>`,
      ...p.values.map((v) => `<td${sortKey(numericValues([v])?.[0] ?? null)}><code>${escapeHtml(v)}</code></td>`),
      `<td class="num"${sortKey(p.runs)}>${p.runs}/${p.expected}</td>`,
      ...metrics.map((m) => `<td class="num"${sortKey(p.stats[m]?.mean ?? null)}>${escapeHtml(meanCi(p, m))}</td>`),
      `<td>${escapeHtml(p.invalid !== null ? `invalid: ${p.invalid}` : verdict(p))}${p === own ? ' <strong>(as written)</strong>' : ''}</td>`,
    ];
    return `<tr${cls}>${cells.join('')}</tr>`;
  });
  const note = `<p class="muted">Feasible points by ${escapeHtml(formatGoal(input.header.choice.objective))}, then the others; Pareto-front rows tinted; click a column header to sort by it (again to reverse). ${first.length < input.judgement.points.length ? `First ${first.length} of ${input.judgement.points.length} points${rows.length > first.length ? ' and the scenario as written' : ''}; sweep.csv has all.` : ''}</p>`;
  return section('ranking', 'Ranking', `${note}\n<div class="scroll"><table class="sortable">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table></div>\n<script>${SORT_SCRIPT}</script>`);
}

/**
 * A cell's sort key as a `data-sort` attribute: the number behind what the cell shows (a
 * duration in seconds, a mean without its interval); none when there is no number (then the
 * text sorts, and empty cells last).
 *
 * @example sortKey(600) // ' data-sort="600"'
 */
export function sortKey(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : ` data-sort="${value}"`;
}

/**
 * Sorts a `table.sortable` by the clicked column (numbers as numbers, `—` and empty cells
 * last; a second click reverses). Inline, a few lines, no library: the page stays offline.
 */
export const SORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  function key(td) {
    var v = td.hasAttribute('data-sort') ? td.getAttribute('data-sort') : td.textContent.trim();
    if (v === '' || v === '\u2014') return null;
    var n = Number(v);
    return isNaN(n) ? v : n;
  }
  table.querySelectorAll('thead th').forEach(function (th, i) {
    th.style.cursor = 'pointer';
    th.addEventListener('click', function () {
      var up = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a.cells[i]), y = key(b.cells[i]);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
        return (x < y ? -1 : 1) * (up ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
`;

/** A titled section with an anchor. */
function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** Sweep-page rules on top of the shared report styles (report/page.ts). */
const SWEEP_STYLE = `
body { max-width: 1200px; }
table { font-size: .88rem; }
tr.best td { background: #fff3c4; }
tr.front td { background: #fdeaea; }
.grid { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-start; }
.grid.wide figure { width: 540px; }
.grid.narrow figure { width: 340px; }
figure { margin: 1rem 0 1.5rem; }
figcaption { font-size: .9rem; margin-bottom: .3rem; max-width: 680px; }
pre { background: #f6f6f6; padding: .6rem .8rem; overflow-x: auto; }
.muted { font-size: .88rem; }
`;
