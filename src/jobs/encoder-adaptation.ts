/**
 * The in-house encoder adapts to the catalog it serves. A fresh install's encoder learned
 * the demo catalog; once a shop's own catalog is stored (or much of it has changed since
 * the encoder learned it) a new version is trained on the stored catalog, on a worker
 * thread while searches go on, and the catalog is reindexed with it into a new generation
 * that replaces the serving one atomically. The index records the encoder version it was
 * built with, and the service serves with that version (create-embedder.ts): nothing
 * shared is repointed.
 */
import type { CatalogReindexReport, CatalogService } from '../catalog/catalog-service.ts';
import { productContentHash, productEmbeddingText, productTrainingText } from '../catalog/product.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { Embedder, EmbedderSlot } from '../embeddings/embedder.ts';
import { CatalogSketcher, changedShare } from '../embeddings/encoder/catalog-sketch.ts';
import {
  type EncoderMetadata,
  encoderMetadata,
  encoderVersionOf,
  saveEncoderArtifact,
} from '../embeddings/encoder/encoder-artifact.ts';
import type { EncoderTrainingProgress } from '../embeddings/encoder/train-in-worker.ts';
import { trainEncoderInWorker } from '../embeddings/encoder/train-in-worker.ts';
import { TrainedEncoder } from '../embeddings/encoder/trained-encoder.ts';
import type { CatalogText, TrainingPair } from '../embeddings/encoder/training-pairs.ts';
import type { Config } from '../main/config.ts';
import type { Logger } from '../main/logger.ts';
import { type EventStore, impressionsWithActions } from '../users/event-store.ts';
import type { JobsSettings } from './jobs-settings.ts';

export type AdaptationSettings = JobsSettings['jobs']['reindex']['adapt_encoder'];

export type AdaptationReason =
  | 'demo_encoder'
  | 'unknown_catalog'
  | 'catalog_changed'
  | 'up_to_date'
  | 'too_few_products'
  | 'not_encoder'
  | 'disabled';

export interface AdaptationDecision {
  adapt: boolean;
  reason: AdaptationReason;
  products: number;
  /** Estimated share of the stored products the serving encoder never saw. */
  changedShare?: number;
}

export interface AdaptationDeps {
  config: Config;
  backend: SearchBackend;
  catalog: CatalogService;
  embedder: EmbedderSlot;
  logger: Logger;
  /** The serving wrapper (the embedding cache) around a newly trained encoder. */
  wrap: (encoder: Embedder) => Embedder;
  /** Logged (query, product acted on) pairs, when there are enough to learn from. */
  eventPairs?: () => Promise<TrainingPair[]>;
}

export interface AdaptationProgress {
  stage: 'scan' | 'teacher' | 'train' | 'reindex';
  done: number;
  total: number;
  epoch?: number;
}

export interface AdaptationReport extends AdaptationDecision {
  encoder?: EncoderMetadata;
  reindex?: CatalogReindexReport;
}

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

/** The logged pairs of the last `sinceDays`, or none while there are too few to trust. */
export async function loggedEventPairs(
  events: EventStore,
  backend: SearchBackend,
  sinceDays: number,
  logger: Logger,
): Promise<TrainingPair[]> {
  const logged = await eventTrainingPairs(events, backend, { since: Date.now() - sinceDays * 86_400_000 });
  const used = logged.length >= MIN_EVENT_PAIRS;
  logger.info(
    { pairs: logged.length, used, minimum: MIN_EVENT_PAIRS },
    'query-product pairs from logged events',
  );
  return used ? logged : [];
}

interface ScannedCatalog {
  texts: CatalogText[];
  sketch: string[];
}

async function scanCatalog(backend: SearchBackend, signal?: AbortSignal): Promise<ScannedCatalog> {
  const texts: CatalogText[] = [];
  const sketcher = new CatalogSketcher();
  for await (const batch of backend.scanProducts(1000)) {
    signal?.throwIfAborted();
    for (const product of batch) {
      texts.push(productTrainingText(product));
      sketcher.add({ id: product.id, contentHash: productContentHash(product) });
    }
  }
  return { texts, sketch: sketcher.sketch };
}

/** Whether the serving encoder should give way to one trained on the stored catalog. */
export function decideAdaptation(
  serving: EncoderMetadata | undefined,
  stored: { products: number; sketch: readonly string[] },
  settings: AdaptationSettings,
): AdaptationDecision {
  const { products } = stored;
  if (!settings.enabled) return { adapt: false, reason: 'disabled', products };
  if (products < settings.min_products) return { adapt: false, reason: 'too_few_products', products };
  const learned = serving?.catalog;
  if (!learned) return { adapt: true, reason: 'unknown_catalog', products };
  if (learned.source === 'demo') return { adapt: true, reason: 'demo_encoder', products };
  const share = changedShare(learned.sketch, stored.sketch);
  return {
    adapt: share >= settings.changed_share,
    reason: share >= settings.changed_share ? 'catalog_changed' : 'up_to_date',
    products,
    changedShare: share,
  };
}

