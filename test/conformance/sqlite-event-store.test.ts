import path from 'node:path';
import { SqliteEventStore } from '../../src/backends/embedded/event-store.ts';
import type { EventStore } from '../../src/users/event-store.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { describeEventStoreConformance } from './event-store-conformance.ts';

describeEventStoreConformance('SQLite', async () => {
  const file = path.join(temporaryDirectory(), 'events.db');
  const stores: EventStore[] = [new SqliteEventStore(file)];
  return {
    store: stores[0]!,
    reopen: async () => {
      const store = new SqliteEventStore(file);
      stores.push(store);
      return store;
    },
    dispose: async () => {
      for (const store of stores) await store.close();
    },
  };
});
