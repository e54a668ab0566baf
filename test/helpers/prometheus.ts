/**
 * Scrape targets for Prometheus tests: a child Node process exposing prom-client's default process metrics,
 * optionally growing its memory on purpose, and a Prometheus scraping such targets every second.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closedPort } from './http-server.js';
import { startPrometheus as startPrometheusWith, type TestPrometheus } from './prometheus-server.js';

export type { TestPrometheus as RunningPrometheus } from './prometheus-server.js';

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Prometheus (test/helpers/prometheus-server.ts) scraping each target as its own static job. */
export function startPrometheus(targets: { job: string; address: string }[]): Promise<TestPrometheus> {
  return startPrometheusWith(
    targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.address] }] })),
  );
}

export interface MetricsTarget {
  /** host:port of the HTTP server; /metrics has the process metrics, anything else answers "ok". */
  address: string;
  url: string;
  stop(): Promise<void>;
}

/**
 * A child Node process serving prom-client's default metrics (process_cpu_seconds_total,
 * process_resident_memory_bytes). With `leakMbPerSecond`, it keeps filled buffers so its RSS grows.
 */
export async function startMetricsTarget(options: { leakMbPerSecond?: number } = {}): Promise<MetricsTarget> {
  const port = await closedPort();
  const script = `
    import { createServer } from 'node:http';
    import client from 'prom-client';
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const kept = [];
    const leak = ${Number(options.leakMbPerSecond ?? 0)};
    // Growth in ten steps a second, each buffer filled so its pages count in RSS. Capped at 1 GiB.
    if (leak > 0) setInterval(() => { if (kept.length * leak < 10240) kept.push(Buffer.alloc(leak * 104858, 1)); }, 100);
    createServer(async (req, res) => {
      if (req.url === '/metrics') {
        res.setHeader('content-type', registry.contentType);
        res.end(await registry.metrics());
      } else res.end('ok');
    }).listen(${port}, '127.0.0.1', () => process.stdout.write('listening\\n'));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`metrics target exited ${code}: ${stderr}`)));
  });
  return {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}
