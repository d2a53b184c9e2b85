/**
 * Reading a whole index in pages for a reindex, a catalog export or a suggestion rebuild,
 * where the consumer may take minutes per page (embedding it). A point in time with
 * `search_after` on the unique `id` replaces a scroll: every page renews the keep-alive,
 * and when the context is gone anyway (the consumer was slower still, or a node
 * restarted), a new point in time resumes after the last id read instead of failing the
 * whole run. Products changed between the two points in time are read as they are when
 * the new one opens.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { Logger } from '../../main/logger.ts';
import { isContextMissing } from './client.ts';
import type { ClusterResource } from './cluster.ts';

/** Renewed by each page: time the consumer may take with one page before the context expires. */
export const POINT_IN_TIME_KEEP_ALIVE = '10m';
/** Points in time opened again after an expiry before the scan gives up. */
const REOPENS = 5;
const ORDER: estypes.SortCombinations[] = [{ id: 'asc' }];

export interface ScanOptions {
  index: string;
  size: number;
  source: readonly string[];
  logger?: Logger;
}

export async function* scanIndex(
  cluster: ClusterResource,
  options: ScanOptions,
): AsyncIterable<estypes.SearchHit<unknown>[]> {
  const open = async () =>
    (
      await cluster.call(
        (client) => client.openPointInTime({ index: options.index, keep_alive: POINT_IN_TIME_KEEP_ALIVE }),
        { long: true },
      )
    ).id;
  let pit = await open();
  let after: estypes.SortResults | undefined;
  let reopened = 0;
  try {
    for (;;) {
      let response: estypes.SearchResponse<unknown>;
      try {
        response = await cluster.call(
          (client) =>
            client.search({
              pit: { id: pit, keep_alive: POINT_IN_TIME_KEEP_ALIVE },
              size: options.size,
              sort: ORDER,
              _source: [...options.source],
              track_total_hits: false,
              ...(after && { search_after: after }),
            }),
          { long: true },
        );
      } catch (error) {
        if (!isContextMissing(error) || reopened >= REOPENS) throw error;
        reopened++;
        options.logger?.warn(
          { index: options.index, reopened },
          'the point in time of a scan expired; resuming after the last product read',
        );
        pit = await open();
        continue;
      }
      // The cluster may hand back a new id for the same point in time.
      if (response.pit_id) pit = response.pit_id;
      const hits = response.hits.hits;
      if (hits.length > 0) yield hits;
      if (hits.length < options.size) return;
      after = hits.at(-1)!.sort;
    }
  } finally {
    await cluster.client.closePointInTime({ id: pit }).catch(() => undefined);
  }
}
