/**
 * The incus dialect of the engine protocol: the built-in rebalancer behind the protocol (the
 * loopback) gives the same bytes as the built-in path; the snapshot carries what the core reads;
 * the world refuses replies it cannot act on with one line naming the message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main as cliMain } from '../src/cli/main.js';
import { runnerFor, runners, runScenario, simulateScenario } from '../src/run/run.js';
import { runSweep } from '../src/workbench/sweep.js';
import { readJournal, RUNS_FILE } from '../src/workbench/journal.js';
import { clusterSnapshot, decodeIncusReply, externalIncusRunner, incusHello, runIncusExternal } from '../src/engines/external/incus.js';
import { openLoopback } from '../src/engines/external/loopback-module.js';
import { openIncusLoopback, viewOf } from '../src/engines/external/loopback/incus.js';
import { loopbackEngine } from '../src/engines/external/loopback/index.js';
import type { ModuleEngine, ModuleHandler, Sent } from '../src/engines/external/api.js';
import { openModuleEngine, provideModuleEngine } from '../src/engines/external/module.js';
import { defineRebalancingEngine } from '../src/engines/external/api.js';
import type { HelloRequest, Reply, Request } from '../src/engines/external/protocol.js';
import type { EngineSession } from '../src/engines/external/session.js';
import { EngineProtocolError } from '../src/engines/external/errors.js';
import { SKIP_REASONS, type ClusterView, type IncusAction, type SkipCounts } from '../src/engines/incus/engine.js';
import type { Micros } from '../src/kernel/time.js';
import { runIncus } from '../src/run/incus.js';
import { InputError } from '../src/scenario/errors.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';

/** What a module session would hand the engine and take back: every message through JSON. */
const codec = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

interface Transcript {
  sent: Sent[];
  replies: Reply[];
  closedAt: Micros[];
}

const newTranscript = (): Transcript => ({ sent: [], replies: [], closedAt: [] });

/** `engine` with every request and reply its handler sees written down (`end` as `closedAt`). */
function logging(engine: ModuleEngine, log: Transcript): ModuleEngine {
  return {
    open(hello) {
      const h = engine.open(hello);
      return {
        engine: h.engine,
        handle(req) {
          if (req.type === 'end') log.closedAt.push(req.now);
          else log.sent.push(req);
          const reply = h.handle(req);
          if (req.type !== 'end') log.replies.push(codec(reply));
          return reply;
        },
      };
    },
  };
}

/** A module session (core's, with the JSON codec) over `engine`, as `kind: module` opens it. */
const moduleSession = (engine: ModuleEngine) => (hello: HelloRequest) => openModuleEngine('module engine ./p.js', engine, hello, true);

/** Everything a run writes through its sinks, and its summary.json text. */
function outputsOf(run: (sinks: { event(l: string): void; timeseries(l: string): void }) => { summary: unknown }): { events: string[]; series: string[]; summary: string } {
  const events: string[] = [];
  const series: string[] = [];
  const sim = run({ event: (l) => events.push(l), timeseries: (l) => series.push(l) });
  return { events, series, summary: JSON.stringify(sim.summary, null, 2) };
}

/** The loopback engine through a module session with the JSON codec, logged. */
function loopbackRun(scenario: Scenario, log: Transcript) {
  return outputsOf((sinks) => runIncusExternal(scenario, sinks, moduleSession(logging(loopbackEngine, log))));
}

