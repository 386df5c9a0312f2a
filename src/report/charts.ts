/**
 * The four report charts as Vega-Lite v6 specs: plain objects with their data inlined, so a
 * spec can be rendered here (see `render.ts`) or pasted into any Vega-Lite tool later.
 *
 * Every chart facets one row per group (the caller limits the groups, ≈ 8), shares one time
 * axis (hours; minutes for runs shorter than an hour) and draws state as step series, because
 * the simulator's state is piecewise constant between events.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartAction, ChartActionKind, ChartData, ChartPoint } from './types.js';

/** Names of the four charts, in report order. */
export type ChartId = 'demand' | 'instances' | 'cpu' | 'ticks';

/** Report order of the charts. */
export const CHART_IDS: readonly ChartId[] = ['demand', 'instances', 'cpu', 'ticks'];

/** Plot width of every chart, in pixels. */
export const CHART_WIDTH = 800;

/** Action kinds in legend order, with their colours. */
const ACTION_COLOURS: Record<ChartActionKind, string> = {
  scale_up: '#2ca02c',
  scale_down: '#ff7f0e',
  spawn_failed: '#d62728',
  boot_failed: '#8c564b',
  primary_killed: '#9467bd',
  primary_restarted: '#e377c2',
  orphaned: '#bcbd22',
  clone_destroyed: '#7f7f7f',
};

/** Instance states in stacking order (bottom first), with their colours. */
const STATE_COLOURS = {
  running: '#4c78a8',
  booting: '#f58518',
  stopping: '#b0b0b0',
  orphaned: '#e45756',
} as const;

const STATES = Object.keys(STATE_COLOURS) as (keyof typeof STATE_COLOURS)[];

/** A row of inlined chart data; `kind` tells the layers apart. */
type Row = Record<string, string | number | null>;

/** A faceted Vega-Lite spec (vega-lite exports only `TopLevelSpec`; the rest is derived). */
type FacetSpec = Extract<TopLevelSpec, { facet: unknown }>;
/** The layered spec inside a facet. */
type InnerLayerSpec = Extract<FacetSpec['spec'], { layer: unknown }>;
/** One unit layer. */
type Layer = Exclude<InnerLayerSpec['layer'][number], { layer: unknown }>;
/** A layer's encoding. */
type Encoding = NonNullable<Layer['encoding']>;
/** A layer's transforms. */
type Transform = NonNullable<Layer['transform']>[number];

/** How time is shown on the x axis. */
export interface TimeScale {
  /** Seconds per axis unit. */
  divisor: number;
  /** Field the layers compute (`hours` or `minutes`). */
  field: string;
  title: string;
  /** End of the axis in axis units. */
  max: number;
}

/** Returns all four charts keyed by id. */
export function allCharts(data: ChartData): Record<ChartId, TopLevelSpec> {
  return {
    demand: demandChart(data),
    instances: instancesChart(data),
    cpu: cpuChart(data),
    ticks: ticksChart(data),
  };
}

/** Human title of each chart (also used as figure captions). */
export const CHART_TITLES: Record<ChartId, string> = {
  demand: 'Demand vs serving capacity',
  instances: 'Instances by state',
  cpu: 'Observed CPU vs thresholds',
  ticks: 'Threshold tick counters and cooldowns',
};

/**
 * (a) Demand and serving capacity per group as step lines, with every scaling action and
 * fault marked as a vertical rule coloured by kind.
 */
export function demandChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const actions = actionsOf(data);
  const kinds = presentActionKinds(actions);
  const domain = ['demand', 'capacity', ...kinds];
  const range = ['#222222', '#1f77b4', ...kinds.map((k) => ACTION_COLOURS[k])];
  const colour = { type: 'nominal', title: null, scale: { domain, range } } as const;
  const rows: Row[] = [
    ...stepRows(data, (p) => ({ demand: round(p.demand, 3), capacity: round(p.capacity, 3) })),
    ...actions.map((a) => ({ kind: 'action', t: a.t, group: a.group, action: a.action })),
  ];
  const ruleLayer: Layer = {
    transform: [{ filter: "datum.kind === 'action'" }, timeCalc(time, 't', time.field)],
    mark: { type: 'rule', strokeWidth: 1, opacity: 0.55 },
    encoding: { x: xEncoding(time), color: { ...colour, field: 'action' } },
  };
  const lineLayer: Layer = {
    transform: [
      { filter: "datum.kind === 'point'" },
      timeCalc(time, 't', time.field),
      { fold: ['demand', 'capacity'], as: ['series', 'value'] },
    ],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: xEncoding(time),
      y: { field: 'value', type: 'quantitative', title: 'cores', scale: { zero: true } },
      color: { ...colour, field: 'series' },
    },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.demand,
    subtitle: 'CPU demand and serving capacity (vCPUs of running instances) in cores; vertical rules mark scaling actions and faults',
    layers: kinds.length > 0 ? [ruleLayer, lineLayer] : [lineLayer],
    independentY: true,
  });
}

