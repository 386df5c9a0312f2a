/**
 * JSON Schema (ajv 8) of the scenario YAML form, built from the engine registry so that each
 * engine's `config` and `options` keys, types and bounds are checked too. Unknown keys are
 * rejected everywhere (`additionalProperties: false`).
 *
 * Two annotation keywords carry the wording of error messages (see `load.ts`):
 * - `expect`: what a value must be ("a duration such as 10s …"), used for type, pattern,
 *   item-count and property-count errors;
 * - `noun`: what an enum names ("engine", "variant of albatross"), used for enum errors.
 *
 * Unions are written as `if`/`then`/`else` rather than `anyOf`, so a wrong value gets the one
 * error of the branch it was meant for.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { EngineDescriptor, KeySpec, StructuredKeySpec } from '../engines/descriptor.js';
import { engines } from '../engines/registry.js';
import { MAX_GROUPS, MAX_HOSTS, MAX_SEED } from './limits.js';

type Schema = Record<string, unknown>;

/** Letters, digits, `-`, `_` and `.`: scenario and host names. */
export const NAME_PATTERN = '^[A-Za-z0-9._-]+$';
/**
 * The scenario's name, which names its output folder (`reports/<name>`): one safe path segment,
 * 1–100 letters, digits, `-`, `_` and `.`, not starting with `.` (so never `.` or `..`).
 */
export const SCENARIO_NAME_PATTERN = '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$';
/** 1–63 letters, digits, `-` and `.`: workload (unikernel) names, also after `count:` expansion. */
export const WORKLOAD_NAME_PATTERN = '^[A-Za-z0-9.-]{1,63}$';

const DURATION: Schema = { type: ['string', 'number'], expect: 'a duration such as 500ms, 10s, 5m, 2h or 1d (a bare number is seconds)' };
const NULLABLE_DURATION: Schema = { type: ['string', 'number', 'null'], expect: 'a duration such as 2m, or null' };
const SIZE: Schema = { type: ['string', 'integer'], expect: 'a size such as 256MiB or 64GiB (a bare integer is bytes)' };
const COUNT: Schema = { type: 'integer', minimum: 1, maximum: MAX_HOSTS };
/** A workload's `count`: up to MAX_GROUPS (100,000 groups in all). */
const WORKLOAD_COUNT: Schema = { type: 'integer', minimum: 1, maximum: MAX_GROUPS };
const ARCH: Schema = { type: 'string', minLength: 1 };

/** A closed mapping: only `properties`, with `required` keys. */
function mapping(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, required, properties };
}

/** A number, or `{ uniform: [lo, hi] }` with both bounds obeying the same schema. */
function randomisable(num: Schema): Schema {
  const uniform = { type: 'array', minItems: 2, maxItems: 2, items: num, expect: 'a list [lo, hi] of two numbers' };
  return { if: { type: 'object' }, then: mapping({ uniform }, ['uniform']), else: num };
}

const NUMBER: Schema = { type: 'number' };
const NON_NEGATIVE: Schema = { type: 'number', minimum: 0 };

/** Boot latency: a duration (fixed) or exactly one of `fixed`, `uniform`, `lognormal`. */
const LATENCY: Schema = {
  if: { type: 'object' },
  then: {
    ...mapping({
      fixed: DURATION,
      uniform: { type: 'array', minItems: 2, maxItems: 2, items: DURATION, expect: 'a list [min, max] of two durations' },
      lognormal: mapping({ median: DURATION, p99: DURATION }, ['median', 'p99']),
    }),
    minProperties: 1,
    maxProperties: 1,
    expect: 'a mapping with exactly one of fixed, uniform, lognormal',
  },
  else: DURATION,
};

const HOST = mapping(
  {
    name: { type: 'string', pattern: NAME_PATTERN, expect: 'letters, digits, -, _ and . only' },
    count: COUNT,
    arch: ARCH,
    threads: { type: 'integer', minimum: 1 },
    memory: SIZE,
  },
  ['name', 'threads', 'memory'],
);

const WORLD = mapping(
  {
    stats_interval: DURATION,
    placement_latency: DURATION,
    stop_latency: DURATION,
    measurement_noise: NON_NEGATIVE,
    boot: mapping({ latency: LATENCY, failure_probability: { type: 'number', minimum: 0, maximum: 1 } }),
    hosts: { type: 'array', minItems: 1, items: HOST },
  },
  ['hosts'],
);

