/**
 * Module engines and the loopback (docs/PROTOCOL.md, docs/API.md): the module session's
 * numbering, negotiation, codec round trip, batch parts and failures; `prepareEngine`'s one-line
 * errors; the typed `define*` helpers; and the albatross, hpa and kraftcloud loopbacks against
 * decisions worked by hand from the upstream rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineRebalancingEngine, defineReplicaEngine, defineVerticalEngine, serveHello, serveMessage, type ModuleEngine, type Sent } from '../src/engines/external/api.js';
import { EngineProtocolError } from '../src/engines/external/errors.js';
import { openLoopback } from '../src/engines/external/loopback-module.js';
import { openModule, openModuleEngine, prepareEngine, provideModuleEngine } from '../src/engines/external/module.js';
import { helloFor } from '../src/engines/external/open.js';
import type { Dialect, HelloGroup, HelloRequest, Reply, Request, StepReply } from '../src/engines/external/protocol.js';
import { InputError } from '../src/scenario/errors.js';
import { loadScenario } from '../src/scenario/load.js';
import type { EngineSpec, Scenario } from '../src/scenario/types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-module-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The hello of `scenario` speaking `dialect`, its workloads as groups. */
function helloOf(scenario: Scenario, dialect: Dialect, core: unknown = null): HelloRequest {
  const groups: HelloGroup[] = scenario.workloads.map((w) => ({ name: w.name, vcpus: w.vcpus, minInstances: w.min_instances, maxInstances: w.max_instances as number, requests: w.requests !== undefined }));
  return helloFor(scenario, dialect, { core, groups });
}

const albatrossScenario = loadScenario('scenarios/albatross-quirk-corrected.yaml');

