import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { FEATURE_COUNT } from '../../../src/ranking/features/feature-set.ts';
import { RankerModel } from '../../../src/ranking/ranker-model.ts';
import {
  inputOrder,
  listNdcg,
  meanListNdcg,
  type RankingList,
  trainRanker,
} from '../../../src/ranking/training/train-ranker.ts';

/**
 * Lists whose relevance is hidden in feature 3 (plus noise in the others), served in an
 * order that ignores it: a trainer must find the feature to beat the served order.
 */
function syntheticLists(count: number, seed: number): RankingList[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const size = 20;
    const features = new Float32Array(size * FEATURE_COUNT);
    const labels = new Float32Array(size);
    for (let r = 0; r < size; r++) {
      for (let j = 0; j < FEATURE_COUNT; j++) features[r * FEATURE_COUNT + j] = random();
      const signal = features[r * FEATURE_COUNT + 3]!;
      labels[r] = signal > 0.85 ? 2 : signal > 0.6 ? 1 : 0;
    }
    return { count: size, features, labels };
  });
}

describe('listNdcg', () => {
  it('is 1 for the ideal order and lower otherwise', () => {
    const labels = Float32Array.from([0, 1, 2]);
    expect(listNdcg(labels, [0, 1, 2])).toBe(1);
    // Worst order: (0 + 1/log2(3) + 2/log2(4)) / (2 + 1/log2(3)).
    expect(listNdcg(labels, [2, 1, 0])).toBeCloseTo((1 / Math.log2(3) + 1) / (2 + 1 / Math.log2(3)), 6);
    expect(listNdcg(Float32Array.from([0, 0]), [1, 0])).toBeUndefined();
  });

  it('weights gains by their inverse propensity', () => {
    // A click at rank 5 (weight 4) counts for more than one at rank 1 (weight 1).
    const labels = Float32Array.from([1, 0, 0, 0, 1]);
    const weights = Float32Array.from([1, 1, 1, 1, 4]);
    const served = [5, 4, 3, 2, 1];
    const lowFirst = [1, 2, 3, 4, 5];
    expect(listNdcg(labels, served)).toBeCloseTo(listNdcg(labels, lowFirst)!, 6);
    expect(listNdcg(labels, lowFirst, 10, weights)).toBeGreaterThan(listNdcg(labels, served, 10, weights)!);
  });
});

describe('meanListNdcg', () => {
  it('counts a click from a rarely examined rank by its inverse propensity', () => {
    const list = (clickedAt: number, weight: number): RankingList => {
      const labels = new Float32Array(10);
      const weights = new Float32Array(10).fill(1);
      labels[clickedAt] = 1;
      weights[clickedAt] = weight;
      return { count: 10, features: new Float32Array(10 * FEATURE_COUNT), labels, weights };
    };
    // One click at rank 6 (seen by 1 shopper in 6) and one at rank 1.
    const lists = [list(5, 6), list(0, 1)];
    const served = meanListNdcg(lists, inputOrder);
    // Promote rank 6 to the top, demote rank 1 to second: better, once weights count.
    const swapped = meanListNdcg(lists, (l) =>
      l.labels[5] ? [0, 0, 0, 0, 0, 1, 0, 0, 0, 0] : [1, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    expect(served).toBeCloseTo((6 / Math.log2(7) + 1) / 7, 6);
    expect(swapped).toBeCloseTo((6 + 1 / Math.log2(3)) / 7, 6);
    expect(swapped).toBeGreaterThan(served);
  });
});

describe('trainRanker', () => {
  const training = syntheticLists(120, 1);
  const heldOut = syntheticLists(40, 2);
  const served = meanListNdcg(heldOut, inputOrder);

  for (const loss of ['listnet', 'pairwise'] as const) {
    it(`learns the relevant feature with the ${loss} loss`, async () => {
      const trained = await trainRanker(training, heldOut, { loss, epochs: 8, tfjsBackend: 'wasm' });
      const model = new RankerModel(trained.layers, trained.normalization);
      const learned = meanListNdcg(heldOut, (list) => model.score(list.features, list.count));
      expect(learned).toBeGreaterThan(served + 0.2);
      expect(learned).toBeCloseTo(trained.epochHeldoutNdcg[trained.bestEpoch - 1]!, 5);
      expect(trained.epochSeconds.length).toBeGreaterThan(0);
    });
  }
});
