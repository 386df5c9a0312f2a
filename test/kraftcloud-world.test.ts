/**
 * Unikraft Cloud on the replica world (src/engines/kraftcloud/world.ts, src/run/replicas.ts):
 * instance counts worked by hand, both warm-up meanings, scale-to-zero idle → standby → wake on
 * request with its latency, and determinism.
 *
 * The rules the arithmetic follows are the ones docs/engines/kraftcloud.md states and the
 * core test (test/kraftcloud-engine.test.ts) pins: a step L:U/A applies when L ≤ metric < U
 * (kraftkit f02a533, internal/cli/kraft/cloud/scale/add/add.go, `(*AddOptions).Run` checks the
 * syntax; the platform docs give the bounds); a percent adjustment rounds the AWS way (above 1
 * down, between 0 and 1 to 1, negative symmetric); cpu is the average millicores of the running
 * instances over the last decision period; warm-up/cool-down as the option says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../src/scenario/load.js';
import { runScenario, simulateScenario } from '../src/run/run.js';
import { inputError } from './helpers.js';
import { kraftcloudEngine } from '../src/engines/kraftcloud/world.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { chartIdsFor } from '../src/report/charts.js';

interface Ev {
  time_s: number;
  type: string;
  instance?: string;
  reason?: string;
  latency_ms?: number;
}

/**
 * A one-service scenario: one host, 1-vCPU instances, no noise, placement 1 ms, boot exactly
 * 20 ms, stop 1 ms, decision loop 10 ms, stats (load) step 1 s; `extra` is spliced in as YAML.
 */
function scenarioText(opts: { variant: string; config: string; load: string; requests?: string; duration?: string }): string {
  return `name: kc-tiny
seed: 1
duration: ${opts.duration ?? '14s'}
engine:
  name: kraftcloud
  variant: ${opts.variant}
  config:
    decision_period: 10ms
${opts.config}
world:
  stats_interval: 1s
  placement_latency: 1ms
  stop_latency: 1ms
  measurement_noise: 0
  boot: { latency: 20ms, failure_probability: 0 }
  hosts: [{ name: h, threads: 16, memory: 16GiB }]
workloads:
  - name: w
    vcpus: 1
    memory: 64MiB
${opts.requests ? `    requests: ${opts.requests}\n` : ''}    load: ${opts.load}
output: { timeseries: false, events: true, report: false }
`;
}

const BLOG_POLICIES = `    min_size: 0
    max_size: 8
    warmup_time: 1s
    cooldown_time: 1s
    policies:
      - { name: out, metric: cpu, adjustment: percent, steps: ["600:800/50", "800:/100"] }
      - { name: in, metric: cpu, adjustment: percent, steps: [":50/-50"] }`;

/** 0.7 cores until 5 s, then 2.0 cores until 10 s, then 0.06 cores. */
const STEPPED_LOAD = '{ base: 0.7, steps: [{ at: 5s, delta: 1.3 }, { at: 10s, delta: -1.94 }] }';

function run(text: string): { events: Ev[]; summary: ReturnType<typeof simulateScenario>['summary'] } {
  const scenario = parseScenarioText(text, 'kc-tiny.yaml');
  const lines: string[] = [];
  const sim = simulateScenario(scenario, { event: (l) => lines.push(l) });
  return { events: lines.map((l) => JSON.parse(l) as Ev), summary: sim.summary };
}

/** [time, instance] of the events of one type, times rounded to µs. */
function of(events: Ev[], type: string): [number, string][] {
  return events.filter((e) => e.type === type).map((e) => [Math.round(e.time_s * 1e6) / 1e6, e.instance ?? '']);
}

