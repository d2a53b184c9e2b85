/**
 * The behaviour every JobStore must show, written once: the SQLite store and the
 * Elasticsearch store (on the fake cluster and on a real one) run the same suite. `replicas`
 * are stores on the same data, as the replicas of one deployment (or a CronJob pod) hold.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRun, JobStore } from '../../src/jobs/job-store.ts';

export interface JobStoresUnderTest {
  /** At least three stores on the same data. */
  replicas: JobStore[];
  /** Closes the stores and removes the data. */
  dispose(): Promise<void>;
}

function run(id: string, overrides: Partial<JobRun> = {}): JobRun {
  return {
    id,
    job: 'reindex',
    trigger: 'api',
    owner: 'pod-a',
    status: 'running',
    startedAt: '2026-11-22T10:00:00.000Z',
    ...overrides,
  };
}

export function describeJobStoreConformance(name: string, open: () => Promise<JobStoresUnderTest>): void {
  describe(`JobStore conformance: ${name}`, () => {
    let under: JobStoresUnderTest;
    let a: JobStore;
    let b: JobStore;

    beforeEach(async () => {
      under = await open();
      [a, b] = under.replicas as [JobStore, JobStore];
    });
    afterEach(() => under.dispose());

    it('gives a lock to one owner at a time, and again to the one holding it', async () => {
      expect(await a.acquireLock('reindex', 'pod-a', 60_000)).toBe(true);
      expect(await b.acquireLock('reindex', 'pod-b', 60_000)).toBe(false);
      expect(await a.acquireLock('reindex', 'pod-a', 60_000)).toBe(true);
      // Locks are per job.
      expect(await b.acquireLock('retrain', 'pod-b', 60_000)).toBe(true);
    });

    it('lets exactly one of several replicas racing for a free lock win', async () => {
      const won = await Promise.all(
        under.replicas.map((store, i) => store.acquireLock('suggestions', `pod-${i}`, 60_000)),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('frees an expired lock (a crashed owner), and its owner can no longer renew it', async () => {
      expect(await a.acquireLock('reindex', 'pod-a', 30)).toBe(true);
      await sleep(60);
      expect(await b.acquireLock('reindex', 'pod-b', 60_000)).toBe(true);
      expect(await a.renewLock('reindex', 'pod-a', 60_000)).toBe(false);
      expect(await a.acquireLock('reindex', 'pod-a', 60_000)).toBe(false);
    });

    it('keeps a renewed lock past its first expiry', async () => {
      expect(await a.acquireLock('reindex', 'pod-a', 150)).toBe(true);
      expect(await a.renewLock('reindex', 'pod-a', 60_000)).toBe(true);
      await sleep(200);
      expect(await b.acquireLock('reindex', 'pod-b', 60_000)).toBe(false);
    });

    it('is released by its owner only', async () => {
      expect(await a.acquireLock('reindex', 'pod-a', 60_000)).toBe(true);
      await b.releaseLock('reindex', 'pod-b');
      expect(await b.acquireLock('reindex', 'pod-b', 60_000)).toBe(false);
      await a.releaseLock('reindex', 'pod-a');
      expect(await b.acquireLock('reindex', 'pod-b', 60_000)).toBe(true);
      // Renewing or releasing a lock nobody holds is no error.
      await a.releaseLock('retrain', 'pod-a');
      expect(await a.renewLock('retrain', 'pod-a', 1000)).toBe(false);
    });

    it('records runs, updates them by id, and lists them most recent first for every replica', async () => {
      await a.saveRun(run('r1'));
      await a.saveRun(
        run('r1', { status: 'succeeded', finishedAt: '2026-11-22T10:05:00.000Z', counts: { documents: 9 } }),
      );
      await b.saveRun(
        run('r2', { job: 'retrain', startedAt: '2026-11-22T11:00:00.000Z', summary: 'promoted' }),
      );
      await b.saveRun(run('r3', { startedAt: '2026-11-22T12:00:00.000Z', status: 'failed', error: 'boom' }));

      const all = await a.runs();
      expect(all.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
      expect(all[2]).toMatchObject({ status: 'succeeded', counts: { documents: 9 } });
      expect(all[1]).toMatchObject({ job: 'retrain', summary: 'promoted' });
      expect((await b.runs({ job: 'reindex' })).map((r) => r.id)).toEqual(['r3', 'r1']);
      expect((await b.runs({ limit: 1 })).map((r) => r.id)).toEqual(['r3']);
      expect(await b.runs({ job: 'suggestions' })).toEqual([]);
    });
  });
}
