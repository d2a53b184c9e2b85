/**
 * Issue 14: `kill -9` during bulk product ingest and during event ingest, then a restart
 * on the same data directory. Every write the service acknowledged (a 2xx answer) must be
 * there afterwards: products readable and searchable, events stored (sent again they are
 * duplicates) and folded into their shoppers' profiles exactly once. Writes in flight at
 * the kill may or may not have happened; whatever did happen must be whole.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { ADMIN_KEY, eachLimited, type ServiceProcess, startService } from './service-process.ts';

const CLIENTS = 4;
const PRODUCTS_PER_REQUEST = 100;
const EVENTS_PER_REQUEST = 50;
const USERS = 10;

/**
 * A word that names product n and no other after analysis: letters only, and a closing `x`
 * so the stemmer's suffix rules leave it whole (`zqcay` and `zqcai` both stem to `zqcai`).
 */
function token(n: number): string {
  let word = '';
  for (let v = n + 26 * 26; v > 0; v = Math.floor(v / 26)) word = String.fromCharCode(97 + (v % 26)) + word;
  return `zq${word}x`;
}

function product(n: number) {
  return {
    id: `kill-${n}`,
    title: `Widget ${token(n)} model`,
    brand: 'Acme',
    category: 'Tools > Widgets',
    price: 10 + (n % 50),
  };
}

interface Tally {
  tried: number;
  acknowledged: number;
  status4xx: number;
  status5xx: number;
  /** No answer: the connection died with the process. */
  unanswered: number;
}

const tally = (): Tally => ({ tried: 0, acknowledged: 0, status4xx: 0, status5xx: 0, unanswered: 0 });

async function post(base: string, path: string, body: unknown, t: Tally): Promise<unknown | undefined> {
  t.tried++;
  try {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 500) t.status5xx++;
    else if (res.status >= 400) t.status4xx++;
    else {
      t.acknowledged++;
      return json;
    }
  } catch {
    t.unanswered++;
  }
  return undefined;
}

async function get(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': ADMIN_KEY } });
  return { status: res.status, body: await res.json() };
}

describe('kill -9 durability of the real service', () => {
  const dataDir = temporaryDirectory('kill9-');
  let service: ServiceProcess | undefined;
  const ackedProducts: number[] = [];
  afterAll(async () => {
    await service?.stop();
  });

  it('keeps every acknowledged product across a kill -9 during bulk ingest', async () => {
    service = await startService({ DATA_DIR: dataDir });
    const t = tally();
    let next = 0;
    let killing = false;
    const client = async () => {
      while (!killing) {
        const first = next;
        next += PRODUCTS_PER_REQUEST;
        const batch = Array.from({ length: PRODUCTS_PER_REQUEST }, (_, i) => first + i);
        const answer = (await post(service!.base, '/v1/products', batch.map(product), t)) as
          | { accepted: number }
          | undefined;
        if (answer) {
          expect(answer.accepted).toBe(PRODUCTS_PER_REQUEST);
          ackedProducts.push(...batch);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    // Kill while batches are in flight, once some were acknowledged.
    for (const started = Date.now(); ackedProducts.length < 1000 && Date.now() - started < 60_000; )
      await sleep(20);
    killing = true;
    await service.stop('SIGKILL');
    await Promise.all(clients);

    service = await startService({ DATA_DIR: dataDir });
    const missing: number[] = [];
    await eachLimited(ackedProducts, 16, async (n) => {
      const { status } = await get(service!.base, `/v1/products/kill-${n}`);
      if (status !== 200) missing.push(n);
    });
    const sample = ackedProducts.filter((_, i) => i % Math.ceil(ackedProducts.length / 25) === 0);
    const unsearchable: number[] = [];
    for (const n of sample) {
      const { body } = await get(service.base, `/v1/search?q=${token(n)}&rerank=false`);
      const ids = (body as { hits: { id: string }[] }).hits.map((h) => h.id);
      if (ids[0] !== `kill-${n}`) unsearchable.push(n);
    }
    console.log(
      `kill -9 during product ingest: ${t.tried} requests, ${t.acknowledged} acknowledged (${ackedProducts.length} products), ` +
        `${t.status4xx} 4xx, ${t.status5xx} 5xx, ${t.unanswered} unanswered at the kill; ` +
        `${missing.length} acknowledged products lost, ${unsearchable.length} of ${sample.length} sampled not found by search`,
    );
    expect(t.acknowledged).toBeGreaterThan(0);
    expect(t.status5xx).toBe(0);
    expect(missing).toEqual([]);
    expect(unsearchable).toEqual([]);
  });

  it('keeps every acknowledged event and its profile effect across a kill -9 during event ingest', async () => {
    expect(ackedProducts.length).toBeGreaterThan(0);
    const t = tally();
    const sent: { batch: Record<string, unknown>[]; acked: boolean }[] = [];
    let next = 0;
    let killing = false;
    const client = async () => {
      while (!killing) {
        const first = next;
        next += EVENTS_PER_REQUEST;
        const batch = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => {
          const n = first + i;
          return {
            event_id: `kill-event-${n}`,
            type: 'click',
            user_id: `kill-shopper-${n % USERS}`,
            product_id: `kill-${ackedProducts[n % ackedProducts.length]}`,
            timestamp: new Date().toISOString(),
          };
        });
        const entry = { batch, acked: false };
        sent.push(entry);
        const answer = (await post(service!.base, '/v1/events', batch, t)) as
          | { accepted: number; rejected: number }
          | undefined;
        if (answer) {
          expect(answer.rejected).toBe(0);
          entry.acked = true;
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    for (const started = Date.now(); t.acknowledged < 40 && Date.now() - started < 60_000; ) await sleep(20);
    killing = true;
    await service!.stop('SIGKILL');
    await Promise.all(clients);

    service = await startService({ DATA_DIR: dataDir });
    // Acknowledged events sent again are all duplicates: none was lost.
    const acked = sent.filter((s) => s.acked);
    const ackedEvents = acked.reduce((n, s) => n + s.batch.length, 0);
    const again = tally();
    let duplicates = 0;
    for (const { batch } of acked) {
      const answer = (await post(service.base, '/v1/events', batch, again)) as { duplicates: number };
      duplicates += answer.duplicates;
    }
    // The rest (in flight at the kill) too, so each shopper's clicks are known exactly.
    for (const { batch } of sent.filter((s) => !s.acked))
      await post(service.base, '/v1/events', batch, again);
    const expectedClicks = new Map<string, number>();
    for (const { batch } of sent) {
      for (const e of batch)
        expectedClicks.set(e.user_id as string, (expectedClicks.get(e.user_id as string) ?? 0) + 1);
    }
    const wrongProfiles: string[] = [];
    for (const [user, clicks] of expectedClicks) {
      const { body } = await get(service.base, `/v1/users/${user}/profile`);
      const counted = (body as { counts: { clicks: number } }).counts.clicks;
      if (counted !== clicks) wrongProfiles.push(`${user}: ${counted} clicks folded, ${clicks} sent`);
    }
    console.log(
      `kill -9 during event ingest: ${t.tried} requests, ${t.acknowledged} acknowledged (${ackedEvents} events), ` +
        `${t.status4xx} 4xx, ${t.status5xx} 5xx, ${t.unanswered} unanswered at the kill; ` +
        `${ackedEvents - duplicates} acknowledged events lost; ${wrongProfiles.length} profiles off`,
    );
    expect(t.status5xx).toBe(0);
    expect(again.status5xx + again.status4xx).toBe(0);
    expect(duplicates).toBe(ackedEvents);
    expect(wrongProfiles).toEqual([]);
  });
});
