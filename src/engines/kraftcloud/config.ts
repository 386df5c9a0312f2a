/**
 * Configuration of one Unikraft Cloud service under autoscale: the service group
 * (`kraft cloud scale init`), its step policies (`kraft cloud scale add`), scale-to-zero and
 * scalelab's behaviour options. `parseKraftcloudConfig` reads the YAML/JSON form and refuses bad
 * input with one line naming the key (and the step).
 */
import { MICROS_PER_MS, parseDurationAt, type Micros } from '../../kernel/time.js';
import { InputError } from '../../scenario/errors.js';
import { parseSteps, type Step } from './steps.js';

export type Metric = 'cpu' | 'inflight_reqs' | 'reqs_per_sec';
/** Canonical adjustment types; every upstream spelling maps to one (see ADJUSTMENT_SPELLINGS). */
export type Adjustment = 'change' | 'exact' | 'percent';
export type Aggregation = 'average' | 'sum';
export type ScaleToZeroPolicy = 'off' | 'on' | 'idle';
export type WarmupMeaning = 'legacy' | 'current';
export type PercentRounding = 'aws' | 'toward_zero' | 'away_from_zero' | 'nearest';

/**
 * Adjustment names by source: CLI and old SDK `percent | absolute | change`, newer docs
 * `change | exact | percent`, generated SDK `change | exact | percentage`.
 */
export const ADJUSTMENT_SPELLINGS: Readonly<Record<string, Adjustment>> = {
  change: 'change',
  exact: 'exact',
  absolute: 'exact',
  percent: 'percent',
  percentage: 'percent',
};

export const METRICS: readonly Metric[] = ['cpu', 'inflight_reqs', 'reqs_per_sec'];

export interface StepPolicy {
  name: string;
  metric: Metric;
  adjustment: Adjustment;
  /** Sorted as the CLI sends them. */
  steps: readonly Step[];
}

export interface ScaleToZero {
  policy: ScaleToZeroPolicy;
  /** Idle time before standby, µs (≥ 1 ms). */
  cooldown: Micros;
  /** The app is told this long before standby, µs (< cooldown; 0 = not told). */
  notifyTime: Micros;
  /** Stateful: a wake resumes from a memory snapshot (the world's wake latency); false: a cold boot. */
  stateful: boolean;
}

/** Behaviour the platform does not document; each is a scalelab choice (see docs/engines/kraftcloud.md). */
export interface KraftcloudOptions {
  warmup_meaning: WarmupMeaning;
  cpu_aggregation: Aggregation;
  inflight_aggregation: Aggregation;
  rps_aggregation: Aggregation;
  percent_rounding: PercentRounding;
}

export interface KraftcloudConfig {
  /** Instance (template) clones are made from. */
  master: string;
  minSize: number;
  maxSize: number;
  /** µs, a whole number of ms (the CLI sends ms). */
  warmup: Micros;
  cooldown: Micros;
  /** Fraction of max size (newer API); 0 = off. Parsed and checked; it changes no decision (semantics unpublished). */
  highWatermark: number;
  /** Period of the decision loop, µs. */
  decisionPeriod: Micros;
  /** The service publishes ports; without, scale-to-zero is forced off. */
  hasPorts: boolean;
  policies: readonly StepPolicy[];
  scaleToZero: ScaleToZero;
  options: KraftcloudOptions;
}

export const DEFAULT_OPTIONS: KraftcloudOptions = {
  warmup_meaning: 'legacy',
  cpu_aggregation: 'average',
  inflight_aggregation: 'sum',
  rps_aggregation: 'sum',
  percent_rounding: 'aws',
};

const TOP_KEYS = ['master', 'template', 'min_size', 'max_size', 'warmup_time', 'warmup_time_ms', 'cooldown_time', 'cooldown_time_ms', 'high_watermark', 'decision_period', 'has_ports', 'policies', 'scale_to_zero', 'options'];
const POLICY_KEYS = ['name', 'type', 'metric', 'adjustment', 'steps'];
const S2Z_KEYS = ['policy', 'cooldown_time', 'cooldown_time_ms', 'notify_time', 'notify_time_ms', 'stateful'];
const OPTION_VALUES: Record<keyof KraftcloudOptions, readonly string[]> = {
  warmup_meaning: ['legacy', 'current'],
  cpu_aggregation: ['average', 'sum'],
  inflight_aggregation: ['average', 'sum'],
  rps_aggregation: ['average', 'sum'],
  percent_rounding: ['aws', 'toward_zero', 'away_from_zero', 'nearest'],
};

