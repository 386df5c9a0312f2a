/**
 * `scalelab decide ENGINE` on the generic bridge (src/bridge/): every engine (`decide incus`,
 * `decide neon`, and albatross/hpa/kraftcloud with `--protocol`), and a user's module or external
 * engine named by `--scenario`. Input: JSON lines shaped like protocol requests plus `time`;
 * output: one JSON line per action, or the `--dry-run` summaries.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { checkTimeJump } from '../adapters/albatross.js';
import { Bridge, type Decision } from '../bridge/bridge.js';
import { DryRun, iso } from '../bridge/dry-run.js';
import { bridgeHello, type BridgeEngine, type BridgeWorld } from '../bridge/hello.js';
import { parseBridgeLine } from '../bridge/input.js';
import { actionLines } from '../bridge/print.js';
import { openLoopback } from '../engines/external/loopback-module.js';
import { incusHello } from '../engines/external/incus.js';
import { neonHello } from '../engines/external/neon.js';
import { replicaHello } from '../engines/external/replica.js';
import { prepareEngine } from '../engines/external/module.js';
import { openSession } from '../engines/external/open.js';
import type { Dialect, HelloRequest } from '../engines/external/protocol.js';
import type { EngineSession } from '../engines/external/session.js';
import { boundedLines, openInput, readTextInput } from '../files/inputs.js';
import { parseDuration, type Micros } from '../kernel/time.js';
import { stream } from '../kernel/random.js';
import { InputError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { resolveEngine } from '../scenario/resolve-engine.js';
import { findEngine } from '../engines/registry.js';
import type { RawEngine } from '../scenario/raw.js';
import type { Scenario } from '../scenario/types.js';

/** The engines the generic bridge speaks. */
export const BRIDGE_DIALECTS: readonly Dialect[] = ['albatross', 'hpa', 'kraftcloud', 'replica', 'incus', 'neon'];

/** The flags the generic bridge reads. */
export interface BridgeFlags {
  scenario?: string;
  config?: string;
  set: string[];
  input?: string;
  allowOutside?: boolean;
  protocol?: boolean;
  dryRun?: boolean;
  summaryEvery?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Keys a `--config` engine file may have. */
const CONFIG_KEYS = ['name', 'variant', 'config', 'options', 'seed', 'stats_interval', 'groups', 'vms', 'monitor_threshold', 'request_jitter'];
/** Largest `--summary-every`: a week. */
const MAX_SUMMARY_EVERY: Micros = 7 * 86_400_000_000;

/** Read the YAML or JSON document of `--config`. */
function readDocument(file: string): unknown {
  const doc = YAML.parseDocument(readTextInput(file, 'engine configuration'), { prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new InputError(error.message.split('\n')[0]!, { file, line: error.linePos?.[0]?.line });
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
}

/**
 * The types a scenario's schema checks before resolution (`--config` has no schema pass): each
 * resolved number, whole number, boolean and choice, with its bounds, named by its key.
 *
 * @example checkResolvedTypes('incus', { 'cluster.rebalance.threshold': 'lots' }, {}, 'x.yaml') // throws x.yaml: config.cluster.rebalance.threshold: must be a number
 */
export function checkResolvedTypes(dialect: Dialect, config: Record<string, unknown>, options: Record<string, unknown>, file: string): void {
  const descriptor = findEngine(dialect)!;
  for (const [section, specs, values] of [['config', descriptor.config, config], ['options', descriptor.options, options]] as const) {
    for (const spec of specs) {
      const v = values[spec.key];
      const key = `${section}.${spec.key}`;
      if (spec.type === 'number' || spec.type === 'integer') {
        if (typeof v !== 'number' || !Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v))) throw new InputError(`must be a ${spec.type === 'integer' ? 'whole number' : 'number'}, got ${JSON.stringify(v)}`, { file, key });
        if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) throw new InputError(`must be ${spec.min ?? '−∞'} to ${spec.max ?? '∞'}, got ${v}`, { file, key });
      } else if (spec.type === 'boolean' && typeof v !== 'boolean') throw new InputError(`must be true or false, got ${JSON.stringify(v)}`, { file, key });
      else if (spec.type === 'enum' && !(spec.values ?? []).includes(String(v))) throw new InputError(`must be one of ${(spec.values ?? []).join(', ')}, got ${JSON.stringify(v)}`, { file, key });
    }
  }
}

