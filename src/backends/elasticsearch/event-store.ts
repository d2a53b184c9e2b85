/**
 * Shopper data in the Elasticsearch cluster, so every replica of a stateless deployment
 * sees the same events, impressions, profiles and counters (indices and mappings:
 * `shopper-indices.ts`, created on first use).
 *
 * Visibility: nothing waits for a refresh on write, so event intake and searches never
 * wait on one. Lookups by id (`impression`, `profiles`, `productStats`,
 * `queryProductStats`) use the realtime get/mget APIs and see every acknowledged write.
 * Reads that search (`impressionsSince`, `eventsForQueries`, `userEvents`, `totalStats`,
 * `queryEngagementTotals`, `forgetUser`) refresh their indices first: they are batch work
 * (training, profile rebuilds, erasure) or cached (the totals, 10 s per replica), so the
 * refresh costs little and they see everything written before they started. An action is
 * counted for its search's query when the impression is buffered on the same replica or
 * already stored (a click that beats another replica's 200 ms buffer is counted for the
 * product only).
 *
 * Counters are scripted upserts, so replicas add to them concurrently without losing
 * increments. They are updated after the events they count are stored and are best
 * effort: a failure is logged and does not fail the intake, which has stored the events
 * (a retry would find them duplicates and never count them).
 */
import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { BackendUnavailableError } from '../../catalog/search-backend.ts';
import { ServiceError } from '../../main/errors.ts';
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
import {
  actionIncrements,
  addQueryProductStats,
  EMPTY_QUERY_PRODUCT_STATS,
  type QueryProductStats,
  queryKey,
  referenceExamination,
} from '../../users/query-engagement.ts';
import { profileKeyOf, sessionProfileKey } from '../../users/user-ids.ts';
import { type BulkOperation, ClusterResource, ensureIndex, refusedItems, throwIfRefused } from './cluster.ts';
import {
  type CounterIncrements,
  counterUpdate,
  documentId,
  type EngagementListDocument,
  type EventDocument,
  eventIncrements,
  fromEventDocument,
  fromImpressionDocument,
  type ImpressionDocument,
  type ProductStatsDocument,
  type ProfileDocument,
  type QueryProductStatsDocument,
  queryCounterUpdate,
  SHOPPER_MAPPINGS,
  type ShopperIndices,
  shopperIndexNames,
  toEventDocument,
  toImpressionDocument,
} from './shopper-indices.ts';

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
}

/** Concurrent increments of one product's counters conflict; the cluster retries them. */
const RETRY_ON_CONFLICT = 5;
const QUERY_IDS_PER_SEARCH = 10_000;
/** Event ids a profile remembers: more than one batch (1,000) holds, so a resumed fold never counts twice. */
const FOLDED_IDS_KEPT = 2000;
/** Compare-and-set rounds before a fold gives up on a profile that keeps changing (503, retry). */
const FOLD_ATTEMPTS = 5;
const EVENT_PAGE = 5000;
/** Delete-by-query rounds while documents keep changing under it (version conflicts). */
const DELETE_ATTEMPTS = 3;
const EVENT_ORDER: estypes.SortCombinations[] = [{ timestamp: 'asc' }, { event_id: 'asc' }];
const IMPRESSION_ORDER: estypes.SortCombinations[] = [{ timestamp: 'asc' }, { query_id: 'asc' }];

type StatsAggregations = Record<keyof ProductStats, estypes.AggregationsSumAggregate>;
type QueryStatsAggregations = Record<keyof QueryProductStats, estypes.AggregationsSumAggregate>;

/** (query key, product id) -> counters to add. */
type QueryIncrements = Map<string, Map<string, QueryProductStats>>;

function addQueryIncrements(
  into: QueryIncrements,
  key: string,
  productId: string,
  add: Partial<QueryProductStats>,
): void {
  const products = into.get(key) ?? new Map<string, QueryProductStats>();
  products.set(productId, addQueryProductStats(products.get(productId) ?? EMPTY_QUERY_PRODUCT_STATS, add));
  into.set(key, products);
}

