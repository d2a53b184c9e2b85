/**
 * The cluster primary (WORKERS > 1): forks the serving workers, restarts one that dies,
 * relays the writer's change notices to the readers, answers /metrics scrapes with every
 * worker's metrics, and stops them all on SIGTERM/SIGINT. It opens no store and serves
 * no request itself.
 *
 * Worker 1 is the writer: it loads the demo catalog, runs the job scheduler and takes
 * every write (the readers forward theirs to its private socket). It starts first; the
 * readers are forked once it listens, so start-up work (migrations, the demo catalog, the
 * vector index check) happens once. See docs/adr/0011-serving-processes.md.
 */
import cluster, { type Worker } from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { isClusterMessage, WORKER_ROLE_ENV, type WorkerRole, WRITER_SOCKET_ENV } from './messages.ts';

/** A worker that dies sooner than this after its start counts towards the crash loop. */
const EARLY_DEATH_MS = 10_000;
/** After this many early deaths in a row the whole service exits (Kubernetes restarts the pod). */
const MAX_EARLY_DEATHS = 5;
/** Waits between restarts of a worker that keeps dying early: 0.5 s, 1 s, 2 s, ... */
const RESTART_BACKOFF_MS = 500;

export interface PrimaryOptions {
  workers: number;
  writerSocket: string;
  /** How long the workers get to stop after SIGTERM before they are killed. */
  shutdownDeadlineMs: number;
  logger: Logger;
}

interface Slot {
  role: WorkerRole;
  worker?: Worker;
  startedAt: number;
  earlyDeaths: number;
}

export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { logger } = options;
  // The workers accept connections themselves from the one listening socket (SCHED_NONE)
  // instead of the primary handing each one over (round robin): a handover waits for a
  // busy worker's event loop to take it, so in a burst of new connections their first
  // requests waited up to 10 s behind the established ones (128 clients); throughput was
  // the same either way (docs/benchmarks.md). NODE_CLUSTER_SCHED_POLICY=rr restores it.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const aggregator = new AggregatorRegistry();
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({
    role: i === 0 ? 'writer' : 'reader',
    startedAt: 0,
    earlyDeaths: 0,
  }));
  let stopping = false;

  const fork = (slot: Slot): Worker => {
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_ROLE_ENV]: slot.role, [WRITER_SOCKET_ENV]: options.writerSocket });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'hybrid-search:changed') {
        for (const other of Object.values(cluster.workers ?? {}))
          if (other && other !== worker && other.isConnected()) other.send(message);
      } else if (message.type === 'hybrid-search:metrics-request') {
        aggregator.clusterMetrics().then(
          (text) =>
            worker.isConnected() &&
            worker.send({ type: 'hybrid-search:metrics-response', id: message.id, text }),
          (error: unknown) =>
            worker.isConnected() &&
            worker.send({ type: 'hybrid-search:metrics-response', id: message.id, error: String(error) }),
        );
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) slot.worker = undefined;
      if (stopping) return;
      const early = Date.now() - slot.startedAt < EARLY_DEATH_MS;
      slot.earlyDeaths = early ? slot.earlyDeaths + 1 : 0;
      logger.error(
        { pid: worker.process.pid, role: slot.role, code, signal },
        'a serving worker died; starting another',
      );
      if (slot.earlyDeaths >= MAX_EARLY_DEATHS) {
        logger.fatal({ role: slot.role }, 'a serving worker keeps dying at start-up; stopping the service');
        void stop('SIGTERM', 1);
        return;
      }
      const wait = early ? RESTART_BACKOFF_MS * 2 ** (slot.earlyDeaths - 1) : 0;
      setTimeout(() => !stopping && fork(slot), wait).unref();
    });
    return worker;
  };

  const stop = async (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), options.shutdownDeadlineMs + 2_000).unref();
    logger.info({ signal, workers: slots.length }, 'stopping the serving workers');
    const running = slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    const exited = running.map(
      (worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    );
    for (const worker of running) worker.process.kill(signal);
    const deadline = sleep(options.shutdownDeadlineMs, 'deadline' as const);
    if ((await Promise.race([Promise.all(exited).then(() => 'done' as const), deadline])) === 'deadline') {
      logger.warn('serving workers still running at the shutdown deadline; killing them');
      for (const worker of running) worker.process.kill('SIGKILL');
    }
    process.exit(exitCode);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));

  // The writer first: it migrates the store and loads the demo catalog once.
  const [writerSlot, ...readerSlots] = slots;
  const writer = fork(writerSlot!);
  const started = await new Promise<boolean>((resolve) => {
    const onMessage = (message: unknown) => {
      if (isClusterMessage(message) && message.type === 'hybrid-search:listening') done(true);
    };
    const onExit = () => done(false);
    const done = (ok: boolean) => {
      writer.off('message', onMessage);
      writer.off('exit', onExit);
      resolve(ok);
    };
    writer.on('message', onMessage);
    writer.on('exit', onExit);
  });
  // A writer that could not start (a configuration error, say) already said why on stderr.
  if (!started && !stopping) {
    stopping = true;
    process.exit(1);
  }
  for (const slot of readerSlots) fork(slot);
  logger.info({ workers: slots.length }, 'serving workers started');
}
