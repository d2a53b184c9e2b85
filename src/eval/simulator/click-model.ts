/**
 * What a shopper does with a result list: a position-based click model (PBM). A product
 * at position r is examined with probability 1 / r^eta and, once examined, clicked with a
 * probability that follows how relevant it truly is to the query (relevance.ts: the human
 * judgments where there are some) and how much the shopper likes it (their hidden taste,
 * shoppers.ts): attraction = (floor + (top - floor) * relevance) * preference[grade]. On
 * top of that, complements (a case for "laptop", a battery for "drill") draw clicks of
 * their own though they are not what was asked for, and any examined product now and then
 * gets a click for no reason (noise). A click leads to add_to_cart, and a cart to a
 * purchase, with probabilities that rise with the grade.
 *
 * Two degenerate click models make the biased logs a training gate must reject: `noise`
 * (every examined product equally likely to be clicked) and `popularity` (clicks follow a
 * hidden per-product popularity whatever the query). Every decision draws from the random
 * stream it is given, so a run is reproducible.
 */

import { analyze } from '../../text/analyzer.ts';
import type { EventType } from '../../users/events.ts';
import { isComplement, type RelevanceOracle, titleRelevance } from './relevance.ts';
import { deriveSeed, type Random, uniformBetween } from './sampling.ts';
import { type PreferenceGrade, preference, type Shopper } from './shoppers.ts';
import type { ShopperProduct } from './simulation-catalog.ts';

type ByGrade = readonly [number, number, number, number];

export interface ClickModelParameters {
  /** Examination decay: P(examined | position r) = 1 / r^eta. */
  eta: number;
  /** What clicks follow: relevance and taste (shoppers), or nothing but noise, or popularity alone. */
  clicks: 'relevance' | 'noise' | 'popularity';
  /** P(click | examined) of an irrelevant (floor) and a perfectly relevant (top) product, neutral taste. */
  attraction: { floor: number; top: number };
  /** Attraction multiplier by preference grade 0..3 (a favourite is three times a disliked product). */
  preference: ByGrade;
  /** P(click | examined) of a complement of what was searched for, neutral taste. */
  complement: number;
  /** P(click | examined) of any product, for no reason. */
  noise: number;
  /** P(add_to_cart | click), by grade. */
  cart: ByGrade;
  /** P(purchase | add_to_cart), by grade. */
  purchase: ByGrade;
}

export const DEFAULT_CLICK_MODEL: ClickModelParameters = {
  eta: 1,
  clicks: 'relevance',
  attraction: { floor: 0.02, top: 0.45 },
  preference: [0.7, 1, 1.5, 2.1],
  complement: 0.12,
  noise: 0.01,
  cart: [0.02, 0.08, 0.2, 0.4],
  purchase: [0.1, 0.25, 0.4, 0.6],
};

/** The `noise` model's P(click | examined), and the `popularity` model's range. */
const NOISE_ONLY = 0.08;
const POPULARITY_CLICKS = { floor: 0.01, top: 0.5 };
const MAX_ATTRACTION = 0.95;

export type ActionType = Exclude<EventType, 'impression'>;

export interface ShownProduct {
  product: ShopperProduct;
  /** 1-based rank in the result list. */
  position: number;
}

/** Why a shopper clicked (the simulator's own bookkeeping; the service never sees it). */
export type ClickReason = 'relevant' | 'complement' | 'noise';

export interface ShopperAction {
  type: ActionType;
  productId: string;
  position: number;
  grade: PreferenceGrade;
  /** Milliseconds after the results were shown. */
  delayMs: number;
  /** For clicks: what drew it. */
  reason?: ClickReason;
}

export function examinationProbability(position: number, eta: number): number {
  return 1 / position ** eta;
}

/** Share of the query's terms (analyzed as the service analyzes them) found in the title. */
export function queryMatch(query: string, title: string): number {
  const terms = new Set(analyze(query));
  if (terms.size === 0) return 0;
  const titleTerms = new Set(analyze(title));
  let found = 0;
  for (const term of terms) if (titleTerms.has(term)) found++;
  return found / terms.size;
}

