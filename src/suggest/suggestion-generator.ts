/**
 * Autocomplete suggestions, generated from two sources:
 * - the query log: what shoppers searched, weighted by how often and how often it led to a
 *   click; a query is only suggested once at least `minShoppers` different signed-in
 *   shoppers typed it and acted on its results, so nobody's private query shows up in
 *   someone else's search box and nobody can plant one with made-up sessions;
 * - the catalog: brands, category names and the title phrases several products share
 *   (`cordless drill`, `garden hose`; in Chinese and Japanese titles, runs of the words a
 *   dictionary segmenter finds: `运动鞋`), weighted by how many products carry them.
 * Phrases that begin or end with a function word (`drill with`, `bosch in`, `for lawn`)
 * are fragments, not things a shopper means, and are never suggested from either source.
 */
import type { Product } from '../catalog/product.ts';
import { type EventStore, impressionsWithActions } from '../users/event-store.ts';
import { normalizeSuggestion } from './suggestion-index.ts';

export interface Suggestion {
  text: string;
  weight: number;
  source: 'query' | 'catalog';
}

export interface GenerationCounts {
  suggestions: number;
  from_queries: number;
  from_catalog: number;
  queries_seen: number;
}

const MAX_SUGGESTION_LENGTH = 80;
const MIN_PHRASE_PRODUCTS = 3;
/** Chinese and Japanese catalogs here are small: two products sharing a phrase is enough. */
const MIN_UNSPACED_PHRASE_PRODUCTS = 2;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'-]*/gu;
const UNSPACED_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Words a phrase cannot begin or end with (English, the catalogs' language besides CJK). */
const FUNCTION_WORDS = new Set(
  (
    'a an the and or nor but of for with without in on at to by from into onto off per via ' +
    'vs x & is are be as that this these those it its your our my their his her than then ' +
    'up out over under about after before between through'
  ).split(' '),
);

/** A fragment: it begins or ends with a function word, or is one. */
export function isFragment(text: string): boolean {
  const parts = text.split(' ');
  return FUNCTION_WORDS.has(parts[0]!) || FUNCTION_WORDS.has(parts.at(-1)!);
}

/** Runs of 2-3 consecutive segmenter words inside each Chinese or Japanese run of a title. */
function unspacedPhrases(title: string): Set<string> {
  const out = new Set<string>();
  for (const [run] of normalizeSuggestion(title).matchAll(UNSPACED_RUN)) {
    const parts = [...segmenter.segment(run)].filter((s) => s.isWordLike).map((s) => s.segment);
    for (let n = 2; n <= 3; n++) {
      for (let i = 0; i + n <= parts.length; i++) {
        const phrase = parts.slice(i, i + n).join('');
        if ([...phrase].length >= 2) out.add(phrase);
      }
    }
  }
  return out;
}

interface QueryStats {
  text: string;
  searches: number;
  shoppers: Set<string>;
  clicked: number;
  withResults: number;
}

export async function suggestionsFromQueryLog(
  store: EventStore,
  options: { since: number; minShoppers: number; signal?: AbortSignal },
): Promise<{ suggestions: Suggestion[]; queriesSeen: number }> {
  const stats = new Map<string, QueryStats>();
  for await (const page of impressionsWithActions(store, options.since)) {
    options.signal?.throwIfAborted();
    for (const { impression, actions } of page) {
      const key = normalizeSuggestion(impression.query);
      if (!key || key.length > MAX_SUGGESTION_LENGTH) continue;
      let entry = stats.get(key);
      if (!entry) {
        entry = { text: key, searches: 0, shoppers: new Set(), clicked: 0, withResults: 0 };
        stats.set(key, entry);
      }
      entry.searches++;
      // Only a signed-in shopper whose search led to a click, cart or purchase vouches for a
      // query: session ids are made up at will (three invented sessions put an attacker's
      // phrase into everyone's search box), and a search nobody acted on proves nothing. The
      // rest counts for popularity, not toward the shoppers a query needs to be suggested.
      if (impression.userHash && actions.size > 0) entry.shoppers.add(impression.userHash);
      if (actions.size > 0) entry.clicked++;
      if (impression.items.length > 0) entry.withResults++;
    }
  }
  const suggestions: Suggestion[] = [];
  for (const entry of stats.values()) {
    // Queries that found nothing are not worth suggesting, nor half-typed fragments.
    if (entry.shoppers.size < options.minShoppers || entry.withResults === 0 || isFragment(entry.text))
      continue;
    const clickRate = entry.clicked / entry.searches;
    suggestions.push({
      text: entry.text,
      weight: 2 * Math.log1p(entry.searches) * (0.5 + clickRate),
      source: 'query',
    });
  }
  return { suggestions, queriesSeen: stats.size };
}

function add(counts: Map<string, number>, text: string | undefined): void {
  const key = text ? normalizeSuggestion(text) : '';
  if (key && key.length <= MAX_SUGGESTION_LENGTH) counts.set(key, (counts.get(key) ?? 0) + 1);
}

export async function suggestionsFromCatalog(
  products: AsyncIterable<Product[]>,
  signal?: AbortSignal,
): Promise<Suggestion[]> {
  const names = new Map<string, number>(); // brands and category names: suggested at any count
  const phrases = new Map<string, number>();
  const unspaced = new Map<string, number>();
  for await (const batch of products) {
    signal?.throwIfAborted();
    for (const product of batch) {
      add(names, product.brand);
      for (const segment of product.category ?? []) add(names, segment);
      const words = (product.title.toLowerCase().match(WORD) ?? []).filter((w) => !/^\d/.test(w));
      const seen = new Set<string>();
      for (let n = 2; n <= 3; n++) {
        for (let i = 0; i + n <= words.length; i++) seen.add(words.slice(i, i + n).join(' '));
      }
      for (const phrase of seen) if (!isFragment(phrase)) add(phrases, phrase);
      for (const phrase of unspacedPhrases(product.title)) add(unspaced, phrase);
    }
  }
  const out: Suggestion[] = [...names].map(([text, count]) => ({
    text,
    weight: 1 + Math.log1p(count),
    source: 'catalog',
  }));
  for (const [text, count] of phrases) {
    if (count >= MIN_PHRASE_PRODUCTS && !names.has(text))
      out.push({ text, weight: Math.log1p(count), source: 'catalog' });
  }
  for (const [text, count] of unspaced) {
    if (count >= MIN_UNSPACED_PHRASE_PRODUCTS && !names.has(text) && !phrases.has(text))
      out.push({ text, weight: Math.log1p(count), source: 'catalog' });
  }
  return out;
}

/** One list, one entry per text: a query suggestion wins over the same catalog phrase. */
export function mergeSuggestions(...lists: readonly Suggestion[][]): Suggestion[] {
  const merged = new Map<string, Suggestion>();
  for (const list of lists) {
    for (const s of list) {
      const existing = merged.get(s.text);
      if (!existing) merged.set(s.text, s);
      else
        merged.set(s.text, {
          text: s.text,
          weight: existing.weight + s.weight,
          source: existing.source === 'query' ? 'query' : s.source,
        });
    }
  }
  return [...merged.values()].sort((a, b) => b.weight - a.weight);
}
