/**
 * User profiles: what a shopper gravitates to, learned from their events. Affinities to
 * categories, brands and price bands decay exponentially (half-life configurable), so last
 * month's purchases count more than last year's. A profile is updated event by event as
 * events arrive and can be rebuilt from the whole event log; a shopper without events has
 * an empty profile, never an error.
 */

import { categoryPrefixes } from '../catalog/product.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import { EVENT_GAIN, type StoredEvent } from './events.ts';

export interface UserProfile {
  userHash: string;
  /** The time the decayed values are expressed at (epoch ms). */
  asOf: number;
  categories: Record<string, number>;
  brands: Record<string, number>;
  priceBands: Record<string, number>;
  /** Decayed weighted sums of log(price) over the products interacted with. */
  price: { weight: number; sum: number; sumSquares: number };
  /** Products clicked or carted, most recent first. */
  recent: string[];
  purchased: string[];
  counts: { clicks: number; carts: number; purchases: number };
}

export const DEFAULT_HALF_LIFE_DAYS = 30;
const RECENT_LIMIT = 50;
const PURCHASED_LIMIT = 200;
/** Profile weight of each event type: a purchase says more than a click. */
const PROFILE_WEIGHT = { impression: 0, click: 1, add_to_cart: 3, purchase: 5 } as const;

export function emptyProfile(userHash: string, asOf = 0): UserProfile {
  return {
    userHash,
    asOf,
    categories: {},
    brands: {},
    priceBands: {},
    price: { weight: 0, sum: 0, sumSquares: 0 },
    recent: [],
    purchased: [],
    counts: { clicks: 0, carts: 0, purchases: 0 },
  };
}

/** Price bands on a log scale: 0-10, 10-20, 20-40, 40-80, ... */
export function priceBand(price: number): string {
  if (price < 10) return '0';
  const band = Math.floor(Math.log2(price / 10)) + 1;
  return String(band);
}

function decay(values: Record<string, number>, factor: number): void {
  for (const key of Object.keys(values)) {
    values[key]! *= factor;
    if (values[key]! < 1e-4) delete values[key];
  }
}

function add(values: Record<string, number>, key: string, weight: number): void {
  values[key] = (values[key] ?? 0) + weight;
}

function pushFront(list: string[], id: string, limit: number): void {
  const at = list.indexOf(id);
  if (at >= 0) list.splice(at, 1);
  list.unshift(id);
  if (list.length > limit) list.length = limit;
}

/** Folds one event into a profile (mutates and returns it). */
export function applyEvent(
  profile: UserProfile,
  event: StoredEvent,
  product: ProductSummary | undefined,
  halfLifeDays = DEFAULT_HALF_LIFE_DAYS,
): UserProfile {
  const weight0 = PROFILE_WEIGHT[event.type];
  if (weight0 === 0) return profile;
  const halfLifeMs = halfLifeDays * 86_400_000;
  let weight = weight0;
  if (event.timestamp >= profile.asOf) {
    const factor = 0.5 ** ((event.timestamp - profile.asOf) / halfLifeMs);
    decay(profile.categories, factor);
    decay(profile.brands, factor);
    decay(profile.priceBands, factor);
    profile.price.weight *= factor;
    profile.price.sum *= factor;
    profile.price.sumSquares *= factor;
    profile.asOf = event.timestamp;
  } else {
    weight *= 0.5 ** ((profile.asOf - event.timestamp) / halfLifeMs); // arrived late
  }
  if (product) {
    for (const prefix of categoryPrefixes(product.category)) add(profile.categories, prefix, weight);
    if (product.brand) add(profile.brands, product.brand, weight);
    if (product.price !== undefined && product.price > 0) {
      add(profile.priceBands, priceBand(product.price), weight);
      const logPrice = Math.log(product.price);
      profile.price.weight += weight;
      profile.price.sum += weight * logPrice;
      profile.price.sumSquares += weight * logPrice * logPrice;
    }
  }
  if (event.type === 'click') profile.counts.clicks++;
  if (event.type === 'add_to_cart') profile.counts.carts++;
  if (event.type === 'purchase') {
    profile.counts.purchases++;
    pushFront(profile.purchased, event.productId, PURCHASED_LIMIT);
  } else {
    pushFront(profile.recent, event.productId, RECENT_LIMIT);
  }
  return profile;
}

/** A share of the shopper's total affinity, 0..1 (0 for a new shopper). */
export function affinityShare(values: Record<string, number>, key: string | undefined): number {
  if (key === undefined) return 0;
  let total = 0;
  for (const v of Object.values(values)) total += v;
  return total > 0 ? (values[key] ?? 0) / total : 0;
}

/** Mean and standard deviation of log(price) of what the shopper interacted with. */
export function priceTaste(profile: UserProfile): { mean: number; std: number } | undefined {
  const { weight, sum, sumSquares } = profile.price;
  if (weight <= 0) return undefined;
  const mean = sum / weight;
  const variance = Math.max(0, sumSquares / weight - mean * mean);
  return { mean, std: Math.sqrt(variance) };
}

export function hasHistory(profile: UserProfile | undefined): boolean {
  return profile !== undefined && profile.counts.clicks + profile.counts.carts + profile.counts.purchases > 0;
}

/** Graded label of a product in one result list from the events on it: the strongest wins. */
export function eventLabel(types: Iterable<StoredEvent['type']>): number {
  let label = 0;
  for (const type of types) label = Math.max(label, EVENT_GAIN[type]);
  return label;
}

function sumInto(target: Record<string, number>, source: Record<string, number>): void {
  for (const [key, value] of Object.entries(source)) add(target, key, value);
}

/**
 * The shopper as one profile: the user's history and what the current session did before
 * (or without) a login. The session's weights are recent, so they are added undecayed; its
 * products come first in `recent`. Either may be absent; neither is changed.
 */
export function mergeProfiles(
  user: UserProfile | undefined,
  session: UserProfile | undefined,
): UserProfile | undefined {
  if (!user || !hasHistory(session)) return user ?? (hasHistory(session) ? session : undefined);
  const merged = structuredClone(user);
  const s = session!;
  sumInto(merged.categories, s.categories);
  sumInto(merged.brands, s.brands);
  sumInto(merged.priceBands, s.priceBands);
  merged.price.weight += s.price.weight;
  merged.price.sum += s.price.sum;
  merged.price.sumSquares += s.price.sumSquares;
  merged.asOf = Math.max(user.asOf, s.asOf);
  for (const id of [...s.recent].reverse()) pushFront(merged.recent, id, RECENT_LIMIT);
  for (const id of [...s.purchased].reverse()) pushFront(merged.purchased, id, PURCHASED_LIMIT);
  merged.counts = {
    clicks: user.counts.clicks + s.counts.clicks,
    carts: user.counts.carts + s.counts.carts,
    purchases: user.counts.purchases + s.counts.purchases,
  };
  return merged;
}
