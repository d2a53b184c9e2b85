import { describe, expect, it } from 'vitest';
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import {
  type GradedList,
  inputOrder,
  listNdcg,
  meanListNdcg,
  ndcgAt,
  percentile,
  recallAt,
  scoreRankings,
} from '../../src/eval/ranking-metrics.ts';

const judgments = parseJudgmentsCsv(
  'query,product_uid,relevance\nangle,1,3\nangle,2,2.33\nangle,3,1\nnone,9,1\n',
);

describe('ranking metrics as the shared data README defines them', () => {
  it('computes NDCG@10 with gain = relevance - 1 and a log2 discount', () => {
    const rel = judgments.get('angle')!;
    expect(ndcgAt(['1', '2'], rel, 10)).toBeCloseTo(1);
    const swapped = (1.33 / 1 + 2 / Math.log2(3)) / (2 / 1 + 1.33 / Math.log2(3));
    expect(ndcgAt(['2', '1'], rel, 10)).toBeCloseTo(swapped);
    expect(ndcgAt(['x', '1'], rel, 10)).toBeCloseTo(2 / Math.log2(3) / (2 + 1.33 / Math.log2(3)));
    expect(ndcgAt(['1'], judgments.get('none')!, 10)).toBeUndefined();
  });

  it('computes Recall@100 over products judged 2.33 or more', () => {
    const rel = judgments.get('angle')!;
    expect(recallAt(['1', '3'], rel, 100)).toBeCloseTo(0.5);
    expect(recallAt(['3'], judgments.get('none')!, 100)).toBeUndefined();
  });

  it('averages over queries with a defined value', () => {
    const quality = scoreRankings(new Map([['angle', ['1', '2']]]), judgments);
    expect(quality).toEqual({ ndcg10: 1, recall100: 1, queries: 1 });
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });
});

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
    const list = (clickedAt: number, weight: number): GradedList => {
      const labels = new Float32Array(10);
      const weights = new Float32Array(10).fill(1);
      labels[clickedAt] = 1;
      weights[clickedAt] = weight;
      return { count: 10, labels, weights };
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
