/**
 * Catalog writes: validate each record, skip unchanged ones, embed the rest and upsert
 * them. A bad record is rejected with its index and field paths; the good records of the
 * same batch are stored. A full reindex rebuilds the index from the stored catalog.
 */
import { Mutex } from 'async-mutex';
import type { Embedder, EmbedderSlot } from '../embeddings/embedder.ts';
import {
  type FieldError,
  isUnreadable,
  type Product,
  productContentHash,
  productEmbeddingText,
  validateProduct,
} from './product.ts';
import type { IndexedProduct, ReindexReport, SearchBackend } from './search-backend.ts';

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
  /** Demo products removed because the shop's own catalog arrived (first batch only). */
  demoRemoved?: number;
  errors: RejectedRecord[];
}

export interface CatalogServiceOptions {
  /** Told after every write that changed the catalog, and after a reindex switched generations. */
  onChange?: () => void;
  /** The demo catalog's ids: while the store holds only them, the first other product replaces them. */
  demoIds?: ReadonlySet<string>;
  /** The demo catalog was replaced by the shop's own (time to adapt the encoder to it). */
  onDemoReplaced?: () => void;
}

export interface CatalogReindexReport extends ReindexReport {
  embedder: string;
  /** Where the products came from: the stored catalog, or a catalog feed (full replace). */
  source: 'catalog' | 'feed';
  /** Feed records that failed validation (not indexed). */
  rejected: number;
  /** Writes accepted while the new generation was built, replayed into it after the switch. */
  replayed: number;
}

export interface ReindexOptions {
  /** The model to embed with (default: the current one); switching models happens here. */
  embedder?: Embedder;
  /** Raw product records of a catalog feed; the new generation holds exactly its valid products. */
  feed?: AsyncIterable<unknown[]>;
  /** Stops the build at the next batch; the serving generation is untouched. */
  signal?: AbortSignal;
}

const EMBED_BATCH = 256;
const WRITE_BATCH = 1000;
const SCAN_BATCH = 1000;

export class CatalogService {
  /** Serializes writes, so a reindex's replay never interleaves with a newer write. */
  private readonly writes = new Mutex();
  /** While a reindex builds: the latest write of each product id (null: deleted). */
  private recording: Map<string, Product | null> | undefined;

  /** Whether the store holds exactly the demo catalog; worked out at the first write. */
  private demoOnly: boolean | undefined;

  constructor(
    private readonly backend: SearchBackend,
    private readonly embedder: EmbedderSlot,
    private readonly options: CatalogServiceOptions = {},
  ) {}

