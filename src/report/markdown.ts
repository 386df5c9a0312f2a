/**
 * `summary.md`: the run in a few lines of Markdown (scenario line, run-level metrics, the first
 * groups, notes), for pasting into issues and commit messages.
 */
import {
  columnTitle,
  escapeMarkdown,
  firstGroups,
  formatDuration,
  formatNumber,
  metricColumns,
} from './format.js';
import type { MetricSet, RunSummary } from './types.js';
import { applicableEntries, applies, meaningOf, splitColumns } from './metric-tables.js';

/** Groups listed in `summary.md` by default. */
export const MARKDOWN_GROUP_LIMIT = 20;

/** Options of `summaryMarkdown`. */
export interface MarkdownOptions {
  /** How many groups the group table lists (default 20). */
  groupLimit?: number;
}

/** Renders the whole `summary.md`. */
export function summaryMarkdown(summary: RunSummary, options: MarkdownOptions = {}): string {
  const limit = options.groupLimit ?? MARKDOWN_GROUP_LIMIT;
  const sections = [
    scenarioSection(summary),
    metricsSection(summary.metrics, summary.scenario.engine.name),
    groupsSection(summary.groups, limit, summary.scenario.engine.name),
    notesSection(summary.notes),
  ];
  return sections.filter((s) => s !== '').join('\n\n') + '\n';
}

/** Title, the one-line scenario description and the description. */
function scenarioSection(summary: RunSummary): string {
  const s = summary.scenario;
  const line =
    `**Scenario** ${escapeMarkdown(s.name)} — engine ${escapeMarkdown(s.engine.name)}, ` +
    `variant ${escapeMarkdown(s.engine.variant)}, seed ${s.seed}, ` +
    `duration ${formatDuration(s.duration_s)}, file ${escapeMarkdown(s.file)}, ` +
    `scalelab ${escapeMarkdown(summary.scalelab)}`;
  const lines = [`# scalelab run: ${escapeMarkdown(s.name)}`, '', line];
  if (s.description.trim() !== '') lines.push('', escapeMarkdown(s.description.trim()));
  return lines.join('\n');
}

/** `| metric | value | unit | meaning |` for the run-level metrics that can apply to the engine. */
function metricsSection(metrics: MetricSet, engine: string): string {
  const rows = applicableEntries(engine, metrics).map(([name, m]) =>
    tableRow([escapeMarkdown(name), formatNumber(m.value), escapeMarkdown(m.unit), escapeMarkdown(meaningOf(name))]),
  );
  if (rows.length === 0) return '## Metrics\n\nNo run-level metrics.';
  return ['## Metrics', '', tableRow(['metric', 'value', 'unit', 'meaning']), '| --- | ---: | --- | --- |', ...rows].join('\n');
}

/** The first `limit` groups, one table per metric family (each fits a screen). */
function groupsSection(groups: Record<string, MetricSet>, limit: number, engine: string): string {
  const total = Object.keys(groups).length;
  if (total === 0) return '';
  const shown = firstGroups(groups, limit);
  const columns = metricColumns(shown.map(([, set]) => set)).filter((c) => applies(engine, c.name));
  const heading = total > shown.length ? `## Groups (first ${shown.length} of ${total})` : `## Groups (${total})`;
  const tables = splitColumns(columns).map(({ title, columns: cols }) => {
    const header = tableRow(['group', ...cols.map((c) => escapeMarkdown(columnTitle(c)))]);
    const align = tableRow(['---', ...cols.map(() => '---:')]);
    const rows = shown.map(([name, set]) => tableRow([escapeMarkdown(name), ...cols.map((c) => formatNumber(set[c.name]?.value ?? null))]));
    return [`### ${title}`, '', header, align, ...rows].join('\n');
  });
  return [heading, ...tables].join('\n\n');
}

/** Bulleted notes, if any. */
function notesSection(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return ['## Notes', '', ...notes.map((n) => `- ${escapeMarkdown(n)}`)].join('\n');
}

/** One table row from already-escaped cells. */
function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}
