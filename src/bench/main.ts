/**
 * `npm run bench`: scalelab's speed and memory figures, each beside a baseline measured in the
 * same run. Every case runs in a child process of its own so its peak RSS is its own.
 *
 * Cases:
 *  - pb1-10s: PB1 cut to 10 simulated seconds as a whole `scalelab run` process (default
 *    outputs: summary.json with 1,000 groups' sets, the printed lines), each run alternating
 *    with a bare `node -e 0` whose median is printed beside it, at least 5 of each (target:
 *    ≤ 0.3 s on a quiet machine; on a shared one read the ratio to the bare node). What it
 *    measures is start-up, scenario loading (the quick check, not the full validator),
 *    setting up 1,000 groups on 64 hosts and writing summary.json.
 *  - pb1: PB1 from BENCHMARKS.md (scenarios/bench-pb1.yaml), the full model.
 *  - pb1-premove: PB1 on this build beside PB1 on the build from before Albatross moved onto the
 *    replica world (commit 738fa98; exported with `git archive` into a temp folder, this
 *    checkout's node_modules symlinked, built with tsc, kept for later runs), both timed by one
 *    runner, alternating old/new `--repeat` times each; prints the medians and the ratio new / old
 *    of CPU and wall time (target ≤ 1.05). Skipped, with the reason, without git history (premove.ts).
 *  - pb1-bare-heap: the baseline — the same number of events as PB1 has stats records, pushed
 *    and popped through the kernel's heap with one entry per instance and no model at all.
 *  - pb1-2d: PB1 over two simulated days, to show memory stays flat as duration doubles.
 *  - pb1-memory-1d, pb1-memory-30d: PB1 over 1 and 30 simulated days, whole CLI processes under
 *    --max-old-space-size=32, and the peak-RSS ratio 30 d / 1 d (target ≤ 1.1). Run once each;
 *    the 30-day one is 30 PB1-days of work (see memory.ts for why it is not shortened).
 *  - pb1-10k-groups, pb1-100k-groups: PB1 with 10,000 groups on 640 hosts for 6 simulated hours
 *    (2,160 rounds, ≈ 26 M stats records) and 100,000 groups on 6,400 hosts for 30 minutes (180
 *    rounds, ≈ 22 M records; run once): the cost per stats record and its ratio to PB1's from the
 *    same run (target ≤ 1.3×: linear in groups). Beside pb1 they run in rounds with it, each with
 *    its set-up, and each ratio is the median of the rounds' ratios (see RecordRounds).
 *  - default-1000: the bundled default scenario scaled to 1,000 groups for a day.
 *  - trace-replay-1g: a generated 1 GiB canonical trace streamed through the trace reader
 *    (rows/s; peak RSS must stay under 200 MB whatever the file's length) beside a bare byte loop over
 *    the same file; the case alternates the two three times itself, so it is run once.
 *  - sweep-1-worker, sweep-2-workers: `scalelab sweep` of 200 points × 3 seeds on the default
 *    scenario with 1 and 2 worker threads, and the speed-up (target ≥ 1.8× on 2 cores). Run once.
 *  - sweep-1-process, sweep-2-processes: the machine's ceiling for that speed-up — the same 600
 *    runs in one plain process, then split over two at once (no pool). Run once.
 *  - pb1-process, pb1-c-floor, pb1-simpy: PB1 as whole processes measured alike (GNU time): scalelab's
 *    CLI, the plain C floor (bench/peers/pb1.c) and SimPy 2.3 with one process per instance
 *    (bench/peers/pb1_simpy.py), with the ratios the targets are about (≥ 25× faster than SimPy,
 *    ≤ 2× the C floor, ≤ 100 MB). A peer that cannot be had is reported skipped.
 *    scalelab's run, the floors and SimPy run in turn, round by round, and their ratios are the
 *    medians of the rounds' ratios (this VM switches between two speeds). SimPy's run (20–35 s
 *    here) spans changes of speed, so its ratio to scalelab is printed for each round too; with
 *    --repeat 5 it costs some two minutes.
 *  - pb1-js-floor: the C floor line for line in plain Node (bench/peers/pb1.mjs), whole process: with
 *    it the gap to C splits into the language's part (JS floor / C) and the simulator's (scalelab / JS).
 *  - pb1-js-floor-xorshift: the same with xorshift128 on 32-bit integers for Alea, as fast a
 *    uniform generator as JavaScript runs: the language's floor with the generator out of the question.
 *  - pb1-js-floor-scalelab: the JS floor with Alea and scalelab's own, cheaper arithmetic for the same
 *    model (the wave from one sin and one cos a round by the angle-sum identity, where the C floor
 *    calls sin per group; Gaussians by inversion from a table, where it uses the polar method): the
 *    same work computed as scalelab computes it, bare: what the targets leave the simulator.
 *  - pb1-js-accounted: that bare loop plus what scalelab accounts a group and round (each group's
 *    own random stream, each instance's CPU counter read as basis points, the ticks outside the
 *    cooldown, the metrics row advanced and stored), fused in one pass over typed arrays with
 *    nothing of a simulator: how near the C floor any Node program doing scalelab's work can come,
 *    and how much of scalelab's time is its structure (scalelab / accounted).
 *  - pb1-c-accounted: the same accounted work in C, line for line (bench/peers/pb1.c accounted): the
 *    floor of what scalelab reports, so the like-for-like ratios split into the language's part
 *    (JS accounted / C accounted) and scalelab's structure (scalelab / JS accounted).
 *  - pb1-wasm-accounted: pb1.c's accounted work compiled to WebAssembly by clang (no C library)
 *    and run in Node (bench/peers/pb1-wasm.mjs), whole process: what the work costs a Node process
 *    once the hot loop leaves JavaScript, and what ≤ 2× C would then leave for the rest of scalelab.
 *    Skipped, with the reason, without clang and lld (installed with apt-get when root).
 *  - pb1-c-accounted-10k, pb1-c-accounted-100k: the C accounted work at 10,000 groups for 6 h and
 *    100,000 groups for 30 min (the sizes of pb1-10k-groups and pb1-100k-groups): a record's cost
 *    against its 1,000-group day, the machine's own floor for the ≤ 1.3× of linearity in groups.
 *  - incus-cluster: Incus rebalancing on 100 members and 5,000 VMs for a simulated week, the
 *    rebalancer every minute (scenarios/bench-incus.yaml); events = VM demand samples + member
 *    load-average samples. incus-cluster-bare-heap: the same events through the bare heap.
 *  - neon-cluster: Neon vertical autoscaling on 50 nodes and 2,000 VMs for a simulated day
 *    (scenarios/bench-neon.yaml); events = agent metric samples (≈ 35 M). neon-cluster-bare-heap:
 *    the same events through the bare heap, each doing a sample's arithmetic floor (load
 *    averages, goal; case.ts `neonBaseline`), the bare heap alone in its detail (targets: ≤ 2×
 *    the baseline, ≤ 300 MB); the two alternate, run by run, and their CPU-time ratio is printed too.
 *  - kraftcloud-100: Unikraft Cloud, 100 request-driven services for a simulated hour with the
 *    decision loop every 10 ms (scenarios/bench-kraftcloud.yaml): 36 M engine decisions, each
 *    an observation of the service and a call of the pure core; reported as decisions per second
 *    beside PB1's stats records per second in the same run (target: within 2×).
 *
 * Usage: node dist/bench/main.js [case …] [--repeat N] [--help]   (medians over N repeats, default 3;
 * --help lists the cases with what each measures, from src/bench/args.ts)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import { measureProcess, runCPeer, runJsPeer, runScalelabPb1, runSimpyPeer, runWasmPeer, type PeerOutcome } from './peers.js';
import { benchArgs } from './args.js';
import { runPb1Days } from './memory.js';
import { PREMOVE_COMMIT, premoveLines, runPremove } from './premove.js';
import { leastDisturbedRatio, pairedRatio, marginalNsPerRecord, nsPerRecord } from './ratios.js';

export interface CaseResult {
  name: string;
  wallSeconds: number;
  events: number;
  eventsPerSecond: number;
  peakRssMB: number;
  detail: string;
  /** Process CPU time (user + system) over the same span, where a case measures it: steadier than wall time on a shared machine. */
  cpuSeconds?: number;
  /** The case could not run here (a missing piece): why; it has no figures. */
  skipped?: string;
}

