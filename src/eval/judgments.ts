/**
 * Relevance judgments (`query,product_uid,relevance` as in the Home Depot data): the
 * ground truth that offline metrics score rankings against.
 */
import fs from 'node:fs';
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
  return parseJudgmentsCsv(fs.readFileSync(file, 'utf8'));
}
