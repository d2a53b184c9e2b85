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
import { loadMappings, type Mappings } from '../../src/main/mappings.ts';
import { type MerchandisingFile, parseMerchandising } from '../../src/merchandising/settings.ts';
import { FeatureSource } from '../../src/ranking/features/feature-source.ts';
import { RecommendationService } from '../../src/recommend/recommendation-service.ts';
import type { FacetValueCount } from '../../src/retrieval/facets.ts';
import type { SearchPipeline } from '../../src/retrieval/search-pipeline.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';
import { analyzeQuery } from '../../src/text/analyzer.ts';
import { UserIdHasher } from '../../src/users/user-ids.ts';
import { attributeRichCatalog, distinctAttributeKeys } from '../fixtures/attribute-rich-catalog.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { testSearchPipeline } from '../helpers/search-pipeline.ts';

export interface BackendUnderTest {
  backend: SearchBackend;
  embedder: Embedder;
  /** Make writes visible to searches (Elasticsearch refresh); no-op where writes are immediate. */
  refresh(): Promise<void>;
  /** Fields the engine's index mapping holds, where it has one (Elasticsearch): it must not grow per attribute key. */
  mappedFields?(): Promise<number>;
  dispose(): Promise<void>;
}

const mappings = loadMappings(path.resolve('mappings'));

/** The project's mappings with some merchandising files replaced, parsed as the service parses them. */
function withFiles(files: Partial<Record<MerchandisingFile, string>>): Mappings {
  const replaced = Object.fromEntries(
    Object.entries(files).map(([kind, text]) => [kind, { name: `test/${kind}`, text }]),
  );
  return { ...mappings, ...parseMerchandising({ ...mappings.files, ...replaced }) };
}

