/**
 * (query, product) pairs the encoder learns the shop's own vocabulary from: every search
 * whose result list got a click, add-to-cart or purchase gives its query and the text of
 * the product acted on (as the index embeds it). Repeats count once.
 */

import { productEmbeddingText } from '../../catalog/product.ts';
import type { SearchBackend } from '../../catalog/search-backend.ts';
import { type EventStore, impressionsWithActions } from '../../users/event-store.ts';
import type { TrainingPair } from './training-pairs.ts';

/** Below this many pairs the logs say too little, and the catalog supervises itself alone. */
export const MIN_EVENT_PAIRS = 200;
const PRODUCTS_PER_LOOKUP = 1000;

export async function eventTrainingPairs(
  events: EventStore,
  backend: SearchBackend,
  options: { since: number; limit?: number },
): Promise<TrainingPair[]> {
  const limit = options.limit ?? 200_000;
  const wanted = new Map<string, { query: string; productId: string }>();
  for await (const page of impressionsWithActions(events, options.since)) {
    for (const { impression, actions } of page) {
      const query = impression.query.trim();
      if (!query) continue;
      for (const productId of actions.keys()) {
        const key = `${query.toLowerCase()}\u0000${productId}`;
        if (!wanted.has(key)) wanted.set(key, { query, productId });
      }
    }
    if (wanted.size >= limit) break;
  }
  const entries = [...wanted.values()].slice(0, limit);
  const texts = new Map<string, string>();
  const ids = [...new Set(entries.map((e) => e.productId))];
  for (let i = 0; i < ids.length; i += PRODUCTS_PER_LOOKUP) {
    const products = await backend.getProducts(ids.slice(i, i + PRODUCTS_PER_LOOKUP));
    for (const [id, product] of products) texts.set(id, productEmbeddingText(product));
  }
  // Products deleted since the click have no text left to learn from.
  return entries.flatMap(({ query, productId }) => {
    const product = texts.get(productId);
    return product ? [{ query, product }] : [];
  });
}
