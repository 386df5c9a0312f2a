/**
 * The loopback engine as an external process: `node dist/engines/external/loopback-main.js`
 * reads protocol requests on stdin, one JSON line each, hands them to the built-in cores behind
 * the protocol (`loopbackEngine`), and writes one reply line per request on stdout.
 *
 * It is how the tests prove that a real process, through the real transport and JSON codec,
 * decides exactly as the built-in engine does:
 *
 *     engine: { name: albatross, kind: external, command: [node, dist/engines/external/loopback-main.js] }
 *
 * Given a module file (`loopback-main.js ./my-policy.mjs`), it serves that module's engine
 * (default export, or the export `engine`) instead: any module engine becomes an external one.
 *
 * Fully synchronous (blocking reads of fd 0, writes to fd 1), like the simulator's side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveHello, serveMessage, type ModuleEngine, type ModuleHandler, type Sent } from './api.js';
import { loopbackEngine } from './loopback/index.js';
import type { HelloRequest } from './protocol.js';

/**
 * Answers one request line at a time for one module engine (the process's whole state), with
 * core's `serveHello`/`serveMessage`: the same answers a module session gets in process.
 */
export class LineServer {
  private handler: ModuleHandler | null = null;
  /** true once `end` was answered: the process may exit */
  done = false;

  constructor(
    private readonly engine: ModuleEngine,
    private readonly name: string,
  ) {}

  /**
   * The reply line (without `\n`) to one request line.
   *
   * @example new LineServer(loopbackEngine, 'loopback').answer('{"id":0,"type":"hello",...}') // '{"id":0,"type":"hello","version":1,...}'
   */
  answer(line: string): string {
    let msg: { id?: unknown; type?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return JSON.stringify({ id: null, type: 'error', message: `request is not JSON: ${line.slice(0, 80)}` });
    }
    const id = typeof msg.id === 'number' ? msg.id : null;
    if (msg.type === 'hello') {
      const { handler, reply } = serveHello(this.engine, msg as unknown as HelloRequest);
      this.handler = handler;
      return JSON.stringify(handler !== null && reply.name === undefined ? { ...reply, name: this.name } : reply);
    }
    if (this.handler === null) return JSON.stringify({ id, type: 'error', message: 'no hello yet' });
    const reply = serveMessage(this.handler, msg as unknown as Sent);
    if (msg.type === 'end') {
      this.done = true;
      try {
        this.handler.close?.();
      } catch (err) {
        return JSON.stringify({ id, type: 'error', message: (err as Error).message });
      }
    }
    return JSON.stringify(reply);
  }
}

/**
 * Serve `server` on fds `input`/`output` until `end` or end-of-file: blocking reads, one reply
 * line written per request line.
 */
export function serveLines(server: LineServer, input = 0, output = 1): void {
  let buf = Buffer.alloc(1 << 16);
  let have = 0;
  for (;;) {
    const nl = buf.subarray(0, have).indexOf(10);
    if (nl !== -1) {
      const line = buf.toString('utf8', 0, nl);
      buf.copyWithin(0, nl + 1, have);
      have -= nl + 1;
      fs.writeSync(output, `${server.answer(line)}\n`);
      if (server.done) return;
      continue;
    }
    if (have === buf.length) {
      const bigger = Buffer.alloc(buf.length * 2);
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    let n: number;
    try {
      n = fs.readSync(input, buf, have, buf.length - have, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0) return;
    have += n;
  }
}

/** The module engine named on the command line, or the loopback. */
async function engineFrom(arg: string | undefined): Promise<{ engine: ModuleEngine; name: string }> {
  if (arg === undefined) return { engine: loopbackEngine, name: 'scalelab loopback' };
  const mod = (await import(pathToFileURL(path.resolve(arg)).href)) as { default?: ModuleEngine; engine?: ModuleEngine };
  const engine = mod.default ?? mod.engine;
  if (engine === undefined || typeof engine.open !== 'function') {
    process.stderr.write(`${arg}: exports no engine (default export or "engine" with open())\n`);
    process.exit(2);
  }
  return { engine, name: path.basename(arg) };
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invoked) {
  const { engine, name } = await engineFrom(process.argv[2]);
  serveLines(new LineServer(engine, name));
}
