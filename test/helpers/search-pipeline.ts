/** The search pipeline over a bare backend, with the second phase wired as the runtime does (no model yet). */
import path from 'node:path';
import { SqliteEventStore } from '../../src/backends/embedded/event-store.ts';
import type { SearchBackend } from '../../src/catalog/search-backend.ts';
import { type Embedder, EmbedderSlot } from '../../src/embeddings/embedder.ts';
import { loadMappings, type Mappings } from '../../src/main/mappings.ts';
import { FeatureSource } from '../../src/ranking/features/feature-source.ts';
import { RankerRegistry } from '../../src/ranking/model-registry.ts';
import { Reranker } from '../../src/ranking/reranker.ts';
import { CatalogCalibration } from '../../src/retrieval/catalog-calibration.ts';
import { SearchPipeline } from '../../src/retrieval/search-pipeline.ts';
import { UserIdHasher } from '../../src/users/user-ids.ts';
import { temporaryDirectory } from './runtime.ts';

export function testSearchPipeline(
  backend: SearchBackend,
  embedder: Embedder,
  mappings: Mappings = loadMappings(path.resolve('mappings')),
): SearchPipeline {
  const events = new SqliteEventStore(path.join(temporaryDirectory(), 'events.db'));
  const slot = new EmbedderSlot(embedder);
  return new SearchPipeline({
    backend,
    embedder: slot,
    calibration: new CatalogCalibration(backend, slot),
    settings: () => mappings,
    ranking: {
      reranker: new Reranker(new RankerRegistry(temporaryDirectory('models-'))),
      features: new FeatureSource(events, new UserIdHasher('test-user-id-secret')),
      events,
    },
  });
}
