/**
 * The production bridge: one loop for every engine. Real observations (checked input lines,
 * input.ts) go to an `EngineSession` — the built-in cores behind the protocol, or a user's module
 * or external process — and every reply comes back as a `Decision` for the printer or the
 * dry-run summary. The bridge owns the clock as the simulator's world does: `now` is the line's
 * time (integer µs of Unix time), and the engine's `wakeAt` is honoured in input time.
 *
 * Observation mode (the default): data lines are buffered per group (or the cluster), newest
 * wins; event lines are sent at once; when the input reaches time T, the event lines at T go
 * first, then every wake-up due at ≤ T sends its request (`observe` with the group's latest
 * observation, incus `tick` with the latest snapshot), then the data lines at T are buffered —
 * the same order as the replica world. Protocol mode: every line is a request, sent in order;
 * wake-ups are only tracked, to report requests that came later than the engine asked.
 */
import type { Micros } from '../kernel/time.js';
import type { Dialect, Reply, Request, StepReply } from '../engines/external/protocol.js';
import type { EngineSession } from '../engines/external/session.js';
import { EngineProtocolError } from '../engines/external/errors.js';
import { InputError } from '../scenario/errors.js';
import type { BridgeLine } from './input.js';

/** One reply to one request, with what it was about. */
export interface Decision {
  readonly now: Micros;
  /** the group or VM (null for incus: the cluster) */
  readonly subject: string | null;
  readonly request: Request;
  readonly reply: StepReply;
  /** the request came this much later than the engine's wake-up (µs; protocol mode) */
  readonly late?: Micros;
}

/** What the bridge is told to do with each input line. */
export interface BridgeSettings {
  readonly dialect: Dialect;
  readonly mode: 'observation' | 'protocol';
  readonly session: EngineSession;
  /** incus: a fresh `mapRandom` for a tick whose snapshot has none (Go's map order) */
  readonly mapRandom: () => number;
  /** every reply, in order */
  readonly decide: (d: Decision) => void;
}

/** A subject's buffered data and pending wake-up. */
interface Subject {
  /** the latest data request (observation mode), and its time */
  data: Request | null;
  dataAt: Micros;
  wakeAt: Micros | null;
  /** init sent (observation mode) */
  started: boolean;
}

const CLUSTER = 'cluster';
/** Most wake-ups fired between two input lines: an engine answering `wakeAt: now` over and over stops here. */
const MAX_FIRES = 1_000_000;

/**
 * The bridge over one session. Feed it checked lines in time order (`feed`), let it fire due
 * wake-ups (`advance`), and `finish` at the end of input.
 */
export class Bridge {
  private readonly subjects = new Map<string, Subject>();
  /** incus: the latest cluster snapshot seen (with a mapRandom) */
  private cluster: Record<string, unknown> | null = null;
  private lastMapRandom = 0;
  private closed = false;

  constructor(private readonly s: BridgeSettings) {}

  /**
   * One input line at `time` (already stamped and checked in order); `where` names it in errors.
   *
   * @example bridge.feed(parseBridgeLine(line, 'hpa', 'stdin:1'), 1_780_000_000_000_000, 'stdin:1')
   */
  feed(line: BridgeLine, time: Micros, where: string): void {
    if (this.s.mode === 'protocol') return this.protocolLine(line, time, where);
    if (this.s.dialect === 'incus') return this.incusLine(line, time, where);
    if (this.s.dialect === 'neon') return this.neonLine(line, time, where);
    return this.horizontalLine(line, time, where);
  }

  /** Fire every wake-up due at ≤ `time` (observation mode), earliest first. */
  advance(time: Micros, where: string): void {
    if (this.s.mode === 'protocol') return;
    for (let fired = 0; ; fired++) {
      if (fired > MAX_FIRES) throw new InputError(`the engine asked to be woken more than ${MAX_FIRES} times before this line's time`, { file: where });
      let due: string | null = null;
      let at = Infinity;
      for (const [name, sub] of this.subjects) if (sub.wakeAt !== null && sub.wakeAt <= time && sub.wakeAt < at && sub.data !== null) [due, at] = [name, sub.wakeAt];
      if (due === null) return;
      this.fire(due, where);
    }
  }

