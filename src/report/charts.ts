/**
 * The report charts as Vega-Lite v6 specs: plain objects with their data inlined, so a spec can
 * be rendered here (see `render.ts`) or pasted into any Vega-Lite tool later.
 *
 * The data are time buckets (`chart-recorder.ts`): at most a few hundred per group whatever the
 * run's length, so a month draws as many marks as a day. Series are drawn as their mean per
 * bucket with a min–max band (the band is flat where a bucket holds one sample), step-wise,
 * because the simulator's state is piecewise constant. Every chart facets one row per group
 * and shares one time axis: minutes under an hour, hours up to a day, days beyond.
 *
 * Marks that stand for something countable (SLO-violation time, actions, flip-flops, cooldown,
 * the bucket under the pointer) carry a description, which `render.ts` turns into an SVG
 * `<title>`: a tooltip in any browser, offline.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ACTION_KINDS } from './chart-recorder.js';
import { formatDuration } from './format.js';
import type { ChartActionKind, ChartBucket, ChartData } from './types.js';

/** Names of the charts every replica run has. */
export type BaseChartId = 'demand' | 'instances' | 'cpu' | 'ticks' | 'actions';

/** Names of the charts: the base ones, and an engine's own panels (`panel-1`, …) in place of `ticks`. */
export type ChartId = BaseChartId | `panel-${number}`;

/** Report order of the charts (an engine with panels: `chartIdsFor`). */
export const CHART_IDS: readonly BaseChartId[] = ['demand', 'cpu', 'instances', 'ticks', 'actions'];

/**
 * The charts of a run in report order: `CHART_IDS`, or, when the engine brought panels
 * (`ChartData.panels`), its panels in place of the tick-counter chart.
 *
 * @example chartIdsFor({ ...data, panels: [p1, p2] }) // ['demand', 'cpu', 'instances', 'panel-1', 'panel-2', 'actions']
 */
export function chartIdsFor(data: Pick<ChartData, 'panels'>): ChartId[] {
  const panels = data.panels ?? [];
  if (panels.length === 0) return [...CHART_IDS];
  return ['demand', 'cpu', 'instances', ...panels.map((_, i): ChartId => `panel-${i + 1}`), 'actions'];
}

/**
 * A chart's title: `CHART_TITLES` for the base charts, the panel's own for a panel.
 *
 * @example chartTitle(data, 'demand') // 'Demand vs serving capacity, SLO violations and flip-flops'
 */
export function chartTitle(data: Pick<ChartData, 'panels'>, id: ChartId): string {
  if (id in CHART_TITLES) return CHART_TITLES[id as BaseChartId];
  return data.panels?.[Number(id.slice('panel-'.length)) - 1]?.title ?? id;
}

/** Plot width of every chart, in pixels. */
export const CHART_WIDTH = 800;

/**
 * Action colours, told apart also by people with a colour-vision deficiency (Okabe–Ito
 * palette): scaling in green and orange, failures in vermilion and reddish purple, faults in
 * black, sky blue and purple. The demand line is dark grey and capacity blue, no action shares them.
 */
export const ACTION_COLOURS: Record<ChartActionKind, string> = {
  scale_up: '#009e73',
  scale_down: '#e69f00',
  spawn_failed: '#d55e00',
  boot_failed: '#cc79a7',
  primary_killed: '#000000',
  primary_restarted: '#56b4e9',
  orphaned: '#8c6d1f',
  clone_destroyed: '#999999',
  instance_killed: '#5e3c99',
};

/** Faults are dashed rules, scaling actions solid. */
const DASHED: ReadonlySet<ChartActionKind> = new Set(['primary_killed', 'primary_restarted', 'orphaned', 'instance_killed']);

const DEMAND_COLOUR = '#333333';
const CAPACITY_COLOUR = '#0072b2';
const SLO_COLOUR = '#d62728';
const FLIP_COLOUR = '#cc0066';
const REVERSAL_COLOUR = '#888888';
const OBSERVED_COLOUR = '#0072b2';
const TRUE_COLOUR = '#e69f00';

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
  /** Axis unit name, for tooltips (`d`, `h`, `min`). */
  unit: string;
  title: string;
  /** End of the axis in axis units. */
  max: number;
}

