/**
 * Cumulative CPU counters (Albatross rusage, Incus `cpu.usage`, OpenMetrics
 * `incus_cpu_seconds_total`) → CPU cores per interval, in time order.
 *
 * Rules (docs/TRACES.md, "Counters"):
 * - Between two samples of a series at t₀ < t₁ the demand is (c₁ − c₀) / (t₁ − t₀) cores, written
 *   as a row at **t₀**: the average over [t₀, t₁) is the demand in effect from t₀ on, so step-hold
 *   replay reproduces the recorded CPU time exactly. The first sample of a series only sets the
 *   baseline. (Rows are therefore emitted one sample late and put back in time order here.)
 * - **Reset**: a counter that goes down, or a sample that says the process restarted (a new start
 *   time or pid), means the counter restarted from 0 during the interval: the interval's usage is
 *   c₁ itself (as Prometheus' `rate()` assumes). Counted as a `counter reset` warning. Where the
 *   format can tell restarts apart (`restart` is not `null`), a counter that goes down *without* a
 *   restart is refused: `InputError` with file and line.
 * - **Gap**: samples more than `maxGap` apart are not differenced: the series is taken as absent
 *   (a 0-core row at its last sample time once the gap is evident) and the later sample starts a
 *   new baseline. Counted as a `gap` warning.
 * - **Duplicate**: a second sample of a series at the same time is ignored (`duplicate sample`).
 * - Samples must come in non-decreasing time (over all series of the input), else `InputError`.
 */
import { InputError } from '../../scenario/errors.js';
import type { Micros } from '../../kernel/time.js';
import type { ImportedRow, ImportWarnings } from './types.js';

export const DEFAULT_MAX_GAP: Micros = 300_000_000;

interface SeriesState {
  time: Micros;
  counter: number;
}

export interface CounterSample {
  time: Micros;
  series: string;
  /** Cumulative CPU seconds. */
  cpuSeconds: number;
  /** Bytes, or NaN. */
  memory: number;
  /** true: the process restarted since the previous sample; false: it did not; null: cannot tell. */
  restart: boolean | null;
  /** 1-based line of the sample, for errors. */
  line: number;
}

export class CounterToCores {
  private readonly last = new Map<string, SeriesState>();
  private readonly ready = new RowQueue();
  private lastTime = -Infinity;

  constructor(
    private readonly file: string,
    private readonly warnings: ImportWarnings,
    private readonly maxGap: Micros = DEFAULT_MAX_GAP,
  ) {}

  /** Take one sample; rows that can no longer be preceded by another come out of `drain`. */
  observe(sample: CounterSample): void {
    const where = { file: this.file, line: sample.line };
    if (!Number.isFinite(sample.cpuSeconds) || sample.cpuSeconds < 0) {
      throw new InputError(`CPU counter ${sample.cpuSeconds} is not a number ≥ 0`, where);
    }
    if (sample.time < this.lastTime) throw new InputError('sample time goes backwards (samples must be in time order)', where);
    this.lastTime = sample.time;
    this.closeStaleSeries(sample.time);
    const previous = this.last.get(sample.series);
    if (previous === undefined) {
      this.remember(sample);
      return;
    }
    if (sample.time === previous.time) {
      this.warnings.add('duplicate sample', `${this.file}:${sample.line}`);
      return;
    }
    const decreased = sample.cpuSeconds < previous.counter;
    if (decreased && sample.restart === false) {
      throw new InputError(
        `CPU counter of ${sample.series} went down (${previous.counter} → ${sample.cpuSeconds}) without a restart`,
        where,
      );
    }
    const reset = decreased || sample.restart === true;
    if (reset) this.warnings.add('counter reset', `${this.file}:${sample.line}`);
    const used = reset ? sample.cpuSeconds : sample.cpuSeconds - previous.counter;
    const cores = (used * 1_000_000) / (sample.time - previous.time);
    this.ready.push({ time: previous.time, series: sample.series, cores, memory: sample.memory });
    this.remember(sample);
  }

  /** Rows whose time is settled, in time order. */
  *drain(): Generator<ImportedRow> {
    const watermark = this.watermark();
    while (this.ready.size > 0 && this.ready.peekTime() < watermark) yield this.ready.pop();
  }

  /** At the end of the input: every remaining row. */
  *finish(): Generator<ImportedRow> {
    while (this.ready.size > 0) yield this.ready.pop();
  }

  /** No row earlier than this can still come: the oldest baseline among open series. */
  private watermark(): Micros {
    const first = this.last.values().next();
    return first.done ? this.lastTime : Math.min(first.value.time, this.lastTime);
  }

  /** Re-insert so the map stays ordered by last sample time (oldest first). */
  private remember(sample: CounterSample): void {
    this.last.delete(sample.series);
    this.last.set(sample.series, { time: sample.time, counter: sample.cpuSeconds });
  }

  /** Series silent for longer than maxGap: write them off (0 cores from their last sample). */
  private closeStaleSeries(now: Micros): void {
    for (const [series, state] of this.last) {
      if (now - state.time <= this.maxGap) break;
      this.warnings.add('gap', `${this.file} (${series})`);
      this.ready.push({ time: state.time, series, cores: 0, memory: NaN });
      this.last.delete(series);
    }
  }
}

/** A min-heap of rows by (time, insertion order). */
export class RowQueue {
  private readonly rows: ImportedRow[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;

  get size(): number {
    return this.rows.length;
  }

  peekTime(): Micros {
    return this.rows[0]!.time;
  }

  push(row: ImportedRow): void {
    const rows = this.rows;
    const seqs = this.seqs;
    let i = rows.length;
    rows.push(row);
    seqs.push(this.seq++);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): ImportedRow {
    const rows = this.rows;
    const top = rows[0]!;
    const lastRow = rows.pop()!;
    const lastSeq = this.seqs.pop()!;
    if (rows.length > 0) {
      rows[0] = lastRow;
      this.seqs[0] = lastSeq;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < rows.length && this.less(l, m)) m = l;
        if (r < rows.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.rows[a]!.time;
    const tb = this.rows[b]!.time;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.rows[a], this.rows[b]] = [this.rows[b]!, this.rows[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
  }
}
