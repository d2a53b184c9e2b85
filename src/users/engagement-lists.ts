/**
 * Engagement lists: what the recommendation job derives from the event log and the stores
 * keep for serving, one ranked list of products per key. Kept beside the events (a SQLite
 * table, a cluster index) because they are shopper data: a reindex never touches them.
 *
 * - `co_click`: key a product; the products the same shoppers also clicked (or carted);
 * - `bought_together`: key a product; the products the same shoppers also carted or bought;
 * - `category_bought_together`: key a category path; the categories bought beside it;
 * - `trending`: key a category path ('' for the whole catalog); products by time-decayed
 *   engagement;
 * - `popular`: the same keys; the catalog's own order (popularity, then rating), what fills
 *   in where there are too few events, read by key instead of sorting the catalog;
 * - `similar`: key a product; its content neighbours by the engine's kNN (weight: cosine),
 *   so a product page reads a list instead of running a kNN.
 */
export const ENGAGEMENT_LISTS = [
  'co_click',
  'bought_together',
  'category_bought_together',
  'trending',
  'popular',
  'similar',
] as const;
export type EngagementListName = (typeof ENGAGEMENT_LISTS)[number];

export interface ListedItem {
  /** A product id (a category path in `category_bought_together`). */
  id: string;
  /** Time-decayed strength, higher first. */
  weight: number;
  /** Distinct shoppers behind it. */
  support: number;
}

export interface EngagementList {
  key: string;
  items: ListedItem[];
}

/** The whole catalog's key in `trending`. */
export const ALL_CATEGORIES = '';
