/**
 * The Python reference engines (examples/engines/albatross_corrected.py, examples/engines/hpa.py)
 * against scalelab's own cores.
 *
 * 1. Transcript parity: each hand-written request sequence in test/fixtures/protocol/*.jsonl goes
 *    to the Python engine (a child process, the whole transcript on stdin) and to a reference
 *    handler written here over the TypeScript cores themselves (albatross `coreOnStats`,
 *    `onSync`, `onSpawnResult`, `onDestroyResult` and the plug-in's `toCommand`; hpa `onSync` and
 *    the plug-in's report fields). The replies must be equal as parsed JSON. A few replies of
 *    each fixture are also pinned by hand (arithmetic in the comments), so that a fixture that
 *    stopped exercising its case (scale-up after ticks, cooldown, primary death, stabilisation
 *    window, rate limit, tolerance edge) fails.
 * 2. Random transcripts: world-like request sequences generated here (seeded), each request
 *    answered by the TypeScript core as it is made and the world reacting to its actions; the
 *    Python replies must equal them (and the loopback's).
 * 3. Scenario-level differential: the same scenario run with the built-in engine and with
 *    `engine: { kind: external, command: [python3, examples/engines/...] }` must write identical
 *    events.jsonl, summary.json and timeseries.csv (ten runs). This needs the external runner
 *    (packages transport and replica); without it the test is skipped and says what is missing.
 *
 * Every test needs python3 on PATH; without it they are skipped with a plain message.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import {
  coreOnStats,
  evaluatedAverage,
  inCooldown,
  initialGroup,
  onDestroyResult,
  onSpawnResult,
  onSync as albatrossSync,
  type AlbatrossConfig,
  type AlbatrossOptions,
  type Decision,
  type GroupContext,
  type GroupState,
  type SpawnOutcome,
  type StatsSample,
} from '../src/engines/albatross/core.js';
import { toCommand } from '../src/engines/albatross/plugin.js';
import { initialState as hpaInitialState, onSync as hpaSync } from '../src/engines/hpa/engine.js';
import { percentOfTarget } from '../src/engines/hpa/plugin.js';
import type { HpaConfig, HpaState, Observation } from '../src/engines/hpa/types.js';
import type { HelloRequest } from '../src/engines/external/protocol.js';
import type { Sent } from '../src/engines/external/api.js';
import { loopbackEngine } from '../src/engines/external/loopback/index.js';

const S = 1_000_000;
const ALBATROSS_PY = path.resolve('examples/engines/albatross_corrected.py');
const HPA_PY = path.resolve('examples/engines/hpa.py');

/** python3 on PATH (the reference engines need nothing else: standard library only). */
function findPython(): string | null {
  const r = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 6)'], { stdio: 'ignore' });
  return r.status === 0 ? 'python3' : null;
}
const python = findPython();
const NO_PYTHON = ' — SKIPPED: no python3 on PATH (Debian: apt-get install python3)';
/** A test that needs python3: skipped, saying so, without it. */
const pyIt = (name: string, fn: () => void): void => {
  it.skipIf(python === null)(python === null ? `${name}${NO_PYTHON}` : name, fn);
};

type Json = Record<string, unknown>;

/** A fixture's lines, parsed. */
function fixture(name: string): Json[] {
  return fs
    .readFileSync(path.join('test/fixtures/protocol', name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);
}

/** The Python engine's replies to `requests` (sent all at once; it answers one line per request). */
function runPython(script: string, requests: readonly Json[]): Json[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const r = spawnSync(python!, [script], { input, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${path.basename(script)} exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);
}

/** As JSON carries it: NaN and infinities become null. */
function asJson<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x));
}

// --- reference handlers over the TypeScript cores ----------------------------------------------

type Handler = (req: Json) => Json;

/**
 * The albatross dialect answered by the built-in core, as the built-in plug-in calls it
 * (src/engines/albatross/plugin.ts: `decide`, `periodic.run`, `onSpawnResult` with `outcomeOf`,
 * `onGone`, `report.reading`), each step carrying the report the Python engine sends.
 */
function albatrossReference(hello: HelloRequest): Handler {
  const core = hello.core as { config: AlbatrossConfig; options: AlbatrossOptions };
  const contexts = new Map<string, GroupContext>();
  for (const g of hello.groups ?? []) contexts.set(g.name, { config: core.config, options: core.options, policy: { vcpus: g.vcpus, maxInstances: g.maxInstances, minInstances: g.minInstances } });
  const states = new Map<string, GroupState>();
  const cpu = new Map<string, number | null>();
  const step = (group: string, d: Decision, now: number): Json => {
    states.set(group, d.state);
    const ctx = contexts.get(group)!;
    return {
      type: 'step',
      actions: d.actions.map((a) => toCommand(a, d.state.primary)),
      report: { cpu: cpu.get(group) ?? null, highTicks: d.state.highTicks, lowTicks: d.state.lowTicks, inCooldown: inCooldown(ctx, d.state, now), cooldownStart: d.state.lastScaleAction },
    };
  };
  return (req) => {
    const now = req['now'] as number;
    const group = req['group'] as string;
    if (req['type'] === 'init') return step(group, initialGroup(group).unchanged, now);
    const ctx = contexts.get(group)!;
    const state = states.get(group)!;
    switch (req['type']) {
      case 'observe': {
        const records = req['records'] as StatsSample[];
        const d = coreOnStats(ctx, state, records, records.length, now);
        cpu.set(group, evaluatedAverage(ctx, state, d.state, records, records.length, now));
        return step(group, d, now);
      }
      case 'sync': {
        const alive = new Set(req['alive'] as string[]);
        return step(group, albatrossSync(ctx, state, (name) => alive.has(name), now), now);
      }
      case 'spawn_result': {
        const result = req['result'] as string;
        const outcome: SpawnOutcome = result === 'placed' ? 'created' : result === 'no_capacity' ? 'failed' : 'refused';
        return step(group, onSpawnResult(ctx, state, req['name'] as string, outcome, now), now);
      }
      case 'gone':
        return step(group, req['cause'] === 'destroyed' ? onDestroyResult(ctx, state, req['name'] as string, now) : state.unchanged, now);
      default:
        throw new Error(`no reference for ${String(req['type'])}`);
    }
  };
}

