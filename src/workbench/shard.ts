/**
 * `--shard I/N` (1-based: `1/4` … `4/4`) and `--shard auto`, which takes the slice from the
 * batch system running the shards:
 *
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based) → I = index + 1; N from
 *   `--shard auto/N` or `SCALELAB_SHARDS` (Kubernetes does not export the completion count).
 * - Slurm job array: task ID T is shard T − base + 1, base 0 (`--array=0-7`) or 1 with
 *   `SCALELAB_SHARD_BASE=1` (`--array=1-8`). Never relative to `SLURM_ARRAY_TASK_MIN`: a task
 *   submitted again on its own (`--array=2`) has MIN = its own ID and must still run its shard.
 *   N from `--shard auto/N`, `SCALELAB_SHARDS`, or `SLURM_ARRAY_TASK_COUNT` only when the
 *   submission is a whole array of ≥ 2 tasks from the base (MIN = base, MAX = base + COUNT − 1,
 *   no `:step`); otherwise (a task or a few submitted again) N must be given.
 */
import { InputError } from '../scenario/errors.js';
import type { Shard } from './plan.js';

const WHERE = { file: '--shard' };

/**
 * Read a `--shard` value; `env` is the process environment (passed in for tests).
 *
 * @example parseShard('2/4', {}) // { index: 2, count: 4 }
 * @example parseShard('auto', { JOB_COMPLETION_INDEX: '0', SCALELAB_SHARDS: '8' }) // { index: 1, count: 8 }
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv): Shard {
  const auto = /^auto(?:\/(\d+))?$/.exec(text.trim());
  if (auto) return autoShard(auto[1] !== undefined ? Number(auto[1]) : undefined, env);
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`expected I/N (1-based, e.g. 1/4), auto or auto/N, got ${JSON.stringify(text)}`, WHERE);
  return checked(Number(m[1]), Number(m[2]), '');
}

/** The shard from the batch system's environment. */
function autoShard(explicitCount: number | undefined, env: NodeJS.ProcessEnv): Shard {
  const given = explicitCount ?? envInt(env, 'SCALELAB_SHARDS');
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX');
  const slurm = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (k8s === undefined && slurm === undefined) throw new InputError('auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set', WHERE);
  if (k8s !== undefined) {
    if (given === undefined) throw new InputError('auto: the number of shards is unknown; write --shard auto/N or set SCALELAB_SHARDS', WHERE);
    return checked(k8s + 1, given, ' (from JOB_COMPLETION_INDEX)');
  }
  const base = slurmBase(env);
  const count = given ?? wholeArrayCount(env, base);
  return checked(slurm! - base + 1, count, ` (from SLURM_ARRAY_TASK_ID ${slurm}${base === 1 ? ', SCALELAB_SHARD_BASE=1' : ''})`);
}

/** The first task ID of the user's Slurm arrays: 0, or 1 with `SCALELAB_SHARD_BASE=1`. */
function slurmBase(env: NodeJS.ProcessEnv): 0 | 1 {
  const base = envInt(env, 'SCALELAB_SHARD_BASE') ?? 0;
  if (base !== 0 && base !== 1) throw new InputError(`auto: SCALELAB_SHARD_BASE must be 0 or 1 (the first task ID of the array), got ${base}`, WHERE);
  return base;
}

/**
 * `SLURM_ARRAY_TASK_COUNT` when this submission is a whole array of ≥ 2 tasks from `base`
 * (MIN = base, MAX = base + COUNT − 1, no step); anything else is refused in one line, for
 * a task submitted again on its own sees only itself (COUNT 1, MIN = MAX = its ID).
 *
 * @example wholeArrayCount({ SLURM_ARRAY_TASK_COUNT: '8', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '7' }, 0) // 8
 */
function wholeArrayCount(env: NodeJS.ProcessEnv, base: 0 | 1): number {
  const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
  const min = envInt(env, 'SLURM_ARRAY_TASK_MIN');
  const max = envInt(env, 'SLURM_ARRAY_TASK_MAX');
  const step = envInt(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
  if (count === undefined) throw new InputError('auto: the number of shards is unknown; write --shard auto/N or set SCALELAB_SHARDS', WHERE);
  const whole = count >= 2 && step === 1 && (min ?? base) === base && (max ?? base + count - 1) === base + count - 1;
  if (!whole) {
    const seen = `tasks ${min ?? '?'}–${max ?? '?'}, ${count} in all${step !== 1 ? `, step ${step}` : ''}`;
    throw new InputError(`auto: this Slurm submission (${seen}) is not a whole array from task ${base}, so SLURM_ARRAY_TASK_COUNT is not the number of shards (a task submitted again on its own?); write --shard auto/N or set SCALELAB_SHARDS`, WHERE);
  }
  return count;
}

/** A non-negative integer environment variable, or undefined when unset. */
function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new InputError(`auto: ${name}=${JSON.stringify(v)} is not a non-negative integer`, WHERE);
  return Number(v);
}

/** 1 ≤ index ≤ count. */
function checked(index: number, count: number, source: string): Shard {
  if (count < 1) throw new InputError(`the number of shards must be at least 1, got ${count}`, WHERE);
  if (index < 1 || index > count) throw new InputError(`shard ${index}${source} is not in 1..${count} (shards are 1-based: 1/${count} … ${count}/${count})`, WHERE);
  return { index, count };
}

/** `2/4`. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