type Obj = Record<string, unknown>;

/** A reader of one object of the file that names its keys in errors. */
class Reader {
  constructor(
    private readonly obj: Obj,
    private readonly prefix: string,
    private readonly file: string | undefined,
  ) {}

  fail(key: string, detail: string): never {
    throw new InputError(detail, { file: this.file, key: this.prefix + key });
  }

  only(keys: readonly string[]): void {
    for (const k of Object.keys(this.obj)) if (!keys.includes(k)) this.fail(k, `unknown key (known: ${keys.join(', ')})`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  integer(key: string, fallback: number, min: number): number {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(key, `must be a whole number, got ${JSON.stringify(v)}`);
    if (v < min) this.fail(key, `must be at least ${min}, got ${v}`);
    return v;
  }

  number(key: string, fallback: number, min: number, max: number): number {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `must be a number, got ${JSON.stringify(v)}`);
    if (v < min || v > max) this.fail(key, `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  text(key: string, fallback?: string): string {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'string' || v === '') this.fail(key, v === undefined ? 'required' : 'must be a non-empty string');
    return v;
  }

  oneOf<T extends string>(key: string, fallback: T, values: readonly string[]): T {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'string' || !values.includes(v)) this.fail(key, `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /**
   * A duration given as `key` (human: `1s`, `20ms`) or `key_ms` (whole milliseconds, the API form).
   * `truncateToMs` keeps whole milliseconds, as the CLI does when it sends `Duration.Milliseconds()`.
   */
  duration(key: string, fallback: Micros, truncateToMs: boolean): { us: Micros; key: string } {
    const msKey = `${key}_ms`;
    if (this.has(key) && this.has(msKey)) this.fail(msKey, `give ${key} or ${msKey}, not both`);
    if (this.has(msKey)) return { us: this.integer(msKey, 0, 0) * MICROS_PER_MS, key: msKey };
    const v = this.obj[key];
    if (v === undefined || v === null) return { us: fallback, key };
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(key, 'must be a duration such as 1s or 20ms');
    const us = parseDurationAt(v, (m) => this.fail(key, m));
    if (us < 0) this.fail(key, 'must not be negative');
    return { us: truncateToMs ? us - (us % MICROS_PER_MS) : us, key };
  }

  object(key: string): Reader | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'must be a mapping');
    return new Reader(v as Obj, `${this.prefix}${key}.`, this.file);
  }

  list(key: string): unknown[] {
    const v = this.obj[key] ?? [];
    if (!Array.isArray(v)) this.fail(key, 'must be a list');
    return v;
  }

  child(value: unknown, key: string): Reader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'must be a mapping');
    return new Reader(value as Obj, `${this.prefix}${key}.`, this.file);
  }
}

/**
 * Read one step policy (`kraft cloud scale add`); `prefix` (e.g. `policies[0].`) names its steps in errors.
 *
 * @example // { name: out, adjustment: percentage, steps: ["600:800/50", "800:/100"] } → adjustment 'percent', steps sorted
 */
function parsePolicy(r: Reader, prefix: string, file: string | undefined): StepPolicy {
  r.only(POLICY_KEYS);
  const name = r.text('name');
  if (r.has('type') && r.text('type') === 'on_demand') r.fail('type', 'on_demand policies (newer CLI --type) are not modelled; only step policies are');
  r.oneOf('type', 'step', ['step']);
  const metric = r.oneOf<Metric>('metric', 'cpu', METRICS);
  const spelling = r.oneOf<string>('adjustment', 'change', Object.keys(ADJUSTMENT_SPELLINGS));
  const raw = r.list('steps');
  raw.forEach((s, i) => {
    if (typeof s !== 'string' && typeof s !== 'number') r.fail(`steps[${i}]`, 'must be a step such as 600:800/50');
  });
  const steps = parseSteps(raw.map(String), { file, key: `${prefix}steps` });
  return { name, metric, adjustment: ADJUSTMENT_SPELLINGS[spelling]!, steps };
}

/**
 * Read a service's autoscale configuration from its parsed YAML/JSON form. Defaults follow the
 * CLI: min_size 0, max_size 10, warm-up and cool-down 1 s (each ≥ 10 ms, whole ms), scale-to-zero
 * off with a 1 s cool-down; the decision period (unpublished) defaults to 10 ms.
 *
 * `prefix` goes before every key in errors (e.g. `engine.config.` when the configuration sits
 * inside a scenario).
 *
 * @example parseKraftcloudConfig({ master: 'nginx' }).maxSize // 10
 */
