import { describe, expect, it } from 'vitest';
import { addTargetResources } from '../../src/analysis/index.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { startServer } from '../helpers/http-server.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

const SECRET = 'internal-answer-4f9c2e';

/** A Prometheus URL pointed at some other service must not read that service's answers back. */
describe('target resources from a URL that is not Prometheus', () => {
  for (const [what, status, body] of [
    ['a 200 page that is not JSON', 200, `<html>${SECRET}</html>`],
    ['an error with a JSON body', 403, JSON.stringify({ status: 'error', error: SECRET, errorType: SECRET })],
    ['an error page', 500, SECRET],
  ] as const) {
    it(`keeps ${what} out of the summary: status and a fixed message only`, async () => {
      const server = await startServer((_req, res) => {
        res.statusCode = status;
        res.end(body);
      });
      try {
        const r = validateLoadTest({
          apiVersion: 'stampede.dev/v1alpha1',
          kind: 'LoadTest',
          metadata: { name: 'echo' },
          spec: {
            target: { baseURL: server.url },
            scenarios: {
              s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: '/' } }] },
            },
            analysis: { prometheus: { url: `http://user:pw-${SECRET}@127.0.0.1:${server.port}` } },
          },
        });
        if (!r.ok) throw new Error(JSON.stringify(r.problems));
        const after = await addTargetResources(summaryFixture(), r.loadTest);
        expect(after.targetResources?.error).toMatch(
          new RegExp(`HTTP ${status}: (not a Prometheus answer|Prometheus rejected the query)`),
        );
        expect(server.requests).toBeGreaterThan(0);
        expect(JSON.stringify(after)).not.toContain(SECRET);
      } finally {
        await server.close();
      }
    });
  }
});
