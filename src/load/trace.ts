/**
 * Replay of a canonical trace (docs/TRACES.md) as a load source, streamed: memory grows with
 * the number of series, never with the length of the file.
 *
 * Semantics:
 * - **Step-hold**: the demand of a series at trace time τ is the value of its latest row with
 *   time ≤ τ; before its first row it is 0. Rows at the same time are applied in file order, so
 *   for a duplicate (same series, same time) the last row wins.
 * - **Time mapping**: simulated time t maps to trace time τ = (t − shift_s) × speedup. A positive
 *   shift starts the trace later (demand 0 until then); a negative one starts the simulation
 *   partway into the trace.
 * - **Loop**: at the end of the file the replay starts again from its first row, one period
 *   later; period = time of the last row + the interval (the `# interval:` metadata, else the last
 *   step between distinct times). Values carry over the wrap until a series' first row of the new
 *   round. A trace with a single timestamp and no interval does not loop (it holds).
 * - **Selectors**: an output slot is one series (`'web'` or `{ series: 'web' }`), the sum of the
 *   series matching a glob (`{ pattern: 'alice:web*' }`, `*` and `?`), or the sum of named series
 *   (`{ sum: ['a', 'b'] }`); each may carry a `scale` (multiplied by `opts.scale`).
 * - **Missing series**: checked when the source is built, by a second reader that scans only
 *   until every selector has matched a series (for an ordinary trace, the first time block). A
 *   selector that matches nothing is an `InputError` naming it and some series the file has; the
 *   whole file is read only in that case.
 * - **Bad rows** further down are found when replay reaches them: an `InputError` with file and line.
 *
 * @example
 * const src = new TraceSource('traces/albatross-small.csv', ['alice:web'], { loop: true });
 * const out = new Float64Array(1);
 * src.sample(30_000_000, out, 0); // demand of alice:web 30 s into the trace
 */
