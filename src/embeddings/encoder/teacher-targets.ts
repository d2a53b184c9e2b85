/**
 * What the in-house encoder is distilled from: the pretrained Universal Sentence Encoder's
 * vectors of the words people use (its own vocabulary of common English words and the
 * catalog's words) and of a sample of the catalog's product texts. Words carry most of the
 * knowledge a shop lacks (a couch is a sofa, a fridge a refrigerator); the titles keep the
 * student's sense of whole products. About 2 ms a word and 8 ms a title on two cores.
 */
import type { UniversalSentenceEncoder } from '../pretrained/universal-sentence-encoder.ts';
import type { TeacherTargets } from './train-encoder.ts';
import type { CatalogText } from './training-pairs.ts';

export interface TeacherSample {
  /** Most of the teacher's own vocabulary words taken. */
  maxVocabularyWords: number;
  /** Most catalog words taken (the most frequent first), besides the teacher's own vocabulary. */
  maxCatalogWords: number;
  maxTexts: number;
}

export const DEFAULT_TEACHER_SAMPLE: TeacherSample = {
  maxVocabularyWords: 10_000,
  maxCatalogWords: 15_000,
  maxTexts: 8_000,
};

const WORD = /\p{L}{3,}/gu;

export function teacherTexts(
  catalog: readonly CatalogText[],
  vocabularyWords: readonly string[],
  sample: TeacherSample = DEFAULT_TEACHER_SAMPLE,
): string[] {
  const frequency = new Map<string, number>();
  for (const product of catalog) {
    for (const word of new Set(product.text.toLowerCase().match(WORD) ?? [])) {
      frequency.set(word, (frequency.get(word) ?? 0) + 1);
    }
  }
  const catalogWords = [...frequency]
    .filter(([, count]) => count >= 2)
    .sort((a, b) => b[1] - a[1])
    .slice(0, sample.maxCatalogWords)
    .map(([word]) => word);
  const step = Math.max(1, catalog.length / sample.maxTexts);
  const texts: string[] = [];
  for (let i = 0; i < catalog.length && texts.length < sample.maxTexts; i += step) {
    texts.push(catalog[Math.floor(i)]!.text);
  }
  return [...new Set([...vocabularyWords.slice(0, sample.maxVocabularyWords), ...catalogWords]), ...texts];
}

export async function teacherTargets(
  teacher: UniversalSentenceEncoder,
  catalog: readonly CatalogText[],
  options: { sample?: TeacherSample; onProgress?: (done: number, total: number) => void } = {},
): Promise<TeacherTargets> {
  const started = performance.now();
  const texts = teacherTexts(catalog, teacher.vocabularyWords(), options.sample);
  const vectors = new Float32Array(texts.length * teacher.dimensions);
  const chunk = 512;
  for (let i = 0; i < texts.length; i += chunk) {
    const embedded = await teacher.embed(texts.slice(i, i + chunk), 'passage');
    for (const [j, vector] of embedded.entries()) vectors.set(vector, (i + j) * teacher.dimensions);
    options.onProgress?.(Math.min(texts.length, i + chunk), texts.length);
  }
  return {
    model: teacher.id,
    texts,
    vectors,
    dimensions: teacher.dimensions,
    seconds: (performance.now() - started) / 1000,
  };
}
