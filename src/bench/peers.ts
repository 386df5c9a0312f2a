/**
 * PB1 beside its peers, each a whole process measured the same way: scalelab's CLI on
 * scenarios/bench-pb1.yaml, the plain C floor (bench/peers/pb1.c, built with the system `cc -O2`),
 * the same loop in plain Node (bench/peers/pb1.mjs), the C loop compiled to WebAssembly and run
 * in Node (bench/peers/pb1-wasm.mjs, built with Debian's clang and lld)
 * and SimPy 2.3 with one process per instance (bench/peers/pb1_simpy.py, Debian's
 * python3-simpy). Wall time and peak RSS come from GNU time (`/usr/bin/time -f "%e %M"`), so
 * every figure covers the whole process — interpreter, start-up and all. A peer that cannot be
 * had is reported as skipped with the reason, never guessed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (dist/bench/ is two levels below it). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GNU_TIME = '/usr/bin/time';
/** Debian's interpreter, where python3-simpy installs (not a pyenv or venv python on the PATH). */
const DEBIAN_PYTHON = '/usr/bin/python3';

export interface ProcessFigures {
  wallSeconds: number;
  /** Peak resident set size of the whole process, MB; null when GNU time is missing. */
  peakRssMB: number | null;
  stdout: string;
}

export type PeerOutcome = { ok: true; figures: ProcessFigures } | { ok: false; skipped: string };

/**
 * Run `command` to completion and measure it as a whole process.
 * @example measureProcess(['cc', '--version']).wallSeconds // → 0.01
 */
