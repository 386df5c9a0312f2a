/**
 * The Incus report's charts as Vega-Lite v6 specs with their data inlined (rendered to SVG by
 * `renderSvg` in render.ts, like the Albatross charts):
 *
 * - `heatmap`: utilisation (runnable work / threads) of every member over time;
 * - `scores`: the score the rebalancer computes for each member over time, one panel per
 *   architecture, with the band within the threshold of the busiest member shaded — a member
 *   below the band means the next run rebalances that architecture;
 * - `migrations`: a timeline of the moves (which VM, from, to, how long; failed ones and
 *   ping-pongs marked);
 * - `imbalance`: max − min member utilisation per architecture over time.
 *
 * Times are seconds in the data and days (hours up to a day, minutes under an hour) on the axis.
 */
import type { TopLevelSpec } from 'vega-lite';

/** Everything the Incus charts need, collected by run/incus.ts. Times in seconds. */
export interface IncusChartData {
  members: Array<{ name: string; arch: string }>;
  /** Members drawn in the score chart (the first `output.chart_groups`). */
  scoreMembers: string[];
  arches: string[];
  threshold: number;
  thresholdMode: 'relative' | 'absolute';
  /** Spacing of the sampled series, seconds. */
  step: number;
  utilisation: Array<{ t: number; member: string; util: number }>;
  scores: Array<{ t: number; member: string; arch: string; score: number }>;
  bands: Array<{ t: number; arch: string; lo: number; hi: number }>;
  imbalance: Array<{ t: number; arch: string; value: number | null }>;
  migrations: Array<{ vm: string; from: string; to: string; start: number; end: number; downtime: number; ok: boolean; live: boolean; pingPong: boolean }>;
  /** All migrations of the run (the timeline holds the first few hundred). */
  migrationsTotal: number;
  runs: Array<{ t: number; migrated: number; outcome: string }>;
}

export type IncusChartId = 'heatmap' | 'scores' | 'migrations' | 'imbalance';
export const INCUS_CHART_IDS: readonly IncusChartId[] = ['heatmap', 'scores', 'migrations', 'imbalance'];
export const INCUS_CHART_TITLES: Record<IncusChartId, string> = {
  heatmap: 'Member utilisation over time',
  scores: 'Rebalancer score per member, with the threshold band',
  migrations: 'Migration timeline',
  imbalance: 'Imbalance per architecture',
};

const WIDTH = 800;

interface Axis {
  divisor: number;
  title: string;
  max: number;
}

function axisOf(data: IncusChartData): Axis {
  let end = 0;
  for (const p of data.imbalance) if (p.t > end) end = p.t;
  for (const m of data.migrations) if (m.end > end) end = m.end;
  end += data.step;
  // days beyond a day (as the Albatross charts), hours from an hour, minutes below
  if (end > 86_400) return { divisor: 86_400, title: 'time (days)', max: end / 86_400 };
  return end >= 3600 ? { divisor: 3600, title: 'time (h)', max: end / 3600 } : { divisor: 60, title: 'time (min)', max: end / 60 };
}

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#cccccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
  legend: { orient: 'top', labelFontSize: 11, labelLimit: 400 },
  header: { labelFontSize: 12, labelFontWeight: 'bold', labelPadding: 4 },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#555555' },
} as const;