/** Returns all the charts keyed by id, in report order (`chartIdsFor`). */
export function allCharts(data: ChartData): Record<ChartId, TopLevelSpec> {
  const panels = data.panels ?? [];
  if (panels.length === 0) {
    return {
      demand: demandChart(data),
      cpu: cpuChart(data),
      instances: instancesChart(data),
      ticks: ticksChart(data),
      actions: actionsChart(data),
    };
  }
  const charts = { demand: demandChart(data), cpu: cpuChart(data), instances: instancesChart(data) } as Record<ChartId, TopLevelSpec>;
  panels.forEach((_, i) => (charts[`panel-${i + 1}`] = panelChart(data, i)));
  charts.actions = actionsChart(data);
  return charts;
}

/** Human title of each chart (also used as figure captions). */
export const CHART_TITLES: Record<BaseChartId, string> = {
  demand: 'Demand vs serving capacity, SLO violations and flip-flops',
  cpu: 'CPU: what the engine observed vs the true utilisation',
  instances: 'Instances by state',
  ticks: 'Threshold tick counters and cooldowns',
  actions: 'Scaling actions and faults per time bucket',
};

/**
 * Minutes for runs under an hour, hours up to a day, days beyond.
 *
 * @example timeScale({ duration: 7 * 86_400, … }).title // 'time (days)'
 */
export function timeScale(data: Pick<ChartData, 'duration'>): TimeScale {
  const end = data.duration;
  if (end > 86_400) return { divisor: 86_400, unit: 'd', title: 'time (days)', max: end / 86_400 };
  if (end >= 3600) return { divisor: 3600, unit: 'h', title: 'time (h)', max: end / 3600 };
  return { divisor: 60, unit: 'min', title: 'time (min)', max: end > 0 ? end / 60 : 1 };
}

/** "bucket of 5 min" etc., for subtitles. */
function bucketText(data: ChartData): string {
  return formatDuration(data.bucket);
}

/** Whether buckets hold more than one sample (then the charts show min–max bands). */
function banded(data: ChartData): boolean {
  return data.buckets.some((b) => b.samples > 1);
}

/**
 * (a) Demand and serving capacity per group — mean per bucket, min–max band — with the time
 * in SLO violation shaded red (darker: more of the bucket), reversals and flip-flops marked by
 * triangles along the top, and each action as a vertical rule when there are few enough.
 */
