/**
 * The pretrained teacher that ships offline: its tokenizer agrees with the reference
 * implementation, it knows which texts mean alike, and the in-house encoder distilled
 * from it learns what a catalog alone cannot teach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teacherTexts } from '../../src/embeddings/encoder/teacher-targets.ts';
import { trainEncoder } from '../../src/embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../../src/embeddings/encoder/trained-encoder.ts';
import { UniversalSentenceEncoder } from '../../src/embeddings/pretrained/universal-sentence-encoder.ts';

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

describe('Universal Sentence Encoder (offline teacher)', () => {
  let use: UniversalSentenceEncoder;
  beforeAll(async () => {
    use = await UniversalSentenceEncoder.load();
  }, 60_000);
  afterAll(() => use?.close());

  it('embeds unit vectors that put alike texts together', async () => {
    const [phone, cellphone, snow] = await use.embed(
      ['I like my phone', 'Your cellphone looks great.', 'Will it snow tomorrow?'],
      'query',
    );
    expect(dot(phone!, phone!)).toBeCloseTo(1, 4);
    expect(dot(phone!, cellphone!)).toBeGreaterThan(dot(phone!, snow!) + 0.2);
    const [alone] = await use.embed(['I like my phone'], 'query');
    expect(dot(alone!, phone!)).toBeCloseTo(1, 4); // batching does not change a vector
  });

  it('tokenizes as the reference SentencePiece implementation does', async () => {
    // Ids produced by @tensorflow-models/universal-sentence-encoder's tokenizer.
    expect(
      (use as unknown as { tokenizer: { encode(t: string): number[] } }).tokenizer.encode(
        'cordless drill 18v',
      ),
    ).toEqual([2742, 29, 563, 6674, 647, 278]);
  });

  it('samples common words, catalog words and product texts as what the student learns', () => {
    const catalog = ['Grey Television Stand', 'Oak Television Stand', 'Oak Shelf'].map((title) => ({
      title,
      text: title,
    }));
    const sample = { maxVocabularyWords: 1, maxCatalogWords: 2, maxTexts: 2 };
    // One vocabulary word, the two catalog words in most products, every other product text.
    expect(teacherTexts(catalog, ['tv', 'stand'], sample)).toEqual([
      'tv',
      'television',
      'stand',
      'Grey Television Stand',
      'Oak Television Stand',
    ]);
  });

  it("distils the teacher's sense of which words mean alike into the in-house encoder", async () => {
    const products = ['Samsung', 'Sony', 'LG', 'Philips'].flatMap((brand) =>
      ['Smart Television', 'Soundbar', 'Oak Dining Table', 'Linen Sofa', 'Floor Lamp'].map((type) => {
        const title = `${brand} ${type}`;
        return { title, text: title };
      }),
    );
    const words = ['tv', 'television', 'table', 'desk', 'sofa', 'couch', 'lamp', 'light', 'speaker', 'music'];
    const vectors = await use.embed(words, 'passage');
    const flat = new Float32Array(vectors.length * use.dimensions);
    for (const [i, vector] of vectors.entries()) flat.set(vector, i * use.dimensions);
    const teacher = { model: use.id, texts: words, vectors: flat, dimensions: use.dimensions, seconds: 0 };
    const training = { epochs: 3, minPairsPerEpoch: 3000, heldOutProducts: 0, seed: 3, distillBatch: 10 };
    const taught = new TrainedEncoder(await trainEncoder(products, [], { ...training, teacher }));
    const alone = new TrainedEncoder(await trainEncoder(products, [], training));
    // How well each student's word similarities follow the teacher's (Pearson over word pairs).
    const agreement = (encoder: TrainedEncoder) => {
      const student = words.map((w) => encoder.embedOne(w));
      const pairs: [number, number][] = [];
      for (let i = 0; i < words.length; i++)
        for (let j = i + 1; j < words.length; j++)
          pairs.push([dot(student[i]!, student[j]!), dot(vectors[i]!, vectors[j]!)]);
      return pearson(pairs);
    };
    expect(agreement(taught)).toBeGreaterThan(agreement(alone) + 0.2);
    expect(taught.metadata.training.teacher).toMatchObject({ model: use.id, texts: words.length });
  }, 120_000);
});

function pearson(pairs: readonly [number, number][]): number {
  const mean = (k: 0 | 1) => pairs.reduce((sum, p) => sum + p[k], 0) / pairs.length;
  const [mx, my] = [mean(0), mean(1)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
