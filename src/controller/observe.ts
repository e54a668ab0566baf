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
import type { RunnerState } from '../runner/protocol.js';
import type { ObservedBaseline } from './baseline.js';
import { runnerSelector } from './builders.js';
import type { Observed, ObservedLoadTest, ObservedPod, ObservedRunner } from './model.js';
import { CONTROL_PORT, names } from './names.js';
import { loadTestPath } from './paths.js';

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

export async function fetchRunnerState(ip: string, port = CONTROL_PORT): Promise<RunnerState | undefined> {
  try {
    const response = await request(`http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/snapshot`, {
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
      cm = await this.client.get(`/api/v1/namespaces/${namespace}/configmaps/${configMap}`);
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

  async observe(namespace: string, name: string, nowMs: number): Promise<Observed | undefined> {
    let loadTest: ObservedLoadTest;
    try {
      loadTest = await this.client.get<ObservedLoadTest>(loadTestPath(namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const n = names(name);
    const cm = `/api/v1/namespaces/${namespace}/configmaps`;
    const [specConfigMapExists, reportCm, job, pods] = await Promise.all([
      this.client.get(`${cm}/${n.spec}`).then(
        () => true,
        (e) => (isNotFound(e) ? false : Promise.reject(e)),
      ),
      this.client
        .get<{ data?: Record<string, string> }>(`${cm}/${n.report}`)
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client
        .get<JobLike>(`/apis/batch/v1/namespaces/${namespace}/jobs/${n.job}`)
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      this.client.get<{ items: PodLike[] }>(
        `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(runnerSelector(name))}`,
      ),
    ]);
    const remembered = this.lastSnapshots.get(loadTest.metadata.uid) ?? new Map<number, ShardSnapshot>();
    this.lastSnapshots.set(loadTest.metadata.uid, remembered);
    const desired = loadTest.spec.runners ?? 1;
    const runners: ObservedRunner[] = await Promise.all(
      Array.from({ length: desired }, async (_, index) => {
        // Several pods can exist for one index (a replaced pod); prefer the live one.
        const candidates = pods.items.filter((p) => podIndex(p) === index).map(observePod);
        const pod = candidates.find((p) => !p.deleting && p.phase === 'Running') ?? candidates[0];
        const state =
          pod?.ip && pod.phase === 'Running' ? await fetchRunnerState(pod.ip, this.runnerPort) : undefined;
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
    return {
      nowMs,
      loadTest,
      specConfigMapExists,
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
