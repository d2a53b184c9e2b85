/** `serve`: the HTTP service, with the scheduled jobs and live reload of mappings/. */
import type { Server } from 'node:http';
import { loadConfig } from '../../main/config.ts';
import { isServiceError } from '../../main/errors.ts';
import { createRuntime, loadDemoCatalogIfEmpty } from '../../main/runtime.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime(config);
  try {
    await loadDemoCatalogIfEmpty(runtime);
    await runtime.logMerchandisingWarnings();
    const optimized = await runtime.backend.optimize();
    if (optimized.rebuilt) runtime.logger.info(optimized, 'vector index rebuilt');
  } catch (error) {
    // A cluster that is down at start-up is not fatal: /readyz fails and searches answer 503
    // until it returns. Anything else is.
    if (!isServiceError(error, 'backend_unavailable')) throw error;
    runtime.logger.warn(
      { err: error },
      'search backend unavailable at start-up; serving 503 until it returns',
    );
  }
  runtime.mappings.watch();
  if (config.jobsScheduler) runtime.jobs.scheduler.start();
  const server: Server = runtime.createApp().listen(config.port, config.host, () => {
    runtime.logger.info({ url: `http://localhost:${config.port}` }, 'search service listening');
    if (!config.adminApiKey)
      runtime.logger.warn(
        'ADMIN_API_KEY is not set: catalog writes and shopper profiles are open to every client, and the admin API is off',
      );
  });
  // SIGTERM: stop taking requests, let a running job stop at its next safe point, close.
  const shutdown = (signal: string) => {
    runtime.logger.info({ signal }, 'shutting down');
    runtime.jobs.scheduler.stop();
    server.close();
    void runtime.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 40_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
