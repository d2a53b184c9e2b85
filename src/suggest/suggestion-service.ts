/** Generates, stores and serves autocomplete suggestions. */
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EventStore } from '../users/event-store.ts';
import { hasHistory, type UserProfile } from '../users/profiles.ts';
import { leanTowardsInterests, shopperInterests } from './affinity-order.ts';
import {
  type GenerationCounts,
  mergeSuggestions,
  type Suggestion,
  suggestionsFromCatalog,
  suggestionsFromQueryLog,
} from './suggestion-generator.ts';
import { SuggestionIndex } from './suggestion-index.ts';
import type { SuggestionStore } from './suggestion-store.ts';

/** How often serving checks whether another process (a CronJob, the CLI) wrote new suggestions. */
const FRESHNESS_CHECK_MS = 10_000;
const MAX_CANDIDATES = 20;

export class SuggestionService {
  private index = new SuggestionIndex([]);
  private loadedGeneration: string | undefined;
  private checkedAt = 0;

  constructor(
    private readonly store: SuggestionStore,
    private readonly events: EventStore,
    private readonly backend: SearchBackend,
  ) {}

  /** Serves what was generated last (also by another process sharing the data directory). */
  load(): void {
    this.serve(this.store.all());
  }

  private serve(suggestions: readonly Suggestion[]): void {
    this.loadedGeneration = this.store.generatedAt();
    this.index = new SuggestionIndex(suggestions);
    this.checkedAt = Date.now();
  }

  /** The best suggestions for a prefix; with a shopper's profile, leaning towards their brands and categories. */
  suggest(prefix: string, size: number, profile?: UserProfile): Suggestion[] {
    if (Date.now() - this.checkedAt > FRESHNESS_CHECK_MS) {
      this.checkedAt = Date.now();
      if (this.store.generatedAt() !== this.loadedGeneration) this.load();
    }
    if (!hasHistory(profile)) return this.index.suggest(prefix, size);
    // A deeper list than asked for, so a suggestion the shopper cares about can move up into it.
    return leanTowardsInterests(this.index.suggest(prefix, MAX_CANDIDATES), shopperInterests(profile!), size);
  }

  get generatedAt(): string | undefined {
    return this.store.generatedAt();
  }

  async regenerate(options: {
    days: number;
    minShoppers: number;
    signal?: AbortSignal;
  }): Promise<GenerationCounts> {
    const since = Date.now() - options.days * 86_400_000;
    const fromQueries = await suggestionsFromQueryLog(this.events, {
      since,
      minShoppers: options.minShoppers,
      ...(options.signal && { signal: options.signal }),
    });
    const fromCatalog = await suggestionsFromCatalog(this.backend.scanProducts(1000), options.signal);
    options.signal?.throwIfAborted();
    const merged = mergeSuggestions(fromQueries.suggestions, fromCatalog);
    this.store.replaceAll(merged);
    this.serve(merged);
    return {
      suggestions: merged.length,
      from_queries: fromQueries.suggestions.length,
      from_catalog: fromCatalog.length,
      queries_seen: fromQueries.queriesSeen,
    };
  }
}
