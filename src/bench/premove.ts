/**
 * The `pb1-premove` bench case: PB1 on this build beside PB1 on the build from before Albatross
 * moved onto the replica world (commit `PREMOVE_COMMIT`), both in one bench run, alternating
 * (old, new, old, new, …) so that a shared machine's load falls on both alike. Prints each run,
 * the medians and the ratio new / old of CPU time and of wall time (target ≤ 1.05).
 *
 * The old build: `git archive` of the commit into a temp folder (kept there and reused by later
 * runs), this checkout's `node_modules` symlinked into it, built with this checkout's `tsc`.
 * Both builds are timed by the same runner (`premove-run.ts`), which imports the build's own
 * scenario loader and `simulateAlbatross` and loads the build's own `scenarios/bench-pb1.yaml`:
 * the same scenario, the same measurement, only the code differs. Without git history (a
 * tarball, a shallow clone without the commit) the case reports "skipped" and why.
 *
 * @example node dist/bench/main.js pb1-premove --repeat 5 // 5 runs of each build, alternating
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';

/** The last commit with Albatross's own driver (src/run/albatross.ts before the replica world). */
export const PREMOVE_COMMIT = '738fa98';

/** What one PB1 run measured (the runner's JSON line). */
export interface Pb1Timing {
  wallSeconds: number;
  cpuSeconds: number;
  records: number;
}

/** The outcome of the case: both builds' runs, or why it was skipped. */
export type PremoveOutcome = { ok: true; old: Pb1Timing[]; current: Pb1Timing[] } | { ok: false; skipped: string };

/** This checkout's root (dist/bench/ → ../../). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function git(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || String(r.error ?? '') };
}

/**
 * Export `commit` into a temp folder and build it there, once; returns its root or the reason
 * it could not. A folder whose build finished is reused (`.built` marks it).
 */
export function buildOld(commit: string = PREMOVE_COMMIT): { ok: true; root: string } | { ok: false; skipped: string } {
  const resolved = git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]);
  if (!resolved.ok) return { ok: false, skipped: `no git history with commit ${commit} here (${git(['rev-parse', '--git-dir']).ok ? 'commit not in this clone' : 'not a git checkout'})` };
  const full = resolved.out.split('\n')[0]!;
  const root = join(tmpdir(), `scalelab-premove-${full.slice(0, 12)}`);
  if (existsSync(join(root, '.built'))) return { ok: true, root };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git archive --format=tar ${full} | tar -x -C "${root}"`], { cwd: ROOT, encoding: 'utf8' });
  if (archive.status !== 0) return { ok: false, skipped: `git archive ${commit} failed: ${archive.stderr.trim()}` };
  const modules = join(ROOT, 'node_modules');
  if (!existsSync(modules)) return { ok: false, skipped: 'no node_modules in this checkout (run npm ci)' };
  symlinkSync(modules, join(root, 'node_modules'), 'dir');
  const tsc = join(modules, 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) return { ok: false, skipped: `building ${commit} failed: ${(build.stdout + build.stderr).trim().split('\n')[0]}` };
  const standalone = spawnSync(process.execPath, [join(root, 'dist', 'scenario', 'standalone.js')], { cwd: root, encoding: 'utf8' });
  if (standalone.status !== 0) return { ok: false, skipped: `building ${commit} failed (standalone validator): ${standalone.stderr.trim().split('\n')[0]}` };
  spawnSync('touch', [join(root, '.built')]);
  return { ok: true, root };
}

/** One PB1 run of the build at `root` in a fresh process (the same runner for both builds). */
export function timePb1(root: string): Pb1Timing {
  const runner = fileURLToPath(new URL('./premove-run.js', import.meta.url));
  const child = spawnSync(process.execPath, ['--expose-gc', runner, root], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`PB1 of ${root} failed: ${child.stderr.trim() || child.stdout.trim()}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Pb1Timing;
}

/** Build the old commit (once) and time PB1 `repeat` times on each build, alternating, old first. */
export function runPremove(repeat: number, onRun?: (which: 'old' | 'current', t: Pb1Timing) => void): PremoveOutcome {
  const built = buildOld();
  if (!built.ok) return built;
  const old: Pb1Timing[] = [];
  const current: Pb1Timing[] = [];
  for (let i = 0; i < repeat; i++) {
    const a = timePb1(built.root);
    old.push(a);
    onRun?.('old', a);
    const b = timePb1(ROOT);
    current.push(b);
    onRun?.('current', b);
  }
  if (old[0]!.records !== current[0]!.records) throw new Error(`pb1-premove: the builds did different work (${old[0]!.records} vs ${current[0]!.records} stats records)`);
  return { ok: true, old, current };
}

/**
 * Medians of both builds and their ratios (current / old), as printed lines.
 *
 * @example premoveLines(outcome) // ['  CPU s, median of 5: 738fa98 2.010, this build 2.050 → 1.02× (target ≤ 1.05)', …]
 */
export function premoveLines(o: { old: Pb1Timing[]; current: Pb1Timing[] }): string[] {
  const lines: string[] = [];
  for (const clock of ['cpu', 'wall'] as const) {
    const pick = (t: Pb1Timing) => (clock === 'cpu' ? t.cpuSeconds : t.wallSeconds);
    const a = median(o.old.map(pick));
    const b = median(o.current.map(pick));
    lines.push(`  ${`PB1 ${clock === 'cpu' ? 'CPU' : 'wall'} s, medians of ${o.old.length}: ${PREMOVE_COMMIT} / this build`.padEnd(56)} ${a.toFixed(3)} / ${b.toFixed(3)} → this build ${(b / a).toFixed(3)}× (target ≤ 1.05)`);
  }
  return lines;
}
