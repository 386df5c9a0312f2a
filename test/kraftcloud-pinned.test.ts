/**
 * The Unikraft Cloud engine's outputs pinned byte for byte (issue 11, item 10: the decision loop
 * made faster must decide exactly as before). The sha256 digests below were taken from the
 * `scalelab run` outputs (summary.json, timeseries.csv, events.jsonl) of a build of main at
 * 1289e47, before any of the speed work (batched wake-ups, the steady fast path) — not printed
 * from the code under test — over every bundled kraftcloud scenario and compare-bursty, the
 * benchmark scenario shortened to 2 minutes with its outputs on, and variants that reach the
 * paths the bundled ones miss: the current warm-up meaning, scale-to-zero idle / cold wakes /
 * min_size 0, inflight and requests/s policies with exact and change adjustments, sum
 * aggregation and other percent roundings, measurement noise, boot failures, a host too small
 * (spawns refused), primary kills, zero placement/stop/boot latencies (events at the decision's
 * own instant, and 20 services on a tight host where that order decides placements), five
 * services parking at their own deadlines, and a workload given in cores. The HPA's two bundled
 * scenarios share the timer sensor path of the world (src/run/replicas.ts) and are pinned too.
 *
 * summary.json is hashed with its `scalelab` version field set to 0.1.0 (a release changes it).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/run/run.js';

/** Three policies on the three metrics, each adjustment type (the `nginx-mixed` case). */
const MIXED_POLICIES =
  '[{name: cpu, metric: cpu, adjustment: change, steps: ["700:/2"]}, {name: infl, metric: inflight_reqs, adjustment: exact, steps: [":1/1", "1:3/2", "3:/6"]}, {name: rps, metric: reqs_per_sec, adjustment: percent, steps: [":100/-30", "100:2000/0"]}]';

