import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { type ClusterEnv, pollUntil, startClusterEnv } from './cluster-env.js';

const NS = 'secure';

interface PodJson {
  metadata: { name: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
  spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] };
}

const loadTest = (name: string, spec: Record<string, unknown>) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: NS },
    spec,
  });

/** Every report file, report.html.gz (binaryData) unpacked, so a grep sees what a reader would. */
function reportText(json: string): string {
  const cm = JSON.parse(json) as { data?: Record<string, string>; binaryData?: Record<string, string> };
  const packed = Object.values(cm.binaryData ?? {}).map((b64) =>
    gunzipSync(Buffer.from(b64, 'base64')).toString(),
  );
  return [...Object.values(cm.data ?? {}), ...packed].join('\n');
}

/** On a real control plane, with the process kubelet running runner pods on 127.0.<subnet>.x. */
describe('security on a real control plane', () => {
  let env: ClusterEnv;
  let target: TestServer;
  beforeAll(async () => {
    // The quota controller counts pods, so a ResourceQuota can hold a LoadTest's second runner back.
    // Pod IPs on a loopback subnet of its own, so a runner of another test run cannot answer for ours.
    env = await startClusterEnv({
      extraControllers: ['resourcequota-controller'],
      podSubnet: 100 + Math.floor(Math.random() * 100),
    });
    target = await startServer((_req, res) => res.end('ok'));
    await env.kubectl(['create', 'namespace', NS]);
    // Long enough that a runner kept waiting for its sibling stays up while the test knocks on it.
    env.startController(['--ready-timeout', '2m']);
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await target?.close();
  });

  it("a runner's control routes refuse callers without the LoadTest's token, and no load is sent", async () => {
    // A quota of one pod keeps the second runner from existing, so the first waits for its start.
    await env.kubectl(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'one-pod', namespace: NS },
        spec: { hard: { pods: '1' } },
      }),
    );
    await pollUntil('the quota to be counted', 30_000, async () => {
      const q = JSON.parse(await env.kubectl(['get', 'resourcequota', 'one-pod', '-n', NS, '-o', 'json']));
      return q.status?.hard?.pods ? true : undefined;
    });
    const name = 'knock';
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest(name, {
        runners: 2,
        target: { baseURL: target.url },
        scenarios: {
          s: { executor: 'shared-iterations', vus: 1, iterations: 10, flow: [{ request: { url: '/' } }] },
        },
      }),
    );
    const pod = await pollUntil('one runner pod ready', 60_000, async () => {
      const pods = JSON.parse(
        await env.kubectl(['get', 'pods', '-n', NS, '-l', `stampede.dev/loadtest=${name}`, '-o', 'json']),
      ) as { items: PodJson[] };
      return pods.items.find((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    });
    // The token reaches the runner only by reference, from a Secret the LoadTest owns.
    const tokenEnv = pod.spec.containers[0]?.env.find((e) => e.name === 'STAMPEDE_CONTROL_TOKEN');
    expect(tokenEnv).toEqual({
      name: 'STAMPEDE_CONTROL_TOKEN',
      valueFrom: { secretKeyRef: { name: `${name}-control`, key: 'token' } },
    });
    const lt = await env.getLoadTest(name, NS);
    const secret = JSON.parse(
      await env.kubectl(['get', 'secret', `${name}-control`, '-n', NS, '-o', 'json']),
    ) as {
      metadata: { ownerReferences: { kind: string; uid: string }[] };
      data: { token: string };
    };
    expect(secret.metadata.ownerReferences).toMatchObject([{ kind: 'LoadTest', uid: lt?.metadata.uid }]);
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');

    const base = `http://${pod.status?.podIP}:8765`;
    const calls: [string, string, unknown?][] = [
      ['POST', '/start', { startAt: Date.now() }],
      ['POST', '/stop'],
      ['POST', '/release'],
      ['GET', '/snapshot'],
    ];
    for (const [method, path, body] of calls)
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdefghijklmnopq']) {
        const res = await fetch(`${base}${path}`, {
          method,
          ...(authorization ? { headers: { authorization } } : {}),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(`${method} ${path} (${authorization ?? 'no token'}): ${res.status}`).toBe(
          `${method} ${path} (${authorization ?? 'no token'}): 401`,
        );
      }
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // The holder of the token sees a runner that is still waiting: nothing above started or stopped it.
    const state = (await (
      await fetch(`${base}/snapshot`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { state: string };
    expect(state.state).toBe('waiting');
    await new Promise((r) => setTimeout(r, 500));
    expect(target.requests).toBe(0);
    await env.kubectl(['delete', 'lt', name, '-n', NS, '--wait=false']);
    await env.kubectl(['delete', 'resourcequota', 'one-pod', '-n', NS]);
  }, 120_000);

  const noJob = async (name: string) =>
    expect(
      (
        await env.kubectl(['get', 'jobs', '-n', NS, '-l', `stampede.dev/loadtest=${name}`, '-o', 'name'])
      ).trim(),
    ).toBe('');

  it('a templated target and a ?host= PostgreSQL URL outside the policy fail before any runner starts', async () => {
    const flow = [{ request: { url: 'http://evil.example/item/${vu}' } }];
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('templated', {
        target: { baseURL: target.url },
        postgres: { url: 'postgres://app@127.0.0.1:5432/shop?host=db.elsewhere.example' },
        scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '2s', flow } },
      }),
    );
    const lt = await env.waitForPhase('templated', ['Failed', 'Succeeded'], 60_000, NS);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(
      /spec\.postgres\.url: host db\.elsewhere\.example is not allowed by the operator's target policy/,
    );
    expect(lt.status?.message).toMatch(
      /spec\.scenarios\.s\.flow\[0\]\.request\.url: host evil\.example is not allowed/,
    );
    await noJob('templated');
  }, 90_000);

  it('a Prometheus URL the operator did not allow fails before any runner starts, and is never queried', async () => {
    const probe = await startServer((_req, res) => res.end('{}'));
    try {
      await env.kubectl(
        ['apply', '-f', '-'],
        loadTest('prom-ssrf', {
          target: { baseURL: target.url },
          scenarios: {
            s: { executor: 'constant-vus', vus: 1, duration: '2s', flow: [{ request: { url: '/' } }] },
          },
          // 127.0.0.2 is outside the allowed http://127.0.0.1 (cluster-env's STAMPEDE_PROMETHEUS_URLS).
          analysis: { prometheus: { url: `http://127.0.0.2:${probe.port}/internal` } },
        }),
      );
      const lt = await env.waitForPhase('prom-ssrf', ['Failed', 'Succeeded'], 60_000, NS);
      expect(lt.status?.phase).toBe('Failed');
      expect(lt.status?.message).toMatch(
        /spec\.analysis\.prometheus\.url: http:\/\/127\.0\.0\.2:\d+\/internal is not a Prometheus URL the operator allows \(targetPolicy\.prometheusURLs: http:\/\/127\.0\.0\.1\)/,
      );
      await noJob('prom-ssrf');
      expect(probe.requests).toBe(0);
    } finally {
      await probe.close();
    }
  }, 90_000);

  it('a LoadTest over a guardrail fails with PolicyViolation naming the limit, before any runner starts', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('too-big', {
        runners: 25,
        target: { baseURL: target.url },
        scenarios: {
          s: { executor: 'constant-vus', vus: 1, duration: '5h', flow: [{ request: { url: '/' } }] },
        },
      }),
    );
    const lt = await env.waitForPhase('too-big', ['Failed', 'Succeeded'], 60_000, NS);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(
      /spec\.runners: 25 runners exceed the operator's limit guardrails\.maxRunners=20/,
    );
    expect(lt.status?.message).toMatch(/over the operator's limit guardrails\.maxDurationSeconds=14400/);
    const events = await env.kubectl([
      'get',
      'events',
      '-n',
      NS,
      '--field-selector',
      'involvedObject.name=too-big',
      '-o',
      'json',
    ]);
    expect(events).toMatch(/"reason": "PolicyViolation"/);
    await noJob('too-big');
  }, 90_000);

  it('a runner refuses a database URL from a Secret whose ?host= leaves the policy, and the status says why', async () => {
    const password = 'pg-password-7d1f0c';
    await env.kubectl([
      ...['create', 'secret', 'generic', 'db', '-n', NS],
      `--from-literal=url=postgres://app:${password}@127.0.0.1:5432/shop?host=db.elsewhere.example`,
    ]);
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('pg-host', {
        target: { baseURL: target.url },
        postgres: { urlFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
        scenarios: {
          s: {
            executor: 'shared-iterations',
            vus: 1,
            iterations: 3,
            flow: [{ name: 'q', pg: { query: 'SELECT 1' } }],
          },
        },
      }),
    );
    const lt = await env.waitForPhase('pg-host', ['Failed', 'Succeeded', 'Aborted'], 90_000, NS);
    expect(lt.status?.message).toMatch(
      /3 request\(s\) refused by the target policy \(s\/q: postgres:\/\/app:\*\*\*@127\.0\.0\.1:5432\/shop: connection refused by the target policy: db\.elsewhere\.example: no policy entry allows this host\)/,
    );
    const report = await env.kubectl(['get', 'configmap', 'pg-host-report', '-n', NS, '-o', 'json']);
    expect(report).toMatch(/policy_denied/);
    expect(report).not.toContain(password);
    expect(JSON.stringify(lt.status)).not.toContain(password);
  }, 120_000);

  it('no secret in status, Events, the report ConfigMap, runner /metrics or the controller log', async () => {
    const secrets = {
      userinfo: 'e2e-userinfo-3b8c',
      authorization: 'e2e-authz-4c9d',
      cookie: 'e2e-cookie-5d0e',
      query: 'e2e-query-6e1f',
      feederRow: 'e2e-feeder-row-7f2a',
    };
    const seen: string[] = [];
    const app = await startServer((req, res) => {
      seen.push(JSON.stringify(req.headers) + req.url);
      res.end('ok');
    });
    try {
      const name = 'secret-grep';
      await env.kubectl(
        ['apply', '-f', '-'],
        loadTest(name, {
          target: {
            baseURL: `http://probe:${secrets.userinfo}@127.0.0.1:${app.port}`,
            headers: { authorization: `Bearer ${secrets.authorization}`, cookie: `s=${secrets.cookie}` },
          },
          feeders: { users: { inline: [{ name: secrets.feederRow }] } },
          scenarios: {
            s: {
              executor: 'constant-vus',
              vus: 2,
              duration: '3s',
              flow: [
                { request: { url: `/search?apikey=${secrets.query}` }, think: { constant: '50ms' } },
                {
                  name: 'me',
                  request: { url: '/me', headers: { 'x-user': '${data.users.name}' } },
                  check: { status: 201 },
                },
              ],
            },
          },
        }),
      );
      const pod = await pollUntil('the runner pod running', 60_000, async () => {
        const pods = JSON.parse(
          await env.kubectl(['get', 'pods', '-n', NS, '-l', `stampede.dev/loadtest=${name}`, '-o', 'json']),
        ) as { items: PodJson[] };
        return pods.items.find((p) => p.status?.podIP);
      });
      const metrics = await pollUntil('runner metrics with requests', 30_000, async () => {
        const text = await (await fetch(`http://${pod.status?.podIP}:8765/metrics`)).text();
        return text.includes('apikey') ? text : undefined;
      });
      const lt = await env.waitForPhase(name, ['Succeeded', 'Failed', 'Aborted'], 90_000, NS);
      expect(seen.join('\n')).toContain(secrets.authorization);
      expect(seen.join('\n')).toContain(secrets.feederRow);
      const outputs: Record<string, string> = {
        status: JSON.stringify(lt.status),
        events: await env.kubectl([
          'get',
          'events',
          '-n',
          NS,
          '--field-selector',
          `involvedObject.name=${name}`,
          '-o',
          'json',
        ]),
        report: reportText(await env.kubectl(['get', 'configmap', `${name}-report`, '-n', NS, '-o', 'json'])),
        metrics,
        controllerLog: env.controllerLogs(),
      };
      expect(outputs.report).toContain('apikey=***');
      for (const [where, text] of Object.entries(outputs))
        for (const [what, secret] of Object.entries(secrets))
          expect(text.includes(secret), `${what} secret appears in ${where}`).toBe(false);
    } finally {
      await app.close();
    }
  }, 150_000);
});
