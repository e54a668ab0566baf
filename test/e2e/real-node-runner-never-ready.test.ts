import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

/**
 * Runners whose image cannot run never get ready: the test ends Failed with the reason, not stuck. On the
 * real node the reason is the real kubelet's: the image is not on the node and imagePullPolicy is Never.
 */
describe('runners that never get ready', () => {
  let env: RealClusterEnv;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    env.startController(['--runner-image', 'registry.invalid/not-stampede:1', '--ready-timeout', '5s']);
  }, 240_000);
  afterAll(() => env?.stop(), 120_000);

  it('ends Failed with RunnersNotReady naming the pods and why, plus an Event and a report', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        metadata: { name: 'stuck', namespace: 'default' },
        spec: {
          runners: 2,
          target: { baseURL: 'http://127.0.0.1:9' },
          scenarios: {
            s: { executor: 'constant-vus', vus: 2, duration: '5s', flow: [{ request: { url: '/' } }] },
          },
        },
      }),
    );
    const lt = await env.waitForPhase('stuck', ['Failed', 'Succeeded'], 60_000);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(
      /0 of 2 runners ready after \d+s: runner 0: pod stuck-runners-0-\w+ Pending \(ErrImageNeverPull\)/,
    );
    expect(lt.status?.conditions?.find((c) => c.type === 'RunnersReady')).toMatchObject({
      status: 'False',
      reason: 'RunnersNotReady',
      observedGeneration: 1,
    });
    const events = await env.kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=stuck',
      '-o',
      'json',
    ]);
    expect(events).toMatch(/"reason": "RunnersNotReady"/);
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', 'stuck-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    expect((JSON.parse(cm.data['summary.json'] as string) as Summary).outcome).toBe('failed');
  }, 90_000);
});
