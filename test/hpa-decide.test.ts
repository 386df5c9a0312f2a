/**
 * `scalelab decide hpa`: a small hand-made recording replayed through the live adapter, the
 * actions worked by hand from kubernetes replica_calculator.go (GetResourceReplicas, groupPods)
 * and horizontal.go (normalizeDesiredReplicas, stabilizeRecommendation,
 * convertDesiredReplicasWithRules) — no behavior, so the legacy path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HpaAdapter, parseHpaLine } from '../src/adapters/hpa.js';
import { hpaConfig } from '../src/engines/hpa/engine.js';
import { runCli } from './helpers.js';

const T0 = 1_780_000_000; // Unix seconds

const CONFIG = `# web: 1–6 pods, CPU 50 % of request
minReplicas: 1
maxReplicas: 6
metrics:
  - type: Resource
    resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
controller: { syncPeriod: 15s }
`;

/** An old, ready pod (started an hour before T0) using `cpu` of 500m, sampled 5 s before `t`. */
const old = (name: string, cpu: string, t: number) => ({
  name,
  phase: 'Running',
  ready: { status: 'True', lastTransitionTime: T0 - 3590 },
  startTime: T0 - 3600,
  requests: { cpu: '500m' },
  cpu: { usage: cpu, timestamp: t - 5, window: '30s' },
});
/** A pod started at T0+12 s, Ready at T0+18 s. */
const young = (name: string, cpu: string | null, sampledAt: number) => ({
  name,
  phase: 'Running',
  ready: { status: 'True', lastTransitionTime: T0 + 18 },
  startTime: T0 + 12,
  requests: { cpu: '500m' },
  cpu: cpu === null ? null : { usage: cpu, timestamp: sampledAt, window: '30s' },
});

const RECORDING = [
  // T0: sync. 2 × 450m of 500m: 900 × 100 / 1000 = 90 % → 90/50 = 1.8 → ceil(1.8 × 2) = 4;
  // stabilised max(4, seed 2) = 4; limit max(2 × 2, 4) = 4 → scale 2 → 4.
  { time: T0, specReplicas: 2, pods: [old('web-1', '450m', T0), old('web-2', '450m', T0)] },
  // T0+10: the new pods are Pending. Sync at T0+15 on this line: Pending = unready; 1.8 > 1 so
  // they count 0: 900 × 100 / 2000 = 45 → 0.9 → within tolerance → keep 4.
  { time: T0 + 10, specReplicas: 4, pods: [old('web-1', '450m', T0 + 10), old('web-2', '450m', T0 + 10), { name: 'web-3', phase: 'Pending', requests: { cpu: '500m' } }, { name: 'web-4', phase: 'Pending', requests: { cpu: '500m' } }] },
  // T0+20: new pods run, but their samples (T0+19) are younger than Ready (T0+18) + 30 s → still
  // unready (CPU initialisation). Syncs at T0+30 and T0+45 on this line: again 45 % → keep 4.
  { time: T0 + 20, specReplicas: 4, pods: [old('web-1', '450m', T0 + 20), old('web-2', '450m', T0 + 20), young('web-3', '100m', T0 + 19), young('web-4', '100m', T0 + 19)] },
  // T0+60: samples at T0+55 ≥ T0+48 → all ready; 4 × 300m: 1200 × 100 / 2000 = 60 → 1.2 →
  // ceil(4.8) = 5; stabilised max(5, 2, 4, 4, 4, 4) = 5; limit max(8, 4) = 8 → scale 4 → 5.
  { time: T0 + 60, specReplicas: 4, pods: [old('web-1', '300m', T0 + 60), old('web-2', '300m', T0 + 60), young('web-3', '300m', T0 + 55), young('web-4', '300m', T0 + 55)] },
];

const REASON = 'cpu resource utilization (percentage of request) above target';

