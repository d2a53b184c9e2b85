/**
 * Query spelling correction against the catalog's own vocabulary (SymSpell deletes via
 * mnemonist): `pressue washer` -> `pressure washer`, `windowair` -> `window air`.
 *
 * A word is a candidate for correction only when the catalog barely knows it (it occurs in
 * fewer than `rareBelow` products) and it is made of letters: numbers, sizes and model
 * codes (`dw745`, `3/4`) are never touched. Among the words within edit distance 1 (2 for
 * long words) the winner is the one that co-occurs with the query's other words in the
 * most products (context), then the most frequent one; it must be far more frequent than
 * the word typed. A word the catalog does know but rarely is kept beside its correction
 * (`steele` may be a brand), so the keyword leg searches both.
 */
import { SymSpell } from 'mnemonist';
import { analyze, normalizeText } from './analyzer.ts';

export interface SpellingChange {
  from: string;
  to: string;
  /** The typed word occurs in the catalog too, so both are searched. */
  kept: boolean;
}

export interface SpellingCorrection {
  /** The query with corrections applied (kept words stay beside their correction). */
  text: string;
  /** The query as the shopper probably meant it (corrections replace the typed words). */
  suggestion: string;
  changes: SpellingChange[];
}

export interface SpellingOptions {
  /** Words found in fewer products than this may be corrected. */
  rareBelow: number;
  /** A correction must occur in this many times more products than the typed word. */
  minRatio: number;
  /** Shortest word corrected at all; words from 8 letters may be off by two edits. */
  minLength: number;
  longWordLength: number;
}

export const DEFAULT_SPELLING_OPTIONS: SpellingOptions = {
  rareBelow: 3,
  minRatio: 10,
  minLength: 4,
  longWordLength: 8,
};

const MEMO_LIMIT = 50_000;
const WORD = /[\p{L}\p{N}]+/gu;
const LETTERS_ONLY = /^\p{L}+$/u;
/** Scripts written without spaces have no edit-distance typos worth fixing this way. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function surfaceWords(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

/** The analyzer's form of a word (`mowers` -> `mower`): rarity is judged on it. */
function stemOf(word: string): string {
  return analyze(word).at(-1) ?? word;
}

/** |a ∩ b| of two sorted lists: each element of the shorter is binary-searched in the longer. */
function intersectionSize(a: Uint32Array, b: Uint32Array): number {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  let n = 0;
  let low = 0;
  for (const value of small) {
    let high = large.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (large[mid]! < value) low = mid + 1;
      else high = mid;
    }
    if (low === large.length) break;
    if (large[low] === value) n++;
  }
  return n;
}

export class SpellingDictionary {
  /** Corrections already worked out, per word and context (queries repeat their words). */
  private readonly memo = new Map<string, string | null>();

  private constructor(
    private readonly postings: Map<string, Uint32Array>,
    private readonly stems: Map<string, number>,
    private readonly near: SymSpell,
    private readonly far: SymSpell,
    private readonly options: SpellingOptions,
  ) {}

  /** Builds the dictionary from the catalog's texts (one text per product). */
  static build(texts: Iterable<string>, options: Partial<SpellingOptions> = {}): SpellingDictionary {
    const lists = new Map<string, number[]>();
    let doc = 0;
    for (const text of texts) {
      for (const word of new Set(surfaceWords(text))) {
        let list = lists.get(word);
        if (!list) {
          list = [];
          lists.set(word, list);
        }
        list.push(doc);
      }
      doc++;
    }
    const settings = { ...DEFAULT_SPELLING_OPTIONS, ...options };
    // Two indexes: one edit for every word, two edits for long words only (the deletes of
    // a distance-2 index cost about ten times as much to look up).
    const near = new SymSpell({ maxDistance: 1, verbosity: 2 });
    const far = new SymSpell({ maxDistance: 2, verbosity: 2 });
    const postings = new Map<string, Uint32Array>();
    const stems = new Map<string, number>();
    for (const [word, list] of lists) {
      postings.set(word, Uint32Array.from(list));
      const stem = stemOf(word);
      stems.set(stem, Math.max(stems.get(stem) ?? 0, list.length));
      if (!LETTERS_ONLY.test(word) || CJK.test(word) || word.length < settings.minLength - 1) continue;
      near.add(word);
      if (word.length >= settings.longWordLength - 2) far.add(word);
    }
    return new SpellingDictionary(postings, stems, near, far, settings);
  }

