/**
 * The sweep report's charts as Vega-Lite v6 specs with their data inlined: the Pareto scatter
 * with 95 % error bars, heatmaps of a metric over two swept keys, and sensitivity lines (a
 * metric against one key, the other keys at the best point's values). Rendered to SVG by
 * `report/render.ts`; the specs ride along in the page for re-use.
 */
import type { TopLevelSpec } from 'vega-lite';
import { parseDuration } from '../kernel/time.js';
import { domainValues, type Axis } from './axis.js';
import type { Goal, HeatmapSpec } from './choice.js';
import type { JudgedPoint, Judgement } from './choose.js';

/** A chart to draw: its id (for SVG ids), title and spec. */
export interface ChartEntry {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

type Row = Record<string, string | number | boolean | null>;

const FRONT = '#d62728';
const OTHER = '#7f7f7f';

/** Short names for the axes: the last key segment, or the whole key when that is ambiguous. */
export function shortKeys(axes: readonly Axis[]): string[] {
  const last = axes.map((a) => a.key.split('.').pop()!.replace(/\[\d+\]$/, ''));
  return axes.map((a, i) => (last.filter((l) => l === last[i]).length > 1 ? a.key : last[i]!));
}

/**
 * A point as `k=v, k=v` with short keys.
 *
 * @example pointLabel(['scale_up_threshold_percent', 'cooldown_period'], ['85', '300s']) // 'scale_up_threshold_percent=85, cooldown_period=300s'
 */
export function pointLabel(names: readonly string[], values: readonly string[]): string {
  return names.map((n, i) => `${n}=${values[i]}`).join(', ');
}

/** The mean and CI bounds of a metric for a point, or nulls. */
function band(p: JudgedPoint, metric: string): { mean: number | null; lo: number | null; hi: number | null } {
  const s = p.stats[metric];
  if (!s || s.mean === null) return { mean: null, lo: null, hi: null };
  return { mean: s.mean, lo: s.ci95 === null ? null : s.mean - s.ci95, hi: s.ci95 === null ? null : s.mean + s.ci95 };
}

/** Axis title with unit. */
function titled(metric: string, units: Record<string, string>): string {
  const u = units[metric];
  return u ? `${metric} (${u})` : metric;
}

/**
 * The Pareto scatter: each point's means on the two metrics with 95 % CI bars, the front in
 * red and joined by a line, infeasible points hollow, the best point labelled.
 */
export function paretoChart(j: Judgement, axes: readonly Axis[], pareto: readonly [Goal, Goal], units: Record<string, string>, asWritten: number | null = null): ChartEntry {
  const names = shortKeys(axes);
  const [gx, gy] = pareto;
  const rows: Row[] = j.points
    .filter((p) => p.runs > 0)
    .map((p) => {
      const x = band(p, gx.metric);
      const y = band(p, gy.metric);
      return {
        label: pointLabel(names, p.values),
        x: x.mean,
        xlo: x.lo,
        xhi: x.hi,
        y: y.mean,
        ylo: y.lo,
        yhi: y.hi,
        set: p.pareto ? 'Pareto front' : 'dominated',
        feasible: p.feasible ? 'feasible' : 'infeasible',
        best: j.best !== null && p.index === j.best.index,
        note: [j.best !== null && p.index === j.best.index ? 'best' : '', p.index === asWritten ? 'as written' : ''].filter((x) => x !== '').join(' = '),
        tip: `${pointLabel(names, p.values)}: ${gx.metric} ${formatCell(x.mean)}, ${gy.metric} ${formatCell(y.mean)}${p.pareto ? ' (Pareto front)' : ''}${p.feasible ? '' : ' (infeasible)'}`,
      };
    })
    .filter((r) => r.x !== null && r.y !== null);
  const colour = { field: 'set', type: 'nominal', title: null, scale: { domain: ['Pareto front', 'dominated'], range: [FRONT, OTHER] } };
  const xEnc = { field: 'x', type: 'quantitative', title: titled(gx.metric, units), scale: { zero: false, domain: extent(rows, ['x', 'xlo', 'xhi']) } };
  const yEnc = { field: 'y', type: 'quantitative', title: titled(gy.metric, units), scale: { zero: false, domain: extent(rows, ['y', 'ylo', 'yhi']) } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 420,
    data: { values: rows },
    layer: [
      { transform: [{ filter: 'datum.xlo !== null' }], mark: { type: 'rule', opacity: 0.45 }, encoding: { x: { field: 'xlo', type: 'quantitative' }, x2: { field: 'xhi' }, y: yEnc, color: colour } },
      { transform: [{ filter: 'datum.ylo !== null' }], mark: { type: 'rule', opacity: 0.45 }, encoding: { y: { field: 'ylo', type: 'quantitative' }, y2: { field: 'yhi' }, x: xEnc, color: colour } },
      { transform: [{ filter: "datum.set === 'Pareto front'" }], mark: { type: 'line', color: FRONT, strokeDash: [4, 3], strokeWidth: 1 }, encoding: { x: xEnc, y: yEnc, order: { field: 'x', type: 'quantitative' } } },
      {
        mark: { type: 'point', size: 70, filled: true, opacity: 0.85 },
        encoding: {
          x: xEnc,
          y: yEnc,
          color: colour,
          shape: { field: 'feasible', type: 'nominal', title: null, scale: { domain: ['feasible', 'infeasible'], range: ['circle', 'cross'] } },
          description: { field: 'tip' },
        },
      },
      { transform: [{ filter: "datum.note !== ''" }], mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11, fontWeight: 'bold' }, encoding: { x: xEnc, y: yEnc, text: { field: 'note' } } },
    ],
  };
  const dir = (g: Goal) => (g.direction === 'min' ? 'lower is better' : 'higher is better');
  return {
    id: 'pareto',
    title: `Pareto front: ${gx.metric} vs ${gy.metric}`,
    caption: `Each point's mean over its seeds with 95 % confidence bars; ${gx.metric} ${dir(gx)}, ${gy.metric} ${dir(gy)}. Red: not dominated by any other point; crosses: points that break a constraint.${asWritten !== null ? ' "as written": the scenario\'s own configuration.' : ''}`,
    spec: spec as unknown as TopLevelSpec,
  };
}

