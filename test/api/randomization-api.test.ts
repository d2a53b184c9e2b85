/**
 * The randomized share through the service: with `ranking.randomization.share: 1` every
 * plain first page has position 1 swapped at random with one below it (or, with
 * `method: adjacent_pairs`, adjacent pairs of its top results), says so, and logs the
 * intervention with its impression; `rerank=false`, `explain=true` and later pages are
 * left alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

function mappingsWithShare(share: number, method = 'random_pairs'): string {
  const dir = temporaryDirectory('mappings-');
  for (const file of ['boosts.yaml', 'search.yaml', 'jobs.yaml'])
    fs.copyFileSync(path.resolve('mappings', file), path.join(dir, file));
  const search = path.join(dir, 'search.yaml');
  fs.writeFileSync(
    search,
    fs
      .readFileSync(search, 'utf8')
      .replace(/share: [\d.]+/, `share: ${share}`)
      .replace(/method: random_pairs/, `method: ${method}`),
  );
  return dir;
}

const ids = (res: request.Response) => res.body.hits.map((h: { id: string }) => h.id) as string[];

describe('the randomized share of searches', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ EMBEDDER: 'hashing', MAPPINGS_DIR: mappingsWithShare(1) });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('swaps position 1 with one of the top results, and the rest in pairs, at random and logs how', async () => {
    const fused = ids(
      await request(app).get('/v1/search').query({ q: 'garden tools', size: 10, rerank: 'false' }),
    );
    expect(fused.length).toBeGreaterThanOrEqual(6);
    const drawn = new Set<number>();
    let swaps = 0;
    for (let i = 0; i < 16; i++) {
      const res = await request(app).get('/v1/search').query({ q: 'garden tools', size: 10 }).expect(200);
      expect(res.body.ranking).toMatchObject({ randomized: true, fallback: 'no_model' });
      const served = ids(res);
      const impression = await runtime.eventStore.impression(res.body.query_id);
      const intervention = impression!.intervention!;
      if (intervention.kind !== 'random_pairs') throw new Error(`logged ${intervention.kind}`);
      expect(intervention.depth).toBe(Math.min(10, served.length));
      expect(intervention.pairs[0]!.upper).toBe(1);
      const expected = [...fused];
      for (const { upper, lower, swapped } of intervention.pairs)
        if (swapped)
          [expected[upper - 1], expected[lower - 1]] = [expected[lower - 1]!, expected[upper - 1]!];
      expect(served).toEqual(expected);
      expect(impression!.items.map((item) => item.productId)).toEqual(served);
      drawn.add(intervention.pairs[0]!.lower);
      swaps += intervention.pairs.filter((pair) => pair.swapped).length;
    }
    expect(swaps).toBeGreaterThan(0);
    expect(drawn.size).toBeGreaterThan(2);
  });

  it('swaps adjacent pairs of the top results at random with method adjacent_pairs', async () => {
    const adjacent = await createTestRuntime({
      EMBEDDER: 'hashing',
      MAPPINGS_DIR: mappingsWithShare(1, 'adjacent_pairs'),
    });
    const app = adjacent.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    const runtime = adjacent;
    const fused = ids(
      await request(app).get('/v1/search').query({ q: 'garden tools', size: 10, rerank: 'false' }),
    );
    expect(fused.length).toBeGreaterThanOrEqual(6);
    let swaps = 0;
    for (let i = 0; i < 12; i++) {
      const res = await request(app).get('/v1/search').query({ q: 'garden tools', size: 10 }).expect(200);
      expect(res.body.ranking).toMatchObject({ randomized: true, fallback: 'no_model' });
      const served = ids(res);
      expect(new Set(served)).toEqual(new Set(fused));
      const impression = await runtime.eventStore.impression(res.body.query_id);
      const intervention = impression!.intervention!;
      if (intervention.kind !== 'adjacent_pairs') throw new Error(`logged ${intervention.kind}`);
      expect(intervention.depth).toBe(Math.min(10, served.length));
      const expected = [...fused];
      for (const upper of intervention.swapped)
        [expected[upper - 1], expected[upper]] = [expected[upper]!, expected[upper - 1]!];
      expect(served).toEqual(expected);
      expect(impression!.items.map((item) => item.productId)).toEqual(served);
      swaps += intervention.swapped.length;
    }
    expect(swaps).toBeGreaterThan(0);
    await adjacent.close();
  });

  it('leaves the fused order, explained searches and later pages alone', async () => {
    for (const query of [
      { q: 'garden tools', rerank: 'false' },
      { q: 'garden tools', explain: 'true' },
      { q: 'garden tools', page: 2, size: 3 },
    ]) {
      const res = await request(app).get('/v1/search').query(query).expect(200);
      expect(res.body.ranking?.randomized).toBeUndefined();
      expect((await runtime.eventStore.impression(res.body.query_id))?.intervention).toBeUndefined();
    }
  });
});
