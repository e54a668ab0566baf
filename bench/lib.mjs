// Small helpers shared by the bench scripts.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The benchmark results page; each script rewrites only its own section of it. */
export const BENCH_DOC = join(ROOT, 'docs', 'benchmarks.md');

/** Exits with a message a person can act on: benchmarks are run by hand, not by the test runner. */
export function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** A positive integer from the environment (RUNS, DURATION_S, ...), or the default. */
export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The median; the mean of the middle two for an even count. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Ask the kernel for a free loopback port; the tiny race until the server binds it is acceptable for a bench. */
export function freePort() {
  return new Promise((ok, ko) => {
    const srv = createServer();
    srv.once('error', ko);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The command running now, so a signal handler can end it rather than leave it loading a dead target. */
export const running = { child: undefined };

/** Run a command to completion with a hard time limit; resolves with its output, rejects on failure. */
export function run(cmd, args, { cwd, timeoutMs, env }) {
  return new Promise((ok, ko) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.child = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      ko(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.child = undefined;
      if (code === 0) ok({ stdout, stderr });
      else ko(new Error(`${cmd} ${args.join(' ')} exited ${signal ?? code}\n${stderr.slice(-2000)}`));
    });
  });
}

/** First line a version flag prints: nginx -v and wrk -v write to stderr, and wrk -v exits non-zero. */
export function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
}

/** The Debian package version, for tools whose own version flag prints nothing useful. */
export function debianVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? `${pkg} ${r.stdout.trim()} (Debian)` : `${pkg}: not installed`;
}

export function cpuModel() {
  return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
}

export const cores = () => availableParallelism();

/** The machine, as every results section states it. */
export function machineLines() {
  return [`- Machine: nproc ${cores()}, CPU ${cpuModel()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`];
}

/**
 * Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a markdown file (appending
 * the markers if absent), so a re-run updates its numbers and leaves the prose around them alone.
 */
export function replaceSection(file, name, text) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${text.trimEnd()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current}${current && !current.endsWith('\n') ? '\n' : ''}\n${block}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, next);
}

/**
 * Wraps a command so the shell prints its CPU time (user and system, children included) on stderr when
 * it ends. CPU time makes a generator's cost per request measurable even when a busy machine gives it
 * less than its core: requests per CPU-second barely move with contention, requests per second do.
 */
export function cpuTimed(argv) {
  return ['sh', '-c', '"$@"; rc=$?; times >&2; exit $rc', 'sh', ...argv];
}

/** The children's user + system seconds from what `cpuTimed` printed (the last line of `times`). */
export function childCpuSeconds(stderr) {
  const { user, system } = childCpuParts(stderr);
  return user + system;
}

/** The children's user and system seconds apart: engine work shows in user, socket work in system. */
export function childCpuParts(stderr) {
  const lines = stderr.trim().split('\n');
  const times = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
  if (times.length !== 2) throw new Error(`no CPU times in:\n${stderr.slice(-500)}`);
  const [user, system] = times.map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { user, system };
}
