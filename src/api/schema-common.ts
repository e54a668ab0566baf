/**
 * Building blocks of the LoadTest schema, shared by schema.ts and schema-protocols.ts: string enums,
 * durations, free JSON, bounded maps and the bounds themselves.
 */
import { Type } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN, MAX_DURATION_US } from './duration.js';

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

/** Bounds on maps, lists and strings keep CEL cost estimates finite in the CRD and manifests sane. */
export const LIMITS = { mapEntries: 64, listItems: 100, stringLength: 8192, bodyLength: 1_048_576 } as const;

export const StringMap = (description: string) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: LIMITS.stringLength }), {
    description,
    maxProperties: LIMITS.mapEntries,
  });
