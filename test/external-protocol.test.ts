/**
 * Protocol v1's checks (docs/PROTOCOL.md): version negotiation, the dialect handshake, the id
 * check, every dialect's action vocabulary and fields, wakeAt bounds, and the one-line failure
 * naming the message. Every expected text below is the protocol document's wording, written by
 * hand; none is printed from the code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkReply, engineLabel, negotiate, wanted } from '../src/engines/external/checked.js';
import { EngineProtocolError } from '../src/engines/external/errors.js';
import { latestSharedVersion, PROTOCOL, SHAPE, type Dialect, type HelloRequest, type Request } from '../src/engines/external/protocol.js';
import { InputError } from '../src/scenario/errors.js';
import type { EngineSpec } from '../src/scenario/types.js';

const E = 'external engine `python3 a.py`';

function hello(engine: Dialect): HelloRequest {
  return {
    id: 0,
    type: 'hello',
    now: 0,
    protocol: { min: 1, max: 1 },
    scalelab: '0.1.0',
    engine,
    variant: 'default',
    shape: SHAPE[engine],
    config: {},
    options: {},
    core: null,
    seed: 1,
    end: 3_600_000_000,
    world: { statsInterval: 10_000_000 },
  };
}

/** The failure `fn` throws: an EngineProtocolError, which is an InputError (exit 2). */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineProtocolError);
    expect(e).toBeInstanceOf(InputError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected an EngineProtocolError');
}

const observe: Request = { type: 'observe', group: 'web', records: [] };
const hpaObserve: Request = { type: 'observe', group: 'web', obs: { specReplicas: 2, pods: [] } };

describe('version negotiation (Neon VersionRange.LatestSharedVersion)', () => {
  it('picks the highest version in both ranges, or none', () => {
    expect(latestSharedVersion({ min: 1, max: 1 }, { min: 1, max: 3 })).toBe(1);
    expect(latestSharedVersion({ min: 1, max: 4 }, { min: 2, max: 3 })).toBe(3);
    expect(latestSharedVersion({ min: 1, max: 1 }, { min: 2, max: 3 })).toBeNull();
    expect(PROTOCOL).toEqual({ min: 1, max: 1 });
  });

  it('accepts a version in our range and fills engine, shape and batch', () => {
    const h = negotiate(E, hello('albatross'), '{"id":0,"type":"hello","version":1,"name":"x 1.0","wants":["sync"]}');
    expect(h).toEqual({ id: 0, type: 'hello', version: 1, engine: 'albatross', shape: 'horizontal', batch: false, name: 'x 1.0', wants: ['sync'] });
    expect(wanted(h, 'sync')).toBe(true);
    expect(wanted(h, 'gone')).toBe(false);
    expect(wanted(h, 'observe')).toBe(true); // required types are always sent
  });

  it('reports an engine that cannot speak our range, in its own words or by its choice', () => {
    expect(failure(() => negotiate(E, hello('albatross'), '{"id":0,"type":"hello","error":"speaks protocol 2 to 3"}'))).toBe(
      'external engine `python3 a.py`: no common protocol version: scalelab speaks 1–1, the engine says "speaks protocol 2 to 3" on message 0 (hello at 0 s)',
    );
    expect(failure(() => negotiate(E, hello('albatross'), '{"id":0,"type":"hello","version":2}'))).toBe(
      'external engine `python3 a.py`: no common protocol version: scalelab speaks 1–1, the engine chose 2 on message 0 (hello at 0 s)',
    );
    expect(failure(() => negotiate(E, hello('hpa'), '{"id":0,"type":"hello"}'))).toContain('the engine\'s hello names no "version"');
  });

  it('reports a dialect mismatch, and tells a replica scenario which name to write', () => {
    expect(failure(() => negotiate(E, hello('albatross'), '{"id":0,"type":"hello","version":1,"engine":"hpa"}'))).toBe(
      "external engine `python3 a.py`: speaks hpa (horizontal), the scenario's engine is albatross on message 0 (hello at 0 s)",
    );
    expect(failure(() => negotiate(E, hello('replica'), '{"id":0,"type":"hello","version":1,"engine":"albatross"}'))).toContain(
      'the engine speaks albatross; write engine.name: albatross in the scenario',
    );
    expect(failure(() => negotiate(E, hello('neon'), '{"id":0,"type":"hello","version":1,"engine":"neon","shape":"horizontal"}'))).toContain(
      '"shape" "horizontal" does not match neon, which is vertical',
    );
  });

  it('checks wants, batch and the id of the hello reply', () => {
    expect(failure(() => negotiate(E, hello('hpa'), '{"id":0,"type":"hello","version":1,"wants":["sync"]}'))).toContain(
      '"wants" names "sync", which the hpa dialect does not send (optional: spawn_result, gone)',
    );
    expect(failure(() => negotiate(E, hello('hpa'), '{"id":0,"type":"hello","version":1,"batch":"yes"}'))).toContain('"batch" must be true or false');
    expect(failure(() => negotiate(E, hello('hpa'), '{"id":1,"type":"hello","version":1}'))).toContain('reply to message 1 while 0 is pending');
    expect(failure(() => negotiate(E, hello('hpa'), 'hello there'))).toContain('reply is not JSON (hello there) on message 0');
  });
});