/**
 * The hpa dialect answered by the built-in core, with the report the built-in plug-in keeps
 * (src/engines/hpa/plugin.ts `bind` → `sync`: utilisation, largest proposal, % of target).
 */
function hpaReference(hello: HelloRequest): Handler {
  const config = hello.core as HpaConfig;
  const target = config.metrics.find((m) => m.type === 'Resource' && m.name === 'cpu' && m.target.type === 'Utilization');
  const states = new Map<string, HpaState>();
  return (req) => {
    const now = req['now'] as number;
    const group = req['group'] as string;
    if (req['type'] === 'init') {
      states.set(group, hpaInitialState());
      return { type: 'step', actions: [], wakeAt: 0 };
    }
    if (req['type'] === 'spawn_result' || req['type'] === 'gone') return { type: 'step', actions: [] };
    if (req['type'] !== 'observe') throw new Error(`no reference for ${String(req['type'])}`);
    const r = hpaSync(config, states.get(group)!, req['obs'] as Observation, now);
    states.set(group, r.state);
    const cpuOutcome = r.metrics.find((m) => m.metric.startsWith('cpu resource utilization'));
    const ratios = r.metrics.length === config.metrics.length ? config.metrics.map((m, k) => percentOfTarget(m, r.metrics[k]!.current)) : config.metrics.map(() => NaN);
    let proposal = NaN;
    for (const o of r.metrics) if (o.proposal !== null && (Number.isNaN(proposal) || o.proposal > proposal)) proposal = o.proposal;
    return {
      type: 'step',
      desiredReplicas: r.desiredReplicas,
      actions: r.actions,
      wakeAt: r.wakeAt,
      report: { cpu: target !== undefined && cpuOutcome !== undefined ? cpuOutcome.current : null, proposal, ratios },
    };
  };
}

/** The replies a correct engine gives to a fixture (hello checked separately). */
function referenceReplies(lines: readonly Json[], make: (hello: HelloRequest) => Handler): Json[] {
  const handle = make(lines[0] as unknown as HelloRequest);
  return lines.slice(1).map((req) => asJson(req['type'] === 'end' ? { id: req['id'], type: 'bye' } : { id: req['id'], ...handle(req) }) as Json);
}

/** Parity of one fixture: the Python replies equal the reference's; returns them by id. */
function parity(name: string, script: string, make: (hello: HelloRequest) => Handler, dialect: string): Json[] {
  return parityOf(name, fixture(name), script, make, dialect);
}

/** Parity of a transcript (hello first, end last). */
function parityOf(name: string, lines: readonly Json[], script: string, make: (hello: HelloRequest) => Handler, dialect: string): Json[] {
  const got = runPython(script, lines);
  expect(got.length).toBe(lines.length);
  expect(got[0]).toMatchObject({ id: 0, type: 'hello', version: 1, engine: dialect, shape: 'horizontal', batch: true });
  const want = referenceReplies(lines, make);
  for (let k = 0; k < want.length; k++) expect(got[k + 1], `reply ${k + 1} of ${name}`).toEqual(want[k]);
  // and the loopback (package core: the built-in cores behind the protocol) agrees, reply for reply
  const loop = loopbackReplies(lines);
  for (let k = 0; k < loop.length; k++) expect(got[k + 1], `reply ${k + 1} of ${name} vs the loopback`).toEqual(loop[k]);
  return got;
}

/** The loopback engine's replies to a fixture, through JSON as an external engine's would come. */
function loopbackReplies(lines: readonly Json[]): Json[] {
  const handler = loopbackEngine.open(lines[0] as unknown as HelloRequest);
  return lines.slice(1).map((req) => asJson({ id: req['id'], ...handler.handle(asJson(req) as Sent) }) as Json);
}

/** The actions of a reply. */
const actionsOf = (reply: Json | undefined): unknown[] => (reply?.['actions'] as unknown[]) ?? [];

