/**
 * Metrics on small series worked by hand. Times in the comments are seconds; every expected
 * number comes from the arithmetic written next to it, not from running the code.
 */
import { describe, expect, it } from 'vitest';
import { FleetMetrics, METRIC_DOCS, METRIC_TABLE, aggregateMetricSets, workloadMetricSet } from '../src/metrics/summary.js';
import { KEPT_RESULTS_UP_TO, WorkloadMetrics, WorkloadMetricsBank, lazyResults, type WorkloadMetricsOptions, type WorkloadResult } from '../src/metrics/workload.js';

const S = 1_000_000;

/** The eight values `update` takes; a driver keeps the last ones so a test only writes changes. */
interface Point {
  d: number;
  s: number;
  di: number;
  si: number;
  n: number;
  vcpu: number;
  mem: number;
}

/** Feeds a WorkloadMetrics with changes at times given in seconds. */
class Driver {
  readonly m: WorkloadMetrics;
  private p: Point = { d: 0, s: 0, di: 0, si: 0, n: 0, vcpu: 0, mem: 0 };

  constructor(opts: Partial<WorkloadMetricsOptions> = {}) {
    this.m = new WorkloadMetrics({ start: 0, utilisationTarget: 1, flipFlopWindow: 600 * S, elasticityGrid: 10 * S, ...opts });
  }

  set(seconds: number, change: Partial<Point>): this {
    this.p = { ...this.p, ...change };
    const p = this.p;
    this.m.update(seconds * S, p.d, p.s, p.di, p.si, p.n, p.vcpu, p.mem);
    return this;
  }

  finish(seconds: number): WorkloadResult {
    return this.m.finish(seconds * S);
  }
}

describe('service level', () => {
  it('demand 2 cores for 10 s then 0.5 for 10 s, capacity 1', () => {
    const r = new Driver().set(0, { d: 2, s: 1 }).set(10, { d: 0.5 }).finish(20);
    // [0,10): 2 > 1·1 violates; [10,20): 0.5 ≤ 1 does not → 10 s, 10/20 = 50 %.
    expect(r.slo_violation_seconds).toBe(10);
    expect(r.slo_violation_percent).toBe(50);
    // (2 − 1)·10 + 0 = 10 core·s.
    expect(r.unserved_core_seconds).toBe(10);
    // One episode, 0 → 10: 10 s.
    expect(r.reaction_sketch.exactValues(1e6)).toEqual([10]);
    expect([r.reaction_time_mean, r.reaction_time_p50, r.reaction_time_p95, r.reaction_time_max]).toEqual([10, 10, 10, 10]);
    expect(r.reaction_episodes).toBe(1);
    expect(r.reaction_episodes_open).toBe(0);
  });

  it('reaction times of two closed episodes plus one open at the end (u = 0.8)', () => {
    const r = new Driver({ utilisationTarget: 0.8 })
      .set(0, { d: 5, s: 10 }) //   5 ≤ 0.8·10 = 8     ok
      .set(10, { d: 9 }) //         9 > 8              episode 1 opens at 10
      .set(13, { s: 12 }) //        9 ≤ 0.8·12 = 9.6   closes: 13 − 10 = 3 s
      .set(20, { d: 11 }) //        11 > 9.6           episode 2 opens at 20
      .set(27, { s: 16 }) //        11 ≤ 0.8·16 = 12.8 closes: 27 − 20 = 7 s
      .set(30, { d: 20 }) //        20 > 12.8          episode 3 opens, still open at 40
      .finish(40);
    expect(r.reaction_sketch.exactValues(1e6)).toEqual([3, 7]);
    expect(r.reaction_episodes).toBe(2);
    expect(r.reaction_episodes_open).toBe(1);
    expect(r.reaction_time_mean).toBe(5); // (3 + 7)/2
    expect(r.reaction_time_p50).toBe(5); // type 7: index (2−1)·0.5 = 0.5 → 3 + 0.5·(7 − 3)
    expect(r.reaction_time_p95).toBeCloseTo(6.8, 12); // index 0.95 → 3 + 0.95·4
    expect(r.reaction_time_max).toBe(7);
    // Violating: 3 + 7 + (40 − 30) = 20 s of 40 → 50 %.
    expect(r.slo_violation_seconds).toBe(20);
    expect(r.slo_violation_percent).toBe(50);
    // Unserved uses s, not u·s: [10,13) 9 < 10 and [20,27) 11 < 12 add nothing;
    // [30,40): (20 − 16)·10 = 40 core·s.
    expect(r.unserved_core_seconds).toBe(40);
  });

  it('no episodes → reaction statistics null', () => {
    const r = new Driver().set(0, { d: 1, s: 2 }).finish(10);
    expect(r.reaction_episodes).toBe(0);
    expect([r.reaction_time_mean, r.reaction_time_p50, r.reaction_time_p95, r.reaction_time_max]).toEqual([null, null, null, null]);
  });

  it('a violation fixed exactly at the end is still open (only time in [start, end) counts)', () => {
    const r = new Driver().set(0, { d: 2, s: 1 }).set(10, { s: 2 }).finish(10);
    expect(r.reaction_episodes).toBe(0);
    expect(r.reaction_episodes_open).toBe(1);
    expect(r.slo_violation_seconds).toBe(10);
  });
});

