/**
 * A streaming reader of one canonical trace file (format: trace-format.ts, docs/TRACES.md):
 * metadata and header at open, then one validated row per `next` call. Memory: one 64 KiB
 * buffer and one reused row, whatever the file's length.
 *
 * Rules it enforces, each refusal an `InputError` with file and line: a header row must come
 * first (after optional comments); rows have the header's number of fields, plain decimal
 * numbers, time ≥ 0 and demand ≥ 0; time never decreases down the file (equal times are
 * allowed: duplicates of a series at one time are replayed in file order, so the last wins).
 *
 * @example
 * const reader = new TraceReader('traces/albatross-small.csv');
 * const row = emptyRow();
 * while (reader.next(row)) console.log(row.time, row.series, row.cores);
 * reader.close();
 */
import { InputError } from '../scenario/errors.js';
import type { Micros } from '../kernel/time.js';
import { LineReader } from './lines.js';
import {
  interpretMetadata,
  parseDecimal,
  parseHeader,
  parseMetadataLine,
  parseRow,
  type TraceColumns,
  type TraceMetadata,
  type TraceRow,
} from './trace-format.js';

/** A fresh row to pass to `TraceReader.next`. */
export function emptyRow(): TraceRow {
  return { time: 0, series: '', cores: 0, memory: NaN };
}

export class TraceReader {
  readonly metadata: TraceMetadata;
  readonly columns: TraceColumns;
  /** Line number of the header row. */
  readonly headerLine: number;
  /** Time of the last row read (µs); −1 before the first. */
  lastTime: Micros = -1;
  /** Last positive step between consecutive distinct times (µs); 0 while unknown. */
  lastStep: Micros = 0;
  /** Data rows read since the last rewind. */
  rows = 0;
  private readonly lines: LineReader;
  /** The canonical column order (time_s,series,cpu_cores): rows are parsed in place. */
  private readonly canonical: boolean;
  /**
   * The last row's series: a string when it was parsed the general way, else null and the
   * series is `seriesText` from `seriesStart` to `seriesEnd` (not copied out unless asked).
   */
  private seriesString: string | null = null;
  private seriesText = '';
  private seriesStart = 0;
  private seriesEnd = 0;
  /** Position of the next `"` at or after the current line in `quoteText` (−1: none). */
  private quoteText = '';
  private quoteAt = -1;

  constructor(readonly file: string) {
    this.lines = new LineReader(file);
    try {
      const { metadata, columns, headerLine } = readPreamble(this.lines, file);
      this.metadata = metadata;
      this.columns = columns;
      this.headerLine = headerLine;
      this.canonical = columns.count === 3 && columns.time === 0 && columns.series === 1 && columns.cpu === 2;
    } catch (error) {
      this.lines.close();
      throw error;
    }
  }

  /** Line number of the row `next` returned last. */
  get lineNumber(): number {
    return this.lines.lineNumber;
  }

  /** Read the next data row into `row`; false at the end of the file. */
  next(row: TraceRow): boolean {
    if (!this.nextInPlace(row)) return false;
    row.series = this.seriesName();
    return true;
  }

  /**
   * Read the next data row into `row` but leave `row.series` as it was: ask `seriesIs` or
   * `seriesName` instead. Rows in the canonical column order without quotes are parsed where
   * they lie in the read buffer, so a replay copies no line and no series name out of it; any
   * other row, and any row with a problem, goes through `parseRow` (which words the refusal).
   */
  nextInPlace(row: TraceRow): boolean {
    const lines = this.lines;
    while (lines.advance()) {
      const text = lines.text;
      const s = lines.start;
      const e = lines.end;
      if (s === e) continue;
      const first = text.charCodeAt(s);
      if (first === 35 /* # */) continue;
      if ((first <= 32 || first > 126) && isBlank(text.slice(s, e))) continue;
      if (!(this.canonical && this.noQuote(text, s, e) && this.parseInPlace(text, s, e, row))) {
        parseRow(text.slice(s, e), this.columns, row, this.file, lines.lineNumber);
        this.seriesString = row.series;
      }
      this.checkTime(row);
      return true;
    }
    return false;
  }

