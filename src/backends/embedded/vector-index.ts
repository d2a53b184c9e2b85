/**
 * The kNN leg on sqlite-vec, organised as an inverted-file (IVF) index.
 *
 * sqlite-vec scans every vector of a vec0 table; on this class of machine that is ~1 µs a
 * vector, 50-100 ms for 55k products. Large catalogs are therefore split into cells by
 * spherical k-means, the cell is the vec0 partition key, and a query scans only the cells
 * nearest to it (see docs/adr/0003). Small catalogs stay one cell: an exact scan.
 * Filters are vec0 metadata constraints, so they apply inside the scan.
 */
import { categoryPrefixes, type Product } from '../../catalog/product.ts';
import type { SqliteDatabase } from './database.ts';
import { readMeta, writeMeta } from './database.ts';
import { MISSING_PRICE, VECTOR_CATEGORY_LEVELS, type VectorFilterSql } from './filter-sql.ts';
import { assignToCentroids, rankCentroids, sampleRows, trainSphericalKMeans } from './kmeans.ts';
import { StatementCache } from './statement-cache.ts';

export interface VectorIndexSettings {
  /** Average vectors per cell once the catalog is split. */
  cellSize: number;
  /** Cells scanned per query. */
  probes: number;
  /** Catalogs smaller than this stay one cell (exact search). */
  minVectorsForCells: number;
}

export const DEFAULT_VECTOR_INDEX_SETTINGS: VectorIndexSettings = {
  cellSize: 384,
  probes: 24,
  minVectorsForCells: 8192,
};

export interface VectorHit {
  rowid: number;
  similarity: number;
}

const KMEANS_SAMPLE_PER_CELL = 40;
const KMEANS_ITERATIONS = 8;

/** The product fields stored beside each vector for filtering. */
export type VectorMetadataSource = Pick<Product, 'brand' | 'category' | 'price' | 'in_stock'>;

function vectorMetadata(product: VectorMetadataSource): unknown[] {
  const prefixes = categoryPrefixes(product.category);
  const levels = Array.from({ length: VECTOR_CATEGORY_LEVELS }, (_, i) => prefixes[i] ?? '');
  return [
    product.brand ?? '',
    ...levels,
    product.price ?? MISSING_PRICE,
    product.in_stock === false ? 0n : 1n,
  ];
}

export class VectorIndex {
  private cells = 1;
  private centroids: Float32Array | undefined;
  private statements: StatementCache;

  constructor(
    private readonly db: SqliteDatabase,
    readonly dimensions: number,
    private readonly settings: VectorIndexSettings,
  ) {
    this.statements = new StatementCache(db);
  }

  open(): void {
    if (!this.tableExists()) this.createTable(1);
    this.cells = Number(readMeta(this.db, 'vector_cells') ?? '1');
    if (this.cells > 1) {
      const rows = this.db
        .prepare('SELECT centroid FROM vector_centroids ORDER BY cell')
        .pluck()
        .all() as Buffer[];
      this.centroids = new Float32Array(this.cells * this.dimensions);
      rows.forEach((blob, cell) => {
        this.centroids!.set(
          new Float32Array(blob.buffer, blob.byteOffset, this.dimensions),
          cell * this.dimensions,
        );
      });
    }
  }

  get cellCount(): number {
    return this.cells;
  }

