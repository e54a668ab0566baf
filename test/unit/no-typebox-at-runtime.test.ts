import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Run-time code never loads TypeBox (about 60 ms of CPU at every start): it reads the generated plain schema
 * (src/api/schema-json.generated.ts) and the constants modules. Real processes run the built dist/ under a
 * module resolve hook that reports every module resolved from node_modules/@sinclair, so importing TypeBox
 * again, directly or through a schema module, fails here. A hook rather than a grep: it sees the import
 * graph Node actually loads, re-exports and dynamic imports included.
 */
const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;

const MARK = 'typebox-at-run-time:';
/** Reports synchronously on stderr, which nothing in the child can catch or swallow. */
const HOOKS = `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  // Only where TypeBox is entered from outside it: its own ~600 internal imports would put ~150 KB through
  // a non-blocking stderr pipe, and writeSync fails with EAGAIN when a busy parent has not drained it.
  if (resolved.url.includes('/node_modules/@sinclair/') && !context.parentURL?.includes('/node_modules/@sinclair/'))
    writeSync(2, '${MARK} ' + resolved.url + ' imported by ' + context.parentURL + '\\n');
  return resolved;
}`;
const REGISTER = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;
/** Also applies in worker threads, which inherit the parent's --import. */
const WITH_HOOK = ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`];

/** Imports `modules` in one child under the hook; CommonJS loads (which the hook does not see) are listed too. */
const IMPORTER = (modules: string[], threadEntries: string[]) => `
import { createRequire } from 'node:module';
for (const url of ${JSON.stringify(modules)}) await import(url);
// A thread entry fails when evaluated outside its thread; its imports were loaded and evaluated before that.
for (const url of ${JSON.stringify(threadEntries)}) await import(url).catch(() => {});
for (const path of Object.keys(createRequire(import.meta.url).cache))
  if (path.includes('/node_modules/@sinclair/')) console.error('${MARK} ' + path + ' (require)');
console.log('imported');`;

async function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...WITH_HOOK, ...args], {
      cwd: repo,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const importing = (modules: string[], threadEntries: string[] = []) =>
  node(['--input-type=module', '-e', IMPORTER(modules.map(dist), threadEntries.map(dist))]);

describe('TypeBox is not loaded at run time', () => {
  beforeAll(() => {
    if (!existsSync(resolve(repo, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm run test:unit builds first)');
  });

  it('the hook sees TypeBox when a schema module is imported (the check below is live)', async () => {
    const { code, stdout, stderr } = await importing(['api/schema.js']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('imported');
    expect(stderr).toContain(`${MARK} file://`);
    expect(stderr).toContain('/node_modules/@sinclair/typebox/');
  }, 60_000);

  it('`stampede validate` checks a manifest without it', async () => {
    const { code, stdout, stderr } = await node(['bin/stampede.js', 'validate', 'examples/quickstart.yaml']);
    expect(stderr).not.toContain(MARK);
    expect(stdout).toContain('valid LoadTest "quickstart"');
    expect(code).toBe(0);
  }, 60_000);

  it('no command, the runner, the controller or a load thread imports it', async () => {
    const commands = [
      'cli/run.js',
      'cli/validate.js',
      'cli/compare.js',
      'cli/report.js',
      'cli/demo-target.js',
    ];
    const hosts = ['runner/main.js', 'cli/controller.js', 'manifest/crd.js'];
    const { code, stdout, stderr } = await importing(
      [...commands, ...hosts],
      ['local/worker.js', 'engine/clock-thread.js'],
    );
    expect(stderr).not.toContain(MARK);
    expect(stdout).toContain('imported');
    expect(code).toBe(0);
  }, 60_000);
});
