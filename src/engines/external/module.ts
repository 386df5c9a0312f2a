/**
 * Module engines (`engine: { kind: module, path: ./my-policy.js }`): loaded once per thread
 * before the run (`prepareEngine`, async), then called synchronously through a session that
 * numbers the requests, negotiates the hello and checks every reply exactly as the external
 * session does (checked.ts). With `SCALELAB_MODULE_CODEC=1` every request and reply also makes a
 * JSON round trip, so a module sees exactly what an external process would.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Micros } from '../../kernel/time.js';
import { InputError } from '../../scenario/errors.js';
import type { EngineSpec, Scenario } from '../../scenario/types.js';
import type { ModuleEngine, ModuleHandler, Sent } from './api.js';
import { checkReply, displayPath, engineLabel, failedMessage, negotiate, partOf, quote, versionMismatch } from './checked.js';
import { EngineProtocolError, type FailedMessage } from './errors.js';
import { latestSharedVersion, PROTOCOL, type BatchRequest, type Dialect, type HelloReply, type HelloRequest, type Reply, type Request } from './protocol.js';
import type { EngineSession } from './session.js';

/** The module engines this thread has loaded, by absolute path. */
const loaded = new Map<string, ModuleEngine>();

/** The extensions `import()` loads without a loader. */
const JS = ['.js', '.mjs', '.cjs'];

/**
 * Load the scenario's module engine, if it has one (a no-op for other kinds, and for a path
 * already loaded in this thread). Await it before `simulateScenario`/`simulate`. Bad modules are
 * an `InputError` (exit 2): `engine.path ./x.js: exports no engine (…)`.
 *
 * @example await prepareEngine(loadScenario('s.yaml')); simulate(scenario);
 */
export async function prepareEngine(scenario: Scenario): Promise<void> {
  const spec = scenario.engine;
  if (spec.kind !== 'module') return;
  const abs = spec.path;
  if (abs === null || abs === undefined || abs === '') throw new InputError('engine.path: a module engine needs the path of its JavaScript module');
  if (loaded.has(abs)) return;
  const shown = `engine.path ${displayPath(abs, spec.cwd)}`;
  if (!JS.includes(path.extname(abs))) throw new InputError(`${shown}: a module engine must be JavaScript (.js or .mjs); compile it first`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && !(e as Error).message.includes(abs)) {
      throw new InputError(`${shown}: cannot load it: ${quote((e as Error).message, 200)}`);
    }
    if (code === 'ERR_MODULE_NOT_FOUND') throw new InputError(`${shown}: no such file`);
    throw new InputError(`${shown}: cannot load it: ${quote(e instanceof Error ? e.message : String(e), 200)}`);
  }
  const engine = mod['default'] ?? mod['engine'];
  if (!isModuleEngine(engine)) throw new InputError(`${shown}: exports no engine (default export or "engine" with open())`);
  loaded.set(abs, engine);
}

/**
 * Make `engine` the module engine of `absPath` in this thread, as if `prepareEngine` had
 * imported it: for tests, and for programs that embed scalelab with an engine object.
 *
 * @example provideModuleEngine('/virtual/policy.js', myEngine) // then engine: { kind: module, path: /virtual/policy.js }
 */
export function provideModuleEngine(absPath: string, engine: ModuleEngine): void {
  loaded.set(absPath, engine);
}

/**
 * A session with the module engine named by `spec.path`, loaded by `prepareEngine`. Without
 * that, a programming error (exit 1): `module engine ./x.js not loaded: await prepareEngine(scenario) first`.
 */
export function openModule(spec: EngineSpec, hello: HelloRequest): EngineSession {
  const label = engineLabel(spec);
  const engine = spec.path === null || spec.path === undefined ? undefined : loaded.get(spec.path);
  if (engine === undefined) throw new Error(`${label} not loaded: await prepareEngine(scenario) first`);
  return openModuleEngine(label, engine, hello);
}

/**
 * A session with an engine object in process (a loaded module, the loopback), named `label` in
 * failures. `codec` (default: `SCALELAB_MODULE_CODEC=1` in the environment) sends every message
 * through `JSON.stringify`/`JSON.parse`, as the external path does.
 *
 * @example openModuleEngine('built-in engine hpa', loopbackEngine, hello).call(0, { type: 'init', group: 'web', instances })
 */