/**
 * (b) Instances by state (running at the bottom, then booting, stopping, orphaned) as stacked
 * step areas. The stack is an explicit transform drawn with y/y2: Vega-Lite's implicit area
 * stacking would impute zeros at every other group's sample times and tear the areas.
 */
export function instancesChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const rows: Row[] = stepRows(data, (p) => ({
    running: p.running,
    booting: p.booting,
    stopping: p.stopping,
    orphaned: p.orphaned,
  }));
  const areaLayer: Layer = {
    transform: [
      timeCalc(time, 't', time.field),
      { fold: [...STATES], as: ['state', 'count'] },
      { calculate: `indexof(${JSON.stringify(STATES)}, datum.state)`, as: 'state_order' },
      {
        stack: 'count',
        groupby: ['group', time.field],
        sort: [{ field: 'state_order', order: 'ascending' }],
        as: ['count_low', 'count_high'],
      },
    ],
    mark: { type: 'area', interpolate: 'step-after' },
    encoding: {
      x: xEncoding(time),
      y: { field: 'count_high', type: 'quantitative', title: 'instances', scale: { zero: true } },
      y2: { field: 'count_low' },
      color: {
        field: 'state',
        type: 'nominal',
        title: null,
        scale: { domain: [...STATES], range: STATES.map((s) => STATE_COLOURS[s]) },
      },
    },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.instances,
    subtitle: 'instances per state, stacked (running at the bottom)',
    layers: [areaLayer],
    independentY: true,
  });
}

/** (c) Group-average CPU as the engine observed it, against the up and down thresholds. */
export function cpuChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const { up, down } = data.thresholds;
  const upLabel = `up threshold (${up} %)`;
  const downLabel = `down threshold (${down} %)`;
  const points = pointsOf(data);
  const rows: Row[] = [
    ...stepRows(data, (p) => ({ cpu_pct: p.cpu_pct === null ? null : round(p.cpu_pct, 2) })),
    ...data.groups.flatMap((group) => [
      { kind: 'threshold', group, level: upLabel, value: up },
      { kind: 'threshold', group, level: downLabel, value: down },
    ]),
  ];
  const yMax = Math.max(100, up, maxOf(points.map((p) => p.cpu_pct ?? 0)));
  const yScale = { domain: [0, yMax], nice: false };
  const lineLayer: Layer = {
    transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', time.field)],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, color: '#4c78a8' },
    encoding: {
      x: xEncoding(time),
      y: { field: 'cpu_pct', type: 'quantitative', title: 'CPU (%)', scale: yScale },
    },
  };
  const ruleLayer: Layer = {
    transform: [{ filter: "datum.kind === 'threshold'" }],
    mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
    encoding: {
      y: { field: 'value', type: 'quantitative', scale: yScale },
      color: {
        field: 'level',
        type: 'nominal',
        title: null,
        scale: { domain: [upLabel, downLabel], range: ['#d62728', '#2ca02c'] },
      },
    },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.cpu,
    subtitle: 'group-average CPU % as the engine saw it; gaps where it saw none',
    layers: [lineLayer, ruleLayer],
    independentY: false,
  });
}

/** (d) High and low tick counters as step lines, cooldown windows as shaded bands. */
export function ticksChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const cooldowns = data.cooldowns.filter((c) => data.groups.includes(c.group));
  const hasCooldowns = cooldowns.length > 0;
  const colourScale = { domain: ['high ticks', 'low ticks'], range: ['#d62728', '#1f77b4'] };
  const rows: Row[] = [
    ...stepRows(data, (p) => ({ 'high ticks': p.high_ticks, 'low ticks': p.low_ticks })),
    ...cooldowns.map((c) => ({ kind: 'cooldown', group: c.group, start: c.start, end: c.end })),
  ];
  const rectLayer: Layer = {
    transform: [
      { filter: "datum.kind === 'cooldown'" },
      timeCalc(time, 'start', 'x_start'),
      timeCalc(time, 'end', 'x_end'),
    ],
    mark: { type: 'rect', opacity: 0.25 },
    encoding: {
      x: { ...xEncoding(time), field: 'x_start' },
      x2: { field: 'x_end' },
      // `fill`, not `color`: its own legend, with a swatch rather than the counters' line symbols.
      fill: { datum: 'cooldown', type: 'nominal', title: null, scale: { domain: ['cooldown'], range: ['#9e9e9e'] } },
    },
  };
  const lineLayer: Layer = {
    transform: [
      { filter: "datum.kind === 'point'" },
      timeCalc(time, 't', time.field),
      { fold: ['high ticks', 'low ticks'], as: ['counter', 'ticks'] },
    ],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: xEncoding(time),
      y: {
        field: 'ticks',
        type: 'quantitative',
        title: 'ticks',
        scale: { zero: true },
        axis: { tickMinStep: 1, format: 'd' },
      },
      color: { field: 'counter', type: 'nominal', title: null, scale: colourScale },
    },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.ticks,
    subtitle: 'consecutive samples above the up / below the down threshold; shaded: cooldown',
    layers: hasCooldowns ? [rectLayer, lineLayer] : [lineLayer],
    independentY: true,
  });
}

