import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './database.ts';

const MAX_CACHED = 512;

/** Prepared statements keyed by SQL text: filters and weights vary, the shapes repeat. */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  get(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
