/**
 * Hashed sparse features of a text: analyzed words, word bigrams and character n-grams
 * of each word. Character n-grams give typo tolerance (`mowe` shares most grams with
 * `mower`); hashing keeps the vocabulary open, so new catalog words need no refit.
 */
import { analyze, normalizeText } from '../text/analyzer.ts';

export interface NgramSettings {
  /** Number of hash buckets (a power of two). */
  buckets: number;
  charNgramMin: number;
  charNgramMax: number;
  wordBigrams: boolean;
}

export const DEFAULT_NGRAM_SETTINGS: NgramSettings = {
  buckets: 1 << 18,
  charNgramMin: 3,
  charNgramMax: 5,
  wordBigrams: true,
};

export interface SparseFeatures {
  ids: Uint32Array;
  weights: Float32Array;
}

/** FNV-1a over UTF-16 code units, seeded by feature kind so a word and a gram never collide by design. */
export function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca77;
const SEED_CHAR = 0xc2b2ae3d;

export function extractNgramFeatures(
  text: string,
  settings: NgramSettings = DEFAULT_NGRAM_SETTINGS,
): SparseFeatures {
  const mask = settings.buckets - 1;
  const acc = new Map<number, number>();
  const add = (hash: number, weight: number) => {
    const id = hash & mask;
    acc.set(id, (acc.get(id) ?? 0) + weight);
  };
  const words = analyze(text);
  for (const word of words) add(hashString(word, SEED_WORD), 1);
  if (settings.wordBigrams) {
    for (let i = 0; i + 1 < words.length; i++)
      add(hashString(`${words[i]} ${words[i + 1]}`, SEED_BIGRAM), 0.5);
  }
  // Character n-grams come from the unstemmed surface words so misspellings still overlap.
  for (const [surface] of normalizeText(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    const padded = `<${surface}>`;
    const grams: string[] = [];
    for (let n = settings.charNgramMin; n <= settings.charNgramMax; n++) {
      for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
    }
    if (grams.length === 0) continue;
    const weight = 1 / Math.sqrt(grams.length);
    for (const gram of grams) add(hashString(gram, SEED_CHAR), weight);
  }
  const ids = new Uint32Array(acc.size);
  const weights = new Float32Array(acc.size);
  let i = 0;
  for (const [id, w] of acc) {
    ids[i] = id;
    // Sublinear term frequency: a repeated word should not swamp the vector.
    weights[i] = Math.sign(w) * Math.log1p(Math.abs(w));
    i++;
  }
  return { ids, weights };
}