describe('builtin vs the loopback behind the protocol: identical bytes', () => {
  // each scenario once built in and once through the protocol (JSON codec both ways); the
  // request counts show which entry points the scenario exercises
  const cases: [string, string[], string[]][] = [
    ['scenarios/incus-flipflop.yaml', [], ['init', 'tick', 'migration_result']],
    ['scenarios/incus-uint8-overflow.yaml', [], ['init', 'tick']],
    // the lxc/incus#2808 panic: daemon restarts and leader changes
    ['scenarios/incus-restricted.yaml', [], ['init', 'tick', 'migration_result', 'daemon_start', 'leader_change']],
    ['scenarios/incus-flipflop.yaml', ['engine.variant=corrected'], ['init', 'tick']],
  ];
  for (const [file, sets, types] of cases) {
    it(`${file} ${sets.join(' ')}: events.jsonl, timeseries.csv and summary.json`, () => {
      const scenario = loadScenario(file, { sets });
      const builtin = outputsOf((sinks) => runIncus(scenario, sinks));
      const log = newTranscript();
      const loop = loopbackRun(scenario, log);
      expect(loop.events.length).toBe(builtin.events.length);
      expect(loop.events).toEqual(builtin.events);
      expect(loop.series).toEqual(builtin.series);
      expect(loop.summary).toBe(builtin.summary);
      expect(builtin.events.length).toBeGreaterThan(100);
      expect([...new Set(log.sent.map((s) => s.type))].sort()).toEqual([...types].sort());
      expect(log.closedAt).toEqual([scenario.duration]);
    });
  }

  it('externalIncusRunner (the runners table entry) opens the session with the incus hello', () => {
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=1h'] });
    const hellos: HelloRequest[] = [];
    const loop = outputsOf((sinks) =>
      externalIncusRunner(scenario, sinks, (s, hello) => {
        expect(s).toBe(scenario);
        hellos.push(hello);
        return openLoopback(hello, true);
      }),
    );
    expect(hellos.map((h) => [h.engine, h.shape, h.members])).toEqual([['incus', 'rebalancing', ['left', 'right']]]);
    expect(loop).toEqual(outputsOf((sinks) => runIncus(scenario, sinks)));
  });

  it('the first replies of incus-flipflop, worked by hand from the task schedule', () => {
    // left leads; its daemon started 3h 0m 20s before the run (uptime), so startedAt = −10,820 s.
    // Version 7.0 skips the first minute (task.SkipFirst, 6.21+): ticks at −10,760 s + k·60 s.
    // engine.ts:nextTick at 0: k = ceil(10,760 / 60) = 180 → −10,760 + 10,800 = 40 s.
    // Tick at 40 s: minutes since start = 10,860 / 60 = 181, 181 % interval 2 = 1 → not due,
    // wake a minute later (100 s). Tick at 100 s: 10,920 / 60 = 182, 182 % 2 = 0 → run 1 starts
    // (upstream cmd/incusd/api_cluster_rebalance.go: round(elapsed minutes) % interval == 0).
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=3m'] });
    const log = newTranscript();
    loopbackRun(scenario, log);
    expect(log.sent.slice(0, 3).map((s) => [s.id, s.type, s.now])).toEqual([
      [1, 'init', 0],
      [2, 'tick', 40_000_000],
      [3, 'tick', 100_000_000],
    ]);
    expect(log.replies[0]).toEqual({ type: 'step', actions: [], wakeAt: 40_000_000 });
    expect(log.replies[1]).toEqual({ type: 'step', actions: [], wakeAt: 100_000_000 });
    const third = log.replies[2] as unknown as { actions: { type: string; run?: number; leader?: number }[] };
    expect(third.actions[0]).toMatchObject({ type: 'run_started', run: 1, leader: 0 });
  });
});

describe('hello', () => {
  it('carries the core configuration and the names in index order', () => {
    const hello = incusHello(loadScenario('scenarios/incus-flipflop.yaml'));
    expect(hello).toMatchObject({ id: 0, type: 'hello', now: 0, engine: 'incus', shape: 'rebalancing', variant: 'faithful', seed: 3 });
    expect(hello.end).toBe(6 * 3600 * 1_000_000); // duration: 6h
    expect(hello.members).toEqual(['left', 'right']);
    expect(hello.projects).toEqual(['default']);
    expect(hello.vms).toEqual(['app-1', 'app-2', 'app-3']); // name app, count 3
    // interval 2 min, threshold 10 %, cooldown 1M = one minute in Incus syntax = 60,000,000 µs, batch 1
    expect((hello.core as { config: unknown }).config).toEqual({ interval: 2, threshold: 10, cooldown: 60_000_000, batch: 1 });
    expect((hello.core as { options: { version: string } }).options.version).toBe('7.0');
  });
});

