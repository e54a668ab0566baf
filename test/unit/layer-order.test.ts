import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer order in .dependency-cruiser.cjs, checked by the real dependency-cruiser: the repository passes, and
 * a copy of the configuration rejects an upward import, a type-only cycle and a folder without a layer.
 */
const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'stampede-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs dependency-cruiser with the project's configuration over `src` in `cwd`; exit code and output. */
async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [depcruise, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      { cwd, timeout: 60_000 },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let fixtures = 0;
/** A small project with the real configuration and the given files (path -> source). */
function project(files: Record<string, string>): string {
  const dir = join(scratch, `p${fixtures++}`);
  mkdirSync(dir);
  copyFileSync(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(join(repo, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layer order (dependency-cruiser)', () => {
  it('the repository has no upward import and no cycle', async () => {
    const { code, output } = await cruise(repo);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 60_000);

  it('accepts a downward import (the fixture is read the way the repository is)', async () => {
    const dir = project({
      'src/engine/step.ts': "import { parse } from '../api/duration.js';\nexport const step = parse;\n",
      'src/api/duration.ts': 'export const parse = (s: string) => s.length;\n',
    });
    const { code, output } = await cruise(dir);
    expect(output).toContain('no dependency violations found (2 modules, 1 dependencies cruised)');
    expect(code).toBe(0);
  }, 60_000);

  it('rejects an upward import: api importing engine', async () => {
    const dir = project({
      'src/api/schema.ts': "import { run } from '../engine/run.js';\nexport const schema = run;\n",
      'src/engine/run.ts': 'export const run = 1;\n',
    });
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toMatch(/error layer-api: src\/api\/schema\.ts → src\/engine\/run\.ts/);
  }, 60_000);

  it('rejects a cycle closed by a type-only import inside one layer', async () => {
    const dir = project({
      'src/protocols/http.ts':
        "import { send } from './http1/client.js';\nexport interface Req { n: number }\nexport const go = send;\n",
      'src/protocols/http1/client.ts':
        "import type { Req } from '../http.js';\nexport const send = (r: Req) => r.n;\n",
    });
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('error no-circular');
  }, 60_000);

  it('rejects a src folder that has no place in the layer order', async () => {
    const dir = project({
      'src/util/strings.ts': "import { parse } from '../api/duration.js';\nexport const s = parse;\n",
      'src/api/duration.ts': 'export const parse = (s: string) => s.length;\n',
    });
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('error layer-unknown-folder');
  }, 60_000);
});
