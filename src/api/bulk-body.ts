/**
 * Bulk request bodies (products, events): one JSON object, a JSON array, or NDJSON with one
 * record per line. A malformed NDJSON line becomes a record that validation rejects by its
 * index, so the other lines are still stored.
 */
import express, { type RequestHandler } from 'express';
import { parseNdjsonLine, splitNdjson } from '../catalog/record-files.ts';
import { ServiceError } from '../main/errors.ts';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** Reads NDJSON bodies as text; JSON bodies are parsed by the app-wide JSON parser. */
export const ndjsonBody: RequestHandler = express.text({ type: NDJSON_TYPES, limit: '64mb' });

export function bulkRecords(
  body: unknown,
  contentType: string | undefined,
  noun: string,
  max: number,
): unknown[] {
  let records: unknown[];
  if (contentType && NDJSON_TYPES.some((t) => contentType.startsWith(t))) {
    records = splitNdjson(typeof body === 'string' ? body : '').map(parseNdjsonLine);
  } else if (Array.isArray(body)) {
    records = body;
  } else if (body && typeof body === 'object' && Object.keys(body).length > 0) {
    records = [body];
  } else {
    throw new ServiceError(
      'invalid_request',
      `the body must be a ${noun} object, a JSON array of them, or NDJSON (Content-Type: application/x-ndjson)`,
      {
        details: [
          { field: '(body)', rule: 'type', message: `expected a ${noun}, an array of them or NDJSON lines` },
        ],
      },
    );
  }
  if (records.length > max) {
    throw new ServiceError('too_many_records', `at most ${max} records per request`, {
      details: [{ field: '(body)', rule: 'max_records', message: `got ${records.length} records` }],
    });
  }
  return records;
}

/** 200 when every record was accepted, 207 when some were rejected, 422 when none were. */
export function bulkStatus(report: { accepted: number; rejected: number }): number {
  return report.rejected === 0 ? 200 : report.accepted === 0 ? 422 : 207;
}
