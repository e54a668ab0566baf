/**
 * The demo target's gRPC service (examples/demo.proto): a unary Hello and a server-streaming Count, with
 * bounded delays so deadlines can be exercised. Plaintext HTTP/2 on loopback, like the HTTP demo.
 */
import { fileURLToPath } from 'node:url';
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The shipped proto, next to the examples (the same relative path from src/demo and dist/demo). */
export const DEMO_PROTO = fileURLToPath(new URL('../../examples/demo.proto', import.meta.url));

/** Longest delay a caller may ask for, and most stream messages: the demo must not be made to hang. */
const MAX_DELAY_MS = 5000;
const MAX_COUNT = 1000;

export interface DemoGrpcServer {
  /** grpc://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface HelloRequest {
  name: string;
  delay_ms: number;
}
interface CountRequest {
  n: number;
  delay_ms: number;
}

const after = (ms: number, run: () => void): void => {
  setTimeout(run, Math.min(ms, MAX_DELAY_MS));
};

function hello(call: ServerUnaryCall<HelloRequest, unknown>, reply: sendUnaryData<unknown>): void {
  const { name, delay_ms: delayMs } = call.request;
  after(delayMs, () => {
    if (!name) reply({ code: status.INVALID_ARGUMENT, details: 'name is empty' });
    else if (name.startsWith('missing')) reply({ code: status.NOT_FOUND, details: `no user ${name}` });
    else reply(null, { message: `hello ${name}` });
  });
}

function count(call: ServerWritableStream<CountRequest, unknown>): void {
  const n = Math.min(call.request.n, MAX_COUNT);
  let i = 0;
  const next = () => {
    if (call.cancelled) return;
    if (i >= n) {
      call.end();
      return;
    }
    call.write({ i: ++i });
    after(call.request.delay_ms, next);
  };
  next();
}

/** Plaintext by default; tests pass TLS server credentials (then the URL is grpcs://). */
export async function startDemoGrpc(
  host: string,
  port: number,
  serverCredentials = ServerCredentials.createInsecure(),
): Promise<DemoGrpcServer> {
  const pkg = loadPackageDefinition(loadSync(DEMO_PROTO, { keepCase: true, defaults: true })) as unknown as {
    demo: { Greeter: { service: ServiceDefinition } };
  };
  const server = new Server();
  server.addService(pkg.demo.Greeter.service, { Hello: hello, Count: count });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, serverCredentials, (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return {
    url: `${serverCredentials._isSecure() ? 'grpcs' : 'grpc'}://${host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Streams still open past a second are cut: closing must not wait on a caller.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
