/**
 * The Elasticsearch client built from the configuration, and the line between "the
 * cluster cannot answer now" (BackendUnavailableError: 503 + Retry-After) and every other
 * failure.
 */
import fs from 'node:fs';
import { Client, errors, SniffingTransport } from '@elastic/elasticsearch';
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
    requestTimeout: config.requestTimeoutMs,
    maxRetries: MAX_RETRIES,
    Transport: ServiceTransport,
    // No sniffing: behind a Kubernetes service or a cloud endpoint, node addresses the
    // cluster reports are often unreachable from the service.
  });
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

export function toBackendError(error: unknown): unknown {
  if (error instanceof BackendUnavailableError || !isUnavailable(error)) return error;
  return new BackendUnavailableError(`Elasticsearch is unavailable: ${(error as Error).message}`, {
    cause: error,
  });
}

/** The error's Elasticsearch type (`resource_already_exists_exception`, ...), if it is a response error. */
export function errorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body = error.body as { error?: { type?: string } } | undefined;
  return body?.error?.type;
}
