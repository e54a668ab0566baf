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
  const timeoutSeconds = opts.watchTimeoutSeconds ?? 60;
  const relistIntervalMs = opts.relistIntervalMs ?? 5 * 60_000;
  const delay = opts.delay ?? realDelay;
  let stopped = false;
  let current: AbortController | undefined;
  const state = { lastEventMs: Date.now(), synced: false, lists: 0, watches: 0, stalls: 0 };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const list = await opts.client.get<Listed<T>>(opts.path);
        state.lists++;
        let resourceVersion = list.metadata.resourceVersion;
        for (const item of list.items) opts.onChange(item, 'SYNC');
        state.synced = true;
        failures = 0;
        const relistAt = Date.now() + relistIntervalMs;
        while (!stopped && Date.now() < relistAt) {
          const controller = new AbortController();
          current = controller;
          let stalled = false;
          // The server ends each watch after timeoutSeconds; silence well past that means a dead stream.
          const stallMs = opts.stallMs ?? (timeoutSeconds + 15) * 1000;
          state.watches++;
          let watchdog = setTimeout(() => {
            stalled = true;
            controller.abort();
          }, stallMs);
          try {
            await opts.client.watch<T>(
              opts.path,
              resourceVersion,
              timeoutSeconds,
              (event) => {
                state.lastEventMs = Date.now();
                clearTimeout(watchdog);
                watchdog = setTimeout(() => {
                  stalled = true;
                  controller.abort();
                }, stallMs);
                resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
                if (event.type !== 'BOOKMARK') opts.onChange(event.object, event.type as ChangeType);
              },
              controller.signal,
            );
          } catch (error) {
            if (isGone(error)) {
              opts.log.info({ path: opts.path }, 'watch expired (410), relisting');
              break;
            }
            if (stopped) return;
            if (!stalled) throw error;
            state.stalls++;
            opts.log.warn({ path: opts.path }, 'watch stalled, restarting');
          } finally {
            clearTimeout(watchdog);
          }
        }
      } catch (error) {
        if (stopped) return;
        failures++;
        const wait = backoffMs(failures, opts.backoffBaseMs ?? 500, opts.backoffCapMs ?? 30_000);
        opts.log.warn(
          { path: opts.path, err: (error as Error).message, retryInMs: wait },
          'list/watch failed',
        );
        await delay(wait);
      }
    }
  };
  const done = loop();
  return {
    state,
    done,
    stop() {
      stopped = true;
      current?.abort();
    },
  };
}
