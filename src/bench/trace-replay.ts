/**
 * Streaming proof and speed of trace replay (issue 4 item 7, issue 13 item 6): generate a
 * canonical trace of about 1 GiB in a temporary directory, then, alternately and `repeat` times
 * each in this one process, replay it through `TraceSource` the way the simulator does (every
 * series, one `sample` per 10 s round) and run the bare line-splitting loop over the same file
 * (`bareLineLoop`); delete it and report the medians, their ratio (target replay / bare ≤ 2),
 * rows/s and the peak resident memory seen while replaying (target: under 200 MB, i.e. memory
 * independent of the file's length).
 *
 * @example
 * const result = await benchTraceReplay({ bytes: 64 * 2 ** 20 });
 * console.log(`${(result.seconds / result.bareSeconds).toFixed(2)}× the bare loop, peak RSS ${result.peakRssMB.toFixed(0)} MB`);
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from 'simple-statistics';
import { DEFAULT_CHUNK_BYTES } from '../load/lines.js';
import { TraceSource } from '../load/trace.js';
import { formatPreamble } from '../traces/writer.js';

export interface TraceReplayBenchOptions {
  /** Size of the generated trace; default 1 GiB. */
  bytes?: number;
  /** Number of series; default 1,000. */
  series?: number;
  /** Replays and bare loops, alternating (medians are reported); default 3, at least 1. */
  repeat?: number;
  /** Where to put the file (default: a fresh directory under the OS temp dir, removed afterwards). */
  dir?: string;
  /** Progress messages (e.g. to stderr). */
  log?: (message: string) => void;
}

export interface TraceReplayBenchResult {
  rows: number;
  /** Replay wall time (generation excluded), median of the repeats. */
  seconds: number;
  rowsPerSecond: number;
  /** Highest resident set size sampled during the replays, MB. */
  peakRssMB: number;
  /** Size of the generated file, bytes. */
  bytes: number;
  /** Time spent writing the file, seconds. */
  generateSeconds: number;
  /** The floor measured on the same file, alternating with the replays: the bare loop, median seconds. */
  bareSeconds: number;
  /** Every replay and bare-loop wall time, in the order run (replay k ran just before bare k). */
  replayRuns: number[];
  bareRuns: number[];
  /**
   * The same runs' CPU time (user + system) of this process: less disturbed than wall time when
   * other work shares the machine.
   */
  replayCpuRuns: number[];
  bareCpuRuns: number[];
}

const ROUND_US = 10_000_000;

export async function benchTraceReplay(opts: TraceReplayBenchOptions = {}): Promise<TraceReplayBenchResult> {
  const bytes = opts.bytes ?? 2 ** 30;
  const seriesCount = opts.series ?? 1000;
  const repeat = Math.max(1, Math.floor(opts.repeat ?? 3));
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
    const names = Array.from({ length: seriesCount }, (_, i) => seriesName(i));
    const replayRuns: number[] = [];
    const bareRuns: number[] = [];
    const replayCpuRuns: number[] = [];
    const bareCpuRuns: number[] = [];
    let peakRss = process.memoryUsage.rss();
    for (let run = 0; run < repeat; run++) {
      (globalThis as { gc?: () => void }).gc?.();
      let cpu = cpuSeconds();
      const replay = replayOnce(file, names, generated.rounds);
      replayCpuRuns.push(cpuSeconds() - cpu);
      replayRuns.push(replay.seconds);
      peakRss = Math.max(peakRss, replay.peakRss);
      (globalThis as { gc?: () => void }).gc?.();
      cpu = cpuSeconds();
      const bare = bareLineLoop(file);
      bareCpuRuns.push(cpuSeconds() - cpu);
      if (bare.lines < generated.rows) throw new Error(`bare loop saw ${bare.lines} lines, fewer than ${generated.rows} rows`);
      bareRuns.push(bare.seconds);
      log(
        `trace-replay: run ${run + 1}/${repeat}: replay ${replay.seconds.toFixed(3)} s (CPU ${replayCpuRuns[run]!.toFixed(3)} s), ` +
          `bare loop ${bare.seconds.toFixed(3)} s (CPU ${bareCpuRuns[run]!.toFixed(3)} s)`,
      );
    }
    const seconds = median(replayRuns);
    const result = {
      rows: generated.rows,
      seconds,
      rowsPerSecond: generated.rows / seconds,
      peakRssMB: peakRss / 2 ** 20,
      bytes: generated.bytes,
      generateSeconds,
      bareSeconds: median(bareRuns),
      replayRuns,
      bareRuns,
      replayCpuRuns,
      bareCpuRuns,
    };
    log(
      `trace-replay: ${result.rows} rows, median replay ${seconds.toFixed(3)} s = ${(result.rowsPerSecond / 1e6).toFixed(2)} M rows/s, ` +
        `bare loop ${result.bareSeconds.toFixed(3)} s, replay / bare ${(seconds / result.bareSeconds).toFixed(2)}× ` +
        `(CPU time ${(median(replayCpuRuns) / median(bareCpuRuns)).toFixed(2)}×), peak RSS ${result.peakRssMB.toFixed(0)} MB`,
    );
    return result;
  } finally {
    fs.rmSync(file, { force: true });
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time (user + system) this process has used, seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Replay the whole file through `TraceSource`, every series, one `sample` per 10 s round — what
 * the simulator does: read, split, parse time and cores, tell the series apart, hold the values.
 */
function replayOnce(file: string, names: string[], rounds: number): { seconds: number; peakRss: number } {
  let peakRss = process.memoryUsage.rss();
  const start = performance.now();
  const source = new TraceSource(file, names);
  const out = new Float64Array(names.length);
  let checksum = 0;
  for (let round = 0; round <= rounds; round++) {
    source.sample(round * ROUND_US, out, 0);
    checksum += out[round % names.length]!;
    if ((round & 255) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  source.close();
  const seconds = (performance.now() - start) / 1000;
  if (!(checksum >= 0)) throw new Error('replay gave no demand');
  return { seconds, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
}

/**
 * The floor for replay: the same file read with the same synchronous `readSync` calls into a
 * buffer of the same size (`DEFAULT_CHUNK_BYTES`, what `LineReader` uses), the incomplete last
 * line carried to the next read as the reader does, and every line split in place: one pass over
 * its bytes finding the first comma, the second comma and the newline. Nothing is decoded,
 * parsed, compared or kept (a checksum of the second commas' offsets keeps the work from being
 * optimised away). Byte loops rather than `Buffer.indexOf`: a call per field costs more than
 * looking at ~38 bytes, so this is the faster way to split. What the reader cannot do without.
 */
export function bareLineLoop(file: string): { seconds: number; lines: number; checksum: number } {
  const start = performance.now();
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(DEFAULT_CHUNK_BYTES);
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
      let i = 0;
      while (i < end) {
        const lineStart = i;
        let c = buffer[i]!;
        while (c !== 44 && c !== 10) c = buffer[++i]!; // first comma (or the newline)
        if (c === 44) {
          c = buffer[++i]!;
          while (c !== 44 && c !== 10) c = buffer[++i]!; // second comma
          if (c === 44) {
            checksum = (checksum + i - lineStart) | 0;
            while (buffer[i] !== 10) i++; // the newline
          }
        }
        lines++;
        i++;
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