describe('kraftcloud on the replica world: the blog policies, worked by hand', () => {
  it('legacy warm-up: a new instance is left out of the metric (and the base) for warmup_time', () => {
    const { events, summary } = run(scenarioText({ variant: 'legacy', config: BLOG_POLICIES, load: STEPPED_LOAD }));
    // w starts warm at 0 (created at 0). Ticks every 10 ms from 10 ms.
    // Up to 0.99 s: w is inside its 1 s warm-up → no instance counts → the average is of none → no step.
    // 1.00 s: w counts, 0.7 cores over [0.99, 1.00] = 700 millicores: 600 ≤ 700 < 800 → +50 % of base 1
    //   = 0.5 → AWS rounding: between 0 and 1 → 1 → target 2 → spawn w-2 at 1.00 s (running at 1.021 s).
    // Then w alone counts until 2.00 s: 0.7 / 2 = 350 millicores → no step; from 2.00 s both: 350 → none.
    // 5.00 s: demand 2.0 cores from the round at 5.00 s (after that tick's decision).
    // 5.01 s: 2 instances × 1.0 core = 1000 millicores: 800 ≤ 1000 → +100 % of 2 → target 4 → spawn 2
    //   (w-3, w-4; running at 5.031 s). 5.02, 5.03 s: still 1000 (the new ones boot), base 2 → target 4,
    //   which the 4 instances (warming ones counted) already fill → nothing.
    //   5.04 s: w, w-2 over [5.03, 5.04]: 1 ms at 1.0 core + 9 ms at 0.5 core = 5.5 ms → 550 → no step.
    // 10.01 s: 0.06 cores / 4 = 15 millicores < 50 → −50 % of 4 = −2 → target 2 → destroy the newest two:
    //   w-3 and w-4 (created together; the larger name first). Cool-down (legacy: of scale-in) to 11.01 s.
    // 11.01 s: 0.06 / 2 = 30 < 50 → −50 % of 2 = −1 → target 1 → destroy w-2.
    // 12.01 s: 0.06 / 1 = 60 millicores: no step matches (≥ 50, < 600) → 1 instance to the end.
    expect(of(events, 'scale_up')).toEqual([
      [1, 'w-2'],
      [5.01, 'w-3'],
      [5.01, 'w-4'],
    ]);
    expect(of(events, 'scale_down')).toEqual([
      [10.01, 'w-4'],
      [10.01, 'w-3'],
      [11.01, 'w-2'],
    ]);
    expect(of(events, 'instance_running')).toEqual([
      [1.021, 'w-2'],
      [5.031, 'w-3'],
      [5.031, 'w-4'],
    ]);
    // instance-seconds: w 14 s; w-2 from 1.00 (created) to 11.011 (gone) = 10.011 s; w-3, w-4 5.01 → 10.011 = 5.001 s each
    expect(summary.metrics['instance_seconds']!.value).toBeCloseTo(14 + 10.011 + 2 * 5.001, 6);
    expect(summary.metrics['scale_ups']!.value).toBe(2);
    expect(summary.metrics['scale_downs']!.value).toBe(2);
  });

  it('request-driven: millicores are the CPU of the requests served (the same steps in requests/s)', () => {
    // 2 ms of one core per request, one at a time per instance (500/s at 1000 millicores):
    // 350/s = 0.7 cores, 1000/s = 2.0 cores (2 instances serve exactly 1000/s: no queue),
    // 30/s = 0.06 cores — the cores of the test above, so the same decisions at the same ticks.
    const { events, summary } = run(
      scenarioText({ variant: 'legacy', config: BLOG_POLICIES, load: '{ base: 350, steps: [{ at: 5s, delta: 650 }, { at: 10s, delta: -970 }] }', requests: '{ service_time: 2ms, concurrency: 1 }' }),
    );
    expect(of(events, 'scale_up')).toEqual([
      [1, 'w-2'],
      [5.01, 'w-3'],
      [5.01, 'w-4'],
    ]);
    expect(of(events, 'scale_down')).toEqual([
      [10.01, 'w-4'],
      [10.01, 'w-3'],
      [11.01, 'w-2'],
    ]);
    // 350 × 5 + 1000 × 5 + 30 × 4 = 6,870 requests, none waited (capacity ≥ rate throughout)
    expect(summary.metrics['requests_arrived']!.value).toBe(6870);
    expect(summary.metrics['requests_delayed']!.value).toBe(0);
  });

  it('current warm-up: new instances count at once; no scaling for warmup_time after a scale-out', () => {
    const { events } = run(scenarioText({ variant: 'current', config: BLOG_POLICIES, load: STEPPED_LOAD }));
    // 0.01 s: w counts at once: 700 millicores → +50 % of 1 → 1 → target 2 → spawn w-2; no scaling to 1.01 s.
    // 0.02 s: w alone runs (700), base 2 (starting ones count) → +50 % of 2 = 1 → target 3, but in warm-up.
    // 1.01 s: 2 × 350 → no step. 5.01 s: 1000 → target 4 → spawn 2; warm-up to 6.01 s
    //   (5.02 s: 1000 over 2 running, base 4 → target 8 — held back by the warm-up). 6.01 s: 4 × 500 → none.
    // 10.01 s: 15 millicores → target 2 → destroy 2; cool-down (current: no scaling) to 11.01 s.
    // 11.01 s: 30 → target 1 → destroy 1. 12.01 s: 60 → none.
    expect(of(events, 'scale_up')).toEqual([
      [0.01, 'w-2'],
      [5.01, 'w-3'],
      [5.01, 'w-4'],
    ]);
    expect(of(events, 'scale_down')).toEqual([
      [10.01, 'w-4'],
      [10.01, 'w-3'],
      [11.01, 'w-2'],
    ]);
  });
});