  insert(rowid: number, vector: Float32Array, product: VectorMetadataSource): void {
    this.statements
      .get(
        `INSERT INTO product_vectors(rowid, cell, embedding, brand, cat1, cat2, cat3, cat4, price, in_stock)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(BigInt(rowid), BigInt(this.cellOf(vector)), vector, ...vectorMetadata(product));
  }

  delete(rowid: number): void {
    this.statements.get('DELETE FROM product_vectors WHERE rowid = ?').run(BigInt(rowid));
  }

  search(vector: Float32Array, filter: VectorFilterSql, limit: number): VectorHit[] {
    const probed = this.probe(vector, filter, limit, this.settings.probes);
    // A selective filter can leave the nearest cells nearly empty: fall back to all cells.
    if (probed.length < limit && this.cells > this.settings.probes)
      return this.probe(vector, filter, limit, this.cells);
    return probed;
  }

  /**
   * The nearest among these rows only, over every cell: for filters vec0's metadata cannot
   * express (attributes, dates, exclusions), evaluated first in SQL, so a selective filter
   * still finds its matches however far they are from the query.
   */
  searchAmong(
    vector: Float32Array,
    filter: VectorFilterSql,
    rowids: readonly number[],
    limit: number,
  ): VectorHit[] {
    if (rowids.length === 0) return [];
    const rows = this.statements
      .get(
        `SELECT rowid, distance FROM product_vectors
         WHERE embedding MATCH ? AND k = ? AND rowid IN (SELECT value FROM json_each(?))${filter.sql}`,
      )
      .raw()
      .all(vector, limit, JSON.stringify(rowids), ...filter.params) as [number, number][];
    rows.sort((a, b) => a[1] - b[1]);
    return rows.slice(0, limit).map(([rowid, distance]) => ({ rowid, similarity: 1 - distance }));
  }

  /** Whether the cell layout no longer fits the catalog size (e.g. it grew 2x). */
  needsRebuild(vectorCount: number): boolean {
    const target = this.targetCells(vectorCount);
    return (
      target !== this.cells &&
      (target === 1 || this.cells === 1 || target / this.cells >= 2 || this.cells / target >= 2)
    );
  }

  /** Re-cluster every stored vector into cells sized for the current catalog. */
  rebuild(products: ReadonlyMap<number, VectorMetadataSource>): { cells: number; vectors: number } {
    const rows = this.db.prepare('SELECT rowid, embedding FROM product_vectors').raw().all() as [
      number,
      Buffer,
    ][];
    const n = rows.length;
    const dims = this.dimensions;
    const matrix = new Float32Array(n * dims);
    rows.forEach(([, blob], i) => {
      matrix.set(new Float32Array(blob.buffer, blob.byteOffset, dims), i * dims);
    });
    const cells = this.targetCells(n);
    let centroids: Float32Array | undefined;
    let assignment: Int32Array;
    if (cells > 1) {
      const sample = sampleRows(matrix, dims, cells * KMEANS_SAMPLE_PER_CELL, 17);
      centroids = trainSphericalKMeans(sample, dims, cells, { iterations: KMEANS_ITERATIONS, seed: 42 });
      assignment = assignToCentroids(matrix, dims, centroids, cells);
    } else {
      assignment = new Int32Array(n);
    }
    this.db.transaction(() => {
      this.db.exec('DROP TABLE IF EXISTS product_vectors; DROP TABLE IF EXISTS vector_centroids;');
      this.createTable(cells);
      const insert = this.db.prepare(
        `INSERT INTO product_vectors(rowid, cell, embedding, brand, cat1, cat2, cat3, cat4, price, in_stock)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      rows.forEach(([rowid], i) => {
        const product = products.get(rowid);
        if (!product) return; // vector without product: dropped
        insert.run(
          BigInt(rowid),
          BigInt(assignment[i]!),
          matrix.subarray(i * dims, (i + 1) * dims),
          ...vectorMetadata(product),
        );
      });
      if (centroids) {
        const insertCentroid = this.db.prepare('INSERT INTO vector_centroids(cell, centroid) VALUES (?, ?)');
        for (let c = 0; c < cells; c++) insertCentroid.run(c, centroids.subarray(c * dims, (c + 1) * dims));
      }
      writeMeta(this.db, 'vector_cells', String(cells));
    })();
    this.cells = cells;
    this.centroids = centroids;
    this.statements = new StatementCache(this.db); // the table was recreated
    return { cells, vectors: n };
  }

  private targetCells(vectorCount: number): number {
    if (vectorCount < this.settings.minVectorsForCells) return 1;
    return Math.max(2, Math.round(vectorCount / this.settings.cellSize));
  }

  private cellOf(vector: Float32Array): number {
    if (this.cells <= 1 || !this.centroids) return 0;
    return assignToCentroids(vector, this.dimensions, this.centroids, this.cells)[0]!;
  }

  private probe(vector: Float32Array, filter: VectorFilterSql, limit: number, probes: number): VectorHit[] {
    const cells =
      this.cells <= 1 || !this.centroids
        ? [0]
        : rankCentroids(vector, this.centroids, this.cells).slice(0, Math.min(probes, this.cells));
    const rows = this.statements
      .get(
        `SELECT rowid, distance FROM product_vectors
         WHERE embedding MATCH ? AND k = ? AND cell IN (SELECT value FROM json_each(?))${filter.sql}`,
      )
      .raw()
      .all(vector, limit, JSON.stringify(cells), ...filter.params) as [number, number][];
    // vec0 returns up to k rows per cell: merge them.
    rows.sort((a, b) => a[1] - b[1]);
    return rows.slice(0, limit).map(([rowid, distance]) => ({ rowid, similarity: 1 - distance }));
  }

  private tableExists(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'product_vectors'").get() !== undefined;
  }

  private createTable(cells: number): void {
    // Small chunks when split: a probe reads whole chunks, and a cell holds a few hundred vectors.
    const chunkSize = cells > 1 ? 128 : 1024;
    this.db.exec(`
      CREATE VIRTUAL TABLE product_vectors USING vec0(
        cell INTEGER PARTITION KEY,
        embedding float[${this.dimensions}] distance_metric=cosine,
        brand TEXT, cat1 TEXT, cat2 TEXT, cat3 TEXT, cat4 TEXT,
        price FLOAT, in_stock BOOLEAN,
        chunk_size=${chunkSize}
      );
      CREATE TABLE IF NOT EXISTS vector_centroids (cell INTEGER PRIMARY KEY, centroid BLOB NOT NULL);
    `);
  }
}
