/**
 * Build step: the `scalelab` command as a bundle of scalelab's own modules, written over the
 * entry tsc compiled (dist/cli/main.js) with its chunks in dist/cli/chunks/. Node loads an ES
 * module at ~0.5 ms each (resolve, stat, read, link); a `scalelab run` of an Albatross scenario
 * loaded ~90 of them. Bundled, it loads seven JavaScript files:
 *
 * - main.js, the entry, and the start chunk: the command table and what `--version` and
 *   `--help` need, nothing more (`--version` loads these two);
 * - the run chunk ({@link RUN_ROOTS}): everything `run` loads for the bundled scenarios'
 *   default engine, Albatross on the replica world, in one file;
 * - the rest split by rolldown along the dynamic imports: each other command and each other
 *   engine's runner is a chunk of its own, loaded only by the command or scenario that needs it
 *   (the run also loads the small chunks of the runner's and the plug-in's dynamic imports, of
 *   `run`'s own and of `cli/tiering.ts`).
 *
 * Measured (docs/ARCHITECTURE.md, Performance notes): PB1 cut to 10 s 0.345 → 0.280 s,
 * `--version` unchanged.
 *
 * The libraries stay outside (ajv, vega, csv-parse …: loaded from node_modules as before) except
 * those dist/vendor/ already bundled with their license notices (src/vendor/bundle.ts), which
 * the chunks keep. What the modules find beside themselves (`new URL('./…', import.meta.url)`)
 * is put beside the chunks: the workbench's worker and the external engines' watchdog as entries
 * of the same bundle, the scenario checks as one-line files requiring the built ones.
 *
 * The rest of dist/ is tsc's output, module by module: the library (`dist/index.js`), the bench
 * and the scripts tests spawn. Without rolldown, dist/cli/main.js stays tsc's: the same command,
 * a slower start.
 *
 * Run: node dist/vendor/cli-bundle.js   (part of `npm run build`, after tsc and bundle.js)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK_DIR } from '../scenario/quick-check.js';
import { STANDALONE_FILE } from '../scenario/schema.js';
import { importRolldown } from './bundle.js';

/** The first line after the shebang of a bundled entry: how a bundle is told from tsc's output. */
export const BUNDLE_MARK = '// scalelab CLI bundle (src/vendor/cli-bundle.ts): chunks in ./chunks/';

/** The modules (under dist/) whose static imports make the run chunk: `run`, the replica world's runner and Albatross. */
export const RUN_ROOTS = ['cli/run.js', 'run/replica-runner.js', 'engines/albatross/plugin.js'] as const;

/** Scripts started by path from a module of the bundle, bundled as entries beside the chunks (dist path → entry name). */
const SIDE_ENTRIES: Readonly<Record<string, string>> = { 'workbench/worker.js': 'worker', 'engines/external/watchdog.js': 'watchdog' };

/**
 * The relative specifiers a compiled module imports statically (`import … from './x.js'`,
 * `import './x.js'`, `export … from './x.js'`), in order; dynamic `import()` and packages are not
 * listed.
 *
 * @example staticImports("import { a } from './a.js';\nconst b = await import('./b.js');") // ['./a.js']
 */
export function staticImports(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

/**
 * Every module `roots` (paths under `dist`) reach through static imports, roots included, as
 * paths relative to `dist` with forward slashes.
 *
 * @example staticClosure('dist', ['cli/run.js']).has('kernel/heap.js') // true
 */
export function staticClosure(dist: string, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const code = fs.readFileSync(path.join(dist, rel), 'utf8');
    for (const spec of staticImports(code)) todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)));
  }
  return seen;
}

/**
 * The run chunk's modules: what {@link RUN_ROOTS} reach statically, less what the entry itself
 * reaches (`entry`, that closure when the caller has it: it stays with main.js, so `--version`
 * does not load the run chunk).
 */
