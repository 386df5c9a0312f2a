/**
 * Neon's agents outside the world (design §1.6, §2.3): the built-in run and the run whose agents
 * answer through the engine protocol write the same events.jsonl and summary.json.
 *
 * 1. World level, no protocol: simulateNeon with `agents: CoreAgents` (the agent core behind
 *    `NeonAgents`, the external path: no fast path, no world-side jitter draw) = the built-in run.
 * 2. Protocol level: the loopback neon handler behind a session, every message through
 *    JSON.stringify/JSON.parse (what an external process sees), one `batch` per sample:
 *    neon-default.yaml cut to 2 h, neon-pressure-model.yaml, and a small stress cluster with
 *    request failures, monitor denials, migrations and LFC metrics that sends every request type
 *    of the dialect (checked, so the comparison cannot pass on a run that never exercised them).
 * 3. A hand-worked transcript of the loopback (upstream neondatabase/autoscaling
 *    pkg/agent/core/state.go `calculatePluginAction`, `calculateNeonVMAction`).
 * 4. Misbehaving engines: one-line EngineProtocolErrors naming the message.
 *
 * The session is core's ModuleSession with the JSON codec on (`openModuleEngine`), as
 * `kind: module` opens it with SCALELAB_MODULE_CODEC=1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineVerticalEngine, type ModuleEngine, type Sent } from '../src/engines/external/api.js';
import { EngineProtocolError } from '../src/engines/external/errors.js';
import { loopbackEngine } from '../src/engines/external/loopback/index.js';
import { neonHello, runNeonExternal } from '../src/engines/external/neon.js';
import { openModuleEngine } from '../src/engines/external/module.js';
import type { HelloRequest, Reply, Request } from '../src/engines/external/protocol.js';
import type { EngineSession } from '../src/engines/external/session.js';
import { CoreAgents } from '../src/engines/neon/agents.js';
import { cu, GiB } from '../src/engines/neon/resources.js';
import { stream } from '../src/kernel/random.js';
import { agentConfigOf, buildNeonSummary, runNeon, simulateNeon } from '../src/run/neon.js';
import type { RunSinks } from '../src/run/albatross.js';
import type { Simulated } from '../src/run/run.js';
import { runScenario } from '../src/run/run.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { randomNeonCluster } from './neon-random-cluster.js';
import type { Scenario } from '../src/scenario/types.js';

/** The JSON codec: what crosses a pipe. */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

interface Transcript {
  /** request types sent, with their outcome where they have one (`monitor_result:denied`, `plugin_answer:lost`) */
  seen: Set<string>;
  lines: number;
}

/** `engine`, with every request it is handed noted in `t` (type and outcome). */
function recording(engine: ModuleEngine, t: Transcript): ModuleEngine {
  const note = (req: Sent): void => {
    let key: string = req.type;
    if (req.type === 'monitor_result') key += `:${req.kind}:${req.result}`;
    if (req.type === 'neonvm_result') key += `:${req.ok}`;
    if (req.type === 'plugin_answer') key += req.permit === null ? ':lost' : ':permit';
    if (req.type === 'tick' && 'vm' in req) key += req.metrics !== undefined ? (req.lfc !== undefined ? ':metrics+lfc' : ':metrics') : ':wake';
    t.seen.add(key);
    t.lines++;
  };
  return {
    ...(engine.protocol !== undefined ? { protocol: engine.protocol } : {}),
    open(hello) {
      const inner = engine.open(hello);
      return { engine: inner.engine, name: inner.name ?? 'recorded', handle: (req) => (note(req), inner.handle(req)) };
    },
  };
}

/**
 * A session over a module engine as `kind: module` opens one (core's ModuleSession: hello
 * negotiated, ids numbered, replies checked), with every message through JSON.stringify/parse
 * (the codec: what an external process sees).
 */
function moduleSession(engine: ModuleEngine, hello: HelloRequest, t: Transcript = { seen: new Set(), lines: 0 }): EngineSession {
  return openModuleEngine(LABEL, recording(engine, t), hello, true);
}

const LABEL = 'module engine /engines/agent.js';

/** events.jsonl, timeseries.csv and summary.json of a run, as runScenario writes them. */
function outputs(run: (sinks: RunSinks) => Simulated): { events: string; series: string; summary: string; lines: number } {
  const events: string[] = [];
  const series: string[] = [];
  const sim = run({ event: (l) => events.push(l), timeseries: (l) => series.push(l) });
  return { events: events.join('\n') + '\n', series: series.join('\n'), summary: `${JSON.stringify(sim.summary, null, 2)}\n`, lines: events.length };
}

