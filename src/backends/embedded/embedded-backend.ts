/**
 * The embedded engine: SQLite (better-sqlite3) in one WAL file. The products table holds
 * the documents, FTS5 the BM25 index, sqlite-vec the vectors. Every write touches all
 * three in one transaction, so a crash never leaves them disagreeing.
 *
 * Generations: a reindex builds a new database file beside the serving one and then
 * replaces the `search.current` pointer file atomically (write + rename). Another process
 * sharing the data directory notices the new pointer and reopens.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  AttributeFacetRow,
  AttributeFacetSpec,
  FacetRow,
  SortOrder,
} from '../../catalog/catalog-query.ts';
import { categoryPathText, type Product } from '../../catalog/product.ts';
import type {
  BrowseQuery,
  BrowseResult,
  EmbedderIdentity,
  IndexedProduct,
  LexicalQuery,
  PendingGeneration,
  ProductSummary,
  RankedHit,
  SearchBackend,
  VectorQuery,
} from '../../catalog/search-backend.ts';
import { hasMagnitude } from '../../embeddings/embedder.ts';
import { ServiceError } from '../../main/errors.ts';
import type { Logger } from '../../main/logger.ts';
import { migrateSchema, openDatabase, readMeta, type SqliteDatabase, writeMeta } from './database.ts';
import { productFilterSql, type SqlFragment, vectorFilterSql } from './filter-sql.ts';
import { hnswFilesOf } from './hnsw-layer.ts';
import { LexicalSearcher } from './lexical-search.ts';
import { StatementCache } from './statement-cache.ts';
import { TextIndexWriter } from './text-index.ts';
import {
  DEFAULT_VECTOR_INDEX_SETTINGS,
  type VectorHit,
  VectorIndex,
  type VectorIndexSettings,
} from './vector-index.ts';

/** Up to this many rows passing the filters vec0 cannot apply, the kNN runs among them exactly. */
const EXACT_FILTERED_SEARCH_ROWS = 20_000;
/**
 * Catalog writes through the API leave the vector index to `optimize()`: it runs once they
 * have been quiet this long (a bulk load is many batches; one rebuild after the last).
 */
const OPTIMIZE_AFTER_QUIET_MS = 30_000;

export interface EmbeddedBackendOptions {
  /** Directory of the store; the serving database file is named by `<dataDir>/search.current`. */
  dataDir: string;
  embedder: EmbedderIdentity;
  vectorIndex?: Partial<VectorIndexSettings>;
  logger?: Logger;
  /** Open this database file of the data directory instead of the serving one (reindex targets). */
  file?: string;
  /**
   * Open a store built with another embedder anyway, for the `reindex` command that rebuilds
   * it with the configured one: its old vectors serve no kNN until the new generation is in.
   */
  acceptEmbedderChange?: boolean;
  /**
   * A generation another process switched to was built with another embedder (an adapted
   * encoder): the embedder for it, if this process can serve with it (it then swaps its own).
   */
  resolveEmbedder?: (storedId: string) => EmbedderIdentity | undefined;
  /** Quiet time after catalog writes before the vector index is rebuilt if it needs it (ms). */
  optimizeAfterQuietMs?: number;
}

const POINTER_FILE = 'search.current';
const DEFAULT_DATABASE_FILE = 'search.db';

/** The database file the pointer names (the original `search.db` before any reindex). */
export function servingDatabaseFile(dataDir: string): string {
  try {
    const name = fs.readFileSync(path.join(dataDir, POINTER_FILE), 'utf8').trim();
    return name || DEFAULT_DATABASE_FILE;
  } catch {
    return DEFAULT_DATABASE_FILE;
  }
}

function writePointer(dataDir: string, file: string): void {
  const temporary = path.join(dataDir, `.${POINTER_FILE}.${process.pid}`);
  fs.writeFileSync(temporary, file);
  fs.renameSync(temporary, path.join(dataDir, POINTER_FILE));
}

