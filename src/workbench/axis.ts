/**
 * Sweep axes: a scenario key and the values it takes, written `KEY=SPEC` on the command line
 * (`--grid`) or `KEY: SPEC` in a scenario's `sweep.grid`. A SPEC is
 *
 * - a list `V1,V2,…` (commas inside `[…]`, `{…}` or quotes do not split): each item is the
 *   text of a `--set` value, read as YAML by the loader (`85`, `600s`, `corrected`, `{fixed: 2s}`);
 * - a stepped range `LO..HI:STEP` of numbers (`70..95:5`) or durations (`60s..600s:60s`),
 *   both ends included when HI is on the step;
 * - a range without a step `LO..HI`, only for `--random` sampling: integers when both ends
 *   are integers written without a decimal point, otherwise real numbers; durations are drawn
 *   in whole units of the smaller unit of the two ends.
 *
 * Values are kept as the text a `--set` would carry, so a point is a list of `KEY=VALUE` sets.
 */
import { parse as parseYaml } from 'yaml';
import { DurationError, MICROS_PER_SECOND, parseDuration, parseIncusDuration } from '../kernel/time.js';
import { findEngine } from '../engines/registry.js';
import type { RandomStream } from '../kernel/random.js';
import { InputError, type InputLocation } from '../scenario/errors.js';
import { parseKeyPath } from '../scenario/paths.js';

/** A duration unit as written (`s`, `ms`, `H` …) and its length in µs. */
export interface DurationUnit {
  text: string;
  micros: number;
}

/** The values one axis takes. */
export type Domain =
  | { kind: 'list'; values: string[] }
  | {
      kind: 'range';
      /** Ends and step in plain numbers, or µs for durations. */
      lo: number;
      hi: number;
      /** null: no step (random sampling only). */
      step: number | null;
      /** Duration ranges: the smallest unit written (draws are whole multiples of it). */
      unit: DurationUnit | null;
      /** Duration ranges: units to write values in, by preference (the step's first). */
      formats: DurationUnit[];
      /** Draw integers (both ends written as integers, no step). */
      integer: boolean;
      /** The range as written, for messages and reports. */
      text: string;
    };

/** One swept key. */
export interface Axis {
  /** Scenario key path as written, e.g. `engine.config.cooldown_period`. */
  key: string;
  domain: Domain;
}

/** Most values a stepped range may expand to (a typo such as `0..1e9:1` should not hang). */
export const MAX_RANGE_VALUES = 10_000;

/**
 * Read `KEY=SPEC` as given to `--grid`.
 *
 * @example parseAxisArg('engine.config.scale_up_threshold_percent=70..95:5')
 *   // { key: 'engine.config.scale_up_threshold_percent', domain: { kind: 'range', lo: 70, hi: 95, step: 5, … } }
 */
export function parseAxisArg(text: string, where: InputLocation = { file: '--grid' }): Axis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InputError(`expected KEY=VALUES (e.g. engine.config.cooldown_period=60s..600s:60s), got ${JSON.stringify(text)}`, where);
  const key = text.slice(0, eq).trim();
  return { key: checkKey(key, where), domain: parseDomain(text.slice(eq + 1), { ...where, key }) };
}

/**
 * A sweep key must be a key path, and not `seed` (replications are `--seeds`) nor `sweep.*`.
 *
 * @example checkKey('workloads[0].load.base', { file: '--grid' }) // 'workloads[0].load.base'
 */
export function checkKey(key: string, where: InputLocation): string {
  const path = parseKeyPath(key);
  if (path === undefined) throw new InputError(`not a scenario key path (write e.g. engine.config.cooldown_period or workloads[0].load.base)`, { ...where, key });
  if (path.length === 1 && path[0] === 'seed') throw new InputError('the seed cannot be swept; use --seeds K (sweep.seeds) for replications', { ...where, key });
  if (path[0] === 'sweep') throw new InputError('the sweep section cannot be swept', { ...where, key });
  return key;
}

