import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed, type ObservedFeederSource } from '../../../src/controller/model.js';
import { RUNNER_SPEC_MAX_BYTES, runnerSpec } from '../../../src/controller/runner-spec.js';
import { loadTestSpec, observedLoadTest } from '../../helpers/observed.js';

/** A LoadTest before anything exists, with a `users` feeder from ConfigMap `users`. */
function fresh(
  feederSources: ObservedFeederSource[] | undefined,
  feeder: Record<string, unknown> = { configMap: { name: 'users', key: 'users.csv' } },
  status?: Observed['loadTest']['status'],
): Observed {
  const spec = loadTestSpec(2, {
    feeders: { users: feeder },
    scenarios: {
      s: {
        executor: 'constant-vus',
        vus: 2,
        duration: '10s',
        flow: [{ request: { url: '/u/${data.users.name}' } }],
      },
    },
  });
  return observedLoadTest(
    spec,
    { specConfigMapExists: false, job: undefined, ...(feederSources ? { feederSources } : {}) },
    status,
  );
}

function writtenFiles(d: ReturnType<typeof decide>): Record<string, string> {
  const action = d.actions.find((a) => a.kind === 'createSpecConfigMap');
  if (action?.kind !== 'createSpecConfigMap') throw new Error('no createSpecConfigMap action');
  expect(action.files['loadtest.json']).toBe(action.manifest);
  return action.files;
}

function writtenSpec(d: ReturnType<typeof decide>): { spec: { feeders: Record<string, unknown> } } {
  return JSON.parse(writtenFiles(d)['loadtest.json'] as string);
}

