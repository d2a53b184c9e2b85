/**
 * Job locks and run history in the Elasticsearch cluster, so the replicas of a stateless
 * deployment (and the CronJob pods beside them) share one lock per job and one history.
 *
 * A lock is one document per job in `<alias>-job-locks`. Taking, renewing and releasing it
 * are scripted updates: Elasticsearch runs each one atomically on the document (read,
 * decide, write under its version), so of two replicas racing for an expired lock exactly
 * one wins; the other sees a `noop` or a version conflict and stays out.
 * Runs are documents in `<alias>-job-runs`, written with `refresh: wait_for` so that the
 * history read right after a run ends shows it.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { JobName, JobRun, JobStore } from '../../jobs/job-store.ts';
import { errorType } from './client.ts';
import { ClusterResource, ensureIndex } from './cluster.ts';

/** Take the lock when it is free, expired, or already ours. */
export const ACQUIRE_LOCK_SCRIPT =
  'if (ctx._source.owner == params.owner || ctx._source.expires_at <= params.now) ' +
  '{ ctx._source.owner = params.owner; ctx._source.expires_at = params.expires_at; } ' +
  "else { ctx.op = 'noop'; }";
/** Extend the lock only while it is still ours. */
export const RENEW_LOCK_SCRIPT =
  'if (ctx._source.owner == params.owner) { ctx._source.expires_at = params.expires_at; } ' +
  "else { ctx.op = 'noop'; }";
/** Delete the lock only if it is ours. */
export const RELEASE_LOCK_SCRIPT =
  "if (ctx._source.owner == params.owner) { ctx.op = 'delete'; } else { ctx.op = 'noop'; }";

const LOCK_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: { owner: { type: 'keyword' }, expires_at: { type: 'long' } },
};
const RUN_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    job: { type: 'keyword' },
    started_at: { type: 'date' },
    // The run as the API shows it; kept, not searched.
    run: { type: 'object', enabled: false },
  },
};

export interface ElasticsearchJobStoreOptions {
  client: Client;
  /** The product alias (ELASTICSEARCH_INDEX); the job indices are named after it. */
  alias: string;
}

export function jobIndexNames(alias: string): { locks: string; runs: string } {
  return { locks: `${alias}-job-locks`, runs: `${alias}-job-runs` };
}

export class ElasticsearchJobStore implements JobStore {
  private readonly indices: { locks: string; runs: string };
  private readonly cluster: ClusterResource;

  constructor(options: ElasticsearchJobStoreOptions) {
    const indices = jobIndexNames(options.alias);
    this.indices = indices;
    this.cluster = new ClusterResource(options.client, {
      recreateMissing: true,
      setUp: async (client) => {
        await Promise.all([
          ensureIndex(client, indices.locks, LOCK_MAPPINGS),
          ensureIndex(client, indices.runs, RUN_MAPPINGS),
        ]);
      },
    });
  }

  async acquireLock(job: JobName, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.scriptedUpdate(job, ACQUIRE_LOCK_SCRIPT, { owner, now, expires_at: now + ttlMs }, true);
  }

  async renewLock(job: JobName, owner: string, ttlMs: number): Promise<boolean> {
    return this.scriptedUpdate(job, RENEW_LOCK_SCRIPT, { owner, expires_at: Date.now() + ttlMs }, false);
  }

  async releaseLock(job: JobName, owner: string): Promise<void> {
    await this.scriptedUpdate(job, RELEASE_LOCK_SCRIPT, { owner }, false);
  }

  async saveRun(run: JobRun): Promise<void> {
    await this.cluster.call((client) =>
      client.index({
        index: this.indices.runs,
        id: run.id,
        document: { job: run.job, started_at: run.startedAt, run },
        refresh: 'wait_for',
      }),
    );
  }

  async runs(options: { job?: JobName; limit?: number } = {}): Promise<JobRun[]> {
    const response = await this.cluster.call((client) =>
      client.search<{ run: JobRun }>({
        index: this.indices.runs,
        query: options.job ? { term: { job: options.job } } : { match_all: {} },
        sort: [{ started_at: 'desc' }],
        size: options.limit ?? 50,
      }),
    );
    return response.hits.hits.map((hit) => hit._source!.run);
  }

  /** The client is the caller's (createStores). */
  async close(): Promise<void> {}

  /** True when the script changed the lock (created, updated or deleted it). */
  private async scriptedUpdate(
    job: JobName,
    source: string,
    params: Record<string, unknown>,
    create: boolean,
  ): Promise<boolean> {
    try {
      const response = await this.cluster.call((client) =>
        client.update({
          index: this.indices.locks,
          id: job,
          script: { source, lang: 'painless', params },
          ...(create && { upsert: { owner: params.owner, expires_at: params.expires_at } }),
          retry_on_conflict: 0,
        }),
      );
      return response.result !== 'noop';
    } catch (error) {
      const type = errorType(error);
      // Another replica changed the lock at the same moment (it won), or there is no lock.
      if (type === 'version_conflict_engine_exception' || type === 'document_missing_exception') return false;
      throw error;
    }
  }
}
