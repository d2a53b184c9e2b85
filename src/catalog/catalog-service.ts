/**
 * Catalog writes: validate each record, skip unchanged ones, embed the rest and upsert
 * them. A bad record is rejected with its index and field paths; the good records of the
 * same batch are stored.
 */
import type { IndexedProduct, SearchBackend } from '../backends/search-backend.ts';
import type { Embedder } from '../embeddings/embedder.ts';
import {
  type FieldError,
  type Product,
  productContentHash,
  productEmbeddingText,
  validateProduct,
} from './product.ts';

export interface RejectedRecord {
  index: number;
  id?: string;
  errors: FieldError[];
}

export interface IngestReport {
  received: number;
  accepted: number;
  rejected: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: RejectedRecord[];
}

/** A record that could not even be read (a malformed NDJSON line, say). */
export interface UnreadableRecord {
  unreadable: FieldError;
}

export function isUnreadable(record: unknown): record is UnreadableRecord {
  return typeof record === 'object' && record !== null && 'unreadable' in record;
}

const EMBED_BATCH = 256;
const WRITE_BATCH = 1000;

export class CatalogService {
  constructor(
    private readonly backend: SearchBackend,
    private readonly embedder: Embedder,
  ) {}

  /** `firstIndex` numbers the records when a large file arrives in several batches. */
  async ingest(records: readonly unknown[], firstIndex = 0): Promise<IngestReport> {
    const errors: RejectedRecord[] = [];
    const latest = new Map<string, Product>(); // within a batch the last record of an id wins
    records.forEach((record, i) => {
      const index = firstIndex + i;
      if (isUnreadable(record)) {
        errors.push({ index, errors: [record.unreadable] });
        return;
      }
      const validation = validateProduct(record);
      if (validation.ok) {
        latest.delete(validation.product.id);
        latest.set(validation.product.id, validation.product);
      } else {
        const rawId = (record as { id?: unknown })?.id;
        errors.push({
          index,
          ...((typeof rawId === 'string' || typeof rawId === 'number') && { id: String(rawId) }),
          errors: validation.errors,
        });
      }
    });

    const products = [...latest.values()];
    const stored = await this.backend.contentHashes(products.map((p) => p.id));
    const changed: { product: Product; contentHash: string }[] = [];
    let unchanged = 0;
    for (const product of products) {
      const contentHash = productContentHash(product);
      if (stored.get(product.id) === contentHash) unchanged++;
      else changed.push({ product, contentHash });
    }
    for (let start = 0; start < changed.length; start += WRITE_BATCH) {
      const slice = changed.slice(start, start + WRITE_BATCH);
      const items: IndexedProduct[] = [];
      for (let e = 0; e < slice.length; e += EMBED_BATCH) {
        const part = slice.slice(e, e + EMBED_BATCH);
        const vectors = await this.embedder.embed(
          part.map((c) => productEmbeddingText(c.product)),
          'passage',
        );
        for (const [j, c] of part.entries()) items.push({ ...c, vector: vectors[j]! });
      }
      await this.backend.upsertProducts(items);
    }
    const created = changed.filter((c) => !stored.has(c.product.id)).length;
    return {
      received: records.length,
      accepted: records.length - errors.length,
      rejected: errors.length,
      created,
      updated: changed.length - created,
      unchanged,
      errors,
    };
  }

  async delete(id: string): Promise<boolean> {
    return this.backend.deleteProduct(id);
  }

  async get(id: string): Promise<Product | undefined> {
    return (await this.backend.getProducts([id])).get(id);
  }
}
