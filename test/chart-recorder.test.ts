/**
 * The bucketed chart recorder, on series worked by hand (times in seconds in the comments).
 */
import { describe, expect, it } from 'vitest';
import { bucketWidth, ChartRecorder, type ChartSample } from '../src/report/chart-recorder.js';
import { compactSvgNumbers, svgTooltips } from '../src/report/render.js';

const S = 1e6;

/** A sample with the given fields, the rest zero. */
function sample(fields: Partial<ChartSample>): ChartSample {
  return { demand: 0, capacity: 0, running: 0, booting: 0, stopping: 0, orphaned: 0, cpu: null, highTicks: 0, lowTicks: 0, violationUs: 0, ...fields };
}

describe('bucketWidth', () => {
  it('picks the first nice width that is a multiple of the interval and leaves ≤ 480 buckets', () => {
    expect(bucketWidth(86_400 * S, 10 * S)).toBe(300 * S); //          86,400 / 480 = 180 → 300 s (288 buckets)
    expect(bucketWidth(7 * 86_400 * S, 10 * S)).toBe(1800 * S); //     604,800 / 480 = 1,260 → 1,800 s (336)
    expect(bucketWidth(30 * 86_400 * S, 10 * S)).toBe(7200 * S); //    2,592,000 / 480 = 5,400 → 7,200 s (360)
    expect(bucketWidth(160 * 86_400 * S, 10 * S)).toBe(43_200 * S); // 13,824,000 / 480 = 28,800 → 43,200 s (320)
    expect(bucketWidth(3600 * S, 10 * S)).toBe(10 * S); //              3,600 / 480 = 7.5 < the interval → 10 s
  });

  it('falls back to a multiple of an odd interval', () => {
    // 604,800 / 480 = 1,260 s; no nice width up to a day is a multiple of 7 s, nor is a day
    // (86,400 / 7 is not whole) → ⌈1,260 / 7⌉ · 7 = 1,260 s
    expect(bucketWidth(7 * 86_400 * S, 7 * S)).toBe(1260 * S);
  });
});

