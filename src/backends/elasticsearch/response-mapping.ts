/**
 * Responses into the backend-neutral shapes, the same the embedded backend returns.
 * Documents are read back through schemas: a document some other writer put in the index
 * fails loudly here instead of corrupting a response.
 */
import type { estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { AttributeFacetRow, AttributeFacetSpec, FacetRow } from '../../catalog/catalog-query.ts';
import { type Product, productSchema } from '../../catalog/product.ts';
import type { BrowseResult, ProductSummary, RankedHit } from '../../catalog/search-backend.ts';
import { ServiceError } from '../../main/errors.ts';
import { ATTRIBUTE_FACET_PREFIX } from './query-builders.ts';

export interface BrowseAggregations {
  brand?: estypes.AggregationsStringTermsAggregate;
  category?: estypes.AggregationsStringTermsAggregate;
  price?: estypes.AggregationsRangeAggregate;
  /** `attribute_<i>`: the i-th attribute facet of the request. */
  [attribute: `${typeof ATTRIBUTE_FACET_PREFIX}${number}`]: AttributeFacetAggregate | undefined;
}

type ProductCountedRangeBucket = estypes.AggregationsRangeBucket & { products?: { doc_count: number } };

/** What attributeFacetAggregation asks for: terms, or nested > filter (`key`) > range (`buckets`) > reverse_nested. */
type AttributeFacetAggregate =
  | estypes.AggregationsStringTermsAggregate
  | { key?: { buckets?: { buckets?: estypes.AggregationsBuckets<ProductCountedRangeBucket> } } };

function attributeFacetRows(
  spec: AttributeFacetSpec,
  aggregate: AttributeFacetAggregate | undefined,
): AttributeFacetRow[] {
  if (!aggregate) return [];
  if (spec.kind === 'terms') {
    const terms = aggregate as estypes.AggregationsStringTermsAggregate;
    return bucketList(terms.buckets).map((b) => ({
      key: spec.key,
      value: String(b.key),
      count: b.doc_count,
    }));
  }
  const ranges = (aggregate as Exclude<AttributeFacetAggregate, estypes.AggregationsStringTermsAggregate>).key
    ?.buckets?.buckets;
  // Empty buckets are left out, as a GROUP BY never yields a zero row.
  return bucketList(ranges).flatMap((b) => {
    const count = b.products?.doc_count ?? 0;
    return count > 0 && b.key !== undefined ? [{ key: spec.key, bucket: Number(b.key), count }] : [];
  });
}

function invalidDocument(id: string, index: string, problem: string): ServiceError {
  return new ServiceError(
    'invalid_document',
    `document "${id}" in index ${index} is not a valid product (${problem}); reindex from the catalog`,
  );
}

function hitsOf(response: estypes.SearchResponse<unknown, unknown>): { id: string; score: number }[] {
  return response.hits.hits.flatMap((hit) =>
    hit._id === undefined ? [] : [{ id: hit._id, score: hit._score ?? 0 }],
  );
}

/** BM25 hits (or fused RRF hits), best first, with Elasticsearch's score. */
export function rankedHits(response: estypes.SearchResponse<unknown, unknown>): RankedHit[] {
  return hitsOf(response);
}

/** kNN hits with cosine similarity: Elasticsearch scores cosine as (1 + cos) / 2. */
export function cosineHits(response: estypes.SearchResponse<unknown, unknown>): RankedHit[] {
  return hitsOf(response).map((hit) => ({ id: hit.id, score: 2 * hit.score - 1 }));
}

function bucketList<T>(buckets: estypes.AggregationsBuckets<T> | undefined): T[] {
  if (!buckets) return [];
  return Array.isArray(buckets) ? buckets : Object.values(buckets);
}

function totalOf(total: estypes.SearchTotalHits | number | undefined): number {
  if (total === undefined) return 0;
  return typeof total === 'number' ? total : total.value;
}

/** One facet row per bucket and field: foldFacetRows sums rows per field, so they need not be crossed. */
export function browseResult(
  response: estypes.SearchResponse<unknown, BrowseAggregations>,
  attributeFacets: readonly AttributeFacetSpec[] = [],
): BrowseResult {
  const rows: FacetRow[] = [];
  const aggs = response.aggregations;
  for (const bucket of bucketList(aggs?.brand?.buckets)) {
    rows.push({ brand: String(bucket.key), category: null, priceBucket: null, count: bucket.doc_count });
  }
  for (const bucket of bucketList(aggs?.category?.buckets)) {
    rows.push({ brand: null, category: String(bucket.key), priceBucket: null, count: bucket.doc_count });
  }
  for (const bucket of bucketList(aggs?.price?.buckets)) {
    // Empty ranges are left out, as a GROUP BY never yields a zero row.
    if (bucket.doc_count > 0 && bucket.key !== undefined) {
      rows.push({ brand: null, category: null, priceBucket: Number(bucket.key), count: bucket.doc_count });
    }
  }
  return {
    ids: hitsOf(response).map((hit) => hit.id),
    total: totalOf(response.hits.total),
    facetRows: rows,
    attributeFacetRows: attributeFacets.flatMap((spec, i) =>
      attributeFacetRows(spec, aggs?.[`${ATTRIBUTE_FACET_PREFIX}${i}`]),
    ),
  };
}

type MgetItem<T> = estypes.MgetResponseItem<T>;

function foundDocuments<T>(response: estypes.MgetResponse<T>): estypes.GetGetResult<T>[] {
  const found: estypes.GetGetResult<T>[] = [];
  for (const item of response.docs as MgetItem<T>[]) {
    if ('error' in item) {
      throw new Error(
        `reading document "${item._id}" from ${item._index} failed: ${item.error.reason ?? item.error.type}`,
      );
    }
    if (item.found && item._source !== undefined) found.push(item);
  }
  return found;
}

/** A stored document's product fields, validated: a document the service did not write is reported. */
export function productFromSource(source: unknown, id: string, index: string): Product {
  const parsed = productSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidDocument(id, index, `${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function productsFromMget(response: estypes.MgetResponse<unknown>): Map<string, Product> {
  const products = new Map<string, Product>();
  for (const doc of foundDocuments(response))
    products.set(doc._id, productFromSource(doc._source, doc._id, doc._index));
  return products;
}

const summarySchema = z.object({
  id: z.string(),
  title: z.string(),
  brand: z.string().optional(),
  category: z.array(z.string()).optional(),
  price: z.number().optional(),
  in_stock: z.boolean().optional(),
  rating: z.number().optional(),
  review_count: z.number().optional(),
  popularity: z.number().optional(),
  created_at: z.string().optional(),
  attributes: productSchema.shape.attributes,
}) satisfies z.ZodType<ProductSummary>;

export function summariesFromMget(response: estypes.MgetResponse<unknown>): Map<string, ProductSummary> {
  const summaries = new Map<string, ProductSummary>();
  for (const doc of foundDocuments(response)) {
    const parsed = summarySchema.safeParse(doc._source);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalidDocument(doc._id, doc._index, `${issue.path.join('.')}: ${issue.message}`);
    }
    summaries.set(doc._id, parsed.data);
  }
  return summaries;
}

export function contentHashesFromMget(response: estypes.MgetResponse<unknown>): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const doc of foundDocuments(response)) {
    const hash = (doc._source as { content_hash?: unknown }).content_hash;
    // A document without a hash is simply rewritten by the next upsert.
    if (typeof hash === 'string') hashes.set(doc._id, hash);
  }
  return hashes;
}
