/**
 * What the serving processes (WORKERS > 1) tell each other through the cluster primary.
 * One writer worker changes the store; the primary relays its notices to the readers.
 */

/** A change made by the writer that the readers' in-memory state must follow. */
export type ChangeTopic = 'catalog';

export type WorkerRole = 'writer' | 'reader';

/** Worker -> primary -> every other worker. */
export interface ChangeNotice {
  type: 'hybrid-search:changed';
  topic: ChangeTopic;
}

/** Worker -> primary: the aggregated metrics of every worker, for one /metrics scrape. */
export interface MetricsRequest {
  type: 'hybrid-search:metrics-request';
  id: number;
}

/** Primary -> worker: the answer to a MetricsRequest (Prometheus text, or why not). */
export interface MetricsResponse {
  type: 'hybrid-search:metrics-response';
  id: number;
  text?: string;
  error?: string;
}

/** Worker -> primary: listening (the writer's readers are forked after this). */
export interface ListeningNotice {
  type: 'hybrid-search:listening';
}

export type ClusterMessage = ChangeNotice | MetricsRequest | MetricsResponse | ListeningNotice;

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith('hybrid-search:')
  );
}

/** Environment variables the primary sets on each worker it forks. */
export const WORKER_ROLE_ENV = 'HYBRID_SEARCH_WORKER_ROLE';
/** The writer's private socket: readers forward their writes to it. */
export const WRITER_SOCKET_ENV = 'HYBRID_SEARCH_WRITER_SOCKET';
