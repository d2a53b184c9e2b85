import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { CatalogService } from '../../src/catalog/catalog-service.ts';
import type { HybridQuery, RankedHit } from '../../src/catalog/search-backend.ts';
import { EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { loadMappings, type Mappings } from '../../src/main/mappings.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';
import { SearchService } from '../../src/retrieval/search-service.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

/** The embedded engine, pretending to fuse by itself as Elasticsearch's rrf retriever does. */
class EngineFusingBackend extends EmbeddedBackend {
  readonly calls: HybridQuery[] = [];
  fused: RankedHit[] | null = null;

  override async hybridSearch(query: HybridQuery): Promise<RankedHit[] | null> {
    this.calls.push(query);
    return this.fused;
  }
}

/** Engine fusion applies to RRF with equal leg weights; these tests configure exactly that. */
const repositoryMappings = loadMappings(path.resolve('mappings'));
const mappings: Mappings = {
  ...repositoryMappings,
  search: {
    ...repositoryMappings.search,
    fusion: { ...repositoryMappings.search.fusion, method: 'rrf', weights: { bm25: 1, knn: 1 } },
  },
};

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

describe('search service: fusion by the engine or by the service', () => {
  const embedder = new HashingEmbedder();
  let backend: EngineFusingBackend;

  beforeAll(async () => {
    backend = new EngineFusingBackend({ dataDir: path.join(temporaryDirectory(), 'store'), embedder });
    await backend.open();
    await new CatalogService(backend, new EmbedderSlot(embedder)).ingest(FIXTURE_PRODUCTS);
  });
  afterAll(() => backend.close());

  function service(current: Mappings = mappings): SearchService {
    return new SearchService(backend, new EmbedderSlot(embedder), () => current);
  }

  it("uses the engine's fused list when it has one, in one timed stage", async () => {
    backend.calls.length = 0;
    backend.fused = [
      { id: 'mower-2', score: 0.031 },
      { id: 'mower-1', score: 0.03 },
    ];
    const response = await service().search(request({ filters: { inStock: false } }));
    expect(response.hits.map((h) => [h.id, h.score])).toEqual([
      ['mower-2', 0.031],
      ['mower-1', 0.03],
    ]);
    expect(response.total).toBe(2);
    expect(response.facets.brand).toEqual([
      { value: 'EGO', count: 1 },
      { value: 'Honda', count: 1 },
    ]);
    expect(Object.keys(response.took.stages)).toContain('hybrid');
    expect(Object.keys(response.took.stages)).not.toContain('bm25');
    expect(backend.calls).toEqual([
      {
        text: 'lawn mower',
        vector: expect.any(Float32Array),
        filters: { inStock: false },
        window: mappings.search.retrieval.window,
        fieldWeights: mappings.boosts.fields,
        rrfK: mappings.search.fusion.rrf_k,
        minSimilarity: mappings.search.retrieval.knn_min_similarity,
      },
    ]);
  });

  it('scales the engine scores by the common leg weight, as the service formula does', async () => {
    backend.fused = [{ id: 'mower-1', score: 0.02 }];
    const weighted: Mappings = {
      ...mappings,
      search: { ...mappings.search, fusion: { ...mappings.search.fusion, weights: { bm25: 2, knn: 2 } } },
    };
    const response = await service(weighted).search(request({}));
    expect(response.hits[0]?.score).toBeCloseTo(0.04);
  });

  it('fuses in the service when explain asks for leg ranks, for weighted fusion and for unequal weights', async () => {
    backend.fused = [{ id: 'skillet-1', score: 1 }];
    backend.calls.length = 0;
    const explained = await service().search(request({ explain: true }));
    expect(explained.hits[0]?.explain?.bm25?.rank).toBeGreaterThanOrEqual(1);
    expect(explained.hits.map((h) => h.id)).not.toContain('skillet-1');
    await service().search(request({ fusion: 'weighted' }));
    const unequal: Mappings = {
      ...mappings,
      search: { ...mappings.search, fusion: { ...mappings.search.fusion, weights: { bm25: 1, knn: 0.5 } } },
    };
    await service(unequal).search(request({}));
    expect(backend.calls).toEqual([]);
  });

  it('fuses in the service when the engine cannot', async () => {
    backend.fused = null;
    const response = await service().search(request({}));
    expect(['mower-1', 'mower-2']).toContain(response.hits[0]?.id);
    for (const stage of ['bm25', 'knn', 'fuse'])
      expect(response.took.stages[stage]).toBeGreaterThanOrEqual(0);
    expect(response.took.stages.hybrid).toBeUndefined();
  });
});
