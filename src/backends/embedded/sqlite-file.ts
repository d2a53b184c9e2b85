/**
 * One SQLite file as every store here opens it: its directory created, WAL (readers never
 * wait for the writer; NORMAL sync is durable in WAL but for the last commits on power loss)
 * and a busy timeout, so CLI commands and the service can share a DATA_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export function openSqliteFile(file: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
