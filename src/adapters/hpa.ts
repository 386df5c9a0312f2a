/**
 * The HPA engine outside the simulator: observations of a real cluster in (JSON lines with
 * wall-clock times), scale actions out. The same pure `onSync` the simulator calls decides here;
 * this module only turns lines into observations, keeps the HPA's state and runs a sync every
 * `syncPeriod` of input time, on the latest observation at or before it.
 *
 * Input, one JSON object per line (see docs/engines/hpa.md):
 *   {"time": T, "specReplicas": 3, "pods": [{"name": "web-1", "phase": "Running",
 *     "ready": {"status": "True", "lastTransitionTime": T}, "startTime": T,
 *     "requests": {"cpu": "500m"}, "cpu": {"usage": "250m", "timestamp": T, "window": "30s"}}],
 *    "external": {"queue_depth": 42}, "object": {"requests_per_second": 120}}
 * (`custom` per pod carries `Pods` metrics by name.)
 * T is Unix time in seconds (fractional allowed) or an ISO 8601 string. Output, one JSON object
 * per action: {"time": T, "type": "scale", "from": 3, "to": 5, "reason": …}.
 */
import { parseDurationAt, type Micros } from '../kernel/time.js';
import { parseQuantityMilli, toMilli } from '../engines/hpa/config.js';
import { initialState, onSync } from '../engines/hpa/engine.js';
import type { HpaConfig, HpaState, Observation, PodObservation, PodPhase, PodSample, ScaleAction } from '../engines/hpa/types.js';
import { InputError } from '../scenario/errors.js';
import { jsonObjectLine, MAX_INPUT_TIME_S, parseTime } from './albatross.js';

/** One parsed input line. */
export interface HpaInput {
  time: Micros;
  observation: Observation;
}

/** An action as printed: the engine's action with the time (Unix seconds) it was decided. */
export type HpaOutput = { time: number } & ScaleAction;

const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

/** Field reader for one line: failures name the line and the key. */
class LineReader {
  constructor(private readonly where: string) {}

  fail(key: string, message: string): never {
    throw new InputError(message, { file: this.where, key });
  }

  object(value: unknown, key: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'must be a JSON object');
    return value as Record<string, unknown>;
  }

  time(value: unknown, key: string): Micros {
    const t = parseTime(value);
    if (t === null) this.fail(key, `must be Unix seconds (at most ${MAX_INPUT_TIME_S}) or an ISO 8601 time`);
    return t;
  }

  count(value: unknown, key: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.fail(key, 'must be a whole number ≥ 0');
    return value;
  }

  /** A number as is (millicores, bytes, units) or a quantity string → the unit `perMilli` asks for. */
  amount(value: unknown, key: string, fromString: (milli: number) => number): number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    if (typeof value === 'string') {
      const milli = parseQuantityMilli(value);
      if (milli !== null) return fromString(milli);
    }
    return this.fail(key, 'must be a number ≥ 0 or a quantity such as 250m or 128Mi');
  }

  duration(value: unknown, key: string): Micros {
    if (typeof value !== 'string' && typeof value !== 'number') this.fail(key, 'must be a duration such as 30s');
    const us = parseDurationAt(value, (m) => this.fail(key, m));
    if (us <= 0) this.fail(key, 'must be positive');
    return us;
  }
}

const asMillicores = (milli: number) => milli;
const asBytes = (milli: number) => milli / 1000;

function readSample(r: LineReader, value: unknown, key: string, unit: (milli: number) => number): PodSample | null {
  if (value === undefined || value === null) return null;
  const s = r.object(value, key);
  return { usage: r.amount(s['usage'], `${key}.usage`, unit), timestamp: r.time(s['timestamp'], `${key}.timestamp`), window: r.duration(s['window'] ?? '30s', `${key}.window`) };
}

function readPod(r: LineReader, value: unknown, key: string): PodObservation {
  const p = r.object(value, key);
  const name = p['name'];
  if (typeof name !== 'string' || name === '') r.fail(`${key}.name`, 'must be a non-empty string');
  const phase = p['phase'] ?? 'Running';
  if (!PHASES.includes(phase as PodPhase)) r.fail(`${key}.phase`, `unknown phase ${JSON.stringify(phase)}; expected one of: ${PHASES.join(', ')}`);
  let ready: PodObservation['ready'] = null;
  if (p['ready'] !== undefined && p['ready'] !== null) {
    const c = r.object(p['ready'], `${key}.ready`);
    const status = c['status'];
    if (status !== 'True' && status !== 'False' && status !== 'Unknown') r.fail(`${key}.ready.status`, 'must be "True", "False" or "Unknown"');
    ready = { status, lastTransitionTime: r.time(c['lastTransitionTime'], `${key}.ready.lastTransitionTime`) };
  }
  const startTime = p['startTime'] === undefined || p['startTime'] === null ? null : r.time(p['startTime'], `${key}.startTime`);
  const deleted = p['deleted'] ?? false;
  if (typeof deleted !== 'boolean') r.fail(`${key}.deleted`, 'must be true or false');
  const requests: PodObservation['requests'] = {};
  if (p['requests'] !== undefined) {
    const q = r.object(p['requests'], `${key}.requests`);
    for (const k of Object.keys(q)) if (k !== 'cpu' && k !== 'memory') r.fail(`${key}.requests.${k}`, 'unknown resource; expected cpu or memory');
    if (q['cpu'] !== undefined) requests.cpu = r.amount(q['cpu'], `${key}.requests.cpu`, asMillicores);
    if (q['memory'] !== undefined) requests.memory = r.amount(q['memory'], `${key}.requests.memory`, asBytes);
  }
  const pod: PodObservation = { name, phase: phase as PodPhase, ready, startTime, deleted, requests, cpu: readSample(r, p['cpu'], `${key}.cpu`, asMillicores), memory: readSample(r, p['memory'], `${key}.memory`, asBytes) };
  if (p['custom'] === undefined || p['custom'] === null) return pod;
  return { ...pod, custom: readMilliValues(r, p['custom'], `${key}.custom`) };
}