import { InputError } from '../scenario/errors.js';
import { MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import type { LoadSource } from './source.js';
import { emptyRow, TraceReader } from './trace-reader.js';
import type { TraceRow } from './trace-format.js';
import { coverageWarnings, lastRowTime } from './coverage.js';

/** Which series of the file feed one output slot. */
export type TraceSeriesSelector =
  | string
  | { series: string; scale?: number; name?: string }
  | { pattern: string; scale?: number; name?: string }
  | { sum: string[]; scale?: number; name?: string };

export interface TraceReplayOptions {
  /** Multiplies every demand (e.g. utilisation fraction → cores). Default 1. */
  scale?: number;
  /** Seconds of simulated time before trace time 0 (negative: start partway in). Default 0. */
  shift_s?: number;
  /** Trace seconds per simulated second. Default 1. */
  speedup?: number;
  /** Start again at the end of the file. Default false. */
  loop?: boolean;
}

/** A selector in resolved form. */
interface Slot {
  name: string;
  scale: number;
  /** Exact series names (empty for a pattern). */
  exact: string[];
  pattern: RegExp | null;
  patternText: string;
}

/** Rows per batch (`TraceReader.readRows`): 12 KiB of buffers, a call per 1,024 rows. */
const BATCH_ROWS = 1024;

export class TraceSource implements LoadSource {
  readonly names: readonly string[];
  private readonly reader: TraceReader;
  private readonly slots: Slot[];
  private readonly shift: Micros;
  private readonly speedup: number;
  private readonly loop: boolean;

  /** Exact series name → the slots naming it; the slots with a pattern. */
  private readonly exactSlots = new Map<string, number[]>();
  private readonly patternSlots: number[] = [];
  /**
   * For each series of the file, by the reader's number (`seriesId`, in order of first sight):
   * its index into `held`, or −1 when no slot uses it.
   */
  private heldIndex = new Int32Array(64);
  /** How many series `heldIndex` covers (the reader's series numbered so far that were classified). */
  private classified = 0;
  /** The value held for each series some slot uses. */
  private held = new Float64Array(16);
  /** The slots fed by held series k: `feedSlots[feedStart[k] … feedStart[k + 1])`. */
  private feedStart = new Int32Array(17);
  private feedSlots = new Int32Array(16);
  private heldCount = 0;
  /** For each slot, the held series it sums, in order. */
  private readonly slotMembers: number[][];
  private readonly slotScale: Float64Array;
  private readonly slotValue: Float64Array;
  private readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;

  /** Rows of one batch — the pending row, then those the reader takes after it: series numbers and cores. */
  private readonly batchIds = new Int32Array(BATCH_ROWS + 1);
  private readonly batchCores = new Float64Array(BATCH_ROWS + 1);
  /** The batch after its first entry (views made once). */
  private readonly batchIdsAfter = this.batchIds.subarray(1);
  private readonly batchCoresAfter = this.batchCores.subarray(1);
  /** The next row, read but not yet due. */
  private readonly row: TraceRow = emptyRow();
  private hasPending = false;
  /** Added to row times: the loop round × the loop period. */
  private loopOffset: Micros = 0;
  private loopPeriod: Micros = 0;
  private lastT = -Infinity;
  /** Time of the file's first data row (µs of trace time). */
  private readonly firstTime: Micros;

  constructor(
    readonly file: string,
    series: TraceSeriesSelector[],
    opts: TraceReplayOptions = {},
  ) {
    const scale = checkOption(opts.scale ?? 1, 'scale', (v) => v >= 0, 'a number ≥ 0', file);
    this.speedup = checkOption(opts.speedup ?? 1, 'speedup', (v) => v > 0, 'a number > 0', file);
    this.shift = Math.round(checkOption(opts.shift_s ?? 0, 'shift_s', () => true, 'a finite number', file) * MICROS_PER_SECOND);
    this.loop = opts.loop ?? false;
    this.slots = series.map((s) => resolveSelector(s, scale, file));
    this.slots.forEach((slot, i) => {
      if (slot.pattern) this.patternSlots.push(i);
      for (const name of new Set(slot.exact)) this.exactSlots.set(name, [...(this.exactSlots.get(name) ?? []), i]);
    });
    this.names = this.slots.map((s) => s.name);
    const n = this.slots.length;
    this.slotMembers = this.slots.map(() => []);
    this.slotScale = Float64Array.from(this.slots, (s) => s.scale);
    this.slotValue = new Float64Array(n);
    this.dirty = new Uint8Array(n);
    this.dirtyList = new Int32Array(n);

    checkSelectorsMatch(file, this.slots);
    this.reader = new TraceReader(file);
    try {
      this.hasPending = this.reader.nextInPlace(this.row);
      if (!this.hasPending) throw new InputError('trace has a header but no data rows', { file, line: this.reader.lineNumber + 1 });
      this.firstTime = this.row.time;
    } catch (error) {
      this.reader.close();
      throw error;
    }
  }

  sample(t: Micros, out: Float64Array, offset: number): void {
    if (t < this.lastT) throw new RangeError(`TraceSource.sample: time went backwards (${t} < ${this.lastT})`);
    this.lastT = t;
    const traceTime = (t - this.shift) * this.speedup;
    const row = this.row;
    const reader = this.reader;
    while (this.hasPending && row.time + this.loopOffset <= traceTime) {
      // the pending row, then every row due after it
      this.batchIds[0] = reader.seriesId;
      this.batchCores[0] = row.cores;
      const taken = reader.readRows(row, traceTime, this.loopOffset, this.batchIdsAfter, this.batchCoresAfter);
      this.applyBatch(1 + taken);
      if (reader.ended) this.wrap();
    }
    this.settleDirtySlots();
    const values = this.slotValue;
    const scales = this.slotScale;
    for (let i = 0; i < values.length; i++) out[offset + i] = values[i]! * scales[i]!;
  }

  close(): void {
    this.reader.close();
  }

  /** Warnings when the trace does not cover simulated time [0, end) (load/coverage.ts). */
  coverage(end: Micros): string[] {
    const span = { first: this.firstTime, last: lastRowTime(this.file, this.reader.columns), interval: this.reader.metadata.interval };
    return coverageWarnings(this.file, span, { shift: this.shift, speedup: this.speedup, loop: this.loop }, end);
  }

  /** Hold the values of the batch's first `count` rows and mark the slots whose series changed. */
  private applyBatch(count: number): void {
    const ids = this.batchIds;
    const cores = this.batchCores;
    const dirty = this.dirty;
    const dirtyList = this.dirtyList;
    let dirtyCount = this.dirtyCount;
    for (let k = 0; k < count; k++) {
      const id = ids[k]!;
      if (id >= this.classified) this.classifyUpTo(id);
      const index = this.heldIndex[id]!;
      if (index < 0) continue;
      const value = cores[k]!;
      const held = this.held;
      if (held[index] === value) continue;
      held[index] = value;
      const feedSlots = this.feedSlots;
      const end = this.feedStart[index + 1]!;
      for (let j = this.feedStart[index]!; j < end; j++) {
        const slot = feedSlots[j]!;
        if (dirty[slot] === 0) {
          dirty[slot] = 1;
          dirtyList[dirtyCount++] = slot;
        }
      }
    }
    this.dirtyCount = dirtyCount;
  }

  /** Classify the reader's series up to number `id` (first sight: which slots does each feed?). */
  private classifyUpTo(id: number): void {
    while (this.classified <= id) {
      const series = this.reader.seriesNameOf(this.classified);
      if (this.classified >= this.heldIndex.length) this.heldIndex = grow(this.heldIndex, this.classified + 1);
      this.heldIndex[this.classified++] = this.classify(series);
    }
  }

  /** The file has ended: loop (start again one period later) or stop. */
  private wrap(): void {
    if (this.loop && this.loopPeriod === 0) this.loopPeriod = loopPeriodOf(this.reader);
    if (!this.loop || this.loopPeriod <= 0) {
      this.hasPending = false;
      return;
    }
    this.loopOffset += this.loopPeriod;
    this.reader.rewind();
    this.hasPending = this.reader.nextInPlace(this.row);
  }

  /** First sight of a series: which slots does it feed? Its index into `held`, −1 for none. */
  private classify(series: string): number {
    const slots = [...(this.exactSlots.get(series) ?? [])];
    for (const i of this.patternSlots) if (this.slots[i]!.pattern!.test(series)) slots.push(i);
    slots.sort((x, y) => x - y);
    if (slots.length === 0) return -1;
    const index = this.heldCount++;
    for (const slot of slots) this.slotMembers[slot]!.push(index);
    if (index >= this.held.length) this.held = grow(this.held, index + 1);
    if (index + 2 > this.feedStart.length) this.feedStart = grow(this.feedStart, index + 2);
    const start = this.feedStart[index]!;
    if (start + slots.length > this.feedSlots.length) this.feedSlots = grow(this.feedSlots, start + slots.length);
    this.feedSlots.set(slots, start);
    this.feedStart[index + 1] = start + slots.length;
    return index;
  }

  /** Recompute the sums of the slots whose series changed (exact, no running-sum drift). */
  private settleDirtySlots(): void {
    const held = this.held;
    for (let k = 0; k < this.dirtyCount; k++) {
      const slot = this.dirtyList[k]!;
      const members = this.slotMembers[slot]!;
      let sum = 0;
      for (let m = 0; m < members.length; m++) sum += held[members[m]!]!;
      this.slotValue[slot] = sum;
      this.dirty[slot] = 0;
    }
    this.dirtyCount = 0;
  }
}

/** A copy of `array` at least `size` long (doubling), zero-filled beyond the old length. */
function grow<T extends Float64Array | Int32Array>(array: T, size: number): T {
  let length = Math.max(1, array.length * 2);
  while (length < size) length *= 2;
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array);
  return grown;
}

