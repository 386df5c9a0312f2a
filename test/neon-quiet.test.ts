/**
 * The Neon driver's fast path (src/run/neon-quiet.ts) decides exactly as the agent core.
 *
 * 1. Property test on random agent histories: the core (engines/neon/agent.ts `nextActions`) is
 *    driven through random requests, answers, failures, denials, monitor upscale requests and
 *    metrics at random times; whenever a call asks for nothing, the state is probed at random
 *    later instants before its wait ends with new random metrics of the same goal (rule 1), and
 *    whenever a call asks for a plugin request alone, the next round is checked (rule 2).
 * 2. End to end: simulateNeon with the fast path on and off writes the same events, time series
 *    and metrics on random clusters (both plugin models, request failures, LFC metrics).
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import {
  agentGoalCU,
  DEFAULT_AGENT_CONFIG,
  metricsUpdated,
  monitorApproved,
  monitorDenied,
  monitorFailed,
  monitorRequestedUpscale,
  monitorStarting,
  neonvmDone,
  neonvmFailed,
  neonvmStarting,
  newAgentState,
  nextActions,
  pluginAnswered,
  pluginFailed,
  pluginStarting,
  type ActionSet,
  type AgentConfig,
  type AgentState,
} from '../src/engines/neon/agent.js';
import { cu, GiB, maxRes, minRes, sameRes, type Resources } from '../src/engines/neon/resources.js';
import { anyAction, mayStayQuiet, onlyPluginRequest, pluginTickAt, quietUntil, steadyAnswerQuietUntil, steadyRequest } from '../src/run/neon-quiet.js';
import { simulateNeon } from '../src/run/neon.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { randomNeonCluster } from './neon-random-cluster.js';

const S = 1_000_000;

/** The agent's state as plain data (Resources and nested records), for cloning. */
const clone = (s: AgentState): AgentState => structuredClone(s);

/** Random system metrics: loads 0–4 in /proc/loadavg's two decimals, 0.1–12 GiB in use. */
function randomMetrics(rng: () => number): { load1: number; load5: number; memoryUsageBytes: number; memoryCachedBytes: number } {
  const two = (x: number) => Math.round(x * 100) / 100;
  return { load1: two(rng() * 4), load5: two(rng() * 4), memoryUsageBytes: Math.round((0.1 + rng() * 12) * GiB), memoryCachedBytes: 0 };
}

/** Metrics near `m` (a small change, so that the goal often stays the same). */
function nearMetrics(rng: () => number, m: ReturnType<typeof randomMetrics>): ReturnType<typeof randomMetrics> {
  const two = (x: number) => Math.max(0, Math.round(x * 100) / 100);
  return { load1: two(m.load1 + (rng() - 0.5) * 0.1), load5: two(m.load5 + (rng() - 0.5) * 0.05), memoryUsageBytes: Math.max(0, Math.round(m.memoryUsageBytes + (rng() - 0.5) * 0.2 * GiB)), memoryCachedBytes: 0 };
}

/** Pending outcomes of requests a random driver made (answered at a random later time). */
interface Pending {
  at: number;
  kind: 'plugin' | 'neonvm' | 'monitor';
}

/** The configurations the histories run under (zone ratios and retry timings vary). */
function randomConfig(rng: () => number): AgentConfig {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  return {
    ...DEFAULT_AGENT_CONFIG,
    cpuStableZoneRatio: pick([0, 0, 0.25]),
    cpuMixedZoneRatio: pick([0, 0, 0.15]),
    pluginRequestTick: pick([15, 5, 7]) * S,
    pluginRetryWait: pick([3, 1]) * S,
    pluginDeniedRetryWait: pick([2, 4]) * S,
    neonvmRetryWait: pick([5, 2]) * S,
    monitorRetryWait: pick([3, 6]) * S,
    monitorDeniedDownscaleCooldown: pick([5, 9]) * S,
    monitorRequestedUpscaleValidPeriod: pick([10, 4]) * S,
    requestFloorInFlight: rng() < 0.8,
  };
}

