/**
 * `decide --dry-run` (src/bridge/dry-run.ts): the window lines and the final block, for a small
 * hand-made sequence of observations and decisions. Expected texts worked by hand: windows of
 * 60 s aligned to Unix time (T0 = 1779999960 s = 2026-05-28T20:26:00Z is a multiple of 60).
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../src/bridge/bridge.js';
import { DryRun } from '../src/bridge/dry-run.js';

const S = 1_000_000;
const T0 = 1_779_999_960 * S;

const scale = (subject: string, now: number, from: number, to: number): Decision => ({
  now,
  subject,
  request: { type: 'observe', group: subject, obs: { specReplicas: from, pods: [] } as never },
  reply: { type: 'step', actions: from === to ? [] : [{ type: 'scale', from, to, reason: 'cpu' }], desiredReplicas: to },
});

/** The sequence: line 1 at +1 s (web 2→4), line 2 at +30 s (db 3→2, then a quiet reply), line 3 at +61 s, line 4 at +200 s. */
function feed(json: boolean): string[] {
  const out: string[] = [];
  const d = new DryRun({ every: 60 * S, json, write: (l) => out.push(l) });
  const line = (t: number, n: number) => {
    d.at(T0 + t * S);
    d.observation(T0 + t * S, `stdin:${n}`);
  };
  line(1, 1);
  d.decision(scale('web', T0 + 1 * S, 2, 4));
  line(30, 2);
  d.decision(scale('db', T0 + 30 * S, 3, 2));
  d.decision(scale('web', T0 + 30 * S, 4, 4));
  line(61, 3);
  line(200, 4);
  d.finish();
  return out;
}

describe('dry-run summaries', () => {
  it('prints one line per window of input time, a quiet span, and the totals', () => {
    expect(feed(false)).toEqual([
      // window [T0, T0+60): lines 1 and 2; two replies acted (web up, db down), one did not
      '2026-05-28T20:27:00Z 60 s: 2 observations, 2 decisions acting: web scale 2→4; db scale 3→2 | would-be totals: 1 up, 1 down, 0 problems',
      // window [T0+60, T0+120): line 3 only; closed by line 4 at T0+200, which opens [T0+180, T0+240)
      '2026-05-28T20:28:00Z 60 s: 1 observations, 0 decisions acting | would-be totals: 1 up, 1 down, 0 problems',
      '2026-05-28T20:28:00Z..2026-05-28T20:29:00Z: no input',
      '2026-05-28T20:30:00Z 60 s: 1 observations, 0 decisions acting | would-be totals: 1 up, 1 down, 0 problems',
      // 200 − 1 = 199 s of input; the largest gap is line 3 → line 4: 200 − 61 = 139 s
      'totals over 199 s of input: 4 observations, 3 decisions',
      '  actions: scale 2',
      '  by group: web scale 1; db scale 1',
      '  would-be totals: 1 up, 1 down',
      '  largest gap between observations: 139 s (before stdin:4)',
      '  input problems: none',
    ]);
  });

  it('prints the same as JSON objects with --json', () => {
    const lines = feed(true).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ window_end: '2026-05-28T20:27:00Z', seconds: 60, observations: 2, decisions: 3, acting: 2, actions: { scale: 2 }, groups: { web: { scale: 1 }, db: { scale: 1 } }, problems: 0 });
    expect(lines.at(-1)).toEqual({ final: true, seconds: 199, lines: 4, decisions: 3, actions: { scale: 2 }, groups: { web: { scale: 1 }, db: { scale: 1 } }, up: 1, down: 1, largest_gap_seconds: 139, late_requests: 0, problems: [] });
  });
});

describe('dry-run in protocol mode', () => {
  it('names the latest request that came after the engine\'s wake-up', () => {
    const out: string[] = [];
    const d = new DryRun({ every: 60 * S, json: false, write: (l) => out.push(l) });
    d.at(T0 + 10 * S);
    d.observation(T0 + 10 * S, 'stdin:1');
    // the engine asked to be woken at T0 + 5.8 s; the observe came at T0 + 10 s: 4.2 s late
    d.decision({ ...scale('web', T0 + 10 * S, 2, 2), late: 4_200_000 });
    d.finish();
    expect(out).toContain('  late requests: 1; the latest: observe web arrived 4.2 s after the engine\'s wake-up (2026-05-28T20:26:10Z)');
  });
});
