/**
 * Albatross statistics (what `albatross-stats` pushes and `albatross-client stats NAME` prints)
 * → CPU cores and memory per unikernel.
 *
 * **Text form** (`--from albatross-stats`), one record per `stats:` line, as the client prints it,
 * followed by its kinfo_mem, vmm and interface lines:
 *
 * ```
 * 2026-06-01T10:00:10.002Z stats: utime 3.125000 stime 0.250000 maxrss 2048 ixrss 0 … nivcsw 12
 * virtual-size 1073741824 rss 20480 text-size 0 data-size 0 stack-size 0 runtime 3375000 cow 0 start 1780308000.000000
 * no vmm stats
 * bridge service flags 8843 send_length 0 … output_dropped 0
 * ```
 *
 * The receive time goes before `stats:` (RFC 3339, `[…]` allowed, or Unix seconds — what `ts`
 * from moreutils adds); without times, records are `--interval` apart (default 10 s, the
 * `albatross-stats` default). The unikernel is `--name` if given, else the name in `stats NAME:`,
 * else the last `# unikernel: NAME` comment line above the record, else the file name without
 * extension. Other lines starting with `#` and blank lines are skipped; any other line that is not
 * part of a record is refused with its line number.
 *
 * **JSON lines** (`--from albatross-stats-json`), one record per line:
 *
 * ```json
 * {"time":"2026-06-01T10:00:10.002Z","name":"alice:web","rusage":{"utime":[3,125000],"stime":[0,250000],"maxrss":2048},
 *  "kinfo_mem":{"rss":20480,"runtime":3375000,"start":[1780308000,0]},"vmm":null,"ifdata":[]}
 * ```
 *
 * `utime`/`stime`/`start` may be `[sec, usec]`, `{"sec":…,"usec":…}` or seconds as a number.
 *
 * CPU = Δ(utime + stime) / Δ(receive time), full microsecond precision (counters.ts has the
 * rules for resets, gaps and duplicates); a changed kinfo_mem `start` marks a restart, and a
 * counter that goes down while `start` stays the same is refused. Memory = kinfo_mem `rss` (else
 * rusage `maxrss`, the current rss on Linux) × `--page-size` (default 4096) bytes.
 */
import { InputError } from '../../scenario/errors.js';
import { displayName, ImportLines, seriesNameOf } from './input.js';
import type { Micros } from '../../kernel/time.js';
import { CounterToCores, type CounterSample } from './counters.js';
import { parseTimestamp } from './timestamps.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const ALBATROSS_DEFAULT_INTERVAL: Micros = 10_000_000;

export const albatrossStats: Importer = {
  format: 'albatross-stats',
  summary: 'albatross-client stats text (receive time before each "stats:" line)',
  absoluteTime: true,
  memory: true,
  read: (file, options, warnings) => readRecords(file, options, warnings, parseTextRecords),
};

export const albatrossStatsJson: Importer = {
  format: 'albatross-stats-json',
  summary: 'Albatross stats records as JSON lines ({time, name, rusage, kinfo_mem, vmm, ifdata})',
  absoluteTime: true,
  memory: true,
  read: (file, options, warnings) => readRecords(file, options, warnings, parseJsonRecords),
};

/** One stats record, reduced to what the trace needs. */
export interface StatsRecord {
  /** Receive time, µs since the epoch; NaN when the input has none. */
  time: Micros;
  /** Unikernel name from the record, if it says. */
  name: string | null;
  /** utime + stime, seconds. */
  cpuSeconds: number;
  /** Pages: kinfo_mem rss, else rusage maxrss. */
  rssPages: number;
  /** kinfo_mem start (µs since the epoch), NaN without kinfo_mem. */
  start: number;
  line: number;
}

type RecordParser = (lines: ImportLines, file: string) => Generator<StatsRecord>;

function* readRecords(input: string, options: ImportOptions, warnings: ImportWarnings, parse: RecordParser): Generator<ImportedRow> {
  const file = displayName(input);
  const fallbackName = options.name ?? seriesNameOf(input, true);
  const interval = options.interval ?? ALBATROSS_DEFAULT_INTERVAL;
  const pageSize = options.pageSize ?? 4096;
  const counters = new CounterToCores(file, warnings, options.maxGap);
  const lastStart = new Map<string, number>();
  const lines = new ImportLines(input, options.readBytes);
  let count = 0;
  let timed: boolean | null = null;
  try {
    for (const record of parse(lines, file)) {
      const hasTime = !Number.isNaN(record.time);
      if (timed !== null && hasTime !== timed) {
        throw new InputError('some records have a receive time and some do not', { file, line: record.line });
      }
      timed = hasTime;
      const series = options.name ?? record.name ?? fallbackName;
      const previousStart = lastStart.get(series);
      const restart = Number.isNaN(record.start) || previousStart === undefined ? null : record.start !== previousStart;
      lastStart.set(series, record.start);
      const sample: CounterSample = {
        time: hasTime ? record.time : count * interval,
        series,
        cpuSeconds: record.cpuSeconds,
        memory: record.rssPages * pageSize,
        restart,
        line: record.line,
      };
      counters.observe(sample);
      count++;
      yield* counters.drain();
    }
    if (count === 0) throw new InputError('no stats records (expected lines beginning "stats: utime")', { file, line: Math.max(1, lines.lineNumber) });
    if (timed === false) warnings.add(`no receive times: records taken ${interval / 1_000_000} s apart`, file);
    yield* counters.finish();
  } finally {
    lines.close();
  }
}

