import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/ml/seeded-random.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/ranking/features/feature-set.ts';
import { type DenseLayer, normalizedFusedScores, RankerModel } from '../../src/ranking/ranker-model.ts';

const FUSED = FEATURE_NAMES.indexOf('fused_score');
const HISTORY = FEATURE_NAMES.indexOf('user_has_history');

/** A network with large random weights: its raw output swings far beyond any bound. */
function wildNetwork(seed: number): DenseLayer[] {
  const random = seededRandom(seed);
  const layer = (inputs: number, outputs: number, activation: DenseLayer['activation']): DenseLayer => ({
    inputs,
    outputs,
    activation,
    weights: Float32Array.from({ length: inputs * outputs }, () => (random() - 0.5) * 40),
    bias: Float32Array.from({ length: outputs }, () => (random() - 0.5) * 10),
  });
  return [layer(FEATURE_COUNT, 8, 'relu'), layer(8, 1, 'linear')];
}

function window(count: number, seed: number, history: boolean): Float32Array {
  const random = seededRandom(seed);
  const features = Float32Array.from({ length: count * FEATURE_COUNT }, () => random() * 5);
  for (let r = 0; r < count; r++) {
    features[r * FEATURE_COUNT + FUSED] = 2 - r * 0.07 + random() * 0.01;
    features[r * FEATURE_COUNT + HISTORY] = history ? 1 : 0;
  }
  return features;
}

const normalization = {
  mean: new Array(FEATURE_COUNT).fill(0),
  std: new Array(FEATURE_COUNT).fill(1),
};

describe('the bounded correction of the fused order', () => {
  it('never lifts a candidate over one more than 2 * alpha of the fused range above it', () => {
    const bound = { with_history: 0.5, without_history: 0.2 };
    for (let seed = 1; seed <= 20; seed++) {
      const model = new RankerModel(wildNetwork(seed), normalization, bound);
      for (const history of [false, true]) {
        const features = window(20, seed * 7, history);
        const base = normalizedFusedScores(features, 20);
        const scores = model.score(features, 20);
        const alpha = history ? bound.with_history : bound.without_history;
        for (let a = 0; a < 20; a++) {
          expect(Math.abs(scores[a]! - base[a]!)).toBeLessThan(alpha + 1e-6);
          for (let b = 0; b < 20; b++) {
            if (base[a]! - base[b]! > 2 * alpha) expect(scores[a]!).toBeGreaterThan(scores[b]!);
          }
        }
      }
    }
  });

  it('lets an unbounded model (from before the bound) reorder freely', () => {
    const layers = wildNetwork(3);
    const features = window(20, 5, false);
    const free = new RankerModel(layers, normalization);
    const network = free.network(features, 20);
    expect(Array.from(free.score(features, 20))).toEqual(Array.from(network));
  });

  it('normalizes fused scores over the window it orders', () => {
    const features = window(4, 1, false);
    const base = normalizedFusedScores(features, 4);
    expect(base[0]).toBeCloseTo(1, 6);
    expect(base[3]).toBeCloseTo(0, 6);
    expect(Array.from(normalizedFusedScores(new Float32Array(2 * FEATURE_COUNT), 2))).toEqual([1, 1]);
  });
});