export function parseKraftcloudConfig(raw: unknown, file?: string, prefix = ''): KraftcloudConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('the configuration must be a mapping', { file, key: prefix.replace(/\.$/, '') || undefined });
  const r = new Reader(raw as Obj, prefix, file);
  r.only(TOP_KEYS);
  if (r.has('master') && r.has('template')) r.fail('template', 'give master or template (its newer name), not both');
  const master = r.has('template') ? r.text('template') : r.text('master');
  const minSize = r.integer('min_size', 0, 0);
  const maxSize = r.integer('max_size', 10, 1);
  if (minSize > maxSize) r.fail('min_size', `min_size ${minSize} is above max_size ${maxSize}`);
  const warmup = r.duration('warmup_time', 1_000_000, true);
  if (warmup.us < 10 * MICROS_PER_MS) r.fail(warmup.key, 'warmup time must be at least 10ms');
  const cooldown = r.duration('cooldown_time', 1_000_000, true);
  if (cooldown.us < 10 * MICROS_PER_MS) r.fail(cooldown.key, 'cooldown time must be at least 10ms');
  const highWatermark = r.number('high_watermark', 0, 0, 1);
  const period = r.duration('decision_period', 10 * MICROS_PER_MS, false);
  if (period.us < 1) r.fail(period.key, 'must be at least 1us');
  const hasPorts = r.boolean('has_ports', true);
  const policies = r.list('policies').map((p, i) => parsePolicy(r.child(p, `policies[${i}]`), `${prefix}policies[${i}].`, file));
  const names = new Set<string>();
  policies.forEach((p, i) => {
    if (names.has(p.name)) r.fail(`policies[${i}].name`, `a policy named "${p.name}" exists already`);
    names.add(p.name);
  });
  const scaleToZero = parseScaleToZero(r.object('scale_to_zero'), hasPorts);
  const o = r.object('options');
  const options = { ...DEFAULT_OPTIONS };
  if (o) {
    o.only(Object.keys(OPTION_VALUES));
    for (const key of Object.keys(OPTION_VALUES) as (keyof KraftcloudOptions)[]) {
      (options as Record<string, string>)[key] = o.oneOf(key, DEFAULT_OPTIONS[key], OPTION_VALUES[key]);
    }
  }
  return { master, minSize, maxSize, warmup: warmup.us, cooldown: cooldown.us, highWatermark, decisionPeriod: period.us, hasPorts, policies, scaleToZero, options };
}

/**
 * Read `scale_to_zero` as `kraft cloud instance create` takes it (kraftkit
 * internal/cli/kraft/cloud/instance/create/create.go, `(*CreateOptions).Pre` and `Create`): policy
 * off (default) | on | idle; cool-down 0 = the platform default (1 s), otherwise ≥ 1 ms and sent
 * in whole ms; `stateful`; plus the newer API's notify time, below the cool-down. The CLI
 * silently forces scale-to-zero off without ports or service; a configuration asking for it
 * there is refused instead, so that nobody simulates a policy the platform would drop.
 */
function parseScaleToZero(r: Reader | undefined, hasPorts: boolean): ScaleToZero {
  if (!r) return { policy: 'off', cooldown: 1_000_000, notifyTime: 0, stateful: false };
  r.only(S2Z_KEYS);
  const policy = r.oneOf<ScaleToZeroPolicy>('policy', 'off', ['off', 'on', 'idle']);
  if (policy !== 'off' && !hasPorts) r.fail('policy', `scale-to-zero "${policy}" needs a service with ports (the platform forces it off without); set has_ports or policy off`);
  const given = r.duration('cooldown_time', 0, false);
  if (given.us !== 0 && given.us < MICROS_PER_MS) r.fail(given.key, 'scale-to-zero-cooldown needs to be at least 1ms');
  const cooldown = given.us === 0 ? 1_000_000 : given.us - (given.us % MICROS_PER_MS);
  const notify = r.duration('notify_time', 0, false);
  if (notify.us >= cooldown) r.fail(notify.key, 'notify time must be below the scale-to-zero cooldown');
  return { policy, cooldown, notifyTime: notify.us, stateful: r.boolean('stateful', false) };
}