/** A module spec for a path (no file needed once `provideModuleEngine` gave it). */
function moduleSpec(p: string): EngineSpec {
  return { name: 'albatross', variant: 'corrected', config: {}, options: {}, kind: 'module', path: p, cwd: '/virtual' };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** A module engine that records what it was sent and answers empty steps (or what `answer` says). */
function recorder(answer: (req: Sent) => unknown = () => ({ type: 'step', actions: [] })): { engine: ModuleEngine; seen: Sent[] } {
  const seen: Sent[] = [];
  const engine: ModuleEngine = {
    open: () => ({
      engine: 'albatross',
      handle: (req: Sent) => {
        seen.push(req);
        return (req.type === 'end' ? { type: 'bye' } : answer(req)) as Reply;
      },
    }),
  };
  return { engine, seen };
}

const obs = (group: string): Request => ({ type: 'observe', group, records: [] });

describe('the module session', () => {
  it('numbers requests from 1, sends id/type/now first, splits a batch into parts under one id, and ends with bye', () => {
    const { engine, seen } = recorder();
    provideModuleEngine('/virtual/rec.js', engine);
    const s = openModule(moduleSpec('/virtual/rec.js'), helloOf(albatrossScenario, 'albatross'));
    expect(s.hello).toMatchObject({ version: 1, engine: 'albatross', shape: 'horizontal', batch: true });
    s.call(0, { type: 'init', group: 'steady', instances: [{ name: 'steady', primary: true }] });
    expect(s.callMany(10_000_000, [obs('steady'), obs('bursty')])).toHaveLength(2);
    s.call(20_000_000, obs('steady'));
    s.close(30_000_000);
    s.close(30_000_000); // idempotent
    expect(seen.map((r) => [r.id, r.type, r.now])).toEqual([
      [1, 'init', 0],
      [2, 'observe', 10_000_000],
      [2, 'observe', 10_000_000],
      [3, 'observe', 20_000_000],
      [4, 'end', 30_000_000],
    ]);
    expect(Object.keys(seen[1]!)).toEqual(['id', 'type', 'now', 'group', 'records']);
  });

  it('with the codec, the engine sees JSON: NaN as null, a Map as {}; in process it sees the objects', () => {
    const { engine, seen } = recorder();
    const hello = helloOf(albatrossScenario, 'albatross');
    const odd = { type: 'note', x: NaN, m: new Map([[1, 2]]) } as unknown as Request;
    openModuleEngine('module engine x', engine, hello, true).call(5, odd);
    expect(seen[0]).toEqual({ id: 1, type: 'note', now: 5, x: null, m: {} });
    openModuleEngine('module engine x', engine, hello, false).call(5, odd);
    expect((seen[1] as unknown as { m: unknown }).m).toBeInstanceOf(Map);
  });

  it('names a throw, a Promise, nothing, and a bad action, on the message they answer', () => {
    const hello = helloOf(albatrossScenario, 'albatross');
    const open = (answer: (req: Sent) => unknown) => openModuleEngine('module engine ./p.js', recorder(answer).engine, hello, false);
    expect(thrown(() => open(() => { throw new Error('division by zero'); }).call(20_000_000, obs('steady'))).message).toBe(
      'module engine ./p.js: engine error: division by zero on message 1 (observe steady at 20 s)',
    );
    expect(thrown(() => open(async () => ({ type: 'step', actions: [] })).call(0, obs('steady'))).message).toContain('handle must be synchronous (it returned a Promise) on message 1');
    expect(thrown(() => open(() => undefined).call(0, obs('steady'))).message).toContain('handle returned nothing');
    const bad = (req: Sent) => (req.type === 'observe' && 'group' in req && req.group === 'bursty' ? { type: 'step', actions: [{ type: 'scale_out' }] } : { type: 'step', actions: [] });
    const e = thrown(() => open(bad).callMany(10_000_000, [obs('steady'), obs('bursty')]));
    expect(e).toBeInstanceOf(EngineProtocolError);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('module engine ./p.js: unknown action "scale_out" (expected spawn, spawn_refused, destroy, orphan, adopt, note) on message 1 (batch, part 2 of 2: observe bursty at 10 s)');
  });

  it('after a failure, close releases the handler without sending end', () => {
    let closed = 0;
    const seen: string[] = [];
    const engine: ModuleEngine = {
      open: () => ({ engine: 'albatross', handle: (r: Sent) => { seen.push(r.type); throw new Error('x'); }, close: () => void closed++ }),
    };
    const s = openModuleEngine('module engine ./p.js', engine, helloOf(albatrossScenario, 'albatross'), false);
    expect(() => s.call(0, obs('steady'))).toThrow(EngineProtocolError);
    s.close(1);
    expect(seen).toEqual(['observe']);
    expect(closed).toBe(1);
  });

  it('refuses a version range that misses ours, a dialect mismatch, an open that throws', () => {
    const hello = helloOf(albatrossScenario, 'albatross');
    const v23: ModuleEngine = { protocol: { min: 2, max: 3 }, open: () => { throw new Error('never opened'); } };
    expect(thrown(() => openModuleEngine('module engine ./p.js', v23, hello)).message).toBe(
      'module engine ./p.js: no common protocol version: scalelab speaks 1–1, the engine 2–3 on message 0 (hello at 0 s)',
    );
    const hpa: ModuleEngine = { open: () => ({ engine: 'hpa', handle: () => ({ type: 'bye' }) }) };
    expect(thrown(() => openModuleEngine('module engine ./p.js', hpa, hello)).message).toBe(
      "module engine ./p.js: speaks hpa (horizontal), the scenario's engine is albatross on message 0 (hello at 0 s)",
    );
    const boom: ModuleEngine = { open: () => { throw new Error('bad config'); } };
    expect(thrown(() => openModuleEngine('module engine ./p.js', boom, hello)).message).toBe('module engine ./p.js: engine error: bad config on message 0 (hello at 0 s)');
  });

  it('is a programming error (not an InputError) without prepareEngine', () => {
    const e = thrown(() => openModule(moduleSpec('/virtual/never-loaded.js'), helloOf(albatrossScenario, 'albatross')));
    expect(e).not.toBeInstanceOf(InputError);
    expect(e.message).toBe('module engine ./never-loaded.js not loaded: await prepareEngine(scenario) first');
  });
});

describe('prepareEngine', () => {
  const scenarioWith = (file: string): Scenario => ({ ...albatrossScenario, engine: { ...albatrossScenario.engine, kind: 'module', path: path.join(tmp, file), cwd: tmp } });
  const write = (file: string, text: string): void => fs.writeFileSync(path.join(tmp, file), text);

  it('loads a default export or a named "engine", once per path', async () => {
    write('a.mjs', 'export default { open: () => ({ engine: "albatross", handle: () => ({ type: "step", actions: [] }) }) };\n');
    write('b.mjs', 'export const engine = { open: () => ({ engine: "albatross", name: "b", handle: () => ({ type: "bye" }) }) };\n');
    for (const f of ['a.mjs', 'b.mjs']) {
      const s = scenarioWith(f);
      await prepareEngine(s);
      await prepareEngine(s);
      expect(openModule(s.engine, helloOf(s, 'albatross')).hello.engine).toBe('albatross');
    }
  });

  it('is a no-op for the other kinds', async () => {
    await expect(prepareEngine(albatrossScenario)).resolves.toBeUndefined();
  });

  it('says in one line what is wrong with the module', async () => {
    write('none.mjs', 'export const x = 1;\n');
    write('syntax.mjs', 'export default {\n');
    write('policy.ts', 'export default {}\n');
    const message = async (f: string): Promise<string> => {
      try {
        await prepareEngine(scenarioWith(f));
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('expected an InputError');
    };
    expect(await message('none.mjs')).toBe('engine.path ./none.mjs: exports no engine (default export or "engine" with open())');
    expect(await message('missing.mjs')).toBe('engine.path ./missing.mjs: no such file');
    expect(await message('syntax.mjs')).toMatch(/^engine\.path \.\/syntax\.mjs: cannot load it: /);
    expect(await message('policy.ts')).toBe('engine.path ./policy.ts: a module engine must be JavaScript (.js or .mjs); compile it first');
  });
});

describe('the typed helpers', () => {
  it('defineReplicaEngine keeps a state per group and wants only what it implements', () => {
    const engine = defineReplicaEngine<{ rounds: number }>({
      name: 'counter',
      init: (group, instances, now) => ({ state: { rounds: 0 }, wakeAt: now + 10_000_000 }),
      observe: (state, req, now) => ({ state: { rounds: state.rounds + 1 }, actions: state.rounds === 1 ? [{ type: 'spawn', name: `${req.group}-2` }] : [], wakeAt: now + 10_000_000 }),
      gone: (state) => ({ state }),
    });
    const hello = helloFor(albatrossScenario, 'replica', { core: null, groups: [{ name: 'web', vcpus: 1, minInstances: 1, maxInstances: 4, requests: false }] });
    const s = openModuleEngine('module engine ./c.js', engine, hello, true);
    expect(s.hello).toMatchObject({ engine: 'replica', name: 'counter', wants: ['gone'] });
    const snap = { type: 'observe', group: 'web', obs: { instances: [] } } as Request;
    expect(s.call(0, { type: 'init', group: 'web', instances: [{ name: 'web', primary: true }] })).toEqual({ type: 'step', actions: [], wakeAt: 10_000_000 });
    expect(s.call(10_000_000, snap)).toEqual({ type: 'step', actions: [], wakeAt: 20_000_000 });
    expect(s.call(20_000_000, snap)).toEqual({ type: 'step', actions: [{ type: 'spawn', name: 'web-2' }], wakeAt: 30_000_000 });
    expect(s.call(25_000_000, { type: 'spawn_result', group: 'web', name: 'web-2', result: 'placed' })).toEqual({ type: 'step', actions: [] });
    expect(thrown(() => s.call(30_000_000, { ...snap, group: 'db' } as Request)).message).toBe('module engine ./c.js: engine error: unknown group "db" on message 5 (observe db at 30 s)');
  });

  it('defineVerticalEngine answers unimplemented requests with an empty step, and the report rule holds', () => {
    const engine = defineVerticalEngine<number>({
      init: () => ({ state: 0 }),
      tick: (n, req) => ({ state: n + 1, ...(req.metrics !== undefined ? { report: { goalCU: 2 } } : {}) }),
    });
    const hello = helloFor(albatrossScenario, 'neon', { core: null, vms: ['vm-1'] });
    const s = openModuleEngine('module engine ./v.js', engine, hello, true);
    const r = { cpu: 1000, mem: 4 * 2 ** 30 };
    s.call(0, { type: 'init', vm: 'vm-1', using: r, min: r, max: r, monitorActive: true });
    expect(s.call(5_000_000, { type: 'tick', vm: 'vm-1', metrics: { load1: 1, load5: 1, memoryUsageBytes: 1 } })).toEqual({ type: 'step', actions: [], report: { goalCU: 2 } });
    expect(s.call(6_000_000, { type: 'neonvm_result', vm: 'vm-1', ok: true })).toEqual({ type: 'step', actions: [] });
  });

  it('defineRebalancingEngine: every incus reply carries wakeAt, the last one still ahead when the author gives none', () => {
    const engine = defineRebalancingEngine<number>({
      init: (cluster, now) => ({ state: 0, wakeAt: now + 60_000_000 }),
      tick: (n, cluster, now) => ({ state: n + 1, actions: [], wakeAt: now + 60_000_000 }),
    });
    const hello = helloFor(albatrossScenario, 'incus', { core: null, members: ['m1'], projects: ['default'], vms: [] });
    const s = openModuleEngine('module engine ./r.js', engine, hello, true);
    const cluster = { leader: 0, mapRandom: 0, members: [], vms: [], projects: [] } as unknown as Extract<Request, { type: 'tick'; cluster: unknown }>['cluster'];
    expect(s.call(0, { type: 'init', cluster } as Request)).toEqual({ type: 'step', actions: [], wakeAt: 60_000_000 });
    // no migrationResult function: the pending 60 s is still ahead at 30 s, and has passed at 70 s
    expect(s.call(30_000_000, { type: 'migration_result', ok: true, cluster })).toEqual({ type: 'step', actions: [], wakeAt: 60_000_000 });
    expect(s.call(70_000_000, { type: 'migration_result', ok: true, cluster })).toEqual({ type: 'step', actions: [], wakeAt: null });
    expect(s.call(80_000_000, { type: 'tick', cluster } as Request)).toEqual({ type: 'step', actions: [], wakeAt: 140_000_000 });
  });

  it('serveHello/serveMessage answer as an engine process would, batch parts included', () => {
    const hello = helloOf(albatrossScenario, 'albatross');
    const { handler, reply } = serveHello({ open: () => ({ engine: 'albatross', handle: (r) => { if (r.type === 'observe' && 'group' in r && r.group === 'x') throw new Error('no x'); return { type: 'step', actions: [] }; } }) }, hello);
    expect(reply).toEqual({ id: 0, type: 'hello', version: 1, engine: 'albatross', shape: 'horizontal', batch: true });
    const out = serveMessage(handler!, { id: 7, type: 'batch', now: 10, requests: [obs('steady'), obs('x')] });
    expect(out).toEqual({ id: 7, type: 'batch', replies: [{ type: 'step', actions: [] }, { type: 'error', message: 'no x' }] });
    expect(serveHello({ protocol: { min: 2, max: 3 }, open: () => { throw new Error(); } }, hello).reply).toEqual({ id: 0, type: 'hello', error: 'speaks protocol 2 to 3' });
  });
});

describe('the loopback (built-in cores behind the protocol), on hand-worked decisions', () => {
  it('albatross corrected: rounds at 95 % of one vCPU above the 90 % threshold spawn steady-clone-1 at the third high tick', () => {
    const s = openLoopback(helloOf(albatrossScenario, 'albatross', { config: albatrossScenario.engine.config, options: albatrossScenario.engine.options }), true);
    s.call(0, { type: 'init', group: 'steady', instances: [{ name: 'steady', primary: true }] });
    // a record every 10 s: utime grows by 9.5 s of CPU per 10 s of wall time on 1 vCPU → 9.5e6 / 10e6 = 95 %
    const round = (k: number): StepReply => {
      const prev = (k - 1) * 9_500_000;
      const cur = k * 9_500_000;
      const rec = { name: 'steady', utimeSec: Math.floor(cur / 1e6), utimeUsec: cur % 1e6, stimeSec: 0, stimeUsec: 0, previousAt: (k - 1) * 10_000_000, previousUtimeSec: Math.floor(prev / 1e6), previousUtimeUsec: prev % 1e6, previousStimeSec: 0, previousStimeUsec: 0 };
      return s.call(k * 10_000_000, { type: 'observe', group: 'steady', records: [rec] }) as StepReply;
    };
    // round 1: the first record albatross sees from a member reads 0 % upstream (mollymawk
    // unikernel.ml update_vm_metrics, pinned in src/engines/albatross/core.ts:updateMemberMetrics);
    // exclude_booting (corrected) leaves it out, so nothing is evaluated: no tick, no cpu
    const r1 = round(1);
    expect(r1.actions).toEqual([]);
    expect(r1.report).toEqual({ cpu: null, highTicks: 0, lowTicks: 0, inCooldown: false, cooldownStart: null });
    // rounds 2 and 3: 95 % (9500 basis points > 90 × 100) → high ticks 1, 2
    expect(round(2).report).toMatchObject({ cpu: 95, highTicks: 1 });
    expect(round(3).report).toMatchObject({ cpu: 95, highTicks: 2 });
    const r4 = round(4);
    // round 4: the third high tick (scale_up_trigger_ticks 3) → a clone of the primary, a
    // scaling action (plugin.ts:toCommand); counters reset, the cooldown starts now
    expect(r4.actions).toEqual([{ type: 'spawn', name: 'steady-clone-1', cloneOf: 'steady', scaling: 'up' }]);
    expect(r4.report).toEqual({ cpu: 95, highTicks: 0, lowTicks: 0, inCooldown: true, cooldownStart: 40_000_000 });
    // placed → created: the clone registers, which stamps the cooldown again (register_clone)
    const placed = s.call(40_020_000, { type: 'spawn_result', group: 'steady', name: 'steady-clone-1', result: 'placed' }) as StepReply;
    expect(placed.report).toMatchObject({ cooldownStart: 40_020_000 });
    expect(s.hello.wants).toBeUndefined(); // albatross wants sync, spawn_result and gone
    s.close(50_000_000);
  });

  it('hpa: 2 pods at 640 m of 1000 m requested, target 50 % → ratio 1.28 → ceil(1.28 × 2) = 3 replicas', () => {
    const scenario = loadScenario('scenarios/hpa-default.yaml');
    const s = openLoopback(helloOf(scenario, 'hpa', scenario.engine.config), true);
    const group = scenario.workloads[0]!.name;
    expect(s.call(0, { type: 'init', group, instances: [{ name: group, primary: true }] })).toEqual({ type: 'step', actions: [], wakeAt: 0 });
    const now = 3_600_000_000;
    // started long before the 5 min CPU initialisation period, ready since 10 s: both count
    const pod = (name: string) => ({ name, phase: 'Running', ready: { status: 'True', lastTransitionTime: 10_000_000 }, startTime: 0, deleted: false, requests: { cpu: 1000 }, cpu: { usage: 640, timestamp: now, window: 15_000_000 } });
    const r = s.call(now, { type: 'observe', group, obs: { specReplicas: 2, pods: [pod(group), pod(`${group}-2`)] } } as Request) as StepReply;
    // utilisation 64 % / 50 % = 1.28, outside the 0.1 tolerance; legacy path: scale-up limit max(2 × 2, 4) = 4 ≥ 3
    expect(r.desiredReplicas).toBe(3);
    expect(r.actions).toMatchObject([{ type: 'scale', from: 2, to: 3 }]);
    expect(r.wakeAt).toBe(now + 15_000_000); // the next sync, syncPeriod 15 s
    expect(r.report).toEqual({ cpu: 64, proposal: 3, ratios: [128] });
    expect(s.hello.wants).toEqual([]);
  });

  it('kraftcloud: one running instance at 900 millicores hits step 800:/100 percent → spawn 1 (100 % of 1)', () => {
    const scenario = loadScenario('scenarios/kraftcloud-nginx.yaml');
    const s = openLoopback(helloOf(scenario, 'kraftcloud'), true);
    // the first decision one period (10 ms) after t = 0
    expect(s.call(0, { type: 'init', group: 'nginx', instances: [{ name: 'nginx', primary: true }] })).toEqual({ type: 'step', actions: [], wakeAt: 10_000 });
    const now = 5_000_000;
    const inst = { id: 'nginx', state: 'running', createdAt: 0, since: 20_000, millicores: 900, inflight: 1, rps: 100, connections: 1, lastRequestAt: now };
    const r = s.call(now, { type: 'observe', group: 'nginx', obs: { instances: [inst], waiting: 0 } } as Request) as StepReply;
    expect(r.actions).toEqual([{ type: 'spawn', count: 1, from: 'nginx', reason: 'policy' }]);
    expect(r.wakeAt).toBe(5_010_000); // the next whole multiple of 10 ms after now
  });
});

describe('sweeps fix the engine', () => {
  it('refuses engine.path, engine.kind and engine.command as axes, in one line, exit 2, nothing written', async () => {
    const { runCli } = await import('./helpers.js');
    for (const axis of ['engine.path=a.js,b.js', 'engine.kind=module,external', 'engine.command[1]=a.py,b.py']) {
      const out = path.join(tmp, 'sweep-out');
      const r = await runCli('sweep', 'scenarios/albatross-default.yaml', '--grid', axis, '--workers', '0', '--out', out, '--quiet');
      expect(r.code).toBe(2);
      const key = axis.slice(0, axis.indexOf('='));
      expect(r.err.trim()).toBe(`scalelab: error: --grid: ${key}: cannot be a sweep axis: the runs of a sweep share one engine (${key.replace(/\[.*$/, '')}); run one sweep per engine and compare them`);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});

describe('runScenario with a bad module engine', () => {
  it('fails in one line before anything is written', async () => {
    const { runScenario } = await import('../src/run/run.js');
    const scenario: Scenario = { ...albatrossScenario, engine: { ...albatrossScenario.engine, kind: 'module', path: path.join(tmp, 'absent.mjs'), cwd: tmp } };
    const out = path.join(tmp, 'run-out');
    await expect(runScenario(scenario, { outDir: out })).rejects.toThrow(new InputError('engine.path ./absent.mjs: no such file'));
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('the band policy of docs/PROTOCOL.md', () => {
  const dist = path.resolve('dist/index.js');
  const built = fs.existsSync(dist);
  it.skipIf(!built)(`loads as a module engine and decides as worked by hand${built ? '' : ' — SKIPPED: dist/ not built (npm run build)'}`, async () => {
    const doc = fs.readFileSync('docs/PROTOCOL.md', 'utf8');
    const code = /<!-- protocol-example: band\.mjs -->\n```js\n([\s\S]*?)```/.exec(doc)![1]!;
    const file = path.join(tmp, 'band.mjs');
    fs.writeFileSync(file, code.replace("from 'scalelab'", `from ${JSON.stringify(pathToFileURL(dist).href)}`));
    const scenario: Scenario = { ...albatrossScenario, engine: { ...albatrossScenario.engine, name: 'replica', kind: 'module', path: file, cwd: tmp } };
    await prepareEngine(scenario);
    const hello = helloFor(scenario, 'replica', { core: null, groups: [{ name: 'web', vcpus: 1, minInstances: 1, maxInstances: 4, requests: false }] });
    const s = openModule(scenario.engine, hello);
    expect(s.hello).toMatchObject({ engine: 'replica', name: 'band 20-80 %', wants: [] });
    expect(s.call(0, { type: 'init', group: 'web', instances: [{ name: 'web', primary: true }] })).toEqual({ type: 'step', actions: [], wakeAt: 10_000_000 });
    const look = (now: number, cpuUs: number[]) =>
      s.call(now, { type: 'observe', group: 'web', obs: { instances: cpuUs.map((c, k) => ({ name: k === 0 ? 'web' : `web-${k + 1}`, phase: 'running', vcpus: 1, host: 'h', createdAt: 0, phaseSince: 0, cpuUs: c })) } } as Request);
    // 10 s: first look, nothing seen before → 0 % used, but one instance is the floor: no action
    expect(look(10_000_000, [3_000_000])).toEqual({ type: 'step', actions: [], wakeAt: 20_000_000, report: { cpu: 0 } });
    // 20 s: 9 s of CPU in 10 s on 1 vCPU = 90 % > 80 % → web-2 (the next name after the 1 initial instance)
    expect(look(20_000_000, [12_000_000])).toEqual({ type: 'step', actions: [{ type: 'spawn', name: 'web-2', scaling: 'up' }], wakeAt: 30_000_000, report: { cpu: 90 } });
    // 30 s: web used 1 s; web-2 was not seen before (its 0.5 s not counted); over 2 vCPUs × 10 s → 1e6 / 20e6 = 5 % < 20 % → the newest goes
    expect(look(30_000_000, [13_000_000, 500_000])).toEqual({ type: 'step', actions: [{ type: 'destroy', instance: 'newest', reason: 'below 20 %', scaling: 'down' }], wakeAt: 40_000_000, report: { cpu: 5 } });
    s.close(40_000_000);
  });
});
