/**
 * One benchmark case, run in its own process by bench/main.ts; prints one JSON line.
 * `node dist/bench/case.js NAME [EVENTS POPULATION]`; `pb1`, `pb1-10k-groups` and `pb1-100k-groups`
 * take `setup` to run only their set-up and first round.
 */
import { fileURLToPath } from 'node:url';
import { EventQueue } from '../kernel/heap.js';
import type { Scenario } from '../scenario/types.js';
import type { CaseResult } from './main.js';
import { cpuSince } from './cpu.js';
import { setupOnly } from './ratios.js';

// Each case imports only what it runs, so a case's peak RSS is not inflated by modules it never
// uses (the bare-heap baseline loads nothing but the heap).

const scenarioPath = (name: string) => fileURLToPath(new URL(`../../scenarios/${name}.yaml`, import.meta.url));

/**
 * The bare-heap baseline: `events` pops through the kernel's event queue holding `population`
 * entries (one per instance, as a naive simulator would schedule them), each popped entry
 * re-scheduled one interval later. No model, no outputs: the cost of the heap alone.
 */
export function bareHeap(events: number, population: number): { seconds: number; cpuSeconds: number; checksum: number } {
  const interval = 10_000_000;
  const q = new EventQueue(population);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < population; i++) q.push(Math.floor((i * interval) / population), 0, i);
  let checksum = 0;
  for (let n = 0; n < events; n++) {
    const t = q.peekTime();
    const arg = q.peekArg();
    q.pop();
    checksum = (checksum + arg) | 0;
    q.push(t + interval, 0, arg);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: cpuSince(cpu), checksum };
}

/**
 * The Neon baseline: the bare heap above (`events` pops and pushes, `population` entries, one per
 * VM) plus the arithmetic every agent metric sample needs in any implementation, done per popped
 * event on typed arrays for that VM: the kernel's fixed-point update of the 1- and 5-minute load
 * averages (`calcLoad` twice), both printed to two decimals (`reported`), the agent's goal in
 * compute units from them and the memory in use (`systemGoalCU`: CPU part rounded, memory part,
 * ceil), and a comparison with the VM's previous goal. Demand is fixed per VM (no load model),
 * nothing is allocated, no agent, plugin, monitor, metrics or outputs. Returns the seconds of
 * this and, measured just before in the same process, of the bare heap alone.
 */
export async function neonBaseline(events: number, population: number): Promise<{ seconds: number; cpuSeconds: number; heapSeconds: number; heapCpuSeconds: number; checksum: number }> {
  const { calcLoad, EXP_1, EXP_5, FIXED_1, reported } = await import('../world/loadavg.js');
  const { systemGoalCU } = await import('../engines/neon/goal.js');
  const { DEFAULT_AGENT_CONFIG } = await import('../engines/neon/agent.js');
  const heap = bareHeap(events, population);
  const cfg = DEFAULT_AGENT_CONFIG;
  const active = new Float64Array(population);
  const memoryUsage = new Float64Array(population);
  for (let i = 0; i < population; i++) {
    active[i] = Math.round(((i % 97) / 97) * 2 * FIXED_1); // 0–2 runnable threads
    memoryUsage[i] = (0.5 + (i % 89) / 44) * 1024 ** 3;
  }
  const avg1 = new Float64Array(population);
  const avg5 = new Float64Array(population);
  const goal = new Float64Array(population);
  const m = { load1: 0.5, load5: 0.5, memoryUsageBytes: 0.5 };
  const interval = 5_000_000;
  const q = new EventQueue(population);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < population; i++) q.push(Math.floor((i * interval) / population), 0, i);
  let checksum = 0;
  for (let n = 0; n < events; n++) {
    const t = q.peekTime();
    const v = q.peekArg();
    q.pop();
    avg1[v] = calcLoad(avg1[v]!, EXP_1, active[v]!);
    avg5[v] = calcLoad(avg5[v]!, EXP_5, active[v]!);
    m.load1 = reported(avg1[v]!);
    m.load5 = reported(avg5[v]!);
    m.memoryUsageBytes = memoryUsage[v]!;
    const g = systemGoalCU(cfg, m, cfg.computeUnit);
    if (g !== goal[v]) {
      goal[v] = g;
      checksum = (checksum + v) | 0;
    }
    q.push(t + interval, 0, v);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: cpuSince(cpu), heapSeconds: heap.seconds, heapCpuSeconds: heap.cpuSeconds, checksum };
}

