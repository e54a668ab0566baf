/**
 * Headless Chromium driven over the DevTools protocol with `ws` (no puppeteer): opens a page, records console
 * errors, exceptions and every network request, evaluates expressions and takes a full-page screenshot.
 * Needs Debian's chromium: `apt-get install -y chromium`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { pollUntil } from './poll.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
/** Every protocol call answers within this, or the test fails instead of hanging. */
const CALL_TIMEOUT_MS = 20_000;

export function chromiumPath(): string {
  const found = process.env.CHROMIUM_BIN ?? CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'headless Chromium is missing: install it with `apt-get install -y chromium` (see .ci/run)',
    );
  return found;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface PageVisit {
  consoleErrors: string[];
  /** URLs requested after the page itself (a self-contained page requests none). */
  requests: string[];
  evaluate<T>(expression: string): Promise<T>;
  screenshot(widthPx: number): Promise<Buffer>;
  close(): void;
}

export interface Chromium {
  /** Opens `url` in a fresh page and waits for its load event. */
  open(url: string): Promise<PageVisit>;
  close(): Promise<void>;
}

class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: CdpMessage) => void)[] = [];

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as CdpMessage;
      if (message.id !== undefined) {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) p?.reject(new Error(message.error.message));
        else p?.resolve(message.result);
      } else for (const l of this.listeners) l(message);
    });
  }

  static async connect(url: string): Promise<CdpConnection> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new CdpConnection(socket);
  }

  on(listener: (m: CdpMessage) => void): void {
    this.listeners.push(listener);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  waitFor(method: string, timeoutMs = CALL_TIMEOUT_MS): Promise<CdpMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.on((m) => {
        if (m.method === method) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}

export async function startChromium(): Promise<Chromium> {
  const bin = chromiumPath();
  const profile = await mkdtemp(join(tmpdir(), 'stampede-chromium-'));
  const child: ChildProcess = spawn(
    bin,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--hide-scrollbars',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Chromium writes its port and browser endpoint here once listening.
  const port = await pollUntil('Chromium to write DevToolsActivePort', 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`chromium exited ${child.exitCode}: ${stderr}`);
    const text = await readFile(join(profile, 'DevToolsActivePort'), 'utf8').catch(() => '');
    const [line] = text.split('\n');
    return line && /^\d+$/.test(line) ? Number(line) : undefined;
  });
  return {
    async open(url) {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
        type: string;
        webSocketDebuggerUrl: string;
      }[];
      const page = targets.find((t) => t.type === 'page');
      if (!page) throw new Error('Chromium has no page target');
      // One page, reused: a previous visit's connection must be closed first (see PageVisit.close).
      const cdp = await CdpConnection.connect(page.webSocketDebuggerUrl);
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      cdp.on((m) => {
        const p = m.params ?? {};
        if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
          consoleErrors.push(JSON.stringify(p.args));
        if (m.method === 'Runtime.exceptionThrown') consoleErrors.push(JSON.stringify(p.exceptionDetails));
        if (m.method === 'Log.entryAdded') {
          const entry = p.entry as { level: string; text: string; url?: string };
          if (entry.level === 'error') consoleErrors.push(`${entry.text} ${entry.url ?? ''}`);
        }
        if (m.method === 'Network.requestWillBeSent') {
          const u = (p.request as { url: string }).url;
          if (u !== url) requests.push(u);
        }
      });
      await Promise.all(
        ['Runtime.enable', 'Log.enable', 'Page.enable', 'Network.enable'].map((x) => cdp.send(x)),
      );
      const loaded = cdp.waitFor('Page.loadEventFired');
      await cdp.send('Page.navigate', { url });
      await loaded;
      return {
        consoleErrors,
        requests,
        async evaluate<T>(expression: string) {
          const r = await cdp.send<{ result: { value: T }; exceptionDetails?: unknown }>('Runtime.evaluate', {
            expression,
            returnByValue: true,
          });
          if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
          return r.result.value;
        },
        close: () => cdp.close(),
        async screenshot(widthPx) {
          await cdp.send('Emulation.setDeviceMetricsOverride', {
            width: widthPx,
            height: 800,
            deviceScaleFactor: 1,
            mobile: false,
          });
          const metrics = await cdp.send<{ cssContentSize: { height: number } }>('Page.getLayoutMetrics');
          const shot = await cdp.send<{ data: string }>('Page.captureScreenshot', {
            format: 'png',
            captureBeyondViewport: true,
            clip: { x: 0, y: 0, width: widthPx, height: Math.ceil(metrics.cssContentSize.height), scale: 1 },
          });
          return Buffer.from(shot.data, 'base64');
        },
      };
    },
    async close() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await rm(profile, { recursive: true, force: true });
    },
  };
}
