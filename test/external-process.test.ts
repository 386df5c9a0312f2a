/**
 * External engines through the whole simulator: the loopback (the built-in cores behind the
 * protocol) run as a real child process — `node dist/engines/external/loopback-main.js`, over
 * the FIFO transport and the JSON codec — must give the same bytes as the built-in engine
 * (events.jsonl and summary.json), and twice the same bytes (determinism), for one scenario of
 * each shape (horizontal: albatross's rounds and hpa's timer; rebalancing: incus; vertical: neon).
 * (kraftcloud-scale-to-zero.yaml also matches, checked by hand: 35 s per run, too slow to keep.) And a misbehaving
 * engine through the CLI: one line on stderr naming the message, exit 2, no output directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateScenario } from '../src/run/run.js';
import { loadScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { openEngineCount } from '../src/engines/external/transport.js';
import { runCli } from './helpers.js';
import { built, fixtures, python, skipNote } from './external-fixture.js';

const loopbackMain = path.resolve('dist/engines/external/loopback-main.js');
const external = `engine.command=[${JSON.stringify(process.execPath)}, ${JSON.stringify(loopbackMain)}]`;

let tmp = '';
let savedTmp: string | undefined;
beforeAll(() => {
  savedTmp = process.env.TMPDIR;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'external-process-'));
  process.env.TMPDIR = tmp;
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** events.jsonl and summary.json of one run, as strings. */
function bytes(scenario: Scenario): { events: string; summary: string } {
  const events: string[] = [];
  const sim = simulateScenario(scenario, { event: (l) => events.push(l) });
  return { events: events.join('\n'), summary: JSON.stringify(sim.summary, null, 2) };
}

describe.skipIf(!built)(`the loopback as an external process gives the built-in bytes${built ? '' : ' — SKIPPED: needs dist/ (npm run build)'}`, () => {
  const cases: { file: string; sets: string[]; twice?: boolean }[] = [
    // a day of 10 s rounds, two groups: one batch per round, syncs, spawn results, a primary death
    { file: 'scenarios/albatross-quirk-corrected.yaml', sets: [], twice: true },
    // hpa's timer dialect: observe at each wakeAt, desiredReplicas, the ReplicaSet world-side
    { file: 'scenarios/hpa-default.yaml', sets: ['duration=6h'] },
    // rebalancing: the cluster snapshot in every request, migrations, daemon restarts
    { file: 'scenarios/incus-flipflop.yaml', sets: [], twice: true },
    // vertical: a batch of ticks per 5 s sample, plugin/NeonVM/monitor answers, goalCU reports
    { file: 'scenarios/neon-default.yaml', sets: ['duration=2h'] },
  ];
  for (const c of cases) {
    it(`${path.basename(c.file)}${c.sets.length > 0 ? ` (${c.sets.join(', ')})` : ''}: identical events.jsonl and summary.json${c.twice === true ? ', and the same again on a second run' : ''}`, () => {
      const builtin = bytes(loadScenario(c.file, { sets: c.sets }));
      const scenario = loadScenario(c.file, { sets: [...c.sets, 'engine.kind=external', external, 'engine.timeout=10s'] });
      expect(scenario.engine.kind).toBe('external');
      const first = bytes(scenario);
      expect(first.events.length).toBeGreaterThan(0);
      expect(first.events).toBe(builtin.events);
      expect(first.summary).toBe(builtin.summary);
      if (c.twice === true) {
        const second = bytes(loadScenario(c.file, { sets: [...c.sets, 'engine.kind=external', external, 'engine.timeout=10s'] }));
        expect(second.events).toBe(first.events);
        expect(second.summary).toBe(first.summary);
      }
      expect(openEngineCount()).toBe(0);
      expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
    });
  }
});

describe.skipIf(!built || python === null)(`a misbehaving engine through \`scalelab run\`: one line, exit 2, nothing written${skipNote}`, () => {
  const cases: { engine: string; timeout: string; expected: RegExp }[] = [
    { engine: 'crashes', timeout: '2s', expected: /^scalelab: error: external engine `python3 .*crashes\.py`: exited with status 1 before replying: RuntimeError: died on message 3 on message 3 \(.* at \d+(\.\d+)? s\)$/ },
    { engine: 'sleeps', timeout: '200ms', expected: /^scalelab: error: external engine `python3 .*sleeps\.py`: no reply within 0\.2 s on message 2 \(.* at \d+(\.\d+)? s\)$/ },
    { engine: 'bad_json', timeout: '2s', expected: /^scalelab: error: external engine `python3 .*bad_json\.py`: reply is not JSON \(.*\) on message 2 \(.*\)$/ },
    { engine: 'version2', timeout: '2s', expected: /^scalelab: error: external engine `python3 .*version2\.py`: no common protocol version: scalelab speaks 1–1, the engine says "speaks protocol 2 to 3" on message 0 \(hello at 0 s\)$/ },
  ];
  for (const c of cases) {
    it(`${c.engine}.py`, async () => {
      const scenario = path.join(tmp, `${c.engine}.yaml`);
      const text = fs.readFileSync('scenarios/albatross-quirk-corrected.yaml', 'utf8').replace(
        'engine: { name: albatross, variant: corrected }',
        `engine: { name: albatross, variant: corrected, kind: external, command: [python3, ${JSON.stringify(path.join(fixtures, `${c.engine}.py`))}], timeout: ${c.timeout} }`,
      );
      expect(text).toContain('kind: external');
      fs.writeFileSync(scenario, text);
      const out = path.join(tmp, `out-${c.engine}`);
      const { code, out: stdout, err } = await runCli('run', scenario, '--out', out, '--quiet');
      expect(code).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err.trim()).toMatch(c.expected);
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
      expect(stdout).toBe('');
      expect(fs.existsSync(out)).toBe(false);
      expect(openEngineCount()).toBe(0);
      expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
    });
  }
});

describe.skipIf(!built)(`a sweep with an external engine${built ? '' : ' — SKIPPED: needs dist/'}`, () => {
  it('2 worker threads, one engine process per run: the same sweep.csv as the built-in engine, and nothing left', async () => {
    const args = (out: string): string[] => ['sweep', 'scenarios/incus-flipflop.yaml', '--grid', 'duration=6h,12h', '--seeds', '1', '--workers', '2', '--out', out];
    const builtinOut = path.join(tmp, 'sweep-builtin');
    const externalOut = path.join(tmp, 'sweep-external');
    expect((await runCli(...args(builtinOut))).code).toBe(0);
    const ext = await runCli(...args(externalOut), '--set', 'engine.kind=external', '--set', external);
    expect(ext.err).toBe('');
    expect(ext.code).toBe(0);
    expect(fs.readFileSync(path.join(externalOut, 'sweep.csv'), 'utf8')).toBe(fs.readFileSync(path.join(builtinOut, 'sweep.csv'), 'utf8'));
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
  });
});
