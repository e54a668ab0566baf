/**
 * A real Prometheus for tests: Debian's /usr/bin/prometheus with a temporary config and TSDB, on a loopback
 * port, scraping the given targets every second. A target here is a child Node process exposing prom-client's
 * default process metrics, optionally growing its memory on purpose.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './http-server.js';
import { pollUntil } from './poll.js';

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const INSTALL_HINT = `${PROMETHEUS_BIN} is missing: install it with \`apt-get install -y prometheus\` (.ci/run does)`;
const READY_TIMEOUT_MS = 30_000;

export interface RunningPrometheus {
  url: string;
  /** Resolves once every target has been scraped successfully (up == 1). */
  waitForTargets(count: number): Promise<void>;
  stop(): Promise<void>;
}

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

export async function startPrometheus(
  targets: { job: string; address: string }[],
): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), 'stampede-prom-'));
  const port = await closedPort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...targets.flatMap((t) => [
      `  - job_name: ${JSON.stringify(t.job)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(t.address)}]`,
    ]),
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pollUntil('prometheus ready', READY_TIMEOUT_MS, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    stop,
    waitForTargets: async (count) => {
      await pollUntil(`${count} scraped target(s)`, READY_TIMEOUT_MS, async () => {
        const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('sum(up)')}`);
        const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
        return Number(body.data.result[0]?.value[1] ?? 0) >= count ? true : undefined;
      });
    },
  };
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
