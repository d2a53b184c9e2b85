/** The operator's commands: reindex, ranking model versions, jobs, profile rebuilds. */
import type { JOB_NAMES, JobName } from '../../jobs/job-store.ts';
import { loadConfig } from '../../main/config.ts';
import { createRuntime, type Runtime } from '../../main/runtime.ts';
import type { RegistryState, ShadowReport } from '../../ranking/model-registry.ts';
import type { RankerMetadata } from '../../ranking/ranker-model.ts';
import { servesSegment } from '../../ranking/serving-order.ts';
import { printJson } from '../print.ts';

async function withRuntime<T>(action: (runtime: Runtime) => T, options = {}): Promise<void> {
  const runtime = await createRuntime(loadConfig(), options);
  try {
    printJson(await action(runtime));
  } finally {
    await runtime.close();
  }
}

/** The way out of a changed EMBEDDER too: the store opens though it was built with another one. */
export const reindex = () => withRuntime(({ catalog }) => catalog.reindex(), { acceptEmbedderChange: true });

export const modelsList = () =>
  withRuntime(({ rankers }) => {
    const state = rankers.state();
    return rankers.list().map((m) => ({
      ...describeModel(m, state, rankers.shadowReport(m.version)),
      files: filesCheck(rankers, m),
    }));
  });

/** `ok` (sizes and SHA-256 match), `unchecked` (saved before checksums, but loads) or what is wrong. */
function filesCheck(rankers: Runtime['rankers'], m: RankerMetadata): string {
  const problem = rankers.problem(m.version);
  return problem ?? (m.files ? 'ok' : 'unchecked');
}

type ModelStatus = 'serving' | 'shadow' | 'previously_serving' | 'rejected' | 'superseded' | 'saved';

/** One model as `models list` shows it: where it stands, what its gate and shadow phase decided, with the numbers. */
function describeModel(m: RankerMetadata, state: RegistryState, shadow: ShadowReport | undefined) {
  const segments = m.gate?.segments;
  const status: ModelStatus =
    m.version === state.active
      ? 'serving'
      : m.version === state.shadow?.version
        ? 'shadow'
        : state.history.includes(m.version)
          ? 'previously_serving'
          : shadow?.status === 'rejected' ||
              (segments && !segments.with_history.serve && !segments.without_history.serve)
            ? 'rejected'
            : shadow?.status === 'superseded'
              ? 'superseded'
              : 'saved';
  return {
    version: m.version,
    status,
    serving: m.version === state.active,
    previously_serving: state.history.includes(m.version),
    source: m.training.source,
    trained_at: m.trained_at,
    heldout_ndcg10: m.metrics.ndcg10,
    fused_ndcg10: m.metrics.ndcg10_fused,
    backend: m.tensorflow.backend,
    serves: {
      shoppers_with_history: servesSegment(m, 'with_history'),
      shoppers_without_history: servesSegment(m, 'without_history'),
    },
    correction_bound: m.correction?.bound ?? null,
    gate: m.gate ?? null,
    position_bias: m.training.position_propensity
      ? {
          method: m.training.propensity?.method ?? 'em',
          randomized_searches: m.training.propensity?.randomized_searches ?? 0,
          intervention_clicks: m.training.propensity?.intervention_clicks ?? 0,
          by_position: m.training.position_propensity.slice(0, 10),
        }
      : null,
    shadow: shadow ?? null,
  };
}

export const modelsPromote = (version: string) => withRuntime(({ rankers }) => rankers.promote(version));

export const modelsRollback = () => withRuntime(({ rankers }) => rankers.rollback());

export const jobsList = () =>
  withRuntime(async ({ jobs: { scheduler, store } }) => ({
    jobs: scheduler.describe(),
    runs: await store.runs({ limit: 20 }),
  }));

export const profilesRebuild = () =>
  withRuntime(async ({ events }) => ({ profiles: await events.rebuildProfiles() }));

/** Runs a job and waits (what Kubernetes CronJobs call); exit status 1 unless it succeeded. */
export async function jobsRun(name: (typeof JOB_NAMES)[number]): Promise<void> {
  const runtime = await createRuntime(loadConfig());
  const stop = () => runtime.jobs.runner.shutdown(60_000);
  process.once('SIGTERM', stop);
  try {
    const run = await runtime.jobs.runner.run(name as JobName, 'cli');
    printJson(run);
    if (run.status !== 'succeeded') process.exitCode = 1;
  } finally {
    process.off('SIGTERM', stop);
    await runtime.close();
  }
}
