import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { allCharts, CHART_IDS, timeScale, wrapLines } from '../src/report/charts.js';
import { escapeMarkdown, formatDuration, formatNumber, jsonForScript } from '../src/report/format.js';
import {
  renderCharts,
  renderSvg,
  reportHtml,
  scopeSvgIds,
  summaryMarkdown,
  writeReport,
} from '../src/report/render.js';
import type { ChartData, MetricSet, RunSummary } from '../src/report/types.js';
import { ChartRecorder } from '../src/report/chart-recorder.js';

const EVIL = '<script>alert("x")</script>';
const EVIL_GROUP = 'web <img src=x onerror=alert(1)> & co';

/** A small run summary; `groupCount` groups with three metrics each. */
function summary(groupCount = 3): RunSummary {
  const groups: Record<string, MetricSet> = {};
  for (let i = 0; i < groupCount; i++) {
    groups[i === 0 ? EVIL_GROUP : `g${i}`] = {
      mean_instances: { value: 2 + i / 3, unit: 'instances' },
      under: { value: i === 1 ? null : 0.01 * i, unit: 'instance·h' },
      scale_ups: { value: i, unit: 'count' },
    };
  }
  return {
    scalelab: '0.1.0',
    scenario: {
      name: `demo ${EVIL}`,
      description: 'Two groups & a <b>sine</b>.',
      file: 'scenarios/demo.yaml',
      seed: 7,
      duration_s: 5400,
      engine: {
        name: 'albatross',
        variant: 'faithful',
        config: { interval: 10_000_000, threshold_up: 80, nested: { a: [1, 2] } },
        options: { count_booting: true, label: 'a|b' },
      },
    },
    metrics: {
      accuracy_under: { value: 0.04321, unit: 'instances' },
      timeshare_under: { value: 12.3456, unit: '%' },
      instability: { value: null, unit: '%' },
      scale_actions: { value: 42, unit: 'count' },
    },
    groups,
    notes: ['elasticity metrics in instances, ε = 1; υ grid 10 s', `note ${EVIL}`],
  };
}

/**
 * `n` stats rounds per group every `step` seconds through a ChartRecorder (as a run feeds it),
 * plus a few actions and a cooldown if asked.
 */
function chartData(groups: string[], n: number, opts: { events?: boolean; step?: number; constant?: boolean } = {}): ChartData {
  const step = opts.step ?? 60;
  const rec = new ChartRecorder({ groups, duration: n * step * 1e6, interval: step * 1e6, thresholds: { up: 80, down: 30 } });
  const events = opts.events ?? true;
  if (events && groups.length > 0) {
    rec.action(0, 600e6, 'scale_up');
    rec.reversal(0, 600e6, 0);
    rec.cooldown(0, 600e6, 900e6);
    rec.action(0, 1200e6, 'primary_killed');
  }
  for (let k = 0; k < n; k++) {
    for (const gi of groups.keys()) {
      const demand = opts.constant ? 2 : 2 + gi + Math.sin(k / 50) * 1.5;
      const capacity = Math.ceil(demand);
      rec.sample(gi, k * step * 1e6, {
        demand,
        capacity,
        running: capacity,
        booting: !opts.constant && k % 40 === 0 ? 1 : 0,
        stopping: !opts.constant && k % 55 === 0 ? 1 : 0,
        orphaned: 0,
        cpu: k % 17 === 3 ? null : (demand / capacity) * 70,
        highTicks: opts.constant ? 0 : k % 5,
        lowTicks: !opts.constant && (k + 2) % 7 === 0 ? 1 : 0,
        violationUs: 0,
      });
    }
  }
  rec.close(groups.map(() => 0));
  return rec.finish();
}

/** Checks that every tag opened in an SVG is closed in order (a light well-formedness test). */
function expectBalancedSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scalelab-report-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Renders the page for `data` the way `writeReport` does. */
async function page(data: ChartData, s: RunSummary = summary()): Promise<string> {
  const specs = allCharts(data);
  return reportHtml(s, await renderCharts(specs), specs);
}