/** A whole number from a config file, within bounds. */
function wholeAt(value: unknown, file: string, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new InputError(`must be a whole number from ${min} to ${max}`, { file, key });
  return value;
}

/**
 * The engine and world of `--config FILE`: the scenario's `engine:` section (`variant`, `config`,
 * `options`) plus `seed`, `stats_interval`, `groups` (horizontal) and `monitor_threshold` (neon).
 *
 * @example engineFromConfig('incus', 'rebalance.yaml').engine.config['cluster.rebalance.threshold'] // 20
 */
export function engineFromConfig(dialect: Dialect, file: string): { engine: BridgeEngine; world: BridgeWorld } {
  const data = readDocument(file) ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new InputError('must be a mapping: the scenario\'s engine section (variant, config, options)', { file });
  const doc = data as Record<string, unknown>;
  for (const key of Object.keys(doc)) if (!CONFIG_KEYS.includes(key)) throw new InputError(`unknown key; expected one of: ${CONFIG_KEYS.join(', ')}`, { file, key });
  if (doc['name'] !== undefined && doc['name'] !== dialect) throw new InputError(`is ${JSON.stringify(doc['name'])}, but this is decide ${dialect}`, { file, key: 'name' });
  for (const key of ['config', 'options']) {
    const v = doc[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v))) throw new InputError('must be a mapping', { file, key });
  }
  if (doc['variant'] !== undefined && typeof doc['variant'] !== 'string') throw new InputError('must be a string', { file, key: 'variant' });
  const raw = { name: dialect, ...(doc['variant'] !== undefined ? { variant: doc['variant'] } : {}), config: doc['config'] ?? {}, options: doc['options'] ?? {} } as unknown as RawEngine;
  const spec = resolveEngine(raw, { file, seed: 1, fail: (path, message) => { throw new InputError(message, { file, key: (path[0] === 'engine' ? path.slice(1) : path).join('.') }); } });
  checkResolvedTypes(dialect, spec.config, spec.options, file);
  const seed = doc['seed'] === undefined ? 1 : wholeAt(doc['seed'], file, 'seed', 0);
  const duration = (key: string, fallback: Micros): Micros => {
    if (doc[key] === undefined) return fallback;
    let us: Micros;
    try {
      us = parseDuration(doc[key] as string);
    } catch (err) {
      throw new InputError((err as Error).message, { file, key });
    }
    if (us < 0 || (key === 'stats_interval' && us === 0)) throw new InputError(`must be longer than 0`, { file, key });
    return us;
  };
  const statsInterval = duration('stats_interval', 10_000_000);
  const requestJitter = duration('request_jitter', 100_000);
  const vms = doc['vms'] ?? [];
  if (!Array.isArray(vms) || !vms.every((v) => typeof v === 'string')) throw new InputError('must be a list of VM names', { file, key: 'vms' });
  if (dialect === 'neon' && vms.length === 0) throw new InputError('decide neon needs the VMs it will hear about: vms: [vm-1, vm-2, …]', { file, key: 'vms' });
  const groupsRaw = doc['groups'] ?? [];
  if (!Array.isArray(groupsRaw)) throw new InputError('must be a list of groups ({name, vcpus, min_instances, max_instances})', { file, key: 'groups' });
  const groups = groupsRaw.map((g, i) => {
    const key = `groups[${i}]`;
    if (g === null || typeof g !== 'object' || typeof (g as { name?: unknown }).name !== 'string') throw new InputError('must be a mapping with a "name"', { file, key });
    const o = g as Record<string, unknown>;
    return {
      name: o['name'] as string,
      vcpus: wholeAt(o['vcpus'] ?? 1, file, `${key}.vcpus`, 1, 1024),
      minInstances: wholeAt(o['min_instances'] ?? 1, file, `${key}.min_instances`, 0),
      // null (JSON) when unbounded, as the simulator's hello has it
      maxInstances: (o['max_instances'] === undefined || o['max_instances'] === null ? null : wholeAt(o['max_instances'], file, `${key}.max_instances`, 0)) as number,
      requests: o['requests'] === true,
    };
  });
  const mt = doc['monitor_threshold'];
  if (mt !== undefined && (typeof mt !== 'number' || !(mt > 0 && mt <= 1))) throw new InputError('must be a fraction above 0 and at most 1', { file, key: 'monitor_threshold' });
  return { engine: { variant: spec.variant, config: spec.config, options: spec.options }, world: { seed, statsInterval, groups, vms: vms as string[], requestJitter, ...(mt !== undefined ? { monitorThreshold: mt as number } : {}) } };
}

