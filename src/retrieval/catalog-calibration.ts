/**
 * What retrieval learns from the stored catalog itself, rebuilt after the catalog or the
 * embedder changes:
 * - the spelling dictionary: the catalog's own words (titles, brands, categories,
 *   attribute values), so `pressue washer` is corrected to words this shop uses;
 * - the vector leg's noise floor: the cosine similarity that random letter strings reach
 *   in this catalog with this embedder. Every query has nearest neighbours; only those
 *   above what noise reaches are evidence. A query the keyword leg finds nothing for must
 *   clear the strict floor (the highest noise reached), any other the lenient one (the
 *   95th percentile).
 * Until the first build is done, queries are not corrected and no vector hit is dropped.
 */
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import type { Logger } from '../main/logger.ts';
import { seededRandom } from '../ml/seeded-random.ts';
import { SpellingDictionary } from '../text/spelling.ts';

export interface KnnFloor {
  /** For a query the keyword leg also matched. */
  lenient: number;
  /** For a query only the vector leg could answer. */
  strict: number;
  /** The embedder it was measured with. */
  embedder: string;
}

const NOISE_QUERIES = 200;
const SCAN_BATCH = 1000;
const REBUILD_DELAY_MS = 5_000;
const LETTERS = 'etaoinshrdlcumwfgypbvkjxqz';

function productWords(product: {
  title: string;
  brand?: string;
  category?: string[];
  attributes?: Record<string, unknown>;
}): string {
  const values = Object.values(product.attributes ?? {}).flatMap((value) =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.filter((v) => typeof v === 'string')
        : [],
  );
  return [product.title, product.brand, ...(product.category ?? []), ...values].filter(Boolean).join(' ');
}

/** Letter strings of 5-10 letters drawn by English letter frequency: words no catalog holds. */
export function noiseStrings(count: number, seed = 11): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const length = 5 + Math.floor(random() * 6);
    let word = '';
    for (let i = 0; i < length; i++) word += LETTERS[Math.floor(random() ** 1.6 * LETTERS.length)];
    return word;
  });
}

export class CatalogCalibration {
  private dictionary: SpellingDictionary | undefined;
  private floor: KnnFloor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly backend: SearchBackend,
    private readonly embedder: EmbedderSlot,
    private readonly logger?: Logger,
    /** Called after each rebuild: what searches cached with the previous one is stale. */
    private readonly onRebuilt?: () => void,
  ) {}

  get spelling(): SpellingDictionary | undefined {
    return this.dictionary;
  }

  /** The measured floor, while it belongs to the embedder serving now. */
  knnFloor(): KnnFloor | undefined {
    return this.floor?.embedder === this.embedder.current.id ? this.floor : undefined;
  }

  /** The catalog changed: rebuild a little later (a bulk load arrives in many batches). */
  changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), REBUILD_DELAY_MS);
    this.timer.unref();
  }

  /** Rebuilds both now; a call while one runs waits for it and runs once more after it. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.build()
      .catch((error) => this.logger?.error({ err: error }, 'catalog calibration failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.running;
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private async build(): Promise<void> {
    const started = performance.now();
    const texts: string[] = [];
    for await (const batch of this.backend.scanProducts(SCAN_BATCH))
      for (const p of batch) texts.push(productWords(p));
    this.dictionary = texts.length > 0 ? SpellingDictionary.build(texts) : undefined;
    this.floor = texts.length > 0 ? await this.measureFloor() : undefined;
    this.onRebuilt?.();
    this.logger?.info(
      {
        products: texts.length,
        words: this.dictionary?.size ?? 0,
        knn_floor: this.floor && { lenient: this.floor.lenient, strict: this.floor.strict },
        ms: Math.round(performance.now() - started),
      },
      'catalog calibration rebuilt',
    );
  }

  private async measureFloor(): Promise<KnnFloor | undefined> {
    const embedder = this.embedder.current;
    const vectors = await embedder.embed(noiseStrings(NOISE_QUERIES), 'query');
    const best: number[] = [];
    for (const vector of vectors) {
      const [top] = await this.backend.vectorSearch({ vector, filters: {}, limit: 1 });
      if (top) best.push(top.score);
    }
    if (best.length === 0) return undefined;
    best.sort((a, b) => a - b);
    return {
      lenient: best[Math.floor(best.length * 0.95)]!,
      strict: best.at(-1)!,
      embedder: embedder.id,
    };
  }
}