export function demandChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const actions = data.actions ?? [];
  const kinds = presentKinds(actions.map((a) => a.action));
  const domain = ['demand', 'capacity', ...kinds, 'flip-flop', 'reversal'];
  const range = [DEMAND_COLOUR, CAPACITY_COLOUR, ...kinds.map((k) => ACTION_COLOURS[k]), FLIP_COLOUR, REVERSAL_COLOUR];
  const colour = { type: 'nominal', title: null, scale: { domain, range } } as const;
  const rows: Row[] = [
    ...bucketRows(
      data,
      (b) => ({
        t1: b.t1,
        demand: round(b.demand_mean, 3),
        demand_min: round(b.demand_min, 3),
        demand_max: round(b.demand_max, 3),
        capacity: round(b.capacity_mean, 3),
        capacity_min: round(b.capacity_min, 3),
        capacity_max: round(b.capacity_max, 3),
        cpu: b.cpu_mean === null ? null : round(b.cpu_mean, 1),
        true_cpu: b.true_cpu === null ? null : round(b.true_cpu, 1),
      }),
      true,
    ),
    ...data.buckets
      .filter((b) => b.violation_s > 0)
      .map((b) => ({ kind: 'slo', group: b.group, t0: b.t0, t1: b.t1, share: round(b.violation_s / (b.t1 - b.t0), 3), tip: `${span(time, b)}: SLO violated ${round(b.violation_s, 1)} s` })),
    ...data.buckets
      .filter((b) => b.reversals > 0)
      .map((b) => ({
        kind: 'flip',
        group: b.group,
        t: (b.t0 + b.t1) / 2,
        mark: b.flip_flops > 0 ? 'flip-flop' : 'reversal',
        tip: `${span(time, b)}: ${b.flip_flops} flip-flop${b.flip_flops === 1 ? '' : 's'}, ${b.reversals} reversal${b.reversals === 1 ? '' : 's'}`,
      })),
    ...actions.map((a) => ({ kind: 'action', t: a.t, group: a.group, action: a.action, dash: DASHED.has(a.action) ? 'fault' : 'scaling', tip: `${a.action} at ${at(time, a.t)}` })),
  ];
  const layers: Layer[] = [
    sloLayer(time),
    ...(banded(data)
      ? [bandLayer(time, 'demand_min', 'demand_max', DEMAND_COLOUR, 0.18), bandLayer(time, 'capacity_min', 'capacity_max', CAPACITY_COLOUR, 0.22)]
      : []),
    {
      transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', 'x'), { fold: ['demand', 'capacity'], as: ['series', 'value'] }],
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, aria: false },
      encoding: {
        x: xEncoding(time, 'x'),
        y: { field: 'value', type: 'quantitative', title: 'cores', scale: { zero: true } },
        color: { ...colour, field: 'series' },
      },
    },
    ...(kinds.length > 0
      ? [
          {
            transform: [{ filter: "datum.kind === 'action'" }, timeCalc(time, 't', 'x')],
            mark: { type: 'rule', strokeWidth: 1.2, opacity: 0.75 },
            encoding: {
              x: xEncoding(time, 'x'),
              color: { ...colour, field: 'action' },
              strokeDash: { field: 'dash', type: 'nominal', legend: null, scale: { domain: ['scaling', 'fault'], range: [[1, 0], [4, 3]] } },
              description: { field: 'tip' },
            },
          } satisfies Layer,
        ]
      : []),
    {
      transform: [{ filter: "datum.kind === 'flip'" }, timeCalc(time, 't', 'x')],
      mark: { type: 'point', shape: 'triangle-down', filled: true, size: 45, opacity: 0.9 },
      encoding: { x: xEncoding(time, 'x'), y: { value: 5 }, color: { ...colour, field: 'mark' }, description: { field: 'tip' } },
    },
    hoverLayer(time),
  ];
  const marks = data.actions === null ? 'too many actions to draw one by one: see the per-bucket counts below' : 'vertical rules: scaling actions (solid) and faults (dashed)';
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.demand,
    subtitle: [
      `CPU demand and serving capacity (vCPUs of running instances), cores: mean per ${bucketText(data)} bucket${banded(data) ? ', band min–max' : ''}`,
      `red shading: time in SLO violation (darker = more of the bucket); ▼ at the top: reversals (grey) and flip-flops (magenta); ${marks}`,
    ],
    layers,
    independentY: true,
  });
}

/**
 * (b) Instances by state (running at the bottom, then booting, stopping, orphaned), the mean
 * per bucket as stacked step areas. The stack is an explicit transform drawn with y/y2:
 * Vega-Lite's implicit area stacking would impute zeros at other groups' times and tear them.
 */
export function instancesChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const rows: Row[] = bucketRows(data, (b) => ({
    running: round(b.running, 3),
    booting: round(b.booting, 3),
    stopping: round(b.stopping, 3),
    orphaned: round(b.orphaned, 3),
  }));
  const areaLayer: Layer = {
    transform: [
      timeCalc(time, 't', 'x'),
      { fold: [...STATES], as: ['state', 'count'] },
      { calculate: `indexof(${JSON.stringify(STATES)}, datum.state)`, as: 'state_order' },
      { stack: 'count', groupby: ['group', 'x'], sort: [{ field: 'state_order', order: 'ascending' }], as: ['count_low', 'count_high'] },
    ],
    mark: { type: 'area', interpolate: 'step-after', aria: false },
    encoding: {
      x: xEncoding(time, 'x'),
      y: { field: 'count_high', type: 'quantitative', title: 'instances', scale: { zero: true } },
      y2: { field: 'count_low' },
      color: { field: 'state', type: 'nominal', title: null, scale: { domain: [...STATES], range: STATES.map((s) => STATE_COLOURS[s]) } },
    },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.instances,
    subtitle: `instances per state, stacked (running at the bottom); mean per ${bucketText(data)} bucket`,
    layers: [areaLayer],
    independentY: true,
  });
}

