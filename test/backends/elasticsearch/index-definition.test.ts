import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIndexDefinition } from '../../../src/backends/elasticsearch/index-settings.ts';
import { ingestPipelineId, loadIngestPipeline } from '../../../src/backends/elasticsearch/ingest-pipeline.ts';
import { findMappingConflicts } from '../../../src/backends/elasticsearch/mapping-conflicts.ts';
import { toSearchDocument } from '../../../src/backends/elasticsearch/search-document.ts';
import { productContentHash, productSchema } from '../../../src/catalog/product.ts';
import { hasMagnitude } from '../../../src/embeddings/embedder.ts';
import { ConfigFileError } from '../../../src/main/config-file.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

const MAPPINGS_DIR = path.resolve('mappings/elasticsearch');

function copyDefinition(edit: (mappings: Record<string, unknown>) => void): string {
  const dir = temporaryDirectory();
  fs.copyFileSync(path.join(MAPPINGS_DIR, 'settings.json'), path.join(dir, 'settings.json'));
  const mappings = JSON.parse(fs.readFileSync(path.join(MAPPINGS_DIR, 'mappings.json'), 'utf8'));
  edit(mappings);
  fs.writeFileSync(path.join(dir, 'mappings.json'), JSON.stringify(mappings));
  return dir;
}

describe('index definition (mappings/elasticsearch)', () => {
  it('fills the vector size and embedder from the configured embedder and sets the default pipeline', () => {
    const definition = loadIndexDefinition({
      dir: MAPPINGS_DIR,
      embedder: { id: 'hashing-ngram-v1:d384', dimensions: 384 },
      pipelineId: 'products-ingest',
    });
    expect(definition.settings.default_pipeline).toBe('products-ingest');
    expect(definition.settings.analysis?.analyzer?.product_english).toMatchObject({ tokenizer: 'standard' });
    expect(definition.mappings.properties?.vector).toEqual({
      type: 'dense_vector',
      element_type: 'float',
      dims: 384,
      index: true,
      similarity: 'cosine',
      index_options: { type: 'hnsw', m: 16, ef_construction: 100 },
    });
    expect(definition.mappings._meta).toEqual({ embedder: 'hashing-ngram-v1:d384' });
    expect(definition.mappings.properties?.title).toMatchObject({ fields: { cjk: { analyzer: 'cjk' } } });
    expect(definition.mappings.properties?.suggest).toMatchObject({ type: 'completion' });
  });

  it('agrees with itself: no conflicts between the definition and an index made from it', () => {
    const definition = loadIndexDefinition({
      dir: MAPPINGS_DIR,
      embedder: { id: 'e', dimensions: 8 },
      pipelineId: 'p',
    });
    expect(findMappingConflicts(definition.mappings, definition.mappings)).toEqual([]);
  });

  it('names the file and field when a field the queries need is missing or retyped', () => {
    const dir = copyDefinition((m) => {
      const properties = m.properties as Record<string, unknown>;
      delete properties.category_prefixes;
      properties.price = { type: 'keyword' };
    });
    const load = () => loadIndexDefinition({ dir, embedder: { id: 'e', dimensions: 8 }, pipelineId: 'p' });
    expect(load).toThrow(ConfigFileError);
    expect(load).toThrow(/mappings\.json properties\.category_prefixes: missing/);
    expect(load).toThrow(/properties\.price\.type: is keyword; the service queries it as double/);
  });

  it('refuses a vector size written into the file', () => {
    const dir = copyDefinition((m) => {
      (m.properties as { vector: Record<string, unknown> }).vector.dims = 128;
    });
    expect(() => loadIndexDefinition({ dir, embedder: { id: 'e', dimensions: 8 }, pipelineId: 'p' })).toThrow(
      /vector size comes from the configured embedder/,
    );
  });

  it('reports invalid JSON with the file name', () => {
    const dir = temporaryDirectory();
    fs.writeFileSync(path.join(dir, 'settings.json'), '{ "number_of_shards": 1, }');
    expect(() => loadIndexDefinition({ dir, embedder: { id: 'e', dimensions: 8 }, pipelineId: 'p' })).toThrow(
      /settings\.json is not valid JSON/,
    );
  });
});

describe('ingest pipeline (pipelines/)', () => {
  it('loads the pipeline under an id of its alias', () => {
    const pipeline = loadIngestPipeline(path.resolve('pipelines'), 'shop');
    expect(pipeline.id).toBe(ingestPipelineId('shop'));
    expect(pipeline.id).toBe('shop-ingest');
    expect(pipeline.processors).toContainEqual({
      set: expect.objectContaining({ field: 'indexed_at', value: '{{{_ingest.timestamp}}}' }),
    });
  });

  it('refuses a pipeline without processors', () => {
    const dir = temporaryDirectory();
    fs.writeFileSync(path.join(dir, 'products.json'), JSON.stringify({ description: 'x', processors: [] }));
    expect(() => loadIngestPipeline(dir, 'shop')).toThrow(/at least one processor/);
  });
});

describe('search documents', () => {
  const product = productSchema.parse({
    id: 'drill-1',
    title: 'DeWalt 20V Drill\u001f',
    brand: 'DeWalt',
    category: 'Tools > Power Tools > Drills',
    attributes: { voltage: '20V', colors: ['yellow', 'black'], cordless: true, weight_kg: 1.6 },
    price: 99,
  });

  it('keeps the product and adds the fields filters, facets and BM25 use', () => {
    const document = toSearchDocument({
      product,
      contentHash: productContentHash(product),
      vector: new Float32Array([0.6, 0.8]),
    });
    expect(document).toMatchObject(product);
    expect(document).toMatchObject({
      content_hash: productContentHash(product),
      category_path: 'Tools > Power Tools > Drills',
      category_prefixes: ['Tools', 'Tools > Power Tools', 'Tools > Power Tools > Drills'],
      category_levels: { l1: 'Tools', l2: 'Tools > Power Tools', l3: 'Tools > Power Tools > Drills' },
      // Values are searched; a flag's key and a number's key say what they mean.
      attributes_text: '20V yellow black cordless weight_kg 1.6',
      // Filters and facets: every value as text under its key, numbers as key/value pairs.
      attribute_values: {
        voltage: ['20V'],
        colors: ['yellow', 'black'],
        cordless: ['true'],
        weight_kg: ['1.6'],
      },
      attribute_numbers: [{ key: 'weight_kg', value: 1.6 }],
      // Completion inputs must not carry the field's reserved characters.
      suggest: { input: ['DeWalt 20V Drill', 'DeWalt'] },
    });
    expect(document.vector?.[0]).toBeCloseTo(0.6);
  });

  it('leaves out what a bare product lacks, and a zero vector', () => {
    const bare = productSchema.parse({ id: 'bare-1', title: 'Deck Screws' });
    const document = toSearchDocument({ product: bare, contentHash: 'h', vector: new Float32Array(4) });
    expect(document).toEqual({
      id: 'bare-1',
      title: 'Deck Screws',
      content_hash: 'h',
      suggest: { input: ['Deck Screws'] },
    });
    expect(hasMagnitude(new Float32Array(4))).toBe(false);
    expect(hasMagnitude(new Float32Array([0, 0.1]))).toBe(true);
  });
});
