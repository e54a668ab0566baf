/**
 * The flow part of the LoadTest schema: steps (HTTP requests, checks, extraction, think time, conditions,
 * retries, loops, groups and choices, with WebSocket and PostgreSQL steps from schema-protocols.ts) and the
 * per-VU lifecycle flows. Nesting is unrolled to a fixed depth because CRD schemas cannot be recursive.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CUSTOM_METRIC_NAME, CUSTOM_METRIC_TYPES } from './flow-constants.js';
import { AnyJson, Duration, HeaderMap, StringEnum, StringMap } from './schema-common.js';
import { GrpcStatus, GrpcStep } from './schema-grpc.js';
import { PgStep, WsStep } from './schema-protocols.js';
import { LIMITS } from './spec-constants.js';

/** Group/repeat/choice steps can nest this deep; CRD schemas cannot express recursion. */
export const MAX_FLOW_DEPTH = 4;

/** What a retry may react to: transport failures, status classes and failed checks. */
export const RETRYABLE_ERRORS = [
  'refused',
  'reset',
  'timeout',
  'dns',
  'tls',
  'http_4xx',
  'http_5xx',
  'check',
] as const;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const HttpRequest = Type.Object(
  {
    method: Type.Optional(StringEnum([...HTTP_METHODS])),
    url: Type.String({
      minLength: 1,
      maxLength: LIMITS.stringLength,
      description: 'Path relative to target.baseURL, or an absolute http(s) URL',
    }),
    headers: Type.Optional(HeaderMap('Request headers; values may use ${...} templates')),
    query: Type.Optional(StringMap('Query parameters; values may use ${...} templates')),
    json: Type.Optional(AnyJson()),
    body: Type.Optional(
      Type.String({
        maxLength: LIMITS.bodyLength,
        description: 'Raw request body; may use ${...} templates',
      }),
    ),
    timeout: Type.Optional(Duration('Per-request timeout (default: target.timeout)')),
  },
  { additionalProperties: false },
);

const Extractor = Type.Object(
  {
    json: Type.Optional(
      Type.String({ pattern: '^\\$', 'x-hint': 'a JSON path such as $.token or $.items[0].id' }),
    ),
    header: Type.Optional(Type.String({ minLength: 1 })),
    regex: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'RE2 regular expression (linear time; no backreferences); capture group 1 is taken',
      }),
    ),
  },
  { additionalProperties: false },
);

const JsonCheck = Type.Object(
  {
    path: Type.String({ pattern: '^\\$', 'x-hint': 'a JSON path such as $.ok' }),
    equals: Type.Optional(AnyJson()),
    exists: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Check = Type.Object(
  {
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    statusIn: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 20 }),
    ),
    bodyContains: Type.Optional(Type.String()),
    bodyMatches: Type.Optional(
      Type.String({
        maxLength: 1024,
        description: 'RE2 regular expression (linear time; no backreferences)',
      }),
    ),
    json: Type.Optional(Type.Array(JsonCheck, { minItems: 1, maxItems: 32 })),
    maxDuration: Type.Optional(Duration('Fail the check when the step took longer')),
    grpcStatus: Type.Optional(GrpcStatus()),
  },
  { additionalProperties: false },
);

const Think = Type.Object(
  {
    constant: Type.Optional(Duration()),
    uniform: Type.Optional(
      Type.Object({ min: Duration(), max: Duration() }, { additionalProperties: false }),
    ),
    poisson: Type.Optional(Type.Object({ mean: Duration() }, { additionalProperties: false })),
  },
  {
    additionalProperties: false,
    description: 'Pause after the step: exactly one of constant, uniform, poisson',
  },
);

/** Retry a request step when its answer is one of these statuses or error classes; attempts are recorded. */
const Retry = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 10, description: 'Retries after the first attempt' }),
    statuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 20 }),
    ),
    errors: Type.Optional(
      Type.Array(StringEnum([...RETRYABLE_ERRORS]), {
        minItems: 1,
        maxItems: RETRYABLE_ERRORS.length,
        description: 'Error classes to retry: transport errors, http_4xx, http_5xx or check',
      }),
    ),
    backoff: Type.Optional(
      Duration('Pause before the first retry, doubled for each next one (default 100ms)'),
    ),
    maxBackoff: Type.Optional(Duration('Upper bound of one pause (default 5s)')),
  },
  { additionalProperties: false },
);

const Loop = Type.Object(
  {
    until: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Condition checked after each pass, e.g. "last.status == 200"',
    }),
    max: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Passes at most' }),
  },
  { additionalProperties: false, description: 'Run the steps again until the condition holds' },
);