/**
 * Read a SPEC: a range when it has the form `LO..HI[:STEP]` with numeric or duration ends,
 * otherwise a comma list.
 *
 * @example parseDomain('60s..600s:60s', where) // { kind: 'range', lo: 60e6, hi: 600e6, step: 60e6, unit: { text: 's', … } }
 * @example parseDomain('faithful,corrected', where) // { kind: 'list', values: ['faithful', 'corrected'] }
 */
export function parseDomain(spec: string, where: InputLocation): Domain {
  const text = spec.trim();
  const range = /^(.+?)\.\.(.+?)(?::(.+))?$/.exec(text);
  if (range) {
    const parsed = parseRange(text, range[1]!.trim(), range[2]!.trim(), range[3]?.trim(), where);
    if (parsed) return parsed;
  }
  const values = splitList(text).map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw new InputError(`empty value in ${JSON.stringify(spec)}; write V1,V2,… or LO..HI:STEP`, where);
  return { kind: 'list', values };
}

/**
 * A list domain from YAML values (the `sweep.grid` list form): each value as `--set` text.
 *
 * @example listDomain([70, '600s', { fixed: '2s' }]) // { kind: 'list', values: ['70', '600s', '{"fixed":"2s"}'] }
 */
export function listDomain(values: readonly unknown[]): Domain {
  return { kind: 'list', values: values.map(valueText) };
}

/**
 * The `--set` text that reads back as `value` (strings that YAML would read as something
 * else are quoted).
 *
 * @example valueText('85') // '"85"'   valueText(85) // '85'   valueText('600s') // '600s'
 */
export function valueText(value: unknown): string {
  if (typeof value === 'string') {
    let back: unknown;
    try {
      back = parseYaml(value);
    } catch {
      back = undefined;
    }
    return back === value ? value : JSON.stringify(value);
  }
  return JSON.stringify(value) ?? 'null';
}

/** A numeric or duration range; undefined when the ends are neither (then it is a list). */
function parseRange(text: string, loText: string, hiText: string, stepText: string | undefined, where: InputLocation): Domain | undefined {
  const parts = [loText, hiText, stepText].filter((t): t is string => t !== undefined);
  const numeric = parts.every(isNumberText);
  // a bare number next to a duration is seconds, as everywhere in a scenario (`0..600s:60s`)
  const durations = !numeric && parts.some(isDurationText) && parts.every((t) => isDurationText(t) || isNumberText(t));
  if (!numeric && !durations) return undefined;
  const unit = numeric ? null : smallestUnit([loText, hiText, ...(stepText !== undefined ? [stepText] : [])]);
  const read = (t: string): number => (numeric ? Number(t) : readDuration(t, where));
  const lo = read(loText);
  const hi = read(hiText);
  const step = stepText === undefined ? null : read(stepText);
  if (hi < lo) throw new InputError(`range ${JSON.stringify(text)} ends below its start`, where);
  if (step !== null && !(step > 0)) throw new InputError(`range ${JSON.stringify(text)} needs a step above 0`, where);
  if (step !== null && Math.floor((hi - lo) / step + 1e-9) + 1 > MAX_RANGE_VALUES) {
    throw new InputError(`range ${JSON.stringify(text)} has more than ${MAX_RANGE_VALUES} values`, where);
  }
  const integer = numeric && step === null && /^-?\d+$/.test(loText) && /^-?\d+$/.test(hiText);
  const formats = numeric ? [] : uniqueUnits([stepText, loText, hiText].filter((t): t is string => t !== undefined).map(unitOf));
  return { kind: 'range', lo, hi, step, unit, formats, integer, text };
}

/** `12`, `-0.5`, `1e3`. */
function isNumberText(t: string): boolean {
  return /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t);
}

/** One number and a unit: `60s`, `20ms`, `6H`. */
function isDurationText(t: string): boolean {
  return /^\d+(\.\d+)?\s*[A-Za-zµ]+$/.test(t);
}

