import { describe, expect, it } from 'vitest';
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import { ndcgAt, percentile, recallAt, scoreRankings } from '../../src/eval/ranking-metrics.ts';

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