describe('ChartRecorder', () => {
  // 9,600 s at 10 s: 9,600 / 480 = 20 → 20 s buckets, 480 of them
  const make = (limit?: number) =>
    new ChartRecorder({ groups: ['web'], duration: 9600 * S, interval: 10 * S, thresholds: { up: 80, down: 20 }, ...(limit === undefined ? {} : { actionDetailLimit: limit }) });

  it('keeps min, mean and max per bucket, and the true utilisation beside the observed one', () => {
    const rec = make();
    expect(rec.bucket).toBe(20 * S);
    rec.sample(0, 0, sample({ demand: 1, capacity: 2, running: 2, cpu: 40, highTicks: 1 }));
    rec.sample(0, 10 * S, sample({ demand: 3, capacity: 2, running: 1, booting: 1, cpu: null, highTicks: 2, lowTicks: 1 }));
    rec.close([0]);
    const [b] = rec.finish().buckets;
    expect(b).toMatchObject({
      t0: 0,
      t1: 20,
      samples: 2,
      demand_min: 1,
      demand_mean: 2, // (1 + 3) / 2
      demand_max: 3,
      capacity_mean: 2,
      running: 1.5, // (2 + 1) / 2
      booting: 0.5,
      cpu_min: 40, // the round with no reading is left out
      cpu_mean: 40,
      cpu_max: 40,
      true_cpu: 75, // (min(1, 2)/2 = 50 % + min(3, 2)/2 = 100 %) / 2
      high_ticks: 2, // the largest
      low_ticks: 1,
    });
  });

  it('puts the SLO-violation time between two samples in the first one’s bucket', () => {
    const rec = make();
    rec.sample(0, 0, sample({ violationUs: 0 }));
    rec.sample(0, 10 * S, sample({ violationUs: 0 }));
    rec.sample(0, 20 * S, sample({ violationUs: 7 * S })); // 7 s in [10, 20) → bucket 0
    rec.close([12 * S]); //                                 5 s more after 20 s → bucket 1
    const buckets = rec.finish().buckets;
    expect(buckets.map((b) => b.violation_s)).toEqual([7, 5]);
  });

  it('spreads a cooldown over the buckets it covers, cut short where asked', () => {
    const rec = make();
    for (let t = 0; t < 60; t += 10) rec.sample(0, t * S, sample({}));
    rec.cooldown(0, 15 * S, 55 * S); // [15, 55): 5 s in bucket 0, 20 s in bucket 1, 15 s in bucket 2
    rec.cutCooldown(0, 45 * S); //      … ends at 45 instead: 5 s in bucket 2
    rec.close([0]);
    expect(rec.finish().buckets.map((b) => b.cooldown_s)).toEqual([5, 20, 5]);
  });

  it('ends a cooldown where the next one starts', () => {
    const rec = make();
    for (let t = 0; t < 60; t += 10) rec.sample(0, t * S, sample({}));
    rec.cooldown(0, 0, 30 * S);
    rec.cooldown(0, 10 * S, 20 * S); // the first one counts for [0, 10) only; the second [10, 20)
    rec.close([0]);
    expect(rec.finish().buckets.map((b) => b.cooldown_s)).toEqual([20, 0, 0]);
  });

  it('counts actions, reversals and flip-flops per bucket; drops the one-by-one list beyond the limit', () => {
    const rec = make(2);
    rec.sample(0, 0, sample({}));
    rec.action(0, 1 * S, 'scale_up');
    rec.action(0, 5 * S, 'scale_down');
    rec.reversal(0, 5 * S, 2);
    expect(rec.finish().actions).toEqual([
      { t: 1, group: 'web', action: 'scale_up' },
      { t: 5, group: 'web', action: 'scale_down' },
    ]);
    rec.action(0, 25 * S, 'scale_up'); // the third: over the limit of 2
    rec.reversal(0, 25 * S, 1);
    rec.close([0]);
    const data = rec.finish();
    expect(data.actions).toBeNull();
    expect(data.actionCounts).toEqual([
      { group: 'web', t0: 0, t1: 20, action: 'scale_up', count: 1 },
      { group: 'web', t0: 0, t1: 20, action: 'scale_down', count: 1 },
      { group: 'web', t0: 20, t1: 40, action: 'scale_up', count: 1 },
    ]);
    expect([data.buckets[0]!.reversals, data.buckets[0]!.flip_flops]).toEqual([1, 1]);
  });

  it('holds the same fixed arrays whatever the run length', () => {
    const day = new ChartRecorder({ groups: ['a', 'b'], duration: 86_400 * S, interval: 10 * S, thresholds: { up: 1, down: 0 } });
    const year = new ChartRecorder({ groups: ['a', 'b'], duration: 365 * 86_400 * S, interval: 10 * S, thresholds: { up: 1, down: 0 } });
    expect(day.bucketCount).toBe(288);
    expect(year.bucketCount).toBe(365); // 31,536,000 / 480 = 65,700 → one-day buckets
  });
});

describe('SVG post-processing', () => {
  it('turns a mark’s description into a <title> tooltip', () => {
    expect(svgTooltips('<g><path aria-label="3 × scale_up" role="graphics-symbol" d="M0,0"/></g>')).toBe('<g><path role="graphics-symbol" d="M0,0"><title>3 × scale_up</title></path></g>');
    expect(svgTooltips('<path d="M0,0"/>')).toBe('<path d="M0,0"/>');
  });

  it('rounds geometry to hundredths of a pixel', () => {
    expect(compactSvgNumbers('<path d="M8.333333333333332,0h2.7777777777777786v110Z" fill="#fff"/>')).toBe('<path d="M8.33,0h2.78v110Z" fill="#fff"/>');
    expect(compactSvgNumbers('<text x="1.5" y="2.125">0.123456</text>')).toBe('<text x="1.5" y="2.13">0.123456</text>');
  });
});