  /** Whether the last row's series is `name` (no copy). */
  seriesIs(name: string): boolean {
    if (this.seriesString !== null) return this.seriesString === name;
    return name.length === this.seriesEnd - this.seriesStart && this.seriesText.startsWith(name, this.seriesStart);
  }

  /** The last row's series name. */
  seriesName(): string {
    return this.seriesString ?? this.seriesText.slice(this.seriesStart, this.seriesEnd);
  }

  /** True when no `"` lies in [s, e); finds each chunk's quotes once, not once per line. */
  private noQuote(text: string, s: number, e: number): boolean {
    if (text !== this.quoteText || (this.quoteAt >= 0 && this.quoteAt < s)) {
      this.quoteText = text;
      this.quoteAt = text.indexOf('"', s);
    }
    return this.quoteAt < 0 || this.quoteAt >= e;
  }

  /** A well-formed canonical row in place; false (nothing taken) for anything parseRow must judge. */
  private parseInPlace(text: string, s: number, e: number, row: TraceRow): boolean {
    const a = text.indexOf(',', s);
    if (a < 0 || a >= e) return false;
    const b = text.indexOf(',', a + 1);
    if (b < 0 || b >= e || b === a + 1) return false;
    const c = text.indexOf(',', b + 1);
    if (c >= 0 && c < e) return false;
    const time = parseDecimal(text, s, a);
    const cpu = parseDecimal(text, b + 1, e);
    if (!(time >= 0 && cpu >= 0)) return false;
    row.time = Math.round(time * this.columns.timeScale);
    row.cores = cpu * this.columns.cpuScale;
    row.memory = NaN;
    this.seriesString = null;
    this.seriesText = text;
    this.seriesStart = a + 1;
    this.seriesEnd = b;
    return true;
  }

  /** Rows must not go back in time; keeps the last time and step. */
  private checkTime(row: TraceRow): void {
    if (row.time < this.lastTime) {
      throw new InputError(
        `time goes backwards: ${describeTime(row.time)} after ${describeTime(this.lastTime)} on an earlier line (rows must be in time order)`,
        { file: this.file, line: this.lines.lineNumber },
      );
    }
    if (row.time > this.lastTime && this.lastTime >= 0) this.lastStep = row.time - this.lastTime;
    this.lastTime = row.time;
    this.rows++;
  }

  /** Go back to the first data row. */
  rewind(): void {
    this.lines.rewind();
    for (let i = 0; i < this.headerLine; i++) this.lines.next();
    this.lastTime = -1;
    this.rows = 0;
  }

  close(): void {
    this.lines.close();
  }
}

/** Seconds, for messages. @example describeTime(1_500_000) // '1.5 s' */
export function describeTime(us: Micros): string {
  return `${us / 1_000_000} s`;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Read comment/metadata lines and the header row. */
function readPreamble(lines: LineReader, file: string): { metadata: TraceMetadata; columns: TraceColumns; headerLine: number } {
  const all: Record<string, string> = {};
  const lineOf: Record<string, number> = {};
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (isBlank(line)) continue;
    if (line.startsWith('#')) {
      const pair = parseMetadataLine(line);
      if (pair) {
        all[pair[0]] = pair[1];
        lineOf[pair[0]] = lines.lineNumber;
      }
      continue;
    }
    const firstField = line.split(',')[0] ?? '';
    if (!Number.isNaN(parseDecimal(firstField, 0, firstField.length))) {
      throw new InputError(`no header row: the first line is data ("${line.slice(0, 60)}"); expected a header such as time_s,series,cpu_cores`, {
        file,
        line: lines.lineNumber,
      });
    }
    const columns = parseHeader(line, file, lines.lineNumber);
    const metadata = interpretMetadata(all, file, lineOf);
    return { metadata, columns, headerLine: lines.lineNumber };
  }
  throw new InputError('empty trace: no header row (expected time_s,series,cpu_cores[,memory_bytes])', { file, line: lines.lineNumber + 1 });
}
