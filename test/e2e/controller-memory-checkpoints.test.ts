/**
 * The controller's memory and checkpoints against the real apiserver (no controller process: the Observer
 * and CheckpointStore are driven directly). Observer.forget runs once a LoadTest is reported or deleted,
 * so per-LoadTest maps do not grow; checkpoints round-trip, and one not owned by the LoadTest is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { summaryToJson } from '../../src/analysis/summary-json.js';
import { CheckpointStore } from '../../src/controller/checkpoints.js';
import { decide } from '../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type ObservedLoadTest } from '../../src/controller/model.js';
import { Observer } from '../../src/controller/observe.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeconfigFile } from '../../src/kube/kubeconfig.js';
import { shardSnapshot } from '../helpers/snapshots.js';
import { summaryFixture } from '../helpers/summary-fixture.js';
import { type ClusterEnv, startClusterEnv } from './cluster-env.js';

const manifest = (name: string) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: 2,
      target: { baseURL: 'http://127.0.0.1:1' },
      scenarios: {
        s: { executor: 'constant-vus', vus: 2, duration: '1s', flow: [{ request: { url: '/' } }] },
      },
    },
  });

describe('controller memory and checkpoints on a real apiserver', () => {
  let env: ClusterEnv;
  let client: KubeClient;
  beforeAll(async () => {
    env = await startClusterEnv();
    client = new KubeClient(loadKubeconfigFile(env.cp.kubeconfigPath));
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await env?.stop();
  });

  const loadTestObject = async (name: string) =>
    JSON.parse(await env.kubectl(['get', 'lt', name, '-o', 'json'])) as ObservedLoadTest;

  it('forgets a LoadTest once its report exists, and once it is deleted', async () => {
    const observer = new Observer(client, 'test-control-key-of-at-least-32-characters');
    await env.kubectl(['apply', '-f', '-'], manifest('mem-a'));
    await env.kubectl(['apply', '-f', '-'], manifest('mem-b'));
    expect(await observer.observe('default', 'mem-a', Date.now())).toBeDefined();
    expect(await observer.observe('default', 'mem-b', Date.now())).toBeDefined();
    expect(observer.memory.size).toBe(2);

    const a = await loadTestObject('mem-a');
    await client.create('/api/v1/namespaces/default/configmaps', {
      metadata: {
        name: 'mem-a-report',
        ownerReferences: [
          { apiVersion: 'stampede.dev/v1alpha1', kind: 'LoadTest', name: 'mem-a', uid: a.metadata.uid },
        ],
      },
      data: { 'summary.json': summaryToJson(summaryFixture()) },
    });
    expect((await observer.observe('default', 'mem-a', Date.now()))?.report).toBeDefined();
    expect(observer.memory.size).toBe(1);

    await env.kubectl(['delete', 'lt', 'mem-b', '--wait=true']);
    expect(await observer.observe('default', 'mem-b', Date.now())).toBeUndefined();
    expect(observer.memory.size).toBe(0);
    expect(observer.checkpoints.size).toBe(0);
  }, 60_000);

  it('its own report changed into something that is not a summary: the LoadTest fails, nothing throws', async () => {
    await env.kubectl(['apply', '-f', '-'], manifest('mem-c'));
    const c = await loadTestObject('mem-c');
    await client.create('/api/v1/namespaces/default/configmaps', {
      metadata: {
        name: 'mem-c-report',
        ownerReferences: [
          { apiVersion: 'stampede.dev/v1alpha1', kind: 'LoadTest', name: 'mem-c', uid: c.metadata.uid },
        ],
      },
      data: { 'summary.json': '{"outcome":"completed"}' },
    });
    const observed = await new Observer(client, 'test-control-key-of-at-least-32-characters').observe(
      'default',
      'mem-c',
      Date.now(),
    );
    expect(observed?.report).toBeUndefined();
    expect(observed?.foreignReport).toMatch(
      /mem-c-report holds this LoadTest's report, but its summary\.json is unreadable/,
    );
    if (!observed) throw new Error('not observed');
    const d = decide(observed, DEFAULT_SETTINGS);
    expect(d.status.conditions?.find((x) => x.type === 'Completed')).toMatchObject({
      reason: 'ReportConflict',
    });
  }, 60_000);

  it('a report ConfigMap the LoadTest does not own is neither trusted nor written: the LoadTest fails', async () => {
    await client.create('/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'foreign-report' },
      data: { 'summary.json': '{"kind":"StampedeSummary","outcome":"completed","verdict":"passed"}' },
    });
    await env.kubectl(['apply', '-f', '-'], manifest('foreign'));
    const observed = await new Observer(client, 'test-control-key-of-at-least-32-characters').observe(
      'default',
      'foreign',
      Date.now(),
    );
    if (!observed) throw new Error('LoadTest not found');
    expect(observed.report).toBeUndefined();
    expect(observed.foreignReport).toMatch(/ConfigMap default\/foreign-report exists and is not owned/);
    const d = decide(observed, DEFAULT_SETTINGS);
    expect(d.status.phase).toBe('Failed');
    expect(d.actions.map((a) => a.kind)).toEqual(['event']);
    expect(d.status.conditions?.find((c) => c.type === 'Completed')).toMatchObject({
      status: 'False',
      reason: 'ReportConflict',
    });
  }, 60_000);

  it('stores a shard checkpoint, replaces it, reads it back (with the signal that cut it short), and ignores one it does not own', async () => {
    await env.kubectl(['apply', '-f', '-'], manifest('ckpt'));
    const lt = await loadTestObject('ckpt');
    const store = new CheckpointStore(client);
    await store.save(lt, 0, shardSnapshot(0, 2, { requests: 5 }));
    const final = shardSnapshot(0, 2, { requests: 40, done: true });
    await store.save(lt, 0, final, 'SIGTERM');
    // Someone else's ConfigMap under the name shard 1's checkpoint would have.
    await client.create('/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'ckpt-shard-1' },
      binaryData: { 'snapshot.json.gz': 'AAAA' },
    });
    const fresh = new CheckpointStore(client);
    const loaded = await fresh.load(lt, 2);
    expect(loaded.snapshots.get(0)).toEqual(final);
    expect(loaded.snapshots.has(1)).toBe(false);
    // A restarted controller still knows the pod was deleted mid-run: the shard stays lost, not done.
    expect(loaded.interrupted).toEqual(new Map([[0, 'SIGTERM']]));
    expect(loaded.problems).toEqual(['ConfigMap default/ckpt-shard-1: not owned by this LoadTest, ignored']);
    expect(fresh.mark(lt.metadata.uid, 0)).toEqual({ elapsedMs: final.elapsedMs, done: true });
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', 'ckpt-shard-0', '-o', 'json'])) as {
      metadata: { labels: Record<string, string>; ownerReferences: { uid: string }[] };
    };
    expect(cm.metadata.labels).toMatchObject({ 'stampede.dev/component': 'checkpoint' });
    expect(cm.metadata.ownerReferences[0]?.uid).toBe(lt.metadata.uid);
  }, 60_000);
});
