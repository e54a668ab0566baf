/**
 * A throwaway Prometheus for tests: Debian's /usr/bin/prometheus with a config the test writes, a TSDB in a
 * temp dir and a free loopback port. Missing binary fails the test with the install command; never skips.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { pollUntil } from './poll.js';
import { freePort } from './postgres.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMETHEUS_INSTALL_HINT = 'install it with: apt-get update && apt-get install -y prometheus';

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface TestPrometheus {
  url: string;
  /** GET /api/v1/query_range; throws on an API error (bad PromQL included). */
  queryRange(expr: string, startSec: number, endSec: number, stepSec: number): Promise<RangeSeries[]>;
  /** GET /api/v1/label/NAME/values?match[]=SELECTOR. */
  labelValues(label: string, match: string): Promise<string[]>;
  /** Resolves once `count` targets have been scraped successfully (sum(up) >= count). */
  waitForTargets(count: number): Promise<void>;
  /** The targets Prometheus scrapes and their health, for failure messages. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus with `scrapeConfigs` (the scrape_configs list) and waits until it is ready. */
export async function startPrometheus(scrapeConfigs: unknown[]): Promise<TestPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} not found; ${PROMETHEUS_INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'stampede-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({ global: { scrape_interval: '1s', scrape_timeout: '900ms' }, scrape_configs: scrapeConfigs }),
  );
  const port = await freePort();
  const logFile = join(dir, 'prometheus.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`prometheus exited with ${code}: ${readLog()}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([
      exited,
      pollUntil('Prometheus to be ready', 30_000, async () => {
        const res = await fetch(`${url}/-/ready`);
        return res.ok ? true : undefined;
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    queryRange: async (expr, start, end, step) =>
      (
        await api<{ result: RangeSeries[] }>(
          `/api/v1/query_range?${new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) })}`,
        )
      ).result,
    labelValues: (label, match) =>
      api<string[]>(`/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`),
    waitForTargets: (count) =>
      pollUntil(`${count} scraped target(s)`, 30_000, async () => {
        const data = await api<{ result: { value: [number, string] }[] }>(
          `/api/v1/query?${new URLSearchParams({ query: 'sum(up)' })}`,
        );
        return Number(data.result[0]?.value[1] ?? 0) >= count ? true : undefined;
      }).then(() => undefined),
    targets: async () =>
      (
        await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>(
          '/api/v1/targets',
        )
      ).activeTargets,
    log: readLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
