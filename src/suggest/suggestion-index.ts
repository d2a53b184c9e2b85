/**
 * Serves suggestions on every keystroke from memory: each suggestion is indexed under
 * every word start (`drill` finds `cordless drill`), a prefix is a binary-searched range of
 * that sorted list, and the best few by weight win. The one- and two-letter prefixes,
 * whose ranges are largest, are answered from a precomputed table.
 */
import { normalizeText } from '../text/analyzer.ts';
import type { Suggestion } from './suggestion-generator.ts';

export function normalizeSuggestion(text: string): string {
  return normalizeText(text)
    .replace(/[^\p{L}\p{N}'\-/. ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const PRECOMPUTED_PREFIX = 2;
const MAX_SIZE = 20;

export class SuggestionIndex {
  private readonly keys: string[] = [];
  private readonly owners: number[] = [];
  private readonly short = new Map<string, number[]>();

  constructor(private readonly suggestions: readonly Suggestion[]) {
    const entries: [string, number][] = [];
    suggestions.forEach((s, i) => {
      const words = s.text.split(' ');
      for (let w = 0; w < words.length; w++) entries.push([words.slice(w).join(' '), i]);
    });
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    for (const [key, owner] of entries) {
      this.keys.push(key);
      this.owners.push(owner);
    }
    const prefixes = new Set(entries.flatMap(([key]) => [key.slice(0, 1), key.slice(0, PRECOMPUTED_PREFIX)]));
    for (const prefix of prefixes) this.short.set(prefix, this.scan(prefix, MAX_SIZE));
  }

  get size(): number {
    return this.suggestions.length;
  }

  suggest(input: string, size = 8): Suggestion[] {
    const prefix = normalizeSuggestion(input);
    if (!prefix) return [];
    const limit = Math.min(size, MAX_SIZE);
    const ids =
      prefix.length <= PRECOMPUTED_PREFIX ? (this.short.get(prefix) ?? []) : this.scan(prefix, limit);
    return ids.slice(0, limit).map((i) => this.suggestions[i]!);
  }

  private scan(prefix: string, limit: number): number[] {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.keys[mid]! < prefix) low = mid + 1;
      else high = mid;
    }
    const found = new Set<number>();
    for (let i = low; i < this.keys.length && this.keys[i]!.startsWith(prefix); i++)
      found.add(this.owners[i]!);
    return [...found]
      .sort(
        (a, b) =>
          this.suggestions[b]!.weight - this.suggestions[a]!.weight ||
          this.suggestions[a]!.text.localeCompare(this.suggestions[b]!.text),
      )
      .slice(0, limit);
  }
}
