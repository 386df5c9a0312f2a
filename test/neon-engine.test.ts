/**
 * Golden cases for the Neon cores (agent, scheduler plugin, vm-monitor), worked by hand from
 * upstream's merged code: neondatabase/autoscaling v0.49.1 (commit a4bce09e) `pkg/agent/core`
 * and `pkg/plugin`, v0.41.0 for the pressure model, and neondatabase/neon `libs/vm_monitor`.
 * The arithmetic is in the comments; nothing here was printed from the code.
 */
import { describe, expect, it } from 'vitest';
import {
  clampResources,
  DEFAULT_AGENT_CONFIG as CFG,
  desiredResources,
  metricsUpdated,
  monitorApproved,
  monitorDenied,
  monitorRequestedUpscale,
  monitorStarting,
  neonvmDone,
  neonvmStarting,
  newAgentState,
  nextActions,
  pluginAnswered,
  pluginFailed,
  pluginStarting,
  type AgentState,
} from '../src/engines/neon/agent.js';
import { blendingFactor, cpuGoalCU, estimateWorkingSet, goalCU, lfcGoalCU, memGoalCU, memTotalGoalCU, projectNextHighest } from '../src/engines/neon/goal.js';
import { approveDownscale, cgroupThreshold, DEFAULT_MONITOR_CONFIG as MON, fileCacheBytes, thresholdFor, wantsUpscale } from '../src/engines/neon/monitor.js';
import {
  addPod,
  chooseTarget,
  grantable,
  handleRequest,
  isNextInQueue,
  newNode,
  newPod,
  reconcileNode,
  startMigrating,
  tooMuchPressure,
  unmigratedAboveWatermark,
  usageScore,
  watermarkCandidates,
  type PluginConfig,
} from '../src/engines/neon/plugin.js';
import { cu, GiB, MiB } from '../src/engines/neon/resources.js';

const S = 1_000_000;
const metrics = (load1: number, load5: number, memGiB: number) => ({ load1, load5, memoryUsageBytes: memGiB * GiB });

describe('goal (pkg/agent/core/goalcu.go)', () => {
  it('CPU part: load1 / 0.9 / 0.25 with both zone ratios 0 (calculateCPUGoalCU, blendingFactor)', () => {
    // diff |1.8 − 1| = 0.8 ≥ mixed 0 → weight 1 → load 1.8; 1.8 / 0.9 = 2 vCPU; / 0.25 = 8 CU
    expect(cpuGoalCU(CFG, metrics(1.8, 1, 0))).toBeCloseTo(8, 12);
    // load1 == load5: diff 0 ≤ stable 0 → weight 0 → load5 (same value)
    expect(blendingFactor(0, 0, 0)).toBe(0);
  });

  it('CPU part with zone ratios blends load1 and load5 (blendingFactor)', () => {
    // stable = 0.5 × 2 = 1, mixed = 1 + 0.5 × 2 = 2, diff = |3.5 − 2| = 1.5 → w = 0.5 / (1 + 1e-6)
    const cfg = { ...CFG, cpuStableZoneRatio: 0.5, cpuMixedZoneRatio: 0.5 };
    const w = 0.5 / (1 + 1e-6);
    const load = w * 3.5 + (1 - w) * 2; // ≈ 2.75
    expect(cpuGoalCU(cfg, metrics(3.5, 2, 0))).toBeCloseTo(load / 0.9 / 0.25, 12); // ≈ 12.22
    expect(goalCU({ cpu: load / 0.9 / 0.25, mem: 0 })).toBe(12); // round(12.22) = 12
  });

  it('memory part is round(usage / 0.75) / 1 GiB, not rounded up on its own (calculateMemGoalCU)', () => {
    // 3 GiB / 0.75 = 4 GiB → 4 CU
    expect(memGoalCU(CFG, metrics(0, 0, 3))).toBe(4);
    // 1.65 GiB / 0.75 = 2.2 GiB → 2.2 CU (a fraction)
    expect(memGoalCU(CFG, metrics(0, 0, 1.65))).toBeCloseTo(2.2, 9);
  });

  it('only the CPU part goes through round() (ScalingGoal.GoalCU)', () => {
    expect(goalCU({ cpu: 2.4, mem: 2.2 })).toBe(3); // max(round 2.4 = 2, 2.2) = 2.2 → ceil 3
    expect(goalCU({ cpu: 2.4, mem: 1.9 })).toBe(2); // max(2, 1.9) → ceil 2
    expect(goalCU({ cpu: 2.5, mem: 0 })).toBe(3); // round half up
    expect(goalCU({ cpu: null, mem: null })).toBe(0);
  });
});

