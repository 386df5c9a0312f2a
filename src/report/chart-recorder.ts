/**
 * Streaming, bucketed chart data for a run of any length: the run hands in one sample per stats
 * round for each charted group, and every scaling action, fault and cooldown; the recorder keeps
 * fixed-size arrays — min, mean and max of each series per time bucket, counts per bucket — so
 * its memory, the report's size and the number of chart marks do not grow with the run's length.
 *
 * The bucket is chosen up front from the run's length ({@link bucketWidth}): a "nice" duration
 * (10 s, 1 min, 2 min, 15 min, 1 h, 6 h, 1 d, …) that is a multiple of the stats interval and
 * gives at most {@link MAX_BUCKETS} buckets. Stats rounds fall on multiples of the interval, so
 * a round never straddles two buckets.
 *
 * Individual actions (for exact vertical rules on the demand chart) are kept only while every
 * charted group has at most {@link ACTION_DETAIL_LIMIT}; beyond that the charts draw counts per
 * bucket only, and the list is dropped.
 */
import type { Micros } from '../kernel/time.js';
import type { ChartAction, ChartActionKind, ChartBucket, ChartData, PanelSpec } from './types.js';

/** Most buckets a run is split into (≈ two pixels each on the 800 px plot). */
export const MAX_BUCKETS = 480;

/** Most individual actions per charted group before the charts switch to counts per bucket. */
export const ACTION_DETAIL_LIMIT = 300;

/** Bucket widths tried in order, seconds. */
const NICE_SECONDS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** Action kinds in legend order (see charts.ts for their colours). */
export const ACTION_KINDS: readonly ChartActionKind[] = [
  'scale_up',
  'scale_down',
  'spawn_failed',
  'boot_failed',
  'primary_killed',
  'primary_restarted',
  'orphaned',
  'clone_destroyed',
  'instance_killed',
];
const KIND_INDEX = Object.fromEntries(ACTION_KINDS.map((k, i) => [k, i])) as Record<ChartActionKind, number>;

// Slots of one (group, bucket) cell.
const S_SAMPLES = 0;
const S_DEMAND_MIN = 1;
const S_DEMAND_SUM = 2;
const S_DEMAND_MAX = 3;
const S_CAP_MIN = 4;
const S_CAP_SUM = 5;
const S_CAP_MAX = 6;
const S_RUNNING = 7;
const S_BOOTING = 8;
const S_STOPPING = 9;
const S_ORPHANED = 10;
const S_CPU_N = 11;
const S_CPU_MIN = 12;
const S_CPU_SUM = 13;
const S_CPU_MAX = 14;
const S_TRUE_N = 15;
const S_TRUE_SUM = 16;
const S_HIGH_MAX = 17;
const S_LOW_MAX = 18;
const S_COOLDOWN_US = 19;
const S_VIOLATION_US = 20;
const S_REVERSALS = 21;
const S_FLIP_FLOPS = 22;
const S_ACTIONS = 23; // … + ACTION_KINDS.length
const SLOTS = S_ACTIONS + ACTION_KINDS.length;

/**
 * The bucket width (µs) for a run of `duration` with stats every `interval`: the first nice
 * width that is a multiple of the interval and leaves at most `maxBuckets` buckets; a multiple
 * of the interval when no nice width fits.
 *
 * @example bucketWidth(86_400e6, 10e6)      // 300e6: one day in 288 five-minute buckets
 * @example bucketWidth(30 * 86_400e6, 10e6) // 7_200e6: thirty days in 360 two-hour buckets
 */
export function bucketWidth(duration: Micros, interval: Micros, maxBuckets = MAX_BUCKETS): Micros {
  const least = Math.max(interval, Math.ceil(duration / maxBuckets));
  for (const s of NICE_SECONDS) {
    const w = s * 1e6;
    if (w >= least && w % interval === 0) return w;
  }
  const days = Math.ceil(least / 86_400e6) * 86_400e6;
  if (days % interval === 0) return days;
  return Math.ceil(least / interval) * interval;
}

/** What {@link ChartRecorder} needs to know up front. */
export interface ChartRecorderOptions {
  groups: readonly string[];
  duration: Micros;
  /** Stats interval: samples arrive on its multiples. */
  interval: Micros;
  thresholds: { up: number; down: number };
  /** Most buckets (default {@link MAX_BUCKETS}). */
  maxBuckets?: number;
  /** Most individual actions per group (default {@link ACTION_DETAIL_LIMIT}). */
  actionDetailLimit?: number;
  /**
   * An engine's own panels (see `PanelSpec`), each with the array its `reading` fills at every
   * round (NaN: no value this round): {@link ChartRecorder.sample} reads the arrays as they are
   * then, so the world must fill them (the engine's `reading`) just before each sample.
   */
  panels?: readonly PanelSource[];
}