/**
 * [min, max] over the given fields of the rows, padded by 5 % (a single value gets ±1 or
 * ±5 % of itself), so error bars stay inside the plot.
 */
export function extent(rows: readonly Row[], fields: readonly string[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    for (const f of fields) {
      const v = r[f];
      if (typeof v === 'number' && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.max(1, Math.abs(lo) * 0.05);
  return [lo - pad, hi + pad];
}

/** The point's values on the axes other than `keep`, equal to the anchor's. */
function inSlice(p: JudgedPoint, anchor: JudgedPoint, keep: readonly number[]): boolean {
  return p.values.every((v, i) => keep.includes(i) || v === anchor.values[i]);
}

/**
 * A heatmap of `spec.metric`'s mean over two axes, the other axes held at the anchor's (best
 * point's) values; each cell labelled with its value.
 */
export function heatmapChart(j: Judgement, axes: readonly Axis[], xi: number, yi: number, metric: string, units: Record<string, string>, anchor: JudgedPoint): ChartEntry {
  const names = shortKeys(axes);
  const rows: Row[] = j.points
    .filter((p) => p.runs > 0 && inSlice(p, anchor, [xi, yi]))
    .map((p) => ({
      xv: p.values[xi]!,
      yv: p.values[yi]!,
      value: p.stats[metric]?.mean ?? null,
      text: formatCell(p.stats[metric]?.mean ?? null),
      tip: `${pointLabel([names[xi]!, names[yi]!], [p.values[xi]!, p.values[yi]!])}: ${metric} ${formatCell(p.stats[metric]?.mean ?? null)}`,
    }));
  // dark text on the bright end of viridis, white on the dark end
  const [lo, hi] = extent(rows, ['value']);
  for (const r of rows) r['bright'] = typeof r['value'] === 'number' && (r['value'] - lo) / (hi - lo) > 0.55;
  const order = (i: number) => domainValues(axes[i]!.domain) ?? numericOrder([...new Set(rows.map((r) => String(i === xi ? r['xv'] : r['yv'])))]);
  const cells = order(xi).length * order(yi).length;
  const layers: unknown[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'xv', type: 'ordinal', title: names[xi], sort: order(xi), axis: { labelAngle: 0 } },
        y: { field: 'yv', type: 'ordinal', title: names[yi], sort: order(yi) },
        color: { field: 'value', type: 'quantitative', title: metric, scale: { scheme: 'viridis' }, legend: { titleLimit: 400 } },
        description: { field: 'tip' },
      },
    },
  ];
  if (cells <= 225) {
    layers.push({
      mark: { type: 'text', fontSize: 10 },
      encoding: {
        x: { field: 'xv', type: 'ordinal', sort: order(xi) },
        y: { field: 'yv', type: 'ordinal', sort: order(yi) },
        text: { field: 'text' },
        color: { condition: { test: 'datum.bright', value: '#222' }, value: '#fff' },
      },
    });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: { step: 52 },
    height: { step: 26 },
    data: { values: rows },
    layer: layers,
  };
  const others = axes.map((_, i) => i).filter((i) => i !== xi && i !== yi);
  const held = others.length === 0 ? '' : ` Other keys at the best point's values: ${pointLabel(others.map((i) => names[i]!), others.map((i) => anchor.values[i]!))}.`;
  return {
    id: `heatmap-${metric}-${xi}-${yi}`,
    title: `${metric} over ${names[xi]} × ${names[yi]}`,
    caption: `Mean ${titled(metric, units)} over the seeds of each point.${held}`,
    spec: spec as unknown as TopLevelSpec,
  };
}