describe('cost', () => {
  it('a clone alive for 25 s next to its primary (2 vCPU, 0.5 GiB each)', () => {
    const drive = new Driver()
      .set(0, { n: 1, vcpu: 2, mem: 0.5 })
      .set(10, { n: 2, vcpu: 4, mem: 1 }) // clone exists from 10 …
      .set(35, { n: 1, vcpu: 2, mem: 0.5 }); // … to 35: 25 s
    drive.m.count('clones_spawned');
    drive.m.count('clones_destroyed');
    drive.m.count('migrations', 2);
    drive.m.addMigrationSeconds(1.5);
    drive.m.addMigrationSeconds(2);
    const r = drive.finish(60);
    // 1·10 + 2·25 + 1·25 = 85 (= primary 60 + clone 25).
    expect(r.instance_seconds).toBe(85);
    // 2·10 + 4·25 + 2·25 = 20 + 100 + 50 = 170.
    expect(r.vcpu_seconds).toBe(170);
    // 0.5·10 + 1·25 + 0.5·25 = 5 + 25 + 12.5 = 42.5.
    expect(r.gib_seconds).toBe(42.5);
    expect(r.mean_instances).toBeCloseTo(85 / 60, 12);
    expect(r.max_instances).toBe(2);
    expect(r.counts.clones_spawned).toBe(1);
    expect(r.counts.clones_destroyed).toBe(1);
    expect(r.counts.migrations).toBe(2);
    expect(r.counts.boot_failures).toBe(0);
    expect(r.migration_seconds).toBe(3.5);
  });

  it('several updates at the same timestamp: the last one wins', () => {
    const r = new Driver()
      .set(0, { d: 1, s: 1, n: 1, vcpu: 1, mem: 1 })
      .set(5, { d: 3 }) //                       transient violation at 5 …
      .set(5, { d: 1, n: 3, vcpu: 3, mem: 3 }) // … gone at 5; transient 3 instances …
      .set(5, { n: 2, vcpu: 2, mem: 2 }) //      … replaced by 2, which holds from 5
      .finish(10);
    // 1·5 + 2·5 = 15 for instances, vCPUs and GiB alike; mean 15/10.
    expect(r.instance_seconds).toBe(15);
    expect(r.vcpu_seconds).toBe(15);
    expect(r.gib_seconds).toBe(15);
    expect(r.mean_instances).toBe(1.5);
    expect(r.max_instances).toBe(2); // the 3 never held for any time
    expect(r.slo_violation_seconds).toBe(0);
    expect(r.reaction_episodes).toBe(0); // no zero-length episode
    expect(r.reaction_episodes_open).toBe(0);
  });

  it('rejects time going backwards', () => {
    const drive = new Driver().set(10, { n: 1 });
    expect(() => drive.set(9, { n: 2 })).toThrow(RangeError);
    expect(() => drive.finish(5)).toThrow(RangeError);
  });
});

