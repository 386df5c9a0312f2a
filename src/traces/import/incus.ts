/**
 * Incus / LXD REST recordings as JSON lines, one response per line with the time it was taken.
 *
 * **incus-state** — `GET /1.0/instances/NAME/state`:
 *
 * ```json
 * {"time":"2026-06-01T10:00:10Z","instance":"web1","project":"default",
 *  "state":{"status":"Running","pid":4242,"cpu":{"usage":1250000000},"memory":{"usage":268435456}}}
 * ```
 *
 * The instance may be called `instance` or `name`; the response may be given as `state`, as
 * `metadata`, or as the whole envelope under `response` (`{"type":"sync",…,"metadata":{…}}`).
 * Series: the instance name, `project/name` outside the `default` project. CPU cores =
 * Δ`cpu.usage` (ns) / Δtime (counters.ts: resets, gaps, duplicates); a changed `pid` marks a
 * restart, and a counter that goes down while the pid stays the same is refused. Memory =
 * `memory.usage` bytes.
 *
 * **incus-resources** — `GET /1.0/resources` per cluster member:
 *
 * ```json
 * {"time":"2026-06-01T10:00:10Z","member":"node1","resources":{"cpu":{"architecture":"x86_64","total":8},
 *  "memory":{"used":4294967296,"total":17179869184},"load":{"Average1Min":1.5,"Average5Min":1.2,"Average10Min":1.0,"Processes":210}}}
 * ```
 *
 * (`member` or `server` or `name`; `resources`, `metadata` or `response` as above; load keys as
 * the Go fields `Average1Min` … or the JSON tags `average_1min` ….) Series: the member; cores =
 * the 1-minute load average (the figure Incus scores members by); memory = `memory.used`. Each
 * member's architecture, threads and total memory go into a `# member:` comment line.
 */
import { InputError } from '../../scenario/errors.js';
import { displayName, ImportLines } from './input.js';
import type { Micros } from '../../kernel/time.js';
import { isObject, parseJsonLine } from './albatross.js';
import { CounterToCores } from './counters.js';
import { parseTimestamp } from './timestamps.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const incusState: Importer = {
  format: 'incus-state',
  summary: 'Incus/LXD /1.0/instances/NAME/state responses with times, as JSON lines',
  absoluteTime: true,
  memory: true,
  read: readInstanceStates,
};

export const incusResources: Importer = {
  format: 'incus-resources',
  summary: 'Incus/LXD /1.0/resources member snapshots with times, as JSON lines',
  absoluteTime: true,
  memory: true,
  read: readMemberResources,
};

type Where = { file: string; line: number };

/** A recorded response: time, whose it is, and the response's metadata object. */
interface Recorded {
  time: Micros;
  owner: string;
  project: string | null;
  body: Record<string, unknown>;
}

function* readInstanceStates(input: string, options: ImportOptions, warnings: ImportWarnings): Generator<ImportedRow> {
  const file = displayName(input);
  const counters = new CounterToCores(file, warnings, options.maxGap);
  const pids = new Map<string, number>();
  let records = 0;
  for (const [recorded, where] of recordedLines(input, options, ['instance', 'name'], ['state', 'metadata'])) {
    const series = recorded.project && recorded.project !== 'default' ? `${recorded.project}/${recorded.owner}` : recorded.owner;
    if (options.series && !options.series.includes(series)) continue;
    const state = recorded.body;
    const usageNs = numberAt(state, ['cpu', 'usage'], where);
    const memory = optionalNumberAt(state, ['memory', 'usage'], where);
    const pid = typeof state['pid'] === 'number' ? state['pid'] : null;
    const previousPid = pids.get(series);
    const restart = pid === null || previousPid === undefined ? null : pid !== previousPid;
    if (pid !== null) pids.set(series, pid);
    counters.observe({ time: recorded.time, series, cpuSeconds: usageNs / 1e9, memory, restart, line: where.line });
    records++;
    yield* counters.drain();
  }
  if (records === 0) throw new InputError('no instance state records', { file, line: 1 });
  yield* counters.finish();
}

