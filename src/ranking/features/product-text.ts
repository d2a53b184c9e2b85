/**
 * The analyzed text of a product that text-match features compare with the query: its
 * title terms, normalized title, brand and category terms. Analyzing every candidate on
 * every search cost most of the feature stage; the analysis is remembered by product id
 * and reused while the product's title, brand and category stay the same.
 */
import { categoryPrefixes } from '../../catalog/product.ts';
import type { ProductSummary } from '../../catalog/search-backend.ts';
import { analyze, normalizeText } from '../../text/analyzer.ts';

export interface ProductText {
  titleTerms: ReadonlySet<string>;
  normalizedTitle: string;
  brandTerms: readonly string[];
  /** The terms of each category segment. */
  categoryTerms: readonly (readonly string[])[];
  /** Every ancestor path of the category, root first. */
  categoryPrefixes: readonly string[];
}

interface Cached extends ProductText {
  source: string;
}

const MAX_CACHED = 100_000;
const cache = new Map<string, Cached>();

function analyzeProduct(summary: ProductSummary | undefined): ProductText {
  return {
    titleTerms: new Set(analyze(summary?.title)),
    normalizedTitle: normalizeText(summary?.title ?? ''),
    brandTerms: analyze(summary?.brand),
    categoryTerms: (summary?.category ?? []).map((segment) => analyze(segment)),
    categoryPrefixes: categoryPrefixes(summary?.category),
  };
}

export function productText(summary: ProductSummary | undefined): ProductText {
  if (!summary) return analyzeProduct(summary);
  const source = `${summary.title}\u0000${summary.brand ?? ''}\u0000${summary.category?.join('\u0000') ?? ''}`;
  const cached = cache.get(summary.id);
  if (cached?.source === source) return cached;
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  const text = { ...analyzeProduct(summary), source };
  cache.set(summary.id, text);
  return text;
}
