/**
 * Serves suggestions on every keystroke from memory: each suggestion is indexed under
 * every word start (`drill` finds `cordless drill`; in Chinese and Japanese, which put no
 * spaces between words, the starts of the words a dictionary segmenter finds: `鞋` finds
 * `运动鞋`), a prefix is a binary-searched range of that sorted list, and the best few by
 * weight win. The one- and two-letter prefixes, whose ranges are largest, are answered
 * from a precomputed table. A prefix of four or more characters that starts nothing is
 * read as holding one typo (`drils`, `cordles dr`): the keys with the same first
 * character that begin within one edit of it answer, best by weight.
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
/** Shorter prefixes are too ambiguous to guess a typo in. */
const MIN_TYPO_PREFIX = 4;
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const words = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Where words start: after each space, and inside unspaced (Han, kana) runs where the segmenter says. */
export function wordStarts(text: string): number[] {
  const starts = new Set<number>([0]);
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) starts.add(i + 1);
  if (UNSPACED_SCRIPT.test(text)) {
    for (const segment of words.segment(text))
      if (segment.isWordLike && UNSPACED_SCRIPT.test(segment.segment)) starts.add(segment.index);
  }
  return [...starts].filter((start) => start < text.length).sort((a, b) => a - b);
}

/**
 * Whether some prefix of `key` is within one edit (insertion, deletion, substitution or
 * swap of neighbours) of `typed`: a banded edit distance, rows of three cells.
 */
export function startsWithinOneEdit(key: string, typed: string): boolean {
  const n = typed.length;
  // prev[j] / cur[j]: distance between typed[0..i) and key[0..i+j-1), j in 0..2 (offset -1..+1).
  let prevPrev: number[] | undefined;
  let prev = [Infinity, 0, 1];
  for (let i = 1; i <= n; i++) {
    const cur = [Infinity, Infinity, Infinity];
    for (let d = 0; d < 3; d++) {
      const k = i + d - 1; // characters of key used
      if (k < 0 || k > key.length) continue;
      let best = Infinity;
      if (k > 0) best = Math.min(best, prev[d]! + (typed[i - 1] === key[k - 1] ? 0 : 1)); // match / substitute
      if (d + 1 < 3) best = Math.min(best, prev[d + 1]! + 1); // typed char extra (deletion)
      if (d > 0 && k > 0) best = Math.min(best, cur[d - 1]! + 1); // key char missing (insertion)
      if (prevPrev && i > 1 && k > 1 && typed[i - 1] === key[k - 2] && typed[i - 2] === key[k - 1])
        best = Math.min(best, prevPrev[d]! + 1); // neighbours swapped
      cur[d] = best;
    }
    if (Math.min(...cur) > 1) return false;
    prevPrev = prev;
    prev = cur;
  }
  return Math.min(...prev) <= 1;
}

export class SuggestionIndex {
  private readonly keys: string[] = [];
  private readonly owners: number[] = [];
  private readonly short = new Map<string, number[]>();

  constructor(private readonly suggestions: readonly Suggestion[]) {
    const entries: [string, number][] = [];
    suggestions.forEach((s, i) => {
      for (const start of wordStarts(s.text)) entries.push([s.text.slice(start), i]);
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
    let ids = prefix.length <= PRECOMPUTED_PREFIX ? (this.short.get(prefix) ?? []) : this.scan(prefix, limit);
    if (ids.length === 0 && [...prefix].length >= MIN_TYPO_PREFIX) ids = this.scanOneTypo(prefix, limit);
    return ids.slice(0, limit).map((i) => this.suggestions[i]!);
  }

  private lowerBound(prefix: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.keys[mid]! < prefix) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private best(found: Set<number>, limit: number): number[] {
    return [...found]
      .sort(
        (a, b) =>
          this.suggestions[b]!.weight - this.suggestions[a]!.weight ||
          this.suggestions[a]!.text.localeCompare(this.suggestions[b]!.text),
      )
      .slice(0, limit);
  }

  private scan(prefix: string, limit: number): number[] {
    const found = new Set<number>();
    for (let i = this.lowerBound(prefix); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++)
      found.add(this.owners[i]!);
    return this.best(found, limit);
  }

  /** The keys sharing the first character (a typo there is rare), tested within one edit. */
  private scanOneTypo(prefix: string, limit: number): number[] {
    const first = String.fromCodePoint(prefix.codePointAt(0)!);
    const found = new Set<number>();
    for (let i = this.lowerBound(first); i < this.keys.length && this.keys[i]!.startsWith(first); i++) {
      if (!found.has(this.owners[i]!) && startsWithinOneEdit(this.keys[i]!, prefix))
        found.add(this.owners[i]!);
    }
    return this.best(found, limit);
  }
}
