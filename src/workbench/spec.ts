/**
 * The sweep definition: from a scenario's `sweep:` section, overridden by command-line flags.
 *
 * ```yaml
 * sweep:
 *   grid:                                     # key → values (a list, or LO..HI:STEP)
 *     engine.config.scale_up_threshold_percent: 70..95:5
 *     engine.config.scale_up_trigger_ticks: [1, 2, 3, 5]
 *     engine.config.cooldown_period: [60s, 300s, 600s, 900s]
 *   random: 0                                 # N > 0: sample N points within the values instead
 *   seeds: 3                                  # replications per point
 *   objective: instance_seconds:min
 *   constraints: ["slo_violation_percent<=1", "flip_flop_rate<=0.5"]
 *   pareto: [instance_seconds, slo_violation_seconds]
 *   heatmaps: [flip_flop_rate, "slo_violation_seconds:KEY_X,KEY_Y"]
 * ```
 *
 * Merging: any `--grid` replaces the section's whole grid (the command line is then the
 * sweep); `--constraint` replaces the section's constraints, `--heatmap` its heatmaps; the
 * other flags replace single settings.
 */
import { LineCounter, parseDocument } from 'yaml';
import { InputError, type InputLocation } from '../scenario/errors.js';
import { makeLocator, type Locator } from '../scenario/locate.js';
import type { KeyPath } from '../scenario/paths.js';
import { checkKey, listDomain, parseAxisArg, parseDomain, type Axis } from './axis.js';
import { MAX_POINTS } from './plan.js';
import { MAX_SWEEP_SEEDS } from '../scenario/limits.js';
import { metricCatalog, parseConstraint, parseGoal, parseHeatmap, parsePareto, type Choice, type Constraint, type Goal, type HeatmapSpec, type MetricCatalog } from './choice.js';

/** A sweep as defined, before the scenario's seed is known. */
export interface SweepDefinition {
  axes: Axis[];
  /** Where each axis was written (`--grid`, or the file and line), by key: for messages. */
  origins: Record<string, InputLocation>;
  /** 0 = grid; N = sample N points. */
  random: number;
  /** Replications per point. */
  seeds: number;
  choice: Choice;
}

/** The section as read from the file: only what it sets. */
export type SweepSection = Partial<Omit<SweepDefinition, 'choice'>> & Partial<Choice>;

/** Drop an undefined line from a location (exact optional types). */
function located(where: InputLocation): InputLocation {
  return { ...(where.file !== undefined ? { file: where.file } : {}), ...(where.line !== undefined ? { line: where.line } : {}) };
}

/** Command-line flags of `scalelab sweep` that define the sweep (all as typed). */
export interface SweepFlags {
  grid: string[];
  random?: string;
  seeds?: string;
  objective?: string;
  constraint: string[];
  pareto?: string;
  heatmap: string[];
}

/** Replications per point when neither the file nor `--seeds` says. */
export const DEFAULT_SEEDS = 3;

const SECTION_KEYS = ['grid', 'random', 'seeds', 'objective', 'constraints', 'pareto', 'heatmaps'];

/**
 * The `sweep:` section of a scenario file's text, checked; `{}` when there is none.
 * Errors name the file, line and key (`scenarios/x.yaml:40: sweep.seeds: …`).
 */
export function readSweepSection(text: string, file: string, catalog: MetricCatalog = metricCatalog('albatross')): SweepSection {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) return {}; // the scenario loader reports YAML errors with their line
  const data = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown> | null;
  const raw = data !== null && typeof data === 'object' ? data['sweep'] : undefined;
  if (raw === undefined || raw === null) return {};
  return checkSection(raw, makeLocator(doc, lines, file, []), catalog);
}

/** Check every key of the section. */
function checkSection(raw: unknown, locate: Locator, catalog: MetricCatalog): SweepSection {
  const at = (...path: KeyPath) => locate(['sweep', ...path]);
  const map = asMapping(raw, at());
  for (const key of Object.keys(map)) {
    if (!SECTION_KEYS.includes(key)) throw new InputError(`unknown key; expected one of: ${SECTION_KEYS.join(', ')}`, at(key));
  }
  const out: SweepSection = {};
  if (map['grid'] !== undefined) {
    out.axes = sectionAxes(map['grid'], locate);
    out.origins = Object.fromEntries(out.axes.map((a) => [a.key, located(locate(['sweep', 'grid', a.key]))]));
  }
  if (map['random'] !== undefined) out.random = integerAtLeast(map['random'], 0, at('random'), MAX_POINTS);
  if (map['seeds'] !== undefined) out.seeds = integerAtLeast(map['seeds'], 1, at('seeds'), MAX_SWEEP_SEEDS);
  if (map['objective'] !== undefined) out.objective = parseGoal(asString(map['objective'], at('objective')), at('objective'), catalog);
  if (map['constraints'] !== undefined) out.constraints = asList(map['constraints'], at('constraints')).map((c, i) => parseConstraint(asString(c, at('constraints', i)), at('constraints', i), catalog));
  if (map['pareto'] !== undefined) out.pareto = sectionPareto(map['pareto'], at('pareto'), catalog);
  if (map['heatmaps'] !== undefined) out.heatmaps = asList(map['heatmaps'], at('heatmaps')).map((h, i) => sectionHeatmap(h, at('heatmaps', i), catalog));
  return out;
}

/** `grid:` — a mapping of key → list or SPEC text. */
function sectionAxes(raw: unknown, locate: Locator): Axis[] {
  const map = asMapping(raw, locate(['sweep', 'grid']));
  return Object.entries(map).map(([key, spec]) => {
    const where = locate(['sweep', 'grid', key]);
    checkKey(key, located(where));
    if (Array.isArray(spec)) {
      if (spec.length === 0) throw new InputError('needs at least one value', where);
      return { key, domain: listDomain(spec) };
    }
    if (typeof spec === 'string') return { key, domain: parseDomain(spec, where) };
    if (typeof spec === 'number' || typeof spec === 'boolean') return { key, domain: listDomain([spec]) };
    throw new InputError('expected a list of values or a range LO..HI:STEP', where);
  });
}