/** The unit of a single-part duration (`60s` → s, 1e6); a bare number is in seconds. */
function unitOf(t: string): DurationUnit | null {
  if (isNumberText(t)) return { text: 's', micros: 1_000_000 };
  const m = /^\d+(?:\.\d+)?\s*([A-Za-zµ]+)$/.exec(t);
  if (!m) return null;
  try {
    return { text: m[1]!, micros: parseDuration(`1${m[1]}`) };
  } catch {
    return null;
  }
}

/** The units that are set, first occurrence of each text. */
function uniqueUnits(units: ReadonlyArray<DurationUnit | null>): DurationUnit[] {
  const out: DurationUnit[] = [];
  for (const u of units) if (u && !out.some((o) => o.text === u.text)) out.push(u);
  return out;
}

/** The shortest unit among the texts. */
function smallestUnit(texts: readonly string[]): DurationUnit | null {
  let best: DurationUnit | null = null;
  for (const t of texts) {
    const u = unitOf(t);
    if (u && (best === null || u.micros < best.micros)) best = u;
  }
  return best;
}

/** A duration in µs, or an InputError at `where`. */
function readDuration(t: string, where: InputLocation): number {
  try {
    return parseDuration(t);
  } catch (err) {
    if (err instanceof DurationError) throw new InputError(err.message, where);
    throw err;
  }
}

/**
 * Split on commas that are not inside brackets, braces or quotes.
 *
 * @example splitList('1,[2,3],"a,b"') // ['1', '[2,3]', '"a,b"']
 */
export function splitList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The values of a finite domain as `--set` texts; a range without a step has none (it can
 * only be sampled) and gives undefined.
 *
 * @example domainValues(parseDomain('60s..180s:60s', {})) // ['60s', '120s', '180s']
 */
export function domainValues(domain: Domain): string[] | undefined {
  if (domain.kind === 'list') return domain.values;
  if (domain.step === null) return undefined;
  const count = Math.floor((domain.hi - domain.lo) / domain.step + 1e-9) + 1;
  return Array.from({ length: count }, (_, i) => formatRangeValue(domain, domain.lo + i * domain.step!));
}

/**
 * Draw one value of the domain: a list item or a lattice point of a stepped range, uniformly;
 * within a range without a step, uniformly (integers, or whole duration units, when so written).
 */
export function drawValue(domain: Domain, rng: RandomStream): string {
  const finite = domainValues(domain);
  if (finite !== undefined) return finite[Math.min(finite.length - 1, Math.floor(rng.next() * finite.length))]!;
  if (domain.kind !== 'range') throw new Error('unreachable');
  if (domain.unit !== null) {
    const lo = Math.ceil(domain.lo / domain.unit.micros);
    const hi = Math.floor(domain.hi / domain.unit.micros);
    return formatRangeValue(domain, (lo + Math.floor(rng.next() * (hi - lo + 1))) * domain.unit.micros);
  }
  if (domain.integer) return formatRangeValue(domain, domain.lo + Math.floor(rng.next() * (domain.hi - domain.lo + 1)));
  return formatRangeValue(domain, rng.uniform(domain.lo, domain.hi));
}

/** How many distinct values a domain has (Infinity for a real range without a step). */
export function domainSize(domain: Domain): number {
  const finite = domainValues(domain);
  if (finite !== undefined) return finite.length;
  if (domain.kind === 'range' && domain.unit !== null) return Math.floor(domain.hi / domain.unit.micros) - Math.ceil(domain.lo / domain.unit.micros) + 1;
  if (domain.kind === 'range' && domain.integer) return domain.hi - domain.lo + 1;
  return Number.POSITIVE_INFINITY;
}

/**
 * A range value as `--set` text: numbers to 12 significant digits (no float noise); durations
 * in the first written unit (step, start, end) that divides them, else in ms or µs.
 *
 * @example formatRangeValue(durationRange, 120e6) // '120s'
 */
