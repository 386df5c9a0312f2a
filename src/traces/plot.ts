/**
 * `scalelab trace show FILE --plot OUT.svg|OUT.html`: the series of a trace as a step chart.
 *
 * A second streaming pass averages each plotted series into at most 1,000 time buckets (the
 * mean of the rows in a bucket, drawn step-after like the replay holds values), so the chart of a
 * 1 GB trace costs the same memory as that of a small one. At most 12 series are drawn — the ones
 * with the highest mean unless `series` names them; the chart says how many were left out. The
 * Vega-Lite spec is compiled to Vega and rendered to SVG headlessly; `.html` wraps the SVG, the
 * statistics table and the spec in one self-contained page.
 */
import { writeFileAtomic } from '../files/atomic.js';
import { checkOutputFile, refuseInputAsOutput } from '../files/outputs.js';
import { InputError } from '../scenario/errors.js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { emptyRow, TraceReader } from '../load/trace-reader.js';
import { formatTraceStats, type TraceStats } from './show.js';

const BUCKETS = 1000;
export const MAX_PLOTTED_SERIES = 12;

export interface PlotOptions {
  /** Series to draw (default: the 12 with the highest mean). */
  series?: string[];
  title?: string;
}

export interface PlotPoint {
  /** Bucket start, in the chart's time unit. */
  t: number;
  series: string;
  cores: number;
}

/** Write the chart of `stats.file` to `out` (SVG, or HTML when `out` ends in .html). */
export async function plotTrace(stats: TraceStats, out: string, options: PlotOptions = {}): Promise<void> {
  const chosen = chooseSeries(stats, options.series);
  const unit = timeUnit(stats.last - stats.first);
  const points = bucketPoints(stats, chosen, unit.micros);
  const left = stats.series.length - chosen.length;
  const title = options.title ?? `${stats.file}${left > 0 ? ` (${chosen.length} of ${stats.series.length} series)` : ''}`;
  const spec = chartSpec(points, unit.name, title);
  const svg = await renderSvg(spec);
  const text = out.toLowerCase().endsWith('.html') ? htmlPage(stats, svg, spec) : svg;
  writeFileAtomic(out, text);
}

/**
 * Check a `--plot` target before anything is computed: `.svg` or `.html` (a chart is never
 * written into a file whose name says it is something else), a writable place, not the trace.
 *
 * @example checkPlotTarget('chart.png', 'trace.csv') // throws: --plot: must end in .svg or .html
 */
export function checkPlotTarget(out: string, trace: string): void {
  if (!/\.(svg|html)$/i.test(out)) throw new InputError(`must end in .svg or .html (the chart is SVG), got ${JSON.stringify(out)}`, { key: '--plot' });
  checkOutputFile(out, '--plot');
  refuseInputAsOutput([out], [trace], '--plot');
}

function chooseSeries(stats: TraceStats, wanted?: string[]): string[] {
  if (wanted && wanted.length > 0) return wanted.filter((w) => stats.series.some((s) => s.series === w));
  return [...stats.series]
    .sort((a, b) => b.mean - a.mean)
    .slice(0, MAX_PLOTTED_SERIES)
    .map((s) => s.series);
}

/** Seconds, minutes, hours or days, whichever keeps the axis numbers readable. */
export function timeUnit(span: number): { name: string; micros: number } {
  if (span >= 3 * 86_400e6) return { name: 'days', micros: 86_400e6 };
  if (span >= 3 * 3_600e6) return { name: 'hours', micros: 3_600e6 };
  if (span >= 3 * 60e6) return { name: 'minutes', micros: 60e6 };
  return { name: 'seconds', micros: 1e6 };
}

/** Mean value per (series, time bucket), in one streaming pass. */
export function bucketPoints(stats: TraceStats, series: string[], unitMicros: number): PlotPoint[] {
  const index = new Map(series.map((s, i) => [s, i]));
  const span = Math.max(1, stats.last - stats.first);
  const width = span / BUCKETS;
  const sums = new Float64Array(series.length * (BUCKETS + 1));
  const counts = new Uint32Array(series.length * (BUCKETS + 1));
  const reader = new TraceReader(stats.file);
  const row = emptyRow();
  try {
    while (reader.next(row)) {
      const i = index.get(row.series);
      if (i === undefined) continue;
      const bucket = Math.min(BUCKETS, Math.floor((row.time - stats.first) / width));
      sums[i * (BUCKETS + 1) + bucket]! += row.cores;
      counts[i * (BUCKETS + 1) + bucket]!++;
    }
  } finally {
    reader.close();
  }
  const points: PlotPoint[] = [];
  series.forEach((name, i) => {
    for (let b = 0; b <= BUCKETS; b++) {
      const k = i * (BUCKETS + 1) + b;
      if (counts[k]! > 0) points.push({ t: (stats.first + b * width) / unitMicros, series: name, cores: sums[k]! / counts[k]! });
    }
  });
  return points;
}

export function chartSpec(points: PlotPoint[], unit: string, title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 800,
    height: 300,
    background: 'white',
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: `trace time (${unit})` },
      y: { field: 'cores', type: 'quantitative', title: 'CPU demand (cores)' },
      color: { field: 'series', type: 'nominal', title: 'series' },
    },
  };
}

/** Vega-Lite → Vega → SVG, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled as vega.Spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function htmlPage(stats: TraceStats, svg: string, spec: TopLevelSpec): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const specWithoutData = { ...spec, data: { name: 'trace' } };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(stats.file)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}pre{font-size:12px;overflow-x:auto}</style></head>
<body>
<h1>${escape(stats.file)}</h1>
${svg}
<h2>Statistics</h2>
<pre>${escape(formatTraceStats(stats))}</pre>
<details><summary>Vega-Lite spec (data omitted)</summary><pre>${escape(JSON.stringify(specWithoutData, null, 2))}</pre></details>
</body></html>
`;
}
