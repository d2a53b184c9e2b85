/**
 * Merchandising rules and attribute filters on the recommendation lists, through the HTTP
 * API with a mappings directory of the test's own: hides and forced filters keep products
 * out of every list, buried products go last, pins place products on trending and the feed
 * only, query rules never fire without a query, a rules reload takes effect at once; and
 * `filter.<attribute>` narrows every list as it narrows a search.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductInput } from '../../src/catalog/product.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { RECOMMENDATION_PRODUCTS } from '../fixtures/recommendation-catalog.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

interface Hit {
  id: string;
  product: { brand?: string; category?: string[]; attributes?: Record<string, unknown> };
  explain?: { rules?: { rule: string; action: string }[] };
}

const RULES = `rules:
  - id: hide-grey-drill
    when: { category: Tools }
    hide: { ids: [drill-v5] }
  - id: tools-in-stock
    when: { category: Tools }
    filter: { in_stock: true }
  - id: bury-bosch
    when: { category: Tools }
    bury:
      - filter: { brand: Bosch }
        factor: 0.5
  - id: boost-knife-block
    when: { category: Home }
    boost:
      - filter: { brand: Henckels }
        factor: 50
  - id: home-dutch-oven-pin
    when: { category: Home }
    pin:
      - { id: dutch-oven, position: 1 }
  - id: drill-search-only
    when: { query: { exact: drill } }
    hide: { ids: [drill-makita] }
`;

/** The drills in their colours, the bit sets with a size: what attribute filters narrow. */
const PRODUCTS: ProductInput[] = RECOMMENDATION_PRODUCTS.map((p) => {
  const colour = /Drill Driver Kit (\w+)$/.exec(p.title)?.[1];
  if (colour) return { ...p, attributes: { color: colour } };
  if (p.id === 'bits-set') return { ...p, attributes: { size: 8 } };
  if (p.id === 'bits-masonry') return { ...p, attributes: { size: 12 } };
  return p;
});

const ids = (hits: Hit[]) => hits.map((h) => h.id);

