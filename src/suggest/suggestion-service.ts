/**
 * Generates, stores and serves autocomplete suggestions. What is served leaves out the
 * blocklist's phrases and what an operator removed, at once (a blocklist edit re-serves
 * the stored set; a removal takes the text out of the served index on the spot).
 */
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EventStore } from '../users/event-store.ts';
import { hasHistory, type UserProfile } from '../users/profiles.ts';
import { leanTowardsInterests, shopperInterests } from './affinity-order.ts';
import { SuggestionBlocklist } from './suggestion-blocklist.ts';
import {
  type GenerationCounts,
  mergeSuggestions,
  type Suggestion,
  suggestionsFromCatalog,
  suggestionsFromQueryLog,
} from './suggestion-generator.ts';
import { normalizeSuggestion, SuggestionIndex } from './suggestion-index.ts';
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
    /** The current blocklist (mappings/suggestions-blocklist.yaml, hot-reloaded). */
    private readonly blocklist: () => SuggestionBlocklist = () => new SuggestionBlocklist(),
  ) {}

  /** Serves what was generated last (also by another process sharing the data directory). */
  load(): void {
    this.serve(this.store.all());
  }

  /** Re-serves the stored set under the current blocklist (after the file was edited). */
  applyBlocklist(): void {
    this.load();
  }

  /**
   * Takes a suggestion out at once, here and (through the store) in every process serving
   * it, and keeps it out of later generations. Returns whether it was being suggested.
   */
  remove(text: string): boolean {
    const key = normalizeSuggestion(text);
    const wasStored = this.store.remove(key);
    this.load();
    return wasStored;
  }

  private serve(suggestions: readonly Suggestion[]): void {
    this.loadedGeneration = this.store.generatedAt();
    this.index = new SuggestionIndex(this.allowed(suggestions));
    this.checkedAt = Date.now();
  }

  private allowed(suggestions: readonly Suggestion[]): Suggestion[] {
    const blocklist = this.blocklist();
    const removed = this.store.removed();
    return suggestions.filter((s) => !removed.has(s.text) && !blocklist.blocks(s.text));
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
    // Stored whole, served filtered: a phrase taken off the blocklist comes back at once.
    const merged = mergeSuggestions(fromQueries.suggestions, fromCatalog);
    this.store.replaceAll(merged);
    this.serve(merged);
    return {
      suggestions: this.index.size,
      from_queries: fromQueries.suggestions.length,
      from_catalog: fromCatalog.length,
      queries_seen: fromQueries.queriesSeen,
    };
  }
}
