import { describe, expect, it } from 'vitest';
import { inputOrder, meanListNdcg } from '../../../src/eval/ranking-metrics.ts';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { FEATURE_COUNT } from '../../../src/ranking/features/feature-set.ts';
import { RankerModel } from '../../../src/ranking/ranker-model.ts';
import { type RankingList, trainRanker } from '../../../src/ranking/training/train-ranker.ts';

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

describe('trainRanker', () => {
  const training = syntheticLists(120, 1);
  const heldOut = syntheticLists(40, 2);
  const served = meanListNdcg(heldOut, inputOrder);

  for (const loss of ['listnet', 'pairwise'] as const) {
    it(`learns the relevant feature with the ${loss} loss`, async () => {
      const trained = await trainRanker(training, heldOut, { loss, epochs: 8, tfjsBackend: 'wasm' });
      const model = new RankerModel(trained.layers, trained.normalization, trained.bound);
      const learned = meanListNdcg(heldOut, (list) => model.score(list.features, list.count));
      expect(learned).toBeGreaterThan(served + 0.2);
      expect(learned).toBeCloseTo(trained.epochHeldoutNdcg[trained.bestEpoch - 1]!, 5);
      expect(trained.epochSeconds.length).toBeGreaterThan(0);
    });
  }
});
