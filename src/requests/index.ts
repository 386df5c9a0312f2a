/**
 * The request model (docs/REQUESTS.md): a service's requests as a fluid over piecewise-constant
 * rate and ready instances, its metrics, the `requests:` block parser and the exact
 * per-request reference used to check the fluid.
 */
export { RequestFlow, QUEUE_SEGMENTS, advance, cpuDemandCores, createFlow, erlangB, erlangC, idleFrom, inFlight, oldestWait, recordWake, servedRate, stationaryWait, type RequestSpec } from './flow.js';
export { LatencyHistogram, LATENCY_BUCKET_GROWTH, LATENCY_RANGE_MICROS } from './histogram.js';
export { addedLatency, combinedAddedLatency, requestMetrics, type AddedLatency, type RequestMetrics } from './metrics.js';
export { parseRequestsSpec, REQUESTS_KEYS } from './spec.js';
export { simulateExact, waitQuantile, type ExactOptions, type ExactResult, type ExactSnapshot, type RequestSpan } from './exact.js';
