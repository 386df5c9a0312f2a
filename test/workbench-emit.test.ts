/**
 * `scalelab sweep --emit slurm|k8s`: the committed recipes (scripts/) are what the CLI writes and
 * what docs/WORKBENCH.md shows; the Kubernetes manifests are valid Jobs by the Kubernetes API's
 * own schema (the `kubernetes-models` package: the OpenAPI definitions compiled with ajv), and
 * running every pod's command as the Job controller would — `JOB_COMPLETION_INDEX` set, `$(VAR)`
 * substituted — then the merge Job's command gives the report of the same sweep run in one
 * process, byte for byte. The Slurm script runs on a real cluster in test/slurm.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { runCli } from './helpers.js';
import { k8sName, shellWord } from '../src/workbench/emit.js';
import { readJournal, RUNS_FILE } from '../src/workbench/journal.js';

const STUDY = ['scenarios/albatross-tuning.yaml'];
const SLURM_ARGS = [...STUDY, '--emit', 'slurm', '--shards', '8'];
const K8S_ARGS = [...STUDY, '--emit', 'k8s', '--shards', '8', '--image', 'registry.example.com/scalelab:0.1.0', '--volume', 'scalelab-results'];

/** A small sweep (6 points × 2 seeds of 16 hours) that the tests run for real. */
const SMALL = ['scenarios/albatross-default.yaml', '--grid', 'engine.config.scale_up_threshold_percent=80,90,95', '--grid', 'engine.config.cooldown_period=60s,600s', '--seeds', '2', '--set', 'duration=16h', '--constraint', 'slo_violation_percent<=50'];

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-emit-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The text `scalelab sweep ARGS…` prints (exit status 0 expected). */
async function emitted(...args: string[]): Promise<string> {
  const r = await runCli('sweep', ...args);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

describe('the committed recipes', () => {
  it('scripts/slurm-sweep.sh is what --emit slurm writes for the bundled study, and docs/WORKBENCH.md shows it', async () => {
    const file = fs.readFileSync('scripts/slurm-sweep.sh', 'utf8');
    expect(await emitted(...SLURM_ARGS)).toBe(file);
    expect(fs.statSync('scripts/slurm-sweep.sh').mode & 0o111).not.toBe(0);
    expect(fs.readFileSync('docs/WORKBENCH.md', 'utf8')).toContain('```bash\n' + file + '```\n');
  });

  it('scripts/k8s-sweep.yaml is what --emit k8s writes for the bundled study, and docs/WORKBENCH.md shows it', async () => {
    const file = fs.readFileSync('scripts/k8s-sweep.yaml', 'utf8');
    expect(await emitted(...K8S_ARGS)).toBe(file);
    expect(fs.readFileSync('docs/WORKBENCH.md', 'utf8')).toContain('```yaml\n' + file + '```\n');
  });
});

describe('--emit slurm', () => {
  it('embeds the sweep (flags in a fixed order), each word quoted for the shell, the shard from the task ID', async () => {
    const text = await emitted(...SMALL, '--emit', 'slurm', '--shards', '4', '--workers', '1', '--out', 'out dir');
    expect(text).toContain(`exec $scalelab sweep scenarios/albatross-default.yaml --grid engine.config.scale_up_threshold_percent=80,90,95 --grid engine.config.cooldown_period=60s,600s --seeds 2 --constraint 'slo_violation_percent<=50' --set duration=16h \\\n`);
    expect(text).toContain('--shard "$((SLURM_ARRAY_TASK_ID + 1))/$shards"');
    expect(text).toContain('#SBATCH --array=0-3\n#SBATCH --cpus-per-task=1\n#SBATCH --requeue\n');
    expect(text).toContain(`shards=4\nresults='out dir'\nresults="\${SCALELAB_RESULTS:-$results}"\n`);
  });

  it('--require-feasible goes on the merge command', async () => {
    const text = await emitted(...SMALL, '--require-feasible', '--emit', 'slurm', '--shards', '4');
    expect(text).toContain('--wrap "$scalelab sweep merge$dirs --out $(printf %q "$results/all") --require-feasible")');
    expect(text.split('\n').find((l) => l.startsWith('exec '))).not.toContain('--require-feasible'); // not on the shards
    const k8s = documents(await emitted(...SMALL, '--require-feasible', '--emit', 'k8s', '--image', 'i', '--volume', 'v'));
    expect(k8s[1]!.spec.template.spec.containers[0].command.slice(-3)).toEqual(['--out', '/results/all', '--require-feasible']);
    expect(k8s[0]!.spec.template.spec.containers[0].command).not.toContain('--require-feasible');
  });

  it('shell words', () => {
    expect(shellWord('--grid')).toBe('--grid');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('a b')).toBe(`'a b'`);
  });
});

