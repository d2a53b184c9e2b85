/**
 * How a model orders one search's candidates when it serves: the top `window` by its
 * score (no deeper than the logged lists it learned from went), the rest in fused order
 * below them, and only for the shopper segments its gate let it serve. The reranker, the
 * training gate and shadow scoring all call this, so what the gate measured is what serves.
 */
import { shopperHasHistory } from './features/feature-set.ts';
import type { RankerMetadata, RankerModel } from './ranker-model.ts';

export type ShopperSegment = 'with_history' | 'without_history';

export function segmentOf(features: Float32Array): ShopperSegment {
  return shopperHasHistory(features) ? 'with_history' : 'without_history';
}

/** Whether the model's gate let it serve this segment (absent flags: it serves everyone). */
export function servesSegment(metadata: Pick<RankerMetadata, 'serve'> | undefined, segment: ShopperSegment) {
  const serve = metadata?.serve;
  if (!serve) return true;
  return segment === 'with_history' ? serve.shoppers_with_history !== false : serve.shoppers_without_history;
}

/** The candidates a model reorders out of `count`: no deeper than its logged lists went (`maxPosition`). */
export function rerankWindow(maxPosition: number | undefined, count: number): number {
  return Math.min(count, maxPosition ?? count);
}

/**
 * Indices 0..count-1 in serving order (the model's top `window`, then the fused rest) and
 * the model's score of each of the first `window`. Ties keep the fused order.
 */
export function servingOrder(
  model: Pick<RankerModel, 'score'>,
  features: Float32Array,
  count: number,
  window: number,
): { order: number[]; scores: Float32Array } {
  const scores = model.score(features, window);
  const top = Array.from({ length: window }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  for (let i = window; i < count; i++) top.push(i);
  return { order: top, scores };
}
