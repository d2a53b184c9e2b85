/**
 * Event intake: validate a batch, hash user ids, store it idempotently, and fold the new
 * events into the shoppers' profiles at once: a user's profile for events with a user_id,
 * the session's profile for events with only a session_id (most shoppers are anonymous; a
 * shopper who logs in mid-session is read as both, `mergeProfiles`). A click without a
 * position gets the one its search served, so the position-bias model sees it.
 */

import type { FieldError } from '../catalog/product.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EventStore, ForgetReport } from './event-store.ts';
import { eventSchema, type StoredEvent } from './events.ts';
import { applyEvent, DEFAULT_HALF_LIFE_DAYS, emptyProfile, type UserProfile } from './profiles.ts';
import { readShopperProfile } from './shopper-profile.ts';
import type { UserIdHasher } from './user-ids.ts';

export interface EventBatchReport {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: { index: number; event_id?: string; errors: FieldError[] }[];
}

export class EventService {
  constructor(
    private readonly store: EventStore,
    private readonly hasher: UserIdHasher,
    private readonly backend: SearchBackend,
    private readonly halfLifeDays = DEFAULT_HALF_LIFE_DAYS,
    /** Receives the newly stored events (online quality metrics). */
    private readonly onStored?: (events: readonly StoredEvent[]) => void,
  ) {}

  hashUser(userId: string): string {
    return this.hasher.hash(userId);
  }

  /** The key an event's profile is kept under: the user's, else the session's. */
  private profileKey(event: StoredEvent): string | undefined {
    if (event.userHash !== undefined) return event.userHash;
    return event.sessionId !== undefined ? this.hasher.sessionKey(event.sessionId) : undefined;
  }

  async ingest(records: readonly unknown[]): Promise<EventBatchReport> {
    const errors: EventBatchReport['errors'] = [];
    const events: StoredEvent[] = [];
    records.forEach((record, index) => {
      const parsed = eventSchema.safeParse(record);
      if (!parsed.success) {
        const id = (record as { event_id?: unknown } | null)?.event_id;
        errors.push({
          index,
          ...(typeof id === 'string' && { event_id: id }),
          errors: parsed.error.issues.map((issue) => ({
            path: issue.path.map(String).join('.'),
            code: issue.code,
            message: issue.message,
          })),
        });
        return;
      }
      const e = parsed.data;
      events.push({
        eventId: e.event_id,
        type: e.type,
        productId: e.product_id,
        timestamp: Date.parse(e.timestamp),
        ...(e.user_id && { userHash: this.hasher.hash(e.user_id) }),
        ...(e.session_id && { sessionId: e.session_id }),
        ...(e.query_id && { queryId: e.query_id }),
        ...(e.position !== undefined && { position: e.position }),
      });
    });
    await this.fillPositions(events);
    const { inserted, duplicates } = await this.store.appendEvents(events);
    this.onStored?.(inserted);
    await this.updateProfiles(inserted);
    return { received: records.length, accepted: events.length, duplicates, rejected: errors.length, errors };
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

  /** Recomputes every profile, users' and sessions', from the whole event log (batch rebuild). */
  async rebuildProfiles(): Promise<number> {
    const profiles = new Map<string, UserProfile>();
    for await (const page of this.store.actionEvents(0)) {
      const summaries = await this.backend.getSummaries([...new Set(page.map((e) => e.productId))]);
      for (const event of page) {
        const hash = this.profileKey(event);
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

  private async fillPositions(events: StoredEvent[]): Promise<void> {
    const missing = events.filter((e) => e.position === undefined && e.queryId !== undefined);
    const byQuery = new Map<string, Map<string, number>>();
    for (const queryId of new Set(missing.map((e) => e.queryId!))) {
      const impression = await this.store.impression(queryId);
      if (impression)
        byQuery.set(queryId, new Map(impression.items.map((item) => [item.productId, item.position])));
    }
    for (const event of missing) {
      const position = byQuery.get(event.queryId!)?.get(event.productId);
      if (position !== undefined) event.position = position;
    }
  }

  private async updateProfiles(events: readonly StoredEvent[]): Promise<void> {
    const keyed = events.flatMap((e) => {
      const key = e.type === 'impression' ? undefined : this.profileKey(e);
      return key === undefined ? [] : [{ key, event: e }];
    });
    if (keyed.length === 0) return;
    const hashes = [...new Set(keyed.map((k) => k.key))];
    const [profiles, summaries] = await Promise.all([
      this.store.profiles(hashes),
      this.backend.getSummaries([...new Set(keyed.map((k) => k.event.productId))]),
    ]);
    const touched = new Map<string, UserProfile>();
    for (const { key: hash, event } of [...keyed].sort((a, b) => a.event.timestamp - b.event.timestamp)) {
      const profile = touched.get(hash) ?? profiles.get(hash) ?? emptyProfile(hash);
      touched.set(hash, applyEvent(profile, event, summaries.get(event.productId), this.halfLifeDays));
    }
    await this.store.saveProfiles([...touched.values()]);
  }
}
