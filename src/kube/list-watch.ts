/**
 * List, then watch from the list's resourceVersion; relist on 410 Gone; resume on a server timeout; restart
 * a watch that went silent (watchdog); relist periodically anyway; back off exponentially, capped, on errors.
 * Watches that die quietly are the best-known failure of Kubernetes clients, so every path here ends in a
 * retry, never in silence.
 */
import type { Logger } from '../observability/log.js';
import { isGone, type KubeClient } from './client.js';

export interface Listed<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

export type ChangeType = 'SYNC' | 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListWatchOptions<T> {
  client: KubeClient;
  /** Collection path, optionally with a labelSelector query. */
  path: string;
  onChange(object: T, type: ChangeType): void;
  log: Logger;
  watchTimeoutSeconds?: number;
  /** Full relist at least this often, to heal anything a watch missed. */
  relistIntervalMs?: number;
  /** Restart a watch that has been silent this long (default: the watch timeout plus 15 s). */
  stallMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Injected so tests need not sleep for real. */
  delay?: (ms: number) => Promise<void>;
}

const realDelay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function backoffMs(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
}

export function startListWatch<T extends { metadata?: { resourceVersion?: string } }>(
  opts: ListWatchOptions<T>,
) {
  const listWatch = new ListWatch(opts);
  const done = listWatch.loop();
  return {
    state: listWatch.state,
    done,
    stop() {
      listWatch.stop();
    },
  };
}

/** Aborts a watch after `ms` without an event; every event re-arms it. */
class Watchdog {
  stalled = false;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly controller: AbortController,
  ) {
    this.timer = this.arm();
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => {
      this.stalled = true;
      this.controller.abort();
    }, this.ms);
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** How one watch ended: relist (410 Gone), stop (we were stopped), or watch again from where it got to. */
type WatchEnd = 'relist' | 'stop' | 'again';

class ListWatch<T extends { metadata?: { resourceVersion?: string } }> {
  readonly state = { lastEventMs: Date.now(), synced: false, lists: 0, watches: 0, stalls: 0 };
  private stopped = false;
  private current: AbortController | undefined;
  private readonly timeoutSeconds: number;
  private readonly relistIntervalMs: number;
  private readonly delay: (ms: number) => Promise<void>;

  constructor(private readonly opts: ListWatchOptions<T>) {
    this.timeoutSeconds = opts.watchTimeoutSeconds ?? 60;
    this.relistIntervalMs = opts.relistIntervalMs ?? 5 * 60_000;
    this.delay = opts.delay ?? realDelay;
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
  }

  /** List, then watch until the relist is due; any error backs off and starts over with a list. */
  async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const cursor = { resourceVersion: await this.list() };
        failures = 0;
        const relistAt = Date.now() + this.relistIntervalMs;
        while (!this.stopped && Date.now() < relistAt) {
          const end = await this.watchOnce(cursor);
          if (end === 'relist') break;
          if (end === 'stop') return;
        }
      } catch (error) {
        if (this.stopped) return;
        failures++;
        await this.backOff(failures, error as Error);
      }
    }
  }

  /** Every listed item as SYNC; the list's resourceVersion to watch from. */
  private async list(): Promise<string> {
    const list = await this.opts.client.get<Listed<T>>(this.opts.path);
    this.state.lists++;
    for (const item of list.items) this.opts.onChange(item, 'SYNC');
    this.state.synced = true;
    return list.metadata.resourceVersion;
  }

  /** One watch request from `cursor`, which follows the events; throws what only a backoff can fix. */
  private async watchOnce(cursor: { resourceVersion: string }): Promise<WatchEnd> {
    const { opts } = this;
    const controller = new AbortController();
    this.current = controller;
    // The server ends each watch after timeoutSeconds; silence well past that means a dead stream.
    const watchdog = new Watchdog(opts.stallMs ?? (this.timeoutSeconds + 15) * 1000, controller);
    this.state.watches++;
    try {
      await opts.client.watch<T>(
        opts.path,
        cursor.resourceVersion,
        this.timeoutSeconds,
        (event) => {
          this.state.lastEventMs = Date.now();
          watchdog.reset();
          cursor.resourceVersion = event.object.metadata?.resourceVersion ?? cursor.resourceVersion;
          if (event.type !== 'BOOKMARK') opts.onChange(event.object, event.type as ChangeType);
        },
        controller.signal,
      );
      return 'again';
    } catch (error) {
      if (isGone(error)) {
        opts.log.info({ path: opts.path }, 'watch expired (410), relisting');
        return 'relist';
      }
      if (this.stopped) return 'stop';
      if (!watchdog.stalled) throw error;
      this.state.stalls++;
      opts.log.warn({ path: opts.path }, 'watch stalled, restarting');
      return 'again';
    } finally {
      watchdog.clear();
    }
  }

  private async backOff(failures: number, error: Error): Promise<void> {
    const wait = backoffMs(failures, this.opts.backoffBaseMs ?? 500, this.opts.backoffCapMs ?? 30_000);
    this.opts.log.warn({ path: this.opts.path, err: error.message, retryInMs: wait }, 'list/watch failed');
    await this.delay(wait);
  }
}
