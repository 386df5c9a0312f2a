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
}

/** Arrival segments kept for the queued fluid; more distinct spans than this are merged. */
export const QUEUE_SEGMENTS = 64;

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

  /** Waits of the served requests (µs), zeros included. */
  readonly latency = new LatencyHistogram();

  /** @internal ring of queued arrival segments: [start µs, end µs, requests] × QUEUE_SEGMENTS. */
  readonly segments = new Float64Array(3 * QUEUE_SEGMENTS);
  /** @internal index of the oldest segment and number of segments. */
  segHead = 0;
  segCount = 0;
  /** @internal zero-ready episode bookkeeping. */
  episodeOpen = false;
  episodeWoken = false;
  episodeRequests = 0;
  pendingWake = false;

  constructor(spec: RequestSpec, start: Micros = 0) {
    checkSpec(spec);
    this.spec = {
      serviceTime: spec.serviceTime,
      concurrency: spec.concurrency,
      queueLimit: spec.queueLimit,
      cpuPerRequest: spec.cpuPerRequest ?? 1,
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
  noteEpisode(flow, lam * (to - from), readyInstances);

  let t = from;
  while (t < to) {
    const dt = to - t;
    if (flow.queued <= EMPTY && lam <= mu) {
      // under capacity with an empty queue: every arrival finds a free slot
      flow.queued = 0;
      clearSegments(flow);
      const n = lam * dt;
      flow.arrived += n;
      dispatched(flow, n);
      flow.latency.addPoint(n, 0);
      break;
    }
    if (lam < mu) {
      // the queue drains at μ − λ; it may empty within the span
      const tEmpty = flow.queued / (mu - lam);
      const empties = tEmpty < dt;
      const d = empties ? tEmpty : dt;
      enqueue(flow, t, t + d, lam * d);
      flow.arrived += lam * d;
      dequeue(flow, t, mu, mu * d);
      if (empties) {
        flow.queued = 0;
        clearSegments(flow);
      }
      t += d;
      continue;
    }
    if (flow.queued >= limit - EMPTY) {
      // full queue, λ ≥ μ: one admitted for each one dispatched, the rest dropped
      const admitted = mu * dt;
      flow.arrived += lam * dt;
      flow.dropped += (lam - mu) * dt;
      enqueue(flow, t, to, admitted);
      dequeue(flow, t, mu, admitted);
      flow.queued = limit;
      break;
    }
    // the queue grows at λ − μ (or holds at λ = μ) and may reach the limit within the span
    const tFull = lam > mu ? (limit - flow.queued) / (lam - mu) : Infinity;
    const fills = tFull < dt;
    const d = fills ? tFull : dt;
    enqueue(flow, t, t + d, lam * d);
    flow.arrived += lam * d;
    dequeue(flow, t, mu, mu * d);
    flow.queued = fills ? limit : flow.queued + (lam - mu) * d;
    t += d;
  }
  flow.now = to;
}

/** Count `n` requests dispatched now: served, and their CPU time. */
function dispatched(flow: RequestFlow, n: number): void {
  const cpu = n * flow.spec.serviceTime * flow.spec.cpuPerRequest;
  flow.served += n;
  flow.spanServed += n;
  flow.coreMicros += cpu;
  flow.spanCoreMicros = flow.spanServed * flow.spec.serviceTime * flow.spec.cpuPerRequest;
}

/** Zero-ready episodes: open on the first arrivals with no ready instance, close when one is ready. */
function noteEpisode(flow: RequestFlow, arrivals: number, ready: number): void {
  if (ready > 0) {
    flow.episodeOpen = false;
    flow.pendingWake = false;
    return;
  }
  if (!(arrivals > 0)) return;
  if (!flow.episodeOpen) {
    flow.episodeOpen = true;
    flow.episodeRequests = 0;
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
    }
  } else {
    flow.pendingWake = true;
  }
}

