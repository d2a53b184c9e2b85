import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../src/ranking/features/feature-set.ts';
import { RankerRegistry } from '../../../src/ranking/model-registry.ts';
import { rankBiasedOverlap } from '../../../src/ranking/training/gate.ts';
import { trainAndGate } from '../../../src/ranking/training/ranker-training.ts';
import type { RankingList } from '../../../src/ranking/training/train-ranker.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

const FUSED = FEATURE_NAMES.indexOf('fused_score');
const HISTORY = FEATURE_NAMES.indexOf('user_has_history');
const SIGNAL = FEATURE_NAMES.indexOf('price_log');

/**
 * Logged lists of 20 in fused order, half of them for shoppers with history, with one
 * click each: on the product with the highest hidden signal (`signal`), or on any product
 * the shopper looked at (`noise`: position k with probability proportional to 1 / k, the
 * examination curve). Clicks are weighted by the inverse of that curve, as training lists are.
 */
function loggedLists(count: number, seed: number, clicks: 'signal' | 'noise'): RankingList[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, l) => {
    const features = new Float32Array(20 * FEATURE_COUNT);
    for (let r = 0; r < 20; r++) {
      for (let j = 0; j < FEATURE_COUNT; j++) features[r * FEATURE_COUNT + j] = random();
      features[r * FEATURE_COUNT + FUSED] = 1 - r / 20;
      features[r * FEATURE_COUNT + HISTORY] = l % 2;
    }
    const harmonic = Array.from({ length: 20 }, (_, r) => 1 / (r + 1)).reduce((a, b) => a + b);
    let clicked = 0;
    for (let u = random() * harmonic; clicked < 19 && u > 1 / (clicked + 1); clicked++)
      u -= 1 / (clicked + 1);
    if (clicks === 'signal') {
      for (let r = 0; r < 20; r++)
        if (features[r * FEATURE_COUNT + SIGNAL]! > features[clicked * FEATURE_COUNT + SIGNAL]!) clicked = r;
    }
    const labels = new Float32Array(20);
    labels[clicked] = 1;
    const weights = Float32Array.from({ length: 20 }, (_, r) => (r === clicked ? Math.min(20, r + 1) : 1));
    return { count: 20, features, labels, weights };
  });
}

describe('the gate', () => {
  it('measures agreement with the fused order by rank-biased overlap', () => {
    const order = Array.from({ length: 10 }, (_, i) => i);
    expect(rankBiasedOverlap(order, order)).toBeCloseTo(1, 9);
    const firstTwoSwapped = [1, 0, ...order.slice(2)];
    expect(rankBiasedOverlap(firstTwoSwapped, order)).toBeCloseTo(0.846, 3);
    const fifthFirst = [4, 0, 1, 2, 3, ...order.slice(5)];
    expect(rankBiasedOverlap(fifthFirst, order)).toBeCloseTo(0.708, 3);
    expect(rankBiasedOverlap([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], order)).toBe(0);
  });

  it('rejects a model trained on noise clicks for every segment: no sure gain', async () => {
    const registry = new RankerRegistry(temporaryDirectory('models-'));
    const outcome = await trainAndGate(
      {
        source: 'events',
        train: loggedLists(400, 1, 'noise'),
        heldOut: loggedLists(200, 2, 'noise'),
        depth: 20,
      },
      { registry, promote: 'auto', training: { epochs: 6, tfjsBackend: 'wasm' } },
    );
    expect(outcome.status).toBe('rejected');
    expect(outcome.decision).toMatch(/no sure gain on held-out clicks/);
    for (const segment of ['with_history', 'without_history'] as const) {
      const decision = outcome.metadata.gate!.segments[segment];
      expect(decision.serve).toBe(false);
      expect(decision.checks.clicks!.lists).toBe(100);
      expect(decision.checks.clicks!.improvement_lower_bound).toBeLessThanOrEqual(0);
    }
    expect(outcome.metadata.serve).toEqual({ shoppers_with_history: false, shoppers_without_history: false });
    expect(registry.state().active).toBeUndefined();
  });

  it('lets a model that learned what the clicks follow serve both segments, into shadow when configured', async () => {
    const registry = new RankerRegistry(temporaryDirectory('models-'));
    const outcome = await trainAndGate(
      {
        source: 'events',
        train: loggedLists(400, 3, 'signal'),
        heldOut: loggedLists(200, 4, 'signal'),
        depth: 20,
      },
      {
        registry,
        promote: 'auto',
        training: { epochs: 10, tfjsBackend: 'wasm' },
        gate: { minFusedAgreement: 0 },
        shadowSearches: 100,
      },
    );
    expect(outcome.status).toBe('shadow');
    const { segments } = outcome.metadata.gate!;
    for (const segment of ['with_history', 'without_history'] as const) {
      expect(segments[segment].serve).toBe(true);
      expect(segments[segment].checks.clicks!.improvement_lower_bound).toBeGreaterThan(0);
      expect(segments[segment].checks.fused_agreement!.rbo_at_10).toBeLessThan(1);
    }
    expect(registry.state()).toMatchObject({ shadow: { version: outcome.metadata.version, searches: 100 } });
    expect(registry.state().active).toBeUndefined();
  });
});
