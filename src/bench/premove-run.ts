/**
 * PB1 on the build at a given root, timed the same way whichever build it is (the
 * `pb1-premove` bench case runs it for the pre-move build and for this one). Imports that
 * build's scenario loader and `simulateAlbatross`, loads its `scenarios/bench-pb1.yaml`, and
 * prints one JSON line: wall and process CPU seconds of the simulation, and its stats records.
 *
 * `node dist/bench/premove-run.js ROOT`
 *
 * @example node dist/bench/premove-run.js /tmp/scalelab-premove-738fa9888858 // {"wallSeconds":2.1,"cpuSeconds":2.1,"records":10623919}
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
if (!root) throw new Error('usage: premove-run.js ROOT');
const url = (path: string) => pathToFileURL(join(root, path)).href;
const { loadScenario } = (await import(url('dist/scenario/load.js'))) as { loadScenario: (path: string, opts?: object) => unknown };
const { simulateAlbatross } = (await import(url('dist/run/albatross.js'))) as { simulateAlbatross: (s: unknown) => { counts: { records: number } } };
const scenario = loadScenario(join(root, 'scenarios', 'bench-pb1.yaml'));
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const sim = simulateAlbatross(scenario);
const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ wallSeconds, cpuSeconds: (used.user + used.system) / 1e6, records: sim.counts.records })}\n`);
