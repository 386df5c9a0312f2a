/**
 * `--shard I/N` (1-based: `1/4` … `4/4`) and `--shard auto`, which takes the slice from the
 * batch system running the shards:
 *
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based) → I = index + 1; N from
 *   `--shard auto/N` or `SCALELAB_SHARDS` (Kubernetes does not export the completion count).
 * - Slurm job array: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (default 0) + 1; N from
 *   `--shard auto/N`, `SCALELAB_SHARDS` or `SLURM_ARRAY_TASK_COUNT`. Arrays must be contiguous
 *   (`--array=0-7` or `1-8`, no `:step`).
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
  const count = explicitCount ?? envInt(env, 'SCALELAB_SHARDS') ?? envInt(env, 'SLURM_ARRAY_TASK_COUNT');
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX');
  const slurm = envInt(env, 'SLURM_ARRAY_TASK_ID');
  const index = k8s !== undefined ? k8s + 1 : slurm !== undefined ? slurm - (envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0) + 1 : undefined;
  if (index === undefined) throw new InputError('auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set', WHERE);
  if (count === undefined) throw new InputError('auto: the number of shards is unknown; write --shard auto/N or set SCALELAB_SHARDS', WHERE);
  const source = k8s !== undefined ? ' (from JOB_COMPLETION_INDEX)' : ' (from SLURM_ARRAY_TASK_ID)';
  return checked(index, count, source);
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