describe('the HPA live adapter', () => {
  it('syncs every period on the latest observation and uses the count it wrote', () => {
    const adapter = new HpaAdapter(hpaConfig({ maxReplicas: 6, metrics: [{ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }] }));
    // a line at T0, the next 40 s later: syncs at T0, T0+15, T0+30 all see the first line, but the
    // later two with spec 4 (written at T0): 450 × 2 / 1000 = 90 % → ceil(1.8 × 2) = 4 = current → no action
    expect(adapter.feed(parseHpaLine(JSON.stringify(RECORDING[0]), 'x:1'), 'x:1')).toEqual([{ time: T0, type: 'scale', from: 2, to: 4, reason: REASON }]);
    expect(adapter.feed(parseHpaLine(JSON.stringify({ ...RECORDING[0], time: T0 + 40 }), 'x:2'), 'x:2')).toEqual([]);
  });

  it('refuses a line out of time order, and bad fields with the line and key', () => {
    const adapter = new HpaAdapter(hpaConfig({ maxReplicas: 6 }));
    adapter.feed(parseHpaLine(JSON.stringify(RECORDING[1]), 'x:1'), 'x:1');
    expect(() => adapter.feed(parseHpaLine(JSON.stringify(RECORDING[0]), 'x:2'), 'x:2')).toThrow(/^x:2: time: observations must come in time order$/);
    expect(() => parseHpaLine('{"time": 1}', 'stdin:4')).toThrow(/^stdin:4: specReplicas: is required/);
    expect(() => parseHpaLine('{"time": 1, "specReplicas": 1, "pods": [{"name": "a", "cpu": {"usage": "lots", "timestamp": 1}}]}', 'stdin:5')).toThrow(/^stdin:5: pods\[0\]\.cpu\.usage: must be a number/);
    expect(() => parseHpaLine('{"time": 1, "specReplicas": 1, "pods": [{"name": "a"}, {"name": "a"}]}', 'stdin:6')).toThrow(/^stdin:6: pods\[1\]\.name: pod a is listed twice$/);
    // the bound every decide adapter shares (adapters/albatross.ts parseTime): a millisecond timestamp is refused, not read as year 56,000
    expect(() => parseHpaLine('{"time": 1780000000000, "specReplicas": 1}', 'stdin:7')).toThrow(/^stdin:7: time: must be Unix seconds \(at most 100000000000\) or an ISO 8601 time$/);
    expect(() => parseHpaLine('[1]', 'stdin:8')).toThrow(/^stdin:8: not a JSON object$/);
    expect(parseHpaLine('{"time": 1, "specReplicas": 1, "external": {"q": 0.3, "r": "250m"}}', 's:1').observation.external).toEqual({ q: 300, r: 250 });
    expect(parseHpaLine('{"time": 1, "specReplicas": 1, "pods": [{"name": "a", "custom": {"rps": 12.5}}]}', 's:2').observation.pods[0]!.custom).toEqual({ rps: 12_500 });
  });
});

describe('scalelab decide hpa', () => {
  let out = '';
  let err = '';
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-decide-hpa-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  /** `scalelab decide hpa ARGS…` in-process (test/helpers.ts runCli); its output in `out`/`err`. */
  const decideCli = async (...args: string[]): Promise<number> => {
    const r = await runCli('decide', 'hpa', ...args);
    out = r.out;
    err = r.err;
    return r.code;
  };

  const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('replays a recording: scale 2 → 4 at T0, nothing while the new pods initialise, 4 → 5 at T0+60 s', async () => {
    const config = write('hpa.yaml', CONFIG);
    const input = write('obs.jsonl', `${RECORDING.map((l) => JSON.stringify(l)).join('\n')}\n`);
    expect(await decideCli('--config', config, '--input', input)).toBe(0);
    expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { time: T0, type: 'scale', from: 2, to: 4, reason: REASON },
      { time: T0 + 60, type: 'scale', from: 4, to: 5, reason: REASON },
    ]);
  });

  it('a bad line is one error naming the file, line and key; exit 2', async () => {
    const config = write('hpa.yaml', CONFIG);
    const bad = { ...RECORDING[1], pods: [{ name: 'web-1', phase: 'Runing' }] };
    const input = write('obs.jsonl', `${JSON.stringify(RECORDING[0])}\n${JSON.stringify(bad)}\n`);
    expect(await decideCli('--config', config, '--input', input)).toBe(2);
    expect(err).toMatch(/obs\.jsonl:2: pods\[0\]\.phase: unknown phase "Runing"/);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('a bad configuration is one error naming the key; exit 2, nothing printed', async () => {
    const config = write('hpa.yaml', `${CONFIG}behavior:\n  scaleDown:\n    selectPolicy: Fastest\n`);
    const input = write('obs.jsonl', `${JSON.stringify(RECORDING[0])}\n`);
    expect(await decideCli('--config', config, '--input', input)).toBe(2);
    expect(err.trim()).toMatch(/hpa\.yaml: behavior\.scaleDown\.selectPolicy: unknown value "Fastest"; expected one of: Max, Min, Disabled$/);
    expect(out).toBe('');
    expect(await decideCli('--input', input)).toBe(2);
    expect(err).toMatch(/--config: give the HPA configuration with --config FILE/);
  });
});
