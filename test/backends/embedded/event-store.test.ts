import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../../src/backends/embedded/event-store.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

describe('SQLite event store', () => {
  it('counts the products of buffered impressions without writing the buffer inside a search', async () => {
    const file = path.join(temporaryDirectory(), 'events.db');
    const store = new SqliteEventStore(file);
    const other = new SqliteEventStore(file);
    store.recordImpression({
      queryId: 'q1',
      query: 'drill',
      timestamp: Date.UTC(2026, 0, 1),
      items: [
        { productId: 'p1', position: 1 },
        { productId: 'p2', position: 2 },
      ],
    });
    await store.appendEvents([
      { eventId: 'e1', type: 'click', productId: 'p1', timestamp: Date.UTC(2026, 0, 1) },
    ]);
    expect((await store.productStats(['p1', 'p1', 'p3'])).get('p1')).toEqual({
      impressions: 1,
      clicks: 1,
      carts: 0,
      purchases: 0,
    });
    expect(await store.totalStats()).toEqual({ impressions: 2, clicks: 1, carts: 0, purchases: 0 });
    expect((await store.queryProductStats('Drill', ['p2'])).get('p2')).toEqual({
      impressions: 1,
      examinations: 0.5,
      clicks: 0,
      carts: 0,
      purchases: 0,
    });
    expect((await store.queryEngagementTotals()).impressions).toBe(2);
    // Nothing was written yet: another process sees the click, not the impressions.
    expect((await other.productStats(['p1'])).get('p1')?.impressions).toBe(0);
    expect(await other.queryProductStats('drill', ['p2'])).toEqual(new Map());
    await store.flush();
    expect((await other.productStats(['p1'])).get('p1')?.impressions).toBe(1);
    expect((await store.productStats(['p1'])).get('p1')?.impressions).toBe(1);
    await store.close();
    await other.close();
  });
});

describe('SQLite event store files from before the randomized share', () => {
  it('gain the intervention column and keep their impressions', async () => {
    const file = path.join(temporaryDirectory(), 'events.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE impressions (
      query_id TEXT PRIMARY KEY, user_hash TEXT, session_id TEXT, query TEXT NOT NULL, ts INTEGER NOT NULL,
      model_version TEXT, items TEXT NOT NULL)`);
    old
      .prepare('INSERT INTO impressions(query_id, query, ts, items) VALUES (?, ?, ?, ?)')
      .run('q0', 'drill', 1, JSON.stringify([{ productId: 'p1', position: 1 }]));
    old.close();
    const store = new SqliteEventStore(file);
    expect(await store.impression('q0')).toStrictEqual({
      queryId: 'q0',
      query: 'drill',
      timestamp: 1,
      items: [{ productId: 'p1', position: 1 }],
    });
    const intervention = { kind: 'adjacent_pairs' as const, depth: 2, offset: 0 as const, swapped: [] };
    store.recordImpression({ queryId: 'q1', query: 'drill', timestamp: 2, intervention, items: [] });
    expect((await store.impression('q1'))?.intervention).toEqual(intervention);
    await store.close();
  });
});
