/**
 * Search input, from a query string (GET) or a JSON body (POST), validated by one schema.
 *   GET /v1/search?q=drill&filter.brand=Bosch&filter.price_max=100&sort=price_asc&size=20
 * The attributes of mappings/attributes.yaml add their filters (`filter.color=red`,
 * `filter.screen_size_min=40`) and facets (`facets=brand,color`), so the schema is built
 * for the attribute settings in force (once per version of the file).
 */
import { z } from 'zod';
import {
  type AttributeFilter,
  FILTER_FIELDS,
  hasFilters,
  type SearchFilters,
  SORT_ORDERS,
} from '../catalog/catalog-query.ts';
import type { AttributeSettings } from '../merchandising/attributes.ts';
import {
  BUILT_IN_FACETS,
  FUSION_METHODS,
  MAX_PAGE_SIZE,
  MAX_QUERY_LENGTH,
  MAX_RESULT_WINDOW,
  type SearchRequest,
} from '../retrieval/search-request.ts';
import { type ErrorDetail, invalidRequest, zodDetails } from './errors.ts';

const filterValues = z.array(z.string().trim().min(1, 'must not be empty').max(200)).min(1).max(50);
const bound = z.number().finite();

/**
 * The built-in filters (brand, category, price, stock): what recommendation endpoints take
 * (`filter.<field>`); a search also takes the attributes' filters.
 */
const builtInFilters = {
  brand: filterValues.optional(),
  category: filterValues.optional(),
  price_min: z.number().finite().nonnegative().optional(),
  price_max: z.number().finite().nonnegative().optional(),
  in_stock: z.boolean().optional(),
};

export const filtersSchema = z.strictObject(builtInFilters).default({});

/** Built-in wire filters as the backend-neutral form (category paths with normalized separators). */
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

/** The filters a search accepts: the built-in ones and each filterable attribute's. */
function filterFields(attributes: AttributeSettings): string[] {
  const fields: string[] = [...FILTER_FIELDS];
  for (const [key, setting] of Object.entries(attributes.attributes)) {
    if (!setting.filter) continue;
    if (setting.type === 'range') fields.push(`${key}_min`, `${key}_max`);
    else fields.push(key);
  }
  return fields;
}

function facetNames(attributes: AttributeSettings): string[] {
  return [
    ...BUILT_IN_FACETS,
    ...Object.entries(attributes.attributes)
      .filter(([, setting]) => setting.facet)
      .map(([key]) => key),
  ];
}

/** A range filter's `_min` above its `_max` is an error on the `_min` field. */
export function checkFilterRanges(
  filters: Record<string, unknown>,
  attributes: AttributeSettings,
  ctx: z.RefinementCtx,
): void {
  const ranges: [string, string][] = [['price_min', 'price_max']];
  for (const [key, setting] of Object.entries(attributes.attributes)) {
    if (setting.filter && setting.type === 'range') ranges.push([`${key}_min`, `${key}_max`]);
  }
  for (const [low, high] of ranges) {
    const min = filters[low] as number | undefined;
    const max = filters[high] as number | undefined;
    if (min !== undefined && max !== undefined && min > max) {
      ctx.addIssue({ code: 'custom', path: ['filters', low], message: `${low} must not exceed ${high}` });
    }
  }
}