describe('bad input: one line, exit 2, nothing printed on stdout', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown target', [...STUDY, '--emit', 'pbs'], /^scalelab: error: --emit: expected slurm or k8s, got "pbs"\n$/],
    ['k8s without an image', [...STUDY, '--emit', 'k8s', '--volume', 'v'], /^scalelab: error: --image: --emit k8s needs --image IMAGE/],
    ['k8s without a volume', [...STUDY, '--emit', 'k8s', '--image', 'i'], /^scalelab: error: --volume: --emit k8s needs --volume CLAIM/],
    ['k8s with a relative --out', [...STUDY, '--emit', 'k8s', '--image', 'i', '--volume', 'v', '--out', 'results'], /^scalelab: error: --out: with --emit k8s, the mount point/],
    ['--shards 0', [...STUDY, '--emit', 'slurm', '--shards', '0'], /^scalelab: error: --shards: must be at least 1, got 0\n$/],
    ['more shards than points', [...SMALL, '--emit', 'slurm', '--shards', '7'], /^scalelab: error: --shards: 7 shards for 6 point\(s\): a shard runs whole points/],
    ['--shards without --emit', [...STUDY, '--shards', '4'], /^scalelab: error: --emit: --shards, --image and --volume go with --emit/],
    ['--shard with --emit', [...STUDY, '--emit', 'slurm', '--shard', '1/4'], /^scalelab: error: --shard: --shard is for one shard/],
    ['a bad sweep', [...STUDY, '--emit', 'slurm', '--grid', 'engine.config.scale_up_threshold_percent=150'], /^scalelab: error: --grid: engine.config.scale_up_threshold_percent: value 150: must be <= 100/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli('sweep', ...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    });
  }
});

/** The YAML documents of a manifest stream. */
function documents(text: string): Array<Record<string, any>> {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, any>;
  });
}

/** Validate with the Kubernetes schema; the error text, or null when valid. */
function schemaError(manifest: unknown): string | null {
  try {
    new Job(manifest as ConstructorParameters<typeof Job>[0]).validate();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Every field of `manifest` is one the schema knows: the schema ignores fields it does not
 * define (it sets no additionalProperties), so each field in turn gets a value of the wrong
 * type, and the schema must then complain. A misspelt field (`completionMod`) would pass.
 */
function unknownFields(manifest: Record<string, any>): string[] {
  const unknown: string[] = [];
  const visit = (node: any, at: Array<string | number>) => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      const key = Array.isArray(node) ? Number(k) : k;
      const probe = structuredClone(manifest);
      let parent: any = probe;
      for (const step of at) parent = parent[step];
      parent[key] = typeof v === 'object' && v !== null ? 12345 : { wrong: 'type' };
      if (schemaError(probe) === null) unknown.push([...at, key].join('.'));
      visit(v, [...at, key]);
    }
  };
  visit(manifest, []);
  return unknown.filter((p) => p !== 'apiVersion' && p !== 'kind'); // fixed by the model class itself
}

/**
 * Kubernetes' substitution of `$(VAR)` in a container's command from the container's
 * environment: a defined variable is replaced, `$$` stands for `$`, anything else stays as
 * written (kubernetes/kubernetes, third_party/forked/golang/expansion/expand.go, Expand).
 */
function expand(word: string, env: Record<string, string>): string {
  return word.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in env ? env[name]! : m));
}

