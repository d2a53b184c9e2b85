import { describe, expect, it } from 'vitest';
import { fuseReciprocalRank, fuseWeightedSum } from '../../src/retrieval/fusion.ts';

const legs = {
  bm25: [
    { id: 'a', score: 10 },
    { id: 'b', score: 6 },
    { id: 'c', score: 2 },
  ],
  knn: [
    { id: 'c', score: 0.9 },
    { id: 'd', score: 0.5 },
  ],
};

describe('reciprocal rank fusion', () => {
  it('sums 1 / (k + rank) over the legs a document appears in', () => {
    const fused = fuseReciprocalRank(legs, 60, { bm25: 1, knn: 1 });
    const byId = Object.fromEntries(fused.map((c) => [c.id, c.score]));
    expect(byId.c).toBeCloseTo(1 / 63 + 1 / 61);
    expect(byId.a).toBeCloseTo(1 / 61);
    expect(byId.d).toBeCloseTo(1 / 62);
    // b and d tie at 1/62: the better BM25 rank goes first.
    expect(fused.map((c) => c.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0]).toMatchObject({ bm25: { rank: 3, score: 2 }, knn: { rank: 1, score: 0.9 } });
  });

  it('weights the legs and depends on k', () => {
    const lexicalOnly = fuseReciprocalRank(legs, 60, { bm25: 1, knn: 0 });
    expect(lexicalOnly.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
    const smallK = fuseReciprocalRank(legs, 1, { bm25: 1, knn: 1 });
    expect(smallK.find((c) => c.id === 'a')!.score).toBeCloseTo(1 / 2);
  });
});

describe('normalized weighted sum', () => {
  it('min-max normalizes each leg before weighting', () => {
    const fused = fuseWeightedSum(legs, { bm25: 0.5, knn: 0.5 });
    const byId = Object.fromEntries(fused.map((c) => [c.id, c.score]));
    expect(byId.a).toBeCloseTo(0.5);
    expect(byId.b).toBeCloseTo(0.5 * 0.5);
    expect(byId.c).toBeCloseTo(0 + 0.5);
    expect(byId.d).toBeCloseTo(0);
  });

  it('scores a single-hit leg as 1', () => {
    const fused = fuseWeightedSum({ bm25: [{ id: 'x', score: 3 }], knn: [] }, { bm25: 1, knn: 1 });
    expect(fused).toEqual([{ id: 'x', score: 1, bm25: { rank: 1, score: 3 } }]);
  });
});
