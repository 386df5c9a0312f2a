/**
 * Long runs stay readable and bounded: a 30-day run's report draws about as many marks as a
 * week's, well under a fixed ceiling, and (when Chromium is installed) loads in a real browser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BUCKETS } from '../src/report/chart-recorder.js';
import { CHART_IDS } from '../src/report/charts.js';
import { runScenario } from '../src/run/run.js';
import { loadScenario } from '../src/scenario/load.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Run the quirk scenario for `days` (stats every 60 s to keep the test quick); its report.html. */
async function longReport(days: number): Promise<{ html: string; dir: string }> {
  const cached = reports.get(days);
  if (cached) return cached;
  const made = makeReport(days);
  reports.set(days, made);
  return made;
}

/** Reports already made, by days (the browser check reuses the month). */
const reports = new Map<number, Promise<{ html: string; dir: string }>>();

/** See {@link longReport}. */
async function makeReport(days: number): Promise<{ html: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-long-'));
  dirs.push(dir);
  const scenario = loadScenario('scenarios/albatross-quirk-faithful.yaml', {
    sets: [`duration=${days}d`, 'world.stats_interval=60s', 'output.timeseries=false', 'output.events=false', 'faults=[]'],
  });
  await runScenario(scenario, { outDir: dir });
  return { html: readFileSync(join(dir, 'report.html'), 'utf8'), dir };
}

/** Drawn marks (paths, lines, rects) in each chart's SVG. */
function marksPerChart(html: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of CHART_IDS) {
    const figure = new RegExp(`<figure id="chart-${id}"[^>]*>([\\s\\S]*?)</figure>`).exec(html)![1]!;
    const svg = /<svg[\s\S]*?<\/svg>/.exec(figure)![0];
    out[id] = (svg.match(/<(path|line|rect)\b/g) ?? []).length;
  }
  return out;
}

/** Whether `chromium` can be started here. */
function hasChromium(): boolean {
  return spawnSync('chromium', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('reports of long runs', () => {
  it('a month draws about as many marks as a week, under a fixed ceiling, on a time axis in days', async () => {
    const week = await longReport(7);
    const month = await longReport(30);
    const w = marksPerChart(week.html);
    const m = marksPerChart(month.html);
    // Two groups, at most 480 buckets each; per bucket at most a few marks (SLO shading, a
    // hover rectangle, a flip-flop marker, a bar per action kind, a cooldown shade), plus axes,
    // grid and legend: 2 × 480 × 6 + 600 = 6,360 is a ceiling no run length can pass.
    for (const id of CHART_IDS) {
      expect(m[id], id).toBeLessThanOrEqual(2 * MAX_BUCKETS * 6 + 600);
      expect(m[id]! / Math.max(w[id]!, 1), id).toBeLessThan(1.6);
    }
    expect(month.html.length / week.html.length).toBeLessThan(1.6);
    expect(month.html.length).toBeLessThan(3_000_000);
    expect(month.html).toContain('time (days)');
    expect(month.html).toContain('<title>'); // tooltips
  }, 120_000);

  it.skipIf(!hasChromium())('a 30-day report loads in headless Chromium and draws every chart', async () => {
    const month = await longReport(30);
    const png = join(month.dir, 'shot.png');
    const file = `file://${join(month.dir, 'report.html')}`;
    const dom = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', file], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
    expect(dom.status).toBe(0);
    expect((dom.stdout.match(/<svg/g) ?? []).length).toBe(CHART_IDS.length);
    const shot = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${png}`, '--window-size=1200,3000', file], { timeout: 90_000 });
    expect(shot.status).toBe(0);
    expect(existsSync(png) && statSync(png).size > 10_000).toBe(true);
  }, 200_000);

  if (!hasChromium()) {
    it('(browser check skipped: `chromium` is not installed — apt-get install chromium to run it)', () => {
      console.warn('report-long: chromium not found on PATH; skipped loading the 30-day report in a browser');
    });
  }
});
