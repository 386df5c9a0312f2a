/**
 * The request model: one service's requests as a fluid (docs/REQUESTS.md).
 *
 * Inputs are piecewise constant — an arrival rate and a number of ready instances per span —
 * and `advance` moves the state from one change to the next in closed form: no event per
 * request, no allocation. The service's ready instances each serve up to `concurrency`
 * requests at once for `serviceTime` each, so the service rate is
 * μ = ready × concurrency / serviceTime; requests that find every slot busy wait in one FIFO
 * queue shared by the service (at most `queueLimit` waiting; later arrivals are dropped).
 * With no ready instance (a cold start or a wake under way) requests wait until one is ready.
 *
 * Per span the queue Q moves linearly (dQ/dt = λ − μ, kept within [0, queueLimit]); the fluid
 * leaves the queue FIFO at rate μ, and the wait of each piece is its dispatch time minus its
 * arrival time. The queued fluid is kept as a few arrival segments (start, end, requests) in a
 * fixed ring, so the waits of a whole span go into the latency histogram as uniform pieces.
 *
 * Pure: no clock, no randomness, no I/O; time arrives as integer µs (`from`, `to`).
 */
import type { Micros } from '../kernel/time.js';
import { LatencyHistogram } from './histogram.js';

/** One service's request parameters (already validated; see `parseRequestsSpec`). */
export interface RequestSpec {
  /** Time one request occupies a slot (µs, > 0). */
  serviceTime: Micros;
  /** Requests one ready instance serves at once (integer ≥ 1). */
  concurrency: number;
  /** Requests that may wait in the service's queue (≥ 0; Infinity = no limit). */
  queueLimit: number;
  /** Cores one request keeps busy while served (default 1: one core for the service time). */
  cpuPerRequest?: number;
  /**
   * `even` (default): the plain fluid — below capacity nobody waits. `poisson`: arrivals are
   * taken as random (Poisson), and below capacity with an empty queue the stationary M/D/c
   * waits are added to the latency histogram and the delayed count (see `stationaryWait`);
   * with `queueLimit: 0` (a loss system) a share Erlang B of the arrivals is dropped instead
   * (`erlangB`). Otherwise queue, counts other than `delayed`, in-flight and CPU are the same.
   */
  arrivals?: 'even' | 'poisson';
}

/** Arrival segments kept for the queued fluid; more distinct spans than this are merged. */
export const QUEUE_SEGMENTS = 64;
/** Numbers per segment: start µs, end µs, requests, kind (ARRIVED_*). */
const SEG = 4;
/** Segment kinds: arrived with an instance ready, during a cold start, during a wake. */
const ARRIVED_READY = 0;
const ARRIVED_COLD = 1;
const ARRIVED_WAKE = 2;

/** Below this many requests a queue counts as empty (rounding in the closed forms). */
const EMPTY = 1e-9;
/** Waits shorter than this (µs) count as no wait (rounding). */
const NO_WAIT = 1e-6;

/**
 * The state of one service's requests at `now`. Counters are fluid amounts (real numbers of
 * requests), cumulative since `createFlow`; read them, never write them.
 */
export class RequestFlow {
  readonly spec: Readonly<Required<RequestSpec>>;
  /** Time the state is at (µs): the `to` of the last `advance`. */
  now: Micros;
  /** Requests waiting in the queue at `now`. */
  queued = 0;
  /** Arrival rate of the last span (requests per second). */
  rate = 0;
  /** Ready instances of the last span. */
  ready = 0;

  /** Requests that arrived (dropped ones included). */
  arrived = 0;
  /** Requests handed to an instance (dispatched), with or without waiting. */
  served = 0;
  /** Requests handed to an instance after waiting more than 0. */
  delayed = 0;
  /** Requests refused because `queueLimit` were already waiting. */
  dropped = 0;
  /** Episodes that began with requests arriving while no instance was ready. */
  zeroReadyEpisodes = 0;
  /** Requests that arrived while no instance was ready (dropped ones included). */
  zeroReadyRequests = 0;
  /** Wakes of a standby instance recorded by the world (`recordWake`). */
  wakes = 0;
  /** Zero-ready episodes ended by a wake (the rest are cold starts). */
  wokenEpisodes = 0;
  /** Requests of the zero-ready episodes ended by a wake. */
  wokenRequests = 0;
  /** CPU time of all requests served (core·µs): served × serviceTime × cpuPerRequest. */
  coreMicros = 0;

