/**
 * The `requests:` block parser: values in, a RequestSpec out; bad values are one InputError
 * line naming the key.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestsSpec } from '../src/requests/spec.js';
import { InputError } from '../src/scenario/errors.js';

const at = { file: 'scenarios/x.yaml', line: 12, key: 'workloads[0].requests' };

function message(raw: unknown): string {
  try {
    parseRequestsSpec(raw, at);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).message;
  }
  throw new Error('expected an InputError');
}

describe('parseRequestsSpec', () => {
  it('reads the documented example', () => {
    // 20ms = 20 000 µs
    expect(parseRequestsSpec({ service_time: '20ms', concurrency: 8, queue_limit: 1000, cpu_per_request: 1 }, at)).toEqual({
      serviceTime: 20_000,
      concurrency: 8,
      queueLimit: 1000,
      cpuPerRequest: 1,
      arrivals: 'even',
    });
  });

  it('defaults: no queue limit, one core per request; a bare number is seconds', () => {
    // 0.05 s = 50 000 µs
    expect(parseRequestsSpec({ service_time: 0.05, concurrency: 1 })).toEqual({ serviceTime: 50_000, concurrency: 1, queueLimit: Infinity, cpuPerRequest: 1, arrivals: 'even' });
  });

  it('arrivals: even or poisson, nothing else', () => {
    expect(parseRequestsSpec({ service_time: '5ms', concurrency: 2, arrivals: 'poisson' }, at).arrivals).toBe('poisson');
    expect(message({ service_time: '5ms', concurrency: 2, arrivals: 'bursty' })).toBe('scenarios/x.yaml:12: workloads[0].requests.arrivals: must be even or poisson, got "bursty"');
  });

  it('accepts a zero queue limit (no waiting at all) and fractional CPU', () => {
    expect(parseRequestsSpec({ service_time: '5ms', concurrency: 2, queue_limit: 0, cpu_per_request: 0.25 }, at)).toMatchObject({ queueLimit: 0, cpuPerRequest: 0.25 });
  });

  it('names the key of each bad value, with file and line', () => {
    expect(message({ service_time: 0, concurrency: 8 })).toBe('scenarios/x.yaml:12: workloads[0].requests.service_time: must be a duration longer than 0, got 0');
    expect(message({ service_time: '-5ms', concurrency: 8 })).toMatch(/^scenarios\/x\.yaml:12: workloads\[0\]\.requests\.service_time: cannot read duration/);
    expect(message({ service_time: '2h', concurrency: 8 })).toBe('scenarios/x.yaml:12: workloads[0].requests.service_time: must be at most 1h, got "2h"');
    expect(message({ service_time: '20ms', concurrency: 0 })).toBe('scenarios/x.yaml:12: workloads[0].requests.concurrency: must be a whole number ≥ 1, got 0');
    expect(message({ service_time: '20ms', concurrency: 2.5 })).toBe('scenarios/x.yaml:12: workloads[0].requests.concurrency: must be a whole number ≥ 1, got 2.5');
    expect(message({ service_time: '20ms', concurrency: 8, queue_limit: -1 })).toBe('scenarios/x.yaml:12: workloads[0].requests.queue_limit: must be a whole number ≥ 0, got -1');
    expect(message({ service_time: '20ms', concurrency: 8, cpu_per_request: 0 })).toBe('scenarios/x.yaml:12: workloads[0].requests.cpu_per_request: must be a number of cores above 0, got 0');
    expect(message({ service_time: '20ms', concurrency: 8, cpu_per_request: '1' })).toBe('scenarios/x.yaml:12: workloads[0].requests.cpu_per_request: must be a number of cores above 0, got "1"');
  });

  it('requires service_time and concurrency, refuses unknown keys and a non-mapping', () => {
    expect(message({ concurrency: 8 })).toMatch(/requests\.service_time: is required/);
    expect(message({ service_time: '20ms' })).toMatch(/requests\.concurrency: is required/);
    expect(message({ service_time: '20ms', concurrency: 8, queue: 5 })).toMatch(/requests\.queue: unknown key; a requests block takes service_time, concurrency, queue_limit, cpu_per_request, arrivals/);
    expect(message('fast')).toBe('scenarios/x.yaml:12: workloads[0].requests: must be a mapping with service_time, concurrency, queue_limit, cpu_per_request, arrivals, got "fast"');
  });
});
