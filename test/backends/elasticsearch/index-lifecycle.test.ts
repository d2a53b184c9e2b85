import path from 'node:path';
import { errors } from '@elastic/elasticsearch';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ensureServingIndex,
  indexVersion,
  pruneIndices,
  ReindexError,
  reindex,
  versionedIndexName,
} from '../../../src/backends/elasticsearch/index-lifecycle.ts';
import { loadIndexDefinition } from '../../../src/backends/elasticsearch/index-settings.ts';
import { MappingConflictError } from '../../../src/backends/elasticsearch/mapping-conflicts.ts';
import { productContentHash, productSchema } from '../../../src/catalog/product.ts';
import type { IndexedProduct } from '../../../src/catalog/search-backend.ts';
import { BackendUnavailableError } from '../../../src/catalog/search-backend.ts';
import { FakeElasticsearch, responseError } from '../../helpers/fake-elasticsearch.ts';

const ALIAS = 'shop';
const definition = loadIndexDefinition({
  dir: path.resolve('mappings/elasticsearch'),
  embedder: { id: 'test-embedder', dimensions: 4 },
  pipelineId: 'shop-ingest',
});

function item(id: string, title = `Product ${id}`): IndexedProduct {
  const product = productSchema.parse({ id, title, price: 10 });
  return { product, contentHash: productContentHash(product), vector: new Float32Array([1, 0, 0, 0]) };
}

async function* batches(...groups: IndexedProduct[][]): AsyncGenerator<IndexedProduct[]> {
  for (const group of groups) yield group;
}

describe('versioned index names', () => {
  it('pads the version and reads it back only from names of this alias', () => {
    expect(versionedIndexName('shop', 7)).toBe('shop-000007');
    expect(indexVersion('shop', 'shop-000007')).toBe(7);
    expect(indexVersion('shop', 'shop-eu-000007')).toBeUndefined();
    expect(indexVersion('shop', 'shop-7')).toBeUndefined();
    expect(indexVersion('shop', 'shop-1234567')).toBe(1_234_567);
  });
});

describe('start-up: ensureServingIndex', () => {
  let es: FakeElasticsearch;
  beforeEach(() => {
    es = new FakeElasticsearch();
  });

  it('creates the first versioned index with the alias in one request', async () => {
    const serving = await ensureServingIndex(es.client, ALIAS, definition);
    expect(serving).toEqual({ index: 'shop-000001', created: true });
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']);
    const created = es.indices.get('shop-000001')!;
    expect(created.settings).toMatchObject({ default_pipeline: 'shop-ingest', number_of_shards: 1 });
    expect(created.mappings.properties?.vector).toMatchObject({
      type: 'dense_vector',
      dims: 4,
      similarity: 'cosine',
    });
    expect(created.mappings._meta).toEqual({ embedder: 'test-embedder' });
  });

  it('keeps serving an existing index whose mapping matches', async () => {
    es.addIndex('shop-000003', definition.mappings, [ALIAS]);
    expect(await ensureServingIndex(es.client, ALIAS, definition)).toEqual({
      index: 'shop-000003',
      created: false,
    });
    expect(es.sent('PUT', /^\/shop-/)).toHaveLength(0);
  });

  it('refuses an index whose vector size differs, naming the field', async () => {
    const vector = { type: 'dense_vector' as const, dims: 8, similarity: 'cosine' as const, index: true };
    es.addIndex(
      'shop-000001',
      { ...definition.mappings, properties: { ...definition.mappings.properties, vector } },
      [ALIAS],
    );
    const error = await ensureServingIndex(es.client, ALIAS, definition).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingConflictError);
    expect((error as Error).message).toContain(
      'shop-000001: field "vector": dims is 8 in the index but 4 is expected',
    );
    expect((error as Error).message).toMatch(/Run a reindex/);
  });

  it('refuses a concrete index that sits where the alias should be', async () => {
    es.addIndex(ALIAS, definition.mappings);
    await expect(ensureServingIndex(es.client, ALIAS, definition)).rejects.toMatchObject({
      code: 'index_conflict',
    });
  });

  it('accepts losing the creation race to another replica', async () => {
    es.beforeCreate = (index) => {
      es.addIndex(index, definition.mappings, [ALIAS]); // the other replica got there first
      return responseError(400, 'resource_already_exists_exception');
    };
    expect(await ensureServingIndex(es.client, ALIAS, definition)).toEqual({
      index: 'shop-000001',
      created: false,
    });
  });

  it('continues after the versions already present', async () => {
    es.addIndex('shop-000004', definition.mappings); // left behind, not serving
    expect((await ensureServingIndex(es.client, ALIAS, definition)).index).toBe('shop-000005');
  });
});

