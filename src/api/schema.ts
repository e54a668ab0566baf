/**
 * The one LoadTest schema. TypeScript types, CLI validation and the CRD's openAPIV3Schema all derive from
 * these definitions. Maps are `Type.Record`, enums are plain `enum` strings, and nesting is unrolled to a
 * fixed depth because CRD schemas cannot be recursive. Build time only: run-time code takes types from here
 * (`import type`) and the schema from schema-json.generated.ts (`npm run gen:schema`), never TypeBox itself.
 */
import { type Static, Type } from '@sinclair/typebox';
import { MAX_RATE_PER_SECOND, MIN_TIME_UNIT_US } from './duration.js';
import { Analysis } from './schema-analysis.js';
import { AnyJson, Duration, HeaderMap, StringEnum } from './schema-common.js';
import { Lifecycle, type LifecycleSpec, Step } from './schema-flow.js';
import type { GrpcStep } from './schema-grpc.js';
import {
  type PgStatement,
  type PgStep,
  Postgres,
  SecretKeyRef,
  type WsExpect,
  type WsMessage,
  type WsStep,
} from './schema-protocols.js';
import { TargetTls } from './schema-tls.js';
import { API_VERSION, FEEDER_MAX_ROWS, KIND, LIMITS } from './spec-constants.js';

export { StringEnum } from './schema-common.js';
export * from './schema-flow.js';

export const EXECUTORS = [
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'per-vu-iterations',
  'shared-iterations',
  'breakpoint',
] as const;

const Stage = Type.Object(
  {
    duration: Duration(),
    target: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'VUs, or iterations per timeUnit' }),
  },
  { additionalProperties: false },
);

/** The breakpoint executor's load levels: start, start+step, ... up to max, each held for `duration`. */
const Levels = Type.Object(
  {
    unit: StringEnum(['vus', 'rate'], {
      description: 'vus: concurrent VUs (closed model); rate: iterations per timeUnit (open model)',
    }),
    start: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Load of the first level' }),
    step: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Load added per level' }),
    max: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Highest level (inclusive)' }),
    duration: Duration('How long each level is held', 1),
  },
  { additionalProperties: false },
);

const Recovery = Type.Object(
  {
    duration: Duration('How long the baseline load runs after stepping ends'),
    load: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1_000_000,
        description: 'Baseline load (default: levels.start)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Scenario = Type.Object(
  {
    executor: StringEnum([...EXECUTORS]),
    startTime: Type.Optional(Duration('Delay from test start before this scenario begins')),
    gracefulStop: Type.Optional(Duration('Time running iterations get to finish at the end (default 5s)')),
    vus: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    duration: Type.Optional(Duration('How long the scenario runs', 1)),
    iterations: Type.Optional(Type.Integer({ minimum: 1 })),
    maxDuration: Type.Optional(Duration('Upper bound for iteration-based executors (default 10m)', 1)),
    startVUs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    stages: Type.Optional(Type.Array(Stage, { maxItems: LIMITS.listItems })),
    gracefulRampDown: Type.Optional(
      Duration(
        'ramping-vus, breakpoint with VU levels: how long an iteration of a VU the target ramps down may run on before it is interrupted (default 30s)',
      ),
    ),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_RATE_PER_SECOND })),
    startRate: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_RATE_PER_SECOND })),
    timeUnit: Type.Optional(Duration('The unit of rate (default 1s, at least 1ms)', MIN_TIME_UNIT_US)),
    preAllocatedVUs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    maxVUs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    levels: Type.Optional(Levels),
    stopWhen: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 10,
        description: 'Stop stepping when any holds on the current level, e.g. "p(95)>1s" or "errors rate>5%"',
      }),
    ),
    recovery: Type.Optional(Recovery),
    lifecycle: Type.Optional(Lifecycle),
    flow: Type.Array(Step, { minItems: 1, maxItems: LIMITS.listItems }),
  },
  { additionalProperties: false },
);

const ThresholdObject = Type.Object(
  {
    threshold: Type.String({ minLength: 1 }),
    abortOnFail: Type.Optional(Type.Boolean()),
    delayAbortEval: Type.Optional(Duration()),
  },
  { additionalProperties: false },
);

export const ThresholdRule = Type.Union([Type.String({ minLength: 1 }), ThresholdObject]);

const Feeder = Type.Object(
  {
    inline: Type.Optional(
      Type.Array(
        Type.Record(Type.String({ maxLength: 256 }), AnyJson(), { maxProperties: LIMITS.mapEntries }),
        {
          minItems: 1,
          maxItems: FEEDER_MAX_ROWS,
        },
      ),
    ),
    csv: Type.Optional(Type.String({ minLength: 1, description: 'Path to a CSV file with a header row' })),
    json: Type.Optional(
      Type.String({ minLength: 1, description: 'Path to a JSON file holding an array of objects' }),
    ),
    configMap: Type.Optional(
      Type.Object(
        {
          name: Type.String({
            minLength: 1,
            maxLength: 253,
            pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
            description:
              "A ConfigMap in the LoadTest's namespace (kubectl create configmap NAME --from-file=FILE)",
          }),
          key: Type.String({
            minLength: 1,
            maxLength: 253,
            pattern: '^[-._a-zA-Z0-9]+$',
            description: 'The data key holding the file, such as users.csv',
          }),
          format: Type.Optional(StringEnum(['csv', 'json'])),
        },
        {
          additionalProperties: false,
          description: 'In a cluster: rows from a ConfigMap key; format defaults from a .csv or .json key',
        },
      ),
    ),
    order: Type.Optional(StringEnum(['sequential', 'random'])),
  },
  { additionalProperties: false },
);

