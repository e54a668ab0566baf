/**
 * Every protocol's "waited the full timeout" is a latency at the time waited, as an HTTP request timeout is
 * (timeout-latency.test.ts): a WebSocket reply past replyTimeout, a statement PostgreSQL cancels at
 * statementTimeout, a gRPC call past its deadline. So half the calls timing out put p95 at about the timeout,
 * and a p(95) threshold below it fails. Failures with nothing waited for (a gRPC target that is not there)
 * stay latency-free. Real servers started here, run through the real engine.
 */
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario, Step } from '../../src/api/schema.js';
import { DEMO_PROTO, startDemoGrpc } from '../../src/demo/grpc.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';

const TIMEOUT_MS = 300;
/** A late answer comes this long after the timeout, so no timed-out call can be mistaken for an answer. */
const LATE_MS = 5 * TIMEOUT_MS;

function iterations(flow: Step[], vus = 2, perVu = 4): Record<string, Scenario> {
  return { s: { executor: 'per-vu-iterations', vus, iterations: perVu, flow } };
}

/** The run's p(95) threshold below the timeout: it must fail once the timed-out half is in the figures. */
const belowTimeout = { thresholds: { http_req_duration: [`p(95)<${TIMEOUT_MS - 50}ms`] } };

describe('WebSocket: a reply past replyTimeout is a latency at the time waited', () => {
  let server: TestWsServer;
  let messages = 0;
  beforeAll(async () => {
    server = await startWsServer((ws) => {
      ws.on('message', (data: Buffer) => {
        // Every other message, server-wide, is answered long after the client's replyTimeout.
        if (messages++ % 2 === 1) setTimeout(() => ws.send(data), LATE_MS).unref();
        else ws.send(data);
      });
    });
  });
  afterAll(() => server.close());

  it('request/reply: half the replies time out, p95 sits at the timeout and a p(95) threshold fails', async () => {
    const summary = await run(
      loadTest(
        server.httpUrl,
        iterations([
          {
            name: 'half',
            ws: { url: '/', send: { text: 'ping' }, expect: { any: true }, replyTimeout: `${TIMEOUT_MS}ms` },
          },
        ]),
        belowTimeout,
      ),
    );
    const half = stepOf(summary, 'half');
    // Eight connections and eight replies awaited, four of them timed out.
    expect(half).toMatchObject({ requests: 16, failures: 4, errors: { timeout: 4 } });
    expect(half.latency.count).toBe(8);
    expect(half.latency.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    expect(half.latency.maxMs).toBeLessThan(LATE_MS);
    expect(half.latency.p50Ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(summary.thresholds[0]).toMatchObject({ passed: false });
    expect(summary.verdict).toBe('failed');
  });

  it('session: messages whose reply is overdue are latencies of at least the timeout', async () => {
    const silent = await startWsServer(() => undefined);
    try {
      const summary = await run(
        loadTest(
          silent.httpUrl,
          iterations(
            [
              {
                name: 'unanswered',
                ws: {
                  url: '/',
                  send: { text: 'ping' },
                  expect: { any: true },
                  replyTimeout: `${TIMEOUT_MS}ms`,
                  session: { duration: `${4 * TIMEOUT_MS}ms`, interval: `${TIMEOUT_MS / 2}ms` },
                },
              },
            ],
            1,
            1,
          ),
        ),
      );
      const step = stepOf(summary, 'unanswered');
      const timedOut = step.errors.timeout ?? 0;
      expect(timedOut).toBeGreaterThan(0);
      expect(step.latency.count).toBe(timedOut);
      expect(step.latency.minMs).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    } finally {
      await silent.close();
    }
  });
});

describe('PostgreSQL: a statement cancelled at statementTimeout is a latency at the time waited', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.stop());

  it('half the statements outlast the timeout: p95 and the query time sit at the timeout', async () => {
    const summary = await run(
      loadTest(
        'http://127.0.0.1:9',
        iterations([
          {
            name: 'sleepy',
            pg: {
              // Odd iterations sleep past the statement timeout; the server cancels them (SQLSTATE 57014).
              query: `SELECT pg_sleep(CASE WHEN $1::int % 2 = 1 THEN ${LATE_MS / 1000} ELSE 0 END)`,
              params: ['${iteration}'],
            },
          },
        ]),
        { postgres: { url: db.url, statementTimeout: `${TIMEOUT_MS}ms` }, ...belowTimeout },
      ),
    );
    const sleepy = stepOf(summary, 'sleepy');
    expect(sleepy).toMatchObject({ requests: 8, failures: 4, errors: { pg_57: 4 } });
    expect(summary.errors.samples[0]?.message).toMatch(/^57014 /);
    expect(sleepy.latency.count).toBe(8);
    expect(sleepy.latency.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    expect(sleepy.latency.maxMs).toBeLessThan(LATE_MS);
    expect(sleepy.latency.p50Ms).toBeLessThan(TIMEOUT_MS / 2);
    // The cancelled statements held their connection as long: pg_query_duration shows it too.
    expect(sleepy.pg?.queryTime.count).toBe(8);
    expect(sleepy.pg?.queryTime.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    expect(summary.thresholds[0]).toMatchObject({ passed: false });
  });

  it('other SQL errors stay latency-free', async () => {
    const summary = await run(
      loadTest('http://127.0.0.1:9', iterations([{ name: 'typo', pg: { query: 'SELEC 1' } }], 1, 2), {
        postgres: { url: db.url, statementTimeout: `${TIMEOUT_MS}ms` },
      }),
    );
    const typo = stepOf(summary, 'typo');
    expect(typo).toMatchObject({ requests: 2, failures: 2, errors: { pg_42: 2 } });
    expect(typo.latency.count).toBe(0);
  });
});

describe('gRPC: a call past its deadline is a latency at the time waited; an unreachable target has none', () => {
  const greeter = { service: 'demo.Greeter', proto: DEMO_PROTO };
  let server: Server;
  let url = '';
  let calls = 0;
  beforeAll(async () => {
    const pkg = loadPackageDefinition(
      loadSync(DEMO_PROTO, { keepCase: true, defaults: true }),
    ) as unknown as {
      demo: { Greeter: { service: ServiceDefinition } };
    };
    server = new Server();
    server.addService(pkg.demo.Greeter.service, {
      // Every other call is held long past the client's deadline.
      Hello: (_call: ServerUnaryCall<unknown, unknown>, reply: sendUnaryData<unknown>) => {
        const answer = () => reply(null, { message: 'hello' });
        if (calls++ % 2 === 1) setTimeout(answer, LATE_MS).unref();
        else answer();
      },
      Count: (_call: ServerUnaryCall<unknown, unknown>, reply: sendUnaryData<unknown>) => reply(null, {}),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    url = `grpc://127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('half the calls exceed the deadline: p95 sits at the deadline and a p(95) threshold fails', async () => {
    const summary = await run(
      loadTest(
        url,
        iterations([
          {
            name: 'half',
            grpc: { ...greeter, method: 'Hello', message: { name: 'x' }, deadline: `${TIMEOUT_MS}ms` },
          },
        ]),
        belowTimeout,
      ),
    );
    const half = stepOf(summary, 'half');
    expect(half).toMatchObject({ requests: 8, failures: 4, errors: { grpc_deadline_exceeded: 4 } });
    expect(half.latency.count).toBe(8);
    expect(half.latency.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    expect(half.latency.maxMs).toBeLessThan(LATE_MS);
    expect(half.latency.p50Ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(summary.thresholds[0]).toMatchObject({ passed: false });
  });

  it('UNAVAILABLE (nothing listening) is a request and a failure with no latency', async () => {
    const closed = await startDemoGrpc('127.0.0.1', 0);
    await closed.close();
    const summary = await run(
      loadTest(
        closed.url,
        iterations([{ name: 'down', grpc: { ...greeter, method: 'Hello', message: { name: 'x' } } }], 1, 2),
      ),
    );
    const down = stepOf(summary, 'down');
    expect(down).toMatchObject({
      requests: 2,
      failures: 2,
      errors: { grpc_unavailable: 2 },
      statuses: { UNAVAILABLE: 2 },
    });
    expect(down.latency.count).toBe(0);
  });
});
