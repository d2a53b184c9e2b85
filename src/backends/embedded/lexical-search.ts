/**
 * The BM25 leg on SQLite FTS5, with per-field weights.
 *
 * Two FTS tables: the short fields (title, brand, category) and the long ones (description,
 * attributes). FTS5's bm25() normalizes a row's score by the length of all the table's
 * columns together, so in one table a long description or a product with hundreds of
 * attribute values pushed its own title match below a bare product's; apart, each table
 * normalizes by its own lengths (as Elasticsearch does per field) and a product's score is
 * the sum of both tables' scores.
 *
 * Search-box queries are OR queries, and FTS5's bm25() costs about 1 µs for every row
 * that matches any term (measured on this 2-core machine): a query holding `in` or `x`
 * (in half of all hardware titles) scores tens of thousands of rows. Each table's query is
 * split instead, MaxScore-style (see docs/adr/0002-bm25-query-split.md):
 *   - driving terms: the rarest terms, taken while their document frequencies add up to
 *     at most SCORED_ROWS_BUDGET (always at least one);
 *   - `(driving) AND (rest)` scores rows holding both kinds with every term counted,
 *     exactly as the plain OR query would;
 *   - `(driving)` alone supplies the rows without any of the other terms.
 * Rows that hold only the frequent terms are left out; they rank below rows holding a
 * rare term in all but contrived cases. A product found in one table's top rows gets the
 * other table's score for the full query too, so the sum is complete.
 *
 * A query item is a term or, for multi-word synonyms, a phrase (a token sequence).
 */
import type { FieldWeights, RankedHit } from '../../catalog/search-backend.ts';
import type { SqliteDatabase } from './database.ts';
import type { SqlFragment } from './filter-sql.ts';
import { StatementCache } from './statement-cache.ts';

/** Upper bound on the rows the driving terms make FTS5 score, per table. */
export const SCORED_ROWS_BUDGET = 2500;

interface TextTable {
  name: string;
  fields: (keyof FieldWeights)[];
}

const TEXT_TABLES: readonly TextTable[] = [
  { name: 'products_fts', fields: ['title', 'brand', 'category'] },
  { name: 'products_long_fts', fields: ['description', 'attributes'] },
];

function quote(tokens: readonly string[]): string {
  return `"${tokens.join(' ').replaceAll('"', '""')}"`;
}

function orExpression(items: readonly (readonly string[])[]): string {
  return items.map(quote).join(' OR ');
}

interface ScoredRow {
  rowid: number;
  id: string;
  score: number;
}

export class LexicalSearcher {
  private readonly statements: StatementCache;
  private readonly documentFrequency: Map<string, ReturnType<SqliteDatabase['prepare']>>;

  constructor(db: SqliteDatabase) {
    this.statements = new StatementCache(db);
    this.documentFrequency = new Map(
      TEXT_TABLES.map((t) => [t.name, db.prepare(`SELECT doc FROM ${t.name}_vocab WHERE term = ?`).pluck()]),
    );
  }

