/**
 * The fluid request model on cases worked by hand (docs/REQUESTS.md). Every expected number
 * comes from the arithmetic in the comment beside it: μ = ready × concurrency / serviceTime,
 * dQ/dt = λ − μ within [0, queue_limit], FIFO: the fluid at arrival position c leaves at the
 * time the cumulative dispatch reaches c.
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_SEGMENTS, advance, combinedAddedLatency, cpuDemandCores, createFlow, idleFrom, inFlight, oldestWait, recordWake, requestMetrics, servedRate } from '../src/requests/index.js';
import { LatencyHistogram } from '../src/requests/histogram.js';
import { ERLANG_EXACT_SLOTS, erlangB, erlangC, stationaryWait } from '../src/requests/flow.js';

const S = 1_000_000;
const MS = 1_000;

describe('fluid request model, golden cases', () => {
  it('under capacity: λ = 100/s into 2 × 4 slots of 50 ms (μ = 160/s), nothing waits', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 1000 });
    advance(f, 0, S, 100, 2);
    // μ = 2 × 4 / 0.05 s = 160/s > λ = 100/s: no queue; 1 s × 100/s = 100 arrive and are served
    expect(f.arrived).toBeCloseTo(100, 9);
    expect(f.served).toBeCloseTo(100, 9);
    expect(f.delayed).toBe(0);
    expect(f.queued).toBe(0);
    // in flight = λ × service time = 100 × 0.05 = 5 requests; CPU = 5 × 1 core = 5 cores
    expect(inFlight(f)).toBeCloseTo(5, 9);
    expect(cpuDemandCores(f)).toBeCloseTo(5, 9);
    // core·µs = 100 requests × 50 000 µs × 1 core
    expect(f.coreMicros).toBeCloseTo(5_000_000, 3);
    const m = requestMetrics(f);
    expect(m.added_latency_ms).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('overload then drain: λ = 200/s for 1 s, then 100/s, into μ = 160/s', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: Infinity });
    advance(f, 0, S, 200, 2);
    // the queue grows at 200 − 160 = 40/s: 40 requests at t = 1 s; the slots are all busy (8)
    expect(f.queued).toBeCloseTo(40, 9);
    expect(inFlight(f)).toBe(8);
    expect(cpuDemandCores(f)).toBeCloseTo(8, 9); // 160 served × 0.05 s / 1 s
    // oldest queued: position 160 (the next to leave) arrived at 160/200 = 0.8 s → waited 0.2 s
    expect(oldestWait(f)).toBeCloseTo(200 * MS, 3);
    advance(f, S, 2 * S, 100, 2);
    // it drains at 160 − 100 = 60/s: empty at 1 + 40/60 = 1.6667 s
    expect(f.queued).toBe(0);
    // FIFO: arrival at τ ≤ 1 s has position 200τ, leaves at 200τ/160 = 1.25τ → waits 0.25τ (0…250 ms);
    // arrival at τ ∈ [1, 1.667] has position 200 + 100(τ−1), leaves at that/160 → waits
    // 0.25 − 0.375(τ − 1) (250 ms…0). So 200 + 66.67 = 266.67 requests spread evenly over
    // 0…250 ms and 33.33 (arriving after 1.667 s) with no wait; 300 in all.
    expect(f.arrived).toBeCloseTo(300, 9);
    expect(f.delayed).toBeCloseTo(266.6667, 3);
    const l = requestMetrics(f).added_latency_ms;
    // mean = 266.67 × 125 ms / 300 = 111.11 ms (exact)
    expect(l.mean!).toBeCloseTo(111.1111, 3);
    // max = 250 ms (exact)
    expect(l.max).toBeCloseTo(250, 6);
    // p50: 150 = 33.33 + 266.67 × w/250 → w = 116.67/266.67 × 250 = 109.375 ms (histogram: ≤ 2 %)
    expect(Math.abs(l.p50! - 109.375) / 109.375).toBeLessThan(0.02);
    // p95: 285 → w = 251.67/266.67 × 250 = 235.94 ms
    expect(Math.abs(l.p95! - 235.9375) / 235.9375).toBeLessThan(0.02);
    // p99: 297 → w = 263.67/266.67 × 250 = 247.19 ms
    expect(Math.abs(l.p99! - 247.1875) / 247.1875).toBeLessThan(0.02);
  });

  it('cold start: λ = 100/s, no ready instance for 100 ms, then one with 4 slots of 20 ms', () => {
    const f = createFlow({ serviceTime: 20 * MS, concurrency: 4, queueLimit: Infinity });
    advance(f, 0, 100 * MS, 100, 0);
    // 100/s × 0.1 s = 10 requests wait; nothing served, no CPU
    expect(f.queued).toBeCloseTo(10, 9);
    expect(f.served).toBe(0);
    expect(cpuDemandCores(f)).toBe(0);
    expect(f.zeroReadyEpisodes).toBe(1);
    expect(f.zeroReadyRequests).toBeCloseTo(10, 9);
    advance(f, 100 * MS, 300 * MS, 100, 1);
    // μ = 4 / 0.02 s = 200/s; the queue drains at 200 − 100 = 100/s: empty at 0.1 + 10/100 = 0.2 s.
    // Arrival τ ≤ 0.2 s has position 100τ, leaves at 0.1 + 100τ/200 → waits 0.1 − 0.5τ: 100…0 ms
    // evenly for 20 requests; the 10 arriving in [0.2, 0.3] do not wait.
    const m = requestMetrics(f);
    expect(m.arrived).toBe(30);
    expect(m.delayed).toBe(20);
    expect(m.cold_starts).toBe(1);
    expect(m.cold_start_requests).toBe(10);
    // mean = 20 × 50 ms / 30 = 33.33 ms; max 100 ms; p50: 15 = 10 + 20 × w/100 → 25 ms
    expect(m.added_latency_ms.mean!).toBeCloseTo(33.3333, 3);
    expect(m.added_latency_ms.max!).toBeCloseTo(100, 6);
    expect(Math.abs(m.added_latency_ms.p50! - 25) / 25).toBeLessThan(0.02);
    // the 10 that arrived with nothing ready (τ < 0.1 s) waited 100 … 50 ms: mean 75 ms, p50 75 ms
    expect(m.cold_start_added_latency_ms.mean!).toBeCloseTo(75, 6);
    expect(m.cold_start_added_latency_ms.max!).toBeCloseTo(100, 6);
    expect(Math.abs(m.cold_start_added_latency_ms.p50! - 75) / 75).toBeLessThan(0.02);
    expect(m.wake_added_latency_ms.mean).toBeNull();
  });

  it('queue limit: λ = 300/s into one instance of 2 slots of 10 ms (μ = 200/s), 10 may wait', () => {
    const f = createFlow({ serviceTime: 10 * MS, concurrency: 2, queueLimit: 10 });
    advance(f, 0, S, 300, 1);
    // the queue grows at 300 − 200 = 100/s and is full at 10/100 = 0.1 s; from then on 200/s are
    // admitted and 100/s dropped: 0.9 s × 100/s = 90 dropped; served 200/s × 1 s = 200; 10 queued
    expect(f.arrived).toBeCloseTo(300, 9);
    expect(f.dropped).toBeCloseTo(90, 9);
    expect(f.served).toBeCloseTo(200, 9);
    expect(f.queued).toBe(10);
    // waits: arrival τ ≤ 0.1 s has position 300τ, leaves at 300τ/200 = 1.5τ → waits 0.5τ, 0…50 ms
    // for 30 requests; later admitted ones wait the full queue, 10 / 200/s = 50 ms: the 170 others.
    // mean = (30 × 25 + 170 × 50) / 200 = 46.25 ms; p50 = 50 ms; max 50 ms
    const l = requestMetrics(f).added_latency_ms;
    expect(l.mean!).toBeCloseTo(46.25, 6);
    expect(l.max!).toBeCloseTo(50, 6);
    expect(Math.abs(l.p50! - 50) / 50).toBeLessThan(0.02);
  });

  it('no queue allowed (queue_limit 0): what finds no free slot is dropped; with no instance, all', () => {
    const f = createFlow({ serviceTime: 10 * MS, concurrency: 2, queueLimit: 0 });
    advance(f, 0, S, 300, 1);
    // μ = 200/s: 200 served without waiting, 100 dropped
    expect(f.served).toBeCloseTo(200, 9);
    expect(f.dropped).toBeCloseTo(100, 9);
    expect(f.delayed).toBe(0);
    advance(f, S, 2 * S, 50, 0);
    // nothing ready: the 50 arrivals are all dropped
    expect(f.dropped).toBeCloseTo(150, 9);
    expect(f.zeroReadyRequests).toBeCloseTo(50, 9);
  });

  it('wakes: recordWake before or during the zero-ready episode makes it a wake, not a cold start', () => {
    const f = createFlow({ serviceTime: 10 * MS, concurrency: 1, queueLimit: 100 });
    recordWake(f); // the world wakes a standby instance when the demand appears at t = 0
    advance(f, 0, 5 * MS, 1000, 0); // 5 ms × 1000/s = 5 requests wait for the wake
    advance(f, 5 * MS, 100 * MS, 0, 1);
    advance(f, 100 * MS, 110 * MS, 1000, 0); // a second episode (10 requests) the world boots for
    advance(f, 110 * MS, 300 * MS, 0, 1);
    advance(f, 300 * MS, 302 * MS, 1000, 0); // a third: 2 requests, then the world records a wake
    recordWake(f);
    advance(f, 302 * MS, 400 * MS, 0, 1);
    const m = requestMetrics(f);
    expect(f.zeroReadyEpisodes).toBe(3);
    expect(m.wakes).toBe(2);
    expect(m.cold_starts).toBe(1);
    expect(m.cold_start_requests).toBe(10);
    expect(m.wake_requests).toBe(7); // 5 + 2
    // waits, one slot of 10 ms (μ = 1 per 10 ms), nothing arriving once an instance is ready;
    // x = the request's position in its episode (fluid, 1 per ms of arrival):
    // episode 1 (wake): arrived at x ms, leaves at 5 + 10x ms → waits 5 + 9x: 5 … 50 ms, mean 27.5 ms (5 requests)
    // episode 2 (cold): arrived at 100 + x, leaves at 110 + 10x → waits 10 + 9x: 10 … 100 ms, mean 55 ms (10)
    // episode 3 (wake, recorded after its arrivals): arrived at 300 + x, leaves at 302 + 10x → 2 … 20 ms, mean 11 ms (2)
    // wake requests: (5 × 27.5 + 2 × 11) / 7 = 159.5 / 7 = 22.786 ms
    expect(m.cold_start_added_latency_ms.mean!).toBeCloseTo(55, 6);
    expect(m.wake_added_latency_ms.mean!).toBeCloseTo(22.7857, 3);
    expect(m.wake_added_latency_ms.max!).toBeCloseTo(50, 6);
  });

  it('served rate and idle time for the sensors and scale-to-zero', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: Infinity });
    expect(idleFrom(f)).toBe(-Infinity);
    advance(f, 0, S, 200, 2);
    // 200/s arrive, μ = 160/s: 160 served over 1 s; still arriving → never idle
    expect(servedRate(f)).toBeCloseTo(160, 9);
    expect(idleFrom(f)).toBe(Infinity);
    advance(f, S, S, 0, 2);
    // no more arrivals: the 40 queued drain at 160/s (0.25 s), the last finishes 50 ms later
    expect(idleFrom(f)).toBeCloseTo(S + 250 * MS + 50 * MS, 3);
    advance(f, S, 2 * S, 0, 2);
    // drained at 1.25 s: idle from 1.25 + 0.05 = 1.3 s
    expect(idleFrom(f)).toBeCloseTo(1_300 * MS, 3);
    expect(servedRate(f)).toBeCloseTo(40, 9); // 40 in the last span (1 s)
    advance(f, 2 * S, 3 * S, 0, 0);
    expect(idleFrom(f)).toBeCloseTo(1_300 * MS, 3);
  });

  it('a zero-length span only sets what inFlight reads', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 10 });
    advance(f, 0, 0, 100, 2);
    expect(f.arrived).toBe(0);
    expect(inFlight(f)).toBeCloseTo(5, 9);
    expect(cpuDemandCores(f)).toBeCloseTo(5, 9);
  });

  it('refuses a span that does not start at the flow clock', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 10 });
    advance(f, 0, 10, 1, 1);
    expect(() => advance(f, 5, 20, 1, 1)).toThrow(/flow is at 10/);
    expect(() => advance(f, 10, 5, 1, 1)).toThrow(/before/);
  });
});

describe('fluid request model, invariants over a long run', () => {
  it('conserves requests and keeps fixed memory over 100 000 spans', () => {
    const f = createFlow({ serviceTime: 20 * MS, concurrency: 4, queueLimit: 5_000 });
    let t = 0;
    let worstImbalance = 0;
    let mostQueued = 0;
    let mostSegments = 0;
    for (let k = 0; k < 100_000; k++) {
      // rates and instance counts cycle through under-load, overload, drain and zero-ready
      const rate = [50, 400, 900, 120, 0, 300][k % 6]!;
      const ready = [1, 2, 0, 3, 1, 2, 0][k % 7]!;
      const d = 7 * MS + (k % 11) * MS;
      advance(f, t, t + d, rate, ready);
      t += d;
      // every arrival is served, dropped or still waiting
      worstImbalance = Math.max(worstImbalance, Math.abs(f.arrived - f.served - f.dropped - f.queued));
      mostQueued = Math.max(mostQueued, f.queued);
      mostSegments = Math.max(mostSegments, f.segCount);
    }
    expect(worstImbalance).toBeLessThan(1e-3);
    expect(mostQueued).toBeLessThanOrEqual(5_000);
    expect(mostSegments).toBeLessThanOrEqual(QUEUE_SEGMENTS);
    expect(f.arrived).toBeCloseTo(f.served + f.dropped + f.queued, 3);
    expect(f.delayed).toBeLessThanOrEqual(f.served + 1e-6);
    // CPU charged per request served: served × 20 ms × 1 core
    expect(f.coreMicros / (f.served * 20 * MS)).toBeCloseTo(1, 9);
    const l = requestMetrics(f).added_latency_ms;
    expect(l.p50!).toBeLessThanOrEqual(l.p95!);
    expect(l.p95!).toBeLessThanOrEqual(l.p99!);
    expect(l.p99!).toBeLessThanOrEqual(l.max!);
  });
});

describe('arrivals: poisson, steady-state waits below capacity', () => {
  it('one slot (M/D/1): Pollaczek–Khinchine', () => {
    const f = createFlow({ serviceTime: 10 * MS, concurrency: 1, queueLimit: Infinity, arrivals: 'poisson' });
    stationaryWait(f, 50 / 1e6, 1);
    // ρ = 50 × 0.01 = 0.5; Erlang C(1, 0.5) = ρ = 0.5; K = 1 (c − 1 = 0);
    // W = ρD / (2(1 − ρ)) = 0.5 × 10 / 1 = 5 ms overall, 5 / 0.5 = 10 ms for those who wait
    expect(f.waitChance).toBeCloseTo(0.5, 12);
    expect(f.waitMean).toBeCloseTo(10_000, 6);
  });

  it('eight slots of 50 ms at λ = 128/s: Erlang C and Cosmetatos worked by hand', () => {
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: Infinity, arrivals: 'poisson' });
    advance(f, 0, 10 * S, 128, 2);
    // a = 128 × 0.05 = 6.4, c = 8, ρ = 0.8. Erlang B: B1 = 6.4/7.4 = .8649, B2 = .7346, B3 = .6105,
    // B4 = .4941, B5 = .3875, B6 = .2925, B7 = .2110, B8 = 1.350/9.350 = .1444;
    // C = .1444 / (1 − 0.8 × .8556) = .1444 / .3155 = .4577.
    // K = 1 + 0.2 × 7 × (√44 − 2) / (16 × 0.8 × 8) = 1 + 6.486/102.4 = 1.0633.
    // W = K·C / (2(c/D − λ)) = 1.0633 × .4577 / (2 × (160 − 128)) s = 7.60 ms.
    expect(f.waitChance).toBeCloseTo(0.4577, 3);
    expect(f.delayed / f.served).toBeCloseTo(0.4577, 3);
    expect(f.latency.mean() / MS).toBeCloseTo(7.6, 1);
    // the same queue, CPU and in-flight as the plain fluid: 1280 served × 50 ms / 10 s = 6.4 cores
    expect(cpuDemandCores(f)).toBeCloseTo(6.4, 9);
    expect(f.queued).toBe(0);
    // p50 = 0 (54 % never wait); p95: C·e^(−w/θ) = 0.05 with θ = W/C = 16.6 ms → w = θ ln(9.15) = 36.8 ms (2 % bucket + the piecewise tail)
    expect(f.latency.quantile(0.5)).toBe(0);
    expect(Math.abs(f.latency.quantile(0.95) / MS - 36.8) / 36.8).toBeLessThan(0.03);
  });
});

describe('arrivals: poisson with queue_limit 0 (a loss system): Erlang B', () => {
  it('one slot of 5 ms at 300/s: a = 1.5, blocked 1.5/2.5 = 60 %', () => {
    const f = createFlow({ serviceTime: 5 * MS, concurrency: 1, queueLimit: 0, arrivals: 'poisson' });
    advance(f, 0, S, 300, 1);
    // B(1, 1.5) = 1.5 / (1 + 1.5) = 0.6: 180 dropped, 120 served, none waits
    expect(f.dropped).toBeCloseTo(180, 9);
    expect(f.served).toBeCloseTo(120, 9);
    expect(f.delayed).toBe(0);
    // carried load 120/s × 5 ms = 0.6 busy slots
    expect(inFlight(f)).toBeCloseTo(0.6, 9);
    expect(cpuDemandCores(f)).toBeCloseTo(0.6, 9);
  });

  it('8 slots of 50 ms at 150/s: a = 7.5, B(8, 7.5) by the recursion worked by hand', () => {
    // B1 = 7.5/8.5 = .8824, B2 = 6.618/8.618 = .7679, B3 = 5.759/8.759 = .6575, B4 = 4.931/8.931 = .5521,
    // B5 = 4.141/9.141 = .4530, B6 = 3.398/9.398 = .3615, B7 = 2.712/9.712 = .2792, B8 = 2.094/10.094 = .2075
    expect(erlangB(8, 7.5)).toBeCloseTo(0.2075, 3);
    const f = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 0, arrivals: 'poisson' });
    advance(f, 0, 10 * S, 150, 2);
    expect(f.dropped / f.arrived).toBeCloseTo(0.2075, 3);
    // no instance: everything is dropped
    advance(f, 10 * S, 11 * S, 150, 0);
    expect(f.dropped).toBeCloseTo(1500 * erlangB(8, 7.5) + 150, 6);
  });

  it('above ERLANG_EXACT_SLOTS: matches the full recursion, below, at and above saturation', () => {
    const byRecursion = (c: number, a: number): number => {
      let b = 1;
      for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
      return b;
    };
    for (const c of [ERLANG_EXACT_SLOTS + 1, 10_000]) {
      for (const rho of [0.9, 0.98, 1, 1.02, 1.1, 1.5]) {
        expect(Math.abs(erlangB(c, rho * c) - byRecursion(c, rho * c)), `c ${c}, ρ ${rho}`).toBeLessThanOrEqual(1e-9);
      }
    }
  });
});

describe('Erlang C', () => {
  /** The Erlang B recursion, for any number of slots (the reference). */
  function byRecursion(c: number, a: number): number {
    let b = 1;
    for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
    return b / (1 - (a / c) * (1 - b));
  }

  it('is exact up to ERLANG_EXACT_SLOTS: C(1, a) = a; C(2, 1) = 1/3', () => {
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12);
    // c = 2, a = 1: B1 = 1/2, B2 = 0.5/(2 + 0.5) = 0.2; C = 0.2 / (1 − 0.5 × 0.8) = 1/3
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('above it (recursion over the last slots from an asymptotic start) matches the full recursion', () => {
    for (const c of [ERLANG_EXACT_SLOTS + 1, 4_000, 20_000]) {
      for (const rho of [0.8, 0.9, 0.95, 0.98, 0.995, 0.999]) {
        expect(Math.abs(erlangC(c, rho * c) - byRecursion(c, rho * c)), `c ${c}, ρ ${rho}`).toBeLessThanOrEqual(1e-9);
      }
    }
  });
});