/**
 * The hello the simulator sends for `scenario` (the same builders), so a recording of a run
 * replays through the bridge with the same engine configuration.
 *
 * @example scenarioHello('incus', loadScenario('scenarios/incus-flipflop.yaml')).members // ['left', 'right']
 */
export function scenarioHello(dialect: Dialect, scenario: Scenario): HelloRequest {
  if (dialect === 'incus') return incusHello(scenario);
  if (dialect === 'neon') return neonHello(scenario);
  return replicaHello(scenario, dialect);
}

/** The session and its dialect for the flags: the built-in core (loopback) or the scenario's own engine. */
async function openBridgeSession(dialect: Dialect, flags: BridgeFlags): Promise<{ session: EngineSession; hello: HelloRequest }> {
  if (flags.scenario !== undefined) {
    const scenario = loadScenario(flags.scenario, { sets: flags.set, ...(flags.allowOutside ? { allowOutside: true } : {}) });
    if (scenario.engine.name !== dialect) throw new InputError(`the scenario's engine is ${scenario.engine.name}, not ${dialect}`, { file: flags.scenario, key: 'engine.name' });
    const hello = scenarioHello(dialect, scenario);
    const kind = scenario.engine.kind ?? 'builtin';
    if (kind === 'builtin') return { session: openLoopback(hello), hello };
    await prepareEngine(scenario);
    return { session: openSession(scenario, hello), hello };
  }
  if (flags.config === undefined) throw new InputError(`give the engine's configuration with --config FILE (the scenario's engine: section) or --scenario FILE`, { key: '--config' });
  if (flags.set.length > 0) throw new InputError('--set goes with --scenario; with --config, write the value in the file', { key: '--set' });
  const { engine, world } = engineFromConfig(dialect, flags.config);
  const hello = bridgeHello(dialect, engine, world);
  return { session: openLoopback(hello), hello };
}

/** The groups or VMs a hello lists (an input line about another one is refused naming it); null for incus. */
function knownSubjects(hello: HelloRequest): { names: Set<string>; what: string; key: string } | null {
  if (hello.shape === 'horizontal') return { names: new Set((hello.groups ?? []).map((g) => g.name)), what: 'groups', key: 'group' };
  if (hello.shape === 'vertical') return { names: new Set(hello.vms ?? []), what: 'VMs', key: 'vm' };
  return null;
}

/** `--summary-every`: a duration from 1 s to 7 d. */
export function summaryEvery(text: string | undefined): Micros {
  if (text === undefined) return 60_000_000;
  let us: Micros;
  try {
    us = parseDuration(text);
  } catch (err) {
    throw new InputError((err as Error).message, { key: '--summary-every' });
  }
  if (us < 1_000_000 || us > MAX_SUMMARY_EVERY) throw new InputError(`must be 1s to 7d, got ${JSON.stringify(text)}`, { key: '--summary-every' });
  return us;
}