// ---------------------------------------------------------------------------------------------
// the snapshot

const member = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  arch: 'x86_64',
  threads: 16,
  memoryTotal: 68_719_476_736,
  memoryUsed: 30_064_771_072,
  load1: 9.5,
  state: 'online' as const,
  scheduler: 'all' as const,
  groups: ['default'],
  startedAt: 0,
  ...extra,
});
const vm = (name: string, project: number, on: number) => ({
  name,
  project,
  member: on,
  running: true,
  stateful: true,
  blockingDevices: false,
  migrating: false,
  lastMove: null,
  limitsCpu: 4,
  limitsMemory: 8_589_934_592,
  cpuUsage: 2.5,
  memoryUsage: 4_294_967_296,
});

/** A hand-made view: VMs 0 web-2, 1 db, 2 web-10 on m1 (db in the second project); 3 web-1 on m2. */
function handView(): ClusterView {
  const vms = [vm('web-2', 0, 0), vm('db', 1, 0), vm('web-10', 0, 0), vm('web-1', 0, 1)];
  const lists = [[2, 0, 1], [3]];
  return {
    members: [member('m1'), member('m2', { reachable: false, startedAt: -5_000_000 })],
    vms,
    projects: [
      { name: 'default', restricted: false, clusterGroups: [] },
      { name: 'team', restricted: true, clusterGroups: ['default'], clusterTarget: 'allow' },
    ],
    leader: 0,
    mapRandom: 2_718_281_828,
    vmsOn: (m) => lists[m]!,
  };
}

describe('the cluster snapshot', () => {
  it('is the view without vmsOn, with defaults written out, in a fixed key order', () => {
    const text = JSON.stringify(clusterSnapshot(handView()));
    // member 1: `reachable` absent means reachable; project 0: clusterTarget absent means block; VM: evacuate absent means auto
    expect(text.startsWith('{"members":[{"name":"m1","arch":"x86_64","threads":16,"memoryTotal":68719476736,"memoryUsed":30064771072,"load1":9.5,"state":"online","scheduler":"all","groups":["default"],"startedAt":0,"reachable":true},')).toBe(true);
    expect(text).toContain('{"name":"m2","arch":"x86_64","threads":16,"memoryTotal":68719476736,"memoryUsed":30064771072,"load1":9.5,"state":"online","scheduler":"all","groups":["default"],"startedAt":-5000000,"reachable":false}');
    expect(text).toContain('{"name":"web-2","project":0,"member":0,"running":true,"stateful":true,"blockingDevices":false,"evacuate":"auto","migrating":false,"lastMove":null,"limitsCpu":4,"limitsMemory":8589934592,"cpuUsage":2.5,"memoryUsage":4294967296}');
    expect(text).toContain('"projects":[{"name":"default","restricted":false,"clusterGroups":[],"clusterTarget":"block"},{"name":"team","restricted":true,"clusterGroups":["default"],"clusterTarget":"allow"}]');
    expect(text.endsWith('"leader":0,"mapRandom":2718281828}')).toBe(true);
  });

  it('a member\'s VMs are derived in database order: project index, then name', () => {
    // on m1: web-2 (project 0), db (project 1), web-10 (project 0). Project 0 first; "web-10" < "web-2"
    // because '1' < '2'; then db → [2, 0, 1], as insertVm keeps the world's list
    const view = viewOf(codec(clusterSnapshot(handView())));
    expect(view.vmsOn(0)).toEqual([2, 0, 1]);
    expect(view.vmsOn(1)).toEqual([3]);
    expect(view.leader).toBe(0);
  });

  it('the loopback refuses a cluster it cannot read', () => {
    const snap = codec(clusterSnapshot(handView()));
    expect(() => viewOf({ ...snap, vms: [{ ...snap.vms[0]!, member: 7 }] })).toThrow('"cluster.vms[0].member" 7 is not a member index');
    expect(() => viewOf({ ...snap, leader: 2 })).toThrow('"cluster.leader" 2 is not -1 or a member index');
    // a live snapshot (the bridge's input) with a field missing or mistyped is named, not read as undefined
    expect(() => viewOf({ ...snap, members: [{ ...snap.members[0]!, load1: '9.5' as unknown as number }, snap.members[1]!] })).toThrow('"cluster.members[0].load1" must be a number, got "9.5"');
    const { cpuUsage: _gone, ...noUsage } = snap.vms[2]!;
    expect(() => viewOf({ ...snap, vms: [snap.vms[0]!, snap.vms[1]!, noUsage as typeof snap.vms[0]] })).toThrow('"cluster.vms[2].cpuUsage" must be a number (cores), got nothing');
    expect(() => viewOf({ ...snap, projects: [{ ...snap.projects[0]!, clusterTarget: 'deny' as 'block' }] })).toThrow('"cluster.projects[0].clusterTarget" must be block or allow, got "deny"');
    expect(() => viewOf({ ...snap, mapRandom: 0.5 })).toThrow('"cluster.mapRandom" must be an integer, got 0.5');
  });
});