/** The scenario as a module engine would run it (what the loader will fill in for `kind: module`). */
const asModule = (s: Scenario): Scenario => ({ ...s, engine: { ...s.engine, kind: 'module', path: '/engines/agent.js' } });

/** Run through the loopback behind the test session; the session closed as the runner's caller does. */
function viaLoopback(scenario: Scenario, t?: Transcript, engine: ModuleEngine = loopbackEngine): (sinks: RunSinks) => Simulated {
  return (sinks) => {
    const s = asModule(scenario);
    const session = moduleSession(engine, neonHello(s), t);
    const sim = runNeonExternal(s, sinks, session);
    session.close(s.duration);
    return sim;
  };
}

/** A small cluster that makes every kind of request and outcome happen within an hour. */
const STRESS = `
name: neon-external-stress
seed: 7
duration: 1h
engine: { name: neon, variant: faithful, config: { enableLFCMetrics: true } }
cluster:
  load_step: 10s
  host: { memory_overhead: 2GiB, initial_loadavg: zero }
  migration: { bandwidth_gbps: 8.59, setup: 1s, failure_probability: 0.2 }
  neon: { neonvm_latency: 2s, reconcile_delay: 300ms, plugin_latency: 20ms, monitor_latency: 3s, failure_probability: { plugin: 0.1, neonvm: 0.1, monitor: 0.1 } }
  members:
    - { name: n, count: 3, threads: 10, memory: 40GiB }
  vms:
    - name: vm
      count: 12
      neon:
        min_cu: 1
        max_cu: 12
        cu: 2
        memory: { base: { uniform: [0.3, 5] }, ar1: { coefficient: 0.7, sigma: 1 } }
        lfc: { base: { uniform: [0.5, 4] }, ar1: { coefficient: 0.9, sigma: 0.3 } }
      load:
        base: { uniform: [0.05, 1.5] }
        ar1: { coefficient: 0.8, sigma: 0.2 }
        bursts: { rate_per_hour: 2, height: 2.5, duration: 5m }
output: { report: false, timeseries_step: 30s, chart_groups: 12 }
`;


const CASES: Array<{ label: string; load: () => Scenario }> = [
  { label: 'neon-default.yaml cut to 2 h', load: () => loadScenario('scenarios/neon-default.yaml', { sets: ['duration=2h'] }) },
  { label: 'neon-pressure-model.yaml', load: () => loadScenario('scenarios/neon-pressure-model.yaml') },
  { label: 'stress cluster (failures, denials, migrations, LFC)', load: () => parseScenarioText(STRESS, 'neon-external-stress.yaml') },
];

