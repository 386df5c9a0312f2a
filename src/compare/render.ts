/**
 * The comparison's three files, as text: `compare.md` (a pull-request comment), `compare.csv`
 * (one row per metric and run) and `report.html` (self-contained: tables and inline SVG
 * charts). Pure: the same comparison gives the same bytes.
 */
import { stringify } from 'csv-stringify/sync';
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, escapeMarkdown, formatDuration, formatNumber, jsonForScript, MISSING } from '../report/format.js';
import { htmlPage } from '../report/page.js';
import { meaningOf } from '../report/metric-tables.js';
import type { CompareRun, MetricRow, RunCell, VerdictLine } from './metrics.js';

/** Everything the files say. */
export interface Comparison {
  runs: CompareRun[];
  rows: MetricRow[];
  verdicts: VerdictLine[];
  /** Caveats: different engines, lengths, seeds, versions; series a run lacks. */
  notes: string[];
  scalelab: string;
}

/**
 * A value with its 95 % interval when there is one.
 *
 * @example valueText({ n: 3, mean: 2, sd: 1, ci95: 2.48 }) // '2.00 ± 2.48'
 */
export function valueText(cell: RunCell): string {
  if (!cell.present || cell.stats.mean === null) return MISSING;
  return cell.stats.ci95 === null ? formatNumber(cell.stats.mean) : `${formatNumber(cell.stats.mean)} ± ${formatNumber(cell.stats.ci95)}`;
}

/**
 * A difference from the reference, signed, with its interval and percentage.
 *
 * @example diffText({ diff: -3, diffCi95: null, diffPercent: -30, … }) // '−3 (−30.0 %)'
 */
export function diffText(cell: RunCell): string {
  if (cell.diff === null) return MISSING;
  const signed = (x: number): string => (x > 0 ? `+${formatNumber(x)}` : x < 0 ? `−${formatNumber(-x)}` : '0');
  const ci = cell.diffCi95 === null ? '' : ` ± ${formatNumber(cell.diffCi95)}`;
  const pct = cell.diffPercent === null ? '' : ` (${cell.diffPercent > 0 ? '+' : cell.diffPercent < 0 ? '−' : ''}${Math.abs(cell.diffPercent).toFixed(1)} %)`;
  return `${signed(cell.diff)}${ci}${pct}`;
}

/** "`faithful` vs `corrected`". */
function title(c: Comparison): string {
  return c.runs.map((r) => r.label).join(' vs ');
}

/** What each input is, one row each. */
function inputRows(c: Comparison): string[][] {
  return c.runs.map((r) => [
    r.label,
    `${r.kind} ${r.source}`,
    `${r.engine}/${r.variant}`,
    r.seeds.length === 0 ? MISSING : r.seeds.length <= 5 ? r.seeds.join(', ') : `${r.seeds.length} seeds (${r.seeds.slice(0, 3).join(', ')}, …)`,
    formatDuration(r.duration_s),
  ]);
}

const INPUT_HEAD = ['run', 'input', 'engine/variant', 'seeds', 'duration'];

/** A Markdown table. */
function mdTable(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const line = (cells: readonly string[]) => `| ${cells.map((x) => escapeMarkdown(x)).join(' | ')} |`;
  const rule = `|${head.map((_, i) => (right.has(i) ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** The head and cells of the side-by-side metrics table. */
function metricTable(c: Comparison): { head: string[]; rows: string[][]; right: Set<number> } {
  const ref = c.runs[0]!.label;
  const head = ['metric', 'unit', 'better', ...c.runs.map((r) => r.label), ...c.runs.slice(1).map((r) => `${r.label} − ${ref}`)];
  const rows = c.rows.map((row) => [
    row.metric,
    row.unit,
    row.better ?? MISSING,
    ...row.cells.map(valueText),
    ...row.cells.slice(1).map((cell) => `${diffText(cell)}${verdictMark(cell)}`),
  ]);
  const right = new Set(head.map((_, i) => i).filter((i) => i >= 3));
  return { head, rows, right };
}

/** A short mark after a difference: ✓ better, ✗ worse, ≈ within noise. */
function verdictMark(cell: RunCell): string {
  switch (cell.verdict) {
    case 'better':
      return ' ✓';
    case 'worse':
      return ' ✗';
    case 'within noise':
      return ' ≈';
    default:
      return '';
  }
}

/** What the table conventions mean, one line. */
function legend(c: Comparison): string {
  const seeds = Math.max(...c.runs.map((r) => r.seeds.length));
  const ci = seeds >= 2 ? 'Values are means over the seeds ± the 95 % confidence interval (Student t); differences are paired per seed with their own 95 % interval. ' : '';
  return `${ci}Differences are against ${c.runs[0]!.label}, the first input; ✓ better, ✗ worse, ≈ within noise, in the metric's better direction; — the run does not report the metric.`;
}