describe('replies: framing, id, errors', () => {
  it('names the message in one line: id, type, group, simulated seconds', () => {
    expect(failure(() => checkReply(E, 'albatross', 42, observe, 20_000_000, '{"id":42,"type":"error","message":"division by zero\\n in group web"}'))).toBe(
      'external engine `python3 a.py`: engine error: division by zero in group web on message 42 (observe web at 20 s)',
    );
  });

  it('rejects bad JSON (first 80 characters quoted), a non-object, a blank line', () => {
    const long = 'x'.repeat(100);
    expect(failure(() => checkReply(E, 'albatross', 3, observe, 0, long))).toBe(`${E}: reply is not JSON (${'x'.repeat(79)}…) on message 3 (observe web at 0 s)`);
    expect(failure(() => checkReply(E, 'albatross', 3, observe, 0, '[1,2]'))).toContain('reply is not a JSON object ([1,2])');
    expect(failure(() => checkReply(E, 'albatross', 3, observe, 0, ''))).toContain('reply is not JSON ()');
  });

  it('rejects a reply to another message, or without id; in process an absent id is fine', () => {
    expect(failure(() => checkReply(E, 'albatross', 42, observe, 0, '{"id":41,"type":"step","actions":[]}'))).toContain('reply to message 41 while 42 is pending');
    expect(failure(() => checkReply(E, 'albatross', 42, observe, 0, '{"type":"step","actions":[]}'))).toContain('reply has no "id" while 42 is pending');
    expect(checkReply(E, 'albatross', 42, observe, 0, { type: 'step', actions: [] }, true)).toEqual({ type: 'step', actions: [] });
    expect(failure(() => checkReply(E, 'albatross', 42, observe, 0, { id: 7, type: 'step', actions: [] }, true))).toContain('reply to message 7 while 42 is pending');
  });

  it('wants bye after end and step otherwise', () => {
    expect(checkReply(E, 'hpa', 9, { type: 'end' }, 5, '{"id":9,"type":"bye"}')).toEqual({ id: 9, type: 'bye' });
    expect(failure(() => checkReply(E, 'hpa', 9, { type: 'end' }, 5, '{"id":9,"type":"step","actions":[]}'))).toContain('expected a "bye" reply to end, got "step"');
    expect(failure(() => checkReply(E, 'albatross', 9, observe, 5, '{"id":9,"type":"bye"}'))).toContain('expected a "step" reply, got "bye"');
    expect(failure(() => checkReply(E, 'albatross', 9, observe, 5, '{"id":9,"type":"step"}'))).toContain('"actions" must be an array (possibly empty)');
    expect(failure(() => checkReply(E, 'albatross', 9, observe, 5, '{"id":9,"type":"step","actions":[],"report":3}'))).toContain('"report" must be an object');
  });

  it('names the part of a batch that failed', () => {
    const reqs: Request[] = [
      { type: 'observe', group: 'web', records: [] },
      { type: 'observe', group: 'api', records: [] },
    ];
    const batch = { type: 'batch' as const, requests: reqs };
    const ok = checkReply(E, 'albatross', 50, batch, 10_000_000, '{"id":50,"type":"batch","replies":[{"type":"step","actions":[]},{"type":"step","actions":[]}]}');
    expect(ok).toMatchObject({ type: 'batch', replies: [{ type: 'step' }, { type: 'step' }] });
    expect(failure(() => checkReply(E, 'albatross', 50, batch, 10_000_000, '{"id":50,"type":"batch","replies":[{"type":"step","actions":[]},{"type":"step","actions":[{"type":"scale_out"}]}]}'))).toBe(
      `${E}: unknown action "scale_out" (expected spawn, spawn_refused, destroy, orphan, adopt, note) on message 50 (batch, part 2 of 2: observe api at 10 s)`,
    );
    expect(failure(() => checkReply(E, 'albatross', 50, batch, 10_000_000, '{"id":50,"type":"batch","replies":[{"type":"error","message":"boom"},{"type":"step","actions":[]}]}'))).toContain(
      'engine error: boom on message 50 (batch, part 1 of 2: observe web at 10 s)',
    );
    expect(failure(() => checkReply(E, 'albatross', 50, batch, 0, '{"id":50,"type":"batch","replies":[]}'))).toContain('a batch of 2 requests got 0 replies');
  });
});

