/**
 * Where the generated suggestions are kept between generations and processes (SQLite in
 * `DATA_DIR/suggestions.db` on every backend: suggestions are served from memory).
 */
import type { Suggestion } from './suggestion-generator.ts';

export interface SuggestionStore {
  /** Readers see the old set or the new one, never a mix. */
  replaceAll(suggestions: readonly Suggestion[]): void;
  all(): Suggestion[];
  /** When the stored set was generated (ISO); another process may have replaced it. */
  generatedAt(): string | undefined;
  close(): void;
}
