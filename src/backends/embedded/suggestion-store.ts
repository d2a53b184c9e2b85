/** The generated suggestions, stored (`DATA_DIR/suggestions.db`) and replaced in one transaction. */
import type Database from 'better-sqlite3';
import type { Suggestion } from '../../suggest/suggestion-generator.ts';
import type { SuggestionStore } from '../../suggest/suggestion-store.ts';
import { openSqliteFile } from './sqlite-file.ts';

export class SqliteSuggestionStore implements SuggestionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqliteFile(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS suggestions (
      text TEXT PRIMARY KEY, weight REAL NOT NULL, source TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS suggestion_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS removed_suggestions (text TEXT PRIMARY KEY, removed_at TEXT NOT NULL) WITHOUT ROWID;`);
  }

  replaceAll(suggestions: readonly Suggestion[]): void {
    const insert = this.db.prepare('INSERT INTO suggestions(text, weight, source) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM suggestions').run();
      for (const s of suggestions) insert.run(s.text, s.weight, s.source);
      this.db
        .prepare('INSERT OR REPLACE INTO suggestion_meta(key, value) VALUES (?, ?)')
        .run('generated_at', new Date().toISOString());
    })();
  }

  remove(text: string): boolean {
    return this.db.transaction(() => {
      const { changes } = this.db.prepare('DELETE FROM suggestions WHERE text = ?').run(text);
      const now = new Date().toISOString();
      this.db
        .prepare('INSERT OR REPLACE INTO removed_suggestions(text, removed_at) VALUES (?, ?)')
        .run(text, now);
      this.db
        .prepare('INSERT OR REPLACE INTO suggestion_meta(key, value) VALUES (?, ?)')
        .run('generated_at', now);
      return changes > 0;
    })();
  }

  removed(): Set<string> {
    return new Set(this.db.prepare('SELECT text FROM removed_suggestions').pluck().all() as string[]);
  }

  all(): Suggestion[] {
    return this.db.prepare('SELECT text, weight, source FROM suggestions').all() as Suggestion[];
  }

  generatedAt(): string | undefined {
    return (
      (this.db.prepare("SELECT value FROM suggestion_meta WHERE key = 'generated_at'").pluck().get() as
        | string
        | undefined) ?? undefined
    );
  }

  close(): void {
    this.db.close();
  }
}