// ---------------------------------------------------------------------------------------------
// replies the world refuses

describe('replies the world cannot act on', () => {
  const asked = { engine: 'module engine ./p.js', id: 3, type: 'tick', now: 600_000_000 };
  const view = handView();
  const step = (actions: unknown[], wakeAt: unknown = 660_000_000): Reply => ({ type: 'step', actions, wakeAt }) as unknown as Reply;
  const migrate = (fields: Record<string, unknown>) => ({ type: 'migrate', run: 1, vm: 0, from: 0, to: 1, targetScore: 12, expectedScore: 40, ...fields });
  const cases: [string, Reply, string][] = [
    ['an unknown action', step([{ type: 'scale_out' }]), 'action 1 (scale_out): unknown action "scale_out" (expected run_started, arch_checked, migrate, stamp_last_move, run_finished)'],
    ['a VM index out of range', step([migrate({ vm: 4 })]), 'action 1 (migrate): "vm" 4 is not a VM index (the cluster has 4 VMs)'],
    ['a move from a member the VM is not on', step([migrate({ vm: 3, from: 0 })]), 'action 1 (migrate): "from" 0 is not the member VM web-1 is on (1)'],
    ['two moves of one VM', step([migrate({}), migrate({})]), 'action 2 (migrate): VM web-2 is already migrating'],
    ['scores not one per member', step([{ type: 'run_started', run: 1, leader: 0, scores: [71], archOrder: ['x86_64'] }]), 'action 1 (run_started): "scores" must be 2 numbers or nulls, one per member'],
    ['an unknown skip reason', step([{ type: 'run_finished', run: 1, migrated: 0, outcome: 'done', skips: { bored: 1 } }]), 'action 1 (run_finished): unknown skip reason "bored"'],
    ['a missing wakeAt', { type: 'step', actions: [] } as Reply, '"wakeAt" is required in the incus dialect'],
    ['a fractional wakeAt', step([], 1.5), '"wakeAt" must be an integer (µs) or null'],
    ['an engine error', { type: 'error', message: 'out of ideas' }, 'engine error: out of ideas'],
  ];
  for (const [what, reply, message] of cases) {
    it(`${what}: one line naming message 3`, () => {
      let err: unknown;
      try {
        decodeIncusReply(reply, view, asked);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineProtocolError);
      expect(err).toBeInstanceOf(InputError);
      const text = (err as Error).message;
      expect(text.startsWith(`module engine ./p.js: ${message}`)).toBe(true);
      expect(text.endsWith(' on message 3 (tick at 600 s)')).toBe(true);
      expect(text).not.toContain('\n');
    });
  }

  it('accepts a valid step as it is, and null for no tick', () => {
    const actions = [{ type: 'run_started', run: 1, leader: 0, scores: [71, null], archOrder: ['x86_64'] }, migrate({})];
    expect(decodeIncusReply(step(actions, null), view, asked)).toEqual({ actions, wakeAt: null });
  });
});