/**
 * A cell label: 3 significant digits, thousands and millions abbreviated, or `—`.
 *
 * @example formatCell(498428.3) // '498k'
 */
export function formatCell(v: number | null): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (abs >= 1000) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

/**
 * Values in numeric order when all are numbers (`2, 10` rather than `10, 2`), else as given.
 *
 * @example numericOrder(['10', '2', '3']) // ['2', '3', '10']
 */
export function numericOrder(values: readonly string[]): string[] {
  const numbers = numericValues(values);
  if (numbers === null) return [...values];
  return values.map((v, i) => [v, numbers[i]!] as const).sort((a, b) => a[1] - b[1]).map(([v]) => v);
}

/**
 * The axis's values as numbers (durations in seconds) when all of them are numbers, else null.
 *
 * @example numericValues(['60s', '120s']) // [60, 120]
 */
export function numericValues(values: readonly string[]): number[] | null {
  const out: number[] = [];
  for (const v of values) {
    if (/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v)) out.push(Number(v));
    else if (/^\d+(\.\d+)?\s*[A-Za-zµ]+$/.test(v)) {
      try {
        out.push(parseDuration(v) / 1e6);
      } catch {
        return null;
      }
    } else return null;
  }
  return out;
}

/**
 * Sensitivity of `metric` to axis `ai`: its mean (with 95 % CI bars) at each value of the
 * axis, the others at the anchor's values (grid), or every point (random sampling: no slice
 * holds more than one point).
 */
