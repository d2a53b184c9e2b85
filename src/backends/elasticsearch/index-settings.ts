/**
 * The index definition (settings + mappings) the service creates every versioned index
 * from: `mappings/elasticsearch/settings.json` and `mappings.json`, validated, with the
 * vector size and embedder filled in from the configured embedder and the ingest pipeline
 * set as the index's default pipeline.
 */
import path from 'node:path';
import type { estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import { readJsonFile } from './json-file.ts';

export interface IndexDefinition {
  settings: estypes.IndicesIndexSettings;
  mappings: estypes.MappingTypeMapping;
}

export interface IndexDefinitionOptions {
  /** Directory holding settings.json and mappings.json. */
  dir: string;
  embedder: { id: string; dimensions: number };
  /** Ingest pipeline every write goes through. */
  pipelineId: string;
}

/** Fields the service's queries, filters, sorts and facets read: a mapping must define them. */
export const QUERIED_FIELDS = {
  id: 'keyword',
  title: 'text',
  description: 'text',
  brand: 'keyword',
  category: 'text',
  category_prefixes: 'keyword',
  category_levels: 'object',
  attributes_text: 'text',
  attribute_values: 'flattened',
  attribute_numbers: 'nested',
  price: 'double',
  in_stock: 'boolean',
  rating: 'float',
  review_count: 'integer',
  popularity: 'double',
  created_at: 'date',
  content_hash: 'keyword',
  vector: 'dense_vector',
} as const;

const fieldSchema = z.looseObject({ type: z.string().optional() });

const settingsSchema = z
  .looseObject({ analysis: z.looseObject({}).optional() })
  .refine((s) => !('default_pipeline' in s) && !('index.default_pipeline' in s), {
    message: 'default_pipeline is set by the service (the pipeline from pipelines/); remove it',
  });

const mappingsSchema = z.looseObject({
  properties: z.record(z.string(), fieldSchema).superRefine((properties, ctx) => {
    for (const [field, type] of Object.entries(QUERIED_FIELDS)) {
      const actual = properties[field]?.type ?? (properties[field] ? 'object' : undefined);
      if (actual === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `missing; the service queries it as ${type}`,
        });
      } else if (actual !== type) {
        ctx.addIssue({
          code: 'custom',
          path: [field, 'type'],
          message: `is ${actual}; the service queries it as ${type}`,
        });
      }
    }
    if (properties.vector && 'dims' in properties.vector) {
      ctx.addIssue({
        code: 'custom',
        path: ['vector', 'dims'],
        message: 'remove dims: the vector size comes from the configured embedder',
      });
    }
  }),
});

export function loadIndexDefinition(options: IndexDefinitionOptions): IndexDefinition {
  // The files are data people edit; once validated they are handed to the client as its types.
  const settings = readJsonFile(
    path.join(options.dir, 'settings.json'),
    settingsSchema,
  ) as estypes.IndicesIndexSettings;
  const mappings = readJsonFile(
    path.join(options.dir, 'mappings.json'),
    mappingsSchema,
  ) as estypes.MappingTypeMapping;
  return withEmbedder(
    { settings: { ...settings, default_pipeline: options.pipelineId }, mappings },
    options.embedder,
  );
}

/** The search analyzer's synonym filter, defined by the service: it reads the alias's synonym set. */
export const SYNONYM_FILTER = 'product_synonyms';

export function synonymsSetId(alias: string): string {
  return `${alias}-synonyms`;
}

/**
 * The definition with the synonym filter on `setId` (a synonym set, updated through the
 * synonyms API; an update reloads the search analyzers without reindexing).
 */
export function withSynonymsSet(definition: IndexDefinition, setId: string): IndexDefinition {
  const analysis = (definition.settings.analysis ?? {}) as estypes.IndicesIndexSettingsAnalysis;
  return {
    mappings: definition.mappings,
    settings: {
      ...definition.settings,
      analysis: {
        ...analysis,
        filter: {
          ...analysis.filter,
          [SYNONYM_FILTER]: { type: 'synonym_graph', synonyms_set: setId, updateable: true },
        },
      },
    },
  };
}

/** The definition with the vector size and embedder id of `embedder` (a reindex may change models). */
export function withEmbedder(
  definition: IndexDefinition,
  embedder: { id: string; dimensions: number },
): IndexDefinition {
  const { mappings } = definition;
  const vector = mappings.properties!.vector as estypes.MappingDenseVectorProperty;
  return {
    settings: definition.settings,
    mappings: {
      ...mappings,
      _meta: { ...mappings._meta, embedder: embedder.id },
      properties: { ...mappings.properties, vector: { ...vector, dims: embedder.dimensions } },
    },
  };
}
