/**
 * The Neon report's charts as Vega-Lite v6 specs with their data inlined (rendered to SVG like
 * the Incus charts):
 *
 * - `nodes`: per node (small multiples), the plugin's reserved CPU and memory against the
 *   watermark and the allocatable — reserved above the watermark is what triggers migrations;
 * - `vms`: per VM (small multiples, the first few), allocation vs the agent's goal vs the CPU
 *   and memory demand in compute units, with denied and partly granted upscales marked;
 * - `bands`: over all VMs, the 10–90 % band and median of allocation and of goal, for hundreds
 *   of VMs at once, with every denied upscale as a tick;
 * - `migrations`: a timeline of the migrations (failed ones marked).
 *
 * Times are seconds in the data and hours (minutes for runs under an hour) on the axis.
 */
import type { TopLevelSpec } from 'vega-lite';
import { migrationTimeline } from './incus-charts.js';

/** Everything the Neon charts need, collected by run/neon.ts. Times in seconds. */
export interface NeonChartData {
  step: number;
  model: string;
  watermark: number;
  nodes: Array<{ t: number; node: string; resource: 'vCPU' | 'GiB'; reserved: number; watermark: number; allocatable: number }>;
  vms: Array<{ t: number; vm: string; alloc: number; goal: number; cpu: number; mem: number }>;
  bands: Array<{ t: number; a10: number; a50: number; a90: number; g10: number; g50: number; g90: number }>;
  migrations: Array<{ vm: string; from: string; to: string; start: number; end: number; downtime: number; ok: boolean }>;
  migrationsTotal: number;
  marks: Array<{ t: number; vm: string; kind: 'denied' | 'partly granted'; charted: boolean }>;
  vmCount: number;
}

export type NeonChartId = 'nodes' | 'vms' | 'bands' | 'migrations';
export const NEON_CHART_IDS: readonly NeonChartId[] = ['nodes', 'vms', 'bands', 'migrations'];
export const NEON_CHART_TITLES: Record<NeonChartId, string> = {
  nodes: 'Reserved vs watermark vs allocatable, per node',
  vms: 'Allocation vs goal vs demand, per VM',
  bands: 'Allocation and goal over all VMs',
  migrations: 'Migration timeline',
};

const WIDTH = 800;

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

interface Axis {
  divisor: number;
  title: string;
  max: number;
}

function axisOf(data: NeonChartData): Axis {
  let end = 0;
  for (const p of data.bands) if (p.t > end) end = p.t;
  for (const m of data.migrations) if (m.end > end) end = m.end;
  end += data.step;
  return end >= 3600 ? { divisor: 3600, title: 'time (h)', max: end / 3600 } : { divisor: 60, title: 'time (min)', max: end / 60 };
}

/** All four charts. */
export function neonCharts(data: NeonChartData): Record<NeonChartId, TopLevelSpec> {
  return { nodes: nodesChart(data), vms: vmsChart(data), bands: bandsChart(data), migrations: migrationsChart(data) };
}

export function nodesChart(data: NeonChartData): TopLevelSpec {
  const axis = axisOf(data);
  const rows = data.nodes.flatMap((p) => {
    const x = round(p.t / axis.divisor, 4);
    return [
      { x, node: p.node, resource: p.resource, series: 'reserved', value: p.reserved },
      { x, node: p.node, resource: p.resource, series: `watermark (${data.watermark})`, value: p.watermark },
      { x, node: p.node, resource: p.resource, series: 'allocatable', value: p.allocatable },
    ];
  });
  const nodes: string[] = [];
  for (const p of data.nodes) if (!nodes.includes(p.node)) nodes.push(p.node);
  const series = ['reserved', `watermark (${data.watermark})`, 'allocatable'];
  return {
    title: { text: NEON_CHART_TITLES.nodes, subtitle: `plugin reservations (solid blue), watermark ${data.watermark} (dashed orange), allocatable (dotted grey); ${data.model} model — above the watermark VMs are migrated away, nothing is granted beyond allocatable` },
    background: 'white',
    padding: 8,
    data: { values: rows },
    facet: {
      row: { field: 'node', type: 'nominal', title: null, sort: nodes, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left' } },
      column: { field: 'resource', type: 'nominal', title: null, sort: ['vCPU', 'GiB'] },
    },
    spacing: 10,
    spec: {
      width: WIDTH / 2 - 40,
      height: 90,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: true } },
        color: { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: ['#4c78a8', '#f58518', '#555555'] } },
        strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: series, range: [[1, 0], [5, 3], [2, 2]] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  } as TopLevelSpec;
}

