/**
 * Resolve `engine:` against its descriptor: pick the variant, fill configuration defaults,
 * parse durations to µs, check bounds and the descriptor's cross-key checks, and build the
 * options from the variant's preset plus the scenario's overrides.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parseIncusDuration, formatDuration } from '../kernel/time.js';
import { REPLICA_DIALECT } from '../engines/replica/descriptor.js';
import type { EngineDescriptor, KeySpec, VariantSpec } from '../engines/descriptor.js';
import { engines, findEngine } from '../engines/registry.js';
import { micros, show, type ResolveContext } from './context.js';
import type { KeyPath } from './paths.js';
import type { RawDuration, RawEngine } from './raw.js';
import type { EngineSpec } from './types.js';

/** The `EngineSpec` for a validated `engine:` section. */
export function resolveEngine(raw: RawEngine, ctx: ResolveContext): EngineSpec {
  const descriptor = findEngine(raw.name);
  if (descriptor === undefined) ctx.fail(['engine', 'name'], `unknown engine ${show(raw.name)}; known engines: ${[...engines.keys()].join(', ')}`);
  const variant = resolveVariant(descriptor, raw.variant, ctx);
  const { scalar, structured } = splitStructured(descriptor, raw.config ?? {});
  let config = resolveKeys(descriptor.config, {}, scalar, ['engine', 'config'], ctx);
  const problem = descriptor.check(config)[0];
  if (problem !== undefined) ctx.fail(['engine', 'config', problem.key], problem.message);
  const options = resolveKeys(descriptor.options, variant.options, raw.options ?? {}, ['engine', 'options'], ctx);
  if (descriptor.resolveConfig) config = descriptor.resolveConfig(config, options, structured, { file: ctx.file, fail: (path, message) => ctx.fail(['engine', 'config', ...path], message) });
  const spec: EngineSpec = { name: descriptor.name, variant: variant.name, config, options };
  return raw.kind === undefined && raw.command === undefined && raw.timeout === undefined && raw.path === undefined ? builtinOnly(spec, ctx) : withKind(spec, raw, ctx);
}

/** Default per-message timeout of module and external engines. */
export const ENGINE_TIMEOUT_DEFAULT = '2s';
/** Bounds of `engine.timeout` (µs): 1 ms to 10 min. */
export const ENGINE_TIMEOUT_MIN = 1_000;
export const ENGINE_TIMEOUT_MAX = 600_000_000;

/** A built-in engine (no `kind` written): the spec as before, refused for a dialect without a core. */
function builtinOnly(spec: EngineSpec, ctx: ResolveContext): EngineSpec {
  if (spec.name === REPLICA_DIALECT) ctx.fail(['engine', 'kind'], 'engine replica has no built-in core; give kind: module (with path) or kind: external (with command)');
  return spec;
}

/**
 * `engine.kind` and the keys that go with it: `command` only and always with `external`, `path`
 * only and always with `module` (resolved against the scenario's folder, a .js or .mjs file that
 * exists), `timeout` with either (default 2 s, 1 ms to 10 min). `cwd` is the scenario's folder.
 *
 * @example withKind(spec, { name: 'hpa', kind: 'external', command: ['python3', 'hpa.py'] }, ctx) // { …spec, kind: 'external', command: [...], timeout: 2_000_000, path: null, cwd: '/abs/scenarios' }
 */