/** (case, scenario file, --set overrides, sha256 of summary.json, events.jsonl, timeseries.csv) from the build before the speed work. */
const PINNED: ReadonlyArray<[string, string, string[], string, string, string]> = [
  ['nginx', 'scenarios/kraftcloud-nginx.yaml', [], 'f23dada0d8c7b1048927e4b7c2a85915a5814b50eb0ef2f3964acd8c5b07391e', 'b180f7e426f842d3f4d5994968f8fde91b9c33e4d9a98ec10f8088585022d377', '8cdd79b037d2038470eb38c69090788a5f6e7da661e4ee123a4422721223b60e'],
  ['nginx500', 'scenarios/kraftcloud-nginx-500.yaml', [], '5fb7f939fd14e891d117935aec83b59e2846a13788ce478097592b6f4fe74460', 'f5b6b779b436d26531253d6effcf7f7c780f1cd47b5d185b282f8185d6c0a73f', '2b3bab10bf030605042882f56f62113220896e80816104149465a5c9a97fcb38'],
  ['s2z', 'scenarios/kraftcloud-scale-to-zero.yaml', [], '08d2a883c53fa6f9df52c9cc903051d07dd87c6b8577709bafd15f6bf717f161', 'af6569c16f2f3e93d6348c46834e1a76359883c450c0d7468d2511b7d46a08af', 'd1702d06563d3f23ec296f6ae3f14e5cac2a87562cf114a67fa5ee7a78aaf3ae'],
  ['bursty', 'scenarios/compare-bursty-kraftcloud.yaml', [], '25845205f177c96f3d0cbb41a0c3bce7fd2c7e7a2e4058f0cf091c41f506a572', 'f21c7a79583dfbca8d05fa25fb17182e5cf3144b48612d20a5a072fef0b193d5', '3a63b8c512a30987232951bef5af30c82fef2d7a7bf50a8cd1afe10bb81d31b3'],
  ['bench', 'scenarios/bench-kraftcloud.yaml', ['duration=2m', 'output.timeseries=true', 'output.events=true'], 'b2a8ecf25d924113f266af9c4991f9cb249688fc5804e62d80085c0ee6fe8d14', '4b4b97824cdf4641d60bff973384d4f8fb37f9813d77c36dcc8cebdc40ecfe71', '5347594e17b67f52ff25b63ee7c418207bfc920f7ba39da4c68aa42f1056eba4'],
  ['nginx500-current', 'scenarios/kraftcloud-nginx-500.yaml', ['engine.variant=current'], 'd57b88dd4b40603a11217e401a77319f254c597827ba4f1f68d85b47fa84e9eb', 'f69334790b82ecedd858aac1c8b8e0706ce905972aa4a40dbf6e2150b5de1fa6', '4ed6b82ca02e8473feda8b61c6f2253b18307a1fb0a187cc9fb1c143742f6fb3'],
  ['s2z-idle', 'scenarios/kraftcloud-scale-to-zero.yaml', ['engine.config.scale_to_zero.policy=idle', 'engine.config.scale_to_zero.stateful=false', 'engine.variant=current'], 'e7372232140ce848ba66443fbb543d64e78f79917149e95794331bbde210246f', 'e70a1ee6197a2cc41c0a5eb6c8fad8a938c5a03712b7dce6a136636e54e5f3ee', 'd1702d06563d3f23ec296f6ae3f14e5cac2a87562cf114a67fa5ee7a78aaf3ae'],
  ['s2z-min0', 'scenarios/kraftcloud-scale-to-zero.yaml', ['engine.config.min_size=0', 'engine.config.scale_to_zero.notify_time=0ms', 'engine.options.percent_rounding=nearest'], '0de363269f35250951367a65c10b60f7735d706518d217b8e9af8ee43d2d1a63', 'd4809e0c4716d9c63f412fcd9d6700bdbb600bf5a53e2646ed127144e2313309', '14ae7a4a6d557dceb4fe90398c728ba804d07cb13bf72c98ca6e4b1d29cd4930'],
  ['nginx-mixed', 'scenarios/kraftcloud-nginx.yaml', [`engine.config.policies=${MIXED_POLICIES}`, 'engine.config.min_size=2', 'world.measurement_noise=0.05', 'world.boot.failure_probability=0.1', 'engine.options.rps_aggregation=average'], '936c5741caaca847586a54736b5460128592bed6293297e87c8bc6bfb5a273cb', 'cfa29bef1e7acee4622a9c134efd7457eb66117f71ce2609e2cf215e941b59d2', 'a1ea9c24a4d185aee0dcff96a348957e22f3e787c6c6ae55b7c6d4da7615bde3'],
  ['nginx500-sum', 'scenarios/kraftcloud-nginx-500.yaml', ['engine.options.cpu_aggregation=sum', 'engine.options.percent_rounding=away_from_zero', 'world.measurement_noise=0.1'], '3de1923c8430b727a40f3a141e2e3b31875de0bcda859cbcbe44da6095a0668d', '024d3da46de4b19a63e0a4c5d137b05f1317fc7772a2f3e9a5fe86da7e8024a2', 'db4d227019c5ed202ea9f790bf420efc390cfd304724f85daa17645bb9f49b9b'],
  ['cores', 'test/fixtures/kraftcloud/cores.yaml', [], 'fd9e1fc4f0df4b249ec4b1ef0444ef485c67dbc2fdc2d0c8824054790e4c2191', '474c4f2757656f5d2e81c495e206443e7ba438d6e215466d7bfc78e059816513', '67a8563e91a3372ca0c5c33f7cafb444aa1106731cf00d3a727a0ad54d56318b'],
  ['cores-s2z', 'test/fixtures/kraftcloud/cores-s2z.yaml', ['engine.config.scale_to_zero.policy=on', 'engine.config.min_size=1', 'engine.variant=current', 'world.measurement_noise=0.05'], '70e18a523c9d94a518c973128751997524745ae856a5e1cf4b16f366c5853fbf', 'ceb1a77b3311dae45d0d88d88997723bb2463136e3f7243406b59c5567e256ee', 'bfb59c487c713c150fd950ef7abc55fa0dd5b33eb9acafbe8a9ceef1b26ebecd'],
  ['hpa', 'scenarios/hpa-default.yaml', [], '63f9f0a35320cb17bffaccbc98db42a4dfc6f9fb0947afb64e26cae3973d0455', '5dc83c613a288f98c721c7d888c899fda2e0f9bdc5e9d41656e3a4dbf2236f34', 'e6285ee55839bef78dde53f8880472e1b57a7dc72ade563437d4291cadbc0462'],
  ['bursty-hpa', 'scenarios/compare-bursty-hpa.yaml', [], '286cde569ab41ce79fb1077ec4286065e74ee3cb3bf256db7b3ea34fcf5aabd8', '09e9bb9577df108f7987d2ade82240e4eb20cdc0e8d36a93807725119079a6fd', 'db85b9241f987478b5d5a68d08b96f573c39543c6f412f78e19aaa225ed6f195'],
  ['nginx500-zero', 'scenarios/kraftcloud-nginx-500.yaml', ['world.placement_latency=0ms', 'world.stop_latency=0ms', 'world.boot.latency=0ms'], 'd17a2f7e1a90d2741132af348a0d1fb7aa54428dbda575b7ba7c0f3b48061eef', '926b3b6184938ec90a35af3a6d425b7aba1c08b81f2bc1326e064b237104a5a9', '7b34696bf49bd86956c8d9d2ed31f158298b0c4f393d34a71dde5005905739d7'],
  ['s2z-zero', 'scenarios/kraftcloud-scale-to-zero.yaml', ['world.placement_latency=0ms', 'world.stop_latency=0ms', 'engine.config.min_size=0', 'engine.config.scale_to_zero.stateful=false', 'world.boot.latency=0ms'], 'dadd514b1f157123a62cb17b8b493ad79232dde1e555c1ef510efc01cae5cfef', '230d58451bbbbd8ff082c50226e06377abbf966da0707cab85bf6d1ac2108197', '14ae7a4a6d557dceb4fe90398c728ba804d07cb13bf72c98ca6e4b1d29cd4930'],
  ['nginx500-small', 'scenarios/kraftcloud-nginx-500.yaml', ['world.hosts=[{name: h, threads: 3, memory: 4GiB}]', 'faults=[{at: 100s, kill_primary: nginx, restart_after: 30s}, {at: 300s, kill_primary: nginx}]', 'world.measurement_noise=0.1'], '11f093ba20c1c380b9b27cd3153e38ff06753792cf203af74b7da28a1a24cb90', '471c72aaa8e0cee141be88b3ac9b2e7ffcf7abd9b09f084908699002c9a16ee1', '1299ec6d9e8bb63451d9384adeba84eac92f130a1be7dd84ad85f5b8bd6180b0'],
  // 20 services on one tight host with zero latencies: a destroy's host slot is free again before the next service at the same instant decides (the order of wake-ups and lifecycle events at one instant matters)
  ['bench-tight', 'scenarios/bench-kraftcloud.yaml', ['duration=2m', 'workloads.0.count=20', 'world.placement_latency=0ms', 'world.stop_latency=0ms', 'world.boot.latency=0ms', 'output.timeseries=true', 'output.events=true', 'world.hosts=[{name: h, threads: 30, memory: 64GiB}]'], '19632e4058edc1b4991c624e722ab841549fdcef9dc88900b26d2f104dd31edb', 'eecbe3f12d66f8a08b5fa1a90079734eece764b3d8f693a5d50d196ddcb042ba', 'b1d62779abccfe4c0e92c3edb91534a9cef8cf5458ec588252071b31e34c53bd'],
  // five services parking and waking at their own (off-tick) deadlines
  ['s2z-x5', 'scenarios/kraftcloud-scale-to-zero.yaml', ['workloads.0.count=5', 'duration=10m', 'world.hosts.0.threads=32', 'world.hosts.0.memory=64GiB'], '2c216c951055847b3e7a3fdcef1e90796b0fb0f6c5ae79629fa4b626d2f932c2', '158541579235f85b9b416dd8d56937483a51fa21f281978dd5840a988f7d764b', '941aa93ddd8e5489ff1a8652089972ca8b088082cb5053c837276b29589d210b'],
];

