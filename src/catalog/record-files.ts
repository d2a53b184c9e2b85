/**
 * Reads product records from CSV, JSON (an array) or NDJSON, streaming, in batches.
 * CSV cells are strings, so known numeric and boolean columns are converted; other
 * columns become attributes (`color` or `attributes.color` -> attributes.color).
 * Values that cannot be converted are passed through so validation names the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { ServiceError } from '../main/errors.ts';
import { productSchema, UnreadableRecord } from './product.ts';

export const RECORD_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

const KNOWN_FIELDS = new Set(Object.keys(productSchema.shape));
const NUMERIC_FIELDS = new Set(['price', 'rating', 'review_count', 'popularity']);
const BOOLEAN_FIELDS = new Set(['in_stock']);
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n']);

export function detectFormat(file: string): RecordFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new ServiceError(
    'usage',
    `cannot tell the format of ${file} from its extension; use --format csv|json|ndjson`,
  );
}

/** One NDJSON line: the parsed value, or a marker that validation reports against its index. */
export function parseNdjsonLine(line: string): unknown | UnreadableRecord {
  try {
    return JSON.parse(line);
  } catch (error) {
    return unreadableRecord('invalid_json', `not valid JSON: ${(error as Error).message}`);
  }
}

export function unreadableRecord(code: string, message: string): UnreadableRecord {
  return new UnreadableRecord({ path: '', code, message });
}

/** Lines of an NDJSON text, blank lines skipped. */
export function splitNdjson(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}

function convertCell(field: string, value: string): unknown {
  if (NUMERIC_FIELDS.has(field) && NUMBER.test(value)) return Number(value);
  if (BOOLEAN_FIELDS.has(field)) {
    const lower = value.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
  }
  return value;
}

/** A CSV row as a product record; `rename` maps source columns to product fields. */
export function csvRowToRecord(
  row: Record<string, string>,
  rename: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(row)) {
    const value = raw.trim();
    if (value === '') continue;
    const field = rename.get(column) ?? column;
    if (field.startsWith('attributes.')) attributes[field.slice('attributes.'.length)] = value;
    else if (KNOWN_FIELDS.has(field) && field !== 'attributes') record[field] = convertCell(field, value);
    else attributes[field] = value;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return record;
}

export interface ReadOptions {
  format?: RecordFormat;
  /** Source field -> product field, e.g. product_uid -> id. */
  rename?: ReadonlyMap<string, string>;
  batchSize?: number;
  /** Called with the bytes of the file read so far (for a progress bar). */
  onBytes?: (bytes: number) => void;
}

function renameKeys(record: unknown, rename: ReadonlyMap<string, string>): unknown {
  if (rename.size === 0 || record === null || typeof record !== 'object' || Array.isArray(record))
    return record;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [rename.get(k) ?? k, v]));
}

async function* recordsOf(file: string, options: ReadOptions): AsyncGenerator<unknown> {
  const format = options.format ?? detectFormat(file);
  const rename = options.rename ?? new Map();
  const stream = fs.createReadStream(file);
  let bytes = 0;
  stream.on('data', (chunk) => {
    bytes += chunk.length;
    options.onBytes?.(bytes);
  });
  if (format === 'csv') {
    const parser = stream.pipe(
      parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }),
    );
    try {
      for await (const row of parser) yield csvRowToRecord(row as Record<string, string>, rename);
    } catch (error) {
      throw new ServiceError('invalid_file', `${file}: ${(error as Error).message}`, { cause: error });
    }
  } else if (format === 'ndjson') {
    const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim()) yield renameKeys(parseNdjsonLine(line), rename);
    }
  } else {
    stream.destroy();
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    } catch (error) {
      throw new ServiceError('invalid_file', `${file} is not valid JSON: ${(error as Error).message}`);
    }
    options.onBytes?.((await fs.promises.stat(file)).size);
    if (!Array.isArray(parsed))
      throw new ServiceError('invalid_file', `${file}: a JSON catalog must be an array of products`);
    for (const record of parsed) yield renameKeys(record, rename);
  }
}

/** Records of a file in batches, so a catalog of any size streams through. */
export async function* readRecordBatches(file: string, options: ReadOptions = {}): AsyncGenerator<unknown[]> {
  const size = options.batchSize ?? 1000;
  let batch: unknown[] = [];
  for await (const record of recordsOf(file, options)) {
    batch.push(record);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
