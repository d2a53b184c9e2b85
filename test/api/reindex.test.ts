/**
 * Full reindex into a new generation: only changed texts are embedded again, writes made
 * while it builds are kept, the switch survives a restart, and a failed build changes
 * nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { CachedEmbedder } from '../../src/backends/embedded/embedding-cache.ts';
import { CatalogService } from '../../src/catalog/catalog-service.ts';
import { type Embedder, EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

/** Counts the texts the model really embeds; can be slowed down or made to fail. */
class CountingEmbedder implements Embedder {
  calls = 0;
  delayMs = 0;
  failAfter = Number.POSITIVE_INFINITY;
  private readonly inner: HashingEmbedder;

  constructor(readonly dimensions = 256) {
    this.inner = new HashingEmbedder(dimensions);
  }

  get id(): string {
    return `${this.inner.id}:counting`;
  }

  async embed(texts: readonly string[], kind: 'query' | 'passage'): Promise<Float32Array[]> {
    if (kind === 'passage') {
      if (this.calls + texts.length > this.failAfter) throw new Error('the model crashed');
      this.calls += texts.length;
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    return this.inner.embed(texts, kind);
  }
}

function generationFiles(dataDir: string): string[] {
  return fs.readdirSync(dataDir).filter((f) => /^search.*\.db$/.test(f));
}

async function catalogWith(embedder: CountingEmbedder, dataDir = temporaryDirectory()) {
  const cached = new CachedEmbedder(embedder, path.join(dataDir, 'embedding-cache.db'));
  const backend = new EmbeddedBackend({ dataDir, embedder: cached });
  await backend.open();
  const slot = new EmbedderSlot(cached);
  return { backend, cached, slot, catalog: new CatalogService(backend, slot), dataDir };
}

describe('reindex', () => {
  it('embeds again only the texts the cache has not seen', async () => {
    const model = new CountingEmbedder();
    const { backend, catalog, cached } = await catalogWith(model);
    await catalog.ingest(FIXTURE_PRODUCTS);
    expect(model.calls).toBe(10);

    const report = await catalog.reindex();
    expect(report).toMatchObject({ documents: 10, previous: ['search.db'], replayed: 0 });
    expect(model.calls).toBe(10); // every text came from the cache

    await catalog.ingest([{ ...FIXTURE_PRODUCTS[0], title: 'Honda 21 in. Gas Lawn Mower, renamed' }]);
    expect(model.calls).toBe(11);
    await catalog.reindex();
    expect(model.calls).toBe(11);
    expect(await backend.countProducts()).toBe(10);
    await backend.close();
    cached.close();
  });

  it('keeps writes made while the new generation was being built', async () => {
    const model = new CountingEmbedder();
    const { backend, catalog, cached, dataDir } = await catalogWith(model);
    await catalog.ingest(FIXTURE_PRODUCTS);
    // A new model: every product is embedded again, slowly, so writes land mid-build.
    const slowModel = new CountingEmbedder(128);
    slowModel.delayMs = 20;
    const newModel = new CachedEmbedder(slowModel, path.join(dataDir, 'embedding-cache.db'));
    const building = catalog.reindex({ embedder: newModel });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await catalog.ingest([
      { id: 'late-1', title: 'Stainless Steel Wire Brush' },
      { ...FIXTURE_PRODUCTS[7], title: 'Lodge 10 in. Cast Iron Skillet' },
    ]);
    await catalog.delete('wrench-1');
    const report = await building;
    expect(report.replayed).toBe(3);
    expect(report.embedder).toBe(newModel.id);

    const products = await backend.getProducts(['late-1', 'skillet-1', 'wrench-1']);
    expect(products.get('late-1')?.title).toBe('Stainless Steel Wire Brush');
    expect(products.get('skillet-1')?.title).toBe('Lodge 10 in. Cast Iron Skillet');
    expect(products.has('wrench-1')).toBe(false);
    expect(await backend.countProducts()).toBe(10);
    const [vector] = await newModel.embed(['wire brush'], 'query');
    expect((await backend.vectorSearch({ vector: vector!, filters: {}, limit: 3 }))[0]?.id).toBe('late-1');
    await backend.close();
    cached.close();
    newModel.close();
  });

  it('leaves the serving generation untouched when the build fails', async () => {
    const model = new CountingEmbedder();
    const { backend, catalog, cached, dataDir } = await catalogWith(model);
    await catalog.ingest(FIXTURE_PRODUCTS);
    const broken = new CountingEmbedder(64);
    broken.failAfter = 4;
    await expect(catalog.reindex({ embedder: broken })).rejects.toThrow('the model crashed');
    expect(generationFiles(dataDir)).toEqual(['search.db']);
    expect(await backend.countProducts()).toBe(10);
    const hits = await backend.lexicalSearch({
      text: 'mower',
      terms: ['mower'],
      filters: {},
      limit: 5,
      fieldWeights: { title: 1, brand: 1, category: 1, description: 1, attributes: 1 },
    });
    expect(hits.length).toBeGreaterThan(0);
    await catalog.ingest([{ id: 'after', title: 'Works after a failed reindex' }]);
    await backend.close();
    cached.close();
  });

  it('is followed by another process sharing the data directory', async () => {
    const model = new CountingEmbedder();
    const { backend, catalog, cached, dataDir } = await catalogWith(model);
    await catalog.ingest(FIXTURE_PRODUCTS);
    const reader = new EmbeddedBackend({ dataDir, embedder: cached });
    await reader.open();
    await catalog.ingest([{ id: 'only-new', title: 'Pressure Washer 3000 PSI' }]);
    const { generation } = await catalog.reindex();
    await vi.waitFor(() => expect(path.basename(reader.file)).toBe(generation), { timeout: 5000 });
    expect((await reader.getProducts(['only-new'])).size).toBe(1);
    await reader.close();
    await backend.close();
    cached.close();
  });
});

describe('reindex through the runtime', () => {
  it('switches embedder and generation for good, and the old index refuses the new model', async () => {
    const dataDir = temporaryDirectory();
    const runtime = await createTestRuntime({ DATA_DIR: dataDir });
    await request(runtime.createApp()).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    const hashing = new HashingEmbedder();
    const report = await runtime.catalog.reindex({ embedder: hashing });
    expect(runtime.embedder.current.id).toBe(hashing.id);
    const res = await request(runtime.createApp())
      .get('/v1/search')
      .query({ q: 'lawn mower battery', explain: 'true' }) // partly matched: the vector leg joins
      .expect(200);
    expect(res.body.hits[0].explain.knn).not.toBeNull();
    await runtime.close();
    expect(generationFiles(dataDir)).toEqual([report.generation]);

    const reopened = await createTestRuntime({ DATA_DIR: dataDir, EMBEDDER: 'hashing' });
    expect(await reopened.backend.countProducts()).toBe(10);
    await reopened.close();
    await expect(createTestRuntime({ DATA_DIR: dataDir })).rejects.toMatchObject({ code: 'index_conflict' });
  });

  it('rebuilds a store after EMBEDDER changed (the reindex command), which then serves again', async () => {
    const dataDir = temporaryDirectory();
    const hashingRuntime = await createTestRuntime({ DATA_DIR: dataDir, EMBEDDER: 'hashing' });
    await hashingRuntime.catalog.ingest(FIXTURE_PRODUCTS);
    await hashingRuntime.close();

    // EMBEDDER is back to the default (the encoder): what `cli reindex` opens the store with.
    const rebuilding = await createTestRuntime({ DATA_DIR: dataDir }, { acceptEmbedderChange: true });
    expect(await rebuilding.backend.countProducts()).toBe(10);
    const report = await rebuilding.catalog.reindex();
    expect(report.documents).toBe(10);
    await rebuilding.close();

    const serving = await createTestRuntime({ DATA_DIR: dataDir });
    const res = await request(serving.createApp())
      .get('/v1/search')
      .query({ q: 'lawn mower battery', explain: 'true' }) // partly matched: the vector leg joins
      .expect(200);
    expect(res.body.hits[0].explain.knn).not.toBeNull();
    await serving.close();
  });
});