/**
 * (c) The group-average CPU the engine computed from its stats records (mean per bucket, band
 * min–max) beside the true utilisation (served demand / running vCPUs), against the up and down
 * thresholds. Where the two differ the engine misreads its load — faithful Albatross reads a
 * unikernel at 95 % as 0 % or 100 % — which the chart shows as a quirk, not as missing data.
 */
export function cpuChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const { up, down } = data.thresholds;
  const observed = 'observed by the engine';
  const truth = 'true utilisation (simulator)';
  const upLabel = `up threshold (${up} %)`;
  const downLabel = `down threshold (${down} %)`;
  const rows: Row[] = [
    ...bucketRows(data, (b) => ({
      [observed]: b.cpu_mean === null ? null : round(b.cpu_mean, 2),
      cpu_min: b.cpu_min === null ? null : round(b.cpu_min, 2),
      cpu_max: b.cpu_max === null ? null : round(b.cpu_max, 2),
      [truth]: b.true_cpu === null ? null : round(b.true_cpu, 2),
    })),
    ...data.groups.flatMap((group) => [
      { kind: 'threshold', group, level: upLabel, value: up },
      { kind: 'threshold', group, level: downLabel, value: down },
    ]),
  ];
  let top = 100;
  for (const b of data.buckets) if (b.cpu_max !== null && b.cpu_max > top) top = b.cpu_max;
  const yScale = { domain: [0, Math.max(top, up)], nice: false };
  const colour = {
    type: 'nominal',
    title: null,
    scale: { domain: [observed, truth, upLabel, downLabel], range: [OBSERVED_COLOUR, TRUE_COLOUR, '#d62728', '#009e73'] },
  } as const;
  const layers: Layer[] = [
    ...(banded(data) ? [bandLayer(time, 'cpu_min', 'cpu_max', OBSERVED_COLOUR, 0.2, yScale)] : []),
    {
      transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', 'x'), { fold: [observed, truth], as: ['series', 'value'] }],
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, aria: false },
      encoding: {
        x: xEncoding(time, 'x'),
        y: { field: 'value', type: 'quantitative', title: 'CPU (%)', scale: yScale },
        color: { ...colour, field: 'series' },
        strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: [observed, truth], range: [[1, 0], [5, 2]] } },
      },
    },
    {
      transform: [{ filter: "datum.kind === 'threshold'" }],
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.2, aria: false },
      encoding: { y: { field: 'value', type: 'quantitative', scale: yScale }, color: { ...colour, field: 'level' } },
    },
  ];
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.cpu,
    subtitle: [
      `blue: the group-average CPU % the engine computed from its stats records (mean per ${bucketText(data)} bucket${banded(data) ? ', band min–max' : ''}; gaps: it saw none)`,
      'orange dashed: CPU the instances really used / their vCPUs — where blue departs from it, the engine misreads its load',
    ],
    layers,
    independentY: false,
  });
}

