/**
 * Event intake: validate a batch, hash user and session ids, check each event against what
 * the service knows (its time, its product, the search it names), store the believable ones
 * idempotently and fold them into the shoppers' profiles in the same step: a user's profile
 * for events with a user_id, the session's profile for events with only a session_id (most
 * shoppers are anonymous; a shopper who logs in mid-session is read as both,
 * `mergeProfiles`). A click without a position gets the one its search served, so the
 * position-bias model sees it.
 *
 * Events come from shoppers' browsers, so anyone can send them. What is refused, each with
 * a reason in the report, whether the event names a user or only a session: a time outside
 * the window around now (a year-9999 event would freeze a profile for good, since every
 * later event would count as "arrived late"); a product the catalog does not hold; a
 * query_id the service never served, an event long after (or before) that search, or a
 * product that search did not show.
 */

import type { FieldError } from '../catalog/product.ts';
import { isUnreadable } from '../catalog/product.ts';
import type { ProductSummary, SearchBackend } from '../catalog/search-backend.ts';
import type { EventWindow } from '../main/config.ts';
import type { EventStore, ForgetReport, ProfileFold } from './event-store.ts';
import { eventSchema, type Impression, type StoredEvent } from './events.ts';
import { applyEvent, DEFAULT_HALF_LIFE_DAYS, emptyProfile, type UserProfile } from './profiles.ts';
import { readShopperProfile } from './shopper-profile.ts';
import { profileKeyOf, type UserIdHasher } from './user-ids.ts';

export interface EventBatchReport {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: { index: number; event_id?: string; errors: FieldError[] }[];
}

/** Clocks of shoppers' devices run a little ahead; more than this is not a clock, it is a lie. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface EventServiceOptions {
  halfLifeDays?: number;
  window?: EventWindow;
  /** Receives the newly stored events (online quality metrics). */
  onStored?: (events: readonly StoredEvent[]) => void;
  /** The clock (tests). */
  now?: () => number;
}

interface Candidate {
  index: number;
  event: StoredEvent;
}

export class EventService {
  private readonly halfLifeDays: number;
  private readonly window: EventWindow;
  private readonly now: () => number;

  constructor(
    private readonly store: EventStore,
    private readonly hasher: UserIdHasher,
    private readonly backend: SearchBackend,
    private readonly options: EventServiceOptions = {},
  ) {
    this.halfLifeDays = options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
    this.window = options.window ?? {};
    this.now = options.now ?? Date.now;
  }

  hashUser(userId: string): string {
    return this.hasher.hash(userId);
  }

  hashSession(sessionId: string): string {
    return this.hasher.hashSession(sessionId);
  }

  async ingest(records: readonly unknown[]): Promise<EventBatchReport> {
    const errors: EventBatchReport['errors'] = [];
    const candidates: Candidate[] = [];
    records.forEach((record, index) => {
      const parsed = isUnreadable(record) ? undefined : eventSchema.safeParse(record);
      if (!parsed?.success) {
        const id = (record as { event_id?: unknown } | null)?.event_id;
        errors.push({
          index,
          ...(typeof id === 'string' && { event_id: id }),
          errors: isUnreadable(record)
            ? [record.unreadable]
            : parsed!.error!.issues.map((issue) => ({
                path: issue.path.map(String).join('.'),
                code: issue.code,
                message: issue.message,
              })),
        });
        return;
      }
      const e = parsed.data;
      candidates.push({
        index,
        event: {
          eventId: e.event_id,
          type: e.type,
          productId: e.product_id,
          timestamp: Date.parse(e.timestamp),
          ...(e.user_id && { userHash: this.hasher.hash(e.user_id) }),
          ...(e.session_id && { sessionId: this.hasher.hashSession(e.session_id) }),
          ...(e.query_id && { queryId: e.query_id }),
          ...(e.position !== undefined && { position: e.position }),
        },
      });
    });
    const now = this.now();
    const summaries = await this.backend.getSummaries([...new Set(candidates.map((c) => c.event.productId))]);
    const searches = await this.searchesOf(candidates);
    const events: StoredEvent[] = [];
    for (const candidate of candidates) {
      const problem = this.unbelievable(candidate.event, now, summaries, searches);
      if (problem) {
        errors.push({ index: candidate.index, event_id: candidate.event.eventId, errors: [problem] });
        continue;
      }
      fillPosition(candidate.event, searches);
      events.push(candidate.event);
    }
    errors.sort((a, b) => a.index - b.index);
    const { inserted, duplicates } = await this.store.appendEvents(events, this.fold(summaries, now));
    this.options.onStored?.(inserted);
    return { received: records.length, accepted: events.length, duplicates, rejected: errors.length, errors };
  }

  /**
   * Folds what a crash left stored but not folded into profiles (Elasticsearch; SQLite
   * folds in the transaction that stores). Sending them again folds them exactly once.
   */
  async foldPending(): Promise<number> {
    let folded = 0;
    for await (const page of this.store.unfoldedEvents()) {
      const summaries = await this.backend.getSummaries([...new Set(page.map((e) => e.productId))]);
      await this.store.appendEvents(page, this.fold(summaries, this.now()));
      folded += page.length;
    }
    return folded;
  }

  /** The empty profile for a shopper without history: cold start is not an error. */
  async profile(userId: string): Promise<UserProfile> {
    const hash = this.hasher.hash(userId);
    return (await this.store.profiles([hash])).get(hash) ?? emptyProfile(hash);
  }

  async forgetUser(userId: string): Promise<ForgetReport> {
    return this.store.forgetUser(this.hasher.hash(userId));
  }