describe('reindex: new versioned index, count check, atomic alias swap', () => {
  let es: FakeElasticsearch;
  beforeEach(() => {
    es = new FakeElasticsearch();
    es.addIndex('shop-000001', definition.mappings, [ALIAS]);
    es.indices.get('shop-000001')!.docs.set('old', { id: 'old' });
  });

  it('loads every product, then points the alias at the new index in one updateAliases call', async () => {
    const report = await reindex({
      client: es.client,
      alias: ALIAS,
      definition,
      batches: batches([item('a'), item('b')], [item('c'), item('a', 'Product a, corrected')]),
      keep: 2,
    });
    expect(report).toMatchObject({
      index: 'shop-000002',
      previous: ['shop-000001'],
      documents: 3,
      pruned: [],
    });
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000002']);
    expect([...es.indices.get('shop-000002')!.docs.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(es.indices.get('shop-000002')!.docs.get('a')).toMatchObject({ title: 'Product a, corrected' });
    const swaps = es.sent('POST', '/_aliases');
    expect(swaps).toHaveLength(1);
    expect(swaps[0]!.body).toEqual({
      actions: [
        { remove: { index: 'shop-000001', alias: ALIAS } },
        { add: { index: 'shop-000002', alias: ALIAS } },
      ],
    });
    // Created without the alias: it only serves once complete.
    expect((es.sent('PUT', '/shop-000002')[0]!.body as { aliases?: unknown }).aliases).toBeUndefined();
    expect(es.indices.has('shop-000001')).toBe(true); // keep 2
  });

  it('prunes old versions, keeping the newest N', async () => {
    es.addIndex('shop-000002', definition.mappings);
    es.addIndex('shop-000003', definition.mappings);
    es.addIndex('shop-eu-000001', definition.mappings); // another alias's index: never touched
    const report = await reindex({
      client: es.client,
      alias: ALIAS,
      definition,
      batches: batches([item('a')]),
      keep: 2,
    });
    expect(report.index).toBe('shop-000004');
    expect(report.pruned.sort()).toEqual(['shop-000001', 'shop-000002']);
    expect([...es.indices.keys()].sort()).toEqual(['shop-000003', 'shop-000004', 'shop-eu-000001']);
  });

  it('never prunes the index the alias serves, whatever its age', async () => {
    es.addIndex('shop-000002', definition.mappings);
    es.addIndex('shop-000003', definition.mappings);
    // Serving an older version (a rollback): keep 1 keeps the newest and the serving one.
    expect(await pruneIndices(es.client, ALIAS, 1)).toEqual(['shop-000002']);
    expect([...es.indices.keys()].sort()).toEqual(['shop-000001', 'shop-000003']);
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']);
  });

  it('retries documents refused with 429 and succeeds', async () => {
    es.bulkItemStatus = (id, attempt) => (id === 'b' && attempt === 1 ? 429 : undefined);
    const report = await reindex({
      client: es.client,
      alias: ALIAS,
      definition,
      batches: batches([item('a'), item('b')]),
      keep: 2,
      bulk: { retries: 2, waitMs: 5 },
    });
    expect(report.documents).toBe(2);
    expect(es.sent('POST', '/_bulk').length + es.sent('PUT', '/_bulk').length).toBe(2);
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000002']);
  });

  async function expectFailedReindex(
    promise: Promise<unknown>,
    message: RegExp,
    kind: abstract new (...args: never[]) => Error = ReindexError,
  ): Promise<void> {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']);
    expect(es.indices.has('shop-000002')).toBe(false);
    expect(es.sent('POST', '/_aliases')).toHaveLength(0);
  }

  it('reports rejected documents, deletes the half-built index and leaves the alias serving the old one', async () => {
    es.bulkItemStatus = (id) => (id === 'b' ? 400 : undefined);
    await expectFailedReindex(
      reindex({
        client: es.client,
        alias: ALIAS,
        definition,
        batches: batches([item('a'), item('b')]),
        keep: 2,
      }),
      /rejected 1 document.*b \(400\): status 400 for b/,
    );
  });

  it('gives up on documents still refused with 429 after the retries: the cluster is busy (503), not broken', async () => {
    es.bulkItemStatus = (id) => (id === 'a' ? 429 : undefined);
    await expectFailedReindex(
      reindex({
        client: es.client,
        alias: ALIAS,
        definition,
        batches: batches([item('a')]),
        keep: 2,
        bulk: { retries: 1, waitMs: 5 },
      }),
      /refused 1 document\(s\) written to shop-000002: too many requests/,
      BackendUnavailableError,
    );
  });

  it('fails when the new index does not hold every product', async () => {
    es.countOverride = (_index, actual) => actual - 1;
    await expectFailedReindex(
      reindex({
        client: es.client,
        alias: ALIAS,
        definition,
        batches: batches([item('a'), item('b')]),
        keep: 2,
      }),
      /holds 1 documents but 2 products were sent/,
    );
  });

  it('fails when the source breaks half way', async () => {
    async function* broken(): AsyncGenerator<IndexedProduct[]> {
      yield [item('a')];
      throw new Error('catalog file truncated');
    }
    await expectFailedReindex(
      reindex({ client: es.client, alias: ALIAS, definition, batches: broken(), keep: 2 }),
      /catalog file truncated/,
    );
  });

  it('refuses to serve an empty index unless asked to', async () => {
    await expectFailedReindex(
      reindex({ client: es.client, alias: ALIAS, definition, batches: batches([]), keep: 2 }),
      /no products/,
    );
    const report = await reindex({
      client: es.client,
      alias: ALIAS,
      definition,
      batches: batches([]),
      keep: 2,
      allowEmpty: true,
    });
    expect(report.documents).toBe(0);
    expect(es.aliasTargets(ALIAS)).toEqual([report.index]);
  });

  it('fails cleanly when the cluster goes away before the swap', async () => {
    es.countOverride = () => {
      es.outage = new errors.ConnectionError('connect ECONNREFUSED');
      return 0;
    };
    const error = await reindex({
      client: es.client,
      alias: ALIAS,
      definition,
      batches: batches([item('a')]),
      keep: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReindexError);
    es.outage = undefined;
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']);
  });
});
