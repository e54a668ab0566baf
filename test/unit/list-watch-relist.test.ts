import { describe, expect, it } from 'vitest';
import { type KubeClient, KubeError } from '../../src/kube/client.js';
import { startListWatch } from '../../src/kube/list-watch.js';
import { createLogger } from '../../src/observability/log.js';

/**
 * A 410 Gone cannot be provoked on demand from a fresh apiserver (its watch cache keeps a long history), so
 * this one branch is driven by a scripted client; the other watch behaviours run against the real apiserver
 * in test/e2e/list-watch.test.ts.
 */
describe('list/watch relists on 410 Gone', () => {
  it('lists again from scratch and keeps delivering', async () => {
    const calls: string[] = [];
    let watches = 0;
    const client = {
      get: async () => {
        calls.push('list');
        return {
          metadata: { resourceVersion: String(calls.length * 10) },
          items: [{ metadata: { name: `item-${calls.length}` } }],
        };
      },
      watch: async (_path: string, rv: string, _t: number, onEvent: (e: unknown) => void) => {
        calls.push(`watch@${rv}`);
        watches++;
        if (watches === 1) throw new KubeError(410, 'Expired', 'too old resource version');
        onEvent({ type: 'ADDED', object: { metadata: { name: 'late', resourceVersion: '99' } } });
        await new Promise((r) => setTimeout(r, 50));
      },
    } as unknown as KubeClient;
    const seen: string[] = [];
    const lw = startListWatch<{ metadata: { name: string; resourceVersion?: string } }>({
      client,
      path: '/x',
      log: createLogger('test', 'silent'),
      onChange: (o, type) => seen.push(`${type}:${o.metadata.name}`),
      delay: async () => undefined,
    });
    await new Promise((r) => setTimeout(r, 30));
    lw.stop();
    expect(calls.slice(0, 4)).toEqual(['list', 'watch@10', 'list', 'watch@30']);
    expect(seen.slice(0, 3)).toEqual(['SYNC:item-1', 'SYNC:item-3', 'ADDED:late']);
  });
});
