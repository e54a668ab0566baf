/** Starts the demo target in a child process, so it does not share the generator's event loop or CPU time. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DemoProcess {
  url: string;
  /** grpc://host:port when the demo was started with --grpc-port. */
  grpcUrl?: string;
  /** Ends the child and resolves once it has exited (reaped). */
  stop(): Promise<void>;
  /** Sends SIGKILL synchronously; for a parent about to exit. */
  kill(): void;
}

/** How long the child gets to print its address before we give up. */
const DEMO_START_TIMEOUT_MS = 10_000;
/** How long a stopping child gets before SIGKILL. */
const DEMO_STOP_TIMEOUT_MS = 3_000;

/** Tells `stampede demo-target` to exit when its stdin closes, so it never outlives a killed parent. */
export const EXIT_WITH_PARENT_ENV = 'STAMPEDE_EXIT_WITH_PARENT';

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), DEMO_STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function startDemoProcess(extraArgs: string[] = []): Promise<DemoProcess> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main, 'demo-target', '--port', '0', ...extraArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // Its own process group: a terminal's Ctrl-C reaches only us, and the target serves the graceful stop.
    detached: true,
    env: { ...process.env, [EXIT_WITH_PARENT_ENV]: '1' },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the demo target did not start within 10s'));
    }, DEMO_START_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        const grpc = /gRPC target listening on (grpc:\/\/\S+)/.exec(buffered);
        resolve({
          url: m[1] as string,
          ...(grpc ? { grpcUrl: grpc[1] } : {}),
          stop: () => stopChild(child),
          kill: () => child.kill('SIGKILL'),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo target exited with code ${code}`));
    });
  });
}

/** The demo options that shape its answers; \`stampede run --demo-target\` passes the same ones through. */
export const DEMO_SHAPE_OPTIONS = [
  'latency',
  'jitter',
  'error-rate',
  'capacity',
  'queue',
  'token-ttl',
] as const;
