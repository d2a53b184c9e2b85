import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

function recallAt(
  k: number,
  backendHits: { id: string }[][],
  queries: Float32Array[],
  vectors: Float32Array[],
) {
  let found = 0;
  queries.forEach((query, i) => {
    const exact = new Set(exactTop(query, vectors, k));
    found += backendHits[i]!.filter((h) => exact.has(h.id)).length;
  });
  return found / (queries.length * k);
}

describe('HNSW vector index (usearch) beside the SQLite file', () => {
  const embedder = { id: 'test-vectors', dimensions: DIMS };
  const settings = { minVectorsForIndex: 500 };

  it('searches exactly below the threshold and through the graph above it, with high recall', async () => {
    const dataDir = temporaryDirectory();
    const vectors = clusteredVectors(3000, 7);
    const backend = new EmbeddedBackend({ dataDir, embedder, vectorIndex: settings });
    await backend.open();
    await backend.upsertProducts(items(vectors.slice(0, 400)));
    expect(await backend.optimize()).toEqual({ rebuilt: false, cells: 1 });
    await backend.upsertProducts(items(vectors).slice(400));
    expect(await backend.optimize()).toEqual({ rebuilt: true, cells: 1, graph: 3000 });
    expect(await backend.optimize()).toEqual({ rebuilt: false, cells: 1, graph: 3000 });
    expect(fs.readdirSync(dataDir).filter((f) => f.includes('.hnsw-'))).toHaveLength(1);

    const queries = clusteredVectors(40, 99);
    const hits = [];
    for (const vector of queries) hits.push(await backend.vectorSearch({ vector, filters: {}, limit: 100 }));
    expect(hits.every((h) => h.length === 100)).toBe(true);
    expect(recallAt(100, hits, queries, vectors)).toBeGreaterThan(0.95);

    // A metadata filter: the graph's candidates re-scored through it, the page still full.
    const filtered = await backend.vectorSearch({
      vector: queries[0]!,
      filters: { brand: ['odd'] },
      limit: 50,
    });
    expect(filtered).toHaveLength(50);
    expect(filtered.every((h) => Number(h.id.slice(1)) % 2 === 1)).toBe(true);
    await backend.close();
  });

  it('serves writes made after the build from the exact delta, in this and another process', async () => {
    const dataDir = temporaryDirectory();
    const vectors = clusteredVectors(1000, 3);
    const writer = new EmbeddedBackend({
      dataDir,
      embedder,
      vectorIndex: settings,
      optimizeAfterQuietMs: 200,
    });
    await writer.open();
    await writer.upsertProducts(items(vectors));
    await writer.optimize();
    const reader = new EmbeddedBackend({ dataDir, embedder, vectorIndex: settings });
    await reader.open();

    // p0 moves to a new vector, p1 is deleted, "late" is new: none of it is in the graph.
    const moved = clusteredVectors(2, 4242);
    await writer.upsertProducts([
      { product: { id: 'p0', title: 'moved', brand: 'even' }, contentHash: 'm', vector: moved[0]! },
      { product: { id: 'late', title: 'late', brand: 'odd' }, contentHash: 'l', vector: moved[1]! },
    ]);
    await writer.deleteProduct('p1');
    for (const backend of [writer, reader]) {
      expect((await backend.vectorSearch({ vector: moved[0]!, filters: {}, limit: 1 }))[0]?.id).toBe('p0');
      expect(
        (await backend.vectorSearch({ vector: moved[1]!, filters: { brand: ['odd'] }, limit: 1 }))[0]?.id,
      ).toBe('late');
      const nearOld = await backend.vectorSearch({ vector: vectors[1]!, filters: {}, limit: 20 });
      expect(nearOld.map((h) => h.id)).not.toContain('p1');
      const nearOldP0 = await backend.vectorSearch({ vector: vectors[0]!, filters: {}, limit: 5 });
      expect(nearOldP0.map((h) => h.id)).not.toContain('p0');
    }

    // 300 more writes pass the rebuild threshold: once writes are quiet, the writer builds a
    // new graph file by itself.
    const before = fs.readdirSync(dataDir).filter((f) => f.includes('.hnsw-'));
    await writer.upsertProducts(
      items(clusteredVectors(300, 5)).map((item, i) => ({
        ...item,
        product: { ...item.product, id: `n${i}` },
      })),
    );
    await vi.waitFor(
      () => {
        const after = fs.readdirSync(dataDir).filter((f) => f.includes('.hnsw-'));
        expect(after).toHaveLength(1);
        expect(after).not.toEqual(before);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await writer.optimize()).rebuilt).toBe(false);
    // The reader maps the new graph at its next search and still finds the moved product.
    expect((await reader.vectorSearch({ vector: moved[0]!, filters: {}, limit: 1 }))[0]?.id).toBe('p0');
    await reader.close();
    await writer.close();
  });
});

describe('IVF vector index on sqlite-vec (the previous index, bench baseline)', () => {
  it('splits a grown catalog into cells, keeps recall high, and survives a reopen', async () => {
    const dataDir = temporaryDirectory();
    const embedder = { id: 'test-vectors', dimensions: DIMS };
    const settings = { kind: 'ivf' as const, cellSize: 100, probes: 4, minVectorsForIndex: 500 };
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