describe('--emit k8s', () => {
  it('writes an Indexed Job and a suspended merge Job that the Kubernetes schema accepts, every field known to it', async () => {
    const docs = documents(fs.readFileSync('scripts/k8s-sweep.yaml', 'utf8'));
    expect(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`)).toEqual(['batch/v1 Job albatross-tuning-shards', 'batch/v1 Job albatross-tuning-merge']);
    for (const d of docs) {
      expect(schemaError(d)).toBeNull();
      expect(unknownFields(d)).toEqual([]);
    }
    const [shards, merge] = docs as [Record<string, any>, Record<string, any>];
    expect(shards.spec).toMatchObject({ completionMode: 'Indexed', completions: 8, parallelism: 8 });
    expect(merge.spec.suspend).toBe(true);
    // the probe does catch what the schema alone lets through
    const misspelt = structuredClone(shards);
    misspelt.spec.completionMod = misspelt.spec.completionMode;
    expect(schemaError(misspelt)).toBeNull();
    expect(unknownFields(misspelt)).toEqual(['spec.completionMod']);
    const wrong = structuredClone(shards);
    wrong.spec.completions = '8';
    expect(schemaError(wrong)).toMatch(/completions must be integer/);
  });

  it('names are valid Kubernetes names', () => {
    expect(k8sName('Albatross_Tuning v2')).toBe('albatross-tuning-v2');
    expect(k8sName('___')).toBe('scalelab-sweep');
    expect(k8sName('x'.repeat(80))).toHaveLength(50);
  });

  it('each pod resolves --shard auto from JOB_COMPLETION_INDEX, and the merge Job gives the one-process report byte for byte', async () => {
    const results = path.join(tmp, 'volume');
    const docs = documents(await emitted(...SMALL, '--emit', 'k8s', '--shards', '4', '--workers', '1', '--image', 'img', '--volume', 'claim', '--out', results));
    const [shards, merge] = docs as [Record<string, any>, Record<string, any>];
    const shardCommand: string[] = shards.spec.template.spec.containers[0].command;
    const mergeCommand: string[] = merge.spec.template.spec.containers[0].command;
    expect(shards.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'results', mountPath: results }]);
    expect(shardCommand[0]).toBe('scalelab');
    expect(shardCommand).toContain('auto/4');
    const saved = process.env.JOB_COMPLETION_INDEX;
    try {
      for (let index = 0; index < 4; index++) {
        // what the Job controller gives container `shard` of the pod with completion index `index`
        const env = { JOB_COMPLETION_INDEX: String(index) };
        const argv = shardCommand.slice(1).map((w) => expand(w, env));
        expect(argv.at(-1)).toBe(path.join(results, `shard-${index}`));
        process.env.JOB_COMPLETION_INDEX = env.JOB_COMPLETION_INDEX;
        const r = await runCli(...argv, '-q');
        expect(r.err).toBe('');
        expect(r.code).toBe(0);
        const journal = readJournal(path.join(results, `shard-${index}`, RUNS_FILE));
        expect(journal.headers.at(-1)!.shard).toEqual({ index: index + 1, count: 4 });
        expect(journal.runs.length).toBeGreaterThan(0);
      }
    } finally {
      if (saved === undefined) delete process.env.JOB_COMPLETION_INDEX;
      else process.env.JOB_COMPLETION_INDEX = saved;
    }
    const m = await runCli(...mergeCommand.slice(1), '-q');
    expect(m.err).toBe('');
    expect(m.code).toBe(0);
    const local = path.join(tmp, 'local');
    expect((await runCli('sweep', ...SMALL, '--workers', '1', '--out', local, '-q')).code).toBe(0);
    for (const file of ['sweep.csv', 'index.html']) {
      expect(fs.readFileSync(path.join(results, 'all', file), 'utf8'), file).toBe(fs.readFileSync(path.join(local, file), 'utf8'));
    }
    expect(readJournal(path.join(results, 'all', RUNS_FILE)).runs).toHaveLength(12); // 6 points × 2 seeds
  });
});
