import { tmpdir } from 'node:os';
import { ServerCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/api/schema.js';
import { DEMO_PROTO, type DemoGrpcServer, startDemoGrpc } from '../../src/demo/grpc.js';
import { runLocal } from '../../src/local/coordinator.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { makeTestCerts } from '../helpers/tls-certs.js';

const greeter = { service: 'demo.Greeter', proto: DEMO_PROTO };

function once(flow: Step[], vus = 2, iterations = 5) {
  return { s: { executor: 'per-vu-iterations' as const, vus, iterations, flow } };
}

describe('gRPC steps against a real grpc-js server (the demo Greeter)', () => {
  let server: DemoGrpcServer;
  beforeAll(async () => {
    server = await startDemoGrpc('127.0.0.1', 0);
  });
  afterAll(() => server.close());

  it('runs unary and server-streaming calls with templated messages, and the report names gRPC', async () => {
    const lt = loadTest(
      server.url,
      once([
        {
          name: 'hello',
          grpc: {
            ...greeter,
            method: 'Hello',
            message: { name: 'vu-${vu}' },
            metadata: { 'x-iteration': '${iteration}' },
          },
          check: { grpcStatus: 'OK' },
        },
        { name: 'count', grpc: { ...greeter, method: 'Count', message: { n: 4 }, stream: true } },
      ]),
    );
    const summary = await run(lt);
    expect(summary.outcome).toBe('completed');
    const hello = stepOf(summary, 'hello');
    expect(hello).toMatchObject({ protocol: 'grpc', requests: 10, failures: 0, statuses: { OK: 10 } });
    expect(hello.grpc?.messages).toBe(10);
    expect(hello.checks).toEqual({ passes: 10, fails: 0 });
    const count = stepOf(summary, 'count');
    expect(count).toMatchObject({ protocol: 'grpc', requests: 10, failures: 0 });
    // Four messages per stream: latency ran to the end of each stream, not its first message.
    expect(count.grpc?.messages).toBe(40);
    expect(count.latency.count).toBe(10);
    expect(renderMarkdown(summary)).toContain('s/count (gRPC)');
  });

  it('dials only what the connection policy allows: a name resolving outside it is refused, never called', async () => {
    const lt = loadTest(
      `grpc://localhost:${server.port}`,
      once([{ name: 'hello', grpc: { ...greeter, method: 'Hello', message: { name: 'x' } } }], 1, 3),
    );
    const runWith = async (entries: string[]) =>
      (
        await runLocal({
          loadTest: lt,
          baseDir: tmpdir(),
          env: {},
          secrets: [],
          workers: 1,
          policy: { entries },
        })
      ).summary;
    const refused = await runWith(['localhost', '10.0.0.0/8']);
    expect(refused.errors.byClass.policy_denied).toBeGreaterThan(0);
    expect(stepOf(refused, 'hello').statuses.OK ?? 0).toBe(0);
    expect(refused.errors.samples[0]?.message).toMatch(/refused by the target policy: localhost resolved to/);
    // The same name with its loopback address inside the policy reaches the server: the refusal was the policy's.
    const allowed = await runWith(['localhost', '127.0.0.0/8']);
    expect(stepOf(allowed, 'hello')).toMatchObject({ requests: 3, failures: 0, statuses: { OK: 3 } });
  });

  it('counts a deadline exceeded and a failed status check as classed failures, and goes on', async () => {
    const lt = loadTest(
      server.url,
      once(
        [
          {
            name: 'slow',
            grpc: { ...greeter, method: 'Hello', message: { name: 'a', delay_ms: 2000 }, deadline: '100ms' },
          },
          { name: 'missing', grpc: { ...greeter, method: 'Hello', message: { name: 'missing-1' } } },
          {
            name: 'expect-not-found',
            grpc: { ...greeter, method: 'Hello', message: { name: 'missing-2' } },
            check: { grpcStatus: 'NOT_FOUND' },
          },
          {
            name: 'wrong-expectation',
            grpc: { ...greeter, method: 'Hello', message: { name: 'b' } },
            check: { grpcStatus: 'NOT_FOUND' },
          },
        ],
        1,
        3,
      ),
    );
    const summary = await run(lt);
    const slow = stepOf(summary, 'slow');
    expect(slow).toMatchObject({ requests: 3, failures: 3, errors: { grpc_deadline_exceeded: 3 } });
    expect(slow.statuses).toEqual({ DEADLINE_EXCEEDED: 3 });
    // The deadline, not the server's 2 s delay, ended each call.
    expect(slow.latency.maxMs).toBeLessThan(1500);
    expect(stepOf(summary, 'missing')).toMatchObject({ failures: 3, errors: { grpc_not_found: 3 } });
    expect(stepOf(summary, 'expect-not-found')).toMatchObject({
      failures: 0,
      checks: { passes: 3, fails: 0 },
    });
    expect(stepOf(summary, 'wrong-expectation')).toMatchObject({
      failures: 3,
      errors: { check: 3 },
      checks: { passes: 0, fails: 3 },
    });
    expect(summary.errors.byClass).toMatchObject({ grpc_deadline_exceeded: 3, grpc_not_found: 3 });
  });

  it('a stream still running at the hard stop is interrupted, not recorded, and the run ends after gracefulStop', async () => {
    const lt = loadTest(server.url, {
      s: {
        executor: 'constant-vus',
        vus: 2,
        duration: '500ms',
        gracefulStop: '200ms',
        flow: [
          {
            name: 'endless',
            grpc: {
              ...greeter,
              method: 'Count',
              message: { n: 100, delay_ms: 1000 },
              stream: true,
              deadline: '60s',
            },
          },
        ],
      },
    });
    const startedMs = Date.now();
    const summary = await run(lt);
    // Generous bound for a busy machine; the streams' deadline is 60 s.
    expect(Date.now() - startedMs).toBeLessThan(20_000);
    expect(summary.scenarios[0]?.interruptedIterations).toBe(2);
    expect(summary.steps.find((s) => s.step === 'endless')?.requests ?? 0).toBe(0);
  });

  it('classes an unreachable target as grpc_unavailable and ends the iteration', async () => {
    const closed = await startDemoGrpc('127.0.0.1', 0);
    await closed.close();
    const lt = loadTest(
      closed.url,
      once(
        [
          { name: 'first', grpc: { ...greeter, method: 'Hello', message: { name: 'a' }, deadline: '2s' } },
          { name: 'second', grpc: { ...greeter, method: 'Hello', message: { name: 'a' } } },
        ],
        1,
        2,
      ),
    );
    const summary = await run(lt);
    expect(stepOf(summary, 'first')).toMatchObject({ failures: 2, errors: { grpc_unavailable: 2 } });
    expect(summary.steps.find((s) => s.step === 'second')?.requests ?? 0).toBe(0);
  });
});

describe('gRPC over TLS (grpcs://) to a server that requires a client certificate', () => {
  it('verifies the server with the CA bundle and presents spec.target.tls certFile/keyFile', async () => {
    const certs = makeTestCerts();
    const server = await startDemoGrpc(
      '127.0.0.1',
      0,
      ServerCredentials.createSsl(
        Buffer.from(certs.ca),
        [{ cert_chain: Buffer.from(certs.serverCert), private_key: Buffer.from(certs.serverKey) }],
        true,
      ),
    );
    try {
      expect(server.url).toMatch(/^grpcs:\/\//);
      const flow: Step[] = [{ name: 'hello', grpc: { ...greeter, method: 'Hello', message: { name: 'x' } } }];
      const withCert = loadTest(server.url, once(flow, 1, 3), {
        target: {
          baseURL: server.url,
          tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
        },
      });
      expect(stepOf(await run(withCert), 'hello')).toMatchObject({ requests: 3, failures: 0 });
      // Without a client certificate the handshake is refused: every call fails, none succeeds.
      const without = loadTest(server.url, once(flow, 1, 2), {
        target: { baseURL: server.url, tls: { caFile: certs.caFile } },
      });
      const refused = stepOf(await run(without), 'hello');
      expect(refused.requests).toBeGreaterThan(0);
      expect(refused.failures).toBe(refused.requests);
      expect(refused.statuses.OK).toBeUndefined();
    } finally {
      await server.close();
      certs.remove();
    }
  });
});

describe('gRPC step validation', () => {
  const manifest = (baseURL: string, step: Record<string, unknown>) => ({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 't' },
    spec: {
      target: { baseURL },
      scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, flow: [step] } },
    },
  });
  const problems = (value: unknown) => {
    const r = validateLoadTest(value);
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('reports every problem with its field path', () => {
    expect(
      problems(
        manifest('http://127.0.0.1:1', {
          grpc: { ...greeter, method: 'Hello', metadata: { a: '${vars.nope}' } },
          check: { status: 200 },
        }),
      ),
    ).toEqual([
      'spec.scenarios.s.flow[0].grpc: needs a grpc://host:port or grpcs://host:port spec.target.baseURL',
      'spec.scenarios.s.flow[0].grpc.metadata.a: ${vars.nope} is undefined: no step in this scenario extracts or sets it (defined: none)',
      'spec.scenarios.s.flow[0].check.status: does not apply to a grpc step; use check.grpcStatus or check.maxDuration',
    ]);
    expect(
      problems(manifest('grpc://127.0.0.1:1', { request: { url: '/x' }, check: { grpcStatus: 'OK' } })),
    ).toEqual([
      'spec.scenarios.s.flow[0].check.grpcStatus: only applies to a grpc step',
      'spec.scenarios.s.flow[0].request.url: needs an absolute http(s) URL: spec.target.baseURL is a gRPC target',
    ]);
    const schema = problems(
      manifest('grpc://127.0.0.1:1', {
        grpc: { service: 'bad service', method: 'Hello', proto: 'x.proto', deadline: 'soon' },
        check: { grpcStatus: 'FINE' },
      }),
    );
    expect(schema.some((p) => p.startsWith('spec.scenarios.s.flow[0].grpc.service:'))).toBe(true);
    expect(schema.some((p) => p.startsWith('spec.scenarios.s.flow[0].grpc.deadline:'))).toBe(true);
    expect(schema.some((p) => p.startsWith('spec.scenarios.s.flow[0].check.grpcStatus:'))).toBe(true);
  });
});
