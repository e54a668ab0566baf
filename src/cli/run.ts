/** `stampede run FILE`: validate, run locally, print the summary, write the report, exit with a verdict code. */

import { resolveSpecEnv } from '../api/env.js';
import { redactUrl } from '../api/redact.js';
import type { LoadTest } from '../api/schema.js';
import { parseTargetPolicy, refusedTargets } from '../controller/target-policy.js';
import {
  autoShardCount,
  limitPath,
  shardCountProblems,
  shardCountRefusal,
  WORKERS,
} from '../engine/shard-count.js';
import type { ShardPolicy } from '../engine/shard-runner.js';
import { runLocal } from '../local/coordinator.js';
import { wholeCores } from '../metrics/cpu-quota.js';
import { usableCores } from '../metrics/usable-cores.js';
import { createRedactor, redactJson } from '../observability/secret-redactor.js';
import { policyEntryProblems } from '../protocols/connection-policy.js';
import { renderConsoleSummary } from '../report/console.js';
import { createProgressPrinter } from '../report/progress.js';
import type { Summary } from '../report/summary.js';
import { prepareReportDir, writeReport } from '../report/write.js';
import { parseArgs, UsageError } from './args.js';
import { DEMO_SHAPE_OPTIONS, type DemoProcess, startDemoProcess } from './demo-process.js';
import { EXIT } from './exit-codes.js';
import { loadManifest, parseEnvOverrides } from './load-manifest.js';
import { OVERRIDE_OPTIONS, OVERRIDE_USAGE, overridesFrom } from './overrides.js';
import { stopOnSignals } from './signals.js';

export const RUN_USAGE = `usage: stampede run FILE [--workers N|auto] [--out DIR] [--env NAME=value]... [--demo-target] [--quiet]
                    [--vus N] [--duration D] [--rate R] [--iterations N] [--scenario NAME] [--base-url URL]
                    [--allow LIST]

  --workers N|auto  worker threads generating load (auto: one per whole usable core, a cgroup CPU quota
                    included, leaving one for --demo-target, at most an open-model scenario's maxVUs; N
                    above that is refused)
  --out DIR         write summary.json, report.md, report.html, timeseries.csv, errors.json and junit.xml
  --env NAME=value  override a variable declared in spec.env (repeatable)
${OVERRIDE_USAGE}
  --demo-target     start the built-in demo target and point spec.target.baseURL at it
  --demo-latency D --demo-jitter D --demo-error-rate F --demo-capacity N --demo-queue N --demo-token-ttl D
                    shape the demo target's answers (see stampede demo-target --help)
  --quiet           no live progress
  --allow LIST      connect only where this policy allows, as runners in a cluster do: comma-separated
                    host names, *.suffixes, IPs or CIDRs (e.g. 127.0.0.0/8,*.shop.svc); checked after
                    templates render and names resolve; refused connections count as policy_denied`;

/** `interruptedCode` is the code for the signal that stopped the run (130 for SIGINT, 143 for SIGTERM). */
export function exitCodeFor(summary: Summary, interruptedCode: number = EXIT.INTERRUPTED): number {
  if (summary.outcome === 'failed') return EXIT.RUNTIME_FAILURE;
  if (summary.thresholds.some((t) => !t.passed) || summary.outcome === 'aborted-by-threshold') {
    return EXIT.THRESHOLDS_FAILED;
  }
  if (summary.outcome === 'interrupted') return interruptedCode;
  // A failing gate (nothing sent, nothing succeeded, the default error budget, the target's memory budget).
  if (summary.verdict === 'failed') return EXIT.THRESHOLDS_FAILED;
  return EXIT.PASSED;
}

/** The worker count asked for; `auto` (the default) is lowered later to what the manifest allows. */
function parseWorkers(text: string | undefined, demo: boolean): Workers {
  // Whole usable cores: a 500m cgroup quota gives one worker, not one per CPU of the affinity mask.
  const cores = wholeCores(usableCores());
  if (text === undefined || text === 'auto')
    return { count: Math.max(1, demo ? cores - 1 : cores), auto: true };
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new UsageError(`--workers must be auto or 1..256, got ${text}`);
  return { count: n, auto: false };
}

