/**
 * The `scalelab` command as a bundle (src/vendor/cli-bundle.ts): how the run chunk is chosen
 * (static imports only), and, on the built CLI, what a command loads, that what the modules find
 * beside themselves is there, that the libraries' license notices survive, and that a bundled
 * run writes exactly what the same run does module by module.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MARK, RUN_ROOTS, runGroup, staticClosure, staticImports } from '../src/vendor/cli-bundle.js';
import { runScenario } from '../src/run/write-run.js';
import { loadScenario } from '../src/scenario/load.js';

const dist = path.resolve(import.meta.dirname, '..', 'dist');
const chunks = path.join(dist, 'cli', 'chunks');
const built = fs.existsSync(path.join(dist, 'cli', 'main.js')) && fs.readFileSync(path.join(dist, 'cli', 'main.js'), 'utf8').split('\n', 2)[1] === BUNDLE_MARK;

/** A temporary folder for `body`, removed after. */
function inTemp<T>(body: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'scalelab-bundle-'));
  try {
    return body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The files of dist/ a `scalelab ARGS` process loads as modules (through an import hook), and
 * the dist modules bundled into them (rolldown heads each with a `// dist/…` comment).
 */
function loadedBy(args: string[], dir: string): { files: string[]; modules: string[]; stderr: string; status: number | null } {
  const hook = path.join(dir, 'hook.mjs');
  fs.writeFileSync(hook, "export async function load(u, c, next) { process.stderr.write('M ' + u + '\\n'); return next(u, c); }\n");
  const r = spawnSync(process.execPath, ['--no-warnings', `--experimental-loader=${hook}`, path.join(dist, 'cli', 'main.js'), ...args], { encoding: 'utf8' });
  const files = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('M file://'))
    .map((l) => l.slice('M file://'.length))
    .filter((f) => f.startsWith(dist))
    .map((f) => path.relative(dist, f));
  const modules = files.flatMap((f) => [...fs.readFileSync(path.join(dist, f), 'utf8').matchAll(/^\/\/ dist\/(\S+\.js)$/gm)].map((m) => m[1]!));
  return { files, modules, stderr: r.stderr, status: r.status };
}

