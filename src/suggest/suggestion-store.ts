/**
 * Where the generated suggestions are kept between generations and processes (SQLite in
 * `DATA_DIR/suggestions.db` on every backend: suggestions are served from memory).
 */
import type { Suggestion } from './suggestion-generator.ts';

export interface SuggestionStore {
  /** Readers see the old set or the new one, never a mix. */
  replaceAll(suggestions: readonly Suggestion[]): void;
  all(): Suggestion[];
  /**
   * Takes one suggestion out of the stored set and remembers it, so later generations leave
   * it out too; marks the set changed so other processes reload it. False when it was not
   * in the set (it is remembered all the same).
   */
  remove(text: string): boolean;
  /** The texts an operator removed. */
  removed(): Set<string>;
  /** When the stored set was generated (ISO); another process may have replaced it. */
  generatedAt(): string | undefined;
  close(): void;
}