describe('neon fast path: rules checked against the core', () => {
  it('a quiet agent stays quiet while its goal holds (rule 1); after a lone plugin request the next round is quiet (rule 2)', () => {
    let rule1Checks = 0;
    let rule1Waits = 0;
    let rule2Checks = 0;
    let ddProbes = 0;
    const counted = { rule3: 0, rule4: 0, rule3Deadline: 0 };
    for (let history = 0; history < 120; history++) {
      const rng = seedrandom(`neon-quiet-${history}`);
      const cfg = randomConfig(rng);
      const minCu = 1 + Math.floor(rng() * 2);
      const maxCu = minCu + 1 + Math.floor(rng() * 14);
      const start = minCu + Math.floor(rng() * (maxCu - minCu + 1));
      const s = newAgentState(cu(start), cu(minCu), cu(maxCu));
      let metrics = randomMetrics(rng);
      metricsUpdated(s, metrics);
      const pending: Pending[] = [];
      let t = 0;
      for (let step = 0; step < 120; step++) {
        // one agent round as the driver runs it: act on everything asked, up to four rounds
        for (let round = 0; round < 4; round++) {
          const a = nextActions(cfg, s, t);
          if (!anyAction(a)) {
            checkRule1(cfg, s, t, a, rng, metrics, () => rule1Checks++, () => rule1Waits++, () => ddProbes++);
            break;
          }
          if (onlyPluginRequest(a)) {
            const steady = steadyRequest(s, a.pluginRequest!.target);
            const after = clone(s);
            pluginStarting(after, t, a.pluginRequest!.target, Math.floor(rng() * 100_000));
            const next = nextActions(cfg, after, t);
            expect(anyAction(next), `history ${history}: round after a lone plugin request`).toBe(false);
            expect(next.wait).toBe(a.wait);
            rule2Checks++;
            if (steady && mayStayQuiet(cfg, after)) checkRules34(cfg, after, t, next, rng, metrics, `history ${history}, request at ${t}`, counted);
          }
          carryOut(s, a, t, rng, pending);
        }
        // time passes; requests in flight are answered, metrics change, the monitor may ask
        t += 1 + Math.floor(rng() * 4 * S);
        for (const p of pending.filter((x) => x.at <= t)) answer(s, p, t, rng);
        pending.splice(0, pending.length, ...pending.filter((x) => x.at > t));
        if (rng() < 0.6) metrics = rng() < 0.5 ? nearMetrics(rng, metrics) : randomMetrics(rng);
        metricsUpdated(s, metrics);
        if (rng() < 0.05) monitorRequestedUpscale(s, t, rng() < 0.5, true);
      }
    }
    // the properties must have been exercised, including the windows of the monitor overrides
    expect(rule1Checks).toBeGreaterThan(20_000);
    expect(rule1Waits).toBeGreaterThan(5_000);
    expect(rule2Checks).toBeGreaterThan(1_000);
    expect(ddProbes).toBeGreaterThan(100);
    expect(counted.rule3).toBeGreaterThan(1_000);
    expect(counted.rule3Deadline).toBeGreaterThan(100);
    expect(counted.rule4).toBeGreaterThan(500);
  });
});

/**
 * Rule 1 at a quiet call (t0, wait): probe random instants in [t0, t0 + wait) with metrics of the
 * same goal; the core must ask for nothing and wait until the same instant.
 */
function checkRule1(cfg: AgentConfig, s: AgentState, t0: number, a: ActionSet, rng: () => number, metrics: ReturnType<typeof randomMetrics>, checked: () => void, withWait: () => void, ddProbe: () => void): void {
  if (!mayStayQuiet(cfg, s)) return;
  const until = quietUntil(t0, a.wait);
  const goal = agentGoalCU(cfg, s);
  for (let probe = 0; probe < 6; probe++) {
    const t = a.wait === null ? t0 + Math.floor(rng() * 30 * S) : t0 + Math.floor(rng() * a.wait);
    if (t >= until) continue;
    const later = clone(s);
    metricsUpdated(later, probe === 0 ? metrics : nearMetrics(rng, metrics));
    if (agentGoalCU(cfg, later) !== goal) continue;
    const b = nextActions(cfg, later, t);
    expect(anyAction(b), `quiet at ${t0}, probed at ${t}`).toBe(false);
    expect(b.wait === null ? Infinity : t + b.wait).toBe(until);
    checked();
    if (a.wait !== null) withWait();
    if (s.monitor.deniedDownscale !== null && t < s.monitor.deniedDownscale.at + cfg.monitorDeniedDownscaleCooldown) ddProbe();
  }
}

/**
 * Rules 3 and 4 after a steady plugin request left at t0 (`after`: the state with it in flight,
 * `quiet`: the core's answer then, quiet): the plugin answers with the same amounts at random
 * t1 before the quiet answer's wait and the tick end, with new metrics of the same goal; the
 * core must ask for nothing and wait until min(D, tick) (rule 3); woken at the tick, when before
 * D, it must ask for the same plugin request alone and wait until D (rule 4).
 */
