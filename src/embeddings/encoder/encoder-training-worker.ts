/** Worker thread: distils the teacher (when asked) and trains the encoder; see train-in-worker.ts. */
import { createLogger } from '../../main/logger.ts';
import { serveWorker } from '../../ml/worker-thread.ts';
import { UniversalSentenceEncoder } from '../pretrained/universal-sentence-encoder.ts';
import { teacherTargets } from './teacher-targets.ts';
import { trainEncoder } from './train-encoder.ts';
import type { EncoderTrainingJob, EncoderTrainingProgress, TrainedArtifact } from './train-in-worker.ts';

serveWorker<EncoderTrainingJob, TrainedArtifact, EncoderTrainingProgress>(async (job, progress) => {
  const logger = createLogger(job.logLevel).child({ worker: 'encoder-training' });
  let teacher: Awaited<ReturnType<typeof teacherTargets>> | undefined;
  if (job.teacher === 'use') {
    const model = await UniversalSentenceEncoder.load({ logger, tfjsBackend: job.tfjsBackend });
    try {
      teacher = await teacherTargets(model, job.catalog, {
        onProgress: (done, total) => progress({ phase: 'teacher', done, total }),
      });
    } finally {
      model.close();
    }
    logger.info({ texts: teacher.texts.length, seconds: teacher.seconds }, 'teacher vectors ready');
  }
  const artifact = await trainEncoder(job.catalog, job.eventPairs, {
    ...job.options,
    logger,
    tfjsBackend: job.tfjsBackend,
    ...(teacher && { teacher }),
    ...(job.record && { catalog: job.record }),
    onProgress: ({ epoch, step, steps, loss }) =>
      progress({ phase: 'train', epoch, done: step, total: steps, loss }),
  });
  const { buffer } = artifact.table;
  return {
    result: { metadata: artifact.metadata, table: artifact.table },
    transfer: [buffer as ArrayBuffer],
  };
});
