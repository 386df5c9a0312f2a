/** `scalelab check`: tolerance verdicts, baseline files, JUnit XML (parsed back), exit statuses. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { allowedChange, checkMarkdown, compare, readBaseline, updatedBaseline, verdictOf, writeBaseline, type Baseline, type CheckOutcome, type CheckRow } from '../src/workbench/check.js';
import { junitXml, xmlEscape } from '../src/workbench/junit.js';
import { markdownBeside } from '../src/cli/check.js';

describe('tolerance verdicts', () => {
  it('absolute tolerances', () => {
    expect(verdictOf(10, 12, { absolute: 2 }, null)).toBe('ok');
    expect(verdictOf(10, 8, { absolute: 2 }, 'lower')).toBe('ok');
    expect(verdictOf(10, 12.5, { absolute: 2 }, 'lower')).toBe('regression');
    expect(verdictOf(10, 7.5, { absolute: 2 }, 'lower')).toBe('improved');
    expect(verdictOf(10, 12.5, { absolute: 2 }, 'higher')).toBe('improved');
    expect(verdictOf(10, 7.5, { absolute: 2 }, 'higher')).toBe('regression');
    expect(verdictOf(10, 12.5, { absolute: 2 }, null)).toBe('changed');
    expect(verdictOf(0, 1, { absolute: 0 }, 'lower')).toBe('regression');
    expect(verdictOf(0, 0, {}, null)).toBe('ok');
  });

  it('relative tolerances, and the larger of both when both are given', () => {
    expect(verdictOf(200, 204, { relative: 0.02 }, 'lower')).toBe('ok');
    expect(verdictOf(200, 204.1, { relative: 0.02 }, 'lower')).toBe('regression');
    expect(verdictOf(-200, -195, { relative: 0.02 }, 'lower')).toBe('regression'); // |baseline|
    expect(verdictOf(0, 0.001, { relative: 0.5 }, 'lower')).toBe('regression'); // relative to 0 allows nothing
    expect(allowedChange(200, { relative: 0.02, absolute: 1 })).toBe(4);
    expect(allowedChange(20, { relative: 0.02, absolute: 1 })).toBe(1);
    expect(verdictOf(20, 20.9, { relative: 0.02, absolute: 1 }, 'lower')).toBe('ok');
  });

  it('missing values', () => {
    expect(verdictOf(null, null, {}, 'lower')).toBe('ok');
    expect(verdictOf(null, 3, { absolute: 100 }, 'lower')).toBe('changed');
    expect(verdictOf(3, null, { absolute: 100 }, 'lower')).toBe('changed');
  });

  it('compares metric by metric: per-metric tolerance over the default, missing and new metrics', () => {
    const baseline: Baseline = {
      scalelab_baseline: 1,
      scenario: 's',
      seed: 1,
      sets: [],
      scalelab: '0',
      default_tolerance: { relative: 0.1 },
      metrics: {
        a: { value: 100, unit: 's', better: 'lower' },
        b: { value: 100, unit: 's', better: 'lower', tolerance: { absolute: 1 } },
        gone: { value: 1, unit: 'count' },
      },
    };
    const rows = compare(baseline, { a: { value: 109, unit: 's' }, b: { value: 105, unit: 's' }, fresh: { value: 3, unit: 'count' } });
    expect(rows.map((r) => [r.metric, r.verdict])).toEqual([
      ['a', 'ok'],
      ['b', 'regression'],
      ['gone', 'missing'],
      ['fresh', 'new'],
    ]);
    expect(rows[1]!.change).toBe(5);
    expect(rows[1]!.allowed).toBe(1);
  });

  it('an update keeps tolerances and directions, takes the new values', () => {
    const old: Baseline = { scalelab_baseline: 1, scenario: 's', seed: 1, sets: [], scalelab: '0', default_tolerance: { absolute: 3 }, metrics: { a: { value: 1, unit: 's', better: 'higher', tolerance: { relative: 0.5 } } } };
    const b = updatedBaseline(old, { scenario: 's', seed: 2, sets: ['x=1'] }, { a: { value: 7, unit: 's' }, scale_ups: { value: 4, unit: 'count' }, flip_flops: { value: 0, unit: 'count' } });
    expect(b.default_tolerance).toEqual({ absolute: 3 });
    expect(b.metrics['a']).toEqual({ value: 7, unit: 's', better: 'higher', tolerance: { relative: 0.5 } });
    expect(b.metrics['scale_ups']).toEqual({ value: 4, unit: 'count' }); // activity counts have no better direction
    expect(b.metrics['flip_flops']).toEqual({ value: 0, unit: 'count', better: 'lower' });
    expect(b.seed).toBe(2);
  });
});

// ---------------------------------------------------------------- a minimal XML parser

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parse an XML document strictly enough to catch what breaks JUnit consumers: one root, every
 * tag closed in order, attributes quoted and unique, only the five predefined entities or
 * character references, no raw `<` or `&` in text or attributes.
 */
