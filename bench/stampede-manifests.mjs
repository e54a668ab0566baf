/**
 * Stampede's manifest for each bench workload (bench/peers.mjs, bench/cpu-per-request.mjs): the same flows
 * the peers run in their own native forms (bench/peers/).
 */
import { GRPC_FLOW } from './peers-grpc.mjs';

export const overTls = (workload) => workload === 'get-tls' || workload === 'get-h2';

const BROWSE = `        - repeat: 5
          steps:
            - name: browse
              request: { url: /api/data }
              check: { status: 200 }`;

/** The flow of each workload in Stampede's YAML. */
export const FLOWS = {
  get: `        - name: get
          request: { url: /api/data }`,
  session: `        - name: login
          request: { method: POST, url: /api/login, json: { username: user-1, password: demo } }
          check: { status: 200 }
${BROWSE}
        - name: transaction
          request: { method: POST, url: /api/transaction, json: { amount: 42 } }
          check: { status: 201 }`,
  extract: `        - name: login
          request: { method: POST, url: /api/login, json: { username: user-1, password: demo } }
          check: { status: 200 }
          extract: { token: { json: $.token } }
        - repeat: 5
          steps:
            - name: browse
              request: { url: /api/data, headers: { authorization: 'Bearer \${vars.token}' } }
              check: { status: 200, json: [{ path: '$.items[0].id', equals: 1 }] }
        - name: transaction
          request:
            method: POST
            url: /api/transaction
            json: { amount: 42 }
            headers: { authorization: 'Bearer \${vars.token}' }
          check: { status: 201 }`,
};
FLOWS['get-tls'] = FLOWS.get;
FLOWS['get-h2'] = FLOWS.get;
FLOWS.grpc = GRPC_FLOW;

/** `vus` closed-model VUs for `durationS`; `connections` keep-alive connections (HTTP/2: sessions). */
export function manifestFor(workload, baseURL, { vus, connections, durationS }) {
  // Over TLS the self-signed bench certificate is not verified, as wrk and h2load do not verify it either.
  const target = [
    `    baseURL: ${baseURL}`,
    `    connections: ${connections}`,
    ...(overTls(workload) ? ['    insecureSkipTLSVerify: true'] : []),
    ...(workload === 'get-h2' ? ['    http2: true'] : []),
  ];
  return `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata:
  name: bench-${workload}
spec:
  target:
${target.join('\n')}
  scenarios:
    ${workload}:
      executor: constant-vus
      vus: ${vus}
      duration: ${durationS}s
      flow:
${FLOWS[workload]}
`;
}
