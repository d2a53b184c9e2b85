/**
 * `serve`: the HTTP service, with the scheduled jobs and live reload of mappings/.
 * WORKERS > 1: a cluster primary forks that many serving workers on one port (one
 * writer, the rest readers; see src/main/cluster/primary.ts and docs/adr/0011).
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { forwardWritesTo } from '../../api/forward-writes.ts';
import { WORKER_ROLE_ENV, type WorkerRole, WRITER_SOCKET_ENV } from '../../main/cluster/messages.ts';
import { runPrimary } from '../../main/cluster/primary.ts';
import { WorkerLink } from '../../main/cluster/worker-link.ts';
import { type Config, loadConfig } from '../../main/config.ts';
import { createLogger, type Logger } from '../../main/logger.ts';
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
  if (config.workers > 1 && cluster.isPrimary) {
    // The socket the readers forward writes to; short (a Unix socket path has ~100 bytes).
    const writerSocket = path.join(os.tmpdir(), `hybrid-search-writer-${process.pid}.sock`);
    fs.rmSync(writerSocket, { force: true });
    await runPrimary({
      workers: config.workers,
      writerSocket,
      shutdownDeadlineMs: SHUTDOWN_DEADLINE_MS,
      logger: createLogger(config.logLevel).child({ process: 'primary' }),
    });
    return;
  }
  const role: WorkerRole = process.env[WORKER_ROLE_ENV] === 'reader' ? 'reader' : 'writer';
  await serveWorker(config, role, cluster.isWorker ? process.env[WRITER_SOCKET_ENV] : undefined);
}

function listen(server: Server, where: { port: number; host: string } | { socket: string }): Promise<void> {
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    // exclusive: the writer owns its socket (a cluster worker would share it through the primary).
    if ('socket' in where) server.listen({ path: where.socket, exclusive: true }, done);
    else server.listen(where.port, where.host, done);
  });
}

/**
 * One serving process: the whole service (WORKERS=1), or a worker of the cluster. The
 * writer also listens on `writerSocket` for the writes the readers forward.
 */
async function serveWorker(
  config: Config,
  role: WorkerRole,
  writerSocket: string | undefined,
): Promise<void> {
  const link = new WorkerLink();
  const runtime = await createRuntime(config, {
    ...(role === 'writer' && { onCatalogChange: () => link.publish('catalog') }),
    ...(link.inCluster && {
      logger: createLogger(config.logLevel).child({ worker: cluster.worker?.id, role }),
    }),
  });
  link.exportMetrics(runtime.metrics.registry);
  if (role === 'reader') link.subscribe('catalog', () => runtime.followCatalogChange());
  await prepareToServe(runtime, role);
  const scrapeMetrics = () => link.metrics();
  const server = http.createServer(
    runtime.createApp({
      scrapeMetrics,
      ...(role === 'reader' && writerSocket && { forwardWrites: forwardWritesTo(writerSocket) }),
    }),
  );
  const servers = [server];
  await listen(server, { port: config.port, host: config.host });
  if (role === 'writer' && writerSocket) {
    fs.rmSync(writerSocket, { force: true });
    const internal = http.createServer(
      runtime.createApp({ scrapeMetrics, withoutRateLimits: true, trustProxy: true }),
    );
    await listen(internal, { socket: writerSocket });
    servers.push(internal);
  }
  const port = (server.address() as AddressInfo | null)?.port ?? config.port;
  runtime.logger.info(
    { url: `http://localhost:${port}`, port, pid: process.pid },
    'search service listening',
  );
  if (!config.adminApiKey && role === 'writer')
    runtime.logger.warn(
      'ADMIN_API_KEY is not set: catalog writes and shopper profiles are open to every client, and the admin API is off',
    );
  link.listening();
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
    await Promise.all(servers.map((s) => drain(s, runtime.logger)));
    await jobs;
    await runtime.close();
    runtime.logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  // The primary is gone (killed): no one restarts or relays any more; stop cleanly.
  if (cluster.isWorker) process.once('disconnect', () => void shutdown('SIGINT'));
}