function buildSearchBodySchema(attributes: AttributeSettings) {
  const attributeFilters: Record<string, z.ZodType> = {};
  for (const [key, setting] of Object.entries(attributes.attributes)) {
    if (!setting.filter) continue;
    if (setting.type === 'range') {
      attributeFilters[`${key}_min`] = bound.optional();
      attributeFilters[`${key}_max`] = bound.optional();
    } else attributeFilters[key] = filterValues.optional();
  }
  const facets = facetNames(attributes) as [string, ...string[]];
  return z
    .strictObject({
      q: z.string().max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters`).default(''),
      filters: z.strictObject({ ...attributeFilters, ...builtInFilters }).default({}),
      facets: z.array(z.enum(facets)).default(facets),
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
      checkFilterRanges(value.filters, attributes, ctx);
      if (value.page * value.size > MAX_RESULT_WINDOW) {
        ctx.addIssue({
          code: 'custom',
          path: ['page'],
          message: `page * size must be at most ${MAX_RESULT_WINDOW}; refine the query instead of paging deeper`,
        });
      }
    });
}

type SearchBodySchema = ReturnType<typeof buildSearchBodySchema>;
type SearchBody = z.output<SearchBodySchema>;

/** One schema per version of attributes.yaml (a reload makes a new settings object). */
const schemas = new WeakMap<AttributeSettings, SearchBodySchema>();

/** The body of `POST /v1/search` for these attribute settings (also what the OpenAPI description shows). */
export function searchBodySchema(attributes: AttributeSettings): SearchBodySchema {
  let schema = schemas.get(attributes);
  if (!schema) {
    schema = buildSearchBodySchema(attributes);
    schemas.set(attributes, schema);
  }
  return schema;
}

/** The `filters` object of a search body: built-in and attribute filters (recommendation routes take it too). */
export function searchFiltersSchema(attributes: AttributeSettings): SearchBodySchema['shape']['filters'] {
  return searchBodySchema(attributes).shape.filters;
}

/** Wire filters (built-in and attribute ones) as the backend-neutral form. */
export function wireFilters(
  filters: z.output<SearchBodySchema['shape']['filters']>,
  attributes: AttributeSettings,
): SearchFilters {
  const f = filters as Record<string, unknown> & SearchBody['filters'];
  const attributeFilters: Record<string, AttributeFilter> = {};
  for (const [key, setting] of Object.entries(attributes.attributes)) {
    if (!setting.filter) continue;
    if (setting.type === 'range') {
      const min = f[`${key}_min`] as number | undefined;
      const max = f[`${key}_max`] as number | undefined;
      if (min !== undefined || max !== undefined)
        attributeFilters[key] = { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
    } else if (f[key] !== undefined) {
      attributeFilters[key] = { values: f[key] as string[] };
    }
  }
  return {
    ...toSearchFilters(f),
    ...(Object.keys(attributeFilters).length > 0 && { attributes: attributeFilters }),
  };
}

function toSearchRequest(body: SearchBody, attributes: AttributeSettings): SearchRequest {
  const filters = wireFilters(body.filters, attributes);
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

export function parseSearchBody(body: unknown, attributes: AttributeSettings): SearchRequest {
  const parsed = searchBodySchema(attributes).safeParse(body ?? {});
  if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
  return toSearchRequest(parsed.data, attributes);
}

/**
 * The query parameters of `GET /v1/search`, for the OpenAPI description: the body's fields
 * with each filter as `filter.<field>` and `facets` as a comma list. parseSearchQuery reads
 * them into the body's shape, so the body schema stays the one that validates.
 */
export function searchQueryParameters(attributes: AttributeSettings): z.ZodObject {
  const { filters, facets, ...scalars } = searchBodySchema(attributes).shape;
  const filterShape = filters.unwrap().shape as Record<string, z.ZodType>;
  const filterParams = Object.fromEntries(
    Object.entries(filterShape).map(([field, schema]) => [`filter.${field}`, schema]),
  );
  const facetList = z
    .string()
    .meta({ description: `comma list of ${facetNames(attributes).join(', ')}; default all, empty for none` })
    .optional();
  return z.strictObject({ ...scalars, ...filterParams, facets: facetList });
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

function isListFilter(field: string, attributes: AttributeSettings): boolean {
  const setting = attributes.attributes[field];
  return LIST_FILTERS.has(field) || (setting?.filter === true && setting.type === 'terms');
}
const NUMERIC = /^-?\d+(\.\d+)?$/;

function typedScalar(value: string): unknown {
  if (NUMERIC.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** What a query string may hold: its typed parameters and its `filter.<field>` filters. */
export interface QueryStringShape {
  /** Parameters other than filters; all typed (numbers, booleans) except the `text` ones. */
  scalars: ReadonlySet<string>;
  text: ReadonlySet<string>;
  /** Filter fields accepted as `filter.<field>`. */
  filters: readonly string[];
  /** Filters that take a list (repeated `filter.brand=`). */
  listFilter: (field: string) => boolean;
}

/** The `filter.<field>` parameters of the built-in and attribute filters. */
export function filterQueryShape(
  attributes: AttributeSettings,
): Pick<QueryStringShape, 'filters' | 'listFilter'> {
  return { filters: filterFields(attributes), listFilter: (field) => isListFilter(field, attributes) };
}

/**
 * Query-string parameters as a JSON body shape: `filter.<field>` into `filters`, `facets`
 * as a comma list, the other parameters typed; unknown parameters and filters, and
 * repeated scalars, are rejected naming the parameter.
 */
export function queryStringBody(
  query: Record<string, unknown>,
  shape: QueryStringShape,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const filters: Record<string, unknown> = {};
  const problems: ErrorDetail[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (key.startsWith('filter.')) {
      const field = key.slice('filter.'.length);
      if (!shape.filters.includes(field)) {
        problems.push({
          field: key,
          rule: 'unknown_filter',
          message: `unknown filter field "${field}"; filters are ${shape.filters.join(', ')}`,
        });
      } else if (shape.listFilter(field)) {
        filters[field] = values;
      } else if (values.length > 1) {
        problems.push({ field: key, rule: 'repeated', message: `${key} must be given once` });
      } else {
        filters[field] = typedScalar(values[0]!);
      }
      continue;
    }
    if (!shape.scalars.has(key)) {
      problems.push({ field: key, rule: 'unknown_parameter', message: `unknown parameter "${key}"` });
      continue;
    }
    if (values.length > 1) {
      problems.push({ field: key, rule: 'repeated', message: `${key} must be given once` });
      continue;
    }
    const value = values[0]!;
    if (key === 'facets') body.facets = value === '' ? [] : value.split(',').map((s) => s.trim());
    else if (shape.text.has(key)) body[key] = value;
    else body[key] = typedScalar(value);
  }
  if (problems.length > 0) throw invalidRequest(problems);
  if (Object.keys(filters).length > 0) body.filters = filters;
  return body;
}

const TEXT_PARAMS = new Set(['q', 'user_id', 'session_id']);

/** Query-string parameters as the JSON body shape; unknown parameters and filters are rejected. */
export function parseSearchQuery(
  query: Record<string, unknown>,
  attributes: AttributeSettings,
): SearchRequest {
  const body = queryStringBody(query, {
    scalars: SCALAR_PARAMS,
    text: TEXT_PARAMS,
    filters: filterFields(attributes),
    listFilter: (field) => isListFilter(field, attributes),
  });
  return parseSearchBody(body, attributes);
}