export function vmsChart(data: NeonChartData): TopLevelSpec {
  const axis = axisOf(data);
  const names: string[] = [];
  for (const p of data.vms) if (!names.includes(p.vm)) names.push(p.vm);
  const rows = [
    ...data.vms.flatMap((p) => {
      const x = round(p.t / axis.divisor, 4);
      return [
        { kind: 'line', x, vm: p.vm, series: 'allocation', value: p.alloc },
        { kind: 'line', x, vm: p.vm, series: 'goal', value: p.goal },
        { kind: 'line', x, vm: p.vm, series: 'CPU demand (cores / 0.25)', value: p.cpu },
        { kind: 'line', x, vm: p.vm, series: 'memory demand (GiB)', value: p.mem },
      ];
    }),
    ...data.marks.filter((m) => m.charted).map((m) => ({ kind: 'mark', x: round(m.t / axis.divisor, 4), vm: m.vm, series: m.kind, value: 0 })),
  ];
  return {
    title: { text: NEON_CHART_TITLES.vms, subtitle: `in compute units (0.25 vCPU + 1 GiB; the allocation drawn thick under the goal); the first ${names.length} of ${data.vmCount} VMs; ticks at the bottom: upscales the plugin denied or granted only in part` },
    background: 'white',
    padding: 8,
    data: { values: rows },
    facet: { row: { field: 'vm', type: 'nominal', title: null, sort: names, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left' } } },
    spacing: 8,
    spec: {
      width: WIDTH,
      height: 90,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'line' && datum.series === 'allocation'" }],
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
            y: { field: 'value', type: 'quantitative', title: 'CU', scale: { zero: true } },
            color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['allocation', 'goal', 'CPU demand (cores / 0.25)', 'memory demand (GiB)', 'denied', 'partly granted'], range: ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#d62728', '#ff9da6'] } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'line' && datum.series !== 'allocation'" }],
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', title: null },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'mark'" }],
          mark: { type: 'tick', thickness: 2, size: 10 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', title: null },
          },
        },
      ],
    },
    config: CONFIG,
  } as TopLevelSpec;
}

export function bandsChart(data: NeonChartData): TopLevelSpec {
  const axis = axisOf(data);
  const rows = [
    ...data.bands.flatMap((b) => {
      const x = round(b.t / axis.divisor, 4);
      return [
        { kind: 'band', x, series: 'allocation', lo: b.a10, hi: b.a90, mid: b.a50 },
        { kind: 'band', x, series: 'goal', lo: b.g10, hi: b.g90, mid: b.g50 },
      ];
    }),
    ...data.marks.map((m) => ({ kind: 'mark', x: round(m.t / axis.divisor, 4), series: m.kind, lo: 0, hi: 0, mid: 0 })),
  ];
  return {
    title: { text: NEON_CHART_TITLES.bands, subtitle: `${data.vmCount} VMs: shaded 10–90 % of VMs, line the median, in CU; ticks at the bottom: denied and partly granted upscales` },
    background: 'white',
    padding: 8,
    width: WIDTH,
    height: 200,
    data: { values: rows },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'band'" }],
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: axis.title, scale: { domain: [0, axis.max], nice: false, zero: true } },
          y: { field: 'lo', type: 'quantitative', title: 'CU', scale: { zero: true } },
          y2: { field: 'hi' },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['allocation', 'goal', 'denied', 'partly granted'], range: ['#4c78a8', '#f58518', '#d62728', '#ff9da6'] } },
        },
      },
      {
        transform: [{ filter: "datum.kind === 'band'" }],
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'mid', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        transform: [{ filter: "datum.kind === 'mark'" }],
        mark: { type: 'tick', thickness: 1, size: 8, opacity: 0.6 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'lo', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

export function migrationsChart(data: NeonChartData): TopLevelSpec {
  const more = data.migrationsTotal > data.migrations.length ? ` (first ${data.migrations.length} of ${data.migrationsTotal})` : '';
  return migrationTimeline(data.migrations, axisOf(data), {
    title: NEON_CHART_TITLES.migrations,
    subtitle: (labels) => (data.migrations.length === 0 ? 'no migrations in this run' : `each bar one migration from start to end${more}${labels ? '; label: from → to (duration, downtime)' : ''}`),
    kindOf: (m) => (m.ok ? 'live' : 'failed'),
    domain: ['live', 'failed'],
    range: ['#4c78a8', '#d62728'],
  });
}
