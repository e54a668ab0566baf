/**
 * Builders only build: plain Kubernetes objects from a LoadTest, no client, no I/O. The runner Job is an
 * Indexed Job with one pod per shard, each pod restricted by Pod Security "restricted".
 */
import { gzipSync } from 'node:zlib';
import type { V1ConfigMap, V1Job, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../api/spec-constants.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { CONTROL_TOKEN_KEY } from './control-token.js';
import { baseLabels, CONTROL_PORT, checkpointName, LABEL_LOADTEST, names } from './names.js';
import { type ProtoFile, protoPodParts } from './proto-volume.js';

export interface OwnedLoadTest {
  metadata: { name: string; namespace: string; uid: string };
  spec: { runners?: number };
}

/** Options from the operator's own configuration (Helm values), not from the manifest. */
export interface RunnerPodOptions {
  image: string;
  /** The runner command; the image's entrypoint is `stampede`. */
  command: string[];
  imagePullPolicy?: string;
  serviceAccountName?: string;
  resources?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  imagePullSecrets?: { name: string }[];
  /** Seconds a runner waits for /start before giving up. */
  startDeadlineSeconds: number;
  /**
   * The Job's activeDeadlineSeconds: runners hold their final results until the controller releases them,
   * and this bounds how long (see jobDeadlineSeconds).
   */
  activeDeadlineSeconds?: number;
}

/** The spec ConfigMap's key for the LoadTest JSON; configMap feeders' files sit beside it. */
export const SPEC_KEY = 'loadtest.json';
/** Where runners find the spec ConfigMap's files (read-only mount). */
export const SPEC_MOUNT_DIR = '/etc/stampede/spec';

export function ownerReference(lt: OwnedLoadTest): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: lt.metadata.name,
    uid: lt.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A ConfigMap owned by the LoadTest; `component` names it and labels it (spec, report). */
function ownedConfigMap(
  lt: OwnedLoadTest,
  component: 'spec' | 'report',
  data: Record<string, string>,
): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: names(lt.metadata.name)[component],
      namespace: lt.metadata.namespace,
      labels: baseLabels(lt.metadata.name, component),
      ownerReferences: [ownerReference(lt)],
    },
    data,
  };
}

/** files: SPEC_KEY (the LoadTest JSON) and the feeder files, as runner-spec.ts made them. */
export const specConfigMap = (lt: OwnedLoadTest, files: Record<string, string>) =>
  ownedConfigMap(lt, 'spec', files);

/** The report: text files in `data`; compressed ones (report.html.gz) in `binaryData`, base64. */
export function reportConfigMap(
  lt: OwnedLoadTest,
  files: Record<string, string>,
  binaryFiles: Record<string, string> = {},
): V1ConfigMap {
  const cm = ownedConfigMap(lt, 'report', files);
  return Object.keys(binaryFiles).length ? { ...cm, binaryData: binaryFiles } : cm;
}

/** The runners' control token, owned by the LoadTest: only its runners (via secretKeyRef) and the controller hold it. */
export function controlSecret(lt: OwnedLoadTest, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: names(lt.metadata.name).control,
      namespace: lt.metadata.namespace,
      labels: baseLabels(lt.metadata.name, 'control'),
      ownerReferences: [ownerReference(lt)],
    },
    type: 'Opaque',
    stringData: { [CONTROL_TOKEN_KEY]: token },
  };
}

/** An env var taken from a Secret key by the kubelet: how database URLs reach runners without the spec. */
export interface SecretEnv {
  name: string;
  secret: string;
  key: string;
  /** The pod starts even when the Secret lacks this key (ca.crt of a TLS Secret). */
  optional?: boolean;
}

/** What one LoadTest's runner Job gets beyond the operator's pod options. */
export interface RunnerJobParts {
  /** Database URLs behind Secret references. */
  secretEnv?: SecretEnv[];
  /** The connection policy entries the runner enforces at every connect (connection-policy.ts). */
  policy?: readonly string[];
  /** From the plan (guardrails.ts): no runner outlives its test by much, whatever happens. */
  activeDeadlineSeconds?: number;
  /** grpc steps' .proto files in ConfigMaps (proto-volume.ts), mounted beside the spec. */
  protoFiles?: ProtoFile[];
}

export function runnerJob(lt: OwnedLoadTest, opts: RunnerPodOptions, parts: RunnerJobParts = {}): V1Job {
  const { activeDeadlineSeconds } = parts;
  const runners = lt.spec.runners ?? 1;
  const labels = baseLabels(lt.metadata.name, 'runner');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: names(lt.metadata.name).job,
      namespace: lt.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(lt)],
    },
    spec: {
      completionMode: 'Indexed',
      completions: runners,
      parallelism: runners,
      // A crashed shard is not retried (its load would double) and does not fail the others: per-index limits.
      backoffLimitPerIndex: 0,
      maxFailedIndexes: runners,
      ...(activeDeadlineSeconds ? { activeDeadlineSeconds } : {}),
      template: { metadata: { labels }, spec: runnerPodSpec(lt, opts, parts) },
    },
  };
}