/** `pareto:` — `[X, Y]` or `"X,Y"`. */
function sectionPareto(raw: unknown, where: InputLocation, catalog: MetricCatalog): [Goal, Goal] {
  if (typeof raw === 'string') return parsePareto(raw, where, catalog);
  const list = asList(raw, where);
  return parsePareto(list.map((g) => asString(g, where)).join(','), where, catalog);
}

/** One `heatmaps:` item — `METRIC`, `METRIC:KEY_X,KEY_Y`, or `{ metric, x, y }`. */
function sectionHeatmap(raw: unknown, where: InputLocation, catalog: MetricCatalog): HeatmapSpec {
  if (typeof raw === 'string') return parseHeatmap(raw, where, catalog);
  const map = asMapping(raw, where);
  const metric = asString(map['metric'], where);
  const keys = map['x'] !== undefined || map['y'] !== undefined ? `:${asString(map['x'], where)},${asString(map['y'], where)}` : '';
  return parseHeatmap(`${metric}${keys}`, where, catalog);
}

function asMapping(raw: unknown, where: InputLocation): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('must be a mapping', where);
  return raw as Record<string, unknown>;
}

function asList(raw: unknown, where: InputLocation): unknown[] {
  if (!Array.isArray(raw)) throw new InputError('must be a list', where);
  return raw;
}

function asString(raw: unknown, where: InputLocation): string {
  if (typeof raw !== 'string') throw new InputError(`must be a string, got ${JSON.stringify(raw) ?? 'nothing'}`, where);
  return raw;
}

function integerAtLeast(raw: unknown, min: number, where: InputLocation, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min) throw new InputError(`must be an integer >= ${min}, got ${JSON.stringify(raw)}`, where);
  if (raw > max) throw new InputError(`must be at most ${max} (the limit), got ${raw}`, where);
  return raw;
}

/**
 * Read a count flag (`--seeds 3`, `--random 50`).
 *
 * @example parseCount('3', '--seeds', 1) // 3
 */
export function parseCount(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new InputError(`expected an integer >= ${min}, got ${JSON.stringify(text)}`, { file: flag });
  }
  if (Number(text) > max) throw new InputError(`must be at most ${max} (the limit), got ${text.trim()}`, { file: flag });
  return Number(text);
}

/**
 * The sweep to run: the section, overridden by the flags, defaults filled in. Refuses a sweep
 * with no axes and duplicated keys.
 */
export function sweepDefinition(section: SweepSection, flags: SweepFlags, catalog: MetricCatalog = metricCatalog('albatross')): SweepDefinition {
  const axes = flags.grid.length > 0 ? flags.grid.map((g) => parseAxisArg(g)) : (section.axes ?? []);
  if (axes.length === 0) throw new InputError('nothing to sweep: give --grid KEY=VALUES (e.g. --grid engine.config.scale_up_threshold_percent=70..95:5) or a sweep.grid section in the scenario', { file: '--grid' });
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw new InputError('swept twice; give each key once', { file: '--grid', key: a.key });
    seen.add(a.key);
  }
  const choice = mergeChoice(section, flags, axes.map((a) => a.key), catalog);
  const origins = flags.grid.length > 0 ? Object.fromEntries(axes.map((a) => [a.key, { file: '--grid' }])) : (section.origins ?? {});
  return {
    axes,
    origins,
    random: flags.random !== undefined ? parseCount(flags.random, '--random', 0, MAX_POINTS) : (section.random ?? 0),
    seeds: flags.seeds !== undefined ? parseCount(flags.seeds, '--seeds', 1, MAX_SWEEP_SEEDS) : (section.seeds ?? DEFAULT_SEEDS),
    choice,
  };
}

/**
 * The choice settings: `base` (the file's section, or a merged sweep's header) overridden by
 * the flags, defaults (the engine's catalog) filled in; heatmap keys must be among `keys` (the
 * swept keys).
 */
export function mergeChoice(base: Partial<Choice>, flags: Pick<SweepFlags, 'objective' | 'constraint' | 'pareto' | 'heatmap'>, keys: readonly string[], catalog: MetricCatalog): Choice {
  const pareto = flags.pareto !== undefined ? parsePareto(flags.pareto, { file: '--pareto' }, catalog) : (base.pareto ?? catalog.pareto);
  const objective = flags.objective !== undefined ? parseGoal(flags.objective, { file: '--objective' }, catalog) : (base.objective ?? pareto[0]);
  const constraints: Constraint[] = flags.constraint.length > 0 ? flags.constraint.map((c) => parseConstraint(c, { file: '--constraint' }, catalog)) : (base.constraints ?? []);
  const swept = (h: HeatmapSpec) => [h.x, h.y].every((k) => k === undefined || keys.includes(k));
  // the file's heatmaps go with the file's grid: those over keys a --grid no longer sweeps are dropped
  const heatmaps = flags.heatmap.length > 0 ? flags.heatmap.map((h) => parseHeatmap(h, { file: '--heatmap' }, catalog)) : (base.heatmaps ?? []).filter(swept);
  for (const h of heatmaps) {
    for (const k of [h.x, h.y]) {
      if (k !== undefined && !keys.includes(k)) throw new InputError(`${k} is not a swept key; swept: ${keys.join(', ')}`, { file: '--heatmap', key: h.metric });
    }
  }
  return { objective, constraints, pareto, heatmaps };
}