function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  for (const graph of hnswFilesOf(file)) fs.rmSync(graph, { force: true });
}

function embedderMismatch(stored: string, configured: string): ServiceError {
  return new ServiceError(
    'index_conflict',
    `the index was built with embedder "${stored}" but the service is configured with "${configured}"; ` +
      'rebuild the index with the configured embedder: npm run cli -- reindex',
  );
}

interface SummaryRow {
  id: string;
  title: string;
  brand: string | null;
  category: string | null;
  price: number | null;
  in_stock: number | null;
  rating: number | null;
  review_count: number | null;
  popularity: number | null;
  created_at: string | null;
  attributes: string | null;
}

/** Ties are broken by id, as on Elasticsearch, so both engines page through the same order. */
const BROWSE_ORDER: Record<SortOrder, string> = {
  relevance: 'p.popularity DESC NULLS LAST, p.rating DESC NULLS LAST, p.id',
  price_asc: 'p.price ASC NULLS LAST, p.id',
  price_desc: 'p.price DESC NULLS LAST, p.id',
  newest: 'p.created_at DESC NULLS LAST, p.id',
  rating_desc: 'p.rating DESC NULLS LAST, p.review_count DESC NULLS LAST, p.id',
  popularity_desc: 'p.popularity DESC NULLS LAST, p.id',
};

function toSummary(row: SummaryRow): ProductSummary {
  const summary: ProductSummary = { id: row.id, title: row.title };
  if (row.brand !== null) summary.brand = row.brand;
  if (row.category !== null) summary.category = row.category.split(' > ');
  if (row.price !== null) summary.price = row.price;
  if (row.in_stock !== null) summary.in_stock = row.in_stock === 1;
  if (row.rating !== null) summary.rating = row.rating;
  if (row.review_count !== null) summary.review_count = row.review_count;
  if (row.popularity !== null) summary.popularity = row.popularity;
  if (row.created_at !== null) summary.created_at = row.created_at;
  if (row.attributes !== null) summary.attributes = JSON.parse(row.attributes) as Product['attributes'];
  return summary;
}

function priceBucketSql(edges: readonly number[]): string {
  if (edges.length === 0) return 'CASE WHEN p.price IS NULL THEN NULL ELSE 0 END';
  const whens = edges.map((edge, i) => `WHEN p.price < ${Number(edge)} THEN ${i}`).join(' ');
  return `CASE WHEN p.price IS NULL THEN NULL ${whens} ELSE ${edges.length} END`;
}

