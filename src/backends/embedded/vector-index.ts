/**
 * The kNN leg. The vectors and their filter fields live in a sqlite-vec vec0 table, the
 * source of truth that every write updates in its transaction. sqlite-vec scans every vector
 * of it (~1 µs a vector, 50-100 ms for 55k products), which is the exact search small
 * catalogs keep. Large catalogs get an index over it:
 * - `hnsw` (default): a usearch HNSW graph in a file beside the SQLite file, with the rows
 *   written since its build scored exactly (hnsw-layer.ts, docs/adr/0010);
 * - `ivf`: the previous inverted-file layout, cells by spherical k-means as vec0 partitions
 *   (docs/adr/0003), kept as the baseline bench:search compares against.
 * Filters are vec0 metadata constraints, applied inside the exact scans; the graph's
 * candidates are re-scored through them.
 */
import { categoryPrefixes, type Product } from '../../catalog/product.ts';
import type { SqliteDatabase } from './database.ts';
import { readMeta, writeMeta } from './database.ts';
import { MISSING_PRICE, VECTOR_CATEGORY_LEVELS, type VectorFilterSql } from './filter-sql.ts';
import { DEFAULT_HNSW_SETTINGS, type HnswSettings } from './hnsw-file.ts';
import { HnswLayer } from './hnsw-layer.ts';
import { assignToCentroids, rankCentroids, sampleRows, trainSphericalKMeans } from './kmeans.ts';
import { StatementCache } from './statement-cache.ts';

export interface VectorIndexSettings {
  /** The index over large catalogs. */
  kind: 'hnsw' | 'ivf';
  hnsw: HnswSettings;
  /** IVF: average vectors per cell once the catalog is split. */
  cellSize: number;
  /** IVF: cells scanned per query. */
  probes: number;
  /** Catalogs smaller than this get no index: an exact scan. */
  minVectorsForIndex: number;
}

export const DEFAULT_VECTOR_INDEX_SETTINGS: VectorIndexSettings = {
  kind: 'hnsw',
  hnsw: DEFAULT_HNSW_SETTINGS,
  cellSize: 384,
  probes: 24,
  minVectorsForIndex: 8192,
};

/** A filtered kNN over the graph re-scores this many candidates per wanted hit (at least). */
const FILTER_OVERFETCH = 8;
const MIN_FILTER_CANDIDATES = 400;
/** The graph is rebuilt once the rows written since its build exceed this share of it. */
const MAX_DELTA_SHARE = 0.05;
const MIN_DELTA_FOR_REBUILD = 256;
/** Beyond this share, scoring the delta exactly beside the graph costs more than one exact scan. */
const MAX_DELTA_SERVED = 0.25;

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
  private hnsw: HnswLayer | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    readonly dimensions: number,
    private readonly settings: VectorIndexSettings,
  ) {
    this.statements = new StatementCache(db);
  }

  open(): void {
    if (!this.tableExists()) this.createTable(1);
    if (this.settings.kind === 'hnsw')
      this.hnsw = new HnswLayer(this.db, this.dimensions, this.settings.hnsw);
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
    this.hnsw?.recordChange(rowid);
  }

  delete(rowid: number): void {
    this.statements.get('DELETE FROM product_vectors WHERE rowid = ?').run(BigInt(rowid));
    this.hnsw?.recordChange(rowid);
  }

  search(vector: Float32Array, filter: VectorFilterSql, limit: number): VectorHit[] {
    if (this.hnsw) return this.searchGraph(this.hnsw, vector, filter, limit);
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

  /**
   * The graph's nearest rows, minus those written since its build, merged with those scored
   * exactly. With a filter, the graph's candidates are re-scored through it; when too few
   * pass (a selective filter), the exact scan with the filter answers.
   */
  private searchGraph(
    hnsw: HnswLayer,
    vector: Float32Array,
    filter: VectorFilterSql,
    limit: number,
  ): VectorHit[] {
    const graph = hnsw.current();
    if (!graph) return this.probe(vector, filter, limit, 1);
    const delta = hnsw.deltaRowids();
    // Many writes since the build (before the rebuild that follows them): the exact scan.
    if (delta.length > graph.size * MAX_DELTA_SERVED) return this.probe(vector, filter, limit, 1);
    const changed = new Set(delta);
    if (filter.sql === '') {
      const fromGraph = graph
        .search(vector, limit + changed.size)
        .filter((hit) => !changed.has(hit.rowid))
        .slice(0, limit);
      if (delta.length === 0) return fromGraph;
      const fromDelta = this.searchAmong(vector, filter, delta, limit);
      return [...fromGraph, ...fromDelta].sort((a, b) => b.similarity - a.similarity).slice(0, limit);
    }
    const wanted = Math.max(limit * FILTER_OVERFETCH, MIN_FILTER_CANDIDATES);
    const candidates = graph
      .search(vector, wanted + changed.size)
      .map((hit) => hit.rowid)
      .filter((rowid) => !changed.has(rowid));
    const hits = this.searchAmong(vector, filter, [...candidates, ...delta], limit);
    if (hits.length >= limit || candidates.length + delta.length >= graph.size) return hits;
    return this.probe(vector, filter, limit, 1);
  }

  /** Whether the index no longer fits the catalog (IVF: its size changed 2x; HNSW: see below). */
  needsRebuild(vectorCount: number): boolean {
    if (this.hnsw) {
      if (vectorCount < this.settings.minVectorsForIndex) return this.hnsw.built || this.cells !== 1;
      const graph = this.hnsw.current();
      if (!graph || this.cells !== 1) return true;
      return this.hnsw.deltaSize() > Math.max(MIN_DELTA_FOR_REBUILD, graph.size * MAX_DELTA_SHARE);
    }
    const target = this.targetCells(vectorCount);
    return (
      target !== this.cells &&
      (target === 1 || this.cells === 1 || target / this.cells >= 2 || this.cells / target >= 2)
    );
  }

  /** Rebuilds the index over every stored vector: cells sized for the catalog, or the graph. */
  rebuild(products: ReadonlyMap<number, VectorMetadataSource>): { cells: number; vectors: number } {
    if (!this.hnsw) return this.rebuildCells(products);
    // A store laid out in IVF cells before goes back to one partition first.
    if (this.cells !== 1) this.rebuildCells(products);
    const rows = this.db.prepare('SELECT rowid, embedding FROM product_vectors').raw().all() as [
      number,
      Buffer,
    ][];
    if (rows.length < this.settings.minVectorsForIndex) {
      this.hnsw.drop();
      return { cells: 1, vectors: rows.length };
    }
    const dims = this.dimensions;
    const matrix = new Float32Array(rows.length * dims);
    rows.forEach(([, blob], i) => {
      matrix.set(new Float32Array(blob.buffer, blob.byteOffset, dims), i * dims);
    });
    this.hnsw.rebuild(
      rows.map(([rowid]) => rowid),
      matrix,
    );
    return { cells: 1, vectors: rows.length };
  }

  /** Whether searches go through an HNSW graph now. */
  get graphSize(): number | undefined {
    return this.hnsw?.current()?.size;
  }

  /** Re-cluster every stored vector into cells sized for the current catalog. */
  private rebuildCells(products: ReadonlyMap<number, VectorMetadataSource>): {
    cells: number;
    vectors: number;
  } {
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
    if (this.hnsw || vectorCount < this.settings.minVectorsForIndex) return 1;
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