/** The message of checking `step` (an object) against `req` in `dialect` at `now`. */
function stepFailure(dialect: Dialect, req: Request, now: number, step: object): string {
  return failure(() => checkReply(E, dialect, 1, req, now, { id: 1, ...step }));
}
function stepOk(dialect: Dialect, req: Request, now: number, step: object): void {
  expect(checkReply(E, dialect, 1, req, now, { id: 1, ...step })).toMatchObject(step);
}

describe('actions of the replica dialects (albatross, replica)', () => {
  it('accepts every ReplicaCommand of the dialect', () => {
    stepOk('albatross', observe, 0, {
      type: 'step',
      actions: [
        { type: 'spawn', name: 'web-clone-1', cloneOf: 'web', scaling: 'up' },
        { type: 'spawn_refused', reason: 'max_instances', instance: 'web' },
        { type: 'destroy', instance: 'web-clone-1', reason: 'low cpu', scaling: 'down' },
        { type: 'orphan', instances: ['web'] },
        { type: 'adopt', instance: 'web' },
        { type: 'note', event: 'x', fields: { a: 1 } },
      ],
      report: { cpu: 93.5 },
    });
    stepOk('replica', { type: 'observe', group: 'web', obs: { instances: [] } }, 0, {
      type: 'step',
      actions: [
        { type: 'standby', instance: 'web-2', reason: 'idle' },
        { type: 'wake', instance: 'web-2', reason: 'load', latency: 20_000 },
      ],
    });
  });

  it('refuses standby and wake in albatross, and names a bad field', () => {
    expect(stepFailure('albatross', observe, 0, { type: 'step', actions: [{ type: 'standby', instance: 'a', reason: 'r' }] })).toContain('unknown action "standby" (expected spawn, spawn_refused, destroy, orphan, adopt, note)');
    expect(stepFailure('albatross', observe, 0, { type: 'step', actions: [{ type: 'note', event: 'e' }, { type: 'destroy', instance: 3, reason: 'r' }] })).toContain(
      'action 2 (destroy): "instance" must be a non-empty string on message 1 (observe web at 0 s)',
    );
    expect(stepFailure('albatross', observe, 0, { type: 'step', actions: [{ type: 'spawn', name: 'x', scaling: 'sideways' }] })).toContain('action 1 (spawn): "scaling" must be "up" or "down"');
    expect(stepFailure('replica', observe, 0, { type: 'step', actions: [{ type: 'wake', instance: 'x', reason: 'r', latency: 1.5 }] })).toContain('action 1 (wake): "latency" must be an integer ≥ 0 (µs)');
    expect(stepFailure('albatross', observe, 0, { type: 'step', actions: [7] })).toContain('action 1: must be an object with a string "type"');
  });

  it('albatross has no timer: a number in wakeAt is an error, null is not', () => {
    expect(stepFailure('albatross', observe, 10, { type: 'step', actions: [], wakeAt: 20 })).toContain('"wakeAt" is not allowed in the albatross dialect');
    stepOk('albatross', observe, 10, { type: 'step', actions: [], wakeAt: null });
  });

  it('replica wakeAt: > now, except ≥ 0 in an init reply', () => {
    const init: Request = { type: 'init', group: 'web', instances: [{ name: 'web', primary: true }] };
    stepOk('replica', init, 0, { type: 'step', actions: [], wakeAt: 0 });
    expect(stepFailure('replica', init, 0, { type: 'step', actions: [], wakeAt: -1 })).toContain('"wakeAt" must be ≥ 0 in an init reply, got -1');
    expect(stepFailure('replica', observe, 20, { type: 'step', actions: [], wakeAt: 20 })).toContain('"wakeAt" must be > now (20), got 20');
    expect(stepFailure('replica', observe, 20, { type: 'step', actions: [], wakeAt: 30.5 })).toContain('"wakeAt" must be an integer (µs) or null, got 30.5');
    stepOk('replica', observe, 20, { type: 'step', actions: [], wakeAt: 21 });
  });
});

