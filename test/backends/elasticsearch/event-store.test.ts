/**
 * What only the Elasticsearch event store has to get right (the shared behaviour is the
 * conformance suite's): index set-up, buffering and bulk writes, refresh discipline,
 * 429s, outages and ids longer than Elasticsearch allows.
 */
import { errors } from '@elastic/elasticsearch';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BulkIndexError } from '../../../src/backends/elasticsearch/bulk-indexing.ts';
import { ElasticsearchEventStore } from '../../../src/backends/elasticsearch/event-store.ts';
import { SHOPPER_MAPPINGS } from '../../../src/backends/elasticsearch/shopper-indices.ts';
import { BackendUnavailableError } from '../../../src/catalog/search-backend.ts';
import type { Logger } from '../../../src/main/logger.ts';
import type { Impression, StoredEvent } from '../../../src/users/events.ts';
import { FakeElasticsearch } from '../../helpers/fake-elasticsearch.ts';

const T0 = Date.UTC(2026, 0, 1);
const INDICES = [
  'shop-engagement-lists',
  'shop-events',
  'shop-impressions',
  'shop-product-stats',
  'shop-profiles',
  'shop-query-product-stats',
];

function click(eventId: string, productId = 'p1'): StoredEvent {
  return { eventId, type: 'click', productId, userHash: 'u1', timestamp: T0 };
}

function impression(queryId: string): Impression {
  return { queryId, query: 'drill', timestamp: T0, items: [{ productId: 'p1', position: 1 }] };
}

function quietLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe('Elasticsearch event store (against the fake cluster)', () => {
  let es: FakeElasticsearch;
  let logger: ReturnType<typeof quietLogger>;
  let store: ElasticsearchEventStore;

  const bulkRequests = () => es.requests.filter((r) => r.path === '/_bulk');
  const refreshes = (index: string) => es.requests.filter((r) => r.path === `/${index}/_refresh`);

  beforeEach(() => {
    es = new FakeElasticsearch();
    logger = quietLogger();
    store = new ElasticsearchEventStore({
      client: es.client,
      alias: 'shop',
      logger: logger as unknown as Logger,
      impressionFlushMs: 20,
      impressionFlushSize: 3,
      rejectedRetryWaitMs: 1,
    });
  });

  it('creates the six indices with strict mappings on first use, and only once', async () => {
    expect(es.indices.size).toBe(0); // constructing talks to nobody
    await store.appendEvents([click('e1')]);
    await store.productStats(['p1']);
    expect([...es.indices.keys()].sort()).toEqual(INDICES);
    expect(es.indices.get('shop-events')!.mappings).toEqual(SHOPPER_MAPPINGS.events);
    expect(es.indices.get('shop-product-stats')!.mappings.dynamic).toBe('strict');
    expect(es.sent('PUT', /^\/shop-/)).toHaveLength(6);
  });

  it('starts beside indices another replica (or an older version) created, adding missing fields', async () => {
    es.addIndex('shop-events', { dynamic: 'strict', properties: { event_id: { type: 'keyword' } } });
    await store.appendEvents([click('e1')]);
    expect(es.indices.get('shop-events')!.mappings.properties).toEqual(SHOPPER_MAPPINGS.events.properties);
    expect(es.indices.get('shop-events')!.docs.get('e1')).toMatchObject({ event_id: 'e1', user_hash: 'u1' });
  });

  it('never makes a write wait for a refresh; reads that search refresh their index first', async () => {
    await store.appendEvents([click('e1')]);
    store.recordImpression(impression('q1'));
    await store.flush();
    expect(bulkRequests().map((r) => r.querystring.refresh)).toEqual([undefined, undefined, undefined]);
    expect(refreshes('shop-events')).toHaveLength(0);
    await store.eventsForQueries(['q1']);
    expect(refreshes('shop-events')).toHaveLength(1);
  });

  it('counts products with one scripted upsert per product and batch, retried on conflict', async () => {
    await store.appendEvents([click('e1'), click('e2'), click('e3', 'p2')]);
    const [, counters] = bulkRequests();
    const lines = counters!.body as Record<string, { _id?: string; retry_on_conflict?: number }>[];
    expect(lines.filter((line) => line.update).map((line) => line.update!._id)).toEqual(['p1', 'p2']);
    expect(lines[0]!.update!.retry_on_conflict).toBeGreaterThan(0);
    expect(es.indices.get('shop-product-stats')!.docs.get('p1')).toMatchObject({ clicks: 2 });
  });

  it('writes buffered impressions in one bulk request when the timer fires', async () => {
    store.recordImpression(impression('q1'));
    store.recordImpression(impression('q2'));
    expect(bulkRequests()).toHaveLength(0);
    await vi.waitFor(() => expect(bulkRequests()).toHaveLength(1), { timeout: 1000, interval: 5 });
    expect([...es.indices.get('shop-impressions')!.docs.keys()].sort()).toEqual(['q1', 'q2']);
    expect(es.indices.get('shop-product-stats')!.docs.get('p1')).toMatchObject({ impressions: 2 });
  });

  it('writes buffered impressions as soon as the buffer is full', async () => {
    const patient = new ElasticsearchEventStore({
      client: es.client,
      alias: 'shop',
      impressionFlushMs: 60_000,
      impressionFlushSize: 3,
    });
    patient.recordImpression(impression('q1'));
    patient.recordImpression(impression('q2'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bulkRequests()).toHaveLength(0);
    patient.recordImpression(impression('q3'));
    await vi.waitFor(() => expect(bulkRequests()).toHaveLength(1), { timeout: 1000, interval: 5 });
    await patient.close();
    expect(es.indices.get('shop-impressions')!.docs.size).toBe(3);
  });

  it('never fails or holds up a search when the cluster is down: the lost impressions are logged', async () => {
    await store.productStats(['p1']); // set up
    es.outage = new errors.ConnectionError('connect ECONNREFUSED');
    expect(store.recordImpression(impression('q1'))).toBeUndefined();
    await vi.waitFor(() => expect(logger.warn).toHaveBeenCalled(), { timeout: 1000, interval: 5 });
    expect(logger.warn.mock.calls[0]![0]).toMatchObject({ impressions: 1 });
    await expect(store.flush()).resolves.toBeUndefined();
  });

  it('answers BackendUnavailableError while the cluster is unreachable and recovers by itself', async () => {
    es.outage = new errors.ConnectionError('connect ECONNREFUSED');
    await expect(store.appendEvents([click('e1')])).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(store.profiles(['u1'])).rejects.toBeInstanceOf(BackendUnavailableError);
    es.outage = undefined;
    expect(await store.appendEvents([click('e1')])).toEqual({ inserted: [click('e1')], duplicates: 0 });
  });

  it('resends events the cluster refused with 429, and answers 503 if it keeps refusing', async () => {
    es.bulkItemStatus = (id, attempt) => (id === 'busy-once' && attempt === 1 ? 429 : undefined);
    expect((await store.appendEvents([click('busy-once'), click('e2')])).inserted).toHaveLength(2);

    es.bulkItemStatus = (id) => (id === 'busy' ? 429 : undefined);
    await expect(store.appendEvents([click('busy'), click('e3')])).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    // What was stored is counted; the refused event is stored by the client's retry.
    expect(es.indices.get('shop-events')!.docs.has('e3')).toBe(true);
    expect((await store.productStats(['p1'])).get('p1')?.clicks).toBe(3);
  });

  it('names the events Elasticsearch refuses for another reason', async () => {
    es.bulkItemStatus = (id) => (id === 'bad' ? 400 : undefined);
    const error = await store.appendEvents([click('bad'), click('good')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkIndexError);
    expect((error as Error).message).toMatch(/shop-events.*bad \(400\)/);
  });

  it('keeps ids longer than Elasticsearch allows as their hash, idempotently', async () => {
    const long = click('x'.repeat(600));
    expect(await store.appendEvents([long])).toEqual({ inserted: [long], duplicates: 0 });
    expect(await store.appendEvents([long])).toEqual({ inserted: [], duplicates: 1 });
    const [id] = es.indices.get('shop-events')!.docs.keys();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await store.eventsForQueries([])).length).toBe(0);
  });

  it('reports a partial delete-by-query (failures, lasting conflicts) instead of calling it done', async () => {
    await store.appendEvents([click('e1'), click('e2'), click('e3')]);
    es.deleteByQueryFault = (index) => (index === 'shop-events' ? { failures: 1 } : undefined);
    await expect(store.forgetUser('u1')).rejects.toThrow(
      /shop-events: delete incomplete: 2 deleted, 1 failure\(s\) \(rejected execution of bulk\)/,
    );
    es.deleteByQueryFault = () => ({ conflicts: 1 });
    await expect(store.deleteBefore({ events: T0 + 1, impressions: T0 + 1 })).rejects.toThrow(
      /version conflict/,
    );
    // A conflict that clears on the next round is retried, and the run completes.
    let rounds = 0;
    es.deleteByQueryFault = () => (rounds++ === 0 ? { conflicts: 1 } : undefined);
    await expect(store.forgetUser('u1')).resolves.toMatchObject({ events: 1 });
    es.deleteByQueryFault = undefined;
  });

  it('leaves the shared client open when closed', async () => {
    await store.close();
    expect(await es.client.ping()).toBe(true);
  });
});
