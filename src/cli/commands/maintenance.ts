/** The operator's commands: reindex, ranking model versions, jobs, profile rebuilds. */
import type { JOB_NAMES, JobName } from '../../jobs/job-store.ts';
import { loadConfig } from '../../main/config.ts';
import { createRuntime, type Runtime } from '../../main/runtime.ts';
import { listRankers } from '../../ranking/model-listing.ts';
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

export const modelsList = () => withRuntime(({ rankers }) => listRankers(rankers));

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