describe('hpa replies', () => {
  it('needs desiredReplicas on observe, at most one scale to it', () => {
    stepOk('hpa', hpaObserve, 15, { type: 'step', desiredReplicas: 3, actions: [{ type: 'scale', from: 2, to: 3, reason: 'cpu above target' }], wakeAt: 30 });
    expect(stepFailure('hpa', hpaObserve, 15, { type: 'step', actions: [] })).toContain('"desiredReplicas" must be an integer from 0 to 100000, got nothing');
    expect(stepFailure('hpa', hpaObserve, 15, { type: 'step', desiredReplicas: -1, actions: [] })).toContain('"desiredReplicas" must be an integer from 0 to 100000, got -1');
    expect(stepFailure('hpa', hpaObserve, 15, { type: 'step', desiredReplicas: 3, actions: [{ type: 'scale', from: 2, to: 4, reason: 'x' }] })).toContain(
      'action 1 (scale): "to" (4) must equal "desiredReplicas" (3)',
    );
    expect(stepFailure('hpa', hpaObserve, 15, { type: 'step', desiredReplicas: 3, actions: [{ type: 'scale', from: 2, to: 3, reason: 'x' }, { type: 'scale', from: 3, to: 3, reason: 'x' }] })).toContain(
      'hpa sends at most one scale action, got 2',
    );
    expect(stepFailure('hpa', hpaObserve, 15, { type: 'step', desiredReplicas: 3, actions: [{ type: 'spawn', name: 'x' }] })).toContain('unknown action "spawn" (expected scale)');
  });

  it('scales only in the reply to observe', () => {
    const gone: Request = { type: 'gone', group: 'web', name: 'web-1', cause: 'killed' };
    stepOk('hpa', gone, 15, { type: 'step', actions: [] });
    expect(stepFailure('hpa', gone, 15, { type: 'step', actions: [{ type: 'scale', from: 1, to: 2, reason: 'x' }] })).toContain('hpa scales only in the reply to observe, not to gone');
  });
});