export function runGroup(dist: string, entry: ReadonlySet<string> = staticClosure(dist, ['cli/main.js'])): Set<string> {
  const group = new Set<string>();
  for (const rel of staticClosure(dist, RUN_ROOTS)) if (!entry.has(rel)) group.add(rel);
  return group;
}

/** Bundle dist/cli/main.js over itself (see the module comment); a no-op when it is a bundle already. */
async function bundleCli(dist: string): Promise<void> {
  const entry = path.join(dist, 'cli', 'main.js');
  const text = fs.readFileSync(entry, 'utf8');
  if (text.split('\n', 2).includes(BUNDLE_MARK)) {
    process.stderr.write('cli bundle: dist/cli/main.js is a bundle already (run tsc first to bundle again)\n');
    return;
  }
  const rolldown = await importRolldown('cli bundle: dist/cli/main.js stays module by module');
  if (!rolldown) return;
  // the entry's own imports in one chunk (the entry itself stays main.js: it runs when invoked by path)
  const entryClosure = staticClosure(dist, ['cli/main.js']);
  const run = runGroup(dist, entryClosure);
  const start = new Set(entryClosure);
  start.delete('cli/main.js');
  const rel = (id: string): string => path.relative(dist, id).split(path.sep).join('/');
  const out = path.join(dist, 'cli', '.bundle');
  fs.rmSync(out, { recursive: true, force: true });
  const input: Record<string, string> = { main: entry };
  for (const [file, name] of Object.entries(SIDE_ENTRIES)) input[`chunks/${name}`] = path.join(dist, file);
  await rolldown.build({
    input,
    platform: 'node',
    logLevel: 'warn',
    // `cli/run.js` is imported statically by `sweep` as well as lazily by the command table: known, and harmless
    onwarn: (warning, warn) => {
      if (warning.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') warn(warning);
    },
    // packages load from node_modules as before; only scalelab's modules (and dist/vendor/) are bundled
    external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
    preserveEntrySignatures: 'allow-extension',
    output: {
      dir: out,
      format: 'esm',
      // ASCII only (non-ASCII escaped), doc comments dropped: Node decodes and V8 scans a one-byte
      // source faster, and a third less of it; the libraries' license notices stay
      charset: 'ascii',
      comments: { legal: true, annotation: true, jsdoc: false },
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      codeSplitting: {
        includeDependenciesRecursively: false,
        groups: [
          { name: 'start', test: (id) => start.has(rel(id)) },
          { name: 'run', test: (id) => run.has(rel(id)) },
        ],
      },
    },
  });
  const chunks = path.join(out, 'chunks');
  // what the scenario checks load beside themselves: one-line files requiring the built ones
  fs.writeFileSync(path.join(chunks, STANDALONE_FILE), `module.exports = require('../../scenario/${STANDALONE_FILE}');\n`);
  fs.mkdirSync(path.join(chunks, QUICK_DIR));
  for (const file of fs.readdirSync(path.join(dist, 'scenario', QUICK_DIR))) {
    if (file.endsWith('.cjs')) fs.writeFileSync(path.join(chunks, QUICK_DIR, file), `module.exports = require('../../../scenario/${QUICK_DIR}/${file}');\n`);
  }
  const main = fs.readFileSync(path.join(out, 'main.js'), 'utf8');
  const shebang = main.startsWith('#!') ? main.slice(0, main.indexOf('\n') + 1) : '';
  fs.writeFileSync(path.join(out, 'main.js'), `${shebang}${BUNDLE_MARK}\n${main.slice(shebang.length)}`, { mode: 0o755 });
  // swap in: the old chunks out, the new ones and the entry in, tsc's map of the entry gone
  fs.rmSync(path.join(dist, 'cli', 'chunks'), { recursive: true, force: true });
  fs.renameSync(chunks, path.join(dist, 'cli', 'chunks'));
  fs.renameSync(path.join(out, 'main.js'), entry);
  fs.rmSync(`${entry}.map`, { force: true });
  fs.rmSync(out, { recursive: true, force: true });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleCli(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
}
