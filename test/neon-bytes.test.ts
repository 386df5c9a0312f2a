/**
 * The Neon driver's outputs pinned byte for byte: summary.json, timeseries.csv and events.jsonl of
 * neon-default, neon-watermark, neon-pressure-model and an hour of bench-neon (with its time
 * series and events turned on), as SHA-256 digests recorded before the driver's performance work
 * (`scalelab run scenarios/<name>.yaml`, the same bytes as here). Speed-ups must not move a byte;
 * a deliberate change of the model changes these digests on purpose, in its own commit.
 * summary.json is hashed without its `scalelab` version field, so a version bump alone keeps them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.js';
import { loadScenario } from '../src/scenario/load.js';

const PINNED: Array<{ file: string; sets: string[]; digests: Record<string, string> }> = [
  {
    file: 'scenarios/neon-default.yaml',
    sets: [],
    digests: {
      'summary.json': '3cbe6e18caa6be8d380768b2b5815ee57e9feccdb5c5839922405a66573795bc',
      'timeseries.csv': 'be22a10735ae17d9260f6a4d70ac279d681b8a1b0a646b0f03fb940f8deccb9e',
      'events.jsonl': '5cd68df815d946ee4a11beda4ec9e0db43d2f42caeea808cb81b773b8fa1eecd',
    },
  },
  {
    file: 'scenarios/neon-watermark.yaml',
    sets: [],
    digests: {
      'summary.json': '8ddca4f2d4f81ca63b4dc2debbaa54b418fe1a1856cdb533a1c63d3271e1c82e',
      'timeseries.csv': '367db00bef89a8c94eae5928dac8c6ce80e67817c7b90bd9be9f5c79d79856b0',
      'events.jsonl': '1f8fcafd354d3356a17496570b5f61333aba33d979edf884880e8fa0f56ee2f6',
    },
  },
  {
    file: 'scenarios/neon-pressure-model.yaml',
    sets: [],
    digests: {
      'summary.json': 'eafc832e0e894cc23b86d006969395a624ba5f274ae5460fa008b356c7baacea',
      'timeseries.csv': '6b5dbd774cae0b3f270defe211ad331dfb542b3212670ae8f13307034123bd83',
      'events.jsonl': '4582062618eecd1f5182f7a9b7ad82caab0dbce48059e8fc3d5f0835a25131b0',
    },
  },
  {
    file: 'scenarios/bench-neon.yaml',
    sets: ['duration=1h', 'output.timeseries=true', 'output.events=true'],
    digests: {
      'summary.json': '1adaf088284957767d53df6c416c1ff1a4bb982334fd112233486f23c1aa9bfd',
      'timeseries.csv': '621aadba826c2a45e78a28b6d8d3fbb18273d9e2266ed7ecfcba2069ae4dc521',
      'events.jsonl': '8025fecdfc44527e917c72551a79a6796f47b2db94224503f637a8a6e0d3e2d2',
    },
  },
];

/** SHA-256 of a run output; summary.json with the version field as "0.1.0", as when pinned. */
function digest(name: string, bytes: Buffer): string {
  let data = bytes;
  if (name === 'summary.json') data = Buffer.from(bytes.toString('utf8').replace(/^(\{\n {2}"scalelab": )"[^"]*"/, '$1"0.1.0"'));
  return crypto.createHash('sha256').update(data).digest('hex');
}

describe('neon: outputs pinned byte for byte', () => {
  for (const pin of PINNED) {
    it(`${pin.file} ${pin.sets.join(' ')}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-bytes-'));
      try {
        await runScenario(loadScenario(pin.file, { sets: [...pin.sets, 'output.report=false'] }), { outDir: dir });
        for (const [name, want] of Object.entries(pin.digests)) expect(digest(name, fs.readFileSync(path.join(dir, name))), name).toBe(want);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
