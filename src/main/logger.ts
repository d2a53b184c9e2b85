import { type Logger, pino } from 'pino';

export type { Logger };

/** Logs go to stderr: stdout carries the CLI's JSON results (so `| jq` works). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'hybrid-search' } }, pino.destination({ dest: 2, sync: true }));
}

/**
 * Logs the first of a run of identical errors and then at most one per `intervalMs` with
 * how many were left out since: one broken model must not write a line per search.
 */
export class RepeatedErrorLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger | undefined,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  error(key: string, fields: Record<string, unknown>, message: string): void {
    const at = this.now();
    const seen = this.last.get(key);
    if (seen && at - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.last.set(key, { at, suppressed: 0 });
    // Bounded: keys are a handful of model versions and failure kinds, but never let them pile up.
    if (this.last.size > 100) this.last.delete(this.last.keys().next().value as string);
    this.logger?.error(
      { ...fields, ...(seen && seen.suppressed > 0 && { repeated_since_last_log: seen.suppressed }) },
      message,
    );
  }
}
