/** Cross-field rules of spec.target.tls: a certificate needs its key, files stay local, secrets in a cluster. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadTest } from '../api/schema.js';
import type { Problem } from '../api/schema-check.js';
import { FileReadError } from '../engine/bounded-file.js';
import { readPemFile } from '../engine/tls-material.js';

const PATH = 'spec.target.tls';
const FILE_FIELDS = ['caFile', 'certFile', 'keyFile'] as const;

export interface TlsValidateOptions {
  baseDir?: string;
  runsIn?: 'local' | 'cluster';
  processEnv?: NodeJS.ProcessEnv;
}

export function tlsProblems(loadTest: LoadTest, options: TlsValidateOptions): Problem[] {
  const tls = loadTest.spec.target.tls;
  if (!tls) return [];
  const problems: Problem[] = [];
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    const missing = tls.certFile === undefined ? 'certFile' : 'keyFile';
    problems.push({
      path: `${PATH}.${missing}`,
      message: 'a client certificate needs both certFile and keyFile',
    });
  }
  const files = FILE_FIELDS.filter((f) => tls[f] !== undefined);
  if (tls.secret !== undefined && files.length) {
    problems.push({
      path: `${PATH}.secret`,
      message: `use either secret or ${files.join(', ')}, not both`,
    });
  }
  for (const field of files) {
    const file = tls[field] as string;
    const path = `${PATH}.${field}`;
    if (options.runsIn === 'cluster') {
      problems.push({
        path,
        message:
          'a file path is read on the machine running `stampede run` and never reaches the runner pods; in a ' +
          'cluster put the PEM files in a Secret (kubectl create secret tls NAME --cert=FILE --key=FILE) and use secret: NAME',
      });
    } else if (options.baseDir) {
      const problem = pemFileProblem(resolve(options.baseDir, file));
      if (problem) problems.push({ path, message: problem });
    }
  }
  if (tls.secret !== undefined && options.runsIn === 'local') {
    const env = options.processEnv ?? process.env;
    const unset = ['STAMPEDE_TLS_CERT', 'STAMPEDE_TLS_KEY'].filter((name) => !env[name]);
    if (unset.length) {
      problems.push({
        path: `${PATH}.secret`,
        message: `locally the Secret's PEM text comes from ${unset.join(' and ')}, which ${unset.length > 1 ? 'are' : 'is'} not set (or use certFile and keyFile)`,
      });
    }
  }
  return problems;
}

/** A PEM file that is missing, not a regular file or too large: exit 2 now rather than at the run. */
function pemFileProblem(file: string): string | undefined {
  if (!existsSync(file)) return `file ${file} does not exist`;
  try {
    readPemFile(file);
    return undefined;
  } catch (error) {
    if (error instanceof FileReadError) return `file ${file} ${error.message}`;
    // Unreadable (permissions): the run says so with the field when it reads the file.
    return undefined;
  }
}
