/**
 * The write side of the text and attribute tables: a product's analyzed fields into the two
 * FTS tables (short fields and long fields apart) and its attribute values into the
 * key/value table, and their removal. Upserts and the schema migration share it.
 */
import { attributeEntries, attributesText, categoryPathText, type Product } from '../../catalog/product.ts';
import { analyze } from '../../text/analyzer.ts';
import type { SqliteDatabase } from './database.ts';
import { StatementCache } from './statement-cache.ts';

export class TextIndexWriter {
  private readonly statements: StatementCache;

  constructor(db: SqliteDatabase) {
    this.statements = new StatementCache(db);
  }

  insert(rowid: number, product: Product): void {
    this.statements
      .get('INSERT INTO products_fts(rowid, title, brand, category) VALUES (?, ?, ?, ?)')
      .run(
        rowid,
        analyze(product.title).join(' '),
        analyze(product.brand).join(' '),
        analyze(categoryPathText(product.category)).join(' '),
      );
    const description = analyze(product.description).join(' ');
    const attributes = analyze(attributesText(product.attributes)).join(' ');
    // Most products of a thin catalog have neither: no row, nothing to score.
    if (description || attributes) {
      this.statements
        .get('INSERT INTO products_long_fts(rowid, description, attributes) VALUES (?, ?, ?)')
        .run(rowid, description, attributes);
    }
    const insertAttribute = this.statements.get(
      'INSERT INTO product_attributes(rowid, key, value, number) VALUES (?, ?, ?, ?)',
    );
    for (const entry of attributeEntries(product.attributes)) {
      insertAttribute.run(rowid, entry.key, entry.value, entry.number ?? null);
    }
  }

  delete(rowid: number): void {
    this.statements.get('DELETE FROM products_fts WHERE rowid = ?').run(rowid);
    this.statements.get('DELETE FROM products_long_fts WHERE rowid = ?').run(rowid);
    this.statements.get('DELETE FROM product_attributes WHERE rowid = ?').run(rowid);
  }

  /** Fills the tables from every stored document (a store made by an older schema). */
  rebuildFromDocuments(db: SqliteDatabase): void {
    const page = db
      .prepare('SELECT rowid, doc FROM products WHERE rowid > ? ORDER BY rowid LIMIT 1000')
      .raw();
    const setAttributes = db.prepare('UPDATE products SET attributes = ? WHERE rowid = ?');
    let after = 0;
    for (;;) {
      // In pages: better-sqlite3 runs no write while a read is being iterated.
      const rows = page.all(after) as [number, string][];
      if (rows.length === 0) return;
      after = rows.at(-1)![0];
      for (const [rowid, doc] of rows) {
        const product = JSON.parse(doc) as Product;
        this.insert(rowid, product);
        setAttributes.run(product.attributes ? JSON.stringify(product.attributes) : null, rowid);
      }
    }
  }
}