describe('LFC part (goalcu.go calculateLFCGoalCU, calculateMemTotalGoalCU; wss.go)', () => {
  const LFC = { memoryTotalFractionTarget: 0.9, lfcToMemoryRatio: 0.75, lfcWindowSizeMinutes: 5, lfcMinWaitBeforeDownscaleMinutes: 5, lfcUseLargestWindow: false };
  const PAGES_PER_GIB = GiB / 8192; // 131072

  it('EstimateTrueWorkingSetSize: first point where the rise ahead exceeds 3× the rise behind, else the last', () => {
    // w = 4; t = 4..6: behind 4, ahead 4 — never > 12 → last = 11
    expect(estimateWorkingSet([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 3, 4, 5)).toBe(11);
    // t = 4: behind 5 − 1 = 4, ahead 40 − 5 = 35 > 12 → 5
    expect(estimateWorkingSet([1, 2, 3, 4, 5, 6, 7, 20, 40, 60, 80], 3, 4, 5)).toBe(5);
  });

  it('ProjectNextHighest: x1 + (x1 − x0) × 0.5, decreases ignored', () => {
    expect(projectNextHighest([10, 14, 12], 0.5)).toBe(16); // 14 + 4 × 0.5; then 14 + 0
  });

  it('LFC goal: projected working set / lfcToMemoryRatio / 1 GiB; needs offset + window buckets', () => {
    const linear = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((g) => g * PAGES_PER_GIB);
    // estimate = last (9 GiB); slice up to the first bucket above it = all; projected 9 + 1 × 0.5 = 9.5 GiB
    const r = lfcGoalCU(LFC, linear)!;
    expect(r.wssBytes).toBe(9.5 * GiB);
    expect(r.cu).toBeCloseTo(9.5 / 0.75, 12); // 12.67 CU
    expect(lfcGoalCU(LFC, linear.slice(0, 8))).toBeNull(); // 8 < 4 + 5
    const jump = [1, 2, 3, 4, 5, 6, 7, 20, 40, 60, 80].map((g) => g * PAGES_PER_GIB);
    // estimate 5 GiB; slice [1..5] GiB → 5 + 0.5 = 5.5 GiB → 5.5 / 0.75 = 7.33 CU
    expect(lfcGoalCU(LFC, jump)!.cu).toBeCloseTo(5.5 / 0.75, 12);
    // lfcUseLargestWindow: estimate = 80 GiB, slice = all, highest projection 80 + 20 × 0.5 = 90 GiB
    expect(lfcGoalCU({ ...LFC, lfcUseLargestWindow: true }, jump)!.wssBytes).toBe(90 * GiB);
  });

  it('memory total part: (min(wss, cached) + usage) / 0.9', () => {
    expect(memTotalGoalCU(LFC, 1 * GiB, 4 * GiB, 2 * GiB)).toBeCloseTo(3 / 0.9, 12); // 3.33 CU
    expect(memTotalGoalCU(LFC, 1 * GiB, 1 * GiB, 2 * GiB)).toBeCloseTo(2 / 0.9, 12); // cached caps it
  });
});

/** A VM between 1 and 8 CU using `using` CU, plugin permit and monitor approval at `using`. */
function settled(using: number, min = 1, max = 8): AgentState {
  const s = newAgentState(cu(using), cu(min), cu(max));
  s.plugin.lastRequest = { at: 0, resources: cu(using) };
  s.plugin.permit = cu(using);
  return s;
}

describe('desired resources (state.go desiredResourcesFromMetricsOrRequestedUpscaling)', () => {
  it('clamps the goal to [min, max]', () => {
    const s = settled(2);
    metricsUpdated(s, metrics(4.5, 4.5, 0)); // 4.5 / 0.9 / 0.25 = 20 CU → max 8
    expect(desiredResources(CFG, s, 0).resources).toEqual(cu(8));
    metricsUpdated(s, metrics(0, 0, 0)); // goal 0 → min 1
    expect(desiredResources(CFG, s, 0).resources).toEqual(cu(1));
  });

  it('without metrics never goes below the current resources', () => {
    const s = settled(4); // metrics null: goal 0, max(goal, using) = 4
    expect(desiredResources(CFG, s, 0).resources).toEqual(cu(4));
  });

  it('a monitor upscale request holds the goal at floor(approved memory / 1 GiB) + 1 for 10 s', () => {
    const s = settled(2);
    metricsUpdated(s, metrics(0, 0, 0)); // goal 0 → 1 CU
    monitorRequestedUpscale(s, 3 * S, false, true); // base = approved 2 CU → 1 + floor(2 GiB / 1 GiB) = 3
    const d = desiredResources(CFG, s, 4 * S);
    expect(d.resources).toEqual(cu(3));
    expect(d.requestedUpscaleWait).toBe(9 * S); // 3 s + 10 s − 4 s
    expect(desiredResources(CFG, s, 13 * S).resources).toEqual(cu(1)); // expired
  });

  it('a denied downscale keeps the VM where it was for 5 s', () => {
    const s = settled(4);
    metricsUpdated(s, metrics(0, 0, 0)); // goal 1
    monitorStarting(s, 'downscale', cu(3));
    monitorDenied(s, 10 * S); // requested 3 CU: 1 + floor(3) = 4 CU; floor min(current 4, 4) = 4
    const d = desiredResources(CFG, s, 11 * S);
    expect(d.resources).toEqual(cu(4));
    expect(d.deniedDownscaleWait).toBe(4 * S);
    expect(desiredResources(CFG, s, 15 * S).resources).toEqual(cu(1));
  });
});

describe('clampResources (state.go)', () => {
  it('holds a decrease at the lower bound and an increase at the upper bound, per field', () => {
    expect(clampResources({ cpu: 1000, mem: 4 }, { cpu: 500, mem: 8 }, { cpu: 750, mem: 4 }, { cpu: 1000, mem: 6 })).toEqual({ cpu: 750, mem: 6 });
  });
});

describe('order of operations (state.go nextActions)', () => {
  it('upscale: plugin permit first, then NeonVM, then the monitor one unit at a time', () => {
    const s = settled(2);
    metricsUpdated(s, metrics(0.9, 0.9, 0)); // 0.9 / 0.9 / 0.25 = 4 CU
    let a = nextActions(CFG, s, 1 * S);
    expect(a.pluginRequest?.target).toEqual(cu(4)); // wants 4 ≠ permit 2 → request now
    expect(a.neonvmRequest).toBeNull(); // clamped to permit 2 = using
    expect(a.monitorUpscale).toBeNull();
    pluginStarting(s, 1 * S, cu(4));
    a = nextActions(CFG, s, 1 * S);
    expect(a.pluginRequest).toBeNull(); // one ongoing
    expect(a.neonvmRequest).toBeNull();
    pluginAnswered(s, 2 * S, cu(4));
    a = nextActions(CFG, s, 2 * S);
    expect(a.neonvmRequest).toEqual({ current: cu(2), target: cu(4) }); // straight to the permit
    expect(a.monitorUpscale).toBeNull(); // the VM still uses 2
    neonvmStarting(s, cu(4));
    neonvmDone(s);
    a = nextActions(CFG, s, 3 * S);
    expect(a.monitorUpscale).toEqual({ current: cu(2), target: cu(3) }); // one unit
    monitorStarting(s, 'upscale', cu(3));
    monitorApproved(s);
    expect(nextActions(CFG, s, 3 * S).monitorUpscale).toEqual({ current: cu(3), target: cu(4) });
  });

  it('downscale: monitor approval first (one unit), then NeonVM, then the plugin is told', () => {
    const s = settled(4);
    metricsUpdated(s, metrics(0.45, 0.45, 0)); // 0.45 / 0.9 / 0.25 = 2 CU
    let a = nextActions(CFG, s, 1 * S);
    expect(a.pluginRequest).toBeNull(); // request never below using (4) = permit → nothing new
    expect(a.neonvmRequest).toBeNull(); // the monitor has approved nothing lower
    expect(a.monitorDownscale).toEqual({ current: cu(4), target: cu(3) });
    monitorStarting(s, 'downscale', cu(3));
    monitorApproved(s);
    a = nextActions(CFG, s, 2 * S);
    expect(a.neonvmRequest).toEqual({ current: cu(4), target: cu(3) });
    expect(a.monitorDownscale).toEqual({ current: cu(3), target: cu(2) });
    neonvmStarting(s, cu(3));
    neonvmDone(s);
    a = nextActions(CFG, s, 3 * S);
    expect(a.pluginRequest?.target).toEqual(cu(3)); // now below the permit: tell the plugin
  });
});

describe('plugin request floor (scalelab option plugin_request_floor)', () => {
  it('in-flight: no request for less than a resize still running; using: upstream\'s bound', () => {
    const s = settled(2);
    s.plugin.permit = cu(4);
    neonvmStarting(s, cu(4)); // resize 2 → 4 CU in flight
    metricsUpdated(s, metrics(0.675, 0.675, 0)); // 0.675 / 0.9 / 0.25 = 3 CU
    // in-flight: max(clamp(2 → 3) = 3, in flight 4) = 4 = permit → nothing new
    expect(nextActions(CFG, s, 1 * S).pluginRequest).toBeNull();
    // using: 3 ≠ permit 4 → ask for 3 now, although the VM is about to use 4
    expect(nextActions({ ...CFG, requestFloorInFlight: false }, s, 1 * S).pluginRequest?.target).toEqual(cu(3));
  });
});

describe('request timing (state.go calculatePluginAction etc.)', () => {
  it('asks the plugin at least every 15 s minus the jitter', () => {
    const s = settled(2);
    metricsUpdated(s, metrics(0.45, 0.45, 0)); // 2 CU = permit
    pluginStarting(s, 0, cu(2), 40_000);
    pluginAnswered(s, 0, cu(2));
    const a = nextActions(CFG, s, 5 * S);
    expect(a.pluginRequest).toBeNull();
    expect(a.wait).toBe(15 * S - 40_000 - 5 * S); // 9.96 s
    expect(nextActions(CFG, s, 15 * S - 40_000).pluginRequest?.target).toEqual(cu(2));
  });

  it('waits 2 s after a partly denied request, 3 s after a failure', () => {
    const s = settled(2);
    metricsUpdated(s, metrics(0.9, 0.9, 0)); // wants 4
    pluginStarting(s, 10 * S, cu(4));
    pluginAnswered(s, 10 * S, cu(3)); // partly granted
    let a = nextActions(CFG, s, 11 * S);
    expect(a.pluginRequest).toBeNull();
    expect(a.wait).toBe(1 * S); // 10 + 2 − 11
    expect(nextActions(CFG, s, 12 * S).pluginRequest?.target).toEqual(cu(4));
    pluginStarting(s, 12 * S, cu(4));
    pluginFailed(s, 12 * S);
    a = nextActions(CFG, s, 13 * S);
    expect(a.pluginRequest).toBeNull();
    expect(a.wait).toBe(2 * S); // 12 + 3 − 13
  });
});

const PCFG: PluginConfig = { model: 'watermark', watermark: 0.9, minUsageScore: 0.5, maxUsageScore: 0, scorePeak: 0.8, unit: { cpu: 250, mem: GiB }, retryPeriod: 5 * S };

describe('scheduler plugin, watermark model (pkg/plugin/state/node.go, migration.go)', () => {
  it('grants whole units of the free room (NodeResources.reconcilePod)', () => {
    expect(grantable(4000, 3500, 250, 1000)).toBe(500); // room 500 = 2 units
    expect(grantable(4000, 3900, 250, 1000)).toBe(0); // room 100 < a unit
  });

  it('grants CPU and memory independently and records the remainder', () => {
    const node = newNode(0, { cpu: 4000, mem: 16 * GiB }, 0.9);
    const other = newPod(1, { cpu: 2500, mem: 6 * GiB }, 0, true);
    const pod = newPod(0, { cpu: 1000, mem: 4 * GiB }, 0, true);
    addPod(node, other);
    addPod(node, pod); // reserved 3500 mCPU, 10 GiB
    const ans = handleRequest(PCFG, node, pod, { cpu: 2000, mem: 8 * GiB }, 1, cu(4), 5 * S);
    expect(ans.permit).toBeNull(); // an increase waits for the reconcile
    const r = reconcileNode(PCFG, node);
    // CPU: room 500 → +500 (of 1000 wanted); memory: room 6 GiB → +4 GiB (all)
    expect(pod.reserved).toEqual({ cpu: 1500, mem: 8 * GiB });
    expect(r.answered).toEqual([pod]);
    expect(r.remainder).toBe(true);
    expect(node.reserved).toEqual({ cpu: 4000, mem: 14 * GiB });
  });

  it('answers a request at or below the reservation at once, lowering it', () => {
    const node = newNode(0, { cpu: 4000, mem: 16 * GiB }, 0.9);
    const pod = newPod(0, cu(4), 0, true);
    addPod(node, pod);
    expect(handleRequest(PCFG, node, pod, cu(2), 0.1, cu(4), S).permit).toEqual(cu(2));
    expect(node.reserved).toEqual(cu(2));
  });

  it('migrates oldest first until both resources are below the watermark, skipping a pod above it', () => {
    // total 10 vCPU / 40 GiB → watermark 9000 mCPU / 36 GiB
    const node = newNode(0, { cpu: 10000, mem: 40 * GiB }, 0.9);
    const a = newPod(0, { cpu: 3000, mem: 12 * GiB }, 0, true);
    const b = newPod(1, { cpu: 4000, mem: 16 * GiB }, 10, true);
    const c = newPod(2, { cpu: 2500, mem: 10 * GiB }, 5, true);
    for (const p of [a, b, c]) addPod(node, p); // reserved 9500 / 38 GiB
    expect(unmigratedAboveWatermark(node)).toEqual({ cpu: 500, mem: 2 * GiB });
    // oldest a (created 0): 9500 − 3000 = 6500 ≤ 9000 and 26 ≤ 36 GiB → done
    expect(watermarkCandidates(node).map((p) => p.vm)).toEqual([0]);
    startMigrating(node, a);
    expect(unmigratedAboveWatermark(node)).toEqual({ cpu: 0, mem: 0 });
    expect(watermarkCandidates(node)).toEqual([]);
    // a pod whose own reservation is above the watermark is skipped
    const n2 = newNode(1, { cpu: 10000, mem: 40 * GiB }, 0.9);
    const big = newPod(3, { cpu: 9250, mem: 9 * GiB }, 0, true);
    const small = newPod(4, { cpu: 500, mem: 2 * GiB }, 1, true);
    addPod(n2, big);
    addPod(n2, small); // 9750 mCPU: 750 over
    expect(watermarkCandidates(n2).map((p) => p.vm)).toEqual([4]);
  });

  it('a migrating pod keeps its resources', () => {
    const node = newNode(0, { cpu: 4000, mem: 16 * GiB }, 0.9);
    const pod = newPod(0, cu(2), 0, true);
    addPod(node, pod);
    startMigrating(node, pod);
    expect(handleRequest(PCFG, node, pod, cu(4), 1, cu(2), S).permit).toEqual(cu(2));
  });

  it('scores nodes like calculateScore and never picks the source', () => {
    expect(usageScore(PCFG, 400, 1000, 1000)).toBeCloseTo(0.75, 12); // 0.5 + (0.5 / 0.8) × 0.4
    expect(usageScore(PCFG, 900, 1000, 1000)).toBeCloseTo(0.5, 12); // 0 + (1 / 0.2) × 0.1
    expect(usageScore(PCFG, 800, 1000, 2000)).toBeCloseTo(0.5, 12); // peak 1 × scale 1000 / 2000
    const nodes = [newNode(0, { cpu: 8000, mem: 32 * GiB }, 0.9), newNode(1, { cpu: 8000, mem: 32 * GiB }, 0.9), newNode(2, { cpu: 8000, mem: 32 * GiB }, 0.9)];
    addPod(nodes[1]!, newPod(9, { cpu: 4000, mem: 16 * GiB }, 0, true));
    // a 1 vCPU / 4 GiB pod: node 1 → 5/8 = 0.625 → 0.5 + 0.625 × 0.625 = 0.890625 → 89; node 2 → 1/8 → 0.578 → 57
    expect(chooseTarget(PCFG, nodes, cu(4), 0)).toBe(1);
    addPod(nodes[2]!, newPod(8, { cpu: 7500, mem: 30 * GiB }, 0, true));
    addPod(nodes[1]!, newPod(7, { cpu: 3500, mem: 14 * GiB }, 0, true)); // node 1 full: 7500 + 1000 > 8000
    expect(chooseTarget(PCFG, nodes, cu(4), 0)).toBeNull();
  });
});

describe('scheduler plugin, pressure model (v0.41.0 pkg/plugin/state.go tooMuchPressure, trans.go handleRequested, queue.go)', () => {
  const P: PluginConfig = { ...PCFG, model: 'pressure' };

  it('too much pressure: logical + capacity pressure against accounted-for + slack', () => {
    // total 16 vCPU → watermark 14400; memory at 0
    const node = newNode(0, { cpu: 16000, mem: 64 * GiB }, 0.9);
    node.reserved = { cpu: 15000, mem: 0 };
    node.capacityPressure = { cpu: 1000, mem: 0 };
    expect(tooMuchPressure(node)).toBe(true); // 600 + 1000 > 0 + 0
    node.accountedFor = { cpu: 2000, mem: 0 };
    expect(tooMuchPressure(node)).toBe(false); // 1600 > 2000 is false
  });

  it('slack counts the buffer and the room below the watermark; memory exactly at its watermark passes the shortcut', () => {
    const node = newNode(0, { cpu: 16000, mem: 10 * GiB }, 0.9); // watermarks 14400 mCPU, floor(9.0 GiB)
    node.reserved = { cpu: 14000, mem: node.watermark.mem }; // cpu below, memory AT its watermark (shortcut needs <)
    node.buffer = { cpu: 200, mem: 0 };
    node.capacityPressure = { cpu: 600, mem: 0 };
    expect(tooMuchPressure(node)).toBe(false); // cpu: 0 + 600 > 0 + 200 + 400 is false
    node.capacityPressure = { cpu: 700, mem: 0 };
    expect(tooMuchPressure(node)).toBe(true); // 700 > 600
    node.reserved = { cpu: 14000, mem: node.watermark.mem - 1 };
    expect(tooMuchPressure(node)).toBe(false); // both below: the shortcut
  });

  it('an increase beyond the room becomes capacity pressure; the lowest-load pod is told to migrate', () => {
    const node = newNode(0, { cpu: 4000, mem: 16 * GiB }, 0.9); // watermark 3600 mCPU / floor(14.4 GiB)
    const busy = newPod(0, { cpu: 2000, mem: 8 * GiB }, 0, true);
    const idle = newPod(1, { cpu: 1500, mem: 6 * GiB }, 0, true);
    addPod(node, busy);
    addPod(node, idle); // 3500 mCPU, 14 GiB: both below the watermark
    // idle reports load1 0.1 at its reservation: 3500 ≤ 3600 and 14 < 14.4 GiB → not too much
    expect(handleRequest(P, node, idle, { cpu: 1500, mem: 6 * GiB }, 0.1, { cpu: 1500, mem: 6 * GiB }, S).migrate).toBe(false);
    // busy (load1 3) asks 3000 mCPU / 12 GiB: it is not next in the queue (idle 0.1 is);
    // CPU room 500 → +500 of 1000, pressure 500; memory room 2 GiB → +2 of 4 GiB, pressure 2 GiB
    const a = handleRequest(P, node, busy, { cpu: 3000, mem: 12 * GiB }, 3, { cpu: 2000, mem: 8 * GiB }, 2 * S);
    expect(a).toEqual({ permit: { cpu: 2500, mem: 10 * GiB }, migrate: false });
    expect(node.capacityPressure).toEqual({ cpu: 500, mem: 2 * GiB });
    // idle asks again: CPU logical 4000 − 3600 = 400, + 500 > 0 + 0 → too much; idle heads the queue → migrate
    const b = handleRequest(P, node, idle, { cpu: 1500, mem: 6 * GiB }, 0.1, { cpu: 1500, mem: 6 * GiB }, 3 * S);
    expect(isNextInQueue(node, idle)).toBe(true);
    expect(b.migrate).toBe(true);
    startMigrating(node, idle);
    expect(node.accountedFor).toEqual({ cpu: 1500, mem: 6 * GiB });
    // 400 + 500 > 1500 + 0 is false (CPU); memory 16 − 14.4 + 2 GiB ≤ 6 GiB → no more migrations
    expect(tooMuchPressure(node)).toBe(false);
  });

  it('a pod enters the queue with its first metrics; the decision uses the queue before this report', () => {
    const node = newNode(0, { cpu: 4000, mem: 16 * GiB }, 0.9);
    const a = newPod(0, cu(1), 0, true);
    const b = newPod(1, cu(1), 0, true);
    addPod(node, a);
    addPod(node, b);
    expect(isNextInQueue(node, a)).toBe(false); // nobody has reported: the queue is empty
    b.load1 = 5;
    expect(isNextInQueue(node, b)).toBe(true); // a is not in the queue
    a.load1 = 4.9;
    expect(isNextInQueue(node, a)).toBe(true);
    // run.go updateMetricsAndCheckMustMigrate: a node far above its watermark, a pod reporting for
    // the first time is not told to migrate (it was not in the queue), the next time it is
    const full = newNode(1, { cpu: 1000, mem: 4 * GiB }, 0.5); // watermark 500 mCPU / 2 GiB
    const c = newPod(2, cu(4), 0, true); // 1000 mCPU / 4 GiB: 500 and 2 GiB over
    addPod(full, c);
    const P: PluginConfig = { ...PCFG, model: 'pressure' };
    expect(handleRequest(P, full, c, cu(4), 0.2, cu(4), S).migrate).toBe(false);
    expect(handleRequest(P, full, c, cu(4), 0.2, cu(4), 2 * S).migrate).toBe(true);
  });
});

describe('vm-monitor (neondatabase/neon libs/vm_monitor/src/runner.rs at 90c01135)', () => {
  it('threshold: (total × 0.85) truncated; after a notice of (memory − 100 MiB) (Config::cgroup_threshold)', () => {
    expect(cgroupThreshold(MON, 4 * GiB)).toBe(3650722201); // 0.85 × 4294967296 = 3650722201.6
    expect(thresholdFor(MON, 4 * GiB)).toBe(Math.floor(0.85 * 3996 * MiB)); // 3561579315.2 → …315
  });

  it('asks for memory at the threshold, at most once a second (Runner::run)', () => {
    const st = { lastUpscaleRequestAt: null as number | null, threshold: thresholdFor(MON, 4 * GiB) }; // 3396.6 MiB
    expect(wantsUpscale(MON, st, 3.5 * GiB, 10 * S).request).toBe(true); // 3584 MiB ≥ 3396.6
    expect(wantsUpscale(MON, st, 3.3 * GiB, 10 * S).request).toBe(false); // 3379.2 MiB < 3396.6
    st.lastUpscaleRequestAt = 10 * S;
    expect(wantsUpscale(MON, st, 3.5 * GiB, 10.5 * S)).toEqual({ request: false, recheckAt: 11 * S });
    expect(wantsUpscale(MON, st, 3.5 * GiB, 11 * S).request).toBe(true);
  });

  it('approves a downscale only if 0.85 × (target − 100 MiB) ≥ average + 100 MiB', () => {
    // target 3 GiB: 0.85 × 2972 MiB = 2526.2 MiB ≥ 2048 + 100 = 2148 MiB → approve
    expect(approveDownscale(MON, 2 * GiB, 5, 3 * GiB).ok).toBe(true);
    // target 2.5 GiB: 0.85 × 2460 MiB = 2091 MiB < 2148 MiB → deny
    expect(approveDownscale(MON, 2 * GiB, 5, 2.5 * GiB).ok).toBe(false);
    // one sample: deny
    expect(approveDownscale(MON, 0, 1, 8 * GiB).ok).toBe(false);
  });

  it('sizes the file cache as min((mem − 256 MiB) / 1.1, 0.75 × mem) in whole MiB', () => {
    expect(fileCacheBytes(4 * GiB)).toBe(3072 * MiB); // min(3490.9, 3072)
    expect(fileCacheBytes(1 * GiB)).toBe(698 * MiB); // min(768 / 1.1 = 698.18, 768) → 698
  });
});
