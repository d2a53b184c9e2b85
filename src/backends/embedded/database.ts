/**
 * Opens the embedded store: one SQLite file in WAL mode with sqlite-vec loaded, and the
 * schema migrated. WAL lets searches read while an ingest writes.
 */
import type Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { openSqliteFile } from './sqlite-file.ts';

export type SqliteDatabase = Database.Database;

export const SCHEMA_VERSION = 1;

export function openDatabase(file: string): SqliteDatabase {
  const db = openSqliteFile(file);
  db.pragma('foreign_keys = ON');
  sqliteVec.load(db);
  return db;
}

/** Tables that do not depend on the embedder. The vector table is created by the vector index. */
export function migrateSchema(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the data file has schema version ${version}; this build understands up to ${SCHEMA_VERSION}`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS products (
      rowid INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      doc TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      title TEXT NOT NULL,
      brand TEXT,
      category TEXT,
      price REAL,
      in_stock INTEGER,
      rating REAL,
      review_count INTEGER,
      popularity REAL,
      created_at TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS products_brand ON products(brand);
    CREATE INDEX IF NOT EXISTS products_category ON products(category);
    CREATE INDEX IF NOT EXISTS products_price ON products(price);
    CREATE INDEX IF NOT EXISTS products_created_at ON products(created_at);
    CREATE INDEX IF NOT EXISTS products_popularity ON products(popularity);
    -- Contentless: the text lives in products.doc; FTS5 keeps only the inverted index.
    -- Tokens arrive pre-analyzed (src/text/analyzer.ts), so FTS5 only splits on spaces.
    CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5(
      title, brand, category, description, attributes,
      content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS products_fts_vocab USING fts5vocab(products_fts, 'row');
  `);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

export function readMeta(db: SqliteDatabase, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: SqliteDatabase, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
