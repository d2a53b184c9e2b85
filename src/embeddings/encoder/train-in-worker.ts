/**
 * Encoder training on a worker thread: the teacher's inference and the training steps are
 * seconds of CPU each, which on the service's own thread would stall every search meanwhile.
 */
import type { BackendPreference } from '../../main/config.ts';
import { runInWorker } from '../../ml/worker-thread.ts';
import type { EncoderArtifact, EncoderCatalog } from './encoder-artifact.ts';
import type { EncoderTrainingOptions } from './train-encoder.ts';
import type { CatalogText, TrainingPair } from './training-pairs.ts';

/** `use`: distil the Universal Sentence Encoder's knowledge; `none`: learn from the catalog alone. */
export type EncoderTeacher = 'use' | 'none';

export interface EncoderTrainingJob {
  catalog: CatalogText[];
  eventPairs: TrainingPair[];
  options: Partial<
    Omit<EncoderTrainingOptions, 'logger' | 'tensorflow' | 'onProgress' | 'teacher' | 'catalog'>
  >;
  teacher: EncoderTeacher;
  record?: EncoderCatalog;
  tfjsBackend: BackendPreference;
  logLevel: string;
}

export interface EncoderTrainingProgress {
  phase: 'teacher' | 'train';
  done: number;
  total: number;
  epoch?: number;
  loss?: number;
}

export type TrainedArtifact = EncoderArtifact;

export function trainEncoderInWorker(
  job: EncoderTrainingJob,
  options: { onProgress?: (progress: EncoderTrainingProgress) => void; signal?: AbortSignal } = {},
): Promise<EncoderArtifact> {
  const entry = new URL(
    `./encoder-training-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  );
  return runInWorker<EncoderTrainingJob, TrainedArtifact, EncoderTrainingProgress>(entry, job, options);
}
