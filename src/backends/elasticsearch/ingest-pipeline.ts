/**
 * The ingest pipeline from `pipelines/products.json`, installed by the service at start-up
 * and named by every index it creates as `index.default_pipeline`.
 */
import path from 'node:path';
import type { Client, estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import { readJsonFile } from './json-file.ts';

export type IngestPipeline = estypes.IngestPutPipelineRequest & { id: string };

const PIPELINE_FILE = 'products.json';

const pipelineSchema = z.strictObject({
  description: z.string().optional(),
  version: z.number().int().nonnegative().optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
  processors: z.array(z.record(z.string(), z.unknown())).min(1, 'a pipeline needs at least one processor'),
  on_failure: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** One pipeline per alias, so two services sharing a cluster never overwrite each other's. */
export function ingestPipelineId(alias: string): string {
  return `${alias}-ingest`;
}

export function loadIngestPipeline(dir: string, alias: string): IngestPipeline {
  const body = readJsonFile(path.join(dir, PIPELINE_FILE), pipelineSchema);
  // Validated shape; the processors themselves are checked by Elasticsearch when installed.
  return { id: ingestPipelineId(alias), ...(body as Omit<estypes.IngestPutPipelineRequest, 'id'>) };
}

export async function installIngestPipeline(client: Client, pipeline: IngestPipeline): Promise<void> {
  await client.ingest.putPipeline(pipeline);
}
