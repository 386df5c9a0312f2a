/**
 * The exact per-request reference for the fluid model (docs/REQUESTS.md "Checked against an
 * exact simulation"): the same piecewise-constant inputs, but discrete requests, each taking a
 * slot for exactly `serviceTime`, FIFO, `concurrency` slots per ready instance.
 *
 * Arrivals follow the cumulative arrival curve A(t) = ∫λ: evenly spaced (request k arrives when
 * A reaches k − ½, so by time t round(A(t)) have arrived) or, given a seeded stream, a Poisson
 * process with that rate (unit-mean exponential steps of A). At one instant: completions first,
 * then the capacity of a new span, then waiting requests start, then the arrival (which starts
 * at once if a slot is free and nobody waits, else waits if fewer than `queueLimit` wait, else
 * is dropped). When the instance count falls, requests already being served finish; new ones
 * start only while busy slots < ready × concurrency.
 *
 * This is a test reference: it allocates per request and keeps every wait. Not for the world.
 */
import type { RandomStream } from '../kernel/random.js';
import type { Micros } from '../kernel/time.js';
import type { RequestSpec } from './flow.js';

/** Waits shorter than this (µs, one nanosecond) are rounding of the arrival times, not waiting. */
const NO_WAIT = 1e-3;

/** One span of constant inputs, as the world passes them to `advance`. */
export interface RequestSpan {
  from: Micros;
  to: Micros;
  ratePerSecond: number;
  ready: number;
}

/** Cumulative counts at the end of a span (events strictly before `at`). */
export interface ExactSnapshot {
  at: Micros;
  arrived: number;
  served: number;
  delayed: number;
  dropped: number;
  queued: number;
  inFlight: number;
  /** ∫ busy slots dt × cpuPerRequest (core·µs) up to `at`. */
  busyCoreMicros: number;
  zeroReadyEpisodes: number;
  zeroReadyRequests: number;
}

/** What `simulateExact` returns: a snapshot per span and every served request's wait. */
export interface ExactResult {
  /** One snapshot per span, in order. */
  spans: ExactSnapshot[];
  /** Waits (µs) of the served requests, in the order they started. */
  waits: number[];
  /** Waits (µs) of the served requests that arrived while no instance was ready. */
  zeroReadyWaits: number[];
}

/** Options of `simulateExact`. */
export interface ExactOptions {
  /** Poisson arrivals drawn from this stream; default evenly spaced. */
  poisson?: RandomStream;
}

/**
 * Simulate every request over consecutive spans (each `from` = the previous `to`).
 *
 * @example
 * simulateExact({ serviceTime: 20_000, concurrency: 4, queueLimit: 100 },
 *   [{ from: 0, to: 100_000, ratePerSecond: 100, ready: 0 }, { from: 100_000, to: 300_000, ratePerSecond: 100, ready: 1 }])
 *   .waits.slice(0, 4) // [95_000, 85_000, 75_000, 65_000]: arrivals at 5, 15, 25, 35 ms start at 100 ms
 */
export function simulateExact(spec: RequestSpec, spans: readonly RequestSpan[], options: ExactOptions = {}): ExactResult {
  const D = spec.serviceTime;
  const cpu = spec.cpuPerRequest ?? 1;
  const limit = spec.queueLimit;
  const step = (): number => (options.poisson ? options.poisson.exponential(1) : 1);
  let nextLevel = options.poisson ? step() : 0.5;
  let level = 0;

  const queue: number[] = []; // arrival times of waiting requests
  const queueZeroReady: boolean[] = []; // … and whether each arrived with nothing ready
  let qHead = 0;
  const completions: number[] = []; // nondecreasing: starts are FIFO in time and D is constant
  let cHead = 0;
  let busy = 0;
  let capacity = 0;
  let lastT = spans.length > 0 ? spans[0]!.from : 0;
  let busyIntegral = 0;
  const c = { arrived: 0, served: 0, delayed: 0, dropped: 0, episodes: 0, episodeRequests: 0 };
  let episodeOpen = false;
  const waits: number[] = [];
  const zeroReadyWaits: number[] = [];
  const out: ExactSnapshot[] = [];

  const moveTo = (t: number): void => {
    busyIntegral += busy * (t - lastT);
    lastT = t;
  };
  const start = (t: number, arrival: number, zeroReady: boolean): void => {
    busy++;
    c.served++;
    // arrival times come from ∫λ in floating point: a wait below 1 ns is a tie (no wait)
    const w = t - arrival > NO_WAIT ? t - arrival : 0;
    waits.push(w);
    if (zeroReady) zeroReadyWaits.push(w);
    if (w > 0) c.delayed++;
    completions.push(t + D);
  };
  const startWaiting = (t: number): void => {
    while (busy < capacity && qHead < queue.length) {
      start(t, queue[qHead]!, queueZeroReady[qHead]!);
      qHead++;
    }
  };
  const completeUpTo = (t: number, inclusive: boolean): void => {
    while (cHead < completions.length && (inclusive ? completions[cHead]! <= t : completions[cHead]! < t)) {
      moveTo(completions[cHead]!);
      cHead++;
      busy--;
      startWaiting(lastT);
    }
  };

  for (const span of spans) {
    completeUpTo(span.from, true);
    moveTo(span.from);
    capacity = span.ready * spec.concurrency;
    if (span.ready > 0) episodeOpen = false;
    startWaiting(span.from);
    const lam = span.ratePerSecond / 1e6;
    for (;;) {
      const ta = lam > 0 ? span.from + (nextLevel - level) / lam : Infinity;
      const tc = cHead < completions.length ? completions[cHead]! : Infinity;
      if (ta >= span.to && tc >= span.to) break;
      if (tc <= ta) {
        completeUpTo(tc, true);
        continue;
      }
      moveTo(ta);
      nextLevel += step();
      c.arrived++;
      if (span.ready === 0) {
        if (!episodeOpen) {
          episodeOpen = true;
          c.episodes++;
        }
        c.episodeRequests++;
      }
      if (busy < capacity && qHead === queue.length) start(ta, ta, false);
      else if (queue.length - qHead < limit) {
        queue.push(ta);
        queueZeroReady.push(span.ready === 0);
      } else c.dropped++;
    }
    level += lam * (span.to - span.from);
    moveTo(span.to);
    out.push({
      at: span.to,
      arrived: c.arrived,
      served: c.served,
      delayed: c.delayed,
      dropped: c.dropped,
      queued: queue.length - qHead,
      inFlight: busy,
      busyCoreMicros: busyIntegral * cpu,
      zeroReadyEpisodes: c.episodes,
      zeroReadyRequests: c.episodeRequests,
    });
  }
  return { spans: out, waits, zeroReadyWaits };
}

/**
 * The p-quantile of waits as the fluid's histogram defines it: the smallest w with F(w) ≥ p
 * (nearest rank, sorted[⌈p·n⌉ − 1]); NaN when empty.
 *
 * @example waitQuantile([0, 0, 10, 20], 0.5) // 0
 * @example waitQuantile([0, 0, 10, 20], 0.75) // 10
 */
export function waitQuantile(waits: readonly number[], p: number): number {
  if (waits.length === 0) return NaN;
  const sorted = [...waits].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
