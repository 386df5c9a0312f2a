/**
 * `scalelab decide albatross`: run the Albatross engine on real observations — JSON lines on
 * stdin (or --input), actions as JSON lines on stdout. See src/adapters/albatross.ts.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { AlbatrossAdapter, checkTimeJump, parseLine, type AdapterOutput } from '../adapters/albatross.js';
import { boundedLines, openInput } from '../files/inputs.js';
import type { AlbatrossConfig, AlbatrossOptions } from '../engines/albatross/engine.js';
import { InputError } from '../scenario/errors.js';
import { wholeNumberFlag } from './flags.js';
import { loadScenario, parseScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

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
    .description('run a decision engine on live observations: JSON lines in, actions as JSON lines out')
    .argument('<engine>', 'engine name (albatross)')
    .option('--scenario <file>', 'take engine variant, config and options (and the groups, if no --group) from a scenario')
    .option('--variant <name>', 'engine variant (faithful or corrected)')
    .option('--set <key=value>', 'override a key, e.g. --set engine.config.cooldown_period=300s (repeatable)', collect, [])
    .option('--group <name>', 'primary unikernel of a scaling group, as albatross names it (repeatable)', collect, [])
    .option('--vcpus <n>', 'vCPUs of each group\'s unikernels', '1')
    .option('--max-instances <n>', 'max instances per group (scaling policy)')
    .option('--min-instances <n>', 'min instances per group (corrected variant)', '1')
    .option('--input <file>', 'read observations from a file instead of stdin')
    .option('--allow-outside', "with --scenario: read trace files outside its folder and the working directory")
    .addHelpText(
      'after',
      `
Input lines:
  {"time": 1780000010, "name": "alice:web", "utime": [9, 500000], "stime": [0, 12000]}
  {"time": 1780000010, "running": ["alice:web", "alice:web-clone-1"]}
  {"time": "2026-06-01T10:00:20Z", "spawn_failed": "alice:web-clone-2"}
Output lines: {"time": …, "type": "spawn_clone" | "destroy_clone" | "orphan" | "adopt" | "forget", "group": …, …}

Example:
  albatross-stats-to-json | scalelab decide albatross --variant corrected --group alice:web --max-instances 4`,
    )
    .action(async (engine: string, flags: DecideFlags) => {
      if (engine !== 'albatross') throw new InputError(`no live adapter for engine "${engine}" (have: albatross)`, { key: 'engine' });
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
      const adapter = new AlbatrossAdapter({ config: scenario.engine.config as unknown as AlbatrossConfig, options: scenario.engine.options as unknown as AlbatrossOptions, groups });
      const source = flags.input ?? 'stdin';
      const input = flags.input ? fs.createReadStream('', { fd: openInput(flags.input, 'input') }) : process.stdin;
      const print = (actions: AdapterOutput[]) => {
        for (const a of actions) process.stdout.write(`${JSON.stringify(a)}\n`);
      };
      let last: number | null = null;
      try {
        for await (const [n, line] of boundedLines(input, source)) {
          if (line.trim() === '') continue;
          const observation = parseLine(line, `${source}:${n}`);
          checkTimeJump(last, observation.time, `${source}:${n}`);
          last = observation.time;
          print(adapter.feed(observation));
        }
      } finally {
        if (input !== process.stdin) (input as fs.ReadStream).destroy();
      }
      print(adapter.finish());
    });
}
