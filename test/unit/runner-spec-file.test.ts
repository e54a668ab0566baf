import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runnerConfigFromEnv, specInput } from '../../src/runner/config.js';

const manifest = {
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'lt' },
  spec: {
    target: { baseURL: 'http://127.0.0.1:1' },
    feeders: { users: { csv: 'feeder.users.csv' } },
    scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: '/' } }] } },
  },
};
const read = (file: string) => readFileSync(file, 'utf8');
/** Every runner holds its controller's token (a Secret in the pod); these tests are about the spec. */
const TOKEN = { STAMPEDE_CONTROL_TOKEN: 'a-control-token-of-at-least-32-characters' };

describe('the runner reads its spec from the mounted ConfigMap file', () => {
  it('parses the file named by STAMPEDE_LOADTEST_FILE and resolves feeder files beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stampede-spec-'));
    writeFileSync(join(dir, 'loadtest.json'), JSON.stringify(manifest));
    const env = {
      ...TOKEN,
      STAMPEDE_LOADTEST_FILE: join(dir, 'loadtest.json'),
      STAMPEDE_LOADTEST: 'ignored',
    };
    const result = runnerConfigFromEnv(env, specInput(env, read));
    if (!result.ok) throw new Error(result.problems.join('; '));
    expect(result.config.baseDir).toBe(dir);
    expect(result.config.loadTest.metadata.name).toBe('lt');
  });

  it('names the file when it cannot be read', () => {
    const env = { ...TOKEN, STAMPEDE_LOADTEST_FILE: '/nonexistent/loadtest.json' };
    const result = runnerConfigFromEnv(env, specInput(env, read));
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^cannot read the spec \/nonexistent\/loadtest\.json: ENOENT/)],
    });
  });

  it('names the file when it is not JSON', () => {
    const env = { ...TOKEN, STAMPEDE_LOADTEST_FILE: '/spec/loadtest.json' };
    const result = runnerConfigFromEnv(
      env,
      specInput(env, () => '{nope'),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/^\/spec\/loadtest\.json is not JSON: /),
    ]);
  });

  it('still takes STAMPEDE_LOADTEST when no file is named (runners started by hand)', () => {
    const env = { ...TOKEN, STAMPEDE_LOADTEST: JSON.stringify(manifest) };
    const result = runnerConfigFromEnv(env, specInput(env, read));
    if (!result.ok) throw new Error(result.problems.join('; '));
    expect(result.config.baseDir).toBeUndefined();
    expect(result.config.loadTest.metadata.name).toBe('lt');
  });
});