/** A product's hidden popularity, 0..1, fixed by its id: a few are very popular, most are not. */
export function hiddenPopularity(productId: string): number {
  return (deriveSeed(0x9091, 'popularity', productId) / 0x1_0000_0000) ** 4;
}

/** P(click | examined), split by what draws the click. */
export function attractionParts(
  shopper: Shopper,
  query: string,
  product: ShopperProduct,
  parameters: ClickModelParameters = DEFAULT_CLICK_MODEL,
  oracle: RelevanceOracle = titleRelevance,
): Record<ClickReason, number> {
  if (parameters.clicks === 'noise') return { relevant: 0, complement: 0, noise: NOISE_ONLY };
  if (parameters.clicks === 'popularity') {
    const popular =
      POPULARITY_CLICKS.floor +
      (POPULARITY_CLICKS.top - POPULARITY_CLICKS.floor) * hiddenPopularity(product.id);
    return { relevant: popular, complement: 0, noise: 0 };
  }
  const taste = parameters.preference[preference(shopper, product)];
  const { floor, top } = parameters.attraction;
  const relevant = (floor + (top - floor) * oracle.relevance(query, product)) * taste;
  const complement = isComplement(query, product) ? parameters.complement * taste : 0;
  return { relevant, complement, noise: parameters.noise };
}

function attraction(parts: Record<ClickReason, number>): number {
  return Math.min(MAX_ATTRACTION, parts.relevant + parts.complement + parts.noise);
}

export function clickProbability(
  shopper: Shopper,
  query: string,
  shown: ShownProduct,
  parameters: ClickModelParameters = DEFAULT_CLICK_MODEL,
  oracle: RelevanceOracle = titleRelevance,
): number {
  return (
    examinationProbability(shown.position, parameters.eta) *
    attraction(attractionParts(shopper, query, shown.product, parameters, oracle))
  );
}

/**
 * The shopper's clicks, carts and purchases on one result list, in time order. The
 * shopper scans top-down (about 1.5 s a row) and spends 10-60 s on each product clicked;
 * a cart follows its click by 15-90 s and a purchase its cart by 30-240 s.
 */
export function decideActions(
  shopper: Shopper,
  query: string,
  shown: readonly ShownProduct[],
  random: Random,
  parameters: ClickModelParameters = DEFAULT_CLICK_MODEL,
  oracle: RelevanceOracle = titleRelevance,
): ShopperAction[] {
  const actions: ShopperAction[] = [];
  let browsingMs = uniformBetween(random, 2_000, 5_000);
  for (const item of shown) {
    const grade = preference(shopper, item.product);
    const parts = attractionParts(shopper, query, item.product, parameters, oracle);
    const total = attraction(parts);
    const examined = random() < examinationProbability(item.position, parameters.eta);
    const draw = random();
    browsingMs += 1_500;
    if (!examined || draw >= total) continue;
    const reason: ClickReason =
      draw < parts.relevant ? 'relevant' : draw < parts.relevant + parts.complement ? 'complement' : 'noise';
    const base = { productId: item.product.id, position: item.position, grade };
    const clickedAt = browsingMs;
    actions.push({ ...base, type: 'click', delayMs: Math.round(clickedAt), reason });
    browsingMs += uniformBetween(random, 10_000, 60_000);
    // Noise clicks and complements rarely end in the cart of a shopper who came for something else.
    const buying = reason === 'relevant' ? grade : 0;
    if (random() >= parameters.cart[buying]) continue;
    const cartedAt = clickedAt + uniformBetween(random, 15_000, 90_000);
    actions.push({ ...base, type: 'add_to_cart', delayMs: Math.round(cartedAt) });
    if (random() >= parameters.purchase[buying]) continue;
    const boughtAt = cartedAt + uniformBetween(random, 30_000, 240_000);
    actions.push({ ...base, type: 'purchase', delayMs: Math.round(boughtAt) });
  }
  return actions.sort((a, b) => a.delayMs - b.delayMs);
}
