/**
 * `scalelab decide … --dry-run`: for operators watching decisions on live data before trusting
 * them. No action lines; instead one human line per window of input time (`--summary-every`,
 * default 60 s) and a final block, or the same as JSON objects with `--json`.
 */
import type { Micros } from '../kernel/time.js';
import type { Decision } from './bridge.js';
import { describeAction, direction } from './print.js';

/** Most acting decisions a window's line describes one by one. */
const MAX_DESCRIBED = 5;

/** One window's counts. */
interface Window {
  start: Micros;
  observations: number;
  decisions: number;
  acting: string[];
  actions: Map<string, number>;
  groups: Map<string, Map<string, number>>;
  problems: number;
}

/** Seconds, as the summaries print them. @example seconds(4_200_000) // '4.2 s' */
export function seconds(us: Micros): string {
  return `${Number((us / 1e6).toFixed(3))} s`;
}

/** Unix µs as ISO 8601 without milliseconds when whole. @example iso(1_780_000_000_000_000) // '2026-05-28T20:26:40Z' */
export function iso(us: Micros): string {
  const text = new Date(Math.floor(us / 1000)).toISOString();
  return text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text;
}

/** Add one to a count in a map. */
function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

/** A map's counts as `a 2, b 1`. */
function counts(m: ReadonlyMap<string, number>): string {
  return m.size === 0 ? 'none' : [...m].map(([k, v]) => `${k} ${v}`).join(', ');
}

/**
 * The dry-run summary: feed it what happens (`observation`, `decision`, `problem`) and the input
 * time (`at`); it writes a window's line when input time passes the window's end.
 *
 * @example const d = new DryRun({ every: 60_000_000, json: false, write: console.log }); d.at(t); d.observation(t, 'stdin:1'); d.finish(t)
 */
export class DryRun {
  private window: Window | null = null;
  private readonly totals = { observations: 0, decisions: 0, up: 0, down: 0, problems: 0, lines: 0 };
  private readonly allActions = new Map<string, number>();
  private readonly allGroups = new Map<string, Map<string, number>>();
  private readonly problems: string[] = [];
  private lastObservation: { time: Micros; where: string } | null = null;
  private gap = { us: 0, where: '' };
  private late = { count: 0, worst: 0, what: '' };
  private first: Micros | null = null;
  private last: Micros | null = null;

  constructor(private readonly o: { every: Micros; json: boolean; write: (line: string) => void }) {}

  /** Input time reached `time`: close the windows that ended. */
  at(time: Micros): void {
    if (this.first === null) this.first = time;
    this.last = time;
    if (this.window === null) {
      this.window = this.fresh(Math.floor(time / this.o.every) * this.o.every);
      return;
    }
    if (time < this.window.start + this.o.every) return;
    this.flush(this.window);
    const start = Math.floor(time / this.o.every) * this.o.every;
    const quietFrom = this.window.start + this.o.every;
    if (start > quietFrom && !this.o.json) this.o.write(`${iso(quietFrom)}..${iso(start)}: no input`);
    this.window = this.fresh(start);
  }

  /** An input line that is an observation (data or event). */
  observation(time: Micros, where: string): void {
    this.totals.lines++;
    this.totals.observations++;
    if (this.window) this.window.observations++;
    if (this.lastObservation !== null && time - this.lastObservation.time > this.gap.us) this.gap = { us: time - this.lastObservation.time, where };
    this.lastObservation = { time, where };
  }

  /** A reply of the engine. */
  decision(d: Decision): void {
    this.totals.decisions++;
    if (this.window) this.window.decisions++;
    if (d.late !== undefined) {
      this.late.count++;
      if (d.late > this.late.worst) this.late = { count: this.late.count, worst: d.late, what: `${d.request.type}${d.subject !== null ? ` ${d.subject}` : ''} arrived ${seconds(d.late)} after the engine's wake-up (${iso(d.now)})` };
    }
    const acts = d.reply.actions;
    if (acts.length === 0) return;
    const who = d.subject ?? 'cluster';
    const w = this.window!;
    w.acting.push(`${who} ${acts.map(describeAction).join(', ')}`);
    for (const a of acts) {
      bump(w.actions, a.type);
      bump(this.allActions, a.type);
      for (const g of [w.groups, this.allGroups]) {
        if (!g.has(who)) g.set(who, new Map());
        bump(g.get(who)!, a.type);
      }
      const dir = direction(a);
      if (dir > 0) this.totals.up++;
      if (dir < 0) this.totals.down++;
    }
  }

