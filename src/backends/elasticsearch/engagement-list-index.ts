/**
 * Engagement lists (trending, bought together, ...) in `<alias>-engagement-lists`: one
 * document per list key, replaced a whole kind at a time without ever leaving it empty.
 */
import { randomUUID } from 'node:crypto';
import type { EngagementList, EngagementListName, ListedItem } from '../../users/engagement-lists.ts';
import { type ClusterResource, refusedItems, throwIfRefused } from './cluster.ts';
import { documentId, type EngagementListDocument } from './shopper-indices.ts';
import { getMany, refreshIndices } from './shopper-reads.ts';

/** Writes the new lists first, then deletes the older ones of the kind: readers never see it empty. */
export async function replaceEngagementLists(
  cluster: ClusterResource,
  index: string,
  name: EngagementListName,
  lists: readonly EngagementList[],
): Promise<number> {
  const generation = randomUUID();
  if (lists.length > 0) {
    const results = await cluster.bulk(
      lists.map((list) => ({
        action: { index: { _index: index, _id: documentId(`${name}:${list.key}`) } },
        body: { list: name, key: list.key, generation, items: list.items } satisfies EngagementListDocument,
      })),
    );
    const refused = refusedItems(results, (i) => lists[i]!.key);
    throwIfRefused(index, refused, results.length - refused.length);
  }
  await refreshIndices(cluster, index);
  await cluster.call(
    (client) =>
      client.deleteByQuery({
        index,
        query: { bool: { filter: [{ term: { list: name } }], must_not: [{ term: { generation } }] } },
        conflicts: 'proceed',
        refresh: true,
      }),
    { long: true },
  );
  return lists.length;
}

export async function readEngagementLists(
  cluster: ClusterResource,
  index: string,
  name: EngagementListName,
  keys: readonly string[],
): Promise<Map<string, ListedItem[]>> {
  const documents = await getMany<EngagementListDocument>(
    cluster,
    index,
    keys.map((key) => `${name}:${key}`),
  );
  return new Map(documents.map((d) => [d.key, d.items]));
}
