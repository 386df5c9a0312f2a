/**
 * The Unikraft Cloud engine core. Golden values are worked by hand in the comments.
 *
 * Upstream read: unikraft/kraftkit at f02a533111e7a08c4373c01dcc9b2b1980a3ea3a (2024-10-21),
 * internal/cli/kraft/cloud/scale/add/add.go, `(*AddOptions).Run` (step parsing with fmt.Sscanf,
 * bound check, sort.Slice, contiguity checks) and
 * internal/cli/kraft/cloud/scale/initialize/initialize.go, `(*InitOptions).Run` (warm-up and
 * cool-down ≥ 10 ms, sent as whole milliseconds; max-size default 10) and
 * internal/cli/kraft/cloud/instance/create/create.go, `(*CreateOptions).Pre` and `Create`
 * (scale-to-zero policy, cool-down ≥ 1 ms when given, forced off without ports or service).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { parseSteps, goSscanf, matchStep } from '../src/engines/kraftcloud/steps.js';
import { parseKraftcloudConfig, type KraftcloudConfig } from '../src/engines/kraftcloud/config.js';
import { percentChange, targetOf } from '../src/engines/kraftcloud/adjust.js';
import { decide, initialState, nextTick, type InstanceObservation, type KraftcloudState } from '../src/engines/kraftcloud/engine.js';
import { InputError } from '../src/scenario/errors.js';
import { kraftcloudDescriptor } from '../src/engines/kraftcloud/descriptor.js';
import seedrandom from 'seedrandom';

const MS = 1_000;
const S = 1_000_000;

/** The error line a bad step list gives. */
function refusal(steps: string[]): string {
  try {
    parseSteps(steps, { file: 'svc.yaml', key: 'policies[0].steps' });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

/** A running instance created long ago with these metrics. */
function inst(id: string, millicores: number, extra: Partial<InstanceObservation> = {}): InstanceObservation {
  return { id, state: 'running', createdAt: -10 * S, since: -10 * S, millicores, inflight: 0, rps: 0, connections: 0, lastRequestAt: null, ...extra };
}

/** The seed blog's service: nginx, 0–8 instances, scale-out 600:800/50 + 800:/100 percent, scale-in `inBound`/-50 percent. */
function blog(inSteps = ':50/-50', extra: Record<string, unknown> = {}): KraftcloudConfig {
  return parseKraftcloudConfig({
    master: 'nginx',
    min_size: 0,
    max_size: 8,
    policies: [
      { name: 'scale-out', metric: 'cpu', adjustment: 'percent', steps: ['600:800/50', '800:/100'] },
      { name: 'scale-in', metric: 'cpu', adjustment: 'percent', steps: [inSteps] },
    ],
    ...extra,
  });
}

/** Actions of one decision from the initial state. */
function act(config: KraftcloudConfig, instances: InstanceObservation[], now = 10 * S, state: KraftcloudState = initialState(), waiting = 0) {
  return decide(config, state, { instances, waiting }, now).actions;
}

describe('step lists as `kraft cloud scale add` reads them (kraftkit add.go, (*AddOptions).Run)', () => {
  it('reads the three forms and sorts by lower bound, the step without lower bound first', () => {
    expect(parseSteps(['800:/100', '600:800/50'], { key: 's' })).toEqual([
      { lower: 600, upper: 800, adjustment: 50, text: '600:800/50' },
      { lower: 800, upper: null, adjustment: 100, text: '800:/100' },
    ]);
    expect(parseSteps(['50:/1', ':50/-50'], { key: 's' }).map((s) => s.text)).toEqual([':50/-50', '50:/1']);
  });

  it('keeps Go Sscanf quirks: blanks before numbers, signs, trailing text ignored', () => {
    // fmt.Sscanf skips spaces before %d, takes one sign, and does not check for text after the format
    expect(goSscanf(' 10: 20/ -5', '%d:%d/%d')).toEqual([10, 20, -5]);
    expect(goSscanf('+10:20/5x', '%d:%d/%d')).toEqual([10, 20, 5]);
    expect(goSscanf('10:20/3.5', '%d:%d/%d')).toEqual([10, 20, 3]);
    expect(goSscanf('10 :20/5', '%d:%d/%d')).toBeNull(); // a literal ':' must follow directly
    expect(parseSteps(['10:20/5x'], { key: 's' })[0]!.adjustment).toBe(5);
  });

  it('never checks the first step after sorting: 0:/10 then 0:5/1 passes (missing upper reads as 0)', () => {
    // sorted (0 < 0 is false: order kept) → idx 1: lower 0 == previous "upper" 0 → accepted
    expect(parseSteps(['0:/10', '0:5/1'], { key: 's' }).map((s) => s.text)).toEqual(['0:/10', '0:5/1']);
  });

  it('refuses 0 or more than 4 steps', () => {
    expect(refusal([])).toBe('svc.yaml: policies[0].steps: specify between 1 and 4 steps: got 0');
    expect(refusal(['0:1/1', '1:2/1', '2:3/1', '3:4/1', '4:/1'])).toBe('svc.yaml: policies[0].steps: specify between 1 and 4 steps: got 5');
  });

  it.each(['abc', '10-20/5', ':/5', '10:20', '', '/5', '10:20:/5'])('refuses the unparsable step %j, naming it', (bad) => {
    expect(refusal(['0:10/1', bad])).toMatch(new RegExp(`^svc\\.yaml: policies\\[0\\]\\.steps\\[1\\] \\("${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\): could not parse step`));
  });

  it('refuses lower ≥ upper', () => {
    expect(refusal(['800:600/5'])).toBe('svc.yaml: policies[0].steps[0] ("800:600/5"): lower bound cannot be greater or equal than upper bound: 800 >= 600');
    expect(refusal(['0:5/1', '5:5/1'])).toBe('svc.yaml: policies[0].steps[1] ("5:5/1"): lower bound cannot be greater or equal than upper bound: 5 >= 5');
  });

  it('refuses a missing lower bound after the first step', () => {
    // both lack a lower bound: the comparator keeps the order, the second is at idx 1
    expect(refusal([':50/-1', ':60/-2'])).toBe('svc.yaml: policies[0].steps[1] (":60/-2"): lower bound cannot be empty in a step after the first step');
    // sort quirk: a negative lower bound sorts before a missing one (-10 < 0), so :0/1 lands at idx 1
    expect(refusal([':0/1', '-10:0/2'])).toBe('svc.yaml: policies[0].steps[0] (":0/1"): lower bound cannot be empty in a step after the first step');
  });

  it('refuses a missing upper bound before the last step', () => {
    expect(refusal(['0:10/1', '10:/2', '20:30/3'])).toBe('svc.yaml: policies[0].steps[1] ("10:/2"): upper bound cannot be empty in a step before the last step');
  });

  it('refuses gaps and overlaps', () => {
    expect(refusal(['600:800/50', '900:/100'])).toBe('svc.yaml: policies[0].steps[1] ("900:/100"): steps are not contiguous: gap found between 800 and 900');
    expect(refusal(['0:20/1', '10:30/2'])).toBe('svc.yaml: policies[0].steps[1] ("10:30/2"): steps are not contiguous: gap found between 20 and 10');
    // a step without upper bound first, then a later one: its upper reads as 0
    expect(refusal(['0:/1', '10:20/2'])).toBe('svc.yaml: policies[0].steps[1] ("10:20/2"): steps are not contiguous: gap found between 0 and 10');
  });

  it('a step applies when lower ≤ metric < upper', () => {
    const steps = parseSteps(['600:800/50', '800:/100'], { key: 's' });
    expect(matchStep(steps, 599.9)).toBeUndefined();
    expect(matchStep(steps, 600)?.text).toBe('600:800/50');
    expect(matchStep(steps, 799.5)?.text).toBe('600:800/50');
    expect(matchStep(steps, 800)?.text).toBe('800:/100');
    expect(matchStep(parseSteps([':50/-50'], { key: 's' }), 50)).toBeUndefined();
  });
});

describe('configuration (kraftkit initialize.go, (*InitOptions).Run; platform docs)', () => {
  const fails = (raw: Record<string, unknown>) => () => parseKraftcloudConfig({ master: 'nginx', ...raw }, 'svc.yaml');

  it('defaults as the CLI: min 0, max 10, warm-up and cool-down 1 s, scale-to-zero off, 10 ms loop', () => {
    const c = parseKraftcloudConfig({ master: 'nginx' });
    expect([c.minSize, c.maxSize, c.warmup, c.cooldown, c.decisionPeriod, c.scaleToZero.policy]).toEqual([0, 10, S, S, 10 * MS, 'off']);
    expect(c.options).toEqual({ warmup_meaning: 'legacy', cpu_aggregation: 'average', inflight_aggregation: 'sum', rps_aggregation: 'sum', percent_rounding: 'aws' });
  });

  it('accepts every adjustment spelling: absolute = exact, percentage = percent', () => {
    const adj = (a: string) => parseKraftcloudConfig({ master: 'm', policies: [{ name: 'p', adjustment: a, steps: ['0:/1'] }] }).policies[0]!.adjustment;
    expect(['change', 'exact', 'absolute', 'percent', 'percentage'].map(adj)).toEqual(['change', 'exact', 'exact', 'percent', 'percent']);
    expect(fails({ policies: [{ name: 'p', adjustment: 'ratio', steps: ['0:/1'] }] })).toThrow(/^svc\.yaml: policies\[0\]\.adjustment: must be one of change, exact, absolute, percent, percentage/);
  });

  it('warm-up and cool-down: at least 10 ms, whole milliseconds', () => {
    expect(parseKraftcloudConfig({ master: 'm', warmup_time: '10.7ms' }).warmup).toBe(10 * MS); // Duration.Milliseconds() truncates
    expect(parseKraftcloudConfig({ master: 'm', cooldown_time_ms: 250 }).cooldown).toBe(250 * MS);
    expect(fails({ warmup_time: '9ms' })).toThrow('svc.yaml: warmup_time: warmup time must be at least 10ms');
    expect(fails({ cooldown_time_ms: 5 })).toThrow('svc.yaml: cooldown_time_ms: cooldown time must be at least 10ms');
  });

  it('refuses min above max, a bad step (naming policy and step), bad scale-to-zero', () => {
    expect(fails({ min_size: 3, max_size: 2 })).toThrow('svc.yaml: min_size: min_size 3 is above max_size 2');
    expect(fails({ policies: [{ name: 'p', steps: ['600:800/50', '900:/100'] }] })).toThrow('svc.yaml: policies[0].steps[1] ("900:/100"): steps are not contiguous');
    expect(fails({ scale_to_zero: { policy: 'on', cooldown_time: '0.5ms' } })).toThrow('svc.yaml: scale_to_zero.cooldown_time: scale-to-zero-cooldown needs to be at least 1ms');
    // kraftkit instance/create/create.go: a cool-down of 0 is not sent (platform default 1 s); whole ms are sent
    expect(parseKraftcloudConfig({ master: 'm', scale_to_zero: { policy: 'on', cooldown_time: 0, stateful: true } }).scaleToZero).toEqual({ policy: 'on', cooldown: S, notifyTime: 0, stateful: true });
    expect(parseKraftcloudConfig({ master: 'm', scale_to_zero: { policy: 'on', cooldown_time: '2.5ms' } }).scaleToZero.cooldown).toBe(2 * MS);
    expect(fails({ scale_to_zero: { policy: 'on', cooldown_time: '1s', notify_time: '1s' } })).toThrow('svc.yaml: scale_to_zero.notify_time: notify time must be below the scale-to-zero cooldown');
    expect(fails({ has_ports: false, scale_to_zero: { policy: 'idle' } })).toThrow(/^svc\.yaml: scale_to_zero\.policy: scale-to-zero "idle" needs a service with ports/);
    expect(fails({ frobnicate: 1 })).toThrow(/^svc\.yaml: frobnicate: unknown key/);
    expect(fails({ policies: [{ name: 'p', type: 'on_demand', steps: ['0:/1'] }] })).toThrow(/^svc\.yaml: policies\[0\]\.type: on_demand policies .* are not modelled/);
    expect(() => parseKraftcloudConfig({}, 'svc.yaml')).toThrow('svc.yaml: master: required');
  });
});

describe('percent rounding (default: the EC2 Auto Scaling rule)', () => {
  it.each([
    // capacity, percent, aws, toward_zero, away_from_zero, nearest
    [3, 50, 1, 1, 2, 2], //   1.5
    [1, 50, 1, 0, 1, 1], //   0.5: between 0 and 1 → 1
    [10, 25, 2, 2, 3, 3], //  2.5
    [4, 100, 4, 4, 4, 4], //  4
    [3, -50, -1, -1, -2, -2], // −1.5: toward zero
    [1, -50, -1, 0, -1, -1], //  −0.5: between −1 and 0 → −1
    [1, -10, -1, 0, -1, 0], //   −0.1
    [0, 50, 0, 0, 0, 0], //      0 stays 0
  ])('%i instances, %i percent → aws %i, toward_zero %i, away_from_zero %i, nearest %i', (c, p, aws, tz, az, near) => {
    expect([percentChange(c, p, 'aws'), percentChange(c, p, 'toward_zero'), percentChange(c, p, 'away_from_zero'), percentChange(c, p, 'nearest')]).toEqual([aws, tz, az, near]);
  });

  it('change adds, exact sets, percent adds the rounded share', () => {
    expect([targetOf(4, 'change', -1, 'aws'), targetOf(4, 'exact', 2, 'aws'), targetOf(5, 'percent', 50, 'aws')]).toEqual([3, 2, 7]);
  });
});

describe('the seed blog\'s policies, worked by hand (average millicores per instance)', () => {
  it('at 700 millicores 600:800/50 adds 50 % of 2 = 1.0 → 1 instance', () => {
    expect(act(blog(), [inst('a', 700), inst('b', 700)])).toEqual([{ type: 'spawn', count: 1, from: 'nginx', reason: 'policy' }]);
  });

  it('at 900 millicores 800:/100 adds 100 % of 3 = 3 instances', () => {
    expect(act(blog(), [inst('a', 900), inst('b', 900), inst('c', 900)])).toEqual([{ type: 'spawn', count: 3, from: 'nginx', reason: 'policy' }]);
  });

  it('the boundaries: exactly 600 and exactly 800 scale out, 599 does not', () => {
    expect(decide(blog(), initialState(), { instances: [inst('a', 600), inst('b', 600)], waiting: 0 }, 10 * S).evaluations[0]).toEqual({ policy: 'scale-out', metric: 600, step: '600:800/50', target: 3 });
    expect(decide(blog(), initialState(), { instances: [inst('a', 800), inst('b', 800)], waiting: 0 }, 10 * S).evaluations[0]).toEqual({ policy: 'scale-out', metric: 800, step: '800:/100', target: 4 });
    expect(act(blog(), [inst('a', 599), inst('b', 599)])).toEqual([]);
  });

  it('max_size 8 caps 100 % of 7 = +7 at one more instance', () => {
    const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => inst(id, 900));
    expect(act(blog(), seven)).toEqual([{ type: 'spawn', count: 1, from: 'nginx', reason: 'policy' }]);
  });

  it(':50/-50 scales in only below 50 millicores (5 % of a vCPU): −50 % of 3 = −1.5 → −1', () => {
    // newest instance goes (fewest in-flight requests, then newest)
    const three = [inst('a', 40), inst('b', 40), inst('c', 40, { createdAt: -5 * S })];
    expect(act(blog(), three)).toEqual([{ type: 'destroy', instance: 'c' }]);
    expect(act(blog(), [inst('a', 300), inst('b', 300), inst('c', 300)])).toEqual([]); // 300 ≥ 50
  });

  it(':500/-50 scales in at 300 millicores: −50 % of 3 → −1; between 500 and 600 nothing moves', () => {
    expect(act(blog(':500/-50'), [inst('a', 300), inst('b', 300), inst('c', 300)])).toHaveLength(1);
    expect(act(blog(':500/-50'), [inst('a', 550), inst('b', 550)])).toEqual([]);
  });

  it('the last instance goes when traffic stops (min 0): −50 % of 1 = −0.5 → −1', () => {
    expect(act(blog(), [inst('a', 10)])).toEqual([{ type: 'destroy', instance: 'a' }]);
    expect(act(blog(':50/-50', { min_size: 1 }), [inst('a', 10)])).toEqual([]); // min_size 1 keeps it
  });
});

describe('warm-up and cool-down, both documented meanings', () => {
  const legacy = blog(':50/-50', { warmup_time: '100ms', cooldown_time: '200ms' });
  const current = blog(':50/-50', { warmup_time: '100ms', cooldown_time: '200ms', options: { warmup_meaning: 'current' } });
  const at = (ms: number) => 10 * S + ms * MS;

  it('legacy: a new instance is left out of the metric and of the base until its warm-up ends', () => {
    // a at 900: 800:/100 → base 1 + 100 % = 2, one running → spawn 1 at t
    const d0 = decide(legacy, initialState(), { instances: [inst('a', 900)], waiting: 0 }, at(0));
    expect(d0.actions).toEqual([{ type: 'spawn', count: 1, from: 'nginx', reason: 'policy' }]);
    // t+10 ms: b starting (created t): base still 1 → target 2 = the 2 instances there → nothing
    const b = (mc: number, state: 'starting' | 'running') => inst('b', mc, { state, createdAt: at(0), since: at(0) });
    expect(decide(legacy, d0.state, { instances: [inst('a', 900), b(0, 'starting')], waiting: 0 }, at(10)).actions).toEqual([]);
    // t+50 ms: b running at 0 millicores but warming: the average is a's 900 alone, still nothing
    const d50 = decide(legacy, d0.state, { instances: [inst('a', 900), b(0, 'running')], waiting: 0 }, at(50));
    expect(d50.evaluations[0]!.metric).toBe(900);
    expect(d50.actions).toEqual([]);
    // t+100 ms: b counts: (900 + 900) / 2 = 900 → base 2 + 100 % = 4 → spawn 2 (no wait after a scale-out)
    expect(decide(legacy, d0.state, { instances: [inst('a', 900), b(900, 'running')], waiting: 0 }, at(100)).actions).toEqual([{ type: 'spawn', count: 2, from: 'nginx', reason: 'policy' }]);
  });

  it('legacy: with every instance still warming, a sum of nothing (0) scales nothing in', () => {
    // in-flight sum over no counted instance = 0 → :1/-1 matches → 0 − 1 = −1 → clamped to 0 = base 0 → nothing
    const c = parseKraftcloudConfig({ master: 'm', warmup_time: '100ms', policies: [{ name: 'in', metric: 'inflight_reqs', steps: [':1/-1'] }] });
    expect(act(c, [inst('a', 0, { createdAt: at(0) })], at(50))).toEqual([]);
    expect(act(c, [inst('a', 0, { createdAt: at(0) })], at(100))).toEqual([{ type: 'destroy', instance: 'a' }]); // counted now: 1 − 1 = 0
  });

  it('current: no scaling for warmup_time after a scale-out; new instances count at once', () => {
    const d0 = decide(current, initialState(), { instances: [inst('a', 900)], waiting: 0 }, at(0));
    expect(d0.actions).toEqual([{ type: 'spawn', count: 1, from: 'nginx', reason: 'policy' }]);
    const b = (mc: number) => inst('b', mc, { createdAt: at(0), since: at(0) });
    // t+50 ms: both at 900 → would be 2 + 2, but within the 100 ms warm-up
    expect(decide(current, d0.state, { instances: [inst('a', 900), b(900)], waiting: 0 }, at(50)).actions).toEqual([]);
    // t+100 ms: allowed → spawn 2
    expect(decide(current, d0.state, { instances: [inst('a', 900), b(900)], waiting: 0 }, at(100)).actions).toEqual([{ type: 'spawn', count: 2, from: 'nginx', reason: 'policy' }]);
    // t+50 ms with b at 0: the average (900 + 0) / 2 = 450 matches nothing anyway
    expect(decide(current, d0.state, { instances: [inst('a', 900), b(0)], waiting: 0 }, at(100)).evaluations[0]!.metric).toBe(450);
  });

  it('cool-down after a scale-in: legacy blocks scale-in only, current blocks both directions', () => {
    const idle3 = [inst('a', 10), inst('b', 10), inst('c', 10)];
    for (const config of [legacy, current]) {
      const d0 = decide(config, initialState(), { instances: idle3, waiting: 0 }, at(0));
      expect(d0.actions).toEqual([{ type: 'destroy', instance: 'c' }]); // −50 % of 3 → −1; ties: larger id first
      expect(decide(config, d0.state, { instances: idle3.slice(0, 2), waiting: 0 }, at(199)).actions).toEqual([]);
      expect(decide(config, d0.state, { instances: idle3.slice(0, 2), waiting: 0 }, at(200)).actions).toEqual([{ type: 'destroy', instance: 'b' }]);
    }
    const busy = [inst('a', 900), inst('b', 900)];
    const out = (config: KraftcloudConfig) => decide(config, { ...initialState(), lastScaleIn: at(0) }, { instances: busy, waiting: 0 }, at(100)).actions;
    expect(out(legacy)).toEqual([{ type: 'spawn', count: 2, from: 'nginx', reason: 'policy' }]);
    expect(out(current)).toEqual([]);
  });
});

describe('several policies at once: the largest target wins', () => {
  const config = (policies: unknown[]) => parseKraftcloudConfig({ master: 'm', max_size: 20, policies });

  it('a scale-out beats a scale-in', () => {
    // cpu average 20 < 50 → −50 % of 4 = −2 → 2; in-flight sum 4 × 5 = 20 ≥ 10 → 4 + 2 = 6 → max 6 → spawn 2
    const c = config([
      { name: 'cpu-in', metric: 'cpu', adjustment: 'percent', steps: [':50/-50'] },
      { name: 'reqs-out', metric: 'inflight_reqs', adjustment: 'change', steps: ['10:/2'] },
    ]);
    const four = ['a', 'b', 'c', 'd'].map((id) => inst(id, 20, { inflight: 5 }));
    expect(act(c, four)).toEqual([{ type: 'spawn', count: 2, from: 'm', reason: 'policy' }]);
  });

  it('among scale-ins the smallest reduction; a matching "no change" step vetoes', () => {
    // exact 1 and change −1 on 4 instances → targets 1 and 3 → 3 → destroy 1
    const two = config([
      { name: 'x', adjustment: 'exact', steps: [':100/1'] },
      { name: 'y', adjustment: 'change', steps: [':100/-1'] },
    ]);
    const four = ['a', 'b', 'c', 'd'].map((id) => inst(id, 10));
    expect(act(two, four)).toEqual([{ type: 'destroy', instance: 'd' }]);
    const veto = config([
      { name: 'x', adjustment: 'exact', steps: [':100/1'] },
      { name: 'hold', adjustment: 'change', steps: [':1000/0'] },
    ]);
    expect(act(veto, four)).toEqual([]);
  });

  it('aggregation is an option: cpu as a sum reads 4 × 20 = 80, above the :50 step', () => {
    const sum = parseKraftcloudConfig({ master: 'm', policies: [{ name: 'in', adjustment: 'percent', steps: [':50/-50'] }], options: { cpu_aggregation: 'sum' } });
    expect(act(sum, ['a', 'b', 'c', 'd'].map((id) => inst(id, 20)))).toEqual([]);
  });
});

describe('scale-to-zero and wake on request', () => {
  const s2z = (policy: string, extra: Record<string, unknown> = {}) =>
    parseKraftcloudConfig({ master: 'm', decision_period: '1s', scale_to_zero: { policy, cooldown_time: '500ms', notify_time: '100ms' }, ...extra });
  const quiet = (extra: Partial<InstanceObservation> = {}) => inst('a', 0, { since: 0, lastRequestAt: 1 * S, ...extra });

  it('on: told at idle + 400 ms, parked at idle + 500 ms; wakeAt follows the deadlines', () => {
    const c = s2z('on');
    // last request at 1.0 s → standby at 1.5 s, notify at 1.5 − 0.1 = 1.4 s; next tick 2 s
    const d1 = decide(c, initialState(), { instances: [quiet()], waiting: 0 }, 1.2 * S);
    expect([d1.actions, d1.wakeAt]).toEqual([[], 1.4 * S]);
    const d2 = decide(c, d1.state, { instances: [quiet()], waiting: 0 }, 1.4 * S);
    expect([d2.actions, d2.wakeAt]).toEqual([[{ type: 'notify', instance: 'a', standbyAt: 1.5 * S }], 1.5 * S]);
    const d3 = decide(c, d2.state, { instances: [quiet()], waiting: 0 }, 1.45 * S);
    expect(d3.actions).toEqual([]); // told once per idle period
    expect(decide(c, d3.state, { instances: [quiet()], waiting: 0 }, 1.5 * S).actions).toEqual([{ type: 'standby', instance: 'a' }]);
  });

  it('on counts an open connection as activity, idle does not', () => {
    const open = quiet({ connections: 1 });
    const on = decide(s2z('on'), initialState(), { instances: [open], waiting: 0 }, 1.5 * S);
    expect(on.actions).toEqual([]);
    // the connection closes; idle since the last time it was seen open (1.5 s) → standby at 2.0 s
    expect(decide(s2z('on'), on.state, { instances: [quiet()], waiting: 0 }, 1.9 * S).wakeAt).toBe(1.9 * S + 0.1 * S);
    expect(decide(s2z('on'), on.state, { instances: [quiet()], waiting: 0 }, 2.0 * S).actions).toEqual([{ type: 'standby', instance: 'a' }]);
    expect(decide(s2z('idle'), initialState(), { instances: [open], waiting: 0 }, 1.5 * S).actions).toEqual([{ type: 'standby', instance: 'a' }]);
  });

  it('never parks an instance with a request in flight; forced off without ports', () => {
    expect(decide(s2z('idle'), initialState(), { instances: [quiet({ inflight: 1 })], waiting: 0 }, 5 * S).actions).toEqual([]);
    const noPorts = { ...s2z('on'), hasPorts: false };
    expect(decide(noPorts, initialState(), { instances: [quiet()], waiting: 0 }, 5 * S).actions).toEqual([]);
  });

  it('wakes a parked instance on a request; with nothing parked, cold-starts one clone', () => {
    const parked = inst('a', 0, { state: 'standby', since: 2 * S, lastRequestAt: 1 * S });
    expect(act(s2z('on'), [parked], 2.2 * S)).toEqual([]);
    expect(act(s2z('on'), [{ ...parked, lastRequestAt: 2.3 * S }], 2.31 * S)).toEqual([{ type: 'wake', instance: 'a', reason: 'request' }]);
    // requests waiting at the service: the most recently parked instance wakes
    const older = inst('b', 0, { state: 'standby', since: 1 * S });
    expect(act(s2z('on'), [older, parked], 3 * S, initialState(), 2)).toEqual([{ type: 'wake', instance: 'a', reason: 'request' }]);
    expect(act(s2z('on'), [], 3 * S, initialState(), 2)).toEqual([{ type: 'spawn', count: 1, from: 'm', reason: 'request' }]);
  });
});

describe('decision loop', () => {
  it('wakes at the next whole decision period', () => {
    expect(nextTick(25 * MS, 10 * MS)).toBe(30 * MS);
    expect(nextTick(30 * MS, 10 * MS)).toBe(40 * MS);
    expect(decide(blog(), initialState(), { instances: [], waiting: 0 }, 7 * MS).wakeAt).toBe(10 * MS);
  });

  it('spawns up to min_size', () => {
    expect(act(parseKraftcloudConfig({ master: 'm', min_size: 2 }), [inst('a', 0)])).toEqual([{ type: 'spawn', count: 1, from: 'm', reason: 'min_size' }]);
  });

  it('keeps the state object when nothing changed', () => {
    const s = initialState();
    expect(decide(blog(), s, { instances: [inst('a', 300)], waiting: 0 }, 10 * S).state).toBe(s);
  });
});

describe('scalelab decide kraftcloud (a hand-made recording replayed)', () => {
  const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kraftcloud');
  const T0 = 1_780_000_000;
  let out = '';
  let err = '';
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-kraft-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  /** `scalelab decide kraftcloud ARGS…` in-process (test/helpers.ts runCli); its output in `out`/`err`. */
  const decideCli = async (...args: string[]): Promise<number> => {
    const r = await runCli('decide', 'kraftcloud', ...args);
    out = r.out;
    err = r.err;
    return r.code;
  };

  it('prints the actions the blog policies take on the recording', async () => {
    expect(await decideCli('--config', path.join(FIX, 'nginx-service.yaml'), '--input', path.join(FIX, 'nginx-recording.jsonl'))).toBe(0);
    expect(out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      // T0: a, b at 700 → 600:800/50 → +50 % of 2 = 1.0 → spawn 1
      { time: T0, type: 'spawn', count: 1, from: 'nginx', reason: 'policy' },
      // T0+0.01: a, b at 900 (800:/100 would add 2) but within the 100 ms warm-up (current meaning) → nothing
      // T0+0.2: a, b, c at 30 → :50/-50 → −50 % of 3 = −1.5 → −1; all idle, newest (c, first seen at T0+0.01) goes
      { time: T0 + 0.2, type: 'destroy', instance: 'nginx-c' },
      // T0+0.25: within the 100 ms cool-down → nothing; T0+0.4: −50 % of 2 = −1; a, b created together → larger id
      { time: T0 + 0.4, type: 'destroy', instance: 'nginx-b' },
      // T0+0.5: cool-down over (0.4 + 0.1) → −50 % of 1 = −0.5 → −1 → 0 instances (min 0)
      { time: T0 + 0.5, type: 'destroy', instance: 'nginx-a' },
      // T0+0.6: 3 requests wait and nothing runs or is parked → cold start from the master
      { time: T0 + 0.6, type: 'spawn', count: 1, from: 'nginx', reason: 'request' },
    ]);
    expect(err).toBe('');
  });

  it('a bad line is one error naming the input line, exit 2', async () => {
    const file = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(file, `{"time": ${T0}, "instance": "a", "millicores": 100}\n\n{"time": ${T0 + 1}, "instance": "a", "millicores": -5}\n`);
    expect(await decideCli('--config', path.join(FIX, 'nginx-service.yaml'), '--input', file)).toBe(2);
    expect(err).toBe(`scalelab: error: ${file}:3: millicores: must be a non-negative number\n`);
    fs.writeFileSync(file, `{"time": ${T0 + 1}, "instance": "a"}\n{"time": ${T0}, "instance": "a"}\n`);
    expect(await decideCli('--config', path.join(FIX, 'nginx-service.yaml'), '--input', file)).toBe(2);
    expect(err).toBe(`scalelab: error: ${file}:2: time: time goes back\n`);
  });

  it('a step list the CLI would refuse: one line naming the policy, the step and the rule, exit 2', async () => {
    const config = path.join(tmp, 'svc.yaml');
    fs.writeFileSync(config, 'master: nginx\npolicies:\n  - { name: out, adjustment: percent, steps: ["600:800/50", "900:/100"] }\n');
    expect(await decideCli('--config', config, '--input', path.join(FIX, 'nginx-recording.jsonl'))).toBe(2);
    expect(err).toBe(`scalelab: error: ${config}: policies[0].steps[1] ("900:/100"): steps are not contiguous: gap found between 800 and 900\n`);
    expect(out).toBe('');
  });

  it('needs --config', async () => {
    expect(await decideCli('--input', path.join(FIX, 'nginx-recording.jsonl'))).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});

describe('descriptor', () => {
  it('states the same defaults the configuration reader applies', () => {
    const c = parseKraftcloudConfig({ master: 'm' });
    const d = Object.fromEntries(kraftcloudDescriptor.config.map((k) => [k.key, k.default]));
    expect([d['min_size'], d['max_size'], d['warmup_time'], d['cooldown_time'], d['decision_period'], d['scale_to_zero.policy'], d['has_ports']]).toEqual([c.minSize, c.maxSize, '1s', '1s', '10ms', c.scaleToZero.policy, c.hasPorts]);
    expect(Object.fromEntries(kraftcloudDescriptor.options.map((k) => [k.key, k.default]))).toEqual(c.options);
  });

  it('checks min above max and notify time against the cool-down', () => {
    expect(kraftcloudDescriptor.check({ min_size: 3, max_size: 2, 'scale_to_zero.cooldown_time': 1000, 'scale_to_zero.notify_time': 1000, 'scale_to_zero.policy': 'off', has_ports: true }).map((p) => p.key)).toEqual(['min_size', 'scale_to_zero.notify_time']);
  });
});

describe('invariants over 5,000 random decisions', () => {
  it('stays within min/max, acts only on instances in the right state, wakes in time, repeats itself', () => {
    const rng = seedrandom('kraftcloud-invariants');
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
    const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
    const stepLists = [['600:800/50', '800:/100'], [':50/-50'], [':500/-50'], ['0:10/1', '10:/3'], [':100/1'], [':1000/0'], ['200:/-1']];
    for (let round = 0; round < 5_000; round++) {
      const maxSize = int(1, 8);
      const minSize = int(0, maxSize);
      const config = parseKraftcloudConfig({
        master: 'm',
        min_size: minSize,
        max_size: maxSize,
        warmup_time: `${int(10, 200)}ms`,
        cooldown_time: `${int(10, 200)}ms`,
        policies: Array.from({ length: int(0, 3) }, (_, k) => ({ name: `p${k}`, metric: pick(['cpu', 'inflight_reqs', 'reqs_per_sec']), adjustment: pick(['change', 'exact', 'percent']), steps: pick(stepLists) })),
        scale_to_zero: { policy: pick(['off', 'on', 'idle']), cooldown_time: `${int(1, 300)}ms`, notify_time: '0ms' },
        options: { warmup_meaning: pick(['legacy', 'current']), percent_rounding: pick(['aws', 'toward_zero', 'away_from_zero', 'nearest']) },
      });
      const now = int(1_000, 2_000) * MS;
      const instances = Array.from({ length: int(0, maxSize) }, (_, k) =>
        inst(`i${k}`, int(0, 1200), { state: pick(['running', 'starting', 'standby'] as const), createdAt: now - int(0, 500) * MS, since: now - int(0, 400) * MS, inflight: int(0, 3), connections: int(0, 2), rps: int(0, 50), lastRequestAt: rng() < 0.5 ? null : now - int(0, 600) * MS }),
      );
      const state: KraftcloudState = { lastScaleOut: rng() < 0.5 ? null : now - int(0, 300) * MS, lastScaleIn: rng() < 0.5 ? null : now - int(0, 300) * MS, idle: new Map() };
      const obs = { instances, waiting: int(0, 2) };
      const d = decide(config, state, obs, now);
      expect(decide(config, state, obs, now)).toEqual(d);
      const byId = new Map(instances.map((i) => [i.id, i]));
      const spawned = d.actions.reduce((n, a) => n + (a.type === 'spawn' ? a.count : 0), 0);
      const destroyed = d.actions.filter((a) => a.type === 'destroy').map((a) => (a as { instance: string }).instance);
      const woken = d.actions.filter((a) => a.type === 'wake').map((a) => (a as { instance: string }).instance);
      const parked = d.actions.filter((a) => a.type === 'standby').map((a) => (a as { instance: string }).instance);
      const after = instances.length + spawned - destroyed.length;
      expect(after).toBeLessThanOrEqual(maxSize);
      expect(after).toBeGreaterThanOrEqual(minSize);
      expect(new Set(destroyed).size).toBe(destroyed.length);
      for (const id of destroyed) expect(byId.get(id)!.state === 'standby' || woken.includes(id) || parked.includes(id)).toBe(false);
      for (const id of woken) expect(byId.get(id)!.state).toBe('standby');
      for (const id of parked) expect(byId.get(id)!.state).toBe('running');
      expect(new Set(woken).size).toBe(woken.length);
      expect(d.wakeAt).toBeGreaterThan(now);
      expect(d.wakeAt).toBeLessThanOrEqual(nextTick(now, config.decisionPeriod));
    }
  });
});

describe('configuration inside a scenario', () => {
  it('names keys with the prefix the caller gives', () => {
    // sorted: :5/1 (no lower bound) first, then 0:10/1 at idx 1 → previous upper 5 ≠ lower 0
    expect(() => parseKraftcloudConfig({ master: 'm', policies: [{ name: 'p', steps: ['0:10/1', ':5/1', '10:/2'] }] }, 's.yaml', 'engine.config.')).toThrow(
      's.yaml: engine.config.policies[0].steps[0] ("0:10/1"): steps are not contiguous: gap found between 5 and 0',
    );
    expect(() => parseKraftcloudConfig({ master: 'm', min_size: 4, max_size: 3 }, 's.yaml', 'engine.config.')).toThrow('s.yaml: engine.config.min_size: min_size 4 is above max_size 3');
  });
});