describe('kraftcloud replies', () => {
  const obs: Request = { type: 'observe', group: 'nginx', obs: { instances: [], waiting: 0 } };
  it('checks each KraftcloudAction and requires wakeAt on observe', () => {
    stepOk('kraftcloud', obs, 20_000, {
      type: 'step',
      actions: [
        { type: 'spawn', count: 1, from: 'nginx', reason: 'policy' },
        { type: 'destroy', instance: 'nginx-2' },
        { type: 'standby', instance: 'nginx-3' },
        { type: 'wake', instance: 'nginx-3', reason: 'request' },
        { type: 'notify', instance: 'nginx-4', standbyAt: 3_000_000 },
      ],
      wakeAt: 30_000,
    });
    expect(stepFailure('kraftcloud', obs, 20_000, { type: 'step', actions: [] })).toContain('"wakeAt" is required in the kraftcloud reply to observe (an integer µs, or null)');
    stepOk('kraftcloud', obs, 20_000, { type: 'step', actions: [], wakeAt: null });
    expect(stepFailure('kraftcloud', obs, 0, { type: 'step', actions: [{ type: 'spawn', count: 0, from: 'nginx', reason: 'policy' }], wakeAt: null })).toContain('action 1 (spawn): "count" must be an integer from 1 to 100000');
    expect(stepFailure('kraftcloud', obs, 0, { type: 'step', actions: [{ type: 'wake', instance: 'a', reason: 'min_size' }], wakeAt: null })).toContain('action 1 (wake): "reason" must be one of policy, request');
  });
});

describe('incus replies', () => {
  const cluster = {
    leader: 0,
    mapRandom: 1,
    members: [
      { name: 'm1', arch: 'x86_64', threads: 16, memoryTotal: 1, memoryUsed: 0, load1: 0, state: 'online', scheduler: 'all', groups: [], startedAt: 0 },
      { name: 'm2', arch: 'x86_64', threads: 16, memoryTotal: 1, memoryUsed: 0, load1: 0, state: 'online', scheduler: 'all', groups: [], startedAt: 0 },
    ],
    vms: [{ name: 'vm-1' }],
    projects: [],
  } as unknown as Extract<Request, { type: 'tick'; cluster: unknown }>['cluster'];
  const tick = { type: 'tick', cluster } as Request;
  it('requires wakeAt (any integer or null) and checks indices against the cluster', () => {
    stepOk('incus', tick, 600, { type: 'step', actions: [{ type: 'migrate', run: 1, vm: 0, from: 0, to: 1, targetScore: 12, expectedScore: 40 }], wakeAt: 5 });
    // stamp_last_move has no run (IncusAction in src/engines/incus/engine.ts); value is seconds
    stepOk('incus', { type: 'migration_result', ok: true, cluster } as Request, 600, { type: 'step', actions: [{ type: 'stamp_last_move', vm: 0, value: 600 }], wakeAt: null });
    expect(stepFailure('incus', tick, 600, { type: 'step', actions: [{ type: 'migrate', vm: 0, from: 0, to: 1, targetScore: 1, expectedScore: 1 }], wakeAt: null })).toContain('action 1 (migrate): "run" must be an integer ≥ 0');
    expect(stepFailure('incus', tick, 600, { type: 'step', actions: [] })).toContain('"wakeAt" is required in the incus reply to tick');
    expect(stepFailure('incus', tick, 600, { type: 'step', actions: [{ type: 'migrate', run: 1, vm: 1, from: 0, to: 1, targetScore: 1, expectedScore: 1 }], wakeAt: null })).toContain(
      'action 1 (migrate): "vm" must be a VM index from 0 to 0',
    );
    expect(stepFailure('incus', tick, 600, { type: 'step', actions: [{ type: 'migrate', run: 1, vm: 0, from: 0, to: 2, targetScore: 1, expectedScore: 1 }], wakeAt: null })).toContain(
      'action 1 (migrate): "to" must be a member index from 0 to 1',
    );
    expect(stepFailure('incus', tick, 600, { type: 'step', actions: [{ type: 'run_finished', run: 1, migrated: 0, outcome: 'done', skips: {} }], wakeAt: null })).toContain('action 1 (run_finished): "skips" must be an object of integer counts');
  });
});

