/**
 * Resolve `engine:` against its descriptor: pick the variant, fill configuration defaults,
 * parse durations to µs, check bounds and the descriptor's cross-key checks, and build the
 * options from the variant's preset plus the scenario's overrides.
 */
import { parseIncusDuration, formatDuration } from '../kernel/time.js';
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
  const config = resolveKeys(descriptor.config, {}, raw.config ?? {}, ['engine', 'config'], ctx);
  const problem = descriptor.check(config)[0];
  if (problem !== undefined) ctx.fail(['engine', 'config', problem.key], problem.message);
  const options = resolveKeys(descriptor.options, variant.options, raw.options ?? {}, ['engine', 'options'], ctx);
  return { name: descriptor.name, variant: variant.name, config, options };
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
function resolveKeys(specs: readonly KeySpec[], preset: Record<string, unknown>, written: Record<string, unknown>, base: KeyPath, ctx: ResolveContext): Record<string, unknown> {
  for (const key of Object.keys(written)) {
    if (!specs.some((s) => s.key === key)) ctx.fail([...base, key], `unknown key; expected one of: ${specs.map((s) => s.key).join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = written[spec.key] ?? preset[spec.key] ?? spec.default;
    out[spec.key] = resolveKey(spec, value, [...base, spec.key], ctx);
  }
  return out;
}

/** One engine key: durations parsed to µs, then the spec's bounds checked. */
function resolveKey(spec: KeySpec, value: unknown, path: KeyPath, ctx: ResolveContext): unknown {
  let resolved = value;
  if (spec.type === 'duration') resolved = micros(ctx, value as RawDuration, path, 'non-negative');
  if (spec.type === 'incus-duration') resolved = micros(ctx, String(value), path, 'non-negative', (v) => parseIncusDuration(String(v)));
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
