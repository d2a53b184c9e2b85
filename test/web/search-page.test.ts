/**
 * The search page in a real browser, as a shopper uses it: type, see suggestions from the
 * first start, pick one with the keyboard, see results; narrow by a facet and see results
 * and counts change; page forward; go back with the browser; toggle explain; switch the
 * shopper and click a product, and find the click in that shopper's profile.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  hasChromium,
  type LiveService,
  launchBrowser,
  NO_CHROMIUM,
  startService,
} from './browser.ts';

if (!hasChromium) console.warn(NO_CHROMIUM);

describe.skipIf(!hasChromium)('the search page', () => {
  let service: LiveService;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    service = await startService();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectPageErrors(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const summary = () => page.locator('.summary').innerText();
  const firstTitle = () => page.locator('.card h3').first().innerText();
  const facetCounts = async (name: string) =>
    page
      .locator(`[data-facet="${name}"] .facet-value`)
      .evaluateAll((labels) =>
        labels.map(
          (l) => `${l.querySelector('.value')?.textContent}:${l.querySelector('.count')?.textContent}`,
        ),
      );

  it('suggests from the first start, on every keystroke, and searches the suggestion picked with the keyboard', async () => {
    await page.goto(`${service.url}/`);
    await page.locator('input[name=q]').pressSequentially('cordl', { delay: 30 });
    const options = page.locator('#suggestions [role=option]');
    await expect.poll(() => options.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const suggested = await options.allInnerTexts();
    expect(
      suggested.every((text) => /\bcordl/.test(text)),
      suggested.join(', '),
    ).toBe(true);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('#suggestions [aria-selected=true]').count()).toBe(1);
    const picked = (await page.locator('#suggestions [aria-selected=true]').innerText())
      .replace(/popular$/, '')
      .trim();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('q')).toBe(picked);
    expect(await page.locator('input[name=q]').inputValue()).toBe(picked);
    expect(await summary()).toMatch(/\d+ results for/);
  });

  it('narrows by a facet: results, total and facet counts change, and the URL holds the filter', async () => {
    await page.goto(`${service.url}/?q=drill`);
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const before = { summary: await summary(), categories: await facetCounts('category') };
    const brand = page.locator('[data-facet="brand"] .facet-value').first();
    const brandName = await brand.locator('.value').innerText();
    await brand.locator('input').check();
    await expect.poll(() => new URL(page.url()).searchParams.get('brand')).toBe(brandName);
    await expect.poll(summary).not.toBe(before.summary);
    expect(await facetCounts('category')).not.toEqual(before.categories);
    for (const text of await page.locator('.card .brand').allInnerTexts()) expect(text).toBe(brandName);
    // Back: the search before the filter, from the URL.
    await page.goBack();
    await expect.poll(summary).toBe(before.summary);
  });

  it('pages forward and back', async () => {
    await page.goto(`${service.url}/?q=drill`);
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBe(12);
    const first = await firstTitle();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('page')).toBe('2');
    await expect.poll(firstTitle).not.toBe(first);
    await page.goBack();
    await expect.poll(firstTitle).toBe(first);
  });

  it('explains each hit: retrieval ranks and the fused score', async () => {
    await page.goto(`${service.url}/?q=cordless+drill`);
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('.explain').count()).toBe(0);
    await page.locator('input[name=explain]').check();
    await expect.poll(() => page.locator('.card .explain').count()).toBeGreaterThan(0);
    const text = await page.locator('.card .explain').first().innerText();
    expect(text).toMatch(/keyword \(BM25\)\s+rank \d+/);
    expect(text).toMatch(/fused \((weighted|rrf)\)\s+rank 1, score/);
    expect(new URL(page.url()).searchParams.get('explain')).toBe('true');
  });

  it('sends a click with the query_id as the chosen shopper, and the profile shows it', async () => {
    await page.goto(`${service.url}/?q=lawn+mower&user=shopper-ann`);
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const card = page.locator('.card').nth(1);
    const productId = await card.getAttribute('data-product-id');
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/events') && r.method() === 'POST');
    await card.locator('h3 button').click();
    const [event] = JSON.parse((await sent).postData() ?? '[]');
    expect(event).toMatchObject({
      type: 'click',
      product_id: productId,
      position: 2,
      user_id: 'shopper-ann',
    });
    expect(event.query_id).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => card.locator('.done').innerText()).toBe('clicked');
    const profile = (await (await fetch(`${service.url}/v1/users/shopper-ann/profile`)).json()) as {
      recent: string[];
    };
    expect(profile.recent).toContain(productId);
  });

  it('says what it corrected and offers the words as typed', async () => {
    await page.goto(`${service.url}/?q=cordles+drll`);
    await expect.poll(() => page.locator('.did-you-mean').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('.did-you-mean strong').innerText()).toBe('cordless drill');
    await page.getByRole('button', { name: /Search instead for/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('autocorrect')).toBe('false');
  });

  it('loads everything from its own origin under its CSP, with no errors, and takes the screenshot', async () => {
    await page.goto(`${service.url}/?q=cordless+drill&explain=false`);
    await expect.poll(() => page.locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const response = await page.request.get(`${service.url}/`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.resolve('docs/search-page.png') });
  });
});
