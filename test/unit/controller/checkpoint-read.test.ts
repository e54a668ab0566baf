import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATION_INTERRUPTED,
  ANNOTATION_INTERVALS_DROPPED,
  CHECKPOINT_KEY,
  checkpointConfigMap,
} from '../../../src/controller/builders.js';
import { checkpointInterrupted, readCheckpoint } from '../../../src/controller/checkpoints.js';
import { runnerConfigFromEnv } from '../../../src/runner/config.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

const lt = { metadata: { name: 'lt', namespace: 'ns', uid: 'u1' }, spec: { runners: 2 } };

describe('shard checkpoints', () => {
  it('round-trip through the ConfigMap the builder makes', () => {
    const snapshot = shardSnapshot(1, 2, { requests: 30, done: true });
    const cm = checkpointConfigMap(lt, 1, snapshot);
    expect(cm.metadata?.name).toBe('lt-shard-1');
    expect(cm.metadata?.ownerReferences?.[0]).toMatchObject({ uid: 'u1', controller: true });
    expect(readCheckpoint(cm as Parameters<typeof readCheckpoint>[0], 'u1', 1, 2)).toEqual(snapshot);
  });

  it('carries the signal that cut the shard short, and reads back only a signal runners send', () => {
    const snapshot = shardSnapshot(0, 2, { requests: 7, done: true });
    const cut = checkpointConfigMap(lt, 0, snapshot, 'SIGTERM') as Parameters<
      typeof checkpointInterrupted
    >[0];
    expect(cut.metadata.annotations?.[ANNOTATION_INTERRUPTED]).toBe('SIGTERM');
    expect(checkpointInterrupted(cut)).toBe('SIGTERM');
    const plain = checkpointConfigMap(lt, 0, snapshot) as Parameters<typeof checkpointInterrupted>[0];
    expect(plain.metadata.annotations).toBeUndefined();
    expect(checkpointInterrupted(plain)).toBeUndefined();
    const forged = { metadata: { annotations: { [ANNOTATION_INTERRUPTED]: '<b>x</b>' } } };
    expect(checkpointInterrupted(forged)).toBeUndefined();
  });

  it('a series too long for one object is left out, never the totals', () => {
    const base = shardSnapshot(0, 2, { requests: 5 });
    const interval = {
      second: 0,
      requests: 1,
      failures: 0,
      bytesIn: 0,
      iterations: 1,
      dropped: 0,
      checksPass: 0,
      checksFail: 0,
      vus: 1,
      loopDelayP99Ms: 1,
      loopDelayMaxMs: 1,
      cpuPercent: 1,
    };
    // Random-looking histogram strings do not compress: 3,000 of 1 KiB pass 1 MiB even gzip-compressed.
    const noise = () => randomBytes(768).toString('base64');
    const long = {
      ...base,
      intervals: Array.from({ length: 3000 }, (_, i) => ({ ...interval, second: i, durationHdr: noise() })),
    };
    const cm = checkpointConfigMap(lt, 0, long);
    expect(cm.metadata?.annotations?.[ANNOTATION_INTERVALS_DROPPED]).toBe('true');
    expect((cm.binaryData?.[CHECKPOINT_KEY] ?? '').length).toBeLessThan(1024 * 1024);
    const back = readCheckpoint(cm as Parameters<typeof readCheckpoint>[0], 'u1', 0, 2);
    expect(back).toMatchObject({ intervals: [], steps: base.steps });
  });

  it('a checkpoint of another owner, another shard or corrupt data is refused with the reason', () => {
    const cm = checkpointConfigMap(lt, 1, shardSnapshot(1, 2, { requests: 3 })) as Parameters<
      typeof readCheckpoint
    >[0];
    expect(readCheckpoint(cm, 'other', 1, 2)).toBe('not owned by this LoadTest, ignored');
    expect(readCheckpoint(cm, 'u1', 0, 2)).toBe(
      'malformed snapshot: shard: expected shard 0 of 2, got 1 of 2',
    );
    expect(readCheckpoint({ ...cm, binaryData: { [CHECKPOINT_KEY]: 'bm90IGd6aXA=' } }, 'u1', 1, 2)).toMatch(
      /^unreadable: /,
    );
  });

  it('runners hold their results until released unless a linger limit is set', () => {
    const env = {
      STAMPEDE_CONTROL_TOKEN: 'a-control-token-of-at-least-32-characters',
      STAMPEDE_LOADTEST: JSON.stringify({
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        metadata: { name: 'x' },
        spec: {
          target: { baseURL: 'http://127.0.0.1:1' },
          scenarios: {
            s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: '/' } }] },
          },
        },
      }),
    };
    const unset = runnerConfigFromEnv(env);
    const set = runnerConfigFromEnv({ ...env, STAMPEDE_LINGER_SECONDS: '5' });
    expect(unset.ok && unset.config.lingerMs).toBeUndefined();
    expect(set.ok && set.config.lingerMs).toBe(5000);
  });
});
