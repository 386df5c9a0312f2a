/**
 * Incus automatic cluster rebalancing as a pure decision core.
 *
 * Upstream (`cmd/incusd/api_cluster_rebalance.go`) is a task on every member that wakes once a
 * minute and, on the leader, scores the members, picks the busiest of each architecture and
 * live-migrates VMs from it one after the other, waiting for each. Here that sequential run is a
 * small state machine: `onTick` starts a run and returns the first `migrate` action (or finishes
 * the run at once); `onMigrationResult` stamps the VM and returns the next one. Nothing here reads
 * a clock, draws a random number (the Go map iteration order comes in the view as `mapRandom`),
 * does I/O or keeps a reference to the view after a call.
 *
 * The task's schedule is part of the state: member m's task ticks at `tickBase[m] + k · 1 min`.
 * `tickBase` starts one minute after the daemon started (`task.SkipFirst`, 6.21+; at the start
 * itself before) and, because upstream's task loop waits one minute *minus the run's duration*
 * after a run (at once when the run took longer), moves to `start of run + max(duration, 1 min)`
 * after every run — so only runs longer than a minute shift the leader's ticks, and
 * `round(minutes since start) % interval` sees it.
 *
 * Every deviation from upstream is a named option (descriptor.ts); `faithful` and `corrected`
 * are presets.
 */
import { MICROS_PER_MINUTE, MICROS_PER_SECOND, type Micros } from '../../kernel/time.js';
import { floatConversionOf, imbalance, midpoint, score, scoreOf, type FloatConversion, type ScoreArithmetic, type Usage } from './score.js';

/** Upstream configuration (server keys), durations in µs. */
export interface IncusConfig {
  /** `cluster.rebalance.interval`, minutes; 0 disables. */
  interval: number;
  /** `cluster.rebalance.threshold`, percent. */
  threshold: number;
  /** `cluster.rebalance.cooldown`, µs. */
  cooldown: Micros;
  /** `cluster.rebalance.batch`. */
  batch: number;
}

/** Behaviour options; each one deviation from what upstream ships. */
/**
 * The upstream release whose rebalancer logic is reproduced (`version` option):
 * - `6.7`: 6.7.0–6.20.0 — one target per architecture (the least busy member), the project
 *   check before the loop for every VM on the source, the loop ends once that target is
 *   balanced, the first tick at daemon start;
 * - `6.21`: 6.21.0–6.23.0 — the same with `task.SkipFirst`;
 * - `7.0`: 7.0.0–7.3.0 (and main up to be7afc5) — every less-loaded member a candidate, the
 *   project check per VM, skip a VM whose target is balanced;
 * - `main`: lxc/incus 13c51b06 — as 7.0, and the move selects the VM's project and the impact
 *   is no longer swapped.
 */
export type IncusVersion = '6.7' | '6.21' | '7.0' | 'main';

export interface IncusOptions {
  version: IncusVersion;
  score_arithmetic: ScoreArithmetic;
  /** `version`: swapped before main, limits on main. */
  impact_estimate: 'version' | 'swapped' | 'limits' | 'usage';
  /** How `restricted.cluster.target=block` meets the rebalancer's target check. */
  cluster_target_check: 'crash' | 'refuse' | 'admin';
  update_source_score: boolean;
  rechoose_target: boolean;
  running_only: boolean;
  continue_on_failure: boolean;
  arch_order: 'go-map' | 'busiest';
  batch_scope: 'run' | 'architecture';
  threshold_mode: 'relative' | 'absolute';
  /** µs; 0 = off. */
  pair_hysteresis: Micros;
}

export interface IncusContext {
  config: IncusConfig;
  options: IncusOptions;
}

/** The engine configuration from a resolved scenario's `engine.config` (upstream key names). */
export function incusConfig(values: Record<string, unknown>): IncusConfig {
  return {
    interval: values['cluster.rebalance.interval'] as number,
    threshold: values['cluster.rebalance.threshold'] as number,
    cooldown: values['cluster.rebalance.cooldown'] as number,
    batch: values['cluster.rebalance.batch'] as number,
  };
}

// ---------------------------------------------------------------------------------------------
// What the engine sees (read during a call only)

export type MemberState = 'online' | 'evacuated' | 'offline';
export type SchedulerInstance = 'all' | 'manual' | 'group';