/** (d) High and low tick counters (largest per bucket), the share of time in cooldown shaded. */
export function ticksChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const colourScale = { domain: ['high ticks', 'low ticks'], range: ['#d62728', '#0072b2'] };
  const rows: Row[] = [
    ...bucketRows(data, (b) => ({ 'high ticks': b.high_ticks, 'low ticks': b.low_ticks })),
    ...data.buckets
      .filter((b) => b.cooldown_s > 0)
      .map((b) => ({ kind: 'cooldown', group: b.group, t0: b.t0, t1: b.t1, share: round(b.cooldown_s / (b.t1 - b.t0), 3), tip: `${span(time, b)}: in cooldown ${round(b.cooldown_s, 1)} s` })),
  ];
  const rectLayer: Layer = {
    transform: [{ filter: "datum.kind === 'cooldown'" }, timeCalc(time, 't0', 'x0'), timeCalc(time, 't1', 'x1')],
    mark: { type: 'rect' },
    encoding: {
      x: xEncoding(time, 'x0'),
      x2: { field: 'x1' },
      // `fill`, not `color`: its own legend, with a swatch rather than the counters' line symbols.
      fill: { datum: 'cooldown', type: 'nominal', title: null, scale: { domain: ['cooldown'], range: ['#9e9e9e'] } },
      opacity: { field: 'share', type: 'quantitative', legend: null, scale: { domain: [0, 1], range: [0.08, 0.35] } },
      description: { field: 'tip' },
    },
  };
  const lineLayer: Layer = {
    transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', 'x'), { fold: ['high ticks', 'low ticks'], as: ['counter', 'ticks'] }],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, aria: false },
    encoding: {
      x: xEncoding(time, 'x'),
      y: { field: 'ticks', type: 'quantitative', title: 'ticks', scale: { zero: true }, axis: { tickMinStep: 1, format: 'd' } },
      color: { field: 'counter', type: 'nominal', title: null, scale: colourScale },
    },
  };
  const hasCooldowns = rows.some((r) => r['kind'] === 'cooldown');
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.ticks,
    subtitle: `consecutive samples above the up / below the down threshold (largest per ${bucketText(data)} bucket); shaded: time in cooldown (darker = more of the bucket)`,
    layers: hasCooldowns ? [rectLayer, lineLayer] : [lineLayer],
    independentY: true,
  });
}

/** Line colours of an engine panel's series (Okabe–Ito), in order. */
const PANEL_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442'];

/**
 * (d') An engine's own panel `index` (`ChartData.panels`): its series as step lines (mean per
 * bucket; gaps where the engine had no value; the first drawn thick under the others), its
 * reference lines dashed.
 */
export function panelChart(data: ChartData, index: number): TopLevelSpec {
  const panel = data.panels![index]!;
  const time = timeScale(data);
  const names = panel.series;
  const rows: Row[] = [
    ...bucketRows(data, (b) => Object.fromEntries(names.map((name, k) => [name, roundOrNull(b.panels?.[index]?.[k] ?? null, 4)]))),
    ...data.groups.flatMap((group) => panel.rules.map((r) => ({ kind: 'rule', group, value: r.value, rule: r.label }))),
  ];
  const colour = { domain: [...names], range: names.map((_, k) => PANEL_COLOURS[k % PANEL_COLOURS.length]!) };
  const axis = panel.integer ? { tickMinStep: 1, format: 'd' } : {};
  const line = (fold: string[], width: number): Layer => ({
    transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', 'x'), { fold, as: ['series', 'value'] }],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: width, aria: false },
    encoding: {
      x: xEncoding(time, 'x'),
      y: { field: 'value', type: 'quantitative', title: panel.axis, scale: { zero: true }, axis },
      color: { field: 'series', type: 'nominal', title: null, scale: colour },
    },
  });
  // the first line thick under the others, so it shows where they coincide
  const layers: Layer[] = names.length > 1 ? [line([names[0]!], 3.5), line(names.slice(1), 1.5)] : [line([...names], 1.5)];
  if (panel.rules.length > 0) {
    layers.push({
      transform: [{ filter: "datum.kind === 'rule'" }],
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1, color: '#777777' },
      encoding: { y: { field: 'value', type: 'quantitative' }, description: { field: 'rule' } },
    });
  }
  return facetChart({ data, rows, title: panel.title, subtitle: panel.subtitle, layers, independentY: true });
}

/** `round`, keeping null. */
function roundOrNull(value: number | null, decimals: number): number | null {
  return value === null ? null : round(value, decimals);
}

