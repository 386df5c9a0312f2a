/*
 * PB1's floor: the same work as scenarios/bench-pb1.yaml with nothing else, in plain C.
 *
 * 1,000 groups, one simulated day, a stats round every 10 s (8,640 rounds). Per group and round:
 * one AR(1) step (coefficient 0.9, a Gaussian of sigma 0.05 by Marsaglia's polar method), one
 * sin() for the diurnal wave, demand = base * (1 + 0.5 sin(2 pi t / 1 d + phase)) + noise,
 * floored at 0; the demand splits evenly over the running instances, each 1 vCPU, so the group's
 * average utilisation is min(1, demand / n). The corrected Albatross rule: above 90 % for 3
 * rounds in a row outside a 600 s cooldown adds a clone (its 20 ms boot ends inside the round,
 * so it runs from the next round); below 40 % for 5 rounds with clones destroys the newest; at
 * most 8 instances. State is structure-of-arrays; rounds are batched; there is no event queue.
 *
 * A third argument `accounted` does what bench/peers/pb1.mjs does with `accounted`, line for
 * line: scalelab's arithmetic (the wave by the angle-sum identity from each phase's sine and
 * cosine, each Gaussian by inversion of one uniform from a 4,096-cell table, Acklam's formula in
 * the tails), each group's own Alea stream, each instance's CPU counter in µs read back as
 * whole-µs basis points, the ticks only outside the cooldown, and each group's row of 32 metrics
 * numbers advanced to the round and stored anew. The same model, the same numbers as the JS
 * program's: the C floor of the work scalelab reports, for a like-for-like ratio.
 *
 * Build and run:  cc -O2 -o pb1 bench/peers/pb1.c -lm && ./pb1 [groups] [seconds] [c|accounted]
 * Prints one JSON line: the work done and checksums (so the compiler cannot drop it).
 *
 * The same file builds for WebAssembly (clang --target=wasm32 -nostdlib; the `__wasm__` block
 * below stands in for the C library), run in Node by bench/peers/pb1-wasm.mjs, which prints the
 * same line: the loops as a Node process runs them once they leave JavaScript.
 */
#ifdef __wasm__
/*
 * WebAssembly (bench/peers/pb1-wasm.mjs builds this file with clang --target=wasm32 -nostdlib and
 * runs it in Node): no C library there, so the few pieces the loops use are here. sin, cos and log
 * come from the host (JavaScript's Math, imported); sqrt, floor, ceil and trunc are WebAssembly
 * instructions; memory is taken from a bump pointer and never given back (a run allocates once).
 */
typedef unsigned long long uint64_t;
typedef int int32_t;
typedef unsigned long size_t;
#define M_PI 3.14159265358979323846
#define INFINITY __builtin_inf()
#define NULL ((void *)0)
double sin(double);
double cos(double);
double log(double);
#define sqrt __builtin_sqrt
#define floor __builtin_floor
#define ceil __builtin_ceil
#define trunc __builtin_trunc
/* fmin without the NaN rule: no NaN reaches it here */
static inline double fmin(double a, double b) { return a < b ? a : b; }
extern unsigned char __heap_base;
static unsigned long heap_top;
static void *malloc(size_t n) {
  if (heap_top == 0) heap_top = (unsigned long)&__heap_base;
  unsigned long p = (heap_top + 15) & ~15ul, end = p + n;
  unsigned long pages = (end + 65535) / 65536, have = __builtin_wasm_memory_size(0);
  if (end < p || (pages > have && __builtin_wasm_memory_grow(0, pages - have) == (unsigned long)-1)) __builtin_trap();
  heap_top = end;
  return (void *)p;
}
static void *calloc(size_t count, size_t size) {
  void *p = malloc(count * size);
  __builtin_memset(p, 0, count * size);
  return p;
}
static void free(void *p) { (void)p; }
#else
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

/* What a run did: the work and checksums (so the compiler cannot drop it), all as doubles so the
 * WebAssembly host reads them as one Float64Array. `c` leaves the last two at 0. */
