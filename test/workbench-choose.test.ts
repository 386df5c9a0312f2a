/** Statistics over replications, the Pareto front on hand-made points, and the ranking. */
import { describe, expect, it } from 'vitest';
import { parseAxisArg } from '../src/workbench/axis.js';
import { aggregate, pairedDifference } from '../src/workbench/aggregate.js';
import { judge, paretoFront } from '../src/workbench/choose.js';
import type { RunRecord } from '../src/workbench/journal.js';
import { enumeratePoints, type SweepPlan } from '../src/workbench/plan.js';
import { summarise, tQuantile975 } from '../src/workbench/stats.js';

describe('t quantile and summaries', () => {
  it('matches published t(0.975, df) values', () => {
    const published: Array<[number, number]> = [
      [1, 12.7062],
      [2, 4.3027],
      [4, 2.7764],
      [9, 2.2622],
      [30, 2.0423],
      [31, 2.0395],
      [40, 2.0211],
      [60, 2.0003],
      [120, 1.9799],
      [1000, 1.9623],
    ];
    for (const [df, t] of published) expect(tQuantile975(df)).toBeCloseTo(t, 4);
    expect(tQuantile975(Infinity)).toBeCloseTo(1.96, 2);
    expect(() => tQuantile975(0)).toThrow();
  });

  it('gives mean, sample sd and the 95 % half-width; nulls are left out', () => {
    const s = summarise([1, 2, 3, null]);
    expect(s.n).toBe(3);
    expect(s.mean).toBe(2);
    expect(s.sd).toBe(1);
    expect(s.ci95).toBeCloseTo(4.302653 / Math.sqrt(3), 6);
    expect(summarise([5])).toEqual({ n: 1, mean: 5, sd: null, ci95: null });
    expect(summarise([null])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
  });
});

describe('Pareto front', () => {
  it('keeps exactly the non-dominated points (both minimised)', () => {
    //   y
    //   5 a . . . .
    //   4 . . e . .        a(0,5) b(1,3) c(2,2) d(4,1) e(2,4) f(4,4) g(3,2)
    //   3 . b . . f
    //   2 . . c g .
    //   1 . . . . d
    const pts = [
      { x: 0, y: 5 },
      { x: 1, y: 3 },
      { x: 2, y: 2 },
      { x: 4, y: 1 },
      { x: 2, y: 4 },
      { x: 4, y: 4 },
      { x: 3, y: 2 },
    ];
    expect(paretoFront(pts, ['min', 'min'])).toEqual([true, true, true, true, false, false, false]);
  });

  it('follows the directions', () => {
    const pts = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 1 },
    ];
    expect(paretoFront(pts, ['min', 'min'])).toEqual([true, false, false]);
    expect(paretoFront(pts, ['max', 'max'])).toEqual([false, true, true]);
    expect(paretoFront(pts, ['min', 'max'])).toEqual([true, true, false]);
  });

  it('keeps equal points together, drops points tied on one metric but worse on the other, ignores missing values', () => {
    const pts = [
      { x: 1, y: 2 },
      { x: 1, y: 2 },
      { x: 1, y: 3 },
      { x: 2, y: 2 },
      { x: null, y: 0 },
      { x: 0.5, y: null },
    ];
    expect(paretoFront(pts, ['min', 'min'])).toEqual([true, true, false, false, false, false]);
    expect(paretoFront([], ['min', 'min'])).toEqual([]);
  });

  it('agrees with the quadratic definition on random points', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 20; trial++) {
      const pts = Array.from({ length: 40 }, () => ({ x: Math.round(rnd() * 10), y: Math.round(rnd() * 10) }));
      const slow = pts.map((p) => !pts.some((q) => q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)));
      expect(paretoFront(pts, ['min', 'min'])).toEqual(slow);
    }
  });
});

describe('aggregation and ranking', () => {
  const plan: SweepPlan = { axes: [parseAxisArg('a=1,2,3')], random: 0, sampleSeed: 1, seeds: [10, 20] };
  const ids = enumeratePoints(plan).map((p) => p.id);
  const run = (point: number, seed: number, cost: number, slo: number): RunRecord => ({
    kind: 'run',
    point: ids[point]!,
    seed,
    replication: seed === 10 ? 0 : 1,
    metrics: { instance_seconds: cost, slo_violation_seconds: slo, flip_flop_rate: 0 },
    units: { instance_seconds: 'instance·s', slo_violation_seconds: 's', flip_flop_rate: 'per hour' },
  });
  const runs = [run(0, 10, 100, 50), run(0, 20, 110, 70), run(1, 20, 210, 5), run(1, 10, 190, 15), run(2, 10, 300, 40), run(2, 20, 300, 40)];

  it('summarises each point in seed order, whatever order the runs arrived in', () => {
    const a = aggregate(plan, runs);
    const b = aggregate(plan, [...runs].reverse());
    expect(b).toEqual(a);
    expect(a.points[1]!.stats['instance_seconds']).toMatchObject({ n: 2, mean: 200 });
    expect(a.metrics).toEqual(['instance_seconds', 'slo_violation_seconds', 'flip_flop_rate']); // the metric table's order
  });

  it('pairs differences seed by seed', () => {
    const a = aggregate(plan, runs);
    // point 1 − point 0: seed 10: 190 − 100, seed 20: 210 − 110 → 90 and 100
    expect(a.points[1]!.samples['instance_seconds']).toEqual([190, 210]);
    const d = pairedDifference(a.points[1]!, a.points[0]!, 'instance_seconds');
    expect(d.mean).toBe(95);
    expect(d.sd).toBeCloseTo(Math.SQRT2 * 5, 12);
    expect(d.ci95).toBeCloseTo((12.706204736 * Math.SQRT2 * 5) / Math.SQRT2, 9);
    // a point with a missing run pairs only the seeds both have
    const partial = aggregate(plan, runs.filter((r) => !(r.point === ids[2] && r.seed === 20)));
    expect(pairedDifference(partial.points[2]!, partial.points[0]!, 'instance_seconds')).toEqual({ n: 1, mean: 200, sd: null, ci95: null });
  });

  it('ranks feasible points by the objective and marks the front', () => {
    const agg = aggregate(plan, runs);
    const j = judge(agg, {
      objective: { metric: 'instance_seconds', direction: 'min' },
      constraints: [{ metric: 'slo_violation_seconds', op: '<=', value: 45 }],
      pareto: [
        { metric: 'instance_seconds', direction: 'min' },
        { metric: 'slo_violation_seconds', direction: 'min' },
      ],
      heatmaps: [],
    });
    expect(j.points.map((p) => [p.feasible, p.rank, p.pareto])).toEqual([
      [false, null, true],
      [true, 1, true],
      [true, 2, false],
    ]);
    expect(j.points[0]!.violated).toEqual(['slo_violation_seconds<=45']);
    expect(j.best?.index).toBe(1);
    expect(j.bestFeasible).toBe(true);
  });

  it('falls back to the objective alone when nothing is feasible', () => {
    const j = judge(aggregate(plan, runs), {
      objective: { metric: 'instance_seconds', direction: 'min' },
      constraints: [{ metric: 'slo_violation_seconds', op: '<', value: 1 }],
      pareto: [
        { metric: 'instance_seconds', direction: 'min' },
        { metric: 'slo_violation_seconds', direction: 'min' },
      ],
      heatmaps: [],
    });
    expect(j.bestFeasible).toBe(false);
    expect(j.best?.index).toBe(0);
  });
});
