/**
 * A streaming reader of one canonical trace file (format: trace-format.ts, docs/TRACES.md):
 * metadata and header at open, then one validated row per `next` call. Memory: one 64 KiB
 * buffer, one reused row and the table of series names seen, whatever the file's length.
 *
 * Rules it enforces, each refusal an `InputError` with file and line: a header row must come
 * first (after optional comments); rows have the header's number of fields, plain decimal
 * numbers, time ≥ 0 and demand ≥ 0; time never decreases down the file (equal times are
 * allowed: duplicates of a series at one time are replayed in file order, so the last wins).
 *
 * Speed (the replay hot path): rows in the canonical column order are scanned where they lie in
 * the read buffer, as bytes — no line, number or series name is decoded or copied. Numbers go
 * through `parseDecimalBytes` (exact: the same double as `Number`), and each row's series is
 * told apart by comparing its bytes with the series that followed the previous row's series
 * last time (rows come in the same series order round after round), so a row costs no string
 * and no hash lookup. Anything unusual — quotes, spaces, a sign, `\r` inside a field, another
 * field count, a value out of range, a series seen for the first time — takes the general path:
 * the line is decoded and judged by `parseRow`, which words every refusal.
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
  /** Set when `readDue` met the end of the file; cleared by `rewind`. */
  ended = false;
  /**
   * The last row's series as a number: series are numbered 0, 1, 2 … in the order they first
   * appear in the file (kept across `rewind`). `seriesNameOf` gives the name.
   */
  seriesId = -1;
  private readonly lines: LineReader;
  /** The canonical column order (time_s,series,cpu_cores): rows are scanned in place. */
  private readonly canonical: boolean;
  private readonly timeScale: number;
  private readonly cpuScale: number;
  /** Series names by number, and number by name. */
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  /** UTF-8 bytes of every series name one after the other: name k is [nameStart[k], nameStart[k + 1]). */
  private nameBytes = new Uint8Array(1024);
  private nameStart = new Int32Array(64);
  /** 1 when series k's name has no `,` `"` or `\n`: its bytes alone can be matched in a row. */
  private plain = new Uint8Array(64);
  /** The series expected next: the one after the last row's series in order of first sight. */
  private expected = 0;

  constructor(readonly file: string) {
    this.lines = new LineReader(file);
    try {
      const { metadata, columns, headerLine } = readPreamble(this.lines, file);
      this.metadata = metadata;
      this.columns = columns;
      this.headerLine = headerLine;
      this.canonical = columns.count === 3 && columns.time === 0 && columns.series === 1 && columns.cpu === 2;
      this.timeScale = columns.timeScale;
      this.cpuScale = columns.cpuScale;
    } catch (error) {
      this.lines.close();
      throw error;
    }
  }

  /** Line number of the row `next` returned last. */
  get lineNumber(): number {
    return this.lines.lineNumber;
  }

  /** Number of distinct series seen so far. */
  get seriesCount(): number {
    return this.names.length;
  }

  /** Read the next data row into `row`; false at the end of the file. */
  next(row: TraceRow): boolean {
    if (!this.nextInPlace(row)) return false;
    row.series = this.names[this.seriesId]!;
    return true;
  }

  /**
   * Read the next data row into `row` but leave `row.series` as it was: the series is
   * `seriesId` (or ask `seriesIs` / `seriesName`). False at the end of the file.
   */
  nextInPlace(row: TraceRow): boolean {
    this.readRows(row, -Infinity, 0, NO_IDS, NO_CORES);
    return !this.ended;
  }

  /**
   * The replay's read, one call per batch of rows rather than per row: read rows into `row` one
   * after the other; while fewer than `ids.length` are taken, each row that is due —
   * `row.time + offset <= until` — is taken (its series number into `ids`, its cores into
   * `cores`) and the next is read. Stops at the first row read and not taken, left in `row`
   * (series `seriesId`), or at the end of the file (`ended` set; `row` stale). Returns how many
   * rows were taken.
   *
   * Plain canonical rows (`time,series,cores` and `\n` or `\r\n`, unsigned decimals without
   * exponent, no quote, a series seen before) are scanned in place in one pass over their
   * bytes, with the loop's state in local variables; any other line goes to `parseLine`.
   *
   * @example
   * // take every row up to trace time 60 s (the first row not due stays in `row`)
   * const taken = reader.readRows(row, 60_000_000, 0, ids, cores);
   */
  readRows(row: TraceRow, until: number, offset: number, ids: Int32Array, cores: Float64Array): number {
    const lines = this.lines;
    const cap = ids.length;
    const canonical = this.canonical;
    const timeScale = this.timeScale;
    const cpuScale = this.cpuScale;
    const b = lines.bytes;
    let nameBytes = this.nameBytes;
    let nameView = new DataView(nameBytes.buffer, nameBytes.byteOffset, nameBytes.byteLength);
    const view = lines.view;
    let nameStart = this.nameStart;
    let plain = this.plain;
    let known = this.names.length;
    let position = lines.position;
    let limit = lines.limit;
    let lineNumber = lines.lineNumber;
    let expected = this.expected;
    let lastTime = this.lastTime;
    let lastStep = this.lastStep;
    let rows = this.rows;
    let id = this.seriesId;
    // the row read last, kept here and written to `row` once at the end
    let rowTime = row.time;
    let rowCores = row.cores;
    let rowMemory = row.memory;
    let taken = 0;
    this.ended = false;
    for (;;) {
      if (position >= limit) {
        lines.position = position;
        if (!lines.refill()) {
          this.ended = true;
          break;
        }
        position = lines.position;
        limit = lines.limit;
      }
      let found = -1;
      const first = b[position]!;
      if (canonical && first >= 48 && first <= 57) {
        // time, then the series: the expected one when its bytes follow and then a comma (only
        // for names without `,` `"` `\n`, so the field cannot be read otherwise), else a known
        // one by name; then the cores and the line's end
        let i = scanNumber(b, position);
        const time = scanned[0]!;
        if (b[i] === 44) {
          const seriesStart = ++i;
          let series = expected;
          if (series < known && plain[series] === 1) {
            const stop = nameStart[series + 1]!;
            let k = nameStart[series]!;
            while (k + 4 <= stop && i + 4 <= limit && view.getInt32(i) === nameView.getInt32(k)) {
              i += 4;
              k += 4;
            }
            while (k < stop && b[i] === nameBytes[k]) {
              i++;
              k++;
            }
            if (k !== stop || b[i] !== 44) series = -1;
          } else {
            series = -1;
          }
          if (series < 0) {
            i = seriesStart;
            let c = b[i]!;
            while (c !== 44 && c !== 10 && c !== 34) c = b[++i]!;
            if (c === 44) series = this.numbers.get(b.toString('utf8', seriesStart, i)) ?? -1;
          }
          if (series >= 0) {
            i = scanNumber(b, i + 1);
            const cpu = scanned[0]!;
            if (b[i] === 13) i++;
            if (b[i] === 10 && time >= 0 && cpu >= 0) {
              found = series;
              rowTime = Math.round(time * timeScale);
              rowCores = cpu * cpuScale;
              rowMemory = NaN;
              position = i + 1;
              lineNumber++;
              expected = series + 1 === known ? 0 : series + 1;
            }
          }
        }
      }
      if (found < 0) {
        // anything else: the general way, one line
        lines.position = position;
        lines.lineNumber = lineNumber;
        const isRow = this.parseLine(row);
        position = lines.position;
        lineNumber = lines.lineNumber;
        if (!isRow) continue;
        found = this.seriesId;
        rowTime = row.time;
        rowCores = row.cores;
        rowMemory = row.memory;
        expected = found + 1 === this.names.length ? 0 : found + 1;
        if (nameBytes !== this.nameBytes) {
          nameBytes = this.nameBytes;
          nameView = new DataView(nameBytes.buffer, nameBytes.byteOffset, nameBytes.byteLength);
        }
        nameStart = this.nameStart;
        plain = this.plain;
        known = this.names.length;
      }
      id = found;
      const time = rowTime;
      if (time < lastTime) {
        lines.position = position;
        lines.lineNumber = lineNumber;
        this.lastTime = lastTime;
        throw this.backwards(time);
      }
      if (time > lastTime && lastTime >= 0) lastStep = time - lastTime;
      lastTime = time;
      rows++;
      if (taken < cap && time + offset <= until) {
        ids[taken] = id;
        cores[taken] = rowCores;
        taken++;
        continue;
      }
      break;
    }
    row.time = rowTime;
    row.cores = rowCores;
    row.memory = rowMemory;
    lines.position = position;
    lines.lineNumber = lineNumber;
    this.expected = expected;
    this.seriesId = id;
    this.lastTime = lastTime;
    this.lastStep = lastStep;
    this.rows = rows;
    return taken;
  }

  /** Whether the last row's series is `name`. */
  seriesIs(name: string): boolean {
    return this.names[this.seriesId] === name;
  }

  /** The last row's series name. */
  seriesName(): string {
    return this.names[this.seriesId]!;
  }

  /** The name of series number `id` (see `seriesId`). */
  seriesNameOf(id: number): string {
    return this.names[id]!;
  }

  /** The next line the general way: false for a blank or comment line, else a row (or a refusal). */
  private parseLine(row: TraceRow): boolean {
    const lines = this.lines;
    lines.advance();
    const s = lines.start;
    const e = lines.end;
    if (s === e) return false;
    const first = lines.bytes[s]!;
    if (first === 35 /* # */) return false;
    const line = lines.bytes.toString('utf8', s, e);
    if ((first <= 32 || first > 126) && isBlank(line)) return false;
    parseRow(line, this.columns, row, this.file, lines.lineNumber);
    this.seriesId = this.number(row.series);
    return true;
  }

  /** The number of series `name`, given the next one if new. */
  private number(name: string): number {
    const known = this.numbers.get(name);
    if (known !== undefined) return known;
    const id = this.names.length;
    this.names.push(name);
    this.numbers.set(name, id);
    const bytes = Buffer.from(name, 'utf8');
    if (id + 2 > this.nameStart.length) this.nameStart = grow(this.nameStart, id + 2);
    const start = this.nameStart[id]!;
    if (start + bytes.length > this.nameBytes.length) this.nameBytes = grow(this.nameBytes, start + bytes.length);
    this.nameBytes.set(bytes, start);
    this.nameStart[id + 1] = start + bytes.length;
    if (id >= this.plain.length) this.plain = grow(this.plain, id + 1);
    this.plain[id] = bytes.includes(44) || bytes.includes(34) || bytes.includes(10) ? 0 : 1;
    return id;
  }

  /** The refusal of a row earlier than the one before it (at the current line). */
  private backwards(time: Micros): InputError {
    return new InputError(`time goes backwards: ${describeTime(time)} after ${describeTime(this.lastTime)} on an earlier line (rows must be in time order)`, {
      file: this.file,
      line: this.lines.lineNumber,
    });
  }

  /** Go back to the first data row. */
  rewind(): void {
    this.lines.rewind();
    for (let i = 0; i < this.headerLine; i++) this.lines.next();
    this.lastTime = -1;
    this.rows = 0;
    this.ended = false;
  }

  close(): void {
    this.lines.close();
  }
}

