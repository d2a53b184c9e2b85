import { type RequestHandler, Router } from 'express';
import type { CatalogService, IngestReport } from '../../catalog/catalog-service.ts';
import { ServiceError } from '../../main/errors.ts';
import { bulkRecords, bulkStatus, ndjsonBatches } from '../bulk-body.ts';
import { decodablePathParams } from '../path-params.ts';
import { isNdjson, jsonBody } from '../request-bodies.ts';
import { toWire } from '../wire.ts';
import { requireKeyWhenSet } from './admin.ts';

export const MAX_RECORDS_PER_REQUEST = 10_000;
/** NDJSON uploads are validated, embedded and stored this many records at a time. */
const STREAM_BATCH = 1000;

function addReport(total: IngestReport, part: IngestReport): IngestReport {
  return {
    received: total.received + part.received,
    accepted: total.accepted + part.accepted,
    rejected: total.rejected + part.rejected,
    created: total.created + part.created,
    updated: total.updated + part.updated,
    unchanged: total.unchanged + part.unchanged,
    ...((total.demoRemoved ?? 0) + (part.demoRemoved ?? 0) > 0 && {
      demoRemoved: (total.demoRemoved ?? 0) + (part.demoRemoved ?? 0),
    }),
    errors: [...total.errors, ...part.errors],
  };
}

export function productRoutes(
  catalog: CatalogService,
  apiKey: string | undefined,
  options: { guard: RequestHandler; bodyBytes: number },
): Router {
  const router = Router();
  const writer = requireKeyWhenSet(apiKey);
  router.use(decodablePathParams(['/v1/products/:id']));
  // NDJSON streams through in batches: a catalog upload never sits in memory whole.
  const streamNdjson: RequestHandler = async (req, res, next) => {
    if (!isNdjson(req.headers['content-type'])) return next();
    let report: IngestReport = {
      received: 0,
      accepted: 0,
      rejected: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      errors: [],
    };
    const batches = ndjsonBatches(req, {
      maxBytes: options.bodyBytes,
      maxRecords: MAX_RECORDS_PER_REQUEST,
      batchSize: STREAM_BATCH,
    });
    for await (const batch of batches)
      report = addReport(report, await catalog.ingest(batch, report.received));
    res.status(bulkStatus(report)).json(toWire(report));
  };
  router.post(
    '/v1/products',
    writer,
    options.guard,
    streamNdjson,
    jsonBody(options.bodyBytes),
    async (req, res) => {
      const records = bulkRecords(req.body, req.headers['content-type'], 'product', MAX_RECORDS_PER_REQUEST);
      const report = await catalog.ingest(records);
      res.status(bulkStatus(report)).json(toWire(report));
    },
  );
  router.get<{ id: string }>('/v1/products/:id', options.guard, async (req, res) => {
    const product = await catalog.get(req.params.id);
    if (!product) throw new ServiceError('not_found', `no product with id "${req.params.id}"`);
    res.json(product);
  });
  router.delete<{ id: string }>('/v1/products/:id', writer, options.guard, async (req, res) => {
    if (!(await catalog.delete(req.params.id))) {
      throw new ServiceError('not_found', `no product with id "${req.params.id}"`);
    }
    res.status(204).end();
  });
  return router;
}