const synonymLines = (settings: Mappings) => settings.synonyms.lines.map((line) => line.rule);

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
      await subject.backend.setSynonyms(synonymLines(mappings));
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

    it('sorts by rating and by popularity, products without the value last', async () => {
      const byRating = await search.search(request({ q: 'mower drill', sort: 'rating_desc', size: 100 }));
      const ratings = byRating.hits.map((h) => h.product.rating);
      const rated = ratings.filter((r): r is number => r !== undefined);
      expect(rated).toEqual([...rated].sort((a, b) => b - a));
      expect(ratings.slice(0, rated.length)).toEqual(rated);
      const byPopularity = await search.search(
        request({ filters: { category: ['Garden'] }, sort: 'popularity_desc' }),
      );
      expect(byPopularity.hits.map((h) => h.id)).toEqual(['mower-1', 'mower-2', 'hose-1', 'blower-1']);
    });

    describe('merchandising rules', () => {
      const ruleSearch = (
        overrides: Partial<SearchRequest>,
        rules: string,
        now = Date.parse('2026-07-01T00:00:00Z'),
      ) =>
        search.search(request({ size: 20, ...overrides }), undefined, {
          settings: withFiles({ rules }),
          now,
        });
      const ids = (response: { hits: { id: string }[] }) => response.hits.map((h) => h.id);

      it('pins products at their positions and hides others, exactly', async () => {
        const rules = `rules:
  - id: mower-campaign
    when: { query: { contains: mower } }
    pin:
      - { id: wrench-1, position: 1 }
      - { id: skillet-1, position: 3 }
    hide: { ids: [mower-2] }`;
        const response = await ruleSearch({ q: 'lawn mower', explain: true }, rules);
        expect(ids(response)[0]).toBe('wrench-1');
        expect(ids(response)[2]).toBe('skillet-1');
        expect(ids(response)).not.toContain('mower-2');
        expect(ids(response)).toContain('mower-1');
        expect(response.hits[0]!.explain?.rules).toEqual([
          { rule: 'mower-campaign', action: 'pin', position: 1 },
        ]);
        expect(response.merchandising?.rules).toEqual([
          { id: 'mower-campaign', priority: 0, actions: ['hide', 'pin'] },
        ]);
      });

      it('hides by filter and forces a filter in both legs, totals and facets included', async () => {
        const rules = `rules:
  - id: no-ego
    when: { query: { any: true } }
    hide: { filter: { brand: EGO } }
  - id: in-stock-only
    when: { query: { contains: drill } }
    filter: { in_stock: true, price: { max: 120 } }`;
        const blowers = await ruleSearch({ q: 'mower blower', facets: ['brand'] }, rules);
        expect(ids(blowers).some((id) => productOf(id).brand === 'EGO')).toBe(false);
        expect(blowers.facets.brand?.some((f) => f.value === 'EGO')).toBe(false);
        expect(blowers.total).toBe(blowers.hits.length);
        const drills = await ruleSearch({ q: 'mower drill' }, rules);
        expect(ids(drills).length).toBeGreaterThan(0);
        expect(
          ids(drills).every((id) => {
            const p = id === 'hose-1' ? { ...productOf(id), price: 42 } : productOf(id);
            return p.in_stock !== false && p.brand !== 'EGO' && p.price !== undefined && p.price <= 120;
          }),
        ).toBe(true);
      });

      it('boosts and buries within the list by position and factor, when browsing too', async () => {
        const rules = `rules:
  - id: garden
    when: { category: Garden }
    boost:
      - { filter: { brand: Flexzilla }, factor: 3 }
    bury:
      - { filter: { in_stock: false }, factor: 0.25 }`;
        // Popularity order mower-1, mower-2, hose-1, blower-1: hose-1 is 3/3 (ties with mower-1, after
        // it), blower-1 1/4, mower-2 0.25/2.
        const browse = await ruleSearch({ filters: { category: ['Garden'] }, explain: true }, rules);
        expect(ids(browse)).toEqual(['mower-1', 'hose-1', 'blower-1', 'mower-2']);
        expect(browse.total).toBe(4);
        expect(browse.hits[1]!.explain?.rules).toEqual([
          { rule: 'garden', action: 'boost', factor: 3, from: 3, to: 2 },
        ]);
        // A shopper's own sort order is kept: rules move products only in relevance order.
        const byPrice = await ruleSearch({ filters: { category: ['Garden'] }, sort: 'price_asc' }, rules);
        expect(ids(byPrice)).toEqual(['hose-1', 'blower-1', 'mower-2', 'mower-1']);
      });

      it('filters on attributes and on product age in rules', async () => {
        const rules = `rules:
  - id: no-yellow
    when: { query: { contains: drill } }
    hide: { filter: { attributes: { color: yellow } } }
  - id: new-tools
    when: { category: Tools }
    boost:
      - { filter: { age_days: { max: 30 } }, factor: 4 }`;
        expect(ids(await ruleSearch({ q: 'cordless drill' }, rules))).not.toContain('drill-1');
        // Created 2026-06-20, 11 days before the search: drill-2 goes before the more popular drill-1.
        const tools = await ruleSearch({ filters: { category: ['Tools'] } }, rules);
        expect(ids(tools)).toEqual(['drill-2', 'drill-1', 'wrench-1']);
        const later = await ruleSearch(
          { filters: { category: ['Tools'] } },
          rules,
          Date.parse('2026-09-01T00:00:00Z'),
        );
        expect(ids(later)).toEqual(['drill-1', 'drill-2', 'wrench-1']);
      });

      it('rewrites the query before retrieval, answers with the query as typed, and redirects', async () => {
        const rules = `rules:
  - id: grass
    when: { query: { exact: grass cutter } }
    rewrite: { replace: { grass cutter: lawn mower } }
    redirect: https://shop.example.com/mowers`;
        const response = await ruleSearch({ q: 'grass cutter' }, rules);
        expect(response.q).toBe('grass cutter');
        expect(response.merchandising?.rewritten_q).toBe('lawn mower');
        expect(response.redirect).toEqual({ url: 'https://shop.example.com/mowers', rule: 'grass' });
        expect(ids(response).slice(0, 2).sort()).toEqual(['mower-1', 'mower-2']);
      });

      it('pins a product the search did not retrieve, and counts it', async () => {
        const rules = `rules:
  - id: hose-offer
    when: { query: { exact: garden hose } }
    pin:
      - { id: skillet-1, position: 1 }`;
        const plain = await search.search(request({ q: 'garden hose' }));
        const pinned = await ruleSearch({ q: 'garden hose' }, rules);
        expect(ids(plain)).not.toContain('skillet-1');
        expect(ids(pinned)[0]).toBe('skillet-1');
        expect(pinned.total).toBe(plain.total + 1);
      });
    });

    describe('synonyms and stopwords', () => {
      const files = {
        synonyms: 'spanner => wrench\nfrying pan, skillet\n',
        stopwords: 'in\n',
      };
      const settings = withFiles(files);
      const keywordHits = async (q: string) => {
        const response = await search.search(
          request({ q, explain: true, rerank: false, size: 50 }),
          undefined,
          {
            settings,
          },
        );
        return response.hits.filter((h) => h.explain?.bm25).map((h) => h.id);
      };

      beforeAll(async () => {
        await subject.backend.setSynonyms(synonymLines(settings));
        await subject.refresh();
      });
      afterAll(async () => {
        await subject.backend.setSynonyms(synonymLines(mappings));
      });

      it('finds products by a one-way synonym and by a multi-word equivalent', async () => {
        expect(await lexicalIds('spanner')).toEqual([]);
        expect(await keywordHits('spanner')).toEqual(['wrench-1']);
        expect(await keywordHits('frying pan')).toEqual(['skillet-1']);
        expect(await keywordHits('skillet')).toEqual(['skillet-1']);
      });

      it('leaves stopwords out of the keyword leg, unless nothing else is left', async () => {
        // "in" is in the titles of mower-1, hose-1, wrench-1 and skillet-1.
        expect(await keywordHits('hose in')).toEqual(['hose-1']);
        expect((await keywordHits('in')).sort()).toEqual(['hose-1', 'mower-1', 'skillet-1', 'wrench-1']);
      });
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

  describe(`attribute-rich catalogs: ${name}`, () => {
    let subject: BackendUnderTest;
    let search: SearchPipeline;
    const catalogRecords = attributeRichCatalog();
    const settings = withFiles({
      attributes: `attributes:
  finish: { type: terms }
  screen_size: { type: range, edges: [40, 50, 60] }
`,
    });
    const lexical = (
      text: string,
      weights = settings.boosts.fields,
      filters: SearchRequest['filters'] = {},
    ) =>
      subject.backend.lexicalSearch({
        text,
        terms: analyzeQuery(text).terms,
        filters,
        limit: 50,
        fieldWeights: weights,
      });
    const ids = (hits: { id: string }[]) => hits.map((h) => h.id);
    let fieldsBefore: number | undefined;

    beforeAll(async () => {
      subject = await create();
      fieldsBefore = await subject.mappedFields?.();
      search = testSearchPipeline(subject.backend, subject.embedder, settings);
      const report = await new CatalogService(subject.backend, new EmbedderSlot(subject.embedder)).ingest(
        catalogRecords,
      );
      expect(report.rejected).toBe(0);
      await subject.refresh();
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    it('indexes thousands of distinct attribute keys without a field per key', async () => {
      expect(distinctAttributeKeys(catalogRecords)).toBeGreaterThan(2000);
      expect(await subject.backend.countProducts()).toBe(catalogRecords.length);
      if (fieldsBefore !== undefined) expect(await subject.mappedFields!()).toBe(fieldsBefore);
    });

    it('ranks a title match by the title, however long the product attributes are', async () => {
      // mount-rich has 300 attribute values and the shorter title; mount-bare two and a longer one.
      expect(ids(await lexical('articulating wall mount')).slice(0, 2)).toEqual(['mount-rich', 'mount-bare']);
    });

    it('searches attribute values with their own field weight', async () => {
      const heavyAttributes = { ...settings.boosts.fields, attributes: 5, description: 0.5 };
      const heavyDescription = { ...settings.boosts.fields, attributes: 0.5, description: 5 };
      expect(ids(await lexical('gold plated', heavyAttributes)).slice(0, 2)).toEqual([
        'cable-attr',
        'cable-desc',
      ]);
      expect(ids(await lexical('gold plated', heavyDescription)).slice(0, 2)).toEqual([
        'cable-desc',
        'cable-attr',
      ]);
    });

    it('filters on attribute values and numeric ranges in both legs', async () => {
      const matte = { attributes: { finish: { values: ['matte'] } } };
      const inRange = { attributes: { screen_size: { min: 60, max: 70 } } };
      for (const leg of [
        (f: SearchRequest['filters']) => lexical('wall mount television cable', settings.boosts.fields, f),
        async (f: SearchRequest['filters']) => {
          const [vector] = await subject.embedder.embed(['wall mount television cable'], 'query');
          return subject.backend.vectorSearch({ vector: vector!, filters: f, limit: 50 });
        },
      ]) {
        expect(ids(await leg(matte)).sort()).toEqual(['mount-rich', 'tv-1']);
        // "65" given as text counts as the number 65.
        expect(ids(await leg(inRange)).sort()).toEqual(['cable-attr', 'tv-1']);
      }
    });

    it('counts attribute facets over the filtered catalog when browsing, and over the candidates', async () => {
      const browse = await search.search(
        request({ filters: { category: ['Electronics'] }, facets: ['finish', 'screen_size'] }),
        undefined,
        { settings },
      );
      expect(browse.total).toBe(5);
      expect(browse.facets.finish).toEqual([
        { value: 'matte', count: 2 },
        { value: 'gloss', count: 1 },
      ]);
      expect(browse.facets.screen_size).toEqual([
        { key: '40-50', from: 40, to: 50, count: 1 },
        { key: '50-60', from: 50, to: 60, count: 1 },
        { key: '60-*', from: 60, count: 2 },
      ]);
      const filtered = await search.search(
        request({ filters: { attributes: { finish: { values: ['matte'] } } }, facets: ['finish'] }),
        undefined,
        { settings },
      );
      expect(ids(filtered.hits).sort()).toEqual(['mount-rich', 'tv-1']);
      const hybrid = await search.search(
        request({ q: 'articulating wall mount', filters: { category: ['Electronics'] }, facets: ['finish'] }),
        undefined,
        { settings },
      );
      const counted = Object.fromEntries(
        ((hybrid.facets.finish ?? []) as FacetValueCount[]).map((f) => [f.value, f.count]),
      );
      expect(counted.matte).toBeGreaterThanOrEqual(1);
      expect(counted.gloss).toBeGreaterThanOrEqual(1);
    });
  });
}
