/**
 * Files the user names (the manifest, feeder files, a runner's spec file) are read with bounded memory: a
 * device such as /dev/zero, a FIFO or a directory is exit 2 naming the file (and the field), and nothing reads
 * past the size limit even when stat says 0 bytes. Before, /dev/zero as a feeder grew to 10+ GB and a FIFO
 * blocked forever; the children here are killed at 500 MB or 30 s, so the old code fails fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliBounded } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { controlEnv } from '../helpers/runner-control.js';

const LIMITS = { timeoutMs: 30_000, maxRssMb: 500 };

const manifest = (baseURL: string, feeder: string) => `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: devices }
spec:
  target: { baseURL: "${baseURL}" }
  feeders:
    users: { ${feeder} }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 2
      flow:
        - { name: get, request: { url: "/?u=\${data.users.name}" } }
`;

describe('files that are not regular files, or too large, are refused with bounded memory', () => {
  let dir: string;
  let fifo: string;
  let server: TestServer;
  let requests = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-devices-'));
    fifo = join(dir, 'users.fifo');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch (error) {
      throw new Error(
        `mkfifo (coreutils) is needed: apt-get install coreutils (${(error as Error).message})`,
      );
    }
    server = await startServer((_req, res) => {
      requests++;
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  const feeders: [string, () => string, RegExp][] = [
    ['/dev/zero', () => '/dev/zero', /spec\.feeders\.users\.csv: file \/dev\/zero is a character device/],
    ['a FIFO', () => fifo, /spec\.feeders\.users\.csv: file .*users\.fifo is a FIFO/],
    ['a directory', () => dir, /spec\.feeders\.users\.csv: file .* is a directory/],
  ];
  for (const [label, path, message] of feeders) {
    it(`a feeder file that is ${label}: exit 2 naming the field, from validate and from run`, async () => {
      const file = join(await mkdtemp(join(dir, 'm-')), 'm.yaml');
      await writeFile(file, manifest(server.url, `csv: "${path()}"`));
      for (const command of [['validate'], ['run', '--workers', '1', '--quiet']]) {
        const before = requests;
        const r = await runCliBounded([command[0] as string, file, ...command.slice(1)], LIMITS);
        expect(r.killedFor, `${command[0]}: ${r.stderr}`).toBeUndefined();
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(requests).toBe(before);
      }
    });
  }

  it('a 70 MiB feeder file (sparse): refused by the size limit without reading it', async () => {
    const sub = await mkdtemp(join(dir, 'huge-'));
    await writeFile(join(sub, 'u.csv'), 'name\n');
    await truncate(join(sub, 'u.csv'), 70 * 1024 * 1024);
    await writeFile(join(sub, 'm.yaml'), manifest(server.url, 'csv: u.csv'));
    const r = await runCliBounded(['run', join(sub, 'm.yaml'), '--workers', '1', '--quiet'], LIMITS);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/spec\.feeders\.users\.csv: file .*u\.csv is larger than 64 MiB/);
    expect(r.peakRssMb).toBeLessThan(LIMITS.maxRssMb);
  });

  for (const command of ['validate', 'run']) {
    it(`\`stampede ${command} /dev/zero\` and a FIFO as the manifest: exit 2 saying what the file is`, async () => {
      const zero = await runCliBounded([command, '/dev/zero'], LIMITS);
      expect(zero.killedFor, zero.stderr).toBeUndefined();
      expect(zero.code).toBe(2);
      expect(zero.stderr).toMatch(/cannot read \/dev\/zero: it is a character device, not a regular file/);
      const pipe = await runCliBounded([command, fifo], LIMITS);
      expect(pipe.killedFor, pipe.stderr).toBeUndefined();
      expect(pipe.code).toBe(2);
      expect(pipe.stderr).toMatch(/cannot read .*users\.fifo: it is a FIFO/);
    });
  }

  it('a TLS file (spec.target.tls.caFile) that is /dev/zero: exit 2 naming the field, before reading it', async () => {
    const file = join(await mkdtemp(join(dir, 'tls-')), 'm.yaml');
    await writeFile(
      file,
      manifest('https://127.0.0.1:1', 'inline: [{ name: ada }]').replace(
        'target: { baseURL: "https://127.0.0.1:1" }',
        'target: { baseURL: "https://127.0.0.1:1", tls: { caFile: /dev/zero } }',
      ),
    );
    for (const command of [['validate'], ['run', '--workers', '1', '--quiet']]) {
      const r = await runCliBounded([command[0] as string, file, ...command.slice(1)], LIMITS);
      expect(r.killedFor, `${command[0]}: ${r.stderr}`).toBeUndefined();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/spec\.target\.tls\.caFile: file \/dev\/zero is a character device/);
    }
  });

  it('a runner whose spec file is /dev/zero exits 2 (bad configuration) at once', async () => {
    const r = await runCliBounded(['runner'], {
      ...LIMITS,
      env: { ...controlEnv, STAMPEDE_LOADTEST_FILE: '/dev/zero', STAMPEDE_CONTROL_PORT: '0' },
    });
    expect(r.killedFor, r.stderr).toBeUndefined();
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/cannot read the spec \/dev\/zero: is a character device/);
  });
});
