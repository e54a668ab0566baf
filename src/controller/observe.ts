/**
 * Observe: read everything the decision needs: the LoadTest, its ConfigMaps, its Job and pods, and each
 * runner's own account via GET /snapshot. Remembers each shard's last snapshot in memory, so a runner that
 * crashes mid-test still contributes what it measured.
 */
import { request } from 'undici';
import { asSummary, readSummary } from '../analysis/summary-check.js';
import { summaryFromJson } from '../analysis/summary-json.js';
import { isNotFound, type KubeClient } from '../kube/client.js';
import { INTERVALS_FROM_PARAM } from '../metrics/snapshot-delta.js';
import type { Logger } from '../observability/log.js';
import { bearerHeader } from '../runner/control-auth.js';
import type { RunnerState } from '../runner/protocol.js';
import type { ObservedBaseline } from './baseline.js';
import { runnerSelector } from './builders.js';
import { CheckpointStore } from './checkpoints.js';
import { controlToken } from './control-token.js';
import type {
  Observed,
  ObservedFeederSource,
  ObservedLoadTest,
  ObservedPod,
  ObservedRunner,
} from './model.js';
import { CONTROL_PORT, names } from './names.js';
import { configMapPath, jobPath, loadTestPath, pods as podsPath, withLabels } from './paths.js';
import { PullLimit } from './pull-limit.js';
import { checkRunnerAnswer } from './runner-answer.js';
import { alreadyChecked, intervalsToAsk, withKnownIntervals } from './runner-delta.js';
import { configMapFeeders } from './runner-spec.js';
import { ShardMemory, type ShardRecord } from './shard-memory.js';

/** Runners answer /snapshot quickly or are treated as unreachable for this round. */
const RUNNER_TIMEOUT_MS = 3000;