  /** Start of the last span (µs). */
  spanFrom: Micros;
  /** Requests dispatched in the last span. */
  spanServed = 0;
  /** CPU time of the last span's requests (core·µs). */
  spanCoreMicros = 0;
  /** When the last request so far was handed to a slot (µs); −Infinity before the first. */
  lastDispatch = -Infinity;

  /** Waits of the served requests (µs), zeros included. */
  readonly latency = new LatencyHistogram();

  /** Waits (µs) of the requests that arrived while no instance was ready, in cold starts. */
  readonly coldStartLatency = new LatencyHistogram();
  /** Waits (µs) of the requests that arrived while no instance was ready, in wakes. */
  readonly wakeLatency = new LatencyHistogram();

  /** @internal ring of queued arrival segments: [start µs, end µs, requests, kind] × QUEUE_SEGMENTS. */
  readonly segments = new Float64Array(SEG * QUEUE_SEGMENTS);
  /** @internal index of the oldest segment and number of segments. */
  segHead = 0;
  segCount = 0;
  /** @internal zero-ready episode bookkeeping. */
  episodeOpen = false;
  episodeWoken = false;
  episodeRequests = 0;
  episodeStart = 0;
  pendingWake = false;
  /** @internal the last `stationaryWait` inputs (λ per µs, slots) and results. */
  waitRate = -1;
  waitSlots = -1;
  waitChance = 0;
  waitMean = 0;
  /** @internal the last `lossBlocking` inputs (λ per µs, slots) and result. */
  blockRate = -1;
  blockSlots = -1;
  blockChance = 0;

  constructor(spec: RequestSpec, start: Micros = 0) {
    checkSpec(spec);
    this.spec = {
      serviceTime: spec.serviceTime,
      concurrency: spec.concurrency,
      queueLimit: spec.queueLimit,
      cpuPerRequest: spec.cpuPerRequest ?? 1,
      arrivals: spec.arrivals ?? 'even',
    };
    this.now = start;
    this.spanFrom = start;
  }
}

