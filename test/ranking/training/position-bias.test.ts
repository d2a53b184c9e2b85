import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { estimatePropensities, inversePropensity } from '../../../src/ranking/training/position-bias.ts';

describe('position bias estimation (EM on the position-based click model)', () => {
  it('recovers the examination curve that generated the clicks', () => {
    const random = seededRandom(11);
    const truth = (position: number) => 1 / position ** 0.8;
    const observations = [];
    // 300 query-product pairs with hidden relevance, each shown many times at shuffled positions.
    for (let pair = 0; pair < 500; pair++) {
      const relevance = random();
      for (let shown = 0; shown < 80; shown++) {
        const position = 1 + Math.floor(random() * 10);
        observations.push({ pair: `p${pair}`, position, clicked: random() < truth(position) * relevance });
      }
    }
    const estimated = estimatePropensities(observations);
    for (const position of [1, 2, 3, 5, 8, 10]) {
      expect(estimated[position - 1]).toBeCloseTo(truth(position), 1);
    }
    expect(inversePropensity(estimated, 1)).toBe(1);
    expect(inversePropensity(estimated, 10)).toBeGreaterThan(4);
  });
});