  /** `items`: each a term (one token) or a phrase (several), matched with OR. */
  search(
    items: readonly (readonly string[])[],
    weights: FieldWeights,
    filter: SqlFragment,
    limit: number,
  ): RankedHit[] {
    const perTable = TEXT_TABLES.map((table) => ({
      table,
      rows: this.searchTable(table, items, weights, filter, limit),
    }));
    const total = new Map<number, ScoredRow>();
    for (const { rows } of perTable) {
      for (const row of rows) {
        const seen = total.get(row.rowid);
        if (seen) seen.score += row.score;
        else total.set(row.rowid, { ...row });
      }
    }
    // Complete each product's sum with the table that did not list it among its top rows.
    for (const { table, rows } of perTable) {
      const listed = new Set(rows.map((r) => r.rowid));
      const missing = [...total.keys()].filter((rowid) => !listed.has(rowid));
      if (missing.length === 0) continue;
      const present = this.presentItems(table, items);
      if (present.length === 0) continue;
      for (const [rowid, score] of this.scoreRows(table, orExpression(present), weights, missing)) {
        total.get(rowid)!.score += score;
      }
    }
    return [...total.values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map(({ id, score }) => ({ id, score }));
  }

  private frequency(table: TextTable, tokens: readonly string[]): number {
    const lookup = this.documentFrequency.get(table.name)!;
    // A phrase is in at most as many rows as its rarest token.
    return Math.min(...tokens.map((token) => (lookup.get(token) as number | undefined) ?? 0));
  }

  private presentItems(table: TextTable, items: readonly (readonly string[])[]): (readonly string[])[] {
    return items.filter((tokens) => tokens.length > 0 && this.frequency(table, tokens) > 0);
  }

  private searchTable(
    table: TextTable,
    items: readonly (readonly string[])[],
    weights: FieldWeights,
    filter: SqlFragment,
    limit: number,
  ): ScoredRow[] {
    const present = items
      .map((tokens) => ({ tokens, df: tokens.length > 0 ? this.frequency(table, tokens) : 0 }))
      .filter((t) => t.df > 0)
      .sort((a, b) => a.df - b.df);
    if (present.length === 0) return [];
    const driving: (readonly string[])[] = [];
    const rest: (readonly string[])[] = [];
    let scoredRows = 0;
    for (const { tokens, df } of present) {
      if (driving.length === 0 || scoredRows + df <= SCORED_ROWS_BUDGET) {
        driving.push(tokens);
        scoredRows += df;
      } else {
        rest.push(tokens);
      }
    }
    if (rest.length === 0) return this.run(table, orExpression(driving), weights, filter, limit);
    const both = this.run(
      table,
      `(${orExpression(driving)}) AND (${orExpression(rest)})`,
      weights,
      filter,
      limit,
    );
    const seen = new Set(both.map((row) => row.rowid));
    const drivingOnly = this.run(table, orExpression(driving), weights, filter, limit).filter(
      (row) => !seen.has(row.rowid),
    );
    return [...both, ...drivingOnly].sort((a, b) => b.score - a.score).slice(0, limit);
  }

  private bm25(table: TextTable, weights: FieldWeights): string {
    return `bm25(${table.name}, ${table.fields.map((f) => Number(weights[f])).join(', ')})`;
  }

  private run(
    table: TextTable,
    match: string,
    weights: FieldWeights,
    filter: SqlFragment,
    limit: number,
  ): ScoredRow[] {
    const bm25 = this.bm25(table, weights);
    const fts = table.name;
    // bm25() is negative (lower is better) and evaluated once per row: select it under an
    // alias and order by the alias. Without filters, join only the top rows.
    const sql = filter.sql
      ? `SELECT p.rowid AS rowid, p.id AS id, ${bm25} AS score FROM ${fts} JOIN products p ON p.rowid = ${fts}.rowid
         WHERE ${fts} MATCH ?${filter.sql} ORDER BY score LIMIT ?`
      : `SELECT top.rowid AS rowid, p.id AS id, top.score AS score FROM (
           SELECT rowid, ${bm25} AS score FROM ${fts} WHERE ${fts} MATCH ? ORDER BY score LIMIT ?
         ) top JOIN products p ON p.rowid = top.rowid`;
    const params = filter.sql ? [match, ...filter.params, limit] : [match, limit];
    const rows = this.statements.get(sql).all(...params) as ScoredRow[];
    for (const row of rows) row.score = -row.score;
    return rows;
  }

  /** The table's score of the full query for these rows (0 for a row that does not match). */
  private scoreRows(
    table: TextTable,
    match: string,
    weights: FieldWeights,
    rowids: readonly number[],
  ): [number, number][] {
    const sql = `SELECT rowid, -${this.bm25(table, weights)} FROM ${table.name}
      WHERE ${table.name} MATCH ? AND rowid IN (SELECT value FROM json_each(?))`;
    return this.statements.get(sql).raw().all(match, JSON.stringify(rowids)) as [number, number][];
  }
}
