/**
 * `scalelab run`: simulate a scenario and write its report directory.
 *
 * Outputs under `outDir`: summary.json, timeseries.csv, events.jsonl (streamed while the run
 * goes), summary.md and report.html (at the end). Every file is written to a temporary file of
 * its own and renamed into place when complete (src/files/atomic.ts); on failure the temporary
 * files and the folders this run created are removed, so a folder never holds half a file.
 *
 * Only the scenario's own runner is imported (src/run/load-runner.ts), and the module-engine
 * loader only for `engine.kind: module`: a built-in Albatross run loads neither the other
 * engines nor the external-engine transport.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '../report/types.js';
import type { Scenario } from '../scenario/types.js';
import { TIMESERIES_HEADER } from './albatross.js';
import { LineWriter } from '../report/files.js';
import { writeSummaryFile } from './summary-file.js';
import { makeOutputDir, refuseInputAsOutput, removeCreatedDirs } from '../files/outputs.js';
import { OutputSizeWatch } from './output-size.js';
import { simulateWith, type Simulated } from './simulated.js';
import { loadRunnerLookup } from './load-runner.js';

export interface RunOptions {
  outDir: string;
  /** Progress callback (fraction of simulated time done). */
  progress?: (fraction: number) => void;
  /**
   * Warnings, one line each (a trace not covering the run; a streamed output projected past
   * `maxOutputBytes`). Without it nothing is checked. Never changes the outputs.
   */
  warn?: (line: string) => void;
  /** Overrides `output.max_bytes`. */
  maxOutputBytes?: number;
  /** Every request to a module or external engine and its reply, one JSON line each (`--protocol-log`). */
  protocolLog?: (line: string) => void;
}

export interface RunOutcome {
  summary: RunSummary;
  sim: Simulated;
  files: string[];
}

/** Every file a run may write into its folder; files of these names not written by this run are removed after it. */
export const RUN_OUTPUTS: readonly string[] = ['summary.json', 'summary.md', 'report.html', 'timeseries.csv', 'events.jsonl'];

/**
 * Remove the outputs of an earlier run that this run did not write (events or timeseries
 * turned off), so the folder holds one run's outputs only. Only scalelab's own output names
 * (`RUN_OUTPUTS`), only regular files; anything else in the folder is left alone.
 *
 * @example removeStaleOutputs('reports/x', ['summary.json']) // removes reports/x/events.jsonl if there
 */
export function removeStaleOutputs(outDir: string, written: readonly string[]): void {
  for (const name of RUN_OUTPUTS) {
    if (written.includes(name)) continue;
    const file = path.join(outDir, name);
    try {
      if (fs.lstatSync(file).isFile()) fs.unlinkSync(file);
    } catch {
      // not there
    }
  }
}

/**
 * The files a run reads: the scenario, its traces, a module engine's file and the words of an
 * external engine's command that are files in its working directory (an output must not be one
 * of them).
 *
 * @example runInputs(s) // ['scenarios/x.yaml', '/abs/traces/a.csv', '/abs/scenarios/my_engine.py']
 */
export function runInputs(scenario: Scenario): string[] {
  const loads = [...scenario.workloads.map((w) => w.load), ...(scenario.cluster?.vms ?? []).map((v) => v.load)];
  const traces = loads.flatMap((l) => (l !== null && l.kind === 'trace' ? [l.trace.file] : []));
  return [scenario.file, ...traces, ...engineInputs(scenario.engine)];
}

/** A module engine's file; the words of an external command naming an existing file relative to `cwd`. */
function engineInputs(engine: Scenario['engine']): string[] {
  if (engine.kind === 'module' && engine.path) return [engine.path];
  if (engine.kind !== 'external' || !engine.command) return [];
  const cwd = engine.cwd ?? process.cwd();
  return engine.command.map((word) => path.resolve(cwd, word)).filter((file) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Simulate `scenario` and write all outputs under `opts.outDir`. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunOutcome> {
  // a module engine is imported before anything is written (a bad module: one line, exit 2)
  if (scenario.engine.kind === 'module') await (await import('../engines/external/module.js')).prepareEngine(scenario);
  // the scenario's runner, imported now; looked up (and its absence reported) where it always was
  const runnerOf = await loadRunnerLookup(scenario);
  const outDir = opts.outDir;
  refuseInputAsOutput(RUN_OUTPUTS.map((f) => path.join(outDir, f)), runInputs(scenario), '--out');
  // the folders this call creates (real paths), removed again on failure; never one that existed
  const created = makeOutputDir(outDir, '--out');
  const writers: LineWriter[] = [];
  try {
    const events = scenario.output.events ? new LineWriter(path.join(outDir, 'events.jsonl')) : null;
    if (events) writers.push(events);
    const series = scenario.output.timeseries ? new LineWriter(path.join(outDir, 'timeseries.csv')) : null;
    if (series) {
      writers.push(series);
      series.line(TIMESERIES_HEADER);
    }
    const warn = opts.warn;
    const watch = warn ? new OutputSizeWatch(opts.maxOutputBytes ?? scenario.output.max_bytes, warn) : null;
    const sink = (w: LineWriter): ((l: string) => void) => {
      const line = (l: string) => w.line(l);
      return watch ? watch.counted(w.path, line) : line;
    };
    const userProgress = opts.progress;
    const progress = watch
      ? (f: number) => {
          watch.check(f);
          userProgress?.(f);
        }
      : userProgress;
    const sim = simulateWith(scenario, runnerOf(scenario), {
      ...(events ? { event: sink(events) } : {}),
      ...(series ? { timeseries: sink(series) } : {}),
      ...(progress ? { progress } : {}),
      ...(warn ? { warn } : {}),
      ...(opts.protocolLog ? { protocolLog: opts.protocolLog } : {}),
    });
    watch?.check(1);
    const summary = sim.summary;
    const files: string[] = [];
    if (scenario.output.report) {
      await sim.writeReport(outDir);
      files.push('report.html', 'summary.md');
    }
    // written a piece at a time: the same bytes as JSON.stringify(summary, null, 2) (files/json.ts)
    writeSummaryFile(path.join(outDir, 'summary.json'), summary);
    files.push('summary.json');
    for (const w of writers) {
      w.commit();
      files.push(path.basename(w.path));
    }
    removeStaleOutputs(outDir, files);
    return { summary, sim, files };
  } catch (err) {
    for (const w of writers) w.abort();
    removeCreatedDirs(created);
    throw err;
  }
}
