import { describe, expect, it } from 'vitest';
import { chooseHost, HostPool, makeHosts } from '../src/world/hosts.js';
import { stream } from '../src/kernel/random.js';
import type { HostSpec } from '../src/scenario/types.js';

const GiB = 2 ** 30;
const spec = (name: string, arch: string, threads: number, memory: number): HostSpec => ({ name, arch, threads, memory_bytes: memory }) as HostSpec;

describe('HostPool placement', () => {
  it('picks the host with the most free threads, ties to the first listed, right architecture, enough memory', () => {
    const pool = new HostPool(makeHosts([spec('a', 'x86_64', 4, 8 * GiB), spec('b', 'x86_64', 8, 1 * GiB), spec('c', 'aarch64', 16, 64 * GiB), spec('d', 'x86_64', 8, 8 * GiB)]));
    // b and d have 8 free threads; b is listed first but has 1 GiB: d
    expect(pool.choose('x86_64', 1, 2 * GiB)).toBe(3);
    // with 512 MiB both fit: b, the first listed of the two with 8
    expect(pool.choose('x86_64', 1, GiB / 2)).toBe(1);
    pool.reserve(1, 5, GiB / 2, 1); // b: 3 threads left
    expect(pool.choose('x86_64', 1, GiB / 2)).toBe(3);
    pool.reserve(3, 6, GiB, 1); // d: 2 left → a (4) is the emptiest
    expect(pool.choose('x86_64', 1, GiB / 2)).toBe(0);
    expect(pool.choose('x86_64', 5, GiB / 2)).toBe(-1);
    expect(pool.choose('riscv64', 1, 1)).toBe(-1);
    pool.reserve(3, 6, GiB, -1); // d released: 8 again
    expect(pool.choose('x86_64', 1, GiB / 2)).toBe(3);
    expect(pool.choose('aarch64', 16, 64 * GiB)).toBe(2);
  });

  it('decides exactly as the linear scan over 20,000 random placements and releases', () => {
    const rng = stream(7, 'test:hosts');
    const arches = ['x86_64', 'aarch64', 'riscv64'];
    const specs = Array.from({ length: 37 }, (_, i) => spec(`h${i}`, arches[Math.floor(rng.next() * 3)]!, 1 + Math.floor(rng.next() * 16), (1 + Math.floor(rng.next() * 8)) * GiB));
    const pool = new HostPool(makeHosts(specs));
    const placed: Array<[number, number, number]> = [];
    let found = 0;
    for (let step = 0; step < 20_000; step++) {
      if (placed.length > 0 && rng.next() < 0.45) {
        const [h, v, m] = placed.splice(Math.floor(rng.next() * placed.length), 1)[0]!;
        pool.reserve(h, v, m, -1);
        continue;
      }
      const arch = arches[Math.floor(rng.next() * 3)]!;
      const vcpus = 1 + Math.floor(rng.next() * 4);
      const memory = Math.floor(rng.next() * 4) * (GiB / 2);
      const expected = chooseHost(pool.hosts, arch, vcpus, memory);
      expect(pool.choose(arch, vcpus, memory)).toBe(expected);
      if (expected >= 0) {
        found++;
        pool.reserve(expected, vcpus, memory, 1);
        placed.push([expected, vcpus, memory]);
      }
    }
    expect(found).toBeGreaterThan(1000); // the test exercised real placements, not only refusals
  });
});