// ---------------------------------------------------------------------------------------------
// a policy of our own, through the runner

/** An engine that moves app-1 from left to right at its first tick, then ticks once more. */
function movesOnce(seen: Sent[]): ModuleHandler {
  return {
    engine: 'incus',
    handle(req: Sent): Reply {
      seen.push(req);
      switch (req.type) {
        case 'init':
          return { type: 'step', actions: [], wakeAt: 30_000_000 };
        case 'tick':
          if (req.now !== 30_000_000) return { type: 'step', actions: [], wakeAt: null };
          return {
            type: 'step',
            actions: [
              { type: 'run_started', run: 1, leader: 0, scores: [60, 20], archOrder: ['x86_64'] },
              { type: 'migrate', run: 1, vm: 0, from: 0, to: 1, targetScore: 20, expectedScore: 40 },
            ],
            wakeAt: null,
          };
        case 'migration_result':
          return {
            type: 'step',
            actions: [
              ({ type: 'stamp_last_move', run: 1, vm: 0, value: Math.floor(req.now / 1e6) } as IncusAction),
              { type: 'run_finished', run: 1, migrated: 1, outcome: 'done', skips: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as SkipCounts },
            ],
            // earlier than now: the world clamps it to now (a tick at the same instant)
            wakeAt: req.now - 1,
          };
        default:
          return { type: 'bye' };
      }
    },
  };
}