describe('neon: agents outside the world write the built-in bytes', () => {
  it('world level: CoreAgents on the external path = the built-in run (neon-default cut to 2 h, neon-watermark, stress cluster)', () => {
    for (const scenario of [CASES[0]!.load(), loadScenario('scenarios/neon-watermark.yaml'), CASES[2]!.load()]) {
      const builtin = outputs((sinks) => runNeon(scenario, sinks));
      const core = outputs((sinks) => {
        const neon = scenario.cluster!.neon!;
        const agents = new CoreAgents(agentConfigOf(scenario.engine.config, scenario.engine.options), stream(scenario.seed, 'world:plugin-request-jitter'), neon.request_jitter);
        const sim = simulateNeon(scenario, sinks, { agents });
        return { summary: buildNeonSummary(scenario, sim), writeReport: async () => {}, counts: sim.counts };
      });
      expect(builtin.lines).toBeGreaterThan(50);
      expect(core.events).toBe(builtin.events);
      expect(core.series).toBe(builtin.series);
      expect(core.summary).toBe(builtin.summary);
    }
  }, 120_000);

  it('world level on random clusters (both plugin models, failures, LFC, steady and zero load averages): CoreAgents = built in', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const scenario = parseScenarioText(randomNeonCluster(seed, 'neon-outside'), `outside-${seed}.yaml`);
      const builtin = outputs((sinks) => runNeon(scenario, sinks));
      const core = outputs((sinks) => {
        const agents = new CoreAgents(agentConfigOf(scenario.engine.config, scenario.engine.options), stream(scenario.seed, 'world:plugin-request-jitter'), scenario.cluster!.neon!.request_jitter);
        const sim = simulateNeon(scenario, sinks, { agents });
        return { summary: buildNeonSummary(scenario, sim), writeReport: async () => {}, counts: sim.counts };
      });
      expect(core.events, `seed ${seed}`).toBe(builtin.events);
      expect(core.series, `seed ${seed}`).toBe(builtin.series);
      expect(core.summary, `seed ${seed}`).toBe(builtin.summary);
    }
  }, 180_000);

  for (const c of CASES) {
    it(`protocol level, loopback through JSON: ${c.label}`, () => {
      const scenario = c.load();
      const builtin = outputs((sinks) => runNeon(scenario, sinks));
      const t: Transcript = { seen: new Set(), lines: 0 };
      const looped = outputs(viaLoopback(scenario, t));
      expect(builtin.lines).toBeGreaterThan(50);
      expect(looped.events).toBe(builtin.events);
      expect(looped.summary).toBe(builtin.summary);
      expect(looped.series).toBe(builtin.series);
      expect(t.seen.has('init')).toBe(true);
      expect(t.seen.has('tick:metrics')).toBe(true);
    }, 180_000);
  }

  it('the stress cluster sends every request type and outcome of the neon dialect', () => {
    const t: Transcript = { seen: new Set(), lines: 0 };
    outputs(viaLoopback(CASES[2]!.load(), t));
    const want = [
      'init',
      'tick:metrics',
      'tick:metrics+lfc',
      'tick:wake',
      'plugin_answer:permit',
      'plugin_answer:lost',
      'neonvm_result:true',
      'neonvm_result:false',
      'monitor_result:upscale:approved',
      'monitor_result:upscale:failed',
      'monitor_result:downscale:approved',
      'monitor_result:downscale:denied',
      'monitor_result:downscale:failed',
      'monitor_upscale_request',
    ];
    expect(want.filter((k) => !t.seen.has(k))).toEqual([]);
    // and the world's side of it: every kind of event, and a resize that waited for a migration's
    // end (carried out at the migration_done/failed instant: the deferred-resize branch)
    const events = outputs((sinks) => runNeon(CASES[2]!.load(), sinks)).events.trim().split('\n').map((l) => JSON.parse(l) as { time_s: number; type: string; vm?: string });
    const kinds = new Set(events.map((e) => e.type));
    const wantKinds = ['resized', 'request_failed', 'downscale_denied', 'upscale_denied', 'upscale_partly_granted', 'migration_started', 'migration_done', 'migration_failed', 'node_overcommitted'];
    expect(wantKinds.filter((k) => !kinds.has(k))).toEqual([]);
    const deferred = events.some((e, i) => e.type === 'resized' && i > 0 && events[i - 1]!.type.startsWith('migration_') && events[i - 1]!.vm === e.vm && events[i - 1]!.time_s === e.time_s);
    expect(deferred).toBe(true);
  }, 120_000);
});