function round(x: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** All four charts. */
export function incusCharts(data: IncusChartData): Record<IncusChartId, TopLevelSpec> {
  return { heatmap: heatmapChart(data), scores: scoresChart(data), migrations: migrationsChart(data), imbalance: imbalanceChart(data) };
}

export function heatmapChart(data: IncusChartData): TopLevelSpec {
  const axis = axisOf(data);
  const rows = data.utilisation.map((p) => ({ x: round(p.t / axis.divisor, 4), x2: round((p.t + data.step) / axis.divisor, 4), member: p.member, util: round(p.util, 1) }));
  let top = 100;
  for (const p of data.utilisation) if (p.util > top) top = p.util;
  const height = Math.min(600, Math.max(80, 14 * data.members.length));
  return {
    title: { text: INCUS_CHART_TITLES.heatmap, subtitle: 'runnable work / threads in %; above 100 % the member is overloaded and its VMs lose CPU (steal)' },
    background: 'white',
    padding: 8,
    width: WIDTH,
    height,
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
      x2: { field: 'x2' },
      y: { field: 'member', type: 'nominal', title: null, sort: data.members.map((m) => m.name), axis: { labelLimit: 200 } },
      color: {
        field: 'util',
        type: 'quantitative',
        title: 'utilisation (%)',
        scale: { domain: [0, 50, 100, Math.max(top, 101)], range: ['#f7fbff', '#6baed6', '#fdae61', '#a50026'] },
        legend: { orient: 'right', direction: 'vertical' },
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

export function scoresChart(data: IncusChartData): TopLevelSpec {
  const axis = axisOf(data);
  const shown = new Set(data.scoreMembers);
  const rows = [
    ...data.bands.map((b) => ({ kind: 'band', x: round(b.t / axis.divisor, 4), arch: b.arch, lo: b.lo, hi: b.hi })),
    ...data.scores.filter((s) => shown.has(s.member)).map((s) => ({ kind: 'score', x: round(s.t / axis.divisor, 4), arch: s.arch, member: s.member, score: s.score })),
  ];
  const band = data.thresholdMode === 'relative' ? `within ${data.threshold} % of the busiest` : `within ${data.threshold} points of the busiest`;
  return {
    title: { text: INCUS_CHART_TITLES.scores, subtitle: `score = (mem % + cpu %) / 2 in the engine's arithmetic; shaded: ${band} (a member below it triggers a move)` },
    background: 'white',
    padding: 8,
    data: { values: rows },
    facet: { row: { field: 'arch', type: 'nominal', title: null, sort: data.arches, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left' } } },
    spacing: 12,
    spec: {
      width: WIDTH,
      height: 160,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'band'" }],
          mark: { type: 'area', interpolate: 'step-after', opacity: 0.18, color: '#2ca02c' },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
            y: { field: 'lo', type: 'quantitative', title: 'score' },
            y2: { field: 'hi' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'score'" }],
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
            y: { field: 'score', type: 'quantitative', title: 'score', scale: { zero: true } },
            color: { field: 'member', type: 'nominal', title: null, sort: data.scoreMembers },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  } as TopLevelSpec;
}

export function migrationsChart(data: IncusChartData): TopLevelSpec {
  const more = data.migrationsTotal > data.migrations.length ? ` (first ${data.migrations.length} of ${data.migrationsTotal})` : '';
  return migrationTimeline(data.migrations, axisOf(data), {
    title: INCUS_CHART_TITLES.migrations,
    subtitle: (labels) => `each bar one move from start to end${more}${labels ? '; label: from → to (duration, downtime)' : ''}`,
    kindOf: (m) => (!m.ok ? 'failed' : m.pingPong ? 'ping-pong' : m.live ? 'live' : 'cold (stopped VM)'),
    domain: ['live', 'cold (stopped VM)', 'ping-pong', 'failed'],
    range: ['#4c78a8', '#9ecae9', '#f58518', '#d62728'],
  });
}

/** One migration as a timeline bar: seconds from the run's start. */
export interface MigrationBar {
  vm: string;
  from: string;
  to: string;
  start: number;
  end: number;
  downtime: number;
}

/**
 * A migration timeline (one row per VM, one bar per move, labelled while there are at most 80),
 * shared by the cluster engines' reports; each says how to name and colour a move's kind.
 */
export function migrationTimeline<M extends MigrationBar>(
  migrations: readonly M[],
  axis: { divisor: number; title: string; max: number },
  o: { title: string; subtitle: (labels: boolean) => string; kindOf: (m: M) => string; domain: string[]; range: string[] },
): TopLevelSpec {
  const order: string[] = [];
  for (const m of migrations) if (!order.includes(m.vm)) order.push(m.vm);
  const labels = migrations.length <= 80;
  const rows = migrations.map((m) => ({
    vm: m.vm,
    x: round(m.start / axis.divisor, 5),
    // at least a sliver, so a 10 s migration over a week is still visible
    x2: round(Math.max(m.end, m.start + axis.max * axis.divisor * 0.002) / axis.divisor, 5),
    kind: o.kindOf(m),
    label: `${m.from} → ${m.to} (${round(m.end - m.start, 1)} s${m.downtime > 0 ? `, down ${round(m.downtime * 1000, 0)} ms` : ''})`,
  }));
  return {
    title: { text: o.title, subtitle: o.subtitle(labels) },
    background: 'white',
    padding: 8,
    width: WIDTH,
    height: Math.min(900, Math.max(60, 14 * order.length)),
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', height: 9 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
          x2: { field: 'x2' },
          y: { field: 'vm', type: 'nominal', title: null, sort: order, axis: { labelLimit: 200 } },
          color: { field: 'kind', type: 'nominal', title: null, scale: { domain: o.domain, range: o.range } },
        },
      },
      ...(labels
        ? [
            {
              mark: { type: 'text', align: 'left', dx: 4, fontSize: 9, color: '#333333' },
              encoding: {
                x: { field: 'x2', type: 'quantitative' },
                y: { field: 'vm', type: 'nominal', sort: order },
                text: { field: 'label', type: 'nominal' },
              },
            },
          ]
        : []),
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

export function imbalanceChart(data: IncusChartData): TopLevelSpec {
  const axis = axisOf(data);
  const rows = data.imbalance.filter((p) => p.value !== null).map((p) => ({ x: round(p.t / axis.divisor, 4), arch: p.arch, value: round(p.value!, 2) }));
  return {
    title: { text: INCUS_CHART_TITLES.imbalance, subtitle: 'busiest minus least busy member utilisation (percentage points), members that take instances' },
    background: 'white',
    padding: 8,
    width: WIDTH,
    height: 180,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
      y: { field: 'value', type: 'quantitative', title: 'imbalance (pp)', scale: { zero: true } },
      color: { field: 'arch', type: 'nominal', title: null, sort: data.arches },
    },
    config: CONFIG,
  } as TopLevelSpec;
}
