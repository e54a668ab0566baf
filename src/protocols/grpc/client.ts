/**
 * gRPC calls through @grpc/grpc-js: a method is looked up once in its .proto (via @grpc/proto-loader), and
 * every call goes over one channel per target and shard (grpc-js multiplexes calls as HTTP/2 streams).
 * Unary and server-streaming calls both resolve with the final status, never throw: a failure is a status.
 */

import { isIP } from 'node:net';
import type * as GrpcJs from '@grpc/grpc-js';
import type {
  CallOptions,
  ChannelCredentials,
  Client,
  ClientReadableStream,
  ServiceError,
} from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
import { lazyPackage } from '../lazy-package.js';
import type { TlsMaterial } from '../tls/settings.js';

const grpcJs = lazyPackage<typeof GrpcJs>('@grpc/grpc-js');
const protoLoader = lazyPackage<typeof ProtoLoader>('@grpc/proto-loader');
/** gRPC status codes (grpc-js's `status` enum), fixed by the gRPC spec: no need to load grpc-js to read them. */
const Status = { OK: 0, UNKNOWN: 2, INVALID_ARGUMENT: 3 } as const;

export interface GrpcTarget {
  /** host:port */
  address: string;
  /** grpcs:// (TLS) rather than grpc:// (plaintext HTTP/2). */
  secure: boolean;
  insecureSkipTLSVerify: boolean;
  tls?: TlsMaterial;
  /**
   * The connection policy's resolve-and-check (ConnectGuard.resolve): grpc-js resolves names itself and takes
   * no lookup, so the channel dials the address this returns, checked once, and keeps the name for TLS and
   * :authority. Rejects with PolicyDeniedError for a refused host.
   */
  resolveAddress?: (host: string) => Promise<string>;
}

export interface GrpcCallResult {
  /** The gRPC status code (0 = OK). */
  code: number;
  details: string;
  /** Response messages received. */
  messages: number;
  bytesIn: number;
  bytesOut: number;
}

/** Thrown at compile time when the proto file, service or method cannot be used. */
export class GrpcMethodError extends Error {
  readonly code = 'GRPC_METHOD';
}

type Method = MethodDefinition<unknown, unknown>;

/** Proto-loader options that accept JSON as written in a manifest: field names kept, enums and 64-bit ints as strings. */
const LOAD_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** Parsed protos by file: every step of a shard that names the same file shares one parse. */
const loaded = new Map<string, ReturnType<typeof ProtoLoader.loadSync>>();

export function loadMethod(protoFile: string, service: string, method: string): Method {
  let definition = loaded.get(protoFile);
  if (!definition) {
    try {
      definition = protoLoader().loadSync(protoFile, LOAD_OPTIONS);
    } catch (error) {
      throw new GrpcMethodError(`cannot load ${protoFile}: ${(error as Error).message}`);
    }
    loaded.set(protoFile, definition);
  }
  const svc = definition[service];
  if (!svc || (svc as { format?: unknown }).format !== undefined)
    throw new GrpcMethodError(`${protoFile} has no service ${service}`);
  const m = (svc as Record<string, Method>)[method];
  if (!m) throw new GrpcMethodError(`service ${service} has no method ${method}`);
  if (m.requestStream)
    throw new GrpcMethodError(
      `${service}.${method} takes a client stream; only unary and server-streaming calls are supported`,
    );
  return m;
}

function channelCredentials(target: GrpcTarget): ChannelCredentials {
  const { credentials } = grpcJs();
  if (!target.secure) return credentials.createInsecure();
  const tls = target.tls;
  const pem = (text: string | undefined) => (text === undefined ? null : Buffer.from(text));
  return credentials.createSsl(pem(tls?.ca), pem(tls?.key), pem(tls?.cert), {
    rejectUnauthorized: !target.insecureSkipTLSVerify,
    ...(target.insecureSkipTLSVerify ? { checkServerIdentity: () => undefined } : {}),
  });
}