/** The runner pod: no API token, no service links, non-root under RuntimeDefault seccomp. */
function runnerPodSpec(lt: OwnedLoadTest, opts: RunnerPodOptions, parts: RunnerJobParts) {
  const protos = protoPodParts(parts.protoFiles ?? []);
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(opts.serviceAccountName ? { serviceAccountName: opts.serviceAccountName } : {}),
    ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
    ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
    ...(opts.affinity ? { affinity: opts.affinity } : {}),
    ...(opts.imagePullSecrets ? { imagePullSecrets: opts.imagePullSecrets } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumes: [{ name: 'spec', configMap: { name: names(lt.metadata.name).spec } }, ...protos.volumes],
    containers: [runnerContainer(lt, opts, parts, protos)],
  };
}

/** The one container: Pod Security "restricted", read-only root, ready when its control API says so. */
function runnerContainer(
  lt: OwnedLoadTest,
  opts: RunnerPodOptions,
  parts: RunnerJobParts,
  protos: ReturnType<typeof protoPodParts>,
) {
  return {
    name: 'runner',
    image: opts.image,
    ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
    command: opts.command,
    env: runnerEnv(lt, opts, parts, protos),
    ports: [{ name: 'control', containerPort: CONTROL_PORT }],
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'control' },
      periodSeconds: 1,
      failureThreshold: 3,
    },
    volumeMounts: [{ name: 'spec', mountPath: SPEC_MOUNT_DIR, readOnly: true }, ...protos.volumeMounts],
    ...(opts.resources ? { resources: opts.resources } : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** The runner's environment; credentials only as Secret references the kubelet resolves. */
function runnerEnv(
  lt: OwnedLoadTest,
  opts: RunnerPodOptions,
  parts: RunnerJobParts,
  protos: ReturnType<typeof protoPodParts>,
) {
  const { secretEnv = [], policy } = parts;
  return [
    { name: 'STAMPEDE_SHARDS', value: String(lt.spec.runners ?? 1) },
    { name: 'STAMPEDE_CONTROL_PORT', value: String(CONTROL_PORT) },
    { name: 'STAMPEDE_START_DEADLINE_SECONDS', value: String(opts.startDeadlineSeconds) },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    // A file, not an env var: an environment string is capped at 128 KiB, a ConfigMap at 1 MiB.
    { name: 'STAMPEDE_LOADTEST_FILE', value: `${SPEC_MOUNT_DIR}/${SPEC_KEY}` },
    ...(policy ? [{ name: 'STAMPEDE_CONNECTION_POLICY', value: policy.join(',') }] : []),
    ...protos.env,
    {
      name: 'STAMPEDE_CONTROL_TOKEN',
      valueFrom: { secretKeyRef: { name: names(lt.metadata.name).control, key: CONTROL_TOKEN_KEY } },
    },
    ...secretEnv.map((e) => ({
      name: e.name,
      valueFrom: {
        secretKeyRef: { name: e.secret, key: e.key, ...(e.optional ? { optional: true } : {}) },
      },
    })),
  ];
}

/** A Kubernetes Event about the LoadTest, from this controller instance; `nowIso` is the injected clock. */
export function loadTestEvent(
  lt: OwnedLoadTest,
  event: { type: 'Normal' | 'Warning'; reason: string; message: string },
  identity: string,
  nowIso: string,
) {
  const ns = lt.metadata.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${lt.metadata.name}.`, namespace: ns },
    involvedObject: {
      apiVersion: API_VERSION,
      kind: KIND,
      name: lt.metadata.name,
      namespace: ns,
      uid: lt.metadata.uid,
    },
    type: event.type,
    reason: event.reason,
    message: event.message.slice(0, 1024),
    source: { component: 'stampede-controller' },
    reportingComponent: 'stampede.dev/controller',
    reportingInstance: identity,
    firstTimestamp: nowIso,
    lastTimestamp: nowIso,
    count: 1,
  };
}

export const runnerSelector = (loadTest: string) =>
  `${LABEL_LOADTEST}=${loadTest},stampede.dev/component=runner`;

export const CHECKPOINT_KEY = 'snapshot.json.gz';
export const ANNOTATION_INTERVALS_DROPPED = 'stampede.dev/intervals-dropped';
/** On a checkpoint: the signal that cut the shard's run short (its pod was deleted or evicted). */
export const ANNOTATION_INTERRUPTED = 'stampede.dev/interrupted';
/** 1 MiB minus room for metadata: a checkpoint must always fit in one object. */
const CHECKPOINT_BUDGET_BYTES = 1024 * 1024 - 16 * 1024;

function gzipBase64(value: unknown): string {
  return gzipSync(JSON.stringify(value)).toString('base64');
}

/**
 * A shard's latest snapshot, gzip-compressed JSON in binaryData. A very long run whose per-second series
 * does not fit is stored without it (annotated): the totals and histograms always survive.
 */
export function checkpointConfigMap(
  lt: OwnedLoadTest,
  index: number,
  snapshot: ShardSnapshot,
  interrupted?: string,
): V1ConfigMap {
  let data = gzipBase64(snapshot);
  const dropped = data.length > CHECKPOINT_BUDGET_BYTES;
  if (dropped) data = gzipBase64({ ...snapshot, intervals: [] });
  const annotations = {
    ...(dropped ? { [ANNOTATION_INTERVALS_DROPPED]: 'true' } : {}),
    ...(interrupted ? { [ANNOTATION_INTERRUPTED]: interrupted } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: checkpointName(lt.metadata.name, index),
      namespace: lt.metadata.namespace,
      labels: baseLabels(lt.metadata.name, 'checkpoint'),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerReference(lt)],
    },
    binaryData: { [CHECKPOINT_KEY]: data },
  };
}
