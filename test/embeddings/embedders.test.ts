/**
 * One interface suite for every Embedder: the untrained hashing baseline, the in-house
 * trained encoder, and transformers.js loading a tiny ONNX model that the project writes
 * itself (scripts/make-tiny-onnx-model.ts), through the real loading path.
 */
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTinyOnnxModel } from '../../scripts/make-tiny-onnx-model.ts';
import { CachedEmbedder } from '../../src/backends/embedded/embedding-cache.ts';
import type { Embedder } from '../../src/embeddings/embedder.ts';
import { activeEncoderDir } from '../../src/embeddings/encoder/encoder-artifact.ts';
import { TrainedEncoder } from '../../src/embeddings/encoder/trained-encoder.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { TransformersEmbedder } from '../../src/embeddings/transformers-embedder.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));

const tinyModelRoot = temporaryDirectory('tiny-model-');
writeTinyOnnxModel(path.join(tinyModelRoot, 'local', 'tiny-bert'));

function transformers(dtype: 'fp32' | 'q8', prefixes = { queryPrefix: '', passagePrefix: '' }) {
  return TransformersEmbedder.load({
    model: 'local/tiny-bert',
    localModelPath: tinyModelRoot,
    allowRemoteModels: false,
    dtype,
    pooling: 'mean',
    batchSize: 2,
    ...prefixes,
  });
}

const embedders: [string, () => Promise<Embedder>][] = [
  ['hashing (untrained baseline)', async () => new HashingEmbedder()],
  [
    'in-house trained encoder',
    async () => TrainedEncoder.load(activeEncoderDir(inject('encoderModelsDir'))!),
  ],
  ['transformers.js, tiny generated ONNX model, fp32', () => transformers('fp32')],
  ['transformers.js, tiny generated ONNX model, q8', () => transformers('q8')],
];

describe.each(embedders)('Embedder: %s', (_name, create) => {
  it('returns one unit-length vector of its dimensions per text, deterministically', async () => {
    const embedder = await create();
    const texts = ['cordless drill', 'Lodge 12 in. Cast Iron Skillet', '秋季新款运动鞋'];
    const vectors = await embedder.embed(texts, 'passage');
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(embedder.dimensions);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
    const again = await (await create()).embed(texts, 'passage');
    expect(again.map((v) => Array.from(v))).toEqual(vectors.map((v) => Array.from(v)));
    expect(embedder.id).toMatch(/\S+/);
  });

  it('gives the same vectors in a batch as one at a time', async () => {
    const embedder = await create();
    const texts = ['drill driver', 'garden hose 50 ft', 'running shoes'];
    const batch = await embedder.embed(texts, 'query');
    for (const [i, text] of texts.entries()) {
      const [single] = await embedder.embed([text], 'query');
      expect(cosine(single!, batch[i]!)).toBeCloseTo(1, 5);
    }
  });

  it('puts texts that share words closer than unrelated ones', async () => {
    const embedder = await create();
    const [query, near, far] = await embedder.embed(
      ['cordless drill', 'DeWalt 20V cordless drill driver', 'cast iron skillet'],
      'passage',
    );
    expect(cosine(query!, near!)).toBeGreaterThan(cosine(query!, far!) + 0.05);
  });

  it('copes with an empty text', async () => {
    const embedder = await create();
    const [empty] = await embedder.embed([''], 'query');
    expect(empty!.length).toBe(embedder.dimensions);
    expect(empty!.every(Number.isFinite)).toBe(true);
  });
});

describe('transformers.js adapter', () => {
  it('prepends the query and passage prefixes e5 models expect', async () => {
    const plain = await transformers('fp32');
    const e5 = await transformers('fp32', { queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const [asQuery] = await e5.embed(['garden hose'], 'query');
    const [asPassage] = await e5.embed(['garden hose'], 'passage');
    const [prefixedByHand] = await plain.embed(['query: garden hose'], 'query');
    expect(cosine(asQuery!, prefixedByHand!)).toBeCloseTo(1, 5);
    expect(cosine(asQuery!, asPassage!)).toBeLessThan(0.9999);
  });

  it('loads quantized weights that stay close to the full-precision ones', async () => {
    const [full] = await (await transformers('fp32')).embed(['lawn mower'], 'passage');
    const [quantized] = await (await transformers('q8')).embed(['lawn mower'], 'passage');
    expect(cosine(full!, quantized!)).toBeGreaterThan(0.99);
  });

  it('refuses a model that is not on disk when remote models are off', async () => {
    await expect(
      TransformersEmbedder.load({
        model: 'Xenova/all-MiniLM-L6-v2',
        localModelPath: tinyModelRoot,
        allowRemoteModels: false,
        dtype: 'q8',
        pooling: 'mean',
        batchSize: 2,
        queryPrefix: '',
        passagePrefix: '',
      }),
    ).rejects.toThrow(/not found locally|local_files_only|allowRemoteModels/i);
  });
});

describe('embedding cache', () => {
  const dir = temporaryDirectory('embedding-cache-');
  const caches: CachedEmbedder[] = [];
  afterAll(() => {
    for (const cache of caches) cache.close();
  });

  it('embeds each passage text once per model and serves repeats from disk', async () => {
    const inner = new HashingEmbedder();
    let calls = 0;
    const counting: Embedder = {
      id: inner.id,
      dimensions: inner.dimensions,
      embed: (texts, kind) => {
        calls += texts.length;
        return inner.embed(texts, kind);
      },
    };
    const cache = new CachedEmbedder(counting, path.join(dir, 'cache.db'));
    caches.push(cache);
    const first = await cache.embed(['a hose', 'a drill'], 'passage');
    const second = await cache.embed(['a drill', 'a saw'], 'passage');
    expect(calls).toBe(3);
    expect(Array.from(second[0]!)).toEqual(Array.from(first[1]!));
    expect(cache.stats).toEqual({ hits: 1, misses: 3 });

    const reopened = new CachedEmbedder(counting, path.join(dir, 'cache.db'));
    caches.push(reopened);
    await reopened.embed(['a hose', 'a drill', 'a saw'], 'passage');
    expect(calls).toBe(3);
    await reopened.embed(['a hose'], 'query');
    await reopened.embed(['a hose'], 'query');
    expect(calls).toBe(4); // queries are cached in memory, not mixed with passages
  });
});
