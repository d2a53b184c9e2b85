/**
 * Phrases never to suggest (`mappings/suggestions-blocklist.yaml`): what the shop's people
 * list there is kept out of autocomplete, both out of each generation and, when the file
 * is edited, out of what is served at once. A phrase blocks every suggestion that contains
 * it as whole words ("cheap" blocks "cheap drill", not "cheapest").
 */
import { z } from 'zod';
import { normalizeSuggestion } from './suggestion-index.ts';

export const suggestionBlocklistSchema = z
  .strictObject({
    phrases: z
      .array(
        z
          .string()
          .max(80, 'a phrase is at most 80 characters')
          .refine((phrase) => normalizeSuggestion(phrase) !== '', 'a phrase needs a letter or digit'),
      )
      .max(100_000)
      .nullable()
      .default([])
      .transform((phrases) => phrases ?? []),
  })
  .nullable()
  .transform((file) => file ?? { phrases: [] });

export type SuggestionBlocklistFile = z.output<typeof suggestionBlocklistSchema>;

export class SuggestionBlocklist {
  private readonly phrases: readonly string[];

  constructor(phrases: readonly string[] = []) {
    this.phrases = [...new Set(phrases.map(normalizeSuggestion))];
  }

  /** Whether a suggestion's text contains a listed phrase as whole words. */
  blocks(text: string): boolean {
    if (this.phrases.length === 0) return false;
    const padded = ` ${normalizeSuggestion(text)} `;
    return this.phrases.some((phrase) => padded.includes(` ${phrase} `));
  }
}
