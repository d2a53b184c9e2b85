/**
 * `encoder train`: a new in-house encoder version trained on the stored catalog now (what
 * the reindex job does by itself when the catalog is new to the serving encoder), plus the
 * (query, product acted on) pairs of logged searches once there are enough; the catalog is
 * reindexed with it, and unless told otherwise it becomes the active version that a fresh
 * store starts with. `encoder list`: the saved versions.
 */
import { SingleBar } from 'cli-progress';
import { activateEncoder } from '../../embeddings/encoder/encoder-artifact.ts';
import { listEncoders } from '../../embeddings/encoder/encoder-listing.ts';
import type { EncoderTeacher } from '../../embeddings/encoder/train-in-worker.ts';
import { adaptEncoder, loggedEventPairs } from '../../jobs/encoder-adaptation.ts';
import { loadConfig } from '../../main/config.ts';
import { withEmbeddingCache } from '../../main/create-embedder.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime } from '../../main/runtime.ts';
import { printJson } from '../print.ts';

export interface EncoderTrainOptions {
  sinceDays: number;
  epochs?: number;
  dimensions?: number;
  teacher?: EncoderTeacher;
  activate: boolean;
  progress: boolean;
}

export async function encoderTrain(options: EncoderTrainOptions): Promise<void> {
  const config = loadConfig();
  if (config.embedder.kind !== 'encoder')
    throw new ServiceError(
      'invalid_config',
      `EMBEDDER is "${config.embedder.kind}": the in-house encoder is not in use`,
    );
  const runtime = await createRuntime(config);
  const { logger, backend } = runtime;
  const bar = new SingleBar({ format: '{stage} [{bar}] {value}/{total}', hideCursor: true });
  let barStage = '';
  try {
    const settings = runtime.mappings.current.jobs.jobs.reindex.adapt_encoder;
    const report = await adaptEncoder(
      {
        config,
        backend,
        catalog: runtime.catalog,
        embedder: runtime.embedder,
        logger,
        wrap: (encoder) => withEmbeddingCache(config, encoder),
        eventPairs: () => loggedEventPairs(runtime.eventStore, backend, options.sinceDays, logger),
      },
      {
        ...settings,
        enabled: true,
        ...(options.epochs && { epochs: options.epochs }),
        ...(options.teacher && { teacher: options.teacher }),
      },
      {
        force: true,
        reindex: options.activate,
        ...(options.dimensions && { training: { dimensions: options.dimensions } }),
        onProgress: ({ stage, epoch, done, total }) => {
          if (!options.progress) return;
          const label = epoch ? `${stage} epoch ${epoch}` : stage;
          if (label !== barStage) {
            if (barStage) bar.stop();
            bar.start(total, 0, { stage: label });
            barStage = label;
          }
          bar.update(done, { stage: label });
        },
      },
    );
    if (barStage) bar.stop();
    if (!report.encoder)
      throw new ServiceError(
        'not_enough_data',
        'the catalog is empty: ingest products before training the encoder',
      );
    if (options.activate) activateEncoder(config.modelsDir, report.encoder.version);
    printJson({ ...report.encoder, activated: options.activate, reindex: report.reindex });
  } finally {
    await runtime.close();
  }
}

export function encoderList(): void {
  printJson(listEncoders(loadConfig().modelsDir));
}
