#!/usr/bin/env node
/**
 * Generates test/corpus/cases.jsonl: bad inputs for every command, as a hostile or careless user
 * would type them (issue 9). Each case is one JSON line:
 *
 *   { "id": "run-duration-1e15", "args": ["run", "s.yaml", "--out", "out"],
 *     "files": { "s.yaml": "…" }, "code": 2, "mentions": ["s.yaml:2", "duration"] }
 *
 * - `files`: text files written into an empty temporary folder (the case's working directory),
 *   each a string or `{prefix, repeat, times, suffix}` for a large generated one;
 *   `binary`: files given in base64; `dirs`: empty folders; `links`: symlinks (name → target);
 * - `stdin`: text fed to the command (otherwise stdin is empty);
 * - `code`: the exit status expected (2: bad input); `mentions`: strings the one error line must
 *   contain (the file and line, or the key, the message must name).
 *
 * test/corpus/runner.mjs runs them all (per-case timeout and memory limit) and fails on a stack
 * trace, an exit status other than `code`, more than one line, a hang, or a file left behind or
 * changed. Add cases here and run `node test/corpus/generate.mjs` to rewrite cases.jsonl
 * (test/corpus.test.ts checks that the committed file is what this script writes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const cases = [];
const ids = new Set();

/** Add one case. */
function add(id, args, { files = {}, binary, dirs, links, stdin, code = 2, mentions = [] } = {}) {
  if (ids.has(id)) throw new Error(`duplicate case id ${id}`);
  ids.add(id);
  const c = { id, args, files };
  if (binary) c.binary = binary;
  if (dirs) c.dirs = dirs;
  if (links) c.links = links;
  if (stdin !== undefined) c.stdin = stdin;
  c.code = code;
  c.mentions = mentions;
  cases.push(c);
}

/** Generated content for a large file or stdin: `prefix`, `repeat` × `times`, `suffix` (kept small in cases.jsonl). */
function big(prefix, repeat, times, suffix = '') {
  return { prefix, repeat, times, suffix };
}

// ------------------------------------------------------------------ scenarios

/** A small valid albatross scenario (1 h, one host, one workload). */
function baseScenario() {
  return {
    name: 'tiny',
    seed: 1,
    duration: '1h',
    engine: { name: 'albatross', variant: 'faithful', config: { scale_up_threshold_percent: 90, cooldown_period: '600s' } },
    world: { stats_interval: '10s', hosts: [{ name: 'host', threads: 8, memory: '16GiB' }] },
    workloads: [{ name: 'web', vcpus: 1, memory: '256MiB', max_instances: 4, min_instances: 1, load: { base: 0.8, ar1: { coefficient: 0.9, sigma: 0.05 } } }],
    faults: [{ at: '30m', kill_primary: 'web' }],
    slo: { utilisation_target: 0.8 },
    metrics: { flip_flop_window: '10m' },
    output: { timeseries_step: '1m', chart_groups: 4 },
  };
}

/** Parse `a.b[0].c` into segments. */
function segments(key) {
  return key.split(/\.|(?=\[)/).map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s));
}