function withKind(spec: EngineSpec, raw: RawEngine, ctx: ResolveContext): EngineSpec {
  const kind = raw.kind ?? 'builtin';
  if (kind === 'builtin') {
    for (const key of ['command', 'path', 'timeout'] as const) {
      if (raw[key] !== undefined) ctx.fail(['engine', key], `only for kind ${key === 'command' ? 'external' : key === 'path' ? 'module' : 'module or external'}; this engine is built in (kind: builtin)`);
    }
    return builtinOnly({ ...spec, kind }, ctx);
  }
  if (kind === 'external' && raw.path !== undefined) ctx.fail(['engine', 'path'], 'only for kind module; an external engine is started by engine.command');
  if (kind === 'module' && raw.command !== undefined) ctx.fail(['engine', 'command'], 'only for kind external; a module engine is loaded from engine.path');
  if (kind === 'external' && raw.command === undefined) ctx.fail(['engine', 'command'], 'required for kind external: the program and its arguments, e.g. [python3, my_engine.py]');
  if (kind === 'module' && raw.path === undefined) ctx.fail(['engine', 'path'], 'required for kind module: the .js or .mjs file whose default export is the engine');
  const timeout = micros(ctx, raw.timeout ?? ENGINE_TIMEOUT_DEFAULT, ['engine', 'timeout'], 'positive');
  if (timeout < ENGINE_TIMEOUT_MIN) ctx.fail(['engine', 'timeout'], `must be at least ${formatDuration(ENGINE_TIMEOUT_MIN)}, got ${show(raw.timeout)}`);
  if (timeout > ENGINE_TIMEOUT_MAX) ctx.fail(['engine', 'timeout'], `must be at most ${formatDuration(ENGINE_TIMEOUT_MAX)}, got ${show(raw.timeout)}`);
  const cwd = dirname(resolvePath(ctx.file));
  return { ...spec, kind, command: kind === 'external' ? [...raw.command!] : null, timeout, path: kind === 'module' ? modulePath(raw.path!, cwd, ctx) : null, cwd };
}

/** `engine.path` made absolute against the scenario's folder: an existing .js or .mjs file. */
function modulePath(written: string, cwd: string, ctx: ResolveContext): string {
  const file = resolvePath(cwd, written);
  if (!/\.m?js$/.test(file)) ctx.fail(['engine', 'path'], `must be a .js or .mjs file (JavaScript; compile TypeScript first), got ${show(written)}`);
  if (!existsSync(file) || !statSync(file).isFile()) ctx.fail(['engine', 'path'], `module file not found: ${file}`);
  return file;
}

/**
 * The written `engine.config` split into the scalar keys (resolved by the descriptor's key
 * specs) and the structured ones (`descriptor.structured`, read by its `resolveConfig`).
 */
function splitStructured(descriptor: EngineDescriptor, written: Record<string, unknown>): { scalar: Record<string, unknown>; structured: Record<string, unknown> } {
  const names = new Set((descriptor.structured ?? []).map((s) => s.key));
  if (names.size === 0) return { scalar: written, structured: {} };
  const scalar: Record<string, unknown> = {};
  const structured: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(written)) (names.has(key) ? structured : scalar)[key] = value;
  return { scalar, structured };
}

/** The named variant, or the descriptor's first when none is named. */
function resolveVariant(descriptor: EngineDescriptor, name: string | undefined, ctx: ResolveContext): VariantSpec {
  const known = descriptor.variants.map((v) => v.name);
  const variant = name === undefined ? descriptor.variants[0] : descriptor.variants.find((v) => v.name === name);
  if (variant === undefined) ctx.fail(['engine', 'variant'], `unknown variant ${show(name)} of engine ${descriptor.name}; expected one of: ${known.join(', ')}`);
  return variant;
}

/**
 * Every key of `specs`, taking the written value, else the preset, else the key's default,
 * each resolved by `resolveKey`. Unknown written keys fail (the schema rejects them first).
 */
