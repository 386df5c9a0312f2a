/**
 * Build step: each library a run loads at start-up, bundled into the one file that stands for it
 * in dist/vendor/ (yaml.js, commander.js, seedrandom.js, statistics.js — see each module). Node
 * loads a package of many CommonJS files one file at a time (resolve, read, wrap, compile); one
 * bundled file of the same code loads in a third of the time (yaml: ~55 → ~16 ms). These are
 * the libraries; the command's own modules are bundled after, with these inside, by
 * cli-bundle.ts (in chunks, so that a command loads only what it needs: one bundle of the whole
 * CLI evaluates everything and is ~4× slower to start).
 *
 * The bundler is rolldown (a devDependency). Without it the compiled re-exports stay in place:
 * the same code, unbundled, a slower start.
 *
 * Run: node dist/vendor/bundle.js   (part of `npm run build`, after tsc)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The modules of dist/vendor/ replaced by their bundle. */
export const VENDORED = ['yaml', 'commander', 'seedrandom', 'statistics'] as const;

/** The package each bundle is made from, and the file of the package that holds its license. */
const SOURCES: Readonly<Record<(typeof VENDORED)[number], { pkg: string; license: string }>> = {
  yaml: { pkg: 'yaml', license: 'LICENSE' },
  commander: { pkg: 'commander', license: 'LICENSE' },
  seedrandom: { pkg: 'seedrandom', license: 'lib/alea.js' }, // the MIT notice heads the file
  statistics: { pkg: 'simple-statistics', license: 'LICENSE' },
};

/**
 * The comment that heads a bundle: the package, its version and its license notice (a file of
 * its own, or the `//` comment block a source file starts with), as the MIT and ISC licenses
 * ask of a copy.
 *
 * @example licenseBanner('yaml', '2.9.1', 'Copyright Eemeli Aro …') // '/*!\n * yaml 2.9.1, bundled by …'
 */
export function licenseBanner(pkg: string, version: string, notice: string): string {
  const lines = notice.split('\n');
  const commented = lines[0]?.startsWith('//') ? lines.slice(0, Math.max(0, lines.findIndex((l) => l.trim() !== '' && !l.startsWith('//')))) : lines;
  const text = commented.map((l) => l.replace(/^\/\/ ?/, '').replaceAll('*/', '* /').trimEnd());
  while (text.length > 0 && text[text.length - 1] === '') text.pop();
  return `/*!\n * ${pkg} ${version}, bundled by scalelab's build (src/vendor/bundle.ts). Its license:\n *\n${text.map((l) => (l === '' ? ' *' : ` * ${l}`)).join('\n')}\n */\n`;
}

/** The folder of installed package `pkg` (the nearest folder above its main file whose package.json names it). */
function packageDir(pkg: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(pkg));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`vendor bundle: cannot find the folder of ${pkg}`);
    dir = up;
  }
}

/** The license banner of bundle `name` (see {@link licenseBanner}). */
function bannerOf(name: (typeof VENDORED)[number]): string {
  const { pkg, license } = SOURCES[name];
  const dir = packageDir(pkg);
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return licenseBanner(pkg, version, fs.readFileSync(path.join(dir, license), 'utf8'));
}

/**
 * commander loads `node:child_process` (with net, dgram and streams: ~6 ms) when it is imported,
 * for one thing scalelab never does: running a subcommand as a separate executable. In the
 * bundle it is loaded when first used instead. (Left as it is if commander's code changed shape.)
 *
 * @example lazyChildProcess('const childProcess = __require("node:child_process");') // a Proxy that requires it on first use
 */
export function lazyChildProcess(code: string): string {
  const eager = 'const childProcess = __require("node:child_process");';
  if (code.split(eager).length !== 2) return code;
  return code.replace(eager, 'const childProcess = new Proxy({}, { get: (_, key) => __require("node:child_process")[key] });');
}

/**
 * The entry the statistics bundle is made from: each function `src/vendor/statistics.ts`
 * re-exports, taken from its own file in simple-statistics' `src/` (`quantileSorted` →
 * `quantile_sorted.js`, its default export). The package's one-module build cannot be cut down
 * to them: at load it fills a normal table (~3 ms at every start) and sets up its classifiers,
 * statements a bundler must keep.
 *
 * @example statisticsEntry("export { max, mean } from 'simple-statistics';", '/p/src') // "export { default as max } from '/p/src/max.js';\nexport { default as mean } from '/p/src/mean.js';\n"
 */
export function statisticsEntry(reexport: string, srcDir: string): string {
  const m = /export \{([^}]*)\} from ['"]simple-statistics['"]/.exec(reexport);
  if (m === null) throw new Error('vendor bundle: src/vendor/statistics.ts no longer re-exports from simple-statistics');
  const names = m[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '');
  return names.map((n) => `export { default as ${n} } from ${JSON.stringify(path.join(srcDir, `${n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}.js`))};\n`).join('');
}

/**
 * rolldown (a devDependency), or undefined when it is not installed: then `without` (what the
 * build leaves as it is) goes to stderr in one line and the step does nothing.
 *
 * @example const rolldown = await importRolldown('vendor bundle: dist/vendor/ keeps the plain re-exports'); if (!rolldown) return;
 */
export async function importRolldown(without: string): Promise<typeof import('rolldown') | undefined> {
  try {
    return await import('rolldown');
  } catch {
    process.stderr.write(`${without} (rolldown is not installed: a slower start-up)\n`);
    return undefined;
  }
}

/** Bundle `dist/vendor/NAME.js` (a re-export compiled by tsc) over itself, for each of {@link VENDORED}. */
async function bundleAll(dir: string): Promise<void> {
  const rolldown = await importRolldown('vendor bundle: dist/vendor/ keeps the plain re-exports');
  if (!rolldown) return;
  for (const name of VENDORED) {
    const file = path.join(dir, `${name}.js`);
    const temp = path.join(dir, `.${name}.bundle.js`);
    // simple-statistics: from the function's own source files (see statisticsEntry)
    const input = name === 'statistics' ? path.join(dir, '.statistics.entry.js') : file;
    if (input !== file) fs.writeFileSync(input, statisticsEntry(fs.readFileSync(file, 'utf8'), path.join(packageDir('simple-statistics'), 'src')));
    await rolldown.build({ input, platform: 'node', logLevel: 'warn', output: { file: temp, format: 'esm' } });
    if (input !== file) fs.rmSync(input);
    const code = fs.readFileSync(temp, 'utf8');
    fs.writeFileSync(temp, bannerOf(name) + (name === 'commander' ? lazyChildProcess(code) : code));
    fs.renameSync(temp, file);
    fs.rmSync(`${file}.map`, { force: true }); // tsc's map is of the re-export
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleAll(path.dirname(fileURLToPath(import.meta.url)));
}
