/**
 * The behaviour every SearchBackend must show, written once. Each backend's test file
 * calls `describeBackendConformance` with a factory; the suite drives the backend through
 * the same catalog and search services the HTTP API uses.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/backends/embedded/event-store.ts';
import { CatalogService } from '../../src/catalog/catalog-service.ts';
import type { SearchBackend } from '../../src/catalog/search-backend.ts';
import { type Embedder, EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { loadMappings } from '../../src/main/mappings.ts';
import { FeatureSource } from '../../src/ranking/features/feature-source.ts';
import { RecommendationService } from '../../src/recommend/recommendation-service.ts';
import type { SearchPipeline } from '../../src/retrieval/search-pipeline.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';
import { analyzeQuery } from '../../src/text/analyzer.ts';
import { UserIdHasher } from '../../src/users/user-ids.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { testSearchPipeline } from '../helpers/search-pipeline.ts';

export interface BackendUnderTest {
  backend: SearchBackend;
  embedder: Embedder;
  /** Make writes visible to searches (Elasticsearch refresh); no-op where writes are immediate. */
  refresh(): Promise<void>;
  dispose(): Promise<void>;
}

const mappings = loadMappings(path.resolve('mappings'));

function request(overrides: Partial<SearchRequest>): SearchRequest {
  return {
    q: '',
    filters: {},
    facets: [],
    page: 1,
    size: 20,
    sort: 'relevance',
    explain: false,
    ...overrides,
  };
}

