/**
 * `scalelab sweep merge DIR…`: combine the `runs.jsonl` of shard directories (or of any sweep
 * directories of the same sweep) into one directory with one `runs.jsonl` and the report.
 *
 * The inputs must be the same sweep: same fingerprint (scenario text, base overrides, scalelab
 * version) and the same plan (axes, sampling, seeds); only the shard may differ. Runs are
 * united by (point, seed), so merging overlapping or repeated directories is harmless. The
 * merged `runs.jsonl` is written sorted by point and replication, so it is the same file
 * whatever order the shards finished in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../scenario/errors.js';
import { writeFileAtomic } from '../report/files.js';
import { aggregate, type Aggregate } from './aggregate.js';
import { judge, type Judgement } from './choose.js';
import { JOURNAL_FORMAT, readJournal, runLine, RUNS_FILE, type RunRecord, type SweepHeader } from './journal.js';
import { enumeratePoints, runKey } from './plan.js';
import { writeSweepReport } from './report.js';
import { formatShard } from './shard.js';
import { mergeChoice, type SweepFlags } from './spec.js';
import { metricCatalog } from './choice.js';

/** What a merge produced. */
export interface MergeOutcome {
  outDir: string;
  header: SweepHeader;
  runs: number;
  files: string[];
  agg: Aggregate;
  judgement: Judgement;
  /** Shards (I/N) the plan has that none of the inputs covered, e.g. ['3/4']. */
  missingShards: string[];
}

/** Merge the sweep directories `dirs` into `outDir` and write the report there. */
export async function mergeSweeps(dirs: readonly string[], outDir: string, flags: Partial<Pick<SweepFlags, 'objective' | 'constraint' | 'pareto' | 'heatmap'>> = {}): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new InputError('give at least one sweep directory to merge', { file: 'sweep merge' });
  const inputs = dirs.map((dir) => ({ dir, content: readJournal(path.join(dir, RUNS_FILE)) }));
  const headers = inputs.map(({ dir, content }) => lastHeader(dir, content.headers));
  const first = headers[0]!;
  headers.forEach((h, i) => sameSweep(first, h, dirs[0]!, dirs[i]!));
  const choice = mergeChoice(first.choice, { constraint: [], heatmap: [], ...flags }, first.plan.axes.map((a) => a.key), metricCatalog(first.scenario.engine));
  const header: SweepHeader = { ...first, format: JOURNAL_FORMAT, choice, shard: null };
  const runs = unite(inputs.map((x) => x.content.runs));
  const sorted = sortRuns(header, runs);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, RUNS_FILE), [header, ...sorted].map(runLine).join('\n') + '\n');
  const agg = aggregate(header.plan, sorted);
  const judgement = judge(agg, choice);
  const files = await writeSweepReport(outDir, { header, agg, judgement, sources: [...dirs] });
  return { outDir, header, runs: sorted.length, files, agg, judgement, missingShards: missingShards(headers) };
}

/** The current header of a directory's journal. */
function lastHeader(dir: string, headers: readonly SweepHeader[]): SweepHeader {
  const h = headers[headers.length - 1];
  if (h === undefined) throw new InputError('runs.jsonl has no sweep header', { file: path.join(dir, RUNS_FILE) });
  return h;
}

/** Refuse to merge different sweeps. */
function sameSweep(a: SweepHeader, b: SweepHeader, dirA: string, dirB: string): void {
  if (a.fingerprint !== b.fingerprint) {
    throw new InputError(`is not the same sweep as ${dirA}: the scenario text, base --set overrides or scalelab version differ`, { file: dirB });
  }
  if (JSON.stringify(a.plan) !== JSON.stringify(b.plan)) {
    throw new InputError(`is not the same sweep as ${dirA}: the swept keys, values, sampling or seeds differ`, { file: dirB });
  }
}

/** The union of run lists, first occurrence of each (point, seed) kept. */
function unite(lists: ReadonlyArray<readonly RunRecord[]>): RunRecord[] {
  const seen = new Map<string, RunRecord>();
  for (const list of lists) for (const r of list) if (!seen.has(runKey(r.point, r.seed))) seen.set(runKey(r.point, r.seed), r);
  return [...seen.values()];
}

/** Runs by point order, then replication; runs of points outside the plan last, by key. */
function sortRuns(header: SweepHeader, runs: readonly RunRecord[]): RunRecord[] {
  const order = new Map(enumeratePoints(header.plan).map((p) => [p.id, p.index]));
  const rank = (r: RunRecord) => order.get(r.point) ?? Number.MAX_SAFE_INTEGER;
  return [...runs].sort((a, b) => rank(a) - rank(b) || a.replication - b.replication || a.seed - b.seed || (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
}

/** The shards of a sharded plan that no input header names. */
function missingShards(headers: readonly SweepHeader[]): string[] {
  const sharded = headers.filter((h) => h.shard !== null);
  if (sharded.length === 0 || sharded.length < headers.length) return [];
  const count = sharded[0]!.shard!.count;
  const have = new Set(sharded.filter((h) => h.shard!.count === count).map((h) => h.shard!.index));
  const missing: string[] = [];
  for (let i = 1; i <= count; i++) if (!have.has(i)) missing.push(formatShard({ index: i, count }));
  return missing;
}
