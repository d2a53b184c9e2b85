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
  /** Adjacent title term pairs (`cordless drill`), for phrase proximity. */
  titlePairs: ReadonlySet<string>;
  /** Title, brand and category terms together: what a query word can be found in. */
  terms: ReadonlySet<string>;
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
  const title = analyze(summary?.title);
  const brandTerms = analyze(summary?.brand);
  const categoryTerms = (summary?.category ?? []).map((segment) => analyze(segment));
  return {
    titleTerms: new Set(title),
    titlePairs: new Set(title.slice(1).map((term, i) => `${title[i]} ${term}`)),
    terms: new Set([...title, ...brandTerms, ...categoryTerms.flat()]),
    normalizedTitle: normalizeText(summary?.title ?? ''),
    brandTerms,
    categoryTerms,
    categoryPrefixes: categoryPrefixes(summary?.category),
  };
}

/** Share of the query's terms the product's title, brand or category holds (0..1). */
export function termCoverage(terms: readonly string[], text: ProductText): number {
  if (terms.length === 0) return 0;
  let found = 0;
  for (const term of terms) if (text.terms.has(term)) found++;
  return found / terms.length;
}

/** Share of the query's adjacent term pairs that stand side by side in the title (0..1). */
export function termProximity(terms: readonly string[], text: ProductText): number {
  if (terms.length < 2) return 0;
  let adjacent = 0;
  for (let i = 1; i < terms.length; i++) if (text.titlePairs.has(`${terms[i - 1]} ${terms[i]}`)) adjacent++;
  return adjacent / (terms.length - 1);
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
