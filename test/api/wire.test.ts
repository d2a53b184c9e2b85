import { describe, expect, it } from 'vitest';
import { toWire } from '../../src/api/wire.ts';
import { emptyProfile } from '../../src/users/profiles.ts';

describe('the wire mapper', () => {
  it('turns field names snake_case at any depth, in arrays too', () => {
    expect(
      toWire({
        lastRun: { startedAt: 'x', durationSeconds: 1, counts: { from_queries: 2 } },
        runs: [{ finishedAt: 'y' }],
        nextRun: null,
        tookMs: 5,
      }),
    ).toEqual({
      last_run: { started_at: 'x', duration_seconds: 1, counts: { from_queries: 2 } },
      runs: [{ finished_at: 'y' }],
      next_run: null,
      took_ms: 5,
    });
  });

  it('leaves the keys of data maps alone: category paths, brand names, price bands', () => {
    const profile = {
      ...emptyProfile('h1', 7),
      categories: { 'Garden > Outdoor Power': 2 },
      brands: { DeWalt: 1 },
      priceBands: { '7': 4 },
    };
    expect(toWire(profile)).toEqual({
      user_hash: 'h1',
      as_of: 7,
      categories: { 'Garden > Outdoor Power': 2 },
      brands: { DeWalt: 1 },
      price_bands: { '7': 4 },
      price: { weight: 0, sum: 0, sum_squares: 0 },
      recent: [],
      purchased: [],
      counts: { clicks: 0, carts: 0, purchases: 0 },
    });
  });
});
