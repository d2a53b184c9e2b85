/**
 * Issue 14, finding 8, as an operator meets it: `hybrid-search serve` in a child process on
 * a models directory whose encoder weights were truncated after the index was built. The
 * service must start (no stack trace, no crash loop), serve keyword search, answer catalog
 * writes 503 `embedder_unavailable` with Retry-After, say in one log line what is wrong,
 * and leave the shared `encoder/active.json` as it was; a scheduled reindex still completes
 * (unchanged products keep their vectors) without training or activating anything itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { ADMIN_KEY, type ServiceProcess, startService } from './service-process.ts';

async function call(base: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { hits?: { id: string }[]; error?: { code: string } },
  };
}

describe('serve on a truncated encoder (child process)', () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  it('starts, serves keyword search, answers 503 to catalog writes, and a reindex still completes on the stored vectors', async () => {
    const models = temporaryDirectory('models-');
    fs.cpSync(inject('encoderModelsDir'), models, { recursive: true });
    const pointerFile = path.join(models, 'encoder', 'active.json');
    const { version } = JSON.parse(fs.readFileSync(pointerFile, 'utf8')) as { version: string };
    const env = { DATA_DIR: temporaryDirectory('truncated-'), MODELS_DIR: models, EMBEDDER: 'encoder' };

    service = await startService(env);
    expect((await call(service.base, 'POST', '/v1/products', FIXTURE_PRODUCTS)).status).toBe(200);
    await service.stop('SIGTERM');

    const pointer = fs.readFileSync(pointerFile, 'utf8');
    const weights = path.join(models, 'encoder', version, 'weights.bin');
    fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2));

    service = await startService({ ...env, LOG_LEVEL: 'info' });
    const found = await call(service.base, 'GET', '/v1/search?q=lawn+mower');
    expect(found.status).toBe(200);
    expect(found.body.hits?.map((h) => h.id)).toContain('mower-1');
    const write = await call(service.base, 'POST', '/v1/products', [
      { ...FIXTURE_PRODUCTS[0], title: 'Honda 21 in. Lawn Mower, renamed' },
    ]);
    expect(write.status).toBe(503);
    expect(write.body.error?.code).toBe('embedder_unavailable');
    expect(write.headers.get('retry-after')).not.toBeNull();
    const output = service.output();
    expect(output).toMatch(/the encoder the index was built with cannot be used/);
    expect(output).toMatch(/weights\.bin is \d+ bytes, its metadata says \d+/);
    expect(output).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m); // no stack trace

    // The nightly reindex on it still completes: unchanged products keep the vectors the
    // encoder gave them while it was whole, so nothing needs the broken files. It trains
    // nothing and activates nothing on its own (the pointer may be shared: ADR 0014).
    expect((await call(service.base, 'POST', '/v1/admin/jobs/reindex/run')).status).toBe(202);
    let run: { status: string; error?: string; counts?: { documents?: number } } | undefined;
    for (const started = Date.now(); Date.now() - started < 60_000; await sleep(250)) {
      const jobs = (await call(service.base, 'GET', '/v1/admin/jobs?job=reindex')).body as {
        runs?: { status: string; error?: string }[];
      };
      run = jobs.runs?.[0];
      if (run && run.status !== 'running') break;
    }
    expect(run?.status, JSON.stringify(run)).toBe('succeeded');
    expect(run?.counts?.documents).toBe(FIXTURE_PRODUCTS.length);
    expect((await call(service.base, 'GET', '/v1/search?q=lawn+mower')).status).toBe(200);
    // A changed product still needs the encoder: 503; the start-up line named the way out.
    const again = await call(service.base, 'POST', '/v1/products', [
      { ...FIXTURE_PRODUCTS[0], title: 'Honda 21 in. Lawn Mower, renamed' },
    ]);
    expect(again.status).toBe(503);
    expect(service.output()).toMatch(/catalog writes answer 503 until its files are restored/);
    expect(fs.readFileSync(pointerFile, 'utf8')).toBe(pointer);
  });
});
