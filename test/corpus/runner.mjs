#!/usr/bin/env node
/**
 * Runs the bad-input corpus (test/corpus/cases.jsonl, made by generate.mjs) against the built CLI
 * (dist/cli/main.js): each case in a fresh temporary folder, with a timeout, a memory limit
 * (V8 heap 256 MiB, and 3 GB of address space through prlimit when the machine has it) and a
 * few cases at a time. A case is clean when
 *
 * - the exit status is the expected one (2), within the timeout (no hang);
 * - stderr is exactly one line, `scalelab: error: …`, with no stack trace and no "internal error";
 * - the line contains every string the case says it must name (file and line, or key);
 * - the folder holds exactly the files it held before, byte for byte (nothing written, nothing
 *   harmed, no temporary file left).
 *
 * `node test/corpus/runner.mjs` prints `corpus: tried N, clean M` (and every unclean case) and
 * exits 1 unless all are clean; test/corpus.test.ts runs the same through `runCorpus`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const CLI = path.join(root, 'dist', 'cli', 'main.js');

/** Per-case limits. */
export const TIMEOUT_MS = 30_000;
const HEAP_MB = 256;
const ADDRESS_SPACE = 3_000_000_000;

/** The cases of cases.jsonl. */
export function loadCases(file = path.join(here, 'cases.jsonl')) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

/** A file's content as written in a case: a string, or `{prefix, repeat, times, suffix}`. */
function content(spec) {
  return typeof spec === 'string' ? spec : spec.prefix + spec.repeat.repeat(spec.times) + (spec.suffix ?? '');
}

/** Lay a case's files out in `dir`. */
function prepare(c, dir) {
  for (const d of c.dirs ?? []) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const [name, spec] of Object.entries(c.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content(spec));
  }
  for (const [name, b64] of Object.entries(c.binary ?? {})) fs.writeFileSync(path.join(dir, name), Buffer.from(b64, 'base64'));
  for (const [name, target] of Object.entries(c.links ?? {})) fs.symlinkSync(target, path.join(dir, name));
}

/** Every entry under `dir` (hidden ones too) with a digest of its content: the folder's state. */
function snapshot(dir) {
  const out = new Map();
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.join(rel, entry.name);
      const full = path.join(dir, name);
      if (entry.isSymbolicLink()) out.set(name, `link:${fs.readlinkSync(full)}`);
      else if (entry.isDirectory()) {
        out.set(name, 'dir');
        walk(name);
      } else out.set(name, `file:${createHash('sha1').update(fs.readFileSync(full)).digest('hex')}`);
    }
  };
  walk('');
  return out;
}

/** What changed between two snapshots, in words. */
function changes(before, after) {
  const out = [];
  for (const [name, state] of after) if (!before.has(name)) out.push(`left behind ${name}`);
  for (const [name, state] of before) {
    if (!after.has(name)) out.push(`removed ${name}`);
    else if (after.get(name) !== state) out.push(`changed ${name}`);
  }
  return out;
}

const hasPrlimit = spawnSync('sh', ['-c', 'command -v prlimit'], { encoding: 'utf8' }).status === 0;

/** Run one case; resolves to `{ id, clean, problems, stderr, ms }`. */
export function runCase(c) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-corpus-'));
  prepare(c, dir);
  const before = snapshot(dir);
  const nodeArgs = [`--max-old-space-size=${HEAP_MB}`, CLI, ...c.args];
  const [cmd, args] = hasPrlimit ? ['prlimit', [`--as=${ADDRESS_SPACE}`, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, SCALELAB_DEBUG: '', JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '' } });
    let stderr = '';
    let hung = false;
    child.stderr.on('data', (d) => {
      if (stderr.length < 100_000) stderr += d;
    });
    child.stdin.on('error', () => {}); // the command may stop reading early (that is the point)
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const problems = [];
      if (hung) problems.push(`hung (killed after ${TIMEOUT_MS / 1000}s)`);
      else if (signal) problems.push(`killed by ${signal}`);
      else if (code !== c.code) problems.push(`exit ${code}, expected ${c.code}`);
      const lines = stderr.split('\n').filter((l) => l !== '');
      if (lines.length !== 1) problems.push(`${lines.length} lines on stderr`);
      if (/\n\s+at |internal error|FATAL|Error: /.test(stderr)) problems.push('stack trace or internal error');
      if (lines[0] !== undefined && !lines[0].startsWith('scalelab: error: ')) problems.push('not a "scalelab: error:" line');
      for (const m of c.mentions ?? []) if (!stderr.includes(m)) problems.push(`does not name ${JSON.stringify(m)}`);
      problems.push(...changes(before, snapshot(dir)));
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ id: c.id, clean: problems.length === 0, problems, stderr: stderr.slice(0, 400), ms: Date.now() - started });
    });
    child.stdin.end(c.stdin === undefined ? '' : content(c.stdin));
  });
}

/** Run every case, `parallel` at a time; returns the results in case order. */
export async function runCorpus(cases = loadCases(), parallel = 3) {
  const results = new Array(cases.length);
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await runCase(cases[i]);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results;
}

/** The counts line CI prints. */
export function countsLine(results) {
  return `corpus: tried ${results.length}, clean ${results.filter((r) => r.clean).length}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv[2];
  const cases = loadCases().filter((c) => only === undefined || c.id.includes(only));
  const started = Date.now();
  const results = await runCorpus(cases, Number(process.env.CORPUS_PARALLEL ?? 3));
  for (const r of results) if (!r.clean) console.log(`UNCLEAN ${r.id}: ${r.problems.join('; ')}\n    ${r.stderr.trim()}`);
  console.log(`${countsLine(results)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = results.every((r) => r.clean) ? 0 : 1;
}