describe('renderSvg', () => {
  it('renders a tiny spec to well-formed SVG without canvas or network', async () => {
    const spec: TopLevelSpec = {
      data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
      mark: 'line',
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
    };
    const svg = await renderSvg(spec);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expectBalancedSvg(svg);
    expect(await renderSvg(spec)).toBe(svg);
  });

  it('renames element ids and their references under a prefix', () => {
    const svg = '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><use href="#clip7"/></svg>';
    expect(scopeSvgIds(svg, 'c')).toBe(
      '<svg><clipPath id="c-1"><rect/></clipPath><g clip-path="url(#c-1)"/><use href="#c-1"/></svg>',
    );
  });
});

describe('charts', () => {
  it('render with zero actions and cooldowns', async () => {
    const svgs = await renderCharts(allCharts(chartData(['a', 'b'], 30, { events: false })));
    for (const id of CHART_IDS) expectBalancedSvg(svgs[id]);
  });

  it('render with no groups or points at all', async () => {
    const empty: ChartData = { groups: [], duration: 0, bucket: 1, buckets: [], actions: [], actionCounts: [], thresholds: { up: 80, down: 20 } };
    const svgs = await renderCharts(allCharts(empty));
    for (const id of CHART_IDS) expectBalancedSvg(svgs[id]);
  });

  it('facets one row per group, in the given order', () => {
    const specs = allCharts(chartData(['z', 'a', 'm'], 10));
    for (const id of CHART_IDS) {
      const spec = specs[id] as { facet: { row: { field: string; sort: string[] } } };
      expect(spec.facet.row.field).toBe('group');
      expect(spec.facet.row.sort).toEqual(['z', 'a', 'm']);
    }
  });

  it('leaves out points that repeat the previous values but closes each group at the end', () => {
    const data = chartData(['a'], 100, { events: false, constant: true });
    const spec = allCharts(data).instances as { data: { values: { t: number }[] } };
    // 100 rounds of 60 s: one bucket of 60 s each (6,000 s / 480 → 15 s, a multiple of 60 s: 60 s)
    expect(data.bucket).toBe(60);
    expect(spec.data.values.map((r) => r.t)).toEqual([0, 100 * 60]);
  });

  it('shows minutes under an hour, hours up to a day, days beyond', () => {
    expect(timeScale({ duration: 3599 }).title).toBe('time (min)');
    expect(timeScale({ duration: 3600 }).title).toBe('time (h)');
    expect(timeScale({ duration: 86_400 }).title).toBe('time (h)');
    expect(timeScale({ duration: 86_401 }).title).toBe('time (days)');
    expect(timeScale({ duration: 30 * 86_400 }).max).toBe(30);
  });

  it('wraps subtitles at spaces', () => {
    expect(wrapLines(['aaa bbb ccc', 'dd'], 7)).toEqual(['aaa bbb', 'ccc', 'dd']);
  });
});

