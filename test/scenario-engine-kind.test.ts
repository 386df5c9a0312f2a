/**
 * `engine.kind` and its keys (`command`, `timeout`, `path`; `cwd` filled in) in a scenario, and
 * the default dialect `replica` for module and external kinds: golden values by hand, and one
 * located InputError for each misuse. The builtin form must resolve exactly as before (no new
 * keys on its EngineSpec), so the builtin runs' bytes cannot move through the scenario.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/scenario/errors.js';
import { parseScenarioText } from '../src/scenario/load.js';

const dir = mkdtempSync(join(tmpdir(), 'scalelab-kind-'));
const FILE = join(dir, 'kind.yaml');
writeFileSync(join(dir, 'policy.mjs'), 'export default { open() { throw new Error("unused"); } };\n');
writeFileSync(join(dir, 'policy.ts'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario whose `engine:` section is `engine` (indented lines after `engine:`). */
function scenario(engine: string): string {
  return `name: kind
duration: 1h
engine:
${engine}
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
}

function errorOf(text: string, sets: string[] = []): InputError {
  try {
    parseScenarioText(text, FILE, { sets });
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('engine.kind', () => {
  it('builtin (absent) resolves as before: no kind keys on the spec', () => {
    const s = parseScenarioText(scenario('  name: albatross'), FILE);
    expect(Object.keys(s.engine)).toEqual(['name', 'variant', 'config', 'options']);
  });

  it('external: command kept as written, timeout default 2 s = 2,000,000 µs, cwd the scenario folder', () => {
    const s = parseScenarioText(scenario('  name: hpa\n  kind: external\n  command: [python3, hpa.py, --fast]'), FILE);
    expect(s.engine.name).toBe('hpa');
    expect(s.engine.kind).toBe('external');
    expect(s.engine.command).toEqual(['python3', 'hpa.py', '--fast']);
    expect(s.engine.timeout).toBe(2_000_000);
    expect(s.engine.path).toBeNull();
    expect(s.engine.cwd).toBe(dir);
  });

  it('the issue\'s form without a name is the replica dialect; timeout 500ms = 500,000 µs', () => {
    const s = parseScenarioText(scenario('  kind: external\n  command: [python3, p.py]\n  timeout: 500ms'), FILE);
    expect(s.engine.name).toBe('replica');
    expect(s.engine.variant).toBe('generic');
    // period default 10s = 10,000,000 µs; params default {}
    expect(s.engine.config).toEqual({ period: 10_000_000, params: {} });
    expect(s.engine.timeout).toBe(500_000);
  });

  it('module: path resolved against the scenario folder', () => {
    const s = parseScenarioText(scenario('  kind: module\n  path: ./policy.mjs\n  config:\n    period: 30s\n    params: { target: 60, names: [a, b] }'), FILE);
    expect(s.engine.name).toBe('replica');
    expect(s.engine.path).toBe(resolve(dir, 'policy.mjs'));
    expect(s.engine.command).toBeNull();
    expect(s.engine.config).toEqual({ period: 30_000_000, params: { target: 60, names: ['a', 'b'] } });
  });

  it('--set turns a builtin scenario into a module one', () => {
    const s = parseScenarioText(scenario('  name: albatross'), FILE, { sets: ['engine.kind=module', 'engine.path=policy.mjs', 'engine.timeout=10m'] });
    expect(s.engine.kind).toBe('module');
    expect(s.engine.name).toBe('albatross');
    expect(s.engine.timeout).toBe(600_000_000);
  });

  it.each([
    ['  name: replica', 'engine.kind', 'engine replica has no built-in core'],
    ['  kind: builtin', 'engine.name', 'required key is missing'],
    ['  kind: external', 'engine.command', 'required for kind external'],
    ['  kind: module', 'engine.path', 'required for kind module'],
    ['  kind: external\n  command: [x]\n  path: p.mjs', 'engine.path', 'only for kind module'],
    ['  kind: module\n  path: policy.mjs\n  command: [x]', 'engine.command', 'only for kind external'],
    ['  name: hpa\n  command: [x]', 'engine.command', 'only for kind external'],
    ['  name: hpa\n  timeout: 1s', 'engine.timeout', 'only for kind module or external'],
    ['  kind: external\n  command: []', 'engine.command', 'must be a list of one or more words'],
    ['  kind: external\n  command: [python3, ""]', 'engine.command[1]', 'must not be empty'],
    ['  kind: external\n  command: python3 p.py', 'engine.command', 'must be a list'],
    ['  kind: plugin\n  command: [x]', 'engine.kind', 'unknown engine kind "plugin"'],
    ['  kind: external\n  command: [x]\n  timeout: 0s', 'engine.timeout', 'must be a duration longer than 0'],
    ['  kind: external\n  command: [x]\n  timeout: 500us', 'engine.timeout', 'must be at least 1ms'],
    ['  kind: external\n  command: [x]\n  timeout: 11m', 'engine.timeout', 'must be at most 10m'],
    ['  kind: module\n  path: missing.mjs', 'engine.path', 'module file not found'],
    ['  kind: module\n  path: policy.ts', 'engine.path', 'must be a .js or .mjs file'],
  ])('%j → %s: %s', (engine, key, message) => {
    const err = errorOf(scenario(engine));
    expect(err.message).toContain(key);
    expect(err.message).toContain(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });
});
