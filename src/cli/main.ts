/** The `stampede` command. Every failure ends in a message and a documented exit code, never a stack trace. */

import { runnerMain } from '../runner/main.js';
import { UsageError } from './args.js';
import { COMPARE_USAGE, compareCommand } from './compare.js';
import { controllerMain } from './controller.js';
import { DEMO_USAGE, demoTargetCommand } from './demo-target.js';
import { EXIT } from './exit-codes.js';
import { REPORT_USAGE, reportCommand } from './report.js';
import { RUN_USAGE, runCommand } from './run.js';
import { validateCommand } from './validate.js';

const USAGE = `stampede: distributed load testing from one LoadTest manifest

commands:
  run FILE          run a load test locally (see: stampede run --help)
  validate FILE     check a manifest and print the plan
  compare BASE CUR  compare two summary.json files; exit 99 when a metric regressed beyond its bound
  report LOADTEST   fetch a cluster run's report (report.md, report.html, summary.json, ...)
  demo-target       serve the built-in demo API
  runner            run one shard in a pod (configured by environment; started by the controller)
  controller        run the Kubernetes operator (see: stampede controller --help)

exit codes: 0 passed, 99 thresholds failed or baseline regressed, 2 invalid input, 1 runtime failure, 130 interrupted (SIGINT), 143 stopped (SIGTERM)

${RUN_USAGE}

${DEMO_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number | undefined>> = {
  run: runCommand,
  validate: validateCommand,
  compare: compareCommand,
  report: reportCommand,
  'demo-target': demoTargetCommand,
  runner: () => runnerMain(process.env),
  controller: (argv) => controllerMain(argv, process.env),
};

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.PASSED : EXIT.INVALID_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const usage: Record<string, string> = {
      'demo-target': DEMO_USAGE,
      run: RUN_USAGE,
      compare: COMPARE_USAGE,
      report: REPORT_USAGE,
    };
    process.stdout.write(`${usage[command] ?? USAGE}\n`);
    return EXIT.PASSED;
  }
  const handler = COMMANDS[command];
  if (!handler)
    throw new UsageError(`unknown command "${command}"; use one of ${Object.keys(COMMANDS).join(', ')}`);
  return handler(rest);
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
