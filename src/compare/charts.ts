/**
 * The comparison's two charts, as Vega-Lite specs (rendered to inline SVG by
 * report/render.ts): demand with each run's serving capacity overlaid, and instance counts
 * over time, one colour per run, each a step line of its bucket means with the min–max band.
 */
import type { TopLevelSpec } from 'vega-lite';
import { timeScale } from '../report/charts.js';
import { formatDuration } from '../report/format.js';
import type { Role, RoleSeries } from './series.js';

/** Okabe–Ito colours, one per run (then repeating). */
export const RUN_COLOURS: readonly string[] = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];

/** One run's bucketed series. */
export interface ChartRun {
  label: string;
  series: Partial<Record<Role, RoleSeries>>;
}

type Row = Record<string, string | number | null>;

const WIDTH = 800;
const HEIGHT = 260;

/** Rounds for the embedded data (the picture does not change, the page shrinks). */
function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Step rows of one run's role: a row at each bucket start and one closing the last bucket.
 *
 * @example stepRows('a', 'capacity', [{ t0: 0, t1: 60, mean: 2, min: 1, max: 3 }]) // two rows
 */
export function stepRows(run: string, line: string, buckets: RoleSeries['buckets']): Row[] {
  const rows: Row[] = [];
  for (const b of buckets) rows.push({ run, line, t: b.t0, value: r3(b.mean), lo: r3(b.min), hi: r3(b.max) });
  const last = buckets[buckets.length - 1];
  if (last !== undefined) rows.push({ run, line, t: last.t1, value: r3(last.mean), lo: r3(last.min), hi: r3(last.max) });
  return rows;
}

/** Whether every run's demand is the same series (the same load): then it is drawn once. */
export function sameDemand(runs: readonly ChartRun[]): boolean {
  const first = runs[0]?.series.demand;
  if (first === undefined) return false;
  return runs.every((r) => {
    const d = r.series.demand;
    return d !== undefined && d.buckets.length === first.buckets.length && d.buckets.every((b, i) => b.t0 === first.buckets[i]!.t0 && r3(b.mean) === r3(first.buckets[i]!.mean));
  });
}

function baseSpec(title: string, subtitle: string[], duration: number, yTitle: string, rows: Row[], domain: string[], range: string[], dashed: boolean): TopLevelSpec {
  const time = timeScale({ duration });
  const x = { field: 'x', type: 'quantitative', title: time.title, scale: { domain: [0, time.max], nice: false, zero: true } };
  const colour = { field: 'line', type: 'nominal', title: null, scale: { domain, range } };
  const calc = { calculate: `datum.t / ${time.divisor}`, as: 'x' };
  const tip = { calculate: `datum.line + ' at ' + format(datum.x, '.3~f') + ' ${time.unit}: ' + format(datum.value, '.3~f') + (datum.lo === datum.hi ? '' : ' (min ' + format(datum.lo, '.3~f') + ', max ' + format(datum.hi, '.3~f') + ')')`, as: 'tip' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        transform: [calc, { calculate: 'datum.line', as: 'band' }],
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.15, aria: false },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, fill: { field: 'band', type: 'nominal', scale: { domain, range }, legend: null } },
      },
      {
        transform: [calc],
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: true } },
          color: colour,
          ...(dashed ? { strokeDash: { field: 'dash', type: 'nominal', legend: null, scale: { domain: ['solid', 'dashed'], range: [[1, 0], [5, 3]] } } } : {}),
        },
      },
      {
        transform: [calc, tip],
        mark: { type: 'rule', opacity: 0, strokeWidth: 6 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, description: { field: 'tip' } },
      },
    ],
    config: {
      font: 'sans-serif',
      view: { stroke: '#cccccc' },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
      legend: { orient: 'top', direction: 'horizontal', columns: 3, labelFontSize: 11, labelLimit: 320, symbolStrokeWidth: 2 },
      title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#555555' },
    },
  } as TopLevelSpec;
}

/**
 * Demand and each run's serving capacity, cores. The same demand in every run is one black
 * line; different demands are dashed lines in each run's colour.
 */
export function demandCapacityChart(runs: readonly ChartRun[], duration: number, bucket: number): TopLevelSpec {
  const rows: Row[] = [];
  const domain: string[] = [];
  const range: string[] = [];
  const once = sameDemand(runs);
  if (once) {
    domain.push('demand (every run)');
    range.push('#444444');
    rows.push(...stepRows('', 'demand (every run)', runs[0]!.series.demand!.buckets).map((r) => ({ ...r, dash: 'dashed' })));
  }
  runs.forEach((run, i) => {
    const colour = RUN_COLOURS[i % RUN_COLOURS.length]!;
    const cap = run.series.capacity;
    if (cap !== undefined) {
      domain.push(`${run.label} capacity`);
      range.push(colour);
      rows.push(...stepRows(run.label, `${run.label} capacity`, cap.buckets).map((r) => ({ ...r, dash: 'solid' })));
    }
    const dem = run.series.demand;
    if (!once && dem !== undefined) {
      domain.push(`${run.label} demand`);
      range.push(colour);
      rows.push(...stepRows(run.label, `${run.label} demand`, dem.buckets).map((r) => ({ ...r, dash: 'dashed' })));
    }
  });
  return baseSpec(
    'Demand and each run’s serving capacity',
    [
      `cores, summed over the groups; mean per ${formatDuration(bucket)} bucket (over the seeds too), shaded min–max; solid: capacity, dashed: demand`,
      once ? 'the demand is the same in every run (same load and seed), drawn once' : 'the runs see different demand: one dashed line per run',
    ],
    duration,
    'cores',
    rows,
    domain,
    range,
    true,
  );
}

/** Instances over time, one line per run. */
export function instancesChart(runs: readonly ChartRun[], duration: number, bucket: number): TopLevelSpec {
  const rows: Row[] = [];
  const domain: string[] = [];
  const range: string[] = [];
  runs.forEach((run, i) => {
    const inst = run.series.instances;
    if (inst === undefined) return;
    domain.push(run.label);
    range.push(RUN_COLOURS[i % RUN_COLOURS.length]!);
    rows.push(...stepRows(run.label, run.label, inst.buckets));
  });
  return baseSpec(
    'Instances over time',
    [`instances summed over the groups (${[...new Set(runs.flatMap((r) => (r.series.instances ? [r.series.instances.series] : [])))].join(', ') || 'no series'}); mean per ${formatDuration(bucket)} bucket, shaded min–max`],
    duration,
    'instances',
    rows,
    domain,
    range,
    false,
  );
}
