import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { CatalogService } from '../../src/catalog/catalog-service.ts';
import { EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { FEATURE_COUNT } from '../../src/ranking/features/feature-set.ts';
import type { SearchPipeline } from '../../src/retrieval/search-pipeline.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { testSearchPipeline } from '../helpers/search-pipeline.ts';

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

describe('search pipeline', () => {
  const embedder = new HashingEmbedder();
  let backend: EmbeddedBackend;
  let pipeline: SearchPipeline;

  beforeAll(async () => {
    backend = new EmbeddedBackend({ dataDir: path.join(temporaryDirectory(), 'store'), embedder });
    await backend.open();
    await new CatalogService(backend, new EmbedderSlot(embedder)).ingest(FIXTURE_PRODUCTS);
    pipeline = testSearchPipeline(backend, embedder);
  });
  afterAll(() => backend.close());

  it('runs the stages of a search with text in order, each timed under its name', async () => {
    const response = await pipeline.search(request({}));
    expect(['mower-1', 'mower-2']).toContain(response.hits[0]?.id);
    // `rules` moves products only when a rule pins, boosts or buries: no rule does for this query.
    expect(Object.keys(response.took.stages)).toEqual([
      'match_rules',
      'analyze',
      'synonyms',
      'embed',
      'bm25',
      'knn',
      'summaries',
      'fuse',
      'facet_rows',
      'features',
      'rerank',
      'facets',
      'sort',
      'fetch',
    ]);
    expect(response.ranking).toEqual({
      model: null,
      reranked: false,
      window: response.total,
      fallback: 'no_model',
    });
  });

  it('skips the text stages for a browse, and the ranker with rerank=false', async () => {
    const browse = await pipeline.search(request({ q: '', filters: { brand: ['EGO'] } }));
    expect(Object.keys(browse.took.stages)).toEqual(['match_rules', 'browse', 'facets', 'page', 'fetch']);
    expect(browse.ranking).toBeUndefined();
    const fused = await pipeline.search(request({ rerank: false }));
    expect(fused.took.stages.rerank).toBeUndefined();
    expect(fused.ranking).toMatchObject({ reranked: false, fallback: 'disabled' });
  });

  it('merges each stage part of a hit explanation', async () => {
    const { hits } = await pipeline.search(request({ explain: true }));
    expect(Object.keys(hits[0]!.explain!)).toEqual(['bm25', 'knn', 'fused']);
    expect(hits[0]!.explain!.fused).toMatchObject({ rank: 1, score: hits[0]!.score });
  });

  it('gives the serving view of a plain query to training: fused ids and the top K feature rows', async () => {
    const candidates = await pipeline.candidates('lawn mower');
    expect(candidates.count).toBe(Math.min(candidates.ids.length, 100));
    expect(candidates.features.length).toBe(candidates.count * FEATURE_COUNT);
  });
});
