/**
 * Keeps the HNSW graph file of one SQLite file consistent with its vectors, across processes.
 *
 * - The graph is built by the writer from every vector of the vec0 table and written to a new
 *   file beside the SQLite file; the meta key `hnsw_file` names the one in use. Every process
 *   reads that key before a search and maps the named file when it changed, so readers follow
 *   a rebuild without any message.
 * - Writes between builds leave the graph as it is: the changed rowids go to `vector_delta`
 *   in the same transaction as the write. A search drops them from the graph's answer and
 *   scores them exactly from the vec0 table instead (the exact-scan delta), so an updated or
 *   deleted product is never served from its old vector.
 * - The next build clears the delta in the transaction that switches `hnsw_file`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqliteDatabase } from './database.ts';
import { DEFAULT_HNSW_SETTINGS, HnswFile, type HnswSettings, writeHnswFile } from './hnsw-file.ts';
import { StatementCache } from './statement-cache.ts';

const META_KEY = 'hnsw_file';

export class HnswLayer {
  private graph: HnswFile | undefined;
  private readonly statements: StatementCache;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly dimensions: number,
    private readonly settings: HnswSettings = DEFAULT_HNSW_SETTINGS,
  ) {
    this.statements = new StatementCache(db);
    db.exec('CREATE TABLE IF NOT EXISTS vector_delta (rowid INTEGER PRIMARY KEY)');
  }

  private fileName(): string | undefined {
    return this.statements.get('SELECT value FROM meta WHERE key = ?').pluck().get(META_KEY) as
      | string
      | undefined;
  }

  /** The graph in use now, mapped again when another process switched to a new build. */
  current(): HnswFile | undefined {
    const name = this.fileName();
    if (name === undefined) {
      this.graph = undefined;
      return undefined;
    }
    const file = path.join(path.dirname(this.db.name), name);
    if (this.graph?.file !== file) {
      // A missing or unreadable file (deleted by hand): searches fall back to the exact scan.
      try {
        this.graph = new HnswFile(file, this.dimensions, this.settings);
      } catch {
        this.graph = undefined;
      }
    }
    return this.graph;
  }

  /** Whether a graph was built for this file (its writes must then be recorded in the delta). */
  get built(): boolean {
    return this.fileName() !== undefined;
  }

  /** Called inside the write's transaction. */
  recordChange(rowid: number): void {
    if (this.built) this.statements.get('INSERT OR IGNORE INTO vector_delta(rowid) VALUES (?)').run(rowid);
  }

  deltaRowids(): number[] {
    return this.statements.get('SELECT rowid FROM vector_delta').pluck().all() as number[];
  }

  deltaSize(): number {
    return this.statements.get('SELECT count(*) FROM vector_delta').pluck().get() as number;
  }

  /** Builds a graph over these vectors and switches this SQLite file to it. */
  rebuild(rowids: readonly number[], matrix: Float32Array): void {
    const previous = this.fileName();
    const name = `${path.basename(this.db.name)}.hnsw-${Date.now().toString(36)}-${process.pid}`;
    writeHnswFile(
      path.join(path.dirname(this.db.name), name),
      rowids,
      matrix,
      this.dimensions,
      this.settings,
    );
    this.db.transaction(() => {
      this.statements
        .get(
          'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        )
        .run(META_KEY, name);
      this.statements.get('DELETE FROM vector_delta').run();
    })();
    this.removeFile(previous);
  }

  /** No graph any more (the catalog shrank below the size that needs one). */
  drop(): void {
    const previous = this.fileName();
    this.db.transaction(() => {
      this.statements.get('DELETE FROM meta WHERE key = ?').run(META_KEY);
      this.statements.get('DELETE FROM vector_delta').run();
    })();
    this.graph = undefined;
    this.removeFile(previous);
  }

  /** Processes that still map the old file keep their mapping until they switch (POSIX unlink). */
  private removeFile(name: string | undefined): void {
    if (name) fs.rmSync(path.join(path.dirname(this.db.name), name), { force: true });
  }
}

/** Every graph file that belongs to a SQLite file, for removing a retired generation. */
export function hnswFilesOf(databaseFile: string): string[] {
  const dir = path.dirname(databaseFile);
  const prefix = `${path.basename(databaseFile)}.hnsw-`;
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}
