/**
 * The built command and its standard output (`quitOnBrokenPipe`, src/cli/main.ts): a reader that
 * goes away early (`scalelab … | head`) ends the command with exit 0 and nothing on stderr, and a
 * quiet run, which prints nothing, never creates the stdout stream (Node's net and stream modules
 * stay unloaded).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const main = path.join(root, 'dist', 'cli', 'main.js');
const built = fs.existsSync(main);

describe('scalelab and its stdout', () => {
  it.skipIf(!built)('exits 0, silently, when the reader of its output has gone (EPIPE)', async () => {
    // `engines --json` writes ~32 KB, more than a pipe takes once its reading end is closed
    const child = spawn(process.execPath, [main, 'engines', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.skipIf(!built)('a quiet run does not create the stdout stream', () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'scalelab-stdout-'));
    try {
      // a preload that reports, at exit, which of Node's own modules the process loaded
      const preload = path.join(dir, 'modules.cjs');
      fs.writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(2, process.moduleLoadList.join('\\n') + '\\n'));\n");
      const r = spawnSync(process.execPath, ['-r', preload, main, 'run', path.join(root, 'scenarios', 'bench-pb1.yaml'), '--set', 'duration=10s', '-q', '--out', path.join(dir, 'out')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      const loaded = r.stderr.split('\n');
      expect(loaded).toContain('NativeModule fs');
      // what creating process.stdout on a pipe loads
      expect(loaded).not.toContain('NativeModule net');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
