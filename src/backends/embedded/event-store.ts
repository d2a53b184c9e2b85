/**
 * Shopper data in SQLite (`DATA_DIR/events.db`): a separate file from the search index, since
 * reindexing swaps the index file and shopper history must outlive that.
 */

import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { EngagementList, EngagementListName, ListedItem } from '../../users/engagement-lists.ts';
import type {
  EventStore,
  ForgetReport,
  ProductStats,
  ProfileFold,
  RetentionReport,
} from '../../users/event-store.ts';
import type {
  EventType,
  Impression,
  ImpressionExperiment,
  Intervention,
  StoredEvent,
} from '../../users/events.ts';
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
import { openSqliteFile } from './sqlite-file.ts';

const IMPRESSION_FLUSH_MS = 200;
const IMPRESSION_FLUSH_SIZE = 500;
/** Rows one retention transaction deletes: short enough that searches and events never wait long. */
const RETENTION_BATCH = 5000;

interface EventRow {
  event_id: string;
  type: EventType;
  user_hash: string | null;
  session_id: string | null;
  query_id: string | null;
  product_id: string;
  position: number | null;
  ts: number;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    productId: row.product_id,
    timestamp: row.ts,
    ...(row.user_hash !== null && { userHash: row.user_hash }),
    ...(row.session_id !== null && { sessionId: row.session_id }),
    ...(row.query_id !== null && { queryId: row.query_id }),
    ...(row.position !== null && { position: row.position }),
  };
}

interface ImpressionRow {
  query_id: string;
  user_hash: string | null;
  session_id: string | null;
  query: string;
  ts: number;
  model_version: string | null;
  intervention: string | null;
  experiment: string | null;
  items: string;
}

