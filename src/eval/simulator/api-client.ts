/**
 * The simulator's side of the HTTP API: searches, event batches and product uploads with
 * `fetch`, as any client of the service would send them. Only the response fields the
 * simulator uses are read (and checked), so the service may add fields freely. An
 * overloaded or briefly unreachable service (503, 429, connection reset) is retried with
 * backoff; any other error status fails the run with the service's own message.
 */
import { z } from 'zod';
import { ServiceError } from '../../main/errors.ts';
import type { ShopperEvent } from '../../users/events.ts';
import type { ShopperProduct } from './simulation-catalog.ts';

export interface SearchParams {
  q: string;
  size: number;
  userId?: string;
  sessionId?: string;
  /** false: the fused order, without the learning-to-rank stage. */
  rerank?: boolean;
}

export interface ServedResults {
  queryId: string;
  hits: { id: string; product: ShopperProduct }[];
  /** Whether the ranker reordered the list, and with which model. */
  ranking?: { model: string | null; reranked: boolean };
  /** Client-side round-trip time. */
  latencyMs: number;
}

/** Runs one search; the simulator and the evaluation only need this much of the service. */
export type RunSearch = (params: SearchParams) => Promise<ServedResults>;

export interface BulkReport {
  received: number;
  accepted: number;
  rejected: number;
  duplicates?: number;
  errors: unknown[];
}

const searchResponseSchema = z.object({
  query_id: z.string(),
  hits: z.array(
    z.object({
      id: z.string(),
      product: z.object({
        id: z.string(),
        title: z.string(),
        brand: z.string().optional(),
        category: z.array(z.string()).optional(),
        price: z.number().optional(),
      }),
    }),
  ),
  ranking: z.object({ model: z.string().nullable(), reranked: z.boolean() }).optional(),
});

const bulkReportSchema = z.object({
  received: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  duplicates: z.number().optional(),
  errors: z.array(z.unknown()),
});

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 4;
const MAX_RETRY_WAIT_MS = 5_000;

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class SearchApiClient {
  /** HTTP requests sent, retries included. */
  requests = 0;
  private readonly baseUrl: string;

  /** `apiKey`: the service's ADMIN_API_KEY, which catalog writes need once it is set. */
  constructor(
    baseUrl: string,
    private readonly apiKey?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  readonly search: RunSearch = async (params) => {
    const query = new URLSearchParams({ q: params.q, size: String(params.size), facets: '' });
    if (params.userId) query.set('user_id', params.userId);
    if (params.sessionId) query.set('session_id', params.sessionId);
    if (params.rerank === false) query.set('rerank', 'false');
    const started = performance.now();
    const body = await this.request('GET', `/v1/search?${query}`);
    const latencyMs = performance.now() - started;
    const parsed = searchResponseSchema.parse(body);
    return {
      queryId: parsed.query_id,
      hits: parsed.hits.map((hit) => ({
        id: hit.id,
        product: {
          id: hit.product.id,
          title: hit.product.title,
          ...(hit.product.brand !== undefined && { brand: hit.product.brand }),
          ...(hit.product.category !== undefined && { category: hit.product.category }),
          ...(hit.product.price !== undefined && { price: hit.product.price }),
        },
      })),
      ...(parsed.ranking && { ranking: parsed.ranking }),
      latencyMs,
    };
  };

  async postEvents(events: readonly ShopperEvent[]): Promise<BulkReport> {
    return bulkReportSchema.parse(await this.request('POST', '/v1/events', events));
  }

  async postProducts(products: readonly unknown[]): Promise<BulkReport> {
    return bulkReportSchema.parse(await this.request('POST', '/v1/products', products));
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method,
          ...(body !== undefined && {
            headers: {
              'content-type': 'application/json',
              ...(this.apiKey && { 'x-api-key': this.apiKey }),
            },
            body: JSON.stringify(body),
          }),
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS) {
          // fetch says "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, ...).
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          const why = cause ? ` (${cause.code ?? cause.message})` : '';
          throw new ServiceError(
            'request_failed',
            `${method} ${this.baseUrl}${path}: ${(error as Error).message}${why}`,
          );
        }
        await wait(100 * 2 ** attempt);
        continue;
      }
      // Bulk endpoints answer 207/422 with a report of the rejected records: the caller reads it.
      const bulk = method === 'POST' && (response.status === 207 || response.status === 422);
      if (response.ok || bulk) return response.json();
      if (RETRIED_STATUSES.has(response.status) && attempt < MAX_ATTEMPTS) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await response.body?.cancel();
        await wait(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, MAX_RETRY_WAIT_MS)
            : 100 * 2 ** attempt,
        );
        continue;
      }
      const text = await response.text();
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: keep the raw text
      }
      throw new ServiceError('request_failed', `${method} ${path} answered ${response.status}: ${message}`);
    }
  }
}