describe('neon loopback: a transcript worked by hand', () => {
  // One VM of 2 CU (min 1, max 16), upstream defaults (scheduler.requestAtLeastEvery 15 s,
  // request jitter up to 100 ms), readings load1 = load5 = 0.9 and 1 GiB in use.
  const scenario = parseScenarioText(
    `
name: one-vm
seed: 5
duration: 1h
engine: { name: neon, variant: faithful }
cluster:
  members: [{ name: n, threads: 16, memory: 64GiB }]
  vms: [{ name: pg, neon: { min_cu: 1, max_cu: 16, cu: 2 } }]
`,
    'one-vm.yaml',
  );
  it('init, tick with metrics, two plugin answers: requests, goal and wake-up as calculatePluginAction/calculateNeonVMAction give them', () => {
    const hello = neonHello(asModule(scenario));
    const h = loopbackEngine.open(wire(hello));
    let id = 0;
    const send = (now: number, req: Request): Reply => wire(h.handle(wire({ id: ++id, now, ...req }) as Sent));
    const jitter = stream(5, 'world:plugin-request-jitter');
    expect(send(0, { type: 'init', vm: 'pg', using: cu(2), min: cu(1), max: cu(16), monitorActive: true })).toEqual({ type: 'step', actions: [] });
    // goal: CPU 0.9 / 0.9 / 0.25 vCPU per CU = 4 CU; memory 1 GiB / 0.75 / 1 GiB = 1.33 CU; ceil(max) = 4.
    // No request made yet: the plugin request is due at once (untilTick = 0), for what the VM uses
    // (a new amount is asked for only once a permit is held): target 2 CU, no last permit. Then the
    // request is in flight, NeonVM is held at the permit (none: what the VM uses), nothing to wait for.
    const first = send(0, { type: 'tick', vm: 'pg', metrics: { load1: 0.9, load5: 0.9, memoryUsageBytes: GiB, memoryCachedBytes: 0 } });
    expect(first).toEqual({ type: 'step', actions: [{ type: 'plugin_request', target: { cpu: 500, mem: 2 * GiB }, lastPermit: null }], report: { goalCU: 4 } });
    const j1 = Math.floor(jitter.next() * 100_000);
    void j1;
    // permit 2 CU at 10 ms: accepted (≤ asked, ≥ used). Now a permit is held and 4 CU (1000 mCPU,
    // 4 GiB) differ from it: a new request at once, last permit 2 CU; NeonVM still held at 2 CU.
    const second = send(10_000, { type: 'plugin_answer', vm: 'pg', permit: cu(2) });
    expect(second).toEqual({ type: 'step', actions: [{ type: 'plugin_request', target: { cpu: 1000, mem: 4 * GiB }, lastPermit: { cpu: 500, mem: 2 * GiB } }] });
    const j2 = Math.floor(jitter.next() * 100_000);
    // permit 4 CU at 20 ms: NeonVM may now resize 2 → 4 CU; the next plugin tick is 15 s after the
    // request left (10 ms) minus that request's jitter: wake at 10 ms + 15 s − j2.
    const third = send(20_000, { type: 'plugin_answer', vm: 'pg', permit: cu(4) });
    expect(third).toEqual({ type: 'step', actions: [{ type: 'neonvm_request', current: { cpu: 500, mem: 2 * GiB }, target: { cpu: 1000, mem: 4 * GiB } }], wakeAt: 10_000 + 15_000_000 - j2 });
    expect(j2).toBeGreaterThanOrEqual(0);
    expect(send(30_000, { type: 'end' })).toEqual({ type: 'bye' });
  });
});

describe('neon: a misbehaving engine is one line naming the message', () => {
  const scenario = (): Scenario => loadScenario('scenarios/neon-pressure-model.yaml', { sets: ['duration=10m'] });
  /** The loopback, with its reply to the request `when` picks changed by `change`. */
  const broken = (when: (req: Sent) => boolean, change: (reply: Reply, req: Sent) => unknown): ModuleEngine => ({
    open(hello) {
      const inner = loopbackEngine.open(hello);
      let done = false;
      return {
        engine: inner.engine,
        handle(req) {
          const r = inner.handle(req);
          if (done || !when(req)) return r;
          done = true;
          return change(r, req) as Reply;
        },
      };
    },
  });
  const run = (engine: ModuleEngine): (() => void) => () => outputs(viaLoopback(scenario(), undefined, engine));

  it('a tick with metrics answered without report.goalCU', () => {
    const e = broken(
      (req) => req.type === 'tick' && req.now === 5_000_000 && 'vm' in req && req.vm === 'pg-3',
      (r) => ({ type: 'step', actions: (r as unknown as { actions: unknown[] }).actions }),
    );
    // hello 0, the inits' batch 1, the sample at 0 s batch 2, … : the VMs' names from the scenario
    expect(run(e)).toThrow(EngineProtocolError);
    expect(run(e)).toThrow(/^module engine \/engines\/agent\.js: "report\.goalCU" must be a number.* in the reply to a tick with metrics on message \d+ \(batch, part 3 of \d+: tick pg-3 at 5 s\)$/);
  });

  it('an unknown action', () => {
    const e = broken(
      (req) => req.type === 'plugin_answer',
      () => ({ type: 'step', actions: [{ type: 'scale_out', to: 3 }] }),
    );
    expect(run(e)).toThrow(/^module engine \/engines\/agent\.js: unknown action "scale_out" \(expected plugin_request, neonvm_request, monitor_upscale, monitor_downscale\) on message \d+ \(plugin_answer pg-\d+ at [\d.]+ s\)$/);
  });

  it('a second plugin request while one is in flight', () => {
    const twice = { type: 'plugin_request', target: cu(2), lastPermit: null };
    const e = broken(
      (req) => req.type === 'tick' && 'vm' in req && req.vm === 'pg-1',
      (r) => ({ ...(r as object), actions: [twice, twice] }),
    );
    // hello is message 0, the 24 inits are batch 1, the first sample (t = 0) is batch 2: pg-1 is its part 1
    expect(run(e)).toThrow(/^module engine \/engines\/agent\.js: action 2 \(plugin_request\): a plugin request is already in flight on message 2 \(batch, part 1 of 24: tick pg-1 at 0 s\)$/);
  });

  it('a wake-up in the past, and an error reply', () => {
    const past = broken(
      (req) => req.type === 'plugin_answer',
      (r, req) => ({ ...(r as object), wakeAt: req.now - 1 }),
    );
    expect(run(past)).toThrow(/"wakeAt" must be (an integer )?≥ now \(\d+\), got \d+ on message \d+ \(plugin_answer pg-\d+ at [\d.]+ s\)$/);
    const err = broken(
      (req) => req.type === 'neonvm_result',
      () => ({ type: 'error', message: 'out of coffee' }),
    );
    expect(run(err)).toThrow(/: engine error: out of coffee on message \d+ \(neonvm_result pg-\d+ at [\d.]+ s\)$/);
  });
});

