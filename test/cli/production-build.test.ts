/**
 * The production build: `node dist/cli/index.js` (compiled by global-setup as by `npm start`)
 * runs with plain Node, finds its non-TypeScript files (the demo catalog, the pages, the
 * package version) from dist/, and serves searches.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, startService } from '../helpers/service-process.ts';

describe('the compiled build (dist/)', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    // The demo catalog is read from dist/catalog/demo-catalog.json.
    service = await startService({ DEMO_CATALOG: 'auto', WORKERS: '1' });
    await service.listening(1, 40_000);
  }, 120_000);

  afterAll(async () => {
    expect(await service?.stop()).toBe(0);
  });

  it('is plain JavaScript: no TypeScript source or loader in it', () => {
    expect(fs.existsSync('dist/cli/index.js')).toBe(true);
    const files = fs.readdirSync('dist', { recursive: true }).map(String);
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(files).toContain('ml/worker-bootstrap.mjs');
    const compiled = fs.readFileSync('dist/main/runtime.js', 'utf8');
    expect(compiled).not.toMatch(/from '[^']+\.ts'/);
  });

  it('answers --version from the package it was built from', async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['dist/cli/index.js', '--version'], (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(stdout.trim()).toBe(version);
  });

  it('serves searches over the demo catalog, and the search page', async () => {
    const search = await fetch(`${service.url}/v1/search?q=cordless+drill&size=3`);
    expect(search.status).toBe(200);
    const body = (await search.json()) as { total: number; hits: Array<{ id: string }> };
    expect(body.total).toBeGreaterThan(0);
    expect(body.hits[0]!.id).toMatch(/^demo-/);
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