export function openModuleEngine(label: string, engine: ModuleEngine, hello: HelloRequest, codec = process.env['SCALELAB_MODULE_CODEC'] === '1'): EngineSession {
  const theirs = engine.protocol ?? PROTOCOL;
  const version = latestSharedVersion(hello.protocol, theirs);
  if (version === null) throw versionMismatch(label, hello.protocol, theirs);
  const atHello = failedMessage(0, hello, 0);
  let handler: ModuleHandler;
  try {
    handler = engine.open(codec ? roundTrip(hello) : hello);
  } catch (e) {
    throw engineError(label, e, atHello);
  }
  if (isThenable(handler)) throw new EngineProtocolError(label, 'open must be synchronous (it returned a Promise)', atHello);
  if (typeof handler !== 'object' || handler === null || typeof handler.handle !== 'function') {
    throw new EngineProtocolError(label, 'open() returned no handler (an object with handle())', atHello);
  }
  const reply = {
    id: 0,
    type: 'hello',
    version,
    engine: handler.engine,
    batch: true,
    ...(handler.name !== undefined ? { name: handler.name } : {}),
    ...(handler.wants !== undefined ? { wants: handler.wants } : {}),
  };
  const checked = negotiate(label, hello, codec ? roundTrip(reply) : reply, true);
  return new ModuleSession(label, hello.engine, handler, checked, codec);
}

/**
 * The session over a module handler. Requests are numbered 1, 2, … (hello is 0); `callMany` of
 * two or more requests is one message, as a `batch` is on the external path, and its parts are
 * handed to the handler one by one with the batch's id (a handler never sees a `batch`).
 */
class ModuleSession implements EngineSession {
  private next = 1;
  private failed = false;
  private closed = false;

  constructor(
    private readonly label: string,
    private readonly dialect: Dialect,
    private readonly handler: ModuleHandler,
    readonly hello: HelloReply,
    private readonly codec: boolean,
  ) {}

  call(now: Micros, req: Request): Reply {
    const id = this.next++;
    try {
      const raw = this.ask(id, req, now, null, 0);
      return checkReply(this.label, this.dialect, id, req, now, raw, true);
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  callMany(now: Micros, reqs: readonly Request[]): Reply[] {
    if (reqs.length === 0) return [];
    if (reqs.length === 1) return [this.call(now, reqs[0]!)];
    const id = this.next++;
    const batch: BatchRequest = { type: 'batch', requests: reqs };
    try {
      const replies: unknown[] = new Array(reqs.length);
      for (let k = 0; k < reqs.length; k++) replies[k] = this.ask(id, reqs[k]!, now, batch, k);
      checkReply(this.label, this.dialect, id, batch, now, { type: 'batch', replies }, true);
      return replies as Reply[];
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  close(now: Micros): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.failed) {
        const id = this.next++;
        const end: Request = { type: 'end' };
        const raw = this.ask(id, end, now, null, 0);
        checkReply(this.label, this.dialect, id, end, now, raw, true);
      }
    } finally {
      try {
        this.handler.close?.();
      } catch (e) {
        if (!this.failed) throw engineError(this.label, e, { id: this.next - 1, type: 'end', now });
      }
    }
  }

  /**
   * Hand one request (part `k` of `batch`, when there is one) to the handler; its raw reply
   * (after the codec's round trip).
   */
  private ask(id: number, req: Request, now: Micros, batch: BatchRequest | null, k: number): unknown {
    let sent = sentOf(id, req, now);
    if (this.codec) sent = roundTrip(sent);
    let raw: unknown;
    try {
      raw = this.handler.handle(sent);
    } catch (e) {
      throw engineError(this.label, e, whereOf(id, req, now, batch, k));
    }
    if (isThenable(raw)) throw new EngineProtocolError(this.label, 'handle must be synchronous (it returned a Promise)', whereOf(id, req, now, batch, k));
    if (raw === undefined) throw new EngineProtocolError(this.label, 'handle returned nothing (a reply object is required)', whereOf(id, req, now, batch, k));
    return this.codec ? roundTrip(raw) : raw;
  }
}

/**
 * A request as an engine receives it, keys in the wire order (`id`, `type`, `now`, the body).
 *
 * @example sentOf(3, { type: 'end' }, 5) // { id: 3, type: 'end', now: 5 }
 */
export function sentOf(id: number, req: Request, now: Micros): Sent {
  const head: Record<string, unknown> = { id, type: req.type, now };
  return Object.assign(head, req) as unknown as Sent;
}

/** The message a failure names: the request, or part k of the batch. */
function whereOf(id: number, req: Request, now: Micros, batch: BatchRequest | null, k: number): FailedMessage {
  return batch === null ? failedMessage(id, req, now) : failedMessage(id, batch, now, partOf(req, k, batch.requests.length));
}

/** A throw inside the engine as the run's failure: `engine error: <message>`. */
function engineError(label: string, e: unknown, where: FailedMessage): EngineProtocolError {
  if (e instanceof EngineProtocolError) return e;
  const text = e instanceof Error ? e.message : String(e);
  return new EngineProtocolError(label, `engine error: ${quote(text, 200)}`, where);
}

/** What an external engine would see: the value after `JSON.stringify` and `JSON.parse`. */
function roundTrip<T>(x: T): T {
  const text = JSON.stringify(x);
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function isModuleEngine(x: unknown): x is ModuleEngine {
  return typeof x === 'object' && x !== null && typeof (x as { open?: unknown }).open === 'function';
}
