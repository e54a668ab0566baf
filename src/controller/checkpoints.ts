/**
 * Checkpoints: the controller stores each shard's latest snapshot in a ConfigMap owned by the LoadTest
 * (`<name>-shard-<i>`), so what a runner reported survives a controller restart even if that runner dies
 * meanwhile. The store does the I/O and remembers what it saved; decide-checkpoint.ts decides when.
 */
import { gunzipSync } from 'node:zlib';
import { isAlreadyExists, isNotFound, type KubeClient } from '../kube/client.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { checkSnapshot } from '../metrics/snapshot-check.js';
import { RUNNER_INTERRUPTS } from '../runner/protocol.js';
import {
  ANNOTATION_INTERRUPTED,
  CHECKPOINT_KEY,
  checkpointConfigMap,
  type OwnedLoadTest,
} from './builders.js';
import { checkpointName } from './names.js';
import { configMaps } from './paths.js';

/** What the store holds for one shard: enough for decide to judge whether a new checkpoint is due. */
export interface CheckpointMark {
  elapsedMs: number;
  done: boolean;
}

/** A decompressed checkpoint larger than this is not ours (a budget-sized one is a few MiB at most). */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

interface StoredConfigMap {
  metadata: { ownerReferences?: { uid: string }[]; annotations?: Record<string, string> };
  binaryData?: Record<string, string>;
}

export interface LoadedCheckpoints {
  snapshots: Map<number, ShardSnapshot>;
  /** Shards whose run a signal cut short, by index (see ANNOTATION_INTERRUPTED). */
  interrupted: Map<number, string>;
  /** Checkpoints found but not usable, with the reason (foreign owner, corrupt data). */
  problems: string[];
}

export class CheckpointStore {
  /** uid -> shard index -> what was last saved (or loaded). */
  private readonly marks = new Map<string, Map<number, CheckpointMark>>();

  constructor(private readonly client: KubeClient) {}

  mark(uid: string, index: number): CheckpointMark | undefined {
    return this.marks.get(uid)?.get(index);
  }

  private remember(uid: string, index: number, snapshot: ShardSnapshot): void {
    let byIndex = this.marks.get(uid);
    if (!byIndex) {
      byIndex = new Map();
      this.marks.set(uid, byIndex);
    }
    byIndex.set(index, { elapsedMs: snapshot.elapsedMs, done: snapshot.done });
  }

  forget(uid: string): void {
    this.marks.delete(uid);
  }

  /** Number of LoadTests the store remembers (for tests and leak checks). */
  get size(): number {
    return this.marks.size;
  }

  /** Create-or-replace; a replace without resourceVersion is unconditional for ConfigMaps. */
  async save(lt: OwnedLoadTest, index: number, snapshot: ShardSnapshot, interrupted?: string): Promise<void> {
    const body = checkpointConfigMap(lt, index, snapshot, interrupted);
    const path = configMaps(lt.metadata.namespace);
    const name = checkpointName(lt.metadata.name, index);
    try {
      await this.client.replace(`${path}/${name}`, body);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await this.client.create(path, body);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        await this.client.replace(`${path}/${name}`, body);
      }
    }
    this.remember(lt.metadata.uid, index, snapshot);
  }

  /** Reads every shard's checkpoint (after a controller restart); only ones owned by this LoadTest count. */
  async load(lt: OwnedLoadTest, shards: number): Promise<LoadedCheckpoints> {
    const { name, namespace, uid } = lt.metadata;
    const snapshots = new Map<number, ShardSnapshot>();
    const interrupted = new Map<number, string>();
    const problems: string[] = [];
    await Promise.all(
      Array.from({ length: shards }, async (_, index) => {
        const cmName = checkpointName(name, index);
        let cm: StoredConfigMap;
        try {
          cm = await this.client.get<StoredConfigMap>(`${configMaps(namespace)}/${cmName}`);
        } catch (error) {
          if (isNotFound(error)) return;
          throw error;
        }
        const found = readCheckpoint(cm, uid, index, shards);
        if (typeof found === 'string') problems.push(`ConfigMap ${namespace}/${cmName}: ${found}`);
        else {
          snapshots.set(index, found);
          const signal = checkpointInterrupted(cm);
          if (signal) interrupted.set(index, signal);
          this.remember(uid, index, found);
        }
      }),
    );
    return { snapshots, interrupted, problems };
  }
}

/** The snapshot in a checkpoint ConfigMap, or why it cannot be used. Pure. */
export function readCheckpoint(
  cm: StoredConfigMap,
  uid: string,
  index: number,
  total: number,
): ShardSnapshot | string {
  if (!cm.metadata.ownerReferences?.some((o) => o.uid === uid)) return 'not owned by this LoadTest, ignored';
  const data = cm.binaryData?.[CHECKPOINT_KEY];
  if (!data) return `no ${CHECKPOINT_KEY}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8'),
    );
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
  const checked = checkSnapshot(parsed, { shard: { index, total } });
  return checked.ok ? checked.snapshot : `malformed snapshot: ${checked.problem}`;
}

/** The signal a checkpoint says cut its shard short, if it names one the runner sends. Pure. */
export function checkpointInterrupted(cm: StoredConfigMap): string | undefined {
  const signal = cm.metadata.annotations?.[ANNOTATION_INTERRUPTED];
  return RUNNER_INTERRUPTS.find((known) => known === signal);
}
