/**
 * Scenario loader: resolution of valid scenarios (golden values worked by hand) and one located
 * InputError for each kind of bad input.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream } from '../src/kernel/random.js';
import { InputError } from '../src/scenario/errors.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { applySets } from '../src/scenario/overrides.js';
import { parseSize } from '../src/scenario/sizes.js';

const FILE = 'scenarios/test.yaml';

/** The smallest valid scenario. Line numbers are used by the error tests below. */
const MINIMAL = `name: min
duration: 1h
engine:
  name: albatross
world:
  hosts:
    - name: host
      threads: 16
      memory: 64GiB
workloads:
  - name: web
    load:
      base: 0.5
`;

/** The InputError thrown for `text`, failing the test when nothing is thrown. */
function errorOf(text: string, opts: { sets?: string[]; seed?: number } = {}, file = FILE): InputError {
  try {
    parseScenarioText(text, file, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

/** Checks an error's location and that its message is one line starting `file:line: key:`. */
function expectAt(err: InputError, line: number | '--set', key: string, detail?: RegExp): void {
  if (line === '--set') {
    expect(err.message.startsWith(`--set: ${key}: `)).toBe(true);
  } else {
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(line);
    expect(err.message.startsWith(`${FILE}:${line}: ${key}: `)).toBe(true);
  }
  expect(err.key).toBe(key);
  expect(err.message).not.toContain('\n');
  if (detail) expect(err.detail).toMatch(detail);
}

describe('parseSize', () => {
  it('reads binary, decimal and bare sizes', () => {
    expect(parseSize('256MiB')).toBe(256 * 1024 * 1024); // 268,435,456
    expect(parseSize('64GiB')).toBe(68_719_476_736);
    expect(parseSize('1KiB')).toBe(1024);
    expect(parseSize('2TiB')).toBe(2_199_023_255_552);
    expect(parseSize('1.5GiB')).toBe(1_610_612_736);
    expect(parseSize('3KB')).toBe(3000);
    expect(parseSize('5MB')).toBe(5_000_000);
    expect(parseSize('2GB')).toBe(2_000_000_000);
    expect(parseSize('1TB')).toBe(1_000_000_000_000);
    expect(parseSize('512B')).toBe(512);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize(4096)).toBe(4096);
  });

  it('rejects unknown units, signs and fractions of bytes', () => {
    expect(() => parseSize('256mb')).toThrow(InputError);
    expect(() => parseSize('-1MiB')).toThrow(/cannot read size/);
    expect(() => parseSize('lots')).toThrow(/cannot read size/);
    expect(() => parseSize(1.5)).toThrow(/whole/);
  });
});

describe('applySets', () => {
  const doc = { engine: { name: 'albatross', config: { scale_up_threshold_percent: 90 } }, workloads: [{ name: 'web', vcpus: 1 }] };

  it('sets nested keys, list items by [n] and .n, with YAML-typed values', () => {
    const out = applySets(doc, ['engine.config.scale_up_threshold_percent=85', 'engine.config.cooldown_period=600s', 'workloads[0].vcpus=2', 'workloads.0.block_devices=true', 'world.x=[1,2]']) as Record<string, any>;
    expect(out['engine'].config).toEqual({ scale_up_threshold_percent: 85, cooldown_period: '600s' });
    expect(out['workloads'][0]).toEqual({ name: 'web', vcpus: 2, block_devices: true });
    expect(out['world']).toEqual({ x: [1, 2] });
    // the input is left alone
    expect(doc.engine.config.scale_up_threshold_percent).toBe(90);
  });

  it('appends a list item at index = length', () => {
    const out = applySets(doc, ['workloads[1].name=api']) as Record<string, any>;
    expect(out['workloads']).toEqual([{ name: 'web', vcpus: 1 }, { name: 'api' }]);
  });

  it('rejects malformed sets', () => {
    for (const bad of ['novalue', '=5', 'a..b=1', '.a=1', 'a[x]=1']) {
      expect(() => applySets(doc, [bad])).toThrow(`--set: expected key=value, got "${bad}"`);
    }
    expect(() => applySets(doc, ['workloads[5].vcpus=2'])).toThrow(/--set: workloads\[5\]: index 5 is out of range/);
    expect(() => applySets(doc, ['engine.name.x=1'])).toThrow(/--set: engine\.name\.x: cannot set a key inside engine\.name/);
  });
});

describe('valid scenarios', () => {
  it('resolves a minimal scenario with every default', () => {
    const s = parseScenarioText(MINIMAL, FILE);
    expect(s.name).toBe('min');
    expect(s.description).toBe('');
    expect(s.file).toBe(FILE);
    expect(s.seed).toBe(1);
    expect(s.duration).toBe(3_600_000_000);
    expect(s.engine).toEqual({
      name: 'albatross',
      variant: 'faithful',
      config: {
        poll_interval: 300_000_000, // 5m
        scale_up_threshold_percent: 90,
        scale_up_trigger_ticks: 3,
        scale_down_threshold_percent: 40,
        scale_down_trigger_ticks: 5,
        cooldown_period: 600_000_000, // 600s
        death_timeout: 900_000_000, // 900s
      },
      options: { microsecond_cpu: false, round_evaluation: false, exclude_booting: false, silence_is_death: false, require_primary_record: false, primary_death: 'orphan', scale_down_victim: 'first', enforce_limits: false },
    });
    expect(s.world).toEqual({
      stats_interval: 10_000_000,
      hosts: [{ name: 'host', arch: 'x86_64', threads: 16, memory_bytes: 64 * 1024 ** 3 }],
      boot: { latency: { dist: 'lognormal', median: 20_000, p99: 60_000 }, failure_probability: 0 },
      placement_latency: 1_000,
      stop_latency: 5_000,
      measurement_noise: 0,
    });
    expect(s.workloads).toEqual([
      {
        name: 'web',
        user: 'scalelab',
        arch: 'x86_64',
        vcpus: 1,
        memory_bytes: 268_435_456,
        block_devices: false,
        max_instances: null,
        min_instances: 1,
        load: { kind: 'synthetic', synthetic: { base: 0.5, diurnal: null, ar1: null, bursts: null, steps: [], ramps: [] } },
      },
    ]);
    expect(s.faults).toEqual([]);
    expect(s.slo).toEqual({ utilisation_target: 1 });
    expect(s.metrics).toEqual({ flip_flop_window: 600_000_000, elasticity_grid: 10_000_000 });
    expect(s.output).toEqual({ timeseries: true, timeseries_step: 60_000_000, events: true, report: true, chart_groups: 8, groups: 'all', max_bytes: 1024 ** 3 });
  });

  it('resolves a full scenario', () => {
    const text = `name: full.scenario_1
description: "all keys"
seed: 42
duration: 1d
engine:
  name: albatross
  variant: corrected
  config: { scale_up_threshold_percent: 85, cooldown_period: 300, death_timeout: 1h 30m }
  options: { primary_death: orphan, exclude_booting: false }
world:
  stats_interval: 5s
  placement_latency: 2ms
  stop_latency: 0
  measurement_noise: 0.02
  boot:
    latency: { uniform: [10ms, 30ms] }
    failure_probability: 0.01
  hosts:
    - { name: big, count: 3, threads: 32, memory: 128GiB }
    - { name: arm, arch: aarch64, threads: 8, memory: 16000MB }
workloads:
  - name: web
    count: 2
    user: alice
    vcpus: 2
    memory: 1GiB
    block_devices: false
    max_instances: 8
    min_instances: 2
    load:
      base: 0.6
      diurnal: { amplitude: 0.5, period: 12h, phase: 1.5 }
      ar1: { coefficient: 0.9, sigma: 0.05 }
      bursts: { rate_per_hour: 2, height: 1.0, duration: 5m }
      steps: [ { at: 6h, delta: 0.5 } ]
      ramps: [ { from: 8h, to: 9h, delta: -1.0 } ]
  - name: batch
    arch: aarch64
    load: { base: 1, diurnal: { amplitude: 0.2 } }
faults:
  - { at: 14h, kill_primary: web-2, restart_after: 2m }
  - { at: 1d, kill_primary: batch }
slo: { utilisation_target: 0.8 }
metrics: { flip_flop_window: 15m, elasticity_grid: 30s }
output: { timeseries: false, timeseries_step: 5m, events: false, report: true, chart_groups: 0, groups: none, max_bytes: 200MiB }
`;
    const s = parseScenarioText(text, FILE);
    expect(s.name).toBe('full.scenario_1');
    expect(s.description).toBe('all keys');
    expect(s.seed).toBe(42);
    expect(s.duration).toBe(86_400_000_000);
    expect(s.engine.variant).toBe('corrected');
    expect(s.engine.config['scale_up_threshold_percent']).toBe(85);
    expect(s.engine.config['cooldown_period']).toBe(300_000_000); // plain number = seconds
    expect(s.engine.config['death_timeout']).toBe(5_400_000_000); // 1h 30m
    expect(s.engine.config['scale_down_threshold_percent']).toBe(40); // default
    // corrected preset, with primary_death and exclude_booting overridden
    expect(s.engine.options).toEqual({ microsecond_cpu: true, round_evaluation: true, exclude_booting: false, silence_is_death: true, require_primary_record: true, primary_death: 'orphan', scale_down_victim: 'highest_id', enforce_limits: true });
    expect(s.world.stats_interval).toBe(5_000_000);
    expect(s.world.placement_latency).toBe(2_000);
    expect(s.world.stop_latency).toBe(0);
    expect(s.world.measurement_noise).toBe(0.02);
    expect(s.world.boot).toEqual({ latency: { dist: 'uniform', min: 10_000, max: 30_000 }, failure_probability: 0.01 });
    expect(s.world.hosts).toEqual([
      { name: 'big-1', arch: 'x86_64', threads: 32, memory_bytes: 137_438_953_472 },
      { name: 'big-2', arch: 'x86_64', threads: 32, memory_bytes: 137_438_953_472 },
      { name: 'big-3', arch: 'x86_64', threads: 32, memory_bytes: 137_438_953_472 },
      { name: 'arm', arch: 'aarch64', threads: 8, memory_bytes: 16_000_000_000 },
    ]);
    expect(s.workloads.map((w) => w.name)).toEqual(['web-1', 'web-2', 'batch']);
    const web = s.workloads[1]!;
    expect(web).toMatchObject({ user: 'alice', arch: 'x86_64', vcpus: 2, memory_bytes: 1_073_741_824, block_devices: false, max_instances: 8, min_instances: 2 });
    expect(web.load).toEqual({
      kind: 'synthetic',
      synthetic: {
        base: 0.6,
        diurnal: { amplitude: 0.5, period: 43_200_000_000, phase: 1.5 },
        ar1: { coefficient: 0.9, sigma: 0.05 },
        bursts: { rate_per_hour: 2, height: 1, duration: 300_000_000 },
        steps: [{ at: 21_600_000_000, delta: 0.5 }],
        ramps: [{ from: 28_800_000_000, to: 32_400_000_000, delta: -1 }],
      },
    });
    expect(s.workloads[2]!.load).toMatchObject({ synthetic: { diurnal: { amplitude: 0.2, period: 86_400_000_000, phase: 0 } } });
    expect(s.faults).toEqual([
      { at: 50_400_000_000, kill_primary: 'web-2', restart_after: 120_000_000 },
      { at: 86_400_000_000, kill_primary: 'batch', restart_after: null },
    ]);
    expect(s.slo.utilisation_target).toBe(0.8);
    expect(s.metrics).toEqual({ flip_flop_window: 900_000_000, elasticity_grid: 30_000_000 });
    expect(s.output).toEqual({ timeseries: false, timeseries_step: 300_000_000, events: false, report: true, chart_groups: 0, groups: 'none', max_bytes: 200 * 1024 ** 2 });
  });

  it('rounds the default timeseries step up to a multiple of the stats interval', () => {
    const at7s = parseScenarioText(MINIMAL + 'metrics: {}\n', FILE, { sets: ['world.stats_interval=7s'] });
    expect(at7s.output.timeseries_step).toBe(63_000_000); // ceil(60 / 7) = 9 intervals
    expect(at7s.metrics.elasticity_grid).toBe(7_000_000);
    const at2m = parseScenarioText(MINIMAL, FILE, { sets: ['world.stats_interval=2m'] });
    expect(at2m.output.timeseries_step).toBe(120_000_000);
  });

  it('reads boot latency forms', () => {
    const latency = (value: string) => parseScenarioText(MINIMAL, FILE, { sets: [`world.boot.latency=${value}`] }).world.boot.latency;
    expect(latency('20ms')).toEqual({ dist: 'fixed', value: 20_000 });
    expect(latency('{fixed: 1s}')).toEqual({ dist: 'fixed', value: 1_000_000 });
    expect(latency('{lognormal: {median: 20ms, p99: 80ms}}')).toEqual({ dist: 'lognormal', median: 20_000, p99: 80_000 });
  });

  it('applies --set and the seed option', () => {
    const s = parseScenarioText(MINIMAL + 'seed: 5\n', FILE, { sets: ['engine.variant=corrected', 'workloads.0.vcpus=2', 'engine.config.scale_up_threshold_percent=85'], seed: 9 });
    expect(s.seed).toBe(9);
    expect(s.engine.variant).toBe('corrected');
    expect(s.engine.options['enforce_limits']).toBe(true);
    expect(s.engine.config['scale_up_threshold_percent']).toBe(85);
    expect(s.workloads[0]!.vcpus).toBe(2);
    expect(parseScenarioText(MINIMAL + 'seed: 5\n', FILE).seed).toBe(5);
  });

  describe('uniform draws', () => {
    const text = `name: many
duration: 1h
engine: { name: albatross }
world:
  hosts: [ { name: h, threads: 4, memory: 8GiB } ]
workloads:
  - name: g
    count: 3
    load:
      base: { uniform: [0.2, 0.8] }
      diurnal: { amplitude: 0.3, phase: { uniform: [0, 6.28] } }
`;
    const bases = (seed?: number) => parseScenarioText(text, FILE, seed === undefined ? {} : { seed }).workloads.map((w) => (w.load.kind === 'synthetic' ? w.load.synthetic.base : NaN));

    it('draws within bounds, per copy, deterministically', () => {
      const s = parseScenarioText(text, FILE, { seed: 42 });
      expect(s.workloads.map((w) => w.name)).toEqual(['g-1', 'g-2', 'g-3']);
      for (const w of s.workloads) {
        if (w.load.kind !== 'synthetic') throw new Error('synthetic expected');
        expect(w.load.synthetic.base).toBeGreaterThanOrEqual(0.2);
        expect(w.load.synthetic.base).toBeLessThanOrEqual(0.8);
        expect(w.load.synthetic.diurnal!.phase).toBeGreaterThanOrEqual(0);
        expect(w.load.synthetic.diurnal!.phase).toBeLessThanOrEqual(6.28);
        expect(w.load.synthetic.diurnal!.amplitude).toBe(0.3);
      }
      const b = bases(42);
      expect(new Set(b).size).toBe(3);
      expect(bases(42)).toEqual(b);
      expect(bases(43)).not.toEqual(b);
      // the documented stream: (seed, 'scenario:<copy>:<field path>')
      expect(b[1]).toBe(stream(42, 'scenario:g-2:load.base').uniform(0.2, 0.8));
    });

    it('uses the scenario seed, default 1', () => {
      expect(bases()).toEqual(bases(1));
    });

    it('rejects lo above hi', () => {
      const err = errorOf(text.replace('[0.2, 0.8]', '[0.8, 0.2]'));
      expectAt(err, 10, 'workloads[0].load.base.uniform', /lo 0.8 is above hi 0.2/);
    });

    it('checks each bound against the field range', () => {
      const err = errorOf(text.replace('[0.2, 0.8]', '[-0.2, 0.8]'));
      expectAt(err, 10, 'workloads[0].load.base.uniform[0]', /must be >= 0, got -0.2/);
    });
  });

  describe('trace loads', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'scalelab-scenario-'));
      mkdirSync(join(dir, 'scenarios'));
      mkdirSync(join(dir, 'traces'));
      writeFileSync(join(dir, 'traces', 'web.csv'), 'time,workload,demand_cores\n0,web,1\n');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const traceText = (file: string) => MINIMAL.replace('      base: 0.5\n', `      trace: { file: ${file}, scale: 2 }\n`).replace('  - name: web\n', '  - name: web\n    count: 2\n');

    it('resolves the file against the scenario directory; series defaults to the copy name', () => {
      const path = join(dir, 'scenarios', 'trace.yaml');
      writeFileSync(path, traceText('../traces/web.csv'));
      const s = loadScenario(path, { allowOutside: true }); // traces/ beside scenarios/ in a temp dir, outside the working directory
      expect(s.file).toBe(path);
      expect(s.workloads.map((w) => w.load)).toEqual([
        { kind: 'trace', trace: { file: join(dir, 'traces', 'web.csv'), series: 'web-1', scale: 2 } },
        { kind: 'trace', trace: { file: join(dir, 'traces', 'web.csv'), series: 'web-2', scale: 2 } },
      ]);
    });

    it('fails on a missing trace file, naming the key', () => {
      const err = errorOf(traceText('../traces/nope.csv'), {}, join(dir, 'scenarios', 'trace.yaml'));
      expect(err.key).toBe('workloads[0].load.trace.file');
      expect(err.line).toBe(14);
      expect(err.detail).toBe(`trace file not found: ${join(dir, 'traces', 'nope.csv')}`);
    });

    it('rejects synthetic keys next to trace', () => {
      const err = errorOf(MINIMAL.replace('      base: 0.5\n', '      trace: { file: x.csv }\n      base: 1\n'));
      expectAt(err, 14, 'workloads[0].load.base', /unknown key; expected one of: trace/);
    });
  });
});