function checkSpec(spec: RequestSpec): void {
  if (!(Number.isInteger(spec.serviceTime) && spec.serviceTime > 0)) throw new RangeError(`serviceTime must be a whole number of µs above 0, got ${spec.serviceTime}`);
  if (!(Number.isInteger(spec.concurrency) && spec.concurrency >= 1)) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${spec.concurrency}`);
  if (!(spec.queueLimit >= 0) || (Number.isFinite(spec.queueLimit) && !Number.isInteger(spec.queueLimit))) throw new RangeError(`queueLimit must be a whole number ≥ 0 or Infinity, got ${spec.queueLimit}`);
  const cpu = spec.cpuPerRequest ?? 1;
  if (!(Number.isFinite(cpu) && cpu > 0)) throw new RangeError(`cpuPerRequest must be a number of cores above 0, got ${cpu}`);
  if (spec.arrivals !== undefined && spec.arrivals !== 'even' && spec.arrivals !== 'poisson') throw new RangeError(`arrivals must be even or poisson, got ${String(spec.arrivals)}`);
}

/**
 * A service with no requests yet, its clock at `start`.
 *
 * @example const flow = createFlow({ serviceTime: 50_000, concurrency: 4, queueLimit: 1000 })
 */
export function createFlow(spec: RequestSpec, start: Micros = 0): RequestFlow {
  return new RequestFlow(spec, start);
}

/**
 * Move `flow` from `from` (= flow.now) to `to` with arrivals at a constant `ratePerSecond` and
 * a constant number of `readyInstances`. Call it again whenever either changes (a boot
 * completes, an instance stops, a new demand sample); a zero-length span only sets the rate
 * and instance count that `inFlight` reads.
 *
 * @example
 * // λ = 100/s, 2 instances × 4 slots, 50 ms: μ = 8 / 0.05 s = 160/s > λ, nothing waits
 * advance(flow, 0, 1_000_000, 100, 2); flow.served // 100; inFlight(flow) // 100 × 0.05 = 5
 */
export function advance(flow: RequestFlow, from: Micros, to: Micros, ratePerSecond: number, readyInstances: number): void {
  if (from !== flow.now) throw new RangeError(`advance from ${from} µs, but the flow is at ${flow.now} µs`);
  if (!(to >= from)) throw new RangeError(`advance to ${to} µs, before ${from} µs`);
  if (!(Number.isFinite(ratePerSecond) && ratePerSecond >= 0)) throw new RangeError(`request rate must be ≥ 0 per second, got ${ratePerSecond}`);
  if (!(Number.isInteger(readyInstances) && readyInstances >= 0)) throw new RangeError(`ready instances must be a whole number ≥ 0, got ${readyInstances}`);
  const spec = flow.spec;
  const lam = ratePerSecond / 1e6; // requests per µs
  const mu = (readyInstances * spec.concurrency) / spec.serviceTime;
  const limit = spec.queueLimit;
  flow.rate = ratePerSecond;
  flow.ready = readyInstances;
  flow.spanFrom = from;
  flow.spanServed = 0;
  flow.spanCoreMicros = 0;
  noteEpisode(flow, from, lam * (to - from), readyInstances);
  const kind = readyInstances > 0 ? ARRIVED_READY : flow.episodeWoken ? ARRIVED_WAKE : ARRIVED_COLD;

  if (limit === 0 && spec.arrivals === 'poisson') {
    lossSpan(flow, to - from, lam, readyInstances * spec.concurrency, to);
    flow.now = to;
    return;
  }

  let t = from;
  while (t < to) {
    const dt = to - t;
    if (flow.queued <= EMPTY && lam <= mu) {
      // under capacity with an empty queue: every arrival finds a free slot
      flow.queued = 0;
      clearSegments(flow);
      const n = lam * dt;
      flow.arrived += n;
      dispatched(flow, n, to);
      if (spec.arrivals === 'poisson' && n > 0 && mu > 0) {
        stationaryWait(flow, lam, readyInstances * spec.concurrency);
        const waiting = n * flow.waitChance;
        flow.delayed += waiting;
        flow.latency.addPoint(n - waiting, 0);
        flow.latency.addExponential(waiting, flow.waitMean);
      } else {
        flow.latency.addPoint(n, 0);
      }
      break;
    }
    if (lam < mu) {
      // the queue drains at μ − λ; it may empty within the span
      const tEmpty = flow.queued / (mu - lam);
      const empties = tEmpty < dt;
      const d = empties ? tEmpty : dt;
      enqueue(flow, t, t + d, lam * d, kind);
      flow.arrived += lam * d;
      dequeue(flow, t, mu, mu * d);
      if (empties) {
        flow.queued = 0;
        clearSegments(flow);
      } else {
        flow.queued += (lam - mu) * d;
      }
      t += d;
      continue;
    }
    if (flow.queued >= limit - EMPTY) {
      // full queue, λ ≥ μ: one admitted for each one dispatched, the rest dropped
      const admitted = mu * dt;
      flow.arrived += lam * dt;
      flow.dropped += (lam - mu) * dt;
      enqueue(flow, t, to, admitted, kind);
      dequeue(flow, t, mu, admitted);
      flow.queued = limit;
      break;
    }
    // the queue grows at λ − μ (or holds at λ = μ) and may reach the limit within the span
    const tFull = lam > mu ? (limit - flow.queued) / (lam - mu) : Infinity;
    const fills = tFull < dt;
    const d = fills ? tFull : dt;
    enqueue(flow, t, t + d, lam * d, kind);
    flow.arrived += lam * d;
    dequeue(flow, t, mu, mu * d);
    flow.queued = fills ? limit : flow.queued + (lam - mu) * d;
    t += d;
  }
  flow.now = to;
}

/**
 * `queue_limit: 0` with Poisson arrivals, a loss system: an arrival that finds every slot busy is
 * dropped, in steady state with Erlang B's chance whatever the service time's distribution
 * (M/G/c/c). Nobody waits.
 */
function lossSpan(flow: RequestFlow, dt: number, lam: number, slots: number, to: number): void {
  const n = lam * dt;
  flow.arrived += n;
  if (!(n > 0)) return;
  const blocked = slots > 0 ? lossBlocking(flow, lam, slots) : 1;
  flow.dropped += n * blocked;
  dispatched(flow, n * (1 - blocked), to);
  flow.latency.addPoint(n * (1 - blocked), 0);
}

/** Erlang B for the flow's service at rate `lam` (per µs) into `slots`, cached on (λ, slots). */
function lossBlocking(flow: RequestFlow, lam: number, slots: number): number {
  if (lam !== flow.blockRate || slots !== flow.blockSlots) {
    flow.blockRate = lam;
    flow.blockSlots = slots;
    flow.blockChance = erlangB(slots, lam * flow.spec.serviceTime);
  }
  return flow.blockChance;
}

/** Load above which the stationary formulas are evaluated at this load (they diverge at 1). */
export const STATIONARY_MAX_LOAD = 0.999;

/**
 * Waits of Poisson arrivals at rate `lam` (per µs) into `slots` slots of the service time D,
 * in steady state (M/D/c), into `flow.waitChance` (probability of waiting) and `flow.waitMean`
 * (mean wait of those who wait, µs):
 *
 * - a = λ·D, ρ = a / c; the chance to wait is Erlang C: B₀ = 1, Bₖ = a·Bₖ₋₁ / (k + a·Bₖ₋₁),
 *   C = B_c / (1 − ρ(1 − B_c)) — exact for M/M/c, used as is for M/D/c;
 * - the mean wait is Cosmetatos' M/D/c approximation, half the M/M/c one times
 *   K = 1 + (1 − ρ)(c − 1)(√(4 + 5c) − 2) / (16ρc): W = K · C / (2(c/D − λ)) — exact for c = 1
 *   (Pollaczek–Khinchine, ρD / (2(1 − ρ)));
 * - the wait of those who wait is taken as exponential with mean W / C.
 *
 * O(min(c, ERLANG_EXACT_SLOTS)) when λ or c changed since the last call, O(1) otherwise;
 * nothing allocated.
 *
 * @example // c = 1, D = 10 ms, λ = 50/s: ρ = 0.5, chance 0.5, W = 0.5·10/(2·0.5) = 5 ms, mean of those waiting 10 ms
 */
export function stationaryWait(flow: RequestFlow, lam: number, slots: number): void {
  if (lam === flow.waitRate && slots === flow.waitSlots) return;
  flow.waitRate = lam;
  flow.waitSlots = slots;
  const D = flow.spec.serviceTime;
  const rho = Math.min((lam * D) / slots, STATIONARY_MAX_LOAD);
  const chance = erlangC(slots, rho * slots);
  const k = 1 + ((1 - rho) * (slots - 1) * (Math.sqrt(4 + 5 * slots) - 2)) / (16 * rho * slots);
  flow.waitChance = chance;
  flow.waitMean = (k * D) / (2 * slots * (1 - rho)); // W / C = K / (2(c/D − λ)) with λ = ρc/D
}

/**
 * Up to this many slots Erlang B and C are exact (the recursion from 0); above, the recursion
 * runs over the last ERLANG_EXACT_SLOTS slots only, from an asymptotic start (see `erlangB`).
 */
export const ERLANG_EXACT_SLOTS = 2048;

/**
 * Erlang C: the chance that a Poisson arrival finds all `slots` busy at offered load `a` (< slots)
 * = λ × service time: C = B/(1 − ρ(1 − B)) with B = `erlangB(slots, a)`, ρ = a/slots.
 *
 * @example erlangC(1, 0.5) // 0.5
 * @example erlangC(8, 6.4) // ≈ 0.4577
 */
export function erlangC(slots: number, a: number): number {
  if (!(a > 0)) return 0;
  const rho = a / slots;
  const b = erlangB(slots, a);
  return b / (1 - rho * (1 - b));
}

/**
 * Erlang B: the chance that a Poisson arrival finds all `slots` busy with no waiting room, at
 * offered load `a` (any value): the recursion B₀ = 1, Bₖ = a·Bₖ₋₁/(k + a·Bₖ₋₁). Up to
 * ERLANG_EXACT_SLOTS slots it runs from 0 (exact); above, over the last ERLANG_EXACT_SLOTS steps
 * only, from an asymptotic value at k₀ = slots − ERLANG_EXACT_SLOTS — Halfin–Whitt's
 * C = 1/(1 + βΦ(β)/φ(β)), β = (k₀ − a)/√a, turned into B, when k₀ > a, else the larger of
 * 1 − k₀/a and √(2/(πk₀)) — which the recursion then corrects (it contracts; within 0.005 of the
 * full recursion in the tests). O(min(slots, ERLANG_EXACT_SLOTS)), nothing allocated.
 *
 * @example erlangB(1, 1.5) // 0.6 = 1.5 / 2.5
 */
export function erlangB(slots: number, a: number): number {
  if (!(a > 0)) return 0;
  const k0 = Math.max(0, slots - ERLANG_EXACT_SLOTS);
  let b = k0 === 0 ? 1 : startingB(k0, a);
  for (let k = k0 + 1; k <= slots; k++) b = (a * b) / (k + a * b);
  return b;
}

/** An asymptotic Erlang B at many slots `k` (see `erlangB`). */
function startingB(k: number, a: number): number {
  const rho = a / k;
  if (rho >= 1) return Math.max(1 - 1 / rho, Math.sqrt(2 / (Math.PI * k)));
  const beta = (k - a) / Math.sqrt(a);
  const phi = Math.exp(-0.5 * beta * beta) / Math.sqrt(2 * Math.PI);
  const cdf = 0.5 * (1 + erf(beta / Math.SQRT2));
  const c = phi > 0 ? 1 / (1 + (beta * cdf) / phi) : 0;
  return (c * (1 - rho)) / (1 - rho * c);
}

/** The error function (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return sign * y;
}

/** Count `n` requests dispatched until `until` (µs): served, their CPU time, the last dispatch. */
function dispatched(flow: RequestFlow, n: number, until: number): void {
  if (n > 0 && until > flow.lastDispatch) flow.lastDispatch = until;
  const cpu = n * flow.spec.serviceTime * flow.spec.cpuPerRequest;
  flow.served += n;
  flow.spanServed += n;
  flow.coreMicros += cpu;
  flow.spanCoreMicros = flow.spanServed * flow.spec.serviceTime * flow.spec.cpuPerRequest;
}

/** Zero-ready episodes: open on the first arrivals with no ready instance, close when one is ready. */
function noteEpisode(flow: RequestFlow, from: Micros, arrivals: number, ready: number): void {
  if (ready > 0) {
    flow.episodeOpen = false;
    flow.pendingWake = false;
    return;
  }
  if (!(arrivals > 0)) return;
  if (!flow.episodeOpen) {
    flow.episodeOpen = true;
    flow.episodeRequests = 0;
    flow.episodeStart = from;
    flow.zeroReadyEpisodes++;
    flow.episodeWoken = flow.pendingWake;
    flow.pendingWake = false;
    if (flow.episodeWoken) flow.wokenEpisodes++;
  }
  flow.episodeRequests += arrivals;
  flow.zeroReadyRequests += arrivals;
  if (flow.episodeWoken) flow.wokenRequests += arrivals;
}

/**
 * The world woke a standby instance for this service's requests. The current zero-ready
 * episode (or, if none is open, the next one before an instance is ready) counts as a wake
 * rather than a cold start.
 *
 * @example recordWake(flow); flow.wakes // 1
 */
export function recordWake(flow: RequestFlow): void {
  flow.wakes++;
  if (flow.episodeOpen) {
    if (!flow.episodeWoken) {
      flow.episodeWoken = true;
      flow.wokenEpisodes++;
      flow.wokenRequests += flow.episodeRequests;
      relabelEpisode(flow);
    }
  } else {
    flow.pendingWake = true;
  }
}

/** The open episode's queued arrivals (cold so far) become a wake's. */
function relabelEpisode(flow: RequestFlow): void {
  const seg = flow.segments;
  for (let i = 0; i < flow.segCount; i++) {
    const at = ((flow.segHead + i) % QUEUE_SEGMENTS) * SEG;
    if (seg[at + 3] === ARRIVED_COLD && seg[at + 1]! > flow.episodeStart) seg[at + 3] = ARRIVED_WAKE;
  }
}

/** Append arrivals spread evenly over [start, end) to the queue's tail. */
function enqueue(flow: RequestFlow, start: number, end: number, n: number, kind: number): void {
  if (!(n > 0)) return;
  const seg = flow.segments;
  if (flow.segCount > 0) {
    const tail = ((flow.segHead + flow.segCount - 1) % QUEUE_SEGMENTS) * SEG;
    const tStart = seg[tail]!;
    const tEnd = seg[tail + 1]!;
    const tN = seg[tail + 2]!;
    // contiguous, of the same kind and at the same rate: one segment, exactly
    if (tEnd === start && tEnd > tStart && seg[tail + 3] === kind && Math.abs(tN / (tEnd - tStart) - n / (end - start)) <= 1e-12 * (n / (end - start))) {
      seg[tail + 1] = end;
      seg[tail + 2] = tN + n;
      return;
    }
  }
  if (flow.segCount === QUEUE_SEGMENTS) mergeClosestPair(flow);
  const at = ((flow.segHead + flow.segCount) % QUEUE_SEGMENTS) * SEG;
  seg[at] = start;
  seg[at + 1] = end;
  seg[at + 2] = n;
  seg[at + 3] = kind;
  flow.segCount++;
}

/**
 * The ring is full: merge the two neighbouring segments that together span the least time
 * (their arrivals are then taken as evenly spread over the union).
 */
function mergeClosestPair(flow: RequestFlow): void {
  const seg = flow.segments;
  let best = 0;
  let bestSpan = Infinity;
  for (let i = 0; i + 1 < flow.segCount; i++) {
    const a = ((flow.segHead + i) % QUEUE_SEGMENTS) * SEG;
    const b = ((flow.segHead + i + 1) % QUEUE_SEGMENTS) * SEG;
    // neighbours of different kinds only when no two of a kind are neighbours
    const span = seg[b + 1]! - seg[a]! + (seg[a + 3] === seg[b + 3] ? 0 : 1e300);
    if (span < bestSpan) {
      bestSpan = span;
      best = i;
    }
  }
  const a = ((flow.segHead + best) % QUEUE_SEGMENTS) * SEG;
  const b = ((flow.segHead + best + 1) % QUEUE_SEGMENTS) * SEG;
  seg[a + 1] = seg[b + 1]!;
  seg[a + 2] = seg[a + 2]! + seg[b + 2]!;
  seg[a + 3] = Math.max(seg[a + 3]!, seg[b + 3]!);
  for (let i = best + 1; i + 1 < flow.segCount; i++) {
    const to = ((flow.segHead + i) % QUEUE_SEGMENTS) * SEG;
    const fromAt = ((flow.segHead + i + 1) % QUEUE_SEGMENTS) * SEG;
    seg[to] = seg[fromAt]!;
    seg[to + 1] = seg[fromAt + 1]!;
    seg[to + 2] = seg[fromAt + 2]!;
    seg[to + 3] = seg[fromAt + 3]!;
  }
  flow.segCount--;
}

function clearSegments(flow: RequestFlow): void {
  flow.segHead = 0;
  flow.segCount = 0;
}

/**
 * Dispatch `amount` requests from the queue's head at rate `mu` (per µs) from time `t`: the
 * piece at cumulative position c leaves at t + c/μ; each segment piece's waits are linear in
 * its position, so its requests go into the histogram as one uniform interval.
 */
function dequeue(flow: RequestFlow, t: number, mu: number, amount: number): void {
  if (!(amount > 0) || !(mu > 0)) return;
  const seg = flow.segments;
  let c = 0;
  while (amount - c > EMPTY && flow.segCount > 0) {
    const h = flow.segHead * SEG;
    const aStart = seg[h]!;
    const aEnd = seg[h + 1]!;
    const n = seg[h + 2]!;
    const m = Math.min(n, amount - c);
    const leaveStart = t + c / mu;
    const leaveEnd = t + (c + m) / mu;
    const arriveEnd = m >= n ? aEnd : aStart + (aEnd - aStart) * (m / n);
    recordWaits(flow, m, leaveStart - aStart, leaveEnd - arriveEnd, seg[h + 3]!);
    c += m;
    if (m >= n - EMPTY) {
      flow.segHead = (flow.segHead + 1) % QUEUE_SEGMENTS;
      flow.segCount--;
    } else {
      seg[h] = arriveEnd;
      seg[h + 2] = n - m;
    }
  }
  dispatched(flow, c, t + c / mu);
}

/** `m` requests of segment `kind` whose waits run linearly from w1 to w2 (µs). */
function recordWaits(flow: RequestFlow, m: number, w1: number, w2: number, kind: number): void {
  let lo = w1 < w2 ? w1 : w2;
  const hi = w1 < w2 ? w2 : w1;
  const also = kind === ARRIVED_COLD ? flow.coldStartLatency : kind === ARRIVED_WAKE ? flow.wakeLatency : null;
  if (hi < NO_WAIT) {
    flow.latency.addPoint(m, 0);
    also?.addPoint(m, 0);
    return;
  }
  if (lo < NO_WAIT) lo = 0;
  flow.delayed += m;
  flow.latency.addUniform(m, lo, hi);
  also?.addUniform(m, lo, hi);
}

/**
 * Requests being served at `now`: every slot when requests wait (or arrive faster than the
 * slots free), else λ × serviceTime (Little's law for the fluid).
 *
 * @example inFlight(flow) // 5 for λ = 100/s and 50 ms below capacity
 */
export function inFlight(flow: RequestFlow): number {
  const slots = flow.ready * flow.spec.concurrency;
  if (flow.spec.queueLimit === 0 && flow.spec.arrivals === 'poisson') {
    // a loss system: the carried load λ(1 − B)·D
    const lam = flow.rate / 1e6;
    return slots > 0 ? lam * (1 - lossBlocking(flow, lam, slots)) * flow.spec.serviceTime : 0;
  }
  const busy = (flow.rate / 1e6) * flow.spec.serviceTime;
  return flow.queued > EMPTY || busy >= slots ? slots : busy;
}

/**
 * CPU demand in cores over the last span: its requests' CPU time over its length (at a
 * zero-length span, the demand at `now`). This is what the world feeds its CPU counters.
 *
 * @example cpuDemandCores(flow) // 5 after advance(flow, 0, 1 s, 100/s, 2 instances) with 50 ms
 */
export function cpuDemandCores(flow: RequestFlow): number {
  const length = flow.now - flow.spanFrom;
  if (length > 0) return flow.spanCoreMicros / length;
  return inFlight(flow) * flow.spec.cpuPerRequest;
}

/**
 * The longest current wait (µs) in the queue at `now`: now minus the oldest queued arrival;
 * 0 with an empty queue.
 */
export function oldestWait(flow: RequestFlow): number {
  if (flow.segCount === 0 || flow.queued <= EMPTY) return 0;
  return Math.max(0, flow.now - flow.segments[flow.segHead * SEG]!);
}

/**
 * Requests per second handed to slots over the last span (the arrival rate at a zero-length
 * span): what a `reqs_per_sec` sensor reads.
 *
 * @example servedRate(flow) // 160 while 200/s arrive into 2 × 4 slots of 50 ms
 */
export function servedRate(flow: RequestFlow): number {
  const length = flow.now - flow.spanFrom;
  if (length > 0) return (flow.spanServed * 1e6) / length;
  return Math.min(flow.rate, (flow.ready * flow.spec.concurrency * 1e6) / flow.spec.serviceTime);
}

/**
 * When the service would have no request waiting or being served if nothing more arrived: the
 * last dispatch plus the service time (or the end of the current queue's drain plus the service
 * time); Infinity while requests keep arriving or wait with no instance ready; −Infinity if no
 * request was ever served. A world uses it for scale-to-zero (standby after a cool-down of no
 * requests).
 *
 * @example // λ drops to 0 at 1 s with an empty queue, service 50 ms: idle from 1.05 s
 * idleFrom(flow) // 1_050_000
 */
export function idleFrom(flow: RequestFlow): number {
  if (flow.rate > 0) return Infinity;
  const D = flow.spec.serviceTime;
  if (flow.queued > EMPTY) {
    const mu = (flow.ready * flow.spec.concurrency) / D;
    return mu > 0 ? flow.now + flow.queued / mu + D : Infinity;
  }
  return flow.lastDispatch + D;
}