describe('neon replies', () => {
  const withMetrics: Request = { type: 'tick', vm: 'vm-1', metrics: { load1: 0.8, load5: 0.6, memoryUsageBytes: 1 } };
  const wake: Request = { type: 'tick', vm: 'vm-1' };
  it('requires report.goalCU after a tick with metrics, and wakeAt ≥ now', () => {
    stepOk('neon', withMetrics, 5_000_000, { type: 'step', actions: [{ type: 'plugin_request', target: { cpu: 1500, mem: 6442450944 }, lastPermit: null }], wakeAt: 5_000_000, report: { goalCU: 6 } });
    expect(stepFailure('neon', withMetrics, 5, { type: 'step', actions: [] })).toContain('"report.goalCU" must be a number ≥ 0 in the reply to a tick with metrics');
    stepOk('neon', wake, 5, { type: 'step', actions: [] });
    expect(stepFailure('neon', wake, 5, { type: 'step', actions: [], wakeAt: 4 })).toContain('"wakeAt" must be ≥ now (5), got 4');
    expect(stepFailure('neon', wake, 5, { type: 'step', actions: [{ type: 'neonvm_request', current: { cpu: 1000, mem: 1 }, target: { cpu: 0.5, mem: 1 } }] })).toContain(
      'action 1 (neonvm_request): "target" must be {cpu, mem} with integers ≥ 0 (milli-vCPU, bytes)',
    );
  });
});

describe('engine labels', () => {
  const base = { name: 'albatross', variant: 'corrected', config: {}, options: {} } satisfies EngineSpec;
  it('names external engines by command and modules by path relative to the scenario', () => {
    expect(engineLabel({ ...base, kind: 'external', command: ['python3', 'a.py'] })).toBe('external engine `python3 a.py`');
    expect(engineLabel({ ...base, kind: 'module', path: '/s/p/x.js', cwd: '/s' })).toBe('module engine ./p/x.js');
    expect(engineLabel({ ...base, kind: 'module', path: '/elsewhere/x.js', cwd: '/s' })).toBe('module engine /elsewhere/x.js');
  });
});

describe('the minimal Python engine of docs/PROTOCOL.md', () => {
  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import json, sys'], { stdio: 'ignore' });
      return 'python3';
    } catch {
      return null;
    }
  })();
  it.skipIf(python === null)(`speaks the protocol: hello, init, observe, end${python === null ? ' — SKIPPED: no python3 on PATH' : ''}`, () => {
    const doc = fs.readFileSync('docs/PROTOCOL.md', 'utf8');
    const code = /```python\n([\s\S]*?)```/.exec(doc)![1]!;
    const h = hello('albatross');
    const init: Request = { type: 'init', group: 'web', instances: [{ name: 'web', primary: true }] };
    const lines = [h, { id: 1, ...init, now: 0 }, { id: 2, ...observe, now: 10_000_000 }, { id: 3, type: 'end', now: 20_000_000 }].map((m) => JSON.stringify(m)).join('\n');
    const out = execFileSync(python!, ['-c', code], { input: `${lines}\n`, encoding: 'utf8' }).split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(4);
    expect(negotiate(E, h, out[0]!)).toMatchObject({ version: 1, engine: 'albatross' });
    expect(checkReply(E, 'albatross', 1, init, 0, out[1]!)).toEqual({ id: 1, type: 'step', actions: [] });
    expect(checkReply(E, 'albatross', 2, observe, 10_000_000, out[2]!)).toEqual({ id: 2, type: 'step', actions: [] });
    expect(checkReply(E, 'albatross', 3, { type: 'end' }, 20_000_000, out[3]!)).toEqual({ id: 3, type: 'bye' });
    // a range it does not speak: its error is quoted
    const v2 = execFileSync(python!, ['-c', code], { input: `${JSON.stringify({ ...h, protocol: { min: 2, max: 3 } })}\n`, encoding: 'utf8' });
    expect(failure(() => negotiate(E, { ...h, protocol: { min: 2, max: 3 } }, v2.trim()))).toContain('the engine says "speaks protocol 1 to 1"');
  });
});