describe('stability', () => {
  it('flip-flops inside and outside the window (W = 60 s)', () => {
    const m = new Driver({ flipFlopWindow: 60 * S }).m;
    m.scaling(0, 1);
    m.scaling(30 * S, -1); //  opposite, 30 ≤ 60 after the previous → flip-flop 1
    m.scaling(100 * S, -1); // same direction → none
    m.scaling(170 * S, 1); //  opposite but 70 > 60 after the previous (100) → none
    m.scaling(200 * S, -1); // opposite, 30 after 170 → flip-flop 2
    const r = m.finish(3600 * S); // T = 1 h
    expect(r.flip_flops).toBe(2);
    expect(r.flip_flop_rate).toBe(2); // 2 per 1 h
    expect(r.scale_ups).toBe(2);
    expect(r.scale_downs).toBe(3);
  });

  it('the window is inclusive and measured from the previous action', () => {
    const m = new Driver({ flipFlopWindow: 60 * S }).m;
    m.scaling(0, 1);
    m.scaling(60 * S, -1); //  exactly W after → flip-flop
    m.scaling(121 * S, 1); //  61 > 60 → none
    expect(m.finish(3600 * S).flip_flops).toBe(1);
  });
});

describe('flip-flops measured from the end of the cooldown (docs/METRICS.md "Flip-flops")', () => {
  it('the README quirk shape: up, then down just after a 600 s cooldown, with W = 600 s', () => {
    // The old rule (gap ≤ W, W = cooldown = 600 s) could never count an up→down pair, because
    // the engine cannot act again before 600 s have passed. Measured from the cooldown's end:
    const m = new Driver({ flipFlopWindow: 600 * S, cooldown: 600 * S }).m;
    expect(m.scaling(0, 1)).toBe(0); //          first action: nothing to reverse
    expect(m.scaling(630 * S, -1)).toBe(2); //   gap 630 ≤ 600 + 600 = 1200 → flip-flop (and a reversal)
    expect(m.scaling(3000 * S, 1)).toBe(1); //   gap 2370 > 1200 → a reversal only
    expect(m.scaling(4200 * S, -1)).toBe(2); //  gap 1200 ≤ 1200 (inclusive) → flip-flop
    expect(m.scaling(5401 * S, 1)).toBe(1); //   gap 1201 > 1200 → a reversal only
    expect(m.scaling(6100 * S, 1)).toBe(0); //   same direction → neither
    const r = m.finish(7200 * S); // T = 2 h
    expect(r.flip_flops).toBe(2);
    expect(r.reversals).toBe(4); // every opposite action: 630, 3000, 4200, 5401
    expect(r.flip_flop_rate).toBe(1); // 2 / 2 h
    expect(r.reversal_rate).toBe(2); //  4 / 2 h
    expect(r.flip_flop_cooldown).toBe(600 * S);
  });

  it('a group that flaps all day is seen: 24 ups and 23 downs alternating, an hour per cycle', () => {
    // up at k·3600 s + 0, down at k·3600 + 640 (k = 0 … 23, the last down missing): each down
    // is 640 ≤ 1200 after its up → 23 flip-flops; each up is 2960 > 1200 after the down → not.
    const m = new Driver({ flipFlopWindow: 600 * S, cooldown: 600 * S }).m;
    for (let k = 0; k < 24; k++) {
      m.scaling(k * 3600 * S, 1);
      if (k < 23) m.scaling((k * 3600 + 640) * S, -1);
    }
    const r = m.finish(86_400 * S);
    expect(r.flip_flops).toBe(23);
    expect(r.reversals).toBe(46); // 47 actions alternating → 46 reversals
    expect(r.reversal_rate).toBeCloseTo(46 / 24, 12); // ≈ 1.92 per hour
  });

  it('without a cooldown the window is measured from the previous action, as before', () => {
    const m = new Driver({ flipFlopWindow: 60 * S }).m;
    m.scaling(0, 1);
    m.scaling(61 * S, -1); // 61 > 0 + 60 → reversal only
    const r = m.finish(3600 * S);
    expect([r.flip_flops, r.reversals, r.flip_flop_cooldown]).toEqual([0, 1, 0]);
  });

  it('run level: summed and per hour of T', () => {
    const a = new Driver({ cooldown: 60 * S, flipFlopWindow: 60 * S }).m;
    a.scaling(0, 1);
    a.scaling(100 * S, -1); // 100 ≤ 120 → flip-flop, reversal
    const b = new Driver({ cooldown: 60 * S, flipFlopWindow: 60 * S }).m;
    b.scaling(0, -1);
    b.scaling(500 * S, 1); //  500 > 120 → reversal
    const agg = aggregateMetricSets([a.finish(1800 * S), b.finish(1800 * S)], 1800 * S);
    expect(agg.flip_flops).toEqual({ value: 1, unit: 'count' });
    expect(agg.reversals).toEqual({ value: 2, unit: 'count' });
    expect(agg.reversal_rate).toEqual({ value: 4, unit: 'per hour' }); // 2 / 0.5 h
  });
});