/** A panel as the recorder reads it: its spec and the values of the current round. */
export interface PanelSource extends Omit<PanelSpec, 'series' | 'rules'> {
  readonly series: readonly string[];
  readonly rules?: readonly { readonly value: number; readonly label: string }[];
  /** One value per series, filled before each sample (NaN: none). */
  readonly values: Float64Array;
}

/**
 * Collects chart data for `groups` (indices 0 … groups.length − 1) in fixed memory.
 *
 * @example
 * const rec = new ChartRecorder({ groups: ['web'], duration: 3600e6, interval: 10e6, thresholds: { up: 80, down: 20 } });
 * rec.sample(0, 0, { demand: 0.9, capacity: 1, running: 1, booting: 0, stopping: 0, orphaned: 0, cpu: 90, highTicks: 1, lowTicks: 0, violationUs: 0 });
 * rec.finish().buckets[0].demand_mean; // 0.9
 */
export class ChartRecorder {
  readonly groups: readonly string[];
  /** Bucket width, µs. */
  readonly bucket: Micros;
  readonly bucketCount: number;
  private readonly duration: Micros;
  private readonly thresholds: { up: number; down: number };
  private readonly cells: Float64Array;
  /** Per group: time of the last sample and the violation total seen then. */
  private readonly lastSampleAt: Float64Array;
  private readonly lastViolationUs: Float64Array;
  /** Per group: the cooldown not yet committed to the buckets (start, end; end < 0: none). */
  private readonly coolStart: Float64Array;
  private readonly coolEnd: Float64Array;
  private readonly detailLimit: number;
  private actions: ChartAction[] | null = [];
  private readonly actionsPerGroup: Int32Array;
  private readonly panels: readonly PanelSource[];
  /** Series over all panels, and per (group, bucket, series): samples with a value and their sum. */
  private readonly panelSeries: number;
  private readonly panelCells: Float64Array;

  constructor(opts: ChartRecorderOptions) {
    this.groups = opts.groups;
    this.duration = opts.duration;
    this.thresholds = opts.thresholds;
    this.bucket = bucketWidth(Math.max(opts.duration, 1), opts.interval, opts.maxBuckets);
    this.bucketCount = Math.max(1, Math.ceil(opts.duration / this.bucket));
    const g = opts.groups.length;
    this.cells = new Float64Array(g * this.bucketCount * SLOTS);
    for (let i = 0; i < g * this.bucketCount; i++) {
      const b = i * SLOTS;
      this.cells[b + S_DEMAND_MIN] = this.cells[b + S_CAP_MIN] = this.cells[b + S_CPU_MIN] = Infinity;
      this.cells[b + S_DEMAND_MAX] = this.cells[b + S_CAP_MAX] = this.cells[b + S_CPU_MAX] = -Infinity;
    }
    this.lastSampleAt = new Float64Array(g).fill(-1);
    this.lastViolationUs = new Float64Array(g);
    this.coolStart = new Float64Array(g);
    this.coolEnd = new Float64Array(g).fill(-1);
    this.detailLimit = opts.actionDetailLimit ?? ACTION_DETAIL_LIMIT;
    this.actionsPerGroup = new Int32Array(g);
    this.panels = opts.panels ?? [];
    this.panelSeries = this.panels.reduce((n, p) => n + p.series.length, 0);
    this.panelCells = new Float64Array(g * this.bucketCount * this.panelSeries * 2);
  }

  /** Index of the bucket holding time `t`. */
  private bucketOf(t: Micros): number {
    const k = Math.floor(t / this.bucket);
    return k < 0 ? 0 : k >= this.bucketCount ? this.bucketCount - 1 : k;
  }

  /** Offset of cell (group, bucket) in `cells`. */
  private cell(g: number, k: number): number {
    return (g * this.bucketCount + k) * SLOTS;
  }

