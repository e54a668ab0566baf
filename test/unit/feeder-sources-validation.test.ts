import { describe, expect, it } from 'vitest';
import { configMapFormat, parseFeederText } from '../../src/engine/feeders.js';
import { validateLoadTest } from '../../src/manifest/validate.js';

function withFeeder(feeder: unknown) {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'lt' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:1' },
      feeders: { users: feeder },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: 1,
          duration: '1s',
          flow: [{ request: { url: '/${data.users.name}' } }],
        },
      },
    },
  };
}

const problems = (feeder: unknown, runsIn?: 'local' | 'cluster') => {
  const r = validateLoadTest(withFeeder(feeder), runsIn ? { runsIn } : {});
  return r.ok ? [] : r.problems;
};

describe('feeder sources: where each one may be used', () => {
  it('accepts a configMap feeder in a cluster and when the place is not known', () => {
    expect(problems({ configMap: { name: 'users', key: 'users.csv' } }, 'cluster')).toEqual([]);
    expect(problems({ configMap: { name: 'users', key: 'users.json' } })).toEqual([]);
  });

  it('refuses a configMap feeder locally', () => {
    expect(problems({ configMap: { name: 'users', key: 'users.csv' } }, 'local')).toEqual([
      {
        path: 'spec.feeders.users.configMap',
        message: 'configMap feeders are read in a cluster; locally use csv: or json: with a file path',
      },
    ]);
  });

  it('refuses a file path in a cluster and says to use configMap', () => {
    const found = problems({ csv: 'users.csv' }, 'cluster');
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe('spec.feeders.users.csv');
    expect(found[0]?.message).toMatch(/kubectl create configmap NAME --from-file=FILE\) and use configMap:/);
  });

  it('needs format when the key does not say it', () => {
    expect(problems({ configMap: { name: 'users', key: 'users.txt' } })).toEqual([
      {
        path: 'spec.feeders.users.configMap.format',
        message: 'is required when the key (users.txt) does not end in .csv or .json (allowed: csv, json)',
      },
    ]);
    expect(problems({ configMap: { name: 'users', key: 'users.txt', format: 'csv' } })).toEqual([]);
  });

  it('names the allowed formats and the single-source rule', () => {
    expect(problems({ configMap: { name: 'users', key: 'u.csv', format: 'xml' } })[0]?.path).toBe(
      'spec.feeders.users.configMap.format',
    );
    expect(problems({ csv: 'u.csv', configMap: { name: 'users', key: 'u.csv' } })).toContainEqual({
      path: 'spec.feeders.users',
      message: 'needs exactly one of inline, csv, json, configMap (found csv, configMap)',
    });
  });
});

describe('feeder text parsing', () => {
  it('derives the format from the key, case-insensitively, unless given', () => {
    expect(configMapFormat({ key: 'a.CSV' })).toBe('csv');
    expect(configMapFormat({ key: 'a.json' })).toBe('json');
    expect(configMapFormat({ key: 'a.txt' })).toBeUndefined();
    expect(configMapFormat({ key: 'a.csv', format: 'json' })).toBe('json');
  });

  it('parses CSV with quotes and CRLF, and JSON arrays of objects', () => {
    expect(parseFeederText('a,b\r\n"x ""y""",2\r\n', 'csv', 'src')).toEqual([{ a: 'x "y"', b: '2' }]);
    expect(parseFeederText('[{"a":1}]', 'json', 'src')).toEqual([{ a: 1 }]);
  });

  it('names the source when the text is not rows', () => {
    expect(() => parseFeederText('[1]', 'json', 'ConfigMap ns/u key u.json')).toThrow(
      'ConfigMap ns/u key u.json must hold a non-empty JSON array of objects',
    );
    expect(() => parseFeederText('{', 'json', 'src')).toThrow(/^src is not valid JSON/);
  });
});