describe('elasticity (instances, ε = 1)', () => {
  it('θ and τ on a 3-segment series', () => {
    const r = new Driver().set(0, { di: 4, si: 2 }).set(10, { di: 2 }).set(20, { di: 0.5 }).finish(40);
    // [0,10):  d=4, s=2:   under (4−2)/max(4,1) = 0.5 → 0.5·10 = 5; d > s for 10 s.
    // [10,20): d=2, s=2:   nothing.
    // [20,40): d=0.5, s=2: over (2−0.5)/max(0.5,1) = 1.5 → 1.5·20 = 30; s > d for 20 s.
    expect(r.theta_u).toBe(12.5); // 100/40 · 5
    expect(r.theta_o).toBe(75); //   100/40 · 30
    expect(r.tau_u).toBe(25); //     100/40 · 10
    expect(r.tau_o).toBe(50); //     100/40 · 20
  });

  it('υ when supply lags demand by one grid step (Δt = 10 s, T = 60 s)', () => {
    // d: 1, 2 at 10, 3 at 30, 2 at 40.   s: 1, 2 at 20, 3 at 40, 2 at 50 (one step behind).
    const drive = () =>
      new Driver().set(0, { di: 1, si: 1 }).set(10, { di: 2 }).set(20, { si: 2 }).set(30, { di: 3 }).set(40, { di: 2, si: 3 }).set(50, { si: 2 });
    // Samples (after the updates at that instant)  Δd  Δs  sgn differ?
    //   g0 = 0:  d=1 s=1
    //   g1 = 10: d=2 s=1                              +1   0  yes
    //   g2 = 20: d=2 s=2                               0  +1  yes
    //   g3 = 30: d=3 s=2                              +1   0  yes
    //   g4 = 40: d=2 s=3                              −1  +1  yes (|1 − (−1)| = 2 → min 1)
    //   g5 = 50: d=2 s=2                               0  −1  yes
    //   g6 = 60: d=2 s=2                               0   0  no
    // 5 of the 6 steps g1…g6 (g6 = end is included): 100 · 5·10 / (6·10) = 83.33…
    const r = drive().finish(60);
    expect(r.upsilon_steps).toBe(6);
    expect(r.upsilon).toBeCloseTo(500 / 6, 12);
    // An update exactly at end is part of the sample at g6: s → 3 makes Δs = +1, Δd = 0 → 6 of 6.
    expect(drive().set(60, { si: 3 }).finish(60).upsilon).toBe(100);
  });

  it('υ across a long quiet stretch and a window that is not a multiple of Δt', () => {
    // d 1 → 2 at 100, s = 1 throughout. g1…g9 see no change; g10 = 100 sees Δd = +1, Δs = 0.
    const r = new Driver().set(0, { di: 1, si: 1 }).set(100, { di: 2 }).finish(100);
    expect(r.upsilon_steps).toBe(10);
    expect(r.upsilon).toBe(10); // 100 · 1/10
    // T = 105: grid points up to g10 = 100 ≤ 105, still 10 steps.
    const r2 = new Driver().set(0, { di: 1, si: 1 }).set(100, { di: 2 }).finish(105);
    expect(r2.upsilon_steps).toBe(10);
    expect(r2.upsilon).toBe(10);
    // T ≤ Δt: no step to evaluate.
    expect(new Driver().set(0, { di: 1, si: 1 }).finish(5).upsilon).toBeNull();
  });
});

