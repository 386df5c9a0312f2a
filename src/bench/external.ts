/**
 * Bench cases of engines outside the simulator (docs/PROTOCOL.md):
 *  - `external-echo`: messages per second on the external path — 20,000 `observe` round trips of
 *    a PB1-like albatross request (~400 bytes) to examples/engines/echo.py through the external
 *    session, then the same requests as batches of 64 (sub-requests per second);
 *  - `pb1-module`: PB1 cut to 2 h, built-in beside the loopback module engine (the built-in cores
 *    behind the protocol, in process): the price of the session and reply checks without a process;
 *  - `pb1-external` (2 h) and `pb1-external-full` (the day, run once): PB1 with the corrected
 *    variant, built-in beside examples/engines/albatross_corrected.py as an external engine.
 * A case whose pieces are missing (python3, an example engine, the external transport) reports
 * `skipped: <reason>` instead of a figure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../scenario/types.js';
import type { CaseResult } from './main.js';
import { cpuSince } from './cpu.js';

const repoFile = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** A case that could not run: its reason in place of figures. */
function skipped(name: string, reason: string): CaseResult {
  return { name, wallSeconds: Number.NaN, events: 0, eventsPerSecond: Number.NaN, peakRssMB: process.resourceUsage().maxRSS / 1024, detail: `skipped: ${reason}`, skipped: reason };
}

/** Why python3 cannot run engines here, or null when it can. */
function noPython(): string | null {
  const r = spawnSync('python3', ['-c', 'import json, sys'], { encoding: 'utf8' });
  return r.error !== undefined || r.status !== 0 ? 'python3 is not installed (or cannot import json)' : null;
}

/** A PB1-like observe request: one group's two stats records (about 400 bytes as JSON). */
function observeRequest(k: number): { type: 'observe'; group: string; records: Record<string, number | string>[] } {
  const rec = (name: string, s: number) => ({ name, utimeSec: s, utimeUsec: 512_000 + k, stimeSec: 0, stimeUsec: 1_200, previousAt: 10_000_000 * k, previousUtimeSec: s - 1, previousUtimeUsec: 498_000, previousStimeSec: 0, previousStimeUsec: 1_100 });
  return { type: 'observe', group: `svc-${k % 1000}`, records: [rec(`svc-${k % 1000}`, 400 + k), rec(`svc-${k % 1000}-clone-1`, 200 + k)] };
}

/** `external-echo`: round trips to echo.py, one by one and in batches of 64. */
async function externalEcho(name: string): Promise<CaseResult> {
  const py = noPython();
  if (py !== null) return skipped(name, py);
  const echo = repoFile('examples/engines/echo.py');
  if (!fs.existsSync(echo)) return skipped(name, 'examples/engines/echo.py is missing');
  const { openExternal } = await import('../engines/external/external.js');
  const { replicaHello } = await import('../engines/external/replica.js');
  const { loadScenario } = await import('../scenario/load.js');
  const scenario = loadScenario(repoFile('scenarios/bench-pb1.yaml'), { sets: ['duration=1h'] });
  const spec = { ...scenario.engine, kind: 'external' as const, command: ['python3', echo], timeout: 10_000_000, path: null, cwd: repoFile('.') };
  let session;
  try {
    session = openExternal(spec, replicaHello(scenario, 'albatross'));
  } catch (err) {
    return skipped(name, `the external transport cannot start echo.py (${(err as Error).message})`);
  }
  const n = 20_000;
  const reqs = Array.from({ length: n }, (_, k) => observeRequest(k));
  const bytes = JSON.stringify(reqs[0]).length;
  try {
    for (let k = 0; k < 200; k++) session.call(k, reqs[k] as never); // warm-up
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let k = 0; k < n; k++) session.call(1_000 + k, reqs[k] as never);
    const single = Number(process.hrtime.bigint() - t0) / 1e9;
    const singleCpu = cpuSince(c0);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage();
    for (let k = 0; k < n; k += 64) session.callMany(100_000 + k, reqs.slice(k, k + 64) as never);
    const batched = Number(process.hrtime.bigint() - t1) / 1e9;
    const batchedCpu = cpuSince(c1);
    const batch = session.hello.batch === true;
    return {
      name,
      wallSeconds: single,
      events: n,
      eventsPerSecond: n / single,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      cpuSeconds: singleCpu,
      detail: `${n} observe round trips of ${bytes} bytes to echo.py: ${((single / n) * 1e6).toFixed(1)} µs each, Node CPU ${((singleCpu / n) * 1e6).toFixed(1)} µs each; ${batch ? `in batches of 64: ${Math.round(n / batched).toLocaleString('en-US')} sub-requests/s, Node CPU ${((batchedCpu / n) * 1e6).toFixed(1)} µs each` : 'echo.py took no batches'}`,
    };
  } finally {
    session.close(0);
  }
}

