/** Structured logs (pino): a fixed message plus fields, never formatted strings. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(component: string, level = process.env.STAMPEDE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: component, level, base: { component } });
}
