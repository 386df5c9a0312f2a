/**
 * Upper bounds on what a user can ask for, checked when a scenario or a command line is read,
 * each refusal naming the bound (docs/SCENARIOS.md, "Limits"). They keep a typo from turning
 * into a run that never ends or a memory that never stops growing.
 */
import { MICROS_PER_SECOND, type Micros } from '../kernel/time.js';

/** Longest simulated `duration`: 366 days. */
export const MAX_DURATION: Micros = 366 * 86_400 * MICROS_PER_SECOND;
/** Largest seed (`seed:`, `--seed`): 2^31 − 1, the range derived replication seeds use. */
export const MAX_SEED = 2 ** 31 - 1;
/** Most hosts after `count:` expansion (and cluster members). */
export const MAX_HOSTS = 10_000;
/** Most cluster VMs (Incus, Neon) after `count:` expansion. */
export const MAX_WORKLOADS = 10_000;
/** Most workloads (Albatross groups) after `count:` expansion, and the largest workload `count`. */
export const MAX_GROUPS = 100_000;
/** Most replications per sweep point (`--seeds`, `sweep.seeds`). */
export const MAX_SWEEP_SEEDS = 1_000;
/** Most runs one sweep plans (points × seeds). */
export const MAX_SWEEP_RUNS = 1_000_000;
/** Worker threads per core (`--workers` is at most this × the cores, and at most MAX_WORKERS). */
export const WORKERS_PER_CORE = 4;
/** Most worker threads whatever the cores. */
export const MAX_WORKERS = 256;
