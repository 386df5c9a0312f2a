/**
 * The horizontal dialects with an engine that is not built in (src/engines/external/replica.ts,
 * runners.ts): the same scenario run with the built-in engine and with `engine.kind: module`
 * must give the same bytes (events.jsonl, summary.json, and with the loopback timeseries.csv).
 *
 * Two kinds of module engine are used:
 *  - an engine written here, in the test: the albatross core (src/engines/albatross/core.ts
 *    `initialGroup`, `onStats`, `onSync`, `onSpawnResult`, `onDestroyResult`, and `toCommand`)
 *    behind `defineHandler` below — it does not depend on the loopback;
 *  - the loopback (the built-in cores behind the protocol, src/engines/external/loopback/), for
 *    albatross, hpa and kraftcloud, with every message round-tripped through JSON
 *    (`SCALELAB_MODULE_CODEC=1`), so a child process would see the same.
 * Plus the plumbing: `runnerFor` picks the external runner only for module/external kinds,
 * the round goes to the engine as ONE batch, the session is closed on success and on failure,
 * and `runInputs` names the engine's files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { initialGroup, onDestroyResult, onSpawnResult, onStats, onSync, type AlbatrossConfig, type AlbatrossOptions, type GroupContext, type GroupState, type StatsSample } from '../src/engines/albatross/engine.js';
import { toCommand } from '../src/engines/albatross/plugin.js';
import type { ModuleEngine, Sent } from '../src/engines/external/api.js';
import { loopbackEngine } from '../src/engines/external/loopback/index.js';
import { provideModuleEngine } from '../src/engines/external/module.js';
import type { HelloRequest, Reply } from '../src/engines/external/protocol.js';
import { externalRunners } from '../src/engines/external/runners.js';
import { EngineProtocolError } from '../src/engines/external/errors.js';
import { InputError } from '../src/scenario/errors.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { runInputs, runnerFor, runners, simulateScenario } from '../src/run/run.js';

const dir = mkdtempSync(join(tmpdir(), 'scalelab-ext-replica-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env['SCALELAB_MODULE_CODEC'];
});

/** A module file path that exists (the scenario loader checks it) and is served by `engine`. */
function moduleFile(name: string, engine: ModuleEngine): string {
  const file = join(dir, name);
  writeFileSync(file, '// served by provideModuleEngine in the test\n');
  provideModuleEngine(file, engine);
  return file;
}

/** What one run writes, as strings: events.jsonl, timeseries.csv, summary.json. */
interface Bytes {
  events: string;
  series: string;
  summary: string;
}

function run(scenario: Scenario): Bytes {
  const events: string[] = [];
  const series: string[] = [];
  const sim = simulateScenario(scenario, { event: (l) => events.push(l), timeseries: (l) => series.push(l) });
  return { events: events.join('\n'), series: series.join('\n'), summary: JSON.stringify(sim.summary, null, 2) };
}

/** The scenario `file` as built in, and with `kind: module, path` (same file name: summary.json names it). */
function pair(file: string, path: string, sets: string[] = []): { builtin: Scenario; module: Scenario } {
  return { builtin: loadScenario(file, { sets }), module: loadScenario(file, { sets: [...sets, 'engine.kind=module', `engine.path=${path}`] }) };
}

// --- an engine written here: the albatross core behind the protocol, with a request log ------

/** Every request the test engine was sent, in order (type and group). */
const seen: string[] = [];

