/**
 * Query-conditioned engagement through the service: the clicks a product earns for one
 * query move its engagement features for that query (and its spellings) only, never for
 * another query it also appears in.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/main/runtime.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../src/ranking/features/feature-set.ts';
import { FIXTURE_PRODUCTS } from '../../fixtures/products.ts';
import { createTestRuntime } from '../../helpers/runtime.ts';

const CLICK_RATE = FEATURE_NAMES.indexOf('query_click_rate');
const EXAMINATIONS = FEATURE_NAMES.indexOf('query_examinations_log');

describe('query-conditioned engagement features', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ EMBEDDER: 'hashing' });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  /** A candidate's engagement features for a query, as serving extracts them. */
  async function engagementOf(q: string, id: string) {
    const { ids, features, count } = await runtime.search.candidates(q);
    const i = ids.indexOf(id);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(count);
    const row = features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    return { rank: i + 1, clickRate: row[CLICK_RATE]!, examinations: row[EXAMINATIONS]! };
  }

  it('rises for the query a product was clicked for, and stays at the prior for other queries', async () => {
    const before = await engagementOf('garden', 'hose-1');
    const elsewhere = await engagementOf('flexzilla hose', 'hose-1');
    expect(before.examinations).toBe(0);

    for (let i = 0; i < 12; i++) {
      const search = await request(app)
        .get('/v1/search')
        .query({ q: 'Garden', user_id: `g${i}` })
        .expect(200);
      const hits = search.body.hits as { id: string }[];
      const position = hits.findIndex((h) => h.id === 'hose-1') + 1;
      expect(position).toBeGreaterThan(0);
      await request(app)
        .post('/v1/events')
        .send([
          {
            event_id: `hose-click-${i}`,
            type: 'click',
            user_id: `g${i}`,
            query_id: search.body.query_id,
            product_id: 'hose-1',
            position,
            timestamp: new Date().toISOString(),
          },
        ])
        .expect(200);
    }

    // The same query, spelt differently, reads the same counters.
    const after = await engagementOf(' GARDEN ', 'hose-1');
    expect(after.examinations).toBeGreaterThan(0);
    expect(after.clickRate).toBeGreaterThan(3 * before.clickRate);
    // Shown for "garden" too but never clicked there: examined, and below its prior.
    const ignored = await engagementOf('garden', 'mower-1');
    expect(ignored.examinations).toBeGreaterThan(0);

    // Another query the hose appears in sees none of it: only its prior, which depends on
    // the hose's fused rank for that query and the catalog-wide level.
    const other = await engagementOf('flexzilla hose', 'hose-1');
    expect(other.examinations).toBe(0);
    expect(other.rank).toBe(elsewhere.rank);
    const castIron = (await runtime.search.candidates('cast iron')).ids.find((id) => id !== 'hose-1')!;
    const never = await engagementOf('cast iron', castIron);
    expect(never.examinations).toBe(0);
    const priorAt = (rank: number, level: number) => level / Math.log2(1 + rank);
    // Two priors from one level: their ratio is that of the rank discounts.
    expect(other.clickRate / never.clickRate).toBeCloseTo(priorAt(other.rank, 1) / priorAt(never.rank, 1), 4);
  });
});