function parseAllow(text: string | undefined): ShardPolicy | undefined {
  if (text === undefined) return undefined;
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const problems = policyEntryProblems(entries);
  if (!entries.length) problems.push('give at least one entry');
  if (problems.length) throw new UsageError(`--allow: ${problems.join('; ')}`);
  return { entries };
}

interface Workers {
  count: number;
  /** Chosen by Stampede (`--workers auto` or no --workers), not by the user. */
  auto: boolean;
}

/** What the command line asked for; the manifest is not read yet. */
interface RunRequest {
  file: string;
  demo: boolean;
  workers: Workers;
  policy: ShardPolicy | undefined;
  envOverrides: Record<string, string>;
  overrides: ReturnType<typeof overridesFrom>;
  /** --demo-* shape options, as demo-target arguments. */
  demoArgs: string[];
  out: string | undefined;
  quiet: boolean;
}

function parseRunArgs(argv: string[]): RunRequest {
  const args = parseArgs(argv, {
    values: ['workers', 'out', 'allow', ...OVERRIDE_OPTIONS, ...DEMO_SHAPE_OPTIONS.map((o) => `demo-${o}`)],
    repeated: ['env'],
    flags: ['demo-target', 'quiet'],
    aliases: { e: 'env', w: 'workers', o: 'out' },
  });
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError(RUN_USAGE);
  const demo = args.flags.has('demo-target');
  const workers = parseWorkers(args.values.workers, demo);
  const policy = parseAllow(args.values.allow);
  const envOverrides = parseEnvOverrides(args.repeated.env ?? []);
  const overrides = overridesFrom(args.values);
  if (demo && overrides.baseUrl !== undefined)
    throw new UsageError('use --base-url or --demo-target, not both');
  const demoArgs = DEMO_SHAPE_OPTIONS.flatMap((o) => {
    const value = args.values[`demo-${o}`];
    return value === undefined ? [] : [`--${o}`, value];
  });
  const out = args.values.out;
  return {
    file,
    demo,
    workers,
    policy,
    envOverrides,
    overrides,
    demoArgs,
    out,
    quiet: args.flags.has('quiet'),
  };
}

type Runnable =
  | {
      ok: true;
      loadTest: LoadTest;
      baseDir: string;
      env: Record<string, string>;
      secrets: string[];
      workers: number;
      /** Why auto chose fewer workers than usual, if it did. */
      workersNote: string | undefined;
    }
  | { ok: false; code: number };

/** Everything checked before any traffic: the manifest, its env, the policy, the report directory. */
async function loadRunnable(req: RunRequest): Promise<Runnable> {
  const refuse = (message: string): Runnable => {
    process.stderr.write(message);
    return { ok: false, code: EXIT.INVALID_INPUT };
  };
  const loaded = await loadManifest(req.file, req.envOverrides, 'local', req.overrides);
  if (!loaded.ok) return refuse(`${loaded.message}\n`);
  const { loadTest, baseDir } = loaded;
  const workers = workersFor(req, loadTest);
  if (!workers.ok) return refuse(workers.message);
  const { env, secrets, problems } = resolveSpecEnv(
    loadTest.spec.env,
    req.envOverrides,
    process.env,
    'local',
  );
  if (problems.length) {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
    return refuse(`${req.file} cannot run here:\n${lines}\n`);
  }
  // The same up-front check the controller makes: static hosts outside the policy fail before any load.
  const { policy } = req;
  const refused = policy ? refusedTargets(loadTest, parseTargetPolicy(policy.entries.join(','))) : [];
  if (refused.length) return refuse(`${refused.join('\n')}\n`);
  if (req.demoArgs.length && !req.demo) throw new UsageError('--demo-* options need --demo-target');
  if (req.out) {
    // Checked before any traffic: a run whose report cannot be written is wasted load.
    const problem = await prepareReportDir(req.out);
    if (problem) return refuse(`--out: ${problem}\n`);
  }
  return { ok: true, loadTest, baseDir, env, secrets, workers: workers.count, workersNote: workers.note };
}