  /** The profile of an anonymous session (empty without events). */
  async sessionProfile(sessionId: string): Promise<UserProfile> {
    const key = this.hasher.sessionKey(sessionId);
    return (await this.store.profiles([key])).get(key) ?? emptyProfile(key);
  }

  /** The shopper as one profile: the user's, the session's, or both merged (undefined when unknown). */
  async shopperProfile(
    userId: string | undefined,
    sessionId: string | undefined,
  ): Promise<UserProfile | undefined> {
    return readShopperProfile(
      this.store,
      userId !== undefined ? this.hasher.hash(userId) : undefined,
      sessionId !== undefined ? this.hasher.sessionKey(sessionId) : undefined,
    );
  }

  /**
   * Recomputes every profile, users' and sessions', from the whole event log (batch
   * rebuild). Events dated after now (stored before timestamps were checked) are left out,
   * so they cannot freeze a rebuilt profile either.
   */
  async rebuildProfiles(): Promise<number> {
    // A rebuilt profile forgets which events it folded: fold the pending ones first, or a
    // later resume would count them twice.
    await this.foldPending();
    const profiles = new Map<string, UserProfile>();
    const notAfter = this.now() + MAX_CLOCK_SKEW_MS;
    for await (const page of this.store.actionEvents(0)) {
      const summaries = await this.backend.getSummaries([...new Set(page.map((e) => e.productId))]);
      for (const event of page) {
        if (event.timestamp > notAfter) continue;
        const hash = profileKeyOf(event);
        if (hash === undefined) continue;
        let profile = profiles.get(hash);
        if (!profile) {
          profile = emptyProfile(hash);
          profiles.set(hash, profile);
        }
        applyEvent(profile, event, summaries.get(event.productId), this.halfLifeDays);
      }
    }
    return this.store.replaceAllProfiles([...profiles.values()]);
  }

  /** Why an event cannot be believed, as a field error; undefined when it can. */
  private unbelievable(
    event: StoredEvent,
    now: number,
    summaries: ReadonlyMap<string, ProductSummary>,
    searches: ReadonlyMap<string, Impression>,
  ): FieldError | undefined {
    const { maxAgeMs, maxDelayMs } = this.window;
    if (event.timestamp > now + MAX_CLOCK_SKEW_MS) {
      return { path: 'timestamp', code: 'timestamp_in_future', message: 'the timestamp is in the future' };
    }
    if (maxAgeMs !== undefined && event.timestamp < now - maxAgeMs) {
      return {
        path: 'timestamp',
        code: 'timestamp_too_old',
        message: `events older than ${hours(maxAgeMs)} are not accepted`,
      };
    }
    if (!summaries.has(event.productId)) {
      return {
        path: 'product_id',
        code: 'unknown_product',
        message: 'no product with this id in the catalog',
      };
    }
    if (event.queryId === undefined) return undefined;
    const search = searches.get(event.queryId);
    if (!search) {
      return { path: 'query_id', code: 'unknown_query', message: 'no search with this query_id was served' };
    }
    // Without a delay limit (simulated past traffic) the event's time is not held against its search's.
    if (maxDelayMs !== undefined && event.timestamp < search.timestamp - MAX_CLOCK_SKEW_MS) {
      return { path: 'timestamp', code: 'before_search', message: 'the event is dated before its search' };
    }
    if (maxDelayMs !== undefined && event.timestamp > search.timestamp + maxDelayMs) {
      return {
        path: 'timestamp',
        code: 'outside_search_window',
        message: `an event must happen within ${hours(maxDelayMs)} of its search`,
      };
    }
    if (!search.items.some((item) => item.productId === event.productId)) {
      return { path: 'product_id', code: 'not_in_results', message: 'the search did not show this product' };
    }
    return undefined;
  }

  /** The logged result lists of the searches the events name. */
  private async searchesOf(candidates: readonly Candidate[]): Promise<Map<string, Impression>> {
    const searches = new Map<string, Impression>();
    for (const queryId of new Set(candidates.flatMap((c) => (c.event.queryId ? [c.event.queryId] : [])))) {
      const impression = await this.store.impression(queryId);
      if (impression) searches.set(queryId, impression);
    }
    return searches;
  }

  /** Applies the events in time order; none may move a profile's clock past now. */
  private fold(summaries: ReadonlyMap<string, ProductSummary>, now: number): ProfileFold {
    const notAfter = now + MAX_CLOCK_SKEW_MS;
    return (events, current) => {
      const touched = new Map<string, UserProfile>();
      const keyed = events.flatMap((event) => {
        const key = event.type === 'impression' ? undefined : profileKeyOf(event);
        return key === undefined ? [] : [{ key, event }];
      });
      for (const { key: hash, event } of keyed.sort((a, b) => a.event.timestamp - b.event.timestamp)) {
        const profile = touched.get(hash) ?? structuredClone(current.get(hash)) ?? emptyProfile(hash);
        const at = { ...event, timestamp: Math.min(event.timestamp, notAfter) };
        touched.set(hash, applyEvent(profile, at, summaries.get(event.productId), this.halfLifeDays));
      }
      return [...touched.values()];
    };
  }
}

function fillPosition(event: StoredEvent, searches: ReadonlyMap<string, Impression>): void {
  if (event.position !== undefined || event.queryId === undefined) return;
  const item = searches.get(event.queryId)?.items.find((i) => i.productId === event.productId);
  if (item) event.position = item.position;
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h * 10) / 10} hours` : `${Math.round(ms / 60_000)} minutes`;
}
