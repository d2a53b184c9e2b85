/**
 * `serve` refuses to start on a configuration or index problem with the message alone
 * (what is wrong and what to do), exit status 1, no stack trace.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/runtime.ts';

interface Outcome {
  code: number | null;
  stderr: string;
}

function serve(env: Record<string, string>): Promise<Outcome> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('ELASTICSEARCH_') && key !== 'SEARCH_BACKEND',
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/hybrid-search.js', 'serve'],
      {
        env: {
          ...inherited,
          PORT: '0',
          LOG_LEVEL: 'silent',
          DEMO_CATALOG: 'off',
          // The fixture index was built by the hashing embedder (256 dimensions).
          EMBEDDER: 'hashing',
          DATA_DIR: temporaryDirectory(),
          ...env,
        },
        timeout: 20_000,
      },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

describe('serve start-up problems', () => {
  let standIn: http.Server;
  let url: string;

  beforeAll(async () => {
    // An existing index whose vectors have another size than the configured embedder's.
    const mappings = JSON.parse(
      fs.readFileSync(path.resolve('mappings/elasticsearch/mappings.json'), 'utf8'),
    );
    mappings.properties.vector.dims = 64;
    mappings._meta = { embedder: 'hashing-ngram-v1:d256:b262144' };
    standIn = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const route = `${req.method} ${new URL(req.url ?? '/', 'http://localhost').pathname}`;
        const answers: Record<string, unknown> = {
          'HEAD /_alias/products': '',
          'GET /_alias/products': { 'products-000001': { aliases: { products: {} } } },
          'GET /products/_mapping': { 'products-000001': { mappings } },
          'PUT /_ingest/pipeline/products-ingest': { acknowledged: true },
          'PUT /_synonyms/products-synonyms': { result: 'created' },
        };
        const found = route in answers;
        res.writeHead(found ? 200 : 404, {
          'content-type': 'application/json',
          'x-elastic-product': 'Elasticsearch',
        });
        res.end(
          found
            ? JSON.stringify(answers[route])
            : JSON.stringify({ error: { type: 'unexpected', reason: route } }),
        );
      });
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(standIn.address() as net.AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => standIn.close(resolve)));

  it('names the field of an index that conflicts with the mappings, and the way out', async () => {
    const { code, stderr } = await serve({ SEARCH_BACKEND: 'elasticsearch', ELASTICSEARCH_URL: url });
    expect(code).toBe(1);
    expect(stderr).toContain('hybrid-search: the Elasticsearch index behind alias "products" does not match');
    expect(stderr).toContain('products-000001: field "vector": dims is 64 in the index but 256 is expected');
    expect(stderr).toContain('Run a reindex');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('says which variable is missing', async () => {
    const { code, stderr } = await serve({ SEARCH_BACKEND: 'elasticsearch' });
    expect(code).toBe(1);
    expect(stderr).toContain('ELASTICSEARCH_URL: SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
