/**
 * The Incus run's `report.html` and `summary.md`: the same page style as the Albatross report
 * (html.ts), with the cluster charts (incus-charts.ts), the key metrics, per-member and
 * per-project tables, the configuration and the notes. Self-contained: inline CSS and SVG, each
 * chart's Vega-Lite spec embedded as JSON.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { CLUSTER_METRIC_DOCS } from '../metrics/cluster.js';
import { writeFileAtomic } from './files.js';
import { columnTitle, escapeHtml, escapeMarkdown, formatConfigValue, formatDuration, formatNumber, jsonForScript, metricColumns } from './format.js';
import { incusCharts, INCUS_CHART_IDS, INCUS_CHART_TITLES, type IncusChartData, type IncusChartId } from './incus-charts.js';
import { summaryMarkdown } from './markdown.js';
import { renderSvg } from './render.js';
import type { MetricSet, RunSummary } from './types.js';
import { htmlPage, reportHeader, reportNav } from './page.js';
import { meaningOf, splitColumns } from './metric-tables.js';

/** summary.json of an Incus run: `groups` holds the members; `projects` the per-project sums. */
export interface IncusRunSummary extends RunSummary {
  projects: Record<string, MetricSet>;
  cluster: {
    members: number;
    vms: number;
    architectures: string[];
    leader: string;
    load_step_s: number;
    migration: Record<string, unknown>;
  };
}

/** Writes `report.html` and `summary.md` into `outDir`. */
export async function writeIncusReport(outDir: string, summary: IncusRunSummary, data: IncusChartData): Promise<void> {
  const specs = incusCharts(data);
  const svgs = {} as Record<IncusChartId, string>;
  for (const id of INCUS_CHART_IDS) svgs[id] = await renderSvg(specs[id], `chart-${id}`);
  await mkdir(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'report.html'), incusReportHtml(summary, svgs, specs));
  writeFileAtomic(join(outDir, 'summary.md'), incusSummaryMarkdown(summary));
}

/** `summary.md`: the common layout (groups = members) plus the projects. */
export function incusSummaryMarkdown(summary: IncusRunSummary): string {
  const base = summaryMarkdown(summary);
  const names = Object.keys(summary.projects);
  if (names.length === 0) return base;
  const columns = metricColumns(Object.values(summary.projects));
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const lines = [
    '## Projects',
    '',
    row(['project', ...columns.map((c) => escapeMarkdown(columnTitle(c)))]),
    row(['---', ...columns.map(() => '---:')]),
    ...names.map((n) => row([escapeMarkdown(n), ...columns.map((c) => formatNumber(summary.projects[n]![c.name]?.value ?? null))])),
  ];
  return `${base.trimEnd()}\n\n${lines.join('\n')}\n`;
}

/** The whole page. */
export function incusReportHtml(summary: IncusRunSummary, svgs: Record<IncusChartId, string>, specs: Record<IncusChartId, TopLevelSpec>): string {
  const s = summary.scenario;
  const facts: [string, string][] = [
    ['engine', s.engine.name],
    ['variant', s.engine.variant],
    ['seed', String(s.seed)],
    ['duration', `${formatDuration(s.duration_s)} (${formatNumber(s.duration_s)} s)`],
    ['cluster', `${summary.cluster.members} members (${summary.cluster.architectures.join(', ')}), ${summary.cluster.vms} VMs, leader ${summary.cluster.leader}`],
    ['scenario file', s.file],
    ['scalelab', summary.scalelab],
  ];
  const header = reportHeader(s.name, s.description, facts);
  const nav = reportNav([
    ['metrics', 'Key metrics'],
    ['charts', 'Charts'],
    ['members', 'Members'],
    ['projects', 'Projects'],
    ['configuration', 'Configuration'],
    ['notes', 'Notes'],
  ]);
  const metricRows = Object.entries(summary.metrics).map(
    ([name, m]) =>
      `<tr><td>${escapeHtml(name)}</td><td class="num">${escapeHtml(formatNumber(m.value))}</td><td>${escapeHtml(m.unit)}</td><td class="muted">${escapeHtml(CLUSTER_METRIC_DOCS[name.replace(/_(mean|max)_.+$/, '_$1')] ?? '')}</td></tr>`,
  );
  const metrics = section('metrics', 'Key metrics', `<table>\n<thead><tr><th>metric</th><th>value</th><th>unit</th><th>meaning</th></tr></thead>\n<tbody>\n${metricRows.join('\n')}\n</tbody>\n</table>`);
  const figures = INCUS_CHART_IDS.map(
    (id) => `<figure id="chart-${id}" aria-label="${escapeHtml(INCUS_CHART_TITLES[id])}">\n${svgs[id]}\n<script type="application/json" id="spec-${id}">${jsonForScript(specs[id])}</script>\n</figure>`,
  );
  const charts = section('charts', 'Charts', [`<p class="muted">Each chart's Vega-Lite v6 spec, data included, is embedded as <code>&lt;script type="application/json" id="spec-…"&gt;</code>.</p>`, ...figures].join('\n'));
  const engine = s.engine;
  const config = section(
    'configuration',
    'Configuration',
    [
      `<h3>Engine configuration (${escapeHtml(engine.name)})</h3>`,
      keyValues(engine.config),
      `<h3>Options (variant ${escapeHtml(engine.variant)})</h3>`,
      keyValues(engine.options),
      '<h3>Migration model</h3>',
      keyValues(summary.cluster.migration),
    ].join('\n'),
  );
  const notes = section('notes', 'Notes', `<ul>\n${summary.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`);
  const body = [header, nav, metrics, charts, section('members', 'Members', table('member', summary.groups)), section('projects', 'Projects', table('project', summary.projects)), config, notes, `<footer>Generated by scalelab ${escapeHtml(summary.scalelab)}.</footer>`].join('\n');
  return htmlPage(`scalelab — ${s.name}`, body);
}


/** Rows of named metric sets (at most 100 shown). */
function table(first: string, sets: Record<string, MetricSet>): string {
  const entries = Object.entries(sets);
  if (entries.length === 0) return '<p class="muted">None.</p>';
  const shown = entries.slice(0, 100);
  // in tables of a few columns each, so every one fits a screen
  const tables = splitColumns(metricColumns(shown.map(([, set]) => set))).map(({ columns }) => {
    const head = [`<th>${escapeHtml(first)}</th>`, ...columns.map((c) => `<th title="${escapeHtml(meaningOf(c.name))}">${escapeHtml(columnTitle(c))}</th>`)].join('');
    const rows = shown.map(([name, set]) => `<tr><td>${escapeHtml(name)}</td>${columns.map((c) => `<td class="num">${escapeHtml(formatNumber(set[c.name]?.value ?? null))}</td>`).join('')}</tr>`);
    return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table></div>`;
  });
  const note = entries.length > shown.length ? `<p class="muted">Showing ${shown.length} of ${entries.length}; summary.json has them all.</p>\n` : '';
  return `${note}${tables.join('\n')}`;
}

function keyValues(values: Record<string, unknown>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return '<p class="muted">None.</p>';
  return `<table>\n<thead><tr><th>key</th><th>value</th></tr></thead>\n<tbody>\n${entries.map(([k, v]) => `<tr><td><code>${escapeHtml(k)}</code></td><td><code>${escapeHtml(formatConfigValue(v))}</code></td></tr>`).join('\n')}\n</tbody>\n</table>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}
