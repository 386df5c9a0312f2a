/*
 * PB1's floor in JavaScript: the C floor (bench/peers/pb1.c) line for line in plain Node, with
 * nothing of scalelab — no scenario, no event queue, no metrics, no outputs.
 *
 * The same work as pb1.c: 1,000 groups, one simulated day, a stats round every 10 s (8,640
 * rounds). Per group and round one AR(1) step (coefficient 0.9, a Gaussian of sigma 0.05 by
 * Marsaglia's polar method), one Math.sin for the diurnal wave, the even split of demand over
 * the running instances, and the corrected Albatross rule (above 90 % for 3 rounds outside a
 * 600 s cooldown adds a clone, below 40 % for 5 rounds destroys the newest, at most 8).
 * State is structure-of-arrays in typed arrays; rounds are batched; there is no event queue.
 *
 * The one difference from pb1.c is the uniform generator: splitmix64 needs 64-bit integer
 * multiplication, which JavaScript only has through BigInt (far slower than anything a JS
 * program would use), so this uses Alea (Baagøe's generator, what seedrandom's `alea` and
 * scalelab's own streams run), inlined. It answers the question the C floor cannot: what this
 * arithmetic costs in the language scalelab is written in, before any simulator.
 *
 * A third argument `xorshift128` swaps Alea for Marsaglia's xorshift128 on 32-bit integers, a
 * few shifts and xors a number (no doubles or BigInt in its state), as fast a uniform generator as
 * plain JavaScript runs: the floor of the language with the generator taken out of the question.
 *
 * A fourth argument `scalelab` does the model with the arithmetic scalelab's synthetic load uses,
 * cheaper than pb1.c's for the same distributions: the diurnal wave from one Math.sin and one
 * Math.cos a round, sin(wave + phase) per group by the angle-sum identity from the phase's sine
 * and cosine taken once (pb1.c calls sin() per group and round); and each Gaussian by inversion
 * of one uniform, Φ⁻¹ read from a 4,096-cell table with linear interpolation in the central 95 %
 * and Acklam's rational approximation in the tails (pb1.c: Marsaglia's polar method, about 1.27
 * pairs of uniforms, a log and a sqrt for two draws). What PB1 costs in plain Node computed
 * the way scalelab computes it, with nothing of a simulator. The default, `c`, is pb1.c's.
 *
 * A fourth argument `accounted` does, beside `scalelab`'s arithmetic, what scalelab accounts a
 * group and round, fused into one pass over typed arrays: each group draws from an Alea stream
 * of its own (state in arrays, as scalelab's AR(1) noise keeps it, so that adding a group never
 * changes another's numbers); each instance has a CPU counter in µs, settled at the split of the
 * last demand and read back as whole-µs basis points (a floor and a division an instance); the
 * Albatross ticks move only outside the cooldown, on the integer group average; and each group
 * has a row of 32 numbers that is advanced to the round (instance-, vCPU- and GiB-seconds, the
 * instance maximum, SLO violation time, unserved core-seconds, the θ and τ integrands, the
 * flip-flop grid, the reaction-time episodes) and then stored anew, as scalelab's metrics do.
 * Still nothing of a simulator: no scenario, no event queue, no boot latency, no hosts, no
 * outputs. It answers a question about the targets: how near the C floor a Node program can
 * come that does the work scalelab reports on, with every pass fused and nothing in between.
 *
 * Run:  node bench/peers/pb1.mjs [groups] [seconds] [alea|xorshift128] [c|scalelab|accounted]
 * Prints one JSON line: the work done and checksums (so that V8 cannot drop it).
 */
