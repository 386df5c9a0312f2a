/**
 * Scrapes of Incus `GET /1.0/metrics` (OpenMetrics text; LXD's use the `lxd_` prefix),
 * concatenated in one file, each ending with `# EOF`:
 *
 * ```
 * # scrape_time: 2026-06-01T10:00:10Z
 * # TYPE incus_cpu_seconds_total counter
 * incus_cpu_seconds_total{cpu="0",mode="user",name="web1",project="default",type="virtual-machine"} 12.5
 * incus_cpu_seconds_total{cpu="0",mode="idle",name="web1",project="default",type="virtual-machine"} 80
 * incus_memory_MemTotal_bytes{name="web1",project="default",type="virtual-machine"} 1073741824
 * incus_memory_MemAvailable_bytes{name="web1",project="default",type="virtual-machine"} 805306368
 * # EOF
 * ```
 *
 * Scrape time: a `# scrape_time: T` (or `# time: T`) line before the scrape (RFC 3339 or Unix
 * seconds), else the timestamp of the scrape's first CPU sample (OpenMetrics seconds; values
 * above 10¹¹ taken as Prometheus milliseconds), else scrapes are `--interval` apart (default 10 s,
 * with a warning).
 *
 * Per instance (`name` label; series `project/name` outside `default`) and scrape: CPU seconds =
 * `incus_cpu_seconds_total` summed over CPUs and every mode but `idle`; cores = its change over
 * time (counters.ts). OpenMetrics counters reset (to 0) when the instance restarts, so a counter
 * that goes down is a reset, as in Prometheus — counted, not refused. Memory =
 * `MemTotal − MemAvailable` bytes, or `MemTotal − MemFree − Cached − Buffers` without MemAvailable.
 * Other metric families are skipped; a malformed line of the families used is refused.
 */
import { InputError } from '../../scenario/errors.js';
import { displayName, ImportLines } from './input.js';
import { parseDecimal } from '../../load/trace-format.js';
import type { Micros } from '../../kernel/time.js';
import { CounterToCores } from './counters.js';
import { parseTimestamp } from './timestamps.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const openmetrics: Importer = {
  format: 'openmetrics',
  summary: 'Incus/LXD /1.0/metrics scrapes (OpenMetrics text, "# EOF" after each)',
  absoluteTime: true,
  memory: true,
  read: readScrapes,
};

