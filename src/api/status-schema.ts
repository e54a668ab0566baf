/**
 * The LoadTest status, written by the controller. Defined once here: the CRD's status schema (through
 * schema-json.generated.ts) and the controller's TypeScript types both come from it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from './schema-common.js';
import { CONDITION_MESSAGE_MAX, PHASES, STATUS_MESSAGE_MAX } from './status-constants.js';

const Condition = Type.Object({
  type: Type.String({ maxLength: 64 }),
  status: StringEnum(['True', 'False', 'Unknown']),
  reason: Type.String({ maxLength: 128 }),
  message: Type.String({ maxLength: CONDITION_MESSAGE_MAX }),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});

const ThresholdStatus = Type.Object({
  metric: Type.String({ maxLength: 256 }),
  threshold: Type.String({ maxLength: 256 }),
  actual: Type.Optional(Type.Number()),
  passed: Type.Boolean(),
  abortOnFail: Type.Optional(Type.Boolean()),
});

export const LoadTestStatus = Type.Object({
  phase: Type.Optional(StringEnum([...PHASES])),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Type.Array(Condition, { maxItems: 16 })),
  message: Type.Optional(Type.String({ maxLength: STATUS_MESSAGE_MAX })),
  runners: Type.Optional(
    Type.Object({
      desired: Type.Integer({ minimum: 0 }),
      ready: Type.Integer({ minimum: 0 }),
      running: Type.Integer({ minimum: 0 }),
      finished: Type.Integer({ minimum: 0 }),
      lost: Type.Integer({ minimum: 0 }),
      /** "ready/desired" for the printer column. */
      display: Type.String({ maxLength: 32 }),
    }),
  ),
  /** The shared instant every runner starts load at. */
  startAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  progressPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  requests: Type.Optional(Type.Integer({ minimum: 0 })),
  rps: Type.Optional(Type.Number({ minimum: 0 })),
  p50Ms: Type.Optional(Type.Number({ minimum: 0 })),
  p95Ms: Type.Optional(Type.Number({ minimum: 0 })),
  p99Ms: Type.Optional(Type.Number({ minimum: 0 })),
  errorRate: Type.Optional(Type.Number({ minimum: 0 })),
  /** Error rate as a percent string for the printer column. */
  errors: Type.Optional(Type.String({ maxLength: 16 })),
  thresholds: Type.Optional(Type.Array(ThresholdStatus, { maxItems: 256 })),
  verdict: Type.Optional(StringEnum(['Passed', 'Failed'])),
  /** Name of the report ConfigMap once written. */
  report: Type.Optional(Type.String({ maxLength: 253 })),
  lostShards: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 1000 })),
  /** Set once an abortOnFail threshold stopped the runners; the reason survives a controller restart. */
  abortedBy: Type.Optional(Type.String({ maxLength: 512 })),
});

export type LoadTestStatus = Static<typeof LoadTestStatus>;
