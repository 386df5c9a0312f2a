/**
 * Turns a run's results into files: Vega-Lite specs rendered to SVG in-process (Vega's
 * headless `renderer: 'none'` view; no canvas package, no network; text widths are
 * estimated), then `report.html` and `summary.md` written atomically into the run directory.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { allCharts, type ChartId } from './charts.js';
import { reportHtml } from './html.js';
import { summaryMarkdown } from './markdown.js';
import type { ChartData, RunSummary } from './types.js';
import { writeFileAtomic } from './files.js';

export { reportHtml } from './html.js';
export { summaryMarkdown } from './markdown.js';

/**
 * Renders a Vega-Lite spec to an SVG string. Element ids in the SVG (clip paths, gradients)
 * are renamed `<idPrefix>-1`, `<idPrefix>-2` … so several SVGs can share one page and the
 * output does not depend on Vega's global counters.
 */
export async function renderSvg(vlSpec: TopLevelSpec, idPrefix = 'vg'): Promise<string> {
  const vgSpec = compile(vlSpec).spec;
  const view = new vega.View(vega.parse(vgSpec as vega.Spec), { renderer: 'none' });
  try {
    return svgTooltips(compactSvgNumbers(scopeSvgIds(await view.toSVG(), idPrefix)));
  } finally {
    view.finalize();
  }
}

/**
 * Rounds the coordinates in geometry attributes (`d`, `transform`, `x`, `y`, `x2`, `y2`,
 * `width`, `height`) to two decimals — a hundredth of a pixel — and drops the per-item
 * `aria-roledescription` (its container says it), so a chart of a few thousand marks is a
 * third of the size. Deterministic: the same SVG in gives the same bytes out.
 *
 * @example compactSvgNumbers('<path d="M8.333333333333332,0h2.7777777777777786v110Z"/>') // '<path d="M8.33,0h2.78v110Z"/>'
 */
export function compactSvgNumbers(svg: string): string {
  return svg
    .replace(/\s(d|transform|x|y|x2|y2|width|height)="([^"]*)"/g, (_m, name: string, value: string) => ` ${name}="${value.replace(/-?\d+\.\d{3,}(?:e-?\d+)?/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`)
    .replace(/ role="graphics-symbol" aria-roledescription="[^"]*"/g, ' role="graphics-symbol"');
}

/**
 * Gives every mark item that has a description (`aria-label`, from Vega-Lite's `description`
 * channel or its default) an SVG `<title>` child holding the same text: browsers show it as a
 * tooltip, with no script and offline.
 *
 * @example svgTooltips('<path aria-label="3 × scale_up" role="graphics-symbol" d="M0,0"/>')
 * // '<path role="graphics-symbol" d="M0,0"><title>3 × scale_up</title></path>'
 */
export function svgTooltips(svg: string): string {
  return svg.replace(/<(path|line|rect|circle)(\s[^>]*?aria-label="([^"]*)"[^>]*?)\/>/g, (_m, tag: string, attrs: string, label: string) =>
    `<${tag}${attrs.replace(` aria-label="${label}"`, '')}><title>${label}</title></${tag}>`,
  );
}

/** Renames every `id="…"` in an SVG to `<prefix>-<n>` in order, and every reference to it. */
export function scopeSvgIds(svg: string, prefix: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    const id = match[1]!;
    if (!renamed.has(id)) renamed.set(id, `${prefix}-${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => {
    const to = renamed.get(id);
    return to === undefined ? whole : lead + to;
  });
}

/** Renders the charts to SVG, one after another. */
export async function renderCharts(specs: Record<ChartId, TopLevelSpec>): Promise<Record<ChartId, string>> {
  const svgs = {} as Record<ChartId, string>;
  for (const id of Object.keys(specs) as ChartId[]) svgs[id] = await renderSvg(specs[id], `chart-${id}`);
  return svgs;
}

/** Writes `report.html` and `summary.md` into `outDir` (created if missing). */
export async function writeReport(outDir: string, summary: RunSummary, charts: ChartData): Promise<void> {
  const specs = allCharts(charts);
  const svgs = await renderCharts(specs);
  await mkdir(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'report.html'), reportHtml(summary, svgs, specs));
  writeFileAtomic(join(outDir, 'summary.md'), summaryMarkdown(summary));
}

