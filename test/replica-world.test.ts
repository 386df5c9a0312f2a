/**
 * The horizontal world with engines as plug-ins (src/world/replicas/engine.ts, src/run/replicas.ts).
 *
 * Albatross moved from its own driver (src/run/albatross.ts before the move, commit 738fa98) onto
 * the generic world with byte-identical outputs. The digests below are those of the *old* driver's
 * events.jsonl and timeseries.csv, taken from a build of 738fa98 — not from this code — so the
 * test fails if the world or the plug-in changes what Albatross does. (Checked at the move on every
 * bundled albatross scenario and on bench-pb1 for 2 h with all outputs: `cmp` of summary.json,
 * timeseries.csv, events.jsonl, summary.md and report.html; see the move's commit.)
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario/load.js';
import { simulateAlbatross } from '../src/run/albatross.js';
import { albatrossEngine, toCommand } from '../src/engines/albatross/plugin.js';

/** (scenario, --set overrides, events lines, events sha256, timeseries rows, timeseries sha256) from the pre-move driver. */
const PINNED: ReadonlyArray<[string, string[], number, string, number, string]> = [
  ['albatross-default', [], 967, '8424d6b6d8f0e4758f5427468d046ad2462245f9c311b346f7104f5fccd255ce', 71969, '299ea5b6fcef836a92cbafe4780b1d15a0532ebfa3a5af92f99d4466d082bb50'],
  [
    'albatross-default',
    // one small host (spawns refused for want of room), boot failures, the corrected variant (primary death destroys clones)
    ['engine.variant=corrected', 'world.hosts=[{name: h, threads: 8, memory: 4GiB}]', 'world.boot.failure_probability=0.3'],
    1678,
    'edde68a82bb7242d57382a2607cadcba7b5223f2716de8d27fedc18cb499a810',
    71455,
    '3a8759024472e953d74a5c940a2946ed93ec70b0f9e50f7ad11f0f453dd5c6d3',
  ],
  ['albatross-quirk-faithful', [], 398, '44589d4a8b83d0bc8994250156d2aa3a9805642a8ffdae7362732a680dfc99a3', 28560, '9cfb4f2729e5af9827b6fd09acc25eaee5c025357c23465c730149365b34c430'],
];

describe('Albatross on the replica world', () => {
  for (const [file, sets, events, eventsSha, rows, rowsSha] of PINNED) {
    it(`${file} ${sets.join(' ')}: events.jsonl and timeseries.csv as the pre-move driver wrote them`, () => {
      const scenario = loadScenario(`scenarios/${file}.yaml`, { sets });
      const ev = createHash('sha256');
      const ts = createHash('sha256');
      let ne = 0;
      let nt = 0;
      simulateAlbatross(scenario, {
        event: (l) => {
          ev.update(`${l}\n`);
          ne++;
        },
        timeseries: (l) => {
          ts.update(`${l}\n`);
          nt++;
        },
      });
      expect([ne, nt]).toEqual([events, rows]);
      expect(ev.digest('hex')).toBe(eventsSha);
      expect(ts.digest('hex')).toBe(rowsSha);
    });
  }

  it('maps every Albatross action to one world command', () => {
    expect(toCommand({ type: 'spawn_clone', group: 'web', name: 'web-clone-1' }, 'web')).toEqual({ type: 'spawn', name: 'web-clone-1', cloneOf: 'web', scaling: 'up' });
    expect(toCommand({ type: 'destroy_clone', group: 'web', name: 'web-clone-1', reason: 'scale_down' }, 'web')).toEqual({ type: 'destroy', instance: 'web-clone-1', reason: 'scale_down', scaling: 'down' });
    expect(toCommand({ type: 'destroy_clone', group: 'web', name: 'web-clone-1', reason: 'primary_death' }, 'web')).toEqual({ type: 'destroy', instance: 'web-clone-1', reason: 'primary_death' });
    expect(toCommand({ type: 'forget', group: 'web' }, 'web')).toEqual({ type: 'note', event: 'group_forgotten' });
    expect(albatrossEngine.descriptor.name).toBe('albatross');
  });
});
