/**
 * `scalelab compare`: check every input, run the scenarios (or read the run directories), put
 * the numbers side by side and write `report.html`, `compare.md` and `compare.csv` into the
 * output directory, each atomically. Nothing is written until everything has run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../scenario/errors.js';
import { writeFileAtomic } from '../report/files.js';
import { formatDuration } from '../report/format.js';
import { VERSION } from '../version.js';
import { prepareEngine } from '../engines/external/module.js';
import { checkInput, inputDuration, loadRunDirectory, runScenarioSeeds, seedList, uniqueLabels, type CheckedInput, type LoadedRun, type ScenarioRunOptions } from './inputs.js';
import { compareMetrics, HEADLINE_METRICS, metricNames, verdictTable, type CompareRun } from './metrics.js';
import { compareBucketWidth, ROLES, SeriesBuckets } from './series.js';
import { compareCsv, compareHtml, compareMarkdown, type Comparison } from './render.js';
import { demandCapacityChart, instancesChart, type ChartRun } from './charts.js';

/** Most time buckets per chart. */
export const COMPARE_BUCKETS = 240;

/** What `compare` is asked to do. */
export interface CompareOptions extends ScenarioRunOptions {
  inputs: readonly string[];
  /** Output directory (default `reports/compare/<labels joined by -vs->`). */
  out?: string;
  /** Only these metrics (each must be reported by some run). */
  metrics?: readonly string[];
  /** The seed flag the user gave (`--seeds`, `--seed`), refused when no input is a scenario. */
  seedFlag?: string;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** The result: where the files went and what they say. */
export interface CompareOutcome {
  outDir: string;
  files: string[];
  comparison: Comparison;
}

/**
 * Labels for the runs: the names with the words every name shares at the start removed
 * (`albatross-quirk-faithful`, `albatross-quirk-corrected` → `faithful`, `corrected`), made
 * unique.
 *
 * @example runLabels(['albatross-quirk-faithful', 'albatross-quirk-corrected']) // ['faithful', 'corrected']
 * @example runLabels(['a', 'a']) // ['a', 'a-2']
 */
export function runLabels(names: readonly string[]): string[] {
  const words = names.map((n) => n.split('-'));
  let common = 0;
  while (words.every((w) => w.length > common + 1 && w[common] === words[0]![common])) common++;
  return uniqueLabels(words.map((w) => w.slice(common).join('-')));
}

/**
 * A name for each input: its scenario's name, or — for run directories of a scenario that
 * another input shares (two thresholds of one scenario) — the directory's own name.
 *
 * @example inputNames([{ scenario: 'd', kind: 'run directory', source: '/tmp/up90' }, { scenario: 'd', kind: 'run directory', source: '/tmp/up80' }]) // ['up90', 'up80']
 */
export function inputNames(runs: readonly Pick<CompareRun, 'scenario' | 'kind' | 'source'>[]): string[] {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.scenario, (count.get(r.scenario) ?? 0) + 1);
  return runs.map((r) => (count.get(r.scenario)! > 1 && r.kind === 'run directory' ? path.basename(path.resolve(r.source)) : r.scenario));
}

/** Caveats worth a line: engines, lengths, seeds or versions that differ; missing series. */
export function comparisonNotes(runs: readonly CompareRun[], charted: readonly ChartRun[]): string[] {
  const notes: string[] = [];
  // each value once, with the runs that have it: "albatross (faithful, corrected), hpa (hpa-default)"
  const list = (f: (r: CompareRun) => string) => {
    const by = new Map<string, string[]>();
    for (const r of runs) by.set(f(r), [...(by.get(f(r)) ?? []), r.label]);
    return [...by].map(([value, labels]) => `${value} (${labels.join(', ')})`).join(', ');
  };
  if (new Set(runs.map((r) => r.engine)).size > 1) notes.push(`Different engines: ${list((r) => r.engine)}. Metrics an engine does not report show as —.`);
  if (new Set(runs.map((r) => r.duration_s)).size > 1) {
    notes.push(`Different scenario lengths: ${list((r) => formatDuration(r.duration_s))}. Totals (instance·s, violation seconds, counts) grow with the length; compare rates and percentages.`);
  }
  const seedKey = (r: CompareRun) => r.seeds.join(',');
  if (new Set(runs.map(seedKey)).size > 1) notes.push(`Different seeds: ${list((r) => (r.seeds.length === 0 ? 'unknown' : r.seeds.join(' ')))}. The runs do not share their load noise and faults; differences are not paired.`);
  if (new Set(runs.map((r) => r.scalelab)).size > 1) notes.push(`Made by different scalelab versions: ${list((r) => r.scalelab)}.`);
  for (const role of ROLES) {
    const lacking = charted.filter((c) => c.series[role] === undefined).map((c) => c.label);
    if (lacking.length > 0 && lacking.length < charted.length) notes.push(`No ${role} series in the time series of ${lacking.join(', ')}: not drawn for ${lacking.length === 1 ? 'it' : 'them'}.`);
  }
  return notes;
}

