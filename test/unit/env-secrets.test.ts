import { describe, expect, it } from 'vitest';
import { envSecretRefs, resolveSpecEnv, secretEnvVar } from '../../src/api/env.js';
import { secretEnv } from '../../src/controller/act.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { createRedactor, REDACTED, redactJson } from '../../src/observability/secret-redactor.js';
import { runnerConfigFromEnv } from '../../src/runner/config.js';

const fromSecret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
const manifest = {
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 't' },
  spec: {
    target: { baseURL: 'http://127.0.0.1:1', headers: { authorization: 'Bearer ${env.API_TOKEN}' } },
    env: { REGION: 'eu', API_TOKEN: fromSecret('api', 'token') },
    scenarios: {
      s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, flow: [{ request: { url: '/x' } }] },
    },
  },
};

describe('spec.env from Secrets', () => {
  it('validates and lists Secret references with the runner variable', () => {
    const result = validateLoadTest(manifest);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(envSecretRefs(result.loadTest.spec.env)).toEqual([
      {
        name: 'API_TOKEN',
        variable: 'STAMPEDE_ENV_API_TOKEN',
        ref: { secretKeyRef: { name: 'api', key: 'token' } },
      },
    ]);
    expect(secretEnvVar('db-pass.x')).toBe('STAMPEDE_ENV_DB_PASS_X');
    // The controller passes a secretKeyRef to the runner pod, never the value.
    expect(secretEnv(result.loadTest as never)).toContainEqual({
      name: 'STAMPEDE_ENV_API_TOKEN',
      secret: 'api',
      key: 'token',
    });
  });

  it('refuses a malformed reference with its field path', () => {
    const bad = structuredClone(manifest) as typeof manifest & { spec: { env: Record<string, unknown> } };
    bad.spec.env.API_TOKEN = { valueFrom: { secretKeyRef: { name: 'Not_A_Name', key: 'token' } } };
    const result = validateLoadTest(bad);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map((p) => p.path)).toEqual(['spec.env.API_TOKEN.valueFrom.secretKeyRef.name']);
  });

  it('resolves locally from the environment and in a runner pod from STAMPEDE_ENV_<NAME>', () => {
    const env = manifest.spec.env;
    expect(resolveSpecEnv(env, {}, { API_TOKEN: 'tok-123' }, 'local')).toEqual({
      env: { REGION: 'eu', API_TOKEN: 'tok-123' },
      secrets: ['tok-123'],
      problems: [],
    });
    expect(resolveSpecEnv(env, { REGION: 'us' }, { STAMPEDE_ENV_API_TOKEN: 'tok-9' }, 'cluster').env).toEqual(
      {
        REGION: 'us',
        API_TOKEN: 'tok-9',
      },
    );
    const missing = resolveSpecEnv(env, {}, {}, 'local');
    expect(missing.problems).toEqual([
      {
        path: 'spec.env.API_TOKEN',
        message:
          'comes from Secret api (key token) in a cluster; locally set API_TOKEN in the environment or pass --env API_TOKEN=...',
      },
    ]);
    // Every runner holds its controller's token; only the Secret-backed variable is missing here.
    const control = { STAMPEDE_CONTROL_TOKEN: 'a-control-token-of-at-least-32-characters' };
    const runner = runnerConfigFromEnv({ ...control, STAMPEDE_LOADTEST: JSON.stringify(manifest) });
    expect(runner).toEqual({
      ok: false,
      problems: [
        'spec.env.API_TOKEN: STAMPEDE_ENV_API_TOKEN is not set: the controller fills it from Secret api (key token)',
      ],
    });
    const ok = runnerConfigFromEnv({
      ...control,
      STAMPEDE_LOADTEST: JSON.stringify(manifest),
      STAMPEDE_ENV_API_TOKEN: 'tok-9',
    });
    expect(ok.ok && ok.config.secrets).toEqual(['tok-9']);
  });

  it('redacts secret values in text, JSON and the error samples a shard keeps', () => {
    const redact = createRedactor(['s3cr3t-"q"', 'abc', 's3cr3t']);
    expect(redact('token s3cr3t and s3cr3t-"q" but abc stays')).toBe(
      `token ${REDACTED} and ${REDACTED} but abc stays`,
    );
    expect(redactJson({ url: 'http://u:s3cr3t-"q"@h' }, redact)).toEqual({ url: `http://u:${REDACTED}@h` });
    const recorder = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
    recorder.redact = redact;
    recorder.step('s', 'login', 'closed').failure('http_4xx', 'HTTP 401 for token s3cr3t');
    expect(recorder.snapshot().errorSamples.map((e) => e.message)).toEqual([
      `HTTP 401 for token ${REDACTED}`,
    ]);
  });
});
