/**
 * HPA configuration: upstream defaults (`pkg/apis/autoscaling/v2/defaults.go` and the
 * controller's flags) and upstream validation (`pkg/apis/autoscaling/validation`), read from a
 * plain object (JSON or YAML). Every problem is one `InputError` naming the key.
 *
 * Accepted shapes: the HPA spec keys at the top (`minReplicas`, `maxReplicas`, `metrics`,
 * `behavior`) or a whole `HorizontalPodAutoscaler` manifest (they are then read from `spec`),
 * plus `controller:` (flags) and `options:` (scalelab's `version`, `scaleToZero`).
 */
import { parseDurationAt, type Micros } from '../../kernel/time.js';
import { InputError } from '../../scenario/errors.js';
import { HPA_VERSIONS, type Behavior, type HpaConfig, type HpaVersion, type MetricSpec, type ScalingPolicy, type ScalingRules, type SelectPolicy } from './types.js';

/** Controller flag defaults (kube-controller-manager). */
export const CONTROLLER_DEFAULTS = {
  syncPeriod: 15_000_000,
  tolerance: 0.1,
  cpuInitializationPeriod: 300_000_000,
  initialReadinessDelay: 30_000_000,
  downscaleStabilization: 300_000_000,
} as const;

/** The metric `SetDefaults_HorizontalPodAutoscaler` adds when `metrics` is empty: CPU at 80 %. */
export const DEFAULT_METRIC: MetricSpec = { type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } };

/** `GenerateHPAScaleUpRules` defaults: no window, Max of 4 pods / 15 s and 100 % / 15 s. */
export function defaultScaleUpRules(): ScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    tolerance: null,
  };
}

/** `GenerateHPAScaleDownRules` defaults: window from the controller flag, Max of 100 % / 15 s. */
export function defaultScaleDownRules(): ScalingRules {
  return { stabilizationWindowSeconds: null, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: null };
}

/** `MaxPeriodSeconds` and `MaxStabilizationWindowSeconds` of the API validation. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_WINDOW_SECONDS = 3600;

/**
 * A configuration with every default: min 1, the given max, CPU 80 %, no behavior, newest version.
 *
 * @example hpaConfig({ maxReplicas: 10 }).tolerance // 0.1
 */
export function hpaConfig(overrides: Partial<HpaConfig> & { maxReplicas: number }): HpaConfig {
  return {
    minReplicas: 1,
    metrics: [DEFAULT_METRIC],
    behavior: null,
    ...CONTROLLER_DEFAULTS,
    version: '1.35',
    scaleToZero: false,
    ...overrides,
  };
}

/**
 * A `behavior` with API defaults filled in for whatever `partial` leaves out (as
 * `copyHPAScalingRules` does: a direction's `policies`, `selectPolicy`, window and tolerance each
 * replace the default only when given).
 *
 * @example behaviorWithDefaults({}).scaleUp.policies.length // 2
 */
export function behaviorWithDefaults(partial: { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> }): Behavior {
  const fill = (given: Partial<ScalingRules> | undefined, base: ScalingRules): ScalingRules => ({
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? base.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? base.selectPolicy,
    policies: given?.policies ?? base.policies,
    tolerance: given?.tolerance ?? base.tolerance,
  });
  return { scaleUp: fill(partial.scaleUp, defaultScaleUpRules()), scaleDown: fill(partial.scaleDown, defaultScaleDownRules()) };
}

type Raw = Record<string, unknown>;

/** Reads keys of one mapping, failing with the key path. */
class Reader {
  constructor(
    private readonly file: string | undefined,
    private readonly path: string,
    readonly raw: Raw,
  ) {}

  fail(key: string, message: string): never {
    throw new InputError(message, { file: this.file, key: this.at(key) });
  }

  at(key: string): string {
    return this.path === '' ? key : key.startsWith('[') ? `${this.path}${key}` : `${this.path}.${key}`;
  }

