/**
 * What the keyword (BM25) leg searches for a query once stopwords and synonyms applied:
 * the text without its stopwords (for an engine that analyzes text itself and applies the
 * synonyms in its own search analyzer), and for an engine that takes tokens the analyzed
 * terms plus each synonym's alternatives as token sequences. The vector leg is not touched:
 * it embeds the query as typed.
 */
import { analyze } from '../text/analyzer.ts';
import { type SynonymMatch, type SynonymSet, textWords } from './synonyms.ts';

export interface KeywordQuery {
  /** The query text with its stopwords removed (the whole text when every word is one). */
  text: string;
  /** Analyzed terms of the words still searched (a one-way synonym drops the words it replaces). */
  terms: string[];
  /** Alternatives from synonyms, as token sequences (one token: a term; several: a phrase). */
  phrases: string[][];
  synonyms: SynonymMatch[];
  stopwords: string[];
}

/** Letters and digits around a stopword mark a longer word: "a" in "a/c" is a word, in "ac" it is not. */
function withoutStopwords(text: string, stopwords: ReadonlySet<string>): { text: string; dropped: string[] } {
  if (stopwords.size === 0) return { text, dropped: [] };
  const dropped: string[] = [];
  const kept = text.replace(/[\p{L}\p{N}]+/gu, (word) => {
    const [normalized] = textWords(word);
    if (normalized !== undefined && stopwords.has(normalized)) {
      dropped.push(normalized);
      return ' ';
    }
    return word;
  });
  // A query of stopwords only ("the who") is searched as typed rather than not at all.
  if (textWords(kept).length === 0) return { text, dropped: [] };
  return { text: kept.replace(/\s+/g, ' ').trim(), dropped };
}

export function keywordQuery(
  text: string,
  synonyms: SynonymSet,
  stopwords: ReadonlySet<string>,
): KeywordQuery {
  const stripped = withoutStopwords(text, stopwords);
  const words = textWords(stripped.text);
  const matches = synonyms.match(words);
  const replaced = new Set<number>();
  if (matches.some((m) => m.replaced)) {
    // Word positions of each match, found again by walking the words in order.
    let position = 0;
    for (const match of matches) {
      const span = match.words.split(' ');
      while (
        position < words.length &&
        words.slice(position, position + span.length).join(' ') !== match.words
      )
        position++;
      if (match.replaced) for (let j = 0; j < span.length; j++) replaced.add(position + j);
      position += span.length;
    }
  }
  const terms = [...new Set(words.flatMap((word, i) => (replaced.has(i) ? [] : analyze(word))))];
  // Each alternative once, and not again when it is one of the terms already searched.
  const seen = new Set(terms);
  const phrases = matches
    .flatMap((m) => m.alternatives)
    .filter((tokens) => {
      const key = tokens.join(' ');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { text: stripped.text, terms, phrases, synonyms: matches, stopwords: stripped.dropped };
}