describe('decide: configMap feeders become files beside the runner spec', () => {
  it('copies a CSV key as a file of the spec ConfigMap and keeps the order', () => {
    const text = 'name,pass\nann,1\n"bo, b",2\n';
    const d = decide(
      fresh([{ feeder: 'users', text }], {
        configMap: { name: 'users', key: 'users.csv' },
        order: 'random',
      }),
      DEFAULT_SETTINGS,
    );
    expect(d.actions.map((a) => a.kind)).toEqual(['createSpecConfigMap', 'createJob', 'event']);
    expect(writtenSpec(d).spec.feeders.users).toEqual({ csv: 'feeder.users.csv', order: 'random' });
    expect(writtenFiles(d)['feeder.users.csv']).toBe(text);
  });

  it('takes the format from format: when the key has no .csv/.json extension', () => {
    const text = '[{"name":"ann","age":3}]';
    const d = decide(
      fresh([{ feeder: 'users', text }], {
        configMap: { name: 'users', key: 'data', format: 'json' },
      }),
      DEFAULT_SETTINGS,
    );
    expect(writtenSpec(d).spec.feeders.users).toEqual({ json: 'feeder.users.json' });
    expect(writtenFiles(d)['feeder.users.json']).toBe(text);
  });

  it('leaves inline feeders and specs without configMap feeders as they are', () => {
    const d = decide(fresh(undefined, { inline: [{ name: 'x' }] }), DEFAULT_SETTINGS);
    expect(writtenSpec(d).spec.feeders.users).toEqual({ inline: [{ name: 'x' }] });
  });

  it('fails with FeederNotFound, before any Job, when the ConfigMap is missing', () => {
    const d = decide(fresh([{ feeder: 'users', missing: 'configMap' }]), DEFAULT_SETTINGS);
    expect(d.status).toMatchObject({ phase: 'Failed', verdict: 'Failed', observedGeneration: 1 });
    expect(d.status.message).toBe(
      'spec.feeders.users.configMap: ConfigMap ns/users not found; create it with kubectl create configmap users --from-file=users.csv',
    );
    expect(d.actions).toEqual([
      { kind: 'event', type: 'Warning', reason: 'FeederNotFound', message: d.status.message },
    ]);
    expect(d.requeueAfterMs).toBeUndefined();
  });

  it('names the keys there are when the key is missing', () => {
    const d = decide(fresh([{ feeder: 'users', missing: 'key', keys: ['people.csv'] }]), DEFAULT_SETTINGS);
    expect(d.status.message).toBe(
      'spec.feeders.users.configMap: ConfigMap ns/users has no key users.csv (it has 1 other key)',
    );
    expect(d.actions[0]).toMatchObject({ reason: 'FeederNotFound' });
  });

  it('says so when kubectl put the file into binaryData', () => {
    const d = decide(fresh([{ feeder: 'users', missing: 'binary' }]), DEFAULT_SETTINGS);
    expect(d.status.message).toBe(
      'spec.feeders.users.configMap: ConfigMap ns/users holds users.csv in binaryData: the file is not UTF-8 text',
    );
  });

  it('fails with FeederInvalid when the data does not parse', () => {
    const d = decide(fresh([{ feeder: 'users', text: 'name\n' }]), DEFAULT_SETTINGS);
    expect(d.status.phase).toBe('Failed');
    expect(d.status.message).toBe(
      'spec.feeders.users.configMap: ConfigMap ns/users key users.csv needs a header row and at least one data row',
    );
    expect(d.actions[0]).toMatchObject({ reason: 'FeederInvalid' });
  });

  it('fails with FeederInvalid, naming a few problems, when rows break what inline rows allow', () => {
    // 65 columns: one more than an inline row may hold.
    const header = Array.from({ length: 65 }, (_, i) => `c${i}`).join(',');
    // Rows as wide as the header: a ragged row is now its own error (the row's line number).
    const row = Array.from({ length: 65 }, () => '1').join(',');
    const d = decide(
      fresh([{ feeder: 'users', text: `${header}\n${`${row}\n`.repeat(8)}` }]),
      DEFAULT_SETTINGS,
    );
    expect(d.actions[0]).toMatchObject({ reason: 'FeederInvalid' });
    expect(d.status.message).toMatch(
      /^the feeder rows do not fit a LoadTest: spec\.feeders\.users\.inline\[0\]/,
    );
    expect(d.status.message).toMatch(/; and 3 more$/);
  });

  it('fails with FeederTooLarge when the files would not fit one ConfigMap', () => {
    const rows = Array.from({ length: 9000 }, (_, i) => `user-${i}-${'x'.repeat(120)}`);
    const d = decide(fresh([{ feeder: 'users', text: `name\n${rows.join('\n')}\n` }]), DEFAULT_SETTINGS);
    expect(d.status.phase).toBe('Failed');
    expect(d.actions).toHaveLength(1);
    expect(d.actions[0]).toMatchObject({ kind: 'event', reason: 'FeederTooLarge' });
    expect(d.status.message).toMatch(
      /^the runner spec with the feeder files is \d+ KiB; .* one ConfigMap, which holds at most 1024 KiB: use fewer or shorter rows$/,
    );
  });

  it('fails with FeederTooLarge past the row bound', () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => String(i));
    const d = decide(fresh([{ feeder: 'users', text: `name\n${rows.join('\n')}` }]), DEFAULT_SETTINGS);
    expect(d.status.message).toBe(
      'spec.feeders.users.configMap: ConfigMap ns/users key users.csv holds 10001 rows; a feeder holds at most 10000',
    );
    expect(d.actions[0]).toMatchObject({ reason: 'FeederTooLarge' });
  });

  it('stays Failed without repeating the Event or creating anything once failed for this generation', () => {
    const failed = decide(fresh([{ feeder: 'users', missing: 'configMap' }]), DEFAULT_SETTINGS).status;
    const again = decide(
      fresh([{ feeder: 'users', text: 'name\nann\n' }], undefined, failed),
      DEFAULT_SETTINGS,
    );
    expect(again).toEqual({ status: failed, actions: [], requeueAfterMs: undefined });
  });

  it('a feeder of nearly 1 MiB fits: its text is carried as it is, not as JSON rows', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${String(i).padStart(5, '0')},${'t'.repeat(96)}`);
    const text = `id,token\n${rows.join('\n')}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const result = runnerSpec(fresh([{ feeder: 'users', text }]).loadTest, [{ feeder: 'users', text }]);
    if (!result.ok) throw new Error(result.message);
    expect(result.files['feeder.users.csv']).toBe(text);
  });

  it('a spec that fits is written as one JSON string under the runner bound', () => {
    const result = runnerSpec(fresh([{ feeder: 'users', text: 'name\nann\n' }]).loadTest, [
      { feeder: 'users', text: 'name\nann\n' },
    ]);
    if (!result.ok) throw new Error(result.message);
    expect(Buffer.byteLength(result.manifest)).toBeLessThan(RUNNER_SPEC_MAX_BYTES);
    expect(JSON.parse(result.manifest).metadata).toEqual({ name: 'lt', namespace: 'ns' });
  });
});