export function formatRangeValue(domain: Domain, value: number): string {
  if (domain.kind !== 'range' || domain.unit === null) return String(Number(value.toPrecision(12)));
  const us = Math.round(value);
  for (const unit of domain.formats) {
    const inUnit = us / unit.micros;
    if (Number.isInteger(inUnit)) return `${inUnit}${unit.text}`;
  }
  const ms = us / 1000;
  return Number.isInteger(ms) ? `${ms}ms` : `${us}us`;
}

/** A readable description of a domain, e.g. `70..95:5 (6 values)`. */
export function describeDomain(domain: Domain): string {
  if (domain.kind === 'list') return domain.values.join(', ');
  const n = domainValues(domain)?.length;
  return n === undefined ? `${domain.text} (sampled)` : `${domain.text} (${n} values)`;
}

/**
 * Do two `--set` texts mean the same value? Equal text, equal numbers, or equal durations.
 *
 * @example sameValue('600s', '10m') // true
 * @example sameValue('90', '90.0') // true
 */
export function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const read = (t: string): unknown => {
    try {
      return parseYaml(t) as unknown;
    } catch {
      return t;
    }
  };
  const x = read(a);
  const y = read(b);
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if ((typeof x === 'string' || typeof x === 'number') && (typeof y === 'string' || typeof y === 'number')) {
    try {
      return parseDuration(x) === parseDuration(y);
    } catch {
      return false;
    }
  }
  return JSON.stringify(x) === JSON.stringify(y);
}

/**
 * How to read an axis's values as seconds, when the swept key is a duration; undefined
 * otherwise. An engine key is a duration when the engine's descriptor says so (Incus keys
 * read with Incus units, where `1m` is a month); any other key when it is a duration range
 * (`60s..600s:60s`) or a list whose values all read as durations, at least one with a unit.
 * A value that does not read gives null.
 *
 * @example axisSeconds({ key: 'engine.config.cooldown_period', domain: … }, 'albatross')?.('10m') // 600
 * @example axisSeconds({ key: 'engine.config.scale_up_threshold_percent', domain: … }, 'albatross') // undefined
 */
export function axisSeconds(axis: Axis, engine: string): ((text: string) => number | null) | undefined {
  const reader = (parse: (v: string | number) => number) => (text: string): number | null => {
    try {
      return parse(readValue(text)) / MICROS_PER_SECOND;
    } catch {
      return null;
    }
  };
  const engineKey = /^engine\.(config|options)\.(.+)$/.exec(axis.key);
  if (engineKey) {
    const descriptor = findEngine(engine);
    const specs = engineKey[1] === 'config' ? descriptor?.config : descriptor?.options;
    const spec = specs?.find((s) => s.key === engineKey[2]);
    if (spec?.type === 'duration') return reader(parseDuration);
    if (spec?.type === 'incus-duration') return reader((v) => parseIncusDuration(String(v)));
    return undefined;
  }
  const d = axis.domain;
  if (d.kind === 'range') return d.unit !== null ? reader(parseDuration) : undefined;
  const values = d.values.map(readValue);
  const isDuration = (v: unknown) => (typeof v === 'string' || typeof v === 'number') && durationOrNull(v) !== null;
  if (values.length > 0 && values.every(isDuration) && values.some((v) => typeof v === 'string' && !/^\s*\d+(\.\d+)?\s*$/.test(v))) return reader(parseDuration);
  return undefined;
}

/** A `--set` text read as YAML (the text itself when it does not parse). */
function readValue(text: string): string | number {
  try {
    const v = parseYaml(text) as unknown;
    return typeof v === 'number' || typeof v === 'string' ? v : text;
  } catch {
    return text;
  }
}

/** parseDuration, or null when the value is not a duration. */
function durationOrNull(v: string | number): number | null {
  try {
    return parseDuration(v);
  } catch {
    return null;
  }
}