  /**
   * One stats round's state of group `g` at `t`. `violationUs` is the group's SLO-violation
   * time so far (the metrics' exact integral up to `t`); its growth since the previous sample
   * is added to the previous sample's bucket.
   */
  sample(g: number, t: Micros, s: ChartSample): void {
    this.addViolation(g, t, s.violationUs);
    const c = this.cells;
    const b = this.cell(g, this.bucketOf(t));
    c[b + S_SAMPLES]++;
    if (s.demand < c[b + S_DEMAND_MIN]!) c[b + S_DEMAND_MIN] = s.demand;
    if (s.demand > c[b + S_DEMAND_MAX]!) c[b + S_DEMAND_MAX] = s.demand;
    c[b + S_DEMAND_SUM] += s.demand;
    if (s.capacity < c[b + S_CAP_MIN]!) c[b + S_CAP_MIN] = s.capacity;
    if (s.capacity > c[b + S_CAP_MAX]!) c[b + S_CAP_MAX] = s.capacity;
    c[b + S_CAP_SUM] += s.capacity;
    c[b + S_RUNNING] += s.running;
    c[b + S_BOOTING] += s.booting;
    c[b + S_STOPPING] += s.stopping;
    c[b + S_ORPHANED] += s.orphaned;
    if (s.cpu !== null) {
      c[b + S_CPU_N]++;
      c[b + S_CPU_SUM] += s.cpu;
      if (s.cpu < c[b + S_CPU_MIN]!) c[b + S_CPU_MIN] = s.cpu;
      if (s.cpu > c[b + S_CPU_MAX]!) c[b + S_CPU_MAX] = s.cpu;
    }
    if (s.capacity > 0) {
      c[b + S_TRUE_N]++;
      c[b + S_TRUE_SUM] += (100 * Math.min(s.demand, s.capacity)) / s.capacity;
    }
    if (s.highTicks > c[b + S_HIGH_MAX]!) c[b + S_HIGH_MAX] = s.highTicks;
    if (s.lowTicks > c[b + S_LOW_MAX]!) c[b + S_LOW_MAX] = s.lowTicks;
    if (this.panelSeries > 0) this.samplePanels(g, t);
  }

  /** Add the panels' current values to group `g`'s bucket at `t`. */
  private samplePanels(g: number, t: Micros): void {
    const pc = this.panelCells;
    let at = (g * this.bucketCount + this.bucketOf(t)) * this.panelSeries * 2;
    for (const p of this.panels) {
      for (let k = 0; k < p.series.length; k++, at += 2) {
        const v = p.values[k]!;
        if (Number.isNaN(v)) continue;
        pc[at]++;
        pc[at + 1] += v;
      }
    }
  }

  /** Group `g`'s bucket `k` panel means, panel by panel (null: no value in the bucket). */
  private panelMeans(g: number, k: number): (number | null)[][] {
    const pc = this.panelCells;
    let at = (g * this.bucketCount + k) * this.panelSeries * 2;
    return this.panels.map((p) =>
      p.series.map(() => {
        const n = pc[at]!;
        const sum = pc[at + 1]!;
        at += 2;
        return n > 0 ? sum / n : null;
      }),
    );
  }

  /** Add group `g`'s violation time since its previous sample to that sample's bucket. */
  private addViolation(g: number, t: Micros, totalUs: number): void {
    const since = this.lastSampleAt[g]!;
    if (since >= 0) this.cells[this.cell(g, this.bucketOf(since)) + S_VIOLATION_US] += totalUs - this.lastViolationUs[g]!;
    this.lastSampleAt[g] = t;
    this.lastViolationUs[g] = totalUs;
  }

  /** A scaling action, fault or outcome of group `g` at `t`. */
  action(g: number, t: Micros, kind: ChartActionKind): void {
    this.cells[this.cell(g, this.bucketOf(t)) + S_ACTIONS + KIND_INDEX[kind]]++;
    if (this.actions === null) return;
    if (++this.actionsPerGroup[g]! > this.detailLimit) {
      this.actions = null; // too many to draw one by one: counts per bucket only from now on
      return;
    }
    this.actions.push({ t: t / 1e6, group: this.groups[g]!, action: kind });
  }

  /** What a scaling action was for the stability metrics (1 a reversal, 2 a flip-flop too). */
  reversal(g: number, t: Micros, kind: 0 | 1 | 2): void {
    if (kind === 0) return;
    const b = this.cell(g, this.bucketOf(t));
    this.cells[b + S_REVERSALS]++;
    if (kind === 2) this.cells[b + S_FLIP_FLOPS]++;
  }

  /** A cooldown of group `g` from `start` to `end` (a new one ends any earlier one there). */
  cooldown(g: number, start: Micros, end: Micros): void {
    this.commitCooldown(g, start);
    this.coolStart[g] = start;
    this.coolEnd[g] = Math.min(end, this.duration);
  }

  /** Group `g`'s current cooldown ends early at `t` (e.g. its spawn failed). */
  cutCooldown(g: number, t: Micros): void {
    if (this.coolEnd[g]! > t) this.coolEnd[g] = Math.max(t, this.coolStart[g]!);
  }

