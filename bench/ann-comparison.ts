/**
 * bench:search's vector-index comparison: the served catalog's vectors, indexed three ways
 * in fresh SQLite files, queried with the dev queries' embeddings:
 *   exact  the sqlite-vec scan of every vector (the ground truth: its top 100 is "exact");
 *   ivf    the previous index, spherical k-means cells as vec0 partitions, 24 probes;
 *   hnsw   the usearch graph beside the SQLite file (the default now).
 * Recall@100 against exact, kNN p50/p99, and the build time from stored vectors to index.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type SqliteDatabase } from '../src/backends/embedded/database.ts';
import type { EmbeddedBackend } from '../src/backends/embedded/embedded-backend.ts';
import {
  DEFAULT_VECTOR_INDEX_SETTINGS,
  VectorIndex,
  type VectorIndexSettings,
} from '../src/backends/embedded/vector-index.ts';
import type { Runtime } from '../src/main/runtime.ts';
import { latencySummary } from './homedepot.ts';

const K = 100;
const NO_FILTER = { sql: '', params: [] };

interface IndexResult {
  build_seconds: number;
  recall100: number;
  knn_ms: ReturnType<typeof latencySummary>;
  file_bytes?: number;
}

function freshIndex(
  dimensions: number,
  settings: Partial<VectorIndexSettings>,
): { db: SqliteDatabase; index: VectorIndex; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ann-'));
  const db = openDatabase(path.join(dir, 'vectors.db'));
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const index = new VectorIndex(db, dimensions, { ...DEFAULT_VECTOR_INDEX_SETTINGS, ...settings });
  index.open();
  return { db, index, dir };
}

function measure(
  index: VectorIndex,
  queries: readonly Float32Array[],
  exact: readonly Set<number>[] | undefined,
): { recall100: number; knn_ms: ReturnType<typeof latencySummary>; hits: Set<number>[] } {
  const times: number[] = [];
  const hits: Set<number>[] = [];
  let found = 0;
  queries.forEach((query, i) => {
    const t0 = performance.now();
    const result = index.search(query, NO_FILTER, K);
    times.push(performance.now() - t0);
    const ids = new Set(result.map((h) => h.rowid));
    hits.push(ids);
    if (exact) for (const rowid of exact[i]!) if (ids.has(rowid)) found++;
  });
  const expected = exact ? exact.reduce((sum, set) => sum + set.size, 0) : 1;
  return { recall100: exact ? found / expected : 1, knn_ms: latencySummary(times), hits };
}

export async function compareVectorIndexes(
  runtime: Runtime,
  queryTexts: readonly string[],
): Promise<Record<'exact' | 'ivf' | 'hnsw', IndexResult> & { vectors: number; queries: number }> {
  const served = openDatabase((runtime.backend as EmbeddedBackend).file);
  const rows = served.prepare('SELECT rowid, embedding FROM product_vectors').raw().all() as [
    number,
    Buffer,
  ][];
  served.close();
  const dimensions = runtime.embedder.current.dimensions;
  const queries = await runtime.embedder.current.embed(queryTexts, 'query');
  const metadata = new Map(rows.map(([rowid]) => [rowid, {}]));

  const build = (settings: Partial<VectorIndexSettings>) => {
    const fresh = freshIndex(dimensions, settings);
    fresh.db.transaction(() => {
      for (const [rowid, blob] of rows)
        fresh.index.insert(rowid, new Float32Array(blob.buffer, blob.byteOffset, dimensions), {});
    })();
    const t0 = performance.now();
    fresh.index.rebuild(metadata);
    return { ...fresh, buildSeconds: (performance.now() - t0) / 1000 };
  };

  // Exact: one partition, no index (the threshold above the catalog size).
  const exactIndex = build({ kind: 'ivf', minVectorsForIndex: Number.MAX_SAFE_INTEGER });
  const exact = measure(exactIndex.index, queries, undefined);
  exactIndex.db.close();
  console.error(`ann: exact scan p50 ${exact.knn_ms.p50.toFixed(2)} ms`);

  const results = {
    exact: { build_seconds: 0, recall100: 1, knn_ms: exact.knn_ms },
  } as Record<'exact' | 'ivf' | 'hnsw', IndexResult>;
  for (const kind of ['ivf', 'hnsw'] as const) {
    const built = build({ kind });
    const measured = measure(built.index, queries, exact.hits);
    const graphFile = fs.readdirSync(built.dir).find((name) => name.includes('.hnsw-'));
    results[kind] = {
      build_seconds: built.buildSeconds,
      recall100: measured.recall100,
      knn_ms: measured.knn_ms,
      ...(graphFile && { file_bytes: fs.statSync(path.join(built.dir, graphFile)).size }),
    };
    console.error(`ann: ${kind} ${JSON.stringify(results[kind])}`);
    built.db.close();
    fs.rmSync(built.dir, { recursive: true, force: true });
  }
  fs.rmSync(exactIndex.dir, { recursive: true, force: true });
  return { ...results, vectors: rows.length, queries: queries.length };
}