const CustomMetric = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, pattern: CUSTOM_METRIC_NAME }),
    type: StringEnum([...CUSTOM_METRIC_TYPES]),
    value: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'Rendered per response after extraction, e.g. "${vars.queueTime}": a number (trend, counter) or true/false (rate)',
    }),
  },
  { additionalProperties: false },
);

const Condition = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });

function stepSchema(depth: number): TSchema {
  const nested =
    depth > 1 ? Type.Array(stepSchema(depth - 1), { minItems: 1, maxItems: LIMITS.listItems }) : undefined;
  const structural: Record<string, TSchema> = nested
    ? {
        group: Type.Optional(Type.String({ minLength: 1, description: 'Name prefix for the nested steps' })),
        repeat: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
        loop: Type.Optional(Loop),
        steps: Type.Optional(nested),
        choice: Type.Optional(
          Type.Array(
            Type.Object(
              { weight: Type.Number({ exclusiveMinimum: 0 }), steps: nested },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 20 },
          ),
        ),
      }
    : {};
  return Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9_.:/-]+$' })),
      if: Type.Optional(
        Condition('Run the step only when this holds, e.g. "last.status == 401" or "vars.token == null"'),
      ),
      request: Type.Optional(HttpRequest),
      retry: Type.Optional(Retry),
      ws: Type.Optional(WsStep),
      pg: Type.Optional(PgStep),
      grpc: Type.Optional(GrpcStep),
      extract: Type.Optional(
        Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Extractor, { maxProperties: 32 }),
      ),
      check: Type.Optional(Check),
      metric: Type.Optional(CustomMetric),
      metrics: Type.Optional(
        Type.Array(CustomMetric, { minItems: 1, maxItems: 8, description: 'Several custom metrics' }),
      ),
      set: Type.Optional(StringMap('Set VU variables from templates')),
      think: Type.Optional(Think),
      ...structural,
    },
    { additionalProperties: false },
  );
}

export const Step = stepSchema(MAX_FLOW_DEPTH);
/** Lifecycle flows log in or refresh a token: plain steps (no nesting) are enough and keep the CRD small. */
export const LIFECYCLE_FLOW_DEPTH = 1;
const LifecycleFlow = (description: string) =>
  Type.Array(stepSchema(LIFECYCLE_FLOW_DEPTH), { minItems: 1, maxItems: 20, description });

/** Per-VU flows around the iterations: setup once, refresh on a schedule or condition, teardown at the end. */
export const Lifecycle = Type.Object(
  {
    setup: Type.Optional(LifecycleFlow('Run once per VU before its first iteration (log in, fetch a token)')),
    refresh: Type.Optional(
      Type.Object(
        {
          every: Type.Optional(Duration('Rerun when this long has passed since setup or the last refresh')),
          if: Type.Optional(Condition('Rerun before a request when this holds, e.g. "last.status == 401"')),
          steps: LifecycleFlow('The refresh flow'),
        },
        { additionalProperties: false },
      ),
    ),
    teardown: Type.Optional(LifecycleFlow('Run once per VU after the scenario (log out)')),
  },
  { additionalProperties: false },
);

export type HttpRequestSpec = Static<typeof HttpRequest>;
export type ExtractorSpec = Static<typeof Extractor>;
export type CheckSpec = Static<typeof Check>;
export type RetrySpec = Static<typeof Retry>;
export type LoopSpec = Static<typeof Loop>;
export type ThinkSpec = Static<typeof Think>;
export type CustomMetricSpec = Static<typeof CustomMetric>;
export type CustomMetricType = (typeof CUSTOM_METRIC_TYPES)[number];
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface LifecycleSpec {
  setup?: Step[];
  refresh?: { every?: string; if?: string; steps: Step[] };
  teardown?: Step[];
}

/** Step is unrolled in the schema; its TypeScript type is the recursive shape. */
export interface Step {
  name?: string;
  if?: string;
  request?: HttpRequestSpec;
  retry?: RetrySpec;
  ws?: Static<typeof WsStep>;
  pg?: Static<typeof PgStep>;
  grpc?: Static<typeof GrpcStep>;
  extract?: Record<string, ExtractorSpec>;
  check?: CheckSpec;
  metric?: CustomMetricSpec;
  metrics?: CustomMetricSpec[];
  set?: Record<string, string>;
  think?: ThinkSpec;
  group?: string;
  repeat?: number;
  loop?: LoopSpec;
  steps?: Step[];
  choice?: { weight: number; steps: Step[] }[];
}
