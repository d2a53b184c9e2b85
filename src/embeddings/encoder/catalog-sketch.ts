/**
 * How much of a catalog an encoder has seen: a bottom-k sketch (the k smallest hashes of
 * the products' id and content) is kept with the encoder; the same sketch of today's
 * catalog estimates the share of products new or changed since (Broder's bottom-k
 * estimate of the Jaccard similarity of the two sets).
 */
import { createHash } from 'node:crypto';

export const SKETCH_SIZE = 256;

export interface SketchedProduct {
  id: string;
  contentHash: string;
}

function itemHash(item: SketchedProduct): string {
  return createHash('sha1').update(`${item.id}\u0000${item.contentHash}`).digest('hex').slice(0, 16);
}

/** Keeps the k smallest hashes while products stream past. */
export class CatalogSketcher {
  private readonly hashes: string[] = [];

  constructor(private readonly size = SKETCH_SIZE) {}

  add(item: SketchedProduct): void {
    const hash = itemHash(item);
    const { hashes } = this;
    if (hashes.length === this.size && hash >= hashes.at(-1)!) return;
    let low = 0;
    let high = hashes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (hashes[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    if (hashes[low] === hash) return;
    hashes.splice(low, 0, hash);
    if (hashes.length > this.size) hashes.pop();
  }

  get sketch(): string[] {
    return [...this.hashes];
  }
}

/** Estimated share of the products in `now` that `then` did not hold (0: same catalog, 1: all new). */
export function changedShare(then: readonly string[], now: readonly string[]): number {
  if (now.length === 0) return 0;
  if (then.length === 0) return 1;
  const size = Math.min(SKETCH_SIZE, Math.max(then.length, now.length));
  const union = [...new Set([...then, ...now])].sort().slice(0, size);
  const inThen = new Set(then);
  const inNow = new Set(now);
  const both = union.filter((hash) => inThen.has(hash) && inNow.has(hash)).length;
  return 1 - both / union.length;
}