describe('a policy of our own', () => {
  it('its actions are carried out by the world, and the next snapshot shows them', () => {
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=10m'] });
    const seen: Sent[] = [];
    const log = newTranscript();
    const out = outputsOf((sinks) => runIncusExternal(scenario, sinks, moduleSession(logging({ open: () => movesOnce(seen) }, log))));
    const events = out.events.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = events.filter((e) => ['rebalance_run', 'migration_started', 'migration_done', 'rebalance_done'].includes(e['type'] as string));
    expect(mine.map((e) => e['type'])).toEqual(['rebalance_run', 'migration_started', 'migration_done', 'rebalance_done']);
    expect(mine[0]).toEqual({ time_s: 30, type: 'rebalance_run', run: 1, leader: 'left', arch_order: ['x86_64'], scores: { left: 60, right: 20 } });
    expect(mine[1]).toMatchObject({ time_s: 30, type: 'migration_started', vm: 'app-1', from: 'left', to: 'right', live: true, target_score: 20, expected_score: 40 });
    const doneAt = mine[2]!['time_s'] as number;
    expect(mine[3]).toEqual({ time_s: doneAt, type: 'rebalance_done', run: 1, migrated: 1, outcome: 'done', skipped: {} });
    // requests: init, the tick at 30 s, the migration's result, the tick the clamped wakeAt asked
    // for, and the session's end
    expect(seen.map((s) => s.type)).toEqual(['init', 'tick', 'migration_result', 'tick', 'end']);
    const last = seen[3] as Sent & { cluster: { vms: { member: number; lastMove: number | null; migrating: boolean }[] } };
    expect(last.now).toBe(seen[2]!.now);
    expect(last.cluster.vms[0]).toMatchObject({ member: 1, migrating: false, lastMove: Math.floor(doneAt) });
    // the result's own snapshot already shows the VM landed: the world moves it before asking
    expect((seen[2] as Sent & { cluster: { vms: { member: number }[] } }).cluster.vms[0]!.member).toBe(1);
    expect((seen[2] as Sent & { ok: boolean }).ok).toBe(true);
    expect(log.closedAt).toEqual([600_000_000]);
  });

  it('a refused reply fails the run with one line and the session is still closed', () => {
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=10m'] });
    const log = newTranscript();
    const bad: ModuleHandler = {
      engine: 'incus',
      handle: (req) => (req.type === 'init' ? { type: 'step', actions: [], wakeAt: 30_000_000 } : req.type === 'end' ? { type: 'bye' } : ({ type: 'step', actions: [{ type: 'migrate', run: 1, vm: 0, from: 1, to: 0, targetScore: 0, expectedScore: 0 }], wakeAt: null } as Reply)),
    };
    expect(() => runIncusExternal(scenario, {}, moduleSession(logging({ open: () => bad }, log)))).toThrow('built-in engine incus: action 1 (migrate): "from" 1 is not the member VM app-1 is on (0) on message 2 (tick at 30 s)');
    expect(log.closedAt).toEqual([600_000_000]);
  });

  it('a failure to close after a failed run does not hide the run\'s error', () => {
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=10m'] });
    const session: EngineSession = {
      hello: { id: 0, type: 'hello', version: 1 },
      call: () => ({ type: 'error', message: 'no' }),
      callMany: () => [],
      close: () => {
        throw new Error('close failed');
      },
    };
    expect(() => runIncusExternal(scenario, {}, session)).toThrow('built-in engine incus: engine error: no on message 1 (init at 0 s)');
  });

  it('the reply to init may not act', () => {
    const scenario = loadScenario('scenarios/incus-flipflop.yaml', { sets: ['duration=10m'] });
    const eager: ModuleHandler = { engine: 'incus', handle: () => ({ type: 'step', actions: [({ type: 'stamp_last_move', run: 1, vm: 0, value: 0 } as IncusAction)], wakeAt: null }) };
    expect(() => runIncusExternal(scenario, {}, moduleSession({ open: () => eager }))).toThrow('the reply to init may not carry actions on message 1 (init at 0 s)');
  });
});

describe('the loopback handler', () => {
  it('answers end with bye and an unknown request with an error', () => {
    const hello = incusHello(loadScenario('scenarios/incus-flipflop.yaml')) as HelloRequest;
    const h = openIncusLoopback(hello);
    expect(h.engine).toBe('incus');
    expect(h.handle({ id: 9, now: 0, type: 'end' })).toEqual({ type: 'bye' });
    expect(h.handle({ id: 9, now: 0, type: 'observe', group: 'web', records: [] } as Sent)).toEqual({ type: 'error', message: 'the incus dialect has no request "observe"' });
    expect(() => h.handle({ id: 1, now: 0, type: 'tick', cluster: clusterSnapshot(handView()) } as Sent)).toThrow('tick before init');
  });
});

// ---------------------------------------------------------------------------------------------
// whole runs through the scenario's engine.kind: the files on disk

const built = fs.existsSync('dist/engines/external/loopback-main.js') && fs.existsSync('dist/engines/external/loopback-module.js');
const FILES = ['summary.json', 'timeseries.csv', 'events.jsonl'];

