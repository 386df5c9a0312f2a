/**
 * Resolve one workload copy's `load:`. Synthetic numbers written as `{ uniform: [lo, hi] }` are
 * drawn once per copy from `stream(seed, 'scenario:<copy name>:<field path>')` (its first number, `firstUniform`), where the field
 * path is relative to the workload (`load.base`, `load.diurnal.phase`, `load.steps[0].delta`),
 * so each copy gets its own value and the same seed gives the same values.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { firstUniform } from '../kernel/random.js';
import { InputError } from './errors.js';
import { globToRegExp } from '../load/trace.js';
import { emptyRow, TraceReader } from '../load/trace-reader.js';
import { micros, type ResolveContext } from './context.js';
import { formatPath, type KeyPath } from './paths.js';
import type { RawLoad, RawNumber, RawSyntheticLoad, RawTraceLoad } from './raw.js';
import type { LoadSpec, SyntheticLoadSpec, TraceLoadSpec } from './types.js';

/** Where the load of one copy is being resolved. */
interface LoadSite {
  ctx: ResolveContext;
  /** Name of this copy (after `count:` expansion). */
  copy: string;
  /** Key path of the workload in the document (`['workloads', 3]`). */
  workload: KeyPath;
  /** 0-based index of this copy among the workload's `count:` copies (default 0). */
  index?: number;
  /** The workload's `count:` (default 1). */
  count?: number;
}

/** The `LoadSpec` of one copy of a workload. */
export function resolveLoad(raw: RawLoad, site: LoadSite): LoadSpec {
  if ('trace' in raw) return { kind: 'trace', trace: resolveTrace(raw.trace, site) };
  return { kind: 'synthetic', synthetic: resolveSynthetic(raw, site) };
}

/** A trace load: file resolved against the scenario's directory and required to exist. */
function resolveTrace(raw: RawTraceLoad, site: LoadSite): TraceLoadSpec {
  const at = (key: string): KeyPath => [...site.workload, 'load', 'trace', key];
  const file = resolve(dirname(site.ctx.file), raw.file);
  if (!existsSync(file) || !statSync(file).isFile()) site.ctx.fail(at('file'), `trace file not found: ${file}`);
  if (!site.ctx.allowOutside && !insideAllowed(file, site.ctx.file)) {
    site.ctx.fail(at('file'), `${raw.file} is outside the scenario's folder and the working directory; give --allow-outside to read it`);
  }
  const chosen = (['series', 'pattern', 'sum', 'series_pattern'] as const).filter((k) => raw[k] !== undefined);
  if (chosen.length > 1) site.ctx.fail(at(chosen[1]!), `choose one of series, pattern, sum and series_pattern (got ${chosen.join(' and ')})`);
  const series = raw.series_pattern === undefined ? (raw.series ?? site.copy) : nthMatchingSeries(file, raw.series_pattern, site.index ?? 0, site, at('series_pattern'));
  const spec: TraceLoadSpec = { file, series, scale: raw.scale ?? 1 };
  if (raw.pattern !== undefined) spec.pattern = raw.pattern;
  if (raw.sum !== undefined) spec.sum = raw.sum;
  const shift = raw.shift === undefined ? 0 : micros(site.ctx, raw.shift, at('shift'), 'non-negative');
  const startAt = raw.start_at === undefined ? 0 : micros(site.ctx, raw.start_at, at('start_at'), 'non-negative');
  if (shift - startAt !== 0) spec.shift = shift - startAt;
  if (raw.speedup !== undefined) spec.speedup = raw.speedup;
  if (raw.loop !== undefined) spec.loop = raw.loop;
  return spec;
}