/** A copy of the base scenario with `key` set to `value` (`undefined` deletes it). */
function scenarioWith(key, value) {
  const doc = baseScenario();
  const path_ = segments(key);
  let node = doc;
  for (const seg of path_.slice(0, -1)) {
    if (node[seg] === undefined) node[seg] = {};
    node = node[seg];
  }
  const last = path_[path_.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return stringify(doc);
}

const LONG = 'x'.repeat(5000);
/** Scenario keys and bad values; the message must name the key. */
const SCENARIO_MUTATIONS = [
  ['duration', [1e15, '367d', '0s', 'abc', [1]]],
  ['seed', [-1, 1e300, 1.5, 'x', 2147483648]],
  ['name', ['..', '.', 'a/b', LONG, '', '.hidden', 'bad\u001b[31mname']],
  ['world.stats_interval', ['0s', 'x']],
  ['world.hosts', [[], 'x']],
  ['world.hosts[0].threads', [0, 'x']],
  ['world.hosts[0].memory', ['x', '1XB']],
  ['world.hosts[0].count', [0, 100000000]],
  ['world.boot', [{ failure_probability: 2 }, { failure_probability: -1 }]],
  ['world.measurement_noise', [-1, 'x']],
  ['workloads', [[], 'x']],
  ['workloads[0].name', ['', 'a'.repeat(70), 'bad name']],
  ['workloads[0].count', [0, 100000000]],
  ['workloads[0].vcpus', [0, 1000, 'x']],
  ['workloads[0].memory', ['64GiB', 'x']],
  ['workloads[0].min_instances', [100, -1]],
  ['workloads[0].max_instances', [-1, 'x']],
  ['workloads[0].load.base', [-1, { uniform: [2, 1] }]],
  ['workloads[0].load.ar1', [{ coefficient: 'x', sigma: 0.1 }, 'x']],
  ['workloads[0].load.diurnal', [{ amplitude: 'x' }]],
  ['engine.name', ['nope', 5]],
  ['engine.variant', ['nope']],
  ['engine.config.scale_up_threshold_percent', [500, 'x']],
  ['engine.config.cooldown_period', ['x']],
  ['engine.config.no_such_key', [1]],
  ['faults[0].at', ['2h', 'x']],
  ['faults[0].kill_primary', ['nobody']],
  ['slo.utilisation_target', [0, -1]],
  ['metrics.flip_flop_window', ['0s']],
  ['output.timeseries_step', ['7s']],
  ['output.chart_groups', [-1]],
  ['colour', ['blue']],
];

/** How a value appears in a case id. */
function idOf(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 12 ? `${text.slice(0, 8).replace(/[^A-Za-z0-9.-]/g, '_')}-${text.length}` : text.replace(/[^A-Za-z0-9.-]/g, '_') || 'empty';
}

/** The key as a message names it: `workloads[0].vcpus` (a list index stays). */
function keyOf(key) {
  return key === 'colour' ? 'colour' : key;
}

for (const [key, values] of SCENARIO_MUTATIONS) {
  values.forEach((value, i) => {
    const s = scenarioWith(key, value);
    add(`run-${key}-${i}-${idOf(value)}`, ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': s }, mentions: ['s.yaml', keyOf(key)] });
  });
}

// the same mistakes through the other commands that read a scenario
const OTHER_COMMANDS = [
  ['duration', 1e15],
  ['seed', -1],
  ['name', '..'],
  ['world.hosts[0].count', 100000000],
  ['workloads[0].count', 100000000],
  ['workloads[0].vcpus', 1000],
  ['workloads[0].min_instances', 100],
  ['engine.config.scale_up_threshold_percent', 500],
];
for (const [key, value] of OTHER_COMMANDS) {
  const files = { 's.yaml': scenarioWith(key, value) };
  const mentions = ['s.yaml', key];
  add(`sweep-${key}-${idOf(value)}`, ['sweep', 's.yaml', '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1', '--workers', '0', '--out', 'out', '-q'], { files, mentions });
  add(`check-${key}-${idOf(value)}`, ['check', 's.yaml', '--baseline', 'b.yaml', '--junit', 'j.xml', '-q'], { files, mentions });
  if (key === 'workloads[0].min_instances') add(`check-update-${key}-${idOf(value)}`, ['check', 's.yaml', '--baseline', 'new/b.yaml', '--update', '-q'], { files, mentions });
  add(`decide-${key}-${idOf(value)}`, ['decide', 'albatross', '--scenario', 's.yaml'], { files, mentions, stdin: '' });
}

// Unikraft Cloud (issue 11, item 9): step lists kraft cloud scale add refuses, scale-to-zero
// without ports, min above max, a bad requests: block. The message names the key and the step.
function kraftcloudScenario(config = {}, requests = { service_time: '2ms', concurrency: 1 }) {
  return stringify({
    name: 'kc',
    seed: 1,
    duration: '1m',
    engine: { name: 'kraftcloud', config: { min_size: 0, max_size: 8, policies: [{ name: 'out', metric: 'cpu', adjustment: 'percent', steps: ['600:800/50', '800:/100'] }], ...config } },
    world: { stats_interval: '1s', hosts: [{ name: 'host', threads: 8, memory: '16GiB' }] },
    workloads: [{ name: 'nginx', vcpus: 1, memory: '64MiB', requests, load: { base: 200 } }],
  });
}
const KRAFTCLOUD_CASES = [
  ['steps-gap', { policies: [{ name: 'out', steps: ['600:800/50', '900:/100'] }] }, ['engine.config.policies[0].steps[1] ("900:/100")', 'gap found between 800 and 900']],
  ['steps-lower-ge-upper', { policies: [{ name: 'out', steps: ['800:600/1'] }] }, ['engine.config.policies[0].steps[0] ("800:600/1")', '800 >= 600']],
  ['steps-none', { policies: [{ name: 'out', steps: [] }] }, ['engine.config.policies[0].steps', 'between 1 and 4 steps: got 0']],
  ['steps-five', { policies: [{ name: 'out', steps: [':10/1', '10:20/1', '20:30/1', '30:40/1', '40:/1'] }] }, ['engine.config.policies[0].steps', 'got 5']],
  ['steps-unparsable', { policies: [{ name: 'out', steps: ['600-800/50'] }] }, ['engine.config.policies[0].steps[0] ("600-800/50")', 'could not parse step']],
  ['steps-open-upper-early', { policies: [{ name: 'out', steps: ['0:10/1', '10:/2', '20:/3'] }] }, ['("10:/2")', 'upper bound cannot be empty']],
  // Go sorts the missing lower bound as 0, after -10: the step named is :0/1 (docs/engines/kraftcloud.md)
  ['steps-second-no-lower', { policies: [{ name: 'in', steps: [':0/1', '-10:0/2'] }] }, ['(":0/1")', 'lower bound cannot be empty']],
  ['adjustment-unknown', { policies: [{ name: 'out', adjustment: 'relative', steps: ['600:/50'] }] }, ['engine.config.policies[0].adjustment', 'percentage']],
  ['s2z-without-ports', { has_ports: false, scale_to_zero: { policy: 'on' } }, ['engine.config.scale_to_zero.policy', 'ports']],
  ['min-above-max', { min_size: 9 }, ['engine.config.min_size', 'above max_size 8']],
  ['warmup-below-10ms', { warmup_time: '5ms' }, ['engine.config.warmup_time', '10ms']],
];
for (const [id, config, mentions] of KRAFTCLOUD_CASES) {
  add(`kraftcloud-${id}`, ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': kraftcloudScenario(config) }, mentions: ['s.yaml:', ...mentions] });
}
add('kraftcloud-check-steps-gap', ['check', 's.yaml', '--baseline', 'b.yaml', '-q'], { files: { 's.yaml': kraftcloudScenario(KRAFTCLOUD_CASES[0][1]) }, mentions: ['s.yaml:', '("900:/100")'] });
add('kraftcloud-requests-concurrency-0', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': kraftcloudScenario({}, { service_time: '2ms', concurrency: 0 }) }, mentions: ['s.yaml:', 'workloads[0].requests.concurrency'] });
add('kraftcloud-requests-unknown-key', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': kraftcloudScenario({}, { service_time: '2ms', concurrency: 1, rate: 5 }) }, mentions: ['s.yaml:', 'workloads[0].requests.rate'] });
add('kraftcloud-requests-no-service-time', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': kraftcloudScenario({}, { concurrency: 1 }) }, mentions: ['s.yaml', 'workloads[0].requests.service_time'] });
// the HPA's structured configuration (metrics, behavior): one line naming the key
/** A small valid hpa scenario (1 h, one host, one workload) with `key` set to `value` (and each of `more`, [key, value] pairs). */
function hpaScenarioWith(key, value, more = []) {
  const doc = {
    name: 'tiny-hpa',
    seed: 1,
    duration: '1h',
    engine: {
      name: 'hpa',
      config: {
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    },
    world: { stats_interval: '10s', hosts: [{ name: 'host', threads: 8, memory: '16GiB' }] },
    workloads: [{ name: 'web', vcpus: 1, memory: '256MiB', load: { base: 0.8 } }],
  };
  for (const [k, v] of [[key, value], ...more]) {
    const path_ = segments(k);
    let node = doc;
    for (const seg of path_.slice(0, -1)) {
      if (node[seg] === undefined) node[seg] = {};
      node = node[seg];
    }
    node[path_[path_.length - 1]] = v;
  }
  return stringify(doc);
}
const HPA_MUTATIONS = [
  ['engine.config.behavior.scaleDown.selectPolicy', 'Most', 'engine.config.behavior.scaleDown.selectPolicy'],
  ['engine.config.behavior.scaleUp', { selectPolicy: 'max' }, 'engine.config.behavior.scaleUp.selectPolicy'],
  ['engine.config.behavior.scaleDown.policies[0].periodSeconds', 0, 'engine.config.behavior.scaleDown.policies[0].periodSeconds'],
  ['engine.config.behavior.scaleDown.policies[0].periodSeconds', -15, 'engine.config.behavior.scaleDown.policies[0].periodSeconds'],
  ['engine.config.behavior.scaleDown.policies[0].type', 'Cores', 'engine.config.behavior.scaleDown.policies[0].type'],
  ['engine.config.behavior.scaleDown.policies', [], 'engine.config.behavior.scaleDown.policies'],
  ['engine.config.behavior.scaleDown.stabilizationWindowSeconds', 7200, 'engine.config.behavior.scaleDown.stabilizationWindowSeconds'],
  ['engine.config.behavior', 'fast', 'engine.config.behavior'],
  ['engine.config.minReplicas', 5, 'engine.config.maxReplicas'],
  ['engine.config.maxReplicas', 0, 'engine.config.maxReplicas'],
  ['engine.config.metrics[0].resource.target.averageUtilization', 0, 'engine.config.metrics[0].resource.target.averageUtilization'],
  ['engine.config.metrics[0].resource.name', 'disk', 'engine.config.metrics[0].resource.name'],
  ['engine.config.podMemory.busyPercent', 2000, 'engine.config.podMemory.busyPercent'],
  ['engine.config.metrics', 'cpu', 'engine.config.metrics'],
  ['engine.config.controller.syncPeriod', '0s', 'engine.config.controller.syncPeriod'],
];
for (const [key, value, named] of HPA_MUTATIONS) {
  add(`run-hpa-${key}-${idOf(value)}`, ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': hpaScenarioWith(key, value) }, mentions: ['s.yaml', named] });
}
// the HPA's metric types on the world and scale to zero (request metrics, Object targets)
const REQUESTS = { name: 'web', vcpus: 1, memory: '256MiB', requests: { service_time: '10ms', concurrency: 1 }, load: { base: 50 } };
const external = (name, target) => ({ type: 'External', external: { metric: { name }, target } });
const HPA_METRIC_CASES = [
  // minReplicas 0 (scaleToZero on) with only a Resource metric: upstream validateMetrics wants an Object or External one
  ['s2z-cpu-only', [['engine.config.minReplicas', 0], ['engine.options', { scaleToZero: true }]], 'engine.config.minReplicas'],
  ['s2z-pods-only', [['engine.config.minReplicas', 0], ['engine.options', { scaleToZero: true }], ['engine.config.metrics', [{ type: 'Pods', pods: { metric: { name: 'queue_length' }, target: { type: 'AverageValue', averageValue: 5 } } }]], ['workloads', [REQUESTS]]], 'engine.config.minReplicas'],
  ['s2z-gate-off', [['engine.config.minReplicas', 0], ['engine.config.metrics', [external('queue_length', { type: 'Value', value: 10 })]], ['workloads', [REQUESTS]]], 'engine.config.minReplicas'],
  ['unknown-pods-metric', [['engine.config.metrics', [{ type: 'Pods', pods: { metric: { name: 'http_requests_total' }, target: { type: 'AverageValue', averageValue: 5 } } }]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].pods.metric.name'],
  ['unknown-external-metric', [['engine.config.metrics', [external('sqs_depth', { type: 'Value', value: 10 })]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].external.metric.name'],
  ['external-target-0', [['engine.config.metrics', [external('queue_length', { type: 'AverageValue', averageValue: 0 })]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].external.target.averageValue'],
  ['object-target-negative', [['engine.config.metrics', [{ type: 'Object', object: { describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'requests_per_second' }, target: { type: 'Value', value: '-2' } } }]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].object.target.value'],
  ['object-no-kind', [['engine.config.metrics', [{ type: 'Object', object: { describedObject: { name: 'web' }, metric: { name: 'requests_per_second' }, target: { type: 'Value', value: 10 } } }]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].object.describedObject.kind'],
  ['pods-target-utilization', [['engine.config.metrics', [{ type: 'Pods', pods: { metric: { name: 'queue_length' }, target: { type: 'Utilization', averageUtilization: 50 } } }]], ['workloads', [REQUESTS]]], 'engine.config.metrics[0].pods.target.type'],
  ['request-metric-on-cores', [['engine.config.metrics', [external('requests_per_second', { type: 'Value', value: 100 })]]], 'engine.config.metrics[0].external.metric.name'],
];
for (const [id, pairs, named] of HPA_METRIC_CASES) {
  const [[key, value], ...more] = pairs;
  add(`run-hpa-${id}`, ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': hpaScenarioWith(key, value, more) }, mentions: ['s.yaml:', named] });
}

// YAML that does not parse, or is not a mapping
const BROKEN_YAML = {
  tab: 'name: x\n\tduration: 1h\n',
  'unclosed-quote': 'name: "x\nduration: 1h\n',
  'unclosed-flow': 'name: x\nworld: { hosts: [ {name: h\n',
  'duplicate-key': stringify(baseScenario()) + 'name: again\n',
  'top-list': '- a\n- b\n',
  'top-scalar': 'just text\n',
  empty: '',
  'only-comments': '# nothing\n# here\n',
  'bad-indent': 'name: x\n  duration: 1h\n duration: 2h\n',
  'alias-bomb': 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nname: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n',
  'unknown-alias': 'name: *nope\n',
  'control-bytes': 'name: x\u0007\u001b[2J\r\nduration: 1h\n',
  'binary-junk': '\u0000\u0001\u0002\u00ff\u00fe garbage \u0000',
  'bom-junk': '\ufeff{{{{',
  'deep-nesting': `${'['.repeat(5000)}${']'.repeat(5000)}\n`,
  'document-separator': `${stringify(baseScenario())}---\nname: second\n`,
  'huge-number': 'name: x\nduration: 1h\nseed: 99999999999999999999999999999\n',
};
for (const [id, text] of Object.entries(BROKEN_YAML)) {
  add(`yaml-${id}`, ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': text }, mentions: ['s.yaml'] });
}
add('yaml-long-line', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': big('name: x\ndescription: ', 'd', 2 * 1024 * 1024, '\n') }, mentions: ['s.yaml:2', 'longer than'] });
add('yaml-too-large', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': big('name: x\n', '# padding padding padding padding\n', 150_000) }, mentions: ['s.yaml', 'MiB'] });

// the scenario file itself
add('scenario-missing', ['run', 'nope.yaml', '--out', 'out'], { mentions: ['nope.yaml'] });
add('scenario-is-dir', ['run', 'd', '--out', 'out'], { dirs: ['d'], mentions: ['d:', 'directory'] });
add('scenario-dev-zero', ['run', '/dev/zero', '--out', 'out'], { mentions: ['/dev/zero'] });
add('scenario-dev-urandom', ['run', '/dev/urandom', '--out', 'out'], { mentions: ['/dev/urandom'] });
add('scenario-dev-null', ['run', '/dev/null', '--out', 'out'], { mentions: ['/dev/null'] });
add('scenario-proc', ['run', '/proc/self/mem', '--out', 'out'], { mentions: ['/proc/self/mem'] });
add('scenario-dangling-link', ['run', 'l.yaml', '--out', 'out'], { links: { 'l.yaml': 'gone.yaml' }, mentions: ['l.yaml'] });

// ------------------------------------------------------------------ run outputs
const good = stringify(baseScenario());
add('out-proc', ['run', 's.yaml', '--out', '/proc/self/x'], { files: { 's.yaml': good }, mentions: ['/proc'] });
add('out-sys', ['run', 's.yaml', '--out', '/sys/kernel/x'], { files: { 's.yaml': good }, mentions: ['/sys'] });
add('out-dev', ['run', 's.yaml', '--out', '/dev/x'], { files: { 's.yaml': good }, mentions: ['/dev'] });
add('out-is-file', ['run', 's.yaml', '--out', 'f'], { files: { 's.yaml': good, f: 'keep me\n' }, mentions: ['--out', 'not a directory'] });
add('out-under-file', ['run', 's.yaml', '--out', 'f/sub'], { files: { 's.yaml': good, f: 'keep me\n' }, mentions: ['--out', 'not a directory'] });
add('out-is-input', ['run', 'summary.json', '--out', '.'], { files: { 'summary.json': good.replace('name: tiny', 'name: tiny') }, mentions: ['--out', 'summary.json'] });
add('out-dotdot-bad-scenario', ['run', 's.yaml', '--out', 'nonexist/../keepme/out'], { files: { 's.yaml': scenarioWith('workloads[0].vcpus', 1000) }, dirs: ['keepme'], mentions: ['workloads[0]'] });
add('run-bad-seed-flag', ['run', 's.yaml', '--seed', '-1', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['-1'] });
add('run-huge-seed-flag', ['run', 's.yaml', '--seed', '99999999999', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['--seed', '2147483647'] });
add('run-bad-set', ['run', 's.yaml', '--set', 'duration', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['--set'] });
add('run-set-bad-key', ['run', 's.yaml', '--set', 'nope.x=1', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['--set', 'nope'] });
add('run-set-name-dotdot', ['run', 's.yaml', '--set', 'name=..'], { files: { 's.yaml': good }, mentions: ['--set', 'name'] });
add('run-set-duration-huge', ['run', 's.yaml', '--set', 'duration=400d', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['--set', 'duration', '366d'] });
add('run-set-duration-overflow', ['run', 's.yaml', '--set', 'duration=1000000d', '--out', 'out'], { files: { 's.yaml': good }, mentions: ['--set', 'duration', 'too large'] });
add('run-unknown-option', ['run', 's.yaml', '--colour'], { files: { 's.yaml': good }, mentions: ['--colour'] });
add('run-no-scenario', ['run'], { mentions: ['scenario'] });
add('unknown-command', ['nope'], { mentions: ['nope'] });

// trace loads in scenarios
const TRACE = 'time_s,series,cpu_cores\n0,web,0.5\n10,web,0.6\n20,web,0.7\n';
function traceScenario(file, extra = {}) {
  const doc = baseScenario();
  doc.workloads[0].load = { trace: { file, ...extra } };
  delete doc.faults;
  return stringify(doc);
}
add('trace-load-outside', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('../../../../../../etc/passwd') }, mentions: ['s.yaml', 'trace.file', '--allow-outside'] });
add('trace-load-outside-abs', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('/etc/hostname') }, mentions: ['trace.file', '--allow-outside'] });
add('trace-load-link-outside', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv') }, links: { 't.csv': '/etc/passwd' }, mentions: ['trace.file', '--allow-outside'] });
add('trace-load-missing', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('nope.csv') }, mentions: ['trace.file', 'nope.csv'] });
add('trace-load-dir', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('d') }, dirs: ['d'], mentions: ['trace.file'] });
add('trace-load-unknown-series', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv', { series: 'db' }), 't.csv': TRACE }, mentions: ['t.csv', 'db'] });
add('trace-load-bad-row', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv'), 't.csv': `${TRACE}30,web,lots\n` }, mentions: ['t.csv:5', 'cpu_cores'] });
// loop: true, so no warning that the trace ends before the run comes first
add('trace-load-backwards', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv', { loop: true }), 't.csv': `${TRACE}5,web,0.1\n` }, mentions: ['t.csv:5'] });
add('trace-load-header-only', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv'), 't.csv': 'time_s,series,cpu_cores\n' }, mentions: ['t.csv'] });
add('trace-load-bad-scale', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv', { scale: -1 }), 't.csv': TRACE }, mentions: ['scale'] });
add('trace-load-bad-speedup', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv', { speedup: 0 }), 't.csv': TRACE }, mentions: ['speedup'] });
add('trace-load-two-selectors', ['run', 's.yaml', '--out', 'out'], { files: { 's.yaml': traceScenario('t.csv', { series: 'web', pattern: 'w*' }), 't.csv': TRACE }, mentions: ['pattern'] });

// ------------------------------------------------------------------ trace show
const BAD_TRACES = {
  'no-header': ['0,web,0.5\n', ['t.csv:1']],
  'header-only': ['time_s,series,cpu_cores\n', ['t.csv', 'no data rows']],
  empty: ['', ['t.csv']],
  'comments-only': ['# scalelab-trace: 1\n# source: x\n', ['t.csv']],
  'version-2': ['# scalelab-trace: 2\ntime_s,series,cpu_cores\n0,web,1\n', ['t.csv:1', 'scalelab-trace']],
  'bad-interval': ['# interval: soon\ntime_s,series,cpu_cores\n0,web,1\n', ['t.csv:1', 'interval']],
  'unknown-unit': ['# units: cpu_percent\ntime_s,series,cpu_percent\n0,web,1\n', ['t.csv']],
  'unknown-column': ['time_s,series,cpu_cores,colour\n0,web,1,red\n', ['t.csv:1']],
  'two-time-columns': ['time_s,time_ms,series,cpu_cores\n0,0,web,1\n', ['t.csv:1']],
  'missing-cpu': ['time_s,series\n0,web\n', ['t.csv:1']],
  'too-few-fields': ['time_s,series,cpu_cores\n0,web\n', ['t.csv:2']],
  'too-many-fields': ['time_s,series,cpu_cores\n0,web,1,2\n', ['t.csv:2']],
  'bad-time': ['time_s,series,cpu_cores\nsoon,web,1\n', ['t.csv:2', 'time_s']],
  'negative-time': ['time_s,series,cpu_cores\n-5,web,1\n', ['t.csv:2']],
  'bad-cpu': ['time_s,series,cpu_cores\n0,web,lots\n', ['t.csv:2', 'cpu_cores']],
  'negative-cpu': ['time_s,series,cpu_cores\n0,web,-1\n', ['t.csv:2', 'cpu_cores']],
  'nan-cpu': ['time_s,series,cpu_cores\n0,web,NaN\n', ['t.csv:2', 'cpu_cores']],
  'inf-cpu': ['time_s,series,cpu_cores\n0,web,Infinity\n', ['t.csv:2', 'cpu_cores']],
  'hex-cpu': ['time_s,series,cpu_cores\n0,web,0x10\n', ['t.csv:2', 'cpu_cores']],
  'backwards': ['time_s,series,cpu_cores\n10,web,1\n5,web,1\n', ['t.csv:3']],
  'empty-series': ['time_s,series,cpu_cores\n0,,1\n', ['t.csv:2']],
  'unterminated-quote': ['time_s,series,cpu_cores\n0,"web,1\n', ['t.csv:2']],
  'text-after-quote': ['time_s,series,cpu_cores\n0,"web"x,1\n', ['t.csv:2']],
  'escape-in-series': ['time_s,series,cpu_cores\n0,web,1\n10,web,1\n20,web,x\u001b[2J\n', ['t.csv:4', '\\x1b']],
  'bel-in-value': ['time_s,series,cpu_cores\n0,web,\u0007\n', ['t.csv:2', '\\x07']],
  'cr-in-value': ['time_s,series,cpu_cores\n0,web,1\r5\n', ['t.csv:2', '\\x0d']],
  'long-line': [big('time_s,series,cpu_cores\n0,', 'w', 200_000, ',1\n'), ['t.csv:2', 'longer than']],
  'bad-memory': ['# units: cpu_cores, memory_bytes\ntime_s,series,cpu_cores,memory_bytes\n0,web,1,lots\n', ['t.csv:3', 'memory_bytes']],
  'binary': ['\u0000\u0001\u0002\u0003', ['t.csv']],
  'memory-in-cpu-column-huge': ['time_s,series,cpu_cores\n0,web,1e400\n', ['t.csv:2', 'cpu_cores']],
};
for (const [id, [text, mentions]] of Object.entries(BAD_TRACES)) {
  add(`show-${id}`, ['trace', 'show', 't.csv'], { files: { 't.csv': text }, mentions });
}
add('show-missing', ['trace', 'show', 'nope.csv'], { mentions: ['nope.csv'] });
add('show-dir', ['trace', 'show', 'd'], { dirs: ['d'], mentions: ['d:', 'directory'] });
add('show-dev-zero', ['trace', 'show', '/dev/zero'], { mentions: ['/dev/zero'] });
add('show-dev-urandom', ['trace', 'show', '/dev/urandom'], { mentions: ['/dev/urandom'] });
add('show-etc-passwd', ['trace', 'show', '/etc/passwd'], { mentions: ['/etc/passwd:1'] });
add('show-plot-png', ['trace', 'show', 't.csv', '--plot', 'x.png'], { files: { 't.csv': TRACE }, mentions: ['--plot', '.svg'] });
add('show-plot-no-ext', ['trace', 'show', 't.csv', '--plot', 'x'], { files: { 't.csv': TRACE }, mentions: ['--plot'] });
add('show-plot-dir', ['trace', 'show', 't.csv', '--plot', 'd.svg'], { files: { 't.csv': TRACE }, dirs: ['d.svg'], mentions: ['--plot', 'directory'] });
add('show-plot-missing-folder', ['trace', 'show', 't.csv', '--plot', 'nope/x.svg'], { files: { 't.csv': TRACE }, mentions: ['--plot', 'nope'] });
add('show-plot-proc', ['trace', 'show', 't.csv', '--plot', '/proc/self/x.svg'], { files: { 't.csv': TRACE }, mentions: ['--plot', '/proc'] });
add('show-plot-is-input', ['trace', 'show', 't.svg', '--plot', 't.svg'], { files: { 't.svg': TRACE }, mentions: ['--plot', 'input'] });
add('show-plot-link-to-input', ['trace', 'show', 't.csv', '--plot', 'l.svg'], { files: { 't.csv': TRACE }, links: { 'l.svg': 't.csv' }, mentions: ['--plot', 'input'] });
add('show-plot-bad-trace', ['trace', 'show', 't.csv', '--plot', 'x.svg'], { files: { 't.csv': 'time_s,series,cpu_cores\n0,web,x\n' }, mentions: ['t.csv:2'] });

// ------------------------------------------------------------------ trace import
const PLANETLAB = '10\n20\n30\n';
const IMPORTS = {
  'planetlab-text': [['--from', 'planetlab', '--cores', '1', 'a.txt'], { 'a.txt': 'ten\n20\n' }, ['a.txt:1']],
  'planetlab-negative': [['--from', 'planetlab', '--cores', '1', 'a.txt'], { 'a.txt': '10\n-20\n' }, ['a.txt:2']],
  'planetlab-bad-cores': [['--from', 'planetlab', '--cores', 'many', 'a.txt'], { 'a.txt': PLANETLAB }, ['--cores']],
  'planetlab-zero-cores': [['--from', 'planetlab', '--cores', '0', 'a.txt'], { 'a.txt': PLANETLAB }, ['--cores']],
  'planetlab-bad-interval': [['--from', 'planetlab', '--cores', '1', '--interval', 'soon', 'a.txt'], { 'a.txt': PLANETLAB }, ['--interval']],
  'planetlab-empty': [['--from', 'planetlab', '--cores', '1', 'a.txt'], { 'a.txt': '' }, ['a.txt']],
  'bitbrains-garbage': [['--from', 'bitbrains', 'a.csv'], { 'a.csv': 'what;is;this\n1;2;3\n' }, ['a.csv']],
  'bitbrains-header-only': [['--from', 'bitbrains', 'a.csv'], { 'a.csv': 'Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%]\n' }, ['a.csv']],
  'azure-garbage': [['--from', 'azure', '--cores', '2', 'a.csv'], { 'a.csv': 'x,y,z\n' }, ['a.csv:1']],
  'azure-bad-stat': [['--from', 'azure', '--cpu-stat', 'median', 'a.csv'], { 'a.csv': '0,vm,1,2,3\n' }, ['--cpu-stat']],
  'azure-vmtable-dir': [['--from', 'azure', '--vmtable', 'd', 'a.csv'], { 'a.csv': '0,vm,1,2,3\n' }, ['d']],
  'albatross-garbage': [['--from', 'albatross-stats', 'a.txt'], { 'a.txt': 'hello world\n' }, ['a.txt']],
  'albatross-json-garbage': [['--from', 'albatross-stats-json', 'a.jsonl'], { 'a.jsonl': '{not json\n' }, ['a.jsonl:1']],
  'incus-state-garbage': [['--from', 'incus-state', 'a.jsonl'], { 'a.jsonl': '[1,2,3]\n' }, ['a.jsonl:1']],
  'incus-state-not-json': [['--from', 'incus-state', 'a.jsonl'], { 'a.jsonl': 'nope\n' }, ['a.jsonl:1']],
  'incus-resources-garbage': [['--from', 'incus-resources', 'a.jsonl'], { 'a.jsonl': '{"time": "never"}\n' }, ['a.jsonl:1']],
  'openmetrics-garbage': [['--from', 'openmetrics', 'a.txt'], { 'a.txt': 'this is { not metrics\n' }, ['a.txt']],
  'unknown-format': [['--from', 'excel', 'a.txt'], { 'a.txt': PLANETLAB }, ['--from', 'excel']],
  'missing-input': [['--from', 'planetlab', '--cores', '1', 'nope.txt'], {}, ['nope.txt']],
  'bad-max-gap': [['--from', 'incus-state', '--max-gap', '-1s', 'a.jsonl'], { 'a.jsonl': '' }, ['--max-gap']],
  'bad-page-size': [['--from', 'albatross-stats', '--page-size', 'big', 'a.txt'], { 'a.txt': '' }, ['--page-size']],
  'control-bytes': [['--from', 'planetlab', '--cores', '1', 'a.txt'], { 'a.txt': '10\n\u001b[31mred\u0007\n' }, ['a.txt:2', '\\x1b']],
};
for (const [id, [flags, files, mentions]] of Object.entries(IMPORTS)) {
  add(`import-${id}`, ['trace', 'import', ...flags, '-o', 'out.csv'], { files, mentions });
}
add('import-output-is-input', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', 'a.txt'], { files: { 'a.txt': PLANETLAB }, mentions: ['-o', 'a.txt', 'input'] });
add('import-output-hardlink-to-input', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', 'l.csv'], { files: { 'a.txt': PLANETLAB }, links: { 'l.csv': 'a.txt' }, mentions: ['-o'] });
add('import-output-is-vmtable', ['trace', 'import', '--from', 'azure', '--vmtable', 'vm.csv', 'a.csv', '-o', 'vm.csv'], { files: { 'a.csv': '0,vm,1,2,3\n', 'vm.csv': 'vm,sub,dep,0,1,2,3,4,5,cat,2,4\n' }, mentions: ['-o', 'vm.csv'] });
add('import-output-dir', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', 'd'], { files: { 'a.txt': PLANETLAB }, dirs: ['d'], mentions: ['-o', 'directory'] });
add('import-output-missing-folder', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', 'nope/x.csv'], { files: { 'a.txt': PLANETLAB }, mentions: ['-o', 'nope'] });
add('import-output-proc', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', '/proc/self/x.csv'], { files: { 'a.txt': PLANETLAB }, mentions: ['-o', '/proc'] });
add('import-output-dev-full', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', '/dev/full'], { files: { 'a.txt': PLANETLAB }, mentions: ['-o', '/dev'] });
add('import-bad-keeps-old', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt', '-o', 'old.csv'], { files: { 'a.txt': '10\n20\nbad\n', 'old.csv': TRACE }, mentions: ['a.txt:3'] });
add('import-input-dir', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'd', '-o', 'out.csv'], { dirs: ['d'], mentions: ['d:', 'directory'] });
add('import-input-dev-zero', ['trace', 'import', '--from', 'planetlab', '--cores', '1', '/dev/zero', '-o', 'out.csv'], { mentions: ['/dev/zero'] });
add('import-no-output', ['trace', 'import', '--from', 'planetlab', '--cores', '1', 'a.txt'], { files: { 'a.txt': PLANETLAB }, mentions: ['--output'] });

// ------------------------------------------------------------------ decide
const DECIDE = ['decide', 'albatross', '--group', 'web', '--max-instances', '4'];
const LINE = (time) => `{"time": ${time}, "name": "web", "utime": [1, 0], "stime": [0, 0]}`;
const DECIDE_INPUTS = {
  'not-json': ['{nope\n', ['stdin:1']],
  'array': ['[1,2]\n', ['stdin:1']],
  'no-time': ['{"name": "web", "utime": [1, 0]}\n', ['stdin:1', 'time']],
  'time-string': ['{"time": "yesterday", "name": "web", "utime": [1, 0]}\n', ['stdin:1', 'time']],
  'time-1e300': [`${LINE('1e300')}\n`, ['stdin:1', 'time']],
  'time-ms': [`${LINE(1780000000)}\n${LINE(1780000010000)}\n`, ['stdin:2', 'time']],
  'time-jump': [`${LINE(1780000000)}\n${LINE(1790000000)}\n`, ['stdin:2', 'time', '7 days']],
  'bad-utime': ['{"time": 1, "name": "web", "utime": [1, 5000000]}\n', ['stdin:1', 'utime']],
  'negative-utime': ['{"time": 1, "name": "web", "utime": [-1, 0]}\n', ['stdin:1', 'utime']],
  'bad-stime': ['{"time": 1, "name": "web", "utime": [1, 0], "stime": "x"}\n', ['stdin:1', 'stime']],
  'bad-running': ['{"time": 1, "running": [1, 2]}\n', ['stdin:1', 'running']],
  'nothing-known': ['{"time": 1, "colour": "red"}\n', ['stdin:1']],
  'control-bytes': ['{"time": 1, "name": "web", "utime": "\u001b[2J"}\n', ['stdin:1']],
  'second-line-bad': [`${LINE(1780000000)}\n{oops\n`, ['stdin:2']],
  'long-line': [big('{"time": 1, "name": "', 'w', 1_200_000, '"}\n'), ['stdin:1', 'longer than']],
  'no-newline-flood': [big('', 'x', 1_100_000), ['stdin:1', 'longer than']],
};
for (const [id, [stdin, mentions]] of Object.entries(DECIDE_INPUTS)) add(`decide-${id}`, DECIDE, { stdin, mentions });
add('decide-input-dir', [...DECIDE, '--input', 'd'], { dirs: ['d'], mentions: ['d:', 'directory'] });
add('decide-input-missing', [...DECIDE, '--input', 'nope.jsonl'], { mentions: ['nope.jsonl'] });
add('decide-input-dev-zero', [...DECIDE, '--input', '/dev/zero'], { mentions: ['/dev/zero'] });
add('decide-input-file-bad', [...DECIDE, '--input', 'in.jsonl'], { files: { 'in.jsonl': `${LINE(1780000000)}\n${LINE(1780000010)}\nnope\n` }, mentions: ['in.jsonl:3'] });
add('decide-unknown-engine', ['decide', 'kubernetes', '--group', 'web'], { mentions: ['kubernetes'] });
add('decide-no-group', ['decide', 'albatross'], { stdin: '', mentions: ['--group'] });
add('decide-bad-vcpus', ['decide', 'albatross', '--group', 'web', '--vcpus', 'x'], { stdin: '', mentions: ['--vcpus'] });
add('decide-zero-vcpus', ['decide', 'albatross', '--group', 'web', '--vcpus', '0'], { stdin: '', mentions: ['--vcpus'] });
add('decide-bad-variant', ['decide', 'albatross', '--group', 'web', '--variant', 'nope'], { stdin: '', mentions: ['variant'] });
add('decide-bad-set', ['decide', 'albatross', '--group', 'web', '--set', 'engine.config.cooldown_period=soon'], { stdin: '', mentions: ['--set', 'cooldown_period'] });
add('decide-bad-max', ['decide', 'albatross', '--group', 'web', '--max-instances', '-3'], { stdin: '', mentions: ['--max-instances'] });

// ------------------------------------------------------------------ sweep
const SWEEP = ['sweep', 's.yaml', '--seeds', '1', '--workers', '0', '--out', 'out', '-q'];
const SWEEP_FLAGS = {
  'grid-no-equals': [['--grid', 'engine.config.cooldown_period'], ['--grid']],
  'grid-unknown-key': [['--grid', 'engine.config.nope=1,2'], ['nope']],
  'grid-bad-value': [['--grid', 'engine.config.scale_up_threshold_percent=50,500'], ['scale_up_threshold_percent', '500']],
  'grid-bad-range': [['--grid', 'engine.config.scale_up_threshold_percent=90..10:5'], ['--grid']],
  'grid-zero-step': [['--grid', 'engine.config.scale_up_threshold_percent=10..90:0'], ['--grid']],
  'grid-huge-range': [['--grid', 'engine.config.scale_up_threshold_percent=0..100:0.0001'], ['--grid']],
  'grid-twice': [['--grid', 'engine.config.cooldown_period=60s', '--grid', 'engine.config.cooldown_period=120s'], ['cooldown_period']],
  'grid-empty-value': [['--grid', 'engine.config.cooldown_period=60s,,120s'], ['--grid']],
  'seeds-huge': [['--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1000000000'], ['--seeds', '1000']],
  'seeds-zero': [['--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '0'], ['--seeds']],
  'workers-huge': [['--grid', 'engine.config.cooldown_period=60s,120s', '--workers', '10000'], ['--workers']],
  'workers-text': [['--grid', 'engine.config.cooldown_period=60s,120s', '--workers', 'many'], ['--workers']],
  'random-huge': [['--grid', 'engine.config.cooldown_period=60s..600s', '--random', '100000000'], ['--random']],
  'random-text': [['--grid', 'engine.config.cooldown_period=60s..600s', '--random', 'x'], ['--random']],
  'objective-unknown': [['--grid', 'engine.config.cooldown_period=60s,120s', '--objective', 'happiness'], ['--objective', 'happiness']],
  'constraint-bad': [['--grid', 'engine.config.cooldown_period=60s,120s', '--constraint', 'scale_ups<<3'], ['--constraint']],
  'pareto-bad': [['--grid', 'engine.config.cooldown_period=60s,120s', '--pareto', 'a'], ['--pareto']],
  'heatmap-bad': [['--grid', 'engine.config.cooldown_period=60s,120s', '--heatmap', 'scale_ups:nope,other'], ['--heatmap']],
  'shard-bad': [['--grid', 'engine.config.cooldown_period=60s,120s', '--shard', '5/4'], ['--shard']],
  'shard-auto-no-env': [['--grid', 'engine.config.cooldown_period=60s,120s', '--shard', 'auto/4'], ['--shard']],
  'seed-negative': [['--grid', 'engine.config.cooldown_period=60s,120s', '--seed', '-5'], ['-5']],
  'seed-huge': [['--grid', 'engine.config.cooldown_period=60s,120s', '--seed', '99999999999'], ['--seed']],
  'no-grid': [[], ['--grid']],
  'all-invalid': [['--grid', 'engine.config.scale_down_threshold_percent=95,99', '--set', 'engine.config.scale_up_threshold_percent=50'], ['--grid']],
};
for (const [id, [flags, mentions]] of Object.entries(SWEEP_FLAGS)) add(`sweep-${id}`, [...SWEEP, ...flags], { files: { 's.yaml': good }, mentions });
add('sweep-out-proc', ['sweep', 's.yaml', '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1', '--workers', '0', '--out', '/proc/self/x', '-q'], { files: { 's.yaml': good }, mentions: ['--out', '/proc'] });
add('sweep-out-file', ['sweep', 's.yaml', '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1', '--workers', '0', '--out', 'f', '-q'], { files: { 's.yaml': good, f: 'keep\n' }, mentions: ['--out'] });
add('sweep-trace-bad-row', [...SWEEP, '--grid', 'engine.config.cooldown_period=60s,120s'], { files: { 's.yaml': traceScenario('t.csv', { loop: true }), 't.csv': `${TRACE}30,web,0.5\n40,web,oops\n` }, mentions: ['t.csv:6', 'cpu_cores'] });
add('sweep-section-bad', ['sweep', 's.yaml', '--workers', '0', '--out', 'out', '-q'], { files: { 's.yaml': `${good}sweep:\n  seeds: 1000000000\n` }, mentions: ['s.yaml', 'sweep.seeds'] });
add('sweep-section-unknown', ['sweep', 's.yaml', '--workers', '0', '--out', 'out', '-q'], { files: { 's.yaml': `${good}sweep:\n  gird: {}\n` }, mentions: ['s.yaml', 'gird'] });

// sweep output folders that are not a sweep's
const HEADER = { kind: 'sweep', format: 1, scalelab: '0.1.0', scenario: { name: 'tiny', description: '', file: 's.yaml', engine: 'albatross', seed: 1, sha256: 'x', values: [null] }, sets: [], fingerprint: 'sha256:x', plan: { axes: [{ key: 'engine.config.cooldown_period', domain: { kind: 'list', values: ['60s', '120s'] } }], random: 0, sampleSeed: 1, seeds: [1] }, choice: { objective: { metric: 'instance_seconds', direction: 'min' }, constraints: [], pareto: [{ metric: 'instance_seconds', direction: 'min' }, { metric: 'slo_violation_seconds', direction: 'min' }], heatmaps: [] }, shard: null };
const RUN = { kind: 'run', point: '[["engine.config.cooldown_period","60s"]]', seed: 1, replication: 0, metrics: { instance_seconds: 3600 }, units: { instance_seconds: 's' } };
const jl = (...recs) => `${recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;
const MERGES = {
  'not-json': [jl(HEADER, '{nope'), ['a/runs.jsonl:2']],
  'kind-unknown': [jl(HEADER, { kind: 'walk' }), ['a/runs.jsonl:2']],
  'run-without-fields': [jl(HEADER, { kind: 'run' }), ['a/runs.jsonl:2', 'point']],
  'run-bad-metrics': [jl(HEADER, { ...RUN, metrics: { x: 'many' } }), ['a/runs.jsonl:2', 'metrics']],
  'run-no-metrics': [jl(HEADER, { ...RUN, metrics: undefined }), ['a/runs.jsonl:2', 'metrics']],
  'header-format-9': [jl({ ...HEADER, format: 9 }), ['a/runs.jsonl:1', 'format']],
  'header-no-plan': [jl({ ...HEADER, plan: undefined }), ['a/runs.jsonl:1', 'plan']],
  'header-bad-axes': [jl({ ...HEADER, plan: { ...HEADER.plan, axes: 'x' } }), ['a/runs.jsonl:1', 'plan.axes']],
  'header-bad-domain': [jl({ ...HEADER, plan: { ...HEADER.plan, axes: [{ key: 'k', domain: { kind: 'spiral' } }] } }), ['a/runs.jsonl:1', 'plan.axes']],
  'header-bad-choice': [jl({ ...HEADER, choice: null }), ['a/runs.jsonl:1', 'choice']],
  'header-bad-scenario': [jl({ ...HEADER, scenario: 'x' }), ['a/runs.jsonl:1', 'scenario']],
  'no-header': [jl(RUN), ['a/runs.jsonl']],
  empty: ['', ['a/runs.jsonl']],
  'control-bytes': [jl(HEADER, '\u001b[2J\u0007'), ['a/runs.jsonl:2']],
};
for (const [id, [text, mentions]] of Object.entries(MERGES)) add(`merge-${id}`, ['sweep', 'merge', 'a', '--out', 'm', '-q'], { files: { 'a/runs.jsonl': text }, mentions });
add('merge-missing-dir', ['sweep', 'merge', 'nope', '--out', 'm'], { mentions: ['nope'] });
add('merge-runs-is-dir', ['sweep', 'merge', 'a', '--out', 'm'], { dirs: ['a/runs.jsonl'], mentions: ['a/runs.jsonl', 'directory'] });
add('merge-different-sweeps', ['sweep', 'merge', 'a', 'b', '--out', 'm'], { files: { 'a/runs.jsonl': jl(HEADER), 'b/runs.jsonl': jl({ ...HEADER, fingerprint: 'sha256:y' }) }, mentions: ['b', 'not the same sweep'] });
add('merge-no-out', ['sweep', 'merge', 'a'], { files: { 'a/runs.jsonl': jl(HEADER) }, mentions: ['--out'] });
add('merge-out-proc', ['sweep', 'merge', 'a', '--out', '/proc/self/x'], { files: { 'a/runs.jsonl': jl(HEADER, RUN) }, mentions: ['--out', '/proc'] });
add('merge-bad-objective', ['sweep', 'merge', 'a', '--out', 'm', '--objective', 'joy'], { files: { 'a/runs.jsonl': jl(HEADER, RUN) }, mentions: ['--objective', 'joy'] });
add('sweep-resume-other-sweep', [...SWEEP, '--grid', 'engine.config.cooldown_period=60s,120s'], { files: { 's.yaml': good, 'out/runs.jsonl': jl(HEADER) }, mentions: ['out/runs.jsonl'] });
add('sweep-resume-garbage', [...SWEEP, '--grid', 'engine.config.cooldown_period=60s,120s'], { files: { 's.yaml': good, 'out/runs.jsonl': 'garbage\n' }, mentions: ['out/runs.jsonl:1'] });
add('sweep-locked', [...SWEEP, '--grid', 'engine.config.cooldown_period=60s,120s'], { files: { 's.yaml': good, 'out/.scalelab.lock': '1\n' }, mentions: ['pid 1'] });

// ------------------------------------------------------------------ check
const BASELINE = 'scalelab_baseline: 1\nscenario: tiny\nseed: 1\nsets: []\nscalelab: 0.1.0\ndefault_tolerance: { absolute: 0.001, relative: 0.02 }\nmetrics:\n  scale_ups: { value: 1, unit: "" }\n';
const BASELINES = {
  'value-nan': [BASELINE.replace('value: 1', 'value: .nan'), ['b.yaml:8', 'value']],
  'value-inf': [BASELINE.replace('value: 1', 'value: .inf'), ['b.yaml:8', 'value']],
  'value-text': [BASELINE.replace('value: 1', 'value: one'), ['b.yaml:8', 'value']],
  'alias-bomb': [`${BASELINE}x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nv: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`, ['b.yaml']],
  'unknown-key': [`${BASELINE}colour: red\n`, ['b.yaml:9', 'colour']],
  'format-2': [BASELINE.replace('scalelab_baseline: 1', 'scalelab_baseline: 2'), ['b.yaml:1', 'scalelab_baseline']],
  'bad-tolerance': [BASELINE.replace('absolute: 0.001', 'absolute: -1'), ['b.yaml:6', 'absolute']],
  'nan-tolerance': [BASELINE.replace('absolute: 0.001', 'absolute: .nan'), ['b.yaml:6', 'absolute']],
  'bad-better': [BASELINE.replace('unit: ""', 'unit: "", better: sideways'), ['b.yaml:8', 'better']],
  'other-scenario': [BASELINE.replace('scenario: tiny', 'scenario: other'), ['b.yaml', 'scenario other']],
  'other-seed': [BASELINE.replace('seed: 1', 'seed: 2'), ['b.yaml', 'seed 2']],
  'seed-text': [BASELINE.replace('seed: 1', 'seed: one'), ['b.yaml:3', 'seed']],
  'not-yaml': ['{{{{', ['b.yaml:1']],
  'top-list': ['- 1\n', ['b.yaml']],
  'metrics-list': [BASELINE.replace('metrics:\n  scale_ups: { value: 1, unit: "" }\n', 'metrics: [1]\n'), ['b.yaml:7', 'metrics']],
};
for (const [id, [text, mentions]] of Object.entries(BASELINES)) add(`check-baseline-${id}`, ['check', 's.yaml', '--baseline', 'b.yaml', '-q'], { files: { 's.yaml': good, 'b.yaml': text }, mentions });
add('check-baseline-missing', ['check', 's.yaml', '--baseline', 'nope.yaml'], { files: { 's.yaml': good }, mentions: ['nope.yaml', '--update'] });
add('check-baseline-dir', ['check', 's.yaml', '--baseline', 'd'], { files: { 's.yaml': good }, dirs: ['d'], mentions: ['d:', 'directory'] });
add('check-baseline-dev-zero', ['check', 's.yaml', '--baseline', '/dev/zero'], { files: { 's.yaml': good }, mentions: ['/dev/zero'] });
add('check-junit-dir', ['check', 's.yaml', '--baseline', 'b.yaml', '--junit', 'd'], { files: { 's.yaml': good, 'b.yaml': BASELINE }, dirs: ['d'], mentions: ['--junit', 'directory'] });
add('check-junit-missing-folder', ['check', 's.yaml', '--baseline', 'b.yaml', '--junit', 'nope/j.xml'], { files: { 's.yaml': good, 'b.yaml': BASELINE }, mentions: ['--junit', 'nope'] });
add('check-junit-is-scenario', ['check', 's.yaml', '--baseline', 'b.yaml', '--junit', 's.yaml'], { files: { 's.yaml': good, 'b.yaml': BASELINE }, mentions: ['--junit', 'input'] });
add('check-junit-proc', ['check', 's.yaml', '--baseline', 'b.yaml', '--junit', '/proc/self/j.xml'], { files: { 's.yaml': good, 'b.yaml': BASELINE }, mentions: ['--junit', '/proc'] });
add('check-update-over-scenario', ['check', 's.yaml', '--baseline', 's.yaml', '--update'], { files: { 's.yaml': good }, mentions: ['s.yaml'] });
add('check-seed-negative', ['check', 's.yaml', '--seed', '-1'], { files: { 's.yaml': good }, mentions: ['-1'] });
add('check-seed-huge', ['check', 's.yaml', '--seed', '1e300'], { files: { 's.yaml': good }, mentions: ['--seed'] });

// ------------------------------------------------------------------ record incus
const RECORD = ['record', 'incus', '--interval', '1s', '--rounds', '1', '-o', 'rec.csv', '-q'];
add('record-no-endpoint', RECORD, { mentions: ['--socket'] });
add('record-both-endpoints', [...RECORD, '--socket', 's', '--url', 'https://x'], { mentions: ['--socket'] });
add('record-missing-socket', [...RECORD, '--socket', 'nope.sock'], { mentions: ['--socket', 'nope.sock'] });
add('record-socket-is-file', [...RECORD, '--socket', 'f'], { files: { f: 'not a socket\n' }, mentions: ['--socket', 'f'] });
add('record-socket-is-dir', [...RECORD, '--socket', 'd'], { dirs: ['d'], mentions: ['--socket', 'd'] });
add('record-bad-url', [...RECORD, '--url', 'not a url'], { mentions: ['--url'] });
add('record-http-url', [...RECORD, '--url', 'http://localhost:1'], { mentions: ['--url', 'https'] });
add('record-refused', [...RECORD, '--url', 'https://127.0.0.1:1'], { mentions: ['--url', '127.0.0.1'] });
add('record-cert-without-key', [...RECORD, '--url', 'https://127.0.0.1:1', '--cert', 'c.pem'], { files: { 'c.pem': 'x' }, mentions: ['--cert'] });
add('record-cert-missing', [...RECORD, '--url', 'https://127.0.0.1:1', '--cert', 'c.pem', '--key', 'k.pem'], { mentions: ['c.pem'] });
add('record-cert-not-pem', [...RECORD, '--url', 'https://127.0.0.1:1', '--cert', 'c.pem', '--key', 'k.pem'], { files: { 'c.pem': 'hello\n', 'k.pem': 'hello\n' }, mentions: ['--cert', 'PEM'] });
add('record-ca-dir', [...RECORD, '--url', 'https://127.0.0.1:1', '--ca', 'd'], { dirs: ['d'], mentions: ['d:', 'directory'] });
add('record-bad-interval', ['record', 'incus', '--socket', 's', '--interval', 'often', '-o', 'rec.csv'], { mentions: ['--interval'] });
add('record-bad-rounds', ['record', 'incus', '--socket', 's', '--rounds', '0', '-o', 'rec.csv'], { mentions: ['--rounds'] });
add('record-output-dir', ['record', 'incus', '--socket', 's', '-o', 'd'], { dirs: ['d'], mentions: ['-o', 'directory'] });
add('record-output-proc', ['record', 'incus', '--socket', 's', '-o', '/proc/self/r.csv'], { mentions: ['-o', '/proc'] });

// ------------------------------------------------------------------ write
const out = path.join(here, 'cases.jsonl');
const text = `${cases.map((c) => JSON.stringify(c)).join('\n')}\n`;
if (process.argv.includes('--check')) {
  const same = fs.existsSync(out) && fs.readFileSync(out, 'utf8') === text;
  if (!same) {
    console.error(`${out} is out of date: run node test/corpus/generate.mjs`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(out, text);
  console.log(`wrote ${out}: ${cases.length} cases`);
}
