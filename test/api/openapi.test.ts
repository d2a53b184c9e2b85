/**
 * The OpenAPI description: served at /openapi.json, it describes every route the express
 * app has (walked from the router stack, so a new route without a description fails
 * here), and every documented example validates against the zod schema the route uses and
 * is answered by the service with a documented status and response shape.
 */
import { execFileSync } from 'node:child_process';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Operation, openApiPath, operations } from '../../src/api/openapi.ts';
import { parseSearchQuery } from '../../src/api/search-params.ts';
import { demoProducts } from '../../src/catalog/demo-catalog.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const KEY = 'openapi-test-key';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD path` an express app routes, from its router stack (routers mounted at /). */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths)
          for (const method of Object.keys(layer.route.methods))
            found.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

function queryString(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function url(op: Operation): string {
  let path = op.path;
  for (const [name, value] of Object.entries(op.example?.params ?? {}))
    path = path.replace(`:${name}`, encodeURIComponent(value));
  return path + queryString(op.example?.query);
}

describe('OpenAPI description', () => {
  let runtime: Runtime;
  let app: Express;
  let documented: Operation[];
  let doc: {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { example?: unknown }> } }>
    >;
  };
  beforeAll(async () => {
    runtime = await createTestRuntime({ EMBEDDER: 'hashing', ADMIN_API_KEY: KEY });
    await runtime.catalog.ingest(demoProducts().slice(0, 60));
    app = runtime.createApp();
    documented = operations(runtime.mappings.current.attributes);
    doc = (await request(app).get('/openapi.json').expect(200).expect('Content-Type', /json/)).body;
  });
  afterAll(async () => {
    await runtime.close();
  });

  it('has a docs page that renders it from this origin only (no CDN)', async () => {
    execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'ignore' });
    const res = await request(app).get('/docs').expect(200).expect('Content-Type', /html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.text).toContain('/assets/docs.js');
    await request(app).get('/assets/docs.js').expect(200);
  });

  it('is OpenAPI 3.1 with the attribute filters of attributes.yaml', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const search = doc.paths['/v1/search']?.get as unknown as { parameters: { name: string }[] };
    const names = search.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['q', 'filter.brand', 'filter.price_max', 'facets']));
    for (const [key, setting] of Object.entries(runtime.mappings.current.attributes.attributes)) {
      if (!setting.filter) continue;
      const params =
        setting.type === 'range' ? [`filter.${key}_min`, `filter.${key}_max`] : [`filter.${key}`];
      expect(names).toEqual(expect.arrayContaining(params));
    }
  });

  it('describes every route of the app, and nothing the app does not route', () => {
    const routes = expressRoutes(app);
    expect(routes.length).toBeGreaterThan(15);
    const described = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(new Set(routes.map((r) => r.replace(/:(\w+)/g, '{$1}')))).toEqual(new Set(described));
    expect(new Set(documented.map((op) => `${op.method.toUpperCase()} ${op.path}`))).toEqual(new Set(routes));
  });

  it('shows the request examples in the document', () => {
    for (const op of documented) {
      if (op.example?.body === undefined) continue;
      const content = doc.paths[openApiPath(op.path)]?.[op.method]?.requestBody?.content['application/json'];
      expect(content?.example, `${op.method} ${op.path}`).toEqual(op.example.body);
    }
  });

  it('documents an example for every operation, each valid against the route’s zod schemas', () => {
    for (const op of documented) {
      const name = `${op.method} ${op.path}`;
      if (op.tag === 'pages') continue;
      expect(op.example, name).toBeDefined();
      if (op.query) expect(op.query.safeParse(op.example?.query ?? {}).error, name).toBeUndefined();
      if (op.params) expect(op.params.safeParse(op.example?.params).error, name).toBeUndefined();
      if (op.body) expect(op.body.schema.safeParse(op.example?.body).error, name).toBeUndefined();
    }
    // The query string of GET /v1/search goes through its own parser into the body schema.
    const search = documented.find((op) => op.method === 'get' && op.path === '/v1/search')!;
    const query = Object.fromEntries(new URLSearchParams(queryString(search.example?.query).slice(1)));
    expect(() => parseSearchQuery(query, runtime.mappings.current.attributes)).not.toThrow();
  });

  it('rejects what the schemas forbid, so the examples check means something', () => {
    const suggest = documented.find((op) => op.path === '/v1/suggest')!;
    expect(suggest.query!.safeParse({ q: 'dr', size: 500 }).success).toBe(false);
    const products = documented.find((op) => op.method === 'post' && op.path === '/v1/products')!;
    expect(products.body!.schema.safeParse([{ id: 'x' }]).success).toBe(false);
  });

  it('answers every example with a documented status and response shape', async () => {
    // Writes first, deletes last: the product the examples read is the one they create.
    const order = (op: Operation) => (op.method === 'delete' ? 2 : op.method === 'post' ? 0 : 1);
    for (const op of [...documented].sort((a, b) => order(a) - order(b))) {
      const name = `${op.method} ${op.path}`;
      if (op.tag === 'pages') continue;
      let call = request(app)[op.method](url(op));
      if (op.access !== 'public') call = call.set('X-API-Key', KEY);
      const res = op.example?.body !== undefined ? await call.send(op.example.body as object) : await call;
      const documentedResponse = op.responses[res.status];
      expect(documentedResponse, `${name} answered ${res.status}: ${JSON.stringify(res.body)}`).toBeDefined();
      if (documentedResponse?.schema) {
        expect(documentedResponse.schema.safeParse(res.body).error, name).toBeUndefined();
      }
    }
  });
});
