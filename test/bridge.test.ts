/**
 * The generic bridge (src/bridge/bridge.ts) over a fake EngineSession: which requests it sends,
 * at which `now`, in which order, for each dialect's wake-up rule (docs/PROTOCOL.md: replace for
 * the timer dialects, "wake me by" for neon, clamped to now for incus), and the input checks.
 * The fake engine's replies are scripted here, so every expected request is worked by hand from
 * the bridge's rules (design §5): events at T, then wake-ups due at ≤ T, then data at T.
 */
import { describe, expect, it } from 'vitest';
import { Bridge, type Decision } from '../src/bridge/bridge.js';
import { parseBridgeLine } from '../src/bridge/input.js';
import { actionLines } from '../src/bridge/print.js';
import type { Dialect, Reply, Request, StepReply } from '../src/engines/external/protocol.js';
import type { EngineSession } from '../src/engines/external/session.js';
import { inputError } from './helpers.js';

const S = 1_000_000; // µs per second
const T0 = 1_780_000_000 * S; // a Unix time, µs

/** A fake session: records every request with its now; `answer` scripts the replies. */
function fakeSession(answer: (now: number, req: Request) => StepReply) {
  const sent: { now: number; type: string; subject: string | undefined }[] = [];
  let closedAt: number | null = null;
  const session: EngineSession = {
    hello: { id: 0, type: 'hello', version: 1 },
    call(now: number, req: Request): Reply {
      const r = req as { group?: string; vm?: string };
      sent.push({ now, type: req.type, subject: r.group ?? r.vm });
      return answer(now, req);
    },
    callMany(now, reqs) {
      return reqs.map((r) => this.call(now, r));
    },
    close(now) {
      closedAt = now;
    },
  };
  return { session, sent, closed: () => closedAt };
}

/** Feed `lines` (objects) of `dialect` through a bridge; returns the decisions. */
function run(dialect: Dialect, mode: 'observation' | 'protocol', session: EngineSession, lines: object[], draws: number[] = []) {
  const decisions: Decision[] = [];
  const bridge = new Bridge({ dialect, mode, session, decide: (d) => decisions.push(d), mapRandom: () => draws.shift() ?? 0 });
  let last: number | null = null;
  lines.forEach((l, i) => {
    const where = `stdin:${i + 1}`;
    const parsed = parseBridgeLine(JSON.stringify(l), dialect, where);
    last = parsed.time!;
    bridge.feed(parsed, last, where);
  });
  bridge.finish(last, 'stdin (end)');
  return decisions;
}

const hpaObs = (specReplicas: number) => ({ specReplicas, pods: [{ name: 'web-1' }] });

describe('observation mode, a timer dialect (hpa)', () => {
  it('inits a group on its first observation, then observes at each wake-up with the newest observation', () => {
    // the fake hpa: init answers wakeAt 0 (as hpa's firstWake), every observe answers now + 15 s
    const seen: number[] = [];
    const f = fakeSession((now, req) => {
      if (req.type === 'init') return { type: 'step', actions: [], wakeAt: 0 };
      if (req.type !== 'observe') return { type: 'step', actions: [], desiredReplicas: 1 };
      seen.push((req as { obs: { specReplicas: number } }).obs.specReplicas);
      return { type: 'step', actions: [], wakeAt: now + 15 * S, desiredReplicas: 1 };
    });
    run('hpa', 'observation', f.session, [
      { time: 1_780_000_000, type: 'observe', group: 'web', obs: hpaObs(1) }, // init at T0; wake 0 is due but had no data → fires after buffering: observe at max(0, T0) = T0; next wake T0+15
      { time: 1_780_000_010, type: 'observe', group: 'web', obs: hpaObs(2) }, // no wake due (T0+15 > T0+10): buffered
      { time: 1_780_000_012, type: 'observe', group: 'web', obs: hpaObs(3) }, // buffered, newest wins
      { time: 1_780_000_016, type: 'observe', group: 'web', obs: hpaObs(4) }, // wake T0+15 ≤ T0+16 fires first with obs 3, at now = T0+15; next wake T0+30
      { time: 1_780_000_020, type: 'spawn_result', group: 'web', name: 'web-2', result: 'placed' }, // an event: sent at once
      { time: 1_780_000_031, type: 'observe', group: 'web', obs: hpaObs(5) }, // wake T0+30 fires with obs 4 at T0+30; next T0+45
    ]);
    // end of input at T0+31: no wake due (T0+45)
    expect(f.sent).toEqual([
      { now: T0, type: 'init', subject: 'web' },
      { now: T0, type: 'observe', subject: 'web' },
      { now: T0 + 15 * S, type: 'observe', subject: 'web' },
      { now: T0 + 20 * S, type: 'spawn_result', subject: 'web' },
      { now: T0 + 30 * S, type: 'observe', subject: 'web' },
    ]);
    expect(seen).toEqual([1, 3, 4]);
    expect(f.closed()).toBe(T0 + 31 * S);
  });

  it('fires the wake-ups due at the end of input, and refuses an event for a group it has not seen', () => {
    const f = fakeSession((now, req) => ({ type: 'step', actions: [], wakeAt: req.type === 'init' ? now + 5 * S : null }));
    run('kraftcloud', 'observation', f.session, [
      { time: 100, type: 'observe', group: 'nginx', obs: { instances: [], waiting: 0 } }, // init at 100 s, wake 105
      { time: 105, type: 'observe', group: 'nginx', obs: { instances: [], waiting: 1 } }, // wake 105 ≤ 105 fires first (with the 100 s observation); wakeAt null cancels
    ]);
    expect(f.sent.map((s) => [s.now / S, s.type])).toEqual([
      [100, 'init'],
      [105, 'observe'],
    ]);
    const g = fakeSession(() => ({ type: 'step', actions: [] }));
    expect(inputError(() => run('hpa', 'observation', g.session, [{ time: 1, type: 'gone', group: 'db', name: 'db-1', cause: 'killed' }])).message).toBe('stdin:1: group: group db has had no init or observation yet');
  });
});