describe('merchandising rules and attribute filters on recommendations', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let mappingsDir: string;
  const useRules = (text: string) => {
    fs.writeFileSync(path.join(mappingsDir, 'rules.yaml'), text);
    const error = runtime.mappings.reload();
    if (error) throw error;
  };
  const get = async (url: string, query: Record<string, string | number | boolean> = {}) =>
    (
      await request(app)
        .get(url)
        .query({ size: 30, explain: true, ...query })
        .expect(200)
    ).body as {
      hits: Hit[];
      strategy: string;
    };

  beforeAll(async () => {
    mappingsDir = temporaryDirectory('mappings-');
    fs.cpSync(path.resolve('mappings'), mappingsDir, { recursive: true });
    runtime = await createTestRuntime({ MAPPINGS_DIR: mappingsDir, RATE_LIMIT: 'off' });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(PRODUCTS).expect(200);
    useRules(RULES);
    // A shopper of drills, so the feed has a profile to work from.
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    await request(app)
      .post('/v1/events')
      .send(
        ['drill-v1', 'drill-makita', 'bits-set'].map((id, i) => ({
          event_id: `rules-${i}`,
          type: 'click',
          session_id: 'driller',
          product_id: id,
          timestamp: at(30 - i),
        })),
      )
      .expect(200);
  });
  afterAll(() => runtime.close());

  describe('rules', () => {
    it('keeps hidden and filtered-out products off a product page, buries last, fires no query rule', async () => {
      const { hits } = await get('/v1/products/drill-v1/similar');
      expect(hits.length).toBeGreaterThan(8);
      expect(ids(hits)).not.toContain('drill-v5');
      expect(ids(hits)).not.toContain('drill-ryobi'); // out of stock, and Tools is forced in stock
      expect(ids(hits)).toContain('drill-makita'); // hidden only for the query "drill"
      const bosch = hits.flatMap((h, i) => (h.product.brand === 'Bosch' ? [i] : []));
      expect(bosch.length).toBeGreaterThan(0);
      expect(Math.min(...bosch)).toBe(hits.length - bosch.length);
      expect(hits[bosch[0]!]!.explain!.rules).toEqual([
        expect.objectContaining({ rule: 'bury-bosch', action: 'bury' }),
      ]);
      // No pins on a product's own lists.
      for (const hit of hits)
        expect(hit.explain!.rules?.some((r) => r.action === 'pin') ?? false).toBe(false);
    });

    it('applies them to bought-together fallbacks, trending and the feed', async () => {
      const bought = await get('/v1/products/drill-v1/bought-together');
      expect(bought.strategy).toBe('fallback');
      expect(ids(bought.hits)).not.toContain('drill-v5');
      expect(ids(bought.hits)).not.toContain('drill-ryobi');
      const tools = await get('/v1/trending', { category: 'Tools' });
      expect(tools.hits.length).toBeGreaterThan(5);
      expect(ids(tools.hits)).not.toContain('drill-v5');
      expect(ids(tools.hits)).not.toContain('drill-ryobi');
      const brands = tools.hits.map((h) => h.product.brand);
      expect(brands.slice(brands.indexOf('Bosch')).every((b) => b === 'Bosch')).toBe(true);
      const feed = await get('/v1/recommendations', { session_id: 'driller', 'filter.category': 'Tools' });
      expect(feed.strategy).toBe('personal');
      expect(ids(feed.hits)).not.toContain('drill-v5');
      expect(ids(feed.hits)).not.toContain('drill-ryobi');
    });

    it('pins and boosts on a browse-like list of the rule context', async () => {
      const home = await get('/v1/trending', { category: 'Home' });
      expect(ids(home.hits).slice(0, 2)).toEqual(['dutch-oven', 'knife-block']);
      expect(home.hits[0]!.explain!.rules).toEqual([
        { rule: 'home-dutch-oven-pin', action: 'pin', position: 1 },
      ]);
      expect(home.hits[1]!.explain!.rules![0]).toMatchObject({ rule: 'boost-knife-block', action: 'boost' });
      // The catalog-wide list is not in the Home context.
      const all = await get('/v1/trending');
      expect(all.hits.every((h) => h.explain!.rules === undefined)).toBe(true);
    });

    it('serves the new rules as soon as rules.yaml is reloaded', async () => {
      useRules('rules: []');
      try {
        const { hits } = await get('/v1/products/drill-v1/similar');
        expect(ids(hits)).toContain('drill-v5');
        expect(hits.every((h) => h.explain!.rules === undefined)).toBe(true);
      } finally {
        useRules(RULES);
      }
      expect(ids((await get('/v1/products/drill-v1/similar')).hits)).not.toContain('drill-v5');
    });
  });

  describe('attribute filters', () => {
    it('narrows each list by a terms attribute', async () => {
      const similar = await get('/v1/products/drill-v2/similar', { 'filter.color': 'Red' });
      expect(ids(similar.hits)).toEqual(['drill-v1']);
      const trending = await get('/v1/trending', { 'filter.color': 'Blue' });
      expect(ids(trending.hits)).toEqual(['drill-v2']);
      const feed = await get('/v1/recommendations', { session_id: 'driller', 'filter.color': 'Black' });
      expect(ids(feed.hits)).toEqual(['drill-v3']);
      const cold = await get('/v1/recommendations', { session_id: 'nobody', 'filter.color': 'Yellow' });
      expect(ids(cold.hits)).toEqual(['drill-v4']);
      const bought = await get('/v1/products/drill-v1/bought-together', { 'filter.color': 'Black' });
      for (const hit of bought.hits) expect(hit.product.attributes?.color).toBe('Black');
    });

    it('narrows by a range attribute and rejects what attributes.yaml does not declare', async () => {
      const small = await get('/v1/trending', { category: 'Tools', 'filter.size_max': 10 });
      expect(ids(small.hits)).toEqual(['bits-set']);
      const bad = await request(app)
        .get('/v1/products/drill-v1/similar')
        .query({ 'filter.weight': 3 })
        .expect(400);
      expect(bad.body.error.details[0]).toMatchObject({ field: 'filter.weight', rule: 'unknown_filter' });
      const range = await request(app)
        .get('/v1/trending')
        .query({ 'filter.size_min': 12, 'filter.size_max': 8 })
        .expect(400);
      expect(range.body.error.details[0]).toMatchObject({ field: 'filters.size_min' });
    });
  });
});
