/**
 * Building blocks of the LoadTest schema, shared by schema.ts and schema-protocols.ts: string enums,
 * durations, free JSON and bounded maps (the bounds are in spec-constants.ts, which run-time code reads).
 */
import { Type } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN, MAX_DURATION_US } from './duration.js';
import {
  GRPC_METADATA_KEY_PATTERN,
  HEADER_NAME_PATTERN,
  HEADER_VALUE_PATTERN,
  LIMITS,
} from './spec-constants.js';

export function StringEnum<T extends string[]>(values: [...T], options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options });
}

/** Longer than any valid duration text; keeps the CRD's CEL cost estimates small. */
const DURATION_MAX_LENGTH = 32;

/**
 * A duration string, at most MAX_DURATION_US long. `minUs` sets a lower bound (for example a load-defining
 * duration must be longer than 0). The bounds are checked by the CLI's and the controller's validation.
 */
export const Duration = (description?: string, minUs?: number) =>
  Type.String({
    pattern: DURATION_PATTERN,
    maxLength: DURATION_MAX_LENGTH,
    'x-hint': DURATION_HINT,
    'x-max-us': MAX_DURATION_US,
    ...(minUs !== undefined ? { 'x-min-us': minUs } : {}),
    ...(description ? { description } : {}),
  });

/** Any JSON value (request bodies, expected values). Preserved as-is by the CRD. */
export const AnyJson = () => Type.Unknown({ 'x-kubernetes-preserve-unknown-fields': true });

export const StringMap = (description: string) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: LIMITS.stringLength }), {
    description,
    maxProperties: LIMITS.mapEntries,
  });

/**
 * Headers (or gRPC metadata): names by `keyPattern`, literal values without CR, LF or NUL. `x-key-hint` says
 * what a key must be, in the CLI's message and the CRD's.
 */
const FieldMap = (description: string, keyPattern: string, keyHint: string) =>
  Type.Record(
    Type.String({ pattern: keyPattern }),
    Type.String({
      maxLength: LIMITS.stringLength,
      pattern: HEADER_VALUE_PATTERN,
      'x-hint': 'a value without CR, LF or NUL characters',
    }),
    { description, maxProperties: LIMITS.mapEntries, 'x-key-hint': keyHint },
  );

export const HeaderMap = (description: string) =>
  FieldMap(
    description,
    HEADER_NAME_PATTERN,
    "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~; no spaces or colons)",
  );

export const MetadataMap = (description: string) =>
  FieldMap(description, GRPC_METADATA_KEY_PATTERN, 'a gRPC metadata key (letters, digits, -, _ and .)');
