/**
 * The fluid request model on cases worked by hand (docs/REQUESTS.md). Every expected number
 * comes from the arithmetic in the comment beside it: μ = ready × concurrency / serviceTime,
 * dQ/dt = λ − μ within [0, queue_limit], FIFO: the fluid at arrival position c leaves at the
 * time the cumulative dispatch reaches c.
 */
import { describe, expect, it } from 'vitest';
import { advance, cpuDemandCores, createFlow, inFlight, oldestWait, recordWake, requestMetrics } from '../src/requests/index.js';
import { LatencyHistogram } from '../src/requests/histogram.js';

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
    advance(f, 110 * MS, 200 * MS, 0, 1);
    advance(f, 200 * MS, 202 * MS, 1000, 0); // a third: 2 requests, then the world records a wake
    recordWake(f);
    advance(f, 202 * MS, 210 * MS, 0, 1);
    const m = requestMetrics(f);
    expect(f.zeroReadyEpisodes).toBe(3);
    expect(m.wakes).toBe(2);
    expect(m.cold_starts).toBe(1);
    expect(m.cold_start_requests).toBe(10);
    expect(m.wake_requests).toBe(7); // 5 + 2
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
});
