/**
 * What a sweep runs: the points (a full grid over the axes, or N points sampled within them),
 * each replicated over the same seeds, and which of them one shard takes.
 *
 * Plain data throughout, so the plan can be written into `runs.jsonl` and re-enumerated by
 * `sweep merge` without the scenario.
 */
import { stream } from '../kernel/random.js';
import { InputError } from '../scenario/errors.js';
import { domainSize, domainValues, drawValue, type Axis } from './axis.js';

/** The points and seeds of a sweep. */
export interface SweepPlan {
  axes: Axis[];
  /** 0: every combination of the axes' values (grid); N > 0: N distinct points sampled. */
  random: number;
  /** Seed of the sampling stream (random mode); the scenario's seed unless given. */
  sampleSeed: number;
  /** Replication seeds, the same for every point. */
  seeds: number[];
}

/** One configuration: a value for every axis. */
export interface Point {
  /** Position in enumeration order (the grid's first axis varies slowest). */
  index: number;
  /** `--set` text of each axis's value, in axis order. */
  values: string[];
  /** Identity of the point whatever the axis order: sorted `[key, value]` pairs as JSON. */
  id: string;
}

/** One run: a point and one of its seeds. */
export interface PlannedRun {
  point: Point;
  replication: number;
  seed: number;
}

/** A slice of the points: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Most points a sweep may have (beyond this a typo is more likely than intent). */
export const MAX_POINTS = 1_000_000;

/**
 * Every point of the plan, in order.
 *
 * @example enumeratePoints({ axes: [a(1,2), b(x,y)], random: 0, … }).map((p) => p.values)
 *   // [['1','x'], ['1','y'], ['2','x'], ['2','y']]
 */
export function enumeratePoints(plan: SweepPlan): Point[] {
  const rows = plan.random > 0 ? sampleRows(plan.axes, plan.random, plan.sampleSeed) : gridRows(plan.axes);
  return rows.map((values, index) => ({ index, values, id: pointId(plan.axes, values) }));
}

/**
 * The identity of a point: its `[key, value]` pairs sorted by key, as JSON.
 *
 * @example pointId([{ key: 'b', … }, { key: 'a', … }], ['2', '1']) // '[["a","1"],["b","2"]]'
 */
export function pointId(axes: readonly Axis[], values: readonly string[]): string {
  const pairs = axes.map((a, i) => [a.key, values[i]!] as const);
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

/**
 * The `--set` overrides of a point.
 *
 * @example pointSets(axes, point) // ['engine.config.scale_up_threshold_percent=85', 'engine.config.cooldown_period=300s']
 */
export function pointSets(axes: readonly Axis[], point: Point): string[] {
  return axes.map((a, i) => `${a.key}=${point.values[i]}`);
}

/** The cartesian product of the axes' values, first axis slowest. */
function gridRows(axes: readonly Axis[]): string[][] {
  const lists = axes.map((a) => {
    const values = domainValues(a.domain);
    if (values === undefined) throw new InputError(`a range without a step can only be sampled; give a step (LO..HI:STEP) or use --random N`, { file: '--grid', key: a.key });
    return values;
  });
  const total = lists.reduce((n, l) => n * l.length, 1);
  if (total > MAX_POINTS) throw new InputError(`the grid has ${total} points, more than ${MAX_POINTS}; use --random N or coarser steps`, { file: '--grid' });
  let rows: string[][] = [[]];
  for (const list of lists) rows = rows.flatMap((row) => list.map((v) => [...row, v]));
  return rows;
}

/**
 * `n` distinct points drawn uniformly within the axes' domains from the stream
 * (`sampleSeed`, `sweep:random`). Refuses when the domains hold no more than `n` points (the
 * grid is then the better choice).
 */
function sampleRows(axes: readonly Axis[], n: number, sampleSeed: number): string[][] {
  if (n > MAX_POINTS) throw new InputError(`--random ${n} is more than ${MAX_POINTS} points`, { file: '--random' });
  const space = axes.reduce((size, a) => size * domainSize(a.domain), 1);
  if (space <= n) throw new InputError(`--random ${n}: the swept values hold only ${space} distinct points; run the full grid instead (drop --random)`, { file: '--random' });
  const rng = stream(sampleSeed, 'sweep:random');
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (let attempt = 0; rows.length < n; attempt++) {
    if (attempt > 100 * n + 1000) throw new InputError(`--random ${n}: could not draw ${n} distinct points; use fewer or the grid`, { file: '--random' });
    const row = axes.map((a) => drawValue(a.domain, rng));
    const id = JSON.stringify(row);
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push(row);
  }
  return rows;
}

/**
 * Does shard `shard` take `point`? Points are dealt round-robin by index (shard 1 takes
 * points 0, N, 2N …), which spreads every grid region over all shards.
 *
 * @example inShard({ index: 5, … }, { index: 2, count: 4 }) // true (5 mod 4 = 1 → shard 2)
 */
export function inShard(point: Point, shard: Shard | undefined): boolean {
  return shard === undefined || point.index % shard.count === shard.index - 1;
}

/**
 * The runs of the plan that `shard` does, point by point, each point's seeds in order.
 *
 * @example plannedRuns(points, [42, 7], undefined).length // points.length × 2
 */
export function plannedRuns(points: readonly Point[], seeds: readonly number[], shard?: Shard): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const point of points) {
    if (!inShard(point, shard)) continue;
    seeds.forEach((seed, replication) => runs.push({ point, replication, seed }));
  }
  return runs;
}

/**
 * The key a run is stored and found under in `runs.jsonl`.
 *
 * @example runKey('[["a","1"]]', 42) // '[["a","1"]]#42'
 */
export function runKey(pointIdText: string, seed: number): string {
  return `${pointIdText}#${seed}`;
}
