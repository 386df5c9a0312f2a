/**
 * `scalelab decide` on the generic bridge, through the CLI: `decide neon --config` on a small
 * hand-made input (the decisions worked by hand from the agent's goal rule), `--dry-run` and
 * `--json`, live-input naming (`stdin:LINE`), and the one-line errors (exit 2) for bad lines,
 * lines out of time order, an unknown VM and a bad configuration file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bridge-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

const GiB = 1024 ** 3;
const T0 = 1_780_000_000;
const NEON_CONFIG = file('neon.yaml', 'vms: [vm-1]\nconfig: {}   # upstream defaults: loadAverageFractionTarget 0.9, memoryUsageFractionTarget 0.75\n');
const line = (o: object) => JSON.stringify(o);
const NEON_INPUT = [
  line({ time: T0, type: 'init', vm: 'vm-1', using: { cpu: 250, mem: GiB }, min: { cpu: 250, mem: GiB }, max: { cpu: 4000, mem: 16 * GiB } }),
  line({ time: T0 + 5, type: 'tick', vm: 'vm-1', metrics: { load1: 2.5, load5: 1, memoryUsageBytes: GiB / 2 } }),
  line({ time: T0 + 5.1, type: 'plugin_answer', vm: 'vm-1', permit: { cpu: 250, mem: GiB } }),
].join('\n');

/** The built CLI as a process, the input on stdin: exit status, stdout, stderr. */
function cliProcess(args: string[], input: string) {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('decide neon --config', () => {
  it('asks the plugin for the goal the readings give', async () => {
    const input = file('neon.jsonl', `${NEON_INPUT}\n`);
    const r = await runCli('decide', 'neon', '--config', NEON_CONFIG, '--input', input);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      // the agent's first request asks for what the VM has (no permit yet)
      '{"time":1780000005,"vm":"vm-1","type":"plugin_request","target":{"cpu":250,"mem":1073741824},"lastPermit":null}',
      // with the permit, the goal from load1 2.5: round(2.5 / 0.9 / 0.25) = round(11.1) = 11 CU;
      // memory round(0.5 GiB / 0.75) → 1 CU; goal max(11, 1) = 11 CU = 11 × (250 mCPU, 1 GiB)
      `{"time":1780000005.1,"vm":"vm-1","type":"plugin_request","target":{"cpu":2750,"mem":${11 * GiB}},"lastPermit":{"cpu":250,"mem":1073741824}}`,
    ]);
  });

  it('--dry-run prints the window and the totals instead of actions, --json the same as objects', async () => {
    const input = file('neon-dry.jsonl', `${NEON_INPUT}\n`);
    const r = await runCli('decide', 'neon', '--config', NEON_CONFIG, '--input', input, '--dry-run', '--summary-every', '10s');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    // 1780000000 s is 2026-05-28T20:26:40Z, a multiple of 10 s: one window [T0, T0 + 10 s)
    expect(lines[0]).toBe('2026-05-28T20:26:50Z 10 s: 3 observations, 2 decisions acting: vm-1 plugin_request 0.25 vCPU 1024 MiB; vm-1 plugin_request 2.75 vCPU 11264 MiB | would-be totals: 1 up, 0 down, 0 problems'); // 2750 > 250: the second asks for more (up); the first had no permit to compare
    expect(lines[1]).toBe('totals over 5.1 s of input: 3 observations, 3 decisions');
    expect(lines).toContain('  actions: plugin_request 2');
    const json = await runCli('decide', 'neon', '--config', NEON_CONFIG, '--input', input, '--dry-run', '--json');
    const objects = json.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.at(-1)).toMatchObject({ final: true, lines: 3, decisions: 3, actions: { plugin_request: 2 } });
  });
});

