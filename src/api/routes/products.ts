import express, { Router } from 'express';
import type { CatalogService } from '../../catalog/catalog-service.ts';
import { parseNdjsonLine, splitNdjson } from '../../catalog/record-files.ts';
import { ApiError } from '../errors.ts';

export const MAX_RECORDS_PER_REQUEST = 10_000;
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

function recordsOf(body: unknown, contentType: string | undefined): unknown[] {
  if (contentType && NDJSON_TYPES.some((t) => contentType.startsWith(t))) {
    return splitNdjson(typeof body === 'string' ? body : '').map(parseNdjsonLine);
  }
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object' && Object.keys(body).length > 0) return [body];
  throw new ApiError(
    400,
    'invalid_request',
    'the body must be a product object, a JSON array of products, or NDJSON (Content-Type: application/x-ndjson)',
    [{ field: '(body)', rule: 'type', message: 'expected a product, an array of products or NDJSON lines' }],
  );
}

export function productRoutes(catalog: CatalogService): Router {
  const router = Router();
  router.post('/v1/products', express.text({ type: NDJSON_TYPES, limit: '64mb' }), async (req, res) => {
    const records = recordsOf(req.body, req.headers['content-type']);
    if (records.length > MAX_RECORDS_PER_REQUEST) {
      throw new ApiError(413, 'too_many_records', `at most ${MAX_RECORDS_PER_REQUEST} products per request`, [
        { field: '(body)', rule: 'max_records', message: `got ${records.length} records` },
      ]);
    }
    const report = await catalog.ingest(records);
    const status = report.rejected === 0 ? 200 : report.accepted === 0 ? 422 : 207;
    res.status(status).json(report);
  });
  router.get('/v1/products/:id', async (req, res) => {
    const product = await catalog.get(req.params.id);
    if (!product) throw new ApiError(404, 'not_found', `no product with id "${req.params.id}"`);
    res.json(product);
  });
  router.delete('/v1/products/:id', async (req, res) => {
    if (!(await catalog.delete(req.params.id))) {
      throw new ApiError(404, 'not_found', `no product with id "${req.params.id}"`);
    }
    res.status(204).end();
  });
  return router;
}