function resolveKeys(specs: readonly KeySpec[], preset: Record<string, unknown>, writtenAsIs: Record<string, unknown>, base: KeyPath, ctx: ResolveContext): Record<string, unknown> {
  const { values: written, paths } = flattenDotted(specs, writtenAsIs, base);
  for (const key of Object.keys(written)) {
    if (!specs.some((s) => s.key === key)) ctx.fail(paths.get(key) ?? [...base, key], `unknown key; expected one of: ${specs.map((s) => s.key).join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = written[spec.key] ?? preset[spec.key] ?? spec.default;
    out[spec.key] = resolveKey(spec, value, paths.get(spec.key) ?? [...base, spec.key], ctx);
  }
  return out;
}

/**
 * Written keys with nested mappings for dotted keys (`cluster: { rebalance: { cooldown: 6H } }`,
 * as `--set engine.config.cluster.rebalance.cooldown=6H` writes them) flattened to the dotted
 * names, and the path each came from. A key given both ways takes the nested value, so `--set`
 * overrides a flat key written in the file.
 */
function flattenDotted(specs: readonly KeySpec[], written: Record<string, unknown>, base: KeyPath): { values: Record<string, unknown>; paths: Map<string, KeyPath> } {
  const values: Record<string, unknown> = {};
  const paths = new Map<string, KeyPath>();
  const prefixes = new Set(specs.flatMap((s) => s.key.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const walk = (node: Record<string, unknown>, prefix: string, at: KeyPath): void => {
    for (const [key, value] of Object.entries(node)) {
      const name = prefix === '' ? key : `${prefix}.${key}`;
      const path = [...at, key];
      if (prefixes.has(name) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, name, path);
        continue;
      }
      if (name in values && prefix === '') continue; // a nested value wins over the flat one, in either order
      values[name] = value;
      paths.set(name, path);
    }
  };
  walk(written, '', base);
  return { values, paths };
}

/**
 * Incus's own rules for its durations (`internal/instance/expiry.go`, `GetExpiry`): the text is
 * trimmed; empty means none; otherwise parts separated by single spaces, each `^(\d+)(S|M|H|d|w|m|y)$`;
 * a unit may not be set twice — upstream refuses it only when the unit already holds a value
 * above 0, so `0H 1H` is accepted and `1H 0H` is not. Returns a problem or null.
 *
 * @example incusDurationProblem('0H 1H') // null
 * @example incusDurationProblem('1H 2H') // 'invalid Incus duration "1H 2H": unit H given twice'
 */
export function incusDurationProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const seen = new Map<string, number>();
  for (const part of trimmed.split(' ')) {
    const match = /^(\d+)([SMHdwmy])$/.exec(part);
    if (match === null) return `invalid Incus duration ${JSON.stringify(text)}: parts like 30S, 10M, 6H, 1d, 1w, 1m (month), 1y, separated by one space`;
    const unit = match[2]!;
    if ((seen.get(unit) ?? 0) > 0) return `invalid Incus duration ${JSON.stringify(text)}: unit ${unit} given twice`;
    const value = Number(match[1]);
    if (!Number.isSafeInteger(value)) return `invalid Incus duration ${JSON.stringify(text)}: ${match[1]} is too large`;
    seen.set(unit, value);
  }
  return null;
}

/** One engine key: durations parsed to µs, then the spec's bounds checked. */
function resolveKey(spec: KeySpec, value: unknown, path: KeyPath, ctx: ResolveContext): unknown {
  let resolved = value;
  // an enum value written as a number (`version: 7.0` reads 7): the value it stands for
  if (spec.type === 'enum' && typeof value === 'number') resolved = spec.values?.find((v) => Number(v) === value) ?? value;
  if (spec.type === 'duration') resolved = micros(ctx, value as RawDuration, path, 'non-negative');
  if (spec.type === 'incus-duration') {
    const problem = incusDurationProblem(String(value));
    if (problem !== null) ctx.fail(path, problem);
    resolved = micros(ctx, String(value), path, 'non-negative', (v) => parseIncusDuration(String(v)));
  }
  if (typeof resolved === 'number') checkBounds(spec, resolved, value, path, ctx);
  return resolved;
}

/** The spec's inclusive `min`/`max` (µs for durations). */
function checkBounds(spec: KeySpec, n: number, written: unknown, path: KeyPath, ctx: ResolveContext): void {
  const isDuration = spec.type === 'duration' || spec.type === 'incus-duration';
  const fmt = (bound: number): string => (isDuration ? formatDuration(bound) : spec.unit ? `${bound} ${spec.unit}` : String(bound));
  if (isDuration && spec.min === 1 && n < 1) ctx.fail(path, `must be a duration longer than 0, got ${show(written)}`);
  if (spec.min !== undefined && n < spec.min) ctx.fail(path, `must be at least ${fmt(spec.min)}, got ${show(written)}`);
  if (spec.max !== undefined && n > spec.max) ctx.fail(path, `must be at most ${fmt(spec.max)}, got ${show(written)}`);
}
