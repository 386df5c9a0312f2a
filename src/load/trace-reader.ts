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

  constructor(readonly file: string) {
    this.lines = new LineReader(file);
    try {
      const { metadata, columns, headerLine } = readPreamble(this.lines, file);
      this.metadata = metadata;
      this.columns = columns;
      this.headerLine = headerLine;
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
    for (let line = this.lines.next(); line !== null; line = this.lines.next()) {
      if (line.length === 0 || line.charCodeAt(0) === 35 /* # */ || isBlank(line)) continue;
      const lineNumber = this.lines.lineNumber;
      parseRow(line, this.columns, row, this.file, lineNumber);
      if (row.time < this.lastTime) {
        throw new InputError(
          `time goes backwards: ${describeTime(row.time)} after ${describeTime(this.lastTime)} on an earlier line (rows must be in time order)`,
          { file: this.file, line: lineNumber },
        );
      }
      if (row.time > this.lastTime && this.lastTime >= 0) this.lastStep = row.time - this.lastTime;
      this.lastTime = row.time;
      this.rows++;
      return true;
    }
    return false;
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
      throw new InputError(`no header row: the first line is data (first field "${firstField.slice(0, 20)}"); expected a header such as time_s,series,cpu_cores`, {
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