/**
 * The two cases with spawn failures (a host too small) change by design when the world backs off
 * failed spawns and logs a run of failures once (branch polish, 098cfdf "Replica world: spawn
 * failures back off"). Their digests from a build of that branch at fd97787 — also before the
 * speed work — are accepted too, so the pin holds whichever of the two lands first; checked: the
 * speed work merged onto that branch writes exactly these. Drop the older triple once both are on
 * main.
 */
const WITH_SPAWN_BACKOFF: Readonly<Record<string, readonly [string, string, string]>> = {
  'nginx500-small': ['88782e3bb3162bbb6f39441e62dfec334f82af935b57080ab489edcd12431bf1', '1595577616b6d88a454ad644ba8ae89107730a706a62201dafbc697be4428b5f', '7047cb8f131a9589db86b0566d561565ec33b7cb1f766eaad974f340794ca058'],
  'bench-tight': ['19632e4058edc1b4991c624e722ab841549fdcef9dc88900b26d2f104dd31edb', '6b2134ec332ae2c3caf167c25fa48e433136653a8ca807bdbecfd597d3de6a7d', 'b1d62779abccfe4c0e92c3edb91534a9cef8cf5458ec588252071b31e34c53bd'],
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-kc-pinned-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('Unikraft Cloud outputs as before the speed work', () => {
  for (const [name, file, sets, summarySha, eventsSha, seriesSha] of PINNED) {
    it(`${name}: ${file} ${sets.join(' ')}`, { timeout: 60_000 }, async () => {
      const out = path.join(tmp, name);
      await runScenario(loadScenario(file, { sets }), { outDir: out });
      const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
      const summary = read('summary.json').replace(/^ {2}"scalelab": "[^"]*",$/m, '  "scalelab": "0.1.0",');
      const got = [sha256(summary), sha256(read('events.jsonl')), sha256(read('timeseries.csv'))];
      const backoff = WITH_SPAWN_BACKOFF[name];
      if (backoff !== undefined && got[1] === backoff[1]) expect(got).toEqual([...backoff]);
      else expect(got).toEqual([summarySha, eventsSha, seriesSha]);
    });
  }
});