describe('the Python helpers', () => {
  pyIt('scalelab_engine.py: its doctests (version ranges, JS division, NaN to null) pass', () => {
    const r = spawnSync(python!, ['-m', 'doctest', '-v', 'examples/engines/scalelab_engine.py'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Test passed\./);
  });

  pyIt('albatross_corrected.py: its doctests (OCaml int_of_string, clone names, basis points) pass', () => {
    const r = spawnSync(python!, ['-m', 'doctest', '-v', 'examples/engines/albatross_corrected.py'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Test passed\./);
  });
});

describe('transcript parity: albatross_corrected.py vs the TypeScript core', () => {
  pyIt('albatross-scale-up.jsonl: ticks, scale-up, cooldown, failed spawn, max_instances, scale-down of the highest id', () => {
    const r = parity('albatross-scale-up.jsonl', ALBATROSS_PY, albatrossReference, 'albatross');
    // thresholds 90 % / 40 %, 3 up ticks, 5 down ticks, cooldown 600 s; web at 95 % of 1 vCPU:
    // 9.5 s of CPU over 10 s = 9_500 bp > 9_000 → a high tick at 20, 30 s; the first record (10 s)
    // is not counted (exclude_booting); the third tick (40 s) spawns web-clone-1.
    expect(r[3]!['report']).toMatchObject({ cpu: 95, highTicks: 1 });
    expect(actionsOf(r[5])).toEqual([{ type: 'spawn', name: 'web-clone-1', cloneOf: 'web', scaling: 'up' }]);
    // placed at 40.02 s: the clone registers and the cooldown restarts from then (40_020_000)
    expect(r[6]!['report']).toMatchObject({ inCooldown: true, cooldownStart: 40_020_000 });
    // 630 s: 630 − 40.02 = 589.98 s < 600 s: still cooling; 640 s: 599.98 s, still; 650 s: first tick
    expect(r[9]!['report']).toMatchObject({ highTicks: 0, inCooldown: true });
    expect(r[11]!['report']).toMatchObject({ highTicks: 1, inCooldown: false });
    expect(actionsOf(r[13])).toEqual([{ type: 'spawn', name: 'web-clone-2', cloneOf: 'web', scaling: 'up' }]);
    // no_capacity = failed: remove_cooldown (stamp back to the epoch), so 680/690/700 s tick at once
    expect(r[14]!['report']).toMatchObject({ cooldownStart: null, inCooldown: false });
    expect(actionsOf(r[17])).toEqual([{ type: 'spawn', name: 'web-clone-2', cloneOf: 'web', scaling: 'up' }]);
    // 3 members = max_instances 3: ticks go on counting (1310…1340 s: 1, 2, 3, 4) but nothing spawns
    expect(r[22]!['report']).toMatchObject({ highTicks: 4 });
    expect(actionsOf(r[22])).toEqual([]);
    // 20 % < 40 %: five low ticks 1350…1390 s, then the clone with the highest id goes
    expect(actionsOf(r[27])).toEqual([{ type: 'destroy', instance: 'web-clone-2', reason: 'scale_down', scaling: 'down' }]);
    expect(r[28]!['report']).toMatchObject({ cooldownStart: 1_390_005_000 });
  });

  pyIt('albatross-primary-death.jsonl: adoption, clone id 0x1f, silence is death, primary death destroys clones, a fresh group', () => {
    const r = parity('albatross-primary-death.jsonl', ALBATROSS_PY, albatrossReference, 'albatross');
    // unknown running clones are adopted (name order: api-clone-0x1f, api-clone-3); `other` is not ours
    expect(actionsOf(r[3])).toEqual([
      { type: 'adopt', instance: 'api-clone-0x1f' },
      { type: 'adopt', instance: 'api-clone-3' },
    ]);
    // 2 vCPUs: 10 % each → 1_000 bp < 3_000: low ticks at 90 and 100 s; the victim is the highest
    // id: int_of_string("0x1f") = 31 > 3
    expect(actionsOf(r[6])).toEqual([{ type: 'destroy', instance: 'api-clone-0x1f', reason: 'scale_down', scaling: 'down' }]);
    // the primary is silent from 110 s; without its record the round is not evaluated (cpu null);
    // at 140 s it has been silent 30 s = death_timeout: group forgotten, its clone destroyed
    expect(r[8]!['report']).toMatchObject({ cpu: null });
    expect(actionsOf(r[10])).toEqual([
      { type: 'note', event: 'group_forgotten' },
      { type: 'destroy', instance: 'api-clone-3', reason: 'primary_death' },
    ]);
    // the primary reports again at 200 s: a fresh group, which spawns api-clone-1 after two ticks
    expect(actionsOf(r[17])).toEqual([{ type: 'spawn', name: 'api-clone-1', cloneOf: 'api', scaling: 'up' }]);
    // primary_missing = refused: the stamp of the decision (220 s) stays
    expect(r[18]!['report']).toMatchObject({ cooldownStart: 220_000_000 });
  });

  pyIt('a batch is answered part by part, like single requests', () => {
    const lines = fixture('albatross-scale-up.jsonl');
    const single = runPython(ALBATROSS_PY, lines);
    // requests 1 to 4 (init and three observes) as one batch each, stripped of id and now
    const batched = lines.slice(0, 1).concat(
      lines.slice(1, 5).map((r, k) => {
        const { id: _id, now, ...part } = r;
        void _id;
        return { id: k + 1, type: 'batch', now, requests: [part] };
      }),
    );
    const got = runPython(ALBATROSS_PY, batched);
    for (let k = 1; k <= 4; k++) {
      const { id: _id, ...want } = single[k]!;
      void _id;
      expect(got[k]).toEqual({ id: k, type: 'batch', replies: [want] });
    }
  });

  pyIt('refuses the faithful options in hello, and a protocol range it does not speak', () => {
    const hello = fixture('albatross-scale-up.jsonl')[0]!;
    const faithful = { ...hello, core: { ...(hello['core'] as Json), options: { ...((hello['core'] as Json)['options'] as Json), round_evaluation: false } } };
    const [refused] = runPython(ALBATROSS_PY, [faithful]);
    expect(refused).toEqual({ id: 0, type: 'error', message: 'albatross_corrected.py runs the corrected variant only: option round_evaluation is false, it needs true' });
    const [mismatch] = runPython(ALBATROSS_PY, [{ ...hello, protocol: { min: 2, max: 3 } }]);
    expect(mismatch).toEqual({ id: 0, type: 'hello', error: 'speaks protocol 1 to 1' });
  });
});

/**
 * A random albatross transcript that reacts like a world: the reference (the TypeScript core)
 * answers each request as it is made, and its actions are carried out — a spawn comes back
 * placed, without room or refused; a destroy comes back gone; a primary may die (its records
 * stop), records go missing now and then (silence), an unknown clone may show up (adoption), and
 * a sync pass runs every minute. Loads wander per group, so groups scale up and down.
 */
function randomAlbatrossTranscript(seed: string, groupCount: number, rounds: number): Json[] {
  const rng = seedrandom(seed);
  const config = { poll_interval: 300 * S, scale_up_threshold_percent: 70, scale_up_trigger_ticks: 2, scale_down_threshold_percent: 30, scale_down_trigger_ticks: 2, cooldown_period: 30 * S, death_timeout: 40 * S };
  const options = { microsecond_cpu: true, round_evaluation: true, exclude_booting: true, silence_is_death: true, require_primary_record: true, primary_death: 'destroy', scale_down_victim: 'highest_id', enforce_limits: true };
  const groups = Array.from({ length: groupCount }, (_, i) => ({ name: `g${i}`, vcpus: 1 + (i % 2), minInstances: 1, maxInstances: 2 + (i % 4), requests: false }));
  const hello = { id: 0, type: 'hello', now: 0, protocol: { min: 1, max: 1 }, scalelab: '0.1.0', engine: 'albatross', variant: 'corrected', shape: 'horizontal', config, options, core: { config, options }, seed: 1, end: rounds * 10 * S, world: { statsInterval: 10 * S }, groups };
  const lines: Json[] = [hello];
  const ref = albatrossReference(hello as unknown as HelloRequest);
  let id = 1;
  const send = (now: number, body: Json): Json => {
    const req = { id: id++, now, ...body };
    lines.push(req);
    return ref(req);
  };
  /** per instance: cumulative CPU µs, last report time, CPU then */
  const counters = new Map<string, { cpu: number; at: number; last: number }>();
  const alive = groups.map((g) => new Set<string>([g.name]));
  const level = groups.map(() => rng());
  let adoptions = 0;
  const carryOut = (g: number, now: number, reply: Json): void => {
    for (const a of (reply['actions'] as Json[]) ?? []) {
      const group = groups[g]!.name;
      if (a['type'] === 'spawn') {
        const r = rng();
        const result = r < 0.8 ? 'placed' : r < 0.9 ? 'no_capacity' : 'primary_missing';
        if (result === 'placed') alive[g]!.add(a['name'] as string);
        carryOut(g, now + 20_000, send(now + 20_000, { type: 'spawn_result', group, name: a['name'], result }));
      } else if (a['type'] === 'destroy') {
        alive[g]!.delete(a['instance'] as string);
        carryOut(g, now + 5_000, send(now + 5_000, { type: 'gone', group, name: a['instance'], cause: 'destroyed' }));
      }
    }
  };
  groups.forEach((g) => send(0, { type: 'init', group: g.name, instances: [{ name: g.name, primary: true }] }));
  for (let r = 1; r <= rounds; r++) {
    const now = r * 10 * S;
    groups.forEach((g, i) => {
      level[i] = Math.min(1, Math.max(0, level[i]! + (rng() - 0.5) * 0.4));
      if (rng() < 0.01) alive[i]!.delete(g.name); // the primary dies
      if (rng() < 0.01) alive[i]!.add(`${g.name}-clone-${rng() < 0.5 ? '0x' : ''}${10 + adoptions++}`); // a clone albatross knows, the group not
      const records: Json[] = [];
      for (const name of [...alive[i]!].sort()) {
        if (rng() < 0.08) continue; // this record is late: missing from the round
        const c = counters.get(name);
        const load = Math.min(1, Math.max(0, level[i]! + (rng() - 0.5) * 0.2));
        const cpu = c === undefined ? Math.floor(rng() * 5 * S) : c.cpu + Math.floor(load * (now - c.at) * g.vcpus);
        const sec = Math.floor(cpu / S);
        const prevSec = c === undefined ? 0 : Math.floor(c.last / S);
        records.push({ name, utimeSec: sec, utimeUsec: cpu - sec * S, stimeSec: 0, stimeUsec: 0, previousAt: c === undefined ? -1 : c.at, previousUtimeSec: prevSec, previousUtimeUsec: c === undefined ? 0 : c.last - prevSec * S, previousStimeSec: 0, previousStimeUsec: 0 });
        counters.set(name, { cpu, at: now, last: cpu });
      }
      carryOut(i, now, send(now, { type: 'observe', group: g.name, records }));
      if (r % 6 === 0) carryOut(i, now, send(now, { type: 'sync', group: g.name, alive: [...alive[i]!].sort() }));
    });
  }
  lines.push({ id: id++, type: 'end', now: (rounds + 1) * 10 * S });
  return lines;
}

describe('random transcripts: albatross_corrected.py vs the TypeScript core', () => {
  for (const seed of ['a', 'b', 'c']) {
    pyIt(`seed ${seed}: 8 groups, 300 rounds with spawns, failures, destroys, adoptions, silences and primary deaths`, () => {
      const lines = randomAlbatrossTranscript(seed, 8, 300);
      const got = parityOf(`random ${seed}`, lines, ALBATROSS_PY, albatrossReference, 'albatross');
      // the transcript exercised what it is for (counts over the whole run)
      const kinds = new Map<string, number>();
      for (const reply of got) for (const a of actionsOf(reply)) kinds.set((a as Json)['type'] as string, (kinds.get((a as Json)['type'] as string) ?? 0) + 1);
      for (const kind of ['spawn', 'destroy', 'adopt', 'note']) expect(kinds.get(kind) ?? 0, `${kind} actions`).toBeGreaterThan(0);
    });
  }
});

describe('transcript parity: hpa.py vs the TypeScript core', () => {
  pyIt('hpa-legacy.jsonl: missing first sample, scale-up, unready second pass, downscale stabilisation, scale-up limit, bounds', () => {
    const r = parity('hpa-legacy.jsonl', HPA_PY, hpaReference, 'hpa');
    // 15 s: 900 m of a 1000 m request = 90 % against 50 %: ratio 1.8 → ceil(1.8 × 1) = 2
    expect(actionsOf(r[3])).toEqual([{ type: 'scale', from: 1, to: 2, reason: 'cpu resource utilization (percentage of request) above target' }]);
    // 45 s: 30 % on the one ready pod → proposal ceil(0.6 × 1) = 1, held at 2 by the 5 min window
    expect(r[5]).toMatchObject({ desiredReplicas: 2, actions: [] });
    // 330 s: the 2 recorded at 30 s is exactly 300 s old and still counts (Go's Before): held
    expect(r[6]).toMatchObject({ desiredReplicas: 2 });
    // 360 s: every recommendation older than 60 s → 2 → 1
    expect(actionsOf(r[7])).toEqual([{ type: 'scale', from: 2, to: 1, reason: 'All metrics below target' }]);
    // 375 s: 500 % → ratio 10 → 10 pods, limited to max(2 × 1, 4) = 4
    expect(actionsOf(r[8])).toEqual([{ type: 'scale', from: 1, to: 4, reason: 'cpu resource utilization (percentage of request) above target' }]);
    // 405 s: 12 pods > maxReplicas 10 → 10 without metrics
    expect(actionsOf(r[10])).toEqual([{ type: 'scale', from: 12, to: 10, reason: 'Current number of replicas above Spec.MaxReplicas' }]);
    // 420 s: 0 replicas with minReplicas 1: autoscaling disabled
    expect(r[11]).toMatchObject({ desiredReplicas: 0, actions: [] });
  });

  pyIt('hpa-tolerance-1.35 / -1.30: a ratio of exactly 1.1 is within the 1.35 tolerance, not within the 1.30 one', () => {
    const a = parity('hpa-tolerance-1.35.jsonl', HPA_PY, hpaReference, 'hpa');
    const b = parity('hpa-tolerance-1.30.jsonl', HPA_PY, hpaReference, 'hpa');
    // 550 m / 1000 m = 55 %, / 50 = 1.1: 1.35 tests 0.9 ≤ 1.1 ≤ 1.1 (within: keep 1);
    // 1.30 tests |1 − 1.1| = 0.10000000000000009 ≤ 0.1 (false) → ceil(1.1 × 1) = 2
    expect(a[2]).toMatchObject({ desiredReplicas: 1, actions: [] });
    expect(actionsOf(b[2])).toEqual([{ type: 'scale', from: 1, to: 2, reason: 'cpu resource utilization (percentage of request) above target' }]);
  });

  pyIt('hpa-behavior.jsonl: scale-up policies and their period, scale-down window and a Min policy, two groups', () => {
    const r = parity('hpa-behavior.jsonl', HPA_PY, hpaReference, 'hpa');
    // 600 s: 500 % → 10 wanted; scale-up limit Max(Pods 1 + 4 = 5, Percent ceil(1 × 2) = 2) = 5
    expect(actionsOf(r[3])).toEqual([{ type: 'scale', from: 1, to: 5, reason: 'cpu resource utilization (percentage of request) above target' }]);
    // 610 s: the +4 of 600 s is within the 15 s periods: start 5 − 4 = 1 → limit 5 = current: no change
    expect(r[5]).toMatchObject({ desiredReplicas: 5, actions: [] });
    // 625 s: 600 s is not newer than 625 − 15: start 5 → Max(9, 10) = 10
    expect(actionsOf(r[6])).toEqual([{ type: 'scale', from: 5, to: 10, reason: 'cpu resource utilization (percentage of request) above target' }]);
    // 700 s: 60 s window holds only 2s; Min(Pods 10 − 1 = 9, Percent trunc(10 × 0.5) = 5) picks 9
    expect(actionsOf(r[9])).toEqual([{ type: 'scale', from: 10, to: 9, reason: 'All metrics below target' }]);
    // 715 s: the −1 of 700 s counts: start 10 → 9 = current: held
    expect(r[10]).toMatchObject({ desiredReplicas: 9, actions: [] });
    // api, 805 s: 10 wanted from 1, 5 s after its 2 → 1; from 1.26 the period start counts the
    // removal too: start 1 + 1 = 2 → Max(Pods 2 + 4 = 6, Percent ceil(2 × 2) = 4) = 6
    expect(actionsOf(r[14])).toEqual([{ type: 'scale', from: 1, to: 6, reason: 'cpu resource utilization (percentage of request) above target' }]);
  });

  pyIt('hpa-behavior.jsonl under versions 1.30, 1.23 and 1.20 (period start from one direction before 1.26, one stabilisation window in 1.20)', () => {
    const lines = fixture('hpa-behavior.jsonl');
    for (const version of ['1.30', '1.23', '1.20']) {
      const hello = lines[0]!;
      const patched = [{ ...hello, core: { ...(hello['core'] as Json), version } }, ...lines.slice(1)];
      const got = runPython(HPA_PY, patched);
      const want = referenceReplies(patched, hpaReference);
      for (let k = 0; k < want.length; k++) expect(got[k + 1], `${version}: reply ${k + 1}`).toEqual(want[k]);
      // before 1.26 the api scale-up starts from 1: Max(1 + 4, ceil(1 × 2)) = 5
      expect(actionsOf(got[14]), version).toEqual([{ type: 'scale', from: 1, to: version === '1.30' ? 6 : 5, reason: 'cpu resource utilization (percentage of request) above target' }]);
    }
  });

  pyIt('hpa-metrics.jsonl (1.23): memory, Pods, Object and External metrics, scale to zero and from zero', () => {
    const r = parity('hpa-metrics.jsonl', HPA_PY, hpaReference, 'hpa');
    // 30 s: Pods requests_per_second 250 per pod against 100 → ceil(2.5 × 1) = 3 is the largest
    expect(actionsOf(r[3])).toEqual([{ type: 'scale', from: 1, to: 3, reason: 'pods metric requests_per_second above target' }]);
    // 430 s from 0 replicas: External queue_length 45 against 20 → ceil(2.25) = 3 (no tolerance at 0)
    expect(actionsOf(r[8])).toEqual([{ type: 'scale', from: 0, to: 3, reason: 'external metric queue_length above target' }]);
  });
});

/**
 * A random hpa transcript that reacts like a world: each group's ReplicaSet follows the
 * reference's `desiredReplicas` (new pods are Pending, then start, then turn Ready; removed pods
 * show as deleted for 30 s), metrics-server samples wander with a per-group load (a pod's first
 * scrape has none, and now and then one is missing), and a memory sample rides along.
 */
function randomHpaTranscript(seed: string, config: Json, groupCount: number, syncs: number): Json[] {
  const rng = seedrandom(seed);
  const groups = Array.from({ length: groupCount }, (_, i) => ({ name: `w${i}`, vcpus: 1 + (i % 2), minInstances: 1, maxInstances: config['maxReplicas'] as number, requests: false }));
  const hello = { id: 0, type: 'hello', now: 0, protocol: { min: 1, max: 1 }, scalelab: '0.1.0', engine: 'hpa', variant: 'faithful', shape: 'horizontal', config, options: { version: config['version'], scaleToZero: false }, core: config, seed: 1, end: syncs * 15 * S, world: { statsInterval: 10 * S }, groups };
  const lines: Json[] = [hello];
  const ref = hpaReference(hello as unknown as HelloRequest);
  let id = 1;
  const send = (now: number, body: Json): Json => {
    const req = { id: id++, now, ...body };
    lines.push(req);
    return ref(req);
  };
  const memory = (config['metrics'] as Json[]).some((m) => m['name'] === 'memory');
  interface Pod { name: string; start: number; readyAt: number; deletedAt: number | null; scraped: boolean }
  const pods: Pod[][] = groups.map((g) => [{ name: g.name, start: 0, readyAt: 2 * S, deletedAt: null, scraped: false }]);
  const next = groups.map(() => 2);
  const spec = groups.map(() => 1);
  const level = groups.map(() => 0.2 + rng());
  groups.forEach((g) => send(0, { type: 'init', group: g.name, instances: [{ name: g.name, primary: true }] }));
  for (let k = 0; k < syncs; k++) {
    const now = k * 15 * S;
    groups.forEach((g, i) => {
      level[i] = Math.min(3, Math.max(0.05, level[i]! * (0.75 + rng() * 0.5)));
      pods[i] = pods[i]!.filter((p) => p.deletedAt === null || now - p.deletedAt < 30 * S);
      const request = g.vcpus * 1000;
      const view = pods[i]!.map((p) => {
        const sample = p.deletedAt === null && now >= p.start && p.scraped && rng() > 0.05 ? { usage: Math.floor(level[i]! * request * (0.8 + rng() * 0.4)), timestamp: now, window: 15 * S } : null;
        if (now >= p.start) p.scraped = true;
        const pod: Json =
          p.deletedAt !== null
            ? { name: p.name, phase: 'Running', ready: null, startTime: p.start, deleted: true, requests: { cpu: request }, cpu: null }
            : now < p.start
              ? { name: p.name, phase: 'Pending', ready: null, startTime: null, deleted: false, requests: { cpu: request }, cpu: null }
              : now < p.readyAt
                ? { name: p.name, phase: 'Pending', ready: { status: 'False', lastTransitionTime: p.start }, startTime: p.start, deleted: false, requests: { cpu: request }, cpu: sample }
                : { name: p.name, phase: 'Running', ready: { status: 'True', lastTransitionTime: p.readyAt }, startTime: p.start, deleted: false, requests: { cpu: request }, cpu: sample };
        if (memory) {
          (pod['requests'] as Json)['memory'] = 256 * 2 ** 20;
          pod['memory'] = sample === null ? null : { usage: Math.floor(2 ** 27 * (1 + Math.min(1, level[i]!))), timestamp: now, window: 15 * S };
        }
        return pod;
      });
      const reply = send(now, { type: 'observe', group: g.name, obs: { specReplicas: spec[i], pods: view } });
      spec[i] = reply['desiredReplicas'] as number;
      const active = pods[i]!.filter((p) => p.deletedAt === null);
      for (let n = active.length; n < spec[i]!; n++) {
        const start = now + Math.floor(rng() * 3 * S);
        pods[i]!.push({ name: `${g.name}-${next[i]!++}`, start, readyAt: start + Math.floor((2 + rng() * 40) * S), deletedAt: null, scraped: false });
      }
      for (let n = active.length; n > spec[i]!; n--) active[n - 1]!.deletedAt = now;
    });
  }
  lines.push({ id: id++, type: 'end', now: syncs * 15 * S });
  return lines;
}

const CPU50 = { type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } };
const RANDOM_HPA: readonly { label: string; config: Json }[] = [
  { label: '1.35 legacy path', config: { minReplicas: 1, maxReplicas: 12, metrics: [CPU50], behavior: null, syncPeriod: 15 * S, tolerance: 0.1, cpuInitializationPeriod: 300 * S, initialReadinessDelay: 30 * S, downscaleStabilization: 300 * S, version: '1.35', scaleToZero: false } },
  {
    label: '1.30 behavior (Min scale-down policies, 60 s window) with a memory AverageValue metric',
    config: {
      minReplicas: 1, maxReplicas: 12, metrics: [CPU50, { type: 'Resource', name: 'memory', target: { type: 'AverageValue', averageValue: 200 * 2 ** 20 * 1000 } }],
      behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: null }, scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 30, periodSeconds: 30 }], tolerance: null } },
      syncPeriod: 15 * S, tolerance: 0.1, cpuInitializationPeriod: 300 * S, initialReadinessDelay: 30 * S, downscaleStabilization: 300 * S, version: '1.30', scaleToZero: false,
    },
  },
  {
    label: '1.20 behavior (one stabilisation window, per-direction periods) with a 30 s up window',
    config: {
      minReplicas: 2, maxReplicas: 9, metrics: [CPU50],
      behavior: { scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }, { type: 'Percent', value: 50, periodSeconds: 15 }], tolerance: null }, scaleDown: { stabilizationWindowSeconds: null, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: null } },
      syncPeriod: 15 * S, tolerance: 0.1, cpuInitializationPeriod: 300 * S, initialReadinessDelay: 30 * S, downscaleStabilization: 120 * S, version: '1.20', scaleToZero: false,
    },
  },
  {
    label: '1.35 behavior with per-direction tolerances (0.05 up, 0.2 down)',
    config: {
      minReplicas: 1, maxReplicas: 10, metrics: [CPU50],
      behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: 0.05 }, scaleDown: { stabilizationWindowSeconds: 45, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: 0.2 } },
      syncPeriod: 15 * S, tolerance: 0.1, cpuInitializationPeriod: 300 * S, initialReadinessDelay: 30 * S, downscaleStabilization: 300 * S, version: '1.35', scaleToZero: false,
    },
  },
];