describe('observation mode, neon and incus', () => {
  it('neon: a first tick with using/min/max inits its VM; "wake me by" keeps the earlier wake-up', () => {
    // the fake agent: the init asks to be woken at +10 s, the metrics tick at +4 s (earlier: wins), the woken tick at +100 s
    const f = fakeSession((now, req) => {
      if (req.type === 'init') return { type: 'step', actions: [], wakeAt: now + 10 * S };
      if (req.type === 'tick' && (req as { metrics?: unknown }).metrics !== undefined) return { type: 'step', actions: [], wakeAt: now + 4 * S, report: { goalCU: 1 } };
      return { type: 'step', actions: [], wakeAt: now + 100 * S };
    });
    const r = { cpu: 1000, mem: 4294967296 };
    run('neon', 'observation', f.session, [
      { time: 1000, type: 'tick', vm: 'vm-1', using: r, min: r, max: r, metrics: { load1: 1, load5: 1, memoryUsageBytes: 1 } }, // init at 1000 (wake 1010), tick (wake-by 1004 < 1010: 1004)
      { time: 1003, type: 'neonvm_result', vm: 'vm-1', ok: true }, // nothing due before 1003: sent at 1003 (its reply's wake 1103 is later than 1004: kept 1004)
      { time: 1020, type: 'neonvm_result', vm: 'vm-1', ok: true }, // the wake at 1004 fires first: tick without metrics at 1004 (wake 1104); then the event at 1020
    ]);
    expect(f.sent.map((s) => [s.now / S, s.type])).toEqual([
      [1000, 'init'],
      [1000, 'tick'],
      [1003, 'neonvm_result'],
      [1004, 'tick'],
      [1020, 'neonvm_result'],
    ]);
  });

  it('incus: the first snapshot starts the rebalancer; a tick at its wake-up draws mapRandom; wakeAt in the past is clamped to now', () => {
    const clusters: { mapRandom: number; load: number }[] = [];
    const f = fakeSession((now, req) => {
      const c = (req as { cluster: { mapRandom: number; members: { load1: number }[] } }).cluster;
      clusters.push({ mapRandom: c.mapRandom, load: c.members[0]!.load1 });
      // init: wake at +60 s; the first tick answers a time in the past (clamped to now → due again at once, the second tick answers +60 s
      if (req.type === 'init') return { type: 'step', actions: [], wakeAt: now + 60 * S };
      return { type: 'step', actions: [], wakeAt: clusters.length === 2 ? 0 : now + 60 * S };
    });
    const snap = (load1: number) => ({ members: [{ name: 'm1', arch: 'x86_64', threads: 4, memoryTotal: 8, memoryUsed: 1, load1, state: 'online' }], vms: [], projects: [{ name: 'default' }], leader: 0 });
    run(
      'incus',
      'observation',
      f.session,
      [
        { time: 0, type: 'tick', cluster: snap(1) }, // init at 0 (mapRandom 0: no draw), wake 60
        { time: 30, type: 'tick', cluster: snap(2) }, // buffered
        { time: 61, type: 'tick', cluster: snap(3) }, // wake 60 fires first with snapshot 2, draw 7; reply 0 → clamped to 60 → fires again at 60 with draw 9; then wake 120
      ],
      [7, 9],
    );
    expect(f.sent.map((s) => [s.now / S, s.type])).toEqual([
      [0, 'init'],
      [60, 'tick'],
      [60, 'tick'],
    ]);
    expect(clusters).toEqual([
      { mapRandom: 0, load: 1 },
      { mapRandom: 7, load: 2 },
      { mapRandom: 9, load: 2 },
    ]);
  });
});

