import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pgUrlEnvName } from '../../src/api/pg-url.js';
import { WS_URL_PATTERN } from '../../src/api/spec-constants.js';
import { resolvePgUrl } from '../../src/engine/pg-url.js';
import { renderCRDYaml } from '../../src/manifest/crd.js';
import { parseManifest } from '../../src/manifest/validate.js';

const manifest = (flow: string, extra = '') => `
apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: protocols }
spec:
  target: { baseURL: "http://127.0.0.1:8080" }
  env: { PG_URL: "postgres://app@127.0.0.1:5432/shop" }
${extra}
  scenarios:
    s:
      executor: constant-vus
      vus: 1
      duration: 1s
      flow:
${flow}
`;

function problems(text: string) {
  const result = parseManifest(text);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.problems;
}

describe('WebSocket step validation', () => {
  it('accepts absolute ws/wss URLs and paths on the target, with templates in the path', () => {
    const ok = manifest(`        - name: a
          ws: { url: "wss://chat.example.com/ws?vu=\${vu}", send: { json: { type: ping } }, expect: { json: { path: $.type, equals: pong } } }
        - name: b
          ws: { url: /ws, session: { duration: 1s }, latencyFrom: $.ts }
        - name: c
          ws: { url: "ws://127.0.0.1:9000", send: { binary: "AAEC" }, session: { duration: 1s, interval: 100ms } }`);
    expect(parseManifest(ok)).toMatchObject({ ok: true });
  });

  it('rejects a non-ws scheme and a bad URL with the field path, at the schema and in the CLI', () => {
    const p = problems(
      manifest(`        - name: http-scheme
          ws: { url: "http://127.0.0.1:8080/ws" }
        - name: no-host
          ws: { url: "ws:///ws" }
        - name: bad-host
          ws: { url: "ws://exa mple.com/ws" }`),
    );
    expect(p).toEqual([
      {
        path: 'spec.scenarios.s.flow[0].ws.url',
        message:
          '"http://127.0.0.1:8080/ws" is not a ws:// or wss:// URL, or a path such as /ws on target.baseURL',
      },
      {
        path: 'spec.scenarios.s.flow[1].ws.url',
        message: '"ws:///ws" is not a ws:// or wss:// URL, or a path such as /ws on target.baseURL',
      },
      {
        path: 'spec.scenarios.s.flow[2].ws.url',
        message:
          '"ws://exa mple.com/ws" is not a ws:// or wss:// URL, or a path such as /ws on target.baseURL',
      },
    ]);
    // The schema pattern passes this one; parsing the URL (after the schema check) catches it.
    expect(problems(manifest(`        - ws: { url: "ws://127.0.0.1:99999/ws" }`))).toEqual([
      {
        path: 'spec.scenarios.s.flow[0].ws.url',
        message: '"ws://127.0.0.1:99999/ws" is not a valid WebSocket URL',
      },
    ]);
  });

  it('the CRD carries the same URL pattern, so the apiserver rejects a non-ws scheme too', () => {
    const crd = parse(renderCRDYaml());
    const flowItem =
      crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.scenarios.additionalProperties
        .properties.flow.items;
    expect(flowItem.properties.ws.properties.url.pattern).toBe(WS_URL_PATTERN);
    const re = new RegExp(WS_URL_PATTERN);
    expect(['ws://h/x', 'wss://h:1/x?y', '/ws'].every((u) => re.test(u))).toBe(true);
    expect(['http://h/x', 'ftp://h', 'ws:///x', 'ws://a b', 'chat'].some((u) => re.test(u))).toBe(false);
    expect(flowItem['x-kubernetes-validations'][0].rule).toBe(
      '[has(self.request), has(self.steps), has(self.choice), has(self.ws), has(self.pg), has(self.grpc)].filter(x, x).size() <= 1',
    );
  });

  it('checks message, expect, session and templates', () => {
    const p = problems(
      manifest(`        - name: a
          ws:
            url: "/ws/\${vars.room}"
            send: { text: hi, binary: AAEC }
            expect: { any: true, text: pong }
            messages: 3
            session: { duration: 1s }
        - name: b
          ws: { url: /ws, expect: { any: true }, session: { duration: 1s, interval: 1s } }
        - name: c
          ws: { url: /ws, send: { binary: "not base64!" }, latencyFrom: "$.a b" }
        - request: { url: /x }
          ws: { url: /ws }`),
    );
    expect(p.map((x) => `${x.path}: ${x.message}`)).toEqual([
      'spec.scenarios.s.flow[0].ws.url: ${vars.room} is undefined: no step in this scenario extracts or sets it (defined: none)',
      'spec.scenarios.s.flow[0].ws.send: a message needs exactly one of text, json, binary (found text, binary)',
      'spec.scenarios.s.flow[0].ws.expect: expect needs exactly one of any, text, json (found any, text)',
      'spec.scenarios.s.flow[0].ws.messages: does not apply to a session; use session.interval',
      'spec.scenarios.s.flow[1].ws.expect: needs send: a reply answers a message',
      'spec.scenarios.s.flow[1].ws.session.interval: needs send: the message sent every interval',
      'spec.scenarios.s.flow[2].ws.send.binary: is not base64',
      'spec.scenarios.s.flow[2].ws.latencyFrom: JSON path "$.a b" is not supported at " b"',
      'spec.scenarios.s.flow[3]: has request and ws; a step is one of: request, ws, pg, steps (with group/repeat), choice, grpc',
    ]);
  });
});

