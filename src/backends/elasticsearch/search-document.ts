/**
 * The document the service writes for a product: the product's own fields (returned
 * verbatim by reads) plus the derived fields the queries use. Derived here, not in the
 * ingest pipeline, with the same functions as the embedded backend, so filters and facets
 * mean the same on both backends.
 */
import {
  attributeEntries,
  attributesText,
  categoryPathText,
  categoryPrefixes,
  type Product,
  productSchema,
} from '../../catalog/product.ts';
import type { IndexedProduct, ProductSummary } from '../../catalog/search-backend.ts';
import { hasMagnitude } from '../../embeddings/embedder.ts';

/** Category levels with their own facet field (`category_levels.l1` .. `l10`); the schema's limit. */
export const CATEGORY_LEVELS = 10;

export type CategoryLevelField = `l${number}`;

export interface SearchDocument extends Product {
  content_hash: string;
  category_path?: string;
  category_prefixes?: string[];
  category_levels?: Record<CategoryLevelField, string>;
  attributes_text?: string;
  /** Attribute values as text by key (a `flattened` field: no mapping per key). */
  attribute_values?: Record<string, string[]>;
  /** Numeric attribute values (a `nested` field of key/value pairs, for ranges). */
  attribute_numbers?: { key: string; value: number }[];
  suggest?: { input: string[] };
  /** Absent for a zero vector: cosine similarity is undefined for it and Elasticsearch rejects it. */
  vector?: number[];
}

/** The product's own fields: what reads ask for from `_source`. */
export const PRODUCT_FIELDS = Object.keys(productSchema.shape) as (keyof Product)[];

export const SUMMARY_FIELDS = [
  'id',
  'title',
  'brand',
  'category',
  'price',
  'in_stock',
  'rating',
  'review_count',
  'popularity',
  'created_at',
  'attributes',
] as const satisfies readonly (keyof ProductSummary)[];

export function categoryLevelField(depth: number): `category_levels.${CategoryLevelField}` {
  return `category_levels.l${depth}`;
}

/** Completion inputs may not contain the field's reserved separator characters. */
function completionInput(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the reserved characters
  return text.replace(/[\u0000\u001e\u001f]/g, ' ').trim();
}

export function toSearchDocument({ product, contentHash, vector }: IndexedProduct): SearchDocument {
  const document: SearchDocument = { ...product, content_hash: contentHash };
  if (product.category) {
    const prefixes = categoryPrefixes(product.category);
    document.category_path = categoryPathText(product.category)!;
    document.category_prefixes = prefixes;
    document.category_levels = Object.fromEntries(
      prefixes.slice(0, CATEGORY_LEVELS).map((prefix, i) => [`l${i + 1}`, prefix]),
    );
  }
  const attributes = attributesText(product.attributes);
  if (attributes) document.attributes_text = attributes;
  const entries = attributeEntries(product.attributes);
  if (entries.length > 0) {
    const values: Record<string, string[]> = {};
    for (const { key, value } of entries) values[key] = [...(values[key] ?? []), value];
    document.attribute_values = values;
    const numbers = entries.flatMap(({ key, number }) =>
      number === undefined ? [] : [{ key, value: number }],
    );
    if (numbers.length > 0) document.attribute_numbers = numbers;
  }
  const inputs = [product.title, product.brand ?? ''].map(completionInput).filter((t) => t.length > 0);
  if (inputs.length > 0) document.suggest = { input: inputs };
  if (hasMagnitude(vector)) document.vector = Array.from(vector);
  return document;
}