/** Append arrivals spread evenly over [start, end) to the queue's tail. */
function enqueue(flow: RequestFlow, start: number, end: number, n: number): void {
  if (!(n > 0)) return;
  const seg = flow.segments;
  if (flow.segCount > 0) {
    const tail = ((flow.segHead + flow.segCount - 1) % QUEUE_SEGMENTS) * 3;
    const tStart = seg[tail]!;
    const tEnd = seg[tail + 1]!;
    const tN = seg[tail + 2]!;
    // contiguous and at the same rate: one segment, exactly
    if (tEnd === start && tEnd > tStart && Math.abs(tN / (tEnd - tStart) - n / (end - start)) <= 1e-12 * (n / (end - start))) {
      seg[tail + 1] = end;
      seg[tail + 2] = tN + n;
      return;
    }
  }
  if (flow.segCount === QUEUE_SEGMENTS) mergeClosestPair(flow);
  const at = ((flow.segHead + flow.segCount) % QUEUE_SEGMENTS) * 3;
  seg[at] = start;
  seg[at + 1] = end;
  seg[at + 2] = n;
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
    const a = ((flow.segHead + i) % QUEUE_SEGMENTS) * 3;
    const b = ((flow.segHead + i + 1) % QUEUE_SEGMENTS) * 3;
    const span = seg[b + 1]! - seg[a]!;
    if (span < bestSpan) {
      bestSpan = span;
      best = i;
    }
  }
  const a = ((flow.segHead + best) % QUEUE_SEGMENTS) * 3;
  const b = ((flow.segHead + best + 1) % QUEUE_SEGMENTS) * 3;
  seg[a + 1] = seg[b + 1]!;
  seg[a + 2] = seg[a + 2]! + seg[b + 2]!;
  for (let i = best + 1; i + 1 < flow.segCount; i++) {
    const to = ((flow.segHead + i) % QUEUE_SEGMENTS) * 3;
    const fromAt = ((flow.segHead + i + 1) % QUEUE_SEGMENTS) * 3;
    seg[to] = seg[fromAt]!;
    seg[to + 1] = seg[fromAt + 1]!;
    seg[to + 2] = seg[fromAt + 2]!;
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
    const h = flow.segHead * 3;
    const aStart = seg[h]!;
    const aEnd = seg[h + 1]!;
    const n = seg[h + 2]!;
    const m = Math.min(n, amount - c);
    const leaveStart = t + c / mu;
    const leaveEnd = t + (c + m) / mu;
    const arriveEnd = m >= n ? aEnd : aStart + (aEnd - aStart) * (m / n);
    recordWaits(flow, m, leaveStart - aStart, leaveEnd - arriveEnd);
    c += m;
    if (m >= n - EMPTY) {
      flow.segHead = (flow.segHead + 1) % QUEUE_SEGMENTS;
      flow.segCount--;
    } else {
      seg[h] = arriveEnd;
      seg[h + 2] = n - m;
    }
  }
  dispatched(flow, c);
}

/** `m` requests whose waits run linearly from w1 to w2 (µs). */
function recordWaits(flow: RequestFlow, m: number, w1: number, w2: number): void {
  let lo = w1 < w2 ? w1 : w2;
  const hi = w1 < w2 ? w2 : w1;
  if (hi < NO_WAIT) {
    flow.latency.addPoint(m, 0);
    return;
  }
  if (lo < NO_WAIT) lo = 0;
  flow.delayed += m;
  flow.latency.addUniform(m, lo, hi);
}

/**
 * Requests being served at `now`: every slot when requests wait (or arrive faster than the
 * slots free), else λ × serviceTime (Little's law for the fluid).
 *
 * @example inFlight(flow) // 5 for λ = 100/s and 50 ms below capacity
 */
export function inFlight(flow: RequestFlow): number {
  const slots = flow.ready * flow.spec.concurrency;
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
  return Math.max(0, flow.now - flow.segments[flow.segHead * 3]!);
}