/** Does `a` lie in the tree of folder `root` (both real paths)? */
function within(a: string, root: string): boolean {
  const rel = relative(root, a);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * May a scenario read the trace `file` without --allow-outside? Only when its real path (links
 * followed) lies in the scenario's folder tree or the working directory's (unless that is `/`).
 *
 * @example insideAllowed('/etc/passwd', 'scenarios/x.yaml') // false
 */
export function insideAllowed(file: string, scenarioFile: string): boolean {
  const real = realpathSync(file);
  const roots = [dirname(resolve(scenarioFile)), process.cwd()].filter((r) => r !== '/' && existsSync(r)).map((r) => realpathSync(r));
  return roots.some((r) => within(real, r));
}

/**
 * `series_pattern`: copy k (0-based) of a workload replays the (k+1)-th series of the trace, in
 * the order series first appear in the file, whose name matches the glob. The file is read only
 * until that many matches are found (for an ordinary trace, its first time block); the list is
 * kept for the next copies while the file is unchanged.
 *
 * @example
 * // traces/planetlab.csv has series a_1, b 2, c3 (in that order); `count: 2, series_pattern: "*"`
 * nthMatchingSeries(file, '*', 1, site, path) // 'b 2' for the second copy
 */
export function nthMatchingSeries(file: string, pattern: string, index: number, site: LoadSite, path: KeyPath): string {
  const key = `${file}\u0000${pattern}`;
  const stamp = fileStamp(file);
  let found = matchCache.get(key);
  if (found === undefined || found.stamp !== stamp) {
    found = { stamp, names: [], complete: false, seen: 0 };
    matchCache.set(key, found);
  }
  if (index >= found.names.length && !found.complete) scanMatches(file, globToRegExp(pattern), Math.max(index + 1, site.count ?? 1), found);
  const name = found.names[index];
  if (name === undefined) {
    const have = found.names.length;
    site.ctx.fail(path, `pattern ${JSON.stringify(pattern)} matches ${have} of the ${found.seen} series in ${file}, but copy "${site.copy}" needs match number ${index + 1}: lower count to ${have} or widen the pattern`);
  }
  return name;
}

interface Matches {
  stamp: string;
  /** Matching series in order of first appearance. */
  names: string[];
  /** True when the whole file was read. */
  complete: boolean;
  /** Distinct series seen so far. */
  seen: number;
}

/** Lists of matching series by file and pattern, valid while the file's size and time stay. */
const matchCache = new Map<string, Matches>();

function fileStamp(file: string): string {
  const stat = statSync(file);
  return `${stat.size}:${stat.mtimeMs}`;
}

/** Read `file` from the start until `wanted` series match (or it ends), filling `found`. */
function scanMatches(file: string, pattern: RegExp, wanted: number, found: Matches): void {
  const reader = new TraceReader(file);
  const row = emptyRow();
  const seen = new Set<string>();
  found.names.length = 0;
  try {
    while (found.names.length < wanted) {
      if (!reader.next(row)) {
        found.complete = true;
        break;
      }
      if (seen.has(row.series)) continue;
      seen.add(row.series);
      if (pattern.test(row.series)) found.names.push(row.series);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError((error as Error).message, { file });
  } finally {
    reader.close();
  }
  found.seen = seen.size;
}

/**
 * The empty `steps` and `ramps` every workload without any shares (frozen: nothing may add to
 * them). A workload copied 100,000 times (`count:`) held 200,000 empty lists, ~6 MB.
 */
const NO_CHANGES: readonly never[] = Object.freeze([]);

/** Resolved sections whose values are all plain numbers, by their raw section (shared by every copy). */
const fixedSections = new WeakMap<object, object>();

/**
 * `build()`, shared by every copy of a workload when every value of the raw section `raw` is a
 * plain number (nothing drawn, so every copy resolves it alike), frozen; built per copy otherwise.
 *
 * @example sharedWhenFixed(raw.ar1, () => ({ coefficient: 0.9, sigma: 0.05 })) // one object for 100,000 copies
 */
function sharedWhenFixed<T extends object>(raw: object, build: () => T): T {
  if (!Object.values(raw).every((v) => typeof v === 'number')) return build();
  let resolved = fixedSections.get(raw) as T | undefined;
  if (resolved === undefined) fixedSections.set(raw, (resolved = Object.freeze(build())));
  return resolved;
}

/** A synthetic load with every range drawn and every duration in µs. */
function resolveSynthetic(raw: RawSyntheticLoad, site: LoadSite): SyntheticLoadSpec {
  const at = (...rest: Array<string | number>): KeyPath => [...site.workload, 'load', ...rest];
  const num = (value: RawNumber, ...rest: Array<string | number>): number => draw(value, at(...rest), site);
  const { ctx } = site;
  const { diurnal, ar1, bursts } = raw;
  return {
    base: num(raw.base, 'base'),
    diurnal: diurnal
      ? { amplitude: num(diurnal.amplitude, 'diurnal', 'amplitude'), period: micros(ctx, diurnal.period ?? '1d', at('diurnal', 'period'), 'positive'), phase: num(diurnal.phase ?? 0, 'diurnal', 'phase') }
      : null,
    ar1: ar1 ? sharedWhenFixed(ar1, () => ({ coefficient: num(ar1.coefficient, 'ar1', 'coefficient'), sigma: num(ar1.sigma, 'ar1', 'sigma') })) : null,
    bursts: bursts
      ? { rate_per_hour: num(bursts.rate_per_hour, 'bursts', 'rate_per_hour'), height: num(bursts.height, 'bursts', 'height'), duration: micros(ctx, bursts.duration, at('bursts', 'duration'), 'positive') }
      : null,
    steps: raw.steps === undefined || raw.steps.length === 0 ? (NO_CHANGES as unknown as SyntheticLoadSpec['steps']) : raw.steps.map((s, j) => ({ at: micros(ctx, s.at, at('steps', j, 'at'), 'non-negative'), delta: num(s.delta, 'steps', j, 'delta') })),
    ramps: raw.ramps === undefined || raw.ramps.length === 0 ? (NO_CHANGES as unknown as SyntheticLoadSpec['ramps']) : raw.ramps.map((r, j) => {
      const from = micros(ctx, r.from, at('ramps', j, 'from'), 'non-negative');
      const to = micros(ctx, r.to, at('ramps', j, 'to'), 'non-negative');
      if (to <= from) ctx.fail(at('ramps', j, 'to'), `must be after from (${String(r.from)}), got ${String(r.to)}`);
      return { from, to, delta: num(r.delta, 'ramps', j, 'delta') };
    }),
  };
}

/** A plain number as is; `{ uniform: [lo, hi] }` drawn from this copy's stream for the field. */
function draw(value: RawNumber, path: KeyPath, site: LoadSite): number {
  if (typeof value === 'number') return value;
  const [lo, hi] = value.uniform;
  if (lo > hi) site.ctx.fail([...path, 'uniform'], `lo ${lo} is above hi ${hi}`);
  const field = formatPath(path.slice(site.workload.length));
  return firstUniform(site.ctx.seed, `scenario:${site.copy}:${field}`, lo, hi);
}
