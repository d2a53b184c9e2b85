/** The in-house encoder: trained with TensorFlow.js, saved as a versioned artifact, served without it. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCatalogTexts } from '../../src/catalog/demo-catalog.ts';
import {
  activateEncoder,
  activeEncoderDir,
  listEncoderVersions,
  loadEncoderArtifact,
  saveEncoderArtifact,
} from '../../src/embeddings/encoder/encoder-artifact.ts';
import { trainEncoder } from '../../src/embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../../src/embeddings/encoder/trained-encoder.ts';
import { misspell, titleFragment } from '../../src/embeddings/encoder/training-pairs.ts';
import { seededRandom } from '../../src/ml/seeded-random.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const SMALL = { epochs: 2, dimensions: 32, minPairsPerEpoch: 4000, batchSize: 256 } as const;

describe('encoder training', () => {
  it('learns: loss falls and held-out fragments find their product more often than untrained', async () => {
    const artifact = await trainEncoder(demoCatalogTexts(), [], { ...SMALL, heldOutProducts: 60 });
    const { training, metrics, tensorflow } = artifact.metadata;
    expect(tensorflow).toMatchObject({
      backend: 'wasm',
      provider: '@tensorflow/tfjs-backend-wasm',
      gpu: false,
    });
    expect(training.epoch_loss).toHaveLength(2);
    expect(training.epoch_loss[1]!).toBeLessThan(training.epoch_loss[0]!);
    expect(metrics.heldout_products).toBe(36); // at most 10% of the catalog
    expect(metrics.mrr).toBeGreaterThan(0.5);
    expect(metrics.recall_at_10).toBeGreaterThanOrEqual(metrics.untrained_recall_at_10);
  });

  it('learns the vocabulary of logged queries from event pairs', async () => {
    const catalog = demoCatalogTexts();
    const target = catalog.find((p) => p.title.includes('Cast Iron Skillet'))!;
    const slang = 'griddle pan for campfire';
    const events = Array.from({ length: 400 }, () => ({ query: slang, product: target.text }));
    const without = new TrainedEncoder(await trainEncoder(catalog, [], SMALL));
    const withEvents = new TrainedEncoder(await trainEncoder(catalog, events, SMALL));
    const rankOf = (encoder: TrainedEncoder) => {
      const query = encoder.embedOne(slang);
      const scores = catalog.map((p) => cosine(query, encoder.embedOne(p.text)));
      const own = cosine(query, encoder.embedOne(target.text));
      return scores.filter((s) => s > own).length + 1;
    };
    expect(rankOf(withEvents)).toBe(1);
    expect(rankOf(withEvents)).toBeLessThan(rankOf(without));
  });

  it('saves versioned artifacts that load back to the same vectors, and activates one', async () => {
    const modelsDir = temporaryDirectory('models-');
    const artifact = await trainEncoder(demoCatalogTexts(), [], { ...SMALL, epochs: 1 });
    const dir = saveEncoderArtifact(modelsDir, artifact);
    expect(fs.readdirSync(dir).sort()).toEqual(['metadata.json', 'scales.bin', 'weights.bin']);
    // int8 rows: a quarter of the float32 table
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(artifact.table.length);
    expect(activeEncoderDir(modelsDir)).toBeUndefined();
    activateEncoder(modelsDir, artifact.metadata.version);
    expect(activeEncoderDir(modelsDir)).toBe(dir);
    expect(listEncoderVersions(modelsDir).map((m) => m.version)).toEqual([artifact.metadata.version]);

    const original = new TrainedEncoder(artifact);
    const loaded = TrainedEncoder.load(dir);
    expect(loaded.id).toBe(original.id);
    for (const text of ['cordless drill', '运动鞋', 'garden hose 50 ft']) {
      expect(cosine(loaded.embedOne(text), original.embedOne(text))).toBeGreaterThan(0.999);
    }
    // The saved metadata adds each weight file's size and sha256, checked at load.
    const { files, ...saved } = loadEncoderArtifact(dir).metadata;
    expect(saved).toEqual(artifact.metadata);
    expect(files?.['weights.bin']?.bytes).toBe(artifact.table.length);
    expect(Object.keys(files ?? {}).sort()).toEqual(['scales.bin', 'weights.bin']);
  });
});

describe('training pairs', () => {
  it('misspell long words only, by one keyboard slip', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 50; i++) {
      const typo = misspell('mower', random);
      expect(Math.abs(typo.length - 5)).toBeLessThanOrEqual(1);
      expect(typo.startsWith('m')).toBe(true);
    }
    expect(misspell('pvc', random)).toBe('pvc');
    expect(misspell('2x4', random)).toBe('2x4');
  });

  it('cut query-like fragments of one to four title words', () => {
    const random = seededRandom(5);
    const title = 'DeWalt 20V MAX Cordless Drill Driver Kit';
    for (let i = 0; i < 100; i++) {
      const fragment = titleFragment(title, 'DeWalt', random, { typoRate: 0, brandRate: 0 });
      const words = fragment.split(' ');
      expect(words.length).toBeGreaterThanOrEqual(1);
      expect(words.length).toBeLessThanOrEqual(4);
      for (const word of words) expect(title.toLowerCase().split(' ')).toContain(word);
    }
  });
});
