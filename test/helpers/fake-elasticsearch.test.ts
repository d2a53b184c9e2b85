/**
 * The fake cluster answers like Elasticsearch for what it implements, and refuses what it
 * does not: tests that pass on it should not pass by its leniency.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeElasticsearch } from './fake-elasticsearch.ts';

describe('the fake Elasticsearch cluster', () => {
  let es: FakeElasticsearch;

  beforeEach(async () => {
    es = new FakeElasticsearch();
    await es.client.indices.create({
      index: 'things',
      mappings: { dynamic: 'strict', properties: { name: { type: 'keyword' }, n: { type: 'long' } } },
    });
  });

  it('answers 409 to a create on an existing id, in order within one bulk request', async () => {
    const response = await es.client.bulk({
      operations: [
        { create: { _index: 'things', _id: 'a' } },
        { name: 'first' },
        { create: { _index: 'things', _id: 'a' } },
        { name: 'second' },
      ],
    });
    expect(response.items.map((item) => item.create?.status)).toEqual([201, 409]);
    expect(response.errors).toBe(true);
    expect(es.indices.get('things')!.docs.get('a')).toEqual({ name: 'first' });
  });

  it('upserts, then runs the increment script; refuses unmapped fields under a strict mapping', async () => {
    const increment = (id: string) => [
      { update: { _index: 'things', _id: id } },
      { script: { source: 'ctx._source.n += params.by', params: { by: 2 } }, upsert: { name: id, n: 1 } },
    ];
    await es.client.bulk({ operations: [...increment('a'), ...increment('a')] });
    expect(es.indices.get('things')!.docs.get('a')).toEqual({ name: 'a', n: 3 });
    const refused = await es.client.bulk({
      operations: [{ index: { _index: 'things', _id: 'b' } }, { name: 'b', colour: 'red' }],
    });
    expect(refused.items[0]!.index?.error?.type).toBe('strict_dynamic_mapping_exception');
    const unknown = await es.client.bulk({
      operations: [{ update: { _index: 'things', _id: 'a' } }, { script: { source: 'ctx._source.n = 0' } }],
    });
    expect(unknown.items[0]!.update?.status).toBe(501);
  });

  it('searches what the last refresh made visible; get and mget are realtime', async () => {
    await es.client.bulk({ operations: [{ index: { _index: 'things', _id: 'a' } }, { name: 'a', n: 1 }] });
    expect((await es.client.search({ index: 'things' })).hits.hits).toEqual([]);
    expect((await es.client.get({ index: 'things', id: 'a' }))._source).toEqual({ name: 'a', n: 1 });
    await es.client.indices.refresh({ index: 'things' });
    expect((await es.client.search({ index: 'things' })).hits.hits.map((h) => h._id)).toEqual(['a']);
  });

  it('sorts with missing values last, pages with search_after and sums over every match', async () => {
    const operations = [
      ['a', { name: 'a', n: 3 }],
      ['b', { name: 'b' }],
      ['c', { name: 'c', n: 1 }],
      ['d', { name: 'd', n: 3 }],
    ].flatMap(([id, document]) => [{ index: { _index: 'things', _id: id as string } }, document]);
    await es.client.bulk({ operations, refresh: true });
    const page = (after?: (string | number)[]) =>
      es.client.search({
        index: 'things',
        size: 2,
        sort: [{ n: 'desc' }, { name: 'asc' }],
        ...(after && { search_after: after }),
        aggs: { total: { sum: { field: 'n' } } },
      });
    const first = await page();
    expect(first.hits.hits.map((h) => h._id)).toEqual(['a', 'd']);
    expect(first.aggregations?.total).toEqual({ value: 7 });
    const second = await page(first.hits.hits[1]!.sort as (string | number)[]);
    expect(second.hits.hits.map((h) => h._id)).toEqual(['c', 'b']);
  });

  it('refuses, instead of ignoring, what it does not implement', async () => {
    await es.client.bulk({
      operations: [{ index: { _index: 'things', _id: 'a' } }, { name: 'a' }],
      refresh: 'wait_for',
    });
    const error = await es.client
      .search({ index: 'things', query: { match: { name: 'a' } } })
      .catch((e: unknown) => e);
    expect((error as { statusCode?: number }).statusCode).toBe(501);
  });
});