export function measureProcess(command: string[], cwd = ROOT): ProcessFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-peer-'));
  try {
    const timeFile = path.join(dir, 'time.txt');
    const useTime = fs.existsSync(GNU_TIME);
    const argv = useTime ? [GNU_TIME, '-f', '%e %M', '-o', timeFile, ...command] : command;
    const started = process.hrtime.bigint();
    const child = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`${command.join(' ')} failed (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').pop()}`);
    let peakRssMB: number | null = null;
    if (useTime) {
      const [, kb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
      peakRssMB = Number(kb) / 1024;
    }
    return { wallSeconds: wall, peakRssMB, stdout: child.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** PB1 through scalelab's own command line, outputs into a temporary folder. */
export function runScalelabPb1(): ProcessFigures {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-pb1-'));
  try {
    return measureProcess([process.execPath, path.join(ROOT, 'dist/cli/main.js'), 'run', path.join(ROOT, 'scenarios/bench-pb1.yaml'), '--out', path.join(out, 'run'), '--quiet']);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** A peer built once per bench run: the file to run, or why it cannot be had. */
type Built = { binary: string } | { skipped: string };

/** A temporary folder removed when the bench process exits. */
function tempDirUntilExit(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let builtC: Built | undefined;

/** Build the C floor once per bench run; the reason it cannot be built otherwise. */
function buildC(): Built {
  if (builtC === undefined) {
    const binary = path.join(tempDirUntilExit('scalelab-peer-c-'), 'pb1');
    const cc = spawnSync('cc', ['-O2', '-o', binary, path.join(ROOT, 'bench/peers/pb1.c'), '-lm'], { encoding: 'utf8' });
    builtC = cc.status === 0 ? { binary } : { skipped: cc.error ? 'no C compiler (cc) on this machine' : `cc -O2 failed: ${cc.stderr.trim().split('\n')[0]}` };
  }
  return builtC;
}

/**
 * The plain C loop of the same arithmetic: the machine's floor for PB1; or (`accounted`) the C
 * loop of pb1.mjs's `accounted` work, line for line: the floor of what scalelab reports.
 */
export function runCPeer(arithmetic: 'c' | 'accounted' = 'c', groups = 1000, seconds = 86400): PeerOutcome {
  const built = buildC();
  if ('skipped' in built) return { ok: false, skipped: built.skipped };
  return { ok: true, figures: measureProcess([built.binary, String(groups), String(seconds), arithmetic]) };
}

/** The clang front ends tried in turn for wasm32 (Debian names them by version too). */
const CLANGS = ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'];

/**
 * Compile bench/peers/pb1.c for wasm32 (no C library: the file's `__wasm__` block) into `out`.
 * Tries each of {@link CLANGS}; the last failure's first line when none links (clang needs lld's
 * wasm-ld beside it).
 * @example compileWasm('/tmp/pb1.wasm') // → null when built, else why not
 */
export function compileWasm(out: string): string | null {
  let why = 'no clang on this machine (apt-get install clang lld)';
  for (const clang of CLANGS) {
    const r = spawnSync(clang, ['--target=wasm32', '-O2', '-mbulk-memory', '-nostdlib', '-Wl,--no-entry', '-Wl,--allow-undefined', '-o', out, path.join(ROOT, 'bench/peers/pb1.c')], { encoding: 'utf8' });
    if (r.error) continue;
    if (r.status === 0) return null;
    why = `${clang} --target=wasm32 failed: ${r.stderr.trim().split('\n')[0]}`;
  }
  return why;
}

let builtWasm: Built | undefined;

/** Build the WebAssembly floor once per bench run (installing Debian's clang and lld once when root); the reason it cannot be built otherwise. */
function buildWasm(): Built {
  if (builtWasm === undefined) {
    const binary = path.join(tempDirUntilExit('scalelab-peer-wasm-'), 'pb1.wasm');
    let why = compileWasm(binary);
    if (why !== null && why.startsWith('no clang') && process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
      process.stderr.write("bench: installing Debian's clang and lld for the WebAssembly peer…\n");
      spawnSync('sh', ['-c', 'timeout 300 apt-get install -y -qq clang lld || (timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq clang lld)'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      why = compileWasm(binary);
    }
    builtWasm = why === null ? { binary } : { skipped: why };
  }
  return builtWasm;
}

/**
 * The C floor's loops compiled to WebAssembly and run in Node (bench/peers/pb1-wasm.mjs): what
 * the work costs in a Node process once the hot loop leaves JavaScript.
 */
export function runWasmPeer(arithmetic: 'c' | 'accounted' = 'accounted'): PeerOutcome {
  const built = buildWasm();
  if ('skipped' in built) return { ok: false, skipped: built.skipped };
  return { ok: true, figures: measureProcess([process.execPath, path.join(ROOT, 'bench/peers/pb1-wasm.mjs'), built.binary, '1000', '86400', arithmetic]) };
}

/**
 * The C floor line for line in plain Node (bench/peers/pb1.mjs): what PB1's bare arithmetic costs
 * in JavaScript, so the gap to C splits into the language's part and the simulator's. Its uniform
 * numbers from Alea (scalelab's generator) or from xorshift128 on 32-bit integers (as fast as
 * JavaScript draws them); with pb1.c's arithmetic or with scalelab's cheaper one (`scalelab`: the
 * wave by the angle-sum identity, Gaussians by inversion from a table): PB1 bare, computed as scalelab computes it;
 * or (`accounted`) that plus what scalelab accounts a group and round, fused in one bare pass.
 */
export function runJsPeer(generator: 'alea' | 'xorshift128' = 'alea', arithmetic: 'c' | 'scalelab' | 'accounted' = 'c'): PeerOutcome {
  return { ok: true, figures: measureProcess([process.execPath, path.join(ROOT, 'bench/peers/pb1.mjs'), '1000', '86400', generator, arithmetic]) };
}

/** Whether Debian's python3 can import SimPy 2.3; tries to install python3-simpy once when root. */
function simpyAvailable(): string | null {
  const probe = () => spawnSync(DEBIAN_PYTHON, ['-c', 'import SimPy.Simulation'], { encoding: 'utf8' });
  if (probe().status === 0) return null;
  if (process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    process.stderr.write('bench: installing Debian python3-simpy for the SimPy peer…\n');
    spawnSync('sh', ['-c', 'timeout 300 apt-get install -y -qq python3-simpy || (timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq python3-simpy)'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (probe().status === 0) return null;
    return 'python3-simpy could not be installed with apt-get';
  }
  return fs.existsSync(DEBIAN_PYTHON) ? 'python3-simpy is not installed (apt-get install python3-simpy)' : `no ${DEBIAN_PYTHON}`;
}

/** SimPy 2.3, one process per instance. */
export function runSimpyPeer(): PeerOutcome {
  const missing = simpyAvailable();
  if (missing !== null) return { ok: false, skipped: missing };
  return { ok: true, figures: measureProcess([DEBIAN_PYTHON, path.join(ROOT, 'bench/peers/pb1_simpy.py')]) };
}
