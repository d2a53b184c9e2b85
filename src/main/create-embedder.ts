/**
 * The configured embedder, wrapped in the embedding cache. The default, the in-house
 * encoder, needs no download: without a trained version in MODELS_DIR one is trained on
 * the demo catalog at start-up (seconds), and `cli encoder train` trains on the shop's own
 * catalog later.
 */
import path from 'node:path';
import { CachedEmbedder } from '../backends/embedded/embedding-cache.ts';
import { demoCatalogRecord, demoCatalogTexts } from '../catalog/demo-catalog.ts';
import type { Embedder } from '../embeddings/embedder.ts';
import {
  activateEncoder,
  activeEncoderDir,
  encoderVersionDir,
  encoderVersionOf,
  saveEncoderArtifact,
} from '../embeddings/encoder/encoder-artifact.ts';
import { trainEncoder } from '../embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../embeddings/encoder/trained-encoder.ts';
import { HashingEmbedder } from '../embeddings/hashing-embedder.ts';
import { UniversalSentenceEncoder } from '../embeddings/pretrained/universal-sentence-encoder.ts';
import { defaultPrefixes, TransformersEmbedder } from '../embeddings/transformers-embedder.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

/** First-start training: a few hundred demo products need far fewer steps than a real catalog. */
export const BOOTSTRAP_TRAINING = { epochs: 2, minPairsPerEpoch: 8000 } as const;

/**
 * The in-house encoder to serve with: the version the serving index was built with (an
 * adapted encoder, say) when it is in MODELS_DIR, else the active one, else one trained on
 * the demo catalog now.
 */
export async function loadOrTrainEncoder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
): Promise<TrainedEncoder> {
  const version = indexEmbedder && encoderVersionOf(indexEmbedder);
  const dir = (version && encoderVersionDir(config.modelsDir, version)) || activeEncoderDir(config.modelsDir);
  if (dir) return TrainedEncoder.load(dir);
  logger.info({ modelsDir: config.modelsDir }, 'no trained encoder yet: training one on the demo catalog');
  const artifact = await trainEncoder(demoCatalogTexts(), [], {
    ...BOOTSTRAP_TRAINING,
    logger,
    tfjsBackend: config.tfjsBackend,
    catalog: demoCatalogRecord(),
  });
  const saved = saveEncoderArtifact(config.modelsDir, artifact);
  activateEncoder(config.modelsDir, artifact.metadata.version);
  logger.info({ dir: saved, metrics: artifact.metadata.metrics }, 'encoder trained and activated');
  return new TrainedEncoder(artifact);
}

async function createInnerEmbedder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
): Promise<Embedder> {
  const settings = config.embedder;
  switch (settings.kind) {
    case 'hashing':
      return new HashingEmbedder();
    case 'use':
      return UniversalSentenceEncoder.load({ logger, tfjsBackend: config.tfjsBackend });
    case 'encoder':
      return loadOrTrainEncoder(config, logger, indexEmbedder);
    case 'transformers': {
      const prefixes = defaultPrefixes(settings.model);
      return TransformersEmbedder.load({
        model: settings.model,
        localModelPath: path.join(config.modelsDir, 'transformers'),
        allowRemoteModels: settings.allowRemoteModels,
        dtype: settings.dtype,
        pooling: settings.pooling,
        queryPrefix: settings.queryPrefix ?? prefixes.queryPrefix,
        passagePrefix: settings.passagePrefix ?? prefixes.passagePrefix,
        batchSize: 32,
      });
    }
  }
}

/** Wraps an embedder in the embedding cache of the data directory. */
export function withEmbeddingCache(config: Config, embedder: Embedder): CachedEmbedder {
  return new CachedEmbedder(embedder, path.join(config.dataDir, 'embedding-cache.db'));
}

/** `indexEmbedder`: the embedder id the serving index records it was built with, if known. */
export async function createEmbedder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
): Promise<CachedEmbedder> {
  return withEmbeddingCache(config, await createInnerEmbedder(config, logger, indexEmbedder));
}

/** The saved in-house encoder an index records (`encoder:<version>:d128`), ready to serve; undefined if absent. */
export function storedEncoder(config: Config, embedderId: string): CachedEmbedder | undefined {
  const version = config.embedder.kind === 'encoder' ? encoderVersionOf(embedderId) : undefined;
  const dir = version && encoderVersionDir(config.modelsDir, version);
  return dir ? withEmbeddingCache(config, TrainedEncoder.load(dir)) : undefined;
}