const SYNTHETIC_LOAD = mapping(
  {
    base: randomisable(NON_NEGATIVE),
    diurnal: mapping({ amplitude: randomisable(NON_NEGATIVE), period: DURATION, phase: randomisable(NUMBER) }, ['amplitude']),
    ar1: mapping({ coefficient: randomisable({ type: 'number', exclusiveMinimum: -1, exclusiveMaximum: 1 }), sigma: randomisable(NON_NEGATIVE) }, ['coefficient', 'sigma']),
    bursts: mapping({ rate_per_hour: randomisable(NON_NEGATIVE), height: randomisable(NON_NEGATIVE), duration: DURATION }, ['rate_per_hour', 'height', 'duration']),
    steps: { type: 'array', items: mapping({ at: DURATION, delta: randomisable(NUMBER) }, ['at', 'delta']) },
    ramps: { type: 'array', items: mapping({ from: DURATION, to: DURATION, delta: randomisable(NUMBER) }, ['from', 'to', 'delta']) },
  },
  ['base'],
);

/** A trace series name: any text; one made of digits must be quoted, or YAML reads a number. */
const SERIES_NAME: Schema = { type: 'string', minLength: 1, expect: 'a series name (quote one made of digits, such as "10")' };

const TRACE_LOAD = mapping(
  {
    trace: mapping(
        {
          file: { type: 'string', minLength: 1 },
          series: SERIES_NAME,
          pattern: { type: 'string', minLength: 1 },
          sum: { type: 'array', minItems: 1, items: SERIES_NAME },
          series_pattern: { type: 'string', minLength: 1, expect: 'a glob over series names such as "vm_*" (quote it)' },
          scale: NON_NEGATIVE,
          shift: DURATION,
          start_at: DURATION,
          speedup: { type: 'number', exclusiveMinimum: 0 },
          loop: { type: 'boolean' },
        },
        ['file'],
      ),
  },
  ['trace'],
);

/** A load is a trace when it has a `trace` key, synthetic otherwise. */
const LOAD: Schema = { if: { type: 'object', required: ['trace'], properties: { trace: true } }, then: TRACE_LOAD, else: SYNTHETIC_LOAD };

const WORKLOAD = mapping(
  {
    name: { type: 'string', pattern: WORKLOAD_NAME_PATTERN, expect: '1 to 63 letters, digits, - or . (quoted when all digits; a trace series with other characters is read with load.trace.series or series_pattern)' },
    count: WORKLOAD_COUNT,
    user: { type: 'string', minLength: 1 },
    arch: ARCH,
    vcpus: { type: 'integer', minimum: 1 },
    memory: SIZE,
    block_devices: { type: 'boolean' },
    max_instances: { type: ['integer', 'null'], minimum: 1 },
    min_instances: { type: 'integer', minimum: 1 },
    load: LOAD,
    // request-driven workload (src/requests/spec.ts reads and checks the block)
    requests: { type: 'object', expect: 'a mapping with service_time, concurrency, queue_limit, cpu_per_request' },
  },
  ['name', 'load'],
);

/** `instance` of a `kill_instance` fault: an index (0 = the oldest live instance) or `any`. */
const FAULT_INSTANCE: Schema = {
  if: { type: 'string' },
  then: { type: 'string', enum: ['any'], noun: 'instance choice' },
  else: { type: 'integer', minimum: 0, expect: 'an instance index (0 = the oldest live instance) or any' },
};
/** A fault: `kill_primary: W` or `kill_instance: W` with `instance` (one of the two; resolve.ts checks). */
const FAULT = mapping(
  { at: DURATION, kill_primary: { type: 'string', minLength: 1 }, kill_instance: { type: 'string', minLength: 1 }, instance: FAULT_INSTANCE, restart_after: NULLABLE_DURATION },
  ['at'],
);

// --- cluster: (engine incus) -------------------------------------------------------------------

