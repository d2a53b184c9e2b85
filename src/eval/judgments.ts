/**
 * Relevance judgments (`query,product_uid,relevance` as in the Home Depot data): the
 * ground truth that offline metrics score rankings against.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ServiceError } from '../main/errors.ts';

/** query -> product id -> graded relevance (1 = not relevant .. 3 = highly relevant). */
export type Judgments = Map<string, Map<string, number>>;

export function parseJudgmentsCsv(text: string): Judgments {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new ServiceError('invalid_file', `judgments: ${(error as Error).message}`);
  }
  const judgments: Judgments = new Map();
  for (const [i, row] of rows.entries()) {
    const query = row.query;
    const product = row.product_uid ?? row.product_id;
    const relevance = Number(row.relevance);
    if (!query || !product || !Number.isFinite(relevance)) {
      throw new ServiceError(
        'invalid_file',
        `judgments line ${i + 2}: expected query, product_uid and a numeric relevance`,
      );
    }
    let perQuery = judgments.get(query);
    if (!perQuery) {
      perQuery = new Map();
      judgments.set(query, perQuery);
    }
    perQuery.set(product, relevance);
  }
  return judgments;
}

export function loadJudgments(file: string): Judgments {
  try {
    return parseJudgmentsCsv(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof ServiceError) throw new ServiceError(error.code, `${file}: ${error.message}`);
    throw error;
  }
}

/** A judgments file, or every `.csv` file of a folder merged (later files win for the same pair). */
export function loadJudgmentsFrom(fileOrFolder: string): Judgments {
  if (!fs.statSync(fileOrFolder).isDirectory()) return loadJudgments(fileOrFolder);
  const merged: Judgments = new Map();
  const files = fs
    .readdirSync(fileOrFolder)
    .filter((name) => name.toLowerCase().endsWith('.csv'))
    .sort();
  for (const name of files) {
    for (const [query, products] of loadJudgments(path.join(fileOrFolder, name))) {
      const into = merged.get(query) ?? new Map<string, number>();
      for (const [id, relevance] of products) into.set(id, relevance);
      merged.set(query, into);
    }
  }
  return merged;
}

/**
 * The shop's own judgment lists, which the training gate checks every candidate model on:
 * `judgments/` (every `.csv` in it) or `judgments.csv` in the mappings folder. Undefined
 * when there are none.
 */
export function shopJudgments(mappingsDir: string): { judgments: Judgments; source: string } | undefined {
  for (const name of ['judgments', 'judgments.csv']) {
    const candidate = path.join(mappingsDir, name);
    if (!fs.existsSync(candidate)) continue;
    const judgments = loadJudgmentsFrom(candidate);
    if (judgments.size > 0) return { judgments, source: candidate };
  }
  return undefined;
}