describe('errors: one line naming the input line, exit 2', () => {
  it('names stdin:LINE for input on stdin', () => {
    const bad = cliProcess(['decide', 'neon', '--config', NEON_CONFIG], `${NEON_INPUT.split('\n')[0]}\n{"time": ${T0 + 1}, "type": "tick", "vm": "vm-1", "metrics": {"load1": "high"}}\n`);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('scalelab: error: stdin:2: metrics.load1: must be a number\n');
    const back = cliProcess(['decide', 'neon', '--config', NEON_CONFIG], `${NEON_INPUT}\n${line({ time: T0 + 1, type: 'tick', vm: 'vm-1' })}\n`);
    expect(back.code).toBe(2);
    expect(back.err).toBe('scalelab: error: stdin:4: time: goes back in time: 2026-05-28T20:26:41Z after 2026-05-28T20:26:45.100Z on the line before\n');
    const unknown = cliProcess(['decide', 'neon', '--config', NEON_CONFIG], `${line({ time: T0, type: 'tick', vm: 'vm-9' })}\n`);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe('scalelab: error: stdin:1: vm: vm-9 is not one of the VMs the engine was started with (vm-1)\n');
  });

  it('names the configuration file and key', async () => {
    const r = await runCli('decide', 'incus', '--config', file('bad.yaml', 'colour: blue\n'), '--input', file('empty.jsonl', ''));
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.yaml: colour: unknown key; expected one of: name, variant, config, options, seed');
    const noVms = await runCli('decide', 'neon', '--config', file('novms.yaml', 'config: {}\n'), '--input', file('empty2.jsonl', ''));
    expect(noVms.code).toBe(2);
    expect(noVms.err).toContain('novms.yaml: vms: decide neon needs the VMs it will hear about');
    const badKey = await runCli('decide', 'incus', '--config', file('badkey.yaml', 'config: { cluster.rebalance.threshold: lots }\n'), '--input', file('empty3.jsonl', ''));
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/^scalelab: error: .*badkey\.yaml: config\.cluster\.rebalance\.threshold: must be a whole number, got "lots"\n$/);
  });

  it('--help lists the generic bridge', async () => {
    const r = await runCli('decide', '--help');
    for (const text of ['--protocol', '--dry-run', '--summary-every', '--json', 'decide incus', 'decide neon']) expect(r.out).toContain(text);
  });
});

describe('--dry-run on an engine\'s own adapter', () => {
  it('decide hpa --dry-run: the adapter\'s input format, summed into windows', async () => {
    // test/hpa-decide.test.ts's first line: 2 pods at 450m of 500m → 90 % / 50 % → ⌈1.8 × 2⌉ = 4 → scale 2 → 4 at T0
    const pod = (name: string) => ({ name, phase: 'Running', ready: { status: 'True', lastTransitionTime: T0 - 3590 }, startTime: T0 - 3600, requests: { cpu: '500m' }, cpu: { usage: '450m', timestamp: T0 - 5, window: '30s' } });
    const config = file('hpa.yaml', 'minReplicas: 1\nmaxReplicas: 6\nmetrics:\n  - type: Resource\n    resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }\n');
    const input = file('hpa.jsonl', `${line({ time: T0, specReplicas: 2, pods: [pod('web-1'), pod('web-2')] })}\n`);
    const r = await runCli('decide', 'hpa', '--config', config, '--input', input, '--dry-run');
    expect(r.err).toBe('');
    // T0 = 1780000000 s lies in the window [1779999960, 1780000020) s, which ends 2026-05-28T20:27:00Z
    expect(r.out.split('\n')[0]).toBe('2026-05-28T20:27:00Z 60 s: 1 observations, 1 decisions acting: hpa scale 2→4 | would-be totals: 1 up, 0 down, 0 problems');
  });
});

describe('live input', () => {
  it('stamps a line without "time" with the time it arrives', () => {
    const before = Date.now() / 1000;
    const lines = NEON_INPUT.split('\n').slice(0, 2).map((l) => {
      const { time: _time, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    const r = cliProcess(['decide', 'neon', '--config', NEON_CONFIG], `${lines.join('\n')}\n`);
    const after = Date.now() / 1000;
    expect(r.err).toBe('');
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as { time: number; type: string });
    expect(out.map((o) => o.type)).toEqual(['plugin_request']);
    expect(out[0]!.time).toBeGreaterThanOrEqual(before);
    expect(out[0]!.time).toBeLessThanOrEqual(after);
  });
});
