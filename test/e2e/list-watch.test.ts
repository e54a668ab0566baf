import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeconfigFile } from '../../src/kube/kubeconfig.js';
import { startListWatch } from '../../src/kube/list-watch.js';
import { createLogger } from '../../src/observability/log.js';
import {
  BUILD_HINT,
  type ControlPlane,
  missingBinaries,
  startControlPlane,
} from '../cluster/control-plane.js';
import { pollUntil } from './cluster-env.js';

interface Named {
  metadata: { name: string; resourceVersion?: string };
}

/** A TCP relay in front of the apiserver that can go silent, as a dead load balancer or NAT entry does. */
async function startRelay(targetPort: number) {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new NetSocket();
    sockets.add(client);
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (d) => !frozen && upstream.write(d));
    upstream.on('data', (d) => !frozen && client.write(d));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('list/watch against a real apiserver', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const log = createLogger('test', 'silent');
  beforeAll(async () => {
    const missing = missingBinaries();
    if (missing.length) throw new Error(`control-plane binaries missing: run \`${BUILD_HINT}\``);
    cp = await startControlPlane();
    client = new KubeClient(loadKubeconfigFile(cp.kubeconfigPath));
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await cp?.stop();
  });

  const createConfigMap = (name: string) =>
    client.create('/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { lw: 'test' } },
    });

  it('resumes after every server-side watch timeout without missing an event', async () => {
    const seen = new Set<string>();
    const lw = startListWatch<Named>({
      client,
      path: '/api/v1/namespaces/default/configmaps?labelSelector=lw%3Dtest',
      log,
      watchTimeoutSeconds: 1,
      onChange: (o) => seen.add(o.metadata.name),
    });
    await pollUntil('first list', 10_000, async () => (lw.state.synced ? true : undefined));
    for (let i = 0; i < 8; i++) {
      await createConfigMap(`resume-${i}`);
      await new Promise((r) => setTimeout(r, 400));
    }
    await pollUntil('all 8 events', 10_000, async () =>
      [...seen].filter((n) => n.startsWith('resume-')).length === 8 ? true : undefined,
    );
    expect(lw.state.watches).toBeGreaterThanOrEqual(3);
    expect(lw.state.lists).toBe(1);
    lw.stop();
  });

  it('restarts a watch that went silent (watchdog) and catches up', async () => {
    const relay = await startRelay(Number(new URL(cp.server).port));
    const credentials = loadKubeconfigFile(cp.kubeconfigPath);
    // The relay is plain TCP, so TLS still terminates at the apiserver; only the address changes.
    const relayed = new KubeClient({ ...credentials, server: `https://127.0.0.1:${relay.port}` });
    const seen = new Set<string>();
    const lw = startListWatch<Named>({
      client: relayed,
      path: '/api/v1/namespaces/default/configmaps?labelSelector=lw%3Dtest',
      log,
      watchTimeoutSeconds: 60,
      stallMs: 1500,
      onChange: (o) => seen.add(o.metadata.name),
    });
    await pollUntil('first list', 10_000, async () => (lw.state.synced ? true : undefined));
    relay.freeze();
    await createConfigMap('during-stall');
    await pollUntil('the watchdog to fire', 10_000, async () => (lw.state.stalls >= 1 ? true : undefined));
    relay.thaw();
    await pollUntil('the event from the silent period', 15_000, async () =>
      seen.has('during-stall') ? true : undefined,
    );
    lw.stop();
    relayed.close();
    relay.close();
  });
});