const DEFAULT_SCRAPE_INTERVAL: Micros = 10_000_000;
const FAMILY = /^(incus|lxd)_(cpu_seconds_total|memory_(MemTotal|MemFree|MemAvailable|Cached|Buffers)_bytes)[{\s]/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*$/;
const TIME_COMMENT = /^#\s*(?:scrape_time|time)\s*:\s*(.+?)\s*$/i;

/** What one scrape says about one instance. */
interface InstanceScrape {
  cpuSeconds: number;
  memTotal: number;
  memFree: number;
  memAvailable: number;
  cached: number;
  buffers: number;
  line: number;
}

function* readScrapes(input: string, options: ImportOptions, warnings: ImportWarnings): Generator<ImportedRow> {
  const file = displayName(input);
  const counters = new CounterToCores(file, warnings, options.maxGap);
  const interval = options.interval ?? DEFAULT_SCRAPE_INTERVAL;
  const lines = new ImportLines(input, options.readBytes);
  let scrape = new Map<string, InstanceScrape>();
  let scrapeTime = NaN;
  let scrapes = 0;
  let untimed = 0;

  const endScrape = function* (): Generator<ImportedRow> {
    if (scrape.size === 0) {
      scrapeTime = NaN;
      return;
    }
    let time = scrapeTime;
    if (Number.isNaN(time)) {
      time = scrapes * interval;
      untimed++;
    }
    for (const [series, seen] of scrape) {
      if (options.series && !options.series.includes(series)) continue;
      counters.observe({ time, series, cpuSeconds: seen.cpuSeconds, memory: memoryOf(seen), restart: null, line: seen.line });
    }
    scrapes++;
    scrape = new Map();
    scrapeTime = NaN;
    yield* counters.drain();
  };

  try {
    for (let line = lines.next(); line !== null; line = lines.next()) {
      const where = { file, line: lines.lineNumber };
      if (line.startsWith('#')) {
        const timeComment = TIME_COMMENT.exec(line);
        if (timeComment) {
          yield* endScrape();
          scrapeTime = parseTimestamp(timeComment[1]);
          if (Number.isNaN(scrapeTime)) throw new InputError(`cannot read the scrape time "${timeComment[1]}"`, where);
        } else if (/^#\s*EOF\s*$/.test(line)) {
          yield* endScrape();
        }
        continue;
      }
      if (line.trim() === '' || !FAMILY.test(line)) continue;
      const sample = parseSample(line, where);
      const name = sample.labels.get('name');
      if (name === undefined) continue; // a host-level series
      const project = sample.labels.get('project') ?? 'default';
      const series = project === 'default' ? name : `${project}/${name}`;
      if (Number.isNaN(scrapeTime) && !Number.isNaN(sample.timestamp)) scrapeTime = sample.timestamp;
      let seen = scrape.get(series);
      if (!seen) {
        seen = { cpuSeconds: 0, memTotal: NaN, memFree: NaN, memAvailable: NaN, cached: NaN, buffers: NaN, line: where.line };
        scrape.set(series, seen);
      }
      record(seen, sample);
    }
    yield* endScrape();
    if (scrapes === 0) throw new InputError('no incus_cpu_seconds_total samples with a "name" label', { file, line: Math.max(1, lines.lineNumber) });
    if (untimed > 0) warnings.add(`scrapes without a time, taken ${interval / 1_000_000} s apart`, file);
    yield* counters.finish();
  } finally {
    lines.close();
  }
}

interface Sample {
  metric: string;
  labels: Map<string, string>;
  value: number;
  /** µs since the epoch, NaN without. */
  timestamp: Micros;
}

function record(seen: InstanceScrape, sample: Sample): void {
  const family = sample.metric.replace(/^(incus|lxd)_/, '');
  switch (family) {
    case 'cpu_seconds_total':
      if (sample.labels.get('mode') !== 'idle') seen.cpuSeconds += sample.value;
      break;
    case 'memory_MemTotal_bytes':
      seen.memTotal = sample.value;
      break;
    case 'memory_MemFree_bytes':
      seen.memFree = sample.value;
      break;
    case 'memory_MemAvailable_bytes':
      seen.memAvailable = sample.value;
      break;
    case 'memory_Cached_bytes':
      seen.cached = sample.value;
      break;
    case 'memory_Buffers_bytes':
      seen.buffers = sample.value;
      break;
  }
}

function memoryOf(seen: InstanceScrape): number {
  if (Number.isNaN(seen.memTotal)) return NaN;
  if (!Number.isNaN(seen.memAvailable)) return Math.max(0, seen.memTotal - seen.memAvailable);
  if (Number.isNaN(seen.memFree)) return NaN;
  const cache = (Number.isNaN(seen.cached) ? 0 : seen.cached) + (Number.isNaN(seen.buffers) ? 0 : seen.buffers);
  return Math.max(0, seen.memTotal - seen.memFree - cache);
}

/**
 * One exposition line: `metric{label="value",…} value [timestamp]`.
 *
 * @example parseSample('x{a="1"} 2 3', where).labels.get('a') // '1'
 */
export function parseSample(line: string, where: { file: string; line: number }): Sample {
  const match = SAMPLE.exec(line);
  if (!match) throw new InputError(`malformed OpenMetrics sample "${line.slice(0, 80)}"`, where);
  const value = parseDecimal(match[3]!, 0, match[3]!.length);
  if (Number.isNaN(value) || value < 0) throw new InputError(`sample value "${match[3]}" is not a number ≥ 0`, where);
  let timestamp = NaN;
  if (match[4] !== undefined) {
    const stamp = parseDecimal(match[4], 0, match[4].length);
    if (Number.isNaN(stamp)) throw new InputError(`sample timestamp "${match[4]}" is not a number`, where);
    timestamp = Math.round(stamp > 1e11 ? stamp * 1_000 : stamp * 1_000_000);
  }
  return { metric: match[1]!, labels: parseLabels(match[2] ?? '', where), value, timestamp };
}

/** `a="1",b="x\"y"` → Map; escapes `\\`, `\"`, `\n`. */
function parseLabels(text: string, where: { file: string; line: number }): Map<string, string> {
  const labels = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') throw new InputError(`malformed labels "{${text.slice(0, 80)}}"`, where);
    const key = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        value += text[j] === 'n' ? '\n' : (text[j] ?? '');
      } else {
        value += text[j];
      }
    }
    if (j >= text.length) throw new InputError(`unterminated label value in "{${text.slice(0, 80)}}"`, where);
    labels.set(key, value);
    i = j + 1;
    if (text[i] === ',') i++;
    while (text[i] === ' ') i++;
  }
  return labels;
}