  /** An input problem the bridge went past (a line out of time order). */
  problem(what: string): void {
    this.totals.problems++;
    if (this.window) this.window.problems++;
    if (this.problems.length < 10) this.problems.push(what);
  }

  /** The end of input: the last window and the final block. */
  finish(): void {
    if (this.window) this.flush(this.window);
    this.window = null;
    const span = this.first !== null && this.last !== null ? this.last - this.first : 0;
    if (this.o.json) {
      this.o.write(JSON.stringify({ final: true, seconds: span / 1e6, lines: this.totals.lines, decisions: this.totals.decisions, actions: Object.fromEntries(this.allActions), groups: mapOfMaps(this.allGroups), up: this.totals.up, down: this.totals.down, largest_gap_seconds: this.gap.us / 1e6, late_requests: this.late.count, problems: this.problems }));
      return;
    }
    const groups = [...this.allGroups].map(([g, m]) => `${g} ${counts(m)}`).join('; ');
    this.o.write(`totals over ${seconds(span)} of input: ${this.totals.lines} observations, ${this.totals.decisions} decisions`);
    this.o.write(`  actions: ${counts(this.allActions)}`);
    this.o.write(`  by ${groups === '' ? 'group: none' : `group: ${groups}`}`);
    this.o.write(`  would-be totals: ${this.totals.up} up, ${this.totals.down} down`);
    this.o.write(`  largest gap between observations: ${this.gap.us > 0 ? `${seconds(this.gap.us)} (before ${this.gap.where})` : 'none'}`);
    if (this.late.count > 0) this.o.write(`  late requests: ${this.late.count}; the latest: ${this.late.what}`);
    this.o.write(`  input problems: ${this.problems.length === 0 ? 'none' : `${this.totals.problems}: ${this.problems.join('; ')}`}`);
  }

  private fresh(start: Micros): Window {
    return { start, observations: 0, decisions: 0, acting: [], actions: new Map(), groups: new Map(), problems: 0 };
  }

  /** One window's line. */
  private flush(w: Window): void {
    const end = w.start + this.o.every;
    if (this.o.json) {
      this.o.write(JSON.stringify({ window_end: iso(end), seconds: this.o.every / 1e6, observations: w.observations, decisions: w.decisions, acting: w.acting.length, actions: Object.fromEntries(w.actions), groups: mapOfMaps(w.groups), problems: w.problems }));
      return;
    }
    const shown = w.acting.slice(0, MAX_DESCRIBED).join('; ') + (w.acting.length > MAX_DESCRIBED ? `; and ${w.acting.length - MAX_DESCRIBED} more` : '');
    this.o.write(
      `${iso(end)} ${seconds(this.o.every)}: ${w.observations} observations, ${w.acting.length} decisions acting${w.acting.length > 0 ? `: ${shown}` : ''} | would-be totals: ${this.totals.up} up, ${this.totals.down} down, ${this.totals.problems} problems`,
    );
  }
}

/** Nested count maps as plain objects (for `--json`). */
function mapOfMaps(m: ReadonlyMap<string, ReadonlyMap<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...m].map(([k, v]) => [k, Object.fromEntries(v)]));
}

/**
 * What an engine's own adapter (`decide albatross|hpa|kraftcloud` without `--protocol`) reports
 * to: each input line's time, and each printed action (`{time, group?, type, …}`) — printed as a
 * JSON line, or summed into the dry-run's windows (an action without a group is counted under
 * `subject`, e.g. the HPA's name).
 *
 * @example const out = adapterOutput(null, (l) => process.stdout.write(l)); out.line(t, 'stdin:1'); out.actions([{ time: 1, type: 'scale', from: 1, to: 2 }])
 */
export function adapterOutput(dry: DryRun | null, write: (line: string) => void, subject: string | null = null): { line(time: Micros, where: string): void; actions(list: readonly Record<string, unknown>[]): void; finish(): void } {
  return {
    line(time, where) {
      dry?.at(time);
      dry?.observation(time, where);
    },
    actions(list) {
      if (dry === null) {
        for (const a of list) write(`${JSON.stringify(a)}\n`);
        return;
      }
      for (const a of list) {
        const { time, group, ...action } = a as { time: number; group?: string };
        const now = Math.round(time * 1e6);
        dry.at(now);
        dry.decision({ now, subject: group ?? subject, request: { type: 'observe' } as never, reply: { type: 'step', actions: [action as never] } });
      }
    },
    finish() {
      dry?.finish();
    },
  };
}
