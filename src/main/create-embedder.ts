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
  activeEncoderVersion,
  encoderVersionDir,
  encoderVersionOf,
  hasEncoderPointer,
  listEncoderVersions,
  saveEncoderArtifact,
} from '../embeddings/encoder/encoder-artifact.ts';
import { trainEncoder } from '../embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../embeddings/encoder/trained-encoder.ts';
import { HashingEmbedder } from '../embeddings/hashing-embedder.ts';
import { UniversalSentenceEncoder } from '../embeddings/pretrained/universal-sentence-encoder.ts';
import { defaultPrefixes, TransformersEmbedder } from '../embeddings/transformers-embedder.ts';
import { UnavailableEmbedder } from '../embeddings/unavailable-embedder.ts';
import type { Config } from './config.ts';
import { ServiceError } from './errors.ts';
import type { Logger } from './logger.ts';

/** First-start training: a few hundred demo products need far fewer steps than a real catalog. */
export const BOOTSTRAP_TRAINING = { epochs: 2, minPairsPerEpoch: 8000 } as const;

/** A saved version, loaded and checked against its checksums (`invalid_model` when it fails). */
function loadEncoderVersion(config: Config, version: string): TrainedEncoder {
  const dir = encoderVersionDir(config.modelsDir, version);
  if (!dir)
    throw new ServiceError(
      'invalid_model',
      `encoder version ${version} is not in ${config.modelsDir}/encoder`,
    );
  return TrainedEncoder.load(dir);
}

function reasonOf(error: unknown): string {
  if (error instanceof ServiceError) return error.message;
  throw error;
}

/**
 * The in-house encoder to serve with:
 *   - the version the serving index was built with (an adapted encoder, say); when its
 *     files are missing or fail their check, no other encoder can embed against the
 *     index's vectors: the service serves keywords alone and refuses catalog writes until
 *     the files are restored or `cli reindex` (`rebuilding`) rebuilds with a good version;
 *   - else the version `active.json` names; when it fails its check, the newest saved
 *     version that passes, with `active.json` left as it is (MODELS_DIR may be shared);
 *   - else one trained on the demo catalog now, activated only when there was no pointer.
 */
export async function loadOrTrainEncoder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
  rebuilding = false,
): Promise<Embedder> {
  const indexVersion = indexEmbedder && encoderVersionOf(indexEmbedder);
  if (indexEmbedder && indexVersion) {
    try {
      return loadEncoderVersion(config, indexVersion);
    } catch (error) {
      const reason = reasonOf(error);
      if (!rebuilding) {
        logger.error(
          { encoder: indexVersion, reason },
          `the encoder the index was built with cannot be used: ${reason}; serving keyword search alone, catalog writes answer 503 until its files are restored or \`cli reindex\` rebuilds the index with a good version`,
        );
        return new UnavailableEmbedder(indexEmbedder, reason);
      }
      logger.warn(
        { encoder: indexVersion, reason },
        "the index's encoder cannot be used; rebuilding with another",
      );
    }
  }
  const active = activeEncoderVersion(config.modelsDir);
  if (active) {
    try {
      return loadEncoderVersion(config, active);
    } catch (error) {
      const reason = reasonOf(error);
      for (const { version } of listEncoderVersions(config.modelsDir)) {
        if (version === active) continue;
        try {
          const previous = loadEncoderVersion(config, version);
          logger.error(
            { encoder: active, fallback: version, reason },
            `the active encoder cannot be used: ${reason}; serving with ${version}, the newest saved version that passes its check (active.json left as it is)`,
          );
          return previous;
        } catch {
          // Not this one either: try the next older version.
        }
      }
      logger.error(
        { encoder: active, reason },
        `the active encoder cannot be used and no saved version passes its check: ${reason}; training one on the demo catalog (active.json left as it is)`,
      );
    }
  }
  const pointer = hasEncoderPointer(config.modelsDir);
  if (!pointer)
    logger.info({ modelsDir: config.modelsDir }, 'no trained encoder yet: training one on the demo catalog');
  const artifact = await trainEncoder(demoCatalogTexts(), [], {
    ...BOOTSTRAP_TRAINING,
    logger,
    tfjsBackend: config.tfjsBackend,
    catalog: demoCatalogRecord(),
  });
  const saved = saveEncoderArtifact(config.modelsDir, artifact);
  // A pointer that names a broken version is an operator's to change, not the service's.
  if (!pointer) activateEncoder(config.modelsDir, artifact.metadata.version);
  logger.info(
    { dir: saved, metrics: artifact.metadata.metrics, activated: !pointer },
    pointer ? 'encoder trained and saved (not activated)' : 'encoder trained and activated',
  );
  return new TrainedEncoder(artifact);
}

async function createInnerEmbedder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
  rebuilding = false,
): Promise<Embedder> {
  const settings = config.embedder;
  switch (settings.kind) {
    case 'hashing':
      return new HashingEmbedder();
    case 'use':
      return UniversalSentenceEncoder.load({ logger, tfjsBackend: config.tfjsBackend });
    case 'encoder':
      return loadOrTrainEncoder(config, logger, indexEmbedder, rebuilding);
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

/**
 * `indexEmbedder`: the embedder id the serving index records it was built with, if known;
 * `rebuilding`: the index is about to be rebuilt (`reindex`), so a broken index encoder may
 * give way to another version.
 */
export async function createEmbedder(
  config: Config,
  logger: Logger,
  indexEmbedder?: string,
  rebuilding = false,
): Promise<CachedEmbedder> {
  return withEmbeddingCache(config, await createInnerEmbedder(config, logger, indexEmbedder, rebuilding));
}

/**
 * The saved in-house encoder an index records (`encoder:<version>:d128`), ready to serve;
 * undefined if absent. Files that fail their check throw `invalid_model`.
 */
export function storedEncoder(config: Config, embedderId: string): CachedEmbedder | undefined {
  const version = config.embedder.kind === 'encoder' ? encoderVersionOf(embedderId) : undefined;
  const dir = version && encoderVersionDir(config.modelsDir, version);
  return dir ? withEmbeddingCache(config, TrainedEncoder.load(dir)) : undefined;
}