function* readMemberResources(input: string, options: ImportOptions): Generator<ImportedRow> {
  const file = displayName(input);
  const described = new Map<string, string>();
  let lastTime = -Infinity;
  let records = 0;
  for (const [recorded, where] of recordedLines(input, options, ['member', 'server', 'name'], ['resources', 'metadata'])) {
    const series = recorded.owner;
    if (options.series && !options.series.includes(series)) continue;
    if (recorded.time < lastTime) throw new InputError('time goes backwards (records must be in time order)', where);
    lastTime = recorded.time;
    const resources = recorded.body;
    const load = objectAt(resources, 'load', where);
    const load1 = load['Average1Min'] ?? load['average_1min'];
    if (typeof load1 !== 'number' || !(load1 >= 0)) throw new InputError('load.Average1Min must be a number ≥ 0', { ...where, key: 'load.Average1Min' });
    const memoryUsed = numberAt(resources, ['memory', 'used'], where);
    const description = describeMember(resources, where);
    if (described.get(series) !== description) {
      described.set(series, description);
      yield { time: recorded.time, series, cores: NaN, memory: NaN, comment: `member: ${series} ${description}` };
    }
    yield { time: recorded.time, series, cores: load1, memory: memoryUsed };
    records++;
  }
  if (records === 0) throw new InputError('no member resource records', { file, line: 1 });
}

/** `architecture=x86_64 threads=8 memory_total=17179869184` */
function describeMember(resources: Record<string, unknown>, where: Where): string {
  const cpu = objectAt(resources, 'cpu', where);
  const architecture = typeof cpu['architecture'] === 'string' ? cpu['architecture'] : 'unknown';
  const threads = numberAt(resources, ['cpu', 'total'], where);
  const total = numberAt(resources, ['memory', 'total'], where);
  return `architecture=${architecture} threads=${threads} memory_total=${total}`;
}

/** Each non-blank line as a recorded response (owner from the first present of `ownerKeys`). */
function* recordedLines(input: string, options: ImportOptions, ownerKeys: string[], bodyKeys: string[]): Generator<[Recorded, Where]> {
  const lines = new ImportLines(input, options.readBytes);
  const file = lines.file;
  try {
    for (let line = lines.next(); line !== null; line = lines.next()) {
      if (line.trim() === '') continue;
      const where = { file, line: lines.lineNumber };
      const record = parseJsonLine(line, where);
      const time = parseTimestamp(record['time']);
      if (Number.isNaN(time)) throw new InputError(`"time" ${JSON.stringify(record['time'])} is not an RFC 3339 time or Unix seconds`, { ...where, key: 'time' });
      const ownerKey = ownerKeys.find((k) => typeof record[k] === 'string' && record[k] !== '');
      if (ownerKey === undefined) throw new InputError(`record lacks ${ownerKeys.map((k) => `"${k}"`).join(' or ')}`, where);
      const body = bodyOf(record, bodyKeys, where);
      const project = typeof record['project'] === 'string' ? record['project'] : null;
      yield [{ time, owner: record[ownerKey] as string, project, body }, where];
    }
  } finally {
    lines.close();
  }
}

function bodyOf(record: Record<string, unknown>, keys: string[], where: Where): Record<string, unknown> {
  for (const key of keys) if (isObject(record[key])) return record[key];
  const response = record['response'];
  if (isObject(response)) {
    if (response['type'] === 'error') throw new InputError(`recorded an error response: ${String(response['error'] ?? '')}`, where);
    if (isObject(response['metadata'])) return response['metadata'];
  }
  throw new InputError(`record lacks the response (${[...keys, 'response'].map((k) => `"${k}"`).join(', ')})`, where);
}

function objectAt(body: Record<string, unknown>, key: string, where: Where): Record<string, unknown> {
  const value = body[key];
  if (!isObject(value)) throw new InputError(`response lacks "${key}"`, { ...where, key });
  return value;
}

function numberAt(body: Record<string, unknown>, pathKeys: string[], where: Where): number {
  const value = optionalNumberAt(body, pathKeys, where);
  if (Number.isNaN(value)) throw new InputError(`response lacks "${pathKeys.join('.')}"`, { ...where, key: pathKeys.join('.') });
  return value;
}

/** The number at a path, NaN when absent; refused when present but not a number ≥ 0. */
function optionalNumberAt(body: Record<string, unknown>, pathKeys: string[], where: Where): number {
  let value: unknown = body;
  for (const key of pathKeys) value = isObject(value) ? value[key] : undefined;
  if (value === undefined || value === null) return NaN;
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new InputError(`"${pathKeys.join('.')}" must be a number ≥ 0, got ${JSON.stringify(value)}`, { ...where, key: pathKeys.join('.') });
  }
  return value;
}
