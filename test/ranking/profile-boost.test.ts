import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/ranking/features/feature-set.ts';
import { profileAffinity, profileBoostOrder } from '../../src/ranking/profile-boost.ts';

const column = (name: string) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

/** Feature rows with only the fused score, the history flag and a perfect or no fit set. */
function rows(candidates: { fused: number; fit: boolean }[], history = true): Float32Array {
  const features = new Float32Array(candidates.length * FEATURE_COUNT);
  candidates.forEach(({ fused, fit }, r) => {
    const base = r * FEATURE_COUNT;
    features[base + column('fused_score')] = fused;
    features[base + column('user_has_history')] = history ? 1 : 0;
    if (fit)
      for (const name of [
        'category_affinity',
        'category_affinity_l1',
        'category_affinity_l2',
        'brand_affinity',
        'price_band_affinity',
      ])
        features[base + column(name)] = 1;
  });
  return features;
}

describe('profile boost', () => {
  it('lifts a perfect fit by at most the impact, as a share of the fused range', () => {
    // Fused scores 1.0 / 0.85 / 0.75 / 0 normalize to themselves (min 0, max 1).
    const close = rows([
      { fused: 1, fit: false },
      { fused: 0.85, fit: true },
      { fused: 0.75, fit: true },
      { fused: 0, fit: false },
    ]);
    expect(profileAffinity(close, 1)).toBeCloseTo(1, 6);
    expect(profileAffinity(close, 0)).toBe(0);
    // 0.85 + 0.2 passes 1.0; 0.75 + 0.2 does not.
    expect(profileBoostOrder(close, 4, 0.2)!.order).toEqual([1, 0, 2, 3]);
    expect(profileBoostOrder(close, 4, 0.1)!.order).toEqual([0, 1, 2, 3]);
    expect(profileBoostOrder(close, 4, 0.3)!.order).toEqual([1, 2, 0, 3]);
  });

  it('does nothing without history or impact', () => {
    const anonymous = rows(
      [
        { fused: 0.5, fit: false },
        { fused: 0.49, fit: true },
      ],
      false,
    );
    expect(profileBoostOrder(anonymous, 2, 0.2)).toBeUndefined();
    expect(
      profileBoostOrder(
        rows([
          { fused: 0.5, fit: false },
          { fused: 0.49, fit: true },
        ]),
        2,
        0,
      ),
    ).toBeUndefined();
  });
});