describe('summary and aggregation', () => {
  /**
   * Two workloads over T = 100 s that peak at different times.
   * A: 1 instance, 3 on [10,30); violates on [0,10) (d=2 > s=1); instances d=2 > s=1 on [0,10).
   * B: 1 instance, 4 on [50,80); violates on [50,80) (d=3 > s=1); instances d=4 > s=2 on [0,20).
   */
  function twoWorkloads(): { a: WorkloadResult; b: WorkloadResult; fleet: ReturnType<FleetMetrics['finish']> } {
    const a = new Driver().set(0, { d: 2, s: 1, di: 2, si: 1, n: 1, vcpu: 1, mem: 1 });
    a.set(10, { d: 1, di: 1, n: 3, vcpu: 3, mem: 3 }).set(30, { n: 1, vcpu: 1, mem: 1 });
    a.m.scaling(10 * S, 1);
    a.m.scaling(30 * S, -1); // flip-flop
    a.m.count('clones_spawned', 2);

    const b = new Driver().set(0, { d: 0, s: 1, di: 4, si: 2, n: 1, vcpu: 1, mem: 1 });
    b.set(20, { di: 2 }).set(50, { d: 3, n: 4, vcpu: 4, mem: 4 }).set(80, { d: 0, n: 1, vcpu: 1, mem: 1 });
    b.m.scaling(50 * S, 1);
    b.m.scaling(80 * S, -1); // flip-flop
    b.m.scaling(90 * S, 1); //  flip-flop
    b.m.count('clones_spawned', 3);

    // Fleet total: [0,10) 2, [10,30) 4, [30,50) 2, [50,80) 5, [80,100) 2.
    const fleet = new FleetMetrics(0);
    for (const [t, total] of [[0, 2], [10, 4], [30, 2], [50, 5], [80, 2]] as const) fleet.update(t * S, total);
    return { a: a.finish(100), b: b.finish(100), fleet: fleet.finish(100 * S) };
  }

  it('per-workload values of the fixture', () => {
    const { a, b } = twoWorkloads();
    expect(a.instance_seconds).toBe(140); // 1·10 + 3·20 + 1·70
    expect(b.instance_seconds).toBe(190); // 1·50 + 4·30 + 1·20
    expect([a.max_instances, b.max_instances]).toEqual([3, 4]);
    expect([a.theta_u, b.theta_u]).toEqual([5, 10]); // (2−1)/2·10 = 5 → 5 %; (4−2)/4·20 = 10 → 10 %
    expect([a.tau_u, b.tau_u]).toEqual([10, 20]);
    expect([a.upsilon, b.upsilon]).toEqual([10, 10]); // one Δd ≠ 0 with Δs = 0 in 10 steps each
  });

  it('sums, pooled reaction times, means of θ/τ/υ and the true fleet maximum', () => {
    const { a, b, fleet } = twoWorkloads();
    // Fleet: max 5 < 3 + 4; mean (2·10 + 4·20 + 2·20 + 5·30 + 2·20)/100 = 330/100 = 3.3.
    expect(fleet.max_instances).toBe(5);
    expect(fleet.instance_seconds).toBe(330);
    expect(fleet.mean_instances).toBe(3.3);

    const agg = aggregateMetricSets([a, b], 100 * S, fleet);
    expect(agg.instance_seconds).toEqual({ value: 330, unit: 'instance·s' }); // 140 + 190
    expect(agg.mean_instances!.value).toBeCloseTo(3.3, 12); // 1.4 + 1.9, equals the fleet mean
    expect(agg.max_instances).toEqual({ value: 5, unit: 'instances' });
    expect(agg.slo_violation_seconds!.value).toBe(40); // 10 + 30
    expect(agg.slo_violation_percent!.value).toBe(20); // 40 / (100 · 2) · 100
    expect(agg.unserved_core_seconds!.value).toBe(70); // (2−1)·10 + (3−1)·30
    // Pooled episodes [10, 30]: mean 20, p50 20, p95 10 + 0.95·20 = 29, max 30.
    expect(agg.reaction_time_mean!.value).toBe(20);
    expect(agg.reaction_time_p50!.value).toBe(20);
    expect(agg.reaction_time_p95!.value).toBeCloseTo(29, 12);
    expect(agg.reaction_time_max!.value).toBe(30);
    expect(agg.reaction_episodes!.value).toBe(2);
    expect(agg.flip_flops!.value).toBe(3); // 1 + 2
    expect(agg.flip_flop_rate).toEqual({ value: 108, unit: 'per hour' }); // 3 / (100/3600 h)
    expect(agg.scale_ups!.value).toBe(3);
    expect(agg.scale_downs!.value).toBe(2);
    expect(agg.clones_spawned!.value).toBe(5);
    expect(agg.theta_u!.value).toBe(7.5); // (5 + 10)/2
    expect(agg.tau_u!.value).toBe(15); //   (10 + 20)/2
    expect(agg.theta_o!.value).toBe(0);
    expect(agg.upsilon).toEqual({ value: 10, unit: '%' });
  });

  it('without the fleet series the run-level maximum is unknown (null), not a sum of maxima', () => {
    const { a, b } = twoWorkloads();
    expect(aggregateMetricSets([a, b], 100 * S).max_instances!.value).toBeNull();
  });

  it('every metric has a unit and a doc line, in one order for workloads and the run', () => {
    const { a, b, fleet } = twoWorkloads();
    const names = METRIC_TABLE.map((m) => m.name);
    const one = workloadMetricSet(a);
    expect(Object.keys(one)).toEqual(names);
    expect(Object.keys(aggregateMetricSets([a, b], 100 * S, fleet))).toEqual(names);
    for (const name of names) {
      expect(one[name]!.unit).not.toBe('');
      expect(METRIC_DOCS[name]).toBeTruthy();
    }
    expect(one.unserved_core_seconds).toEqual({ value: 10, unit: 'core·s' });
    expect(one.vcpu_seconds).toEqual({ value: 140, unit: 'vCPU·s' });
  });

  it('fleet: a transient total while workloads update at the same instant is not the maximum', () => {
    const fleet = new FleetMetrics(0);
    fleet.update(0, 2);
    fleet.update(30 * S, 7); // B went up first …
    fleet.update(30 * S, 5); // … then A went down, at the same instant
    fleet.adjust(45 * S, 1);
    fleet.adjust(45 * S, -1);
    const r = fleet.finish(60 * S);
    expect(r.max_instances).toBe(5);
    expect(r.instance_seconds).toBe(210); // 2·30 + 5·30
  });
});

