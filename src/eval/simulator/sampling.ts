/**
 * Random draws the simulator needs on top of the seeded uniform generator. Every stream is
 * derived from the run's seed and a stable key (a shopper's index, say), so a run is
 * reproducible however its requests interleave.
 */
import { seededRandom } from '../../ml/seeded-random.ts';

export type Random = () => number;

/** A 32-bit seed for a named sub-stream of `seed` (FNV-1a over the key, mixed with the seed). */
export function deriveSeed(seed: number, ...key: (string | number)[]): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const char of key.join('\u0000')) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function randomStream(seed: number, ...key: (string | number)[]): Random {
  return seededRandom(deriveSeed(seed, ...key));
}

/** Standard normal draw (Box-Muller). */
export function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function uniformBetween(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

export function integerBetween(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

export function pickOne<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('cannot pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}
