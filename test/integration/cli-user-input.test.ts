/**
 * The CLI with names a user may choose and input that is not valid HTTP, as a user runs it: names such as
 * `constructor` work like any other, bad header names, `__proto__` and multi-document files exit 2 with the
 * field path, and a status outside 100..599 from a real server is classed http_invalid_status.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { type RawServer, startRawServer } from '../helpers/raw-server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stampede-user-input-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const manifest = (baseURL: string, rest: string) => `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: user-input }
spec:
  target: { baseURL: "${baseURL}", timeout: 5s }
${rest}`;

const oneRequest = (request: string) => `  scenarios:
    s: { executor: shared-iterations, vus: 1, iterations: 1, flow: [ { name: a, request: ${request} } ] }
`;

interface Summary {
  totals: { requests: number; failures: number };
  errors: { byClass: Record<string, number>; samples: { class: string; message: string }[] };
}

const readSummary = async (out: string) =>
  JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;

describe('names like constructor, toString, valueOf and hasOwnProperty', () => {
  let server: TestServer;
  const seen: string[] = [];
  beforeAll(async () => {
    server = await startServer((req, res) => {
      seen.push(req.url ?? '');
      json(res, 200, { ok: true });
    });
  });
  afterAll(() => server.close());

  it('work as env variables, a feeder, a scenario, a step and a custom metric with its threshold', async () => {
    const path = await file(
      'proto-names.yaml',
      manifest(
        server.url,
        `  env: { constructor: "c1", toString: "t2", valueOf: "v3", hasOwnProperty: "h4" }
  feeders: { constructor: { inline: [ { valueOf: "f5" } ] } }
  scenarios:
    constructor:
      executor: shared-iterations
      vus: 1
      iterations: 2
      flow:
        - name: toString
          request:
            url: "/e?a=\${env.constructor}&b=\${env.toString}&c=\${env.valueOf}&d=\${env.hasOwnProperty}&f=\${data.constructor.valueOf}"
            headers: { constructor: "\${env.valueOf}" }
          metric: { name: constructor, type: counter, value: "1" }
  thresholds:
    constructor: ["count>1"]
    "http_reqs{scenario:constructor,step:toString}": ["count==2"]
`,
      ),
    );
    const out = join(dir, 'out-proto-names');
    const result = await runCli(['run', path, '--quiet', '--workers', '1', '--out', out]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(seen).toEqual(['/e?a=c1&b=t2&c=v3&d=h4&f=f5', '/e?a=c1&b=t2&c=v3&d=h4&f=f5']);
    const summary = await readSummary(out);
    expect(summary.totals).toMatchObject({ requests: 2, failures: 0 });
  });
});

describe('validate and run refuse bad input with exit 2 and the field path', () => {
  const base = 'http://127.0.0.1:9';

  it.each([
    ['__proto__', /spec\.thresholds\.__proto__: "__proto__" cannot be used as a name or key here/],
    ['constructor', /spec\.thresholds\.constructor: unknown metric "constructor"; use one of/],
    ['"valueof{step:a}"', /spec\.thresholds\["valueof\{step:a\}"\]: unknown metric "valueof"/],
  ])('a threshold keyed %s', async (key, expected) => {
    const path = await file(
      'threshold-key.yaml',
      manifest(base, `${oneRequest('{ url: / }')}  thresholds:\n    ${key}: ["p(95)<100ms"]\n`),
    );
    for (const command of ['validate', 'run']) {
      const result = await runCli(command === 'run' ? [command, path, '--quiet'] : [command, path]);
      expect(result.code, command).toBe(2);
      expect(result.stdout + result.stderr).toMatch(expected);
      expect(result.stdout + result.stderr).not.toMatch(/Cannot read|is not a function|built-in metric/);
    }
  });

  it('a custom metric named constructor is not "a built-in metric"', async () => {
    const path = await file(
      'metric-constructor.yaml',
      manifest(
        base,
        `  scenarios:
    s: { executor: shared-iterations, vus: 1, iterations: 1, flow: [ { name: a, request: { url: / }, metric: { name: constructor, type: counter, value: "1" } } ] }
  thresholds:
    constructor: ["count>1"]
`,
      ),
    );
    const result = await runCli(['validate', path]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each([
    [
      'a request header name with a space and a colon',
      oneRequest('{ url: /, headers: { "x y:": "1" } }'),
      /spec\.scenarios\.s\.flow\[0\]\.request\.headers\["x y:"\]: key "x y:" is not an HTTP header name/,
    ],
    [
      'a target header name with a space',
      `  target: { baseURL: "${base}", headers: { "bad name": "1" } }\n${oneRequest('{ url: / }')}`,
      /spec\.target\.headers\["bad name"\]: key "bad name" is not an HTTP header name/,
    ],
    [
      'a literal header value with CR LF',
      oneRequest('{ url: /, headers: { x-v: "a\\r\\nX-Injected: 1" } }'),
      /spec\.scenarios\.s\.flow\[0\]\.request\.headers\.x-v: "a\\r\\nX-Injected: 1" is not a value without CR, LF or NUL/,
    ],
    [
      'a WebSocket header name with a colon',
      `  scenarios:\n    s: { executor: shared-iterations, vus: 1, iterations: 1, flow: [ { name: w, ws: { url: /ws, headers: { "a:b": "1" } } } ] }\n`,
      /spec\.scenarios\.s\.flow\[0\]\.ws\.headers\["a:b"\]: key "a:b" is not an HTTP header name/,
    ],
  ])('%s', async (_name, rest, expected) => {
    // A second target line, when the case has one, replaces the default one.
    const text = rest.startsWith('  target:')
      ? manifest(base, '').replace(/ {2}target:.*\n/, rest)
      : manifest(base, rest);
    const path = await file('headers.yaml', text);
    for (const command of ['validate', 'run']) {
      const result = await runCli(command === 'run' ? [command, path, '--quiet'] : [command, path]);
      expect(result.code, command).toBe(2);
      expect(result.stdout + result.stderr).toMatch(expected);
    }
  });

  it('a file with two LoadTests', async () => {
    const one = manifest(base, oneRequest('{ url: / }'));
    const path = await file('two-docs.yaml', `${one}---\n${one.replace('name: user-input', 'name: second')}`);
    for (const command of ['validate', 'run']) {
      const result = await runCli(command === 'run' ? [command, path, '--quiet'] : [command, path]);
      expect(result.code, command).toBe(2);
      expect(result.stdout + result.stderr).toMatch(
        /\(document\): one LoadTest per file; found 2 YAML documents \(separated by ---\)/,
      );
    }
  });
});

describe('what a run meets on the wire', () => {
  let raw: RawServer;
  afterAll(() => raw?.close());

  it('a status outside 100..599 is http_invalid_status with a message saying why', async () => {
    raw = await startRawServer((socket) =>
      socket.write('HTTP/1.1 999 Whatever\r\ncontent-length: 2\r\n\r\nok'),
    );
    const path = await file(
      'status-999.yaml',
      manifest(raw.url, oneRequest('{ url: /a }').replace('iterations: 1', 'iterations: 3')),
    );
    const out = join(dir, 'out-status-999');
    const result = await runCli(['run', path, '--quiet', '--workers', '1', '--out', out]);
    // The run completes and fails its gates (exit 99), as with any other error class.
    expect(result.code, result.stdout + result.stderr).toBe(99);
    const summary = await readSummary(out);
    expect(summary.totals).toMatchObject({ requests: 3, failures: 3 });
    expect(summary.errors.byClass.http_invalid_status).toBe(3);
    expect(summary.errors.byClass.http_5xx).toBe(0);
    expect(summary.errors.samples).toContainEqual(
      expect.objectContaining({
        class: 'http_invalid_status',
        message: 'HTTP 999: not a valid status code (RFC 9110 defines 100..599)',
      }),
    );
    expect(result.stdout).toMatch(/errors by class: http_invalid_status 3/);
  });

  it('a templated header value that renders a line break is a classed error; nothing is injected', async () => {
    raw = await startRawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
    const path = await file(
      'header-crlf.yaml',
      manifest(
        raw.url,
        `  env: { X: "a\\r\\nX-Injected: 1" }\n${oneRequest('{ url: /a, headers: { x-v: "${env.X}" } }')}`,
      ),
    );
    const out = join(dir, 'out-header-crlf');
    const result = await runCli(['run', path, '--quiet', '--workers', '1', '--out', out]);
    expect(result.code, result.stdout + result.stderr).toBe(99);
    const summary = await readSummary(out);
    expect(summary.errors.byClass.other).toBe(1);
    expect(summary.errors.samples[0]?.message).toBe('header "a\\r\\nX-Injected: 1" contains a line break');
    expect(raw.received.join('')).not.toMatch(/X-Injected/i);
  });
});
