import { type Logger, pino } from 'pino';

export type { Logger };

/** Logs go to stderr: stdout carries the CLI's JSON results (so `| jq` works). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'hybrid-search' } }, pino.destination({ dest: 2, sync: true }));
}
