/**
 * The gRPC (`grpc`) step schema and the status names checks and error classes use. CRD-friendly like the
 * rest: an object with optional fields, bounded strings and maps.
 */
import { Type } from '@sinclair/typebox';
import { GRPC_STATUS_NAMES } from './grpc-status.js';
import { AnyJson, Duration, MetadataMap, StringEnum } from './schema-common.js';

export const GrpcStatus = () => StringEnum([...GRPC_STATUS_NAMES]);

export const GrpcStep = Type.Object(
  {
    service: Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$',
      'x-hint': 'a fully qualified service name such as demo.Greeter',
    }),
    method: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    proto: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'The .proto file: relative to the manifest in local runs; in a cluster with protoConfigMap, its base name is the key',
    }),
    protoConfigMap: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
        description:
          "In a cluster: a ConfigMap in the LoadTest's namespace holding the .proto under the base name of `proto` (kubectl create configmap NAME --from-file=FILE.proto), mounted into every runner; local runs read `proto` as a file",
      }),
    ),
    message: Type.Optional(AnyJson()),
    metadata: Type.Optional(MetadataMap('Request metadata; values may use ${...} templates')),
    deadline: Type.Optional(Duration('The call deadline (default: target.timeout)')),
    stream: Type.Optional(
      Type.Boolean({ description: 'A server-streaming call: latency runs to the end of the stream' }),
    ),
  },
  { additionalProperties: false },
);
