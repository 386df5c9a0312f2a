/**
 * Kubernetes HPA: configuration keys, options and variants, in the shape of every engine
 * descriptor. The scalar keys are here; `metrics` and `behavior` are structured (lists of
 * metrics and policies) and are read by `resolveHpaConfig`, which `hpaConfigFromKeys` calls with
 * them; in a scenario, `resolveConfig` turns all of it into the `HpaConfig` the world runs
 * (src/engines/hpa/plugin.ts).
 */
import type { ConfigWhere, EngineDescriptor } from '../descriptor.js';
import { InputError } from '../../scenario/errors.js';
import type { WorkloadSpec } from '../../scenario/types.js';
import { resolveHpaConfig } from './config.js';
import { HPA_VERSIONS, type HpaConfig, type MetricSpec } from './types.js';

/**
 * Metric names the simulated world measures for `Pods`, `Object` and `External` metrics (see
 * `WORLD_METRICS` in plugin.ts for what each one is).
 */
export const WORLD_METRIC_NAMES = ['requests_per_second', 'inflight_requests', 'queue_length'] as const;

/** The world's pod memory model: usage as a share of the memory request, idle and at full CPU. */
export interface PodMemory {
  /** Percent of the memory request a pod uses with its CPU idle. */
  idlePercent: number;
  /** Percent of the memory request a pod uses with its CPU request fully used. */
  busyPercent: number;
}

/**
 * The HPA a simulated world runs: the core's configuration and, when a memory metric reads it,
 * the world's pod memory model (absent otherwise, so summary.json of a run without memory
 * metrics shows the HPA configuration only).
 */
export interface HpaWorldConfig extends HpaConfig {
  podMemory?: PodMemory;
}

export const hpaDescriptor: EngineDescriptor = {
  name: 'hpa',
  summary: 'Kubernetes Horizontal Pod Autoscaler (replica_calculator.go + horizontal.go): integer utilisation, tolerance, readiness rules, stabilisation windows, rate-limit policies; Resource, Pods, Object and External metrics; scale to zero (alpha)',
  config: [
    { key: 'minReplicas', type: 'integer', default: 1, unit: 'pods', doc: 'spec.minReplicas (0 only with the scaleToZero option and an Object or External metric)', min: 0 },
    { key: 'maxReplicas', type: 'integer', default: 10, unit: 'pods', doc: 'spec.maxReplicas (required upstream; 10 here when unset)', min: 1 },
    { key: 'controller.syncPeriod', type: 'duration', default: '15s', unit: 'µs', doc: '--horizontal-pod-autoscaler-sync-period: how often each HPA is reconciled', min: 1 },
    { key: 'controller.tolerance', type: 'number', default: 0.1, unit: '', doc: '--horizontal-pod-autoscaler-tolerance: no change while the usage ratio is this close to 1', min: 0 },
    { key: 'controller.cpuInitializationPeriod', type: 'duration', default: '5m', unit: 'µs', doc: '--horizontal-pod-autoscaler-cpu-initialization-period: CPU samples of younger pods need readiness and one full window', min: 0 },
    { key: 'controller.initialReadinessDelay', type: 'duration', default: '30s', unit: 'µs', doc: '--horizontal-pod-autoscaler-initial-readiness-delay: a readiness change this soon after start is the first one', min: 0 },
    { key: 'controller.downscaleStabilization', type: 'duration', default: '5m', unit: 'µs', doc: '--horizontal-pod-autoscaler-downscale-stabilization: the highest recommendation this recent wins (legacy path; scaleDown window when unset)', min: 0 },
    { key: 'podMemory.idlePercent', type: 'number', default: 50, unit: '%', doc: 'simulation world: memory a pod uses with its CPU idle, in % of its memory request (the workload\'s memory); an assumption, used by memory metrics only', min: 0, max: 1000 },
    { key: 'podMemory.busyPercent', type: 'number', default: 90, unit: '%', doc: 'simulation world: memory a pod uses with its CPU request fully used, in % of its memory request; linear in between', min: 0, max: 1000 },
  ],
  options: [
    { key: 'version', type: 'enum', default: '1.35', values: HPA_VERSIONS, unit: '', doc: 'which Kubernetes release\'s arithmetic: 1.20 one-window stabilisation; 1.23 both windows; 1.30 period start from both directions, missing pods at max(100 %, target); 1.35 per-direction tolerance (isWithin)' },
    { key: 'scaleToZero', type: 'boolean', default: false, unit: '', doc: 'the alpha HPAScaleToZero gate: allow minReplicas 0 (needs an Object or External metric)' },
  ],
  variants: [
    { name: 'faithful', doc: 'Kubernetes 1.35 (the newest arithmetic the spec describes)', options: { version: '1.35', scaleToZero: false } },
    { name: 'k8s-1.30', doc: 'Kubernetes 1.26–1.32: symmetric tolerance |1 − ratio| ≤ t', options: { version: '1.30', scaleToZero: false } },
    { name: 'k8s-1.23', doc: 'Kubernetes 1.21–1.25: rate-limit period start from one direction, missing pods at 100 %', options: { version: '1.23', scaleToZero: false } },
    { name: 'k8s-1.20', doc: 'Kubernetes 1.18–1.20: stabilisation looks at one window only', options: { version: '1.20', scaleToZero: false } },
  ],
  check(config) {
    const min = config['minReplicas'] as number;
    const max = config['maxReplicas'] as number;
    return max < min ? [{ key: 'maxReplicas', message: `must be greater than or equal to minReplicas (${max} < ${min})` }] : [];
  },
  structured: [
    { key: 'metrics', shape: 'list', expect: 'a list of HPA metrics, e.g. [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }]', doc: `spec.metrics (default: CPU at 80 % average utilisation): Resource cpu or memory, Pods, Object (describedObject, metric, Value or AverageValue target) and External; in a simulated world Pods, Object and External metrics are named ${WORLD_METRIC_NAMES.join(', ')} (request-driven workloads)` },
    { key: 'behavior', shape: 'mapping', expect: 'an HPA behavior mapping with scaleUp and/or scaleDown', doc: 'spec.behavior: stabilizationWindowSeconds, selectPolicy (Max, Min, Disabled), policies [{ type: Pods|Percent, value, periodSeconds }], tolerance (1.35); API defaults fill what is left out; absent = the legacy path' },
  ],
  resolveConfig(resolved, options, structured, where) {
    return hpaWorldConfig(resolved, options, structured, where) as unknown as Record<string, unknown>;
  },
  checkWorkloads(config, workloads, fail) {
    checkRequestMetrics(config as unknown as HpaWorldConfig, workloads, fail);
  },
};

