/**
 * A misbehaving external engine is one line naming the message it failed on (design §2.4), an
 * `InputError` (so the CLI exits 2), and leaves nothing behind: the process (and anything it
 * started in its group) is gone — not even a zombie, `process.kill(pid, 0)` throws ESRCH — and
 * the FIFO directory is removed. Each engine is a short Python script in
 * test/fixtures/external/ that misbehaves on one message; the session sends `observe web` at
 * now = 0, 1, 2, … s, so message k is the one at k − 1 s.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalSession } from '../src/engines/external/external.js';
import { lastEnginePid, openEngineCount, Transport, TransportFailure } from '../src/engines/external/transport.js';
import { validateReply } from '../src/engines/external/validate.js';
import type { Request } from '../src/engines/external/protocol.js';
import { InputError } from '../src/scenario/errors.js';
import { alive, built, fixtures, goneWithin, hello, py, python, skipNote, spec } from './external-fixture.js';

const observe = (group: string): Request => ({ type: 'observe', group, records: [] }) as Request;

let tmp = '';
let savedTmp: string | undefined;
beforeAll(() => {
  savedTmp = process.env.TMPDIR;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'transport-errors-'));
  process.env.TMPDIR = tmp; // the transport makes its FIFO directories here
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Open `command`, send five observes (messages 1–5 at 0–4 s) and close; returns the error thrown
 * (failing the test when there is none), after checking it is one line and that nothing is left.
 */
function failure(command: readonly string[], timeoutUs = 2_000_000, drive?: (s: ExternalSession) => void): { message: string; ms: number } {
  const before = lastEnginePid();
  const t0 = Date.now();
  let caught: unknown = null;
  let session: ExternalSession | null = null;
  try {
    session = new ExternalSession(spec(command, timeoutUs), hello());
    if (drive !== undefined) drive(session);
    else for (let i = 0; i < 5; i++) session.call(i * 1_000_000, observe('web'));
  } catch (err) {
    caught = err;
  } finally {
    session?.close(5_000_000);
  }
  const ms = Date.now() - t0;
  expect(caught, 'the engine should have failed').toBeInstanceOf(InputError);
  const message = (caught as Error).message;
  expect(message).not.toContain('\n');
  const pid = lastEnginePid();
  if (pid !== null && pid !== before) expect(alive(pid), `engine pid ${pid} still in the process table`).toBe(false);
  expect(openEngineCount()).toBe(0);
  expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
  return { message, ms };
}

const engine = (name: string): string => `external engine \`python3 ${name}.py\``;