const MEMBER_STATE: Schema = { type: 'string', enum: ['online', 'evacuated', 'offline'], noun: 'member state' };
const SCHEDULER_INSTANCE: Schema = { type: 'string', enum: ['all', 'manual', 'group'], noun: 'scheduler.instance value' };
const NAME_LIST: Schema = { type: 'array', items: { type: 'string', minLength: 1 }, expect: 'a list of names' };

const CLUSTER_MEMBER = mapping(
  {
    name: { type: 'string', pattern: NAME_PATTERN, expect: 'letters, digits, -, _ and . only' },
    count: COUNT,
    arch: ARCH,
    threads: { type: 'integer', minimum: 1 },
    memory: SIZE,
    groups: NAME_LIST,
    state: MEMBER_STATE,
    'scheduler.instance': SCHEDULER_INSTANCE,
    scheduler: mapping({ instance: SCHEDULER_INSTANCE }),
    uptime: DURATION,
  },
  ['name', 'threads', 'memory'],
);

const CLUSTER_PROJECT = mapping(
  {
    name: { type: 'string', pattern: NAME_PATTERN, expect: 'letters, digits, -, _ and . only' },
    restricted: { type: 'boolean' },
    'restricted.cluster.groups': NAME_LIST,
    'restricted.cluster.target': { type: 'string', enum: ['block', 'allow'], noun: 'value for restricted.cluster.target' },
  },
  ['name'],
);

const EVACUATE: Schema = { type: 'string', enum: ['auto', 'live-migrate', 'refresh-migrate', 'migrate', 'stop', 'stateful-stop', 'force-stop'], noun: 'value for cluster.evacuate' };

const LIMIT_CPU: Schema = { type: 'integer', minimum: 1 };

// --- cluster: for engine neon (per VM and cluster-wide) ----------------------------------------

const NEON_VM = mapping({
  min_cu: { type: 'integer', minimum: 1 },
  max_cu: { type: 'integer', minimum: 1 },
  cu: { type: 'integer', minimum: 1 },
  memory: LOAD,
  lfc: LOAD,
  auto_migrate: { type: 'boolean' },
});

const PROBABILITY: Schema = { type: 'number', minimum: 0, maximum: 1 };

const NEON_WORLD = mapping({
  plugin_latency: DURATION,
  reconcile_delay: DURATION,
  neonvm_latency: DURATION,
  monitor_latency: DURATION,
  request_jitter: DURATION,
  failure_probability: mapping({ plugin: PROBABILITY, neonvm: PROBABILITY, monitor: PROBABILITY }),
  monitor: mapping({ threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 } }),
});

const CLUSTER_VM = mapping(
  {
    name: { type: 'string', pattern: WORKLOAD_NAME_PATTERN, expect: '1 to 63 letters, digits, - or .' },
    count: COUNT,
    project: { type: 'string', minLength: 1 },
    member: { type: 'string', minLength: 1 },
    members: { ...NAME_LIST, minItems: 1 },
    arch: ARCH,
    limits: mapping({ cpu: LIMIT_CPU, memory: SIZE }),
    'limits.cpu': LIMIT_CPU,
    'limits.memory': SIZE,
    memory_used: SIZE,
    migration: mapping({ stateful: { type: 'boolean' } }),
    'migration.stateful': { type: 'boolean' },
    blocking_devices: NAME_LIST,
    state: { type: 'string', enum: ['running', 'stopped'], noun: 'VM state' },
    last_move: NULLABLE_DURATION,
    dirty_rate: SIZE,
    root_disk: SIZE,
    'cluster.evacuate': EVACUATE,
    cluster: mapping({ evacuate: EVACUATE }),
    load: LOAD,
    neon: NEON_VM,
  },
  ['name'],
);