/** One channel per target; close() ends it (and every call still running on it). */
export class GrpcChannel {
  private client: Client | undefined;
  /** With a policy: the checked client, opened by the first call; a refusal rejects every call. */
  private readonly opening: Promise<Client> | undefined;
  private closed = false;

  constructor(target: GrpcTarget) {
    const serverName = target.tls?.serverName;
    if (!target.resolveAddress) {
      const options = serverName ? { 'grpc.ssl_target_name_override': serverName } : {};
      this.client = new (grpcJs().Client)(target.address, channelCredentials(target), options);
      return;
    }
    const { hostname, port } = new URL(`grpc://${target.address}`);
    const host = hostname.replace(/^\[|\]$/g, '');
    this.opening = target.resolveAddress(host).then((ip) => {
      const dial = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
      const client = new (grpcJs().Client)(dial, channelCredentials(target), {
        'grpc.default_authority': target.address,
        // SNI and the certificate check keep the name that was written (never an IP: RFC 6066).
        ...(serverName || !isIP(host) ? { 'grpc.ssl_target_name_override': serverName ?? host } : {}),
      });
      if (this.closed) client.close();
      this.client = client;
      return client;
    });
    // A refusal is reported by each call; never an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  /** Like call(), but first waits for the policy-checked client; rejects with the policy's refusal. */
  async checkedCall(...args: Parameters<GrpcChannel['call']>): Promise<GrpcCallResult> {
    if (!this.client && this.opening) await this.opening;
    return this.call(...args);
  }

  /** One call: resolves at the response (unary) or the end of the stream, with its status. */
  call(
    method: Method,
    message: unknown,
    metadata: Record<string, string>,
    deadlineMs: number,
    live?: Set<{ abort(): void }>,
  ): Promise<GrpcCallResult> {
    const result: GrpcCallResult = { code: Status.OK, details: '', messages: 0, bytesIn: 0, bytesOut: 0 };
    const serialize = (value: unknown): Buffer => {
      const bytes = method.requestSerialize(value);
      result.bytesOut += bytes.length;
      return bytes;
    };
    const deserialize = (bytes: Buffer): unknown => {
      result.bytesIn += bytes.length;
      return method.responseDeserialize(bytes);
    };
    const meta = new (grpcJs().Metadata)();
    for (const [k, v] of Object.entries(metadata)) meta.set(k, v);
    const options: CallOptions = { deadline: Date.now() + deadlineMs };
    const client = this.client;
    if (!client) throw new Error('gRPC channel not open: use checkedCall');
    return new Promise((resolve) => {
      // While in flight the call can be cancelled from outside (a hard stop); it then ends CANCELLED.
      let inFlight: { abort(): void } | undefined;
      let finished = false;
      const track = (abort: () => void) => {
        if (finished) return;
        inFlight = { abort };
        live?.add(inFlight);
      };
      const done = (error: ServiceError | null | undefined) => {
        finished = true;
        if (inFlight) live?.delete(inFlight);
        if (error) {
          result.code = error.code ?? Status.UNKNOWN;
          result.details = error.details ?? error.message;
        }
        resolve(result);
      };
      try {
        if (!method.responseStream) {
          const call = client.makeUnaryRequest(
            method.path,
            serialize,
            deserialize,
            message,
            meta,
            options,
            (error) => {
              if (!error) result.messages = 1;
              done(error);
            },
          );
          track(() => call.cancel());
          return;
        }
        const stream: ClientReadableStream<unknown> = client.makeServerStreamRequest(
          method.path,
          serialize,
          deserialize,
          message,
          meta,
          options,
        );
        track(() => stream.cancel());
        stream.on('data', () => {
          result.messages++;
        });
        // 'error' comes with a non-OK status; 'status' comes for every call, after the last message.
        stream.on('error', () => undefined);
        stream.on('status', (s: { code: number; details: string }) =>
          done(s.code === Status.OK ? null : ({ code: s.code, details: s.details } as ServiceError)),
        );
      } catch (error) {
        // A message that does not fit the request type fails in serialize, before anything is sent.
        done({ code: Status.INVALID_ARGUMENT, details: (error as Error).message } as ServiceError);
      }
    });
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }
}
