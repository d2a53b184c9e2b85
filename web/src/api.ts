/** The service's JSON API as the pages use it: typed responses, errors as messages. */

export interface Product {
  id: string;
  title: string;
  brand?: string;
  category?: string[];
  price?: number;
  currency?: string;
  rating?: number;
  review_count?: number;
  image_url?: string;
  in_stock?: boolean;
}

export interface FacetValue {
  value?: string;
  key?: string;
  from?: number;
  to?: number;
  count: number;
}

export interface HitExplain {
  bm25?: { rank: number; score: number } | null;
  knn?: { rank: number; score: number } | null;
  fused?: { method: string; score: number; rank: number; knn_weight?: number; query_coverage?: number };
  ranking?: { model: string; score: number; contributions?: Record<string, number> };
  rules?: unknown[];
}

export interface SearchHit {
  id: string;
  score: number;
  product: Product;
  explain?: HitExplain;
}

export interface SearchResponse {
  query_id: string;
  q: string;
  mode: 'hybrid' | 'browse';
  total: number;
  page: number;
  size: number;
  hits: SearchHit[];
  facets: Record<string, FacetValue[]>;
  did_you_mean?: string;
  ranking?: { model: string | null; reranked: boolean; fallback?: string };
}

export interface ApiError {
  error: { code: string; message: string; details?: unknown[] };
}

export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** The error's `details` (each field and rule broken). */
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  const body = (await response.json().catch(() => undefined)) as T | ApiError | undefined;
  if (!response.ok) {
    const error = (body as ApiError | undefined)?.error;
    throw new RequestFailed(
      response.status,
      error?.message ?? `HTTP ${response.status}`,
      error?.code,
      error?.details ?? [],
    );
  }
  return body as T;
}

export function sendJson<T>(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return getJson<T>(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
