import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from '../../main/logger.ts';
import type { EngagementList, EngagementListName, ListedItem } from '../../users/engagement-lists.ts';
import type {
  EventStore,
  ForgetReport,
  ProductStats,
  ProfileFold,
  RetentionReport,
} from '../../users/event-store.ts';
import type { Impression, StoredEvent } from '../../users/events.ts';
import type { UserProfile } from '../../users/profiles.ts';
import { actionIncrements, type QueryProductStats, queryKey } from '../../users/query-engagement.ts';
import { profileKeyOf, sessionProfileKey } from '../../users/user-ids.ts';
import { ClusterResource, ensureIndex, throwIfRefused } from './cluster.ts';
import { readEngagementLists, replaceEngagementLists } from './engagement-list-index.ts';
import { ImpressionBuffer } from './impression-buffer.ts';
import { ProfileFolder } from './profile-fold.ts';
import {
  addIncrements,
  addQueryIncrements,
  incrementCounters,
  type QueryIncrements,
  queryEngagementTotals,
  totalStats,
} from './shopper-counters.ts';
import {
  type CounterIncrements,
  documentId,
  type EventDocument,
  eventIncrements,
  fromEventDocument,
  fromImpressionDocument,
  type ImpressionDocument,
  type ProductStatsDocument,
  type ProfileDocument,
  type QueryProductStatsDocument,
  SHOPPER_MAPPINGS,
  type ShopperIndices,
  shopperIndexNames,
  toEventDocument,
} from './shopper-indices.ts';
import { deleteAll, getMany, refreshIndices, searchPages, sessionIdsOf } from './shopper-reads.ts';

export interface ElasticsearchEventStoreOptions {
  client: Client;
  /** The product alias (ELASTICSEARCH_INDEX); the shopper indices are named after it. */
  alias: string;
  logger?: Logger;
  /** Impressions are written at the latest this long after they are recorded (default 200 ms). */
  impressionFlushMs?: number;
  /** ... or as soon as this many are waiting (default 500). */
  impressionFlushSize?: number;
  /** Wait before resending bulk items the cluster refused with 429 (default 200 ms, 2 resends). */
  rejectedRetryWaitMs?: number;
  /** Timeout of bulk writes, refreshes and paged reads (ELASTICSEARCH_BULK_TIMEOUT_MS). */
  bulkTimeoutMs?: number;
}

