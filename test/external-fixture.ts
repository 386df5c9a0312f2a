/**
 * Shared by the external-engine transport tests: a hello request and an engine spec written by
 * hand (no scenario needed), the Python test engines in test/fixtures/external/, and process
 * checks. The transport's watchdog runs from dist/ (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SHAPE, type HelloRequest } from '../src/engines/external/protocol.js';
import type { EngineSpec } from '../src/scenario/types.js';

export const fixtures = path.resolve('test/fixtures/external');

/** The watchdog worker is loaded from dist/ when the tests run src/. */
export const built = fs.existsSync('dist/engines/external/watchdog.js');

/** python3 on PATH, or null (then the tests that need it are skipped and say so). */
export const python: string | null = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1' ? 'python3' : null;

export const skipNote = `${built ? '' : ' — SKIPPED: needs dist/ (npm run build)'}${python === null ? ' — SKIPPED: no python3 on PATH' : ''}`;

/** An albatross hello with one group, as helloFor builds it (the transport does not care). */
export function hello(engine: HelloRequest['engine'] = 'albatross'): HelloRequest {
  return {
    id: 0,
    type: 'hello',
    now: 0,
    protocol: { min: 1, max: 1 },
    scalelab: '0.1.0',
    engine,
    variant: 'corrected',
    shape: SHAPE[engine],
    config: {},
    options: {},
    core: null,
    seed: 1,
    end: 3_600_000_000,
    world: { statsInterval: 10_000_000 },
    groups: [{ name: 'web', vcpus: 1, minInstances: 1, maxInstances: 8, requests: false }],
  };
}

/** `engine: { kind: external, command, timeout }` with the fixtures' directory as cwd. */
export function spec(command: readonly string[], timeoutUs = 2_000_000): EngineSpec {
  return { name: 'albatross', variant: 'corrected', config: {}, options: {}, kind: 'external', command, timeout: timeoutUs, cwd: fixtures, path: null };
}

/** A Python test engine's command. */
export function py(name: string): string[] {
  return ['python3', `${name}.py`];
}

/** Is process `pid` still in the process table (a zombie counts)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Wait up to `ms` for `pid` to leave the process table (an orphan is reaped by init, not by us). */
export function goneWithin(pid: number, ms: number): boolean {
  const until = Date.now() + ms;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (alive(pid)) {
    if (Date.now() > until) return false;
    Atomics.wait(nap, 0, 0, 20);
  }
  return true;
}
