import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('a configMap feeder with stampede run', () => {
  let server: Server;
  let requests = 0;
  let file: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const dir = await mkdtemp(join(tmpdir(), 'stampede-cm-feeder-'));
    file = join(dir, 'lt.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: cm-feeder }
spec:
  target: { baseURL: "http://127.0.0.1:${port}" }
  feeders:
    users: { configMap: { name: users, key: users.csv } }
  scenarios:
    s:
      executor: per-vu-iterations
      vus: 1
      iterations: 1
      flow:
        - request: { url: "/u/\${data.users.name}" }
`,
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is refused at validation with exit 2 and nothing sent', async () => {
    const result = await runCli(['run', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'spec.feeders.users.configMap: configMap feeders are read in a cluster; locally use csv: or json: with a file path',
    );
    expect(requests).toBe(0);
  });

  it('passes stampede validate, which does not know where the test will run', async () => {
    const result = await runCli(['validate', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
