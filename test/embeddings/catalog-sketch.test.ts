import { describe, expect, it } from 'vitest';
import { CatalogSketcher, changedShare } from '../../src/embeddings/encoder/catalog-sketch.ts';

function sketchOf(ids: number[], version = 'v1') {
  const sketcher = new CatalogSketcher();
  for (const id of ids) sketcher.add({ id: `p-${id}`, contentHash: `${version}-${id}` });
  return sketcher.sketch;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('catalog sketch', () => {
  it('keeps the k smallest hashes, sorted, whatever the order products arrive in', () => {
    const forward = sketchOf(range(0, 5000));
    const backward = sketchOf(range(0, 5000).reverse());
    expect(forward).toHaveLength(256);
    expect(forward).toEqual([...forward].sort());
    expect(backward).toEqual(forward);
  });

  it('estimates the share of new or changed products', () => {
    const catalog = sketchOf(range(0, 20_000));
    expect(changedShare(catalog, catalog)).toBe(0);
    expect(changedShare(catalog, sketchOf(range(20_000, 40_000)))).toBe(1);
    // Half the products replaced: Jaccard 1/3, two thirds of the union not shared.
    expect(changedShare(catalog, sketchOf(range(10_000, 30_000)))).toBeCloseTo(2 / 3, 1);
    // A tenth of the products changed their content.
    const edited = [
      ...range(0, 18_000).map((id) => [id, 'v1'] as const),
      ...range(18_000, 20_000).map((id) => [id, 'v2'] as const),
    ];
    const sketcher = new CatalogSketcher();
    for (const [id, version] of edited) sketcher.add({ id: `p-${id}`, contentHash: `${version}-${id}` });
    expect(changedShare(catalog, sketcher.sketch)).toBeGreaterThan(0.1);
    expect(changedShare(catalog, sketcher.sketch)).toBeLessThan(0.3);
  });

  it('calls an empty past catalog all new', () => {
    expect(changedShare([], sketchOf(range(0, 10)))).toBe(1);
  });
});
