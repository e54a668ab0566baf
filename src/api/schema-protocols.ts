/**
 * The WebSocket (`ws`) and PostgreSQL (`pg`) step schemas and spec.postgres. CRD-friendly like the rest:
 * objects with optional fields (the "exactly one of" rules are CEL and CLI checks), bounded lists and strings.
 */
import { Type } from '@sinclair/typebox';
import { AnyJson, Duration, HeaderMap } from './schema-common.js';
import { LIMITS, PG_URL_PATTERN, WS_URL_PATTERN } from './spec-constants.js';

const JsonPathString = (hint: string) => Type.String({ pattern: '^\\$', maxLength: 256, 'x-hint': hint });

export const WsMessage = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: LIMITS.bodyLength, description: 'A text frame' })),
    json: Type.Optional(AnyJson()),
    binary: Type.Optional(
      Type.String({ maxLength: LIMITS.bodyLength, description: 'A binary frame, as base64' }),
    ),
  },
  {
    additionalProperties: false,
    description: 'The message to send: exactly one of text, json, binary; each may use ${...} templates',
  },
);

export const WsExpect = Type.Object(
  {
    any: Type.Optional(Type.Boolean({ description: 'The next message is the reply' })),
    text: Type.Optional(Type.String({ maxLength: LIMITS.stringLength, description: 'Reply text equals' })),
    json: Type.Optional(
      Type.Object(
        {
          path: JsonPathString('a JSON path such as $.type'),
          equals: Type.Optional(AnyJson()),
          exists: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'How a reply is recognised: exactly one of any, text, json',
  },
);

const WsSession = Type.Object(
  {
    duration: Duration('How long the connection stays open'),
    interval: Type.Optional(Duration('Send the message every interval (default: once, at the start)')),
  },
  { additionalProperties: false },
);

export const WsStep = Type.Object(
  {
    url: Type.String({
      maxLength: LIMITS.stringLength,
      pattern: WS_URL_PATTERN,
      'x-hint': 'a ws:// or wss:// URL, or a path such as /ws on target.baseURL',
    }),
    headers: Type.Optional(HeaderMap('Handshake headers; values may use ${...} templates')),
    subprotocols: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 16 })),
    connectTimeout: Type.Optional(Duration('Connect and handshake timeout (default: target.timeout)')),
    replyTimeout: Type.Optional(Duration('How long a reply may take (default: target.timeout)')),
    send: Type.Optional(WsMessage),
    expect: Type.Optional(WsExpect),
    messages: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Round trips per connection (default 1)' }),
    ),
    session: Type.Optional(WsSession),
    latencyFrom: Type.Optional(
      JsonPathString('a JSON path to a server timestamp in epoch milliseconds, such as $.ts'),
    ),
  },
  { additionalProperties: false },
);

export const SecretKeyRef = Type.Object(
  {
    secretKeyRef: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }),
        key: Type.String({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' }),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description: 'In a cluster, the runner gets it from this Secret; locally from STAMPEDE_PG_URL_<NAME>',
  },
);

const PgUrl = () =>
  Type.String({
    maxLength: 2048,
    pattern: PG_URL_PATTERN,
    'x-hint': 'a postgres:// or postgresql:// URL, or ${env.NAME}',
  });

const PgParams = () =>
  Type.Array(Type.String({ maxLength: LIMITS.stringLength }), {
    maxItems: 64,
    description: 'Values for $1, $2, ...; ${...} templates (one expression keeps its type)',
  });

const SqlText = (description: string) => Type.String({ minLength: 1, maxLength: 65_536, description });

export const PgStatement = Type.Object(
  { query: SqlText('One SQL statement; use $1, $2 for params'), params: Type.Optional(PgParams()) },
  { additionalProperties: false },
);

export const PgStep = Type.Object(
  {
    query: Type.Optional(SqlText('One SQL statement; use $1, $2 for params (the text is not templated)')),
    params: Type.Optional(PgParams()),
    transaction: Type.Optional(
      Type.Array(PgStatement, {
        minItems: 1,
        maxItems: 32,
        description: 'Statements run in BEGIN ... COMMIT; ROLLBACK on the first error',
      }),
    ),
    url: Type.Optional(PgUrl()),
    urlFrom: Type.Optional(SecretKeyRef),
  },
  { additionalProperties: false },
);

export const Postgres = Type.Object(
  {
    url: Type.Optional(PgUrl()),
    urlFrom: Type.Optional(SecretKeyRef),
    pool: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'Connections per database URL for the whole test, split across shards (default 10)',
      }),
    ),
    connectTimeout: Type.Optional(Duration('Connect timeout, also the longest pool wait (default 10s)')),
    statementTimeout: Type.Optional(Duration('Server-side statement_timeout (default 30s)')),
    setup: Type.Optional(Type.Array(SqlText('SQL run once before the load'), { maxItems: LIMITS.listItems })),
    teardown: Type.Optional(
      Type.Array(SqlText('SQL run once after the load'), { maxItems: LIMITS.listItems }),
    ),
  },
  { additionalProperties: false },
);
