/**
 * Gathers what feature extraction needs for one search: the shopper's profile and the
 * products' counters from the event store, and the catalog-wide totals (cached briefly:
 * they sum a whole table and move slowly).
 */
import type { ProductSummary } from '../../catalog/search-backend.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import type { EventStore, ProductStats } from '../../users/event-store.ts';
import type { UserProfile } from '../../users/profiles.ts';
import type { UserIdHasher } from '../../users/user-ids.ts';
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
  private totals: { value: ProductStats; at: number } | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly hasher: UserIdHasher,
  ) {}

  hashUser(userId: string): string {
    return this.hasher.hash(userId);
  }

  async forCandidates(
    query: AnalyzedQuery,
    userId: string | undefined,
    candidates: readonly FusedCandidate[],
    summaries: ReadonlyMap<string, ProductSummary>,
    count: number,
  ): Promise<CandidateFeatures> {
    const top = candidates.slice(0, count);
    const userHash = userId ? this.hasher.hash(userId) : undefined;
    const [profiles, stats, totals] = await Promise.all([
      userHash ? this.store.profiles([userHash]) : Promise.resolve(new Map<string, UserProfile>()),
      this.store.productStats(top.map((c) => c.id)),
      this.cachedTotals(),
    ]);
    const profile = userHash ? profiles.get(userHash) : undefined;
    const features = extractFeatures({ query, profile, stats, totals, now: Date.now() }, top, summaries);
    return { features, count: top.length, ...(userHash && { userHash }), ...(profile && { profile }) };
  }

  private async cachedTotals(): Promise<ProductStats> {
    const now = Date.now();
    if (!this.totals || now - this.totals.at > TOTALS_TTL_MS)
      this.totals = { value: await this.store.totalStats(), at: now };
    return this.totals.value;
  }
}