describe.skipIf(!built || python === null)(`external engine failures: one line naming the message, nothing left behind${skipNote}`, () => {
  it('bad JSON: quotes the start of the line', () => {
    expect(failure(py('bad_json')).message).toBe(`${engine('bad_json')}: reply is not JSON ({"id": 2, "type": "step", "actions": [) on message 2 (observe web at 1 s)`);
  });

  it('a reply to another message', () => {
    expect(failure(py('wrong_id')).message).toBe(`${engine('wrong_id')}: reply to message 7 while 2 is pending on message 2 (observe web at 1 s)`);
  });

  it("the engine's own error reply", () => {
    expect(failure(py('engine_error')).message).toBe(`${engine('engine_error')}: engine error: division by zero in group web on message 2 (observe web at 1 s)`);
  });

  it('timeout: no reply within 200 ms; the engine (asleep for a minute) is killed', () => {
    let waited = 0;
    const { message, ms } = failure(py('sleeps'), 200_000, (s) => {
      s.call(0, observe('web'));
      const t0 = Date.now();
      try {
        s.call(1_000_000, observe('web'));
      } finally {
        waited = Date.now() - t0;
      }
    });
    expect(message).toBe(`${engine('sleeps')}: no reply within 0.2 s on message 2 (observe web at 1 s)`);
    // never before the deadline; the watchdog looks every 200 / 8 = 25 ms, so on an idle machine
    // it fires by 225 ms (+ the kill and the exit status); the bound is loose for a loaded one
    expect(waited).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(5_000);
    expect(ms).toBeLessThan(30_000); // well before the engine's minute is up
  });

  it('crash: the exit status and the last line of stderr', () => {
    expect(failure(py('crashes')).message).toBe(`${engine('crashes')}: exited with status 1 before replying: RuntimeError: died on message 3 on message 3 (observe web at 2 s)`);
  });

  it('exit 0 without replying', () => {
    expect(failure(py('silent_exit')).message).toBe(`${engine('silent_exit')}: exited with status 0 before replying on message 2 (observe web at 1 s)`);
  });

  it('chatty: two lines for one request', () => {
    expect(failure(py('chatty')).message).toMatch(/^external engine `python3 chatty\.py`: wrote more than one line \(.*\) on message 2 \(observe web at 1 s\)$/);
  });

  it('an engine that closes its stdout but keeps running is killed', () => {
    expect(failure(py('closes_stdout')).message).toBe(`${engine('closes_stdout')}: closed its stdout before replying (killed) on message 2 (observe web at 1 s)`);
  });

  it('a process the engine started in its group dies with it (it would hold the reply FIFO open)', () => {
    const { message, ms } = failure(py('leaves_child'));
    const child = Number(/child pid (\d+)/.exec(message)?.[1]);
    expect(message).toMatch(/exited with status 1 before replying: RuntimeError: child pid \d+ on message 2 \(observe web at 1 s\)$/);
    // killed with the group; as an orphan it is reaped by init, shortly after
    expect(goneWithin(child, 5000)).toBe(true);
    expect(ms).toBeLessThan(30_000); // not the child's 60 s sleep
  });

  it('version mismatch: the engine says so in its hello', () => {
    expect(failure(py('version2')).message).toBe(`${engine('version2')}: no common protocol version: scalelab speaks 1–1, the engine says "speaks protocol 2 to 3" on message 0 (hello at 0 s)`);
  });

  it('version mismatch: the engine chooses a version outside the range', () => {
    expect(failure(py('version_out_of_range')).message).toBe(`${engine('version_out_of_range')}: no common protocol version: scalelab speaks 1–1, the engine chose 2 on message 0 (hello at 0 s)`);
  });

  it('dialect mismatch', () => {
    expect(failure(py('wrong_dialect')).message).toBe(
      `${engine('wrong_dialect')}: speaks hpa (horizontal), the scenario's engine is albatross on message 0 (hello at 0 s)`,
    );
  });

  it('inside a batch: the part, its type and its group', () => {
    const { message } = failure(py('bad_part'), 2_000_000, (s) => s.callMany(0, [observe('web'), observe('api'), observe('db')]));
    expect(message).toBe(`${engine('bad_part')}: engine error: no data for api on message 1 (batch, part 2 of 3: observe api at 0 s)`);
  });

  it('cannot start: a command that is not on PATH (sh says so)', () => {
    expect(failure(['python4-no-such-thing', 'x.py']).message).toMatch(
      /^external engine `python4-no-such-thing x\.py`: cannot start `python4-no-such-thing`: .*python4-no-such-thing: not found on message 0 \(hello at 0 s\)$/,
    );
  });

  it('cannot start: a file that is not executable', () => {
    expect(failure([path.join(fixtures, 'engine_base.py')]).message).toMatch(/cannot start `.*engine_base\.py`: .*Permission denied on message 0 \(hello at 0 s\)$/);
  });

  it('cannot start: a working directory that does not exist', () => {
    let message = '';
    try {
      new ExternalSession({ ...spec(py('mirror')), cwd: path.join(tmp, 'no-such-dir') }, hello());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`${engine('mirror')}: cannot start \`python3\`: working directory ${path.join(tmp, 'no-such-dir')} does not exist on message 0 (hello at 0 s)`);
  });

  it('after a failure, later calls throw the same error and close() is quiet', () => {
    const s = new ExternalSession(spec(py('wrong_id')), hello());
    s.call(0, observe('web'));
    const first = (() => {
      try {
        s.call(1, observe('web'));
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(first).toBeInstanceOf(InputError);
    expect(() => s.call(2, observe('web'))).toThrow(first!.message);
    expect(() => s.close(3)).not.toThrow();
    expect(alive(s.transport.pid)).toBe(false);
  });
});

// The dialect's checks are package core's validateReply; until it checks actions this is skipped.
const validates = ((): boolean => {
  try {
    validateReply('albatross', observe('web'), 0, { type: 'step', actions: [{ type: 'scale_out' }] });
    return false;
  } catch {
    return true;
  }
})();

describe.skipIf(!built || python === null || !validates)(`unknown action through the external session${skipNote}${validates ? '' : ' — SKIPPED: validateReply does not check actions yet (stub)'}`, () => {
  it('names the action and the message', () => {
    expect(failure(py('unknown_action')).message).toMatch(/^external engine `python3 unknown_action\.py`: .*unknown action "scale_out".* on message 2 \(observe web at 1 s\)$/);
  });
});

describe.skipIf(!built || python === null)(`transport limits${skipNote}`, () => {
  it('a reply longer than the line limit (64 MiB; 100 000 bytes here) stops the exchange', () => {
    const t = new Transport({ command: py('mirror'), cwd: fixtures, timeoutMs: 5000, startupMs: 20_000, maxLineBytes: 100_000 });
    try {
      t.exchange(JSON.stringify(hello()), 20_000);
      // the buffer starts at 65 536 bytes and grows to 100 001 (the limit and its newline); the
      // ~150 000-byte echo has no newline by then: refused
      const big = JSON.stringify({ id: 1, type: 'observe', now: 0, group: 'web', records: [{ name: 'x'.repeat(150_000) }] });
      expect(() => t.exchange(big)).toThrow(new TransportFailure('too_long', 'reply longer than 100000 bytes'));
      // a broken transport refuses further exchanges with the same failure
      expect(() => t.exchange('{}')).toThrow('reply longer than 100000 bytes');
    } finally {
      t.close(0);
    }
    expect(alive(t.pid)).toBe(false);
  });
});

describe('platforms without mkfifo', () => {
  it('Windows: one line saying external engines need POSIX, before anything starts', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'win32' });
    let message = '';
    try {
      new ExternalSession(spec(py('mirror')), hello());
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      message = (err as Error).message;
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(message).toBe(`${engine('mirror')}: external engines need a POSIX system (mkfifo); on Windows use a module engine on message 0 (hello at 0 s)`);
  });
});

describe.skipIf(!built || python === null)(`an engine nobody closed${skipNote}`, () => {
  it('is killed by the exit hook when the simulator exits (here: a script that never calls close)', () => {
    const script = [
      `import { ExternalSession } from ${JSON.stringify(path.resolve('dist/engines/external/external.js'))};`,
      `const s = new ExternalSession(${JSON.stringify(spec(py('sleeps')))}, ${JSON.stringify(hello())});`,
      'process.stdout.write(String(s.transport.pid));',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
    expect(run.status).toBe(0);
    const pid = Number(run.stdout);
    expect(pid).toBeGreaterThan(0);
    // killed (SIGKILL to its group) as the script exited; reaped by init, shortly after
    expect(goneWithin(pid, 5000)).toBe(true);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
  });
});
