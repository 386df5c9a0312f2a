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
 * Build and run:  cc -O2 -o pb1 bench/peers/pb1.c -lm && ./pb1 [groups] [seconds]
 * Prints one JSON line: the work done and checksums (so the compiler cannot drop it).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char **argv) {
  const int groups = argc > 1 ? atoi(argv[1]) : 1000;
  const long seconds = argc > 2 ? atol(argv[2]) : 86400;
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

  long rounds = 0, records = 0, scale_ups = 0, scale_downs = 0;
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
  printf("{\"groups\":%d,\"rounds\":%ld,\"records\":%ld,\"scale_ups\":%ld,\"scale_downs\":%ld,\"instance_seconds\":%.0f,\"mean_utilisation\":%.6f}\n",
         groups, rounds, records, scale_ups, scale_downs, instance_seconds, utilisation_sum / ((double)rounds * groups));
  free(base); free(phase); free(noise); free(last_action); free(instances); free(above); free(below);
  return 0;
}
