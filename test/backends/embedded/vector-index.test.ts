import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.ts';
import type { IndexedProduct } from '../../../src/catalog/search-backend.ts';
import { l2Normalize } from '../../../src/embeddings/embedder.ts';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

const DIMS = 16;

/** Vectors around 20 random centres: the clustered shape real embeddings have. */
function clusteredVectors(count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 20 }, () =>
    l2Normalize(Float32Array.from({ length: DIMS }, gaussian)),
  );
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % centres.length]!;
    return l2Normalize(Float32Array.from(centre, (x) => x + 0.15 * gaussian()));
  });
}

function items(vectors: Float32Array[]): IndexedProduct[] {
  return vectors.map((vector, i) => ({
    product: { id: `p${i}`, title: `product ${i}`, brand: i % 2 ? 'odd' : 'even' },
    contentHash: `h${i}`,
    vector,
  }));
}

function exactTop(query: Float32Array, vectors: Float32Array[], k: number): string[] {
  return vectors
    .map((v, i) => ({ id: `p${i}`, s: v.reduce((acc, x, j) => acc + x * query[j]!, 0) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

describe('IVF vector index on sqlite-vec', () => {
  it('splits a grown catalog into cells, keeps recall high, and survives a reopen', async () => {
    const dataDir = temporaryDirectory();
    const embedder = { id: 'test-vectors', dimensions: DIMS };
    const settings = { cellSize: 100, probes: 4, minVectorsForCells: 500 };
    const vectors = clusteredVectors(2000, 7);
    const backend = new EmbeddedBackend({ dataDir, embedder, vectorIndex: settings });
    await backend.open();
    await backend.upsertProducts(items(vectors));
    expect(await backend.optimize()).toEqual({ rebuilt: true, cells: 20 });
    expect(await backend.optimize()).toEqual({ rebuilt: false, cells: 20 });

    const queries = clusteredVectors(50, 99);
    let found = 0;
    for (const query of queries) {
      const hits = await backend.vectorSearch({ vector: query, filters: {}, limit: 10 });
      const exact = new Set(exactTop(query, vectors, 10));
      found += hits.filter((h) => exact.has(h.id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThan(0.9);

    // Vectors added after the split go to their nearest cell and are found.
    const late = clusteredVectors(1, 1234)[0]!;
    await backend.upsertProducts([
      { product: { id: 'late', title: 'late' }, contentHash: 'x', vector: late },
    ]);
    expect((await backend.vectorSearch({ vector: late, filters: {}, limit: 1 }))[0]?.id).toBe('late');
    await backend.close();

    const reopened = new EmbeddedBackend({ dataDir, embedder, vectorIndex: settings });
    await reopened.open();
    const filtered = await reopened.vectorSearch({
      vector: queries[0]!,
      filters: { brand: ['odd'] },
      limit: 10,
    });
    expect(filtered).toHaveLength(10);
    expect(filtered.every((h) => Number(h.id.slice(1)) % 2 === 1)).toBe(true);
    await reopened.close();
  });

  it('refuses to open an index built with another embedder', async () => {
    const dataDir = path.join(temporaryDirectory(), 'store');
    const first = new EmbeddedBackend({ dataDir, embedder: { id: 'model-a', dimensions: DIMS } });
    await first.open();
    await first.upsertProducts(items(clusteredVectors(3, 1)));
    await first.close();
    const second = new EmbeddedBackend({ dataDir, embedder: { id: 'model-b', dimensions: 32 } });
    await expect(second.open()).rejects.toThrow(/built with embedder "model-a".*reindex/);
  });
});