/**
 * End to end as `scalelab run` does it (runScenario into a folder): `kind: module` importing
 * dist/engines/external/loopback-module.js, and `kind: external` running
 * `node dist/engines/external/loopback-main.js` through the FIFO transport. Needs dist/ (`npm
 * test` builds first): skipped with a note otherwise.
 */
const LOOPBACK_MAIN = path.resolve('dist/engines/external/loopback-main.js');
const LOOPBACK_MODULE = path.resolve('dist/engines/external/loopback-module.js');
const built = fs.existsSync(LOOPBACK_MAIN) && fs.existsSync(LOOPBACK_MODULE) && fs.existsSync('dist/engines/external/watchdog.js');

describe.skipIf(!built)(`neon through runScenario: module import and child process give the built-in bytes${built ? '' : ' — SKIPPED: needs dist/ (npm run build)'}`, () => {
  /** events.jsonl and summary.json as written by runScenario into a fresh folder. */
  const written = async (scenario: Scenario): Promise<{ events: string; summary: string }> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-ext-'));
    try {
      await runScenario(scenario, { outDir: dir });
      return { events: fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8'), summary: fs.readFileSync(path.join(dir, 'summary.json'), 'utf8') };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const sets = ['duration=2h', 'output.report=false'];
  it('neon-default.yaml cut to 2 h: built-in = kind module (loopback-module.js) = kind external (loopback-main.js)', async () => {
    const builtin = await written(loadScenario('scenarios/neon-default.yaml', { sets }));
    const module = await written(loadScenario('scenarios/neon-default.yaml', { sets: [...sets, 'engine.kind=module', `engine.path=${LOOPBACK_MODULE}`] }));
    const external = await written(loadScenario('scenarios/neon-default.yaml', { sets: [...sets, 'engine.kind=external', `engine.command=[${process.execPath}, ${LOOPBACK_MAIN}]`, 'engine.timeout=20s'] }));
    expect(builtin.events.split('\n').length).toBeGreaterThan(50);
    expect(module.events).toBe(builtin.events);
    expect(module.summary).toBe(builtin.summary);
    expect(external.events).toBe(builtin.events);
    expect(external.summary).toBe(builtin.summary);
  }, 300_000);

  it('a misbehaving external engine: one line, exit-2 kind of error, nothing written', async () => {
    const script = path.join(os.tmpdir(), `scalelab-neon-nogoal-${process.pid}.mjs`);
    // answers hello, then every request with an empty step: the first sample's ticks lack goalCU
    fs.writeFileSync(
      script,
      `import readline from 'node:readline';
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const m = JSON.parse(line);
  if (m.type === 'hello') console.log(JSON.stringify({ id: 0, type: 'hello', version: 1, engine: 'neon', shape: 'vertical', batch: true }));
  else if (m.type === 'batch') console.log(JSON.stringify({ id: m.id, type: 'batch', replies: m.requests.map(() => ({ type: 'step', actions: [] })) }));
  else if (m.type === 'end') { console.log(JSON.stringify({ id: m.id, type: 'bye' })); break; }
  else console.log(JSON.stringify({ id: m.id, type: 'step', actions: [] }));
}
`,
    );
    const out = path.join(os.tmpdir(), `scalelab-neon-nogoal-out-${process.pid}`);
    try {
      const scenario = loadScenario('scenarios/neon-default.yaml', { sets: [...sets, 'engine.kind=external', `engine.command=[${process.execPath}, ${script}]`, 'engine.timeout=20s'] });
      const err = await runScenario(scenario, { outDir: out }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EngineProtocolError);
      // hello 0, the inits' batch 1, the first sample's batch 2: its first part is VM pg-1's tick
      expect((err as Error).message).toMatch(/^external engine `.*scalelab-neon-nogoal-\d+\.mjs`: .*"report\.goalCU" must be a number.* on message 2 \(batch, part 1 of 60: tick pg-1 at 0 s\)$/);
      expect((err as Error).message).not.toContain('\n');
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(script, { force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a vertical policy of ones own (defineVerticalEngine) drives the neon world', () => {
  // The one-VM cluster of test/neon-run.test.ts ("timings worked by hand"): steady load 1.8
  // runnable threads, upstream latencies, no request jitter.
  const text = `
name: neon-own-policy
seed: 1
duration: 10m
engine: { name: neon }
cluster:
  host: { memory_overhead: 0, initial_loadavg: steady }
  neon: { plugin_latency: 10ms, reconcile_delay: 500ms, neonvm_latency: 1s, monitor_latency: 5ms, request_jitter: 0s }
  members: [ { name: n, threads: 16, memory: 64GiB } ]
  vms:
    - name: pg
      neon: { min_cu: 1, max_cu: 8, cu: 2 }
      load: { base: 1.8 }
output: { report: false, timeseries: false }
`;
  /** A naive agent: ask the plugin for the goal at once, resize to whatever it grants; no vm-monitor. */
  interface Naive {
    using: { cpu: number; mem: number };
    inFlight: boolean;
  }
  const naive = defineVerticalEngine<Naive>({
    name: 'naive',
    init: (vm) => ({ state: { using: vm.using, inFlight: false } }),
    tick(s, req) {
      if (req.metrics === undefined) return { state: s };
      const goal = Math.min(8, Math.max(1, Math.ceil(req.metrics.load1 / 0.9 / 0.25)));
      const want = cu(goal);
      const actions = !s.inFlight && want.cpu !== s.using.cpu ? [{ type: 'plugin_request' as const, target: want, lastPermit: null }] : [];
      return { state: { ...s, inFlight: s.inFlight || actions.length > 0 }, actions, report: { goalCU: goal } };
    },
    pluginAnswer(s, permit) {
      const grows = permit !== null && permit.cpu !== s.using.cpu;
      return { state: { ...s, inFlight: false }, actions: grows ? [{ type: 'neonvm_request' as const, current: s.using, target: permit }] : [] };
    },
    neonvmResult: (s, ok) => ({ state: ok ? { ...s, using: { cpu: 2000, mem: 8 * GiB } } : s }),
  });

  it('scales 2 → 8 CU at the times worked by hand', () => {
    const scenario = asModule(parseScenarioText(text, 'own.yaml'));
    const events: Array<{ time_s: number; type: string }> = [];
    const session = openModuleEngine(LABEL, naive, neonHello(scenario), true);
    const sim = runNeonExternal(scenario, { event: (l) => events.push(JSON.parse(l)) }, session);
    session.close(scenario.duration);
    const m = sim.summary.metrics;
    // t = 0: load1 reads 1.80 (steady, as test/neon-run.test.ts works it), goal ceil(1.8 / 0.9 /
    // 0.25) = 8 CU, asked at once (the built-in agent first asks for its current 2 CU); at the
    // plugin 10 ms, an increase: reconcile 500 ms later grants it (510 ms), answer at 520 ms;
    // NeonVM resize 2 → 8 CU asked then, done 1 s later: 1.52 s (the built-in agent: 1.54 s).
    expect(events.filter((e) => e.type === 'resized')).toEqual([{ time_s: 1.52, type: 'resized', vm: 'pg', node: 'n', from: '0.5 vCPU/2 GiB', to: '2 vCPU/8 GiB' }]);
    // the goal 8 CU recorded from the engine's report.goalCU at t = 0
    expect(m['time_to_goal_mean']!.value).toBe(1.52);
    expect(m['below_goal_cpu_seconds']!.value).toBe(1.52);
    // 2 CU × 1.52 s + 8 CU × (600 − 1.52) s = 3.04 + 4787.84
    expect(m['cu_seconds']!.value).toBeCloseTo(4790.88, 6);
  });
});
