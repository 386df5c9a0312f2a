/**
 * What a run reports about one service's requests (docs/REQUESTS.md "Metrics"). Counts are the
 * fluid's, rounded to whole requests; latencies are added latency (time waiting for a slot,
 * beyond the service time) in milliseconds, over the requests served so far (those still
 * queued at the end are in `queued`, not in the percentiles).
 */
import { oldestWait, inFlight, type RequestFlow } from './flow.js';

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
}

const MS = 1_000;

/**
 * Snapshot of a flow's metrics (fixed-memory histogram; O(buckets) — call at report time).
 *
 * @example
 * // λ = 200/s for 1 s then 100/s for 1 s into 2 × 4 slots of 50 ms (μ = 160/s):
 * requestMetrics(flow).added_latency_ms // { mean: 111.1, p50: ≈109.4, p95: ≈235.9, p99: ≈247.2, max: 250 }
 */
export function requestMetrics(flow: RequestFlow): RequestMetrics {
  const h = flow.latency;
  const served = h.total > 0;
  const ms = (us: number): number | null => (served ? us / MS : null);
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
    added_latency_ms: {
      mean: ms(h.mean()),
      p50: ms(h.quantile(0.5)),
      p95: ms(h.quantile(0.95)),
      p99: ms(h.quantile(0.99)),
      max: ms(h.max),
    },
  };
}