describe.skipIf(!built)(`engine.kind module and external through runScenario and the CLI${built ? '' : ' — SKIPPED: needs dist/ (npm run build)'}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-ext-incus-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => {
    delete process.env['SCALELAB_MODULE_CODEC'];
  });
  const main = path.resolve('dist/engines/external/loopback-main.js');
  const moduleFile = path.resolve('dist/engines/external/loopback-module.js');

  async function filesOf(file: string, sets: string[], out: string): Promise<Record<string, string>> {
    const scenario = loadScenario(file, { sets: [...sets, 'output.report=false'] });
    // the kind picks the runner: the built-in one only for the built-in engine
    expect(runnerFor(scenario) === runners.get('incus')).toBe(sets.length === 0);
    await runScenario(scenario, { outDir: out });
    return Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
  }

  it('incus-uint8-overflow: built-in, kind module (loopback-module.js, codec) and kind external (node loopback-main.js) write identical files', async () => {
    const file = 'scenarios/incus-uint8-overflow.yaml';
    const builtin = await filesOf(file, [], path.join(tmp, 'builtin'));
    process.env['SCALELAB_MODULE_CODEC'] = '1';
    const mod = await filesOf(file, ['engine.kind=module', `engine.path=${moduleFile}`], path.join(tmp, 'module'));
    delete process.env['SCALELAB_MODULE_CODEC'];
    const ext = await filesOf(file, ['engine.kind=external', `engine.command=[${process.execPath}, ${main}]`], path.join(tmp, 'external'));
    expect(builtin['events.jsonl']!.length).toBeGreaterThan(1000);
    for (const f of FILES) {
      expect(mod[f], `module ${f}`).toBe(builtin[f]);
      expect(ext[f], `external ${f}`).toBe(builtin[f]);
    }
  });

  it('a sweep of the loopback module gives the built-in metrics run by run, in this thread and with 2 workers', async () => {
    // flipflop cut to 1 h, faithful and corrected, 2 seeds each: 4 runs per sweep
    const sweepOf = async (sets: string[], workers: number, dir: string): Promise<string[]> => {
      const out = path.join(tmp, dir);
      await runSweep({ scenarioFile: 'scenarios/incus-flipflop.yaml', sets: ['duration=1h', ...sets], flags: { grid: ['engine.variant=faithful,corrected'], seeds: '2' }, outDir: out, workers, report: false });
      // the journal's order is the order runs finished in: compare run by run
      return readJournal(path.join(out, RUNS_FILE))
        .runs.map((r) => JSON.stringify([r.point, r.seed, r.metrics]))
        .sort();
    };
    const builtin = await sweepOf([], 0, 'sweep-builtin');
    const mod = ['engine.kind=module', `engine.path=${moduleFile}`];
    expect(builtin).toHaveLength(4);
    expect(builtin.filter((r) => /"migrations":[1-9]/.test(r))).toHaveLength(2); // faithful moves (ping-pongs), corrected does not
    expect(await sweepOf(mod, 0, 'sweep-module-0')).toEqual(builtin);
    expect(await sweepOf(mod, 2, 'sweep-module-2')).toEqual(builtin);
  });

  it('an external engine the world refuses: one line naming the message, exit 2, nothing written', async () => {
    // served by loopback-main from a module file: moves app-1 off a member it is not on
    const policy = path.join(tmp, 'wrong-member.mjs');
    fs.writeFileSync(
      policy,
      [
        'export default { open(hello) { return { engine: hello.engine, handle(req) {',
        "  if (req.type === 'end') return { type: 'bye' };",
        "  if (req.type === 'init') return { type: 'step', actions: [], wakeAt: 30000000 };",
        "  return { type: 'step', actions: [{ type: 'migrate', run: 1, vm: 0, from: 1, to: 0, targetScore: 1, expectedScore: 2 }], wakeAt: null };",
        '} }; } };',
        '',
      ].join('\n'),
    );
    const out = path.join(tmp, 'refused');
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.join(' '));
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await cliMain(['node', 'scalelab', 'run', 'scenarios/incus-flipflop.yaml', '--out', out, '-q', '--set', 'engine.kind=external', '--set', `engine.command=[${process.execPath}, ${main}, ${policy}]`]);
    } finally {
      spy.mockRestore();
      stderr.mockRestore();
    }
    expect(code).toBe(2);
    const text = errors.join('').trim();
    expect(text).toContain(`external engine \`${process.execPath} ${main} ${policy}\`: action 1 (migrate): "from" 1 is not the member VM app-1 is on (0) on message 2 (tick at 30 s)`);
    expect(text.split('\n').filter((l) => l.trim() !== '')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// a user's rebalancer written with defineRebalancingEngine, as engine.kind: module

describe('a memory balancer of our own (defineRebalancingEngine, kind: module)', () => {
  const GiB = 2 ** 30;
  /**
   * Every minute: move the first VM of the member with the most memory used to the one with the
   * least, when that narrows the gap; wait for each move.
   */
  const balancer = defineRebalancingEngine<{ moving: number }>({
    name: 'memory balancer',
    init: (_c, now) => ({ state: { moving: -1 }, wakeAt: now + 60_000_000 }),
    tick: (s, c, now) => {
      const used = c.members.map((m) => m.memoryUsed);
      const hi = used.indexOf(Math.max(...used));
      const lo = used.indexOf(Math.min(...used));
      const gap = used[hi]! - used[lo]!;
      const vm = c.vms.findIndex((v) => v.member === hi && !v.migrating);
      if (vm < 0 || Math.abs(gap - 2 * c.vms[vm]!.memoryUsage) >= gap) return { state: s, wakeAt: now + 60_000_000 };
      return { state: { moving: vm }, actions: [{ type: 'migrate', run: 1, vm, from: hi, to: lo, targetScore: 0, expectedScore: 0 }], wakeAt: null };
    },
    migrationResult: (s, _ok, _c, now) => ({ state: { moving: -1 }, actions: [{ type: 'stamp_last_move', vm: s.moving, value: Math.floor(now / 1e6) } as IncusAction], wakeAt: now + 60_000_000 }),
  });

  it('moves a-1 from m1 to m2 at 60 s, then nothing (worked by hand from the memory figures)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-incus-policy-'));
    try {
      const file = path.join(dir, 'balancer.mjs');
      fs.writeFileSync(file, '// served by provideModuleEngine in the test\n');
      provideModuleEngine(file, balancer);
      const yaml = [
        'name: memory-balance',
        'seed: 1',
        'duration: 10m',
        `engine: { name: incus, kind: module, path: ${file} }`,
        'cluster:',
        '  leader: m1',
        '  load_step: 30s',
        '  host: { overhead_cores: 0, memory_overhead: 2GiB }',
        '  members:',
        '    - { name: m1, threads: 8, memory: 32GiB }',
        '    - { name: m2, threads: 8, memory: 32GiB }',
        '  vms:',
        '    - { name: a, count: 3, member: m1, limits: { cpu: 2, memory: 8GiB }, memory_used: 4GiB, migration: { stateful: true } }',
        '',
      ].join('\n');
      const scenario = parseScenarioText(yaml, path.join(dir, 'memory-balance.yaml'));
      expect(scenario.engine.kind).toBe('module');
      const events: Record<string, unknown>[] = [];
      simulateScenario(scenario, { event: (l) => events.push(JSON.parse(l) as Record<string, unknown>) });
      // at 60 s: m1 uses 2 GiB (host) + 3 × 4 GiB = 14 GiB, m2 2 GiB: gap 12 GiB; moving a-1
      // (4 GiB) leaves |12 − 2 × 4| = 4 GiB < 12 → move. Afterwards m1 10 GiB, m2 6 GiB: gap 4;
      // moving a-2 would leave |4 − 8| = 4, not less → no further move
      const moves = events.filter((e) => (e['type'] as string).startsWith('migration_'));
      expect(moves.map((e) => [e['type'], e['vm'], e['from'], e['to']])).toEqual([
        ['migration_started', 'a-1', 'm1', 'm2'],
        ['migration_done', 'a-1', 'm1', 'm2'],
      ]);
      expect(moves[0]!['time_s']).toBe(60);
      expect(moves[1]!['time_s'] as number).toBeGreaterThan(60);
      expect(moves[1]!['time_s'] as number).toBeLessThan(120);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
