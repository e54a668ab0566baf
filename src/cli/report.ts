/** `stampede report LOADTEST`: fetch a cluster run's report ConfigMap and print it or write its files. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { names } from '../controller/names.js';
import { configMaps, loadTestPath } from '../controller/paths.js';
import { sizeLimitText } from '../engine/bounded-file.js';
import { isNotFound, KubeClient } from '../kube/client.js';
import { type ClusterCredentials, KubeconfigError } from '../kube/kubeconfig.js';
import { GZIP_SUFFIX } from '../report/fit.js';
import { parseArgs, UsageError } from './args.js';
import { laptopCredentials } from './cluster-credentials.js';
import { EXIT } from './exit-codes.js';

export const REPORT_USAGE = `usage: stampede report LOADTEST [-n NAMESPACE] [--out DIR] [--kubeconfig FILE]

  Fetches the report a cluster run left in its ConfigMap. Without --out, prints report.md; with --out,
  writes every file (summary.json, report.md, report.html, timeseries.csv, junit.xml) into DIR.
  Any kubeconfig kubectl accepts works: client certificates, tokens, token files, exec plugins and auth
  providers.`;

interface ConfigMapLike {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/**
 * The most one compressed entry may unpack to. The controller's report.html is a few MiB at most; anyone who
 * can write ConfigMaps in the namespace could put 1 GiB into a 1 MiB entry.
 */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export class ReportUnpackError extends Error {
  readonly code = 'REPORT_UNPACK';
}

/**
 * The files a report ConfigMap holds, with gzip-compressed binaryData entries (NAME.gz) unpacked, each to at
 * most MAX_UNPACKED_BYTES (else ReportUnpackError naming the ConfigMap and key). `only`: just these files,
 * so printing report.md never unpacks report.html.
 */
export function unpackReportConfigMap(
  cm: ConfigMapLike,
  source: string,
  only?: readonly string[],
): Record<string, Buffer> {
  const wanted = (file: string) => !only || only.includes(file);
  const files: Record<string, Buffer> = Object.create(null); // ConfigMap keys may be "__proto__"
  for (const [name, text] of Object.entries(cm.data ?? {}))
    if (wanted(name)) files[name] = Buffer.from(text, 'utf8');
  for (const [name, base64] of Object.entries(cm.binaryData ?? {})) {
    const file = name.endsWith(GZIP_SUFFIX) ? name.slice(0, -GZIP_SUFFIX.length) : name;
    if (!wanted(file)) continue;
    const raw = Buffer.from(base64, 'base64');
    files[file] = file === name ? raw : gunzipBounded(raw, source, name);
  }
  return files;
}

function gunzipBounded(raw: Buffer, source: string, key: string): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    const tooBig = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new ReportUnpackError(
      `ConfigMap ${source} key ${key} ${
        tooBig
          ? `unpacks to more than ${sizeLimitText(MAX_UNPACKED_BYTES)}; a report file is far smaller, so it was not written`
          : `is not valid gzip data (${(error as Error).message})`
      }`,
    );
  }
}

export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['namespace', 'out', 'kubeconfig'],
    aliases: { n: 'namespace', o: 'out' },
  });
  const [name] = args.positional;
  if (!name || args.positional.length > 1) throw new UsageError(REPORT_USAGE);
  let credentials: ClusterCredentials;
  try {
    credentials = await laptopCredentials(args.values.kubeconfig);
  } catch (error) {
    // A missing or unreadable kubeconfig is bad input (exit 2), like an unreadable manifest.
    if (error instanceof KubeconfigError) throw new UsageError(error.message);
    throw error;
  }
  const namespace = args.values.namespace ?? credentials.namespace ?? 'default';
  const client = new KubeClient(credentials);
  // The LoadTest's status names its report; a LoadTest already gone may still have left it (no owner GC yet).
  let reportName = names(name).report;
  try {
    const lt = await client.get<{ status?: { report?: string; phase?: string } }>(
      loadTestPath(namespace, name),
    );
    if (!lt.status?.report) {
      process.stderr.write(
        `stampede: LoadTest ${namespace}/${name} has no report yet (phase ${lt.status?.phase ?? 'unknown'})\n`,
      );
      return EXIT.RUNTIME_FAILURE;
    }
    reportName = lt.status.report;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let cm: ConfigMapLike;
  try {
    cm = await client.get<ConfigMapLike>(`${configMaps(namespace)}/${reportName}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    process.stderr.write(
      `stampede: no report ConfigMap ${namespace}/${reportName} (no LoadTest ${name} either)\n`,
    );
    return EXIT.RUNTIME_FAILURE;
  }
  const source = `${namespace}/${reportName}`;
  let files: Record<string, Buffer>;
  try {
    files = unpackReportConfigMap(cm, source, args.values.out ? undefined : ['report.md']);
  } catch (error) {
    if (!(error instanceof ReportUnpackError)) throw error;
    process.stderr.write(`stampede: ${error.message}\n`);
    return EXIT.RUNTIME_FAILURE;
  }
  if (!args.values.out) {
    const md = files['report.md'];
    if (!md) {
      process.stderr.write(`stampede: ConfigMap ${namespace}/${reportName} holds no report.md\n`);
      return EXIT.RUNTIME_FAILURE;
    }
    process.stdout.write(md);
    return EXIT.PASSED;
  }
  const dir = args.values.out;
  await mkdir(dir, { recursive: true });
  // ConfigMap keys cannot hold '/', but the files land on disk: keep anything path-like out anyway.
  const safe = Object.entries(files).filter(([file]) => /^[A-Za-z0-9_][-._A-Za-z0-9]*$/.test(file));
  await Promise.all(safe.map(([file, body]) => writeFile(join(dir, file), body)));
  process.stdout.write(
    `report ${namespace}/${reportName} written: ${safe
      .map(([f]) => join(dir, f))
      .sort()
      .join(', ')}\n`,
  );
  return EXIT.PASSED;
}
