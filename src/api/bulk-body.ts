/**
 * Bulk request bodies (products, events): one JSON object, a JSON array, or NDJSON with one
 * record per line. A malformed NDJSON line becomes a record that validation rejects by its
 * index, so the other lines are still stored.
 */
import readline from 'node:readline';
import { finished } from 'node:stream/promises';
import type { Request } from 'express';
import { parseNdjsonLine, splitNdjson, unreadableRecord } from '../catalog/record-files.ts';
import { ServiceError } from '../main/errors.ts';
import { isNdjson, MAX_JSON_DEPTH, nestsDeeperThan, tooLarge } from './request-bodies.ts';

function ndjsonRecord(line: string): unknown {
  return nestsDeeperThan(line, MAX_JSON_DEPTH)
    ? unreadableRecord('max_depth', `nested deeper than ${MAX_JSON_DEPTH} levels`)
    : parseNdjsonLine(line);
}

export function bulkRecords(
  body: unknown,
  contentType: string | undefined,
  noun: string,
  max: number,
): unknown[] {
  let records: unknown[];
  if (isNdjson(contentType)) {
    records = splitNdjson(typeof body === 'string' ? body : '').map(ndjsonRecord);
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
  if (records.length > max) throw tooManyRecords(max, records.length);
  return records;
}

function tooManyRecords(max: number, got: number | string): ServiceError {
  return new ServiceError('too_many_records', `at most ${max} records per request`, {
    details: [{ field: '(body)', rule: 'max_records', message: `got ${got} records` }],
  });
}

/**
 * An NDJSON request body read as it arrives, `batchSize` records at a time, so a catalog
 * upload of any size up to `maxBytes` never sits in memory whole. A declared length over
 * the limit is refused before reading; a body that crosses it while streaming stops there
 * (the batches before it were already handed on).
 */
export async function* ndjsonBatches(
  req: Request,
  options: { maxBytes: number; maxRecords: number; batchSize: number },
): AsyncGenerator<unknown[]> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await drain(req);
    throw tooLarge(options.maxBytes);
  }
  const lines = readline.createInterface({ input: req, crlfDelay: Number.POSITIVE_INFINITY });
  let bytes = 0;
  let overflow = false;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > options.maxBytes && !overflow) {
      overflow = true;
      lines.close();
    }
  });
  let batch: unknown[] = [];
  let count = 0;
  for await (const line of lines) {
    if (overflow) break;
    if (!line.trim()) continue;
    if (++count > options.maxRecords) {
      lines.close();
      await drain(req);
      throw tooManyRecords(options.maxRecords, `more than ${options.maxRecords}`);
    }
    batch.push(ndjsonRecord(line));
    if (batch.length >= options.batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (overflow) {
    await drain(req);
    throw tooLarge(options.maxBytes);
  }
  if (batch.length > 0) yield batch;
}

/** Reads off (and drops) the rest of a refused body, so the client gets the answer, not a reset. */
async function drain(req: Request): Promise<void> {
  req.resume();
  await finished(req).catch(() => undefined);
}

/** 200 when every record was accepted, 207 when some were rejected, 422 when none were. */
export function bulkStatus(report: { accepted: number; rejected: number }): number {
  return report.rejected === 0 ? 200 : report.accepted === 0 ? 422 : 207;
}