/** The key under a metric that holds its name (`pods.metric.name`, `object.metric.name`, …). */
function nameKey(m: MetricSpec): string[] {
  return m.type === 'Resource' ? ['resource', 'name'] : [m.type === 'Pods' ? 'pods' : m.type === 'Object' ? 'object' : 'external', 'metric', 'name'];
}

/**
 * Request metrics (`Pods`, `Object`, `External`) are measured on request-driven workloads only:
 * fail at the first such metric when a workload has no `requests:` block.
 */
export function checkRequestMetrics(config: HpaWorldConfig, workloads: readonly WorkloadSpec[], fail: (path: readonly (string | number)[], message: string) => never): void {
  const plain = workloads.find((w) => w.requests === undefined);
  if (plain === undefined) return;
  config.metrics.forEach((m, i) => {
    if (m.type !== 'Resource') fail(['engine', 'config', 'metrics', i, ...nameKey(m)], `${m.name} is measured on request-driven workloads only; workload ${plain.name} has no requests: block (use a Resource cpu or memory metric, or give it requests:)`);
  });
}

/**
 * A key path from an `InputError` key as `resolveHpaConfig` names it.
 *
 * @example keyPath('behavior.scaleUp.policies[0].periodSeconds') // ['behavior', 'scaleUp', 'policies', 0, 'periodSeconds']
 */
export function keyPath(key: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]!);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

/**
 * The `HpaConfig` a simulated world runs, from a scenario's `engine.config` (scalar keys
 * resolved, `metrics` and `behavior` as written) and options. Fails at the key, one line with
 * the scenario file and line: an unknown `selectPolicy`, a period ≤ 0, `minReplicas` above
 * `maxReplicas`, a non-positive target, `minReplicas: 0` without an Object or External metric,
 * and a `Pods`, `Object` or `External` metric the world does not measure (`WORLD_METRIC_NAMES`).
 * Adds the world's pod memory model (`podMemory.*` keys, 50 % and 90 % by default) when a
 * memory metric reads it.
 */
export function hpaWorldConfig(resolved: Record<string, unknown>, options: Record<string, unknown>, structured: Record<string, unknown>, where: ConfigWhere): HpaWorldConfig {
  let config: HpaConfig;
  try {
    config = hpaConfigFromKeys(resolved, options, structured, where.file);
  } catch (e) {
    if (e instanceof InputError && e.key !== undefined) where.fail(keyPath(e.key), e.detail);
    throw e;
  }
  config.metrics.forEach((m, i) => {
    if (m.type !== 'Resource' && !(WORLD_METRIC_NAMES as readonly string[]).includes(m.name)) {
      where.fail(['metrics', i, ...nameKey(m)], `unknown metric ${JSON.stringify(m.name)}: the simulated world measures ${WORLD_METRIC_NAMES.join(', ')} (and Resource cpu, memory)`);
    }
  });
  if (!config.metrics.some((m) => m.type === 'Resource' && m.name === 'memory')) return config;
  const podMemory = { idlePercent: resolved['podMemory.idlePercent'] as number, busyPercent: resolved['podMemory.busyPercent'] as number };
  return { ...config, podMemory };
}

/**
 * An `HpaConfig` from descriptor-resolved keys (durations already in µs) and options, plus the
 * structured `metrics` and `behavior` as written (HPA spec shape). Validates like
 * `resolveHpaConfig`; errors name `file` and the key.
 *
 * @example hpaConfigFromKeys({ minReplicas: 1, maxReplicas: 4 }, { version: '1.30' }).version // '1.30'
 */
export function hpaConfigFromKeys(config: Record<string, unknown>, options: Record<string, unknown>, structured: { metrics?: unknown; behavior?: unknown } = {}, file?: string): HpaConfig {
  const us = (key: string) => (config[key] === undefined ? undefined : `${config[key] as number}us`);
  const controller = Object.fromEntries(
    [
      ['syncPeriod', us('controller.syncPeriod')],
      ['tolerance', config['controller.tolerance']],
      ['cpuInitializationPeriod', us('controller.cpuInitializationPeriod')],
      ['initialReadinessDelay', us('controller.initialReadinessDelay')],
      ['downscaleStabilization', us('controller.downscaleStabilization')],
    ].filter(([, v]) => v !== undefined),
  );
  const raw: Record<string, unknown> = { maxReplicas: config['maxReplicas'] ?? 10, controller, options: { ...options } };
  if (config['minReplicas'] !== undefined) raw['minReplicas'] = config['minReplicas'];
  if (structured.metrics !== undefined) raw['metrics'] = structured.metrics;
  if (structured.behavior !== undefined) raw['behavior'] = structured.behavior;
  return resolveHpaConfig(raw, file);
}
