/**
 * The steady-turn fast path (src/engines/kraftcloud/steady.ts) lives outside the core; these
 * property tests prove it decides exactly as the core (`decide` in src/engines/kraftcloud/engine.ts)
 * wherever it answers — the same state object, no actions, the same wake-up — and that it answers
 * every turn of its domain (scale-to-zero off and remembering nothing, nothing parked) on which
 * the core does nothing, over random configurations, states and observations. Each random turn
 * is given to the core as its observation and to the fast path in columns (`SteadyReading`), the
 * way the world's sensor reads it (src/engines/kraftcloud/world.ts: every running instance with
 * the service's per-instance requests).
 */
import { describe, expect, it } from 'vitest';
import { parseKraftcloudConfig, type KraftcloudConfig } from '../src/engines/kraftcloud/config.js';
import { decide, type IdleMemory, type InstanceObservation, type InstanceState, type KraftcloudState, type Observation } from '../src/engines/kraftcloud/engine.js';
import { READ_STATE, steadyPlan, steadyTurn, type SteadyReading } from '../src/engines/kraftcloud/steady.js';
import { stream, type RandomStream } from '../src/kernel/random.js';

const MS = 1_000;

function pick<T>(rng: RandomStream, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

function int(rng: RandomStream, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

/** Step lists per metric, bounds near the values the observations take (so steps match, and miss). */
const STEPS: Record<string, string[][]> = {
  cpu: [['600:800/50', '800:/100'], [':50/-50'], [':500/-50'], ['700:/2'], [':300/-1', '300:700/0', '700:/3'], ['0:600/1']],
  inflight_reqs: [[':1/1', '1:3/2', '3:/6'], ['2:/1'], [':1/-1']],
  reqs_per_sec: [[':100/-30', '100:2000/0'], ['500:/50'], [':200/-100']],
};

/** A random valid service configuration. */
function randomConfig(rng: RandomStream): KraftcloudConfig {
  const minSize = int(rng, 0, 3);
  const hasPorts = rng.next() < 0.9;
  const policies = Array.from({ length: int(rng, 1, 3) }, (_, k) => {
    const metric = pick(rng, ['cpu', 'cpu', 'inflight_reqs', 'reqs_per_sec']);
    return { name: `p${k}`, metric, adjustment: pick(rng, ['percent', 'change', 'exact']), steps: pick(rng, STEPS[metric]!) };
  });
  return parseKraftcloudConfig({
    master: 'svc',
    min_size: minSize,
    max_size: int(rng, Math.max(minSize, 1), 8),
    warmup_time: `${int(rng, 10, 2000)}ms`,
    cooldown_time: `${int(rng, 10, 2000)}ms`,
    decision_period: pick(rng, ['10ms', '10ms', '7ms']),
    has_ports: hasPorts,
    policies,
    // mostly off (the fast path's domain), sometimes on or idle (it must step aside)
    scale_to_zero: { policy: hasPorts ? pick(rng, ['off', 'off', 'off', 'on', 'idle']) : 'off', cooldown_time: '1s', notify_time: pick(rng, ['0ms', '100ms']) },
    options: {
      warmup_meaning: pick(rng, ['legacy', 'current']),
      cpu_aggregation: pick(rng, ['average', 'average', 'sum']),
      inflight_aggregation: pick(rng, ['average', 'sum']),
      rps_aggregation: pick(rng, ['average', 'sum']),
      percent_rounding: pick(rng, ['aws', 'toward_zero', 'away_from_zero', 'nearest']),
    },
  });
}

/** A random turn: state, observation and time. */
function randomTurn(rng: RandomStream): { state: KraftcloudState; obs: Observation; now: number; reading: SteadyReading } {
  const now = int(rng, 100, 100_000) * 10 * MS + (rng.next() < 0.2 ? int(rng, 1, 9_999) : 0);
  const ago = () => (rng.next() < 0.3 ? null : now - int(rng, 0, 3000) * MS);
  const n = pick(rng, [0, 1, 1, 2, 3, 4, 6, 8, 9]);
  // the world splits requests evenly: every running instance reports the same in-flight requests and requests/s
  const inflight = pick(rng, [0, 0.5, 1, 2, 3, rng.next() * 5]);
  const rps = rng.next() * 2500;
  const instances: InstanceObservation[] = Array.from({ length: n }, (_, k) => {
    const state: InstanceState = rng.next() < 0.85 ? 'running' : rng.next() < 0.6 ? 'starting' : 'standby';
    const createdAt = now - int(rng, 0, 3000) * MS;
    const running = state === 'running';
    // millicores now and then exactly on a step bound
    const millicores = running ? (rng.next() < 0.2 ? pick(rng, [0, 50, 300, 500, 600, 700, 800]) : rng.next() * 1200) : 0;
    return { id: `svc-${k + 1}`, state, createdAt, since: createdAt + int(rng, 0, 50) * MS, millicores, inflight: running ? inflight : 0, rps: running ? rps : 0, connections: running ? inflight : 0, lastRequestAt: running && rng.next() < 0.7 ? now : null };
  });
  const idle = new Map<string, IdleMemory>();
  if (rng.next() < 0.1 && n > 0) idle.set('svc-1', { lastBusy: now - 20 * MS, notifiedFor: null });
  const waiting = rng.next() < 0.15 ? pick(rng, [1, 0.3, 12]) : 0;
  return { state: { lastScaleOut: ago(), lastScaleIn: ago(), idle }, obs: { instances, waiting }, now, reading: readingOf(instances, inflight, rps, waiting) };
}

/** The same turn in the fast path's columns (as the world's sensor fills them; columns longer than the count). */
function readingOf(instances: readonly InstanceObservation[], inflight: number, rps: number, waiting: number): SteadyReading {
  const room = instances.length + 2;
  const r: SteadyReading = { count: instances.length, states: new Uint8Array(room).fill(9), createdAt: new Float64Array(room).fill(NaN), millicores: new Float64Array(room).fill(NaN), inflight, rps, waiting };
  instances.forEach((i, k) => {
    r.states[k] = READ_STATE[i.state];
    r.createdAt[k] = i.createdAt;
    r.millicores[k] = i.millicores;
  });
  return r;
}

/** Outside the fast path's domain whatever the metrics say. */
function outsideDomain(config: KraftcloudConfig, state: KraftcloudState, obs: Observation): boolean {
  const toZero = config.hasPorts && config.scaleToZero.policy !== 'off';
  return toZero || state.idle.size > 0 || obs.instances.some((i) => i.state === 'standby');
}

describe('the steady-turn fast path decides exactly as the core', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random configurations and turns (seed ${seed})`, () => {
      const rng = stream(seed, 'test:kraftcloud-steady');
      let answered = 0;
      let declined = 0;
      let answeredWithStep = 0;
      for (let c = 0; c < 300; c++) {
        const config = randomConfig(rng);
        const plan = steadyPlan(config);
        for (let k = 0; k < 60; k++) {
          const { state, obs, now, reading } = randomTurn(rng);
          const fast = steadyTurn(plan, state, reading, now);
          const core = decide(config, state, obs, now);
          const idle = core.state === state && core.actions.length === 0;
          if (fast >= 0) {
            answered++;
            if (core.evaluations.some((e) => e.step !== null)) answeredWithStep++;
            expect(core.state).toBe(state);
            expect(core.actions).toEqual([]);
            expect(core.wakeAt).toBe(fast);
          } else {
            declined++;
            // within its domain it declines only turns on which the core acts
            if (!outsideDomain(config, state, obs)) expect(idle).toBe(false);
          }
        }
      }
      // neither side vacuous: many turns answered (some with a step that applied but changed nothing), many left to the core
      expect(answered).toBeGreaterThan(3000);
      expect(answeredWithStep).toBeGreaterThan(300);
      expect(declined).toBeGreaterThan(3000);
    });
  }
});