describe('kraftcloud on the replica world: scale-to-zero', () => {
  // 100 requests/s of 1 ms each (0.1 core) until 2 s, none from 2 s to 5 s, 100/s again from 5 s.
  const LOAD = '{ base: 100, steps: [{ at: 2s, delta: -100 }, { at: 5s, delta: 100 }] }';
  const REQUESTS = '{ service_time: 1ms, concurrency: 1 }';
  const config = (stateful: boolean): string => `    min_size: 1
    max_size: 2
    scale_to_zero: { policy: "on", cooldown_time: 1s, stateful: ${stateful}, wake_latency: 5ms }`;

  it('idle for the cool-down → standby; a request wakes it after the stateful wake latency', () => {
    const { events, summary } = run(scenarioText({ variant: 'legacy', config: config(true), load: LOAD, requests: REQUESTS, duration: '8s' }));
    // At the 2.00 s tick the rate is still 100/s (the round at 2.00 s comes after it): in flight
    // 100/s × 1 ms = 0.1 > 0 → busy, last seen busy at 2.00 s. From 2.01 s nothing arrives →
    // idle since 2.00 s → standby at 2.00 + 1 s = 3.00 s.
    expect(of(events, 'standby')).toEqual([[3, 'w']]);
    // 5.00 s: requests again, nothing runs: they queue. 5.01 s tick: requests wait with nothing
    // running → wake the parked w (reason request); stateful: 5 ms → running at 5.015 s.
    expect(of(events, 'wake')).toEqual([[5.01, 'w']]);
    expect(events.find((e) => e.type === 'wake')!.reason).toBe('request');
    expect(of(events, 'instance_running')).toEqual([[5.015, 'w']]);
    const m = summary.metrics;
    expect(m['standbys']!.value).toBe(1);
    expect(m['wakes']!.value).toBe(1);
    expect(m['wakes_for_requests']!.value).toBe(1);
    expect(m['wake_latency_max_ms']!.value).toBe(5);
    // the first request (5.000 s) waits until 5.015 s: 15 ms. 1.5 requests arrive in those 15 ms
    // (100/s); the one slot then serves 1000/s, so the queue drains in 1.5 / (1000 − 100) s ≈ 1.7 ms.
    expect(m['added_latency_max_ms']!.value).toBeCloseTo(15, 6);
    expect(m['requests_delayed']!.value).toBe(2); // 1.5 + 100/s × 1.7 ms ≈ 1.67, rounded
    expect(m['cold_starts']!.value).toBe(0); // the wait ended with a wake
    // the requests that arrived with nothing ready (5.000–5.015 s) waited for the wake: worst 15 ms
    expect(m['wake_added_latency_max_ms']!.value).toBeCloseTo(15, 6);
    expect(m['cold_start_added_latency_max_ms']!.value).toBeNull();
    // 3 s of 0 requests… then the instance is parked, not gone: instance-seconds count it only while up
    // (0 → 3.00 s and 5.01 → 8 s: 3 + 2.99 s)
    expect(summary.metrics['instance_seconds']!.value).toBeCloseTo(3 + 2.99, 6);
  });

  it('the report charts running, starting and standby instances in place of the all-zero tick chart', () => {
    const scenario = parseScenarioText(scenarioText({ variant: 'legacy', config: config(true), load: LOAD, requests: REQUESTS, duration: '8s' }).replace('report: false', 'report: true'), 'kc-tiny.yaml');
    const sim = simulateReplicas(scenario, kraftcloudEngine.bind(scenario));
    expect(chartIdsFor(sim.chart)).toEqual(['demand', 'cpu', 'instances', 'panel-1', 'actions']);
    const panel = sim.chart.panels![0]!;
    expect(panel.series).toEqual(['running', 'starting', 'standby']);
    // rules: min_size 1, max_size 2 (the config above)
    expect(panel.rules.map((r) => r.value)).toEqual([1, 2]);
    // one round a second (stats_interval 1 s), one bucket each; the round at t comes after the tick at t
    const at = (t: number) => sim.chart.buckets.find((b) => b.t0 === t)!.panels![0];
    expect(at(2)).toEqual([1, 0, 0]); // still busy at the 2.00 s tick
    expect(at(3)).toEqual([0, 0, 1]); // parked at 3.00 s (idle since 2.00 s + cool-down 1 s), before the round
    expect(at(5)).toEqual([0, 0, 1]); // requests queue from 5.00 s; the wake is decided at the 5.01 s tick
    expect(at(6)).toEqual([1, 0, 0]); // running again since 5.015 s
  });

  it('a wake that is not stateful is a cold boot: world.boot.latency (20 ms)', () => {
    const { events, summary } = run(scenarioText({ variant: 'legacy', config: config(false), load: LOAD, requests: REQUESTS, duration: '8s' }));
    expect(of(events, 'wake')).toEqual([[5.01, 'w']]);
    expect(of(events, 'instance_running')).toEqual([[5.03, 'w']]);
    expect(summary.metrics['wake_latency_max_ms']!.value).toBe(20);
    // first request at 5.000 s, served at 5.030 s
    expect(summary.metrics['added_latency_max_ms']!.value).toBeCloseTo(30, 6);
  });
});

