/**
 * The inputs of `scalelab compare`: scenario files (simulated here, every one with the same
 * seeds) or run directories of `scalelab run` (read: summary.json, and timeseries.csv when
 * there is one). Everything is checked before anything runs, so bad input costs nothing and
 * writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { simulateScenario } from '../run/run.js';
import { deriveSeeds } from '../workbench/seeds.js';
import type { CompareRun } from './metrics.js';
import { readTimeseries, SeriesBuckets } from './series.js';

/** An input as checked: what it is and where. */
export type CheckedInput =
  | { kind: 'run directory'; source: string; summary: SummaryShape; timeseries: string | null }
  | { kind: 'scenario'; source: string; scenario: Scenario };

/** The part of summary.json a comparison reads; everything else is left alone. */
export interface SummaryShape {
  scalelab?: string;
  scenario?: { name?: string; seed?: number; duration_s?: number; engine?: { name?: string; variant?: string } };
  metrics?: Record<string, { value?: number | null; unit?: string }>;
}

/** How scenarios are run. */
export interface ScenarioRunOptions {
  sets: readonly string[];
  /** Explicit seeds, or a count derived from the base seed (workbench/seeds.ts). */
  seeds: number[] | { count: number };
  /** Base seed for a count (default: the first scenario's seed). */
  baseSeed?: number;
}

/**
 * Checks one input path: a directory must hold summary.json (valid JSON with a `metrics`
 * object); a file is read as a scenario with the `--set` overrides.
 *
 * @example checkInput('reports/albatross-default', []) // { kind: 'run directory', … }
 */
export function checkInput(source: string, sets: readonly string[]): CheckedInput {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new InputError('no such file or directory', { file: source });
  }
  if (stat.isDirectory()) {
    const file = path.join(source, 'summary.json');
    if (!fs.existsSync(file)) throw new InputError('not a run directory (no summary.json)', { file: source });
    let summary: SummaryShape;
    try {
      summary = JSON.parse(fs.readFileSync(file, 'utf8')) as SummaryShape;
    } catch (err) {
      throw new InputError(`not valid JSON (${(err as Error).message.split('\n')[0]})`, { file });
    }
    if (summary === null || typeof summary !== 'object' || typeof summary.metrics !== 'object' || summary.metrics === null) {
      throw new InputError('no "metrics" object', { file });
    }
    const ts = path.join(source, 'timeseries.csv');
    return { kind: 'run directory', source, summary, timeseries: fs.existsSync(ts) ? ts : null };
  }
  return { kind: 'scenario', source, scenario: loadScenario(source, { sets }) };
}

/**
 * The seeds every scenario input runs with.
 *
 * @example seedList({ count: 1 }, 7) // [7]
 * @example seedList([1, 2], 7) // [1, 2]
 */
export function seedList(seeds: number[] | { count: number }, base: number): number[] {
  return Array.isArray(seeds) ? seeds : deriveSeeds(base, seeds.count);
}

/** Metric values and units of a summary.json's `metrics` (non-numbers read as missing). */
function readMetrics(metrics: SummaryShape['metrics']): { values: Map<string, number | null>; units: Map<string, string> } {
  const values = new Map<string, number | null>();
  const units = new Map<string, string>();
  for (const [name, m] of Object.entries(metrics ?? {})) {
    const v = m?.value;
    values.set(name, typeof v === 'number' && Number.isFinite(v) ? v : null);
    units.set(name, typeof m?.unit === 'string' ? m.unit : '');
  }
  return { values, units };
}

/** A run's data before its label is settled. */
export interface LoadedRun {
  run: Omit<CompareRun, 'label'>;
  buckets: SeriesBuckets;
}

/**
 * Reads a run directory: its summary's metrics and its timeseries.csv into buckets.
 *
 * @example await loadRunDirectory(input, new SeriesBuckets(300, 288))
 */
export async function loadRunDirectory(input: Extract<CheckedInput, { kind: 'run directory' }>, buckets: SeriesBuckets): Promise<LoadedRun> {
  const s = input.summary;
  const { values, units } = readMetrics(s.metrics);
  if (input.timeseries !== null) await readTimeseries(input.timeseries, buckets);
  return {
    run: {
      source: input.source,
      kind: 'run directory',
      scenario: s.scenario?.name ?? path.basename(path.resolve(input.source)),
      engine: s.scenario?.engine?.name ?? '?',
      variant: s.scenario?.engine?.variant ?? '?',
      duration_s: s.scenario?.duration_s ?? 0,
      scalelab: s.scalelab ?? '?',
      seeds: typeof s.scenario?.seed === 'number' ? [s.scenario.seed] : [],
      values: new Map([...values].map(([k, v]) => [k, [v]])),
      units,
    },
    buckets,
  };
}

/**
 * Simulates a scenario once per seed (no files written), collecting every seed's metrics and
 * feeding its time series to `buckets` as it runs.
 *
 * @example await runScenarioSeeds(input, [], [7, 8], buckets)
 */
export function runScenarioSeeds(input: Extract<CheckedInput, { kind: 'scenario' }>, sets: readonly string[], seeds: readonly number[], buckets: SeriesBuckets, progress?: (line: string) => void): LoadedRun {
  const values = new Map<string, (number | null)[]>();
  const units = new Map<string, string>();
  let scalelab = '?';
  seeds.forEach((seed, k) => {
    progress?.(`${input.scenario.name}: seed ${seed} (${k + 1} of ${seeds.length})`);
    const scenario = loadScenario(input.source, { sets, seed });
    const sim = simulateScenario(scenario, { timeseries: (line) => buckets.line(line) });
    buckets.flush();
    scalelab = sim.summary.scalelab;
    for (const [name, m] of Object.entries(sim.summary.metrics)) {
      if (!values.has(name)) values.set(name, new Array<number | null>(k).fill(null));
      values.get(name)!.push(typeof m.value === 'number' && Number.isFinite(m.value) ? m.value : null);
      if (!units.has(name)) units.set(name, m.unit);
    }
    for (const list of values.values()) while (list.length < k + 1) list.push(null);
  });
  const s = input.scenario;
  return {
    run: {
      source: input.source,
      kind: 'scenario',
      scenario: s.name,
      engine: s.engine.name,
      variant: s.engine.variant,
      duration_s: s.duration / 1e6,
      scalelab,
      seeds: [...seeds],
      values,
      units,
    },
    buckets,
  };
}

/**
 * Short unique labels: the scenario name, or `name-2`, `name-3` … for repeats.
 *
 * @example uniqueLabels(['a', 'b', 'a']) // ['a', 'b', 'a-2']
 */
export function uniqueLabels(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}-${k}`;
  });
}

/** Duration (s) of an input as checked, before it runs. */
export function inputDuration(input: CheckedInput): number {
  return input.kind === 'scenario' ? input.scenario.duration / 1e6 : (input.summary.scenario?.duration_s ?? 0);
}
