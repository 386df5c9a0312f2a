/**
 * The replay test of the production bridge (design §5): a simulated run is recorded at the
 * protocol level (every request the world sent, with its `now`, and the engine's reply — the
 * logging session of src/bridge/session.ts around the loopback: the built-in cores behind the
 * protocol); the requests become bridge input lines with `time = now / 1e6` (so the recording
 * starts at the Unix epoch and the bridge's `now` equals the simulator's, to the µs); they are
 * fed to `scalelab decide ENGINE --protocol --scenario FILE`; the printed actions must equal the
 * recorded replies' actions line for line (albatross, hpa, kraftcloud, incus, neon). The bridge thus decides on a recording exactly as the
 * simulator did on the same observations.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loggingSession } from '../src/bridge/session.js';
import { incusHello, runIncusExternal } from '../src/engines/external/incus.js';
import { openLoopback } from '../src/engines/external/loopback-module.js';
import { neonHello, runNeonExternal } from '../src/engines/external/neon.js';
import type { Reply, Request, StepReply } from '../src/engines/external/protocol.js';
import { externalReplicaRunner } from '../src/engines/external/runners.js';
import { loadScenario } from '../src/scenario/load.js';
import { prepareEngine } from '../src/engines/external/module.js';
import type { Scenario } from '../src/scenario/types.js';
import { runCli } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bridge-replay-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Exchange {
  now: number;
  request: Request;
  reply: Reply;
}

/** Record `scenario` run with the loopback engine: every exchange, in order (the final `end` left out). */
function record(scenario: Scenario): Exchange[] {
  const log: Exchange[] = [];
  const push = (line: string) => log.push(JSON.parse(line) as Exchange);
  const name = scenario.engine.name;
  if (name === 'incus') {
    const session = loggingSession(openLoopback(incusHello(scenario)), push);
    runIncusExternal(scenario, {}, session);
    session.close(scenario.duration);
  } else if (name === 'neon') {
    const session = loggingSession(openLoopback(neonHello(scenario)), push);
    runNeonExternal(scenario, {}, session);
    session.close(scenario.duration);
  } else {
    externalReplicaRunner(name as 'hpa')(scenario, {}, (_s, hello) => loggingSession(openLoopback(hello), push));
  }
  return log.filter((x) => x.request.type !== 'end');
}

/** The action lines the bridge must print for the recorded replies: `{time, group|vm, ...action}`. */
function expectedLines(log: Exchange[], key: 'group' | 'vm' | null): string[] {
  return log.flatMap((x) => {
    const subject = key === null ? {} : { [key]: (x.request as Record<string, unknown>)[key] };
    return (x.reply as StepReply).actions.map((a) => JSON.stringify({ time: x.now / 1e6, ...subject, ...a }));
  });
}

/** Replay `log` through `decide ENGINE --protocol --scenario FILE`; its stdout lines. */
async function replay(engine: string, file: string, sets: string[], log: Exchange[]): Promise<string[]> {
  const input = path.join(dir, `${engine}.jsonl`);
  fs.writeFileSync(input, log.map((x) => JSON.stringify({ time: x.now / 1e6, ...x.request })).join('\n') + '\n');
  const r = await runCli('decide', engine, '--protocol', '--scenario', file, ...sets.flatMap((s) => ['--set', s]), '--input', input);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out.split('\n').filter((l) => l !== '');
}

const cases: [string, string, string[], 'group' | 'vm' | null][] = [
  ['albatross', 'scenarios/albatross-quirk-corrected.yaml', [], 'group'],
  ['hpa', 'scenarios/hpa-default.yaml', ['duration=2h'], 'group'],
  ['kraftcloud', 'scenarios/kraftcloud-scale-to-zero.yaml', ['duration=10m'], 'group'],
  ['incus', 'scenarios/incus-flipflop.yaml', [], null],
  ['neon', 'scenarios/neon-default.yaml', ['duration=15m'], 'vm'],
];

describe('a recording replayed through the bridge gives the simulator\'s decisions', () => {
  for (const [engine, file, sets, key] of cases) {
    it(`${engine}: ${path.basename(file)}${sets.length > 0 ? ` (${sets.join(', ')})` : ''}`, async () => {
      const log = record(loadScenario(file, { sets }));
      const expected = expectedLines(log, key);
      expect(expected.length).toBeGreaterThan(0); // the run decided something to compare
      const printed = await replay(engine, file, sets, log);
      expect(printed.length).toBe(expected.length);
      expect(printed).toEqual(expected);
    });
  }
});

describe('a module engine through `scalelab run --protocol-log` and back through the bridge', () => {
  it('examples/scenarios/module-policy.yaml: the log of the run replays to the same actions through decide replica --scenario', async () => {
    const file = 'examples/scenarios/module-policy.yaml';
    const sets = ['duration=1h'];
    await prepareEngine(loadScenario(file, { sets })); // loaded once per thread (runScenario does it too once core's call site is in)
    const logFile = path.join(dir, 'module.log');
    const out = path.join(dir, 'module-run');
    const r = await runCli('run', file, '--set', sets[0]!, '--out', out, '--protocol-log', logFile, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const log = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Exchange).filter((x) => x.request.type !== 'end');
    // the hidden flag wrote every request: the init at t = 0, then an observe every 15 s (the
    // policy's period) at 15, 30, …, 3585 s — the wake-up at 3600 s is the run's end: 3600 / 15 − 1 = 239
    expect(log[0]!.request).toEqual({ type: 'init', group: 'web', instances: [{ name: 'web', primary: true }] });
    expect(log.filter((x) => x.request.type === 'observe').length).toBe(3600 / 15 - 1);
    const expected = expectedLines(log, 'group');
    // the run's events show the same spawns as the logged replies
    const spawns = fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"scale_up"')).length;
    expect(expected.filter((l) => l.includes('"type":"spawn"')).length).toBe(spawns);
    expect(await replay('replica', file, sets, log)).toEqual(expected);
  });
});

const python = spawnSync('python3', ['-c', 'import json'], { encoding: 'utf8' });
const havePython = python.error === undefined && python.status === 0;

describe('an external engine on a recording, through the bridge', () => {
  it.skipIf(!havePython)('hpa-default (1 h) recorded with the built-in core, replayed through examples/engines/hpa.py as kind external: the same actions', async () => {
    const file = 'scenarios/hpa-default.yaml';
    const sets = ['duration=1h'];
    const log = record(loadScenario(file, { sets }));
    const external = [...sets, 'engine.kind=external', `engine.command=[python3, ${path.resolve('examples/engines/hpa.py')}]`];
    const expected = expectedLines(log, 'group');
    expect(expected.length).toBeGreaterThan(0);
    expect(await replay('hpa', file, external, log)).toEqual(expected);
  });
  if (!havePython) it('skipped: python3 is not installed', () => undefined);
});