const STATS_LINE = /^(?:\[?([^\s\]]+)\]?\s+)?stats(?:\s+(\S+?))?:\s+utime\s+(\d+)\.(\d{1,6})\s+stime\s+(\d+)\.(\d{1,6})\s+maxrss\s+(\d+)(?:\s|$)/;
const NAME_COMMENT = /^#\s*(?:unikernel|name)\s*:\s*(\S+)\s*$/;
const KINFO_LINE = /^virtual-size\s+\d+\s+rss\s+(\d+)\s.*\bstart\s+(\d+)\.(\d{1,6})\s*$/;
const OTHER_RECORD_LINE = /^(no kinfo_mem stats|no vmm stats|bridge\s|[^:]+:\s+-?\d+\s*$)/;

/** Records of the text form. */
export function* parseTextRecords(lines: ImportLines, file: string): Generator<StatsRecord> {
  let current: StatsRecord | null = null;
  let named: string | null = null;
  for (let line = lines.next(); line !== null; line = lines.next()) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const name = NAME_COMMENT.exec(trimmed);
      if (name) named = name[1]!;
      continue;
    }
    const stats = STATS_LINE.exec(trimmed);
    if (stats) {
      if (current) yield current;
      current = statsRecordOf(stats, file, lines.lineNumber);
      current.name ??= named;
      continue;
    }
    const where = { file, line: lines.lineNumber };
    if (current === null) throw new InputError(`expected a record beginning "stats: utime", found "${clip(trimmed)}"`, where);
    const kinfo = KINFO_LINE.exec(trimmed);
    if (kinfo) {
      current.rssPages = Number(kinfo[1]);
      current.start = Number(kinfo[2]) * 1_000_000 + micros(kinfo[3]!);
    } else if (!OTHER_RECORD_LINE.test(trimmed)) {
      throw new InputError(`not part of a stats record: "${clip(trimmed)}"`, where);
    }
  }
  if (current) yield current;
}

function statsRecordOf(match: RegExpExecArray, file: string, line: number): StatsRecord {
  let time = NaN;
  if (match[1] !== undefined) {
    time = parseTimestamp(match[1]);
    if (Number.isNaN(time)) throw new InputError(`cannot read the receive time "${match[1]}" (RFC 3339 or Unix seconds)`, { file, line });
  }
  const cpuSeconds = Number(match[3]) + micros(match[4]!) / 1e6 + Number(match[5]) + micros(match[6]!) / 1e6;
  return { time, name: match[2] ?? null, cpuSeconds, rssPages: Number(match[7]), start: NaN, line };
}

/** `125` in `3.125` → 125000 µs (the printer pads to 6 digits; be lenient with fewer). */
function micros(digits: string): number {
  return Number(digits.padEnd(6, '0'));
}

/** Records of the JSON-lines form. */
export function* parseJsonRecords(lines: ImportLines, file: string): Generator<StatsRecord> {
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (line.trim() === '') continue;
    const where = { file, line: lines.lineNumber };
    const record = parseJsonLine(line, where);
    const rusage = record['rusage'];
    if (!isObject(rusage)) throw new InputError('record lacks "rusage"', where);
    const kinfo = isObject(record['kinfo_mem']) ? record['kinfo_mem'] : null;
    const time = record['time'] === undefined ? NaN : parseTimestamp(record['time']);
    if (record['time'] !== undefined && Number.isNaN(time)) throw new InputError(`cannot read "time" ${JSON.stringify(record['time'])}`, where);
    const name = typeof record['name'] === 'string' ? record['name'] : null;
    const cpuSeconds = timeval(rusage['utime'], 'rusage.utime', where) + timeval(rusage['stime'], 'rusage.stime', where);
    const rssPages = count(kinfo ? kinfo['rss'] : rusage['maxrss'], kinfo ? 'kinfo_mem.rss' : 'rusage.maxrss', where);
    const start = kinfo && kinfo['start'] !== undefined ? timeval(kinfo['start'], 'kinfo_mem.start', where) * 1e6 : NaN;
    yield { time, name, cpuSeconds, rssPages, start, line: where.line };
  }
}

/** Parse one JSON-lines record (an object) or refuse the line. */
export function parseJsonLine(line: string, where: { file: string; line: number }): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`, where);
  }
  if (!isObject(value)) throw new InputError('each line must be a JSON object', where);
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `[sec, usec]`, `{sec, usec}` (or tv_sec/tv_usec) or a number of seconds → seconds. */
function timeval(value: unknown, key: string, where: { file: string; line: number }): number {
  let sec: unknown;
  let usec: unknown = 0;
  if (typeof value === 'number') sec = value;
  else if (Array.isArray(value) && value.length === 2) [sec, usec] = value;
  else if (isObject(value)) {
    sec = value['sec'] ?? value['tv_sec'];
    usec = value['usec'] ?? value['tv_usec'] ?? 0;
  }
  if (typeof sec !== 'number' || typeof usec !== 'number' || !(sec >= 0) || !(usec >= 0) || usec >= 1_000_000) {
    throw new InputError(`${key} must be [seconds, microseconds] (or seconds), got ${JSON.stringify(value)}`, { ...where, key });
  }
  return sec + usec / 1e6;
}

function count(value: unknown, key: string, where: { file: string; line: number }): number {
  if (typeof value !== 'number' || !(value >= 0)) throw new InputError(`${key} must be a number ≥ 0, got ${JSON.stringify(value)}`, { ...where, key });
  return value;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
