/** Job locks and run history in SQLite (`DATA_DIR/jobs.db`), shared by processes on one data directory. */
import type Database from 'better-sqlite3';
import type { JobName, JobRun, JobStore } from '../../jobs/job-store.ts';
import { openSqliteFile } from './sqlite-file.ts';

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
