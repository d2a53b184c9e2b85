/**
 * `encoder train`: a new in-house encoder version trained on the stored catalog, plus the
 * (query, product acted on) pairs of logged searches once there are enough, saved under
 * MODELS_DIR and, unless told otherwise, activated and the catalog reindexed with it.
 * `encoder list`: the saved versions.
 */
import { SingleBar } from 'cli-progress';
import { productEmbeddingText, productTrainingText } from '../../catalog/product.ts';
import type { SearchBackend } from '../../catalog/search-backend.ts';
import {
  activateEncoder,
  activeEncoderDir,
  listEncoderVersions,
  saveEncoderArtifact,
} from '../../embeddings/encoder/encoder-artifact.ts';
import { trainEncoder } from '../../embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../../embeddings/encoder/trained-encoder.ts';
import type { CatalogText, TrainingPair } from '../../embeddings/encoder/training-pairs.ts';
import { loadConfig } from '../../main/config.ts';
import { withEmbeddingCache } from '../../main/create-embedder.ts';
import { createRuntime } from '../../main/runtime.ts';
import { type EventStore, impressionsWithActions } from '../../users/event-store.ts';
import { printJson } from '../print.ts';

/** Below this many pairs the logs say too little, and the catalog supervises itself alone. */
export const MIN_EVENT_PAIRS = 200;
const PRODUCTS_PER_LOOKUP = 1000;

/**
 * (query, product) pairs the encoder learns the shop's own vocabulary from: every search
 * whose result list got a click, add-to-cart or purchase gives its query and the text of
 * the product acted on (as the index embeds it). Repeats count once.
 */
export async function eventTrainingPairs(
  events: EventStore,
  backend: SearchBackend,
  options: { since: number; limit?: number },
): Promise<TrainingPair[]> {
  const limit = options.limit ?? 200_000;
  const wanted = new Map<string, { query: string; productId: string }>();
  for await (const page of impressionsWithActions(events, options.since)) {
    for (const { impression, actions } of page) {
      const query = impression.query.trim();
      if (!query) continue;
      for (const productId of actions.keys()) {
        const key = `${query.toLowerCase()}\u0000${productId}`;
        if (!wanted.has(key)) wanted.set(key, { query, productId });
      }
    }
    if (wanted.size >= limit) break;
  }
  const entries = [...wanted.values()].slice(0, limit);
  const texts = new Map<string, string>();
  const ids = [...new Set(entries.map((e) => e.productId))];
  for (let i = 0; i < ids.length; i += PRODUCTS_PER_LOOKUP) {
    const products = await backend.getProducts(ids.slice(i, i + PRODUCTS_PER_LOOKUP));
    for (const [id, product] of products) texts.set(id, productEmbeddingText(product));
  }
  // Products deleted since the click have no text left to learn from.
  return entries.flatMap(({ query, productId }) => {
    const product = texts.get(productId);
    return product ? [{ query, product }] : [];
  });
}

async function storedCatalogTexts(backend: SearchBackend): Promise<CatalogText[]> {
  const texts: CatalogText[] = [];
  for await (const batch of backend.scanProducts(1000)) texts.push(...batch.map(productTrainingText));
  return texts;
}

export interface EncoderTrainOptions {
  sinceDays: number;
  epochs?: number;
  dimensions?: number;
  activate: boolean;
  progress: boolean;
}

export async function encoderTrain(options: EncoderTrainOptions): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime(config);
  const { logger, backend } = runtime;
  const bar = new SingleBar({
    format: 'train [{bar}] epoch {epoch} | step {value}/{total} | loss {loss}',
    hideCursor: true,
  });
  let barEpoch = 0;
  try {
    const logged = await eventTrainingPairs(runtime.eventStore, backend, {
      since: Date.now() - options.sinceDays * 86_400_000,
    });
    const eventPairs = logged.length >= MIN_EVENT_PAIRS ? logged : [];
    logger.info(
      { pairs: logged.length, used: eventPairs.length > 0, minimum: MIN_EVENT_PAIRS },
      'query-product pairs from logged events',
    );
    const texts = await storedCatalogTexts(backend);
    if (texts.length === 0)
      throw new Error('the catalog is empty: ingest products before training the encoder');
    const artifact = await trainEncoder(texts, eventPairs, {
      logger,
      tfjsBackend: config.tfjsBackend,
      ...(options.epochs && { epochs: options.epochs }),
      ...(options.dimensions && { dimensions: options.dimensions }),
      onProgress: ({ epoch, step, steps, loss }) => {
        if (!options.progress) return;
        if (epoch !== barEpoch) {
          if (barEpoch > 0) bar.stop();
          bar.start(steps, 0, { epoch, loss: '-' });
          barEpoch = epoch;
        }
        bar.update(step, { epoch, loss: loss.toFixed(3) });
      },
    });
    if (options.progress && barEpoch > 0) bar.stop();
    const dir = saveEncoderArtifact(config.modelsDir, artifact);
    const { metadata } = artifact;
    if (!options.activate) return printJson({ ...metadata, dir });
    activateEncoder(config.modelsDir, metadata.version);
    if (config.embedder.kind !== 'encoder') {
      logger.warn(
        { embedder: config.embedder.kind },
        'encoder activated, but EMBEDDER is not "encoder": not reindexing',
      );
      return printJson({ ...metadata, dir });
    }
    const reindex = await runtime.catalog.reindex({
      embedder: withEmbeddingCache(config, new TrainedEncoder(artifact)),
    });
    printJson({ ...metadata, dir, reindex });
  } finally {
    await runtime.close();
  }
}

export function encoderList(): void {
  const config = loadConfig();
  const active = activeEncoderDir(config.modelsDir);
  printJson(
    listEncoderVersions(config.modelsDir).map((metadata) => ({
      version: metadata.version,
      active: active?.endsWith(metadata.version) ?? false,
      dimensions: metadata.dimensions,
      trained_at: metadata.trained_at,
      products: metadata.training.products,
      seconds: Math.round(metadata.training.seconds),
      backend: metadata.tensorflow.backend,
      recall_at_10: metadata.metrics.recall_at_10,
    })),
  );
}