const CLUSTER = mapping(
  {
    leader: { type: 'string', minLength: 1 },
    load_step: DURATION,
    host: mapping({ overhead_cores: NON_NEGATIVE, memory_overhead: SIZE, initial_loadavg: { type: 'string', enum: ['steady', 'zero'], noun: 'initial load average' } }),
    migration: mapping({
      bandwidth_gbps: { type: 'number', exclusiveMinimum: 0 },
      max_bandwidth: SIZE,
      downtime_limit: DURATION,
      max_rounds: { type: 'integer', minimum: 0 },
      auto_converge: { type: 'boolean' },
      switchover: DURATION,
      setup: DURATION,
      cpu_overhead: NON_NEGATIVE,
      failure_probability: { type: 'number', minimum: 0, maximum: 1 },
    }),
    members: { type: 'array', minItems: 1, items: CLUSTER_MEMBER },
    projects: { type: 'array', items: CLUSTER_PROJECT },
    vms: { type: 'array', items: CLUSTER_VM },
    offline_threshold: DURATION,
    events: { type: 'array', items: mapping({ at: DURATION, member: { type: 'string', minLength: 1 }, state: MEMBER_STATE }, ['at', 'member', 'state']) },
    neon: NEON_WORLD,
  },
  ['members'],
);

/** Who makes an engine's decisions: its built-in core, a JS module in process, or a child process. */
export const ENGINE_KINDS = ['builtin', 'module', 'external'] as const;

/** Engines whose scenarios describe a cluster (`cluster:`) instead of `world:` and `workloads:`. */
export const CLUSTER_ENGINES: readonly string[] = ['incus', 'neon'];

/**
 * Schema of one engine key. Durations are checked for type only here: their bounds are in µs
 * and apply after parsing (see `resolve.ts`).
 */
export function keySchema(spec: KeySpec): Schema {
  switch (spec.type) {
    case 'duration':
      return DURATION;
    case 'incus-duration':
      return { type: 'string', expect: 'an Incus duration such as 30S, 10M, 6H or 1d' };
    case 'integer':
    case 'number':
      return { type: spec.type, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum': {
      // values that read as numbers (Incus versions: 6.7, 7.0) may be written unquoted: YAML and --set give numbers
      const values = [...(spec.values ?? [])];
      const numbers = values.filter((v) => /^\d+(\.\d+)?$/.test(v)).map(Number);
      if (numbers.length === 0) return { type: 'string', enum: values, noun: `value for ${spec.key}` };
      return { type: ['string', 'number'], enum: [...values, ...numbers], noun: `value for ${spec.key}` };
    }
  }
}

/**
 * A closed mapping of an engine's keys (none required: defaults fill the rest). A dotted key
 * (`cluster.rebalance.cooldown`) may also be written nested (`cluster: { rebalance: { cooldown } }`),
 * which is what `--set engine.config.cluster.rebalance.cooldown=…` writes.
 */
function keysMapping(specs: readonly KeySpec[], structured: readonly StructuredKeySpec[] = []): Schema {
  const flat = Object.fromEntries(specs.map((spec) => [spec.key, keySchema(spec)]));
  // structured keys (lists of metrics, policies): only their shape here; the descriptor's resolveConfig reads them
  for (const s of structured) flat[s.key] = { type: s.shape === 'list' ? 'array' : 'object', expect: s.expect };
  return mapping({ ...flat, ...nestedKeys(specs.filter((s) => s.key.includes('.')).map((s) => ({ parts: s.key.split('.'), schema: keySchema(s) }))) });
}

/** Nested mappings for dotted keys, grouped by their first segment. */
function nestedKeys(keys: ReadonlyArray<{ parts: string[]; schema: Schema }>): Record<string, Schema> {
  const groups = new Map<string, Array<{ parts: string[]; schema: Schema }>>();
  for (const k of keys) {
    const [head, ...rest] = k.parts;
    let list = groups.get(head!);
    if (!list) groups.set(head!, (list = []));
    list.push({ parts: rest, schema: k.schema });
  }
  const out: Record<string, Schema> = {};
  for (const [head, list] of groups) {
    const leaves = Object.fromEntries(list.filter((k) => k.parts.length === 1).map((k) => [k.parts[0]!, k.schema]));
    out[head] = mapping({ ...leaves, ...nestedKeys(list.filter((k) => k.parts.length > 1)) });
  }
  return out;
}

/** When `engine.name` is this engine: its variants, config keys and option keys. */
function engineBranch(d: EngineDescriptor): Schema {
  return {
    if: { type: 'object', required: ['name'], properties: { name: { const: d.name } } },
    then: {
      type: 'object',
      properties: {
        variant: { type: 'string', enum: d.variants.map((v) => v.name), noun: `variant of engine ${d.name}` },
        config: keysMapping(d.config, d.structured),
        options: keysMapping(d.options),
      },
    },
  };
}

