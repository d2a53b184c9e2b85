/**
 * The merchandiser console in a real browser, as a merchandiser uses it, against the real
 * service: enter the admin key; edit a rule with a mistake and see it at line:column; fix
 * it, preview it and see the pinned product move; save it and see the search page change;
 * undo and see the search page as it was. Promote and roll back a ranker (versions trained
 * on judgments the test makes); run a job and see its status; see the live quality charts
 * and the top and zero-result query tables. No console or CSP error along the way.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoProducts } from '../../src/catalog/demo-catalog.ts';
import { trainRankers } from '../helpers/rankers.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import {
  collectPageErrors,
  hasChromium,
  type LiveService,
  launchBrowser,
  NO_CHROMIUM,
  startService,
} from './browser.ts';

if (!hasChromium) console.warn(NO_CHROMIUM);

const KEY = 'console-browser-key-0123456789abcdef';

describe.skipIf(!hasChromium)('the merchandiser console', () => {
  let service: LiveService;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let mappingsDir: string;
  let versions: string[];

  beforeAll(async () => {
    mappingsDir = temporaryDirectory('console-mappings-');
    // The project's mappings with the randomized share off, so result lists compare exactly.
    fs.cpSync(inject('mappingsDir'), mappingsDir, { recursive: true });
    service = await startService({
      ADMIN_API_KEY: KEY,
      MAPPINGS_DIR: mappingsDir,
      MODELS_DIR: temporaryDirectory('console-models-'),
      EMBEDDER: 'hashing',
    });
    versions = await trainRankers(
      service.runtime,
      demoProducts(),
      ['drill', 'mower', 'headphones', 'sofa'],
      2,
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = collectPageErrors(page);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const status = () => page.locator('.status').innerText();
  const searchTop = async (q: string) => {
    const response = await fetch(`${service.url}/v1/search?q=${encodeURIComponent(q)}&size=10`);
    return ((await response.json()) as { hits: { id: string; product: { title: string } }[] }).hits;
  };

  it('asks for the admin key, refuses a wrong one, and opens with the right one', async () => {
    await page.goto(`${service.url}/console`);
    await page.locator('input[name=admin_key]').fill('not-the-key');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await expect.poll(() => page.locator('[role=alert]').innerText()).toMatch(/admin API key|401/);
    // The refused key's 401 is the one error the browser may log.
    expect(errors).toEqual([expect.stringMatching(/status of 401/)]);
    errors.length = 0;
    await page.locator('input[name=admin_key]').fill(KEY);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await expect.poll(() => page.locator('select[name=file]').inputValue()).toBe('rules.yaml');
    await expect.poll(() => page.locator('textarea[name=file_text]').inputValue()).toContain('rules:');
    expect(await page.evaluate('sessionStorage.getItem("console.admin_key")')).toBe(KEY);
    const response = await page.request.get(`${service.url}/console`);
    expect(response.headers()['content-security-policy']).toContain("default-src 'none'");
  });

  it('shows a rule mistake at line:column, previews the fix, saves it live, and undoes it', async () => {
    const before = await searchTop('drill');
    expect(before.length).toBeGreaterThan(4);
    const target = before[4]!;
    const editor = page.locator('textarea[name=file_text]');
    const original = await editor.inputValue();
    const rule = (position: string) =>
      `\n  - id: console-drill-pin\n    when:\n      query:\n        exact: [drill]\n    pin:\n      - { id: ${target.id}, position: ${position} }\n`;
    const withMistake = `${original.replace(/\n*$/, '\n')}${rule('first')}`;
    const mistakeLine = withMistake.split('\n').findIndex((line) => line.includes('position: first')) + 1;
    await editor.fill(withMistake);
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    const problem = page.locator('.problems .problem').first();
    await expect.poll(() => problem.innerText()).toMatch(new RegExp(`^${mistakeLine}:\\d+ `));
    expect(await problem.innerText()).toContain('position');
    expect(await page.locator('.gutter .bad').innerText()).toBe(String(mistakeLine));

    await editor.fill(`${original.replace(/\n*$/, '\n')}${rule('1')}`);
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    await expect.poll(status).toBe('rules.yaml is valid.');
    await page.locator('input[name=preview_queries]').fill('drill');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const diff = page.locator('.query-diff[data-query="drill"]');
    await expect.poll(() => diff.locator('.badge').count()).toBe(1);
    expect(await diff.locator(`.moved-product[data-product="${target.id}"]`).innerText()).toContain('5 → 1');
    expect(await diff.locator('tbody tr').first().locator('td').nth(2).innerText()).toContain(
      target.product.title,
    );
    // The console with a preview on screen, every run; docs/ gets it only when asked
    // (UPDATE_SCREENSHOTS=1), so a test run leaves the working tree as it was.
    const image = await page.screenshot(
      process.env.UPDATE_SCREENSHOTS === '1' ? { path: path.resolve('docs/console.png') } : {},
    );
    expect(image.length).toBeGreaterThan(10_000);
    // The preview changes nothing that serves.
    expect((await searchTop('drill'))[0]!.id).toBe(before[0]!.id);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(status).toMatch(/^Saved rules\.yaml .* it is live\.$/);
    const shop = await browser.newPage();
    await shop.goto(`${service.url}/?q=drill`);
    await expect.poll(() => shop.locator('.card h3').first().innerText()).toBe(target.product.title);

    await page.getByRole('button', { name: 'Undo last save' }).click();
    await expect.poll(status).toMatch(/^Restored rules\.yaml/);
    expect(await editor.inputValue()).toBe(original);
    await shop.reload();
    await expect.poll(() => shop.locator('.card h3').first().innerText()).toBe(before[0]!.product.title);
    await shop.close();
  });

  it('promotes a ranker and rolls it back, each after a confirmation', async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    const serving = page.locator('.serving-version');
    await expect.poll(() => serving.innerText()).toBe('none (fused order)');
    for (const version of versions) {
      const row = page.locator(`tr[data-version="${version}"]`);
      await expect.poll(() => row.locator('.model-status').innerText()).not.toBe('serving');
      await row.getByRole('button', { name: 'Promote' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Promote' }).click();
      await expect.poll(() => serving.innerText()).toBe(version);
      expect(service.runtime.reranker.active?.version).toBe(version);
    }
    expect(await page.locator(`tr[data-version="${versions[0]}"] .model-status`).innerText()).toBe(
      'previously serving',
    );
    expect(await page.locator(`tr[data-version="${versions[1]}"] .gate`).innerText()).toMatch(
      /shoppers (with|without) history: (passed|failed)/,
    );
    await page.getByRole('button', { name: new RegExp(`^Roll back to ${versions[0]}`) }).click();
    // Cancel first: nothing changes.
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await serving.innerText()).toBe(versions[1]);
    await page.getByRole('button', { name: new RegExp(`^Roll back to ${versions[0]}`) }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => serving.innerText()).toBe(versions[0]);
    expect(service.runtime.reranker.active?.version).toBe(versions[0]);
  });

  it('runs a job now and shows its status', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator('tr[data-job="suggestions"]');
    await row.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(status).toMatch(/^Started suggestions/);
    await expect
      .poll(() => row.locator('.last-run .run-status').innerText(), { timeout: 30_000 })
      .toMatch(/^succeeded/);
    expect(await page.locator('table.runs tbody tr').first().innerText()).toMatch(
      /suggestions\s+api\s+succeeded/,
    );
  });

  it('charts live quality from the service counters, with no console or CSP error anywhere', async () => {
    for (const q of ['drill', 'mower', 'nothing-like-this-zzzz']) await searchTop(q);
    await page.getByRole('link', { name: 'Live quality' }).click();
    await expect.poll(() => page.locator('figure.chart').count()).toBe(8);
    await expect.poll(() => page.locator('[data-chart="searches"] .latest').innerText()).toMatch(/^\d+$/);
    expect(await page.locator('[data-chart="latency"] .latest').innerText()).toMatch(/ms$/);
    expect(await page.locator('[data-chart="ctr-by-position"] rect').count()).toBe(10);
    expect(await page.locator('.numbers').first().innerText()).toContain(`Serving ranker ${versions[0]}`);
    await expect
      .poll(() => page.locator('table.top-queries tbody').innerText())
      .toMatch(/drill\s+\d+\s+[\d.]+%/);
    expect(await page.locator('table.zero-result-queries caption').innerText()).toBe('Zero-result queries');
    expect(errors).toEqual([]);
  });
});