/** One cluster member: its node record and its `GET /1.0/resources` figures. */
export interface MemberView {
  readonly name: string;
  /** `cpu.architecture`, e.g. x86_64, aarch64. */
  readonly arch: string;
  /** `cpu.total`: hardware threads. */
  readonly threads: number;
  /** `memory.total`, bytes. */
  readonly memoryTotal: number;
  /** `memory.used` = total − free − cached − buffers, bytes. */
  readonly memoryUsed: number;
  /** `load.Average1Min` as reported (two decimals, from /proc/loadavg). */
  readonly load1: number;
  readonly state: MemberState;
  /** `scheduler.instance`. */
  readonly scheduler: SchedulerInstance;
  /** Cluster groups the member belongs to. */
  readonly groups: readonly string[];
  /** When this member's daemon started (µs; may be before 0). */
  readonly startedAt: Micros;
  /** Whether it answers API calls (absent: yes). A member that died still counts as online until the heartbeat threshold passes, but cannot be reached. */
  readonly reachable?: boolean;
}

/** One virtual machine as the rebalancer reads it (instance record, expanded config, state). */
export interface VmView {
  readonly name: string;
  /** Index into `ClusterView.projects`. */
  readonly project: number;
  /** Index of the member it is on. */
  readonly member: number;
  readonly running: boolean;
  /** `migration.stateful`. */
  readonly stateful: boolean;
  /** Has a device that cannot be live-migrated. */
  readonly blockingDevices: boolean;
  /** `cluster.evacuate` (absent: `auto`). */
  readonly evacuate?: string;
  /** A migration of this VM is in flight. */
  readonly migrating: boolean;
  /** `volatile.rebalance.last_move`: whole seconds since the simulation epoch, or null. */
  readonly lastMove: number | null;
  /** `limits.cpu` (count). */
  readonly limitsCpu: number;
  /** `limits.memory`, bytes. */
  readonly limitsMemory: number;
  /** Observed CPU use, cores (instance state). */
  readonly cpuUsage: number;
  /** Observed memory use, bytes (instance state). */
  readonly memoryUsage: number;
}

export interface ProjectView {
  readonly name: string;
  /** Project config `restricted`. */
  readonly restricted: boolean;
  /** `restricted.cluster.groups`; only enforced when `restricted`. */
  readonly clusterGroups: readonly string[];
  /** `restricted.cluster.target` (absent: `block`, its default); only enforced when `restricted`. */
  readonly clusterTarget?: 'block' | 'allow';
}

export interface ClusterView {
  readonly members: readonly MemberView[];
  readonly vms: readonly VmView[];
  readonly projects: readonly ProjectView[];
  /** Index of the leader, or −1 when there is none. */
  readonly leader: number;
  /** VM indices on a member, in database order. */
  vmsOn(member: number): readonly number[];
  /** A random 32-bit value for this call: Go's map iteration order is random per run. */
  readonly mapRandom: number;
}

// ---------------------------------------------------------------------------------------------
// State, actions, decisions