/** Argument `i` as a whole number ≥ 1, its default when absent; one line and exit 2 otherwise. */
function count(i, name, fallback) {
  const text = process.argv[i];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`pb1.mjs: ${name} must be a whole number ≥ 1, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}
const groups = count(2, 'groups', 1000);
const seconds = count(3, 'seconds', 86400);
const generator = process.argv[4] ?? 'alea';
if (generator !== 'alea' && generator !== 'xorshift128') {
  process.stderr.write(`pb1.mjs: the generator must be alea or xorshift128, got ${JSON.stringify(generator)}\n`);
  process.exit(2);
}
const arithmetic = process.argv[5] ?? 'c';
if (arithmetic !== 'c' && arithmetic !== 'scalelab' && arithmetic !== 'accounted') {
  process.stderr.write(`pb1.mjs: the arithmetic must be c, scalelab or accounted, got ${JSON.stringify(arithmetic)}\n`);
  process.exit(2);
}
const interval = 10;
const day = 86400;
const cooldown = 600;
const maxInstances = 8;
const upTicks = 3;
const downTicks = 5;
const up = 0.9;
const down = 0.4;

// Alea, seeded with fixed numbers (its seeding by string hashing is not part of the work)
let s0 = 0.8939;
let s1 = 0.2144;
let s2 = 0.6271;
let c = 1;
function alea() {
  const t = 2091639 * s0 + c * 2.3283064365386963e-10;
  s0 = s1;
  s1 = s2;
  c = t | 0;
  return (s2 = t - c);
}

// Marsaglia's xorshift128 (2003), state in 32-bit integers, seeded with fixed numbers
let x = 123456789;
let y = 362436069;
let z = 521288629;
let w = 88675123;
function xorshift128() {
  const t = x ^ (x << 11);
  x = y;
  y = z;
  z = w;
  w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
  return (w >>> 0) * 2.3283064365386963e-10;
}

const uniform01 = generator === 'alea' ? alea : xorshift128;

// Marsaglia's polar method; keeps the spare draw
let hasSpare = false;
let spare = 0;
function gaussian() {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  let u, v, s;
  do {
    u = 2 * uniform01() - 1;
    v = 2 * uniform01() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s === 0);
  const m = Math.sqrt((-2 * Math.log(s)) / s);
  spare = v * m;
  hasSpare = true;
  return u * m;
}

// Φ⁻¹ by Acklam's rational approximation (relative error below 1.2e-9), for `scalelab`
const LOW = 0.02425;
const HIGH = 1 - LOW;
function lowerTail(p) {
  const q = Math.sqrt(-2 * Math.log(p));
  return (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) / ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
}
function quantile(p) {
  if (p < LOW) return lowerTail(p);
  if (p > HIGH) return -lowerTail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q) / (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1);
}
const CELLS = 4096;
const table = new Float64Array(CELLS + 1);
if (arithmetic !== 'c') for (let k = 1; k < CELLS; k++) table[k] = quantile(k / CELLS);

/** Φ⁻¹(u) of a uniform `u`: the table in the central 95 %, Acklam in the tails. */
function inverseNormal(u) {
  if (u < LOW || u > HIGH) return quantile(u === 0 ? 2.3283064365386963e-10 / 2 : u);
  const x = u * CELLS;
  const k = x | 0;
  const lo = table[k];
  return lo + (x - k) * (table[k + 1] - lo);
}

/** A Gaussian by inversion of one uniform (`inverseNormal`). */
function gaussianByInversion() {
  return inverseNormal(uniform01());
}

const base = new Float64Array(groups);
const phase = new Float64Array(groups);
const noise = new Float64Array(groups);
const lastAction = new Float64Array(groups).fill(-1e18);
const instances = new Int32Array(groups).fill(1);
const above = new Int32Array(groups);
const below = new Int32Array(groups);
for (let g = 0; g < groups; g++) {
  base[g] = 0.3 + 0.6 * uniform01();
  phase[g] = 2 * Math.PI * uniform01();
}
// for `scalelab` and `accounted`: each phase's sine and cosine, taken once (`c` never reads them: the phases stand in)
const sinPhase = arithmetic !== 'c' ? phase.map(Math.sin) : phase;
const cosPhase = arithmetic !== 'c' ? phase.map(Math.cos) : phase;
if (arithmetic === 'accounted') {
  accounted();
  process.exit(0);
}

let rounds = 0;
let records = 0;
let scaleUps = 0;
let scaleDowns = 0;
let instanceSeconds = 0;
let utilisationSum = 0;
const asC = arithmetic === 'c';
for (let t = 0; t < seconds; t += interval, rounds++) {
  const angle = (2 * Math.PI * t) / day;
  const sinAngle = Math.sin(angle);
  const cosAngle = Math.cos(angle);
  for (let g = 0; g < groups; g++) {
    noise[g] = 0.9 * noise[g] + 0.05 * (asC ? gaussian() : gaussianByInversion());
    // sin(angle + phase): pb1.c's libm call, or the angle-sum identity scalelab's synthetic load uses
    const diurnal = asC ? Math.sin(angle + phase[g]) : sinAngle * cosPhase[g] + cosAngle * sinPhase[g];
    let demand = base[g] * (1 + 0.5 * diurnal) + noise[g];
    if (demand < 0) demand = 0;
    const n = instances[g];
    const share = demand / n;
    const utilisation = share < 1 ? share : 1;
    records += n;
    utilisationSum += utilisation;
    instanceSeconds += n * interval;
    above[g] = utilisation > up ? above[g] + 1 : 0;
    below[g] = utilisation < down ? below[g] + 1 : 0;
    if (t - lastAction[g] < cooldown) continue;
    if (above[g] >= upTicks && n < maxInstances) {
      instances[g] = n + 1;
      above[g] = 0;
      lastAction[g] = t;
      scaleUps++;
    } else if (below[g] >= downTicks && n > 1) {
      instances[g] = n - 1; // the newest clone
      below[g] = 0;
      lastAction[g] = t;
      scaleDowns++;
    }
  }
}
process.stdout.write(
  `${JSON.stringify({ groups, rounds, records, scale_ups: scaleUps, scale_downs: scaleDowns, instance_seconds: instanceSeconds, mean_utilisation: Number((utilisationSum / (rounds * groups)).toFixed(6)) })}\n`,
);

/**
 * The `accounted` day (see the header): one fused pass a round over every group's metrics row,
 * its instances' CPU counters, its Albatross ticks and its next demand. Prints the work line with
 * the integrals' totals besides.
 */
function accounted() {
  const slots = maxInstances;
  const micros = interval * 1e6;
  const cooldownUs = cooldown * 1e6;
  // each group's own Alea stream, its state in arrays, seeded from the shared generator
  const a0 = new Float64Array(groups);
  const a1 = new Float64Array(groups);
  const a2 = new Float64Array(groups);
  const ac = new Float64Array(groups).fill(1);
  for (let g = 0; g < groups; g++) {
    a0[g] = uniform01();
    a1[g] = uniform01();
    a2[g] = uniform01();
  }
  // instance slots: CPU counter (µs), last reading (whole µs) and when (−1: never read)
  const cpu = new Float64Array(groups * slots);
  const readCpu = new Float64Array(groups * slots);
  const readAt = new Float64Array(groups * slots).fill(-1);
  // the metrics row: demand, capacity, instances wanted and supplied, instances, vCPUs, GiB, last
  // time, then the integrals, the maximum, the grid and the open episode
  const STRIDE = 32;
  const row = new Float64Array(groups * STRIDE);
  for (let g = 0; g < groups; g++) row[g * STRIDE + 17] = -Infinity;
  const target = 1; // the SLO's utilisation target (scalelab's default: demand above capacity)
  let rounds = 0;
  let records = 0;
  let scaleUps = 0;
  let scaleDowns = 0;
  let episodes = 0;
  let utilisationSum = 0;
  const advance = (b, now) => {
    const last = row[b + 7];
    if (now === last) return;
    const dt = now - last;
    const wanted = row[b + 2];
    const supplied = row[b + 3];
    // the flip-flop grid: one point a round
    const k = row[b + 26];
    if (k > 0 && Math.sign(supplied - row[b + 28]) !== Math.sign(wanted - row[b + 29])) row[b + 30]++;
    row[b + 28] = supplied;
    row[b + 29] = wanted;
    row[b + 26] = k + 1;
    const n = row[b + 4];
    row[b + 8] += n * dt;
    row[b + 9] += row[b + 5] * dt;
    row[b + 10] += row[b + 6] * dt;
    if (n > row[b + 17]) row[b + 17] = n;
    const d = row[b];
    const s = row[b + 1];
    const violating = d > target * s;
    if (violating) row[b + 11] += dt;
    if (d > s) row[b + 12] += (d - s) * dt;
    const shortfall = wanted - supplied;
    if (shortfall !== 0) {
      const norm = wanted > 1 ? wanted : 1;
      if (shortfall > 0) {
        row[b + 13] += (shortfall / norm) * dt;
        row[b + 15] += dt;
      } else {
        row[b + 14] += (-shortfall / norm) * dt;
        row[b + 16] += dt;
      }
    }
    if (violating !== (row[b + 18] === 1)) {
      row[b + 18] = violating ? 1 : 0;
      if (violating) episodes++;
    }
    row[b + 7] = now;
  };
  for (let t = 0; t < seconds; t += interval, rounds++) {
    const now = t * 1e6;
    const angle = (2 * Math.PI * t) / day;
    const sinAngle = Math.sin(angle);
    const cosAngle = Math.cos(angle);
    for (let g = 0; g < groups; g++) {
      const b = g * STRIDE;
      advance(b, now);
      // settle: each instance ran at the split of the demand since the last round (1 vCPU each)
      const n = instances[g];
      const share = row[b] / n;
      const used = (share < 1 ? share : 1) * micros;
      const first = g * slots;
      let sum = 0;
      for (let s = first; s < first + n; s++) {
        cpu[s] += used;
        // read: whole µs since the last reading, in basis points of the wall time
        const whole = Math.floor(cpu[s]);
        const at = readAt[s];
        const before = readCpu[s];
        readAt[s] = now;
        readCpu[s] = whole;
        if (at >= 0) sum += Math.min(1e4, Math.floor(((whole - before) * 1e4) / (now - at)));
      }
      records += n;
      utilisationSum += share < 1 ? share : 1;
      const average = n === 1 ? sum : Math.trunc(sum / n);
      // the corrected Albatross rule: ticks only outside the cooldown
      const cooling = now - lastAction[g] < cooldownUs;
      above[g] = average > up * 1e4 && !cooling ? above[g] + 1 : 0;
      below[g] = average < down * 1e4 && n > 1 && !cooling ? below[g] + 1 : 0;
      if (above[g] >= upTicks && n < maxInstances) {
        cpu[first + n] = 0;
        readAt[first + n] = -1;
        instances[g] = n + 1;
        above[g] = 0;
        below[g] = 0;
        lastAction[g] = now;
        scaleUps++;
      } else if (below[g] >= downTicks) {
        instances[g] = n - 1; // the newest clone
        above[g] = 0;
        below[g] = 0;
        lastAction[g] = now;
        scaleDowns++;
      }
      // the next demand: the group's own Alea stream, a Gaussian by inversion, the wave
      const x = 2091639 * a0[g] + ac[g] * 2.3283064365386963e-10;
      const carry = x | 0;
      const u = x - carry;
      a0[g] = a1[g];
      a1[g] = a2[g];
      a2[g] = u;
      ac[g] = carry;
      noise[g] = 0.9 * noise[g] + 0.05 * inverseNormal(u);
      let demand = base[g] * (1 + 0.5 * (sinAngle * cosPhase[g] + cosAngle * sinPhase[g])) + noise[g];
      if (demand < 0) demand = 0;
      // store the row for the next interval
      const m = instances[g];
      row[b] = demand;
      row[b + 1] = m;
      row[b + 2] = Math.ceil(demand / target - 1e-9);
      row[b + 3] = m;
      row[b + 4] = m;
      row[b + 5] = m;
      row[b + 6] = m / 16; // 64 MiB an instance
    }
  }
  // the last interval, to the end of the day
  let instanceUs = 0;
  let violationUs = 0;
  for (let g = 0; g < groups; g++) {
    advance(g * STRIDE, seconds * 1e6);
    instanceUs += row[g * STRIDE + 8];
    violationUs += row[g * STRIDE + 11];
  }
  process.stdout.write(
    `${JSON.stringify({ groups, rounds, records, scale_ups: scaleUps, scale_downs: scaleDowns, instance_seconds: instanceUs / 1e6, mean_utilisation: Number((utilisationSum / (rounds * groups)).toFixed(6)), slo_violation_seconds: violationUs / 1e6, violation_episodes: episodes })}\n`,
  );
}