function addIncrements(into: Map<string, CounterIncrements>, productId: string, add: CounterIncrements) {
  const current = into.get(productId) ?? { impressions: 0, clicks: 0, carts: 0, purchases: 0 };
  into.set(productId, {
    impressions: current.impressions + add.impressions,
    clicks: current.clicks + add.clicks,
    carts: current.carts + add.carts,
    purchases: current.purchases + add.purchases,
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export class ElasticsearchEventStore implements EventStore {
  readonly indices: ShopperIndices;
  private readonly cluster: ClusterResource;
  private closed = false;
  private pending: Impression[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Impression writes under way; `flush()` waits for them too. */
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly options: ElasticsearchEventStoreOptions) {
    const indices = shopperIndexNames(options.alias);
    this.indices = indices;
    this.cluster = new ClusterResource(options.client, {
      recreateMissing: true,
      ...(options.rejectedRetryWaitMs !== undefined && { rejectedRetryWaitMs: options.rejectedRetryWaitMs }),
      setUp: async (client) => {
        const keys = Object.keys(indices) as (keyof ShopperIndices)[];
        await Promise.all(
          keys.map((key) => ensureIndex(client, indices[key], SHOPPER_MAPPINGS[key], options.logger)),
        );
      },
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
    await this.incrementCounters(increments, await this.queryIncrementsOf(inserted));
    if (fold) {
      const unfolded = await this.stillUnfolded(repeated.filter(needsFold));
      await this.foldIntoProfiles([...inserted.filter(needsFold), ...unfolded], fold);
    }
    throwIfRefused(index, refused, inserted.length);
    return { inserted, duplicates: repeated.length };
  }

  /** Events stored `folded: false` (a crash before their fold finished), oldest first. */
  async *unfoldedEvents(pageSize = EVENT_PAGE): AsyncIterable<StoredEvent[]> {
    await this.refresh(this.indices.events);
    for await (const page of this.pages<EventDocument>(
      this.indices.events,
      { term: { folded: false } },
      EVENT_ORDER,
      pageSize,
    )) {
      yield page.map(fromEventDocument);
    }
  }

  /** Of these events (all stored before), those whose documents still say `folded: false`. */
  private async stillUnfolded(events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const documents = await this.getMany<EventDocument>(
      this.indices.events,
      events.map((e) => e.eventId),
    );
    const unfolded = new Set(documents.filter((d) => d.folded === false).map((d) => d.event_id));
    return events.filter((e) => unfolded.has(e.eventId));
  }

  /** Folds the events into their profiles (compare-and-set per profile), then marks them folded. */
  private async foldIntoProfiles(events: readonly StoredEvent[], fold: ProfileFold): Promise<void> {
    if (events.length === 0) return;
    const index = this.indices.profiles;
    let users = [...new Set(events.map((e) => profileKeyOf(e)!))];
    for (let attempt = 1; users.length > 0; attempt++) {
      const stored = await this.profileVersions(users);
      const todo = events.filter(
        (e) => users.includes(profileKeyOf(e)!) && !stored.get(profileKeyOf(e)!)?.folded.has(e.eventId),
      );
      const current = new Map([...stored].map(([hash, version]) => [hash, version.profile]));
      const updated = fold(todo, current);
      if (updated.length === 0) break;
      const results = await this.cluster.bulk(
        updated.map((profile) => {
          const version = stored.get(profile.userHash);
          const ids = todo.filter((e) => profileKeyOf(e) === profile.userHash).map((e) => e.eventId);
          const remembered = [...(version?.folded ?? []), ...ids].slice(-FOLDED_IDS_KEPT);
          const _id = documentId(profile.userHash);
          return {
            action: version
              ? {
                  index: {
                    _index: index,
                    _id,
                    if_seq_no: version.seqNo,
                    if_primary_term: version.primaryTerm,
                  },
                }
              : { create: { _index: index, _id } },
            body: {
              user_hash: profile.userHash,
              updated_at: Date.now(),
              profile,
              folded_events: remembered,
            } satisfies ProfileDocument,
          };
        }),
      );
      // A 409: another replica wrote the profile meanwhile; read it again and fold what it lacks.
      const conflicted = updated.filter((_, i) => results[i]!.status === 409).map((p) => p.userHash);
      const refused = refusedItems(results, (i) => updated[i]!.userHash).filter(
        ({ item }) => item.status !== 409,
      );
      throwIfRefused(index, refused, results.length - refused.length);
      if (conflicted.length > 0 && attempt >= FOLD_ATTEMPTS) {
        throw new BackendUnavailableError(`profiles of ${conflicted.length} shopper(s) kept changing; retry`);
      }
      users = conflicted;
    }
    await this.markFolded(events);
  }

  /** The stored profiles with the version to write them back under and the event ids they remember. */
  private async profileVersions(
    users: readonly string[],
  ): Promise<Map<string, { profile: UserProfile; seqNo: number; primaryTerm: number; folded: Set<string> }>> {
    const response = await this.cluster.call((client) =>
      client.mget<ProfileDocument>({ index: this.indices.profiles, ids: users.map(documentId) }),
    );
    const out = new Map<
      string,
      { profile: UserProfile; seqNo: number; primaryTerm: number; folded: Set<string> }
    >();
    for (const doc of response.docs) {
      if ('error' in doc)
        throw new Error(`${this.indices.profiles}/${doc._id}: ${doc.error.reason ?? doc.error.type}`);
      if (!doc.found || !doc._source) continue;
      out.set(doc._source.user_hash, {
        profile: doc._source.profile,
        seqNo: doc._seq_no!,
        primaryTerm: doc._primary_term!,
        folded: new Set(doc._source.folded_events ?? []),
      });
    }
    return out;
  }

  /** Marks folded events so no later resume looks at them; a failure only leaves work for a resume. */
  private async markFolded(events: readonly StoredEvent[]): Promise<void> {
    try {
      const results = await this.cluster.bulk(
        events.map((e) => ({
          action: { update: { _index: this.indices.events, _id: documentId(e.eventId) } },
          body: { doc: { folded: true } },
        })),
      );
      const failed = refusedItems(results, (i) => events[i]!.eventId);
      if (failed.length > 0) {
        this.options.logger?.warn(
          { failed: failed.length, reason: failed[0]!.item.error?.reason },
          'events folded but not marked; their profiles remember them',
        );
      }
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'events folded but not marked; their profiles remember them');
    }
  }

  recordImpression(impression: Impression): void {
    if (this.closed) return;
    this.pending.push(impression);
    if (this.pending.length >= (this.options.impressionFlushSize ?? 500)) this.flushInBackground();
    else {
      this.flushTimer ??= setTimeout(
        () => this.flushInBackground(),
        this.options.impressionFlushMs ?? 200,
      ).unref();
    }
  }

  /** Writes the impressions waiting here and waits for writes already under way. */
  async flush(): Promise<void> {
    const own = this.startFlush();
    await Promise.all([own, ...this.writing]);
  }

  private flushInBackground(): void {
    const count = this.pending.length;
    this.startFlush().catch((error: unknown) => {
      this.options.logger?.warn({ err: error, impressions: count }, 'impressions could not be stored');
    });
  }

  private startFlush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const write = this.writeImpressions(batch);
    const settled: Promise<void> = write
      .catch(() => undefined)
      .finally(() => {
        this.writing.delete(settled);
      });
    this.writing.add(settled);
    return write;
  }

  /**
   * The query-product counters the actions add: each action is counted under its search's
   * query, found from the impression (still buffered here, or stored: a realtime get).
   */
  private async queryIncrementsOf(events: readonly StoredEvent[]): Promise<QueryIncrements> {
    const increments: QueryIncrements = new Map();
    const actions = events.filter((e) => e.type !== 'impression' && e.queryId !== undefined);
    if (actions.length === 0) return increments;
    const queries = new Map(this.pending.map((i) => [i.queryId, i.query]));
    const missing = [...new Set(actions.map((e) => e.queryId!))].filter((id) => !queries.has(id));
    try {
      for (const d of await this.getMany<ImpressionDocument>(this.indices.impressions, missing))
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

  /** The impression documents and the products' impression counts, in one bulk request. */
  private async writeImpressions(batch: readonly Impression[]): Promise<void> {
    const index = this.indices.impressions;
    const shown = new Map<string, CounterIncrements>();
    const shownForQuery: QueryIncrements = new Map();
    for (const impression of batch) {
      const key = queryKey(impression.query);
      for (const item of impression.items) {
        addIncrements(shown, item.productId, { impressions: 1, clicks: 0, carts: 0, purchases: 0 });
        if (key) {
          addQueryIncrements(shownForQuery, key, item.productId, {
            impressions: 1,
            examinations: referenceExamination(item.position),
          });
        }
      }
    }
    const operations: BulkOperation[] = [
      ...batch.map((i) => ({
        action: { index: { _index: index, _id: documentId(i.queryId) } },
        body: toImpressionDocument(i),
      })),
      ...this.counterOperations(shown),
      ...this.queryCounterOperations(shownForQuery),
    ];
    const results = await this.cluster.bulk(operations);
    const refused = refusedItems(results, (i) => results[i]!._id ?? String(i));
    throwIfRefused(index, refused, results.length - refused.length);
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
    await this.refresh(this.indices.impressions);
    for await (const page of this.pages<ImpressionDocument>(
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
    await this.refresh(this.indices.events);
    const events: StoredEvent[] = [];
    for (const ids of chunks([...new Set(queryIds)], QUERY_IDS_PER_SEARCH)) {
      for await (const page of this.pages<EventDocument>(
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
    await this.refresh(this.indices.events);
    for await (const page of this.pages<EventDocument>(
      this.indices.events,
      { exists: { field: 'user_hash' } },
      EVENT_ORDER,
      pageSize,
    )) {
      yield page.map(fromEventDocument);
    }
  }

  async *actionEvents(since: number, pageSize = EVENT_PAGE): AsyncIterable<StoredEvent[]> {
    await this.refresh(this.indices.events);
    for await (const page of this.pages<EventDocument>(
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
  async replaceEngagementLists(name: EngagementListName, lists: readonly EngagementList[]): Promise<number> {
    const index = this.indices.engagementLists;
    const generation = randomUUID();
    if (lists.length > 0) {
      const results = await this.cluster.bulk(
        lists.map((list) => ({
          action: { index: { _index: index, _id: documentId(`${name}:${list.key}`) } },
          body: { list: name, key: list.key, generation, items: list.items } satisfies EngagementListDocument,
        })),
      );
      const refused = refusedItems(results, (i) => lists[i]!.key);
      throwIfRefused(index, refused, results.length - refused.length);
    }
    await this.refresh(index);
    await this.cluster.call((client) =>
      client.deleteByQuery({
        index,
        query: { bool: { filter: [{ term: { list: name } }], must_not: [{ term: { generation } }] } },
        conflicts: 'proceed',
        refresh: true,
      }),
    );
    return lists.length;
  }

  async engagementLists(
    name: EngagementListName,
    keys: readonly string[],
  ): Promise<Map<string, ListedItem[]>> {
    const documents = await this.getMany<EngagementListDocument>(
      this.indices.engagementLists,
      keys.map((key) => `${name}:${key}`),
    );
    return new Map(documents.map((d) => [d.key, d.items]));
  }

  async profiles(userHashes: readonly string[]): Promise<Map<string, UserProfile>> {
    const documents = await this.getMany<ProfileDocument>(this.indices.profiles, userHashes);
    return new Map(documents.map((d) => [d.user_hash, d.profile]));
  }

  async saveProfiles(profiles: readonly UserProfile[]): Promise<void> {
    await this.indexProfiles(profiles, { updated_at: Date.now() });
  }

  /**
   * Writes the new profiles first, then deletes the ones this run did not write, so
   * searches never see an empty profile index mid-rebuild. Profiles saved by event intake
   * after the run started are kept.
   */
  async replaceAllProfiles(profiles: readonly UserProfile[]): Promise<number> {
    const generation = randomUUID();
    const startedAt = Date.now();
    await this.indexProfiles(profiles, { updated_at: startedAt, generation });
    await this.refresh(this.indices.profiles);
    await this.cluster.call((client) =>
      client.deleteByQuery({
        index: this.indices.profiles,
        query: {
          bool: {
            must_not: [{ term: { generation } }],
            filter: [{ range: { updated_at: { lte: startedAt } } }],
          },
        },
        conflicts: 'proceed',
        refresh: true,
      }),
    );
    return profiles.length;
  }

  async productStats(productIds: readonly string[]): Promise<Map<string, ProductStats>> {
    const documents = await this.getMany<ProductStatsDocument>(this.indices.productStats, productIds);
    return new Map(documents.map(({ product_id, ...stats }) => [product_id, stats]));
  }

  /** Totals over all products: the prior that smooths each product's click-through rate. */
  async totalStats(): Promise<ProductStats> {
    await this.refresh(this.indices.productStats);
    const sum = (field: keyof ProductStats): estypes.AggregationsAggregationContainer => ({ sum: { field } });
    const response = await this.cluster.call((client) =>
      client.search<unknown, StatsAggregations>({
        index: this.indices.productStats,
        size: 0,
        track_total_hits: false,
        aggs: {
          impressions: sum('impressions'),
          clicks: sum('clicks'),
          carts: sum('carts'),
          purchases: sum('purchases'),
        },
      }),
    );
    const total = (field: keyof ProductStats) => Math.round(response.aggregations?.[field]?.value ?? 0);
    return {
      impressions: total('impressions'),
      clicks: total('clicks'),
      carts: total('carts'),
      purchases: total('purchases'),
    };
  }

  async queryProductStats(
    query: string,
    productIds: readonly string[],
  ): Promise<Map<string, QueryProductStats>> {
    const key = queryKey(query);
    if (!key) return new Map();
    const documents = await this.getMany<QueryProductStatsDocument>(
      this.indices.queryProductStats,
      productIds.map((id) => JSON.stringify([key, id])),
    );
    return new Map(documents.map(({ query_key: _, product_id, ...stats }) => [product_id, stats]));
  }

  async queryEngagementTotals(): Promise<QueryProductStats> {
    await this.refresh(this.indices.queryProductStats);
    const sum = (field: keyof QueryProductStats): estypes.AggregationsAggregationContainer => ({
      sum: { field },
    });
    const response = await this.cluster.call((client) =>
      client.search<unknown, QueryStatsAggregations>({
        index: this.indices.queryProductStats,
        size: 0,
        track_total_hits: false,
        aggs: {
          impressions: sum('impressions'),
          examinations: sum('examinations'),
          clicks: sum('clicks'),
          carts: sum('carts'),
          purchases: sum('purchases'),
        },
      }),
    );
    const total = (field: keyof QueryProductStats) => response.aggregations?.[field]?.value ?? 0;
    return {
      impressions: Math.round(total('impressions')),
      examinations: total('examinations'),
      clicks: Math.round(total('clicks')),
      carts: Math.round(total('carts')),
      purchases: Math.round(total('purchases')),
    };
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
    await this.refresh(events, impressions, profiles);
    const byUser = { term: { user_hash: userHash } };
    const sessions = new Set<string>();
    for await (const page of this.pages<EventDocument>(events, byUser, EVENT_ORDER, EVENT_PAGE))
      for (const e of page) if (e.session_id !== undefined) sessions.add(e.session_id);
    for await (const page of this.pages<ImpressionDocument>(
      impressions,
      byUser,
      IMPRESSION_ORDER,
      EVENT_PAGE,
    ))
      for (const i of page) if (i.session_id !== undefined) sessions.add(i.session_id);
    const linked = [...sessions];
    const byShopper =
      linked.length === 0
        ? byUser
        : { bool: { should: [byUser, { terms: { session_id: linked } }], minimum_should_match: 1 } };
    const [deletedEvents, deletedImpressions, deletedProfile, deletedSessions] = await Promise.all([
      this.deleteAll(events, byShopper),
      this.deleteAll(impressions, byShopper),
      this.cluster.call((client) =>
        client.delete({ index: profiles, id: documentId(userHash) }, { ignore: [404] }),
      ),
      linked.length === 0
        ? 0
        : this.deleteAll(profiles, { ids: { values: linked.map((h) => documentId(sessionProfileKey(h))) } }),
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
    await this.refresh(this.indices.events, this.indices.impressions);
    signal?.throwIfAborted();
    const events = await this.deleteAll(this.indices.events, {
      range: { timestamp: { lt: cutoffs.events } },
    });
    signal?.throwIfAborted();
    const impressions = await this.deleteAll(this.indices.impressions, {
      range: { timestamp: { lt: cutoffs.impressions } },
    });
    return { events, impressions };
  }

  /**
   * Deletes every document the query matches and returns how many. A delete-by-query that
   * answers 200 can still have left documents: shard or bulk `failures`, or
   * `version_conflicts` (a document written since the refresh it searched). Conflicts are
   * retried; failures, or conflicts that persist, are an error naming what is left, so an
   * erasure or a retention run is never reported done while incomplete.
   */
  private async deleteAll(index: string, query: estypes.QueryDslQueryContainer): Promise<number> {
    let deleted = 0;
    for (let attempt = 1; ; attempt++) {
      const response = await this.cluster.call((client) =>
        client.deleteByQuery({ index, query, conflicts: 'proceed', refresh: true }),
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

  private refresh(...indices: string[]): Promise<unknown> {
    return this.cluster.call((client) => client.indices.refresh({ index: indices }));
  }

  private counterOperations(increments: ReadonlyMap<string, CounterIncrements>): BulkOperation[] {
    return [...increments].map(([productId, add]) => {
      const [action, body] = counterUpdate(this.indices.productStats, productId, add, RETRY_ON_CONFLICT);
      return { action, body };
    });
  }

  private queryCounterOperations(increments: QueryIncrements): BulkOperation[] {
    const index = this.indices.queryProductStats;
    return [...increments].flatMap(([key, products]) =>
      [...products].map(([productId, add]) => {
        const [action, body] = queryCounterUpdate(index, key, productId, add, RETRY_ON_CONFLICT);
        return { action, body };
      }),
    );
  }

  private async incrementCounters(
    increments: ReadonlyMap<string, CounterIncrements>,
    queryIncrements: QueryIncrements = new Map(),
  ): Promise<void> {
    const operations = [
      ...this.counterOperations(increments),
      ...this.queryCounterOperations(queryIncrements),
    ];
    if (operations.length === 0) return;
    try {
      const failed = refusedItems(await this.cluster.bulk(operations), String);
      if (failed.length > 0) {
        this.options.logger?.error(
          { failed: failed.length, reason: failed[0]!.item.error?.reason, index: this.indices.productStats },
          'product counters not updated; the events are stored',
        );
      }
    } catch (error) {
      this.options.logger?.error(
        { err: error, index: this.indices.productStats },
        'product counters not updated; the events are stored',
      );
    }
  }

  private async indexProfiles(
    profiles: readonly UserProfile[],
    stamp: Pick<ProfileDocument, 'updated_at' | 'generation'>,
  ): Promise<void> {
    if (profiles.length === 0) return;
    const index = this.indices.profiles;
    const results = await this.cluster.bulk(
      profiles.map((profile) => ({
        action: { index: { _index: index, _id: documentId(profile.userHash) } },
        body: { user_hash: profile.userHash, ...stamp, profile } satisfies ProfileDocument,
      })),
    );
    const refused = refusedItems(results, (i) => profiles[i]!.userHash);
    throwIfRefused(index, refused, results.length - refused.length);
  }

  /** Realtime multi-get: sees every acknowledged write, refreshed or not. */
  private async getMany<TDocument>(index: string, keys: readonly string[]): Promise<TDocument[]> {
    if (keys.length === 0) return [];
    const response = await this.cluster.call((client) =>
      client.mget<TDocument>({ index, ids: [...new Set(keys)].map(documentId) }),
    );
    return response.docs.flatMap((doc) => {
      if ('error' in doc) throw new Error(`${index}/${doc._id}: ${doc.error.reason ?? doc.error.type}`);
      return doc.found && doc._source ? [doc._source] : [];
    });
  }

  /** Pages of a sorted search, each after the last hit of the one before (`search_after`). */
  private async *pages<TDocument>(
    index: string,
    query: estypes.QueryDslQueryContainer,
    sort: estypes.SortCombinations[],
    size: number,
  ): AsyncIterable<TDocument[]> {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.cluster.call((client) =>
        client.search<TDocument>({
          index,
          query,
          sort,
          size,
          track_total_hits: false,
          ...(after && { search_after: after }),
        }),
      );
      const hits = response.hits.hits;
      if (hits.length > 0) yield hits.map((hit) => hit._source!);
      if (hits.length < size) return;
      after = hits.at(-1)!.sort;
    }
  }
}
