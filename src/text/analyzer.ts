/**
 * Text analysis shared by indexing and querying: the embedded backend feeds FTS5 the
 * tokens produced here (FTS5 itself only splits on spaces), so index terms, query terms
 * and the document frequencies we look up for query planning always agree.
 *
 * - Unicode NFKC, lower case, diacritics removed.
 * - Runs of letters/digits are tokens; a run that mixes letters and digits
 *   (`36x66`, `8in`, `dw745`) is kept whole and also split at each letter/digit boundary,
 *   so `36x66` matches `36 in. x 66 in.` and `dw745` still matches exactly.
 * - English words are Porter-stemmed (`mowers` -> `mower`).
 * - Chinese, Japanese and Korean text becomes overlapping character bigrams (the
 *   approach of Elasticsearch's `cjk` analyzer), so `运动鞋` finds `秋季新款运动鞋`.
 */
import { stemmer } from 'stemmer';

const WORD_RUN = /[\p{L}\p{N}]+/gu;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_SPLIT = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)/u;
const LETTER_DIGIT_BOUNDARY = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const LATIN_WORD = /^[a-z]+$/;
// Accents come off Latin, Greek and Cyrillic letters only (café = cafe); elsewhere a mark
// is part of the letter: Japanese ガ is カ plus a voicing mark, and a different word without it.
const DIACRITICS = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFD').replace(DIACRITICS, '$1').normalize('NFC');
}

function stem(token: string): string {
  return LATIN_WORD.test(token) && token.length > 2 ? stemmer(token) : token;
}

function pushCjkBigrams(run: string, out: string[]): void {
  const chars = [...run];
  if (chars.length === 1) {
    out.push(chars[0]!);
    return;
  }
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
}

function pushWord(word: string, out: string[]): void {
  const parts = word.split(LETTER_DIGIT_BOUNDARY);
  if (parts.length > 1) out.push(word);
  for (const part of parts) out.push(stem(part));
}

/** Index and query tokens of a text, in order, duplicates kept (term frequency matters). */
export function analyze(text: string | undefined | null): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const [run] of normalizeText(text).matchAll(WORD_RUN)) {
    if (!CJK_CHAR.test(run)) {
      pushWord(run, out);
      continue;
    }
    for (const piece of run.split(CJK_SPLIT)) {
      if (!piece) continue;
      if (CJK_CHAR.test(piece)) pushCjkBigrams(piece, out);
      else pushWord(piece, out);
    }
  }
  return out;
}

/** A search query, analyzed once for every stage that reads it. */
export interface AnalyzedQuery {
  text: string;
  /** Distinct terms in first-seen order. */
  terms: string[];
  /** Normalized and single-spaced: what an exact phrase match looks for. */
  phrase: string;
  hasDigits: boolean;
}

export function analyzeQuery(text: string): AnalyzedQuery {
  return {
    text,
    terms: [...new Set(analyze(text))],
    phrase: normalizeText(text).replace(/\s+/g, ' ').trim(),
    hasDigits: /\d/.test(text),
  };
}
