import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import {
  findMappingConflicts,
  MappingConflictError,
} from '../../../src/backends/elasticsearch/mapping-conflicts.ts';

const expected: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: { embedder: 'hashing-ngram-v1:d256' },
  properties: {
    title: { type: 'text', analyzer: 'product_english', fields: { cjk: { type: 'text', analyzer: 'cjk' } } },
    brand: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'product_english' } } },
    price: { type: 'double' },
    category_levels: { properties: { l1: { type: 'keyword' }, l2: { type: 'keyword' } } },
    attributes: { type: 'object', enabled: false },
    vector: {
      type: 'dense_vector',
      dims: 256,
      index: true,
      similarity: 'cosine',
      index_options: { type: 'hnsw', m: 16, ef_construction: 100 },
    },
  },
};

/** What GET _mapping returns for an index created from `expected`: defaults left out, objects untyped. */
const live: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: { embedder: 'hashing-ngram-v1:d256' },
  properties: {
    title: { type: 'text', analyzer: 'product_english', fields: { cjk: { type: 'text', analyzer: 'cjk' } } },
    brand: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'product_english' } } },
    price: { type: 'double' },
    category_levels: { properties: { l1: { type: 'keyword' }, l2: { type: 'keyword' } } },
    attributes: { type: 'object', enabled: false },
    vector: {
      type: 'dense_vector',
      dims: 256,
      similarity: 'cosine',
      index_options: { type: 'hnsw', m: 16, ef_construction: 100 },
    },
    indexed_at: { type: 'date' },
  },
};

function withProperty(name: string, property: estypes.MappingProperty): estypes.MappingTypeMapping {
  return { ...live, properties: { ...live.properties, [name]: property } };
}

describe('mapping conflicts', () => {
  it('finds none between a definition and the index made from it (defaults omitted, extra fields ignored)', () => {
    expect(findMappingConflicts(expected, live)).toEqual([]);
  });

  it('names a vector of another size', () => {
    const other = withProperty('vector', { type: 'dense_vector', dims: 384, similarity: 'cosine' });
    expect(findMappingConflicts(expected, other)).toEqual([
      'field "vector": dims is 384 in the index but 256 is expected',
    ]);
  });

  it('names a field whose type changed, without listing its sub-fields too', () => {
    const other = withProperty('brand', { type: 'text' });
    expect(findMappingConflicts(expected, other)).toEqual([
      'field "brand": type is "text" in the index but "keyword" is expected',
    ]);
  });

  it('names a changed analyzer, in a sub-field as well', () => {
    const other = withProperty('title', {
      type: 'text',
      analyzer: 'standard',
      fields: { cjk: { type: 'text', analyzer: 'standard' } },
    });
    expect(findMappingConflicts(expected, other)).toEqual([
      'field "title": analyzer is "standard" in the index but "product_english" is expected',
    ]);
    const subField = withProperty('title', { type: 'text', analyzer: 'product_english' });
    expect(findMappingConflicts(expected, subField)).toEqual(['field "title.cjk" is missing from the index']);
  });

  it('names missing fields, nested ones included', () => {
    const other: estypes.MappingTypeMapping = {
      ...live,
      properties: { ...live.properties, category_levels: { properties: { l1: { type: 'keyword' } } } },
    };
    delete other.properties!.price;
    expect(findMappingConflicts(expected, other)).toEqual([
      'field "price" is missing from the index',
      'field "category_levels.l2" is missing from the index',
    ]);
  });

  it('treats a disabled object that became searchable as a conflict', () => {
    const other = withProperty('attributes', { type: 'object' });
    expect(findMappingConflicts(expected, other)).toEqual([
      'field "attributes": enabled is true in the index but false is expected',
    ]);
  });

  it('names vectors made by another embedder', () => {
    expect(findMappingConflicts(expected, { ...live, _meta: { embedder: 'e5-small' } })).toEqual([
      'the vectors were made by embedder "e5-small" but the service is configured with "hashing-ngram-v1:d256"',
    ]);
  });

  it('says what to do in the start-up error', () => {
    const error = new MappingConflictError('products', ['products-000001: field "vector": dims is 384 ...']);
    expect(error.message).toContain('alias "products"');
    expect(error.message).toContain('  - products-000001: field "vector"');
    expect(error.message).toMatch(/Run a reindex/);
  });
});
