/**
 * Streaming proof (issue 4, item 7): generate a canonical trace of about 1 GB in a temporary
 * directory, replay it through `TraceSource` the way the simulator does (every series, one
 * `sample` per 10 s round), delete it, and report rows, time, rows/s and the peak resident memory
 * seen while replaying (target: under 200 MB, i.e. memory independent of the file's length).
 *
 * @example
 * const result = await benchTraceReplay({ bytes: 64 * 2 ** 20 });
 * console.log(`${result.rowsPerSecond.toFixed(0)} rows/s, peak RSS ${result.peakRssMB.toFixed(0)} MB`);
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TraceSource } from '../load/trace.js';
import { formatPreamble } from '../traces/writer.js';

export interface TraceReplayBenchOptions {
  /** Size of the generated trace; default 1 GiB. */
  bytes?: number;
  /** Number of series; default 1,000. */
  series?: number;
  /** Where to put the file (default: a fresh directory under the OS temp dir, removed afterwards). */
  dir?: string;
  /** Progress messages (e.g. to stderr). */
  log?: (message: string) => void;
}

export interface TraceReplayBenchResult {
  rows: number;
  /** Replay wall time (generation excluded). */
  seconds: number;
  rowsPerSecond: number;
  /** Highest resident set size sampled during the replay, MB. */
  peakRssMB: number;
  /** Size of the generated file, bytes. */
  bytes: number;
  /** Time spent writing the file, seconds. */
  generateSeconds: number;
  /** The floor measured on the same file right after: a bare line-splitting loop, seconds. */
  bareSeconds: number;
}

const ROUND_US = 10_000_000;

export async function benchTraceReplay(opts: TraceReplayBenchOptions = {}): Promise<TraceReplayBenchResult> {
  const bytes = opts.bytes ?? 2 ** 30;
  const seriesCount = opts.series ?? 1000;
  const log = opts.log ?? (() => {});
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bench-'));
  const file = path.join(dir, 'replay-bench.csv');
  try {
    const generateStart = performance.now();
    const generated = generateTrace(file, bytes, seriesCount);
    const generateSeconds = (performance.now() - generateStart) / 1000;
    log(`trace-replay: wrote ${(generated.bytes / 2 ** 20).toFixed(0)} MiB, ${generated.rows} rows in ${generateSeconds.toFixed(1)} s`);
    await new Promise((resolve) => setImmediate(resolve));
    (globalThis as { gc?: () => void }).gc?.();

    const names = Array.from({ length: seriesCount }, (_, i) => seriesName(i));
    const source = new TraceSource(file, names);
    const out = new Float64Array(seriesCount);
    let peakRss = process.memoryUsage.rss();
    const start = performance.now();
    for (let round = 0; round <= generated.rounds; round++) {
      source.sample(round * ROUND_US, out, 0);
      if ((round & 255) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    const seconds = (performance.now() - start) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    source.close();
    (globalThis as { gc?: () => void }).gc?.();
    const bare = bareLineLoop(file);
    if (bare.lines < generated.rows) throw new Error(`bare loop saw ${bare.lines} lines, fewer than ${generated.rows} rows`);
    const result = {
      rows: generated.rows,
      seconds,
      rowsPerSecond: generated.rows / seconds,
      peakRssMB: peakRss / 2 ** 20,
      bytes: generated.bytes,
      generateSeconds,
      bareSeconds: bare.seconds,
    };
    log(`trace-replay: ${result.rows} rows in ${seconds.toFixed(2)} s = ${(result.rowsPerSecond / 1e6).toFixed(2)} M rows/s, peak RSS ${result.peakRssMB.toFixed(0)} MB`);
    return result;
  } finally {
    fs.rmSync(file, { force: true });
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The floor for replay: the same file read in the same 64 KiB chunks, decoded, and split into
 * lines and at the first two commas — nothing parsed, nothing kept. What reading the bytes costs.
 */
export function bareLineLoop(file: string): { seconds: number; lines: number; checksum: number } {
  const start = performance.now();
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let carried = 0;
  let position = 0;
  let lines = 0;
  let checksum = 0;
  try {
    for (;;) {
      const got = fs.readSync(fd, buffer, carried, buffer.length - carried, position);
      position += got;
      const filled = carried + got;
      if (got === 0) break;
      const end = buffer.lastIndexOf(10, filled - 1) + 1;
      const text = buffer.toString('utf8', 0, end);
      for (let at = 0; at < text.length; ) {
        let nl = text.indexOf('\n', at);
        if (nl < 0) nl = text.length;
        const c1 = text.indexOf(',', at);
        const c2 = c1 < 0 || c1 > nl ? -1 : text.indexOf(',', c1 + 1);
        checksum = (checksum + (c2 < 0 ? 0 : c2 - at)) | 0;
        lines++;
        at = nl + 1;
      }
      buffer.copyWithin(0, end, filled);
      carried = filled - end;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { seconds: (performance.now() - start) / 1000, lines, checksum };
}

function seriesName(i: number): string {
  return `tenant-${(i % 37).toString().padStart(2, '0')}:service-${i.toString().padStart(4, '0')}`;
}

/**
 * Write rounds of one row per series (10 s apart) until `bytes` is reached, in 4 MiB chunks.
 * Values are a cheap deterministic wave, written with six decimals like an importer does.
 */
function generateTrace(file: string, bytes: number, seriesCount: number): { rows: number; rounds: number; bytes: number } {
  const fd = fs.openSync(file, 'w');
  const names = Array.from({ length: seriesCount }, (_, i) => seriesName(i));
  let written = 0;
  let rows = 0;
  let round = 0;
  try {
    const preamble = formatPreamble({ source: 'scalelab bench (generated)', interval: '10s', memory: false });
    written += fs.writeSync(fd, preamble);
    let chunk: string[] = [];
    let chunkBytes = 0;
    while (written + chunkBytes < bytes) {
      const time = String(round * 10);
      for (let i = 0; i < seriesCount; i++) {
        const cores = (0.5 + 0.4 * Math.sin(round * 0.01 + i)).toFixed(6);
        const line = `${time},${names[i]},${cores}\n`;
        chunk.push(line);
        chunkBytes += line.length;
      }
      rows += seriesCount;
      round++;
      if (chunkBytes >= 4 * 2 ** 20) {
        written += fs.writeSync(fd, chunk.join(''));
        chunk = [];
        chunkBytes = 0;
      }
    }
    if (chunk.length > 0) written += fs.writeSync(fd, chunk.join(''));
  } finally {
    fs.closeSync(fd);
  }
  return { rows, rounds: round, bytes: written };
}
