/**
 * Request metrics in summary.json: for request-driven workloads (`requests:`) and engines that
 * park instances (Unikraft Cloud scale-to-zero), the request model's counts and added latency
 * (src/requests/metrics.ts) and the world's standby/wake counts, appended to the generic
 * metrics of the run and of each group. Runs without either have none of these keys.
 */
import type { MetricSet } from '../report/types.js';
import type { AddedLatency } from '../requests/metrics.js';

/** The run's added latency over every request, and over those of cold starts and of wakes (histograms summed). */
export interface RunLatency {
  all: AddedLatency;
  coldStart: AddedLatency;
  wake: AddedLatency;
}
import type { WorkloadRequests } from '../run/replicas.js';

/** The request metrics: name, unit and a one-line description (docs/METRICS.md, "Requests"). */
export const REQUEST_METRIC_TABLE = [
  { name: 'requests_arrived', unit: 'count', doc: 'Requests that arrived (dropped ones included).' },
  { name: 'requests_served', unit: 'count', doc: 'Requests handed to an instance.' },
  { name: 'requests_delayed', unit: 'count', doc: 'Requests that waited before an instance took them (a full instance, a boot, a wake).' },
  { name: 'requests_dropped', unit: 'count', doc: 'Requests refused because the queue held queue_limit already.' },
  { name: 'added_latency_mean_ms', unit: 'ms', doc: 'Mean time a served request waited beyond its service time (run level: over every request).' },
  { name: 'added_latency_p50_ms', unit: 'ms', doc: 'Median added latency (run level: over every request).' },
  { name: 'added_latency_p95_ms', unit: 'ms', doc: '95th percentile of the added latency.' },
  { name: 'added_latency_p99_ms', unit: 'ms', doc: '99th percentile of the added latency.' },
  { name: 'added_latency_max_ms', unit: 'ms', doc: 'Longest added latency.' },
  { name: 'cold_start_added_latency_p99_ms', unit: 'ms', doc: '99th percentile of the added latency of the requests that arrived while nothing was ready and a boot ended the wait.' },
  { name: 'cold_start_added_latency_max_ms', unit: 'ms', doc: 'Longest of those.' },
  { name: 'wake_added_latency_p99_ms', unit: 'ms', doc: '99th percentile of the added latency of the requests that arrived while nothing was ready and a wake ended the wait.' },
  { name: 'wake_added_latency_max_ms', unit: 'ms', doc: 'Longest of those.' },
  { name: 'cold_starts', unit: 'count', doc: 'Times requests found no instance ready and waited for a boot (not a wake).' },
  { name: 'cold_start_requests', unit: 'count', doc: 'Requests that arrived during those cold starts.' },
  { name: 'standbys', unit: 'count', doc: 'Instances parked (scale-to-zero standby).' },
  { name: 'wakes', unit: 'count', doc: 'Parked instances woken (for a request or a scale-out).' },
  { name: 'wakes_for_requests', unit: 'count', doc: 'Wakes for requests waiting with nothing running.' },
  { name: 'wake_latency_mean_ms', unit: 'ms', doc: 'Mean time from a wake until the instance runs again (stateful resume or cold boot).' },
  { name: 'wake_latency_max_ms', unit: 'ms', doc: 'Longest wake.' },
] as const;

type Values = Record<(typeof REQUEST_METRIC_TABLE)[number]['name'], number | null>;

function withUnits(values: Values): MetricSet {
  const set: MetricSet = {};
  for (const m of REQUEST_METRIC_TABLE) set[m.name] = { value: values[m.name], unit: m.unit };
  return set;
}

/** Round to 6 decimals (ms values), so summary.json stays small and stable. */
function r6(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1e6) / 1e6;
}

/**
 * One workload's request metrics.
 *
 * @example groupRequestMetricSet(sim.requests[0]).cold_starts // { value: 3, unit: 'count' }
 */
export function groupRequestMetricSet(r: WorkloadRequests): MetricSet {
  const q = r.requests;
  const lat = q?.added_latency_ms;
  return withUnits({
    requests_arrived: q ? q.arrived : null,
    requests_served: q ? q.served : null,
    requests_delayed: q ? q.delayed : null,
    requests_dropped: q ? q.dropped : null,
    added_latency_mean_ms: r6(lat?.mean ?? null),
    added_latency_p50_ms: r6(lat?.p50 ?? null),
    added_latency_p95_ms: r6(lat?.p95 ?? null),
    added_latency_p99_ms: r6(lat?.p99 ?? null),
    added_latency_max_ms: r6(lat?.max ?? null),
    cold_start_added_latency_p99_ms: r6(q?.cold_start_added_latency_ms.p99 ?? null),
    cold_start_added_latency_max_ms: r6(q?.cold_start_added_latency_ms.max ?? null),
    wake_added_latency_p99_ms: r6(q?.wake_added_latency_ms.p99 ?? null),
    wake_added_latency_max_ms: r6(q?.wake_added_latency_ms.max ?? null),
    cold_starts: q ? q.cold_starts : null,
    cold_start_requests: q ? q.cold_start_requests : null,
    standbys: r.standbys,
    wakes: r.wakes,
    wakes_for_requests: r.wakes_for_requests,
    wake_latency_mean_ms: r6(r.wake_latency_ms.mean),
    wake_latency_max_ms: r6(r.wake_latency_ms.max),
  });
}

/**
 * The run's request metrics: counts summed over the workloads; the added latency over every
 * request (`latency`: the workloads' histograms summed, src/requests `combinedAddedLatency`).
 */
export function requestMetricSet(list: readonly WorkloadRequests[], latency: RunLatency): MetricSet {
  const withFlow = list.filter((r) => r.requests !== null).map((r) => r.requests!);
  const any = withFlow.length > 0;
  const sum = (f: (q: (typeof withFlow)[number]) => number): number | null => (any ? withFlow.reduce((a, q) => a + f(q), 0) : null);
  const wakes = list.reduce((a, r) => a + r.wakes, 0);
  const wakeSum = list.reduce((a, r) => a + (r.wake_latency_ms.mean ?? 0) * r.wakes, 0);
  let wakeMax: number | null = null;
  for (const r of list) if (r.wake_latency_ms.max !== null && (wakeMax === null || r.wake_latency_ms.max > wakeMax)) wakeMax = r.wake_latency_ms.max;
  return withUnits({
    requests_arrived: sum((q) => q.arrived),
    requests_served: sum((q) => q.served),
    requests_delayed: sum((q) => q.delayed),
    requests_dropped: sum((q) => q.dropped),
    added_latency_mean_ms: r6(latency.all.mean),
    added_latency_p50_ms: r6(latency.all.p50),
    added_latency_p95_ms: r6(latency.all.p95),
    added_latency_p99_ms: r6(latency.all.p99),
    added_latency_max_ms: r6(latency.all.max),
    cold_start_added_latency_p99_ms: r6(latency.coldStart.p99),
    cold_start_added_latency_max_ms: r6(latency.coldStart.max),
    wake_added_latency_p99_ms: r6(latency.wake.p99),
    wake_added_latency_max_ms: r6(latency.wake.max),
    cold_starts: sum((q) => q.cold_starts),
    cold_start_requests: sum((q) => q.cold_start_requests),
    standbys: list.reduce((a, r) => a + r.standbys, 0),
    wakes,
    wakes_for_requests: list.reduce((a, r) => a + r.wakes_for_requests, 0),
    wake_latency_mean_ms: wakes > 0 ? r6(wakeSum / wakes) : null,
    wake_latency_max_ms: r6(wakeMax),
  });
}
