/** `serve`: the HTTP service, with the scheduled jobs and live reload of mappings/. */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../main/config.ts';
import type { Logger } from '../../main/logger.ts';
import { createRuntime, prepareToServe } from '../../main/runtime.ts';

/** In-flight requests get this long to finish once the server stops taking connections. */
const DRAIN_TIMEOUT_MS = 25_000;
/** The whole shutdown, after which the process exits anyway (Kubernetes gives 45 s). */
const SHUTDOWN_DEADLINE_MS = 42_000;
/** A request (headers and body) must arrive within this: a slow client cannot hold a socket for ever. */
const REQUEST_TIMEOUT_MS = 120_000;
const HEADERS_TIMEOUT_MS = 20_000;

/** Stops taking connections and waits for the requests in flight (then drops what is left). */
async function drain(server: Server, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = sleep(DRAIN_TIMEOUT_MS, 'timeout' as const);
  if ((await Promise.race([closed.then(() => 'closed' as const), timer])) === 'timeout') {
    logger.warn(
      { seconds: DRAIN_TIMEOUT_MS / 1000 },
      'requests still in flight after the drain timeout; closing them',
    );
    server.closeAllConnections();
  }
}

export async function serve(): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime(config);
  await prepareToServe(runtime);
  const server: Server = runtime.createApp().listen(config.port, config.host, () => {
    runtime.logger.info({ url: `http://localhost:${config.port}` }, 'search service listening');
    if (!config.adminApiKey)
      runtime.logger.warn(
        'ADMIN_API_KEY is not set: catalog writes and shopper profiles are open to every client, and the admin API is off',
      );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Shutdown: readiness fails first (the load balancer stops routing here), running jobs are
  // asked to stop at their next safe point, then the server stops taking connections and
  // the requests in flight finish before the stores close. SIGINT (Ctrl-C) skips the wait
  // for the load balancer.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    const delayMs = signal === 'SIGTERM' ? config.http.shutdownDelayMs : 0;
    runtime.logger.info({ signal, delayMs }, 'shutting down: readiness fails, in-flight requests finish');
    runtime.lifecycle.draining = true;
    runtime.jobs.scheduler.stop();
    const jobs = runtime.jobs.runner.shutdown(30_000);
    await sleep(delayMs);
    await drain(server, runtime.logger);
    await jobs;
    await runtime.close();
    runtime.logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
