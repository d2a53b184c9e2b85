/**
 * What every Elasticsearch store does the same way: set up its indices (or alias) once, on
 * first use, and again after a failure (nothing about a failure is remembered, so a store
 * recovers by itself when the cluster returns); turn connection failures into
 * BackendUnavailableError (503 + Retry-After); and send bulk requests whose items the
 * cluster refused with 429 are resent after a wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, estypes } from '@elastic/elasticsearch';
import { BackendUnavailableError } from '../../catalog/search-backend.ts';
import type { Logger } from '../../main/logger.ts';
import { BulkIndexError } from './bulk-indexing.ts';
import { errorType, toBackendError } from './client.ts';

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
}

const BULK_OPERATIONS_PER_REQUEST = 1000;
const REJECTED_RESENDS = 2;
const REPORTED_FAILURES = 20;

export class ClusterResource {
  private setUp: Promise<void> | undefined;
  private ready = false;

  constructor(
    readonly client: Client,
    private readonly options: ClusterResourceOptions,
  ) {}

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
  async call<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    await this.ensure();
    try {
      return await operation(this.client);
    } catch (error) {
      if (this.options.recreateMissing && errorType(error) === 'index_not_found_exception') {
        this.ready = false;
        this.setUp = undefined;
      }
      throw toBackendError(error);
    }
  }

  /** The operations in bulk requests of 1000; items refused with 429 are resent after a wait. */
  bulk(operations: readonly BulkOperation[]): Promise<estypes.BulkResponseItem[]> {
    return this.call(async (client) => {
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

/** Creates an index; replicas starting together race to create, the losers (and later versions) add missing fields. */
export async function ensureIndex(
  client: Client,
  index: string,
  mappings: estypes.MappingTypeMapping,
  logger?: Logger,
): Promise<void> {
  try {
    await client.indices.create({ index, mappings });
    logger?.info({ index }, 'Elasticsearch index created');
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
    await client.indices.putMapping({ index, ...mappings });
  }
}
