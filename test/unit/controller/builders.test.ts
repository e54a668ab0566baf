import { describe, expect, it } from 'vitest';
import {
  controlSecret,
  loadTestEvent,
  reportConfigMap,
  runnerJob,
  specConfigMap,
} from '../../../src/controller/builders.js';
import { controlToken } from '../../../src/controller/control-token.js';
import { childName } from '../../../src/controller/names.js';

const lt = { metadata: { name: 'checkout', namespace: 'perf', uid: 'uid-1' }, spec: { runners: 3 } };
const owner = {
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  name: 'checkout',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};
const labels = {
  'stampede.dev/loadtest': 'checkout',
  'stampede.dev/component': 'runner',
  'app.kubernetes.io/managed-by': 'stampede-controller',
};

describe('builders only build', () => {
  it('runnerJob: an Indexed Job, one pod per shard, restricted, with per-index failure limits', () => {
    const job = runnerJob(lt, {
      image: 'stampede:1.0',
      command: ['stampede', 'runner'],
      imagePullPolicy: 'IfNotPresent',
      serviceAccountName: 'runner',
      resources: { requests: { cpu: '1' } },
      nodeSelector: { pool: 'load' },
      tolerations: [{ key: 'load', operator: 'Exists' }],
      affinity: { nodeAffinity: {} },
      imagePullSecrets: [{ name: 'regcred' }],
      startDeadlineSeconds: 180,
    });
    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'checkout-runners', namespace: 'perf', labels, ownerReferences: [owner] },
      spec: {
        completionMode: 'Indexed',
        completions: 3,
        parallelism: 3,
        backoffLimitPerIndex: 0,
        maxFailedIndexes: 3,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            serviceAccountName: 'runner',
            nodeSelector: { pool: 'load' },
            tolerations: [{ key: 'load', operator: 'Exists' }],
            affinity: { nodeAffinity: {} },
            imagePullSecrets: [{ name: 'regcred' }],
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            volumes: [{ name: 'spec', configMap: { name: 'checkout-spec' } }],
            containers: [
              {
                name: 'runner',
                image: 'stampede:1.0',
                imagePullPolicy: 'IfNotPresent',
                command: ['stampede', 'runner'],
                env: [
                  { name: 'STAMPEDE_SHARDS', value: '3' },
                  { name: 'STAMPEDE_CONTROL_PORT', value: '8765' },
                  { name: 'STAMPEDE_START_DEADLINE_SECONDS', value: '180' },
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  { name: 'STAMPEDE_LOADTEST_FILE', value: '/etc/stampede/spec/loadtest.json' },
                  {
                    name: 'STAMPEDE_CONTROL_TOKEN',
                    valueFrom: { secretKeyRef: { name: 'checkout-control', key: 'token' } },
                  },
                ],
                ports: [{ name: 'control', containerPort: 8765 }],
                readinessProbe: {
                  httpGet: { path: '/readyz', port: 'control' },
                  periodSeconds: 1,
                  failureThreshold: 3,
                },
                volumeMounts: [{ name: 'spec', mountPath: '/etc/stampede/spec', readOnly: true }],
                resources: { requests: { cpu: '1' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
  });

  it('spec and report ConfigMaps are owned by the LoadTest', () => {
    expect(specConfigMap(lt, { 'loadtest.json': '{"x":1}' })).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'checkout-spec',
        namespace: 'perf',
        labels: { ...labels, 'stampede.dev/component': 'spec' },
        ownerReferences: [owner],
      },
      data: { 'loadtest.json': '{"x":1}' },
    });
    expect(reportConfigMap(lt, { 'report.md': '# r' })).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'checkout-report',
        namespace: 'perf',
        labels: { ...labels, 'stampede.dev/component': 'report' },
        ownerReferences: [owner],
      },
      data: { 'report.md': '# r' },
    });
    expect(reportConfigMap(lt, { 'report.md': '# r' }, { 'report.html.gz': 'H4sI' })).toMatchObject({
      data: { 'report.md': '# r' },
      binaryData: { 'report.html.gz': 'H4sI' },
    });
  });

  it("controlSecret: the runners' control token, owned by the LoadTest", () => {
    expect(controlSecret(lt, 'tok')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'checkout-control',
        namespace: 'perf',
        labels: { ...labels, 'stampede.dev/component': 'control' },
        ownerReferences: [owner],
      },
      type: 'Opaque',
      stringData: { token: 'tok' },
    });
  });

  it('loadTestEvent: an Event about the LoadTest from this controller instance, message capped at 1 KiB', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const event = loadTestEvent(
      lt,
      { type: 'Warning', reason: 'RunnerLost', message: 'x'.repeat(2000) },
      'pod-a',
      at,
    );
    expect(event).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'checkout.', namespace: 'perf' },
      involvedObject: {
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        name: 'checkout',
        namespace: 'perf',
        uid: 'uid-1',
      },
      type: 'Warning',
      reason: 'RunnerLost',
      message: 'x'.repeat(1024),
      source: { component: 'stampede-controller' },
      reportingComponent: 'stampede.dev/controller',
      reportingInstance: 'pod-a',
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    });
  });

  it('controlToken: one per LoadTest, derived from the controller key, 256 bits', () => {
    const key = 'k'.repeat(32);
    expect(controlToken(key, 'uid-1')).toBe(controlToken(key, 'uid-1'));
    expect(controlToken(key, 'uid-1')).not.toBe(controlToken(key, 'uid-2'));
    expect(controlToken(`${key}x`, 'uid-1')).not.toBe(controlToken(key, 'uid-1'));
    expect(controlToken(key, 'uid-1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('child names stay valid and unique when the LoadTest name is long', () => {
    const long = 'a'.repeat(60);
    const a = childName(long, 'runners');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^a+-[0-9a-f]{8}-runners$/);
    expect(childName(`${'a'.repeat(59)}b`, 'runners')).not.toBe(a);
    expect(childName('short', 'runners')).toBe('short-runners');
  });
});