export function sensitivityChart(j: Judgement, axes: readonly Axis[], ai: number, metric: string, units: Record<string, string>, anchor: JudgedPoint, sampled: boolean): ChartEntry {
  const names = shortKeys(axes);
  const pts = j.points.filter((p) => p.runs > 0 && (sampled || inSlice(p, anchor, [ai])));
  const numbers = numericValues(pts.map((p) => p.values[ai]!));
  const isDuration = numbers !== null && pts.some((p) => !/^-?[\d.eE+-]+$/.test(p.values[ai]!));
  const rows: Row[] = pts.map((p, k) => {
    const b = band(p, metric);
    return { xv: numbers ? numbers[k]! : p.values[ai]!, mean: b.mean, lo: b.lo, hi: b.hi, best: p.index === anchor.index, tip: `${pointLabel(names, p.values)}: ${metric} ${formatCell(b.mean)}` };
  });
  // integer keys (instance counts, tick counts, whole seconds) get integer ticks only
  const integral = numbers !== null && numbers.every((v) => Number.isInteger(v));
  const order = domainValues(axes[ai]!.domain);
  const xEnc = numbers
    ? { field: 'xv', type: 'quantitative', title: isDuration ? `${names[ai]} (s)` : names[ai], scale: { zero: false }, axis: integral ? { format: 'd', tickMinStep: 1 } : { format: '~r' } }
    : { field: 'xv', type: 'ordinal', title: names[ai], ...(order ? { sort: order } : {}) };
  const yEnc = { field: 'mean', type: 'quantitative', title: titled(metric, units), scale: { zero: false, domain: extent(rows, ['mean', 'lo', 'hi']) } };
  const layers: unknown[] = [
    { transform: [{ filter: 'datum.lo !== null' }], mark: { type: 'rule', color: '#4c78a8', opacity: 0.6 }, encoding: { x: xEnc, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ...(sampled ? [] : [{ mark: { type: 'line', color: '#4c78a8' }, encoding: { x: xEnc, y: yEnc } }]),
    { mark: { type: 'point', color: '#4c78a8', filled: !sampled }, encoding: { x: xEnc, y: yEnc, description: { field: 'tip' } } },
    { transform: [{ filter: 'datum.best' }], mark: { type: 'point', color: FRONT, size: 80, filled: true }, encoding: { x: xEnc, y: yEnc, description: { field: 'tip' } } },
  ];
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 260, height: 160, data: { values: rows }, layer: layers };
  const others = axes.map((_, i) => i).filter((i) => i !== ai);
  const held = sampled || others.length === 0 ? (sampled ? ' All sampled points.' : '') : ` Others at ${pointLabel(others.map((i) => names[i]!), others.map((i) => anchor.values[i]!))}.`;
  return {
    id: `sens-${metric}-${ai}`,
    title: `${metric} vs ${names[ai]}`,
    caption: `Mean with 95 % CI; the best point in red.${held}`,
    spec: spec as unknown as TopLevelSpec,
  };
}

/**
 * The heatmaps to draw: those asked for, or by default the objective, the Pareto y metric and
 * the flip-flop rate over each pair of the first three axes with several values (at most 9).
 */
export function heatmapPlan(axes: readonly Axis[], asked: readonly HeatmapSpec[], defaults: readonly string[]): Array<{ metric: string; xi: number; yi: number }> {
  const multi = axes.map((a, i) => ({ a, i })).filter(({ a }) => (domainValues(a.domain)?.length ?? 0) > 1).map(({ i }) => i);
  if (asked.length > 0) {
    return asked.flatMap((h) => {
      const xi = h.x !== undefined ? axes.findIndex((a) => a.key === h.x) : multi[0];
      const yi = h.y !== undefined ? axes.findIndex((a) => a.key === h.y) : multi[1];
      return xi === undefined || yi === undefined || xi < 0 || yi < 0 || xi === yi ? [] : [{ metric: h.metric, xi, yi }];
    });
  }
  const first = multi.slice(0, 3);
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < first.length; a++) for (let b = a + 1; b < first.length; b++) pairs.push([first[a]!, first[b]!]);
  return defaults.flatMap((metric) => pairs.map(([xi, yi]) => ({ metric, xi, yi })));
}