describe('random transcripts: hpa.py vs the TypeScript core', () => {
  RANDOM_HPA.forEach((c, k) => {
    pyIt(`${c.label}: 3 workloads, 300 syncs, pods starting, turning ready, deleted, samples missing`, () => {
      const got = parityOf(c.label, randomHpaTranscript(`hpa-${k}`, c.config, 3, 300), HPA_PY, hpaReference, 'hpa');
      const scales = got.flatMap((r) => actionsOf(r) as Json[]);
      expect(scales.some((a) => (a['to'] as number) > (a['from'] as number)), 'a scale-up').toBe(true);
      expect(scales.some((a) => (a['to'] as number) < (a['from'] as number)), 'a scale-down').toBe(true);
    });
  });
});

// --- scenario-level differential ---------------------------------------------------------------

/** What the external path still lacks in this checkout, or null when it can run. */
function externalPathMissing(): string | null {
  const missing: string[] = [];
  if (/not built yet/.test(fs.readFileSync('src/engines/external/external.ts', 'utf8'))) missing.push('openExternal (package transport: src/engines/external/external.ts is the stub)');
  if (!fs.existsSync('src/engines/external/runners.ts')) missing.push('the external runner (package replica: src/engines/external/runners.ts)');
  return missing.length === 0 ? null : missing.join('; ');
}

