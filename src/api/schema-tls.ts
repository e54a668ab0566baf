/**
 * spec.target.tls: how runners verify an `https:` target and which client certificate they present.
 * Locally the PEM files are read from paths; in a cluster a `kubernetes.io/tls` Secret (keys tls.crt,
 * tls.key and optionally ca.crt) reaches each runner as environment variables the kubelet fills in.
 */
import { Type } from '@sinclair/typebox';

const PemFile = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description }));

export const TargetTls = Type.Object(
  {
    caFile: PemFile('Local run: PEM CA bundle that replaces the system roots for the target'),
    certFile: PemFile(
      'Local run: PEM client certificate (chain) for servers that require one; needs keyFile',
    ),
    keyFile: PemFile('Local run: PEM private key of certFile'),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
        description:
          'In a cluster: a kubernetes.io/tls Secret in this namespace (tls.crt, tls.key, optional ca.crt); locally: STAMPEDE_TLS_CERT, STAMPEDE_TLS_KEY, STAMPEDE_TLS_CA hold the PEM text',
      }),
    ),
    serverName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$',
        description: 'SNI name and the name the server certificate must carry, when not the host in baseURL',
      }),
    ),
  },
  { additionalProperties: false },
);