/** The albatross core as a module engine (no loopback), answering batches itself. */
const testAlbatross: ModuleEngine = {
  open(hello: HelloRequest) {
    const core = hello.core as { config: AlbatrossConfig; options: AlbatrossOptions };
    const ctx = new Map<string, GroupContext>();
    const state = new Map<string, GroupState>();
    for (const g of hello.groups ?? []) ctx.set(g.name, { config: core.config, options: core.options, policy: { vcpus: g.vcpus, maxInstances: g.maxInstances, minInstances: g.minInstances } });
    const answer = (req: Record<string, unknown>, now: number): Reply => {
      seen.push(`${String(req['type'])} ${String(req['group'] ?? '')}`);
      const group = String(req['group']);
      const c = ctx.get(group)!;
      let d;
      switch (req['type']) {
        case 'init':
          state.set(group, initialGroup(group));
          return { type: 'step', actions: [] };
        case 'observe': {
          const records = req['records'] as StatsSample[];
          const s = state.get(group)!;
          // the built-in `decide` rule: an empty round of an unmanaged group is not a round
          if (records.length === 0 && !s.managed) return { type: 'step', actions: [] };
          d = onStats(c, s, records, records.length, now);
          break;
        }
        case 'sync': {
          const alive = new Set(req['alive'] as string[]);
          d = onSync(c, state.get(group)!, (n) => alive.has(n), now);
          break;
        }
        case 'spawn_result': {
          const r = req['result'];
          d = onSpawnResult(c, state.get(group)!, String(req['name']), r === 'placed' ? 'created' : r === 'no_capacity' ? 'failed' : 'refused', now);
          break;
        }
        case 'gone':
          if (req['cause'] !== 'destroyed') return { type: 'step', actions: [] };
          d = onDestroyResult(c, state.get(group)!, String(req['name']), now);
          break;
        default:
          return { type: 'error', message: `unexpected ${String(req['type'])}` };
      }
      state.set(group, d.state);
      return { type: 'step', actions: d.actions.map((a) => toCommand(a, d.state.primary)), report: { cooldownStart: d.state.lastScaleAction } };
    };
    return {
      engine: 'albatross',
      name: 'in-test albatross',
      handle(sent: Sent): Reply {
        if (sent.type === 'end') return { type: 'bye' };
        const req = sent as unknown as Record<string, unknown>;
        if (req['type'] === 'batch') {
          seen.push(`batch ${(req['requests'] as unknown[]).length}`);
          return { type: 'batch', replies: (req['requests'] as Record<string, unknown>[]).map((r) => answer(r, sent.now) as never) };
        }
        return answer(req, sent.now);
      },
    };
  },
};

describe('runnerFor', () => {
  it('built-in kinds keep the built-in runner; module and external take the dialect\'s external runner', () => {
    const builtin = loadScenario('scenarios/albatross-quirk-corrected.yaml');
    expect(runnerFor(builtin)).toBe(runners.get('albatross'));
    const path = moduleFile('runner-for.mjs', testAlbatross);
    const module = loadScenario('scenarios/albatross-quirk-corrected.yaml', { sets: ['engine.kind=module', `engine.path=${path}`] });
    expect(runnerFor(module)).not.toBe(runners.get('albatross'));
    expect([...externalRunners.keys()]).toEqual(['albatross', 'hpa', 'kraftcloud', 'replica', 'incus', 'neon']);
  });

  it('runInputs names the module file and the command words that are files', () => {
    const path = moduleFile('inputs.mjs', testAlbatross);
    const module = loadScenario('scenarios/albatross-quirk-corrected.yaml', { sets: ['engine.kind=module', `engine.path=${path}`] });
    expect(runInputs(module)).toContain(path);
    writeFileSync(join(dir, 'engine.py'), '');
    const text = `name: x\nduration: 1h\nengine:\n  kind: external\n  command: [python3, engine.py, --flag]\nworld:\n  hosts:\n    - name: h\n      threads: 4\n      memory: 8GiB\nworkloads:\n  - name: web\n    load:\n      base: 0.5\n`;
    const external = parseScenarioText(text, join(dir, 'x.yaml'));
    // python3 and --flag are not files in the scenario's folder; engine.py is
    expect(runInputs(external)).toEqual([join(dir, 'x.yaml'), resolve(dir, 'engine.py')]);
  });
});

describe('albatross: the in-test engine gives the built-in bytes', () => {
  it.each(['albatross-quirk-corrected.yaml', 'albatross-quirk-faithful.yaml'])('%s', (name) => {
    const path = moduleFile(`test-albatross-${name}.mjs`, testAlbatross);
    const { builtin, module } = pair(`scenarios/${name}`, path);
    const a = run(builtin);
    seen.length = 0;
    const b = run(module);
    expect(b.events).toBe(a.events);
    expect(b.summary).toBe(a.summary);
    // inits first (one per group, in workload order), then observes; the sync pass every death_timeout
    expect(seen[0]).toMatch(/^init /);
    expect(seen.some((s) => s.startsWith('observe '))).toBe(true);
    expect(seen.some((s) => s.startsWith('sync '))).toBe(true);
  });
});