function toImpression(row: ImpressionRow): Impression {
  return {
    queryId: row.query_id,
    query: row.query,
    timestamp: row.ts,
    items: JSON.parse(row.items) as Impression['items'],
    ...(row.user_hash !== null && { userHash: row.user_hash }),
    ...(row.session_id !== null && { sessionId: row.session_id }),
    ...(row.model_version !== null && { modelVersion: row.model_version }),
    ...(row.intervention !== null && { intervention: JSON.parse(row.intervention) as Intervention }),
    ...(row.experiment !== null && { experiment: JSON.parse(row.experiment) as ImpressionExperiment }),
  };
}

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private pending: Impression[] = [];
  /**
   * How often each product was shown in the pending impressions: the counters a search reads
   * include them, so it never has to write the buffer first.
   */
  private pendingShown = new Map<string, number>();
  /** The same for the query-product counters: (query key, product id) -> what is pending. */
  private pendingQueryShown = new Map<string, Map<string, { impressions: number; examinations: number }>>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(file: string) {
    this.db = openSqliteFile(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        event_id TEXT PRIMARY KEY, type TEXT NOT NULL, user_hash TEXT, session_id TEXT, query_id TEXT,
        product_id TEXT NOT NULL, position INTEGER, ts INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_user ON events(user_hash);
      CREATE INDEX IF NOT EXISTS events_query ON events(query_id);
      CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
      CREATE TABLE IF NOT EXISTS impressions (
        query_id TEXT PRIMARY KEY, user_hash TEXT, session_id TEXT, query TEXT NOT NULL, ts INTEGER NOT NULL,
        model_version TEXT, items TEXT NOT NULL, intervention TEXT
      );
      CREATE INDEX IF NOT EXISTS impressions_user ON impressions(user_hash);
      CREATE INDEX IF NOT EXISTS impressions_ts ON impressions(ts);
      CREATE TABLE IF NOT EXISTS profiles (user_hash TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS product_stats (
        product_id TEXT PRIMARY KEY, impressions INTEGER NOT NULL DEFAULT 0, clicks INTEGER NOT NULL DEFAULT 0,
        carts INTEGER NOT NULL DEFAULT 0, purchases INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS query_product_stats (
        query_key TEXT NOT NULL, product_id TEXT NOT NULL, impressions INTEGER NOT NULL DEFAULT 0,
        examinations REAL NOT NULL DEFAULT 0, clicks INTEGER NOT NULL DEFAULT 0,
        carts INTEGER NOT NULL DEFAULT 0, purchases INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (query_key, product_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS engagement_lists (
        list TEXT NOT NULL, key TEXT NOT NULL, items TEXT NOT NULL, PRIMARY KEY (list, key)
      ) WITHOUT ROWID;
    `);
    // Files from before the randomized share: the column is added, old rows have none.
    const columns = this.db.prepare('PRAGMA table_info(impressions)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'intervention'))
      this.db.exec('ALTER TABLE impressions ADD COLUMN intervention TEXT');
    if (!columns.some((c) => c.name === 'experiment'))
      this.db.exec('ALTER TABLE impressions ADD COLUMN experiment TEXT');
  }

  /**
   * Stores new events (an event_id seen before is a duplicate and ignored), counts them and
   * folds them into the profiles, all in one transaction: a crash leaves all or nothing.
   */
  async appendEvents(
    events: readonly StoredEvent[],
    fold?: ProfileFold,
  ): Promise<{ inserted: StoredEvent[]; duplicates: number }> {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO events(event_id, type, user_hash, session_id, query_id, product_id, position, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const count = this.db.prepare(
      `INSERT INTO product_stats(product_id, clicks, carts, purchases) VALUES (?, ?, ?, ?)
       ON CONFLICT(product_id) DO UPDATE SET clicks = clicks + excluded.clicks, carts = carts + excluded.carts,
         purchases = purchases + excluded.purchases`,
    );
    const countForQuery = this.db.prepare(
      `INSERT INTO query_product_stats(query_key, product_id, clicks, carts, purchases) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(query_key, product_id) DO UPDATE SET clicks = clicks + excluded.clicks,
         carts = carts + excluded.carts, purchases = purchases + excluded.purchases`,
    );
    const queryOf = this.db.prepare('SELECT query FROM impressions WHERE query_id = ?').pluck();
    // An action joins its search's query through the impression, which may still be buffered.
    if (events.some((e) => e.queryId !== undefined)) this.flushNow();
    const inserted: StoredEvent[] = [];
    this.db.transaction(() => {
      for (const e of events) {
        const result = insert.run(
          e.eventId,
          e.type,
          e.userHash ?? null,
          e.sessionId ?? null,
          e.queryId ?? null,
          e.productId,
          e.position ?? null,
          e.timestamp,
        );
        if (result.changes === 0) continue;
        inserted.push(e);
        if (e.type === 'impression') continue;
        const add = actionIncrements(e.type);
        count.run(e.productId, add.clicks, add.carts, add.purchases);
        const query = e.queryId !== undefined ? (queryOf.get(e.queryId) as string | undefined) : undefined;
        const key = query !== undefined ? queryKey(query) : '';
        if (key) countForQuery.run(key, e.productId, add.clicks, add.carts, add.purchases);
      }
      if (fold) this.foldInto(inserted, fold);
    })();
    return { inserted, duplicates: events.length - inserted.length };
  }

  /** Every event is folded in the transaction that stores it: nothing is ever left unfolded. */
  async *unfoldedEvents(): AsyncIterable<StoredEvent[]> {}

  /** Reads, folds and saves the profiles of the events' shoppers; the caller holds the transaction. */
  private foldInto(events: readonly StoredEvent[], fold: ProfileFold): void {
    const withUser = events.filter((e) => profileKeyOf(e) !== undefined);
    if (withUser.length === 0) return;
    const hashes = [...new Set(withUser.map((e) => profileKeyOf(e)!))];
    const rows = this.db
      .prepare('SELECT user_hash, profile FROM profiles WHERE user_hash IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(hashes)) as [string, string][];
    const current = new Map(rows.map(([hash, profile]) => [hash, JSON.parse(profile) as UserProfile]));
    const save = this.db.prepare(
      `INSERT INTO profiles(user_hash, profile, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(user_hash) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
    );
    for (const p of fold(withUser, current)) save.run(p.userHash, JSON.stringify(p), Date.now());
  }

  async deleteBefore(
    cutoffs: { events: number; impressions: number },
    signal?: AbortSignal,
  ): Promise<RetentionReport> {
    this.flushNow();
    const inBatches = async (table: 'events' | 'impressions', before: number): Promise<number> => {
      const remove = this.db.prepare(
        `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ts < ? LIMIT ${RETENTION_BATCH})`,
      );
      let deleted = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { changes } = remove.run(before);
        deleted += changes;
        if (changes < RETENTION_BATCH) return deleted;
        await yieldToRequests();
      }
    };
    return {
      events: await inBatches('events', cutoffs.events),
      impressions: await inBatches('impressions', cutoffs.impressions),
    };
  }

  recordImpression(impression: Impression): void {
    this.pending.push(impression);
    for (const { productId } of impression.items)
      this.pendingShown.set(productId, (this.pendingShown.get(productId) ?? 0) + 1);
    const key = queryKey(impression.query);
    if (key) {
      const shown = this.pendingQueryShown.get(key) ?? new Map();
      for (const { productId, position } of impression.items) {
        const counts = shown.get(productId) ?? { impressions: 0, examinations: 0 };
        counts.impressions++;
        counts.examinations += referenceExamination(position);
        shown.set(productId, counts);
      }
      this.pendingQueryShown.set(key, shown);
    }
    if (this.pending.length >= IMPRESSION_FLUSH_SIZE) this.flushNow();
    else this.flushTimer ??= setTimeout(() => this.flushNow(), IMPRESSION_FLUSH_MS).unref();
  }

  async flush(): Promise<void> {
    this.flushNow();
  }

  private flushNow(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0 || !this.db.open) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingShown = new Map();
    this.pendingQueryShown = new Map();
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO impressions(query_id, user_hash, session_id, query, ts, model_version, items,
         intervention, experiment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const seen = this.db.prepare(
      `INSERT INTO product_stats(product_id, impressions) VALUES (?, 1)
       ON CONFLICT(product_id) DO UPDATE SET impressions = impressions + 1`,
    );
    const seenForQuery = this.db.prepare(
      `INSERT INTO query_product_stats(query_key, product_id, impressions, examinations) VALUES (?, ?, 1, ?)
       ON CONFLICT(query_key, product_id) DO UPDATE SET impressions = impressions + 1,
         examinations = examinations + excluded.examinations`,
    );
    this.db.transaction(() => {
      for (const i of batch) {
        insert.run(
          i.queryId,
          i.userHash ?? null,
          i.sessionId ?? null,
          i.query,
          i.timestamp,
          i.modelVersion ?? null,
          JSON.stringify(i.items),
          i.intervention ? JSON.stringify(i.intervention) : null,
          i.experiment ? JSON.stringify(i.experiment) : null,
        );
        for (const item of i.items) seen.run(item.productId);
        const key = queryKey(i.query);
        if (!key) continue;
        for (const item of i.items)
          seenForQuery.run(key, item.productId, referenceExamination(item.position));
      }
    })();
  }

  async impression(queryId: string): Promise<Impression | undefined> {
    this.flushNow();
    const row = this.db.prepare('SELECT * FROM impressions WHERE query_id = ?').get(queryId) as
      | ImpressionRow
      | undefined;
    return row ? toImpression(row) : undefined;
  }

  /** Impressions from `since` (epoch ms) on, oldest first, in pages. */
  async *impressionsSince(since: number, pageSize = 1000): AsyncIterable<Impression[]> {
    this.flushNow();
    let afterTs = since; // with afterId "" the first page starts at `since` itself
    let afterId = '';
    const page = this.db.prepare(
      'SELECT * FROM impressions WHERE (ts > ? OR (ts = ? AND query_id > ?)) ORDER BY ts, query_id LIMIT ?',
    );
    for (;;) {
      const rows = page.all(afterTs, afterTs, afterId, pageSize) as ImpressionRow[];
      if (rows.length === 0) return;
      const last = rows.at(-1)!;
      afterTs = last.ts;
      afterId = last.query_id;
      yield rows.map(toImpression);
    }
  }

  async eventsForQueries(queryIds: readonly string[]): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare('SELECT * FROM events WHERE query_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(queryIds)) as EventRow[];
    return rows.map(toStoredEvent);
  }

  /** Every event with a user, oldest first, in pages (for rebuilding profiles). */
  async *userEvents(pageSize = 5000): AsyncIterable<StoredEvent[]> {
    let after = '';
    let afterTs = Number.NEGATIVE_INFINITY;
    const page = this.db.prepare(
      `SELECT * FROM events WHERE user_hash IS NOT NULL AND (ts > ? OR (ts = ? AND event_id > ?))
       ORDER BY ts, event_id LIMIT ?`,
    );
    for (;;) {
      const rows = page.all(afterTs, afterTs, after, pageSize) as EventRow[];
      if (rows.length === 0) return;
      afterTs = rows.at(-1)!.ts;
      after = rows.at(-1)!.event_id;
      yield rows.map(toStoredEvent);
    }
  }

  async *actionEvents(since: number, pageSize = 5000): AsyncIterable<StoredEvent[]> {
    let after = '';
    let afterTs = since;
    let first = true;
    const page = this.db.prepare(
      `SELECT * FROM events WHERE type != 'impression' AND (ts > ? OR (ts = ? AND event_id > ?))
       ORDER BY ts, event_id LIMIT ?`,
    );
    for (;;) {
      // The first page starts at `since` itself: no event id sorts before ''.
      const rows = page.all(first ? afterTs - 1 : afterTs, afterTs, after, pageSize) as EventRow[];
      first = false;
      if (rows.length === 0) return;
      afterTs = rows.at(-1)!.ts;
      after = rows.at(-1)!.event_id;
      yield rows.map(toStoredEvent);
      if (rows.length < pageSize) return;
    }
  }

  async replaceEngagementLists(name: EngagementListName, lists: readonly EngagementList[]): Promise<number> {
    const save = this.db.prepare(
      'INSERT OR REPLACE INTO engagement_lists(list, key, items) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM engagement_lists WHERE list = ?').run(name);
      for (const list of lists) save.run(name, list.key, JSON.stringify(list.items));
    })();
    return lists.length;
  }

  async engagementLists(
    name: EngagementListName,
    keys: readonly string[],
  ): Promise<Map<string, ListedItem[]>> {
    if (keys.length === 0) return new Map();
    const rows = this.db
      .prepare(
        'SELECT key, items FROM engagement_lists WHERE list = ? AND key IN (SELECT value FROM json_each(?))',
      )
      .raw()
      .all(name, JSON.stringify(keys)) as [string, string][];
    return new Map(rows.map(([key, items]) => [key, JSON.parse(items) as ListedItem[]]));
  }

  async profiles(userHashes: readonly string[]): Promise<Map<string, UserProfile>> {
    const rows = this.db
      .prepare('SELECT user_hash, profile FROM profiles WHERE user_hash IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(userHashes)) as [string, string][];
    return new Map(rows.map(([hash, profile]) => [hash, JSON.parse(profile) as UserProfile]));
  }

  async saveProfiles(profiles: readonly UserProfile[]): Promise<void> {
    const save = this.db.prepare(
      `INSERT INTO profiles(user_hash, profile, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(user_hash) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      for (const p of profiles) save.run(p.userHash, JSON.stringify(p), Date.now());
    })();
  }

  async replaceAllProfiles(profiles: readonly UserProfile[]): Promise<number> {
    let count = 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM profiles').run();
      const save = this.db.prepare('INSERT INTO profiles(user_hash, profile, updated_at) VALUES (?, ?, ?)');
      for (const p of profiles) {
        save.run(p.userHash, JSON.stringify(p), Date.now());
        count++;
      }
    })();
    return count;
  }

  async productStats(productIds: readonly string[]): Promise<Map<string, ProductStats>> {
    const rows = this.db
      .prepare(
        `SELECT product_id, impressions, clicks, carts, purchases FROM product_stats
         WHERE product_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(productIds)) as (ProductStats & { product_id: string })[];
    const stats = new Map(rows.map(({ product_id, ...counts }) => [product_id, counts]));
    for (const id of new Set(productIds)) {
      const shown = this.pendingShown.get(id);
      if (shown === undefined) continue;
      const counts = stats.get(id) ?? { impressions: 0, clicks: 0, carts: 0, purchases: 0 };
      stats.set(id, { ...counts, impressions: counts.impressions + shown });
    }
    return stats;
  }

  /** Totals over all products: the prior that smooths each product's click-through rate. */
  async totalStats(): Promise<ProductStats> {
    const totals = this.db
      .prepare(
        `SELECT coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks,
           coalesce(sum(carts), 0) AS carts, coalesce(sum(purchases), 0) AS purchases FROM product_stats`,
      )
      .get() as ProductStats;
    for (const shown of this.pendingShown.values()) totals.impressions += shown;
    return totals;
  }

  async queryProductStats(
    query: string,
    productIds: readonly string[],
  ): Promise<Map<string, QueryProductStats>> {
    const key = queryKey(query);
    if (!key || productIds.length === 0) return new Map();
    const rows = this.db
      .prepare(
        `SELECT product_id, impressions, examinations, clicks, carts, purchases FROM query_product_stats
         WHERE query_key = ? AND product_id IN (SELECT value FROM json_each(?))`,
      )
      .all(key, JSON.stringify(productIds)) as (QueryProductStats & { product_id: string })[];
    const stats = new Map(rows.map(({ product_id, ...counts }) => [product_id, counts]));
    const pending = this.pendingQueryShown.get(key);
    if (pending) {
      for (const id of new Set(productIds)) {
        const shown = pending.get(id);
        if (shown) stats.set(id, addQueryProductStats(stats.get(id) ?? EMPTY_QUERY_PRODUCT_STATS, shown));
      }
    }
    return stats;
  }

  async queryEngagementTotals(): Promise<QueryProductStats> {
    let totals = this.db
      .prepare(
        `SELECT coalesce(sum(impressions), 0) AS impressions, coalesce(sum(examinations), 0) AS examinations,
           coalesce(sum(clicks), 0) AS clicks, coalesce(sum(carts), 0) AS carts,
           coalesce(sum(purchases), 0) AS purchases FROM query_product_stats`,
      )
      .get() as QueryProductStats;
    for (const shown of this.pendingQueryShown.values())
      for (const counts of shown.values()) totals = addQueryProductStats(totals, counts);
    return totals;
  }

  /**
   * The user's events, logged searches and profile, and every session linked to the user
   * (a session id on one of their events or searches): its anonymous events and searches
   * too, so a profile rebuild cannot bring its profile back, and its session profile.
   */
  async forgetUser(userHash: string): Promise<ForgetReport> {
    this.flushNow();
    return this.db.transaction(() => {
      const sessions = this.db
        .prepare(
          `SELECT session_id FROM events WHERE user_hash = ? AND session_id IS NOT NULL
           UNION SELECT session_id FROM impressions WHERE user_hash = ? AND session_id IS NOT NULL`,
        )
        .pluck()
        .all(userHash, userHash) as string[];
      const linked = JSON.stringify(sessions);
      const byShopper = 'user_hash = ? OR session_id IN (SELECT value FROM json_each(?))';
      return {
        events: this.db.prepare(`DELETE FROM events WHERE ${byShopper}`).run(userHash, linked).changes,
        impressions: this.db.prepare(`DELETE FROM impressions WHERE ${byShopper}`).run(userHash, linked)
          .changes,
        profile: this.db.prepare('DELETE FROM profiles WHERE user_hash = ?').run(userHash).changes > 0,
        sessions: this.db
          .prepare('DELETE FROM profiles WHERE user_hash IN (SELECT value FROM json_each(?))')
          .run(JSON.stringify(sessions.map(sessionProfileKey))).changes,
      };
    })();
  }

  async close(): Promise<void> {
    this.flushNow();
    this.db.close();
  }
}
