/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the zod schemas the routes
 * validate with (zod-to-openapi), served at `GET /openapi.json` and rendered by the docs
 * page at `/docs`. The search filters depend on mappings/attributes.yaml, so the document
 * is built for the attribute settings in force (once per version of the file). OPERATIONS
 * is the route table: the test walks the express router and requires an entry for every
 * route, and sends every documented example to the service.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { productSchema } from '../catalog/product.ts';
import { JOB_NAMES } from '../jobs/job-store.ts';
import type { AttributeSettings } from '../merchandising/attributes.ts';
import type { SearchSnapshot } from '../retrieval/stages/stage.ts';
import { eventSchema, MAX_EVENTS_PER_REQUEST } from '../users/events.ts';
import { PAGE_PATHS } from './pages.ts';
import { runsQuery } from './routes/admin.ts';
import { previewBody, validateBody } from './routes/merchandising.ts';
import { MAX_RECORDS_PER_REQUEST } from './routes/products.ts';
import { recommendationQueries } from './routes/recommendations.ts';
import { suggestQuery } from './routes/suggest.ts';
import { searchBodySchema, searchQueryParameters } from './search-params.ts';

type Method = 'get' | 'post' | 'delete';
type Access = 'public' | 'key_when_set' | 'admin';

/** A documented example request: what the test sends, and what the docs page shows. */
export interface OperationExample {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface Operation {
  method: Method;
  /** The express route template (`/v1/products/:id`). */
  path: string;
  tag: string;
  summary: string;
  access: Access;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: { schema: z.ZodType; description?: string; ndjson?: boolean };
  /** Successful statuses and what each answers; errors are added from the access level. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  example?: OperationExample;
}

const errorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), rule: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error: the code, a message, and each field and rule broken.' });

const recordErrors = z.array(
  z.object({
    index: z.number().int(),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
  }),
);

const batchReport = z
  .looseObject({ received: z.number().int(), accepted: z.number().int(), errors: recordErrors })
  .meta({
    id: 'BatchReport',
    description: 'Each record validated on its own; rejected ones listed by index.',
  });

const searchResponse = z
  .looseObject({
    query_id: z.string().nullable().meta({ description: 'Send it with the events of this result list.' }),
    q: z.string(),
    total: z.number().int(),
    page: z.number().int(),
    size: z.number().int(),
    hits: z.array(
      z.looseObject({ id: z.string(), score: z.number(), product: z.looseObject({ id: z.string() }) }),
    ),
    facets: z.record(z.string(), z.array(z.looseObject({ count: z.number().int() }))),
    did_you_mean: z.string().optional(),
  })
  .meta({ id: 'SearchResponse', description: 'Fields in full: docs/api.md.' });

const suggestResponse = z
  .object({
    q: z.string(),
    suggestions: z.array(z.object({ text: z.string(), source: z.string() })),
    took_ms: z.number(),
  })
  .meta({ id: 'SuggestResponse' });

const recommendationResponse = z
  .looseObject({
    kind: z.enum(['similar', 'bought_together', 'feed', 'trending']),
    strategy: z.string(),
    hits: z.array(
      z.looseObject({ id: z.string(), score: z.number(), product: z.looseObject({ id: z.string() }) }),
    ),
  })
  .meta({ id: 'RecommendationResponse', description: 'Fields in full: docs/api.md, Recommendations.' });

const anyObject = z.looseObject({});
/** Batch bodies: one record or a JSON array of them (NDJSON is the other content type). */
const oneOrMany = (record: z.ZodType, max: number) => z.union([record, z.array(record).min(1).max(max)]);
const idParam = (name: string, example: string) =>
  z.object({ [name]: z.string().min(1).max(256).meta({ example }) });

const SEARCH_EXAMPLE = { q: 'cordless drill', 'filter.brand': ['Bosch'], size: 5, sort: 'relevance' };
const EVENT_EXAMPLE = {
  event_id: 'e-1',
  type: 'click',
  session_id: 's-1',
  query_id: '12771211-c704-4e05-b1a4-0e05a559b5ed',
  product_id: 'demo-0027',
  position: 1,
  timestamp: '2025-01-01T12:00:00Z',
};
const PRODUCT_EXAMPLE = {
  id: 'sku-1',
  title: 'Bosch 18V Cordless Drill',
  brand: 'Bosch',
  category: 'Tools > Power Tools > Drills',
  price: 99.5,
  currency: 'USD',
  in_stock: true,
};

/** Every route of the app, for these attribute settings. */
export function operations(attributes: AttributeSettings): Operation[] {
  const searchBody = searchBodySchema(attributes);
  const pages: Operation[] = PAGE_PATHS.map((path) => ({
    method: 'get',
    path,
    tag: 'pages',
    summary: `The ${path === '/' ? 'search' : path.slice(1)} page (HTML)`,
    access: 'public',
    responses: { 200: { description: 'The page', contentType: 'text/html' } },
  }));
  return [
    {
      method: 'get',
      path: '/v1/search',
      tag: 'search',
      summary: 'Search the catalog (query string)',
      access: 'public',
      query: searchQueryParameters(attributes),
      responses: { 200: { description: 'One page of ranked results with facets', schema: searchResponse } },
      example: { query: SEARCH_EXAMPLE },
    },
    {
      method: 'post',
      path: '/v1/search',
      tag: 'search',
      summary: 'Search the catalog (JSON body)',
      access: 'public',
      body: { schema: searchBody },
      responses: { 200: { description: 'One page of ranked results with facets', schema: searchResponse } },
      example: { body: { q: 'cordless drill', filters: { brand: ['Bosch'], price_max: 200 }, size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/suggest',
      tag: 'search',
      summary: 'Autocomplete a prefix',
      access: 'public',
      query: suggestQuery,
      responses: { 200: { description: 'Suggestions, best first', schema: suggestResponse } },
      example: { query: { q: 'dril', size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/products/:id/similar',
      tag: 'recommendations',
      summary: 'Products like this one: vector neighbours blended with co-clicks, diversified',
      access: 'public',
      params: idParam('id', 'sku-1'),
      query: recommendationQueries(attributes).product,
      responses: { 200: { description: 'Similar products, best first', schema: recommendationResponse } },
      example: { params: { id: 'sku-1' }, query: { size: 5, 'filter.in_stock': true } },
    },
    {
      method: 'get',
      path: '/v1/products/:id/bought-together',
      tag: 'recommendations',
      summary: 'Products bought with this one; complementary, then sibling, categories when thin',
      access: 'public',
      params: idParam('id', 'sku-1'),
      query: recommendationQueries(attributes).product,
      responses: {
        200: { description: 'Products bought together, best first', schema: recommendationResponse },
      },
      example: { params: { id: 'sku-1' }, query: { size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/recommendations',
      tag: 'recommendations',
      summary: "A home feed from the user's and the session's profile (trending for a new shopper)",
      access: 'public',
      query: recommendationQueries(attributes).feed,
      responses: { 200: { description: 'The feed', schema: recommendationResponse } },
      example: { query: { session_id: 's-1', size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/trending',
      tag: 'recommendations',
      summary: 'Trending products, for the catalog or one category',
      access: 'public',
      query: recommendationQueries(attributes).trending,
      responses: { 200: { description: 'Trending products', schema: recommendationResponse } },
      example: { query: { category: 'Tools', size: 5 } },
    },
    {
      method: 'post',
      path: '/v1/events',
      tag: 'events',
      summary: 'Record shopper events (one, a JSON array, or NDJSON)',
      access: 'public',
      body: { schema: oneOrMany(eventSchema, MAX_EVENTS_PER_REQUEST), ndjson: true },
      responses: {
        200: { description: 'All events stored', schema: batchReport },
        207: { description: 'Some events rejected', schema: batchReport },
        422: { description: 'All events rejected', schema: batchReport },
      },
      example: { body: EVENT_EXAMPLE },
    },
    {
      method: 'get',
      path: '/v1/users/:id/profile',
      tag: 'events',
      summary: "A shopper's profile, learned from events",
      access: 'key_when_set',
      params: idParam('id', 'u-42'),
      responses: { 200: { description: 'The profile', schema: anyObject } },
      example: { params: { id: 'u-42' } },
    },
    {
      method: 'get',
      path: '/v1/sessions/:id/profile',
      tag: 'events',
      summary: "An anonymous session's profile, learned from events with only this session_id",
      access: 'key_when_set',
      params: idParam('id', 's-1'),
      responses: { 200: { description: 'The profile (empty without events)', schema: anyObject } },
      example: { params: { id: 's-1' } },
    },
    {
      method: 'delete',
      path: '/v1/users/:id',
      tag: 'events',
      summary: 'Forget a shopper (erasure)',
      access: 'key_when_set',
      params: idParam('id', 'u-42'),
      responses: { 200: { description: 'How many events were removed', schema: anyObject } },
      example: { params: { id: 'u-42' } },
    },
    {
      method: 'post',
      path: '/v1/products',
      tag: 'products',
      summary: 'Add or update products (one, a JSON array, or NDJSON streamed)',
      access: 'key_when_set',
      body: { schema: oneOrMany(productSchema, MAX_RECORDS_PER_REQUEST), ndjson: true },
      responses: {
        200: { description: 'All products stored', schema: batchReport },
        207: { description: 'Some products rejected', schema: batchReport },
        422: { description: 'All products rejected', schema: batchReport },
      },
      example: { body: [PRODUCT_EXAMPLE] },
    },
    {
      method: 'get',
      path: '/v1/products/:id',
      tag: 'products',
      summary: 'One product as stored',
      access: 'public',
      params: idParam('id', 'sku-1'),
      responses: { 200: { description: 'The product', schema: productSchema } },
      example: { params: { id: 'sku-1' } },
    },
    {
      method: 'delete',
      path: '/v1/products/:id',
      tag: 'products',
      summary: 'Delete a product',
      access: 'key_when_set',
      params: idParam('id', 'sku-1'),
      responses: { 204: { description: 'Deleted' } },
      example: { params: { id: 'sku-1' } },
    },
    {
      method: 'get',
      path: '/v1/admin/merchandising',
      tag: 'merchandising',
      summary: 'The merchandising files in force, with their warnings',
      access: 'admin',
      responses: { 200: { description: 'The report', schema: anyObject } },
      example: {},
    },
    {
      method: 'post',
      path: '/v1/admin/merchandising/validate',
      tag: 'merchandising',
      summary: 'Validate proposed merchandising files',
      access: 'admin',
      body: { schema: validateBody, description: 'File name (rules.yaml, synonyms.txt, ...) to its text' },
      responses: { 200: { description: 'Each file valid, with warnings', schema: anyObject } },
      example: { body: { files: { 'synonyms.txt': 'drill, driver\ncouch, sofa\n' } } },
    },
    {
      method: 'post',
      path: '/v1/admin/merchandising/preview',
      tag: 'merchandising',
      summary: 'Current vs proposed top results per query, with NDCG and click estimates',
      access: 'admin',
      body: { schema: previewBody },
      responses: { 200: { description: 'The preview diff', schema: anyObject } },
      example: { body: { files: {}, queries: ['cordless drill'], size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/admin/jobs',
      tag: 'admin',
      summary: 'Job schedules, last runs and run history',
      access: 'admin',
      query: runsQuery,
      responses: { 200: { description: 'Jobs and runs', schema: anyObject } },
      example: { query: { job: 'suggestions', limit: 5 } },
    },
    {
      method: 'post',
      path: '/v1/admin/jobs/:name/run',
      tag: 'admin',
      summary: 'Run a job now',
      access: 'admin',
      params: z.object({ name: z.enum(JOB_NAMES).meta({ example: 'suggestions' }) }),
      responses: { 202: { description: 'The run started', schema: anyObject } },
      example: { params: { name: 'suggestions' } },
    },
    {
      method: 'delete',
      path: '/v1/admin/suggestions/:text',
      tag: 'admin',
      summary: 'Take a suggestion out of autocomplete',
      access: 'admin',
      params: idParam('text', 'drill bits cheap'),
      responses: { 200: { description: 'Removed', schema: anyObject } },
      example: { params: { text: 'drill bits cheap' } },
    },
    {
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'Liveness',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: anyObject } },
      example: {},
    },
    {
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'Readiness (503 while the backend is unreachable or the service drains)',
      access: 'public',
      responses: { 200: { description: 'Ready', schema: anyObject } },
      example: {},
    },
    {
      method: 'get',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      access: 'public',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      example: {},
    },
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'operations',
      summary: 'This description',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1', schema: anyObject } },
      example: {},
    },
    ...pages,
  ];
}

const ERRORS_BY_ACCESS: Record<Access, number[]> = {
  public: [],
  key_when_set: [401],
  admin: [401, 403],
};

const ERROR_TEXT: Record<number, string> = {
  400: 'A parameter or body field breaks a rule (`details` names each)',
  401: 'Missing or wrong API key',
  403: 'The admin API is off: ADMIN_API_KEY is not set',
  404: 'No such route, product or job',
  413: 'The body is over the route’s limit',
  429: 'Rate limited; Retry-After says when to resume',
  503: 'Overloaded or the backend is unreachable; Retry-After',
};

/** Routes behind a per-client rate limit (app.ts). */
const RATE_LIMITED_PATHS = [
  '/v1/search',
  '/v1/suggest',
  '/v1/events',
  '/v1/recommendations',
  '/v1/trending',
  '/v1/products/:id/similar',
  '/v1/products/:id/bought-together',
];

/** `/v1/products/:id` → `/v1/products/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function withExamples(schema: z.ZodObject, values: Record<string, unknown> | undefined): z.ZodObject {
  if (!values) return schema;
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) =>
      key in values ? [key, (field as z.ZodType).meta({ example: values[key] })] : [key, field],
    ),
  );
  return z.object(shape);
}

function register(registry: OpenAPIRegistry, op: Operation): void {
  const isJson = (path: string) => path.startsWith('/v1/') || path === '/openapi.json';
  const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> =
    {};
  for (const [status, response] of Object.entries(op.responses)) {
    const contentType = response.contentType ?? 'application/json';
    responses[status] = {
      description: response.description,
      ...(response.schema && { content: { [contentType]: { schema: response.schema } } }),
      ...(!response.schema && response.contentType && { content: { [contentType]: { schema: z.string() } } }),
    };
  }
  const errors = [
    ...(op.query || op.params || op.body ? [400] : []),
    ...ERRORS_BY_ACCESS[op.access],
    ...(op.params ? [404] : []),
    ...(op.body ? [413] : []),
    ...(op.path.startsWith('/v1/') ? [503] : []),
    ...(RATE_LIMITED_PATHS.includes(op.path) ? [429] : []),
  ];
  if (isJson(op.path)) {
    for (const status of errors)
      responses[status] = {
        description: ERROR_TEXT[status]!,
        content: { 'application/json': { schema: errorResponse } },
      };
  }
  const example = op.example;
  const body = op.body && {
    required: true,
    ...(op.body.description && { description: op.body.description }),
    content: {
      'application/json': {
        schema: op.body.schema,
        ...(example?.body !== undefined && { example: example.body }),
      },
      ...(op.body.ndjson && {
        'application/x-ndjson': { schema: z.string().meta({ description: 'one JSON record per line' }) },
      }),
    },
  };
  registry.registerPath({
    method: op.method,
    path: openApiPath(op.path),
    tags: [op.tag],
    summary: op.summary,
    ...(op.access !== 'public' && {
      security:
        op.access === 'admin' ? [{ apiKey: [] }, { bearer: [] }] : [{ apiKey: [] }, { bearer: [] }, {}],
    }),
    request: {
      ...(op.query && { query: withExamples(op.query, example?.query) }),
      ...(op.params && { params: withExamples(op.params, example?.params) }),
      ...(body && { body }),
    },
    responses,
  });
}

function buildDocument(attributes: AttributeSettings) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  for (const op of operations(attributes)) register(registry, op);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Hybrid product search',
      version: '0.1.0',
      description:
        'Hybrid (BM25 + vector) product search with learning to rank, autocomplete, recommendations, events and merchandising. ' +
        'snake_case JSON throughout; every error is `{error: {code, message, details}}`. ' +
        'Admin endpoints need ADMIN_API_KEY (`X-API-Key` or `Authorization: Bearer`); ' +
        'catalog writes and shopper data need it once it is set.',
    },
    servers: [{ url: '/' }],
  });
}

type OpenApiDocument = ReturnType<typeof buildDocument>;
const documents = new WeakMap<AttributeSettings, OpenApiDocument>();

export function openApiDocument(attributes: AttributeSettings): OpenApiDocument {
  let document = documents.get(attributes);
  if (!document) {
    document = buildDocument(attributes);
    documents.set(attributes, document);
  }
  return document;
}

export function openApiRoutes(settings: () => SearchSnapshot): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(settings().attributes));
  });
  return router;
}