export function describeBackendConformance(name: string, create: () => Promise<BackendUnderTest>): void {
  describe(`SearchBackend conformance: ${name}`, () => {
    let subject: BackendUnderTest;
    let catalog: CatalogService;
    let search: SearchPipeline;
    const weights = mappings.boosts.fields;

    const lexicalIds = async (text: string, filters: SearchRequest['filters'] = {}) =>
      (
        await subject.backend.lexicalSearch({
          text,
          terms: analyzeQuery(text).terms,
          filters,
          limit: 50,
          fieldWeights: weights,
        })
      ).map((h) => h.id);
    const vectorIds = async (text: string, filters: SearchRequest['filters'] = {}) => {
      const [vector] = await subject.embedder.embed([text], 'query');
      return (await subject.backend.vectorSearch({ vector: vector!, filters, limit: 50 })).map((h) => h.id);
    };
    const productOf = (id: string) => FIXTURE_PRODUCTS.find((p) => p.id === id)!;

    beforeAll(async () => {
      subject = await create();
      catalog = new CatalogService(subject.backend, new EmbedderSlot(subject.embedder));
      search = testSearchPipeline(subject.backend, subject.embedder, mappings);
      const report = await catalog.ingest(FIXTURE_PRODUCTS);
      expect(report.rejected).toBe(0);
      await subject.refresh();
    });

    afterAll(async () => {
      await subject?.dispose();
    });

    it('stores and returns products by id, and counts them', async () => {
      expect(await subject.backend.countProducts()).toBe(FIXTURE_PRODUCTS.length);
      const found = await subject.backend.getProducts(['drill-1', 'bare-1', 'missing']);
      expect([...found.keys()].sort()).toEqual(['bare-1', 'drill-1']);
      expect(found.get('drill-1')).toMatchObject({
        title: 'DeWalt 20V MAX Cordless Drill Driver',
        price: 99,
      });
      expect(found.get('drill-1')?.category).toEqual(['Tools', 'Power Tools', 'Drills']);
    });

    it('skips unchanged upserts and reports updates', async () => {
      const again = await catalog.ingest([productOf('hose-1')]);
      expect(again).toMatchObject({ accepted: 1, unchanged: 1, created: 0, updated: 0 });
      const changed = await catalog.ingest([{ ...productOf('hose-1'), price: 42 }]);
      expect(changed).toMatchObject({ accepted: 1, updated: 1 });
      await subject.refresh();
      expect((await subject.backend.getProducts(['hose-1'])).get('hose-1')?.price).toBe(42);
      expect(await subject.backend.countProducts()).toBe(FIXTURE_PRODUCTS.length);
    });

    it('finds English words by their stem (mowers -> mower)', async () => {
      const ids = await lexicalIds('mowers');
      expect(ids.slice(0, 2).sort()).toEqual(['mower-1', 'mower-2']);
      expect(ids).not.toContain('drill-1');
    });

    it('finds Chinese text by a part of it', async () => {
      expect(await lexicalIds('运动鞋')).toEqual(['shoe-zh-1']);
    });

    it('ranks the product whose own text is the query first in the vector leg', async () => {
      const ids = await vectorIds('Lodge 12 in. Cast Iron Skillet');
      expect(ids[0]).toBe('skillet-1');
    });

    it('applies every filter to both retrieval legs', async () => {
      for (const leg of [lexicalIds, vectorIds]) {
        const brand = await leg('mower blower', { brand: ['EGO'] });
        expect(brand.length).toBeGreaterThan(0);
        expect(brand.every((id) => productOf(id).brand === 'EGO')).toBe(true);

        const category = await leg('mower hose drill', { category: ['Garden > Outdoor Power'] });
        expect(category.length).toBeGreaterThan(0);
        expect(category.every((id) => productOf(id).category?.[1] === 'Outdoor Power')).toBe(true);

        const price = await leg('mower drill hose', { priceMin: 50, priceMax: 400 });
        expect(price.length).toBeGreaterThan(0);
        expect(
          price.every((id) => {
            const p = id === 'hose-1' ? 42 : productOf(id).price;
            return p !== undefined && p >= 50 && p <= 400;
          }),
        ).toBe(true);

        const inStock = await leg('mower screws', { inStock: true });
        expect(inStock).not.toContain('mower-2');
        expect(inStock).toContain('bare-1'); // unknown stock counts as in stock
        const outOfStock = await leg('mower', { inStock: false });
        expect(outOfStock).toEqual(['mower-2']);
      }
    });

    it('combines category filters of different depths', async () => {
      const ids = await vectorIds('garden tools', { category: ['Garden > Watering', 'Tools'] });
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.every((id) => id === 'hose-1' || productOf(id).category?.[0] === 'Tools')).toBe(true);
    });

    it('browses by filters with facet counts over the whole filtered catalog', async () => {
      const response = await search.search(
        request({
          filters: { category: ['Garden'] },
          facets: ['brand', 'category', 'price'],
          sort: 'price_asc',
        }),
      );
      expect(response.mode).toBe('browse');
      expect(response.total).toBe(4);
      expect(response.hits.map((h) => h.id)).toEqual(['hose-1', 'blower-1', 'mower-2', 'mower-1']);
      expect(response.facets.brand).toEqual([
        { value: 'EGO', count: 2 },
        { value: 'Flexzilla', count: 1 },
        { value: 'Honda', count: 1 },
      ]);
      expect(response.facets.category).toEqual([
        { value: 'Garden > Outdoor Power', count: 3 },
        { value: 'Garden > Watering', count: 1 },
      ]);
      expect(response.facets.price).toEqual([
        { key: '25-50', from: 25, to: 50, count: 1 },
        { key: '100-250', from: 100, to: 250, count: 1 },
        { key: '250-500', from: 250, to: 500, count: 1 },
        { key: '500-1000', from: 500, to: 1000, count: 1 },
      ]);
    });

    it('pages through results without overlap', async () => {
      const all = await search.search(request({ filters: { inStock: true }, size: 100 }));
      const first = await search.search(request({ filters: { inStock: true }, size: 3, page: 1 }));
      const second = await search.search(request({ filters: { inStock: true }, size: 3, page: 2 }));
      expect(first.total).toBe(all.total);
      expect(first.hits.map((h) => h.id)).toEqual(all.hits.slice(0, 3).map((h) => h.id));
      expect(second.hits.map((h) => h.id)).toEqual(all.hits.slice(3, 6).map((h) => h.id));
    });

    it('sorts hybrid results by price and by newest', async () => {
      const byPrice = await search.search(request({ q: 'mower drill', sort: 'price_desc', size: 100 }));
      const prices = byPrice.hits.map((h) => h.product.price).filter((p): p is number => p !== undefined);
      expect(prices).toEqual([...prices].sort((a, b) => b - a));
      const newest = await search.search(request({ q: 'mower drill', sort: 'newest', size: 100 }));
      const dates = newest.hits.map((h) => h.product.created_at).filter((d): d is string => d !== undefined);
      expect(dates).toEqual([...dates].sort().reverse());
    });

    it('explains hybrid hits with both leg ranks and the fused score', async () => {
      // Both legs at their fixed weights (no coverage gate), so the vector leg's rank shows.
      const ungated = {
        ...mappings,
        search: { ...mappings.search, fusion: { ...mappings.search.fusion, knn_gate: 'none' as const } },
      };
      const response = await testSearchPipeline(subject.backend, subject.embedder, ungated).search(
        request({ q: 'lawn mower', explain: true }),
      );
      const top = response.hits[0]!;
      expect(['mower-1', 'mower-2']).toContain(top.id);
      expect(top.explain?.bm25?.rank).toBeGreaterThanOrEqual(1);
      expect(top.explain?.knn?.rank).toBeGreaterThanOrEqual(1);
      expect(top.explain?.fused).toMatchObject({
        method: mappings.search.fusion.method,
        rank: 1,
        score: top.score,
      });
    });

    it('recommends through the engine: similar products by kNN with filters, trending from its popularity order', async () => {
      const events = new SqliteEventStore(path.join(temporaryDirectory(), 'events.db'));
      const recommendations = new RecommendationService({
        backend: subject.backend,
        embedder: new EmbedderSlot(subject.embedder),
        events,
        features: new FeatureSource(events, new UserIdHasher('test-user-id-secret')),
      });
      const ask = { size: 5, filters: {}, explain: true };
      const similar = await recommendations.similar('mower-1', ask);
      expect(similar.hits.map((h) => h.id)).not.toContain('mower-1');
      expect(similar.hits[0]!.id).toBe('mower-2');
      expect(similar.hits[0]!.explain).toMatchObject({ sources: ['vector'], same_category: true });
      const egoOnly = await recommendations.similar('mower-1', { ...ask, filters: { brand: ['EGO'] } });
      expect(egoOnly.hits.length).toBeGreaterThan(0);
      for (const hit of egoOnly.hits) expect(hit.product.brand).toBe('EGO');
      const trending = await recommendations.trending('Tools', ask);
      expect(trending.strategy).toBe('popular');
      expect(trending.hits[0]!.id).toBe('drill-1');
      for (const hit of trending.hits) expect(hit.product.category![0]).toBe('Tools');
      await events.close();
    });

    it('deletes a product from every index', async () => {
      expect(await subject.backend.deleteProduct('blower-1')).toBe(true);
      expect(await subject.backend.deleteProduct('blower-1')).toBe(false);
      await subject.refresh();
      expect(await lexicalIds('leaf blower')).not.toContain('blower-1');
      expect(await vectorIds('EGO 56V Leaf Blower')).not.toContain('blower-1');
      expect((await subject.backend.getProducts(['blower-1'])).size).toBe(0);
      expect(await subject.backend.countProducts()).toBe(FIXTURE_PRODUCTS.length - 1);
    });
  });
}
