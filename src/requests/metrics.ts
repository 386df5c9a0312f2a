/**
 * What a run reports about one service's requests (docs/REQUESTS.md "Metrics"). Counts are the
 * fluid's, rounded to whole requests; latencies are added latency (time waiting for a slot,
 * beyond the service time) in milliseconds, over the requests served so far (those still
 * queued at the end are in `queued`, not in the percentiles).
 */
import { oldestWait, inFlight, type RequestFlow } from './flow.js';
import { LatencyHistogram } from './histogram.js';

/** Added latency of the served requests, ms; all null when none was served. */
export interface AddedLatency {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** One service's request metrics at the flow's `now`. */
export interface RequestMetrics {
  /** Requests that arrived (dropped ones included). */
  arrived: number;
  /** Requests handed to an instance. */
  served: number;
  /** Requests served after waiting more than 0 (for a slot, a boot or a wake). */
  delayed: number;
  /** Requests refused because the queue was at its limit. */
  dropped: number;
  /** Requests waiting at the end. */
  queued: number;
  /** Requests being served at the end (fluid: may be fractional before rounding). */
  in_flight: number;
  /** Zero-ready episodes not ended by a wake: requests that had to wait for a boot. */
  cold_starts: number;
  /** Requests that arrived during those cold starts. */
  cold_start_requests: number;
  /** Wakes of a standby instance (recorded by the world). */
  wakes: number;
  /** Requests that arrived while no instance was ready and a wake ended the wait. */
  wake_requests: number;
  /** Longest wait of a request still queued at the end (ms). */
  oldest_queued_wait_ms: number;
  /** Added latency (ms) of the served requests, zeros included. */
  added_latency_ms: AddedLatency;
  /** Added latency (ms) of the served requests that arrived during cold starts. */
  cold_start_added_latency_ms: AddedLatency;
  /** Added latency (ms) of the served requests that arrived while a wake was awaited. */
  wake_added_latency_ms: AddedLatency;
}

const MS = 1_000;

/**
 * Added latency (ms) of a histogram of waits in µs; all null when it is empty.
 *
 * @example addedLatency(flow.latency).p95
 */
export function addedLatency(h: LatencyHistogram): AddedLatency {
  if (!(h.total > 0)) return { mean: null, p50: null, p95: null, p99: null, max: null };
  return { mean: h.mean() / MS, p50: h.quantile(0.5) / MS, p95: h.quantile(0.95) / MS, p99: h.quantile(0.99) / MS, max: h.max / MS };
}

/**
 * Added latency (ms) over all the requests of several services, as one distribution (their
 * histograms summed: the same 2 % quantiles, exact mean and maximum).
 *
 * @example combinedAddedLatency(flows).p99 // the run's p99 over every request, not the worst service's
 */
export function combinedAddedLatency(flows: readonly RequestFlow[]): AddedLatency {
  const all = new LatencyHistogram();
  for (const f of flows) all.addHistogram(f.latency);
  return addedLatency(all);
}

/**
 * Snapshot of a flow's metrics (fixed-memory histogram; O(buckets) — call at report time).
 *
 * @example
 * // λ = 200/s for 1 s then 100/s for 1 s into 2 × 4 slots of 50 ms (μ = 160/s):
 * requestMetrics(flow).added_latency_ms // { mean: 111.1, p50: ≈109.4, p95: ≈235.9, p99: ≈247.2, max: 250 }
 */
export function requestMetrics(flow: RequestFlow): RequestMetrics {
  return {
    arrived: Math.round(flow.arrived),
    served: Math.round(flow.served),
    delayed: Math.round(flow.delayed),
    dropped: Math.round(flow.dropped),
    queued: Math.round(flow.queued),
    in_flight: Math.round(inFlight(flow)),
    cold_starts: flow.zeroReadyEpisodes - flow.wokenEpisodes,
    cold_start_requests: Math.round(flow.zeroReadyRequests - flow.wokenRequests),
    wakes: flow.wakes,
    wake_requests: Math.round(flow.wokenRequests),
    oldest_queued_wait_ms: oldestWait(flow) / MS,
    added_latency_ms: addedLatency(flow.latency),
    cold_start_added_latency_ms: addedLatency(flow.coldStartLatency),
    wake_added_latency_ms: addedLatency(flow.wakeLatency),
  };
}