interface PodLike {
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

interface JobLike {
  metadata: { creationTimestamp?: string };
  status?: { failedIndexes?: string };
}

/** "1,3-5" -> [1, 3, 4, 5] (the Job's failedIndexes format). */
export function parseIndexes(text: string | undefined): number[] {
  if (!text) return [];
  return text.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) return [];
    if (b === undefined || Number.isNaN(b)) return [a];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

export function podIndex(pod: PodLike): number | undefined {
  const raw =
    pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ??
    pod.metadata.labels?.['batch.kubernetes.io/job-completion-index'];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

function observePod(pod: PodLike): ObservedPod {
  const container = pod.status?.containerStatuses?.[0]?.state;
  const terminated = container?.terminated;
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    ip: pod.status?.podIP,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    reason:
      container?.waiting?.reason ??
      (terminated ? `${terminated.reason ?? 'terminated'}, exit ${terminated.exitCode}` : undefined),
  };
}

/** A runner's snapshot of a very long run is a few MiB; far more is not a snapshot. */
const MAX_RUNNER_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * GET /snapshot from a runner: its parsed JSON (checked by the caller), or undefined when it did not answer
 * usably this time (unreachable, slow, not 200): that is not a fault of the shard yet.
 */
export async function fetchRunnerAnswer(
  ip: string,
  token: string,
  port = CONTROL_PORT,
  intervalsFrom?: number,
): Promise<{ json: unknown } | { problem: string } | undefined> {
  const query = intervalsFrom === undefined ? '' : `?${INTERVALS_FROM_PARAM}=${intervalsFrom}`;
  try {
    const response = await request(`http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/snapshot${query}`, {
      headers: { authorization: bearerHeader(token) },
      headersTimeout: RUNNER_TIMEOUT_MS,
      bodyTimeout: RUNNER_TIMEOUT_MS,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_RUNNER_ANSWER_BYTES) {
        response.body.destroy();
        return { problem: `malformed snapshot: larger than ${MAX_RUNNER_ANSWER_BYTES} bytes` };
      }
      chunks.push(chunk as Buffer);
    }
    try {
      return { json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    } catch {
      return { problem: 'malformed snapshot: not JSON' };
    }
  } catch {
    return undefined;
  }
}

/** The runner's state, or why its answer cannot be used (remembered as the shard's problem). */
async function observeRunnerState(
  ip: string,
  token: string,
  port: number,
  shard: { index: number; total: number },
  record: ShardRecord,
): Promise<RunnerState | undefined> {
  const ask = async (from: number | undefined) => {
    const answer = await fetchRunnerAnswer(ip, token, port, from);
    if (!answer) return undefined;
    return 'json' in answer
      ? checkRunnerAnswer(answer.json, shard, alreadyChecked(answer.json, record.checkedIntervals))
      : { ok: false as const, problem: answer.problem };
  };
  // Only the intervals not held yet travel (runner-delta.ts); a delta that cannot be joined: ask whole.
  let checked = await ask(intervalsToAsk(record.snapshot));
  let joined = checked?.ok ? withKnownIntervals(checked.state, record.snapshot) : undefined;
  if (checked?.ok && !joined) {
    // Another process or run answered: none of its intervals were checked before.
    record.checkedIntervals = 0;
    checked = await ask(undefined);
    joined = checked?.ok ? checked.state : undefined;
  }
  if (!checked) return undefined;
  if (!checked.ok) {
    record.problem ??= checked.problem;
    return undefined;
  }
  const state = joined as RunnerState;
  if (state.state === 'failed') record.problem ??= state.error ?? 'the runner failed before the start';
  if (state.interrupted) record.interrupted ??= state.interrupted;
  if (state.teardownError) record.teardownError ??= state.teardownError;
  if (state.state === 'running' || state.state === 'done') {
    record.snapshot = state.snapshot;
    record.checkedIntervals = state.snapshot.intervals.length;
  }
  return state;
}

export class Observer {
  /** Per LoadTest: each shard's last good snapshot and problems (see shard-memory.ts). */
  readonly memory = new ShardMemory();
  /** uid -> spec.baseline's summary, once read: a finished run's report does not change. */
  private readonly baselines = new Map<string, ObservedBaseline>();

  constructor(
    private readonly client: KubeClient,
    /** The controller's key; each LoadTest's runner token is derived from it. */
    private readonly controlKey: string,
    private readonly runnerPort = CONTROL_PORT,
    readonly checkpoints = new CheckpointStore(client),
    private readonly log?: Logger,
    /** Shared by every LoadTest this controller observes. */
    private readonly pulls = new PullLimit(),
  ) {}

  /** Drops everything remembered about a LoadTest: called once it is deleted or its report is written. */
  forget(uid: string): void {
    this.memory.forget(uid);
    this.baselines.delete(uid);
    this.checkpoints.forget(uid);
  }

  /** After a controller restart: the shards' checkpoints stand in for the snapshots held in memory before. */
  private async restore(loadTest: ObservedLoadTest, shards: Map<number, ShardRecord>): Promise<void> {
    const loaded = await this.checkpoints.load(loadTest, loadTest.spec.runners ?? 1);
    for (const [index, snapshot] of loaded.snapshots) {
      const interrupted = loaded.interrupted.get(index);
      shards.set(index, {
        snapshot,
        checkedIntervals: snapshot.intervals.length,
        ...(interrupted ? { interrupted } : {}),
      });
    }
    if (loaded.problems.length)
      this.log?.warn({ loadTest: loadTest.metadata.name, problems: loaded.problems }, 'checkpoints ignored');
  }

  /** Reads spec.baseline's report ConfigMap; failures become the reason the comparison could not be made. */
  private async observeBaseline(
    namespace: string,
    uid: string,
    configMap: string,
  ): Promise<ObservedBaseline> {
    const cached = this.baselines.get(uid);
    if (cached?.configMap === configMap) return cached;
    const where = `ConfigMap ${namespace}/${configMap}`;
    let cm: { data?: Record<string, string> };
    try {
      cm = await this.client.get(configMapPath(namespace, configMap));
    } catch (error) {
      if (isNotFound(error)) return { configMap, error: `baseline ${where} not found` };
      throw error;
    }
    const text = cm.data?.['summary.json'];
    if (!text) return { configMap, error: `baseline ${where} holds no summary.json` };
    let parsed: unknown;
    try {
      parsed = summaryFromJson(text);
    } catch {
      return { configMap, error: `baseline ${where}: summary.json is not JSON` };
    }
    // Checked where it is judged (baseline.ts); cached only once usable, as it may be fixed before the end.
    const found = { configMap, summary: parsed };
    if (typeof asSummary(parsed) !== 'string') this.baselines.set(uid, found);
    return found;
  }

  /** Each configMap feeder's key, or what is missing; only `get` on ConfigMaps in the LoadTest's namespace. */
  private async observeFeederSources(loadTest: ObservedLoadTest): Promise<ObservedFeederSource[]> {
    const refs = configMapFeeders(loadTest);
    const namespace = loadTest.metadata.namespace;
    type ConfigMapData = { data?: Record<string, string>; binaryData?: Record<string, string> };
    const byName = new Map<string, Promise<ConfigMapData | undefined>>();
    for (const { configMap } of refs) {
      if (byName.has(configMap)) continue;
      byName.set(
        configMap,
        this.client
          .get<ConfigMapData>(configMapPath(namespace, configMap))
          .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      );
    }
    return Promise.all(
      refs.map(async ({ feeder, configMap, key }): Promise<ObservedFeederSource> => {
        const cm = await byName.get(configMap);
        if (!cm) return { feeder, missing: 'configMap' };
        const text = cm.data?.[key];
        if (text !== undefined) return { feeder, text };
        // kubectl --from-file puts files that are not UTF-8 into binaryData.
        if (cm.binaryData?.[key] !== undefined) return { feeder, missing: 'binary' };
        return { feeder, missing: 'key', keys: Object.keys({ ...cm.data, ...cm.binaryData }) };
      }),
    );
  }

  /** Each shard's pod (the live one if it was replaced) and its runner's checked answer. */
  private async observeRunners(
    loadTest: ObservedLoadTest,
    pods: { pod: PodLike; index: number | undefined }[],
    shards: Map<number, ShardRecord>,
  ): Promise<ObservedRunner[]> {
    const uid = loadTest.metadata.uid;
    const desired = loadTest.spec.runners ?? 1;
    const token = controlToken(this.controlKey, uid);
    // Grouped once: a per-index filter over every pod was quadratic at a thousand runners.
    const byIndex = new Map<number, ObservedPod[]>();
    for (const p of pods) {
      if (p.index === undefined) continue;
      byIndex.set(p.index, [...(byIndex.get(p.index) ?? []), observePod(p.pod)]);
    }
    return Promise.all(
      Array.from({ length: desired }, async (_, index) => {
        const candidates = byIndex.get(index) ?? [];
        const pod = candidates.find((p) => !p.deleting && p.phase === 'Running') ?? candidates[0];
        let record = shards.get(index);
        if (!record) {
          record = { checkedIntervals: 0 };
          shards.set(index, record);
        }
        const ip = pod?.ip;
        const state =
          ip && pod.phase === 'Running'
            ? await this.pulls.run(() =>
                observeRunnerState(ip, token, this.runnerPort, { index, total: desired }, record),
              )
            : undefined;
        const mark = this.checkpoints.mark(uid, index);
        return {
          index,
          pod,
          state,
          lastSnapshot: record.snapshot,
          ...(record.problem ? { problem: record.problem } : {}),
          ...(record.interrupted ? { interrupted: record.interrupted } : {}),
          ...(record.teardownError ? { teardownError: record.teardownError } : {}),
          ...(mark ? { checkpoint: mark } : {}),
        };
      }),
    );
  }

  async observe(namespace: string, name: string, nowMs: number): Promise<Observed | undefined> {
    let loadTest: ObservedLoadTest;
    const key = `${namespace}/${name}`;
    try {
      loadTest = await this.client.get<ObservedLoadTest>(loadTestPath(namespace, name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const uid = this.memory.uidOf(key);
      if (uid) this.forget(uid);
      return undefined;
    }
    const n = names(name);
    const [specConfigMapExists, reportCm, job, pods] = await Promise.all([
      this.client.get(configMapPath(namespace, n.spec)).then(
        () => true,
        (e) => (isNotFound(e) ? false : Promise.reject(e)),
      ),
      this.client
        .get<{ metadata?: { ownerReferences?: { uid: string }[] }; data?: Record<string, string> }>(
          configMapPath(namespace, n.report),
        )
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client
        .get<JobLike>(jobPath(namespace, n.job))
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client.get<{ items: PodLike[] }>(withLabels(podsPath(namespace), runnerSelector(name))),
    ]);
    const uid = loadTest.metadata.uid;
    // Only a report this LoadTest owns is its report; someone else's ConfigMap of that name is not trusted.
    const ownReport = reportCm?.metadata?.ownerReferences?.some((o) => o.uid === uid) ?? false;
    const summaryText = ownReport ? reportCm?.data?.['summary.json'] : undefined;
    const stored = summaryText ? readSummary(summaryText) : undefined;
    const report = typeof stored === 'object' ? stored : undefined;
    const foreignReport =
      reportCm && !ownReport
        ? `ConfigMap ${namespace}/${n.report} exists and is not owned by this LoadTest: its report would go there; delete or rename it, then re-create the LoadTest`
        : typeof stored === 'string'
          ? `ConfigMap ${namespace}/${n.report} holds this LoadTest's report, but its summary.json is unreadable (${stored}): it was changed after it was written`
          : undefined;
    const restarted = !this.memory.has(uid);
    const shards = this.memory.shards(key, uid);
    if (restarted && !report && job) await this.restore(loadTest, shards);
    const runners = await this.observeRunners(
      loadTest,
      pods.items.map((p) => ({ pod: p, index: podIndex(p) })),
      shards,
    );
    // Reported: the summary is the truth from now on, and nothing per shard needs remembering.
    if (report) this.forget(uid);
    const baselineName = loadTest.spec.baseline?.configMap;
    const baseline =
      baselineName && !report
        ? await this.observeBaseline(namespace, loadTest.metadata.uid, baselineName)
        : undefined;
    // Feeder data goes into the spec ConfigMap once; after that the ConfigMaps are not read again.
    const feederSources =
      !specConfigMapExists && !report ? await this.observeFeederSources(loadTest) : undefined;
    return {
      nowMs,
      loadTest,
      specConfigMapExists,
      ...(feederSources?.length ? { feederSources } : {}),
      job: job
        ? {
            createdAtMs: Date.parse(job.metadata.creationTimestamp ?? '') || nowMs,
            failedIndexes: parseIndexes(job.status?.failedIndexes),
          }
        : undefined,
      runners,
      report,
      ...(foreignReport ? { foreignReport } : {}),
      ...(baseline ? { baseline } : {}),
    };
  }
}