describe('bad input', () => {
  it('missing file', () => {
    expect(() => loadScenario('/nonexistent/dir/scenario.yaml')).toThrow(new InputError('scenario file not found', { file: '/nonexistent/dir/scenario.yaml' }));
    expect(() => loadScenario('/nonexistent/dir/scenario.yaml')).toThrow('/nonexistent/dir/scenario.yaml: scenario file not found');
  });

  it('malformed YAML', () => {
    const err = errorOf('name: x\nduration: 1h\nengine:\n  name: [albatross\nworld: {}\n');
    expect(err.file).toBe(FILE);
    expect(err.line).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(new RegExp(`^${FILE}:\\d+: invalid YAML: `));
    expect(err.message).not.toContain('\n');
    const tab = errorOf('name: x\nengine:\n\tname: albatross\n');
    expect(tab.line).toBe(3);
  });

  it('duplicate keys are malformed YAML', () => {
    const err = errorOf(MINIMAL + 'name: again\n');
    expect(err.message).toMatch(/invalid YAML/);
    expect(err.line).toBe(14);
  });

  it('empty document', () => {
    expect(errorOf('').message).toBe(`${FILE}:1: must be a mapping, got nothing`);
  });

  it('unknown top-level key', () => {
    expectAt(errorOf(MINIMAL + 'colour: blue\n'), 14, 'colour', /^unknown key; expected one of: name, description, seed, duration, engine, world, workloads, faults, slo, metrics, output(, cluster)?, sweep$/);
  });

  it('unknown nested key', () => {
    expectAt(errorOf(MINIMAL.replace('      threads: 16\n', '      threads: 16\n      cores: 4\n')), 9, 'world.hosts[0].cores', /^unknown key; expected one of: name, count, arch, threads, memory$/);
  });

  it('unknown engine config key', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  config:\n    scale_up_threshold: 80\n');
    expectAt(errorOf(text), 6, 'engine.config.scale_up_threshold', /^unknown key; expected one of: poll_interval, scale_up_threshold_percent, .*death_timeout$/);
  });

  it('wrong type', () => {
    expectAt(errorOf(MINIMAL.replace('threads: 16', 'threads: many')), 8, 'world.hosts[0].threads', /^must be an integer, got "many"$/);
    expectAt(errorOf(MINIMAL.replace('base: 0.5', 'base: high')), 13, 'workloads[0].load.base', /^must be a number, got "high"$/);
    expectAt(errorOf(MINIMAL.replace('duration: 1h', 'duration: true')), 2, 'duration', /^must be a duration such as/);
    expectAt(errorOf(MINIMAL.replace('duration: 1h', 'duration: 2fortnights')), 2, 'duration', /unknown unit "fortnights"/);
    expectAt(errorOf(MINIMAL.replace('memory: 64GiB', 'memory: 64 gigs')), 9, 'world.hosts[0].memory', /unknown unit "gigs"/);
  });

  it('missing required key', () => {
    expectAt(errorOf(MINIMAL.replace('      threads: 16\n', '')), 7, 'world.hosts[0].threads', /^required key is missing$/);
    expectAt(errorOf(MINIMAL.replace('duration: 1h\n', '')), 1, 'duration', /^required key is missing$/);
  });

  it('negative threshold', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  config:\n    scale_up_threshold_percent: -5\n');
    expectAt(errorOf(text), 6, 'engine.config.scale_up_threshold_percent', /^must be >= 0, got -5$/);
  });

  it('negative engine duration', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  config: { cooldown_period: -60 }\n');
    expectAt(errorOf(text), 5, 'engine.config.cooldown_period', /^must not be negative, got -60$/);
  });

  it('down threshold above up threshold (descriptor check)', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  config:\n    scale_up_threshold_percent: 50\n    scale_down_threshold_percent: 60\n');
    expectAt(errorOf(text), 7, 'engine.config.scale_down_threshold_percent', /^down threshold 60 is above the up threshold 50$/);
    // the down threshold comes from its default (40): reported at engine.config
    const up30 = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  config:\n    scale_up_threshold_percent: 30\n');
    expectAt(errorOf(up30), 5, 'engine.config.scale_down_threshold_percent', /down threshold 40 is above the up threshold 30/);
  });

  it('zero stats_interval', () => {
    const text = MINIMAL.replace('world:\n', 'world:\n  stats_interval: 0s\n');
    expectAt(errorOf(text), 6, 'world.stats_interval', /^must be a duration longer than 0, got "0s"$/);
  });

  it('unknown engine', () => {
    expectAt(errorOf(MINIMAL.replace('name: albatross', 'name: kubernetes')), 4, 'engine.name', /^unknown engine "kubernetes"; expected one of: albatross, hpa, incus, neon, kraftcloud, replica$/);
  });

  it('unknown variant', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  variant: improved\n');
    expectAt(errorOf(text), 5, 'engine.variant', /^unknown variant of engine albatross "improved"; expected one of: faithful, corrected$/);
  });

  it('unknown option and bad option value', () => {
    const text = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  options:\n    turbo: true\n');
    expectAt(errorOf(text), 6, 'engine.options.turbo', /^unknown key; expected one of: microsecond_cpu, .*enforce_limits$/);
    const bad = MINIMAL.replace('  name: albatross\n', '  name: albatross\n  options: { primary_death: explode }\n');
    expectAt(errorOf(bad), 5, 'engine.options.primary_death', /unknown value for primary_death "explode"; expected one of: orphan, destroy, promote/);
  });

  it('kill_primary naming a missing workload', () => {
    const text = MINIMAL.replace('  - name: web\n', '  - name: web\n    count: 2\n') + 'faults:\n  - at: 1m\n    kill_primary: web\n';
    expectAt(errorOf(text), 17, 'faults[0].kill_primary', /^no workload named "web" \(workloads: web-1, web-2\)$/);
  });

  it('fault after the end of the run', () => {
    expectAt(errorOf(MINIMAL + 'faults: [ { at: 2h, kill_primary: web } ]\n'), 14, 'faults[0].at', /must be within the run \(0 to 1h\)/);
  });

  it('boot latency checks', () => {
    const set = (v: string) => errorOf(MINIMAL, { sets: [`world.boot.latency=${v}`] });
    expectAt(set('{uniform: [30ms, 10ms]}'), '--set', 'world.boot.latency.uniform', /min 30ms is above max 10ms/);
    expectAt(set('{lognormal: {median: 20ms, p99: 10ms}}'), '--set', 'world.boot.latency.lognormal.p99', /below the median/);
    expectAt(set('{lognormal: {median: 0s, p99: 10ms}}'), '--set', 'world.boot.latency.lognormal.median', /longer than 0/);
    expectAt(set('{fixed: 1s, uniform: [1s, 2s]}'), '--set', 'world.boot.latency', /exactly one of fixed, uniform, lognormal/);
  });

  it('workload checks', () => {
    expectAt(errorOf(MINIMAL.replace('  - name: web\n', '  - name: web\n    arch: riscv64\n')), 12, 'workloads[0].arch', /no host has arch "riscv64" \(host arches: x86_64\)/);
    expectAt(errorOf(MINIMAL.replace('  - name: web\n', '  - name: web\n    max_instances: 2\n    min_instances: 3\n')), 13, 'workloads[0].min_instances', /min_instances 3 is above max_instances 2/);
    expectAt(errorOf(MINIMAL.replace('  - name: web\n', '  - name: web_1\n')), 11, 'workloads[0].name', /^must be 1 to 63 letters, digits, - or \. \(.*load\.trace\.series or series_pattern\), got "web_1"$/);
    expectAt(errorOf(MINIMAL + '  - { name: web, load: { base: 1 } }\n'), 14, 'workloads[1].name', /duplicate workload name "web"/);
    expectAt(errorOf(MINIMAL.replace('  - name: web\n', '  - name: web\n    count: 0\n')), 12, 'workloads[0].count', /must be >= 1, got 0/);
  });

  it('metrics and output steps must be multiples of the stats interval', () => {
    expectAt(errorOf(MINIMAL + 'metrics: { elasticity_grid: 15s }\n'), 14, 'metrics.elasticity_grid', /must be a positive multiple of world.stats_interval \(10s\), got 15s/);
    expectAt(errorOf(MINIMAL + 'output:\n  timeseries_step: 45s\n'), 15, 'output.timeseries_step', /multiple of world.stats_interval/);
  });

  it('malformed --set', () => {
    expect(() => parseScenarioText(MINIMAL, FILE, { sets: ['vcpus'] })).toThrow(new InputError('expected key=value, got "vcpus"', { file: '--set' }));
    expect(errorOf(MINIMAL, { sets: ['vcpus'] }).message).toBe('--set: expected key=value, got "vcpus"');
  });

  it('errors in values written by --set are located at --set', () => {
    expectAt(errorOf(MINIMAL, { sets: ['workloads[0].vcpus=-1'] }), '--set', 'workloads[0].vcpus', /must be >= 1, got -1/);
    expectAt(errorOf(MINIMAL, { sets: ['engine.config.bogus=1'] }), '--set', 'engine.config.bogus', /unknown key/);
    expectAt(errorOf(MINIMAL, { sets: ['workloads[1].vcpus=2'] }), '--set', 'workloads[1].name', /required key is missing/);
    expectAt(errorOf(MINIMAL, { sets: ['engine.config.scale_down_threshold_percent=95'] }), '--set', 'engine.config.scale_down_threshold_percent', /above the up threshold 90/);
  });

  it('reports the first problem in file order', () => {
    const text = MINIMAL.replace('duration: 1h', 'duration: [1h]').replace('base: 0.5', 'base: -1');
    expectAt(errorOf(text), 2, 'duration', /must be a duration/);
  });
});