/** A copy of `array` at least `size` long (doubling). */
function grow<T extends Uint8Array | Int32Array>(array: T, size: number): T {
  let length = array.length * 2;
  while (length < size) length *= 2;
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array);
  return grown;
}

/** 10^0 … 10^22: every one exactly a double. */
const EXACT_POWERS_OF_TEN = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
const TWO_TO_53 = 2 ** 53;

/** The value `scanNumber` read last. */
const scanned = new Float64Array(1);
/** Empty batch buffers: `nextInPlace` reads one row and takes none. */
const NO_IDS = new Int32Array(0);
const NO_CORES = new Float64Array(0);

/**
 * Read an unsigned decimal number written in ASCII at `bytes[start]` — digits with an optional
 * `.` and more digits — up to the first byte that cannot continue it; return that byte's
 * position and leave the number in `scanned[0]` (`scannedNumber()`). The number is NaN when
 * there are no digits, when an exponent (`e`, `E`) follows, and whenever the exact value is not
 * computed here: then the row takes the general path (`parseRow`), which reads every form the
 * format allows. Whenever it is a number, it is the one `Number(text)` gives, the correctly
 * rounded double: the digits form an integer m < 2^53, held exactly in a double, and the value
 * is m or m / 10^k with k ≤ 22 fraction digits, where 10^k is exact too — one correctly
 * rounded division of exact operands (Clinger's fast path). A sign is not read (the byte `-`
 * ends the number at once, with no digits: NaN). `bytes` must hold a byte that is no digit after
 * the text (a row's `,` or `\n`). test/trace-decimal.test.ts checks it against `Number` and
 * `parseDecimal` on random strings.
 *
 * @example scanNumber(Buffer.from('0.836588\n'), 0) // 8, and scannedNumber() === 0.836588
 * @example scanNumber(Buffer.from('12,'), 0) // 2, and scannedNumber() === 12
 * @example scanNumber(Buffer.from('1.5e-3,'), 0) // 3, and scannedNumber() is NaN (the slow path's)
 */
export function scanNumber(bytes: Uint8Array, start: number): number {
  let i = start;
  let c = bytes[i]!;
  let mantissa = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    c = bytes[++i]!;
  }
  let digits = i - start;
  let value = mantissa;
  if (c === 46 /* . */) {
    const fraction = ++i;
    c = bytes[i]!;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = bytes[++i]!;
    }
    const places = i - fraction;
    digits += places;
    value = places <= 22 ? mantissa / EXACT_POWERS_OF_TEN[places]! : NaN;
  }
  scanned[0] = digits === 0 || c === 101 || c === 69 || !(mantissa < TWO_TO_53) ? NaN : value;
  return i;
}

/** The number the last `scanNumber` read. */
export function scannedNumber(): number {
  return scanned[0]!;
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