struct work {
  double groups, rounds, records, scale_ups, scale_downs, instance_seconds, mean_utilisation, slo_violation_seconds, violation_episodes;
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* splitmix64: a uniform in [0, 1). */
static double uniform01(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Marsaglia's polar method; keeps the spare draw. */
static int has_spare = 0;
static double spare;
static double gaussian(void) {
  if (has_spare) {
    has_spare = 0;
    return spare;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double m = sqrt(-2.0 * log(s) / s);
  spare = v * m;
  has_spare = 1;
  return u * m;
}

/* Phi^-1(p) by Acklam's rational approximation, for `accounted` (as pb1.mjs's `quantile`). */
#define P_LOW 0.02425
#define P_HIGH (1.0 - P_LOW)
static double lower_tail(double p) {
  double q = sqrt(-2.0 * log(p));
  return (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
         ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1.0);
}
static double quantile(double p) {
  if (p < P_LOW) return lower_tail(p);
  if (p > P_HIGH) return -lower_tail(1.0 - p);
  double q = p - 0.5, r = q * q;
  return ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q) /
         (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1.0);
}

/* Alea's step on one stream's state (as pb1.mjs runs it inline): the next uniform in [0, 1). */
static double alea_next(double *s0, double *s1, double *s2, double *c) {
  double t = 2091639.0 * *s0 + *c * 2.3283064365386963e-10;
  double carry = (double)(int32_t)t;
  *s0 = *s1;
  *s1 = *s2;
  *c = carry;
  return *s2 = t - carry;
}

#define STRIDE 32
/* Advance group row `r` to `now` (µs): the integrals, the maximum, the grid, the episodes. */
static void advance(double *r, double now, double target, long long *episodes) {
  double last = r[7];
  if (now == last) return;
  double dt = now - last, wanted = r[2], supplied = r[3];
  double k = r[26];
  if (k > 0 && ((supplied > r[28]) - (supplied < r[28])) != ((wanted > r[29]) - (wanted < r[29]))) r[30]++;
  r[28] = supplied;
  r[29] = wanted;
  r[26] = k + 1;
  double n = r[4];
  r[8] += n * dt;
  r[9] += r[5] * dt;
  r[10] += r[6] * dt;
  if (n > r[17]) r[17] = n;
  double d = r[0], s = r[1];
  int violating = d > target * s;
  if (violating) r[11] += dt;
  if (d > s) r[12] += (d - s) * dt;
  double shortfall = wanted - supplied;
  if (shortfall != 0) {
    double norm = wanted > 1 ? wanted : 1;
    if (shortfall > 0) {
      r[13] += shortfall / norm * dt;
      r[15] += dt;
    } else {
      r[14] += -shortfall / norm * dt;
      r[16] += dt;
    }
  }
  if (violating != (r[18] == 1)) {
    r[18] = violating ? 1 : 0;
    if (violating) (*episodes)++;
  }
  r[7] = now;
}

/* The `accounted` day (see the header). */
static void accounted(int groups, long seconds, struct work *w) {
  const int slots = 8, max_instances = 8, up_ticks = 3, down_ticks = 5;
  const double interval = 10.0, day = 86400.0, micros = 10e6, cooldown_us = 600e6, target = 1.0;
  enum { CELLS = 4096 };
  static double table[CELLS + 1];
  for (int k = 1; k < CELLS; k++) table[k] = quantile((double)k / CELLS);
  double *base = malloc(sizeof(double) * groups), *sin_phase = malloc(sizeof(double) * groups), *cos_phase = malloc(sizeof(double) * groups);
  double *noise = calloc(groups, sizeof(double)), *last_action = malloc(sizeof(double) * groups);
  int *instances = malloc(sizeof(int) * groups), *above = calloc(groups, sizeof(int)), *below = calloc(groups, sizeof(int));
  double *a0 = malloc(sizeof(double) * groups), *a1 = malloc(sizeof(double) * groups), *a2 = malloc(sizeof(double) * groups), *ac = malloc(sizeof(double) * groups);
  double *cpu = calloc((size_t)groups * slots, sizeof(double)), *read_cpu = calloc((size_t)groups * slots, sizeof(double)), *read_at = malloc(sizeof(double) * groups * slots);
  double *row = calloc((size_t)groups * STRIDE, sizeof(double));
  for (int g = 0; g < groups; g++) {
    base[g] = 0.3 + 0.6 * uniform01();
    double phase = 2.0 * M_PI * uniform01();
    sin_phase[g] = sin(phase);
    cos_phase[g] = cos(phase);
    instances[g] = 1;
    last_action[g] = -1e18;
    row[g * STRIDE + 17] = -INFINITY;
  }
  for (int g = 0; g < groups; g++) {
    a0[g] = uniform01();
    a1[g] = uniform01();
    a2[g] = uniform01();
    ac[g] = 1;
  }
  for (long s = 0; s < (long)groups * slots; s++) read_at[s] = -1;
  long long rounds = 0, records = 0, scale_ups = 0, scale_downs = 0, episodes = 0; /* 64-bit in wasm32 too */
  double utilisation_sum = 0;
  for (long t = 0; t < seconds; t += (long)interval, rounds++) {
    const double now = t * 1e6, angle = 2.0 * M_PI * t / day, sin_angle = sin(angle), cos_angle = cos(angle);
    for (int g = 0; g < groups; g++) {
      double *r = row + (size_t)g * STRIDE;
      advance(r, now, target, &episodes);
      /* settle and read each instance (1 vCPU each) */
      const int n = instances[g];
      const double share = r[0] / n, used = (share < 1 ? share : 1) * micros;
      const long first = (long)g * slots;
      double sum = 0;
      for (long s = first; s < first + n; s++) {
        cpu[s] += used;
        const double whole = floor(cpu[s]), at = read_at[s], before = read_cpu[s];
        read_at[s] = now;
        read_cpu[s] = whole;
        if (at >= 0) sum += fmin(1e4, floor((whole - before) * 1e4 / (now - at)));
      }
      records += n;
      utilisation_sum += share < 1 ? share : 1;
      const double average = n == 1 ? sum : trunc(sum / n);
      /* the corrected Albatross rule: ticks only outside the cooldown */
      const int cooling = now - last_action[g] < cooldown_us;
      above[g] = average > 9000 && !cooling ? above[g] + 1 : 0;
      below[g] = average < 4000 && n > 1 && !cooling ? below[g] + 1 : 0;
      if (above[g] >= up_ticks && n < max_instances) {
        cpu[first + n] = 0;
        read_at[first + n] = -1;
        instances[g] = n + 1;
        above[g] = below[g] = 0;
        last_action[g] = now;
        scale_ups++;
      } else if (below[g] >= down_ticks) {
        instances[g] = n - 1; /* the newest clone */
        above[g] = below[g] = 0;
        last_action[g] = now;
        scale_downs++;
      }
      /* the next demand: the group's own Alea stream, a Gaussian by inversion, the wave */
      const double u = alea_next(&a0[g], &a1[g], &a2[g], &ac[g]);
      double z;
      if (u < P_LOW || u > P_HIGH) z = quantile(u == 0 ? 2.3283064365386963e-10 / 2 : u);
      else {
        const double cell = u * CELLS;
        const int k = (int)cell;
        z = table[k] + (cell - k) * (table[k + 1] - table[k]);
      }
      noise[g] = 0.9 * noise[g] + 0.05 * z;
      double demand = base[g] * (1.0 + 0.5 * (sin_angle * cos_phase[g] + cos_angle * sin_phase[g])) + noise[g];
      if (demand < 0) demand = 0;
      /* store the row for the next interval */
      const double m = instances[g];
      r[0] = demand;
      r[1] = m;
      r[2] = ceil(demand / target - 1e-9);
      r[3] = r[4] = r[5] = m;
      r[6] = m / 16; /* 64 MiB an instance */
    }
  }
  double instance_us = 0, violation_us = 0;
  for (int g = 0; g < groups; g++) {
    advance(row + (size_t)g * STRIDE, seconds * 1e6, target, &episodes);
    instance_us += row[g * STRIDE + 8];
    violation_us += row[g * STRIDE + 11];
  }
  *w = (struct work){groups, rounds, records, scale_ups, scale_downs, instance_us / 1e6, utilisation_sum / ((double)rounds * groups), violation_us / 1e6, episodes};
  free(base); free(sin_phase); free(cos_phase); free(noise); free(last_action); free(instances); free(above); free(below);
  free(a0); free(a1); free(a2); free(ac); free(cpu); free(read_cpu); free(read_at); free(row);
}

/* The `c` day (see the header): pb1.c's own arithmetic, nothing accounted. */
static void bare(int groups, long seconds, struct work *w) {
  const double interval = 10.0, day = 86400.0, cooldown = 600.0;
  const int max_instances = 8, up_ticks = 3, down_ticks = 5;
  const double up = 0.90, down = 0.40;

  double *base = malloc(sizeof(double) * groups), *phase = malloc(sizeof(double) * groups);
  double *noise = calloc(groups, sizeof(double)), *last_action = malloc(sizeof(double) * groups);
  int *instances = malloc(sizeof(int) * groups), *above = calloc(groups, sizeof(int)), *below = calloc(groups, sizeof(int));
  for (int g = 0; g < groups; g++) {
    base[g] = 0.3 + 0.6 * uniform01();
    phase[g] = 2.0 * M_PI * uniform01();
    instances[g] = 1;
    last_action[g] = -1e18;
  }

  long long rounds = 0, records = 0, scale_ups = 0, scale_downs = 0;
  double instance_seconds = 0, utilisation_sum = 0;
  for (double t = 0; t < (double)seconds; t += interval, rounds++) {
    const double wave = 2.0 * M_PI * t / day;
    for (int g = 0; g < groups; g++) {
      noise[g] = 0.9 * noise[g] + 0.05 * gaussian();
      double demand = base[g] * (1.0 + 0.5 * sin(wave + phase[g])) + noise[g];
      if (demand < 0) demand = 0;
      const int n = instances[g];
      double share = demand / n;
      double utilisation = share < 1.0 ? share : 1.0;
      records += n;
      utilisation_sum += utilisation;
      instance_seconds += n * interval;
      above[g] = utilisation > up ? above[g] + 1 : 0;
      below[g] = utilisation < down ? below[g] + 1 : 0;
      if (t - last_action[g] < cooldown) continue;
      if (above[g] >= up_ticks && n < max_instances) {
        instances[g] = n + 1;
        above[g] = 0;
        last_action[g] = t;
        scale_ups++;
      } else if (below[g] >= down_ticks && n > 1) {
        instances[g] = n - 1; /* the newest clone */
        below[g] = 0;
        last_action[g] = t;
        scale_downs++;
      }
    }
  }
  *w = (struct work){groups, rounds, records, scale_ups, scale_downs, instance_seconds, utilisation_sum / ((double)rounds * groups), 0, 0};
  free(base); free(phase); free(noise); free(last_action); free(instances); free(above); free(below);
}

#ifdef __wasm__
/* The WebAssembly entry: the run's figures land in `work` (exported), which the host prints. */
struct work work;
__attribute__((export_name("run"))) void run(int groups, int seconds, int accounted_work) {
  if (accounted_work) accounted(groups, seconds, &work);
  else bare(groups, seconds, &work);
}
__attribute__((export_name("work_address"))) struct work *work_address(void) { return &work; }
#else
/* Argument `i` as a whole number from 1 to `most`, `fallback` when absent; one line and exit 2 otherwise (as pb1.mjs's `count`). */
static long count(int argc, char **argv, int i, const char *name, long fallback, long most) {
  if (argc <= i) return fallback;
  char *end;
  long n = strtol(argv[i], &end, 10);
  if (*argv[i] == '\0' || *end != '\0' || n < 1 || n > most) {
    fprintf(stderr, "pb1: %s must be a whole number from 1 to %ld, got \"%s\"\n", name, most, argv[i]);
    exit(2);
  }
  return n;
}

int main(int argc, char **argv) {
  const int groups = (int)count(argc, argv, 1, "groups", 1000, 10000000);
  const long seconds = count(argc, argv, 2, "seconds", 86400, 100000000);
  int accounted_work = 0;
  if (argc > 3) {
    accounted_work = strcmp(argv[3], "accounted") == 0;
    if (!accounted_work && strcmp(argv[3], "c") != 0) {
      fprintf(stderr, "pb1: the arithmetic must be c or accounted, got \"%s\"\n", argv[3]);
      return 2;
    }
  }
  struct work w;
  if (accounted_work) accounted(groups, seconds, &w);
  else bare(groups, seconds, &w);
  printf("{\"groups\":%.0f,\"rounds\":%.0f,\"records\":%.0f,\"scale_ups\":%.0f,\"scale_downs\":%.0f,\"instance_seconds\":%.0f,\"mean_utilisation\":%.6f", w.groups, w.rounds, w.records, w.scale_ups,
         w.scale_downs, w.instance_seconds, w.mean_utilisation);
  if (accounted_work) printf(",\"slo_violation_seconds\":%.0f,\"violation_episodes\":%.0f", w.slo_violation_seconds, w.violation_episodes);
  printf("}\n");
  return 0;
}
#endif
