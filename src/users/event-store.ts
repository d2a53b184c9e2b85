/**
 * Where shopper data lives: events (idempotent by event_id), the impression list of every
 * search (with the feature values the ranker saw), user profiles and per-product counters.
 * Adapters: SQLite (`backends/embedded/event-store.ts`, a file of its own beside the search
 * index, so reindexing never touches shopper history) and the Elasticsearch cluster
 * (`backends/elasticsearch/event-store.ts`).
 */
import type { EngagementList, EngagementListName, ListedItem } from './engagement-lists.ts';
import type { EventType, Impression, StoredEvent } from './events.ts';
import type { UserProfile } from './profiles.ts';
import type { QueryProductStats } from './query-engagement.ts';

export interface ProductStats {
  impressions: number;
  clicks: number;
  carts: number;
  purchases: number;
}

export interface ForgetReport {
  /** The user's events, and those of the sessions linked to them (their anonymous ones too). */
  events: number;
  impressions: number;
  profile: boolean;
  /** Session profiles erased: of each session an event or logged search links to the user. */
  sessions: number;
}

/**
 * Folds stored events into the profiles of their shoppers: given the events (with a user,
 * or only a session) and those shoppers' current profiles, keyed by `profileKeyOf`, returns
 * the updated profiles. Pure and synchronous,
 * so a store can run it inside the transaction that stores the events.
 */
export type ProfileFold = (
  events: readonly StoredEvent[],
  current: ReadonlyMap<string, UserProfile>,
) => UserProfile[];

/** What a retention run deleted. */
export interface RetentionReport {
  events: number;
  impressions: number;
}

/** The shopper-data port: SQLite for the embedded deployment, an index for Elasticsearch. */
export interface EventStore {
  /**
   * Stores new events (an event_id stored before is a duplicate) and, with `fold`, folds
   * them into their shoppers' profiles exactly once: in the same transaction (SQLite), or
   * idempotently and resumably (Elasticsearch: an event stored but not yet folded, say
   * after a crash, is folded when it is sent again, and `unfoldedEvents` finds it). Either
   * way a failure leaves nothing half done that a retry would count twice.
   */
  appendEvents(
    events: readonly StoredEvent[],
    fold?: ProfileFold,
  ): Promise<{ inserted: StoredEvent[]; duplicates: number }>;
  /** Events stored but not yet folded into profiles (a crash between the two), in pages. */
  unfoldedEvents(): AsyncIterable<StoredEvent[]>;
  /** Queues a search's impression list; written in batches so searches never wait on it. */
  recordImpression(impression: Impression): void;
  flush(): Promise<void>;
  impression(queryId: string): Promise<Impression | undefined>;
  /** Impressions from `since` (epoch ms) on, oldest first, in pages. */
  impressionsSince(since: number, pageSize?: number): AsyncIterable<Impression[]>;
  eventsForQueries(queryIds: readonly string[]): Promise<StoredEvent[]>;
  /** Every event with a user, oldest first, in pages (for rebuilding profiles). */
  userEvents(pageSize?: number): AsyncIterable<StoredEvent[]>;
  /** Every click, cart and purchase from `since` (epoch ms) on, oldest first, in pages. */
  actionEvents(since: number, pageSize?: number): AsyncIterable<StoredEvent[]>;
  /** Profiles by key: a user's hash, or a session's key (`UserIdHasher.sessionKey`). */
  profiles(userHashes: readonly string[]): Promise<Map<string, UserProfile>>;
  saveProfiles(profiles: readonly UserProfile[]): Promise<void>;
  replaceAllProfiles(profiles: readonly UserProfile[]): Promise<number>;
  productStats(productIds: readonly string[]): Promise<Map<string, ProductStats>>;
  /** Totals over all products: the prior that smooths each product's click-through rate. */
  totalStats(): Promise<ProductStats>;
  /**
   * What shoppers did with each product when it was shown for this query (counted under
   * `queryKey(query)`: impressions from the logged result lists, actions from events that
   * name the search's query_id). Products never shown for the query are absent.
   */
  queryProductStats(query: string, productIds: readonly string[]): Promise<Map<string, QueryProductStats>>;
  /** The query-product counters summed over every query and product: the prior of the rates. */
  queryEngagementTotals(): Promise<QueryProductStats>;
  forgetUser(userHash: string): Promise<ForgetReport>;
  /**
   * Replaces every list of one kind with a freshly built set (readers see the old lists or
   * the new ones for each key; keys not rebuilt disappear). Returns the lists written.
   */
  replaceEngagementLists(name: EngagementListName, lists: readonly EngagementList[]): Promise<number>;
  /** The stored lists of these keys (absent keys have none). */
  engagementLists(name: EngagementListName, keys: readonly string[]): Promise<Map<string, ListedItem[]>>;
  /**
   * Retention: deletes the events dated before `events` and the logged searches (query
   * texts and result lists) before `impressions` (epoch ms), in batches. Fails, saying what
   * is left, when the engine could not delete everything it matched.
   */
  deleteBefore(
    cutoffs: { events: number; impressions: number },
    signal?: AbortSignal,
  ): Promise<RetentionReport>;
  close(): Promise<void>;
}

/** A logged search and what shoppers did with its results: product id -> action types. */
export interface ActedImpression {
  impression: Impression;
  actions: ReadonlyMap<string, EventType[]>;
}

/**
 * The searches logged since `since`, a page at a time, each joined to the clicks, carts and
 * purchases made on its results (training lists, encoder pairs and suggestions read them so).
 */
export async function* impressionsWithActions(
  store: EventStore,
  since: number,
): AsyncIterable<ActedImpression[]> {
  for await (const page of store.impressionsSince(since)) {
    const byQuery = new Map<string, Map<string, EventType[]>>();
    for (const e of await store.eventsForQueries(page.map((i) => i.queryId))) {
      if (!e.queryId || e.type === 'impression') continue;
      const products = byQuery.get(e.queryId) ?? new Map<string, EventType[]>();
      products.set(e.productId, [...(products.get(e.productId) ?? []), e.type]);
      byQuery.set(e.queryId, products);
    }
    yield page.map((impression) => ({
      impression,
      actions: byQuery.get(impression.queryId) ?? new Map<string, EventType[]>(),
    }));
  }
}
