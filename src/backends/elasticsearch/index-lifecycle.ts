/**
 * Physical indices are versioned (`<alias>-000001`, `<alias>-000002`, ...) behind one alias
 * the service reads and writes. Start-up makes sure the alias exists and matches the
 * mappings; a reindex builds the next version beside the serving one and swaps the alias
 * atomically only once the new index is complete.
 */
import type { Client } from '@elastic/elasticsearch';
import { BackendUnavailableError, type IndexedProduct } from '../../catalog/search-backend.ts';
import { ServiceError } from '../../main/errors.ts';
import { BulkIndexError, type BulkIndexOptions, bulkIndex } from './bulk-indexing.ts';
import { BUSY_RETRY_AFTER_SECONDS, errorType } from './client.ts';
import type { IndexDefinition } from './index-settings.ts';
import { findMappingConflicts, MappingConflictError } from './mapping-conflicts.ts';
import { toSearchDocument } from './search-document.ts';

const VERSION_DIGITS = 6;

export function versionedIndexName(alias: string, version: number): string {
  return `${alias}-${String(version).padStart(VERSION_DIGITS, '0')}`;
}

/** The version of `<alias>-<digits>`, or undefined for any other name. */
export function indexVersion(alias: string, index: string): number | undefined {
  const prefix = `${alias}-`;
  if (!index.startsWith(prefix)) return undefined;
  const digits = index.slice(prefix.length);
  return /^\d{6,}$/.test(digits) ? Number(digits) : undefined;
}

export interface VersionedIndex {
  name: string;
  version: number;
  /** The alias points to it. */
  serving: boolean;
}

/** The alias's versioned indices, newest first. */
export async function listVersionedIndices(client: Client, alias: string): Promise<VersionedIndex[]> {
  const indices = await client.indices.get({
    index: `${alias}-*`,
    features: ['aliases'],
    expand_wildcards: ['open', 'closed'],
  });
  return Object.entries(indices)
    .flatMap(([name, state]) => {
      const version = indexVersion(alias, name);
      return version === undefined ? [] : [{ name, version, serving: alias in (state.aliases ?? {}) }];
    })
    .sort((a, b) => b.version - a.version);
}

/** The indices the alias points to now (none when it does not exist). */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  if (!(await client.indices.existsAlias({ name: alias }))) return [];
  return Object.keys(await client.indices.getAlias({ name: alias }));
}

/** Refuses to serve from an index whose mapping disagrees with the expected one. */
export async function checkServingMapping(
  client: Client,
  alias: string,
  definition: IndexDefinition,
): Promise<void> {
  const live = await client.indices.getMapping({ index: alias });
  const conflicts = Object.entries(live).flatMap(([index, { mappings }]) =>
    findMappingConflicts(definition.mappings, mappings).map((conflict) => `${index}: ${conflict}`),
  );
  if (conflicts.length > 0) throw new MappingConflictError(alias, conflicts);
}

export interface ServingIndex {
  index: string;
  created: boolean;
}

/**
 * Start-up: when the alias is missing, create the next versioned index with the alias in
 * one request (replicas starting together race on the same name, and the loser finds the
 * alias); otherwise check the serving index's mapping.
 */
export async function ensureServingIndex(
  client: Client,
  alias: string,
  definition: IndexDefinition,
): Promise<ServingIndex> {
  const current = await aliasTargets(client, alias);
  if (current.length > 0) {
    await checkServingMapping(client, alias, definition);
    return { index: current[0]!, created: false };
  }
  if (await client.indices.exists({ index: alias })) {
    throw new ServiceError(
      'index_conflict',
      `"${alias}" is an index, not an alias: the service serves from versioned indices behind an alias. ` +
        `Reindex into a new alias (ELASTICSEARCH_INDEX) or delete the index "${alias}".`,
    );
  }
  const existing = await listVersionedIndices(client, alias);
  const index = versionedIndexName(alias, (existing[0]?.version ?? 0) + 1);
  try {
    await client.indices.create({
      index,
      settings: definition.settings,
      mappings: definition.mappings,
      aliases: { [alias]: {} },
    });
    return { index, created: true };
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
    if ((await aliasTargets(client, alias)).length === 0) {
      throw new ServiceError(
        'index_conflict',
        `index ${index} exists but alias "${alias}" does not point to it; add the alias or delete the index`,
      );
    }
    await checkServingMapping(client, alias, definition);
    return { index, created: false };
  }
}

export interface ReindexOptions {
  client: Client;
  alias: string;
  definition: IndexDefinition;
  /** Every product the new index should hold, in batches (e.g. a catalog file, embedded). */
  batches: AsyncIterable<readonly IndexedProduct[]>;
  /** Versioned indices to keep after the swap, the new one included (at least 1). */
  keep: number;
  /** Swap even when the source yielded no product (default: refuse, an empty source is usually a broken one). */
  allowEmpty?: boolean;
  bulk?: Pick<BulkIndexOptions, 'retries' | 'waitMs' | 'flushBytes' | 'concurrency'>;
  /**
   * The client for the bulk load, refresh and count: a longer timeout than a search and
   * resent after a timeout (`longRequestClients`), so one slow bulk does not abort the
   * reindex. Default: `client`.
   */
  bulkClient?: Client;
}

