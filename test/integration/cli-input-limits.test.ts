import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const manifest = (baseURL: string, extra = '') => `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: limits }
spec:
  target: { baseURL: "${baseURL}" }
${extra}  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 3
      flow:
        - { name: get, request: { url: "/?u=\${data.users.name}" } }
`;

/** Bad input is exit 2 with a field path and a short message, decided before any traffic or big allocation. */
describe('input limits', () => {
  let dir: string;
  let server: TestServer;
  const seen: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-limits-'));
    server = await startServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  async function file(name: string, content: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('a 50 MB manifest: refused by its size at once', async () => {
    const big = await file(
      'big.yaml',
      manifest(server.url).replace('name: limits', `name: "${'x'.repeat(50e6)}"`),
    );
    const started = Date.now();
    const r = await runCli(['validate', big]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a manifest is at most 4 MiB/);
    expect(r.stderr.length).toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a 3 MB value: the message quotes an excerpt, not the value', async () => {
    const long = await file(
      'long.yaml',
      manifest(server.url).replace('name: limits', `name: "${'x'.repeat(3e6)}"`),
    );
    const r = await runCli(['validate', long]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/metadata\.name: /);
    expect(r.stderr.length).toBeLessThan(1_000);
  });

  it('a YAML alias bomb: exit 2 with a (yaml) path, not a crash', async () => {
    let yaml = 'a: &a [x,x,x,x,x,x,x,x,x]\n';
    let prev = 'a';
    for (let i = 0; i < 12; i++) {
      yaml += `l${i}: &l${i} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = `l${i}`;
    }
    const r = await runCli(['validate', await file('bomb.yaml', yaml)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(yaml\): .*alias/i);
  });

  it('3.7 MB of binary garbage: one short line', async () => {
    const r = await runCli(['validate', await file('garbage.yaml', randomBytes(3.7e6))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a YAML text file \(binary data at character \d+\)/);
    expect(r.stderr.length).toBeLessThan(300);
  });

  const feeder = (source: string) => `  feeders:\n    users: { ${source} }\n`;
  const bad: [string, string, string, RegExp][] = [
    [
      'unterminated quote',
      'u.csv',
      'name\nada\n"bob\ncy\n',
      /users\.csv: .*line 3: a quoted field is never closed/,
    ],
    [
      'ragged row',
      'u.csv',
      'name,role\nada,admin\nbob\n',
      /users\.csv: .*line 3: 1 field, but the header has 2/,
    ],
    ['empty CSV', 'u.csv', '', /users\.csv: .*needs a header row and at least one data row/],
    ['header-only CSV', 'u.csv', 'name\n', /users\.csv: .*needs a header row and at least one data row/],
    [
      'JSON that is not an array',
      'u.json',
      '{"name":"ada"}',
      /users\.json: .*non-empty JSON array of objects/,
    ],
  ];
  for (const [label, name, content, message] of bad) {
    it(`feeder: ${label} is exit 2 from validate and from run, before any request`, async () => {
      const sub = await mkdtemp(join(dir, 'f-'));
      await writeFile(join(sub, name), content);
      const kind = name.endsWith('.json') ? 'json' : 'csv';
      const path = await writeFile(
        join(sub, 'm.yaml'),
        manifest(server.url, feeder(`${kind}: ${name}`)),
      ).then(() => join(sub, 'm.yaml'));
      const v = await runCli(['validate', path]);
      expect(v.code).toBe(2);
      expect(v.stderr).toMatch(message);
      const before = seen.length;
      const r = await runCli(['run', path, '--workers', '1', '--quiet']);
      expect(r.code).toBe(2);
      expect(seen.length).toBe(before);
    });
  }

  it('feeder: a file over 64 MiB is refused by its size, before it is read', async () => {
    const sub = await mkdtemp(join(dir, 'huge-'));
    await truncate(
      await writeFile(join(sub, 'u.csv'), 'name\n').then(() => join(sub, 'u.csv')),
      65 * 1024 * 1024,
    );
    await writeFile(join(sub, 'm.yaml'), manifest(server.url, feeder('csv: u.csv')));
    const started = Date.now();
    const v = await runCli(['validate', join(sub, 'm.yaml')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/users\.csv: file .* is larger than 64 MiB/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('feeder: more than 1,000,000 rows is exit 2', async () => {
    const sub = await mkdtemp(join(dir, 'rows-'));
    await writeFile(join(sub, 'u.csv'), `name\n${'a\n'.repeat(1_000_001)}`);
    await writeFile(join(sub, 'm.yaml'), manifest(server.url, feeder('csv: u.csv')));
    const v = await runCli(['validate', join(sub, 'm.yaml')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/users\.csv: .*more than 1000000 rows/);
  });

  it('feeder: a CSV byte-order mark is dropped, so the first column keeps its name', async () => {
    const sub = await mkdtemp(join(dir, 'bom-'));
    await writeFile(join(sub, 'u.csv'), '\ufeffname\nada\nbob\ncy\n');
    await writeFile(join(sub, 'm.yaml'), manifest(server.url, feeder('csv: u.csv')));
    seen.length = 0;
    const r = await runCli(['run', join(sub, 'm.yaml'), '--workers', '1', '--quiet']);
    expect(r.code).toBe(0);
    expect(seen.sort()).toEqual(['/?u=ada', '/?u=bob', '/?u=cy']);
  });

  it('--out naming an existing file: exit 2 before any traffic', async () => {
    const path = await file('ok.yaml', manifest(server.url).replace('${data.users.name}', 'x'));
    const out = await file('not-a-dir', 'x');
    const before = seen.length;
    const r = await runCli(['run', path, '--out', out, '--workers', '1', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: .*not-a-dir exists and is not a directory/);
    expect(seen.length).toBe(before);
    expect(await readdir(dir)).toContain('not-a-dir');
  });
});