describe('WorkloadMetricsBank', () => {
  it('lazyResults: each result built when read, kept for the next read up to KEPT_RESULTS_UP_TO workloads, built again above', () => {
    const opts = { start: 0, utilisationTarget: 0.8, flipFlopWindow: 60 * S, elasticityGrid: 10 * S };
    for (const size of [3, KEPT_RESULTS_UP_TO + 1]) {
      const bank = new WorkloadMetricsBank(size, opts);
      bank.advanceAll(0);
      for (let i = 0; i < size; i++) bank.set(i, 0.5 * (i % 4), 1, 1, 1, 1, 1, 0.25);
      const names = Array.from({ length: size }, (_, i) => `g${i}`);
      const results = lazyResults(bank, names, 100 * S);
      expect(results.map((r) => r.name)).toEqual(names);
      const first = results[2]!.result;
      expect(first.slo_violation_seconds).toBe(100); // demand 1 core on 1 core: above the 0.8 utilisation target all 100 s
      const again = results[2]!.result;
      expect(again).toEqual(first);
      expect(again === first, `${size} workloads`).toBe(size <= KEPT_RESULTS_UP_TO);
    }
  });

  it('gives each workload what a WorkloadMetrics of its own gives, when advanced all at once', () => {
    const opts = { start: 0, utilisationTarget: 0.8, flipFlopWindow: 60 * S, elasticityGrid: 10 * S };
    const bank = new WorkloadMetricsBank(3, opts);
    const alone = [0, 1, 2].map(() => new WorkloadMetrics(opts));
    // three workloads, values changing every 10 s round (demand in a saw-tooth of different
    // phases, instances stepping), plus an extra change at an odd time for workload 1
    const at = (i: number, k: number) => {
      const d = ((k + 3 * i) % 7) / 2;
      const n = 1 + ((k + i) % 3);
      return [d, n, Math.ceil(d / 0.8), n, n, 2 * n, n / 4] as const;
    };
    for (let k = 0; k < 40; k++) {
      const t = k * 10 * S;
      bank.advanceAll(t);
      for (let i = 0; i < 3; i++) {
        bank.set(i, ...at(i, k));
        alone[i]!.update(t, ...at(i, k));
      }
      if (k % 5 === 2) {
        bank.update(1, t + 3 * S, 0.25, 1, 1, 1, 1, 2, 0.25);
        alone[1]!.update(t + 3 * S, 0.25, 1, 1, 1, 1, 2, 0.25);
        bank.scaling(1, t + 3 * S, k % 10 === 2 ? 1 : -1);
        alone[1]!.scaling(t + 3 * S, k % 10 === 2 ? 1 : -1);
        bank.count(1, 'clones_spawned');
        alone[1]!.count('clones_spawned');
      }
    }
    for (let i = 0; i < 3; i++) expect(bank.finish(i, 400 * S)).toEqual(alone[i]!.finish(400 * S));
    expect(bank.finish(1, 400 * S).flip_flops).toBe(7); // up/down alternating every 50 s: 8 actions, 7 reversals ≤ 60 s apart
  });
});
