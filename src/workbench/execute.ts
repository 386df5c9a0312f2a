/**
 * One sweep run: the scenario text with the sweep's base overrides, the point's overrides and a
 * seed → the run-level metrics. The same function runs inside worker threads (`worker.ts`)
 * and in-process (`InlineExecutor`), so results cannot depend on where a run ran.
 */
import { scenarioParser, type LoadOptions } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { InputError, type InputLocation } from '../scenario/errors.js';
import { SET_LOCATION } from '../scenario/overrides.js';
import { simulateScenario } from '../run/run.js';

/** What every run of a sweep shares (sent once to each worker). */
export interface RunnerInit {
  /** The scenario file's text (read once, so a file edited mid-sweep cannot mix versions). */
  text: string;
  /** The scenario file's path (messages, trace paths). */
  file: string;
  /** The sweep's base `--set` overrides, applied before the point's. */
  sets: string[];
  /** Trace files may lie outside the scenario's folder (`--allow-outside`). */
  allowOutside?: boolean;
}

/** One run to do. */
export interface RunTask {
  id: number;
  sets: string[];
  seed: number;
}

/** Metric values and units of a finished run. */
export interface RunMetrics {
  metrics: Record<string, number | null>;
  units: Record<string, string>;
}

/** A run's outcome: metrics, or the reason the point's configuration is invalid. */
export type RunOutput =
  | ({ id: number; kind: 'ok' } & RunMetrics)
  | { id: number; kind: 'invalid'; reason: string }
  | { id: number; kind: 'error'; message: string }
  /** Bad input data met by the run (a bad trace row): stops the sweep, never journaled. */
  | { id: number; kind: 'input'; detail: string; where: InputLocation };

/**
 * Overrides appended to every sweep run: no chart data is collected (metrics are unaffected;
 * the report's chart data would only cost time and memory).
 */
export const RUN_SETS: readonly string[] = ['output.chart_groups=0'];

/** The YAML of each sweep's scenario, parsed once per thread (a run only resolves it again). */
const parsers = new WeakMap<RunnerInit, (opts?: LoadOptions) => Scenario>();

function parserOf(init: RunnerInit): (opts?: LoadOptions) => Scenario {
  let parser = parsers.get(init);
  if (parser === undefined) {
    parser = scenarioParser(init.text, init.file);
    parsers.set(init, parser);
  }
  return parser;
}

/**
 * Simulate one run. Bad configuration (the loader's `InputError` about the scenario or the
 * overrides) is an `invalid` outcome, not a failure: some combinations of valid values are
 * refused together (a down threshold above the up threshold). Bad input data met while
 * simulating (a bad trace row) is an `input` outcome, which stops the sweep without being
 * recorded, so fixing the data and resuming runs the point again; anything else is an `error`.
 *
 * @example executeRun(init, { id: 0, sets: ['engine.config.cooldown_period=300s'], seed: 42 }).kind // 'ok'
 */
export function executeRun(init: RunnerInit, task: RunTask): RunOutput {
  let scenario: Scenario;
  try {
    scenario = parserOf(init)({ sets: [...init.sets, ...task.sets, ...RUN_SETS], seed: task.seed, ...(init.allowOutside ? { allowOutside: true } : {}) });
  } catch (err) {
    // a configuration the point's values make invalid (in the scenario or an override) is a result of the point;
    // a problem in another file (a trace) is bad input data
    if (err instanceof InputError && (err.file === SET_LOCATION || err.file === init.file || err.file === undefined)) return { id: task.id, kind: 'invalid', reason: err.message };
    return failed(task, err);
  }
  try {
    const { metrics: set } = simulateScenario(scenario).summary;
    const metrics: Record<string, number | null> = {};
    const units: Record<string, string> = {};
    for (const [name, m] of Object.entries(set)) {
      metrics[name] = m.value;
      units[name] = m.unit;
    }
    return { id: task.id, kind: 'ok', metrics, units };
  } catch (err) {
    return failed(task, err);
  }
}

/** A run that failed: bad input data (an InputError met while simulating, e.g. a bad trace row), or an internal error. */
function failed(task: RunTask, err: unknown): RunOutput {
  if (err instanceof InputError) {
    const where: InputLocation = {};
    if (err.file !== undefined) where.file = err.file;
    if (err.line !== undefined) where.line = err.line;
    if (err.key !== undefined) where.key = err.key;
    return { id: task.id, kind: 'input', detail: err.detail, where };
  }
  // the stack only on request, like the CLI's own internal errors
  const message = err instanceof Error ? (process.env['SCALELAB_DEBUG'] ? (err.stack ?? err.message) : err.message) : String(err);
  return { id: task.id, kind: 'error', message };
}
