/**
 * Reads spec.target.tls into PEM text once per shard: files relative to the manifest's directory locally,
 * or the environment variables a `secret` reaches the runner through (see src/api/schema-tls.ts).
 */
import { resolve } from 'node:path';
import type { LoadTest } from '../api/schema.js';
import { TLS_SECRET_ENV } from '../api/tls-secret-env.js';
import type { TlsMaterial } from '../protocols/http.js';
import { readBoundedTextFile } from './bounded-file.js';

/** A PEM file's largest size: a whole system CA bundle is about 220 KiB. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

/** A PEM file's text; a device such as /dev/zero or a file over the limit is refused, never read whole. */
export function readPemFile(path: string): string {
  return readBoundedTextFile(path, MAX_PEM_FILE_BYTES);
}

export class TlsMaterialError extends Error {
  readonly code = 'TLS_MATERIAL';
}

export function readTlsMaterial(
  loadTest: LoadTest,
  baseDir: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): TlsMaterial | undefined {
  const tls = loadTest.spec.target.tls;
  if (!tls) return undefined;
  const out: TlsMaterial = {};
  if (tls.serverName) out.serverName = tls.serverName;
  if (tls.secret !== undefined) {
    const [cert, key, ca] = TLS_SECRET_ENV.map((e) => processEnv[e.env] || undefined);
    if (!cert || !key) {
      throw new TlsMaterialError(
        `spec.target.tls.secret ${tls.secret}: STAMPEDE_TLS_CERT and STAMPEDE_TLS_KEY must hold the PEM text (in a cluster the controller sets them from the Secret)`,
      );
    }
    return { ...out, cert, key, ...(ca ? { ca } : {}) };
  }
  const read = (field: 'caFile' | 'certFile' | 'keyFile'): string | undefined => {
    const file = tls[field];
    if (file === undefined) return undefined;
    try {
      return readPemFile(resolve(baseDir, file));
    } catch (error) {
      throw new TlsMaterialError(`spec.target.tls.${field}: ${(error as Error).message}`);
    }
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  return { ...out, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
