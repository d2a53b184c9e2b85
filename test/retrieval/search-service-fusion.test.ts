import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { CatalogService } from '../../src/catalog/catalog-service.ts';
import { EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { loadMappings } from '../../src/main/mappings.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';
import { SearchService } from '../../src/retrieval/search-service.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const mappings = loadMappings(path.resolve('mappings'));

function request(overrides: Partial<SearchRequest>): SearchRequest {
  return {
    q: 'lawn mower',
    filters: {},
    facets: ['brand'],
    page: 1,
    size: 10,
    sort: 'relevance',
    explain: false,
    ...overrides,
  };
}

describe('search service: fusion', () => {
  const embedder = new HashingEmbedder();
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    backend = new EmbeddedBackend({ dataDir: path.join(temporaryDirectory(), 'store'), embedder });
    await backend.open();
    await new CatalogService(backend, new EmbedderSlot(embedder)).ingest(FIXTURE_PRODUCTS);
  });
  afterAll(() => backend.close());

  it('runs both legs and fuses them in the service, each a timed stage', async () => {
    const service = new SearchService(backend, new EmbedderSlot(embedder), () => mappings);
    const response = await service.search(request({}));
    expect(['mower-1', 'mower-2']).toContain(response.hits[0]?.id);
    for (const stage of ['bm25', 'knn', 'fuse'])
      expect(response.took.stages[stage]).toBeGreaterThanOrEqual(0);
  });
});
