/**
 * SIGINT (Ctrl-C) and SIGTERM (what CI systems and Kubernetes send) both stop a run gracefully, so the
 * report is still written with everything measured; a second signal quits at once. Once the report is
 * written (settle), a signal changes nothing it says: the process ends at once with the report's code.
 */
import { EXIT } from './exit-codes.js';

/** The shell convention: 128 + the signal number. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = {
  SIGINT: EXIT.INTERRUPTED,
  SIGTERM: EXIT.TERMINATED,
};

export interface SignalStopper {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The exit code for the signal that stopped the run (130 when none did). */
  exitCode(): number;
  /** The report is written and says `code`: from now on a signal exits at once with `code`. */
  settle(code: number): void;
  /** Removes the handlers, unless settled (see there). */
  dispose(): void;
}

/** `onQuit` runs before a second signal exits the process, to reap children synchronously. */
export function stopOnSignals(onQuit: () => void = () => undefined): SignalStopper {
  const abort = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  let settled: number | undefined;
  const quit = (name: keyof typeof SIGNAL_EXIT) => {
    onQuit();
    process.exit(settled ?? SIGNAL_EXIT[name]);
  };
  const first = (name: keyof typeof SIGNAL_EXIT) => {
    if (settled !== undefined) {
      process.stderr.write(`\n${name} after the report was written: exiting with its code ${settled}\n`);
      quit(name);
      return;
    }
    received = name;
    process.stderr.write(
      `\nstopping (${name}): running iterations get their gracefulStop; the report is written; send it again to quit now\n`,
    );
    for (const s of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
      process.removeListener(s, handlers[s]);
      process.on(s, quitHandlers[s]);
    }
    abort.abort();
  };
  const handlers = { SIGINT: () => first('SIGINT'), SIGTERM: () => first('SIGTERM') };
  const quitHandlers = { SIGINT: () => quit('SIGINT'), SIGTERM: () => quit('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: abort.signal,
    exitCode: () => SIGNAL_EXIT[received ?? 'SIGINT'],
    settle(code) {
      settled = code;
    },
    dispose() {
      // Settled, the process is about to exit with that code: without handlers a signal in its last moment
      // would kill it with 128+n, disagreeing with the report on disk.
      if (settled !== undefined) return;
      for (const s of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
        process.removeListener(s, handlers[s]);
        process.removeListener(s, quitHandlers[s]);
      }
    },
  };
}
