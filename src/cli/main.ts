/** The `stampede` command. Every failure ends in a message and a documented exit code, never a stack trace. */

import { UsageError } from './args.js';
import { EXIT } from './exit-codes.js';

/** The general usage text, around the run and demo-target usage (from their modules). */
const generalUsage = (
  runUsage: string,
  demoUsage: string,
): string => `stampede: distributed load testing from one LoadTest manifest

commands:
  run FILE          run a load test locally (see: stampede run --help)
  validate FILE     check a manifest and print the plan
  compare BASE CUR  compare two summary.json files; exit 99 when a metric regressed beyond its bound
  report LOADTEST   fetch a cluster run's report (report.md, report.html, summary.json, ...)
  demo-target       serve the built-in demo API
  runner            run one shard in a pod (configured by environment; started by the controller)
  controller        run the Kubernetes operator (see: stampede controller --help)

exit codes: 0 passed, 99 thresholds failed or baseline regressed, 2 invalid input, 1 runtime failure, 130 interrupted (SIGINT), 143 stopped (SIGTERM)

${runUsage}

${demoUsage}`;

type Command = (argv: string[]) => Promise<number | undefined>;

/**
 * Each command's module is imported when that command runs: loading all of them (the controller's and the
 * runner's Kubernetes and metrics code, the demo target's gRPC service) cost `stampede run` a few hundred
 * ms of CPU at start-up for code it never calls.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  compare: async () => (await import('./compare.js')).compareCommand,
  report: async () => (await import('./report.js')).reportCommand,
  'demo-target': async () => (await import('./demo-target.js')).demoTargetCommand,
  runner: async () => {
    const { runnerMain } = await import('../runner/main.js');
    return () => runnerMain(process.env);
  },
  controller: async () => {
    const { controllerMain } = await import('./controller.js');
    return (argv) => controllerMain(argv, process.env);
  },
};

/** The usage text of `command`, or the general one. */
async function usageOf(command: string | undefined): Promise<string> {
  if (command === 'compare') return (await import('./compare.js')).COMPARE_USAGE;
  if (command === 'report') return (await import('./report.js')).REPORT_USAGE;
  const [{ RUN_USAGE }, { DEMO_USAGE }] = await Promise.all([import('./run.js'), import('./demo-target.js')]);
  if (command === 'run') return RUN_USAGE;
  if (command === 'demo-target') return DEMO_USAGE;
  return generalUsage(RUN_USAGE, DEMO_USAGE);
}

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${await usageOf(undefined)}\n`);
    return command ? EXIT.PASSED : EXIT.INVALID_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${await usageOf(command)}\n`);
    return EXIT.PASSED;
  }
  const load = COMMANDS[command];
  if (!load)
    throw new UsageError(`unknown command "${command}"; use one of ${Object.keys(COMMANDS).join(', ')}`);
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`stampede: ${error.message}\n`);
      process.exit(EXIT.INVALID_INPUT);
    }
    const e = error as Error & { code?: string };
    process.stderr.write(`stampede: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    if (process.env.STAMPEDE_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exit(EXIT.RUNTIME_FAILURE);
  },
);
