import path from 'node:path';
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
