import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * scripts/size-check.mjs (in `npm run lint`): the repository passes, and a project with a function over 80 lines
 * or a file over 400 lines fails with its path and name.
 */
const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const script = join(repo, 'scripts/size-check.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'stampede-size-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function sizeCheck(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script], { cwd, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let fixtures = 0;
function project(files: Record<string, string>): string {
  const dir = join(scratch, `p${fixtures++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A function whose text spans exactly `lines` lines. */
function functionOf(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  return `export function ${name}(): void {\n${body}\n}\n`;
}

describe('size check (functions <= 80 lines, files <= 400 lines)', () => {
  it('the repository passes', async () => {
    const { code, output } = await sizeCheck(repo);
    expect(output).toMatch(/size-check: \d+ files within 80-line functions, 400-line files/);
    expect(code).toBe(0);
  }, 60_000);

  it('accepts an 80-line function and fails an 81-line one, naming it', async () => {
    const ok = await sizeCheck(project({ 'src/a/ok.ts': functionOf('fits', 80) }));
    expect(ok.code).toBe(0);
    const long = await sizeCheck(project({ 'src/a/long.ts': `// header\n${functionOf('tooLong', 81)}` }));
    expect(long.output).toContain('src/a/long.ts:2: tooLong is 81 lines (max 80)');
    expect(long.code).toBe(1);
  }, 60_000);

  it('names methods by class and arrows by their binding', async () => {
    const body = Array.from({ length: 85 }, (_, i) => `    const v${i} = ${i};`).join('\n');
    const dir = project({
      'src/b/named.ts': [
        'export class Worker {',
        `  step(): void {\n${body}\n  }`,
        '}',
        `export const handler = (): void => {\n${body}\n};`,
        '',
      ].join('\n'),
    });
    const { code, output } = await sizeCheck(dir);
    expect(output).toContain('Worker.step is 87 lines');
    expect(output).toContain('handler is 87 lines');
    expect(code).toBe(1);
  }, 60_000);

  it('fails a file over 400 lines', async () => {
    const text = Array.from({ length: 401 }, (_, i) => `export const c${i} = ${i};`).join('\n');
    const { code, output } = await sizeCheck(project({ 'src/c/big.ts': `${text}\n` }));
    expect(output).toContain('src/c/big.ts:1: <file> is 401 lines (max 400)');
    expect(code).toBe(1);
  }, 60_000);
});
