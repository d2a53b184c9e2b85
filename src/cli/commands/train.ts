/**
 * `train`: a ranking model from logged events or a judgment list, judged by the gate
 * (jobs.yaml retrain.gate, and the shop's judgment lists in the mappings folder), then put
 * in shadow or promoted as the retrain job does.
 */
import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import { loadJudgments } from '../../eval/judgments.ts';
import { retrainGateOptions } from '../../jobs/maintenance-jobs.ts';
import { loadConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime } from '../../main/runtime.ts';
import { trainRankerFrom } from '../../ranking/training/ranker-training.ts';
import { printJson } from '../print.ts';

export interface TrainOptions {
  judgments?: string;
  sinceDays: number;
  epochs?: number;
  promote: boolean;
  progress: boolean;
}

export async function train(options: TrainOptions): Promise<void> {
  if (options.judgments && !fs.existsSync(options.judgments))
    throw new ServiceError('usage', `no such file: ${options.judgments}`);
  const config = loadConfig();
  const runtime = await createRuntime(config);
  const bar = new SingleBar({ format: '{task} [{bar}] {value}/{total} {info}', hideCursor: true });
  try {
    const judgments = options.judgments ? loadJudgments(options.judgments) : undefined;
    if (judgments && options.progress) bar.start(judgments.size, 0, { task: 'judged queries', info: '' });
    const epochs = options.epochs ?? 30;
    const guard = retrainGateOptions(
      runtime.mappings.current.jobs.jobs.retrain,
      runtime.mappings.current.search,
      config.mappingsDir,
      (q, userHashes) => runtime.search.candidates(q, userHashes),
    );
    const report = await trainRankerFrom(
      judgments
        ? {
            judgments,
            candidates: (q) => runtime.search.candidates(q),
            onQuery: (done) => options.progress && bar.update(done),
          }
        : { events: runtime.eventStore, since: Date.now() - options.sinceDays * 86_400_000 },
      {
        registry: runtime.rankers,
        promote: options.promote ? 'auto' : 'never',
        logger: runtime.logger,
        tfjsBackend: config.tfjsBackend,
        ...guard,
        training: {
          ...guard.training,
          epochs,
          onEpoch: ({ epoch, loss, heldoutNdcg, seconds }) => {
            const info = `loss ${loss.toFixed(4)} | held-out NDCG@10 ${heldoutNdcg.toFixed(4)} | ${seconds.toFixed(1)} s`;
            if (!options.progress) console.error(`epoch ${epoch}: ${info}`);
            else if (epoch === 1) {
              bar.stop();
              bar.start(epochs, 1, { task: 'epochs', info });
            } else bar.update(epoch, { info });
          },
        },
      },
    );
    const { outcome } = report;
    if (!outcome) {
      const source = judgments ? 'judgments' : `events of the last ${options.sinceDays} days`;
      throw new ServiceError('not_enough_data', `${report.notTrained} (${source})`);
    }
    if (options.progress) bar.stop();
    const { metadata } = outcome;
    printJson({
      version: metadata.version,
      promoted: outcome.promoted,
      status: outcome.status,
      decision: outcome.decision,
      source: metadata.training.source,
      serve: metadata.serve,
      gate: metadata.gate,
      lists: { train: report.train, held_out: report.heldOut },
      metrics: metadata.metrics,
      tensorflow: metadata.tensorflow,
      seconds: Math.round(metadata.training.seconds * 10) / 10,
      epochs: metadata.training.epoch_loss.map((loss, i) => ({
        epoch: i + 1,
        loss: Math.round(loss * 10_000) / 10_000,
        heldout_ndcg10: Math.round(metadata.training.epoch_heldout_ndcg[i]! * 10_000) / 10_000,
        seconds: Math.round(metadata.training.epoch_seconds[i]! * 100) / 100,
      })),
      dir: outcome.dir,
    });
  } finally {
    await runtime.close();
  }
}