function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const decode = (s: string): string => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) fail('bad entity');
    if (s.includes('<')) fail('raw < in text');
    return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
  };
  const skipSpace = () => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0] ?? fail('bad tag name');
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const attr = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(xml.slice(i)) ?? fail('bad attribute');
      if (attr[1]! in el.attrs) fail('duplicate attribute');
      el.attrs[attr[1]!] = decode(attr[2]!);
      i += attr[0].length;
    }
    for (;;) {
      const next = xml.indexOf('<', i);
      if (next < 0) fail('unclosed element');
      el.text += decode(xml.slice(i, next));
      i = next;
      if (xml.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return el;
      }
      el.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

describe('JUnit XML', () => {
  const outcome: CheckOutcome = {
    scenario: 'web<&>"x"',
    seed: 7,
    baselineFile: 'reports/baselines/web.yaml',
    rows: [
      { metric: 'instance_seconds', unit: 'instance·s', baseline: 100, now: 101, change: 1, allowed: 2, tolerance: { relative: 0.02 }, better: 'lower', verdict: 'ok' },
      { metric: 'slo_violation_seconds', unit: 's', baseline: 10, now: 20, change: 10, allowed: 0.2, tolerance: { relative: 0.02 }, better: 'lower', verdict: 'regression' },
      { metric: 'scale_ups', unit: 'count', baseline: 5, now: 9, change: 4, allowed: 1, tolerance: { absolute: 1 }, better: null, verdict: 'changed' },
      { metric: 'odd\u0001metric', unit: '', baseline: 1, now: null, change: null, allowed: 0, tolerance: {}, better: null, verdict: 'missing' },
    ],
    failed: [],
    updated: false,
    seconds: 0.25,
  };

  it('is well-formed and says what failed', () => {
    const doc = parseXml(junitXml(outcome));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ tests: '4', failures: '3', errors: '0' });
    const suite = doc.children[0]!;
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs['name']).toBe('scalelab check web<&>"x"');
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual(['instance_seconds', 'slo_violation_seconds', 'scale_ups', 'oddmetric']);
    expect(cases[0]!.children).toEqual([]);
    const failure = cases[1]!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attrs['type']).toBe('regression');
    expect(failure.attrs['message']).toMatch(/^regression: slo_violation_seconds baseline 10, now 20, change \+10 \(\+100\.00 %\), tolerance ±2 %, better lower$/);
    expect(cases[3]!.children[0]!.attrs['type']).toBe('missing');
    const props = suite.children.find((c) => c.name === 'properties')!.children.map((p) => [p.attrs['name'], p.attrs['value']]);
    expect(props).toEqual([['scenario', 'web<&>"x"'], ['seed', '7'], ['baseline', 'reports/baselines/web.yaml']]);
  });

  it('check.md: moved metrics first (failing, then improved), all of them folded below', () => {
    const improved: CheckRow = { metric: 'flip_flops', unit: 'count', baseline: 10, now: 4, change: -6, allowed: 0.2, tolerance: { relative: 0.02 }, better: 'lower', verdict: 'improved' };
    const o = { ...outcome, scenario: 'web', rows: [...outcome.rows, improved], failed: outcome.rows.slice(1) };
    const md = checkMarkdown(o);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## scalelab check web: FAILED (3 of 5 metrics)');
    expect(lines[2]).toBe('Scenario `web`, seed 7, against `reports/baselines/web.yaml`: 1 regression, 1 changed, 1 missing, 1 improved, 1 ok.');
    // the moved rows: regression, changed, missing, then improved; the ok row only in the folded table
    const table = lines.slice(4, lines.indexOf('', 4));
    expect(table[0]).toBe('| metric | unit | baseline | now | change | tolerance | better | verdict |');
    expect(table.slice(2).map((r) => r.split(' | ')[0])).toEqual(['| `slo_violation_seconds`', '| `scale_ups`', '| `odd\u0001metric`', '| `flip_flops`']);
    // 10 → 20: +10, +100 % of 10; 10 → 4: −6, −60 %
    expect(table[2]).toBe('| `slo_violation_seconds` | s | 10 | 20 | +10 (+100.00 %) | ±2 % | lower | **regression** |');
    expect(table[5]).toBe('| `flip_flops` | count | 10 | 4 | -6 (-60.00 %) | ±2 % | lower | improved |');
    expect(md).toContain('<details><summary>All 5 metrics</summary>');
    expect(md).toContain('| `instance_seconds` | instance·s | 100 | 101 | +1 (+1.00 %) | ±2 % | lower | ok |');
    expect(md).not.toMatch(/0\.25/); // no timings: same run, same bytes
    expect(markdownBeside('out/check.xml')).toBe('out/check.md');
    expect(markdownBeside('junit-x.XML')).toBe('junit-x.md');
    expect(markdownBeside('report')).toBe('report.md');
  });

  it('escapes what XML cannot hold raw', () => {
    expect(xmlEscape(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    expect(xmlEscape('bell\u0007')).toBe('bell');
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow();
  });
});