describe('chart marks', () => {
  /** One group, 40 rounds of 10 s (400 s → 10 s buckets), with violation, a flip-flop and actions. */
  function marked(detailLimit?: number): ChartData {
    const rec = new ChartRecorder({ groups: ['web'], duration: 400e6, interval: 10e6, thresholds: { up: 80, down: 20 }, ...(detailLimit === undefined ? {} : { actionDetailLimit: detailLimit }) });
    rec.action(0, 100e6, 'scale_up');
    rec.reversal(0, 100e6, 0);
    rec.action(0, 105e6, 'spawn_failed');
    rec.action(0, 200e6, 'scale_down');
    rec.reversal(0, 200e6, 2);
    for (let k = 0; k < 40; k++) {
      // violating from 50 s to 80 s: the metrics' integral grows by 10 s a round there
      const violation = Math.min(Math.max(k * 10 - 50, 0), 30) * 1e6;
      rec.sample(0, k * 10e6, { demand: 1, capacity: 1, running: 1, booting: 0, stopping: 0, orphaned: 0, cpu: 0, highTicks: 0, lowTicks: 0, violationUs: violation });
    }
    rec.close([30e6]);
    return rec.finish();
  }
  const rowsOf = (spec: TopLevelSpec) => (spec as { data: { values: Record<string, unknown>[] } }).data.values;

  it('shades the buckets with SLO-violation time and marks the flip-flop', () => {
    const rows = rowsOf(allCharts(marked()).demand);
    // [50, 60), [60, 70), [70, 80) each fully violated (share 1)
    expect(rows.filter((r) => r['kind'] === 'slo').map((r) => [r['t0'], r['share']])).toEqual([[50, 1], [60, 1], [70, 1]]);
    // the scale-down at 200 s is a flip-flop: a marker mid-bucket [200, 210)
    expect(rows.filter((r) => r['kind'] === 'flip').map((r) => [r['t'], r['mark']])).toEqual([[205, 'flip-flop']]);
    expect(rows.filter((r) => r['kind'] === 'action').map((r) => r['action'])).toEqual(['scale_up', 'spawn_failed', 'scale_down']);
  });

  it('draws the engine’s 0 % reading beside the true utilisation', () => {
    const rows = rowsOf(allCharts(marked()).cpu).filter((r) => r['kind'] === 'point');
    expect(rows[0]).toMatchObject({ 'observed by the engine': 0, 'true utilisation (simulator)': 100 }); // demand 1 on 1 core
  });

  it('stacks the actions per bucket, and drops the rules beyond the detail limit', () => {
    const data = marked(2);
    expect(data.actions).toBeNull();
    const bars = rowsOf(allCharts(data).actions).filter((r) => r['kind'] === 'count');
    // bucket [100, 110): scale_up 0–1, then spawn_failed 1–2 (legend order); [200, 210): scale_down 0–1
    expect(bars.map((r) => [r['t0'], r['action'], r['y0'], r['y1']])).toEqual([
      [100, 'scale_up', 0, 1],
      [200, 'scale_down', 0, 1],
      [100, 'spawn_failed', 1, 2],
    ]);
    expect(rowsOf(allCharts(data).demand).some((r) => r['kind'] === 'action')).toBe(false);
  });
});

describe('reportHtml', () => {
  it('has one SVG per chart and one embedded spec per chart', async () => {
    const html = await page(chartData(['a', 'b'], 50));
    expect(html.match(/<svg/g)).toHaveLength(CHART_IDS.length);
    for (const id of CHART_IDS) {
      const m = new RegExp(`<script type="application/json" id="spec-${id}">(.*?)</script>`).exec(html);
      expect(m).not.toBeNull();
      expect(JSON.parse(m![1]!)).toEqual(allCharts(chartData(['a', 'b'], 50))[id]);
    }
  });

  it('references nothing outside the file', async () => {
    const html = await page(chartData(['a', 'b'], 50));
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
    // Attributes inside tags only (escaped text such as `&lt;img src=x&gt;` is not a tag).
    const tags = html.replace(/<script type="application\/json"[^>]*>.*?<\/script>/gs, '').match(/<[a-zA-Z][^>]*>/g)!;
    for (const tag of tags) {
      for (const m of tag.matchAll(/\s(?:src|href|xlink:href|action|srcset|poster)\s*=\s*["']?([^"'\s>]*)/gi)) {
        expect(m[1]!.startsWith('#'), `external reference in ${tag}`).toBe(true);
      }
    }
    const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]*/g));
    expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
  });

  it('escapes HTML in names, notes and configuration', async () => {
    const html = await page(chartData([EVIL_GROUP, 'b'], 20));
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>sine</b>');
    expect(html).toContain('demo &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('web &lt;img src=x onerror=alert(1)&gt; &amp; co');
    // Only the four spec scripts, each closed once.
    expect(html.match(/<script/g)).toHaveLength(CHART_IDS.length);
    expect(html.match(/<\/script>/g)).toHaveLength(CHART_IDS.length);
  });

  it('gives element ids that are unique across the page', async () => {
    const html = await page(chartData(['a', 'b'], 50));
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists the first 50 groups and says so when there are more', async () => {
    const html = await page(chartData(['a'], 10), summary(60));
    expect(html).toContain('Showing the first 50 of 60 groups');
    expect(html).toContain('<td>g49</td>');
    expect(html).not.toContain('<td>g50</td>');
  });

  it('shows the header, metrics with units, configuration and notes', async () => {
    const html = await page(chartData(['a'], 10));
    expect(html).toContain('<dt>variant</dt><dd>faithful</dd>');
    expect(html).toContain('<dt>seed</dt><dd>7</dd>');
    expect(html).toContain('<dt>duration</dt><dd>1 h 30 min (5400 s)</dd>');
    expect(html).toContain('<tr><td>accuracy_under</td><td class="num">0.0432</td><td>instances</td><td class="muted"></td></tr>');
    expect(html).toContain('<tr><td>instability</td><td class="num">—</td><td>%</td><td class="muted"></td></tr>');
    expect(html).toContain('<code>{&quot;a&quot;:[1,2]}</code>');
    expect(html).toContain('<li>elasticity metrics in instances, ε = 1; υ grid 10 s</li>');
  });
});

