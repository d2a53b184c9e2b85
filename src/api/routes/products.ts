import { Router } from 'express';
import type { CatalogService } from '../../catalog/catalog-service.ts';
import { ServiceError } from '../../main/errors.ts';
import { bulkRecords, bulkStatus, ndjsonBody } from '../bulk-body.ts';
import { toWire } from '../wire.ts';
import { requireKeyWhenSet } from './admin.ts';

export const MAX_RECORDS_PER_REQUEST = 10_000;

export function productRoutes(catalog: CatalogService, apiKey: string | undefined): Router {
  const router = Router();
  const writer = requireKeyWhenSet(apiKey);
  router.post('/v1/products', writer, ndjsonBody, async (req, res) => {
    const records = bulkRecords(req.body, req.headers['content-type'], 'product', MAX_RECORDS_PER_REQUEST);
    const report = await catalog.ingest(records);
    res.status(bulkStatus(report)).json(toWire(report));
  });
  router.get('/v1/products/:id', async (req, res) => {
    const product = await catalog.get(req.params.id);
    if (!product) throw new ServiceError('not_found', `no product with id "${req.params.id}"`);
    res.json(product);
  });
  router.delete<{ id: string }>('/v1/products/:id', writer, async (req, res) => {
    if (!(await catalog.delete(req.params.id))) {
      throw new ServiceError('not_found', `no product with id "${req.params.id}"`);
    }
    res.status(204).end();
  });
  return router;
}
