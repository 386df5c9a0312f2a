/**
 * `scalelab decide albatross`: run the Albatross engine on real observations — JSON lines on
 * stdin (or --input), actions as JSON lines on stdout. See src/adapters/albatross.ts.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { AlbatrossAdapter, checkTimeJump, parseLine, type AdapterOutput } from '../adapters/albatross.js';
import { boundedLines, openInput } from '../files/inputs.js';
import type { AlbatrossConfig, AlbatrossOptions } from '../engines/albatross/engine.js';
import { InputError } from '../scenario/errors.js';
import { durationFlag, wholeNumberFlag } from './flags.js';
import { decideHpa } from './decide-hpa.js';
import { loadScenario, parseScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { decideKraftcloud } from './decide-kraftcloud.js';
import { decideBridge, summaryEvery, type BridgeFlags } from './decide-bridge.js';
import { adapterOutput, DryRun } from '../bridge/dry-run.js';

/** Largest --vcpus (a unikernel's vCPUs). */
const MAX_VCPUS = 1024;

interface DecideFlags {
  scenario?: string;
  variant?: string;
  set: string[];
  group: string[];
  vcpus: string;
  maxInstances?: string;
  minInstances: string;
  input?: string;
  allowOutside?: boolean;
  config?: string;
  interval?: string;
  protocol?: boolean;
  dryRun?: boolean;
  summaryEvery?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Whether the flags ask for the generic bridge (src/bridge/) rather than an engine's own adapter. */
function onGenericBridge(engine: string, flags: DecideFlags): boolean {
  if (!['albatross', 'hpa', 'kraftcloud'].includes(engine)) return true;
  if (flags.protocol) return true;
  if (flags.scenario === undefined) return false;
  try {
    const kind = loadScenario(flags.scenario, { sets: flags.set, ...(flags.allowOutside ? { allowOutside: true } : {}) }).engine.kind;
    return kind === 'module' || kind === 'external';
  } catch {
    return false; // the adapter's own loading reports the problem
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Engine settings from a scenario file, or the defaults of the chosen variant. */
function engineScenario(flags: DecideFlags): Scenario {
  const sets = [...(flags.variant ? [`engine.variant=${flags.variant}`] : []), ...flags.set];
  if (flags.scenario) return loadScenario(flags.scenario, { sets, ...(flags.allowOutside ? { allowOutside: true } : {}) });
  const minimal = 'name: decide\nduration: 1s\nengine: { name: albatross }\nworld: { hosts: [ { name: h, threads: 1, memory: 1GiB } ] }\nworkloads: [ { name: w, load: { base: 0 } } ]\n';
  return parseScenarioText(minimal, '<decide>', { sets });
}


export function registerDecideCommand(program: Command): void {
  program
    .command('decide')
    .description(summaryOf('decide'))
    .argument('<engine>', 'engine name (albatross, hpa, kraftcloud, incus, neon, replica)')
    .option('--scenario <file>', 'take engine variant, config and options (and the groups, if no --group) from a scenario; with engine.kind module or external, that engine decides (generic bridge)')
    .option('--variant <name>', 'engine variant (faithful or corrected)')
    .option('--set <key=value>', 'override a key, e.g. --set engine.config.cooldown_period=300s (repeatable)', collect, [])
    .option('--group <name>', 'primary unikernel of a scaling group, as albatross names it (repeatable)', collect, [])
    .option('--vcpus <n>', 'vCPUs of each group\'s unikernels', '1')
    .option('--max-instances <n>', 'max instances per group (scaling policy)')
    .option('--min-instances <n>', 'min instances per group (corrected variant)', '1')
    .option('--input <file>', 'read observations from a file instead of stdin')
    .option('--config <file>', 'hpa: the HPA configuration (YAML or JSON; HPA spec or manifest, controller flags, options); kraftcloud: the service\'s autoscale configuration (YAML/JSON; see docs/engines/kraftcloud.md); incus, neon, replica and --protocol: a scenario\'s engine: section (variant, config, options) plus seed, groups, vms, stats_interval, request_jitter, monitor_threshold')
    .option('--interval <duration>', 'albatross: stats interval of albatross-stats: records within half of it form one round (default: the scenario\'s world.stats_interval, 10s)')
    .option('--allow-outside', "with --scenario: read trace files outside its folder and the working directory")
    .option('--protocol', 'generic bridge, protocol mode: every input line is a protocol request (docs/PROTOCOL.md) plus "time"')
    .option('--dry-run', 'print no actions: a human summary every --summary-every of input time, and totals at the end')
    .option('--summary-every <duration>', 'with --dry-run: the summary window, in input time (default 60s)')
    .option('--json', 'with --dry-run: the summaries as JSON objects, one a line')
    .option('--verbose', 'also print the engine\'s wake-ups: {"time": …, "type": "wake_at", "at": …}')
    .addHelpText(
      'after',
      `
Input lines:
  {"time": 1780000010, "name": "alice:web", "utime": [9, 500000], "stime": [0, 12000]}
  {"time": 1780000010, "running": ["alice:web", "alice:web-clone-1"]}
  {"time": 1780000011, "spawned": "alice:web-clone-2"}                 albatross created the clone
  {"time": "2026-06-01T10:00:20Z", "spawn_failed": "alice:web-clone-2"}  (add "refused": true when
                                        the spawn was refused before albatross was asked)
  {"time": 1780000012, "destroyed": "alice:web-clone-1"}               albatross confirmed a destroy
Without "spawned"/"destroyed" lines a new clone joins its group when its stats arrive, and a
destroyed one leaves it at the next sync pass (every death_timeout of input time).
Rounds: records within half a stats interval (--interval) of a round's first record are one
round; it is decided when that window has passed (a later line, the end of input, or — for
live input stamped with the current time — the wall clock).
Output lines: {"time": …, "type": "spawn_clone" | "spawn_refused" | "destroy_clone" | "orphan" | "adopt" | "forget", "group": …, …}

Example:
  albatross-stats-to-json | scalelab decide albatross --variant corrected --group alice:web --max-instances 4

hpa (one line per observation; format in docs/engines/hpa.md):
  {"time": 1780000000, "specReplicas": 2, "pods": [{"name": "web-1", "phase": "Running", "ready": {"status": "True", "lastTransitionTime": 1779990000}, "startTime": 1779989990, "requests": {"cpu": "500m"}, "cpu": {"usage": "450m", "timestamp": 1779999990, "window": "30s"}}]}
  optional per line: "statusReplicas", "external": {"name": value}, "object": {"metric name": value}; per pod "memory", "custom"
  Output lines: {"time": …, "type": "scale", "from": 2, "to": 3, "reason": …}
  scalelab decide hpa --config hpa.yaml --input observations.jsonl

kraftcloud input lines (one round per time; a round lists every instance):
  {"time": 1780000000.01, "instance": "nginx-1", "state": "running", "millicores": 700, "inflight": 3, "rps": 120, "connections": 4, "last_request": 1780000000.009}
  {"time": 1780000000.01, "waiting": 2}
  Output lines: {"time": …, "type": "spawn" | "destroy" | "standby" | "wake" | "notify", …}
  scalelab decide kraftcloud --config service.yaml --input metrics.jsonl

The generic bridge (decide incus, decide neon, decide replica; albatross/hpa/kraftcloud with
--protocol; any engine with --dry-run; a module or external engine of --scenario). Input lines
are protocol requests without "id"/"now", plus "time" (Unix seconds or ISO 8601; a line without
"time" is stamped with the time it arrives: live mode). --config FILE is the scenario's engine:
section (variant, config, options) plus optional seed, stats_interval, groups, monitor_threshold.
Errors name the line: "stdin:12: cluster.vms[3].member: must be 0 to 2, got 5" (exit 2).
  incus: {"time": T, "type": "tick", "cluster": {"members": […], "vms": […], "projects": […], "leader": 0}}
         a cluster snapshot (buffered; the rebalancer ticks when it asked to be woken);
         events: migration_result {"ok"}, daemon_start {"member"}, leader_change (each with
         "cluster", or the latest snapshot). Output: run_started, arch_checked, migrate,
         stamp_last_move, run_finished lines.
  neon:  {"time": T, "type": "init", "vm": "vm-1", "using": {"cpu": 1000, "mem": 4294967296}, "min": {…}, "max": {…}}
         {"time": T, "type": "tick", "vm": "vm-1", "metrics": {"load1": 0.8, "load5": 0.6, "memoryUsageBytes": 1932735283}}
         events: plugin_answer {"permit"}, neonvm_result {"ok"}, monitor_result {"kind", "result"},
         monitor_upscale_request. Output: plugin_request, neonvm_request, monitor_upscale,
         monitor_downscale lines, each with "vm".
  hpa, kraftcloud, replica: {"time": T, "type": "observe", "group": "web", "obs": {…}} (buffered;
         sent when the engine asked to be woken), spawn_result, gone.
Output: one line per action, {"time": T, "group"|"vm": …, …action}.
  scalelab decide incus --config rebalance.yaml --input snapshots.jsonl
  scalelab decide neon --config agent.yaml --dry-run --summary-every 5m
  scalelab decide hpa --protocol --config hpa-engine.yaml --input requests.jsonl
  scalelab decide replica --scenario examples/scenarios/module-policy.yaml --input observations.jsonl
See docs/PROTOCOL.md (the messages) and docs/engines/incus.md, neon.md ("Deciding live").`,
    )
    .action(async (engine: string, flags: DecideFlags) => {
      if (onGenericBridge(engine, flags)) return decideBridge(engine, flags as BridgeFlags);
      // the engine's own adapter: actions printed, or summed by --dry-run
      if (flags.json && !flags.dryRun) throw new InputError('--json goes with --dry-run (action lines are JSON already)', { key: '--json' });
      const out = adapterOutput(flags.dryRun ? new DryRun({ every: summaryEvery(flags.summaryEvery), json: flags.json === true, write: (l) => process.stdout.write(`${l}\n`) }) : null, (l) => process.stdout.write(l), engine);
      if (engine === 'hpa') return decideHpa(flags.config, flags.input, out);
      if (engine === 'kraftcloud') return decideKraftcloud(flags, out);
      if (engine !== 'albatross') throw new InputError(`no live adapter for engine "${engine}" (have: albatross, hpa, kraftcloud)`, { key: 'engine' });
      const scenario = engineScenario(flags);
      if (scenario.engine.name !== 'albatross') throw new InputError(`the scenario's engine is ${scenario.engine.name}, not albatross`, { file: flags.scenario, key: 'engine.name' });
      const vcpus = wholeNumberFlag(flags.vcpus, '--vcpus');
      if (vcpus < 1 || vcpus > MAX_VCPUS) throw new InputError(`must be 1 to ${MAX_VCPUS}, got ${vcpus}`, { key: '--vcpus' });
      const maxInstances = flags.maxInstances !== undefined ? wholeNumberFlag(flags.maxInstances, '--max-instances') : null;
      const minInstances = wholeNumberFlag(flags.minInstances, '--min-instances');
      const groups = new Map<string, { vcpus: number; maxInstances: number | null; minInstances: number }>();
      for (const g of flags.group) groups.set(g, { vcpus, maxInstances, minInstances });
      if (groups.size === 0 && flags.scenario) for (const w of scenario.workloads) groups.set(w.name, { vcpus: w.vcpus, maxInstances: w.max_instances, minInstances: w.min_instances });
      if (groups.size === 0) throw new InputError('name at least one scaling group with --group (or give --scenario)', { key: '--group' });
      const interval = flags.interval !== undefined ? durationFlag(flags.interval, '--interval') : scenario.world.stats_interval;
      const adapter = new AlbatrossAdapter({ interval, config: scenario.engine.config as unknown as AlbatrossConfig, options: scenario.engine.options as unknown as AlbatrossOptions, groups });
      const source = flags.input ?? 'stdin';
      const input = flags.input ? fs.createReadStream('', { fd: openInput(flags.input, 'input') }) : process.stdin;
      const print = (actions: AdapterOutput[]) => out.actions(actions as unknown as Record<string, unknown>[]);
      // live input (times near the wall clock): decide a round as soon as its window has passed
      let timer: NodeJS.Timeout | undefined;
      const armTimer = () => {
        clearTimeout(timer);
        const closesAt = adapter.roundClosesAt();
        if (closesAt === null) return;
        // only for rounds stamped within a stats interval of the wall clock (a replayed recording
        // is decided by its own lines); a window already passed closes once the lines at hand are read
        const wait = closesAt / 1000 - Date.now();
        if (Math.abs(wait) <= interval / 1000) timer = setTimeout(() => print(adapter.closeRound(closesAt)), Math.max(0, wait));
      };
      let last: number | null = null;
      try {
        for await (const [n, line] of boundedLines(input, source)) {
          if (line.trim() === '') continue;
          const observation = parseLine(line, `${source}:${n}`);
          checkTimeJump(last, observation.time, `${source}:${n}`);
          last = observation.time;
          out.line(observation.time, `${source}:${n}`);
          print(adapter.feed(observation));
          armTimer();
        }
      } finally {
        clearTimeout(timer);
        if (input !== process.stdin) (input as fs.ReadStream).destroy();
      }
      print(adapter.finish());
      out.finish();
    });
}