/**
 * How many workers the run uses: a count the user gave must not leave a worker without VUs of an open-model
 * scenario (refused: it would drop every iteration it owns); auto is lowered to fit, and says so.
 */
function workersFor(
  req: RunRequest,
  loadTest: LoadTest,
): { ok: true; count: number; note?: string } | { ok: false; message: string } {
  const { scenarios } = loadTest.spec;
  if (!req.workers.auto) {
    const problems = shardCountProblems(scenarios, req.workers.count, WORKERS);
    if (!problems.length) return { ok: true, count: req.workers.count };
    return {
      ok: false,
      message: `${shardCountRefusal(req.file, req.workers.count, WORKERS, problems)}\n`,
    };
  }
  const { shards, limitedBy } = autoShardCount(req.workers.count, scenarios);
  if (!limitedBy) return { ok: true, count: shards };
  return {
    ok: true,
    count: shards,
    note: `--workers auto: ${shards} worker(s) instead of ${req.workers.count}, as ${limitPath(limitedBy)} is ${limitedBy.vus} and every worker needs a VU of each open-model scenario\n`,
  };
}

/** Starts the demo target and points the LoadTest at it; a grpc:// target gets its gRPC service (demo.Greeter). */
async function startDemoFor(loadTest: LoadTest, demoArgs: string[]): Promise<DemoProcess> {
  const grpcTarget = /^grpcs?:\/\//.test(loadTest.spec.target.baseURL);
  const demoProcess = await startDemoProcess([...demoArgs, ...(grpcTarget ? ['--grpc-port', '0'] : [])]);
  const url = grpcTarget ? (demoProcess.grpcUrl as string) : demoProcess.url;
  process.stderr.write(
    `demo target started at ${url} (replacing ${redactUrl(loadTest.spec.target.baseURL)})\n`,
  );
  loadTest.spec.target.baseURL = url;
  return demoProcess;
}

/** Runs the test locally, prints the summary and writes the report; every output redacted. */
async function runAndReport(
  req: RunRequest,
  run: Runnable & { ok: true },
  signal: AbortSignal,
): Promise<Summary> {
  const { loadTest, baseDir, env, secrets } = run;
  const redact = createRedactor(secrets);
  if (run.workersNote) process.stderr.write(run.workersNote);
  process.stderr.write(
    redact(
      `running ${loadTest.metadata.name}: ${Object.keys(loadTest.spec.scenarios).length} scenario(s) against ${redactUrl(loadTest.spec.target.baseURL)} with ${run.workers} worker(s)\n`,
    ),
  );
  const { summary: measured } = await runLocal({
    loadTest,
    baseDir,
    env,
    secrets,
    workers: run.workers,
    signal,
    ...(req.policy ? { policy: req.policy } : {}),
    ...(req.quiet ? {} : { onLive: createProgressPrinter(process.stderr) }),
  });
  // The target URL or a message may still hold a secret value: nothing printed or written keeps one.
  const summary = redactJson(measured, redact);
  process.stdout.write(`${renderConsoleSummary(summary)}\n`);
  if (req.out) {
    const files = await writeReport(req.out, summary);
    process.stdout.write(`\nreport written: ${files.join(', ')}\n`);
  }
  return summary;
}

export async function runCommand(argv: string[]): Promise<number> {
  const req = parseRunArgs(argv);
  const run = await loadRunnable(req);
  if (!run.ok) return run.code;
  let demoProcess: DemoProcess | undefined;
  const stopper = stopOnSignals(() => demoProcess?.kill());
  try {
    demoProcess = req.demo ? await startDemoFor(run.loadTest, req.demoArgs) : undefined;
    const summary = await runAndReport(req, run, stopper.signal);
    const code = exitCodeFor(summary, stopper.exitCode());
    stopper.settle(code);
    return code;
  } finally {
    // The demo target stops before the handlers go: a signal while it stops must not kill us with 128+n.
    await demoProcess?.stop();
    stopper.dispose();
  }
}