/**
 * Checks the options: at least two inputs, each existing; flags that need scenarios.
 * Throws InputError (one line) before any work.
 */
export function checkInputs(opts: CompareOptions): CheckedInput[] {
  if (opts.inputs.length < 2) throw new InputError(`needs at least two inputs (scenarios or run directories), got ${opts.inputs.length}`, { file: 'compare' });
  const checked = opts.inputs.map((source) => checkInput(source, opts.sets));
  const scenarios = checked.some((c) => c.kind === 'scenario');
  if (!scenarios && opts.sets.length > 0) throw new InputError('applies to scenario inputs only, and every input is a run directory', { file: '--set' });
  if (!scenarios && opts.seedFlag !== undefined) throw new InputError('applies to scenario inputs only, and every input is a run directory', { file: opts.seedFlag });
  return checked;
}

/** Runs the comparison and writes its files. */
export async function runCompare(opts: CompareOptions): Promise<CompareOutcome> {
  const checked = checkInputs(opts);
  const firstScenario = checked.find((c) => c.kind === 'scenario');
  const seeds = firstScenario && firstScenario.kind === 'scenario' ? seedList(opts.seeds, opts.baseSeed ?? firstScenario.scenario.seed) : [];
  const longest = Math.max(1, ...checked.map(inputDuration));
  const width = compareBucketWidth(longest, COMPARE_BUCKETS);
  const count = Math.ceil(longest / width);

  const loaded: LoadedRun[] = [];
  for (const input of checked) {
    const buckets = new SeriesBuckets(width, count);
    if (input.kind === 'scenario') await prepareEngine(input.scenario); // a module engine, imported once
    loaded.push(input.kind === 'scenario' ? runScenarioSeeds(input, opts.sets, seeds, buckets, opts.progress) : await loadRunDirectory(input, buckets));
  }
  const names = inputNames(loaded.map((l) => l.run));
  const labels = runLabels(names);
  const runs: CompareRun[] = loaded.map((l, i) => ({ ...l.run, label: labels[i]! }));
  if (opts.metrics !== undefined) {
    for (const m of opts.metrics) if (!runs.some((r) => r.values.has(m))) throw new InputError(`unknown metric "${m}": no input reports it`, { file: '--metrics' });
  }
  const rows = compareMetrics(runs, metricNames(runs, opts.metrics));
  const headline = opts.metrics ?? HEADLINE_METRICS;
  const verdicts = verdictTable(runs, rows, headline);
  const charted: ChartRun[] = loaded.map((l, i) => ({ label: labels[i]!, series: l.buckets.result() }));
  const comparison: Comparison = { runs, rows, verdicts, notes: comparisonNotes(runs, charted), scalelab: VERSION };

  const specs = [
    { id: 'demand', spec: demandCapacityChart(charted, longest, width) },
    { id: 'instances', spec: instancesChart(charted, longest, width) },
  ];
  const { renderSvg } = await import('../report/render.js');
  const charts = [];
  for (const s of specs) charts.push({ ...s, svg: await renderSvg(s.spec, `chart-${s.id}`) });

  const outDir = opts.out ?? path.join('reports', 'compare', uniqueLabels(names).join('-vs-'));
  fs.mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    ['report.html', compareHtml(comparison, charts)],
    ['compare.md', compareMarkdown(comparison)],
    ['compare.csv', compareCsv(comparison)],
  ];
  for (const [name, text] of files) writeFileAtomic(path.join(outDir, name), text);
  return { outDir, files: files.map(([n]) => n), comparison };
}
