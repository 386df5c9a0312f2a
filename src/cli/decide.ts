/**
 * `scalelab decide albatross`: run the Albatross engine on real observations — JSON lines on
 * stdin (or --input), actions as JSON lines on stdout. See src/adapters/albatross.ts.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { AlbatrossAdapter, parseLine, type AdapterOutput } from '../adapters/albatross.js';
import type { AlbatrossConfig, AlbatrossOptions } from '../engines/albatross/engine.js';
import { InputError } from '../scenario/errors.js';
import { wholeNumberFlag } from './flags.js';
import { loadScenario, parseScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { decideKraftcloud } from './decide-kraftcloud.js';

interface DecideFlags {
  scenario?: string;
  variant?: string;
  set: string[];
  group: string[];
  vcpus: string;
  maxInstances?: string;
  minInstances: string;
  input?: string;
  config?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Engine settings from a scenario file, or the defaults of the chosen variant. */
function engineScenario(flags: DecideFlags): Scenario {
  const sets = [...(flags.variant ? [`engine.variant=${flags.variant}`] : []), ...flags.set];
  if (flags.scenario) return loadScenario(flags.scenario, { sets });
  const minimal = 'name: decide\nduration: 1s\nengine: { name: albatross }\nworld: { hosts: [ { name: h, threads: 1, memory: 1GiB } ] }\nworkloads: [ { name: w, load: { base: 0 } } ]\n';
  return parseScenarioText(minimal, '<decide>', { sets });
}


export function registerDecideCommand(program: Command): void {
  program
    .command('decide')
    .description('run a decision engine on live observations: JSON lines in, actions as JSON lines out')
    .argument('<engine>', 'engine name (albatross, kraftcloud)')
    .option('--scenario <file>', 'take engine variant, config and options (and the groups, if no --group) from a scenario')
    .option('--variant <name>', 'engine variant (faithful or corrected)')
    .option('--set <key=value>', 'override a key, e.g. --set engine.config.cooldown_period=300s (repeatable)', collect, [])
    .option('--group <name>', 'primary unikernel of a scaling group, as albatross names it (repeatable)', collect, [])
    .option('--vcpus <n>', 'vCPUs of each group\'s unikernels', '1')
    .option('--max-instances <n>', 'max instances per group (scaling policy)')
    .option('--min-instances <n>', 'min instances per group (corrected variant)', '1')
    .option('--input <file>', 'read observations from a file instead of stdin')
    .option('--config <file>', 'kraftcloud: the service\'s autoscale configuration (YAML/JSON; see docs/engines/kraftcloud.md)')
    .addHelpText(
      'after',
      `
Input lines:
  {"time": 1780000010, "name": "alice:web", "utime": [9, 500000], "stime": [0, 12000]}
  {"time": 1780000010, "running": ["alice:web", "alice:web-clone-1"]}
  {"time": "2026-06-01T10:00:20Z", "spawn_failed": "alice:web-clone-2"}
Output lines: {"time": …, "type": "spawn_clone" | "destroy_clone" | "orphan" | "adopt" | "forget", "group": …, …}

Example:
  albatross-stats-to-json | scalelab decide albatross --variant corrected --group alice:web --max-instances 4

kraftcloud input lines (one round per time; a round lists every instance):
  {"time": 1780000000.01, "instance": "nginx-1", "state": "running", "millicores": 700, "inflight": 3, "rps": 120, "connections": 4, "last_request": 1780000000.009}
  {"time": 1780000000.01, "waiting": 2}
Output lines: {"time": …, "type": "spawn" | "destroy" | "standby" | "wake" | "notify", …}
  scalelab decide kraftcloud --config service.yaml --input metrics.jsonl`,
    )
    .action(async (engine: string, flags: DecideFlags) => {
      if (engine === 'kraftcloud') return decideKraftcloud(flags);
      if (engine !== 'albatross') throw new InputError(`no live adapter for engine "${engine}" (have: albatross, kraftcloud)`, { key: 'engine' });
      const scenario = engineScenario(flags);
      if (scenario.engine.name !== 'albatross') throw new InputError(`the scenario's engine is ${scenario.engine.name}, not albatross`, { file: flags.scenario, key: 'engine.name' });
      const vcpus = wholeNumberFlag(flags.vcpus, '--vcpus');
      const maxInstances = flags.maxInstances !== undefined ? wholeNumberFlag(flags.maxInstances, '--max-instances') : null;
      const minInstances = wholeNumberFlag(flags.minInstances, '--min-instances');
      const groups = new Map<string, { vcpus: number; maxInstances: number | null; minInstances: number }>();
      for (const g of flags.group) groups.set(g, { vcpus, maxInstances, minInstances });
      if (groups.size === 0 && flags.scenario) for (const w of scenario.workloads) groups.set(w.name, { vcpus: w.vcpus, maxInstances: w.max_instances, minInstances: w.min_instances });
      if (groups.size === 0) throw new InputError('name at least one scaling group with --group (or give --scenario)', { key: '--group' });
      const adapter = new AlbatrossAdapter({ config: scenario.engine.config as unknown as AlbatrossConfig, options: scenario.engine.options as unknown as AlbatrossOptions, groups });
      if (flags.input && !fs.existsSync(flags.input)) throw new InputError('no such file', { file: flags.input });
      const source = flags.input ?? 'stdin';
      const input = flags.input ? fs.createReadStream(flags.input) : process.stdin;
      const print = (actions: AdapterOutput[]) => {
        for (const a of actions) process.stdout.write(`${JSON.stringify(a)}\n`);
      };
      let n = 0;
      for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
        n++;
        if (line.trim() === '') continue;
        print(adapter.feed(parseLine(line, `${source}:${n}`)));
      }
      print(adapter.finish());
    });
}
