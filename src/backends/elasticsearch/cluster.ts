/**
 * What every Elasticsearch store does the same way: set up its indices (or alias) once, on
 * first use, and again after a failure (nothing about a failure is remembered, so a store
 * recovers by itself when the cluster returns); turn connection failures into
 * BackendUnavailableError (503 + Retry-After); and send bulk requests whose items the
 * cluster refused with 429 are resent after a wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, errors, type estypes } from '@elastic/elasticsearch';
import { BackendUnavailableError } from '../../catalog/search-backend.ts';
import type { Logger } from '../../main/logger.ts';
import { BulkIndexError } from './bulk-indexing.ts';
import { BUSY_RETRY_AFTER_SECONDS, errorType, longRequestClients, toBackendError } from './client.ts';

export interface BulkOperation {
  action: estypes.BulkOperationContainer;
  body: unknown;
}

export interface ClusterResourceOptions {
  setUp: (client: Client) => Promise<void>;
  /** Set up again after an index was deleted behind the service's back (stores; not the product alias). */
  recreateMissing?: boolean;
  /** Wait before resending bulk items refused with 429 (default 200 ms, 2 resends). */
  rejectedRetryWaitMs?: number;
  /** Timeout of bulk writes, refreshes and other long work (ELASTICSEARCH_BULK_TIMEOUT_MS). */
  bulkTimeoutMs?: number;
}

export interface CallOptions {
  /** Long work, safe to send again after a timeout (refresh, delete-by-query, paged reads). */
  long?: boolean;
}

export interface BulkCallOptions {
  /** False for work that must not run twice (scripted increments): never resent after a timeout. */
  idempotent?: boolean;
}

const BULK_OPERATIONS_PER_REQUEST = 1000;
const REJECTED_RESENDS = 2;
const REPORTED_FAILURES = 20;

export class ClusterResource {
  private setUp: Promise<void> | undefined;
  private ready = false;
  /** Clients for long work: resent after a timeout (idempotent) or not (once). */
  readonly long: { idempotent: Client; once: Client };

  constructor(
    readonly client: Client,
    private readonly options: ClusterResourceOptions,
  ) {
    this.long = longRequestClients(client, options.bulkTimeoutMs);
  }

  ensure(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.setUp ??= this.options.setUp(this.client).then(
      () => {
        this.ready = true;
      },
      (error: unknown) => {
        this.setUp = undefined; // the next call tries again
        throw toBackendError(error);
      },
    );
    return this.setUp;
  }

  /** Set up if needed, run, and turn connection failures into BackendUnavailableError. */
  async call<T>(operation: (client: Client) => Promise<T>, options: CallOptions = {}): Promise<T> {
    await this.ensure();
    try {
      return await operation(options.long ? this.long.idempotent : this.client);
    } catch (error) {
      if (this.options.recreateMissing && errorType(error) === 'index_not_found_exception') {
        this.ready = false;
        this.setUp = undefined;
      }
      throw toBackendError(error);
    }
  }

  /** The operations in bulk requests of 1000; items refused with 429 are resent after a wait. */
  bulk(
    operations: readonly BulkOperation[],
    options: BulkCallOptions = {},
  ): Promise<estypes.BulkResponseItem[]> {
    return this.call(async () => {
      const client = options.idempotent === false ? this.long.once : this.long.idempotent;
      const results: estypes.BulkResponseItem[] = new Array(operations.length);
      for (let start = 0; start < operations.length; start += BULK_OPERATIONS_PER_REQUEST) {
        const end = Math.min(operations.length, start + BULK_OPERATIONS_PER_REQUEST);
        let todo = Array.from({ length: end - start }, (_, i) => start + i);
        for (let resend = 0; todo.length > 0; resend++) {
          const response = await client.bulk({
            operations: todo.flatMap((i) => [operations[i]!.action, operations[i]!.body]),
          });
          const rejected: number[] = [];
          response.items.forEach((item, k) => {
            const i = todo[k]!;
            results[i] = (item.create ?? item.index ?? item.update ?? item.delete)!;
            if (results[i].status === 429) rejected.push(i);
          });
          if (resend >= REJECTED_RESENDS) break;
          if (rejected.length > 0) await sleep(this.options.rejectedRetryWaitMs ?? 200);
          todo = rejected;
        }
      }
      return results;
    });
  }
}

export function isWritten(item: estypes.BulkResponseItem): boolean {
  return item.status >= 200 && item.status < 300;
}

/** 429s only: the cluster is overloaded (503 and Retry-After); anything else names the documents. */
export function throwIfRefused(
  index: string,
  refused: readonly { id: string; item: estypes.BulkResponseItem }[],
  written: number,
): void {
  if (refused.length === 0) return;
  if (refused.every(({ item }) => item.status === 429)) {
    throw new BackendUnavailableError(
      `Elasticsearch refused ${refused.length} write(s) to ${index}: too many requests`,
      { busy: true, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
    );
  }
  throw new BulkIndexError(index, {
    indexed: written,
    failed: refused.length,
    failures: refused.slice(0, REPORTED_FAILURES).map(({ id, item }) => ({
      id,
      status: item.status,
      reason: item.error?.reason ?? item.error?.type ?? `refused with status ${item.status}`,
    })),
  });
}

/** The items that were not written, named by `idOf` (operation i). */
export function refusedItems(
  results: readonly estypes.BulkResponseItem[],
  idOf: (i: number) => string,
): { id: string; item: estypes.BulkResponseItem }[] {
  return results.flatMap((item, i) => (isWritten(item) ? [] : [{ id: idOf(i), item }]));
}

/** Above the built-in templates (100) and most hand-made ones: the service's mappings win for its own indices. */
export const TEMPLATE_PRIORITY = 500;

/**
 * An index template for exactly this index name, with its mappings: should the index be
 * deleted while the service runs (by hand, by a cleanup script), the next write re-creates
 * it with these mappings instead of dynamic ones. A cluster that refuses templates (an API
 * key without `manage_index_templates`) is logged and the index still created explicitly.
 */
export async function ensureIndexTemplate(
  client: Client,
  index: string,
  mappings: estypes.MappingTypeMapping,
  logger?: Logger,
): Promise<void> {
  try {
    await client.indices.putIndexTemplate({
      name: index,
      index_patterns: [index],
      priority: TEMPLATE_PRIORITY,
      template: { mappings },
      _meta: { managed_by: 'hybrid-product-search' },
    });
  } catch (error) {
    if (!(error instanceof errors.ResponseError) || error.statusCode !== 403) throw error;
    logger?.warn(
      { index, reason: error.message },
      'cannot install the index template (needs the manage_index_templates privilege); ' +
        'an index deleted while the service runs would come back with dynamic mappings',
    );
  }
}

/**
 * Installs the index's template, then creates it; replicas starting together race to
 * create, the losers (and later versions) add missing fields.
 */
export async function ensureIndex(
  client: Client,
  index: string,
  mappings: estypes.MappingTypeMapping,
  logger?: Logger,
): Promise<void> {
  await ensureIndexTemplate(client, index, mappings, logger);
  try {
    await client.indices.create({ index, mappings });
    logger?.info({ index }, 'Elasticsearch index created');
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
    await client.indices.putMapping({ index, ...mappings });
  }
}
