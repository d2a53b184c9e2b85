/**
 * What a shopper does with a result list: a position-based click model (PBM). A product
 * at position r is examined with probability 1 / r^eta and, once examined, clicked with
 * probability attractiveness = ATTRACTION[preference grade] * (0.4 + 0.6 * query match),
 * so clicks reflect both the shopper's hidden taste and how well the title matches the
 * query, and raw click-through falls with position whatever the order. A click leads to
 * add_to_cart, and a cart to a purchase, with probabilities that rise with the grade.
 * Every decision draws from the random stream it is given, so it is reproducible.
 */

import { analyze } from '../../text/analyzer.ts';
import type { EventType } from '../../users/events.ts';
import { type Random, uniformBetween } from './sampling.ts';
import { type PreferenceGrade, preference, type Shopper } from './shoppers.ts';
import type { ShopperProduct } from './simulation-catalog.ts';

type ByGrade = readonly [number, number, number, number];

export interface ClickModelParameters {
  /** Examination decay: P(examined | position r) = 1 / r^eta. */
  eta: number;
  /** P(click | examined) for a perfectly matching title, by preference grade 0..3. */
  attraction: ByGrade;
  /** P(add_to_cart | click), by grade. */
  cart: ByGrade;
  /** P(purchase | add_to_cart), by grade. */
  purchase: ByGrade;
}

export const DEFAULT_CLICK_MODEL: ClickModelParameters = {
  eta: 1,
  attraction: [0.04, 0.15, 0.4, 0.75],
  cart: [0.02, 0.08, 0.2, 0.4],
  purchase: [0.1, 0.25, 0.4, 0.6],
};

/** A title matching no query word is still somewhat attractive: retrieval put it there. */
const UNMATCHED_ATTRACTION = 0.4;

export type ActionType = Exclude<EventType, 'impression'>;

export interface ShownProduct {
  product: ShopperProduct;
  /** 1-based rank in the result list. */
  position: number;
}

export interface ShopperAction {
  type: ActionType;
  productId: string;
  position: number;
  grade: PreferenceGrade;
  /** Milliseconds after the results were shown. */
  delayMs: number;
}

export function examinationProbability(position: number, eta: number): number {
  return 1 / position ** eta;
}

function termMatch(queryTerms: ReadonlySet<string>, title: string): number {
  if (queryTerms.size === 0) return 0;
  const titleTerms = new Set(analyze(title));
  let found = 0;
  for (const term of queryTerms) if (titleTerms.has(term)) found++;
  return found / queryTerms.size;
}

/** Share of the query's terms (analyzed as the service analyzes them) found in the title. */
export function queryMatch(query: string, title: string): number {
  return termMatch(new Set(analyze(query)), title);
}

function attractiveness(grade: PreferenceGrade, match: number, parameters: ClickModelParameters): number {
  return parameters.attraction[grade] * (UNMATCHED_ATTRACTION + (1 - UNMATCHED_ATTRACTION) * match);
}

export function clickProbability(
  shopper: Shopper,
  query: string,
  shown: ShownProduct,
  parameters: ClickModelParameters = DEFAULT_CLICK_MODEL,
): number {
  const grade = preference(shopper, shown.product);
  return (
    examinationProbability(shown.position, parameters.eta) *
    attractiveness(grade, queryMatch(query, shown.product.title), parameters)
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
): ShopperAction[] {
  const actions: ShopperAction[] = [];
  const queryTerms = new Set(analyze(query));
  let browsingMs = uniformBetween(random, 2_000, 5_000);
  for (const item of shown) {
    const grade = preference(shopper, item.product);
    const pClick =
      examinationProbability(item.position, parameters.eta) *
      attractiveness(grade, termMatch(queryTerms, item.product.title), parameters);
    const click = random() < pClick;
    browsingMs += 1_500;
    if (!click) continue;
    const base = { productId: item.product.id, position: item.position, grade };
    const clickedAt = browsingMs;
    actions.push({ ...base, type: 'click', delayMs: Math.round(clickedAt) });
    browsingMs += uniformBetween(random, 10_000, 60_000);
    if (random() >= parameters.cart[grade]) continue;
    const cartedAt = clickedAt + uniformBetween(random, 15_000, 90_000);
    actions.push({ ...base, type: 'add_to_cart', delayMs: Math.round(cartedAt) });
    if (random() >= parameters.purchase[grade]) continue;
    const boughtAt = cartedAt + uniformBetween(random, 30_000, 240_000);
    actions.push({ ...base, type: 'purchase', delayMs: Math.round(boughtAt) });
  }
  return actions.sort((a, b) => a.delayMs - b.delayMs);
}
