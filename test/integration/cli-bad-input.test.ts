import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const good = `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: bad-input }
spec:
  target: { baseURL: "http://127.0.0.1:9" }
  scenarios:
    s:
      executor: constant-vus
      vus: 1
      duration: 1s
      flow:
        - request: { url: / }
`;

const cases: [string, string, RegExp][] = [
  ['YAML syntax error', 'apiVersion: [\n', /line \d+, column \d+: YAML syntax/],
  [
    'unknown field',
    good.replace('vus: 1', 'vus: 1\n      vuz: 2'),
    /spec\.scenarios\.s\.vuz: unknown field \(did you mean "vus"\?\)/,
  ],
  ['wrong type', good.replace('vus: 1', 'vus: many'), /spec\.scenarios\.s\.vus: expected an integer >= 1/],
  [
    'negative duration',
    good.replace('duration: 1s', 'duration: -1s'),
    /spec\.scenarios\.s\.duration: "-1s" is not a non-negative duration/,
  ],
  [
    'unparseable duration',
    good.replace('duration: 1s', 'duration: soon'),
    /spec\.scenarios\.s\.duration: "soon" is not/,
  ],
  [
    'unknown executor',
    good.replace('constant-vus', 'constant-users'),
    /executor: "constant-users" is not allowed; use one of/,
  ],
  [
    'empty stages',
    good.replace(
      'executor: constant-vus\n      vus: 1\n      duration: 1s',
      'executor: ramping-vus\n      stages: []',
    ),
    /spec\.scenarios\.s\.stages: needs at least 1 stage/,
  ],
  [
    'bad threshold',
    `${good}  thresholds:\n    http_req_duration: ["p95<1s"]\n`,
    /spec\.thresholds\.http_req_duration\[0\]: "p95<1s" is not a threshold/,
  ],
  [
    'undefined template variable',
    good.replace('url: /', 'url: "/u/${vars.user}"'),
    /\$\{vars\.user\} is undefined/,
  ],
];

describe('the CLI rejects bad input with exit 2, field paths and no stack trace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-bad-'));
  });

  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      await writeFile(file, text);
      for (const command of ['validate', 'run']) {
        const result = await runCli([command, file]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/is not a valid LoadTest/);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
    });
  }

  it('a missing file, an unknown command and a bad option', async () => {
    const missing = await runCli(['run', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
    const unknown = await runCli(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "launch"/);
    const option = await runCli(['run', 'x.yaml', '--workers', 'lots']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--workers must be auto or 1..256/);
  });

  it('validate prints the plan of a good manifest', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(file, good);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/s: constant-vus \(closed model\), 1 VUs for 1s/);
  });
});