/** Why a candidate VM was passed over (counted per run). */
export const SKIP_REASONS = ['not_live_migratable', 'cooldown', 'not_running', 'migrating', 'no_allowed_target', 'target_balanced', 'impact_too_big', 'source_balanced', 'would_invert', 'failed', 'wrong_project'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export type SkipCounts = Readonly<Record<SkipReason, number>>;

/** The architecture being worked on in a run. */
interface ArchStep {
  readonly arch: string;
  readonly source: number;
  /** Members less loaded than the source, busiest first (by initial score). */
  readonly candidates: readonly number[];
  /** Candidate VMs (live-migratable, outside cooldown), in database order. */
  readonly vms: readonly number[];
  /** Next index into `vms`. */
  readonly next: number;
  readonly maxToMigrate: number;
  readonly migrated: number;
  /** Running usage and score per member index (only candidates and the source are used). */
  readonly runMemory: Float64Array;
  readonly runCpu: Float64Array;
  readonly runScore: Float64Array;
  /** The migration waited for, if any. */
  readonly pending: Pending | null;
}

interface Pending {
  readonly vm: number;
  readonly target: number;
  readonly expected: number;
  readonly sourceExpected: number;
  readonly impact: Usage;
}

interface ArchGroup {
  readonly arch: string;
  /** Members of this architecture, highest score first. */
  readonly members: readonly number[];
}

interface RunState {
  readonly id: number;
  readonly member: number;
  /** When the run (the task function) started. */
  readonly startedAt: Micros;
  readonly conversion: FloatConversion;
  /** Initial score per member (NaN for members not considered). */
  readonly scores: Float64Array;
  readonly arches: readonly ArchGroup[];
  readonly archIndex: number;
  readonly migrated: number;
  readonly step: ArchStep | null;
  readonly skips: SkipCounts;
}

/** A completed move, remembered for `pair_hysteresis`. */
interface RecentMove {
  readonly from: number;
  readonly to: number;
  readonly at: Micros;
}

export interface IncusState {
  /** Per member: its task ticks at `tickBase + k · 1 min`, k ≥ 0. */
  readonly tickBase: readonly Micros[];
  readonly run: RunState | null;
  readonly runs: number;
  readonly recentMoves: readonly RecentMove[];
}

/** An architecture's check in a run, with the numbers upstream logs at debug level. */
export type ArchOutcome = 'rebalance' | 'balanced' | 'too_few_members' | 'idle' | 'batch_full';

export type IncusAction =
  | { readonly type: 'run_started'; readonly run: number; readonly leader: number; readonly scores: readonly (number | null)[]; readonly archOrder: readonly string[] }
  | { readonly type: 'arch_checked'; readonly run: number; readonly arch: string; readonly busiest: number; readonly leastBusy: number; readonly maxScore: number; readonly minScore: number; readonly imbalance: number; readonly outcome: ArchOutcome }
  | { readonly type: 'migrate'; readonly run: number; readonly vm: number; readonly from: number; readonly to: number; readonly targetScore: number; readonly expectedScore: number }
  | { readonly type: 'stamp_last_move'; readonly vm: number; readonly value: number }
  | { readonly type: 'run_finished'; readonly run: number; readonly migrated: number; readonly outcome: RunOutcome; readonly skips: SkipCounts; readonly error?: string };

/**
 * How a run ended: `done`; `aborted` (an error returned up to `clusterRebalance`: a failed
 * migration, a move outside the default project before main); `abandoned` (the leader changed);
 * `crashed` (the leader's task panicked: lxc/incus#2808).
 */
export type RunOutcome = 'done' | 'aborted' | 'abandoned' | 'crashed';

export interface Decision {
  readonly state: IncusState;
  readonly actions: readonly IncusAction[];
  /** When the engine wants `onTick` next; null while it waits for a migration (or has no leader). */
  readonly wakeAt: Micros | null;
}

const NO_ACTIONS: readonly IncusAction[] = Object.freeze([]);
const NO_SKIPS: SkipCounts = Object.freeze(Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>);
const MINUTE = MICROS_PER_MINUTE;

// ---------------------------------------------------------------------------------------------
// Schedule arithmetic

/**
 * The first tick at or after `now` of a task ticking at `base + k · 1 min` (k ≥ 0).
 *
 * @example nextTick(60e6, 61e6) // 120e6
 */
export function nextTick(base: Micros, now: Micros): Micros {
  if (now <= base) return base;
  return base + Math.ceil((now - base) / MINUTE) * MINUTE;
}

/**
 * Is a run due at `now` for a daemon started at `startedAt`? Upstream:
 * `elapsed := int64(math.Round(now.Sub(s.StartTime).Minutes())); elapsed % interval == 0`.
 *
 * @example runDue(5, 0, 5 * 60e6 + 29e6) // true  (5.48 min rounds to 5)
 * @example runDue(5, 0, 5 * 60e6 + 30e6) // false (5.5 rounds to 6, half away from zero)
 */
export function runDue(interval: number, startedAt: Micros, now: Micros): boolean {
  if (interval <= 0) return false;
  const minutes = (now - startedAt) / MINUTE;
  const elapsed = minutes < 0 ? -Math.round(-minutes) : Math.round(minutes); // Go's math.Round: half away from zero
  return elapsed % interval === 0;
}

/**
 * Is a VM within its cooldown at `now`? `volatile.rebalance.last_move` holds whole seconds; the
 * VM is skipped while `now < last_move + cooldown` (upstream: `time.Now().Before(expiry)`).
 */
export function inCooldown(lastMove: number | null, cooldown: Micros, now: Micros): boolean {
  return lastMove !== null && now < lastMove * MICROS_PER_SECOND + cooldown;
}

/**
 * Does the VM's migration mode say live migration (`CanMigrate() == "live-migrate"`,
 * `driver_common.go` `canMigrate`)? `cluster.evacuate` other than `auto` is returned as it is —
 * so `live-migrate` makes a candidate whatever `migration.stateful` and the devices say (the move
 * may then fail), and `stop`, `migrate`, … never are; `auto` means no device that cannot migrate
 * and `migration.stateful`.
 *
 * @example liveMigratable({ ...vm, stateful: false, evacuate: 'live-migrate' }) // true
 */
export function liveMigratable(vm: VmView): boolean {
  const mode = vm.evacuate ?? 'auto';
  if (mode !== 'auto') return mode === 'live-migrate';
  return vm.stateful && !vm.blockingDevices;
}

/** Does the chosen version use the single-target logic of 6.7–6.23? */
export function singleTarget(options: IncusOptions): boolean {
  return options.version === '6.7' || options.version === '6.21';
}

/** The impact estimate in force: `version` is swapped before main, the right way round on main. */
export function impactMode(options: IncusOptions): 'swapped' | 'limits' | 'usage' {
  if (options.impact_estimate !== 'version') return options.impact_estimate;
  return options.version === 'main' ? 'limits' : 'swapped';
}

/** Does the move call select the VM's project (`UseProject`, main only)? */
export function selectsProject(options: IncusOptions): boolean {
  return options.version === 'main';
}

/** Is `restricted.cluster.target` at `block` for the project (`projectHasRestriction`)? */
export function targetBlocked(p: ProjectView): boolean {
  return p.restricted && (p.clusterTarget ?? 'block') === 'block';
}

/**
 * The rebalancer's `project.CheckTarget(…, r = nil, …, member)` for project `p` and member `m`.
 * With `restricted.cluster.target=block` upstream goes on to ask the authorizer about the
 * request, dereferences the nil request and the leader's task panics (lxc/incus#2808): `crash`.
 * Options: `refuse` (the member is refused), `admin` (the rebalancer acts as a server admin, as
 * an evacuation does: the restriction is overridden). Then `AllowClusterMember`.
 *
 * @example checkTarget({ cluster_target_check: 'crash', … }, { restricted: true, … }, m) // 'crash'
 */
export function checkTarget(options: IncusOptions, p: ProjectView, m: MemberView): 'crash' | 'allowed' | 'refused' {
  if (targetBlocked(p)) {
    if (options.cluster_target_check === 'crash') return 'crash';
    if (options.cluster_target_check === 'refuse') return 'refused';
  }
  return allowedOn(p, m) ? 'allowed' : 'refused';
}

/** The error upstream's leader dies of (lxc/incus#2808). */
export const TARGET_CHECK_PANIC = 'panic: nil pointer dereference in project.CheckClusterTargetRestriction (lxc/incus#2808)';

/** May project `p` place instances on member `m`? (`AllowClusterMember`.) */
export function allowedOn(p: ProjectView, m: MemberView): boolean {
  if (!p.restricted || p.clusterGroups.length === 0) return true;
  for (const g of m.groups) if (p.clusterGroups.includes(g)) return true;
  return false;
}

/** Is a member considered at all (`GetCandidateMembers`: online, not evacuated, scheduler all)? */
export function consideredMember(m: MemberView): boolean {
  return m.state === 'online' && m.scheduler === 'all';
}

/** A member's usage as `calculateServersScore` reads it. */
export function memberUsage(m: MemberView): Usage {
  return { memoryUsage: m.memoryUsed, memoryTotal: m.memoryTotal, cpuUsage: m.load1, cpuTotal: m.threads };
}

/**
 * The score of one member as the engine computes it (`calculateScore(su, nil)`; also for
 * reports). The same float operations as `score(…, memberUsage(m))`, without the allocation.
 */
export function memberScore(options: IncusOptions, conversion: FloatConversion, m: MemberView): number {
  return scoreOf(options.score_arithmetic, conversion, (m.memoryUsed * 100) / m.memoryTotal, (m.load1 * 100) / m.threads);
}

/**
 * The impact of moving `vm`, as an addition to the target's usage. As shipped the CPU count and
 * the memory byte count trade places (`MemoryUsage: cpu`, `CPUUsage: memory bytes`).
 */
export function impactOf(options: IncusOptions, vm: VmView): Usage {
  switch (impactMode(options)) {
    case 'swapped':
      return { memoryUsage: vm.limitsCpu, memoryTotal: 0, cpuUsage: vm.limitsMemory, cpuTotal: 0 };
    case 'limits':
      return { memoryUsage: vm.limitsMemory, memoryTotal: 0, cpuUsage: vm.limitsCpu, cpuTotal: 0 };
    case 'usage':
      return { memoryUsage: vm.memoryUsage, memoryTotal: 0, cpuUsage: vm.cpuUsage, cpuTotal: 0 };
  }
}

/**
 * Go's iteration order over a small map (≤ 8 keys, one bucket or group): the keys in insertion
 * order, rotated to start at slot `r & 7` (or at the first key when that slot is empty). More
 * than 8 keys: rotated by `r mod n` (an approximation).
 */
export function goMapOrder<T>(keys: readonly T[], r: number): T[] {
  const n = keys.length;
  if (n === 0) return [];
  const offset = n <= 8 ? ((r & 7) < n ? r & 7 : 0) : (r >>> 0) % n;
  return [...keys.slice(offset), ...keys.slice(0, offset)];
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * The state before anything happened: each member's first tick one minute after its daemon
 * started (`task.SkipFirst`, 6.21+), or at the start itself (6.7–6.20: the task runs at once).
 */
export function initialState(view: ClusterView, ctx?: IncusContext): IncusState {
  const first = ctx?.options.version === '6.7' ? 0 : MINUTE;
  return { tickBase: view.members.map((m) => m.startedAt + first), run: null, runs: 0, recentMoves: [] };
}

/** When the leader's task ticks next, at or after `now` (null without a leader or during a run). */
export function wakeAt(state: IncusState, view: ClusterView, now: Micros): Micros | null {
  if (state.run !== null || view.leader < 0) return null;
  return nextTick(state.tickBase[view.leader]!, now);
}

function decision(state: IncusState, actions: readonly IncusAction[], view: ClusterView, now: Micros): Decision {
  return { state, actions, wakeAt: wakeAt(state, view, now) };
}

/**
 * The leader's task ticks at `now` (the world calls this at `wakeAt`). Upstream order: interval
 * > 0, `round(minutes since start) % interval == 0`, this member is the leader; then score the
 * online, non-evacuated, `scheduler.instance=all` members and rebalance.
 */
export function onTick(ctx: IncusContext, state: IncusState, view: ClusterView, now: Micros): Decision {
  if (state.run !== null || view.leader < 0) return { state, actions: NO_ACTIONS, wakeAt: null };
  const leader = view.leader;
  const due = nextTick(state.tickBase[leader]!, now);
  if (due !== now) return { state, actions: NO_ACTIONS, wakeAt: due };
  if (!runDue(ctx.config.interval, view.members[leader]!.startedAt, now)) return { state, actions: NO_ACTIONS, wakeAt: now + MINUTE };
  return startRun(ctx, state, view, now);
}

/**
 * The migration the run waits for has ended at `now`. Success: stamp `last_move`, update the
 * target's running usage and go on. Failure: the run is aborted (as shipped) or, with
 * `continue_on_failure`, the VM is skipped.
 */
export function onMigrationResult(ctx: IncusContext, state: IncusState, view: ClusterView, ok: boolean, now: Micros): Decision {
  const run = state.run;
  const step = run?.step;
  const pending = step?.pending;
  if (!run || !step || !pending) return decision(state, NO_ACTIONS, view, now);
  const actions: IncusAction[] = [];
  if (!ok) {
    const skips = bump(run.skips, 'failed');
    if (!ctx.options.continue_on_failure) {
      actions.push({ type: 'run_finished', run: run.id, migrated: run.migrated + step.migrated, outcome: 'aborted', skips });
      return decision(endRun(state, run, now), actions, view, now);
    }
    const next = withRun(state, { ...run, skips, step: { ...step, pending: null } });
    return advance(ctx, next, view, now, actions);
  }
  actions.push({ type: 'stamp_last_move', vm: pending.vm, value: Math.floor(now / MICROS_PER_SECOND) });
  const runMemory = step.runMemory.slice();
  const runCpu = step.runCpu.slice();
  const runScore = step.runScore.slice();
  const t = pending.target;
  runScore[t] = pending.expected;
  runMemory[t] = runMemory[t]! + pending.impact.memoryUsage;
  runCpu[t] = runCpu[t]! + pending.impact.cpuUsage;
  if (ctx.options.update_source_score) {
    const s = step.source;
    runScore[s] = pending.sourceExpected;
    runMemory[s] = runMemory[s]! - pending.impact.memoryUsage;
    runCpu[s] = runCpu[s]! - pending.impact.cpuUsage;
  }
  let recentMoves = state.recentMoves;
  if (ctx.options.pair_hysteresis > 0) {
    recentMoves = [...recentMoves.filter((m) => now - m.at < ctx.options.pair_hysteresis), { from: step.source, to: t, at: now }];
  }
  const nextStep: ArchStep = { ...step, runMemory, runCpu, runScore, migrated: step.migrated + 1, pending: null };
  const next: IncusState = { tickBase: state.tickBase, run: { ...run, step: nextStep }, runs: state.runs, recentMoves };
  return advance(ctx, next, view, now, actions);
}

/**
 * The daemon on `member` started again at `now` (after the panic of lxc/incus#2808 systemd
 * restarts incusd; the view already carries its new start time): its task starts over — first
 * tick one minute later (`task.SkipFirst`, 6.21+) or at once (6.7–6.20).
 *
 * @example onDaemonStart(ctx, state, view, 0, 600e6).state.tickBase[0] // 660e6
 */
export function onDaemonStart(ctx: IncusContext, state: IncusState, view: ClusterView, member: number, now: Micros): Decision {
  const tickBase = state.tickBase.slice();
  tickBase[member] = now + (ctx.options.version === '6.7' ? 0 : MINUTE);
  return decision({ tickBase, run: state.run, runs: state.runs, recentMoves: state.recentMoves }, NO_ACTIONS, view, now);
}

/**
 * Leadership moved (or the leader went away) at `now`: a run in progress on the old leader is
 * lost; the new leader's task keeps its own schedule.
 */
export function onLeaderChange(ctx: IncusContext, state: IncusState, view: ClusterView, now: Micros): Decision {
  void ctx;
  const run = state.run;
  // an election takes a moment: the new leader's own tick at `now`, if any, went by while it was a follower
  if (run === null) return decision(state, NO_ACTIONS, view, now + 1);
  const migrated = run.migrated + (run.step?.migrated ?? 0);
  const actions: IncusAction[] = [{ type: 'run_finished', run: run.id, migrated, outcome: 'abandoned', skips: run.skips }];
  return decision(endRun(state, run, now), actions, view, now + 1);
}

// ---------------------------------------------------------------------------------------------
// The run

function withRun(state: IncusState, run: RunState | null): IncusState {
  return { tickBase: state.tickBase, run, runs: state.runs, recentMoves: state.recentMoves };
}

/**
 * The run started at `run.startedAt` returned at `now`. Upstream's task loop
 * (`internal/server/task/task.go`, `Task.loop`) then waits `schedule − duration`, or not at all
 * when the run took longer than the schedule: the next tick is at start + max(duration, 1 min).
 *
 * @example a run from 3:00 that returns at 3:40 → next tick 4:00; one that returns at 4:30 → 4:30
 */
function endRun(state: IncusState, run: RunState, now: Micros): IncusState {
  const tickBase = state.tickBase.slice();
  tickBase[run.member] = nextTickAfterRun(run.startedAt, now);
  return { tickBase, run: null, runs: state.runs, recentMoves: state.recentMoves };
}

/**
 * When a task that ran from `start` to `end` ticks next: one minute minus the run's duration
 * after it returned, at once if it took longer (`Task.loop`: `delay = schedule - duration`).
 *
 * @example nextTickAfterRun(180e6, 220e6) // 240e6
 * @example nextTickAfterRun(180e6, 270e6) // 270e6
 */
export function nextTickAfterRun(start: Micros, end: Micros): Micros {
  return end - start >= MINUTE ? end : start + MINUTE;
}

function bump(skips: SkipCounts, reason: SkipReason, n = 1): SkipCounts {
  return { ...skips, [reason]: skips[reason] + n };
}

/**
 * The leader's task panicked in the target check (lxc/incus#2808): the run dies where it is;
 * the moves already made stay. The world then restarts that daemon (`onDaemonStart`) and moves
 * the leadership.
 */
function crash(state: IncusState, run: RunState, migrated: number, skips: SkipCounts, view: ClusterView, now: Micros, actions: IncusAction[]): Decision {
  actions.push({ type: 'run_finished', run: run.id, migrated, outcome: 'crashed', skips, error: TARGET_CHECK_PANIC });
  return decision(endRun(state, run, now), actions, view, now);
}

/** Score the members, group them by architecture, and work through the architectures. */
function startRun(ctx: IncusContext, state: IncusState, view: ClusterView, now: Micros): Decision {
  const { options } = ctx;
  const members = view.members;
  const conversion = floatConversionOf(members[view.leader]!.arch);
  const scores = new Float64Array(members.length).fill(Number.NaN);
  const considered: number[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (!consideredMember(m)) continue;
    if (m.reachable === false) {
      // calculateServersScore: GetServerResources of a member that is down fails, and so does the run
      const id = state.runs + 1;
      const run: RunState = { id, member: view.leader, startedAt: now, conversion, scores, arches: [], archIndex: 0, migrated: 0, step: null, skips: NO_SKIPS };
      const error = `Failed calculating servers score: Failed to get resources for cluster member ${m.name}`;
      const actions: IncusAction[] = [{ type: 'run_finished', run: id, migrated: 0, outcome: 'aborted', skips: NO_SKIPS, error }];
      return decision(endRun({ ...state, runs: id }, run, now), actions, view, now);
    }
    scores[i] = memberScore(options, conversion, m);
    considered.push(i);
  }
  // sort.Slice by score, highest first (ties keep member order: Go's insertion sort for ≤ 12)
  considered.sort((a, b) => scores[b]! - scores[a]!);
  const byArch = new Map<string, number[]>();
  for (const i of considered) {
    const arch = members[i]!.arch;
    let list = byArch.get(arch);
    if (!list) byArch.set(arch, (list = []));
    list.push(i);
  }
  let arches: ArchGroup[] = [...byArch].map(([arch, list]) => ({ arch, members: list }));
  // go-map: Go's randomised map order; busiest: the groups are already in order of their top score
  if (options.arch_order === 'go-map') arches = goMapOrder(arches, view.mapRandom);
  const id = state.runs + 1;
  const run: RunState = { id, member: view.leader, startedAt: now, conversion, scores, arches, archIndex: 0, migrated: 0, step: null, skips: NO_SKIPS };
  const actions: IncusAction[] = [
    { type: 'run_started', run: id, leader: view.leader, scores: Array.from(scores, (s) => (Number.isNaN(s) ? null : s)), archOrder: arches.map((a) => a.arch) },
  ];
  const next: IncusState = { tickBase: state.tickBase, run, runs: id, recentMoves: state.recentMoves };
  return advance(ctx, next, view, now, actions);
}

/**
 * Go on with the run until a migration has to be waited for or the run is over
 * (`clusterRebalance` → `clusterRebalanceServers` for each architecture).
 */
function advance(ctx: IncusContext, state: IncusState, view: ClusterView, now: Micros, actions: IncusAction[]): Decision {
  const { config, options } = ctx;
  let run = state.run!;
  let skips = run.skips;
  for (;;) {
    let step = run.step;
    if (step === null) {
      if (run.archIndex >= run.arches.length) {
        actions.push({ type: 'run_finished', run: run.id, migrated: run.migrated, outcome: 'done', skips });
        return decision(endRun(state, run, now), actions, view, now);
      }
      const group = run.arches[run.archIndex]!;
      const opened = openArch(ctx, state, run, group, view, now, actions);
      if (opened === 'crash') return crash(state, run, run.migrated, skips, view, now, actions);
      step = opened;
      if (step === null) {
        run = { ...run, archIndex: run.archIndex + 1, skips };
        continue;
      }
      // the cooldown and migratability filter ran when the instance list was loaded
      skips = countFilterSkips(options, config, view, step.source, now, skips);
    }
    // clusterRebalanceServers: one VM after the other
    const members = view.members;
    const source = step.source;
    let i = step.next;
    let chosen: { vm: number; target: number; expected: number; sourceExpected: number; impact: Usage; targetScore: number } | null = null;
    for (; i < step.vms.length; i++) {
      if (step.migrated >= step.maxToMigrate) break;
      const vmIndex = step.vms[i]!;
      const vm = view.vms[vmIndex]!;
      const project = view.projects[vm.project]!;
      const single = singleTarget(options);
      const allowed: number[] = [];
      for (const c of step.candidates) {
        // 6.7–6.23 checked the projects against the one target before the loop (openArch)
        const verdict = single ? 'allowed' : checkTarget(options, project, members[c]!);
        if (verdict === 'crash') return crash(state, run, run.migrated + step.migrated, skips, view, now, actions);
        if (verdict === 'refused') continue;
        if (options.pair_hysteresis > 0 && state.recentMoves.some((m) => m.from === c && m.to === source && now - m.at < options.pair_hysteresis)) continue;
        allowed.push(c);
      }
      if (allowed.length === 0) {
        skips = bump(skips, 'no_allowed_target');
        continue;
      }
      let target: number;
      if (single) target = allowed[0]!;
      else if (options.rechoose_target) {
        target = allowed[allowed.length - 1]!;
        for (let k = allowed.length - 1; k >= 0; k--) if (step.runScore[allowed[k]!]! < step.runScore[target]!) target = allowed[k]!;
      } else {
        // default target: the least-loaded allowed candidate; the globally least-loaded one if allowed
        const globalLeast = step.candidates[step.candidates.length - 1]!;
        target = allowed.includes(globalLeast) ? globalLeast : allowed[allowed.length - 1]!;
      }
      const targetScore = midpoint(options.score_arithmetic, run.scores[source]!, run.scores[target]!);
      if (step.runScore[target]! >= targetScore) {
        skips = bump(skips, 'target_balanced');
        if (single) break; // 6.7–6.23: "We've balanced the load" returns from the architecture
        continue;
      }
      if (options.update_source_score && step.runScore[source]! <= targetScore) {
        skips = bump(skips, 'source_balanced');
        continue;
      }
      const impact = impactOf(options, vm);
      const running: Usage = { memoryUsage: step.runMemory[target]!, memoryTotal: members[target]!.memoryTotal, cpuUsage: step.runCpu[target]!, cpuTotal: members[target]!.threads };
      const expected = score(options.score_arithmetic, run.conversion, running, impact);
      if (expected >= targetScore) {
        skips = bump(skips, 'impact_too_big');
        continue;
      }
      let sourceExpected = step.runScore[source]!;
      if (options.update_source_score) {
        const src: Usage = { memoryUsage: step.runMemory[source]!, memoryTotal: members[source]!.memoryTotal, cpuUsage: step.runCpu[source]!, cpuTotal: members[source]!.threads };
        const negative: Usage = { memoryUsage: -impact.memoryUsage, memoryTotal: 0, cpuUsage: -impact.cpuUsage, cpuTotal: 0 };
        sourceExpected = score(options.score_arithmetic, run.conversion, src, negative);
        if (sourceExpected < expected) {
          skips = bump(skips, 'would_invert');
          continue;
        }
      }
      if (!selectsProject(options) && project.name !== 'default') {
        // before main the move is asked of the default project: the instance is not found there
        skips = bump(skips, 'wrong_project');
        if (options.continue_on_failure) continue;
        const error = `Migration API failure: instance ${vm.name} not found in project default (it is in ${project.name})`;
        actions.push({ type: 'run_finished', run: run.id, migrated: run.migrated + step.migrated, outcome: 'aborted', skips, error });
        return decision(endRun(state, run, now), actions, view, now);
      }
      chosen = { vm: vmIndex, target, expected, sourceExpected, impact, targetScore };
      break;
    }
    if (chosen !== null) {
      const pending: Pending = { vm: chosen.vm, target: chosen.target, expected: chosen.expected, sourceExpected: chosen.sourceExpected, impact: chosen.impact };
      run = { ...run, skips, step: { ...step, next: i + 1, pending } };
      actions.push({ type: 'migrate', run: run.id, vm: chosen.vm, from: source, to: chosen.target, targetScore: chosen.targetScore, expectedScore: chosen.expected });
      return { state: withRun(state, run), actions, wakeAt: null };
    }
    // this architecture is done
    run = { ...run, skips, migrated: run.migrated + step.migrated, archIndex: run.archIndex + 1, step: null };
  }
}

/**
 * Check one architecture (`clusterRebalance`'s loop body) and, when it is to be rebalanced, set
 * up its step: the candidates less loaded than the source and the source's candidate VMs.
 * Returns null when there is nothing to do for it.
 */
function openArch(ctx: IncusContext, state: IncusState, run: RunState, group: ArchGroup, view: ClusterView, now: Micros, actions: IncusAction[]): ArchStep | null | 'crash' {
  void state;
  const { config, options } = ctx;
  const v = group.members;
  const first = v[0]!;
  const last = v[v.length - 1]!;
  const maxScore = run.scores[first]!;
  const minScore = run.scores[last]!;
  const check = (outcome: ArchOutcome, pct: number): void => {
    actions.push({ type: 'arch_checked', run: run.id, arch: group.arch, busiest: first, leastBusy: last, maxScore, minScore, imbalance: pct, outcome });
  };
  const perArch = options.batch_scope === 'architecture';
  if (!perArch && run.migrated >= config.batch) {
    check('batch_full', 0);
    return null;
  }
  if (v.length < 2) {
    check('too_few_members', 0);
    return null;
  }
  if (maxScore === 0) {
    check('idle', 0);
    return null;
  }
  const pct = imbalance(options.threshold_mode, maxScore, minScore);
  if (pct < config.threshold) {
    check('balanced', pct);
    return null;
  }
  check('rebalance', pct);
  const candidates: number[] = [];
  if (singleTarget(options)) candidates.push(last); // 6.7–6.23: the least busy member only
  else for (let k = 1; k < v.length; k++) if (run.scores[v[k]!]! < maxScore) candidates.push(v[k]!);
  if (candidates.length === 0) return null;
  const vms: number[] = [];
  if (singleTarget(options)) {
    // 6.7–6.23: every project with a VM on the source is checked against the target first
    const verdicts = new Map<number, 'crash' | 'allowed' | 'refused'>();
    for (const i of view.vmsOn(first)) {
      const p = view.vms[i]!.project;
      if (!verdicts.has(p)) verdicts.set(p, checkTarget(options, view.projects[p]!, view.members[last]!));
      if (verdicts.get(p) === 'crash') return 'crash';
    }
    for (const i of view.vmsOn(first)) if (verdicts.get(view.vms[i]!.project) === 'allowed' && vmCandidate(options, config, view.vms[i]!, now) === null) vms.push(i);
  } else for (const i of view.vmsOn(first)) if (vmCandidate(options, config, view.vms[i]!, now) === null) vms.push(i);
  const n = view.members.length;
  const runMemory = new Float64Array(n);
  const runCpu = new Float64Array(n);
  const runScore = new Float64Array(n);
  for (const c of [first, ...candidates]) {
    const m = view.members[c]!;
    runMemory[c] = m.memoryUsed;
    runCpu[c] = m.load1;
    runScore[c] = run.scores[c]!;
  }
  return { arch: group.arch, source: first, candidates, vms, next: 0, maxToMigrate: perArch ? config.batch : config.batch - run.migrated, migrated: 0, runMemory, runCpu, runScore, pending: null };
}

/** Why a VM on the source is not a candidate at all, or null when it is one. */
export function vmCandidate(options: IncusOptions, config: IncusConfig, vm: VmView, now: Micros): SkipReason | null {
  if (!liveMigratable(vm)) return 'not_live_migratable';
  if (inCooldown(vm.lastMove, config.cooldown, now)) return 'cooldown';
  if (options.running_only && !vm.running) return 'not_running';
  if (vm.migrating) return 'migrating';
  return null;
}

/** Count the source's VMs that the instance filter left out. */
function countFilterSkips(options: IncusOptions, config: IncusConfig, view: ClusterView, source: number, now: Micros, skips: SkipCounts): SkipCounts {
  let out = skips;
  for (const i of view.vmsOn(source)) {
    const reason = vmCandidate(options, config, view.vms[i]!, now);
    if (reason !== null) out = bump(out, reason);
  }
  return out;
}