describe('latency histogram', () => {
  it('keeps mean and max exact and quantiles within 2 % in fixed memory', () => {
    const h = new LatencyHistogram();
    h.addPoint(100, 0);
    h.addUniform(100, 1_000, 3_000);
    // 200 in all: 100 at 0, 100 spread over 1…3 ms; mean = 100 × 2 ms / 200 = 1 ms
    expect(h.mean()).toBeCloseTo(1_000, 9);
    expect(h.max).toBe(3_000);
    expect(h.quantile(0.5)).toBe(0); // the 100th of 200 waited 0
    // p75: 150 = 100 + 100 × (w − 1000)/2000 → w = 2000 µs
    expect(Math.abs(h.quantile(0.75) - 2_000) / 2_000).toBeLessThan(0.02);
    expect(h.quantile(1)).toBe(3_000);
  });

  it('combines services into one distribution', () => {
    // service A: 100 requests with no wait; service B: 100 spread over 1…3 ms — together the
    // histogram above: mean 1 ms, p75 2 ms, max 3 ms
    const a = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 10 });
    a.latency.addPoint(100, 0);
    const b = createFlow({ serviceTime: 50 * MS, concurrency: 4, queueLimit: 10 });
    b.latency.addUniform(100, 1_000, 3_000);
    const all = combinedAddedLatency([a, b]);
    expect(all.mean!).toBeCloseTo(1, 9);
    expect(all.p50).toBe(0);
    // p95: 0.95 × 200 = 190 = 100 + 100 × (w − 1 ms)/2 ms → w = 2.8 ms
    expect(Math.abs(all.p95! - 2.8) / 2.8).toBeLessThan(0.02);
    expect(all.max).toBe(3);
  });
});