/** Metric values by name: numbers in the metric's unit, strings as quantities → milli-values. */
function readMilliValues(r: LineReader, value: unknown, key: string): Record<string, number> {
  const o = r.object(value, key);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? toMilli(r.amount(v, `${key}.${k}`, asMillicores)) : r.amount(v, `${key}.${k}`, asMillicores)]));
}

/**
 * Parse one input line; `where` names it in errors (e.g. `stdin:12`).
 *
 * @example parseHpaLine('{"time": 10, "specReplicas": 1, "pods": []}', 'stdin:1').observation.specReplicas // 1
 */
export function parseHpaLine(line: string, where: string): HpaInput {
  const r = new LineReader(where);
  const o = jsonObjectLine(line, where);
  for (const k of Object.keys(o)) if (!['time', 'specReplicas', 'statusReplicas', 'pods', 'external', 'object'].includes(k)) r.fail(k, 'unknown key; expected time, specReplicas, statusReplicas, pods, external, object');
  const time = r.time(o['time'], 'time');
  if (o['specReplicas'] === undefined) r.fail('specReplicas', 'is required (the scale subresource\'s spec.replicas)');
  const specReplicas = r.count(o['specReplicas'], 'specReplicas');
  const observation: { -readonly [K in keyof Observation]: Observation[K] } = { specReplicas, pods: [] };
  if (o['statusReplicas'] !== undefined) observation.statusReplicas = r.count(o['statusReplicas'], 'statusReplicas');
  if (o['pods'] !== undefined) {
    const list = o['pods'];
    if (!Array.isArray(list)) r.fail('pods', 'must be a list');
    const seen = new Set<string>();
    observation.pods = (list as unknown[]).map((p, i) => {
      const pod = readPod(r, p, `pods[${i}]`);
      if (seen.has(pod.name)) r.fail(`pods[${i}].name`, `pod ${pod.name} is listed twice`);
      seen.add(pod.name);
      return pod;
    });
  }
  if (o['external'] !== undefined) {
    observation.external = readMilliValues(r, o['external'], 'external');
  }
  if (o['object'] !== undefined) {
    observation.object = readMilliValues(r, o['object'], 'object');
  }
  return { time, observation };
}

/**
 * The adapter's loop as a fold: feed observations in time order, get the actions. Syncs run at
 * the first observation's time and every `syncPeriod` after, each on the latest observation at or
 * before it; a replica count the adapter wrote at or after that observation's time replaces its `specReplicas`
 * (the API server already has it).
 */
export class HpaAdapter {
  private state: HpaState = initialState();
  private latest: HpaInput | null = null;
  private nextSync: Micros | null = null;
  private written: { time: Micros; replicas: number } | null = null;

  constructor(private readonly config: HpaConfig) {}

  /** Feed one observation; returns the actions decided (possibly none). `where` names it if out of order. */
  feed(input: HpaInput, where: string): HpaOutput[] {
    if (this.latest !== null && input.time < this.latest.time) throw new InputError('observations must come in time order', { file: where, key: 'time' });
    const out: HpaOutput[] = [];
    this.nextSync ??= input.time;
    while (this.latest !== null && this.nextSync < input.time) out.push(...this.sync(this.nextSync));
    this.latest = input;
    if (this.nextSync === input.time) out.push(...this.sync(input.time));
    return out;
  }

  private sync(at: Micros): HpaOutput[] {
    const latest = this.latest!;
    const observation = this.written !== null && this.written.time >= latest.time ? { ...latest.observation, specReplicas: this.written.replicas } : latest.observation;
    const r = onSync(this.config, this.state, observation, at);
    this.state = r.state;
    this.nextSync = at + this.config.syncPeriod;
    if (r.actions.length > 0) this.written = { time: at, replicas: r.desiredReplicas };
    return r.actions.map((a) => ({ time: at / 1e6, ...a }));
  }
}