/** The `engine:` section for the engines in `registry`. */
function engineSchema(registry: ReadonlyMap<string, EngineDescriptor>): Schema {
  return {
    ...mapping(
      {
        name: { type: 'string', enum: [...registry.keys()], noun: 'engine' },
        variant: { type: 'string' },
        config: { type: 'object' },
        options: { type: 'object' },
        // who decides (docs/PROTOCOL.md); which kind needs which key is checked by resolve-engine.ts
        kind: { type: 'string', enum: [...ENGINE_KINDS], noun: 'engine kind' },
        command: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, expect: 'a list of one or more words: the program, then its arguments' },
        timeout: DURATION,
        path: { type: 'string', minLength: 1 },
      },
      ['name'],
    ),
    allOf: [...registry.values()].map(engineBranch),
  };
}

/** The whole scenario schema, for the engines in `registry` (default: all known engines). */
export function scenarioSchema(registry: ReadonlyMap<string, EngineDescriptor> = engines): Schema {
  const clusterEngines = CLUSTER_ENGINES.filter((name) => registry.has(name));
  const top = mapping(
    {
      name: { type: 'string', pattern: SCENARIO_NAME_PATTERN, expect: '1 to 100 letters, digits, -, _ and ., not starting with . (it names the output folder)' },
      description: { type: 'string' },
      seed: { type: 'integer', minimum: 0, maximum: MAX_SEED },
      duration: DURATION,
      engine: engineSchema(registry),
      world: WORLD,
      workloads: { type: 'array', minItems: 1, items: WORKLOAD },
      faults: { type: 'array', items: FAULT },
      slo: mapping({ utilisation_target: { type: 'number', exclusiveMinimum: 0 } }),
      metrics: mapping({ flip_flop_window: DURATION, elasticity_grid: DURATION }),
      output: mapping({
        timeseries: { type: 'boolean' },
        timeseries_step: DURATION,
        events: { type: 'boolean' },
        report: { type: 'boolean' },
        chart_groups: { type: 'integer', minimum: 0 },
        groups: { type: 'string', enum: ['all', 'none'], noun: 'value for output.groups' },
        max_bytes: SIZE,
      }),
      cluster: CLUSTER,
      // the workbench's sweep definition; checked by src/workbench/spec.ts, ignored by a run
      sweep: { type: 'object', expect: 'a mapping (the sweep definition, see docs/WORKBENCH.md)' },
    },
    ['name', 'duration', 'engine'],
  );
  // cluster engines need `cluster:`, the others `world:` and `workloads:`
  const isCluster = { type: 'object', required: ['engine'], properties: { engine: { type: 'object', required: ['name'], properties: { name: clusterEngines.length > 0 ? { enum: clusterEngines } : { not: {} } } } } };
  return { ...top, allOf: [{ if: isCluster, then: { required: ['cluster'], properties: { cluster: true } }, else: { required: ['world', 'workloads'], properties: { world: true, workloads: true } } }] };
}

let compiled: ValidateFunction | undefined;

/** File name of the validator precompiled at build time (see standalone.ts). */
export const STANDALONE_FILE = 'validator.generated.cjs';

/** The ajv instance the schema is compiled with (all errors, verbose, strict). */
export function makeAjv(extra: Partial<Options> = {}): Ajv {
  // loaded on demand: a run with the precompiled validator never loads ajv's compiler
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true, ...extra });
  ajv.addKeyword({ keyword: 'expect', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'noun', schemaType: 'string' });
  return ajv;
}

/** The validator precompiled at build time, when it sits beside this module. */
function precompiled(): ValidateFunction | undefined {
  const file = fileURLToPath(new URL(`./${STANDALONE_FILE}`, import.meta.url));
  if (!existsSync(file)) return undefined;
  return createRequire(import.meta.url)(file) as ValidateFunction;
}

/**
 * The validator for `scenarioSchema()`: the one precompiled by the build, else compiled here
 * once. It collects all errors, with `parentSchema` and `data` on each, so the loader can word
 * and order them.
 */
export function scenarioValidator(): ValidateFunction {
  compiled ??= precompiled() ?? makeAjv().compile(scenarioSchema());
  return compiled;
}
