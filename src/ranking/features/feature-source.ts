/**
 * Gathers what feature extraction needs for one search: the shopper's profile and the
 * candidates' engagement for this query from the event store, and the totals over every
 * query (cached briefly: they sum a whole table and move slowly).
 */
import type { ProductSummary } from '../../catalog/search-backend.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import type { EventStore } from '../../users/event-store.ts';
import type { UserProfile } from '../../users/profiles.ts';
import type { QueryProductStats } from '../../users/query-engagement.ts';
import { readShopperProfile } from '../../users/shopper-profile.ts';
import { sessionProfileKey, type UserIdHasher } from '../../users/user-ids.ts';
import type { FusedCandidate } from '../candidate.ts';
import { extractFeatures } from './extract.ts';

const TOTALS_TTL_MS = 10_000;

export interface CandidateFeatures {
  /** count x FEATURE_COUNT for the first `count` candidates. */
  features: Float32Array;
  count: number;
  userHash?: string;
  profile?: UserProfile;
}

export class FeatureSource {
  private totals: { value: QueryProductStats; at: number } | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly hasher: UserIdHasher,
  ) {}

  hashUser(userId: string): string {
    return this.hasher.hash(userId);
  }

  /**
   * Features of the first `count` candidates of a search. The shopper is named by user id
   * (a search) or by the hash stored with logged searches (the training gate replaying
   * judged queries for shoppers with history). The shopper's profile is the user's when
   * there is one and the session's otherwise, both merged when a shopper logged in
   * mid-session (`resolveProfile`).
   */
  async forCandidates(
    search: { query: AnalyzedQuery; text: string; userId?: string; userHash?: string; sessionId?: string },
    candidates: readonly FusedCandidate[],
    summaries: ReadonlyMap<string, ProductSummary>,
    count: number,
  ): Promise<CandidateFeatures> {
    const top = candidates.slice(0, count);
    const userHash = search.userHash ?? (search.userId ? this.hasher.hash(search.userId) : undefined);
    const [profile, engagement, totals] = await Promise.all([
      this.resolveProfile(userHash, search.sessionId),
      this.store.queryProductStats(
        search.text,
        top.map((c) => c.id),
      ),
      this.cachedTotals(),
    ]);
    const features = extractFeatures(
      { query: search.query, profile, engagement, totals, now: Date.now() },
      top,
      summaries,
    );
    return { features, count: top.length, ...(userHash && { userHash }), ...(profile && { profile }) };
  }

  /** A session id as stored with events and searches (its keyed hash). */
  hashSession(sessionId: string): string {
    return this.hasher.hashSession(sessionId);
  }

  /**
   * The user's profile, the session's, or both merged; undefined for a shopper unknown by
   * both. The session is named by its hash (searches carry it hashed, `hashSession`).
   */
  async resolveProfile(
    userHash: string | undefined,
    sessionHash: string | undefined,
  ): Promise<UserProfile | undefined> {
    return readShopperProfile(
      this.store,
      userHash,
      sessionHash !== undefined ? sessionProfileKey(sessionHash) : undefined,
    );
  }

  private async cachedTotals(): Promise<QueryProductStats> {
    const now = Date.now();
    if (!this.totals || now - this.totals.at > TOTALS_TTL_MS)
      this.totals = { value: await this.store.queryEngagementTotals(), at: now };
    return this.totals.value;
  }
}
