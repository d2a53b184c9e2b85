/**
 * Shopper events: what was shown (impressions) and what shoppers did with it (click,
 * add_to_cart, purchase). Every search records its own impression list under its
 * query_id, so a click only needs the query_id and the product to join to what was shown.
 */
import { z } from 'zod';

export const EVENT_TYPES = ['impression', 'click', 'add_to_cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** How much an event says about a product, as a graded label and as profile weight. */
export const EVENT_GAIN: Record<EventType, number> = { impression: 0, click: 1, add_to_cart: 2, purchase: 3 };

/** An events batch is what one page or beacon sends: hundreds at most. */
export const MAX_EVENTS_PER_REQUEST = 1000;

const identifier = z.string().trim().min(1).max(256);

export const eventSchema = z
  .strictObject({
    event_id: identifier,
    type: z.enum(EVENT_TYPES),
    user_id: identifier.optional(),
    session_id: identifier.optional(),
    query_id: identifier.optional(),
    product_id: identifier,
    /** 1-based position in the result list the shopper saw. */
    position: z.number().int().min(1).max(10_000).optional(),
    timestamp: z.iso.datetime({ offset: true }),
  })
  .refine((event) => event.user_id !== undefined || event.session_id !== undefined, {
    message: 'an event needs a user_id or a session_id',
    path: ['user_id'],
  });

export type ShopperEvent = z.output<typeof eventSchema>;

/** An event as stored: the user id replaced by its keyed hash, the time as epoch ms. */
export interface StoredEvent {
  eventId: string;
  type: EventType;
  userHash?: string;
  sessionId?: string;
  queryId?: string;
  productId: string;
  position?: number;
  timestamp: number;
}

/**
 * The randomization a search was served with (ranking/interventions.ts):
 * - `random_pairs`: the top `depth` positions were cut into `pairs` (the first is position
 *   1 with one drawn below it), each swapped when `swapped` and left in place otherwise;
 * - `adjacent_pairs`: the adjacent pairs from position `offset + 1` down to `depth` were
 *   each swapped or not at random; `swapped` lists the upper position of each pair that was
 *   (FairPairs; what searches were randomized with before ADR 0015).
 */
export type Intervention =
  | { kind: 'random_pairs'; depth: number; pairs: { upper: number; lower: number; swapped: boolean }[] }
  | { kind: 'adjacent_pairs'; depth: number; offset: 0 | 1; swapped: number[] };

/** The online experiment a search took part in (experiments/): its id, method and, for A/B, the arm served. */
export interface ImpressionExperiment {
  id: string;
  method: 'interleaving' | 'ab';
  arm?: 'control' | 'treatment';
}

/** A search's result list as served, with the feature values the ranker saw (feature logging). */
export interface Impression {
  queryId: string;
  userHash?: string;
  sessionId?: string;
  query: string;
  timestamp: number;
  modelVersion?: string;
  /** Present when the search was in the randomized share. */
  intervention?: Intervention;
  experiment?: ImpressionExperiment;
  /** `team`: in an interleaved list, the arm that contributed the product. */
  items: { productId: string; position: number; features?: number[]; team?: 'control' | 'treatment' }[];
}