/**
 * Run the generic bridge over the input (stdin or `--input`) until its end.
 *
 * @example await decideBridge('incus', { config: 'rebalance.yaml', set: [] })
 */
export async function decideBridge(engine: string, flags: BridgeFlags): Promise<void> {
  if (!(BRIDGE_DIALECTS as readonly string[]).includes(engine)) throw new InputError(`no engine "${engine}" (have: ${BRIDGE_DIALECTS.join(', ')})`, { key: 'engine' });
  const dialect = engine as Dialect;
  if (dialect === 'albatross' && !flags.protocol) throw new InputError('albatross on the generic bridge needs --protocol: its observation lines are the albatross-stats format of its own adapter', { key: '--protocol' });
  const every = summaryEvery(flags.summaryEvery);
  if (flags.json && !flags.dryRun) throw new InputError('--json goes with --dry-run (action lines are JSON already)', { key: '--json' });
  const source = flags.input ?? 'stdin';
  const input = flags.input ? fs.createReadStream('', { fd: openInput(flags.input, 'input') }) : process.stdin;
  const { session, hello } = await openBridgeSession(dialect, flags);
  const known = knownSubjects(hello);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const dry = flags.dryRun ? new DryRun({ every, json: flags.json === true, write: out }) : null;
  const decide = (d: Decision) => {
    if (dry) return dry.decision(d);
    for (const line of actionLines(d, dialect, flags.verbose === true)) out(line);
  };
  const mapRng = stream(1, 'engine:go-map-order');
  const bridge = new Bridge({ dialect, mode: flags.protocol ? 'protocol' : 'observation', session, decide, mapRandom: () => Math.floor(mapRng.next() * 4294967296) });
  let last: Micros | null = null;
  let where = `${source}:0`;
  let timer: NodeJS.Timeout | undefined;
  // live input (lines without "time"): due wake-ups also fire on the wall clock
  const arm = () => {
    clearTimeout(timer);
    const at = bridge.nextWake();
    if (at === null) return;
    timer = setTimeout(() => {
      const now = Math.max(Date.now() * 1000, last ?? 0);
      last = now;
      dry?.at(now);
      bridge.advance(now, `${where} (wall clock)`);
      arm();
    }, Math.max(0, Math.min(2 ** 31 - 1, at / 1000 - Date.now())));
    timer.unref();
  };
  let live = false;
  let failed = true;
  try {
    for await (const [n, line] of boundedLines(input, source)) {
      if (line.trim() === '') continue;
      where = `${source}:${n}`;
      const parsed = parseBridgeLine(line, dialect, where);
      if (known !== null && !known.names.has(parsed.subject)) throw new InputError(`${parsed.subject} is not one of the ${known.what} the engine was started with (${[...known.names].slice(0, 5).join(', ')}${known.names.size > 5 ? ', …' : ''})`, { file: where, key: known.key });
      let time = parsed.time ?? Date.now() * 1000;
      live ||= parsed.time === null;
      if (last !== null && time < last) {
        if (dry === null) throw new InputError(`goes back in time: ${iso(time)} after ${iso(last)} on the line before`, { file: where, key: 'time' });
        dry.problem(`${where} goes back to ${iso(time)}`);
        time = last;
      }
      checkTimeJump(last, time, where);
      last = time;
      dry?.at(time);
      dry?.observation(time, where);
      bridge.feed(parsed, time, where);
      if (live) arm();
    }
    failed = false;
  } finally {
    clearTimeout(timer);
    if (input !== process.stdin) (input as fs.ReadStream).destroy();
    if (failed) {
      try {
        session.close(last ?? 0);
      } catch {
        // the first error is the one to report
      }
    }
  }
  bridge.finish(last, `${source} (end of input)`);
  dry?.finish();
}
