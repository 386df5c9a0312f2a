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
 * Speed (the replay hot path, `readRows`): rows in the canonical column order are scanned where
 * they lie in the read buffer, as bytes, a batch of rows per call — no line, number or series
 * name is decoded or copied, nothing allocated. Numbers go through `scanNumber` (exact: the same
 * double as `Number`), and each row's series is told apart by comparing its bytes with the series
 * that followed the previous row's series last time (rows come in the same series order round
 * after round), so a row costs no string and no hash lookup. Anything unusual — quotes, spaces, a
 * sign or exponent, `\r` inside a field, another field count, a value out of range, a series seen
 * for the first time — takes the general path: the line is decoded and judged by `parseRow`,
 * which words every refusal. test/trace-decimal.test.ts checks both paths read alike.
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
  /** Set when the last read met the end of the file; cleared by `rewind`. */
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
  /** `nameBytes` seen as a DataView (for comparing four bytes at a time). */
  private nameView = new DataView(this.nameBytes.buffer);
  /** Why the last `scanRows` stopped. */
  private scanStop = SCAN_DONE;

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
   * Plain rows go through `scanRows`, the hot loop; it stops at any other line, and this reads
   * that line the general way (`parseLine`), or, for a plain row of a known series other than
   * the expected one, makes it the expected one and lets `scanRows` go on.
   *
   * @example
   * // take every row up to trace time 60 s (the first row not due stays in `row`)
   * const taken = reader.readRows(row, 60_000_000, 0, ids, cores);
   */
  readRows(row: TraceRow, until: number, offset: number, ids: Int32Array, cores: Float64Array): number {
    const lines = this.lines;
    let taken = 0;
    let retried = -1;
    this.ended = false;
    for (;;) {
      if (this.canonical) {
        taken = this.scanRows(row, until, offset, ids, cores, taken);
        if (this.scanStop === SCAN_DONE) return taken;
      } else if (lines.position >= lines.limit && !lines.refill()) {
        this.ended = true;
        return taken;
      }
      // a line scanRows leaves: a plain row of another known series (once per line), or else
      // anything at all, read the general way
      if (this.canonical && lines.position !== retried) {
        retried = lines.position;
        const known = this.seriesAt(lines.position);
        if (known >= 0) {
          this.expected = known;
          continue;
        }
      }
      if (!this.parseLine(row)) continue; // blank or comment
      const id = this.seriesId;
      this.expected = id + 1 === this.names.length ? 0 : id + 1;
      if (row.time < this.lastTime) throw this.backwards(row.time);
      if (row.time > this.lastTime && this.lastTime >= 0) this.lastStep = row.time - this.lastTime;
      this.lastTime = row.time;
      this.rows++;
      if (!(taken < ids.length && row.time + offset <= until)) return taken;
      ids[taken] = id;
      cores[taken] = row.cores;
      taken++;
    }
  }

  /**
   * The hot loop of `readRows`: plain canonical rows (`time,series,cores` and `\n` or `\r\n`,
   * unsigned decimals without exponent, no quote) of the expected series — the one after the
   * previous row's series in order of first sight, as rows come round after round — scanned in
   * place in one pass over their bytes, the loop's state in local variables. Takes rows from
   * number `taken` on and returns the new count. `scanStop` says why it stopped: `SCAN_DONE` (a
   * row read and not taken, or the end of the file) or `SCAN_OTHER` (the line at the read
   * position is anything else: nothing of it consumed).
   */
  private scanRows(row: TraceRow, until: number, offset: number, ids: Int32Array, cores: Float64Array, taken: number): number {
    const lines = this.lines;
    const cap = ids.length;
    const timeScale = this.timeScale;
    const cpuScale = this.cpuScale;
    const b = lines.bytes;
    const view = lines.view;
    const nameBytes = this.nameBytes;
    const nameView = this.nameView;
    const nameStart = this.nameStart;
    const plain = this.plain;
    const known = this.names.length;
    let position = lines.position;
    let limit = lines.limit;
    let lineNumber = lines.lineNumber;
    let expected = this.expected;
    let lastTime = this.lastTime;
    let lastStep = this.lastStep;
    let rows = this.rows;
    let id = this.seriesId;
    let time = row.time;
    let value = row.cores;
    let stop = SCAN_DONE;
    let fresh = false; // whether `row` must take the last row's time and value
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
      // the time, then the series' bytes and a comma (only names without `,` `"` `\n`, so the
      // field cannot be read any other way), then the cores and the line's end
      const first = b[position]!;
      let i = scanNumber(b, position);
      const seconds = scanned[0]!;
      const series = expected;
      let matched = first >= 48 && first <= 57 && b[i] === 44 && series < known && plain[series] === 1;
      if (matched) {
        i++;
        const end = nameStart[series + 1]!;
        let k = nameStart[series]!;
        while (k + 4 <= end && i + 4 <= limit && view.getInt32(i) === nameView.getInt32(k)) {
          i += 4;
          k += 4;
        }
        while (k < end && b[i] === nameBytes[k]) {
          i++;
          k++;
        }
        matched = k === end && b[i] === 44;
      }
      let cpu = NaN;
      if (matched) {
        i = scanNumber(b, i + 1);
        cpu = scanned[0]!;
        if (b[i] === 13) i++;
      }
      if (!(matched && b[i] === 10 && seconds >= 0 && cpu >= 0)) {
        stop = SCAN_OTHER;
        break;
      }
      position = i + 1;
      lineNumber++;
      expected = series + 1 === known ? 0 : series + 1;
      id = series;
      time = Math.round(seconds * timeScale);
      value = cpu * cpuScale;
      fresh = true;
      if (time < lastTime) {
        lines.position = position;
        lines.lineNumber = lineNumber;
        this.lastTime = lastTime;
        throw this.backwards(time);
      }
      if (time > lastTime && lastTime >= 0) lastStep = time - lastTime;
      lastTime = time;
      rows++;
      if (!(taken < cap && time + offset <= until)) break;
      ids[taken] = id;
      cores[taken] = value;
      taken++;
    }
    if (fresh) {
      row.time = time;
      row.cores = value;
      row.memory = NaN;
    }
    lines.position = position;
    lines.lineNumber = lineNumber;
    this.expected = expected;
    this.seriesId = id;
    this.lastTime = lastTime;
    this.lastStep = lastStep;
    this.rows = rows;
    this.scanStop = stop;
    return taken;
  }

  /**
   * The number of the known series named by the line at `position` if it is shaped like a
   * plain row (`digits…,name,…`), else −1.
   */
  private seriesAt(position: number): number {
    const b = this.lines.bytes;
    let i = position;
    let c = b[i]!;
    if (c < 48 || c > 57) return -1;
    while (c !== 44 && c !== 10 && c !== 34) c = b[++i]!;
    if (c !== 44) return -1;
    const start = ++i;
    c = b[i]!;
    while (c !== 44 && c !== 10 && c !== 34) c = b[++i]!;
    if (c !== 44) return -1;
    return this.numbers.get(b.toString('utf8', start, i)) ?? -1;
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
    if (start + bytes.length > this.nameBytes.length) {
      this.nameBytes = grow(this.nameBytes, start + bytes.length);
      this.nameView = new DataView(this.nameBytes.buffer);
    }
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

/** `TraceReader.scanRows` stopped at a row read and not taken, or at the end of the file. */
const SCAN_DONE = 0;
/** `TraceReader.scanRows` stopped at a line it does not read (nothing of it consumed). */
const SCAN_OTHER = 1;
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
  let exact = i > start; // digits were read, and the value can be computed exactly
  let value = mantissa;
  if (c === 46 /* . */) {
    const fraction = ++i;
    c = bytes[i]!;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = bytes[++i]!;
    }
    const places = i - fraction;
    exact = (exact || places > 0) && places <= 22;
    if (exact) value = mantissa / EXACT_POWERS_OF_TEN[places]!;
  }
  // two stores rather than one of `cond ? NaN : value`: that form boxes the value (a heap
  // number per call) in optimised code
  if (exact && c !== 101 && c !== 69 && mantissa < TWO_TO_53) scanned[0] = value;
  else scanned[0] = NaN;
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