describe('choosing the run chunk', () => {
  it('reads static imports and re-exports, not dynamic imports or packages', () => {
    const code = [
      "import { a } from './a.js';",
      "import * as b from '../b.js';",
      "import './c.js';",
      "export { d } from './d.js';",
      "export * as e from './e.js';",
      "import { parse } from 'yaml';",
      "const f = await import('./f.js');",
      "// import { g } from './g.js';",
    ].join('\n');
    expect(staticImports(code)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js']);
  });

  it('follows static imports from the roots, each module once', () =>
    inTemp((dir) => {
      fs.mkdirSync(path.join(dir, 'x'));
      fs.writeFileSync(path.join(dir, 'a.js'), "import { b } from './x/b.js';\nconst c = () => import('./c.js');\n");
      fs.writeFileSync(path.join(dir, 'x', 'b.js'), "export { d } from '../d.js';\nimport '../a.js';\n");
      fs.writeFileSync(path.join(dir, 'c.js'), "import { d } from './d.js';\n");
      fs.writeFileSync(path.join(dir, 'd.js'), 'export const d = 1;\n');
      expect([...staticClosure(dir, ['a.js'])].sort()).toEqual(['a.js', 'd.js', 'x/b.js']);
    }));

  it('leaves what the entry imports itself out of the run chunk', () =>
    inTemp((dir) => {
      for (const sub of ['cli', 'run']) fs.mkdirSync(path.join(dir, sub));
      fs.writeFileSync(path.join(dir, 'cli', 'main.js'), "import { e } from '../errors.js';\nconst run = () => import('./run.js');\n");
      fs.writeFileSync(path.join(dir, 'cli', 'run.js'), "import { e } from '../errors.js';\nimport { w } from '../run/world.js';\n");
      fs.writeFileSync(path.join(dir, 'run', 'world.js'), "import { e } from '../errors.js';\n");
      fs.writeFileSync(path.join(dir, 'run', 'replica-runner.js'), "import { w } from './world.js';\n");
      fs.mkdirSync(path.join(dir, 'engines', 'albatross'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'engines', 'albatross', 'plugin.js'), 'export const p = 1;\n');
      fs.writeFileSync(path.join(dir, 'errors.js'), 'export const e = 1;\n');
      expect([...runGroup(dir)].sort()).toEqual(['cli/run.js', 'engines/albatross/plugin.js', 'run/replica-runner.js', 'run/world.js']);
    }));

  it.skipIf(!built)("the roots reach the Albatross run's modules, and no other engine's", () => {
    const reach = staticClosure(dist, RUN_ROOTS);
    for (const m of ['kernel/heap.js', 'run/replicas.js', 'scenario/load.js', 'metrics/workload.js', 'engines/albatross/core.js']) expect(reach.has(m), m).toBe(true);
    for (const m of ['run/incus.js', 'run/neon.js', 'engines/hpa/plugin.js', 'engines/kraftcloud/world.js', 'engines/external/transport.js']) expect(reach.has(m), m).toBe(false);
  });
});

describe.skipIf(!built)('the built command', () => {
  it('--version loads the entry and one chunk', () =>
    inTemp((dir) => {
      const r = loadedBy(['--version'], dir);
      expect(r.status, r.stderr).toBe(0);
      expect(r.files).toHaveLength(2);
      expect(r.files[0]).toBe('cli/main.js');
      expect(r.modules).not.toContain('cli/run.js');
    }));

  it('an Albatross run loads a handful of files, and no other engine, transport, child process or worker', () =>
    inTemp((dir) => {
      const r = loadedBy(['run', path.resolve('scenarios/bench-pb1.yaml'), '--set', 'duration=10s', '--set', 'workloads.0.count=5', '--out', path.join(dir, 'out'), '-q'], dir);
      expect(r.status, r.stderr).toBe(0);
      expect(r.files.filter((f) => f.endsWith('.js')).length).toBeLessThanOrEqual(8); // was ~90 module by module
      expect(r.modules).toContain('engines/albatross/plugin.js');
      expect(r.modules).toContain('run/replicas.js');
      for (const absent of ['run/incus.js', 'run/neon.js', 'engines/hpa/plugin.js', 'engines/kraftcloud/world.js', 'engines/external/transport.js', 'bridge/session.js']) expect(r.modules, absent).not.toContain(absent);
      const builtins = r.stderr.split('\n').filter((l) => l.startsWith('M node:'));
      expect(builtins.filter((l) => l.includes('child_process') || l.includes('worker_threads'))).toEqual([]);
    }));

  it('has beside its chunks what their modules look for there', () => {
    const require = createRequire(import.meta.url);
    expect(typeof require(path.join(chunks, 'validator.generated.cjs'))).toBe('function');
    const parts = fs.readdirSync(path.join(dist, 'scenario', 'quick-check')).filter((f) => f.endsWith('.cjs'));
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(require(path.join(chunks, 'quick-check', part)), part).toBe(require(path.join(dist, 'scenario', 'quick-check', part)));
    for (const script of ['worker.js', 'watchdog.js']) expect(fs.existsSync(path.join(chunks, script)), script).toBe(true);
  });

  it('keeps the license notice of each library it bundles', () => {
    const text = fs
      .readdirSync(chunks)
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(chunks, f), 'utf8'))
      .join('\n');
    for (const pkg of ['yaml', 'commander', 'seedrandom', 'simple-statistics']) expect(text, pkg).toMatch(new RegExp(`\\* ${pkg} [0-9.]+, bundled by scalelab's build[\\s\\S]{0,600}(Copyright|copyright)`));
    // packages not bundled by dist/vendor/ are imported from node_modules, not copied in
    expect(text).not.toMatch(/^\/\/ node_modules\//m);
  });

  it('a bundled run writes byte for byte what the modules write', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'scalelab-bundle-'));
    try {
      const scenario = 'scenarios/albatross-default.yaml';
      const r = spawnSync(process.execPath, [path.join(dist, 'cli', 'main.js'), 'run', scenario, '--out', path.join(dir, 'bundle'), '-q'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      await runScenario(loadScenario(scenario), { outDir: path.join(dir, 'modules') });
      const files = fs.readdirSync(path.join(dir, 'modules')).sort();
      expect(fs.readdirSync(path.join(dir, 'bundle')).sort()).toEqual(files);
      expect(files).toContain('report.html');
      for (const f of files) expect(fs.readFileSync(path.join(dir, 'bundle', f)).equals(fs.readFileSync(path.join(dir, 'modules', f))), f).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