describe('kraftcloud scenarios: bad input and determinism', () => {
  const base = (config: string): string => scenarioText({ variant: 'legacy', config, load: '{ base: 0.5 }' });

  it('a step list kraft cloud scale add refuses names the key, the step and the rule', () => {
    const err = inputError(() => parseScenarioText(base(`    policies:\n      - { name: out, steps: ["600:800/50", "900:/100"] }`), 'kc.yaml'));
    expect(err.message).toBe('kc.yaml:10: engine.config.policies[0].steps[1] ("900:/100"): steps are not contiguous: gap found between 800 and 900');
  });

  it('scale-to-zero on a service without ports, and min above max, are refused', () => {
    expect(inputError(() => parseScenarioText(base(`    has_ports: false\n    scale_to_zero: { policy: idle }`), 'kc.yaml')).message).toMatch(/^kc\.yaml:\d+: engine\.config\.scale_to_zero\.policy: scale-to-zero needs a service with ports/);
    expect(inputError(() => parseScenarioText(base(`    min_size: 5\n    max_size: 4`), 'kc.yaml')).message).toMatch(/^kc\.yaml:\d+: engine\.config\.min_size: min_size 5 is above max_size 4$/);
  });

  it('same scenario and seed: identical bytes', async () => {
    const text = scenarioText({ variant: 'legacy', config: BLOG_POLICIES, load: '{ base: 0.7, ar1: { coefficient: 0.9, sigma: 0.2 }, bursts: { rate_per_hour: 600, height: 1.5, duration: 2s } }', duration: '20s' }).replace('timeseries: false', 'timeseries: true');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-kc-'));
    const outs: Buffer[][] = [];
    for (const dir of ['a', 'b']) {
      await runScenario(parseScenarioText(text, 'kc-tiny.yaml'), { outDir: path.join(tmp, dir) });
      outs.push(['summary.json', 'timeseries.csv', 'events.jsonl'].map((f) => fs.readFileSync(path.join(tmp, dir, f))));
    }
    for (let i = 0; i < 3; i++) {
      expect(outs[0]![i]!.length).toBeGreaterThan(100);
      expect(outs[0]![i]!.equals(outs[1]![i]!)).toBe(true);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
