/**
 * Load sources for a scenario's workloads, and one shared demand vector.
 *
 * All synthetic workloads share one `SyntheticSource`; each distinct trace file (with distinct
 * replay options) gets one `TraceSource` reading every series needed from it in a single pass.
 * Each workload gets a slot in one `Float64Array` of `width` entries that `sampleAll` fills.
 *
 * @example
 * const { sources, slotOf, width } = buildLoadSources(scenario.seed, scenario.workloads);
 * const demand = new Float64Array(width);
 * sampleAll(sources, now, demand);
 * demand[slotOf.get('web')!] // cores demanded by workload "web" from now until the next round
 */
import type { LoadSpec, SyntheticLoadSpec, TraceLoadSpec } from '../scenario/types.js';
import type { Micros } from '../kernel/time.js';
import type { LoadSource } from './source.js';
import { SyntheticSource } from './synthetic.js';
import { TraceSource, type TraceReplayOptions, type TraceSeriesSelector } from './trace.js';

export type { LoadSource } from './source.js';
export { SyntheticSource } from './synthetic.js';
export { TraceSource, type TraceReplayOptions, type TraceSeriesSelector } from './trace.js';

/**
 * Replay fields a trace load spec may carry beyond `TraceLoadSpec` (read when present, so the
 * scenario types can grow them without a change here): time shift, speed-up, loop, and a
 * pattern or list of series summed into the workload's demand instead of `series`.
 */
export interface TraceReplayFields {
  /** Simulated µs before trace time 0 (negative: start partway in). */
  shift?: Micros;
  speedup?: number;
  loop?: boolean;
  /** Glob over series names; the workload's demand is the sum of the matching series. */
  pattern?: string;
  /** Series summed into the workload's demand. */
  sum?: string[];
}

export interface WorkloadLoad {
  name: string;
  load: LoadSpec;
}

export interface LoadSet {
  sources: LoadSource[];
  /** Workload name → index into the demand vector. */
  slotOf: Map<string, number>;
  /** Length of the demand vector. */
  width: number;
}

/** Build the load sources of `workloads` (see the module comment). */
export function buildLoadSources(seed: number, workloads: WorkloadLoad[]): LoadSet {
  const synthetic: Array<{ name: string; spec: SyntheticLoadSpec }> = [];
  const traces = new Map<string, { file: string; options: TraceReplayOptions; selectors: TraceSeriesSelector[]; workloads: string[] }>();
  for (const workload of workloads) {
    if (workload.load.kind === 'synthetic') {
      synthetic.push({ name: workload.name, spec: workload.load.synthetic });
      continue;
    }
    const spec = workload.load.trace as TraceLoadSpec & TraceReplayFields;
    const options = replayOptionsOf(spec);
    const key = JSON.stringify([spec.file, options]);
    let group = traces.get(key);
    if (!group) {
      group = { file: spec.file, options, selectors: [], workloads: [] };
      traces.set(key, group);
    }
    group.selectors.push(selectorOf(workload.name, spec));
    group.workloads.push(workload.name);
  }

  const sources: LoadSource[] = [];
  const slotOf = new Map<string, number>();
  let width = 0;
  try {
    if (synthetic.length > 0) {
      sources.push(new SyntheticSource(seed, synthetic));
      for (const s of synthetic) slotOf.set(s.name, width++);
    }
    for (const group of traces.values()) {
      sources.push(new TraceSource(group.file, group.selectors, group.options));
      for (const name of group.workloads) slotOf.set(name, width++);
    }
  } catch (error) {
    for (const source of sources) source.close();
    throw error;
  }
  return { sources, slotOf, width };
}

/**
 * Fill `out` with the demand of every source's series at `t`, sources laid out one after the
 * other in the order `buildLoadSources` returned them.
 */
export function sampleAll(sources: readonly LoadSource[], t: Micros, out: Float64Array): void {
  let offset = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    source.sample(t, out, offset);
    offset += source.names.length;
  }
}

/** Close every source. */
export function closeAll(sources: readonly LoadSource[]): void {
  for (const source of sources) source.close();
}

function replayOptionsOf(spec: TraceReplayFields): TraceReplayOptions {
  const options: TraceReplayOptions = {};
  if (spec.shift !== undefined && spec.shift !== 0) options.shift_s = spec.shift / 1_000_000;
  if (spec.speedup !== undefined && spec.speedup !== 1) options.speedup = spec.speedup;
  if (spec.loop) options.loop = true;
  return options;
}

function selectorOf(workload: string, spec: TraceLoadSpec & TraceReplayFields): TraceSeriesSelector {
  const scale = spec.scale ?? 1;
  if (spec.pattern !== undefined) return { pattern: spec.pattern, scale, name: workload };
  if (spec.sum !== undefined) return { sum: spec.sum, scale, name: workload };
  return { series: spec.series ?? workload, scale, name: workload };
}
