/**
 * Where job locks and run history live. The lock has an expiry and is renewed while a run
 * is alive, so a job never runs twice at once, also not across replicas, and a crashed
 * run's lock frees itself. Adapters: SQLite (`DATA_DIR/jobs.db`) and, for Elasticsearch
 * deployments, the cluster (`backends/<engine>/job-store.ts`).
 */
import { randomUUID } from 'node:crypto';

export const JOB_NAMES = ['reindex', 'suggestions', 'retrain', 'recommendations', 'retention'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'aborted';
export type JobTrigger = 'schedule' | 'api' | 'cli' | 'catalog' | 'startup';

/** How far a running job is: the step it is on and how much of it is done. */
export interface JobProgress {
  stage: string;
  done: number;
  total: number;
  updatedAt: string;
}

export interface JobRun {
  id: string;
  job: JobName;
  trigger: JobTrigger;
  owner: string;
  status: JobStatus;
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  /** What the run did, in numbers (products indexed, suggestions written, ...). */
  counts?: Record<string, number>;
  /** The decision or outcome in words, where there is one (e.g. promoted or not). */
  summary?: string;
  error?: string;
  /** While it runs (and where it stopped): see JobProgress. */
  progress?: JobProgress;
}

export interface JobStore {
  /** Takes the job's lock for `ttlMs` unless another live owner holds it. */
  acquireLock(job: JobName, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a held lock; false when it was lost (expired and taken over). */
  renewLock(job: JobName, owner: string, ttlMs: number): Promise<boolean>;
  releaseLock(job: JobName, owner: string): Promise<void>;
  saveRun(run: JobRun): Promise<void>;
  /** Most recent first. */
  runs(options?: { job?: JobName; limit?: number }): Promise<JobRun[]>;
  close(): Promise<void>;
}

export function newRunId(): string {
  return randomUUID();
}
