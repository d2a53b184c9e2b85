/**
 * Suggestions written by another process sharing the data directory (`jobs run suggestions`
 * from the CLI or a CronJob) reach a running service without a restart.
 */
import path from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteSuggestionStore } from '../../src/backends/embedded/suggestion-store.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

describe('suggestions from another process', () => {
  const dataDir = temporaryDirectory();
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await createTestRuntime({ DATA_DIR: dataDir, EMBEDDER: 'hashing' });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(() => runtime.close());

  it('are served within 10 seconds of being written', async () => {
    const app = runtime.createApp();
    expect((await request(app).get('/v1/suggest').query({ q: 'pat' }).expect(200)).body.suggestions).toEqual(
      [],
    );

    const other = new SqliteSuggestionStore(path.join(dataDir, 'suggestions.db'));
    other.replaceAll([{ text: 'patio heater', weight: 3, source: 'query' }]);
    other.close();

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11_000 });
    const res = await request(app).get('/v1/suggest').query({ q: 'pat' }).expect(200);
    expect(res.body.suggestions.map((s: { text: string }) => s.text)).toEqual(['patio heater']);
  });
});
