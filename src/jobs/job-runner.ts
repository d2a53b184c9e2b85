/**
 * Runs maintenance jobs: takes the job's lock (no overlap, also across replicas), records
 * the run, renews the lock while the job works, and records how it ended. Jobs get an
 * AbortSignal and stop at their next safe point when the service shuts down or the lock
 * is lost.
 */
import os from 'node:os';
import { ServiceError } from '../main/errors.ts';
import type { Logger } from '../main/logger.ts';
import { type JobName, type JobRun, type JobStore, type JobTrigger, newRunId } from './job-store.ts';

export interface JobContext {
  signal: AbortSignal;
  trigger: JobTrigger;
  logger: Logger;
  /** Reports how far the job is (shown by `jobs list` and /v1/admin/jobs while it runs). */
  progress(stage: string, done: number, total: number): void;
}

/** A running job's progress reaches the run history (other processes read it) this often at most. */
const PROGRESS_SAVE_MS = 5_000;

export interface JobResult {
  counts?: Record<string, number>;
  summary?: string;
}

export type JobHandler = (context: JobContext) => Promise<JobResult>;

export interface JobObserver {
  finished(run: JobRun): void;
}

export class JobRunner {
  readonly owner = `${os.hostname()}:${process.pid}`;
  private readonly active = new Map<
    JobName,
    { run: JobRun; controller: AbortController; done: Promise<JobRun> }
  >();

  constructor(
    private readonly store: JobStore,
    private readonly handlers: Record<JobName, JobHandler>,
    private readonly logger: Logger,
    private readonly options: { lockTtlMs: number; observer?: JobObserver } = { lockTtlMs: 120_000 },
  ) {}

  running(): JobRun[] {
    return [...this.active.values()].map((a) => a.run);
  }

  /** Starts a run now; resolves when it has started (lock taken, run recorded). */
  async start(job: JobName, trigger: JobTrigger): Promise<{ run: JobRun; done: Promise<JobRun> }> {
    if (this.active.has(job) || !(await this.store.acquireLock(job, this.owner, this.options.lockTtlMs))) {
      throw new ServiceError('job_running', `job ${job} is already running (here or on another replica)`);
    }
    const run: JobRun = {
      id: newRunId(),
      job,
      trigger,
      owner: this.owner,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    await this.store.saveRun(run);
    const controller = new AbortController();
    const done = this.execute(run, controller);
    this.active.set(job, { run, controller, done });
    return { run, done };
  }

  /** Runs and waits for the end. */
  async run(job: JobName, trigger: JobTrigger): Promise<JobRun> {
    return (await this.start(job, trigger)).done;
  }

  /** Asks running jobs to stop at their next safe point and waits for them (up to `graceMs`). */
  async shutdown(graceMs: number): Promise<void> {
    const runs = [...this.active.values()];
    if (runs.length === 0) return;
    for (const { controller } of runs) controller.abort(new Error('the service is shutting down'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(runs.map((r) => r.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async execute(run: JobRun, controller: AbortController): Promise<JobRun> {
    const started = performance.now();
    const heartbeat = setInterval(
      () => {
        this.store
          .renewLock(run.job, this.owner, this.options.lockTtlMs)
          .then((held) => {
            if (!held) controller.abort(new Error('the job lock was lost to another owner'));
          })
          .catch((error: unknown) =>
            this.logger.warn({ err: error, job: run.job }, 'job lock renewal failed'),
          );
      },
      Math.max(1000, this.options.lockTtlMs / 3),
    );
    heartbeat.unref();
    const logger = this.logger.child({ job: run.job, run: run.id });
    logger.info({ trigger: run.trigger }, 'job started');
    let savedProgressAt = 0;
    const progress = (stage: string, done: number, total: number) => {
      run.progress = { stage, done, total, updatedAt: new Date().toISOString() };
      if (Date.now() - savedProgressAt < PROGRESS_SAVE_MS) return;
      savedProgressAt = Date.now();
      this.store
        .saveRun(run)
        .catch((error: unknown) => logger.warn({ err: error }, 'saving job progress failed'));
    };
    try {
      const result = await this.handlers[run.job]({
        signal: controller.signal,
        trigger: run.trigger,
        logger,
        progress,
      });
      controller.signal.throwIfAborted();
      Object.assign(run, { status: 'succeeded', ...result });
    } catch (error) {
      const aborted = controller.signal.aborted;
      Object.assign(run, {
        status: aborted ? 'aborted' : 'failed',
        error: aborted
          ? String((controller.signal.reason as Error)?.message ?? controller.signal.reason)
          : (error as Error).message,
      });
      logger.error({ err: error }, aborted ? 'job aborted' : 'job failed');
    } finally {
      clearInterval(heartbeat);
      run.finishedAt = new Date().toISOString();
      run.durationSeconds = Math.round((performance.now() - started) / 10) / 100;
      await this.store.saveRun(run);
      await this.store.releaseLock(run.job, this.owner);
      this.active.delete(run.job);
      this.options.observer?.finished(run);
      logger.info({ status: run.status, seconds: run.durationSeconds, counts: run.counts }, 'job finished');
    }
    return run;
  }
}
