import { execFileSync } from 'node:child_process';

const PROMTOOL_HINT =
  'promtool is missing: install it with `apt-get install -y prometheus` (Debian ships promtool in it)';

/** Runs Prometheus's own linter over exposition text; returns its complaints (empty when clean). */
export function promtool(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(PROMTOOL_HINT);
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || 'promtool failed';
  }
}