const QUERY_IDS_PER_SEARCH = 10_000;
const EVENT_PAGE = 5000;
const EVENT_ORDER: estypes.SortCombinations[] = [{ timestamp: 'asc' }, { event_id: 'asc' }];
const IMPRESSION_ORDER: estypes.SortCombinations[] = [{ timestamp: 'asc' }, { query_id: 'asc' }];

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export class ElasticsearchEventStore implements EventStore {
  readonly indices: ShopperIndices;
  private readonly cluster: ClusterResource;
  private readonly folder: ProfileFolder;
  private readonly impressions: ImpressionBuffer;
  private closed = false;

  constructor(private readonly options: ElasticsearchEventStoreOptions) {
    const indices = shopperIndexNames(options.alias);
    this.indices = indices;
    this.cluster = new ClusterResource(options.client, {
      recreateMissing: true,
      ...(options.rejectedRetryWaitMs !== undefined && { rejectedRetryWaitMs: options.rejectedRetryWaitMs }),
      ...(options.bulkTimeoutMs !== undefined && { bulkTimeoutMs: options.bulkTimeoutMs }),
      setUp: async (client) => {
        const keys = Object.keys(indices) as (keyof ShopperIndices)[];
        await Promise.all(
          keys.map((key) => ensureIndex(client, indices[key], SHOPPER_MAPPINGS[key], options.logger)),
        );
      },
    });
    this.folder = new ProfileFolder(this.cluster, indices, options.logger);
    this.impressions = new ImpressionBuffer(this.cluster, indices, {
      ...(options.logger && { logger: options.logger }),
      ...(options.impressionFlushMs !== undefined && { flushMs: options.impressionFlushMs }),
      ...(options.impressionFlushSize !== undefined && { flushSize: options.impressionFlushSize }),
    });
  }

  /**
   * Stores new events (`create` with `_id` = event_id: an id seen before is a 409, a
   * duplicate), then folds them into profiles. There is no transaction across documents,
   * so the fold is made idempotent and resumable instead: an event is stored `folded:
   * false`; each profile is written with optimistic concurrency (`if_seq_no`) and remembers
   * the ids it folded last; then the events are marked folded. After a crash anywhere in
   * between, a duplicate still marked unfolded is folded when it arrives again (or by
   * `unfoldedEvents`), unless its profile already remembers it.
   */
  async appendEvents(
    events: readonly StoredEvent[],
    fold?: ProfileFold,
  ): Promise<{ inserted: StoredEvent[]; duplicates: number }> {
    if (events.length === 0) return { inserted: [], duplicates: 0 };
    const index = this.indices.events;
    const needsFold = (e: StoredEvent) =>
      fold !== undefined && profileKeyOf(e) !== undefined && e.type !== 'impression';
    const results = await this.cluster.bulk(
      events.map((e) => ({
        action: { create: { _index: index, _id: documentId(e.eventId) } },
        body: { ...toEventDocument(e), folded: !needsFold(e) } satisfies EventDocument,
      })),
    );
    const inserted: StoredEvent[] = [];
    const repeated: StoredEvent[] = [];
    const refused: { id: string; item: estypes.BulkResponseItem }[] = [];
    results.forEach((item, i) => {
      const event = events[i]!;
      if (item.status >= 200 && item.status < 300) inserted.push(event);
      else if (item.status === 409) repeated.push(event);
      else refused.push({ id: event.eventId, item });
    });
    const increments = new Map<string, CounterIncrements>();
    for (const e of inserted) {
      if (e.type !== 'impression') addIncrements(increments, e.productId, eventIncrements(e.type));
    }
    await incrementCounters(
      this.cluster,
      this.indices,
      this.options.logger,
      increments,
      await this.queryIncrementsOf(inserted),
    );
    if (fold) {
      const unfolded = await this.folder.stillUnfolded(repeated.filter(needsFold));
      await this.folder.foldIntoProfiles([...inserted.filter(needsFold), ...unfolded], fold);
    }
    throwIfRefused(index, refused, inserted.length);
    return { inserted, duplicates: repeated.length };
  }

  /** Events stored `folded: false` (a crash before their fold finished), oldest first. */
  async *unfoldedEvents(pageSize = EVENT_PAGE): AsyncIterable<StoredEvent[]> {
    await refreshIndices(this.cluster, this.indices.events);
    for await (const page of searchPages<EventDocument>(
      this.cluster,
      this.indices.events,
      { term: { folded: false } },
      EVENT_ORDER,
      pageSize,
    )) {
      yield page.map(fromEventDocument);
    }
  }

  recordImpression(impression: Impression): void {
    if (this.closed) return;
    this.impressions.record(impression);
  }

  /** Writes the impressions waiting here and waits for writes already under way. */
  flush(): Promise<void> {
    return this.impressions.flush();
  }

  /**
   * The query-product counters the actions add: each action is counted under its search's
   * query, found from the impression (still buffered here, or stored: a realtime get).
   */
  private async queryIncrementsOf(events: readonly StoredEvent[]): Promise<QueryIncrements> {
    const increments: QueryIncrements = new Map();
    const actions = events.filter((e) => e.type !== 'impression' && e.queryId !== undefined);
    if (actions.length === 0) return increments;
    const queries = this.impressions.bufferedQueries();
    const missing = [...new Set(actions.map((e) => e.queryId!))].filter((id) => !queries.has(id));
    try {
      for (const d of await getMany<ImpressionDocument>(this.cluster, this.indices.impressions, missing))
        queries.set(d.query_id, d.query);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'query engagement of these events not counted');
      return increments;
    }
    for (const e of actions) {
      const query = queries.get(e.queryId!);
      const key = query !== undefined ? queryKey(query) : '';
      if (key) addQueryIncrements(increments, key, e.productId, actionIncrements(e.type));
    }
    return increments;
  }

  async impression(queryId: string): Promise<Impression | undefined> {
    await this.flush();
    const response = await this.cluster.call((client) =>
      client.get<ImpressionDocument>(
        { index: this.indices.impressions, id: documentId(queryId) },
        { ignore: [404] },
      ),
    );
    return response.found && response._source ? fromImpressionDocument(response._source) : undefined;
  }

  /** Impressions from `since` (epoch ms) on, oldest first, in pages. */
  async *impressionsSince(since: number, pageSize = 1000): AsyncIterable<Impression[]> {
    await this.flush();
    await refreshIndices(this.cluster, this.indices.impressions);
    for await (const page of searchPages<ImpressionDocument>(
      this.cluster,
      this.indices.impressions,
      { range: { timestamp: { gte: since } } },
      IMPRESSION_ORDER,
      pageSize,
    )) {
      yield page.map(fromImpressionDocument);
    }
  }

  async eventsForQueries(queryIds: readonly string[]): Promise<StoredEvent[]> {
    if (queryIds.length === 0) return [];
    await refreshIndices(this.cluster, this.indices.events);
    const events: StoredEvent[] = [];
    for (const ids of chunks([...new Set(queryIds)], QUERY_IDS_PER_SEARCH)) {
      for await (const page of searchPages<EventDocument>(
        this.cluster,
        this.indices.events,
        { terms: { query_id: ids } },
        EVENT_ORDER,
        EVENT_PAGE,
      )) {
        events.push(...page.map(fromEventDocument));
      }
    }
    return events;
  }

  /** Every event with a user, oldest first, in pages (for rebuilding profiles). */
  async *userEvents(pageSize = EVENT_PAGE): AsyncIterable<StoredEvent[]> {
    await refreshIndices(this.cluster, this.indices.events);
    for await (const page of searchPages<EventDocument>(
      this.cluster,
      this.indices.events,
      { exists: { field: 'user_hash' } },
      EVENT_ORDER,
      pageSize,
    )) {
      yield page.map(fromEventDocument);
    }
  }

  async *actionEvents(since: number, pageSize = EVENT_PAGE): AsyncIterable<StoredEvent[]> {
    await refreshIndices(this.cluster, this.indices.events);
    for await (const page of searchPages<EventDocument>(
      this.cluster,
      this.indices.events,
      {
        bool: {
          filter: [{ range: { timestamp: { gte: since } } }],
          must_not: [{ term: { type: 'impression' } }],
        },
      },
      EVENT_ORDER,
      pageSize,
    )) {
      yield page.map(fromEventDocument);
    }
  }

  /** Writes the new lists first, then deletes the older ones of the kind: readers never see it empty. */
  replaceEngagementLists(name: EngagementListName, lists: readonly EngagementList[]): Promise<number> {
    return replaceEngagementLists(this.cluster, this.indices.engagementLists, name, lists);
  }

  engagementLists(name: EngagementListName, keys: readonly string[]): Promise<Map<string, ListedItem[]>> {
    return readEngagementLists(this.cluster, this.indices.engagementLists, name, keys);
  }

  async profiles(userHashes: readonly string[]): Promise<Map<string, UserProfile>> {
    const documents = await getMany<ProfileDocument>(this.cluster, this.indices.profiles, userHashes);
    return new Map(documents.map((d) => [d.user_hash, d.profile]));
  }

  saveProfiles(profiles: readonly UserProfile[]): Promise<void> {
    return this.folder.saveProfiles(profiles);
  }

  replaceAllProfiles(profiles: readonly UserProfile[]): Promise<number> {
    return this.folder.replaceAllProfiles(profiles);
  }

  async productStats(productIds: readonly string[]): Promise<Map<string, ProductStats>> {
    const documents = await getMany<ProductStatsDocument>(
      this.cluster,
      this.indices.productStats,
      productIds,
    );
    return new Map(documents.map(({ product_id, ...stats }) => [product_id, stats]));
  }

  /** Totals over all products: the prior that smooths each product's click-through rate. */
  totalStats(): Promise<ProductStats> {
    return totalStats(this.cluster, this.indices);
  }

  async queryProductStats(
    query: string,
    productIds: readonly string[],
  ): Promise<Map<string, QueryProductStats>> {
    const key = queryKey(query);
    if (!key) return new Map();
    const documents = await getMany<QueryProductStatsDocument>(
      this.cluster,
      this.indices.queryProductStats,
      productIds.map((id) => JSON.stringify([key, id])),
    );
    return new Map(documents.map(({ query_key: _, product_id, ...stats }) => [product_id, stats]));
  }

  queryEngagementTotals(): Promise<QueryProductStats> {
    return queryEngagementTotals(this.cluster, this.indices);
  }

  /**
   * Deletes the shopper's events, impressions (those still buffered too) and profile, and
   * every session linked to the user (a session id on one of their events or searches): its
   * anonymous events and searches too, so a profile rebuild cannot bring it back, and its
   * session profile.
   */
  async forgetUser(userHash: string): Promise<ForgetReport> {
    await this.flush();
    const { events, impressions, profiles } = this.indices;
    await refreshIndices(this.cluster, events, impressions, profiles);
    const byUser = { term: { user_hash: userHash } };
    const linked = await sessionIdsOf(this.cluster, byUser, EVENT_PAGE, [
      { index: events, sort: EVENT_ORDER },
      { index: impressions, sort: IMPRESSION_ORDER },
    ]);
    const byShopper =
      linked.length === 0
        ? byUser
        : { bool: { should: [byUser, { terms: { session_id: linked } }], minimum_should_match: 1 } };
    const [deletedEvents, deletedImpressions, deletedProfile, deletedSessions] = await Promise.all([
      deleteAll(this.cluster, events, byShopper),
      deleteAll(this.cluster, impressions, byShopper),
      this.cluster.call((client) =>
        client.delete({ index: profiles, id: documentId(userHash) }, { ignore: [404] }),
      ),
      linked.length === 0
        ? 0
        : deleteAll(this.cluster, profiles, {
            ids: { values: linked.map((h) => documentId(sessionProfileKey(h))) },
          }),
    ]);
    return {
      events: deletedEvents,
      impressions: deletedImpressions,
      profile: deletedProfile.result === 'deleted',
      sessions: deletedSessions,
    };
  }

  /** Retention: one delete-by-query per index, its failures and conflicts read, not assumed away. */
  async deleteBefore(
    cutoffs: { events: number; impressions: number },
    signal?: AbortSignal,
  ): Promise<RetentionReport> {
    await this.flush();
    await refreshIndices(this.cluster, this.indices.events, this.indices.impressions);
    signal?.throwIfAborted();
    const events = await deleteAll(this.cluster, this.indices.events, {
      range: { timestamp: { lt: cutoffs.events } },
    });
    signal?.throwIfAborted();
    const impressions = await deleteAll(this.cluster, this.indices.impressions, {
      range: { timestamp: { lt: cutoffs.impressions } },
    });
    return { events, impressions };
  }

  /** Writes what is buffered; a failure is logged. The client is the caller's (createStores). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'impressions buffered at shutdown could not be stored');
    }
  }
}
