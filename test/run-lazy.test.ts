/**
 * `scalelab run` imports only its scenario's runner (src/run/load-runner.ts): the lazy table lists
 * the same engines as the synchronous `runners` map and a lazily loaded runner simulates exactly as
 * the synchronous one. That a whole `scalelab run` of an Albatross scenario loads no other engine
 * and no external-engine transport is checked on the built command (test/cli-bundle.test.ts).
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

  // what a whole `scalelab run` of an Albatross scenario loads (no other engine, no transport) is
  // checked on the built, bundled command: test/cli-bundle.test.ts

});
