/**
 * gRPC status names, apart from the step schema: error classes and snapshot checks need them in every load
 * thread, where loading the schema library (TypeBox) would cost tens of milliseconds for nothing.
 */

/** gRPC status names by code (0..16), as the gRPC spec spells them. */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;
export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];