const Target = Type.Object(
  {
    baseURL: Type.String({
      pattern: '^(https?|grpcs?)://[^\\s/]+',
      'x-hint': 'an http:// or https:// URL, or grpc://host:port or grpcs://host:port for gRPC steps',
    }),
    headers: Type.Optional(HeaderMap('Headers sent with every request')),
    timeout: Type.Optional(Duration('Default request timeout (default 10s)')),
    connections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          'Keep-alive connections per origin per shard (default: one per VU); with http2, sessions per origin per shard (default 1)',
      }),
    ),
    insecureSkipTLSVerify: Type.Optional(Type.Boolean()),
    maxBodyBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64 * 1024 * 1024,
        description:
          'Response body bytes kept for checks and extraction (default 1 MiB); the rest is counted and dropped',
      }),
    ),
    tls: Type.Optional(TargetTls),
    http2: Type.Optional(
      Type.Boolean({
        description:
          'Speak HTTP/2: over TLS for https:// (ALPN h2), cleartext with prior knowledge (h2c) for http://; VU streams are multiplexed over `connections` sessions',
      }),
    ),
    negotiateHttp2: Type.Optional(
      Type.Boolean({
        description:
          'Over TLS, offer h2 and http/1.1 by ALPN and speak what each origin picks (HTTP/2 over `connections` sessions, default 1; HTTP/1.1 as without this); http:// stays HTTP/1.1. `http2: true` takes precedence',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A spec.env value kept in a Secret: runner pods get it from the Secret, a local run from its environment. */
const EnvFromSecret = Type.Object(
  { valueFrom: SecretKeyRef },
  {
    additionalProperties: false,
    description:
      'In a cluster from this Secret (runner env STAMPEDE_ENV_<NAME>); locally from the variable NAME',
  },
);

/** A baseline bound: a percentage such as 10% or 0.5% (src/analysis/compare.ts parses it). */
export const BOUND_PATTERN_SOURCE = '^\\d+(\\.\\d+)?%$';

const Bound = () =>
  Type.Optional(Type.String({ pattern: BOUND_PATTERN_SOURCE, 'x-hint': 'a percentage such as 10% or 0.5%' }));

/** spec.baseline: judge this run against a previous run's report; the metric names match `stampede compare`. */
const Baseline = Type.Object(
  {
    configMap: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      description: "A previous run's report ConfigMap in this namespace, such as checkout-report",
    }),
    maxRegression: Type.Optional(
      Type.Object(
        // The same names as COMPARED_METRICS (a unit test holds them equal), written out for the static type.
        { p50: Bound(), p95: Bound(), p99: Bound(), errorRate: Bound(), rps: Bound() },
        {
          additionalProperties: false,
          description:
            'Allowed regression per metric: latencies (p50, p95, p99) may rise and rps may fall by this share of the baseline, errorRate may rise by this many percentage points. Default: p95 10%, errorRate 1%, rps 10%',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const LoadTestSpec = Type.Object(
  {
    target: Target,
    env: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 256 }),
        Type.Union([Type.String({ maxLength: LIMITS.stringLength }), EnvFromSecret]),
        {
          maxProperties: LIMITS.mapEntries,
          description:
            'Variables for ${env.NAME}: a value, or valueFrom.secretKeyRef; override with --env NAME=value',
        },
      ),
    ),
    feeders: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Feeder, { maxProperties: 16 }),
    ),
    postgres: Type.Optional(Postgres),
    scenarios: Type.Record(Type.String({ pattern: '^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$' }), Scenario, {
      minProperties: 1,
      maxProperties: 32,
    }),
    thresholds: Type.Optional(
      Type.Record(Type.String({ maxLength: 256 }), Type.Array(ThresholdRule, { minItems: 1, maxItems: 10 }), {
        maxProperties: LIMITS.mapEntries,
      }),
    ),
    runners: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Runner pods in a cluster' }),
    ),
    analysis: Type.Optional(Analysis),
    baseline: Type.Optional(Baseline),
  },
  { additionalProperties: false },
);

export const LoadTest = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(KIND),
    metadata: Type.Object(
      {
        name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
        namespace: Type.Optional(Type.String()),
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
      },
      { additionalProperties: true },
    ),
    spec: LoadTestSpec,
  },
  { additionalProperties: true },
);

export type LoadTest = Omit<Static<typeof LoadTest>, 'spec'> & { spec: LoadTestSpec };
export type LoadTestSpec = Omit<Static<typeof LoadTestSpec>, 'scenarios'> & {
  scenarios: Record<string, Scenario>;
};
export type Scenario = Omit<Static<typeof Scenario>, 'flow' | 'lifecycle'> & {
  flow: Step[];
  lifecycle?: LifecycleSpec;
};
export type ExecutorType = (typeof EXECUTORS)[number];
export type ThresholdRule = Static<typeof ThresholdRule>;
export type WsStepSpec = Static<typeof WsStep>;
export type WsMessageSpec = Static<typeof WsMessage>;
export type WsExpectSpec = Static<typeof WsExpect>;
export type PgStepSpec = Static<typeof PgStep>;
export type GrpcStepSpec = Static<typeof GrpcStep>;
export type PgStatementSpec = Static<typeof PgStatement>;
export type PostgresSpec = Static<typeof Postgres>;
export type SecretKeyRefSpec = Static<typeof SecretKeyRef>;
export type EnvValueSpec = Static<typeof EnvFromSecret> | string;
export type FeederSpec = Static<typeof Feeder>;
