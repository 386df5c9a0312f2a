/**
 * The bench's command line (`npm run bench -- [case …] [--repeat N]`, or
 * `node dist/bench/main.js …`): what each case measures, for `--help`, and the argument reader.
 * Kept apart from main.ts (which starts benchmarking when loaded); the list of cases itself stays
 * in main.ts (`CASES`) and is passed in.
 */

/** What each case measures, one line for `--help` (a case missing here is listed without one). */
export const CASE_HELP: Readonly<Record<string, string>> = {
  startup: '`scalelab --version` as a whole process (target ≤ 0.15 s, ≤ 50 MB)',
  'startup-bare-node': '`node -e 0` beside it: what any Node process costs to start',
  'pb1-10s': 'PB1 cut to 10 simulated seconds as a whole `scalelab run` process, alternating with a bare node',
  'pb1-process': 'PB1 (scenarios/bench-pb1.yaml) as a whole CLI process, measured with GNU time',
  'pb1-c-floor': 'PB1 in plain C (bench/peers/pb1.c), whole process: the floor (target: scalelab ≤ 2×)',
  'pb1-js-floor': 'the C floor line for line in plain Node (bench/peers/pb1.mjs), whole process: what the arithmetic costs in JavaScript before any simulator',
  'pb1-js-floor-xorshift': 'the JS floor with xorshift128 on 32-bit integers for Alea: the language alone, the generator taken out of the question',
  'pb1-js-floor-scalelab': "the JS floor with Alea and scalelab's own, cheaper arithmetic (the wave by the angle-sum identity, Gaussians by inversion from a table): PB1 bare, computed as scalelab computes it",
  'pb1-js-accounted': "the JS floor with scalelab's arithmetic plus what scalelab accounts a group and round (own random streams, CPU counters as basis points, ticks outside the cooldown, the metrics row), fused in one bare pass: how near C any Node program doing scalelab's work comes",
  'pb1-c-accounted': "the accounted work in C, line for line (bench/peers/pb1.c accounted): the floor of what scalelab reports, for like-for-like ratios",
  'pb1-wasm-accounted': "the accounted work of bench/peers/pb1.c compiled to WebAssembly by clang and run in Node (bench/peers/pb1-wasm.mjs): what the work costs a Node process once the hot loop leaves JavaScript; skipped without clang and lld",
  'pb1-c-accounted-10k': 'the C accounted work at 10,000 groups for 6 h: its cost a record against its 1,000-group day (the machine\'s floor for linearity in groups)',
  'pb1-c-accounted-100k': 'the C accounted work at 100,000 groups for 30 min, likewise',
  'pb1-simpy': 'PB1 in SimPy 2.3 (bench/peers/pb1_simpy.py), one process per instance (target: scalelab ≥ 25× faster); runs in rounds with scalelab and the floors, 20–35 s a run here',
  pb1: 'PB1, the full model, in process',
  'pb1-premove': 'PB1 on this build beside the build from before Albatross moved onto the replica world (target ≤ 1.05×)',
  'pb1-bare-heap': 'as many events as PB1 has stats records through the bare heap: the baseline',
  'pb1-2d': 'PB1 over two simulated days: memory stays flat as duration doubles',
  'pb1-10k-groups': 'PB1 with 10,000 groups on 640 hosts for 6 h: cost per stats record vs PB1 (target ≤ 1.3×)',
  'pb1-100k-groups': 'PB1 with 100,000 groups on 6,400 hosts for 30 min; run once',
  'pb1-10k-like': "PB1's 1,000 groups run 10 times for 6 h in one process: pb1-10k-groups' work in runs of PB1's size, like for like",
  'pb1-100k-like': "PB1's 1,000 groups run 100 times for 30 min in one process: pb1-100k-groups' work in runs of PB1's size; run once",
  'pb1-memory-1d': 'PB1 over 1 simulated day, whole CLI process under --max-old-space-size=32; run once',
  'pb1-memory-30d': 'PB1 over 30 simulated days, likewise: peak-RSS ratio 30 d / 1 d (target ≤ 1.1); run once',
  'default-1000': 'the bundled default scenario scaled to 1,000 groups for a day',
  'default-1000-bare-heap': 'the same events through the bare heap',
  'trace-replay-1g': 'a generated 1 GiB trace streamed through the trace reader beside a bare byte loop (peak RSS < 200 MB); run once',
  'incus-cluster': 'Incus rebalancing, 100 members and 5,000 VMs for a simulated week (scenarios/bench-incus.yaml)',
  'incus-cluster-bare-heap': 'the same events through the bare heap',
  'neon-cluster': 'Neon vertical autoscaling, 50 nodes and 2,000 VMs for a simulated day (scenarios/bench-neon.yaml)',
  'neon-cluster-bare-heap': "the same events through the bare heap with a sample's arithmetic floor (target: neon ≤ 2×)",
  'kraftcloud-100': 'Unikraft Cloud, 100 services for an hour, 10 ms decision loop (36 M decisions) beside PB1 (target: within 2×)',
  'sweep-1-worker': '`scalelab sweep`, 200 points × 3 seeds, 1 worker thread; run once',
  'sweep-2-workers': 'the same with 2 worker threads: the speed-up (target ≥ 1.8× on 2 cores); run once',
  'sweep-1-process': 'the same 600 runs in one plain process; run once',
  'sweep-2-processes': "split over two processes at once: the machine's ceiling for the speed-up; run once",
  'external-echo': 'messages/s on the external engine path: 20,000 ~400-byte observe round trips to examples/engines/echo.py, then in batches of 64',
  'pb1-module': 'PB1 cut to 2 h, built-in beside the loopback module engine (the session and reply checks, no process): the slowdown',
  'pb1-external': 'PB1 (corrected) cut to 2 h, built-in beside examples/engines/albatross_corrected.py as an external engine: the slowdown',
  'pb1-external-full': 'the same over the whole simulated day; run once',
};

