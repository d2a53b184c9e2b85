/**
 * Remembers passage embeddings by (embedder id, text hash) in a small SQLite file, so a
 * reindex or an upsert that leaves a product's text unchanged never re-embeds it, and
 * switching back to an earlier model reuses its vectors. Query embeddings go through a
 * small in-memory LRU instead: shoppers repeat queries and every keystroke of
 * autocomplete asks again.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Embedder, EmbedKind } from '../../embeddings/embedder.ts';
import { openSqliteFile } from './sqlite-file.ts';

const QUERY_CACHE_SIZE = 10_000;

function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
}

export class CachedEmbedder implements Embedder {
  readonly stats: EmbeddingCacheStats = { hits: 0, misses: 0 };
  private readonly db: Database.Database;
  private readonly select: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly queries = new Map<string, Float32Array>();

  constructor(
    private readonly inner: Embedder,
    file: string,
  ) {
    this.db = openSqliteFile(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS embeddings (
      model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID`);
    this.select = this.db.prepare(
      'SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN (SELECT value FROM json_each(?))',
    );
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO embeddings(model, text_hash, vector) VALUES (?, ?, ?)',
    );
  }

  get id(): string {
    return this.inner.id;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]> {
    return kind === 'query' ? this.embedQueries(texts) : this.embedPassages(texts);
  }

  private async embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.queries.has(t)))];
    if (missing.length > 0) {
      const vectors = await this.inner.embed(missing, 'query');
      missing.forEach((text, i) => {
        if (this.queries.size >= QUERY_CACHE_SIZE) this.queries.delete(this.queries.keys().next().value!);
        this.queries.set(text, vectors[i]!);
      });
    }
    return texts.map((text) => {
      const vector = this.queries.get(text)!;
      this.queries.delete(text); // re-insert: most recently used last
      this.queries.set(text, vector);
      return vector;
    });
  }

  private async embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    const keys = texts.map(textKey);
    const rows = this.select.raw().all(this.inner.id, JSON.stringify(keys)) as [string, Buffer][];
    const cached = new Map(rows);
    const out: (Float32Array | undefined)[] = keys.map((key) => {
      const blob = cached.get(key);
      return blob
        ? new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength))
        : undefined;
    });
    const missingIndexes = out.flatMap((v, i) => (v ? [] : [i]));
    this.stats.hits += texts.length - missingIndexes.length;
    this.stats.misses += missingIndexes.length;
    if (missingIndexes.length > 0) {
      const vectors = await this.inner.embed(
        missingIndexes.map((i) => texts[i]!),
        'passage',
      );
      this.db.transaction(() => {
        missingIndexes.forEach((i, j) => {
          out[i] = vectors[j]!;
          this.insert.run(
            this.inner.id,
            keys[i]!,
            Buffer.from(vectors[j]!.buffer, vectors[j]!.byteOffset, vectors[j]!.byteLength),
          );
        });
      })();
    }
    return out as Float32Array[];
  }

  close(): void {
    this.db.close();
  }
}