  get size(): number {
    return this.postings.size;
  }

  /** Products that hold `word` (its document frequency). */
  frequency(word: string): number {
    return this.postings.get(word)?.length ?? 0;
  }

  /**
   * The corrected query, or undefined when every word looks right. `declared`: words the
   * shop uses on purpose though its titles lack them (its synonyms), never corrected.
   */
  correct(query: string, declared?: (word: string) => boolean): SpellingCorrection | undefined {
    const words = surfaceWords(query);
    const known = words.filter((w) => this.frequency(w) >= this.options.rareBelow);
    const contextKey = known.join(' ');
    const changes: SpellingChange[] = [];
    const searched: string[] = [];
    const suggested: string[] = [];
    for (const word of words) {
      const key = `${word}|${contextKey}`;
      let memo = declared?.(word) ? null : this.memo.get(key);
      if (memo === undefined) {
        memo = this.correctWord(word, known) ?? null;
        if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
        this.memo.set(key, memo);
      }
      const to = memo ?? undefined;
      if (to === undefined) {
        searched.push(word);
        suggested.push(word);
        continue;
      }
      const kept = this.frequency(word) > 0;
      changes.push({ from: word, to, kept });
      searched.push(kept ? `${word} ${to}` : to);
      suggested.push(to);
    }
    if (changes.length === 0) return undefined;
    return { text: searched.join(' '), suggestion: suggested.join(' '), changes };
  }

  private correctWord(word: string, context: readonly string[]): string | undefined {
    const { rareBelow, minRatio, minLength, longWordLength } = this.options;
    if (word.length < minLength || !LETTERS_ONLY.test(word) || CJK.test(word)) return undefined;
    const own = this.frequency(word);
    const stem = stemOf(word);
    if (own >= rareBelow || (this.stems.get(stem) ?? 0) >= rareBelow) return undefined;
    const floor = Math.max(minRatio * own, rareBelow);
    let best: { term: string; context: number; frequency: number; distance: number } | undefined;
    const index = word.length >= longWordLength ? this.far : this.near;
    for (const match of index.search(word)) {
      if (match.distance === 0) continue;
      const frequency = this.frequency(match.term);
      if (frequency < floor || stemOf(match.term) === stem) continue;
      const candidate = {
        term: match.term,
        context: this.contextSupport(match.term, context),
        frequency,
        distance: match.distance,
      };
      if (
        !best ||
        candidate.distance < best.distance ||
        (candidate.distance === best.distance &&
          (candidate.context > best.context ||
            (candidate.context === best.context && candidate.frequency > best.frequency)))
      )
        best = candidate;
    }
    return best?.term ?? this.split(word);
  }

  /**
   * How strongly the query's other words point at `term`: the sum over them of the share of
   * their products that also hold `term`, so `head` (in `sower head`) backs `shower` more
   * than a word found everywhere, like `inch`, backs `power`.
   */
  private contextSupport(term: string, context: readonly string[]): number {
    const postings = this.postings.get(term);
    if (!postings) return 0;
    let support = 0;
    for (const word of context) {
      const other = this.postings.get(word);
      if (other) support += intersectionSize(postings, other) / other.length;
    }
    return support;
  }

  /** `windowair` -> `window air` when both halves are common words that occur together. */
  private split(word: string): string | undefined {
    const { rareBelow, minLength } = this.options;
    let best: { text: string; support: number } | undefined;
    for (let i = minLength - 1; i <= word.length - (minLength - 1); i++) {
      const left = this.postings.get(word.slice(0, i));
      const right = this.postings.get(word.slice(i));
      if (!left || !right || left.length < rareBelow || right.length < rareBelow) continue;
      const support = intersectionSize(left, right);
      if (support > 0 && (!best || support > best.support))
        best = { text: `${word.slice(0, i)} ${word.slice(i)}`, support };
    }
    return best?.text;
  }
}