/** What the bench was asked: help, or cases and repeats. */
export type BenchArgs = { help: true } | { help: false; names: string[]; repeat: number };

/** Bad bench arguments: one line, exit status 2. */
export class BenchArgError extends Error {}

/**
 * Read the bench's arguments against its `cases`: case names (none: all), `--repeat N` (N ≥ 1,
 * default 3), `--help`.
 *
 * @example parseBenchArgs(['pb1', '--repeat', '5'], ['pb1', 'pb1-2d']) // { help: false, names: ['pb1'], repeat: 5 }
 * @example parseBenchArgs(['pb2'], ['pb1']) // throws BenchArgError: unknown case "pb2" (see --help for the list)
 */
export function parseBenchArgs(argv: readonly string[], cases: readonly string[]): BenchArgs {
  let repeat = 3;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { help: true };
    if (a === '--repeat') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new BenchArgError(`--repeat: expected a whole number ≥ 1, got ${argv[i] === undefined ? 'nothing' : JSON.stringify(argv[i])}`);
      repeat = n;
    } else if (a.startsWith('-')) throw new BenchArgError(`unknown option ${JSON.stringify(a)} (options: --repeat N, --help)`);
    else if (!cases.includes(a)) throw new BenchArgError(`unknown case ${JSON.stringify(a)} (see --help for the list)`);
    else names.push(a);
  }
  return { help: false, names: names.length > 0 ? names : [...cases], repeat };
}

/** The `--help` text: usage, options and every case with what it measures. */
export function benchUsage(cases: readonly string[]): string {
  const width = Math.max(...cases.map((c) => c.length));
  return [
    'Usage: npm run bench -- [case …] [--repeat N]',
    '       node --expose-gc dist/bench/main.js [case …] [--repeat N]',
    '',
    "scalelab's speed and memory figures, each beside a baseline measured in the same run; every",
    'case runs in a child process of its own. Without cases, all of them (long: hours).',
    '',
    'Options:',
    '  --repeat N   repeats per case, medians reported (default 3; cases marked "run once" run once)',
    '  -h, --help   this text',
    '',
    'Cases:',
    ...cases.map((c) => `  ${c.padEnd(width)}  ${CASE_HELP[c] ?? '(see src/bench/main.ts)'}`.trimEnd()),
    '',
  ].join('\n');
}

/**
 * The bench's arguments, answering `--help` (the usage on stdout) and bad arguments (one line on
 * stderr, exit status 2) itself; null when there is nothing to run.
 *
 * @example const args = benchArgs(process.argv.slice(2), CASES); if (args === null) return;
 */
export function benchArgs(argv: readonly string[], cases: readonly string[]): { names: string[]; repeat: number } | null {
  try {
    const args = parseBenchArgs(argv, cases);
    if (!args.help) return args;
    process.stdout.write(benchUsage(cases));
  } catch (e) {
    if (!(e instanceof BenchArgError)) throw e;
    process.stderr.write(`scalelab bench: error: ${e.message}\n`);
    process.exitCode = 2;
  }
  return null;
}