// ---------------------------------------------------------------- the command

const SCENARIO = `name: check-test
seed: 3
duration: 2h
engine: { name: albatross, variant: corrected }
world:
  hosts: [ { name: host, threads: 8, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 4
    load: { base: 0.9, ar1: { coefficient: 0.9, sigma: 0.05 }, bursts: { rate_per_hour: 3, height: 1.5, duration: 4m } }
`;

describe('scalelab check', () => {
  let tmp = '';
  let scenario = '';
  let out = '';
  let err = '';
  const cli = async (...args: string[]) => {
    const r = await runCli(...args);
    out = r.out;
    err = r.err;
    return r.code;
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-check-'));
    scenario = path.join(tmp, 'check-test.yaml');
    fs.writeFileSync(scenario, SCENARIO);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('without a baseline is bad input (exit 2) and says how to make one', async () => {
    expect(await cli('check', scenario, '--baseline', path.join(tmp, 'none.yaml'))).toBe(2);
    expect(err).toBe(`scalelab: error: ${path.join(tmp, 'none.yaml')}: baseline not found; create it with --update\n`);
  });

  it('--update writes a baseline; checking it again passes (exit 0) and writes JUnit', async () => {
    const base = path.join(tmp, 'base.yaml');
    expect(await cli('check', scenario, '--baseline', base, '--update')).toBe(0);
    expect(out).toMatch(/baseline .*base\.yaml written \(\d+ metrics\)/);
    const b = readBaseline(base);
    expect(b.scenario).toBe('check-test');
    expect(b.seed).toBe(3);
    expect(b.default_tolerance).toEqual({ relative: 0.02 });
    expect(b.metrics['instance_seconds']!.better).toBe('lower');
    const junit = path.join(tmp, 'junit.xml');
    expect(await cli('check', scenario, '--baseline', base, '--junit', junit)).toBe(0);
    expect(out).toMatch(/^check check-test \(seed 3\) against .*base\.yaml\nmetric +baseline +now +change +tolerance +verdict\n/);
    expect(out).toMatch(/instance_seconds .* ok\n/);
    expect(out).toMatch(/\nok: \d+ metrics within tolerance/);
    const doc = parseXml(fs.readFileSync(junit, 'utf8'));
    expect(doc.attrs['failures']).toBe('0');
    // check.md beside the JUnit file
    expect(fs.readFileSync(path.join(tmp, 'junit.md'), 'utf8')).toMatch(/^## scalelab check check-test: passed \(\d+ metrics\)\n\n.*\n\nEvery metric is within its tolerance\.\n/);
  });

  it('exits 1 on a regression, with the table naming it', async () => {
    const base = path.join(tmp, 'base.yaml');
    const b = readBaseline(base);
    const real = b.metrics['slo_violation_seconds']!.value!;
    b.metrics['slo_violation_seconds'] = { ...b.metrics['slo_violation_seconds']!, value: real / 2, tolerance: { absolute: 1 } };
    writeBaseline(base, b);
    const junit = path.join(tmp, 'junit-fail.xml');
    expect(await cli('check', scenario, '--baseline', base, '--junit', junit)).toBe(1);
    expect(out).toMatch(/slo_violation_seconds .* ±1 +REGRESSION\n/);
    expect(out).toMatch(/FAILED: 1 of \d+ metrics outside tolerance of .*: slo_violation_seconds regression/);
    const doc = parseXml(fs.readFileSync(junit, 'utf8'));
    expect(doc.attrs['failures']).toBe('1');
    expect(fs.readFileSync(path.join(tmp, 'junit-fail.md'), 'utf8')).toMatch(/^## scalelab check check-test: FAILED \(1 of \d+ metrics\)\n[^]*\| `slo_violation_seconds` \| s \| [\d.]+ \| [\d.]+ \| \+[^|]+ \| ±1 \| lower \| \*\*regression\*\* \|\n/);
    // a move the right way shows as improved in check.md and passes
    b.metrics['slo_violation_seconds'] = { ...b.metrics['slo_violation_seconds']!, value: real * 2, tolerance: { absolute: 1 } };
    writeBaseline(base, b);
    const md = path.join(tmp, 'pr.md');
    expect(await cli('check', scenario, '--baseline', base, '--markdown', md)).toBe(0);
    expect(fs.readFileSync(md, 'utf8')).toMatch(/: passed \(\d+ metrics\)\n[^]*\| `slo_violation_seconds` \| s \| [^|]+ \| [^|]+ \| -[^|]+ \| ±1 \| lower \| improved \|\n[^]*record them with `scalelab check … --update`/);
    // --update rebases deliberately, keeping the hand-written tolerance
    expect(await cli('check', scenario, '--baseline', base, '--update')).toBe(0);
    expect(readBaseline(base).metrics['slo_violation_seconds']).toMatchObject({ value: real, tolerance: { absolute: 1 } });
    expect(await cli('check', scenario, '--baseline', base)).toBe(0);
  });

  it('refuses a baseline made with another seed or overrides (exit 2)', async () => {
    const base = path.join(tmp, 'base.yaml');
    expect(await cli('check', scenario, '--baseline', base, '--seed', '4')).toBe(2);
    expect(err).toMatch(/base\.yaml: was recorded with seed 3 \(now 4\); run with the same, or rewrite it with --update/);
    expect(await cli('check', scenario, '--baseline', base, '--set', 'duration=1h')).toBe(2);
    expect(err).toMatch(/--set \[\] \(now \[duration=1h\]\)/);
  });

  it('reports a malformed baseline at its line and key (exit 2)', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, 'scalelab_baseline: 1\nscenario: check-test\nseed: 3\nsets: []\ndefault_tolerance: { relative: -1 }\nmetrics: {}\n');
    expect(await cli('check', scenario, '--baseline', bad)).toBe(2);
    expect(err).toBe(`scalelab: error: ${bad}:5: default_tolerance.relative: must be a number >= 0\n`);
  });
});
