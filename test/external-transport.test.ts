/**
 * The synchronous transport to an external engine (src/engines/external/transport.ts,
 * external.ts): requests go out in order and each reply is the one to its request, a 1 MiB line
 * passes both ways, batches keep their order, unwanted optional requests are never sent (so they
 * use no id), the startup allowance covers a slow start, and close() leaves no process and no
 * FIFO directory behind. The engines are the Python scripts in test/fixtures/external/ and the
 * loopback-main server (a module engine served as a process).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, ExternalSession } from '../src/engines/external/external.js';
import { LineServer } from '../src/engines/external/loopback-main.js';
import type { ModuleEngine } from '../src/engines/external/api.js';
import type { Reply, Request, StepReply } from '../src/engines/external/protocol.js';
import { lookEvery } from '../src/engines/external/watchdog.js';
import { seconds } from '../src/engines/external/transport.js';
import { alive, built, fixtures, hello, py, python, skipNote, spec } from './external-fixture.js';

const observe = (group: string, records: unknown[] = []): Request => ({ type: 'observe', group, records }) as unknown as Request;
const reportOf = (r: Reply): { request: { id: number; type: string; now: number; group?: string; records?: unknown[] } } =>
  (r as StepReply).report as never;

let tmp = '';
let savedTmp: string | undefined;
beforeAll(() => {
  // a private TMPDIR: other runs on this machine make scalelab-engine-* directories too
  savedTmp = process.env.TMPDIR;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'transport-test-'));
  process.env.TMPDIR = tmp;
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('encode: the request line', () => {
  it('puts id, type and now first, then the request fields in their order', () => {
    expect(encode(3, 20_000_000, { type: 'sync', group: 'web', alive: ['web', 'web-clone-1'] })).toBe(
      '{"id":3,"type":"sync","now":20000000,"group":"web","alive":["web","web-clone-1"]}',
    );
  });
});

describe('the watchdog timing', () => {
  it('looks every eighth of the timeout, between 5 ms and 250 ms', () => {
    // 2000 / 8 = 250; 200 / 8 = 25; 20 / 8 = 2.5 → 5; 600 000 / 8 → 250
    expect([lookEvery(2000), lookEvery(200), lookEvery(20), lookEvery(600_000)]).toEqual([250, 25, 5, 250]);
    expect(seconds(200)).toBe('0.2 s');
  });
});

describe.skipIf(!built || python === null)(`external sessions over the FIFO transport${skipNote}`, () => {
  it('1,000 round trips: each reply answers its own request, ids 1, 2, 3, … in order', () => {
    const s = new ExternalSession(spec(py('mirror')), hello());
    try {
      expect(s.hello).toMatchObject({ id: 0, type: 'hello', version: 1, engine: 'albatross', batch: true });
      // the FIFOs' directory is removed as soon as both ends are open: nothing on disk can outlive the run
      expect(fs.existsSync(s.transport.dir)).toBe(false);
      for (let i = 0; i < 1000; i++) {
        const r = reportOf(s.call(i * 10_000_000, observe(`g${i}`))).request;
        expect([r.id, r.type, r.now, r.group]).toEqual([i + 1, 'observe', i * 10_000_000, `g${i}`]);
      }
    } finally {
      s.close(10_000_000_000);
    }
    expect(alive(s.transport.pid)).toBe(false);
    expect(fs.existsSync(s.transport.dir)).toBe(false);
  });

  it('a 1 MiB request, and its 1 MiB echo as the reply (the read buffer grows from 64 KiB)', () => {
    const s = new ExternalSession(spec(py('mirror')), hello());
    try {
      const big = 'x'.repeat(1 << 20);
      const r = reportOf(s.call(0, observe('web', [{ name: big }]))).request;
      expect((r.records![0] as { name: string }).name).toBe(big);
      // the session goes on normally after it
      expect(reportOf(s.call(1, observe('api'))).request.id).toBe(2);
    } finally {
      s.close(1);
    }
  });

  it('a batch: one line, one id, the replies in the requests\' order', () => {
    const s = new ExternalSession(spec(py('mirror')), hello());
    try {
      const replies = s.callMany(10_000_000, [observe('web'), observe('api'), observe('db')]);
      expect(replies.map((r) => reportOf(r).request.group)).toEqual(['web', 'api', 'db']);
      // the parts carry the batch's id and now (engine_base.py adds them back)
      expect(replies.map((r) => reportOf(r).request.id)).toEqual([1, 1, 1]);
      expect(reportOf(s.call(20_000_000, observe('web'))).request.id).toBe(2);
    } finally {
      s.close(2);
    }
  });

  it('an engine without batch gets the requests one by one; optional requests it does not want are never sent and use no id', () => {
    const s = new ExternalSession(spec(py('no_batch')), hello());
    try {
      const skipped = s.call(0, { type: 'spawn_result', group: 'web', name: 'web-clone-1', result: 'placed' });
      expect(skipped).toEqual({ type: 'step', actions: [] });
      expect(reportOf(s.call(1, observe('web'))).request.id).toBe(1);
      const many = s.callMany(2, [observe('a'), { type: 'gone', group: 'a', name: 'a-2', cause: 'destroyed' }, observe('b')]);
      expect(many.map((r) => (r as StepReply).report === undefined ? null : reportOf(r).request.id)).toEqual([2, null, 3]);
    } finally {
      s.close(3);
    }
  });

  it("the command's words reach the engine as written (no shell quoting, globbing or variables), in the scenario's directory", () => {
    const words = ['a b', '$HOME', '*', "it's", '`id`'];
    const s = new ExternalSession(spec([...py('whoami'), ...words]), hello());
    try {
      expect((s.call(0, observe('web')) as StepReply).report).toEqual({ cwd: fs.realpathSync(fixtures), argv: words });
    } finally {
      s.close(1);
    }
  });

  it('the startup allowance: an engine taking 0.6 s to start passes with a 200 ms timeout', () => {
    const s = new ExternalSession(spec(py('slow_start'), 200_000), hello());
    try {
      expect(s.call(0, observe('web'))).toMatchObject({ type: 'step', actions: [] });
    } finally {
      s.close(1);
    }
  });

  it('close(): an engine that says bye but does not exit is killed after the grace; nothing is left', () => {
    const s = new ExternalSession(spec(py('lingers'), 300_000), hello());
    const t0 = Date.now();
    s.close(0);
    const took = Date.now() - t0;
    // the grace is min(timeout, 2 s) = 300 ms: well under lingers.py's minute of sleep
    expect(took).toBeLessThan(10_000);
    expect(alive(s.transport.pid)).toBe(false);
    expect(fs.existsSync(s.transport.dir)).toBe(false);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('scalelab-engine-'))).toEqual([]);
  });
});

describe.skipIf(!built)(`loopback-main: a module engine served as a process${built ? '' : ' — SKIPPED: needs dist/'}`, () => {
  const counting: ModuleEngine = {
    open(h) {
      let n = 0;
      return {
        engine: h.engine,
        name: 'counting',
        handle(sent) {
          if (sent.type === 'end') return { type: 'bye' };
          if (sent.type === 'observe' && sent.group === 'boom') throw new Error('boom');
          n++;
          return { type: 'step', actions: [], report: { n, id: sent.id, now: sent.now } };
        },
      };
    },
  };

  it('LineServer: hello negotiation, one reply per line, batches split, a throw becomes an error reply, end → bye', () => {
    const server = new LineServer(counting, 'counting.mjs');
    expect(JSON.parse(server.answer(JSON.stringify(hello())))).toEqual({ id: 0, type: 'hello', version: 1, engine: 'albatross', shape: 'horizontal', name: 'counting', batch: true });
    expect(JSON.parse(server.answer('{"id":1,"type":"observe","now":5,"group":"web","records":[]}'))).toEqual({ id: 1, type: 'step', actions: [], report: { n: 1, id: 1, now: 5 } });
    expect(JSON.parse(server.answer('{"id":2,"type":"batch","now":7,"requests":[{"type":"observe","group":"a","records":[]},{"type":"observe","group":"boom","records":[]}]}'))).toEqual({
      id: 2,
      type: 'batch',
      replies: [
        { type: 'step', actions: [], report: { n: 2, id: 2, now: 7 } },
        { type: 'error', message: 'boom' },
      ],
    });
    expect(server.done).toBe(false);
    expect(JSON.parse(server.answer('{"id":3,"type":"end","now":9}'))).toEqual({ id: 3, type: 'bye' });
    expect(server.done).toBe(true);
  });

  it('LineServer: a hello whose range it does not share is answered with an error', () => {
    const server = new LineServer(counting, 'counting.mjs');
    expect(JSON.parse(server.answer(JSON.stringify({ ...hello(), protocol: { min: 2, max: 3 } })))).toEqual({ id: 0, type: 'hello', error: 'speaks protocol 1 to 1' });
  });

  it('node loopback-main.js my-engine.mjs through the real transport', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'module-'));
    const file = path.join(dir, 'my-engine.mjs');
    fs.writeFileSync(
      file,
      'export default { open(hello) { let n = 0; return { engine: hello.engine, handle(sent) { if (sent.type === "end") return { type: "bye" }; n++; return { type: "step", actions: [], report: { n, group: sent.group } }; } }; } };\n',
    );
    const s = new ExternalSession(spec([process.execPath, path.resolve('dist/engines/external/loopback-main.js'), file]), hello());
    try {
      expect(s.hello.name).toBe('my-engine.mjs');
      expect(s.call(0, observe('web'))).toMatchObject({ type: 'step', actions: [], report: { n: 1, group: 'web' } });
      expect(s.callMany(1, [observe('a'), observe('b')])).toEqual([
        { type: 'step', actions: [], report: { n: 2, group: 'a' } },
        { type: 'step', actions: [], report: { n: 3, group: 'b' } },
      ]);
    } finally {
      s.close(2);
    }
    expect(alive(s.transport.pid)).toBe(false);
  });
});
