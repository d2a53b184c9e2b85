/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the zod schemas the routes
 * validate with (zod-to-openapi), served at `GET /openapi.json` and rendered by the docs
 * page at `/docs`. The search filters depend on mappings/attributes.yaml, so the document
 * is built for the attribute settings in force (once per version of the file). OPERATIONS
 * is the route table: the test walks the express router and requires an entry for every
 * route, and sends every documented example to the service. The operations live in
 * openapi/, one file per route group.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { AttributeSettings } from '../merchandising/attributes.ts';
import type { SearchSnapshot } from '../retrieval/stages/stage.ts';
import { adminOperations } from './openapi/admin-operations.ts';
import { consoleOperations } from './openapi/console-operations.ts';
import { type Access, errorResponse, type Operation } from './openapi/operation.ts';
import { searchOperations } from './openapi/search-operations.ts';
import { serviceOperations } from './openapi/service-operations.ts';
import { shopperDataOperations } from './openapi/shopper-data-operations.ts';

export type { Operation, OperationExample } from './openapi/operation.ts';

/** Every route of the app, for these attribute settings. */
export function operations(attributes: AttributeSettings): Operation[] {
  return [
    ...searchOperations(attributes),
    ...shopperDataOperations(),
    ...adminOperations(),
    ...consoleOperations(),
    ...serviceOperations(),
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
