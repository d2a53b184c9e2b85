/**
 * Facet counting. Backends hand over grouped rows (brand, category path, price bucket,
 * count): the embedded engine from one SQL GROUP BY, the search path from the candidate
 * summaries. One fold turns them into the response, so both paths count the same way.
 */
import { CATEGORY_SEPARATOR, categoryFacetDepth, type FacetRow } from '../catalog/catalog-query.ts';
import type { FacetField } from './search-request.ts';

export interface FacetValueCount {
  value: string;
  count: number;
}

export interface PriceRangeCount {
  key: string;
  from?: number;
  to?: number;
  count: number;
}

export interface FacetCounts {
  brand?: FacetValueCount[];
  category?: FacetValueCount[];
  price?: PriceRangeCount[];
}

export interface FacetSpec {
  fields: readonly FacetField[];
  /** Ascending bucket edges: [25, 50] gives <25, 25-50, >=50. */
  priceEdges: readonly number[];
  /** Category filters in force: the category facet drills one level below them. */
  categoryFilter?: readonly string[];
  maxValues: number;
}

export function priceRangeOf(bucket: number, edges: readonly number[]): Omit<PriceRangeCount, 'count'> {
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

export function foldFacetRows(rows: Iterable<FacetRow>, spec: FacetSpec): FacetCounts {
  const depth = categoryFacetDepth(spec.categoryFilter);
  const brands = new Map<string, number>();
  const categories = new Map<string, number>();
  const prices = new Map<number, number>();
  for (const row of rows) {
    if (row.brand) brands.set(row.brand, (brands.get(row.brand) ?? 0) + row.count);
    if (row.category) {
      const segments = row.category.split(CATEGORY_SEPARATOR);
      if (segments.length >= depth) {
        const value = segments.slice(0, depth).join(CATEGORY_SEPARATOR);
        categories.set(value, (categories.get(value) ?? 0) + row.count);
      }
    }
    if (row.priceBucket !== null) prices.set(row.priceBucket, (prices.get(row.priceBucket) ?? 0) + row.count);
  }
  const out: FacetCounts = {};
  if (spec.fields.includes('brand')) out.brand = topValues(brands, spec.maxValues);
  if (spec.fields.includes('category')) out.category = topValues(categories, spec.maxValues);
  if (spec.fields.includes('price')) {
    out.price = [...prices]
      .sort(([a], [b]) => a - b)
      .map(([bucket, count]) => ({ ...priceRangeOf(bucket, spec.priceEdges), count }));
  }
  return out;
}