describe('protocol mode', () => {
  it('sends every line as its request at its time, and marks a request that came after the engine\'s wake-up', () => {
    const f = fakeSession((now) => ({ type: 'step', actions: [{ type: 'scale', from: 1, to: 2, reason: 'cpu' }], wakeAt: now + 15 * S, desiredReplicas: 2 }));
    const d = run('hpa', 'protocol', f.session, [
      { time: 10, type: 'init', group: 'web' }, // wake 25
      { time: 25, type: 'observe', group: 'web', obs: hpaObs(1) }, // on time; wake 40
      { time: 44.2, type: 'observe', group: 'web', obs: hpaObs(2) }, // 4.2 s late
    ]);
    expect(f.sent.map((s) => [s.now / S, s.type])).toEqual([
      [10, 'init'],
      [25, 'observe'],
      [44.2, 'observe'],
    ]);
    expect(d.map((x) => x.late)).toEqual([undefined, undefined, 4_200_000]);
    // output: one line per action, time in Unix seconds, the group before the action's fields
    expect(actionLines(d[2]!, 'hpa', true)).toEqual(['{"time":44.2,"group":"web","type":"scale","from":1,"to":2,"reason":"cpu"}', '{"time":44.2,"group":"web","type":"wake_at","at":59.2}']);
  });
});

describe('input lines', () => {
  const bad = (dialect: Dialect, line: string) => inputError(() => parseBridgeLine(line, dialect, 'stdin:7')).message;
  it('names the line and the key', () => {
    expect(bad('neon', 'not json')).toBe('stdin:7: not a JSON object');
    expect(bad('neon', '{"time":1,"type":"observe","vm":"v"}')).toBe('stdin:7: type: must be one of init, tick, plugin_answer, neonvm_result, monitor_result, monitor_upscale_request (decide neon)');
    expect(bad('neon', '{"time":1,"type":"plugin_answer","vm":"v","permit":{"cpu":1.5,"mem":0}}')).toBe('stdin:7: permit.cpu: must be a whole number');
    expect(bad('hpa', '{"time":"yesterday","type":"observe","group":"web"}')).toBe('stdin:7: time: must be Unix seconds (at most 100000000000) or an ISO 8601 string');
    expect(bad('hpa', '{"time":1,"type":"spawn_result","group":"web","name":"w","result":"maybe"}')).toBe('stdin:7: result: must be one of placed, no_capacity, primary_missing, block_devices');
    const vm = { name: 'v', project: 0, member: 5, running: true, limitsCpu: 1, limitsMemory: 1, cpuUsage: 0, memoryUsage: 0 };
    const m = { name: 'm', arch: 'x86_64', threads: 1, memoryTotal: 1, memoryUsed: 0, load1: 0, state: 'online' };
    expect(bad('incus', JSON.stringify({ time: 1, type: 'tick', cluster: { members: [m, m, m], vms: [vm], projects: [{ name: 'default' }], leader: 0 } }))).toBe('stdin:7: cluster.vms[0].member: must be 0 to 2, got 5');
  });

  it('rebuilds requests in the protocol\'s key order with its defaults', () => {
    expect(parseBridgeLine('{"vm":"a","type":"tick","metrics":{"memoryUsageBytes":3,"load5":2,"load1":1},"time":5}', 'neon', 'stdin:1')).toEqual({ time: 5 * S, request: { type: 'tick', vm: 'a', metrics: { load1: 1, load5: 2, memoryUsageBytes: 3 } }, role: 'event', subject: 'a' });
    const line = parseBridgeLine('{"type":"init","group":"web"}', 'hpa', 'stdin:1');
    expect(line.time).toBeNull(); // no time: stamped on receipt (live mode)
    expect(line.request).toEqual({ type: 'init', group: 'web', instances: [] });
  });
});
