/**
 * Opens the embedded store: one SQLite file in WAL mode with sqlite-vec loaded, and the
 * schema migrated. WAL lets searches read while an ingest writes.
 */
import type Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { openSqliteFile } from './sqlite-file.ts';

export type SqliteDatabase = Database.Database;

/**
 * 2: the long fields (description, attributes) moved to an FTS table of their own, so their
 * length no longer weighs on title matches (FTS5's bm25() normalizes by the length of all of
 * a table's columns together); attribute values in a key/value table for filters and facets.
 */
export const SCHEMA_VERSION = 2;

export function openDatabase(file: string): SqliteDatabase {
  const db = openSqliteFile(file);
  db.pragma('foreign_keys = ON');
  sqliteVec.load(db);
  return db;
}

const PRODUCT_TABLES = `
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
`;

const VERSION_2_TABLES = `
  -- The attributes as JSON, for summaries (the doc of an attribute-rich product is long).
  ALTER TABLE products ADD COLUMN attributes TEXT;
  CREATE INDEX IF NOT EXISTS products_rating ON products(rating);
  -- One row per attribute value: filters and facets on any of thousands of distinct keys.
  CREATE TABLE IF NOT EXISTS product_attributes (
    rowid INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    number REAL
  );
  CREATE INDEX IF NOT EXISTS product_attributes_value ON product_attributes(key, value);
  CREATE INDEX IF NOT EXISTS product_attributes_number ON product_attributes(key, number);
  CREATE INDEX IF NOT EXISTS product_attributes_rowid ON product_attributes(rowid);
  -- Contentless: the text lives in products.doc; FTS5 keeps only the inverted index.
  -- Tokens arrive pre-analyzed (src/text/analyzer.ts), so FTS5 only splits on spaces.
  -- Short fields and long fields apart: each table's bm25() normalizes by its own lengths.
  CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5(
    title, brand, category,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS products_fts_vocab USING fts5vocab(products_fts, 'row');
  CREATE VIRTUAL TABLE IF NOT EXISTS products_long_fts USING fts5(
    description, attributes,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS products_long_fts_vocab USING fts5vocab(products_long_fts, 'row');
`;

/**
 * Tables that do not depend on the embedder (the vector table is created by the vector
 * index). `reindexText` re-fills the text and attribute tables from the stored documents
 * when an older store is migrated.
 */
export function migrateSchema(db: SqliteDatabase, reindexText: () => void): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the data file has schema version ${version}; this build understands up to ${SCHEMA_VERSION}`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(PRODUCT_TABLES);
    // Version 1 kept every text field in one FTS table: rebuilt from the documents.
    if (version === 1) db.exec('DROP TABLE IF EXISTS products_fts_vocab; DROP TABLE IF EXISTS products_fts;');
    db.exec(VERSION_2_TABLES);
    if (version === 1) reindexText();
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
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
