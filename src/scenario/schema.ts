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
import { Ajv, type ValidateFunction } from 'ajv';
import type { EngineDescriptor, KeySpec } from '../engines/descriptor.js';
import { engines } from '../engines/registry.js';

type Schema = Record<string, unknown>;

/** Letters, digits, `-`, `_` and `.`: scenario and host names. */
export const NAME_PATTERN = '^[A-Za-z0-9._-]+$';
/** 1–63 letters, digits, `-` and `.`: workload (unikernel) names, also after `count:` expansion. */
export const WORKLOAD_NAME_PATTERN = '^[A-Za-z0-9.-]{1,63}$';

const DURATION: Schema = { type: ['string', 'number'], expect: 'a duration such as 500ms, 10s, 5m, 2h or 1d (a bare number is seconds)' };
const NULLABLE_DURATION: Schema = { type: ['string', 'number', 'null'], expect: 'a duration such as 2m, or null' };
const SIZE: Schema = { type: ['string', 'integer'], expect: 'a size such as 256MiB or 64GiB (a bare integer is bytes)' };
const COUNT: Schema = { type: 'integer', minimum: 1 };
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

const TRACE_LOAD = mapping(
  {
    trace: mapping(
        {
          file: { type: 'string', minLength: 1 },
          series: { type: 'string', minLength: 1 },
          pattern: { type: 'string', minLength: 1 },
          sum: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
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
    name: { type: 'string', pattern: WORKLOAD_NAME_PATTERN, expect: '1 to 63 letters, digits, - or .' },
    count: COUNT,
    user: { type: 'string', minLength: 1 },
    arch: ARCH,
    vcpus: { type: 'integer', minimum: 1 },
    memory: SIZE,
    block_devices: { type: 'boolean' },
    max_instances: { type: ['integer', 'null'], minimum: 1 },
    min_instances: { type: 'integer', minimum: 1 },
    load: LOAD,
  },
  ['name', 'load'],
);

const FAULT = mapping({ at: DURATION, kill_primary: { type: 'string', minLength: 1 }, restart_after: NULLABLE_DURATION }, ['at', 'kill_primary']);

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
    case 'enum':
      return { type: 'string', enum: [...(spec.values ?? [])], noun: `value for ${spec.key}` };
  }
}

/** A closed mapping of an engine's keys (none required: defaults fill the rest). */
function keysMapping(specs: readonly KeySpec[]): Schema {
  return mapping(Object.fromEntries(specs.map((spec) => [spec.key, keySchema(spec)])));
}

/** When `engine.name` is this engine: its variants, config keys and option keys. */
function engineBranch(d: EngineDescriptor): Schema {
  return {
    if: { type: 'object', required: ['name'], properties: { name: { const: d.name } } },
    then: {
      type: 'object',
      properties: {
        variant: { type: 'string', enum: d.variants.map((v) => v.name), noun: `variant of engine ${d.name}` },
        config: keysMapping(d.config),
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
      },
      ['name'],
    ),
    allOf: [...registry.values()].map(engineBranch),
  };
}

/** The whole scenario schema, for the engines in `registry` (default: all known engines). */
export function scenarioSchema(registry: ReadonlyMap<string, EngineDescriptor> = engines): Schema {
  return mapping(
    {
      name: { type: 'string', pattern: NAME_PATTERN, expect: 'letters, digits, -, _ and . only' },
      description: { type: 'string' },
      seed: { type: 'integer' },
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
      }),
    },
    ['name', 'duration', 'engine', 'world', 'workloads'],
  );
}

let compiled: ValidateFunction | undefined;

/**
 * The compiled validator for `scenarioSchema()` (compiled once). It collects all errors,
 * with `parentSchema` and `data` on each, so the loader can word and order them.
 */
export function scenarioValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
    ajv.addKeyword({ keyword: 'expect', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'noun', schemaType: 'string' });
    compiled = ajv.compile(scenarioSchema());
  }
  return compiled;
}