/** The default scenario with its workloads copied round-robin up to `groups`, hosts scaled to fit. */
export function scaleScenario(base: Scenario, groups: number): Scenario {
  const copies = Math.ceil(groups / base.workloads.length);
  const workloads = Array.from({ length: groups }, (_, i) => {
    const w = base.workloads[i % base.workloads.length]!;
    return { ...w, name: `${w.name}-${Math.floor(i / base.workloads.length) + 1}` };
  });
  const hosts = Array.from({ length: copies }, (_, c) => base.world.hosts.map((h) => ({ ...h, name: `${h.name}-${c + 1}` }))).flat();
  const faults = base.faults.map((f) => ('kill_instance' in f ? { ...f, kill_instance: `${f.kill_instance}-1` } : { ...f, kill_primary: `${f.kill_primary}-1` }));
  return { ...base, name: `${base.name}-x${groups}`, workloads, faults, world: { ...base.world, hosts }, output: { ...base.output, timeseries: false, events: false, report: false } };
}

/** A case's figures, measured in this process: `events` in `seconds`, and the peak RSS so far. */
function caseResult(name: string, seconds: number, events: number, detail: string): CaseResult {
  return { name, wallSeconds: seconds, events, eventsPerSecond: events / seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, detail };
}

async function timeModel(scenario: Scenario, name: string): Promise<CaseResult> {
  const { seconds, cpuSeconds, counts } = await timeAlbatross(scenario);
  const events = counts.records;
  const population = Math.round(events / counts.rounds);
  const result = caseResult(name, seconds, events, `${scenario.workloads.length} groups, ${counts.rounds} rounds, ${counts.records} stats records, ${counts.heapEvents} heap events; baseline population ${population}`);
  return { ...result, cpuSeconds };
}

/** One Albatross run of `scenario`, timed: wall and process CPU seconds, and the run's counts. */
async function timeAlbatross(scenario: Scenario): Promise<{ seconds: number; cpuSeconds: number; counts: { records: number; rounds: number; heapEvents: number } }> {
  const { simulateAlbatross } = await import('../run/albatross.js');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const sim = simulateAlbatross(scenario);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: cpuSince(cpu), counts: sim.counts };
}

/**
 * The Incus cluster model: events = VM demand samples + member load-average samples (the
 * per-record work); rounds = 5 s load-average samples.
 */
async function timeCluster(scenario: Scenario, name: string): Promise<CaseResult> {
  const { simulateIncus } = await import('../run/incus.js');
  const started = process.hrtime.bigint();
  const sim = simulateIncus(scenario);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cluster = scenario.cluster!;
  const events = sim.counts.records + sim.counts.rounds * cluster.members.length;
  const population = Math.round(events / sim.counts.rounds);
  const migrations = sim.result.metrics['migrations']?.value ?? 0;
  return caseResult(
    name,
    seconds,
    events,
    `${cluster.members.length} members, ${cluster.vms.length} VMs, ${sim.counts.rounds} rounds, ${sim.counts.records} VM demand samples, ${sim.counts.heapEvents} heap events, ${sim.counts.engineCalls} engine calls, ${migrations} migrations; baseline population ${population}`,
  );
}

/**
 * The Neon model: events = agent metric samples (every VM's agent reads its metrics every 5 s);
 * rounds = 5 s samples. Its baseline (`neonBaseline`) pushes and pops as many events through the
 * heap with one entry per VM, one push and pop per sample as a plain DES schedules them — about
 * the model's own heap events (per VM every 15 s the agent's wake-up, the plugin request and its
 * answer: 3 per 3 samples; the model has ≈ 4 % more: the samples themselves, resizes, reconciles,
 * monitor messages) — and does each sample's arithmetic floor (load averages, goal) on typed
 * arrays. Both report process CPU time beside wall time (bench/main.ts alternates them).
 */