/**
 * The whole-process PB1 cases run round by round, one run of each in turn, and their ratios taken
 * round by round (`pairedRatio`): this VM switches between two speeds every few seconds to
 * minutes, and a round's runs see one of them.
 */
const ROUND_ROBIN: readonly string[] = ['pb1-process', 'pb1-c-floor', 'pb1-js-floor', 'pb1-js-floor-xorshift', 'pb1-js-floor-scalelab', 'pb1-js-accounted', 'pb1-c-accounted', 'pb1-wasm-accounted', 'pb1-c-accounted-10k', 'pb1-c-accounted-100k', 'pb1-simpy'];

/** Model cases run alternately with their `-bare-heap` baseline when it follows them. */
const ALTERNATED = new Set(['neon-cluster']);

const CASES = ['startup', 'startup-bare-node', 'pb1-10s', 'pb1-process', 'pb1-c-floor', 'pb1-js-floor', 'pb1-js-floor-xorshift', 'pb1-js-floor-scalelab', 'pb1-js-accounted', 'pb1-c-accounted', 'pb1-wasm-accounted', 'pb1-c-accounted-10k', 'pb1-c-accounted-100k', 'pb1-simpy', 'pb1', 'pb1-premove', 'pb1-bare-heap', 'pb1-2d', 'pb1-10k-groups', 'pb1-10k-like', 'pb1-100k-groups', 'pb1-100k-like', 'pb1-memory-1d', 'pb1-memory-30d', 'default-1000', 'default-1000-bare-heap', 'trace-replay-1g', 'incus-cluster', 'incus-cluster-bare-heap', 'neon-cluster', 'neon-cluster-bare-heap', 'kraftcloud-100', 'sweep-1-worker', 'sweep-2-workers', 'sweep-1-process', 'sweep-2-processes', 'external-echo', 'pb1-module', 'pb1-external', 'pb1-external-full'] as const;

