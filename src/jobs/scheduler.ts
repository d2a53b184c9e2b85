/**
 * In-process scheduling of the maintenance jobs with node-cron, from `mappings/jobs.yaml`.
 * Switched off with JOBS_SCHEDULER=off when Kubernetes CronJobs run `jobs run <name>`.
 * Every replica may schedule: the job lock lets one of them run each time.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { isServiceError } from '../main/errors.ts';
import type { Logger } from '../main/logger.ts';
import type { JobRunner } from './job-runner.ts';
import { JOB_NAMES, type JobName } from './job-store.ts';
import type { JobsSettings } from './jobs-settings.ts';

export interface ScheduledJob {
  job: JobName;
  schedule: string;
  enabled: boolean;
  timezone: string;
  nextRun: string | null;
}

export class JobScheduler {
  private tasks = new Map<JobName, ScheduledTask>();

  constructor(
    private readonly runner: JobRunner,
    private readonly settings: () => JobsSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stop();
    const { timezone, jobs } = this.settings();
    for (const job of JOB_NAMES) {
      if (!jobs[job].enabled) continue;
      const task = cron.schedule(
        jobs[job].schedule,
        async () => {
          try {
            await this.runner.run(job, 'schedule');
          } catch (error) {
            if (isServiceError(error, 'job_running'))
              this.logger.info({ job }, 'scheduled run skipped: already running');
            else this.logger.error({ err: error, job }, 'scheduled run could not start');
          }
        },
        { timezone, name: `job:${job}`, noOverlap: true },
      );
      task.unref();
      this.tasks.set(job, task);
    }
    this.logger.info({ jobs: [...this.tasks.keys()], timezone }, 'job scheduler started');
  }

  /** Picks up edited schedules (mappings/jobs.yaml is reloaded while the service runs). */
  restart(): void {
    if (this.tasks.size > 0) this.start();
  }

  stop(): void {
    for (const task of this.tasks.values()) void task.destroy();
    this.tasks.clear();
  }

  describe(): ScheduledJob[] {
    const { timezone, jobs } = this.settings();
    return JOB_NAMES.map((job) => ({
      job,
      schedule: jobs[job].schedule,
      enabled: jobs[job].enabled,
      timezone,
      nextRun: this.tasks.get(job)?.getNextRun()?.toISOString() ?? null,
    }));
  }
}
