/**
 * The horizontal dialects end to end with a real child process (`engine.kind: external`, the
 * FIFO transport, the JSON codec) and a real module import (`kind: module` through
 * `prepareEngine`):
 *  - `node dist/engines/external/loopback-main.js` (the built-in cores behind the protocol, as a
 *    process) gives the built-in bytes — events.jsonl and summary.json — on albatross, hpa and
 *    kraftcloud scenarios, through `runScenario` into a folder like `scalelab run`;
 *  - the 30-line policy of docs/engines/replica.md, copied here from the page, as a module file
 *    and as a process (loopback-main.js serving the module), scales as worked by hand in
 *    test/external-replica-dialect.test.ts.
 * Needs dist/ (the transport's watchdog worker and loopback-main run from there; `npm test`
 * builds first): skipped with a note otherwise.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { runScenario } from '../src/run/run.js';
import type { Scenario } from '../src/scenario/types.js';

const LOOPBACK_MAIN = resolve('dist/engines/external/loopback-main.js');
const built = existsSync(LOOPBACK_MAIN) && existsSync('dist/engines/external/watchdog.js');
const note = built ? '' : ' — SKIPPED: needs dist/ (npm run build)';

const dir = mkdtempSync(join(tmpdir(), 'scalelab-ext-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run into a fresh folder as `scalelab run` does; the bytes of events.jsonl and summary.json. */
async function bytes(scenario: Scenario, name: string): Promise<{ events: string; summary: string }> {
  const outDir = join(dir, name);
  await runScenario(scenario, { outDir });
  return { events: readFileSync(join(outDir, 'events.jsonl'), 'utf8'), summary: readFileSync(join(outDir, 'summary.json'), 'utf8') };
}

describe.skipIf(!built)(`kind: external — the loopback as a process gives the built-in bytes${note}`, () => {
  const cases: [string, string[]][] = [
    ['albatross-quirk-corrected.yaml', []],
    ['hpa-default.yaml', ['duration=2h']],
    ['kraftcloud-scale-to-zero.yaml', ['duration=2m']],
  ];
  it.each(cases)('%s %j', async (name, sets) => {
    const common = [...sets, 'output.report=false'];
    const builtin = loadScenario(`scenarios/${name}`, { sets: common });
    const external = loadScenario(`scenarios/${name}`, { sets: [...common, 'engine.kind=external', `engine.command=[${process.execPath}, ${LOOPBACK_MAIN}]`, 'engine.timeout=20s'] });
    expect(external.engine.kind).toBe('external');
    const a = await bytes(builtin, `builtin-${name}`);
    const b = await bytes(external, `external-${name}`);
    expect(b.events.length).toBeGreaterThan(0);
    expect(b.events).toBe(a.events);
    expect(b.summary).toBe(a.summary);
  }, 120_000);
});

/** The policy of docs/engines/replica.md, "A policy in 30 lines", as written there. */
const DOC_POLICY = `export default {
  open(hello) {
    const { period } = hello.config;
    const { up, down } = hello.config.params;
    const last = new Map(); // group → name → {t, cpu}
    let clones = 0;
    return {
      engine: 'replica',
      wants: [], // no spawn_result, no gone
      handle(req) {
        if (req.type === 'end') return { type: 'bye' };
        if (req.type === 'init') return { type: 'step', actions: [], wakeAt: period };
        const before = last.get(req.group) ?? new Map();
        const seen = new Map();
        let sum = 0, k = 0, starting = 0;
        for (const i of req.obs.instances) {
          if (i.phase === 'placing' || i.phase === 'booting') starting++;
          if (i.phase !== 'running') continue;
          seen.set(i.name, { t: req.now, cpu: i.cpuUs });
          const p = before.get(i.name);
          if (p) { sum += ((i.cpuUs - p.cpu) / ((req.now - p.t) * i.vcpus)) * 100; k++; }
        }
        last.set(req.group, seen);
        const cpu = k > 0 ? sum / k : null;
        const actions = [];
        if (cpu !== null && !starting && cpu > up) actions.push({ type: 'spawn', name: \`\${req.group}-s\${++clones}\`, scaling: 'up' });
        else if (cpu !== null && !starting && cpu < down && seen.size > 1) actions.push({ type: 'destroy', instance: 'newest', reason: 'scale_down', scaling: 'down' });
        return { type: 'step', actions, wakeAt: req.now + period, report: { cpu, inCooldown: false } };
      },
    };
  },
};
`;

describe.skipIf(!built)(`the replica dialect's documented policy, as a module and as a process${note}`, () => {
  const policy = join(dir, 'threshold.mjs');
  writeFileSync(policy, DOC_POLICY);
  const doc = readFileSync('docs/engines/replica.md', 'utf8');

  it('the policy here is the one on the page', () => {
    expect(doc).toContain(DOC_POLICY.trim().split('\n').slice(1, -1).join('\n'));
  });

  /** The test/external-replica-dialect.test.ts scenario with `engine` in place of its engine lines. */
  const scenario = (engine: string): Scenario =>
    parseScenarioText(
      `name: replica-dialect
duration: 2m
engine:
${engine}
  config:
    period: 10s
    params: { up: 80, down: 20 }
output: { report: false }
world:
  stats_interval: 10s
  placement_latency: 0s
  stop_latency: 0s
  boot: { latency: 5s }
  hosts:
    - name: node-1
      threads: 16
      memory: 64GiB
workloads:
  - name: web
    vcpus: 1
    min_instances: 1
    max_instances: 4
    load:
      base: 1.8
      steps: [{ at: 60s, delta: -1.6 }]
`,
      join(dir, 'replica-dialect.yaml'),
    );

  it.each([
    ['module', '  kind: module\n  path: ./threshold.mjs'],
    ['external', `  kind: external\n  command: [${process.execPath}, ${LOOPBACK_MAIN}, ./threshold.mjs]\n  timeout: 20s`],
  ])('%s: scale-ups at 20 s and 30 s, scale-downs at 70 s and 80 s', async (kind, engine) => {
    const { events } = await bytes(scenario(engine), `doc-policy-${kind}`);
    const scaling = events
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['type'] === 'scale_up' || e['type'] === 'scale_down')
      .map((e) => [e['time_s'], e['type']]);
    // worked by hand in test/external-replica-dialect.test.ts (same scenario, max 4 not reached)
    expect(scaling).toEqual([
      [20, 'scale_up'],
      [30, 'scale_up'],
      [70, 'scale_down'],
      [80, 'scale_down'],
    ]);
  }, 60_000);
});