/** PB1 (corrected for the external case) cut to `duration`, with `engine` in place of the built-in core. */
async function pb1With(duration: string, corrected: boolean): Promise<Scenario> {
  const { loadScenario } = await import('../scenario/load.js');
  return loadScenario(repoFile('scenarios/bench-pb1.yaml'), { sets: [`duration=${duration}`, ...(corrected ? ['engine.variant=corrected'] : [])] });
}

/** Time one simulation of `scenario` (after preparing its engine): wall and CPU seconds, stats records. */
async function timeRun(scenario: Scenario): Promise<{ seconds: number; cpu: number; records: number; engineCalls: number }> {
  const { prepareEngine } = await import('../engines/external/module.js');
  const { simulateScenario } = await import('../run/run.js');
  await prepareEngine(scenario);
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const sim = simulateScenario(scenario, {});
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, cpu: cpuSince(c), records: sim.counts.records, engineCalls: (sim.counts as { engineCalls?: number }).engineCalls ?? 0 };
}

/** `pb1-module`, `pb1-external`, `pb1-external-full`: built-in, then the other engine, same process. */
async function pb1Engines(name: string): Promise<CaseResult> {
  const external = name !== 'pb1-module';
  const duration = name === 'pb1-external-full' ? '1d' : '2h';
  let other: Partial<Scenario['engine']>;
  let what: string;
  if (external) {
    const py = noPython();
    if (py !== null) return skipped(name, py);
    const engine = repoFile('examples/engines/albatross_corrected.py');
    if (!fs.existsSync(engine)) return skipped(name, 'examples/engines/albatross_corrected.py is missing');
    other = { kind: 'external', command: ['python3', engine], timeout: 30_000_000, path: null, cwd: repoFile('.') };
    what = 'albatross_corrected.py (external)';
  } else {
    const loopback = repoFile('dist/engines/external/loopback-module.js');
    if (!fs.existsSync(loopback)) return skipped(name, 'dist/engines/external/loopback-module.js is missing (npm run build)');
    other = { kind: 'module', path: loopback, command: null, timeout: 30_000_000, cwd: repoFile('.') };
    what = 'the loopback module engine';
  }
  const base = await pb1With(duration, external);
  const builtin = await timeRun(base);
  let run;
  try {
    run = await timeRun({ ...base, engine: { ...base.engine, ...other } });
  } catch (err) {
    return skipped(name, `the ${external ? 'external' : 'module'} run failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    name,
    wallSeconds: run.seconds,
    events: run.records,
    eventsPerSecond: run.records / run.seconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: run.cpu,
    detail: `PB1${external ? ' corrected' : ''} cut to ${duration}: built-in ${builtin.seconds.toFixed(3)} s (CPU ${builtin.cpu.toFixed(3)} s), ${what} ${run.seconds.toFixed(3)} s (Node CPU ${run.cpu.toFixed(3)} s) → slowdown ${(run.seconds / builtin.seconds).toFixed(2)}× wall, ${(run.cpu / builtin.cpu).toFixed(2)}× Node CPU; ${run.records} stats records, ${run.engineCalls} engine calls; events = records`,
  };
}

/**
 * Run one of the external-engine bench cases.
 *
 * @example await runExternalCase('pb1-module') // { name: 'pb1-module', detail: 'PB1 cut to 2h: built-in … → slowdown 1.4×; …', … }
 */
export async function runExternalCase(name: string): Promise<CaseResult> {
  if (name === 'external-echo') return externalEcho(name);
  return pb1Engines(name);
}
