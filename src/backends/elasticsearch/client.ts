/**
 * The Elasticsearch client built from the configuration, and the line between "the
 * cluster cannot answer now" (BackendUnavailableError: 503 + Retry-After) and every other
 * failure.
 */
import fs from 'node:fs';
import {
  Client,
  type ClientOptions,
  errors,
  SniffingTransport,
  type Transport,
} from '@elastic/elasticsearch';
import { BackendUnavailableError } from '../../catalog/search-backend.ts';
import type { ElasticsearchConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';

/** Retries per request on connection errors and 502/503/504, spread over the node(s). */
export const MAX_RETRIES = 2;

/**
 * Seconds before retry `attempt`: 0.05-0.1, then 0.1-0.2 ("equal jitter"). The transport's
 * default waits 1-2 s, then 2-4 s, which holds a search for seconds when the cluster is
 * down; the service answers 503 with Retry-After instead and lets the caller come back.
 */
export function retryBackoffSeconds(_min: number, _max: number, attempt: number): number {
  const ceiling = Math.min(1, 0.1 * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** The client's default transport with the short retry backoff (the client has no option for it). */
class ServiceTransport extends SniffingTransport {
  constructor(options: ConstructorParameters<typeof SniffingTransport>[0]) {
    super({ ...options, retryBackoff: retryBackoffSeconds });
  }
}

export function createElasticsearchClient(config: ElasticsearchConfig): Client {
  return new Client({
    node: config.url,
    ...(config.auth && { auth: config.auth }),
    ...(config.caCertFile && { tls: { ca: readCaCertificate(config.caCertFile) } }),
    ...serviceClientOptions(config),
    // No sniffing: behind a Kubernetes service or a cloud endpoint, node addresses the
    // cluster reports are often unreachable from the service.
  });
}

/** Timeouts, retries and backoff of the service's client (tests put them on a fake cluster's client). */
export function serviceClientOptions(
  config: Pick<ElasticsearchConfig, 'requestTimeoutMs'>,
): Pick<ClientOptions, 'requestTimeout' | 'maxRetries' | 'Transport'> {
  return { requestTimeout: config.requestTimeoutMs, maxRetries: MAX_RETRIES, Transport: ServiceTransport };
}

function readCaCertificate(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new ServiceError(
      'invalid_config',
      `ELASTICSEARCH_CA_CERT: cannot read ${file}: ${(error as Error).message}`,
    );
  }
}

const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Connection refused, timeouts, no node alive, or the cluster saying it is overloaded or starting. */
export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  ) {
    return true;
  }
  return error instanceof errors.ResponseError && UNAVAILABLE_STATUSES.has(error.statusCode ?? 0);
}

/** Seconds a client is told to wait after the cluster refused work with 429. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** A request-level 429: the cluster is up but its queues (or circuit breakers) are full. */
export function isBusy(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.statusCode === 429;
}

export function toBackendError(error: unknown): unknown {
  if (error instanceof BackendUnavailableError || !isUnavailable(error)) return error;
  if (isBusy(error)) {
    return new BackendUnavailableError(`Elasticsearch is busy: ${(error as Error).message}`, {
      cause: error,
      busy: true,
      retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
    });
  }
  return new BackendUnavailableError(`Elasticsearch is unavailable: ${(error as Error).message}`, {
    cause: error,
  });
}

/** Default for ELASTICSEARCH_BULK_TIMEOUT_MS. */
export const DEFAULT_BULK_TIMEOUT_MS = 120_000;

/**
 * Clients for long work, sharing the connections of `client`: bulk writes, refreshes,
 * delete-by-query and reindex pages take longer than a search, so they get their own
 * timeout. `idempotent` work (documents written by id, compare-and-set, reads) is sent
 * again after a timeout; `once` work (scripted counter increments, which would count
 * twice) is not.
 */
export function longRequestClients(
  client: Client,
  timeoutMs = DEFAULT_BULK_TIMEOUT_MS,
): { idempotent: Client; once: Client } {
  // The client has no retryOnTimeout option of its own: the transport it builds takes it.
  const Base = client.transport.constructor as typeof Transport;
  class RetryOnTimeoutTransport extends Base {
    constructor(options: ConstructorParameters<typeof Transport>[0]) {
      super({ ...options, retryOnTimeout: true });
    }
  }
  return {
    idempotent: client.child({ requestTimeout: timeoutMs, Transport: RetryOnTimeoutTransport }),
    once: client.child({ requestTimeout: timeoutMs }),
  };
}

/** An expired or unknown scroll / point-in-time context (its keep-alive ran out). */
export function isContextMissing(error: unknown): boolean {
  if (!(error instanceof errors.ResponseError) || error.statusCode !== 404) return false;
  const body = error.body as { error?: { type?: string; root_cause?: { type?: string }[] } } | undefined;
  return (
    body?.error?.type === 'search_context_missing_exception' ||
    (body?.error?.root_cause ?? []).some((cause) => cause.type === 'search_context_missing_exception')
  );
}

/** The error's Elasticsearch type (`resource_already_exists_exception`, ...), if it is a response error. */
export function errorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body = error.body as { error?: { type?: string } } | undefined;
  return body?.error?.type;
}