describe('the loopback through the JSON codec gives the built-in bytes', () => {
  const cases: [string, string[]][] = [
    ['albatross-quirk-corrected.yaml', []],
    ['albatross-quirk-faithful.yaml', []],
    ['hpa-default.yaml', ['duration=6h']],
    ['hpa-scale-to-zero.yaml', ['duration=6h']],
    // killed pods: the ReplicaSet replaces them world-side, the engine is told `gone`
    ['hpa-default.yaml', ['duration=2h', 'faults=[{at: 30m, kill_primary: web}, {at: 1h, kill_primary: api}]']],
    ['kraftcloud-scale-to-zero.yaml', []],
  ];
  it.each(cases)('%s %j', (name, sets) => {
    const path = moduleFile(`loopback-${name}.mjs`, loopbackEngine);
    const { builtin, module } = pair(`scenarios/${name}`, path, sets);
    const a = run(builtin);
    process.env['SCALELAB_MODULE_CODEC'] = '1';
    const b = run(module);
    expect(b.events.length).toBeGreaterThan(0);
    expect(b.events).toBe(a.events);
    expect(b.summary).toBe(a.summary);
    if (sets.some((x) => x.startsWith('faults='))) expect(b.events).toContain('"type":"primary_killed"');
    // the engine's report drives the time series (cpu_pct, tick counters, the HPA and Unikraft panels' inputs)
    expect(b.series).toBe(a.series);
  });
});

describe('the runners table: incus and neon through simulateScenario (loopback, JSON codec)', () => {
  // their worlds and runners are the incus and neon packages' (runIncusExternal, runNeonExternal);
  // this checks that kind: module reaches them through runnerFor and gives the built-in bytes
  it.each([
    ['incus-flipflop.yaml', ['duration=2h']],
    ['neon-pressure-model.yaml', ['duration=30m']],
  ] as [string, string[]][])('%s %j', (name, sets) => {
    const path = moduleFile(`runners-${name}.mjs`, loopbackEngine);
    const { builtin, module } = pair(`scenarios/${name}`, path, sets);
    const a = run(builtin);
    process.env['SCALELAB_MODULE_CODEC'] = '1';
    const b = run(module);
    expect(b.events.length).toBeGreaterThan(0);
    expect(b.events).toBe(a.events);
    expect(b.summary).toBe(a.summary);
  });
});

describe('sessions', () => {
  it('the session is closed after a failure, and the failure is one line naming the message', () => {
    let closed = 0;
    const failing: ModuleEngine = {
      open: () => ({
        engine: 'albatross',
        handle(sent: Sent): Reply {
          if (sent.type === 'end') return { type: 'bye' };
          if (sent.type === 'observe') return { type: 'error', message: 'out of ideas' };
          return { type: 'step', actions: [] };
        },
        // a failed session is released without `end` (module.ts), but released
        close() {
          closed++;
        },
      }),
    };
    const path = moduleFile('failing.mjs', failing);
    const scenario = loadScenario('scenarios/albatross-quirk-corrected.yaml', { sets: ['engine.kind=module', `engine.path=${path}`] });
    let err: unknown;
    try {
      run(scenario);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err).toBeInstanceOf(EngineProtocolError);
    expect((err as Error).message).toMatch(/engine error: out of ideas/);
    expect((err as Error).message).not.toContain('\n');
    expect(closed).toBe(1);
  });

  it('an init reply with actions is refused (actions go with the first observe)', () => {
    const eager: ModuleEngine = {
      open: () => ({
        engine: 'albatross',
        handle: (sent: Sent): Reply => (sent.type === 'end' ? { type: 'bye' } : sent.type === 'init' ? { type: 'step', actions: [{ type: 'note', event: 'hi' }] } : { type: 'step', actions: [] }),
      }),
    };
    const path = moduleFile('eager.mjs', eager);
    const scenario = loadScenario('scenarios/albatross-quirk-corrected.yaml', { sets: ['engine.kind=module', `engine.path=${path}`] });
    expect(() => run(scenario)).toThrow(/the reply to init of group \S+ has actions/);
  });
});
