/**
 * `runs.jsonl`: the sweep's record, one JSON object per line, appended as each run finishes
 * (one `write` per line, so an interrupted sweep leaves complete lines and at most one partial
 * last line, which the next open cuts off).
 *
 * Line kinds:
 * - `{"kind":"sweep", …}` — a header: scenario, fingerprint, base overrides, plan, choice, shard.
 *   Written when the file is created and again whenever a resumed sweep's plan or choice
 *   differs; the last header is the current one.
 * - `{"kind":"run","point":{KEY:VALUE,…},"seed":S,"replication":R,"metrics":{…},"units":{…}}` —
 *   a finished run, or `{"kind":"run",…,"invalid":"reason"}` when the point's configuration was
 *   refused. The point is a JSON object, swept key → value, keys sorted; a value is a JSON
 *   number when its `--set` text is a plain number (`95`), else that text (`"60s"`).
 *   Format 1 (scalelab ≤ 0.1.0 before this change) wrote the point as a string holding JSON;
 *   such files are still read, and resumed or merged into format 2.
 *
 * A run is identified by (point id, seed); a resumed sweep skips every run already recorded,
 * whatever the order or the number of workers that recorded it.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { InputError } from '../scenario/errors.js';
import { VERSION } from '../version.js';
import type { Choice } from './choice.js';
import { runKey, type Shard, type SweepPlan } from './plan.js';

/** Version of the line format written (2: points as objects). */
export const JOURNAL_FORMAT = 2;

/** Formats this version reads. */
const READABLE_FORMATS: readonly number[] = [1, 2];

/** The file name inside a sweep directory. */
export const RUNS_FILE = 'runs.jsonl';

/** A header line. */
export interface SweepHeader {
  kind: 'sweep';
  format: number;
  scalelab: string;
  scenario: {
    name: string;
    description: string;
    file: string;
    /** The engine's name (which metrics the runs report). */
    engine: string;
    seed: number;
    sha256: string;
    /** The value each swept key has in the scenario as written (with the base overrides); null when not written. */
    values: Array<string | null>;
  };
  /** Base `--set` overrides of every run. */
  sets: string[];
  /** What the results depend on besides point and seed: scenario text, base sets, version. */
  fingerprint: string;
  plan: SweepPlan;
  choice: Choice;
  shard: Shard | null;
}

/** A run line (in memory: the point as its id, see `pointId`; on disk an object, see `runLine`). */
export interface RunRecord {
  kind: 'run';
  /** The point's identity: sorted `[key, value]` pairs as JSON (plan.ts `pointId`). */
  point: string;
  seed: number;
  replication: number;
  metrics?: Record<string, number | null>;
  units?: Record<string, string>;
  invalid?: string;
}

/** What a `runs.jsonl` holds. */
export interface JournalContent {
  headers: SweepHeader[];
  /** Runs in file order, duplicates (same point and seed) dropped, the first kept. */
  runs: RunRecord[];
}

/**
 * The fingerprint of a sweep's fixed inputs.
 *
 * @example fingerprint(text, ['duration=2h']) // 'sha256:…'
 */
export function fingerprint(scenarioText: string, sets: readonly string[]): string {
  return `sha256:${sha256(JSON.stringify([VERSION, scenarioText, sets]))}`;
}

/** Hex SHA-256 of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Read a `runs.jsonl`. A last line without its newline (a write cut short) is ignored; any
 * other line that is not a record is an `InputError` naming the file and line.
 */
export function readJournal(path: string): JournalContent {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('no runs.jsonl here (not a sweep output directory?)', { file: path });
    throw err;
  }
  const lines = completeLines(text);
  const headers: SweepHeader[] = [];
  const runs: RunRecord[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const rec = parseLine(line, path, i + 1);
    if (rec.kind === 'sweep') headers.push(rec);
    else {
      const key = runKey(rec.point, rec.seed);
      if (seen.has(key)) return;
      seen.add(key);
      runs.push(rec);
    }
  });
  return { headers, runs };
}

/** The lines ended by a newline (a trailing partial line is dropped). */
function completeLines(text: string): string[] {
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n');
}

