/**
 * The libraries bundled at build time (src/vendor/bundle.ts): each dist/vendor/NAME.js (as
 * `npm test` just built it) is one file that imports only Node's own modules, and exports the
 * same names as its source re-export, which behave the same (a YAML document, a seeded Alea
 * stream, the statistics).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lazyChildProcess, licenseBanner, statisticsEntry, VENDORED } from '../src/vendor/bundle.js';
import * as yaml from '../src/vendor/yaml.js';
import * as commander from '../src/vendor/commander.js';
import * as seedrandom from '../src/vendor/seedrandom.js';
import * as statistics from '../src/vendor/statistics.js';

const SOURCES: Record<string, Record<string, unknown>> = { yaml, commander, seedrandom, statistics };

const dist = path.resolve(import.meta.dirname, '..', 'dist', 'vendor');

/** The built module `name`, and its source counterpart. */
async function both(name: string): Promise<[Record<string, unknown>, Record<string, unknown>]> {
  const built = (await import(pathToFileURL(path.join(dist, `${name}.js`)).href)) as Record<string, unknown>;
  const source = SOURCES[name]!;
  return [built, source];
}

describe('the statistics entry', () => {
  it("takes each re-exported function from its own file of simple-statistics' src/", () => {
    expect(statisticsEntry("export { max, mean, quantileSorted } from 'simple-statistics';\n", '/p/src')).toBe(
      "export { default as max } from \"/p/src/max.js\";\nexport { default as mean } from \"/p/src/mean.js\";\nexport { default as quantileSorted } from \"/p/src/quantile_sorted.js\";\n",
    );
    expect(() => statisticsEntry("export { max } from 'other';", '/p/src')).toThrow('no longer re-exports from simple-statistics');
  });
});

describe.skipIf(!fs.existsSync(path.join(dist, 'yaml.js')))('vendored libraries', () => {
  it('each is one bundled file importing only node: built-ins', () => {
    for (const name of VENDORED) {
      const text = fs.readFileSync(path.join(dist, `${name}.js`), 'utf8');
      const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
      expect(imports.every((i) => i!.startsWith('node:')), `${name}: ${imports.join(', ')}`).toBe(true);
      expect(text.length, name).toBeGreaterThan(2_000); // the library itself (Alea alone: ~3 KB), not a re-export
      expect(text.startsWith('/*!\n'), name).toBe(true); // headed by the library's license notice
      expect(text.slice(0, 4_000), name).toMatch(/bundled by scalelab's build[\s\S]*(copyright|Copyright)/);
    }
  });

  it('export the same names as the sources', async () => {
    expect(Object.keys(SOURCES).sort()).toEqual([...VENDORED].sort());
    for (const name of VENDORED) {
      const [built, source] = await both(name);
      expect(Object.keys(built).sort(), name).toEqual(Object.keys(source).sort());
    }
  });

  it('statistics holds the functions used and nothing the library runs at load (its normal table, classifiers)', () => {
    const text = fs.readFileSync(path.join(dist, 'statistics.js'), 'utf8');
    expect(text).not.toMatch(/standardNormalTable|PerceptronModel|BayesianClassifier/);
    expect(text.length).toBeLessThan(8_000);
  });

  it('behave as the libraries', async () => {
    const [yb, ys] = await both('yaml');
    const text = 'a: [1, 2]\nb: { c: x }\n';
    expect((yb['parse'] as (t: string) => unknown)(text)).toEqual((ys['parse'] as (t: string) => unknown)(text));
    const [sb] = await both('seedrandom');
    const alea = sb['alea'] as (seed: string) => { double(): number };
    // the bundled Alea draws what the library's own does for the same seed
    expect(alea('hello.').double()).toBe((await import('seedrandom')).default.alea('hello.').double());
    const [stb] = await both('statistics');
    expect((stb['quantileSorted'] as (x: number[], p: number) => number)([1, 2, 3, 4], 0.5)).toBe(2.5); // R type 7: 2 + 0.5 × (3 − 2)
  });

  it('commander loads node:child_process only when used, and seedrandom no node:crypto', () => {
    const commander = fs.readFileSync(path.join(dist, 'commander.js'), 'utf8');
    expect(commander).not.toContain('const childProcess = __require("node:child_process");');
    expect(commander).toContain('new Proxy({}, { get: (_, key) => __require("node:child_process")[key] })');
    expect(fs.readFileSync(path.join(dist, 'seedrandom.js'), 'utf8')).not.toContain('crypto');
  });
});

describe('lazyChildProcess', () => {
  it('rewrites the one eager require, and leaves code of another shape alone', () => {
    const eager = 'const childProcess = __require("node:child_process");';
    expect(lazyChildProcess(`a;\n${eager}\nb;`)).toBe('a;\nconst childProcess = new Proxy({}, { get: (_, key) => __require("node:child_process")[key] });\nb;');
    expect(lazyChildProcess('const cp = require("child_process");')).toBe('const cp = require("child_process");');
    expect(lazyChildProcess(`${eager}${eager}`)).toBe(`${eager}${eager}`);
  });
});

describe('licenseBanner', () => {
  it('heads a bundle with the package, its version and its notice, from a license file or a leading // block', () => {
    expect(licenseBanner('lib', '1.0.0', 'Copyright X\n\nPermission granted.\n')).toBe("/*!\n * lib 1.0.0, bundled by scalelab's build (src/vendor/bundle.ts). Its license:\n *\n * Copyright X\n *\n * Permission granted.\n */\n");
    expect(licenseBanner('lib', '2.0.0', '// Copyright Y\n//\n// MIT */ text\n\nconst code = 1; // not part of it\n')).toBe("/*!\n * lib 2.0.0, bundled by scalelab's build (src/vendor/bundle.ts). Its license:\n *\n * Copyright Y\n *\n * MIT * / text\n */\n");
  });
});
