import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateProduct } from '../../src/catalog/product.ts';
import { csvRowToRecord, readRecordBatches } from '../../src/catalog/record-files.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

describe('catalog files', () => {
  it('convert CSV cells to typed product fields and attributes', () => {
    const record = csvRowToRecord(
      {
        sku: '42',
        title: 'Hose',
        price: '19.90',
        in_stock: 'no',
        category: 'Garden > Hoses',
        color: 'green',
        'attributes.length': '50 ft',
        rating: '',
      },
      new Map([['sku', 'id']]),
    );
    expect(record).toEqual({
      id: '42',
      title: 'Hose',
      price: 19.9,
      in_stock: false,
      category: 'Garden > Hoses',
      attributes: { color: 'green', length: '50 ft' },
    });
    expect(validateProduct(record)).toMatchObject({ ok: true, product: { category: ['Garden', 'Hoses'] } });
  });

  it('pass unconvertible values through so validation names the field', () => {
    const record = csvRowToRecord({ id: '1', title: 'X', price: 'cheap' }, new Map());
    const result = validateProduct(record);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(['price']);
  });

  it('stream CSV, JSON and NDJSON files in batches', async () => {
    const dir = temporaryDirectory();
    const csv = path.join(dir, 'p.csv');
    fs.writeFileSync(csv, 'product_uid,title\n1,"Angle, 12-Gauge"\n2,Deck Screws\n3,Hinge\n');
    const json = path.join(dir, 'p.json');
    fs.writeFileSync(
      json,
      JSON.stringify([
        { id: 'a', title: 'A' },
        { id: 'b', title: 'B' },
      ]),
    );
    const ndjson = path.join(dir, 'p.ndjson');
    fs.writeFileSync(ndjson, '{"id":"a","title":"A"}\n\nnot json\n');

    const csvBatches = [];
    for await (const batch of readRecordBatches(csv, {
      rename: new Map([['product_uid', 'id']]),
      batchSize: 2,
    })) {
      csvBatches.push(batch);
    }
    expect(csvBatches).toEqual([
      [
        { id: '1', title: 'Angle, 12-Gauge' },
        { id: '2', title: 'Deck Screws' },
      ],
      [{ id: '3', title: 'Hinge' }],
    ]);
    const jsonRecords = [];
    for await (const batch of readRecordBatches(json)) jsonRecords.push(...batch);
    expect(jsonRecords).toHaveLength(2);
    const ndjsonRecords = [];
    for await (const batch of readRecordBatches(ndjson)) ndjsonRecords.push(...batch);
    expect(ndjsonRecords[0]).toEqual({ id: 'a', title: 'A' });
    expect(ndjsonRecords[1]).toMatchObject({ unreadable: { code: 'invalid_json' } });
  });
});
