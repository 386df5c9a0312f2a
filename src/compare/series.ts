/**
 * The time series a comparison draws, read from a run's tidy `timeseries.csv` rows
 * (`time_s,group,series,value`) one line at a time: each row is added to a per-time total over
 * the groups (every group's demand, capacity or instances at that instant), and each total
 * goes into a fixed number of time buckets (mean, min, max). Memory is the buckets, whatever
 * the length of the file; several seeds of one input feed the same buckets (their mean).
 *
 * Engines name their series differently, so each role has candidates, the first one a run
 * holds is used: demand `demand_cores` (Albatross and the horizontal world) or
 * `cpu_demand_cores` (Neon, the VMs its timeseries holds); capacity `capacity_cores`;
 * instances `instances` or `vms` (Incus and Neon: VMs per node, summed over nodes).
 */
import fs from 'node:fs';
import readline from 'node:readline';

/** What a comparison chart shows. */
export type Role = 'demand' | 'capacity' | 'instances';

/** The roles, in chart order. */
export const ROLES: readonly Role[] = ['demand', 'capacity', 'instances'];

/** Series names that can fill each role, preferred first. */
export const ROLE_SERIES: Readonly<Record<Role, readonly string[]>> = {
  demand: ['demand_cores', 'cpu_demand_cores'],
  capacity: ['capacity_cores'],
  instances: ['instances', 'vms'],
};

/** Every candidate series, with its role. */
const CANDIDATES: ReadonlyMap<string, Role> = new Map(ROLES.flatMap((r) => ROLE_SERIES[r].map((s) => [s, r] as const)));

/** One bucket of one series: the mean, min and max of the per-instant totals in it. */
export interface SeriesBucket {
  /** Bucket start and end, seconds. */
  t0: number;
  t1: number;
  mean: number;
  min: number;
  max: number;
}

/** A role's buckets in a run, and the series they came from. */
export interface RoleSeries {
  series: string;
  buckets: SeriesBucket[];
}

/** Sums, counts and extremes of one candidate series per bucket. */
class Accumulator {
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  constructor(n: number) {
    this.sum = new Float64Array(n);
    this.count = new Float64Array(n);
    this.min = new Float64Array(n).fill(Infinity);
    this.max = new Float64Array(n).fill(-Infinity);
  }
  add(k: number, v: number): void {
    this.sum[k]! += v;
    this.count[k]! += 1;
    if (v < this.min[k]!) this.min[k] = v;
    if (v > this.max[k]!) this.max[k] = v;
  }
}

/**
 * Buckets the role series of one comparison input from tidy rows, fed a line at a time.
 *
 * @example
 * const b = new SeriesBuckets(60, 4); // four one-minute buckets
 * b.line('0,a,demand_cores,1'); b.line('0,b,demand_cores,2'); b.line('30,a,demand_cores,5');
 * b.result().demand?.buckets[0] // { t0: 0, t1: 60, mean: 4, min: 3, max: 5 }
 */
export class SeriesBuckets {
  private readonly acc = new Map<string, Accumulator>();
  private readonly totals = new Map<string, number>();
  private time = Number.NaN;

  /** `width` seconds per bucket, `count` buckets; rows past the last bucket go into it. */
  constructor(readonly width: number, readonly count: number) {}

  /** One row `time_s,group,series,value` (a header or malformed line is skipped). */
  line(text: string): void {
    const last = text.lastIndexOf(',');
    const before = text.lastIndexOf(',', last - 1);
    if (last < 0 || before < 0) return;
    const series = text.slice(before + 1, last);
    if (!CANDIDATES.has(series)) return;
    const t = Number(text.slice(0, text.indexOf(',')));
    const v = Number(text.slice(last + 1));
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    if (t !== this.time) {
      this.flush();
      this.time = t;
    }
    this.totals.set(series, (this.totals.get(series) ?? 0) + v);
  }

  /** Moves the totals of the current instant into their bucket. */
  flush(): void {
    if (this.totals.size === 0) return;
    const k = Math.min(this.count - 1, Math.max(0, Math.floor(this.time / this.width)));
    for (const [series, total] of this.totals) {
      let a = this.acc.get(series);
      if (a === undefined) {
        a = new Accumulator(this.count);
        this.acc.set(series, a);
      }
      a.add(k, total);
    }
    this.totals.clear();
  }

  /** The buckets of each role the rows held (empty buckets left out). */
  result(): Partial<Record<Role, RoleSeries>> {
    this.flush();
    this.time = Number.NaN;
    const out: Partial<Record<Role, RoleSeries>> = {};
    for (const role of ROLES) {
      const series = ROLE_SERIES[role].find((s) => this.acc.has(s));
      if (series === undefined) continue;
      const a = this.acc.get(series)!;
      const buckets: SeriesBucket[] = [];
      for (let k = 0; k < this.count; k++) {
        if (a.count[k] === 0) continue;
        buckets.push({ t0: k * this.width, t1: (k + 1) * this.width, mean: a.sum[k]! / a.count[k]!, min: a.min[k]!, max: a.max[k]! });
      }
      out[role] = { series, buckets };
    }
    return out;
  }
}

/**
 * Feeds a `timeseries.csv` file to `buckets` line by line (never whole in memory).
 *
 * @example await readTimeseries('reports/albatross-default/timeseries.csv', buckets)
 */
export async function readTimeseries(file: string, buckets: SeriesBuckets): Promise<void> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) buckets.line(line);
  buckets.flush();
}

/** Nice bucket widths, seconds. */
const NICE = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * The bucket width (s) for a comparison whose longest run lasts `duration` seconds: the first
 * nice width that leaves at most `maxBuckets` buckets, whole days beyond.
 *
 * @example compareBucketWidth(86_400, 480) // 300
 * @example compareBucketWidth(7_200, 240) // 30
 */
export function compareBucketWidth(duration: number, maxBuckets: number): number {
  const least = Math.max(1, duration / maxBuckets);
  const nice = NICE.find((w) => w >= least);
  return nice ?? Math.ceil(least / 86_400) * 86_400;
}
