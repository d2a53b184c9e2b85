/**
 * Search input, from a query string (GET) or a JSON body (POST), validated by one schema.
 *   GET /v1/search?q=drill&filter.brand=Bosch&filter.price_max=100&sort=price_asc&size=20
 */
import { z } from 'zod';
import { FILTER_FIELDS, hasFilters, type SearchFilters, SORT_ORDERS } from '../catalog/catalog-query.ts';
import {
  FACET_FIELDS,
  FUSION_METHODS,
  MAX_PAGE_SIZE,
  MAX_QUERY_LENGTH,
  MAX_RESULT_WINDOW,
  type SearchRequest,
} from '../retrieval/search-request.ts';
import { type ErrorDetail, invalidRequest, zodDetails } from './errors.ts';

const filterValues = z.array(z.string().trim().min(1, 'must not be empty').max(200)).min(1).max(50);

/** The filters of a search, also what recommendation endpoints take (`filter.<field>`). */
export const filtersSchema = z
  .strictObject({
    brand: filterValues.optional(),
    category: filterValues.optional(),
    price_min: z.number().finite().nonnegative().optional(),
    price_max: z.number().finite().nonnegative().optional(),
    in_stock: z.boolean().optional(),
  })
  .default({});

const searchBodySchema = z
  .strictObject({
    q: z.string().max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters`).default(''),
    filters: filtersSchema,
    facets: z.array(z.enum(FACET_FIELDS)).default([...FACET_FIELDS]),
    page: z.number().int().min(1).default(1),
    size: z.number().int().min(1).max(MAX_PAGE_SIZE, `size must be at most ${MAX_PAGE_SIZE}`).default(20),
    sort: z.enum(SORT_ORDERS).default('relevance'),
    user_id: z.string().trim().min(1).max(256).optional(),
    session_id: z.string().trim().min(1).max(256).optional(),
    explain: z.boolean().default(false),
    rerank: z.boolean().default(true),
    autocorrect: z.boolean().default(true),
    fusion: z.enum(FUSION_METHODS).optional(),
  })
  .superRefine((value, ctx) => {
    const { price_min, price_max } = value.filters;
    if (price_min !== undefined && price_max !== undefined && price_min > price_max) {
      ctx.addIssue({
        code: 'custom',
        path: ['filters', 'price_min'],
        message: 'price_min must not exceed price_max',
      });
    }
    if (value.page * value.size > MAX_RESULT_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['page'],
        message: `page * size must be at most ${MAX_RESULT_WINDOW}; refine the query instead of paging deeper`,
      });
    }
  });

/** Wire filters as the backend-neutral form (category paths with normalized separators). */
export function toSearchFilters(f: z.output<typeof filtersSchema>): SearchFilters {
  return {
    ...(f.brand && { brand: f.brand }),
    ...(f.category && {
      category: f.category.map((c) =>
        c
          .split('>')
          .map((s) => s.trim())
          .join(' > '),
      ),
    }),
    ...(f.price_min !== undefined && { priceMin: f.price_min }),
    ...(f.price_max !== undefined && { priceMax: f.price_max }),
    ...(f.in_stock !== undefined && { inStock: f.in_stock }),
  };
}

function toSearchRequest(body: z.output<typeof searchBodySchema>): SearchRequest {
  const filters = toSearchFilters(body.filters);
  if (!body.q.trim() && !hasFilters(filters)) {
    throw invalidRequest([
      { field: 'q', rule: 'required', message: 'q must not be empty unless at least one filter is given' },
    ]);
  }
  return {
    q: body.q.trim(),
    filters,
    facets: body.facets,
    page: body.page,
    size: body.size,
    sort: body.sort,
    ...(body.user_id && { userId: body.user_id }),
    ...(body.session_id && { sessionId: body.session_id }),
    explain: body.explain,
    rerank: body.rerank,
    autocorrect: body.autocorrect,
    ...(body.fusion && { fusion: body.fusion }),
  };
}

export function parseSearchBody(body: unknown): SearchRequest {
  const parsed = searchBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
  return toSearchRequest(parsed.data);
}

const SCALAR_PARAMS = new Set([
  'q',
  'page',
  'size',
  'sort',
  'user_id',
  'session_id',
  'explain',
  'rerank',
  'autocorrect',
  'fusion',
  'facets',
]);
const LIST_FILTERS = new Set(['brand', 'category']);
const NUMERIC = /^-?\d+(\.\d+)?$/;

function typedScalar(value: string): unknown {
  if (NUMERIC.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/**
 * Query-string parameters as a JSON body shape: `filter.<field>` into `filters`, the
 * parameters in `scalars` typed (numbers, booleans; `text` ones kept as strings); unknown
 * parameters and filters, and repeated scalars, are rejected naming the parameter.
 */
export function queryStringBody(
  query: Record<string, unknown>,
  scalars: ReadonlySet<string>,
  text: ReadonlySet<string>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const filters: Record<string, unknown> = {};
  const problems: ErrorDetail[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (key.startsWith('filter.')) {
      const field = key.slice('filter.'.length);
      if (!(FILTER_FIELDS as readonly string[]).includes(field)) {
        problems.push({
          field: key,
          rule: 'unknown_filter',
          message: `unknown filter field "${field}"; filters are ${FILTER_FIELDS.join(', ')}`,
        });
      } else if (LIST_FILTERS.has(field)) {
        filters[field] = values;
      } else if (values.length > 1) {
        problems.push({ field: key, rule: 'repeated', message: `${key} must be given once` });
      } else {
        filters[field] = typedScalar(values[0]!);
      }
      continue;
    }
    if (!scalars.has(key)) {
      problems.push({ field: key, rule: 'unknown_parameter', message: `unknown parameter "${key}"` });
      continue;
    }
    if (values.length > 1) {
      problems.push({ field: key, rule: 'repeated', message: `${key} must be given once` });
      continue;
    }
    const value = values[0]!;
    if (key === 'facets') body.facets = value === '' ? [] : value.split(',').map((s) => s.trim());
    else if (text.has(key)) body[key] = value;
    else body[key] = typedScalar(value);
  }
  if (problems.length > 0) throw invalidRequest(problems);
  if (Object.keys(filters).length > 0) body.filters = filters;
  return body;
}

const TEXT_PARAMS = new Set(['q', 'user_id', 'session_id']);

/** Query-string parameters as the JSON body shape; unknown parameters and filters are rejected. */
export function parseSearchQuery(query: Record<string, unknown>): SearchRequest {
  return parseSearchBody(queryStringBody(query, SCALAR_PARAMS, TEXT_PARAMS));
}
