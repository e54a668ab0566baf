/** `stampede run FILE`: validate, run locally, print the summary, write the report, exit with a verdict code. */
import { availableParallelism } from 'node:os';
import { resolveSpecEnv } from '../api/env.js';
import { runLocal } from '../local/coordinator.js';
import { createRedactor, redactJson } from '../observability/secret-redactor.js';
import { renderConsoleSummary } from '../report/console.js';
import { createProgressPrinter } from '../report/progress.js';
import type { Summary } from '../report/summary.js';
import { prepareReportDir, writeReport } from '../report/write.js';
import { parseArgs, UsageError } from './args.js';
import { type DemoProcess, startDemoProcess } from './demo-process.js';
import { DEMO_SHAPE_OPTIONS } from './demo-target.js';
import { EXIT } from './exit-codes.js';
import { loadManifest, parseEnvOverrides } from './load-manifest.js';
import { OVERRIDE_OPTIONS, OVERRIDE_USAGE, overridesFrom } from './overrides.js';
import { stopOnSignals } from './signals.js';

export const RUN_USAGE = `usage: stampede run FILE [--workers N|auto] [--out DIR] [--env NAME=value]... [--demo-target] [--quiet]
                    [--vus N] [--duration D] [--rate R] [--iterations N] [--scenario NAME] [--base-url URL]

  --workers N|auto  worker threads generating load (auto: one per core, leaving one for --demo-target)
  --out DIR         write summary.json, report.md, report.html, timeseries.csv, errors.json and junit.xml
  --env NAME=value  override a variable declared in spec.env (repeatable)
${OVERRIDE_USAGE}
  --demo-target     start the built-in demo target and point spec.target.baseURL at it
  --demo-latency D --demo-jitter D --demo-error-rate F --demo-capacity N --demo-queue N --demo-token-ttl D
                    shape the demo target's answers (see stampede demo-target --help)
  --quiet           no live progress`;

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

function parseWorkers(text: string | undefined, demo: boolean): number {
  const cores = availableParallelism();
  if (text === undefined || text === 'auto') return Math.max(1, demo ? cores - 1 : cores);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new UsageError(`--workers must be auto or 1..256, got ${text}`);
  return n;
}

export async function runCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['workers', 'out', ...OVERRIDE_OPTIONS, ...DEMO_SHAPE_OPTIONS.map((o) => `demo-${o}`)],
    repeated: ['env'],
    flags: ['demo-target', 'quiet'],
    aliases: { e: 'env', w: 'workers', o: 'out' },
  });
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError(RUN_USAGE);
  const demo = args.flags.has('demo-target');
  const workers = parseWorkers(args.values.workers, demo);
  const envOverrides = parseEnvOverrides(args.repeated.env ?? []);
  const overrides = overridesFrom(args.values);
  if (demo && overrides.baseUrl !== undefined)
    throw new UsageError('use --base-url or --demo-target, not both');
  const loaded = await loadManifest(file, envOverrides, 'local', overrides);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.message}\n`);
    return EXIT.INVALID_INPUT;
  }
  const { loadTest, baseDir } = loaded;
  const { env, secrets, problems } = resolveSpecEnv(loadTest.spec.env, envOverrides, process.env, 'local');
  if (problems.length) {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
    process.stderr.write(`${file} cannot run here:\n${lines}\n`);
    return EXIT.INVALID_INPUT;
  }
  const redact = createRedactor(secrets);
  const demoArgs = DEMO_SHAPE_OPTIONS.flatMap((o) => {
    const value = args.values[`demo-${o}`];
    return value === undefined ? [] : [`--${o}`, value];
  });
  if (demoArgs.length && !demo) throw new UsageError('--demo-* options need --demo-target');
  if (args.values.out) {
    // Checked before any traffic: a run whose report cannot be written is wasted load.
    const problem = await prepareReportDir(args.values.out);
    if (problem) {
      process.stderr.write(`--out: ${problem}\n`);
      return EXIT.INVALID_INPUT;
    }
  }
  let demoProcess: DemoProcess | undefined;
  const stopper = stopOnSignals(() => demoProcess?.kill());
  try {
    demoProcess = demo ? await startDemoProcess(demoArgs) : undefined;
    if (demoProcess) {
      process.stderr.write(
        `demo target started at ${demoProcess.url} (replacing ${loadTest.spec.target.baseURL})\n`,
      );
      loadTest.spec.target.baseURL = demoProcess.url;
    }
    process.stderr.write(
      redact(
        `running ${loadTest.metadata.name}: ${Object.keys(loadTest.spec.scenarios).length} scenario(s) against ${loadTest.spec.target.baseURL} with ${workers} worker(s)\n`,
      ),
    );
    const { summary: measured } = await runLocal({
      loadTest,
      baseDir,
      env,
      secrets,
      workers,
      signal: stopper.signal,
      ...(args.flags.has('quiet') ? {} : { onLive: createProgressPrinter(process.stderr) }),
    });
    // The target URL or a message may still hold a secret value: nothing printed or written keeps one.
    const summary = redactJson(measured, redact);
    process.stdout.write(`${renderConsoleSummary(summary)}\n`);
    if (args.values.out) {
      const files = await writeReport(args.values.out, summary);
      process.stdout.write(`\nreport written: ${files.join(', ')}\n`);
    }
    return exitCodeFor(summary, stopper.exitCode());
  } finally {
    stopper.dispose();
    await demoProcess?.stop();
  }
}
