import { describe, expect, it } from 'vitest';
import { analyze, analyzeQuery } from '../../src/text/analyzer.ts';

describe('analyzer', () => {
  it('stems English words and folds case and accents', () => {
    expect(analyze('Lawn MOWERS Crème')).toEqual(['lawn', 'mower', 'creme']);
    expect(analyze('mowers')).toEqual(analyze('mower'));
  });

  it('keeps the voicing marks of Japanese kana: garden is not curtain', () => {
    expect(analyze('ガーデン')).not.toEqual(analyze('カーテン'));
    expect(analyze('ガーデン').join('')).toContain('ガ');
  });

  it('keeps mixed letter-digit tokens whole and split', () => {
    expect(analyze('36x66')).toEqual(['36x66', '36', 'x', '66']);
    expect(analyze('DW745')).toEqual(['dw745', 'dw', '745']);
  });

  it('turns Chinese text into overlapping bigrams', () => {
    expect(analyze('秋季新款运动鞋')).toEqual(['秋季', '季新', '新款', '款运', '运动', '动鞋']);
    const doc = new Set(analyze('秋季新款运动鞋'));
    expect(analyze('运动鞋').every((t) => doc.has(t))).toBe(true);
    expect(analyze('Nike 运动鞋')).toEqual(['nike', '运动', '动鞋']);
  });

  it('deduplicates query terms', () => {
    expect(analyzeQuery('drill drill bits').terms).toEqual(['drill', 'bit']);
    expect(analyze('')).toEqual([]);
  });
});