/**
 * Trains a new encoder on the stored catalog and reindexes with it, when the decision says
 * so (or `force`). Searches are answered by the serving generation until the switch.
 */
export async function adaptEncoder(
  deps: AdaptationDeps,
  settings: AdaptationSettings,
  options: {
    signal?: AbortSignal;
    /** Train even when the decision says the encoder is up to date (`encoder train`). */
    force?: boolean;
    /** Training settings beyond the epochs (the encoder's dimensions, say). */
    training?: { dimensions?: number };
    /** false: save the new version only, the serving generation stays (default true). */
    reindex?: boolean;
    onProgress?: (progress: AdaptationProgress) => void;
  } = {},
): Promise<AdaptationReport> {
  const { config, logger, signal } = { ...deps, ...options };
  if (config.embedder.kind !== 'encoder') return { adapt: false, reason: 'not_encoder', products: 0 };
  options.onProgress?.({ stage: 'scan', done: 0, total: 1 });
  const scanned = await scanCatalog(deps.backend, signal);
  const version = encoderVersionOf(deps.embedder.current.id);
  const serving = version ? encoderMetadata(config.modelsDir, version) : undefined;
  const decision = decideAdaptation(
    serving,
    { products: scanned.texts.length, sketch: scanned.sketch },
    settings,
  );
  const forced = options.force === true && scanned.texts.length > 0;
  logger.info({ ...decision, forced, serving: version }, 'encoder adaptation');
  if (!decision.adapt && !forced) return decision;
  const eventPairs = (await deps.eventPairs?.()) ?? [];
  const artifact = await trainEncoderInWorker(
    {
      catalog: scanned.texts,
      eventPairs,
      options: { epochs: settings.epochs, ...options.training },
      teacher: settings.teacher,
      record: { source: 'store', products: scanned.texts.length, sketch: scanned.sketch },
      tfjsBackend: config.tfjsBackend,
      logLevel: config.logLevel,
    },
    {
      ...(signal && { signal }),
      onProgress: (progress: EncoderTrainingProgress) =>
        options.onProgress?.({
          stage: progress.phase,
          done: progress.done,
          total: progress.total,
          ...(progress.epoch !== undefined && { epoch: progress.epoch }),
        }),
    },
  );
  const dir = saveEncoderArtifact(config.modelsDir, artifact);
  logger.info(
    { version: artifact.metadata.version, dir, metrics: artifact.metadata.metrics },
    'encoder trained',
  );
  if (options.reindex === false) return { ...decision, adapt: true, encoder: artifact.metadata };
  options.onProgress?.({ stage: 'reindex', done: 0, total: scanned.texts.length });
  const reindex = await deps.catalog.reindex({
    embedder: deps.wrap(new TrainedEncoder(artifact)),
    ...(signal && { signal }),
  });
  options.onProgress?.({ stage: 'reindex', done: reindex.documents, total: scanned.texts.length });
  return { ...decision, adapt: true, encoder: artifact.metadata, reindex };
}

/**
 * Starts the reindex job (which adapts the encoder) once the catalog has been quiet for a
 * while after the shop's own catalog replaced the demo: a bulk load arrives in many
 * batches, and training on half of it would waste the run.
 */
export class AdaptationTrigger {
  private timer: NodeJS.Timeout | undefined;
  private armed = false;

  constructor(
    private readonly start: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly quietMs: () => number,
  ) {}

  /** The demo catalog was replaced: adapt once writes settle. */
  arm(): void {
    this.armed = true;
    this.logger.info(
      { after_quiet_seconds: this.quietMs() / 1000 },
      'the demo catalog was replaced: the encoder adapts once the catalog settles',
    );
    this.wait();
  }

  /** A catalog write: wait again, if armed. */
  noteWrite(): void {
    if (this.armed) this.wait();
  }

  close(): void {
    clearTimeout(this.timer);
    this.armed = false;
  }

  private wait(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.armed = false;
      this.start().catch((error: unknown) => {
        if ((error as { code?: string }).code === 'job_running')
          this.logger.info('the reindex job runs already: it adapts the encoder if the catalog needs it');
        else this.logger.warn({ err: error }, 'could not start the encoder adaptation');
      });
    }, this.quietMs());
    this.timer.unref();
  }
}
