/**
 * Autocomplete from the first start: the `suggestions` job runs at start-up when no
 * suggestions were ever generated (a fresh install, or a store filled by another process),
 * and again once catalog writes have been quiet for a moment, so new products are
 * suggested without waiting for the schedule. A write while the job runs asks for one
 * more run after it.
 */
import type { Logger } from '../main/logger.ts';
import type { JobTrigger } from './job-store.ts';

/** Catalog writes come in batches: wait for this much quiet before regenerating. */
export const SUGGESTIONS_QUIET_MS = 2000;

export class SuggestionRefresh {
  private timer: NodeJS.Timeout | undefined;
  private enabled = false;

  constructor(
    private readonly start: (trigger: JobTrigger) => Promise<{ done: Promise<unknown> }>,
    private readonly logger: Logger,
    private readonly quietMs = SUGGESTIONS_QUIET_MS,
  ) {}

  /** Serving: from now on catalog writes regenerate; with none generated yet, generate now. */
  enable(generatedAt: string | undefined): void {
    this.enabled = true;
    if (generatedAt === undefined) {
      clearTimeout(this.timer);
      this.run('startup');
    }
  }

  /** A catalog write: regenerate once writes settle. */
  noteCatalogChange(): void {
    if (!this.enabled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run('catalog'), this.quietMs);
    this.timer.unref();
  }

  close(): void {
    this.enabled = false;
    clearTimeout(this.timer);
  }

  private run(trigger: JobTrigger): void {
    this.start(trigger).then(
      ({ done }) => done.catch(() => undefined),
      (error: unknown) => {
        // Running already (here or on another replica): it may have read the catalog before
        // this write, so try again after it.
        if ((error as { code?: string }).code === 'job_running') this.noteCatalogChange();
        else this.logger.warn({ err: error }, 'could not start the suggestions job');
      },
    );
  }
}