/** (e) Actions per bucket, stacked by kind: readable however many there are. */
export function actionsChart(data: ChartData): TopLevelSpec {
  const time = timeScale(data);
  const kinds = presentKinds(data.actionCounts.map((a) => a.action));
  const rows: Row[] = [];
  const stacked = new Map<string, number>();
  for (const kind of kinds) {
    for (const a of data.actionCounts) {
      if (a.action !== kind) continue;
      const key = `${a.group}\u0000${a.t0}`;
      const y0 = stacked.get(key) ?? 0;
      stacked.set(key, y0 + a.count);
      rows.push({ kind: 'count', group: a.group, t0: a.t0, t1: a.t1, action: a.action, y0, y1: y0 + a.count, tip: `${span(time, a)}: ${a.count} × ${a.action}` });
    }
  }
  // one empty row per group keeps every facet when a group had no action
  for (const group of data.groups) rows.push({ kind: 'none', group });
  const barLayer: Layer = {
    transform: [{ filter: "datum.kind === 'count'" }, timeCalc(time, 't0', 'x0'), timeCalc(time, 't1', 'x1')],
    mark: { type: 'rect' },
    encoding: {
      x: xEncoding(time, 'x0'),
      x2: { field: 'x1' },
      y: { field: 'y1', type: 'quantitative', title: 'actions', scale: { zero: true }, axis: { tickMinStep: 1, format: 'd' } },
      y2: { field: 'y0' },
      color: { field: 'action', type: 'nominal', title: null, scale: { domain: kinds, range: kinds.map((k) => ACTION_COLOURS[k]) } },
      description: { field: 'tip' },
    },
  };
  const emptyLayer: Layer = {
    transform: [{ filter: "datum.kind === 'none'" }],
    mark: { type: 'rule', opacity: 0, aria: false },
    encoding: { y: { datum: 0, type: 'quantitative' } },
  };
  return facetChart({
    data,
    rows,
    title: CHART_TITLES.actions,
    subtitle: `actions per ${bucketText(data)} bucket, stacked by kind (a scale-down's destroyed clone is not counted again)`,
    layers: kinds.length > 0 ? [barLayer, emptyLayer] : [emptyLayer],
    independentY: true,
  });
}

/** Red rectangles over the buckets with SLO-violation time, darker for more of the bucket. */
function sloLayer(time: TimeScale): Layer {
  return {
    transform: [{ filter: "datum.kind === 'slo'" }, timeCalc(time, 't0', 'x0'), timeCalc(time, 't1', 'x1')],
    mark: { type: 'rect' },
    encoding: {
      x: xEncoding(time, 'x0'),
      x2: { field: 'x1' },
      fill: { datum: 'SLO violated', type: 'nominal', title: null, scale: { domain: ['SLO violated'], range: [SLO_COLOUR] } },
      opacity: { field: 'share', type: 'quantitative', legend: null, scale: { domain: [0, 1], range: [0.06, 0.3] } },
      description: { field: 'tip' },
    },
  };
}

/** A min–max band of point rows between fields `lo` and `hi`. */
function bandLayer(time: TimeScale, lo: string, hi: string, colour: string, opacity: number, yScale?: object): Layer {
  return {
    transform: [{ filter: "datum.kind === 'point'" }, timeCalc(time, 't', 'x')],
    mark: { type: 'area', interpolate: 'step-after', color: colour, opacity, aria: false },
    encoding: { x: xEncoding(time, 'x'), y: { field: lo, type: 'quantitative', ...(yScale ? { scale: yScale } : {}) }, y2: { field: hi } },
  };
}

/**
 * Transparent full-height rectangles, one per bucket (the demand chart's point rows, which
 * carry `t1`), each with a tooltip summing the bucket up. The text is a Vega expression over
 * the row's numbers, so the embedded data holds no strings for it.
 */
function hoverLayer(time: TimeScale): Layer {
  const n = (field: string, digits = 3): string => `format(datum.${field}, '.${digits}~f')`;
  const range = (f: string): string => `(datum.${f}_min === datum.${f}_max ? ${n(f)} : ${n(`${f}_min`)} + '–' + ${n(`${f}_max`)} + ' (mean ' + ${n(f)} + ')')`;
  const tip = [
    `datum.group + ', ' + ${n('x0')} + '–' + ${n('x1')} + ' ${time.unit}: demand ' + ${range('demand')}`,
    `' cores, capacity ' + ${range('capacity')}`,
    `(datum.cpu === null ? '' : '; the engine saw ' + ${n('cpu', 1)} + ' % CPU')`,
    `(datum.true_cpu === null ? '' : ' (true ' + ${n('true_cpu', 1)} + ' %)')`,
  ].join(' + ');
  return {
    transform: [
      { filter: "datum.kind === 'point' && datum.t < datum.t1" },
      timeCalc(time, 't', 'x0'),
      timeCalc(time, 't1', 'x1'),
      { calculate: tip, as: 'tip' },
    ],
    mark: { type: 'rect', opacity: 0, fill: '#ffffff' },
    encoding: { x: xEncoding(time, 'x0'), x2: { field: 'x1' }, description: { field: 'tip' } },
  };
}

