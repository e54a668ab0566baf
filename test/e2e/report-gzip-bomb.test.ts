/**
 * `stampede report` against the real control plane, with a report ConfigMap anyone who may write ConfigMaps
 * in the namespace could leave: report.html.gz of ~0.6 MiB that unpacks to 600 MiB. Printing report.md does
 * not unpack report.html at all; --out stops at 64 MiB with an error naming the ConfigMap and key, and
 * writes no 600 MiB file. Before, both unpacked everything (1 GiB: 2.2 GB of memory); the child here is
 * killed at 500 MB.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_HINT,
  type ControlPlane,
  kubectl,
  missingBinaries,
  startControlPlane,
} from '../cluster/control-plane.js';
import { runCliBounded } from '../helpers/cli.js';

const LIMITS = { timeoutMs: 60_000, maxRssMb: 500 };

/** 600 MiB of zeros as concatenated gzip members (gunzip reads them as one stream), made from 8 MiB. */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 75 }, () => member));
}

describe('stampede report with a gzip bomb in the report ConfigMap', () => {
  let cp: ControlPlane;
  let dir: string;
  beforeAll(async () => {
    const missing = missingBinaries();
    if (missing.length) throw new Error(`missing ${missing.join(', ')}: run ${BUILD_HINT}`);
    cp = await startControlPlane();
    dir = await mkdtemp(join(tmpdir(), 'stampede-report-bomb-'));
    // create, not apply: apply would copy the 0.8 MiB object into an annotation, over the 256 KiB limit.
    await kubectl(
      cp,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bomb-report', namespace: 'default' },
        data: { 'report.md': '# bomb\nverdict PASSED\n', 'summary.json': '{"verdict":"passed"}' },
        binaryData: { 'report.html.gz': gzipBomb().toString('base64') },
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it('printing report.md does not unpack report.html', async () => {
    const r = await runCliBounded(['report', 'bomb', '--kubeconfig', cp.kubeconfigPath], LIMITS);
    expect(r.killedFor, `${r.stderr} (peak ${r.peakRssMb} MiB)`).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('# bomb\nverdict PASSED\n');
  });

  it('--out: an entry unpacking past 64 MiB is an error naming the ConfigMap and key, memory bounded', async () => {
    const out = join(dir, 'out');
    const r = await runCliBounded(
      ['report', 'bomb', '--kubeconfig', cp.kubeconfigPath, '--out', out],
      LIMITS,
    );
    expect(r.killedFor, `${r.stderr} (peak ${r.peakRssMb} MiB)`).toBeUndefined();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^stampede: ConfigMap default\/bomb-report key report\.html\.gz unpacks to more than 64 MiB/,
    );
    expect(await readdir(out).catch(() => [])).not.toContain('report.html');
  });
});