/** One line as a record. */
function parseLine(line: string, file: string, lineNo: number): SweepHeader | RunRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    throw new InputError('not a JSON line; is this a scalelab runs.jsonl?', { file, line: lineNo });
  }
  const kind = (rec as { kind?: unknown } | null)?.kind;
  if (kind === 'sweep') {
    const h = rec as SweepHeader;
    if (!READABLE_FORMATS.includes(h.format)) throw new InputError(`sweep record format ${String(h.format)}, this scalelab reads ${READABLE_FORMATS.join(' and ')}`, { file, line: lineNo });
    return h;
  }
  if (kind === 'run') {
    const r = rec as Omit<RunRecord, 'point'> & { point: unknown };
    const id = pointIdOfLine(r.point);
    if (id === null) throw new InputError('a run line without its point (an object of swept key → value)', { file, line: lineNo });
    return { ...r, point: id };
  }
  throw new InputError('not a sweep record (kind "sweep" or "run")', { file, line: lineNo });
}

/**
 * A point as written in `runs.jsonl`: an object, swept key → value (keys sorted), numbers as
 * JSON numbers when the `--set` text is exactly a number's text.
 *
 * @example pointObject('[["a.b","95"],["c","60s"]]') // { 'a.b': 95, c: '60s' }
 */
export function pointObject(id: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, text] of JSON.parse(id) as Array<[string, string]>) {
    const n = Number(text);
    out[key] = text.trim() !== '' && String(n) === text ? n : text;
  }
  return out;
}

/**
 * The point id of a run line's `point`: an object (format 2) or the id string itself (format 1);
 * null when it is neither.
 *
 * @example pointIdOfLine({ c: '60s', 'a.b': 95 }) // '[["a.b","95"],["c","60s"]]'
 */
export function pointIdOfLine(point: unknown): string | null {
  if (typeof point === 'string') return point;
  if (point === null || typeof point !== 'object' || Array.isArray(point)) return null;
  const pairs: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(point)) {
    if (typeof v === 'number') pairs.push([key, String(v)]);
    else if (typeof v === 'string') pairs.push([key, v]);
    else return null;
  }
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

/**
 * A record as one `runs.jsonl` line (without the newline): a run's point as an object.
 *
 * @example runLine({ kind: 'run', point: '[["a","1"]]', seed: 42, replication: 0, … }) // '{"kind":"run","point":{"a":1},"seed":42,…}'
 */
export function runLine(record: RunRecord | SweepHeader): string {
  if (record.kind === 'sweep') return JSON.stringify(record);
  return JSON.stringify({ ...record, point: pointObject(record.point) });
}

/** An open `runs.jsonl`, appending. */
export class Journal {
  private fd: number;
  /** Runs already recorded, by `runKey(point, seed)`. */
  readonly done: Map<string, RunRecord>;

  private constructor(
    readonly path: string,
    content: JournalContent,
  ) {
    this.done = new Map(content.runs.map((r) => [runKey(r.point, r.seed), r]));
    this.fd = fs.openSync(path, 'a');
  }

  /**
   * Open (or create) the journal at `path` for a sweep with `header`. An existing file must
   * have the same fingerprint (same scenario text, base overrides and scalelab version),
   * otherwise its results would not be comparable: that is an `InputError`. A partial last
   * line is cut off; a new header is appended when the plan, choice or shard changed.
   */
  static open(path: string, header: SweepHeader): Journal {
    if (!fs.existsSync(path)) {
      fs.writeFileSync(path, `${JSON.stringify(header)}\n`);
      return new Journal(path, { headers: [header], runs: [] });
    }
    cutPartialLine(path);
    const content = readJournal(path);
    const last = content.headers[content.headers.length - 1];
    if (last === undefined) throw new InputError('has no sweep header; remove it or choose another --out', { file: path });
    if (last.fingerprint !== header.fingerprint) {
      throw new InputError(
        `holds a different sweep (scenario ${last.scenario.file}, sets [${last.sets.join(' ')}], scalelab ${last.scalelab}): the scenario file, --set or version changed; choose another --out or remove the directory`,
        { file: path },
      );
    }
    const journal = new Journal(path, content);
    if (JSON.stringify({ ...last, scalelab: undefined }) !== JSON.stringify({ ...header, scalelab: undefined })) journal.write(header);
    return journal;
  }

  /** Append a run. */
  append(record: RunRecord): void {
    this.done.set(runKey(record.point, record.seed), record);
    this.write(record);
  }

  /** One line, one write. */
  private write(record: RunRecord | SweepHeader): void {
    fs.writeSync(this.fd, `${runLine(record)}\n`);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Truncate `path` after its last newline (a line cut short by a kill is dropped). */
function cutPartialLine(path: string): void {
  const text = fs.readFileSync(path);
  const end = text.lastIndexOf(0x0a);
  if (end + 1 < text.length) fs.truncateSync(path, end + 1);
}
