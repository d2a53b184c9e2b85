/**
 * How the Elasticsearch event store reads and deletes shopper documents: realtime multi-get
 * by key, sorted searches in `search_after` pages, refreshes before reads that search, and
 * delete-by-query whose partial outcomes are read instead of assumed away.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ServiceError } from '../../main/errors.ts';
import type { ClusterResource } from './cluster.ts';
import { documentId } from './shopper-indices.ts';

/** Delete-by-query rounds while documents keep changing under it (version conflicts). */
const DELETE_ATTEMPTS = 3;

export function refreshIndices(cluster: ClusterResource, ...indices: string[]): Promise<unknown> {
  return cluster.call((client) => client.indices.refresh({ index: indices }), { long: true });
}

/** Realtime multi-get: sees every acknowledged write, refreshed or not. */
export async function getMany<TDocument>(
  cluster: ClusterResource,
  index: string,
  keys: readonly string[],
): Promise<TDocument[]> {
  if (keys.length === 0) return [];
  const response = await cluster.call((client) =>
    client.mget<TDocument>({ index, ids: [...new Set(keys)].map(documentId) }),
  );
  return response.docs.flatMap((doc) => {
    if ('error' in doc) throw new Error(`${index}/${doc._id}: ${doc.error.reason ?? doc.error.type}`);
    return doc.found && doc._source ? [doc._source] : [];
  });
}

/** Pages of a sorted search, each after the last hit of the one before (`search_after`). */
export async function* searchPages<TDocument>(
  cluster: ClusterResource,
  index: string,
  query: estypes.QueryDslQueryContainer,
  sort: estypes.SortCombinations[],
  size: number,
): AsyncIterable<TDocument[]> {
  let after: estypes.SortResults | undefined;
  for (;;) {
    const response = await cluster.call(
      (client) =>
        client.search<TDocument>({
          index,
          query,
          sort,
          size,
          track_total_hits: false,
          ...(after && { search_after: after }),
        }),
      { long: true },
    );
    const hits = response.hits.hits;
    if (hits.length > 0) yield hits.map((hit) => hit._source!);
    if (hits.length < size) return;
    after = hits.at(-1)!.sort;
  }
}

/** The distinct session ids on the documents the query matches, over several sorted indices. */
export async function sessionIdsOf(
  cluster: ClusterResource,
  query: estypes.QueryDslQueryContainer,
  size: number,
  sources: readonly { index: string; sort: estypes.SortCombinations[] }[],
): Promise<string[]> {
  const sessions = new Set<string>();
  for (const { index, sort } of sources)
    for await (const page of searchPages<{ session_id?: string }>(cluster, index, query, sort, size))
      for (const doc of page) if (doc.session_id !== undefined) sessions.add(doc.session_id);
  return [...sessions];
}

/**
 * Deletes every document the query matches and returns how many. A delete-by-query that
 * answers 200 can still have left documents: shard or bulk `failures`, or
 * `version_conflicts` (a document written since the refresh it searched). Conflicts are
 * retried; failures, or conflicts that persist, are an error naming what is left, so an
 * erasure or a retention run is never reported done while incomplete.
 */
export async function deleteAll(
  cluster: ClusterResource,
  index: string,
  query: estypes.QueryDslQueryContainer,
): Promise<number> {
  let deleted = 0;
  for (let attempt = 1; ; attempt++) {
    const response = await cluster.call(
      (client) => client.deleteByQuery({ index, query, conflicts: 'proceed', refresh: true }),
      { long: true },
    );
    deleted += response.deleted ?? 0;
    const failures = response.failures ?? [];
    const conflicts = response.version_conflicts ?? 0;
    if (failures.length === 0 && conflicts === 0 && !response.timed_out) return deleted;
    if (failures.length === 0 && !response.timed_out && attempt < DELETE_ATTEMPTS) continue;
    const reason = failures[0]?.cause?.reason ?? failures[0]?.cause?.type;
    throw new ServiceError(
      'index_write_failed',
      `${index}: delete incomplete: ${deleted} deleted, ${failures.length} failure(s)${reason ? ` (${reason})` : ''}, ` +
        `${conflicts} version conflict(s)${response.timed_out ? ', timed out' : ''}; run it again`,
    );
  }
}