  /** Refuse keys outside `known`. */
  only(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) if (!known.includes(key)) this.fail(key, `unknown key; expected one of: ${known.join(', ')}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  child(key: string): Reader {
    const v = this.raw[key];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'must be a mapping');
    return new Reader(this.file, this.at(key), v as Raw);
  }

  list(key: string): Reader[] {
    const v = this.raw[key];
    if (!Array.isArray(v)) this.fail(key, 'must be a list');
    return v.map((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) this.fail(`${key}[${i}]`, 'must be a mapping');
      return new Reader(this.file, this.at(`${key}[${i}]`), item as Raw);
    });
  }

  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER, rule?: string): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(key, `must be a whole number (got ${JSON.stringify(v)})`);
    if (v < min || v > max) this.fail(key, rule ?? `must be between ${min} and ${max} (got ${v})`);
    return v;
  }

  number(key: string, min: number, rule: string): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `must be a number (got ${JSON.stringify(v)})`);
    if (v < min) this.fail(key, `${rule} (got ${v})`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.raw[key];
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(key, `unknown value ${JSON.stringify(v)}; expected one of: ${values.join(', ')}`);
    return v as T;
  }

  duration(key: string, min: Micros): Micros {
    const v = this.raw[key];
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(key, 'must be a duration such as 15s or 5m');
    const us = parseDurationAt(v, (m) => this.fail(key, m));
    if (us < min) this.fail(key, min > 0 ? 'must be positive' : 'must not be negative');
    return us;
  }

  /** A Kubernetes quantity (`500m`, `1.5`, `256Mi`, or a number) as a positive milli-value. */
  quantity(key: string): number {
    const milli = parseQuantityMilli(this.raw[key]);
    if (milli === null) this.fail(key, `must be a quantity such as 500m, 2 or 256Mi (got ${JSON.stringify(this.raw[key])})`);
    if (milli <= 0) this.fail(key, 'must be positive');
    return milli;
  }
}

const SUFFIX: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/**
 * A quantity's `MilliValue()` (rounded up, as Kubernetes does), or null if unreadable.
 *
 * @example parseQuantityMilli('500m') // 500
 * @example parseQuantityMilli('256Mi') // 268_435_456_000
 */
export function parseQuantityMilli(value: unknown): number | null {
  let amount: number;
  let scale = 1;
  if (typeof value === 'number') amount = value;
  else if (typeof value === 'string') {
    const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|k|M|G|T|Ki|Mi|Gi|Ti)?\s*$/.exec(value);
    if (!m) return null;
    amount = Number(m[1]);
    scale = SUFFIX[m[2] ?? '']!;
  } else return null;
  if (!Number.isFinite(amount)) return null;
  return toMilli(amount * scale);
}

/**
 * Units → milli-units, rounding up like `MilliValue()` but forgiving binary float noise
 * (0.3 × 1000 is 300, not 301).
 *
 * @example toMilli(0.3) // 300
 * @example toMilli(0.0004) // 1
 */
export function toMilli(units: number): number {
  const x = units * 1000;
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x)) ? r : Math.ceil(x);
}

/**
 * Read and validate an HPA configuration. `file` names the source in errors.
 *
 * @example resolveHpaConfig({ maxReplicas: 5 }).metrics[0].type // 'Resource'
 */
export function resolveHpaConfig(raw: unknown, file?: string): HpaConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('an HPA configuration must be a mapping', { file });
  const top = new Reader(file, '', raw as Raw);
  const manifest = top.has('spec');
  if (manifest) top.only(['apiVersion', 'kind', 'metadata', 'spec', 'status', 'controller', 'options']);
  else top.only(['minReplicas', 'maxReplicas', 'metrics', 'behavior', 'controller', 'options']);
  const spec = manifest ? top.child('spec') : top;
  if (manifest) spec.only(['scaleTargetRef', 'minReplicas', 'maxReplicas', 'metrics', 'behavior']);

  const options = top.has('options') ? top.child('options') : null;
  options?.only(['version', 'scaleToZero']);
  let version: HpaVersion = '1.35';
  if (options?.has('version')) {
    // YAML reads 1.30 as the number 1.3
    const v = options.raw['version'];
    const written = typeof v === 'number' ? v.toFixed(2) : v;
    version = new Reader(file, 'options', { version: written }).oneOf('version', HPA_VERSIONS);
  }
  let scaleToZero = false;
  if (options?.has('scaleToZero')) {
    if (typeof options.raw['scaleToZero'] !== 'boolean') options.fail('scaleToZero', 'must be true or false');
    scaleToZero = options.raw['scaleToZero'] as boolean;
  }

  const flags = { ...CONTROLLER_DEFAULTS } as { -readonly [K in keyof typeof CONTROLLER_DEFAULTS]: number };
  if (top.has('controller')) {
    const c = top.child('controller');
    c.only(['syncPeriod', 'tolerance', 'cpuInitializationPeriod', 'initialReadinessDelay', 'downscaleStabilization']);
    if (c.has('syncPeriod')) flags.syncPeriod = c.duration('syncPeriod', 1);
    if (c.has('tolerance')) flags.tolerance = c.number('tolerance', 0, 'must not be negative');
    if (c.has('cpuInitializationPeriod')) flags.cpuInitializationPeriod = c.duration('cpuInitializationPeriod', 0);
    if (c.has('initialReadinessDelay')) flags.initialReadinessDelay = c.duration('initialReadinessDelay', 0);
    if (c.has('downscaleStabilization')) flags.downscaleStabilization = c.duration('downscaleStabilization', 0);
  }

  const minReplicas = spec.has('minReplicas') ? spec.integer('minReplicas', 0, 2 ** 31 - 1, 'must be greater than or equal to 1') : 1;
  if (minReplicas === 0 && !scaleToZero) spec.fail('minReplicas', 'must be greater than or equal to 1 (0 needs options.scaleToZero: true, the alpha HPAScaleToZero gate)');
  if (!spec.has('maxReplicas')) spec.fail('maxReplicas', 'is required');
  const maxReplicas = spec.integer('maxReplicas', 1, 2 ** 31 - 1, 'must be greater than 0');
  if (maxReplicas < minReplicas) spec.fail('maxReplicas', `must be greater than or equal to minReplicas (${maxReplicas} < ${minReplicas})`);

  const metrics = spec.has('metrics') ? spec.list('metrics').map(readMetric) : [];
  if (metrics.length === 0) metrics.push(DEFAULT_METRIC);
  // upstream (validateMetrics): "must specify at least one Object or External metric to support scaling to zero replicas"
  if (minReplicas === 0 && !metrics.some((m) => m.type === 'External' || m.type === 'Object')) spec.fail('minReplicas', 'scaling to zero needs at least one Object or External metric (at 0 pods only those can be measured)');

  const behavior = spec.has('behavior') ? readBehavior(spec.child('behavior'), version) : null;
  return { minReplicas, maxReplicas, metrics, behavior, ...flags, version, scaleToZero };
}

function readMetric(m: Reader): MetricSpec {
  const type = m.oneOf('type', ['Resource', 'Pods', 'Object', 'External'] as const);
  if (type === 'Resource') {
    m.only(['type', 'resource']);
    const r = m.child('resource');
    r.only(['name', 'target']);
    const name = r.oneOf('name', ['cpu', 'memory'] as const);
    const t = r.child('target');
    const kind = t.oneOf('type', ['Utilization', 'AverageValue'] as const);
    if (kind === 'Utilization') {
      t.only(['type', 'averageUtilization']);
      return { type, name, target: { type: kind, averageUtilization: t.integer('averageUtilization', 1, 2 ** 31 - 1, 'must be greater than 0') } };
    }
    t.only(['type', 'averageValue']);
    return { type, name, target: { type: kind, averageValue: t.quantity('averageValue') } };
  }
  if (type === 'Pods') {
    m.only(['type', 'pods']);
    const pm = m.child('pods');
    pm.only(['metric', 'target']);
    const metric = pm.child('metric');
    metric.only(['name', 'selector']);
    const name = metric.raw['name'] as string;
    if (typeof name !== 'string' || name === '') metric.fail('name', 'must be a non-empty string');
    const t = pm.child('target');
    t.oneOf('type', ['AverageValue'] as const);
    t.only(['type', 'averageValue']);
    return { type, name, target: { type: 'AverageValue', averageValue: t.quantity('averageValue') } };
  }
  if (type === 'Object') return readObjectMetric(m);
  m.only(['type', 'external']);
  const e = m.child('external');
  e.only(['metric', 'target']);
  const metric = e.child('metric');
  metric.only(['name', 'selector']);
  const name = metric.raw['name'] as string;
  if (typeof name !== 'string' || name === '') metric.fail('name', 'must be a non-empty string');
  const t = e.child('target');
  const kind = t.oneOf('type', ['Value', 'AverageValue'] as const);
  if (kind === 'Value') {
    t.only(['type', 'value']);
    return { type, name, target: { type: kind, value: t.quantity('value') } };
  }
  t.only(['type', 'averageValue']);
  return { type, name, target: { type: kind, averageValue: t.quantity('averageValue') } };
}

/** An `Object` metric: `object: { describedObject: { kind, name, apiVersion? }, metric: { name }, target: Value | AverageValue }`. */
function readObjectMetric(m: Reader): MetricSpec {
  m.only(['type', 'object']);
  const o = m.child('object');
  o.only(['describedObject', 'metric', 'target']);
  const d = o.child('describedObject');
  d.only(['apiVersion', 'kind', 'name']);
  const text = (r: Reader, key: string): string => {
    const v = r.raw[key];
    if (typeof v !== 'string' || v === '') r.fail(key, 'must be a non-empty string');
    return v as string;
  };
  const describedObject = { kind: text(d, 'kind'), name: text(d, 'name'), ...(d.has('apiVersion') ? { apiVersion: text(d, 'apiVersion') } : {}) };
  const metric = o.child('metric');
  metric.only(['name', 'selector']);
  const name = text(metric, 'name');
  const t = o.child('target');
  const kind = t.oneOf('type', ['Value', 'AverageValue'] as const);
  if (kind === 'Value') {
    t.only(['type', 'value']);
    return { type: 'Object', name, describedObject, target: { type: kind, value: t.quantity('value') } };
  }
  t.only(['type', 'averageValue']);
  return { type: 'Object', name, describedObject, target: { type: kind, averageValue: t.quantity('averageValue') } };
}

function readBehavior(b: Reader, version: HpaVersion): Behavior {
  b.only(['scaleUp', 'scaleDown']);
  const partial: { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> } = {};
  for (const dir of ['scaleUp', 'scaleDown'] as const) if (b.has(dir)) partial[dir] = readRules(b.child(dir), version);
  return behaviorWithDefaults(partial);
}

function readRules(r: Reader, version: HpaVersion): Partial<ScalingRules> {
  r.only(['stabilizationWindowSeconds', 'selectPolicy', 'policies', 'tolerance']);
  const out: { -readonly [K in keyof ScalingRules]?: ScalingRules[K] } = {};
  if (r.has('stabilizationWindowSeconds')) {
    const w = r.integer('stabilizationWindowSeconds', Number.MIN_SAFE_INTEGER);
    if (w < 0) r.fail('stabilizationWindowSeconds', `must be greater than or equal to zero (got ${w})`);
    if (w > MAX_WINDOW_SECONDS) r.fail('stabilizationWindowSeconds', `must be less than or equal to ${MAX_WINDOW_SECONDS} (got ${w})`);
    out.stabilizationWindowSeconds = w;
  }
  if (r.has('selectPolicy')) out.selectPolicy = r.oneOf<SelectPolicy>('selectPolicy', ['Max', 'Min', 'Disabled']);
  if (r.has('policies')) {
    const list = r.list('policies');
    if (list.length === 0) r.fail('policies', 'must specify at least one Policy');
    out.policies = list.map((p): ScalingPolicy => {
      p.only(['type', 'value', 'periodSeconds']);
      const type = p.oneOf('type', ['Pods', 'Percent'] as const);
      if (!p.has('value')) p.fail('value', 'is required');
      const value = p.integer('value', 1, 2 ** 31 - 1, `must be greater than zero (got ${JSON.stringify(p.raw['value'])})`);
      if (!p.has('periodSeconds')) p.fail('periodSeconds', 'is required');
      const periodSeconds = p.integer('periodSeconds', Number.MIN_SAFE_INTEGER);
      if (periodSeconds <= 0) p.fail('periodSeconds', `must be greater than zero (got ${periodSeconds})`);
      if (periodSeconds > MAX_PERIOD_SECONDS) p.fail('periodSeconds', `must be less than or equal to ${MAX_PERIOD_SECONDS} (got ${periodSeconds})`);
      return { type, value, periodSeconds };
    });
  }
  if (r.has('tolerance')) {
    if (version !== '1.35') r.fail('tolerance', `per-direction tolerance needs options.version 1.35 (the HPAConfigurableTolerance gate is off by default before; this is ${version})`);
    out.tolerance = r.number('tolerance', 0, 'must be greater than or equal to 0');
  }
  return out;
}
