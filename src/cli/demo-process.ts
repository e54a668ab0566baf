/** Starts the demo target in a child process, so it does not share the generator's event loop or CPU time. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DemoProcess {
  url: string;
  /** grpc://host:port when the demo was started with --grpc-port. */
  grpcUrl?: string;
  stop(): void;
}

/** How long the child gets to print its address before we give up. */
const DEMO_START_TIMEOUT_MS = 10_000;

export function startDemoProcess(extraArgs: string[] = []): Promise<DemoProcess> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main, 'demo-target', '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the demo target did not start within 10s'));
    }, DEMO_START_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        const grpc = /gRPC target listening on (grpc:\/\/\S+)/.exec(buffered);
        resolve({ url: m[1] as string, ...(grpc ? { grpcUrl: grpc[1] } : {}), stop: () => child.kill() });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo target exited with code ${code}`));
    });
  });
}
