/**
 * Unikraft Cloud (KraftCloud) autoscale: configuration keys, options and variants.
 *
 * The step policies are a list, which the descriptor's key types cannot express: they are a
 * structured key, read (with every other key) by `parseKraftcloudConfig` in `resolveConfig`, so a
 * scenario's bad step list fails with the same rule text as `kraft cloud scale add`.
 * In a scenario each workload is one service; its master (template) is the workload itself.
 */
import type { ConfigProblem, ConfigWhere, EngineDescriptor } from '../descriptor.js';
import { InputError } from '../../scenario/errors.js';
import { parseKraftcloudConfig, type KraftcloudConfig } from './config.js';

export const kraftcloudDescriptor: EngineDescriptor = {
  name: 'kraftcloud',
  summary: 'Unikraft Cloud autoscale of a service: step policies on cpu (millicores), in-flight requests or requests/s, warm-up/cool-down, min/max size, scale-to-zero with notify, millisecond decision loop',
  config: [
    { key: 'min_size', type: 'integer', default: 0, unit: 'instances', doc: 'fewest instances (parked ones count); CLI --min-size, server default undocumented', min: 0 },
    { key: 'max_size', type: 'integer', default: 10, unit: 'instances', doc: 'most instances; CLI --max-size', min: 1 },
    { key: 'warmup_time', type: 'duration', default: '1s', unit: 'µs', doc: 'CLI --warmup-time, at least 10 ms, sent in whole ms; meaning per option warmup_meaning', min: 10_000 },
    { key: 'cooldown_time', type: 'duration', default: '1s', unit: 'µs', doc: 'CLI --cooldown-time, at least 10 ms, sent in whole ms: no scale-in (legacy) / no scaling (current) for this long after a scale-in', min: 10_000 },
    { key: 'high_watermark', type: 'number', default: 0, unit: 'fraction of max_size', doc: 'newer API; 0 = off; parsed and checked, no effect (semantics unpublished)', min: 0, max: 1 },
    { key: 'decision_period', type: 'duration', default: '10ms', unit: 'µs', doc: 'period of the platform\'s decision loop (unpublished; "milliseconds")', min: 1 },
    { key: 'has_ports', type: 'boolean', default: true, unit: '', doc: 'the service publishes ports; without, scale-to-zero is forced off (on/idle is refused)' },
    { key: 'scale_to_zero.policy', type: 'enum', default: 'off', values: ['off', 'on', 'idle'], unit: '', doc: 'off; on: standby after no requests and no connections for the cool-down; idle: open idle connections do not keep it up' },
    { key: 'scale_to_zero.cooldown_time', type: 'duration', default: '1s', unit: 'µs', doc: 'idle time before standby, at least 1 ms, whole ms', min: 1_000 },
    { key: 'scale_to_zero.stateful', type: 'boolean', default: false, unit: '', doc: 'a wake resumes from a memory snapshot (the world\'s wake latency) instead of a cold boot' },
    { key: 'scale_to_zero.notify_time', type: 'duration', default: '0ms', unit: 'µs', doc: 'the app is told this long before standby; below the cool-down', min: 0 },
    { key: 'scale_to_zero.wake_latency', type: 'duration', default: '5ms', unit: 'µs', doc: 'simulation world: time a stateful wake takes (resume from the memory snapshot); a wake that is not stateful is a cold boot and takes world.boot.latency. Unpublished; an assumption', min: 1 },
  ],
  structured: [{ key: 'policies', doc: 'step policies (kraft cloud scale add): name, type step, metric cpu | inflight_reqs | reqs_per_sec, adjustment change | exact | absolute | percent | percentage, steps "L:U/A" (1 to 4, checked as the CLI checks them)', expect: 'a list of step policies', shape: 'list' }],
  options: [
    { key: 'warmup_meaning', type: 'enum', default: 'legacy', values: ['legacy', 'current'], unit: '', doc: 'legacy (older docs): a new instance serves but is left out of the metric until its warm-up ends; current (newer docs): no scaling for warmup_time after a scale-out nor for cooldown_time after a scale-in' },
    { key: 'cpu_aggregation', type: 'enum', default: 'average', values: ['average', 'sum'], unit: '', doc: 'cpu over the running instances (docs equate 600 millicores with 60 %, i.e. a per-instance average)' },
    { key: 'inflight_aggregation', type: 'enum', default: 'sum', values: ['average', 'sum'], unit: '', doc: 'inflight_reqs over the running instances (docs: across all instances)' },
    { key: 'rps_aggregation', type: 'enum', default: 'sum', values: ['average', 'sum'], unit: '', doc: 'reqs_per_sec over the running instances' },
    { key: 'percent_rounding', type: 'enum', default: 'aws', values: ['aws', 'toward_zero', 'away_from_zero', 'nearest'], unit: '', doc: 'aws: above 1 rounds down, between 0 and 1 becomes 1, negative symmetric' },
  ],
  variants: [
    { name: 'legacy', doc: 'warm-up/cool-down as the older platform docs describe them (warm-up keeps new instances out of the metric)', options: { warmup_meaning: 'legacy' } },
    { name: 'current', doc: 'warm-up/cool-down as the newer docs describe them (waits after a scale-out / scale-in)', options: { warmup_meaning: 'current' } },
  ],
  check(config) {
    const problems: ConfigProblem[] = [];
    const min = config['min_size'] as number;
    const max = config['max_size'] as number;
    if (min > max) problems.push({ key: 'min_size', message: `min_size ${min} is above max_size ${max}` });
    const cooldown = config['scale_to_zero.cooldown_time'] as number;
    const notify = config['scale_to_zero.notify_time'] as number;
    if (notify >= cooldown) problems.push({ key: 'scale_to_zero.notify_time', message: 'notify time must be below the scale-to-zero cooldown' });
    if (config['scale_to_zero.policy'] !== 'off' && config['has_ports'] === false) problems.push({ key: 'scale_to_zero.policy', message: 'scale-to-zero needs a service with ports' });
    return problems;
  },
  resolveConfig(resolved, options, structured, where) {
    // read every key as a service configuration file is read: the same checks and rule texts
    kraftcloudConfigOf(resolved, options, '-', structured['policies'], where);
    return { ...resolved, policies: structured['policies'] ?? [] };
  },
};

