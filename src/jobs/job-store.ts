/**
 * Where job locks and run history live. The lock has an expiry and is renewed while a run
 * is alive, so a job never runs twice at once, also not across replicas, and a crashed
 * run's lock frees itself. SQLite here (`DATA_DIR/jobs.db`); Elasticsearch deployments keep
 * the same records in the cluster (backends/elasticsearch/job-store.ts).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openSqliteFile } from '../backends/embedded/sqlite-file.ts';

export const JOB_NAMES = ['reindex', 'suggestions', 'retrain'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'aborted';
export type JobTrigger = 'schedule' | 'api' | 'cli';

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

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqliteFile(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS job_locks (job TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS job_runs (
        id TEXT PRIMARY KEY, job TEXT NOT NULL, started_at TEXT NOT NULL, run TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS job_runs_started ON job_runs(job, started_at);
    `);
  }

  async acquireLock(job: JobName, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    // One statement: insert, or take over only an expired lock (or re-take our own).
    const result = this.db
      .prepare(
        `INSERT INTO job_locks(job, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT(job) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE job_locks.expires_at <= ? OR job_locks.owner = excluded.owner`,
      )
      .run(job, owner, now + ttlMs, now);
    return result.changes === 1;
  }

  async renewLock(job: JobName, owner: string, ttlMs: number): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE job_locks SET expires_at = ? WHERE job = ? AND owner = ?')
      .run(Date.now() + ttlMs, job, owner);
    return result.changes === 1;
  }

  async releaseLock(job: JobName, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM job_locks WHERE job = ? AND owner = ?').run(job, owner);
  }

  async saveRun(run: JobRun): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO job_runs(id, job, started_at, run) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET run = excluded.run`,
      )
      .run(run.id, run.job, run.startedAt, JSON.stringify(run));
  }

  async runs(options: { job?: JobName; limit?: number } = {}): Promise<JobRun[]> {
    const limit = options.limit ?? 50;
    const rows = (
      options.job
        ? this.db
            .prepare('SELECT run FROM job_runs WHERE job = ? ORDER BY started_at DESC LIMIT ?')
            .pluck()
            .all(options.job, limit)
        : this.db.prepare('SELECT run FROM job_runs ORDER BY started_at DESC LIMIT ?').pluck().all(limit)
    ) as string[];
    return rows.map((row) => JSON.parse(row) as JobRun);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