describe('PostgreSQL step validation', () => {
  it('accepts queries, transactions, env-templated URLs and secret references', () => {
    const ok = manifest(
      `        - name: read
          pg: { query: "SELECT * FROM t WHERE id = $1", params: ["\${randomInt(1, 10)}"] }
        - name: write
          pg:
            transaction:
              - { query: "UPDATE t SET n = n + 1 WHERE id = $1", params: ["\${vu}"] }
              - { query: "INSERT INTO log VALUES (now())" }
        - name: other-db
          pg: { query: "SELECT 1", urlFrom: { secretKeyRef: { name: reports-db, key: url } } }`,
      '  postgres: { url: "${env.PG_URL}", pool: 20, connectTimeout: 5s, statementTimeout: 2s, setup: ["SELECT 1"], teardown: ["SELECT 2"] }',
    );
    expect(parseManifest(ok)).toMatchObject({ ok: true });
  });

  it('reports every problem with its path: names, one of query/transaction, URLs, templates', () => {
    const p = problems(
      manifest(
        `        - pg: { query: "SELECT 1" }
        - name: both
          pg: { query: "SELECT 1", transaction: [{ query: "SELECT 2" }], params: ["1"] }
        - name: vars-in-url
          pg: { query: "SELECT 1", url: "postgres://\${vars.user}@db/x" }
        - name: same-secret
          pg: { query: "SELECT 1", urlFrom: { secretKeyRef: { name: main-db, key: other } } }
        - name: both
          request: { url: /x }`,
        '  postgres: { urlFrom: { secretKeyRef: { name: main-db, key: url } }, url: "postgres://x@h/d" }',
      ),
    );
    expect(p.map((x) => `${x.path}: ${x.message}`)).toEqual([
      'spec.postgres: has both url and urlFrom; use one',
      'spec.scenarios.s.flow[3].pg.urlFrom.secretKeyRef.key: secret "main-db" is already used with key "url"; one secret gives one database URL',
      'spec.scenarios.s.flow[0]: a pg step needs a name: results are reported per query name',
      'spec.scenarios.s.flow[1].pg: a pg step needs exactly one of query, transaction (found query, transaction)',
      'spec.scenarios.s.flow[1].pg.params: give params per statement in a transaction',
      'spec.scenarios.s.flow[2].pg.url: ${vars.user} is undefined: no step in this scenario extracts or sets it (defined: none)',
      'spec.scenarios.s.flow[4].name: "both" already names a pg step',
    ]);
  });

  it('rejects a URL that is neither postgres:// nor an env template, and a step with no database', () => {
    expect(
      problems(manifest(`        - { name: r, pg: { query: "SELECT 1", url: "mysql://h/d" } }`)),
    ).toEqual([
      {
        path: 'spec.scenarios.s.flow[0].pg.url',
        message: '"mysql://h/d" is not a postgres:// or postgresql:// URL, or ${env.NAME}',
      },
    ]);
    expect(problems(manifest(`        - { name: q, pg: { query: "SELECT 1" } }`))).toEqual([
      {
        path: 'spec.scenarios.s.flow[0].pg',
        message: 'has no database: set url or urlFrom here or in spec.postgres',
      },
    ]);
  });

  it('resolves urlFrom from STAMPEDE_PG_URL_<NAME> and says which variable is missing', () => {
    const ref = { secretKeyRef: { name: 'orders.db-1', key: 'url' } };
    expect(pgUrlEnvName(ref)).toBe('STAMPEDE_PG_URL_ORDERS_DB_1');
    expect(
      resolvePgUrl({ urlFrom: ref }, undefined, {}, { STAMPEDE_PG_URL_ORDERS_DB_1: 'postgres://h/d' }),
    ).toBe('postgres://h/d');
    expect(() => resolvePgUrl(undefined, { urlFrom: ref }, {}, {})).toThrow(
      /urlFrom secret orders\.db-1\/url: environment variable STAMPEDE_PG_URL_ORDERS_DB_1 is not set/,
    );
    expect(resolvePgUrl(undefined, { url: '${env.PG}' }, { PG: 'postgresql://u@h/d' })).toBe(
      'postgresql://u@h/d',
    );
    expect(() => resolvePgUrl(undefined, { url: '${env.PG}' }, { PG: 'http://h' })).toThrow(
      /not a postgres:\/\//,
    );
  });
});