const missing = python === null ? 'python3' : externalPathMissing();
const differentialName = (name: string): string => (missing === null ? name : `${name} — SKIPPED: needs ${missing}`);

const OUTPUTS = ['events.jsonl', 'summary.json', 'timeseries.csv'] as const;
type Outputs = Record<(typeof OUTPUTS)[number], Buffer>;

/** The outputs of `file` run with `sets`, built-in and with the external engine `script`. */
async function runBothWays(file: string, sets: readonly string[], script: string): Promise<{ builtin: Outputs; external: Outputs }> {
  // imported here so that this file loads on a checkout without the runner
  const { loadScenario } = await import('../src/scenario/load.js');
  const { runScenario } = await import('../src/run/run.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-python-'));
  const read = (dir: string): Outputs => Object.fromEntries(OUTPUTS.map((f) => [f, fs.readFileSync(path.join(dir, f))])) as Outputs;
  try {
    const common = [...sets, 'output.events=true', 'output.report=false', 'output.timeseries=true'];
    const builtin = loadScenario(file, { sets: common });
    await runScenario(builtin, { outDir: path.join(tmp, 'builtin') });
    const external = loadScenario(file, { sets: [...common, 'engine.kind=external', `engine.command=[${python}, ${script}]`, 'engine.timeout=30s'] });
    await runScenario(external, { outDir: path.join(tmp, 'external') });
    return { builtin: read(path.join(tmp, 'builtin')), external: read(path.join(tmp, 'external')) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The behavior override of scenarios/hpa-default.yaml's header comment (the normalize path). */
const HPA_BEHAVIOR = 'engine.config.behavior={scaleDown: {stabilizationWindowSeconds: 60, selectPolicy: Min, policies: [{type: Pods, value: 1, periodSeconds: 60}]}}';

/** The metrics override of scenarios/hpa-scale-to-zero.yaml's header comment (Object and Pods metrics). */
const HPA_OBJECT_PODS = 'engine.config.metrics=[{type: Object, object: {describedObject: {kind: Service, name: api}, metric: {name: queue_length}, target: {type: Value, value: 20}}}, {type: Pods, pods: {metric: {name: inflight_requests}, target: {type: AverageValue, averageValue: 700m}}}]';

/** CPU and memory utilisation targets (memory from the world's pod memory model). */
const HPA_CPU_MEMORY = 'engine.config.metrics=[{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}, {type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 75}}}]';

const DIFFERENTIAL: readonly { file: string; sets: string[]; script: string; label: string }[] = [
  { file: 'scenarios/albatross-quirk-corrected.yaml', sets: [], script: ALBATROSS_PY, label: 'albatross-quirk-corrected (1 d, primary death at 20 h)' },
  { file: 'scenarios/compare-bursty-albatross.yaml', sets: [], script: ALBATROSS_PY, label: 'compare-bursty-albatross (6 h, request-driven)' },
  { file: 'scenarios/bench-pb1.yaml', sets: ['duration=1h', 'workloads.0.count=50'], script: ALBATROSS_PY, label: 'bench-pb1 cut to 1 h and 50 groups' },
  { file: 'scenarios/hpa-default.yaml', sets: ['duration=6h'], script: HPA_PY, label: 'hpa-default cut to 6 h (CPU 50 %, legacy path)' },
  { file: 'scenarios/hpa-default.yaml', sets: ['duration=6h', HPA_BEHAVIOR], script: HPA_PY, label: 'hpa-default cut to 6 h with the header\'s behavior (normalize path)' },
  { file: 'scenarios/compare-bursty-hpa.yaml', sets: [], script: HPA_PY, label: 'compare-bursty-hpa (6 h, request-driven CPU)' },
  // beyond CPU: the world's request metrics, scale to zero and back, and the oldest arithmetic
  { file: 'scenarios/hpa-scale-to-zero.yaml', sets: [], script: HPA_PY, label: 'hpa-scale-to-zero (1 d: External AverageValue + CPU, minReplicas 0)' },
  { file: 'scenarios/hpa-scale-to-zero.yaml', sets: [HPA_OBJECT_PODS], script: HPA_PY, label: 'hpa-scale-to-zero with the header\'s Object Value + Pods AverageValue metrics' },
  { file: 'scenarios/hpa-default.yaml', sets: ['duration=6h', 'engine.variant=k8s-1.20', HPA_BEHAVIOR], script: HPA_PY, label: 'hpa-default cut to 6 h, variant k8s-1.20 with the behavior (one-window stabilisation)' },
  { file: 'scenarios/hpa-default.yaml', sets: ['duration=3h', 'engine.variant=k8s-1.30', HPA_CPU_MEMORY], script: HPA_PY, label: 'hpa-default cut to 3 h, variant k8s-1.30 with CPU and memory Utilization metrics' },
];

describe('differential: built-in vs the Python engine as `kind: external`, identical events.jsonl (and summary.json, timeseries.csv)', () => {
  for (const c of DIFFERENTIAL) {
    it.skipIf(missing !== null)(differentialName(c.label), async () => {
      const { builtin, external } = await runBothWays(c.file, c.sets, c.script);
      expect(builtin['events.jsonl'].length).toBeGreaterThan(100);
      // the run scaled at all: a differential of two idle runs would prove little
      expect(builtin['events.jsonl'].toString()).toMatch(/"type":"scale_up"/);
      for (const f of OUTPUTS) expect(external[f].equals(builtin[f]), `${c.label}: ${f} differs`).toBe(true);
    }, 600_000);
  }

  it.skipIf(missing !== null)(differentialName('the toy engine written out in examples/README.md runs a scenario and scales'), async () => {
    const { loadScenario } = await import('../src/scenario/load.js');
    const { runScenario } = await import('../src/run/run.js');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-python-'));
    try {
      const code = /```python\n([^]*?)```/.exec(fs.readFileSync('examples/README.md', 'utf8'))![1]!;
      fs.writeFileSync(path.join(tmp, 'threshold.py'), code);
      fs.copyFileSync('examples/engines/scalelab_engine.py', path.join(tmp, 'scalelab_engine.py'));
      const scenario = loadScenario('scenarios/hpa-default.yaml', { sets: ['duration=30m', 'output.report=false', 'engine.kind=external', `engine.command=[${python}, ${path.join(tmp, 'threshold.py')}]`] });
      await runScenario(scenario, { outDir: path.join(tmp, 'out') });
      expect(fs.readFileSync(path.join(tmp, 'out', 'events.jsonl'), 'utf8')).toMatch(/"type":"scale_up"/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(missing !== null)(differentialName('the engine\'s refusal of the faithful options, and a dialect mismatch, fail the run in one line naming hello, and write nothing'), async () => {
    const { loadScenario } = await import('../src/scenario/load.js');
    const { runScenario } = await import('../src/run/run.js');
    const { InputError } = await import('../src/scenario/errors.js');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-python-')), 'run');
    const scenario = loadScenario('scenarios/albatross-quirk-faithful.yaml', { sets: ['engine.kind=external', `engine.command=[${python}, ${ALBATROSS_PY}]`] });
    const err = await runScenario(scenario, { outDir: out }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/engine error: albatross_corrected\.py runs the corrected variant only: option microsecond_cpu is false, it needs true on message 0 \(hello at 0 s\)$/);
    expect(fs.existsSync(out)).toBe(false);
    // hpa.py on an albatross world says which dialect it speaks; scalelab names the mismatch
    const wrong = loadScenario('scenarios/albatross-quirk-corrected.yaml', { sets: ['engine.kind=external', `engine.command=[${python}, ${HPA_PY}]`] });
    const mismatch = await runScenario(wrong, { outDir: out }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((mismatch as Error).message).toMatch(/speaks hpa \(horizontal\), the scenario's engine is albatross on message 0 \(hello at 0 s\)$/);
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