  /** The earliest pending wake-up that can fire (it has data), for a live-mode timer; null if none. */
  nextWake(): Micros | null {
    let at: Micros | null = null;
    for (const sub of this.subjects.values()) if (sub.wakeAt !== null && sub.data !== null && (at === null || sub.wakeAt < at)) at = sub.wakeAt;
    return at;
  }

  /** The end of input at `time`: the wake-ups due by then fire, then the session is closed. */
  finish(time: Micros | null, where: string): void {
    if (this.closed) return;
    if (time !== null) this.advance(time, where);
    this.closed = true;
    this.s.session.close(time ?? 0);
  }

  // --- observation mode --------------------------------------------------------------------

  private subject(name: string): Subject {
    let sub = this.subjects.get(name);
    if (sub === undefined) {
      sub = { data: null, dataAt: 0, wakeAt: null, started: false };
      this.subjects.set(name, sub);
    }
    return sub;
  }

  /** hpa, kraftcloud, replica, albatross: init on first sight, observations buffered (albatross: sent at once). */
  private horizontalLine(line: BridgeLine, time: Micros, where: string): void {
    const sub = this.subject(line.subject);
    if (line.request.type === 'init') {
      this.advance(time - 1, where);
      sub.started = true;
      return this.send(line.subject, time, line.request, where);
    }
    if (!sub.started) {
      if (line.role === 'event') throw new InputError(`group ${line.subject} has had no init or observation yet`, { file: where, key: 'group' });
      sub.started = true;
      this.send(line.subject, time, { type: 'init', group: line.subject, instances: [] }, where);
    }
    if (line.role === 'event' || this.s.dialect === 'albatross') {
      this.advance(time - 1, where);
      return this.send(line.subject, time, line.request, where);
    }
    this.advance(time, where);
    sub.data = line.request;
    sub.dataAt = time;
    // a wake-up that was due but had no observation to send fires now
    if (sub.wakeAt !== null && sub.wakeAt <= time) this.fire(line.subject, where);
  }

  /** incus: the first snapshot starts the rebalancer; later ones are buffered for its ticks. */
  private incusLine(line: BridgeLine, time: Micros, where: string): void {
    const sub = this.subject(CLUSTER);
    const req = line.request as Request & { cluster: Record<string, unknown> | null };
    if (line.role === 'data' || line.request.type === 'init') {
      const snapshot = this.withMapRandom(req.cluster!, false);
      if (!sub.started) {
        sub.started = true;
        this.cluster = snapshot;
        sub.data = { type: 'tick', cluster: snapshot as never };
        sub.dataAt = time;
        return this.send(CLUSTER, time, { type: 'init', cluster: snapshot as never }, where);
      }
      if (line.request.type === 'init') throw new InputError('the rebalancer is already started (one init, at the start)', { file: where, key: 'type' });
      this.advance(time, where);
      this.cluster = snapshot;
      sub.data = { type: 'tick', cluster: snapshot as never };
      sub.dataAt = time;
      if (sub.wakeAt !== null && sub.wakeAt <= time) this.fire(CLUSTER, where);
      return;
    }
    if (!sub.started && req.cluster === null) throw new InputError('no cluster snapshot yet: give "cluster" on this line, or a tick line first', { file: where, key: 'cluster' });
    if (!sub.started) this.incusLine({ ...line, role: 'data', request: { type: 'tick', cluster: req.cluster as never } }, time, where);
    this.advance(time - 1, where);
    const cluster = req.cluster === null ? this.cluster! : this.withMapRandom(req.cluster, false);
    this.send(CLUSTER, time, { ...req, cluster } as never, where);
  }

  /** neon: every line is sent at once (a VM's first line must carry or follow its init). */
  private neonLine(line: BridgeLine, time: Micros, where: string): void {
    const sub = this.subject(line.subject);
    this.advance(time - 1, where);
    if (line.request.type === 'init') {
      sub.started = true;
      sub.data = { type: 'tick', vm: line.subject };
      return this.send(line.subject, time, line.request, where);
    }
    if (!sub.started) {
      if (line.init === undefined) throw new InputError(`vm ${line.subject} has no init yet: give an init line, or "using", "min" and "max" on its first tick`, { file: where, key: 'vm' });
      sub.started = true;
      sub.data = { type: 'tick', vm: line.subject };
      this.send(line.subject, time, line.init, where);
    }
    this.send(line.subject, time, line.request, where);
  }