/** `scalelab --version` as a whole process, or a bare `node -e 0` beside it (the floor of any start). */
function runStartupCase(name: string): CaseResult {
  const argv = name === 'startup' ? [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url)), '--version'] : [process.execPath, '-e', '0'];
  const { wallSeconds, peakRssMB } = measureProcess(argv);
  return { name, wallSeconds, events: 1, eventsPerSecond: 1 / wallSeconds, peakRssMB: peakRssMB ?? NaN, detail: name === 'startup' ? 'scalelab --version, whole process (target ≤ 0.15 s, ≤ 50 MB)' : 'node -e 0: what any Node process costs to start' };
}

/**
 * PB1 for 10 simulated seconds as a whole `scalelab run` process (defaults: summary.json and the
 * printed lines; no --quiet), each run right after a bare `node -e 0`, so the two are measured
 * alternately under the same load: the run's start-up, scenario loading, set-up of 1,000 groups
 * and 64 hosts, one stats round and summary writing against the floor of any Node process.
 * The bare node's median goes into the detail (target: the run ≤ 0.3 s on a quiet machine).
 */
function runPb1ShortCase(): { run: CaseResult; bare: CaseResult } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-pb1-10s-'));
  try {
    const bare = runStartupCase('startup-bare-node');
    const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
    const scenario = fileURLToPath(new URL('../../scenarios/bench-pb1.yaml', import.meta.url));
    const { wallSeconds, peakRssMB } = measureProcess([process.execPath, cli, 'run', scenario, '--set', 'duration=10s', '--out', path.join(out, 'run')]);
    const run = { name: 'pb1-10s', wallSeconds, events: 1000, eventsPerSecond: 1000 / wallSeconds, peakRssMB: peakRssMB ?? NaN, detail: 'scalelab run scenarios/bench-pb1.yaml --set duration=10s, whole process (target ≤ 0.3 s)' };
    return { run, bare };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The whole-process cases of PB1 and its peers: how each runs, and what it is (the detail column). */
const PEER_CASES: Readonly<Record<string, { run: () => PeerOutcome; what: string }>> = {
  'pb1-process': { run: () => ({ ok: true, figures: runScalelabPb1() }), what: 'scalelab run scenarios/bench-pb1.yaml, whole process' },
  'pb1-c-floor': { run: () => runCPeer(), what: 'bench/peers/pb1.c (cc -O2), whole process' },
  'pb1-c-accounted': { run: () => runCPeer('accounted'), what: 'bench/peers/pb1.c accounted (cc -O2), whole process' },
  'pb1-c-accounted-10k': { run: () => runCPeer('accounted', 10_000, 21_600), what: 'bench/peers/pb1.c 10000 21600 accounted (cc -O2), 10,000 groups for 6 h, whole process' },
  'pb1-c-accounted-100k': { run: () => runCPeer('accounted', 100_000, 1_800), what: 'bench/peers/pb1.c 100000 1800 accounted (cc -O2), 100,000 groups for 30 min, whole process' },
  'pb1-wasm-accounted': { run: () => runWasmPeer('accounted'), what: 'bench/peers/pb1.c accounted as WebAssembly in Node (bench/peers/pb1-wasm.mjs), whole process' },
  'pb1-js-floor': { run: () => runJsPeer(), what: 'bench/peers/pb1.mjs (plain Node), whole process' },
  'pb1-js-floor-xorshift': { run: () => runJsPeer('xorshift128'), what: 'bench/peers/pb1.mjs xorshift128 (plain Node), whole process' },
  'pb1-js-floor-scalelab': { run: () => runJsPeer('alea', 'scalelab'), what: 'bench/peers/pb1.mjs alea scalelab (plain Node), whole process' },
  'pb1-js-accounted': { run: () => runJsPeer('alea', 'accounted'), what: 'bench/peers/pb1.mjs alea accounted (plain Node), whole process' },
  'pb1-simpy': { run: runSimpyPeer, what: 'bench/peers/pb1_simpy.py (SimPy 2.3), whole process' },
};

/** One of {@link PEER_CASES}; null when the peer was skipped (reason printed). */
function runPeerCase(name: string): CaseResult | null {
  const { run, what } = PEER_CASES[name]!;
  const outcome = run();
  if (!outcome.ok) {
    process.stdout.write(`${name.padEnd(24)} skipped: ${outcome.skipped}\n`);
    return null;
  }
  const { wallSeconds, peakRssMB, stdout } = outcome.figures;
  const work = name === 'pb1-process' ? null : (JSON.parse(stdout.trim().split('\n').pop()!) as { records: number; scale_ups: number; scale_downs: number });
  const events = work?.records ?? 0;
  const detail = work ? `${what}; ${work.records} stats records, ${work.scale_ups} scale-ups, ${work.scale_downs} scale-downs` : `${what}${peakRssMB === null ? '; no GNU time: peak RSS unknown' : ''}`;
  return { name, wallSeconds, events, eventsPerSecond: events / wallSeconds, peakRssMB: peakRssMB ?? NaN, detail };
}

function runCase(name: string, args: string[] = []): CaseResult {
  const script = fileURLToPath(new URL('./case.js', import.meta.url));
  const child = spawnSync(process.execPath, [script, name, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`bench case ${name} failed: ${child.stderr.trim() || child.stdout.trim()}`);
  const last = child.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as CaseResult;
}

/** Medians over the repeats; with several, the wall-time range leads the detail. */
function summarise(runs: CaseResult[]): CaseResult {
  const first = runs[0]!;
  const walls = runs.map((r) => r.wallSeconds);
  const cpus = runs.map((r) => r.cpuSeconds ?? NaN);
  const cpuRange = first.cpuSeconds !== undefined ? `, CPU ${Math.min(...cpus).toFixed(3)}–${Math.max(...cpus).toFixed(3)} s` : '';
  const range = runs.length > 1 ? `wall ${Math.min(...walls).toFixed(3)}–${Math.max(...walls).toFixed(3)} s${cpuRange}; ` : '';
  return {
    name: first.name,
    wallSeconds: median(walls),
    events: first.events,
    eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
    peakRssMB: median(runs.map((r) => r.peakRssMB)),
    detail: `${range}${first.detail}`,
    ...(first.cpuSeconds !== undefined ? { cpuSeconds: median(runs.map((r) => r.cpuSeconds ?? NaN)) } : {}),
  };
}

/**
 * The per-record cases (PB1 and its cases scaled in groups) when PB1 runs beside a scaled one:
 * run in rounds, each round one run of each case and of the same case cut to its set-up and first
 * round (`case.js NAME setup`), so that a round's runs see one state of the machine (this VM
 * switches between two speeds). 100,000 groups run in the first round only.
 */
interface RecordRounds {
  runs: CaseResult[];
  setups: CaseResult[];
  /** The like-for-like reference's runs ({@link LIKE}), one a round, beside the scaled case's. */
  like: CaseResult[];
}

/**
 * Each case scaled in groups and its like-for-like reference: PB1's 1,000 groups run as many
 * times as the scaled case has thousands of groups, over the same duration, in one process. Its
 * records are as many, and set-up and the early rounds (every group's first clones) are the same
 * share of them, so the ratio of the two is about the number of groups alone; the ratio to PB1's
 * day also holds the scaled case's larger share of set-up and early rounds (at 1,000 groups a
 * record of a 30-minute run, set-up included, cost ~1.7× one of PB1's day: 161 against 95 ns).
 */
const LIKE: Readonly<Record<string, string>> = { 'pb1-10k-groups': 'pb1-10k-like', 'pb1-100k-groups': 'pb1-100k-like' };

/** The per-record cases, in the order they run within a round. */
const PER_RECORD = ['pb1', 'pb1-10k-groups', 'pb1-100k-groups'];

/** Run the per-record cases among `names` in `repeat` rounds (see {@link RecordRounds}). */
function recordRounds(names: readonly string[], repeat: number): Map<string, RecordRounds> {
  const wanted = PER_RECORD.filter((n) => names.includes(n));
  const out = new Map<string, RecordRounds>(wanted.map((n) => [n, { runs: [], setups: [], like: [] }]));
  for (let i = 0; i < repeat; i++) {
    for (const n of wanted) {
      if (n === 'pb1-100k-groups' && i > 0) continue;
      out.get(n)!.runs.push(runCase(n));
      out.get(n)!.setups.push(runCase(n, ['setup']));
      const like = LIKE[n];
      if (like !== undefined) out.get(n)!.like.push(runCase(like));
    }
  }
  return out;
}

/**
 * Cost per stats record (ns) of a case scaled in groups, beside PB1's, and the ratio (target ≤
 * 1.3: linear in groups), each ratio the median of the rounds' ratios (`pairedRatio`; 100,000
 * groups: its one round).
 *
 * Wall time and process CPU time each (on a shared machine the CPU time is the steadier). Each
 * whole run includes its set-up (hosts, groups, primaries, load streams: ~20–35 µs a group),
 * which the shortened scaled cases spread over far fewer records than PB1's day (100,000 groups
 * for 30 minutes: ~130 ns a record of set-up alone), so the ratio the target is about is the
 * second one: the run minus the same case cut to its set-up and first round, over the records
 * after them — what one more stats record costs.
 *
 * @example perRecordRatio(rounds.get('pb1-10k-groups'), rounds.get('pb1')) // prints "PB1 at 10,000 groups, CPU ns a stats record / PB1 … 240 / 180 ns, by rounds 1.33×" and the set-up-subtracted line
 */
function perRecordRatio(big: RecordRounds | undefined, pb1: RecordRounds | undefined): void {
  if (!big || !pb1) return;
  const groups = Number(/(\d+) groups/.exec(big.runs[0]!.detail)?.[1] ?? NaN).toLocaleString('en-US');
  for (const clock of ['wall', 'CPU'] as const) {
    const whole = (c: RecordRounds) => c.runs.map((r) => nsPerRecord(r, clock));
    // the marginal cost: the run minus its set-up and first round, over the records after those
    const marginal = (c: RecordRounds) => c.runs.map((r, i) => marginalNsPerRecord(r, c.setups[i]!, clock));
    const both = (a: number[], b: number[]) => `${median(a).toFixed(0)} / ${median(b).toFixed(0)} ns, by rounds ${pairedRatio(a, b).toFixed(2)}×`;
    process.stdout.write(`  ${`PB1 at ${groups} groups, ${clock} ns a stats record / PB1`.padEnd(56)} ${both(whole(big), whole(pb1))}\n`);
    process.stdout.write(`  ${`  the same, set-up subtracted (target ≤ 1.3)`.padEnd(56)} ${both(marginal(big), marginal(pb1))}\n`);
  }
  // like for like: the scaled run and its reference both whole (set-up included), round by round
  if (big.like.length > 0) {
    const runs = /(\d+) runs of/.exec(big.like[0]!.detail)?.[1] ?? '?';
    for (const clock of ['wall', 'CPU'] as const) {
      const a = big.runs.map((r) => nsPerRecord(r, clock));
      const b = big.like.map((r) => nsPerRecord(r, clock));
      process.stdout.write(`  ${`  / ${runs} runs of 1,000 groups, same duration, ${clock}`.padEnd(56)} ${median(a).toFixed(0)} / ${median(b).toFixed(0)} ns, by rounds ${pairedRatio(a, b).toFixed(2)}× (like for like)\n`);
    }
  }
  const perGroup = (c: RecordRounds) => median(c.setups.map((s) => (s.wallSeconds / s.events) * 1e6));
  process.stdout.write(`  ${`  set-up and first round, wall µs a group`.padEnd(56)} ${perGroup(big).toFixed(1)} (PB1: ${perGroup(pb1).toFixed(1)})\n`);
}

function main(argv: string[]): void {
  // --help and bad arguments are answered here (null: nothing to run)
  const args = benchArgs(argv, CASES);
  if (args === null) return;
  const { names, repeat } = args;
  const results = new Map<string, CaseResult>();
  process.stdout.write(`scalelab bench — node ${process.version}, ${repeat} repeat(s) per case, medians\n\n`);
  const header = `${'case'.padEnd(24)} ${'wall s'.padStart(8)} ${'events'.padStart(12)} ${'events/s'.padStart(12)} ${'peak RSS MB'.padStart(12)}  detail`;
  process.stdout.write(`${header}\n${'-'.repeat(header.length + 20)}\n`);
  const premove: string[] = [];
  // the runs of the round-by-round cases, in round order
  const rounds = new Map<string, CaseResult[]>();
  // PB1 and its cases scaled in groups, in rounds with their set-ups, when PB1 runs beside one of them
  const records = new Map<string, RecordRounds>();
  const scaledWithPb1 = names.includes('pb1') && (names.includes('pb1-10k-groups') || names.includes('pb1-100k-groups'));
  // the runs of each alternated model and its baseline, for the least-disturbed ratio
  const alternated = new Map<string, { model: CaseResult[]; bare: CaseResult[] }>();
  // a bare-heap baseline pushes as many events as its model case had stats records
  const bareArgs = (model: CaseResult): string[] => [String(model.events), String(Math.max(1, Math.round(model.events / Number(/(\d+) rounds/.exec(model.detail)?.[1] ?? 1))))];
  const report = (runs: CaseResult[]): void => {
    const r = summarise(runs);
    results.set(r.name, r);
    process.stdout.write(
      `${r.name.padEnd(24)} ${r.wallSeconds.toFixed(3).padStart(8)} ${String(r.events).padStart(12)} ${Math.round(r.eventsPerSecond).toLocaleString('en-US').padStart(12)} ${r.peakRssMB.toFixed(1).padStart(12)}  ${r.detail}\n`,
    );
  };
  for (let at = 0; at < names.length; at++) {
    const name = names[at]!;
    if (name === 'pb1-premove') {
      // its own table: both builds, alternating, each run printed as it ends
      const o = runPremove(repeat, (which, t) => process.stdout.write(`${`pb1-premove ${which === 'old' ? PREMOVE_COMMIT : 'this build'}`.padEnd(24)} ${t.wallSeconds.toFixed(3).padStart(8)} ${String(t.records).padStart(12)}  CPU ${t.cpuSeconds.toFixed(3)} s\n`));
      if (!o.ok) process.stdout.write(`${'pb1-premove'.padEnd(24)} skipped: ${o.skipped}\n`);
      else premove.push(...premoveLines(o));
      continue;
    }
    const runs: CaseResult[] = [];
    if (ALTERNATED.has(name) && names[at + 1] === `${name}-bare-heap`) {
      // the model and its baseline alternate, so that both see the same load on a shared machine
      const bare: CaseResult[] = [];
      for (let i = 0; i < repeat; i++) {
        runs.push(runCase(name));
        bare.push(runCase(`${name}-bare-heap`, bareArgs(runs[0]!)));
      }
      report(runs);
      report(bare);
      alternated.set(name, { model: runs, bare });
      at++;
      continue;
    }
    const model = results.get(name.replace(/-bare-heap$/, ''));
    const args = name.endsWith('-bare-heap') && model ? bareArgs(model) : [];
    if (name.endsWith('-bare-heap') && !model) throw new Error(`${name} needs its model case to run first`);
    const times = name === 'trace-replay-1g' || name.startsWith('sweep-') || name === 'pb1-100k-groups' || name === 'pb1-100k-like' || name === 'pb1-external-full' ? 1 : repeat;
    // a like-for-like reference runs in the rounds of its scaled case (recordRounds) when that runs beside PB1
    const likeOf = Object.keys(LIKE).find((k) => LIKE[k] === name);
    if (likeOf !== undefined && scaledWithPb1 && names.includes(likeOf)) continue;
    if (PER_RECORD.includes(name) && scaledWithPb1) {
      // PB1 and its scaled cases, with their set-ups, in rounds at the first of them (RecordRounds)
      if (records.size > 0) continue;
      for (const [n, r] of recordRounds(names, repeat)) {
        records.set(n, r);
        report(r.runs);
        if (r.like.length > 0) report(r.like);
      }
      continue;
    }
    if (ROUND_ROBIN.includes(name)) {
      // all of them at the first one asked for: one run of each in turn, `repeat` rounds
      if (rounds.size > 0) continue;
      const wanted = ROUND_ROBIN.filter((n) => names.includes(n));
      for (const n of wanted) rounds.set(n, []);
      for (let i = 0; i < repeat; i++) {
        for (const n of wanted) {
          const list = rounds.get(n)!;
          if (i > 0 && list.length === 0) continue; // skipped in the first round (reason printed)
          const r = runPeerCase(n);
          if (r) list.push(r);
        }
      }
      for (const n of wanted) if (rounds.get(n)!.length > 0) report(rounds.get(n)!);
      continue;
    }
    if (name === 'pb1-memory-1d' || name === 'pb1-memory-30d') {
      // whole processes, measured once: the 30-day one is 30 PB1-days of work
      runs.push(runPb1Days(name, name === 'pb1-memory-1d' ? 1 : 30));
    } else if (name === 'pb1-10s') {
      const bare: CaseResult[] = [];
      for (let i = 0; i < Math.max(times, 5); i++) {
        const pair = runPb1ShortCase();
        runs.push(pair.run);
        bare.push(pair.bare);
      }
      runs[0]!.detail += `; bare node -e 0 alternating with it: median ${median(bare.map((b) => b.wallSeconds)).toFixed(3)} s`;
      results.set('pb1-10s-bare-node', summarise(bare));
    } else if (name === 'startup' || name === 'startup-bare-node') {
      for (let i = 0; i < Math.max(times, 5); i++) runs.push(runStartupCase(name));
    } else for (let i = 0; i < times; i++) runs.push(runCase(name, args));
    // a case without its pieces (external engines: python3, an example engine) says why, no figure
    if (runs[0]?.skipped !== undefined) {
      process.stdout.write(`${name.padEnd(24)} skipped: ${runs[0].skipped}\n`);
      continue;
    }
    report(runs);
  }
  process.stdout.write('\nratios\n');
  for (const line of premove) process.stdout.write(`${line}\n`);
  const ratio = (a: string, b: string, label: string) => {
    const x = results.get(a);
    const y = results.get(b);
    if (x && y) process.stdout.write(`  ${label.padEnd(56)} ${(x.wallSeconds / y.wallSeconds).toFixed(2)}×\n`);
  };
  ratio('startup', 'startup-bare-node', 'scalelab --version / bare node start-up');
  ratio('pb1-10s', 'pb1-10s-bare-node', 'PB1 10 s simulated, whole run / bare node, alternated');
  ratio('pb1', 'pb1-bare-heap', 'PB1 full model / bare heap, same events (target ≤ 3)');
  ratio('default-1000', 'default-1000-bare-heap', 'default ×1000 full model / bare heap (target ≤ 3)');
  ratio('incus-cluster', 'incus-cluster-bare-heap', 'Incus 100 members × 5,000 VMs × 1 week / bare heap');
  ratio('neon-cluster', 'neon-cluster-bare-heap', 'Neon 50 nodes × 2,000 VMs × 1 day / bare heap (target ≤ 2)');
  const neon = results.get('neon-cluster');
  const neonBare = results.get('neon-cluster-bare-heap');
  if (neon?.cpuSeconds !== undefined && neonBare?.cpuSeconds !== undefined) process.stdout.write(`  ${'  the same, process CPU time (steadier on a shared machine)'.padEnd(56)} ${(neon.cpuSeconds / neonBare.cpuSeconds).toFixed(2)}×\n`);
  const neonRuns = alternated.get('neon-cluster');
  if (neonRuns && neonRuns.model.length > 1) process.stdout.write(`  ${'  the same, least-disturbed run of each (min CPU time)'.padEnd(56)} ${leastDisturbedRatio(neonRuns.model, neonRuns.bare).toFixed(2)}×\n`);
  const kc = results.get('kraftcloud-100');
  const pb = results.get('pb1');
  if (kc && pb) process.stdout.write(`  ${'PB1 records/s ÷ kraftcloud decisions/s (target ≤ 2)'.padEnd(56)} ${(pb.eventsPerSecond / kc.eventsPerSecond).toFixed(2)}×\n`);
  const s1 = results.get('sweep-1-worker');
  const s2 = results.get('sweep-2-workers');
  if (s1 && s2) process.stdout.write(`  ${'sweep 200×3, speed-up 2 workers vs 1 (target ≥ 1.8)'.padEnd(56)} ${(s1.wallSeconds / s2.wallSeconds).toFixed(2)}×\n`);
  const p1 = results.get('sweep-1-process');
  const p2 = results.get('sweep-2-processes');
  if (p1 && p2) process.stdout.write(`  ${'machine ceiling: same runs, 2 plain processes vs 1'.padEnd(56)} ${(p1.wallSeconds / p2.wallSeconds).toFixed(2)}×\n`);
  const one = results.get('pb1');
  const two = results.get('pb1-2d');
  if (one && two) process.stdout.write(`  ${'PB1 peak RSS, 2 days / 1 day (flat ≈ 1)'.padEnd(56)} ${(two.peakRssMB / one.peakRssMB).toFixed(2)}×\n`);
  const day = results.get('pb1-memory-1d');
  const month = results.get('pb1-memory-30d');
  if (day && month) process.stdout.write(`  ${'PB1 peak RSS, 30 days / 1 day, whole process (target ≤ 1.1)'.padEnd(56)} ${(month.peakRssMB / day.peakRssMB).toFixed(2)}×\n`);
  for (const big of ['pb1-10k-groups', 'pb1-100k-groups']) {
    perRecordRatio(records.get(big), records.get('pb1'));
    const alone = scaledWithPb1 ? undefined : results.get(big);
    if (alone) process.stdout.write(`  ${`${big}, wall ns a stats record`.padEnd(56)} ${((alone.wallSeconds / alone.events) * 1e9).toFixed(0)} ns (run pb1 too for the ratio)\n`);
  }
  const whole = results.get('pb1-process');
  if (whole) {
    const simpy = results.get('pb1-simpy');
    const floor = results.get('pb1-c-floor');
    process.stdout.write('\nPB1 against its peers, whole processes side by side in this run\n');
    // the peers' ratios round by round (the cases ran in turn: see ROUND_ROBIN)
    const walls = (name: string) => (rounds.get(name) ?? []).map((r) => r.wallSeconds);
    const paired = (a: string, b: string, digits = 2): string => {
      const x = walls(a);
      const y = walls(b);
      return x.length > 0 && y.length > 0 ? `${pairedRatio(x, y).toFixed(digits)}×` : 'skipped';
    };
    // SimPy's one run spans the VM's changes of speed (20–35 s here), so each round's ratio is shown
    const scalelabWalls = walls('pb1-process');
    const simpyRounds = walls('pb1-simpy').map((w, i) => w / scalelabWalls[i]!).filter((r) => !Number.isNaN(r));
    const spread = simpyRounds.length > 1 ? ` (rounds ${simpyRounds.map((r) => r.toFixed(1)).join(', ')})` : '';
    process.stdout.write(`  ${'SimPy / scalelab wall time (target ≥ 25×)'.padEnd(56)} ${simpy ? `${paired('pb1-simpy', 'pb1-process', 1)}${spread}` : 'skipped'}\n`);
    process.stdout.write(`  ${'scalelab / C floor wall time (target ≤ 2×)'.padEnd(56)} ${floor ? paired('pb1-process', 'pb1-c-floor') : 'skipped'}\n`);
    if (results.has('pb1-js-floor')) {
      // the same arithmetic in plain Node: how much of the gap to C is the language's, how much scalelab's
      process.stdout.write(`  ${'JS floor / C floor wall time (the language)'.padEnd(56)} ${paired('pb1-js-floor', 'pb1-c-floor')}\n`);
      process.stdout.write(`  ${'scalelab / JS floor wall time (the simulator)'.padEnd(56)} ${paired('pb1-process', 'pb1-js-floor')}\n`);
    }
    // the language's floor with the generator taken out of the question
    if (results.has('pb1-js-floor-xorshift')) process.stdout.write(`  ${'JS floor, xorshift128 uniforms / C floor wall time'.padEnd(56)} ${paired('pb1-js-floor-xorshift', 'pb1-c-floor')}\n`);
    // PB1 computed as scalelab computes it (its own, cheaper arithmetic), in a bare loop
    if (results.has('pb1-js-floor-scalelab')) {
      process.stdout.write(`  ${"JS floor, scalelab's arithmetic / C floor wall time".padEnd(56)} ${paired('pb1-js-floor-scalelab', 'pb1-c-floor')}\n`);
      process.stdout.write(`  ${'scalelab / JS floor with its arithmetic (the simulator)'.padEnd(56)} ${paired('pb1-process', 'pb1-js-floor-scalelab')}\n`);
    }
    // scalelab's work fused into one bare pass: what any Node program doing it costs, and scalelab's structure beyond that
    if (results.has('pb1-js-accounted')) {
      process.stdout.write(`  ${"JS, scalelab's work fused (accounted) / C floor".padEnd(56)} ${paired('pb1-js-accounted', 'pb1-c-floor')}\n`);
      process.stdout.write(`  ${'scalelab / JS accounted wall time (its structure)'.padEnd(56)} ${paired('pb1-process', 'pb1-js-accounted')}\n`);
      if (simpy) process.stdout.write(`  ${'SimPy / JS accounted wall time'.padEnd(56)} ${paired('pb1-simpy', 'pb1-js-accounted', 1)}\n`);
      // what the two targets ask of scalelab measured against the fused program
      if (floor) process.stdout.write(`  ${'  so ≤ 2× C asks scalelab / JS accounted ≤'.padEnd(56)} ${(2 / pairedRatio(walls('pb1-js-accounted'), walls('pb1-c-floor'))).toFixed(2)}×\n`);
      if (simpy) process.stdout.write(`  ${'  so ≥ 25× SimPy asks scalelab / JS accounted ≤'.padEnd(56)} ${(pairedRatio(walls('pb1-simpy'), walls('pb1-js-accounted')) / 25).toFixed(2)}×\n`);
    }
    // the same work in C: a like-for-like floor, and the language's share of it
    if (results.has('pb1-c-accounted')) {
      if (results.has('pb1-js-accounted')) process.stdout.write(`  ${'JS accounted / C accounted wall time (the language)'.padEnd(56)} ${paired('pb1-js-accounted', 'pb1-c-accounted')}\n`);
      process.stdout.write(`  ${'scalelab / C accounted wall time (like for like)'.padEnd(56)} ${paired('pb1-process', 'pb1-c-accounted')}\n`);
    }
    // the loop out of JavaScript: pb1.c's accounted work as WebAssembly in a Node process
    if (results.has('pb1-wasm-accounted')) {
      process.stdout.write(`  ${'WebAssembly accounted / C floor wall time'.padEnd(56)} ${floor ? paired('pb1-wasm-accounted', 'pb1-c-floor') : 'skipped'}\n`);
      if (results.has('pb1-c-accounted')) process.stdout.write(`  ${'WebAssembly accounted / C accounted wall time'.padEnd(56)} ${paired('pb1-wasm-accounted', 'pb1-c-accounted')}\n`);
      // what ≤ 2× C would leave for everything of scalelab's beyond that loop: its start, scenario, set-up, events, outputs
      const c = walls('pb1-c-floor');
      if (floor) process.stdout.write(`  ${'  so ≤ 2× C leaves scalelab beyond that loop'.padEnd(56)} ${median(walls('pb1-wasm-accounted').map((w, i) => 2 * c[i]! - w)).toFixed(3)} s\n`);
      if (simpy) process.stdout.write(`  ${'SimPy / WebAssembly accounted wall time'.padEnd(56)} ${paired('pb1-simpy', 'pb1-wasm-accounted', 1)}\n`);
    }
    // the C floor of the accounted work scaled in groups: what ≤ 1.3× a record costs the machine itself
    for (const [big, label] of [['pb1-c-accounted-10k', '10k groups × 6 h'], ['pb1-c-accounted-100k', '100k groups × 30 min']] as const) {
      const x = (rounds.get(big) ?? []).map((r) => nsPerRecord(r, 'wall'));
      const y = (rounds.get('pb1-c-accounted') ?? []).map((r) => nsPerRecord(r, 'wall'));
      if (x.length === 0 || y.length === 0) continue;
      process.stdout.write(`  ${`C accounted ${label}, ns a record / its day`.padEnd(56)} ${median(x).toFixed(1)} / ${median(y).toFixed(1)} ns, by rounds ${pairedRatio(x, y).toFixed(2)}×\n`);
    }
    if (rounds.size > 1) process.stdout.write(`  ${'  (each of these the median of its rounds, the cases run in turn)'}\n`);
    process.stdout.write(`  ${'scalelab peak RSS, whole process (target ≤ 100 MB)'.padEnd(56)} ${Number.isNaN(whole.peakRssMB) ? 'unknown (no GNU time)' : `${whole.peakRssMB.toFixed(1)} MB`}\n`);
  }
}

main(process.argv.slice(2));