export interface ReindexReport {
  /** The new serving index. */
  index: string;
  /** The indices the alias pointed to before. */
  previous: string[];
  documents: number;
  pruned: string[];
  /** Why pruning failed, when it did (the swap stands). */
  pruneError?: string;
  tookMs: number;
}

export class ReindexError extends ServiceError {
  constructor(
    readonly index: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      'index_write_failed',
      `reindex into ${index} failed, the alias was left as it was: ${message}`,
      options,
    );
  }
}

export interface BuiltIndex {
  index: string;
  documents: number;
  startedAt: number;
}

/**
 * Creates `<alias>-<next version>` from the index definition, bulk-loads it, refreshes it
 * and checks its document count. The alias is not touched; on failure the half-built
 * index is deleted.
 */
export async function buildVersionedIndex(options: Omit<ReindexOptions, 'keep'>): Promise<BuiltIndex> {
  const { client, alias, definition } = options;
  const startedAt = performance.now();
  const existing = await listVersionedIndices(client, alias);
  const index = versionedIndexName(alias, (existing[0]?.version ?? 0) + 1);
  await client.indices.create({ index, settings: definition.settings, mappings: definition.mappings });
  const ids = new Set<string>();
  try {
    async function* documents() {
      for await (const batch of options.batches) {
        for (const item of batch) {
          ids.add(item.product.id);
          yield toSearchDocument(item);
        }
      }
    }
    const bulkClient = options.bulkClient ?? client;
    const result = await bulkIndex(bulkClient, { index, documents: documents(), ...options.bulk });
    if (result.failed > 0 && result.failures.every((f) => f.status === 429)) {
      throw new BackendUnavailableError(
        `Elasticsearch refused ${result.failed} document(s) written to ${index}: too many requests`,
        { busy: true, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
      );
    }
    if (result.failed > 0) throw new BulkIndexError(index, result);
    if (ids.size === 0 && !options.allowEmpty) {
      throw new ReindexError(index, 'the source yielded no products; refusing to serve an empty index');
    }
    await bulkClient.indices.refresh({ index });
    const { count } = await bulkClient.count({ index });
    if (count !== ids.size) {
      throw new ReindexError(
        index,
        `the new index holds ${count} documents but ${ids.size} products were sent`,
      );
    }
  } catch (error) {
    await deleteIndexQuietly(client, index);
    // "Come back later" stays what it is (503, cluster_busy): the serving index is untouched.
    if (error instanceof BackendUnavailableError) throw error;
    throw error instanceof ReindexError
      ? error
      : new ReindexError(index, (error as Error).message ?? String(error), { cause: error });
  }
  return { index, documents: ids.size, startedAt };
}

export async function deleteIndexQuietly(client: Client, index: string): Promise<void> {
  await client.indices.delete({ index }, { ignore: [404] }).catch(() => undefined);
}

/**
 * Points the alias at a built index in one atomic `updateAliases` call (remove the old
 * targets, add the new one) and prunes old versions, keeping `keep`.
 */
export async function switchAlias(
  client: Client,
  alias: string,
  built: BuiltIndex,
  keep: number,
): Promise<ReindexReport> {
  const previous = await aliasTargets(client, alias);
  await client.indices.updateAliases({
    actions: [
      ...previous.map((old) => ({ remove: { index: old, alias } })),
      { add: { index: built.index, alias } },
    ],
  });
  const report: ReindexReport = {
    index: built.index,
    previous,
    documents: built.documents,
    pruned: [],
    tookMs: 0,
  };
  try {
    report.pruned = await pruneIndices(client, alias, keep);
  } catch (error) {
    report.pruneError = (error as Error).message;
  }
  report.tookMs = Math.round(performance.now() - built.startedAt);
  return report;
}

/**
 * Full reindex: build the next versioned index, then switch the alias to it. Any failure
 * before the switch leaves the alias serving the old index.
 */
export async function reindex(options: ReindexOptions): Promise<ReindexReport> {
  const built = await buildVersionedIndex(options);
  try {
    return await switchAlias(options.client, options.alias, built, options.keep);
  } catch (error) {
    await deleteIndexQuietly(options.client, built.index);
    throw new ReindexError(built.index, (error as Error).message ?? String(error), { cause: error });
  }
}

/** Deletes all but the newest `keep` versioned indices; an index the alias points to is never deleted. */
export async function pruneIndices(client: Client, alias: string, keep: number): Promise<string[]> {
  const indices = await listVersionedIndices(client, alias);
  const doomed = indices
    .filter((entry, i) => i >= Math.max(1, keep) && !entry.serving)
    .map((entry) => entry.name);
  if (doomed.length > 0) await client.indices.delete({ index: doomed });
  return doomed;
}