describe('summaryMarkdown', () => {
  it('has the scenario line, the metrics table rows, groups and notes', () => {
    const md = summaryMarkdown(summary());
    expect(md).toContain('**Scenario** demo \\<script\\>alert("x")\\</script\\> — engine albatross, variant faithful, seed 7, duration 1 h 30 min');
    expect(md).toContain('| metric | value | unit | meaning |\n| --- | ---: | --- | --- |\n');
    expect(md).toContain('| accuracy_under | 0.0432 | instances |  |');
    expect(md).toContain('| timeshare_under | 12.35 | % |  |');
    expect(md).toContain('| instability | — | % |  |');
    expect(md).toContain('| scale_actions | 42 | count |  |');
    // one table per family: cost, scaling, then the metrics no family names
    expect(md).toContain('### Cost\n\n| group | mean_instances (instances) |\n| --- | ---: |\n');
    expect(md).toContain('### Scaling and faults\n\n| group | scale_ups (count) |');
    expect(md).toContain('### Other\n\n| group | under (instance·h) |');
    expect(md).toContain('| g1 | 2.33 |');
    expect(md).toContain('| g1 | — |');
    expect(md).toContain('- elasticity metrics in instances, ε = 1; υ grid 10 s');
  });

  it('lists the first groups only, saying how many there are', () => {
    const md = summaryMarkdown(summary(30), { groupLimit: 5 });
    expect(md).toContain('## Groups (first 5 of 30)');
    expect(md).toContain('| g4 |');
    expect(md).not.toContain('| g5 |');
  });
});

describe('formatting', () => {
  it('formats numbers at a fixed precision', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(1234)).toBe('1234');
    expect(formatNumber(4567.891)).toBe('4567.9');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(0.04321)).toBe('0.0432');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(Infinity)).toBe('∞');
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(90_000)).toBe('1 d 1 h');
  });

  it('escapes Markdown cells and script JSON', () => {
    expect(escapeMarkdown('a|b\n*c*')).toBe('a\\|b \\*c\\*');
    expect(jsonForScript({ s: '</script><!--' })).toBe('{"s":"\\u003c/script>\\u003c!--"}');
  });
});

describe('writeReport', () => {
  it('writes report.html and summary.md atomically and deterministically', async () => {
    const data = chartData(['a', EVIL_GROUP], 200);
    const [one, two] = [await tempDir(), await tempDir()];
    await writeReport(one, summary(), data);
    await writeReport(join(two, 'nested'), summary(), data);
    expect((await readdir(one)).sort()).toEqual(['report.html', 'summary.md']);
    for (const file of ['report.html', 'summary.md']) {
      const a = await readFile(join(one, file));
      const b = await readFile(join(two, 'nested', file));
      expect(a.equals(b), file).toBe(true);
    }
    expect(await readFile(join(one, 'summary.md'), 'utf8')).toBe(summaryMarkdown(summary()));
  });
});