/** Arguments of `facetChart`. */
interface FacetArgs {
  data: ChartData;
  rows: Row[];
  title: string;
  subtitle: string;
  layers: Layer[];
  /** Give each group its own y scale (counts differ a lot between groups). */
  independentY: boolean;
}

/** Wraps layers in one row per group, with shared styling. */
function facetChart(args: FacetArgs): FacetSpec {
  const { data, rows, title, subtitle, layers, independentY } = args;
  return {
    title: { text: title, subtitle },
    background: 'white',
    padding: 8,
    data: { values: rows },
    facet: {
      row: {
        field: 'group',
        type: 'nominal',
        sort: [...data.groups],
        title: null,
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left' },
      },
    },
    spacing: 10,
    spec: { width: CHART_WIDTH, height: panelHeight(data.groups.length), layer: layers },
    resolve: { scale: { y: independentY ? 'independent' : 'shared' } },
    config: chartConfig(),
  };
}

/** Height of one group's panel: roomy for a few groups, compact for many. */
export function panelHeight(groupCount: number): number {
  if (groupCount <= 1) return 220;
  if (groupCount <= 3) return 160;
  return 110;
}

/** Shared look: readable font sizes, legend on top, light grid. */
function chartConfig(): FacetSpec['config'] {
  return {
    font: 'sans-serif',
    view: { stroke: '#cccccc' },
    axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
    // Same y-axis extent in every row, so the axis titles line up.
    axisY: { minExtent: 36 },
    // Text widths are estimated without a canvas (generously), so keep labels from being cut.
    legend: { orient: 'top', labelFontSize: 11, labelLimit: 400, symbolStrokeWidth: 2 },
    header: { labelFontSize: 12, labelFontWeight: 'bold', labelPadding: 4 },
    title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#555555' },
  };
}

/** The x encoding shared by every layer: time from 0 to the end of the data. */
function xEncoding(time: TimeScale): Encoding['x'] & object {
  return {
    field: time.field,
    type: 'quantitative',
    title: time.title,
    scale: { domain: [0, time.max], nice: false, zero: true },
  };
}

/** A transform converting seconds in `from` to axis units in `as`. */
function timeCalc(time: TimeScale, from: string, as: string): Transform {
  return { calculate: `datum[${JSON.stringify(from)}] / ${time.divisor}`, as };
}

/** Picks hours for the time axis, or minutes when everything happens within the first hour. */
export function timeScale(data: ChartData): TimeScale {
  const end = Math.max(
    maxOf(data.points.map((p) => p.t)),
    maxOf(data.actions.map((a) => a.t)),
    maxOf(data.cooldowns.map((c) => c.end)),
  );
  const hours = end >= 3600;
  const divisor = hours ? 3600 : 60;
  const max = end > 0 ? end / divisor : 1;
  return hours
    ? { divisor, field: 'hours', title: 'time (h)', max }
    : { divisor, field: 'minutes', title: 'time (min)', max };
}

/** The values one chart draws from a point. */
type Pick = (p: ChartPoint) => Record<string, number | null>;

/**
 * Rows of kind `point` with `t`, `group` and the picked values, for the charted groups in time
 * order, without the points that repeat their group's previous values (except each group's
 * last point). Every series is drawn `step-after`, so the picture is exactly the same; the
 * embedded data and the SVG paths get much smaller (instance counts change rarely).
 */
function stepRows(data: ChartData, pick: Pick): Row[] {
  const points = pointsOf(data).sort((a, b) => a.t - b.t);
  const last = new Map<string, ChartPoint>();
  for (const p of points) last.set(p.group, p);
  const previous = new Map<string, Record<string, number | null>>();
  const rows: Row[] = [];
  for (const p of points) {
    const values = pick(p);
    const before = previous.get(p.group);
    if (before !== undefined && sameValues(before, values) && last.get(p.group) !== p) continue;
    previous.set(p.group, values);
    rows.push({ kind: 'point', t: p.t, group: p.group, ...values });
  }
  return rows;
}

/** Whether two picks hold the same values. */
function sameValues(a: Record<string, number | null>, b: Record<string, number | null>): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}

/** Rounds to `decimals` places (chart data only; the summary keeps full precision). */
function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Points of the charted groups only. */
function pointsOf(data: ChartData): ChartPoint[] {
  const wanted = new Set(data.groups);
  return data.points.filter((p) => wanted.has(p.group));
}

/** Actions of the charted groups only. */
function actionsOf(data: ChartData): ChartAction[] {
  const wanted = new Set(data.groups);
  return data.actions.filter((a) => wanted.has(a.group));
}

/** Action kinds that occur, in legend order. */
function presentActionKinds(actions: ChartAction[]): ChartActionKind[] {
  const seen = new Set(actions.map((a) => a.action));
  return (Object.keys(ACTION_COLOURS) as ChartActionKind[]).filter((k) => seen.has(k));
}

/** Largest value, 0 for none (a loop: spreading 100,000 values into Math.max overflows). */
function maxOf(values: readonly number[]): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}
