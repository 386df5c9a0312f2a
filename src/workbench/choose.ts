/**
 * Choosing among points: feasibility under the constraints, the ranking by the objective, and
 * the Pareto front on two metrics. All on the points' means.
 */
import { meets, type Choice, type Goal } from './choice.js';
import type { Aggregate, PointResult } from './aggregate.js';

/** A point with its verdicts. */
export interface JudgedPoint extends PointResult {
  /** Has runs and meets every constraint. */
  feasible: boolean;
  /** The constraints it breaks, as written. */
  violated: string[];
  /** 1 = best feasible point; null when infeasible or without an objective value. */
  rank: number | null;
  /** On the Pareto front of the two chosen metrics (among all points with runs). */
  pareto: boolean;
}

/** The sweep's points judged, and the best one. */
export interface Judgement {
  points: JudgedPoint[];
  /** The rank-1 point, or, when none is feasible, the best by the objective alone. */
  best: JudgedPoint | null;
  /** True when `best` meets the constraints. */
  bestFeasible: boolean;
}

/** A point in the plane of two metrics. */
export interface XY {
  x: number | null;
  y: number | null;
}

/**
 * Which points are on the Pareto front: not dominated by any other point, where `a` dominates
 * `b` when it is at least as good on both metrics and better on one. Points with a missing
 * value are never on it. O(n log n): sort by x (best first); a point is on the front when its
 * y is the best of its x and strictly better than every y at a better x (equal points are all
 * on it or all off it).
 *
 * @example paretoFront([{x:1,y:3},{x:2,y:2},{x:3,y:3}], ['min','min']) // [true, true, false]
 */
export function paretoFront(points: readonly XY[], directions: readonly ['min' | 'max', 'min' | 'max']): boolean[] {
  const sx = directions[0] === 'min' ? 1 : -1;
  const sy = directions[1] === 'min' ? 1 : -1;
  const order = points
    .map((p, i) => ({ i, x: p.x === null ? Number.NaN : sx * p.x, y: p.y === null ? Number.NaN : sy * p.y }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const front = points.map(() => false);
  let bestBefore = Number.POSITIVE_INFINITY; // best y among points with a strictly better x
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.x === order[start]!.x) end++;
    const groupBest = order[start]!.y; // sorted: the first of the group has its best y
    for (let k = start; k < end; k++) front[order[k]!.i] = order[k]!.y === groupBest && groupBest < bestBefore;
    bestBefore = Math.min(bestBefore, groupBest);
    start = end;
  }
  return front;
}

/**
 * Judge every point: constraints on the means, rank the feasible ones by the objective (ties by
 * point order), mark the Pareto front.
 */
export function judge(agg: Aggregate, choice: Choice): Judgement {
  const meanOf = (p: PointResult, m: string) => p.stats[m]?.mean ?? null;
  const [px, py] = choice.pareto;
  const withRuns = agg.points.map((p) => p.runs > 0);
  const front = paretoFront(
    agg.points.map((p, i) => (withRuns[i] ? { x: meanOf(p, px.metric), y: meanOf(p, py.metric) } : { x: null, y: null })),
    [px.direction, py.direction],
  );
  const judged: JudgedPoint[] = agg.points.map((p, i) => {
    const violated = choice.constraints.filter((c) => !meets(c, meanOf(p, c.metric))).map((c) => `${c.metric}${c.op}${c.value}`);
    return { ...p, feasible: p.runs > 0 && violated.length === 0, violated, rank: null, pareto: front[i]! };
  });
  const better = byGoal(choice.objective, meanOf);
  const feasible = judged.filter((p) => p.feasible && meanOf(p, choice.objective.metric) !== null).sort(better);
  feasible.forEach((p, i) => (p.rank = i + 1));
  const fallback = judged.filter((p) => p.runs > 0 && meanOf(p, choice.objective.metric) !== null).sort(better)[0] ?? null;
  const best = feasible[0] ?? fallback;
  return { points: judged, best, bestFeasible: feasible.length > 0 };
}

/** Comparator: better objective mean first, then lower point index. */
function byGoal(goal: Goal, meanOf: (p: PointResult, m: string) => number | null): (a: PointResult, b: PointResult) => number {
  const sign = goal.direction === 'min' ? 1 : -1;
  return (a, b) => sign * (meanOf(a, goal.metric)! - meanOf(b, goal.metric)!) || a.index - b.index;
}
