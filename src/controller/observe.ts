/**
 * Observe: read everything the decision needs: the LoadTest, its ConfigMaps, its Job and pods, and each
 * runner's own account via GET /snapshot. Remembers each shard's last snapshot in memory, so a runner that
 * crashes mid-test still contributes what it measured.
 */
import { request } from 'undici';
import { asSummary } from '../analysis/compare.js';
import { isNotFound, type KubeClient } from '../kube/client.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { Summary } from '../report/summary.js';
import { bearerHeader } from '../runner/control-auth.js';
import type { RunnerState } from '../runner/protocol.js';
import type { ObservedBaseline } from './baseline.js';
import { runnerSelector } from './builders.js';
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
import { configMapFeeders } from './runner-spec.js';

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

export async function fetchRunnerState(
  ip: string,
  token: string,
  port = CONTROL_PORT,
): Promise<RunnerState | undefined> {
  try {
    const response = await request(`http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/snapshot`, {
      headers: { authorization: bearerHeader(token) },
      headersTimeout: RUNNER_TIMEOUT_MS,
      bodyTimeout: RUNNER_TIMEOUT_MS,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return (await response.body.json()) as RunnerState;
  } catch {
    return undefined;
  }
}

export class Observer {
  /** uid -> shard index -> last snapshot received. */
  private readonly lastSnapshots = new Map<string, Map<number, ShardSnapshot>>();
  /** uid -> spec.baseline's summary, once read: a finished run's report does not change. */
  private readonly baselines = new Map<string, ObservedBaseline>();

  constructor(
    private readonly client: KubeClient,
    /** The controller's key; each LoadTest's runner token is derived from it. */
    private readonly controlKey: string,
    private readonly runnerPort = CONTROL_PORT,
  ) {}

  forget(uid: string): void {
    this.lastSnapshots.delete(uid);
    this.baselines.delete(uid);
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
      parsed = JSON.parse(text);
    } catch {
      return { configMap, error: `baseline ${where}: summary.json is not JSON` };
    }
    const summary = asSummary(parsed);
    if (typeof summary === 'string') return { configMap, error: `baseline ${where}: ${summary}` };
    const found = { configMap, summary };
    this.baselines.set(uid, found);
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

  async observe(namespace: string, name: string, nowMs: number): Promise<Observed | undefined> {
    let loadTest: ObservedLoadTest;
    try {
      loadTest = await this.client.get<ObservedLoadTest>(loadTestPath(namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const n = names(name);
    const [specConfigMapExists, reportCm, job, pods] = await Promise.all([
      this.client.get(configMapPath(namespace, n.spec)).then(
        () => true,
        (e) => (isNotFound(e) ? false : Promise.reject(e)),
      ),
      this.client
        .get<{ data?: Record<string, string> }>(configMapPath(namespace, n.report))
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client
        .get<JobLike>(jobPath(namespace, n.job))
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client.get<{ items: PodLike[] }>(withLabels(podsPath(namespace), runnerSelector(name))),
    ]);
    const remembered = this.lastSnapshots.get(loadTest.metadata.uid) ?? new Map<number, ShardSnapshot>();
    this.lastSnapshots.set(loadTest.metadata.uid, remembered);
    const desired = loadTest.spec.runners ?? 1;
    const token = controlToken(this.controlKey, loadTest.metadata.uid);
    const runners: ObservedRunner[] = await Promise.all(
      Array.from({ length: desired }, async (_, index) => {
        // Several pods can exist for one index (a replaced pod); prefer the live one.
        const candidates = pods.items.filter((p) => podIndex(p) === index).map(observePod);
        const pod = candidates.find((p) => !p.deleting && p.phase === 'Running') ?? candidates[0];
        const state =
          pod?.ip && pod.phase === 'Running'
            ? await fetchRunnerState(pod.ip, token, this.runnerPort)
            : undefined;
        if (state && state.state !== 'waiting') remembered.set(index, state.snapshot);
        return { index, pod, state, lastSnapshot: remembered.get(index) };
      }),
    );
    let report: Summary | undefined;
    const summaryText = reportCm?.data?.['summary.json'];
    if (summaryText) report = JSON.parse(summaryText) as Summary;
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
      ...(baseline ? { baseline } : {}),
    };
  }
}
