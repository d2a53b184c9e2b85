/**
 * Facet counting. Backends hand over grouped rows (brand, category path, price bucket,
 * count; attribute value or bucket, count): the embedded engine from SQL GROUP BYs,
 * Elasticsearch from aggregations, the search path from the candidate summaries. One fold
 * turns them into the response, so every path counts the same way.
 */
import {
  type AttributeFacetRow,
  type AttributeFacetSpec,
  CATEGORY_SEPARATOR,
  categoryFacetDepth,
  type FacetRow,
  priceBucketIndex,
} from '../catalog/catalog-query.ts';
import { attributeEntries } from '../catalog/product.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import type { BuiltInFacet } from './search-request.ts';

export interface FacetValueCount {
  value: string;
  count: number;
}

export interface RangeCount {
  key: string;
  from?: number;
  to?: number;
  count: number;
}

/** `brand`, `category`, `price` and each requested attribute facet (by its key). */
export type FacetCounts = Partial<Record<'brand' | 'category', FacetValueCount[]>> & {
  price?: RangeCount[];
} & Record<string, FacetValueCount[] | RangeCount[] | undefined>;

export interface FacetSpec {
  fields: readonly BuiltInFacet[];
  /** Ascending bucket edges: [25, 50] gives <25, 25-50, >=50. */
  priceEdges: readonly number[];
  /** Category filters in force: the category facet drills one level below them. */
  categoryFilter?: readonly string[];
  maxValues: number;
  attributes: readonly AttributeFacetSpec[];
}

export function priceRangeOf(bucket: number, edges: readonly number[]): Omit<RangeCount, 'count'> {
  const from = bucket > 0 ? edges[bucket - 1] : undefined;
  const to = bucket < edges.length ? edges[bucket] : undefined;
  const key = `${from ?? '*'}-${to ?? '*'}`;
  return { key, ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
}

function topValues(counts: Map<string, number>, max: number): FacetValueCount[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, max);
}

function add<K>(counts: Map<K, number>, key: K, count: number): void {
  counts.set(key, (counts.get(key) ?? 0) + count);
}

/** A candidate's facet rows: what the engines' GROUP BYs and aggregations count for a product. */
export function summaryFacetRows(
  summary: ProductSummary | undefined,
  priceEdges: readonly number[],
  attributes: readonly AttributeFacetSpec[],
): { row: FacetRow; attributeRows: AttributeFacetRow[] } {
  const row: FacetRow = {
    brand: summary?.brand ?? null,
    category: summary?.category?.join(CATEGORY_SEPARATOR) ?? null,
    priceBucket: priceBucketIndex(summary?.price, priceEdges),
    count: 1,
  };
  const attributeRows: AttributeFacetRow[] = [];
  if (summary?.attributes && attributes.length > 0) {
    const entries = attributeEntries(summary.attributes);
    for (const spec of attributes) {
      const own = entries.filter((e) => e.key === spec.key);
      if (spec.kind === 'terms') {
        for (const value of new Set(own.map((e) => e.value)))
          attributeRows.push({ key: spec.key, value, count: 1 });
      } else {
        const buckets = new Set(
          own.flatMap((e) => (e.number === undefined ? [] : [priceBucketIndex(e.number, spec.edges)!])),
        );
        for (const bucket of buckets) attributeRows.push({ key: spec.key, bucket, count: 1 });
      }
    }
  }
  return { row, attributeRows };
}

export function foldFacetRows(
  rows: Iterable<FacetRow>,
  attributeRows: Iterable<AttributeFacetRow>,
  spec: FacetSpec,
): FacetCounts {
  const depth = categoryFacetDepth(spec.categoryFilter);
  const brands = new Map<string, number>();
  const categories = new Map<string, number>();
  const prices = new Map<number, number>();
  for (const row of rows) {
    if (row.brand) add(brands, row.brand, row.count);
    if (row.category) {
      const segments = row.category.split(CATEGORY_SEPARATOR);
      if (segments.length >= depth)
        add(categories, segments.slice(0, depth).join(CATEGORY_SEPARATOR), row.count);
    }
    if (row.priceBucket !== null) add(prices, row.priceBucket, row.count);
  }
  const out: FacetCounts = {};
  if (spec.fields.includes('brand')) out.brand = topValues(brands, spec.maxValues);
  if (spec.fields.includes('category')) out.category = topValues(categories, spec.maxValues);
  if (spec.fields.includes('price')) {
    out.price = [...prices]
      .sort(([a], [b]) => a - b)
      .map(([bucket, count]) => ({ ...priceRangeOf(bucket, spec.priceEdges), count }));
  }
  const values = new Map<string, Map<string, number>>();
  const buckets = new Map<string, Map<number, number>>();
  for (const row of attributeRows) {
    if (row.value !== undefined) {
      const counts = values.get(row.key) ?? new Map<string, number>();
      add(counts, row.value, row.count);
      values.set(row.key, counts);
    } else if (row.bucket !== undefined) {
      const counts = buckets.get(row.key) ?? new Map<number, number>();
      add(counts, row.bucket, row.count);
      buckets.set(row.key, counts);
    }
  }
  for (const attribute of spec.attributes) {
    if (attribute.kind === 'terms') {
      out[attribute.key] = topValues(values.get(attribute.key) ?? new Map(), spec.maxValues);
    } else {
      out[attribute.key] = [...(buckets.get(attribute.key) ?? new Map<number, number>())]
        .sort(([a], [b]) => a - b)
        .map(([bucket, count]) => ({ ...priceRangeOf(bucket, attribute.edges), count }));
    }
  }
  return out;
}
