/**
 * The scenario's `requests:` block of a workload, read into a `RequestSpec`:
 *
 * ```yaml
 * requests: { service_time: 20ms, concurrency: 8, queue_limit: 1000, cpu_per_request: 1 }
 * ```
 *
 * With it, the workload's load series means requests per second. `service_time` and
 * `concurrency` are required; `queue_limit` defaults to no limit, `cpu_per_request` to 1 core,
 * `arrivals` to `even` (the plain fluid; `poisson` adds steady-state queueing below capacity).
 * Bad values throw the project's `InputError` naming the key (`workloads[0].requests.concurrency`).
 */
import { DurationError, parseDuration, type Micros } from '../kernel/time.js';
import { InputError, type InputLocation } from '../scenario/errors.js';
import type { RequestSpec } from './flow.js';

/** Keys a `requests:` block accepts. */
export const REQUESTS_KEYS = ['service_time', 'concurrency', 'queue_limit', 'cpu_per_request', 'arrivals'] as const;

/** Longest service time accepted (1 h): a request is not a batch job. */
export const MAX_SERVICE_TIME: Micros = 3_600_000_000;
/** Largest concurrency per instance accepted. */
export const MAX_CONCURRENCY = 1_000_000;
/** Largest queue limit accepted (beyond it, leave the key out: no limit). */
export const MAX_QUEUE_LIMIT = 1e12;

/**
 * Read a `requests:` block. `where.key` is the block's key path (default `requests`); an error
 * names the offending key below it, with `where`'s file and line.
 *
 * @example parseRequestsSpec({ service_time: '20ms', concurrency: 8 }, { key: 'workloads[0].requests' })
 * // { serviceTime: 20_000, concurrency: 8, queueLimit: Infinity, cpuPerRequest: 1, arrivals: 'even' }
 * @example parseRequestsSpec({ service_time: 0, concurrency: 8 }, { file: 's.yaml', line: 7, key: 'workloads[0].requests' })
 * // throws InputError "s.yaml:7: workloads[0].requests.service_time: must be a duration longer than 0, got 0"
 */
export function parseRequestsSpec(raw: unknown, where: InputLocation = {}): Required<RequestSpec> {
  const base = where.key ?? 'requests';
  const fail = (key: string, detail: string): never => {
    throw new InputError(detail, { ...where, key: key === '' ? base : `${base}.${key}` });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('', `must be a mapping with ${REQUESTS_KEYS.join(', ')}, got ${show(raw)}`);
  const block = raw as Record<string, unknown>;
  for (const key of Object.keys(block)) {
    if (!(REQUESTS_KEYS as readonly string[]).includes(key)) fail(key, `unknown key; a requests block takes ${REQUESTS_KEYS.join(', ')}`);
  }
  if (block.service_time === undefined) fail('service_time', 'is required (the time one request occupies a slot, e.g. 20ms)');
  if (block.concurrency === undefined) fail('concurrency', 'is required (requests one instance serves at once, a whole number ≥ 1)');

  const serviceTime = readServiceTime(block.service_time, (d) => fail('service_time', d));
  const concurrency = readWhole(block.concurrency, 1, MAX_CONCURRENCY, (d) => fail('concurrency', d));
  const queueLimit = block.queue_limit === undefined ? Infinity : readWhole(block.queue_limit, 0, MAX_QUEUE_LIMIT, (d) => fail('queue_limit', d));
  let cpuPerRequest = 1;
  if (block.cpu_per_request !== undefined) {
    const v = block.cpu_per_request;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail('cpu_per_request', `must be a number of cores above 0, got ${show(v)}`);
    cpuPerRequest = v as number;
  }
  let arrivals: 'even' | 'poisson' = 'even';
  if (block.arrivals !== undefined) {
    if (block.arrivals !== 'even' && block.arrivals !== 'poisson') fail('arrivals', `must be even or poisson, got ${show(block.arrivals)}`);
    arrivals = block.arrivals as 'even' | 'poisson';
  }
  return { serviceTime, concurrency, queueLimit, cpuPerRequest, arrivals };
}

/** A service time: a duration (`20ms`, or a number of seconds) of at least 1 µs and at most 1 h. */
function readServiceTime(value: unknown, fail: (detail: string) => never): Micros {
  if (typeof value !== 'string' && typeof value !== 'number') return fail(`must be a duration such as 20ms, got ${show(value)}`);
  let us: Micros;
  try {
    us = parseDuration(value);
  } catch (err) {
    if (err instanceof DurationError) return fail(err.message);
    throw err;
  }
  if (!(us > 0)) return fail(`must be a duration longer than 0, got ${show(value)}`);
  if (us > MAX_SERVICE_TIME) return fail(`must be at most 1h, got ${show(value)}`);
  return us;
}

/** A whole number in [min, max]. */
function readWhole(value: unknown, min: number, max: number, fail: (detail: string) => never): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`must be a whole number ≥ ${min}, got ${show(value)}`);
  if (value < min) return fail(`must be a whole number ≥ ${min}, got ${show(value)}`);
  if (value > max) return fail(`must be at most ${max}, got ${show(value)}`);
  return value;
}

/** A written value, quoted as the user wrote it. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