/** `compare.md`: inputs, caveats, verdict, then every metric in a collapsible table. */
export function compareMarkdown(c: Comparison): string {
  const parts: string[] = [`## scalelab compare: ${escapeMarkdown(title(c))}`, '', mdTable(INPUT_HEAD, inputRows(c)), ''];
  for (const n of c.notes) parts.push(`> ${escapeMarkdown(n)}`, '>');
  if (c.notes.length > 0) parts.splice(parts.length - 1, 1, '');
  parts.push('### Verdict', '');
  if (c.verdicts.length === 0) parts.push('No headline metric with a better direction is reported by two runs.', '');
  else parts.push(mdTable(['metric', 'better', 'best', 'how'], c.verdicts.map((v) => [v.metric, v.better, v.best ?? MISSING, v.text])), '');
  const t = metricTable(c);
  parts.push('<details><summary>Every metric</summary>', '', mdTable(t.head, t.rows, t.right), '', escapeMarkdown(legend(c)), '', '</details>', '');
  parts.push(`Generated by scalelab ${escapeMarkdown(c.scalelab)} (\`scalelab compare\`).`, '');
  return parts.join('\n');
}

/**
 * `compare.csv`: one row per metric and run, with the values over its seeds and its
 * difference from the reference (empty cells where there is none).
 */
export function compareCsv(c: Comparison): string {
  const num = (x: number | null): string => (x === null ? '' : String(x));
  const rows: string[][] = [];
  for (const row of c.rows) {
    row.cells.forEach((cell, i) => {
      const run = c.runs[i]!;
      rows.push([
        row.metric,
        row.unit,
        row.better ?? '',
        run.label,
        run.engine,
        run.variant,
        cell.present ? String(cell.stats.n) : '0',
        num(cell.stats.mean),
        num(cell.stats.sd),
        num(cell.stats.ci95),
        num(cell.diff),
        num(cell.diffCi95),
        num(cell.diffPercent),
        i === 0 ? 'reference' : cell.verdict,
      ]);
    });
  }
  return stringify(rows, {
    header: true,
    columns: ['metric', 'unit', 'better', 'run', 'engine', 'variant', 'n', 'mean', 'sd', 'ci95', 'diff', 'diff_ci95', 'diff_percent', 'verdict'],
  });
}

/** An HTML table; `right` columns are numeric. */
function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set(), titles: readonly string[] = []): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r, k) => `<tr>${r.map((x, i) => `<td${right.has(i) ? ' class="num"' : ''}${i === 0 && titles[k] ? ` title="${escapeHtml(titles[k]!)}"` : ''}>${escapeHtml(x)}</td>`).join('')}</tr>`);
  return `<div class="scroll"><table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table></div>`;
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(heading)}</h2>\n${body}\n</section>`;
}

/** `report.html`: inputs, caveats, verdict, metrics side by side, the two charts. */
export function compareHtml(c: Comparison, charts: readonly { id: string; spec: TopLevelSpec; svg: string }[]): string {
  const t = metricTable(c);
  const notes = c.notes.length === 0 ? '' : `<ul class="notes">\n${c.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`;
  const verdict =
    c.verdicts.length === 0
      ? '<p class="muted">No headline metric with a better direction is reported by two runs.</p>'
      : htmlTable(['metric', 'better', 'best', 'how'], c.verdicts.map((v) => [v.metric, v.better, v.best ?? MISSING, v.text]));
  const figures = charts.map(
    (ch) => `<figure id="chart-${ch.id}">\n${ch.svg}\n<script type="application/json" id="spec-${ch.id}">${jsonForScript(ch.spec)}</script>\n</figure>`,
  );
  const body = [
    `<header>\n<h1>${escapeHtml(title(c))}</h1>\n<p class="description">scalelab compare: ${c.runs.length} runs side by side.</p>\n</header>`,
    '<nav><a href="#verdict">Verdict</a><a href="#metrics">Metrics</a><a href="#charts">Charts</a></nav>',
    section('inputs', 'Inputs', htmlTable(INPUT_HEAD, inputRows(c)) + (notes ? `\n${notes}` : '')),
    section('verdict', 'Verdict', verdict),
    section('metrics', 'Metrics', `<p class="muted">${escapeHtml(legend(c))}</p>\n${htmlTable(t.head, t.rows, t.right, c.rows.map((r) => meaningOf(r.metric)))}`),
    section('charts', 'Charts', ['<p class="muted">Hover over a line for a bucket\'s numbers. Each chart\'s Vega-Lite v6 spec, data included, is embedded as <code>&lt;script type="application/json" id="spec-…"&gt;</code>.</p>', ...figures].join('\n')),
    `<footer>Generated by scalelab ${escapeHtml(c.scalelab)}.</footer>`,
  ].join('\n');
  return htmlPage(`scalelab compare — ${title(c)}`, body, 'ul.notes { color: #8a4b00; }\n');
}
