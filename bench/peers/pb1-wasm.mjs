/*
 * PB1's C floor as WebAssembly in Node: bench/peers/pb1.c compiled for wasm32 by clang (no C
 * library; see the file's `__wasm__` block), instantiated here and run. The loops are pb1.c's, line
 * for line; only sin, cos and log come from JavaScript's Math (imported), so `accounted` — which
 * calls them once a round and at set-up — computes what the native build computes, while `c`
 * calls sin per group and round and may part from glibc's in the last bit now and then.
 *
 * It answers a question about the targets: what the work costs in a Node process once the hot loop
 * leaves JavaScript — the best a WebAssembly kernel inside scalelab could do, before any simulator.
 *
 * Build and run (src/bench/peers.ts `buildWasm` does the first step for the bench):
 *   clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--allow-undefined \
 *     -o pb1.wasm bench/peers/pb1.c
 *   node bench/peers/pb1-wasm.mjs pb1.wasm [groups] [seconds] [c|accounted]
 * Prints the native build's JSON line.
 */
import { readFileSync } from 'node:fs';

/** One line on stderr and exit 2 (bad input). */
function refuse(message) {
  process.stderr.write(`pb1-wasm.mjs: ${message}\n`);
  process.exit(2);
}

/** Argument `i` as a whole number from 1 to `most`, `fallback` when absent. */
function count(i, name, fallback, most) {
  const text = process.argv[i];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > most) refuse(`${name} must be a whole number from 1 to ${most}, got ${JSON.stringify(text)}`);
  return n;
}

const file = process.argv[2];
if (file === undefined) refuse('the first argument must be the compiled pb1.wasm (see the header for the clang command)');
// a million groups take ~0.5 GB of the 4 GiB a wasm32 memory can have
const groups = count(3, 'groups', 1000, 1_000_000);
const seconds = count(4, 'seconds', 86400, 100_000_000);
const arithmetic = process.argv[5] ?? 'c';
if (arithmetic !== 'c' && arithmetic !== 'accounted') refuse(`the arithmetic must be c or accounted, got ${JSON.stringify(arithmetic)}`);

let bytes;
try {
  bytes = readFileSync(file);
} catch (e) {
  refuse(`cannot read ${file}: ${e.code ?? e.message}`);
}
const { instance } = await WebAssembly.instantiate(bytes, { env: { sin: Math.sin, cos: Math.cos, log: Math.log } });
const { run, work_address: workAddress, memory } = instance.exports;
run(groups, seconds, arithmetic === 'accounted' ? 1 : 0);
// struct work: nine doubles, in the order of the native build's JSON line
const w = new Float64Array(memory.buffer, workAddress(), 9);
const fields = [`"groups":${w[0]}`, `"rounds":${w[1]}`, `"records":${w[2]}`, `"scale_ups":${w[3]}`, `"scale_downs":${w[4]}`, `"instance_seconds":${w[5].toFixed(0)}`, `"mean_utilisation":${w[6].toFixed(6)}`];
if (arithmetic === 'accounted') fields.push(`"slo_violation_seconds":${w[7].toFixed(0)}`, `"violation_episodes":${w[8]}`);
process.stdout.write(`{${fields.join(',')}}\n`);