function checkRules34(cfg: AgentConfig, after: AgentState, t0: number, quiet: ActionSet, rng: () => number, metrics: ReturnType<typeof randomMetrics>, where: string, counted: { rule3: number; rule4: number; rule3Deadline: number }): void {
  const d = quietUntil(t0, quiet.wait);
  const tick = pluginTickAt(cfg, after);
  const goal = agentGoalCU(cfg, after);
  const asked = after.plugin.lastRequest!.resources;
  for (let probe = 0; probe < 3; probe++) {
    const t1 = t0 + 1 + Math.floor(rng() * (Math.min(d, tick + S) - t0));
    const later = clone(after);
    metricsUpdated(later, probe === 0 ? metrics : nearMetrics(rng, metrics));
    if (agentGoalCU(cfg, later) !== goal) continue;
    // the same amounts in a record of the plugin's own
    const accepted = pluginAnswered(later, t1, { cpu: asked.cpu, mem: asked.mem });
    const until = steadyAnswerQuietUntil(t1, accepted && sameRes(later.plugin.permit!, asked), d, tick);
    if (until < 0) {
      expect(t1 >= Math.min(d, tick) || !accepted, `${where}: rule 3 refused at ${t1}`).toBe(true);
      continue;
    }
    const b = nextActions(cfg, later, t1);
    expect(anyAction(b), `${where}: answered at ${t1}`).toBe(false);
    expect(b.wait === null ? Infinity : t1 + b.wait, `${where}: answered at ${t1}`).toBe(until);
    counted.rule3++;
    if (d < tick) counted.rule3Deadline++;
    if (tick >= d) continue;
    const woken = clone(later);
    metricsUpdated(woken, nearMetrics(rng, metrics));
    if (agentGoalCU(cfg, woken) !== goal) continue;
    const c = nextActions(cfg, woken, tick);
    expect(onlyPluginRequest(c), `${where}: woken at the tick ${tick}`).toBe(true);
    expect(c.pluginRequest!.target).toEqual(asked);
    expect(c.pluginRequest!.lastPermit).toEqual(asked);
    expect(c.wait).toBe(d === Infinity ? null : d - tick);
    counted.rule4++;
  }
}

/** Do what `a` asks, with the outcome arriving 0–3 s later. */
function carryOut(s: AgentState, a: ActionSet, t: number, rng: () => number, pending: Pending[]): void {
  const later = () => t + Math.floor(rng() * 3 * S);
  if (a.pluginRequest !== null) {
    pluginStarting(s, t, a.pluginRequest.target, Math.floor(rng() * 100_000));
    pending.push({ at: later(), kind: 'plugin' });
  }
  if (a.neonvmRequest !== null) {
    neonvmStarting(s, a.neonvmRequest.target);
    pending.push({ at: later(), kind: 'neonvm' });
  }
  const m = a.monitorUpscale ?? a.monitorDownscale;
  if (m !== null) {
    monitorStarting(s, a.monitorUpscale !== null ? 'upscale' : 'downscale', m.target);
    pending.push({ at: later(), kind: 'monitor' });
  }
}

/** A request's outcome: granted (in full or partly), failed or denied, at random. */
function answer(s: AgentState, p: Pending, t: number, rng: () => number): void {
  const r = rng();
  if (p.kind === 'plugin') {
    if (r < 0.1) return pluginFailed(s, t);
    const asked = s.plugin.lastRequest!.resources;
    // a full grant, or anything between what the VM uses and what was asked in whole units
    const partly: Resources = { cpu: Math.max(s.vm.using.cpu, asked.cpu - 250 * Math.floor(rng() * 3)), mem: Math.max(s.vm.using.mem, asked.mem - GiB * Math.floor(rng() * 3)) };
    pluginAnswered(s, t, r < 0.7 ? asked : maxRes(minRes(partly, asked), s.vm.using));
  } else if (p.kind === 'neonvm') {
    if (r < 0.1) neonvmFailed(s, t);
    else neonvmDone(s);
  } else if (s.monitor.ongoing !== null) {
    if (r < 0.1) monitorFailed(s, t);
    else if (r < 0.4 && s.monitor.ongoing.kind === 'downscale') monitorDenied(s, t);
    else monitorApproved(s);
  }
}


describe('neon fast path: end to end', () => {
  it('the same events, time series and metrics with the fast path on and off', () => {
    let skipped = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const scenario = parseScenarioText(randomNeonCluster(seed, 'neon-quiet'), `quiet-${seed}.yaml`);
      const run = (fastPath: boolean) => {
        const events: string[] = [];
        const series: string[] = [];
        const sim = simulateNeon(scenario, { event: (l) => events.push(l), timeseries: (l) => series.push(l) }, { fastPath });
        return { events, series, sim };
      };
      const on = run(true);
      const off = run(false);
      expect(off.sim.counts.agentSkips, `seed ${seed}`).toBe(0);
      skipped += on.sim.counts.agentSkips;
      expect(on.events.length, `seed ${seed}`).toBeGreaterThan(10);
      expect(on.events, `seed ${seed}: events`).toEqual(off.events);
      expect(on.series, `seed ${seed}: time series`).toEqual(off.series);
      expect(on.sim.metrics, `seed ${seed}: metrics`).toEqual(off.sim.metrics);
      expect(on.sim.perVm).toEqual(off.sim.perVm);
      expect(on.sim.chart).toEqual(off.sim.chart);
      expect(on.sim.counts.heapEvents).toBe(off.sim.counts.heapEvents);
      expect(on.sim.counts.engineCalls + on.sim.counts.agentSkips).toBe(off.sim.counts.engineCalls);
    }
    expect(skipped).toBeGreaterThan(10_000);
  });
});
