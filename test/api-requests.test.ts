/**
 * The request model through the public API (src/index.ts `requests`): a library user's view.
 * Values worked by hand from the fluid's definition (docs/REQUESTS.md): below capacity the
 * in-flight count is λ·D (Little's law) and everything arriving is served; above it the excess
 * λ − μ queues, μ = instances × concurrency / D.
 */
import { describe, expect, it } from 'vitest';
import { InputError, requests } from '../src/index.js';

describe('public API: requests', () => {
  it('a flow below and above capacity', () => {
    const flow = requests.createFlow({ serviceTime: 50_000, concurrency: 4, queueLimit: 1000 });
    // 2 instances × 4 slots / 0.05 s = μ 160/s; λ = 100/s < μ: in flight 100 × 0.05 = 5, served at 100/s, 5 cores busy
    requests.advance(flow, 0, 1_000_000, 100, 2);
    expect(requests.inFlight(flow)).toBeCloseTo(5, 9);
    expect(requests.servedRate(flow)).toBeCloseTo(100, 9);
    expect(requests.cpuDemandCores(flow)).toBeCloseTo(5, 9);
    expect(flow.queued).toBe(0);
    // λ = 200/s > μ = 160/s for 1 s: 40 requests queue, all 8 slots busy
    requests.advance(flow, 1_000_000, 2_000_000, 200, 2);
    expect(flow.queued).toBeCloseTo(40, 6);
    expect(requests.inFlight(flow)).toBeCloseTo(8, 9);
    expect(requests.servedRate(flow)).toBeCloseTo(160, 6);
  });

  it('the exact per-request reference and the Erlang formulas', () => {
    // 100/s evenly from 0 (arrivals at 5, 15, 25, 35 ms …), no instance until 100 ms, then one
    // with 4 slots of 20 ms: the first four start at 100 ms and waited 95, 85, 75, 65 ms
    const exact = requests.simulateExact({ serviceTime: 20_000, concurrency: 4, queueLimit: 100 }, [
      { from: 0, to: 100_000, ratePerSecond: 100, ready: 0 },
      { from: 100_000, to: 300_000, ratePerSecond: 100, ready: 1 },
    ]);
    expect(exact.waits.slice(0, 4)).toEqual([95_000, 85_000, 75_000, 65_000]);
    // Erlang B with one slot: a / (1 + a) = 1.5 / 2.5
    expect(requests.erlangB(1, 1.5)).toBeCloseTo(0.6, 12);
  });

  it('the requests: block parser refuses bad input as InputError', () => {
    expect(() => requests.parseRequestsSpec({ service_time: 0, concurrency: 1 }, { file: 's.yaml', key: 'workloads[0].requests' })).toThrow(InputError);
    expect(requests.parseRequestsSpec({ service_time: '2ms', concurrency: 1 })).toMatchObject({ serviceTime: 2_000, concurrency: 1 });
  });
});
