import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const V8_FLAGS = fileURLToPath(new URL('../../bin/v8-flags.js', import.meta.url));

/**
 * A process shaped like a run's coordinator after its pre-start full GC: ~25 MB live, then 10.5 s of light
 * allocation. V8's memory reducer, armed by that GC, starts its own full GCs 8 s later; `--trace-gc` names
 * them "Mark-Compact (reduce)".
 */
const WORKLOAD = `
const keep = [];
for (let i = 0; i < 3e5; i++) keep.push({ i, s: 'x' + i });
gc();
setInterval(() => new Array(100).fill(1), 50);
setTimeout(() => process.exit(0), 10_500);
`;

function traceGc(extraArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--trace-gc', '--expose-gc', ...extraArgs, '-e', WORKLOAD], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}:\n${out}`))));
  });
}

describe("the main thread's memory reducer, when the CLI is started as `node bin/stampede.js`", () => {
  it('runs no reducing GC in the 10.5 s after a full GC; without the bin flags it does (control)', async () => {
    const [control, treated] = await Promise.all([traceGc([]), traceGc(['--import', V8_FLAGS])]);
    // The control proves the workload arms the reducer on this Node; otherwise the check below means nothing.
    expect(control).toMatch(/Mark-Compact \(reduce\)/);
    expect(treated).toMatch(/Mark-Compact/);
    expect(treated).not.toMatch(/\(reduce\)/);
  }, 30_000);
});