  /** A due wake-up: the subject's latest data, sent at the wake time (not before the data). */
  private fire(name: string, where: string): void {
    const sub = this.subjects.get(name)!;
    const now = Math.max(sub.wakeAt!, sub.dataAt);
    sub.wakeAt = null;
    let req = sub.data!;
    if (this.s.dialect === 'incus') req = { type: 'tick', cluster: this.withMapRandom((req as { cluster: Record<string, unknown> }).cluster, true) as never };
    this.send(name, now, req, where);
  }

  /** incus: the snapshot with a `mapRandom` — the written one, else a fresh draw for a tick, else the last. */
  private withMapRandom(cluster: Record<string, unknown>, tick: boolean): Record<string, unknown> {
    if (typeof cluster['mapRandom'] === 'number' && !tick) {
      this.lastMapRandom = cluster['mapRandom'];
      return cluster;
    }
    if (tick) this.lastMapRandom = this.s.mapRandom();
    return { ...cluster, mapRandom: this.lastMapRandom };
  }

  // --- protocol mode -----------------------------------------------------------------------

  /** Every line is a request, sent at its time; a wake-up the engine asked for is only compared. */
  private protocolLine(line: BridgeLine, time: Micros, where: string): void {
    let req = line.request;
    if (this.s.dialect === 'incus') {
      const c = (req as { cluster: Record<string, unknown> | null }).cluster;
      if (c === null) throw new InputError('needs "cluster" (a protocol-mode line is a whole request)', { file: where, key: 'cluster' });
      req = { ...req, cluster: this.withMapRandom(c, req.type === 'tick' && typeof c['mapRandom'] !== 'number') } as never;
    }
    if (this.s.dialect === 'neon' && line.init !== undefined && !this.subject(line.subject).started) {
      this.subject(line.subject).started = true;
      this.send(line.subject, time, line.init, where);
    }
    if (req.type === 'init') this.subject(line.subject).started = true;
    const sub = this.subject(line.subject);
    const woken = req.type === 'observe' || req.type === 'tick';
    const late = woken && sub.wakeAt !== null && time > sub.wakeAt ? time - sub.wakeAt : undefined;
    if (woken && sub.wakeAt !== null && time >= sub.wakeAt) sub.wakeAt = null;
    this.send(line.subject, time, req, where, late);
  }

  // --- both --------------------------------------------------------------------------------

  /** Send one request; record the engine's wake-up by the dialect's rule; hand on the decision. */
  private send(name: string, now: Micros, req: Request, where: string, late?: Micros): void {
    let reply: Reply;
    try {
      reply = this.s.session.call(now, req);
    } catch (err) {
      if (err instanceof EngineProtocolError) throw new InputError(err.message, { file: where });
      throw err;
    }
    if (reply.type !== 'step') throw new InputError(`the engine answered ${reply.type} to ${req.type}`, { file: where });
    this.wake(this.subject(name), now, reply.wakeAt);
    this.s.decide({ now, subject: name === CLUSTER ? null : name, request: req, reply, ...(late !== undefined ? { late } : {}) });
  }

  /** A reply's `wakeAt` by the dialect's rule (docs/PROTOCOL.md): replace, wake-by (neon) or clamp (incus). */
  private wake(sub: Subject, now: Micros, wakeAt: Micros | null | undefined): void {
    if (wakeAt === undefined) return;
    if (this.s.dialect === 'neon') {
      if (wakeAt !== null && (sub.wakeAt === null || wakeAt < sub.wakeAt)) sub.wakeAt = wakeAt;
      return;
    }
    if (this.s.dialect === 'incus' && wakeAt !== null) {
      sub.wakeAt = Math.max(now, wakeAt);
      return;
    }
    sub.wakeAt = wakeAt;
  }
}