async function timeNeon(scenario: Scenario, name: string): Promise<CaseResult> {
  const { simulateNeon } = await import('../run/neon.js');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const sim = simulateNeon(scenario);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  const cluster = scenario.cluster!;
  const events = sim.counts.rounds * cluster.vms.length;
  const migrations = sim.metrics['migrations']?.value ?? 0;
  const result = caseResult(
    name,
    seconds,
    events,
    `${cluster.members.length} nodes, ${cluster.vms.length} VMs, ${sim.counts.rounds} rounds, ${events} agent metric samples, ${sim.counts.heapEvents} heap events, ${sim.counts.engineCalls} agent calls (${sim.counts.agentSkips} more answered by the fast path), ${migrations} migrations; baseline population ${cluster.vms.length}`,
  );
  return { ...result, cpuSeconds };
}

/**
 * Unikraft Cloud at scale: events = engine decisions (one per service every decision period,
 * each observing the service's instances and calling the pure core); rounds = 1 s load steps.
 */
async function timeKraftcloud(scenario: Scenario, name: string): Promise<CaseResult> {
  const { simulateReplicas } = await import('../run/replicas.js');
  const { kraftcloudEngine } = await import('../engines/kraftcloud/world.js');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const sim = simulateReplicas(scenario, kraftcloudEngine.bind(scenario));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const events = sim.counts.engineCalls;
  const result = caseResult(name, seconds, events, `${scenario.workloads.length} services, ${scenario.duration / 3.6e9} h, ${sim.counts.rounds} rounds, ${events} engine decisions, ${sim.counts.heapEvents} heap events (wake-ups at one instant share one); events = decisions`);
  return { ...result, cpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * PB1 scaled to `groups` groups: the same workload and 64 hosts a thousand groups (so every
 * group can still reach its 8 instances), over `duration`.
 *
 * @example pb1Scaled(10_000, '6h') // ['workloads.0.count=10000', 'world.hosts.0.count=640', 'duration=6h']
 */
export function pb1Scaled(groups: number, duration: string): string[] {
  return [`workloads.0.count=${groups}`, `world.hosts.0.count=${(64 * groups) / 1000}`, `duration=${duration}`];
}

/**
 * The like-for-like reference of a case scaled in groups: PB1's 1,000 groups run `runs` times in
 * this one process (seeds 1 … `runs`, each scenario loaded before the clock starts), over
 * `duration` — as many groups × rounds as the scaled case, with the same share of set-up and of
 * the early rounds, when every group's first clones are spawned. Events = the stats records of
 * all runs.
 */
async function timeModelRuns(name: string, runs: number, duration: string): Promise<CaseResult> {
  let seconds = 0;
  let cpuSeconds = 0;
  let records = 0;
  let rounds = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const run = await timeAlbatross(await load('bench-pb1', [`duration=${duration}`, `seed=${seed}`]));
    seconds += run.seconds;
    cpuSeconds += run.cpuSeconds;
    records += run.counts.records;
    rounds += run.counts.rounds;
  }
  const result = caseResult(name, seconds, records, `${runs} runs of 1000 groups (seeds 1–${runs}) over ${duration}, ${rounds} rounds in all, ${records} stats records`);
  return { ...result, cpuSeconds };
}

/** Load a bundled scenario (the loader is imported only by the cases that need it). */
async function load(name: string, sets: string[] = []): Promise<Scenario> {
  const { loadScenario } = await import('../scenario/load.js');
  return loadScenario(scenarioPath(name), { sets });
}

async function run(name: string, args: string[]): Promise<CaseResult> {
  switch (name) {
    case 'sweep-1-worker':
    case 'sweep-2-workers': {
      const workers = name === 'sweep-1-worker' ? 1 : 2;
      const { benchSweep } = await import('./sweep.js');
      const r = await benchSweep({ points: 200, seeds: 3, workers });
      return caseResult(name, r.wallSeconds, r.runs, `200 points × 3 seeds of albatross-default (1 day each), ${workers} worker thread(s); events = runs (peak RSS of the main thread's process)`);
    }
    case 'sweep-1-process':
    case 'sweep-2-processes': {
      const processes = name === 'sweep-1-process' ? 1 : 2;
      const { benchProcesses } = await import('./sweep.js');
      const seconds = await benchProcesses({ points: 200, seeds: 3, processes });
      return caseResult(name, seconds, 600, `the sweep's 600 runs in ${processes} plain process(es) at once, no pool: the machine's ceiling (peak RSS of the parent only)`);
    }
    case 'trace-replay-1g': {
      const { benchTraceReplay } = await import('./trace-replay.js');
      const r = await benchTraceReplay();
      return {
        name,
        wallSeconds: r.seconds,
        events: r.rows,
        eventsPerSecond: r.rowsPerSecond,
        peakRssMB: r.peakRssMB,
        detail: `1 GiB canonical trace, ${r.rows} rows streamed through TraceSource (target peak RSS < 200 MB); bare line-splitting loop over the same file ${r.bareSeconds.toFixed(3)} s → replay / bare ${(r.seconds / r.bareSeconds).toFixed(2)}× (target ≤ 2)`,
      };
    }
    case 'external-echo':
    case 'pb1-module':
    case 'pb1-external':
    case 'pb1-external-full': {
      const { runExternalCase } = await import('./external.js');
      return runExternalCase(name);
    }
    case 'pb1':
      return timeModel(await load('bench-pb1', setupOnly(args)), name);
    case 'pb1-2d':
      return timeModel(await load('bench-pb1', ['duration=2d']), name);
    case 'pb1-10k-groups':
      return timeModel(await load('bench-pb1', [...pb1Scaled(10_000, '6h'), ...setupOnly(args)]), name);
    case 'pb1-100k-groups':
      return timeModel(await load('bench-pb1', [...pb1Scaled(100_000, '30m'), ...setupOnly(args)]), name);
    case 'pb1-10k-like':
      return timeModelRuns(name, 10, '6h');
    case 'pb1-100k-like':
      return timeModelRuns(name, 100, '30m');
    case 'default-1000':
      return timeModel(scaleScenario(await load('albatross-default'), 1000), name);
    case 'incus-cluster':
      return timeCluster(await load('bench-incus'), name);
    case 'kraftcloud-100':
      // SCALELAB_BENCH_KRAFTCLOUD_DURATION shortens it (e.g. 10m) on a machine too slow for the hour
      return timeKraftcloud(await load('bench-kraftcloud', process.env['SCALELAB_BENCH_KRAFTCLOUD_DURATION'] ? [`duration=${process.env['SCALELAB_BENCH_KRAFTCLOUD_DURATION']}`] : []), name);
    case 'neon-cluster':
      return timeNeon(await load('bench-neon'), name);
    case 'neon-cluster-bare-heap': {
      const events = Number(args[0]);
      const population = Number(args[1]);
      const b = await neonBaseline(events, population);
      const result = caseResult(name, b.seconds, events, `${events} pops + pushes, ${population} entries in the heap (one push and pop per sample, as a plain DES schedules them), each popped VM's load averages and goal updated (checksum ${b.checksum}); CPU ${b.cpuSeconds.toFixed(3)} s; the bare heap alone ${b.heapSeconds.toFixed(3)} s (CPU ${b.heapCpuSeconds.toFixed(3)} s)`);
      return { ...result, cpuSeconds: b.cpuSeconds };
    }
    case 'pb1-bare-heap':
    case 'incus-cluster-bare-heap':
    case 'default-1000-bare-heap': {
      const events = Number(args[0]);
      const population = Number(args[1]);
      const { seconds, checksum } = bareHeap(events, population);
      return caseResult(name, seconds, events, `${events} pops + pushes, ${population} entries in the heap (checksum ${checksum})`);
    }
    default:
      throw new Error(`unknown bench case "${name}"`);
  }
}

const [name, ...rest] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(await run(name ?? '', rest))}\n`);