/** A duration in µs as a configuration file may write it. */
function us(value: unknown): string {
  return `${value as number}us`;
}

/**
 * The core's configuration for one service (master `master`) from a scenario's resolved
 * `engine.config` and `engine.options`; `policies` as written. A bad key fails through `where`
 * naming it (and the step: `engine.config.policies[0].steps[1] ("900:/100"): …`).
 *
 * @example kraftcloudConfigOf(scenario.engine.config, scenario.engine.options, 'nginx').maxSize // 8
 */
export function kraftcloudConfigOf(config: Record<string, unknown>, options: Record<string, unknown>, master: string, policies: unknown = config['policies'], where?: ConfigWhere): KraftcloudConfig {
  const raw = {
    master,
    min_size: config['min_size'],
    max_size: config['max_size'],
    warmup_time: us(config['warmup_time']),
    cooldown_time: us(config['cooldown_time']),
    high_watermark: config['high_watermark'],
    decision_period: us(config['decision_period']),
    has_ports: config['has_ports'],
    policies: policies ?? [],
    scale_to_zero: {
      policy: config['scale_to_zero.policy'],
      cooldown_time: us(config['scale_to_zero.cooldown_time']),
      notify_time: us(config['scale_to_zero.notify_time']),
      stateful: config['scale_to_zero.stateful'],
    },
    options,
  };
  try {
    return parseKraftcloudConfig(raw, undefined, '');
  } catch (err) {
    if (!(err instanceof InputError) || where === undefined) throw err;
    relocate(err, where);
  }
}

/**
 * Re-throw a configuration error at its scenario key with the file's line: the key
 * `policies[0].steps[1] ("900:/100")` is located at `engine.config.policies[0].steps[1]` and
 * keeps the step text after it.
 */
function relocate(err: InputError, where: ConfigWhere): never {
  const key = err.key ?? '';
  const m = /^(.*?)(?: \((".*")\))?$/.exec(key)!;
  const path: (string | number)[] = [];
  for (const part of m[1]!.split('.')) {
    const idx = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!idx) {
      path.push(part);
      continue;
    }
    path.push(idx[1]!);
    for (const n of idx[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(n[1]));
  }
  // scale_to_zero.* are the scenario's dotted keys
  try {
    where.fail(path.filter((p) => p !== ''), err.detail);
  } catch (located) {
    if (m[2] === undefined || !(located instanceof InputError)) throw located;
    throw new InputError(err.detail, { file: located.file, line: located.line, key: `${located.key ?? ''} (${m[2]})` });
  }
}