  private onChange(): void {
    this.options.onChange?.();
  }

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
    const { demoRemoved, ...outcome } = await this.writes.runExclusive(async () => {
      const removed = await this.replaceDemo(products);
      return { ...(await this.upsert(products)), demoRemoved: removed };
    });
    if (demoRemoved > 0) this.options.onDemoReplaced?.();
    return {
      received: records.length,
      accepted: records.length - errors.length,
      rejected: errors.length,
      ...outcome,
      ...(demoRemoved > 0 && { demoRemoved }),
      errors,
    };
  }

  /**
   * The shop's first own products leave no demo product behind: shop results never mix with
   * demo products. The caller holds the write lock. Returns how many were removed.
   */
  private async replaceDemo(products: readonly Product[]): Promise<number> {
    const demo = this.options.demoIds;
    if (!demo || this.demoOnly === false || products.every((p) => demo.has(p.id))) return 0;
    if (this.demoOnly === undefined) {
      const count = await this.backend.countProducts();
      const stored = await this.backend.contentHashes([...demo]);
      this.demoOnly = count > 0 && count === stored.size;
    }
    if (!this.demoOnly) return 0;
    this.demoOnly = false;
    let removed = 0;
    for (const id of demo) if (await this.backend.deleteProduct(id)) removed++;
    this.onChange();
    return removed;
  }

  /** Removes every product (`catalog clear`); returns how many there were. */
  async clear(): Promise<number> {
    return this.writes.runExclusive(async () => {
      const ids: string[] = [];
      for await (const batch of this.backend.scanProducts(SCAN_BATCH)) ids.push(...batch.map((p) => p.id));
      for (const id of ids) await this.backend.deleteProduct(id);
      this.demoOnly = false;
      if (ids.length > 0) this.onChange();
      return ids.length;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.writes.runExclusive(async () => {
      const deleted = await this.backend.deleteProduct(id);
      if (deleted) {
        this.recording?.set(id, null);
        this.onChange();
      }
      return deleted;
    });
  }

  async get(id: string): Promise<Product | undefined> {
    return (await this.backend.getProducts([id])).get(id);
  }

  /**
   * Rebuilds the index from the stored catalog with `embedder` (the current one by default)
   * into a new generation and switches to it. Unchanged product texts come from the
   * embedding cache, so only changed products are embedded again.
   */
  async reindex(options: ReindexOptions = {}): Promise<CatalogReindexReport> {
    const embedder = options.embedder ?? this.embedder.current;
    if (this.recording) throw new Error('a reindex is already running');
    this.recording = new Map();
    const rejected = { count: 0 };
    try {
      const source = options.feed
        ? this.validated(options.feed, rejected)
        : this.backend.scanProducts(SCAN_BATCH);
      const pending = await this.backend.buildGeneration(this.embedAll(source, embedder, options.signal), {
        id: embedder.id,
        dimensions: embedder.dimensions,
      });
      // Switch generation and embedder, and replay the writes made meanwhile, with writes held.
      return await this.writes.runExclusive(async () => {
        if (options.signal?.aborted) {
          await pending.discard();
          options.signal.throwIfAborted();
        }
        let report: ReindexReport;
        try {
          report = await pending.commit();
        } catch (error) {
          await pending.discard();
          throw error;
        }
        this.embedder.current = embedder;
        const changes = this.recording!;
        this.recording = undefined;
        const deleted = [...changes].filter(([, product]) => product === null).map(([id]) => id);
        for (const id of deleted) await this.backend.deleteProduct(id);
        await this.upsert([...changes.values()].filter((p): p is Product => p !== null));
        this.onChange();
        return {
          ...report,
          embedder: embedder.id,
          source: options.feed ? 'feed' : 'catalog',
          rejected: rejected.count,
          replayed: changes.size,
        };
      });
    } finally {
      this.recording = undefined;
    }
  }

  private async *validated(
    feed: AsyncIterable<unknown[]>,
    rejected: { count: number },
  ): AsyncIterable<Product[]> {
    for await (const records of feed) {
      const products: Product[] = [];
      for (const record of records) {
        const validation = isUnreadable(record) ? undefined : validateProduct(record);
        if (validation?.ok) products.push(validation.product);
        else rejected.count++;
      }
      yield products;
    }
  }

  private async *embedAll(
    products: AsyncIterable<Product[]>,
    embedder: Embedder,
    signal: AbortSignal | undefined,
  ): AsyncIterable<IndexedProduct[]> {
    for await (const batch of products) {
      signal?.throwIfAborted();
      yield this.indexed(
        batch.map((product) => ({ product, contentHash: productContentHash(product) })),
        embedder,
      );
    }
  }

  private async indexed(
    items: readonly { product: Product; contentHash: string }[],
    embedder: Embedder,
  ): Promise<IndexedProduct[]> {
    const out: IndexedProduct[] = [];
    for (let start = 0; start < items.length; start += EMBED_BATCH) {
      const part = items.slice(start, start + EMBED_BATCH);
      const vectors = await embedder.embed(
        part.map((c) => productEmbeddingText(c.product)),
        'passage',
      );
      for (const [j, c] of part.entries()) out.push({ ...c, vector: vectors[j]! });
    }
    return out;
  }

  /** Writes the products whose content changed; the caller holds the write lock. */
  private async upsert(
    products: readonly Product[],
    embedder: Embedder = this.embedder.current,
  ): Promise<Pick<IngestReport, 'created' | 'updated' | 'unchanged'>> {
    const stored = await this.backend.contentHashes(products.map((p) => p.id));
    const changed: { product: Product; contentHash: string }[] = [];
    for (const product of products) {
      const contentHash = productContentHash(product);
      if (stored.get(product.id) !== contentHash) changed.push({ product, contentHash });
    }
    for (let start = 0; start < changed.length; start += WRITE_BATCH) {
      await this.backend.upsertProducts(
        await this.indexed(changed.slice(start, start + WRITE_BATCH), embedder),
      );
    }
    for (const product of products) this.recording?.set(product.id, product);
    if (changed.length > 0) this.onChange();
    const created = changed.filter((c) => !stored.has(c.product.id)).length;
    return { created, updated: changed.length - created, unchanged: products.length - changed.length };
  }
}