describe('error ordering', () => {
  it('reports a misspelled key rather than the required key it leaves missing', () => {
    expectAt(errorOf(MINIMAL.replace('base: 0.5', 'basis: 0.5')), 13, 'workloads[0].load.basis', /^unknown key; expected one of: base, diurnal, ar1, bursts, steps, ramps$/);
  });
});

describe('docs/SCENARIOS.md', () => {
  it('the complete example loads', () => {
    const doc = readFileSync(new URL('../docs/SCENARIOS.md', import.meta.url), 'utf8');
    const example = /## Complete example\s+```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'scalelab-docs-'));
    try {
      mkdirSync(join(dir, 'scenarios'));
      mkdirSync(join(dir, 'traces'));
      writeFileSync(join(dir, 'traces', 'batch.csv'), 'time,workload,demand_cores\n0,batch,1\n');
      const s = parseScenarioText(example!, join(dir, 'scenarios', 'example.yaml'), { allowOutside: true }); // the temp dir is outside the working directory
      expect(s.workloads.map((w) => w.name)).toEqual(['web-1', 'web-2', 'batch']);
      expect(s.world.hosts.map((h) => h.name)).toEqual(['node-1', 'node-2', 'node-3']);
      expect(s.engine.options['primary_death']).toBe('promote');
      expect(s.workloads[2]!.load).toEqual({ kind: 'trace', trace: { file: join(dir, 'traces', 'batch.csv'), series: 'batch', scale: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trace replay options', () => {
  it('resolves shift, start_at, speedup, loop and refuses two series selectors', async () => {
    const { parseScenarioText } = await import('../src/scenario/load.js');
    const base = (trace: string) => `name: t
duration: 1h
engine: { name: albatross }
world: { hosts: [ { name: h, threads: 4, memory: 8GiB } ] }
workloads:
  - name: web
    load: { trace: { file: ../traces/albatross-small.csv, ${trace} } }
`;
    const file = 'scenarios/inline.yaml';
    const s = parseScenarioText(base('series: "alice:web", shift: 5m, start_at: 1m, speedup: 2, loop: true'), file);
    const load = s.workloads[0]!.load;
    expect(load.kind).toBe('trace');
    if (load.kind !== 'trace') return;
    // shift − start_at = 5 min − 1 min = 4 min = 240 000 000 µs
    expect(load.trace.shift).toBe(240_000_000);
    expect(load.trace.speedup).toBe(2);
    expect(load.trace.loop).toBe(true);
    expect(() => parseScenarioText(base('series: "alice:web", pattern: "alice:*"'), file)).toThrow(/choose one of series, pattern, sum and series_pattern/);
  });
});
