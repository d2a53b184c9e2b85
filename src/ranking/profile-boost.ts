/**
 * Personalization before (or without) a learned model: a shopper with history, signed in
 * or known only by the session, gets the fused order with a bounded lift for the products
 * that match their profile, the way hosted engines apply facet affinities. A product's
 * affinity is the mean of the shopper's share at its category (the three levels the
 * features hold), at its brand and at its price band within its department (below), 0..1;
 * its score is the fused score, min-max normalized over the reranked candidates, plus
 * `impact` times that affinity. So a
 * product the shopper's taste fits perfectly climbs over others at most `impact` of the
 * fused score's range above it: retrieval still decides what is relevant, and the profile
 * orders among near-equals. A candidate nothing in the profile matches keeps its place
 * among its own kind, and a shopper without history gets the fused order unchanged.
 *
 * The rerank stage applies it only where no learned model serves the shopper (the model's
 * shopper features already carry the profile when one does) and never to experiments.
 */
import { FEATURE_COUNT, FEATURE_NAMES, type FeatureName, shopperHasHistory } from './features/feature-set.ts';
import { normalizedFusedScores } from './ranker-model.ts';
import { servingOrder } from './serving-order.ts';

const column = (name: FeatureName) => FEATURE_NAMES.indexOf(name);
const CATEGORY = [
  column('category_affinity_l1'),
  column('category_affinity_l2'),
  column('category_affinity'),
] as const;
const BRAND = column('brand_affinity');
const PRICE_BAND = column('price_band_affinity');

/**
 * The shopper's affinity to the product of one feature row, 0..1. A price band says
 * something only within a department (a usual $30 for hoses is no taste for $30 drills),
 * so it counts in proportion to the shopper's share at the product's top-level category.
 */
export function profileAffinity(features: Float32Array, row: number): number {
  const base = row * FEATURE_COUNT;
  const category = CATEGORY.reduce((sum, c) => sum + features[base + c]!, 0) / CATEGORY.length;
  const department = features[base + CATEGORY[0]]!;
  return (category + features[base + BRAND]! + department * features[base + PRICE_BAND]!) / 3;
}

/**
 * The boosted order of `count` rows (ties keep the fused order) and each row's boosted
 * score, ordered as a model's scores are (`servingOrder`); undefined when it does not
 * apply (no history, no impact).
 */
export function profileBoostOrder(
  features: Float32Array,
  count: number,
  impact: number,
): ReturnType<typeof servingOrder> | undefined {
  if (impact <= 0 || count < 2 || !shopperHasHistory(features)) return undefined;
  const score = (rows: Float32Array, n: number) =>
    Float32Array.from(
      normalizedFusedScores(rows, n),
      (fused, row) => fused + impact * profileAffinity(rows, row),
    );
  return servingOrder({ score }, features, count, count);
}
