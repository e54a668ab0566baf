/** What a compiled step needs from its scenario (FlowEnv) and what it becomes (StepRunner). */
import type { PgUrlSource } from '../api/pg-url.js';
import type { StepRecorder } from '../metrics/recorder.js';
import type { StepProtocol } from '../metrics/snapshot.js';
import type { ConnectGuard } from '../protocols/connect-guard.js';
import type { GrpcChannel } from '../protocols/grpc/client.js';
import type { HttpClient, TlsMaterial } from '../protocols/http.js';
import type { PgPool } from '../protocols/postgres.js';
import type { IterationState, VU } from './vu.js';

export type StepRunner = (vu: VU, it: IterationState) => Promise<void>;

export interface FlowEnv {
  target: {
    origin: string;
    basePath: string;
    headers: Record<string, string>;
    timeoutMs: number;
    insecureSkipTLSVerify: boolean;
    /** Body bytes kept for checks and extraction (spec.target.maxBodyBytes). */
    maxBodyBytes: number;
    /** CA bundle, client certificate and SNI name from spec.target.tls, read once per shard. */
    tls?: TlsMaterial;
    /** HTTP steps go over HTTP/2: their steps are recorded as protocol `http2`. */
    http2?: boolean;
  };
  http: HttpClient;
  /** The connection policy for connections a step opens itself (WebSocket); none: connect anywhere. */
  guard?: ConnectGuard;
  /** The pool of a pg step's database: its own url/urlFrom, else spec.postgres's. Throws PgUrlError. */
  pgPool(source: PgUrlSource): PgPool;
  /** The recorder for a named step in this scenario. */
  recorder(stepName: string, protocol?: StepProtocol): StepRecorder;
  isHardStopped(): boolean;
  /** Work that outlives a request (WebSocket connections), dropped at a hard stop. */
  live: Set<{ abort(): void }>;
  /** The shard's channel to a grpc:// or grpcs:// target.baseURL; undefined for an http(s) target. */
  grpcChannel(): GrpcChannel | undefined;
  /** A file the manifest names (a .proto), resolved against the manifest's directory. */
  resolveFile(file: string): string;
  /** A grpc step's .proto: the mounted protoConfigMap in a runner pod, else `proto` like resolveFile. */
  resolveProto(proto: string, configMap: string | undefined): string;
}