  /** Spread group `g`'s pending cooldown (cut at `until`) over the buckets it covers. */
  private commitCooldown(g: number, until: Micros): void {
    const start = this.coolStart[g]!;
    const end = Math.min(this.coolEnd[g]!, until);
    this.coolEnd[g] = -1;
    if (!(end > start)) return;
    for (let k = this.bucketOf(start); k < this.bucketCount && k * this.bucket < end; k++) {
      const from = Math.max(start, k * this.bucket);
      const to = Math.min(end, (k + 1) * this.bucket);
      if (to > from) this.cells[this.cell(g, k) + S_COOLDOWN_US] += to - from;
    }
  }

  /**
   * Close the run at its end: the last samples' violation time (each group's final total from
   * the metrics, `violationUs[g]`) and any open cooldown.
   */
  close(violationUs: readonly number[]): void {
    for (let g = 0; g < this.groups.length; g++) {
      this.addViolation(g, this.duration, violationUs[g] ?? this.lastViolationUs[g]!);
      this.commitCooldown(g, this.duration);
    }
  }

  /** The chart data: one row per (group, bucket) that had a sample, in group then time order. */
  finish(): ChartData {
    const buckets: ChartBucket[] = [];
    const actionCounts: ChartData['actionCounts'] = [];
    const c = this.cells;
    const w = this.bucket;
    for (let g = 0; g < this.groups.length; g++) {
      const group = this.groups[g]!;
      for (let k = 0; k < this.bucketCount; k++) {
        const b = this.cell(g, k);
        const t0 = (k * w) / 1e6;
        const t1 = Math.min((k + 1) * w, this.duration) / 1e6;
        for (let a = 0; a < ACTION_KINDS.length; a++) {
          const count = c[b + S_ACTIONS + a]!;
          if (count > 0) actionCounts.push({ group, t0, t1, action: ACTION_KINDS[a]!, count });
        }
        const n = c[b + S_SAMPLES]!;
        if (n === 0) continue;
        const cpuN = c[b + S_CPU_N]!;
        const trueN = c[b + S_TRUE_N]!;
        buckets.push({
          group,
          t0,
          t1,
          samples: n,
          demand_min: c[b + S_DEMAND_MIN]!,
          demand_mean: c[b + S_DEMAND_SUM]! / n,
          demand_max: c[b + S_DEMAND_MAX]!,
          capacity_min: c[b + S_CAP_MIN]!,
          capacity_mean: c[b + S_CAP_SUM]! / n,
          capacity_max: c[b + S_CAP_MAX]!,
          running: c[b + S_RUNNING]! / n,
          booting: c[b + S_BOOTING]! / n,
          stopping: c[b + S_STOPPING]! / n,
          orphaned: c[b + S_ORPHANED]! / n,
          cpu_min: cpuN > 0 ? c[b + S_CPU_MIN]! : null,
          cpu_mean: cpuN > 0 ? c[b + S_CPU_SUM]! / cpuN : null,
          cpu_max: cpuN > 0 ? c[b + S_CPU_MAX]! : null,
          true_cpu: trueN > 0 ? c[b + S_TRUE_SUM]! / trueN : null,
          high_ticks: c[b + S_HIGH_MAX]!,
          low_ticks: c[b + S_LOW_MAX]!,
          cooldown_s: c[b + S_COOLDOWN_US]! / 1e6,
          violation_s: c[b + S_VIOLATION_US]! / 1e6,
          reversals: c[b + S_REVERSALS]!,
          flip_flops: c[b + S_FLIP_FLOPS]!,
          ...(this.panelSeries > 0 ? { panels: this.panelMeans(g, k) } : {}),
        });
      }
    }
    return {
      groups: [...this.groups],
      duration: this.duration / 1e6,
      bucket: w / 1e6,
      buckets,
      actions: this.actions === null ? null : [...this.actions].sort((a, b) => a.t - b.t),
      actionCounts,
      thresholds: this.thresholds,
      ...(this.panels.length > 0
        ? { panels: this.panels.map((p) => ({ title: p.title, subtitle: p.subtitle, axis: p.axis, series: [...p.series], rules: (p.rules ?? []).map((r) => ({ value: r.value, label: r.label })), integer: p.integer })) }
        : {}),
    };
  }
}

/** One group's state at a stats round, as the charts see it. */
export interface ChartSample {
  /** CPU demand, cores. */
  demand: number;
  /** Serving capacity: vCPUs of running instances. */
  capacity: number;
  running: number;
  booting: number;
  stopping: number;
  orphaned: number;
  /** Group-average CPU % the engine evaluated; null when it saw none. */
  cpu: number | null;
  highTicks: number;
  lowTicks: number;
  /** The group's SLO-violation time so far (µs), from the metrics. */
  violationUs: number;
}