/** A bucket's span in axis units, e.g. `d 2.25–2.33`. */
function span(time: TimeScale, b: { t0: number; t1: number }): string {
  return `${at(time, b.t0)}–${at(time, b.t1)}`;
}

/** A time in axis units, e.g. `2.25 d`, `13.5 h`. */
function at(time: TimeScale, seconds: number): string {
  return `${round(seconds / time.divisor, 3)} ${time.unit}`;
}

/** Longest subtitle line, in characters: keeps the title's estimated width within the plot's. */
const SUBTITLE_CHARS = 105;

/**
 * Breaks each text at spaces into lines of at most `width` characters.
 *
 * @example wrapLines(['aaa bbb ccc'], 7) // ['aaa bbb', 'ccc']
 */
export function wrapLines(texts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const text of texts) {
    let line = '';
    for (const word of text.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    if (line !== '') lines.push(line);
  }
  return lines;
}

/** Arguments of `facetChart`. */
interface FacetArgs {
  data: ChartData;
  rows: Row[];
  title: string;
  subtitle: string | string[];
  layers: Layer[];
  /** Give each group its own y scale (counts differ a lot between groups). */
  independentY: boolean;
}

/** Wraps layers in one row per group, with shared styling. */
function facetChart(args: FacetArgs): FacetSpec {
  const { data, rows, title, subtitle, layers, independentY } = args;
  return {
    title: { text: title, subtitle: wrapLines(Array.isArray(subtitle) ? subtitle : [subtitle], SUBTITLE_CHARS) },
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
    // Legends on top, in rows of a few entries, so the chart stays as wide as its plot.
    legend: { orient: 'top', direction: 'horizontal', columns: 4, labelFontSize: 11, labelLimit: 260, symbolStrokeWidth: 2 },
    header: { labelFontSize: 12, labelFontWeight: 'bold', labelPadding: 4 },
    title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#555555' },
  };
}

/** The x encoding shared by every layer: time from 0 to the end of the run. */
function xEncoding(time: TimeScale, field: string): Encoding['x'] & object {
  return {
    field,
    type: 'quantitative',
    title: time.title,
    scale: { domain: [0, time.max], nice: false, zero: true },
    ...(time.unit === 'd' ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
  };
}

/** A transform converting seconds in `from` to axis units in `as`. */
function timeCalc(time: TimeScale, from: string, as: string): Transform {
  return { calculate: `datum[${JSON.stringify(from)}] / ${time.divisor}`, as };
}

/** The values one chart draws from a bucket. */
type BucketPick = (b: ChartBucket) => Record<string, number | null>;

/**
 * Rows of kind `point` at each bucket's start with the picked values, plus a closing row at
 * each group's last bucket end (so the step reaches the end of the run), without the rows that
 * repeat their group's previous values (unless `keepAll`). Every series is drawn `step-after`, so the picture is
 * exactly the same; the embedded data and the SVG paths get much smaller.
 */
function bucketRows(data: ChartData, pick: BucketPick, keepAll = false): Row[] {
  const rows: Row[] = [];
  let previous: Record<string, number | null> | null = null;
  let group = '';
  let last: ChartBucket | null = null;
  const close = (): void => {
    if (last !== null && previous !== null) rows.push({ kind: 'point', t: last.t1, group: last.group, ...previous });
  };
  for (const b of data.buckets) {
    if (b.group !== group) {
      close();
      group = b.group;
      previous = null;
    }
    const values = pick(b);
    last = b;
    if (!keepAll && previous !== null && sameValues(previous, values)) continue;
    previous = values;
    rows.push({ kind: 'point', t: b.t0, group: b.group, ...values });
  }
  close();
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

/** Action kinds that occur, in legend order. */
function presentKinds(kinds: readonly ChartActionKind[]): ChartActionKind[] {
  const seen = new Set(kinds);
  return ACTION_KINDS.filter((k) => seen.has(k));
}
