/**
 * The demo target as a Deployment and Service on the real node, from the project's own image, with the
 * settings Pod Security "restricted" demands: what `npm run cluster` gives a person to point LoadTests at,
 * and the only target end-to-end tests on the real node send load to (one of the project's own pods).
 */
import { STAMPEDE_IMAGE } from './real-node.js';

export const DEMO_PORT = 8080;

/** The restricted container settings, the same the runner Job's pods use. */
export const RESTRICTED_POD = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export interface DemoTargetOptions {
  namespace: string;
  name?: string;
  resources?: Record<string, unknown>;
}

export function demoTargetObjects(opts: DemoTargetOptions): Record<string, unknown>[] {
  const name = opts.name ?? 'demo-target';
  const labels = { app: name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: opts.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: RESTRICTED_POD,
            containers: [
              {
                name: 'demo',
                image: STAMPEDE_IMAGE,
                imagePullPolicy: 'Never',
                command: ['stampede', 'demo-target', '--host', '0.0.0.0', '--port', String(DEMO_PORT)],
                ports: [{ name: 'http', containerPort: DEMO_PORT }],
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
                resources: opts.resources ?? {
                  requests: { cpu: '100m', memory: '64Mi' },
                  limits: { cpu: '500m', memory: '128Mi' },
                },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: opts.namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: DEMO_PORT, targetPort: 'http' }] },
    },
  ];
}