/** Loop period: last row time + the declared interval, else + the last step; 0 = cannot loop. */
function loopPeriodOf(reader: TraceReader): Micros {
  const step = reader.metadata.interval ?? reader.lastStep;
  return step > 0 ? reader.lastTime + step : 0;
}

function checkOption(value: number, key: string, ok: (v: number) => boolean, expected: string, file: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new InputError(`trace replay option ${key} must be ${expected}, got ${String(value)}`, { file, key });
  }
  return value;
}

function resolveSelector(selector: TraceSeriesSelector, scale: number, file: string): Slot {
  if (typeof selector === 'string') return { name: selector, scale, exact: [selector], pattern: null, patternText: '' };
  const own = selector.scale ?? 1;
  if (!(Number.isFinite(own) && own >= 0)) throw new InputError(`series scale must be a number ≥ 0, got ${own}`, { file, key: 'scale' });
  if ('series' in selector) return { name: selector.name ?? selector.series, scale: scale * own, exact: [selector.series], pattern: null, patternText: '' };
  if ('sum' in selector) {
    if (selector.sum.length === 0) throw new InputError('a sum of series needs at least one series', { file, key: 'sum' });
    return { name: selector.name ?? selector.sum.join('+'), scale: scale * own, exact: [...selector.sum], pattern: null, patternText: '' };
  }
  return { name: selector.name ?? selector.pattern, scale: scale * own, exact: [], pattern: globToRegExp(selector.pattern), patternText: selector.pattern };
}

/**
 * A glob over series names: `*` any run of characters, `?` one character, all else literal.
 *
 * @example globToRegExp('alice:web*').test('alice:web-clone-1') // true
 */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Check that every selector matches at least one series of the file, reading only as far as
 * needed; throw an `InputError` naming what is missing otherwise.
 */
function checkSelectorsMatch(file: string, slots: Slot[]): void {
  const wantedExact = new Set(slots.flatMap((s) => s.exact));
  const patterns = slots.filter((s) => s.pattern !== null);
  const matchedPatterns = new Set<Slot>();
  const seen = new Set<string>();
  const examples: string[] = [];
  const done = () => wantedExact.size === 0 && matchedPatterns.size === patterns.length;
  if (done()) return;
  const reader = new TraceReader(file);
  const row = emptyRow();
  try {
    while (!done() && reader.next(row)) {
      if (seen.has(row.series)) continue;
      seen.add(row.series);
      if (examples.length < 10) examples.push(row.series);
      wantedExact.delete(row.series);
      for (const slot of patterns) if (slot.pattern!.test(row.series)) matchedPatterns.add(slot);
    }
  } finally {
    reader.close();
  }
  if (done()) return;
  const missing = [...[...wantedExact].map((s) => `series "${s}"`), ...patterns.filter((p) => !matchedPatterns.has(p)).map((p) => `pattern "${p.patternText}"`)];
  const known = examples.length === 0 ? 'it has no rows' : `it has ${seen.size} series, e.g. ${examples.map((e) => `"${e}"`).join(', ')}`;
  throw new InputError(`${missing.join(', ')} not found in the trace (${known})`, { file });
}
