/**
 * Trains a new encoder version on the products in the store (plus logged query-product
 * pairs when there are some), saves it under MODELS_DIR and, if asked, activates it and
 * reindexes the catalog with it.
 */

import type { CatalogReindexReport, CatalogService } from '../../catalog/catalog-service.ts';
import { productEmbeddingText } from '../../catalog/product.ts';
import type { SearchBackend } from '../../catalog/search-backend.ts';
import type { Config } from '../../main/config.ts';
import { withEmbeddingCache } from '../../main/create-embedder.ts';
import type { Logger } from '../../main/logger.ts';
import { activateEncoder, type EncoderMetadata, saveEncoderArtifact } from './encoder-artifact.ts';
import { type EncoderTrainingOptions, trainEncoder } from './train-encoder.ts';
import { TrainedEncoder } from './trained-encoder.ts';
import type { CatalogText, TrainingPair } from './training-pairs.ts';

export interface TrainOnCatalogOptions {
  config: Config;
  backend: SearchBackend;
  catalog: CatalogService;
  logger: Logger;
  /** (query, clicked product text) pairs from logged events. */
  eventPairs?: readonly TrainingPair[];
  training?: Partial<EncoderTrainingOptions>;
  /** Make it the serving encoder and reindex the catalog with it. */
  activate: boolean;
}

export interface TrainOnCatalogResult {
  metadata: EncoderMetadata;
  dir: string;
  reindex?: CatalogReindexReport;
}

export async function storedCatalogTexts(backend: SearchBackend): Promise<CatalogText[]> {
  const texts: CatalogText[] = [];
  for await (const batch of backend.scanProducts(1000)) {
    for (const product of batch) {
      texts.push({
        title: product.title,
        ...(product.brand && { brand: product.brand }),
        text: productEmbeddingText(product),
      });
    }
  }
  return texts;
}

export async function trainEncoderOnCatalog(options: TrainOnCatalogOptions): Promise<TrainOnCatalogResult> {
  const { config, backend, catalog, logger } = options;
  const texts = await storedCatalogTexts(backend);
  if (texts.length === 0)
    throw new Error('the catalog is empty: ingest products before training the encoder');
  const artifact = await trainEncoder(texts, options.eventPairs ?? [], {
    logger,
    tfjsBackend: config.tfjsBackend,
    ...options.training,
  });
  const dir = saveEncoderArtifact(config.modelsDir, artifact);
  if (!options.activate) return { metadata: artifact.metadata, dir };
  activateEncoder(config.modelsDir, artifact.metadata.version);
  if (config.embedder.kind !== 'encoder') {
    logger.warn(
      { embedder: config.embedder.kind },
      'encoder activated, but EMBEDDER is not "encoder": not reindexing',
    );
    return { metadata: artifact.metadata, dir };
  }
  const encoder = withEmbeddingCache(config, new TrainedEncoder(artifact));
  const reindex = await catalog.reindex({ embedder: encoder });
  return { metadata: artifact.metadata, dir, reindex };
}