export class EmbeddedBackend implements SearchBackend {
  readonly kind = 'embedded' as const;
  private db: SqliteDatabase | undefined;
  private lexical!: LexicalSearcher;
  private text!: TextIndexWriter;
  private vectors!: VectorIndex;
  private statements!: StatementCache;
  private productCount = 0;
  private readonly settings: VectorIndexSettings;
  private embedder: EmbedderIdentity;
  private fileName: string | undefined;
  private pointerWatcher: fs.FSWatcher | undefined;
  /** The embedder the serving generation was built with, when it is not the configured one. */
  private staleEmbedder: string | undefined;
  private optimizeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EmbeddedBackendOptions) {
    this.settings = { ...DEFAULT_VECTOR_INDEX_SETTINGS, ...options.vectorIndex };
    this.embedder = options.embedder;
  }

  /** The database file serving now. */
  get file(): string {
    return path.join(
      this.options.dataDir,
      this.fileName ?? this.options.file ?? servingDatabaseFile(this.options.dataDir),
    );
  }

  async open(): Promise<void> {
    fs.mkdirSync(this.options.dataDir, { recursive: true });
    this.attach(this.options.file ?? servingDatabaseFile(this.options.dataDir));
    if (!this.options.file) this.watchPointer();
  }

  /** Opens one database file and checks it against the embedder. */
  private attach(fileName: string): void {
    const db = openDatabase(path.join(this.options.dataDir, fileName));
    try {
      migrateSchema(db, () => new TextIndexWriter(db).rebuildFromDocuments(db));
      const statements = new StatementCache(db);
      const productCount = statements.get('SELECT count(*) FROM products').pluck().get() as number;
      const { id } = this.embedder;
      let { dimensions } = this.embedder;
      const storedId = readMeta(db, 'embedder_id');
      let stale: string | undefined;
      if (storedId !== id && storedId !== undefined && productCount > 0) {
        if (!this.options.acceptEmbedderChange) throw embedderMismatch(storedId, id);
        stale = storedId;
        dimensions = Number(readMeta(db, 'embedder_dimensions'));
        this.options.logger?.warn(
          { stored: storedId, configured: id },
          'the index was built with another embedder: kNN is off until the reindex switches',
        );
      } else if (storedId !== id) {
        db.exec(
          "DROP TABLE IF EXISTS product_vectors; DROP TABLE IF EXISTS vector_centroids; DELETE FROM meta WHERE key = 'hnsw_file';",
        );
        writeMeta(db, 'embedder_id', id);
        writeMeta(db, 'embedder_dimensions', String(dimensions));
        writeMeta(db, 'vector_cells', '1');
      }
      const vectors = new VectorIndex(db, dimensions, this.settings);
      vectors.open();
      this.db?.close();
      this.db = db;
      this.statements = statements;
      this.productCount = productCount;
      this.vectors = vectors;
      this.lexical = new LexicalSearcher(db);
      this.text = new TextIndexWriter(db);
      this.fileName = fileName;
      this.staleEmbedder = stale;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Takes the embedder a generation was built with, when the resolver can give it. */
  private followEmbedder(fileName: string): void {
    const { resolveEmbedder } = this.options;
    if (!resolveEmbedder) return;
    const db = openDatabase(path.join(this.options.dataDir, fileName));
    let storedId: string | undefined;
    try {
      storedId = readMeta(db, 'embedder_id');
    } finally {
      db.close();
    }
    if (!storedId || storedId === this.embedder.id) return;
    const resolved = resolveEmbedder(storedId);
    if (resolved?.id === storedId) this.embedder = resolved;
  }

  /** Follows a reindex done by another process sharing the data directory. */
  private watchPointer(): void {
    this.pointerWatcher = fs.watch(this.options.dataDir, (_event, changed) => {
      if (changed !== POINTER_FILE || !this.db) return;
      const serving = servingDatabaseFile(this.options.dataDir);
      if (serving === this.fileName) return;
      try {
        this.followEmbedder(serving);
        this.attach(serving);
        this.options.logger?.info(
          { file: serving },
          'switched to the index generation another process built',
        );
      } catch (error) {
        this.options.logger?.error(
          { err: error, file: serving },
          'cannot switch to the new index generation',
        );
      }
    });
    this.pointerWatcher.unref();
  }

  /** Writes changed vectors: rebuild the index (if it then needs it) once writes go quiet. */
  private noteVectorWrites(): void {
    // A generation being built is optimized by buildGeneration when its load is done.
    if (this.options.file) return;
    clearTimeout(this.optimizeTimer);
    this.optimizeTimer = setTimeout(() => {
      if (!this.db) return;
      this.optimize().then(
        (result) =>
          result.rebuilt && this.options.logger?.info(result, 'vector index rebuilt after catalog writes'),
        (error: unknown) => this.options.logger?.error({ err: error }, 'vector index rebuild failed'),
      );
    }, this.options.optimizeAfterQuietMs ?? OPTIMIZE_AFTER_QUIET_MS);
    this.optimizeTimer.unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.optimizeTimer);
    this.pointerWatcher?.close();
    this.pointerWatcher = undefined;
    this.db?.close();
    this.db = undefined;
  }

  async isReady(): Promise<boolean> {
    return this.db?.open === true;
  }

  private get database(): SqliteDatabase {
    if (!this.db) throw new Error('the embedded backend is not open');
    return this.db;
  }

  async upsertProducts(items: readonly IndexedProduct[]): Promise<void> {
    const db = this.database;
    const findRowid = this.statements.get('SELECT rowid FROM products WHERE id = ?').pluck();
    const insertProduct = this.statements.get(
      `INSERT INTO products(id, doc, content_hash, title, brand, category, price, in_stock, rating, review_count,
         popularity, created_at, attributes, updated_at)
       VALUES (@id, @doc, @content_hash, @title, @brand, @category, @price, @in_stock, @rating, @review_count,
         @popularity, @created_at, @attributes, @updated_at)
       ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, content_hash = excluded.content_hash, title = excluded.title,
         brand = excluded.brand, category = excluded.category, price = excluded.price, in_stock = excluded.in_stock,
         rating = excluded.rating, review_count = excluded.review_count, popularity = excluded.popularity,
         created_at = excluded.created_at, attributes = excluded.attributes, updated_at = excluded.updated_at`,
    );
    const now = new Date().toISOString();
    db.transaction(() => {
      for (const { product, contentHash, vector } of items) {
        const existing = findRowid.get(product.id) as number | undefined;
        if (existing !== undefined) {
          this.text.delete(existing);
          this.vectors.delete(existing);
        }
        const info = insertProduct.run({
          id: product.id,
          doc: JSON.stringify(product),
          content_hash: contentHash,
          title: product.title,
          brand: product.brand ?? null,
          category: categoryPathText(product.category) ?? null,
          price: product.price ?? null,
          in_stock: product.in_stock === undefined ? null : product.in_stock ? 1 : 0,
          rating: product.rating ?? null,
          review_count: product.review_count ?? null,
          popularity: product.popularity ?? null,
          created_at: product.created_at ?? null,
          attributes: product.attributes ? JSON.stringify(product.attributes) : null,
          updated_at: now,
        });
        const rowid = existing ?? Number(info.lastInsertRowid);
        this.text.insert(rowid, product);
        this.vectors.insert(rowid, vector, product);
        if (existing === undefined) this.productCount++;
      }
    })();
    this.noteVectorWrites();
  }

  async contentHashes(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = this.statements
      .get('SELECT id, content_hash FROM products WHERE id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(ids)) as [string, string][];
    return new Map(rows);
  }

  async deleteProduct(id: string): Promise<boolean> {
    const db = this.database;
    const rowid = this.statements.get('SELECT rowid FROM products WHERE id = ?').pluck().get(id) as
      | number
      | undefined;
    if (rowid === undefined) return false;
    db.transaction(() => {
      this.text.delete(rowid);
      this.vectors.delete(rowid);
      this.statements.get('DELETE FROM products WHERE rowid = ?').run(rowid);
    })();
    this.productCount--;
    this.noteVectorWrites();
    return true;
  }

  async getProducts(ids: readonly string[]): Promise<Map<string, Product>> {
    const rows = this.statements
      .get('SELECT id, doc FROM products WHERE id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(ids)) as [string, string][];
    return new Map(rows.map(([id, doc]) => [id, JSON.parse(doc) as Product]));
  }

  async getSummaries(ids: readonly string[]): Promise<Map<string, ProductSummary>> {
    const rows = this.statements
      .get(
        `SELECT id, title, brand, category, price, in_stock, rating, review_count, popularity, created_at,
           attributes FROM products WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as SummaryRow[];
    return new Map(rows.map((row) => [row.id, toSummary(row)]));
  }

  async countProducts(): Promise<number> {
    return this.productCount;
  }

  async lexicalSearch(query: LexicalQuery): Promise<RankedHit[]> {
    const items = [...query.terms.map((term) => [term]), ...(query.phrases ?? [])];
    if (items.length === 0) return [];
    return this.lexical.search(items, query.fieldWeights, productFilterSql(query.filters), query.limit);
  }

  async vectorSearch(query: VectorQuery): Promise<RankedHit[]> {
    // No direction (a text without features), or embedded by the previous model while a
    // reindex switched models: no neighbours.
    if (this.staleEmbedder || query.vector.length !== this.embedder.dimensions || !hasMagnitude(query.vector))
      return [];
    const filter = vectorFilterSql(query.filters);
    const residual = filter.residual ? productFilterSql(filter.residual) : undefined;
    let hits: VectorHit[];
    // Exclusions alone (hidden products) leave most rows in: over-fetch for them.
    const { excludeIds: _ids, exclude: _filters, ...narrowing } = filter.residual ?? {};
    if (residual && Object.values(narrowing).some((v) => v !== undefined)) {
      // The rows the other filters pass, when they are few enough to search among exactly;
      // otherwise over-fetch and filter after the kNN, so the page still fills.
      const allowed = this.statements
        .get(`SELECT p.rowid FROM products p WHERE 1 = 1${residual.sql} LIMIT ?`)
        .pluck()
        .all(...residual.params, EXACT_FILTERED_SEARCH_ROWS + 1) as number[];
      hits =
        allowed.length <= EXACT_FILTERED_SEARCH_ROWS
          ? this.vectors.searchAmong(query.vector, filter, allowed, query.limit)
          : this.vectors.search(query.vector, filter, query.limit * 4);
    } else {
      hits = this.vectors.search(query.vector, filter, residual ? query.limit * 2 : query.limit);
    }
    if (hits.length === 0) return [];
    const rows = this.statements
      .get(
        `SELECT p.rowid, p.id FROM products p WHERE p.rowid IN (SELECT value FROM json_each(?))${residual?.sql ?? ''}`,
      )
      .raw()
      .all(JSON.stringify(hits.map((h) => h.rowid)), ...(residual?.params ?? [])) as [number, string][];
    const idOf = new Map(rows);
    const ranked: RankedHit[] = [];
    for (const hit of hits) {
      const id = idOf.get(hit.rowid);
      if (id !== undefined) ranked.push({ id, score: hit.similarity });
      if (ranked.length === query.limit) break;
    }
    return ranked;
  }

  async browse(query: BrowseQuery): Promise<BrowseResult> {
    const filter = productFilterSql(query.filters);
    const ids = this.statements
      .get(
        `SELECT p.id FROM products p WHERE 1 = 1${filter.sql} ORDER BY ${BROWSE_ORDER[query.sort]} LIMIT ? OFFSET ?`,
      )
      .pluck()
      .all(...filter.params, query.limit, query.offset) as string[];
    const facetRows = this.statements
      .get(
        `SELECT p.brand AS brand, p.category AS category, ${priceBucketSql(query.priceEdges)} AS priceBucket,
           count(*) AS count
         FROM products p WHERE 1 = 1${filter.sql} GROUP BY 1, 2, 3`,
      )
      .all(...filter.params) as FacetRow[];
    const total = facetRows.reduce((sum, row) => sum + row.count, 0);
    const attributeFacetRows = (query.attributeFacets ?? []).flatMap((spec) =>
      this.attributeFacetRows(spec, filter),
    );
    return { ids, total, facetRows, attributeFacetRows };
  }

  /** Products per value (terms) or per bucket (range) of one attribute, over the filtered catalog. */
  private attributeFacetRows(spec: AttributeFacetSpec, filter: SqlFragment): AttributeFacetRow[] {
    if (spec.kind === 'terms') {
      const rows = this.statements
        .get(
          `SELECT a.value AS value, count(DISTINCT a.rowid) AS count FROM product_attributes a
           JOIN products p ON p.rowid = a.rowid WHERE a.key = ?${filter.sql} GROUP BY a.value`,
        )
        .all(spec.key, ...filter.params) as { value: string; count: number }[];
      return rows.map((row) => ({ key: spec.key, value: row.value, count: row.count }));
    }
    const whens = spec.edges.map((edge, i) => `WHEN a.number < ${Number(edge)} THEN ${i}`).join(' ');
    const bucket = `CASE ${whens} ELSE ${spec.edges.length} END`;
    const rows = this.statements
      .get(
        `SELECT ${bucket} AS bucket, count(DISTINCT a.rowid) AS count FROM product_attributes a
         JOIN products p ON p.rowid = a.rowid WHERE a.key = ? AND a.number IS NOT NULL${filter.sql} GROUP BY 1`,
      )
      .all(spec.key, ...filter.params) as { bucket: number; count: number }[];
    return rows.map((row) => ({ key: spec.key, bucket: row.bucket, count: row.count }));
  }

  /** The search path expands synonyms into the terms and phrases this engine gets. */
  async setSynonyms(): Promise<void> {}

  async *scanProducts(batchSize: number): AsyncIterable<Product[]> {
    let after = 0;
    for (;;) {
      // Keyset pages: each page is its own read, so writes in between are never blocked.
      const rows = this.statements
        .get('SELECT rowid, doc FROM products WHERE rowid > ? ORDER BY rowid LIMIT ?')
        .raw()
        .all(after, batchSize) as [number, string][];
      if (rows.length === 0) return;
      after = rows.at(-1)![0];
      yield rows.map(([, doc]) => JSON.parse(doc) as Product);
    }
  }

  async buildGeneration(
    batches: AsyncIterable<readonly IndexedProduct[]>,
    embedder: EmbedderIdentity,
  ): Promise<PendingGeneration> {
    const started = performance.now();
    const name = `search-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 18)}-${process.pid}.db`;
    const file = path.join(this.options.dataDir, name);
    const target = new EmbeddedBackend({ ...this.options, embedder, file: name });
    let documents = 0;
    try {
      await target.open();
      for await (const batch of batches) {
        await target.upsertProducts(batch);
        documents += batch.length;
      }
      await target.optimize();
    } catch (error) {
      await target.close();
      removeDatabaseFiles(file);
      throw error;
    }
    await target.close();
    return {
      name,
      documents,
      commit: async () => {
        const previous = this.file;
        writePointer(this.options.dataDir, name);
        this.embedder = embedder;
        this.attach(name);
        removeDatabaseFiles(previous);
        return {
          generation: name,
          previous: [path.basename(previous)],
          documents,
          tookMs: Math.round(performance.now() - started),
        };
      },
      discard: async () => removeDatabaseFiles(file),
    };
  }

  /**
   * Rebuilds the vector index when the catalog outgrew (or shrank below) it: the HNSW graph
   * once the writes since its build are too many, or the IVF cell layout.
   */
  async optimize(): Promise<{ rebuilt: boolean; cells: number; graph?: number }> {
    if (!this.vectors.needsRebuild(this.productCount)) return { rebuilt: false, ...this.vectorIndexShape() };
    const rows = this.statements
      .get('SELECT rowid, brand, category, price, in_stock FROM products')
      .all() as {
      rowid: number;
      brand: string | null;
      category: string | null;
      price: number | null;
      in_stock: number | null;
    }[];
    const metadata = new Map(
      rows.map((r) => [
        r.rowid,
        {
          ...(r.brand !== null && { brand: r.brand }),
          ...(r.category !== null && { category: r.category.split(' > ') }),
          ...(r.price !== null && { price: r.price }),
          ...(r.in_stock !== null && { in_stock: r.in_stock === 1 }),
        },
      ]),
    );
    this.vectors.rebuild(metadata);
    return { rebuilt: true, ...this.vectorIndexShape() };
  }

  private vectorIndexShape(): { cells: number; graph?: number } {
    const graph = this.vectors.graphSize;
    return { cells: this.vectors.cellCount, ...(graph !== undefined && { graph }) };
  }
}
