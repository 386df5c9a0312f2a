/**
 * `scalelab run` imports only its scenario's runner (src/run/load-runner.ts): the lazy table lists
 * the same engines as the synchronous `runners` map, a lazily loaded runner simulates exactly as
 * the synchronous one, and a whole `scalelab run` of an Albatross scenario loads no other engine
 * and no external-engine transport (checked on the built CLI with an import hook).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RUNNERS, loadRunnerLookup } from '../src/run/load-runner.js';
import { runners, simulateScenario } from '../src/run/run.js';
import { simulateWith } from '../src/run/simulated.js';
import { loadScenario } from '../src/scenario/load.js';
import { jsonText } from '../src/files/json.js';

describe('lazy runners', () => {
  it('lists the same engines as the synchronous runners map', () => {
    expect(Object.keys(BUILTIN_RUNNERS).sort()).toEqual([...runners.keys()].sort());
  });

  it('a lazily loaded runner gives the same summary as the synchronous one', async () => {
    const scenario = loadScenario('scenarios/bench-pb1.yaml', { sets: ['duration=30s', 'workloads.0.count=20'] });
    const lazy = simulateWith(scenario, (await loadRunnerLookup(scenario))(scenario)).summary;
    expect(jsonText(lazy)).toBe(jsonText(simulateScenario(scenario).summary));
  });

  it('an unknown built-in engine name has no runner either way', async () => {
    const scenario = loadScenario('scenarios/bench-pb1.yaml', { sets: ['duration=10s'] });
    const other = { ...scenario, engine: { ...scenario.engine, name: 'toString' } };
    expect((await loadRunnerLookup(other))(other)).toBeUndefined();
    expect(() => simulateScenario(other)).toThrow('no simulation world for engine "toString"');
  });

  it('scalelab run of an Albatross scenario loads no other engine and no transport', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalelab-lazy-'));
    try {
      const hook = join(dir, 'hook.mjs');
      writeFileSync(hook, "export async function load(u, c, next) { process.stderr.write('M ' + u + '\\n'); return next(u, c); }\n");
      const r = spawnSync(process.execPath, ['--no-warnings', `--experimental-loader=${hook}`, 'dist/cli/main.js', 'run', 'scenarios/bench-pb1.yaml', '--set', 'duration=10s', '--set', 'workloads.0.count=5', '--out', join(dir, 'out'), '-q'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const loaded = r.stderr.split('\n').filter((l) => l.startsWith('M ')).map((l) => l.slice(2));
      expect(loaded.some((u) => u.endsWith('/engines/albatross/plugin.js'))).toBe(true);
      for (const absent of ['/run/incus.js', '/run/neon.js', '/engines/hpa/plugin.js', '/engines/kraftcloud/world.js', '/engines/external/transport.js', '/bridge/session.js', 'node:child_process', 'node:worker_threads']) {
        expect(loaded.filter((u) => u.endsWith(absent)), absent).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
