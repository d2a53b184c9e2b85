import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '../../src/catalog/product.ts';
import { registerSimulateCommand } from '../../src/cli/commands/simulate.ts';
import { SearchApiClient } from '../../src/eval/simulator/api-client.ts';
import { evaluatePersonalization } from '../../src/eval/simulator/personalization-eval.ts';
import { SimulationCatalog } from '../../src/eval/simulator/simulation-catalog.ts';
import { simulateTraffic, type TrafficOptions } from '../../src/eval/simulator/traffic.ts';
import { SIMULATED_TRAFFIC_ENV } from '../../src/main/config.ts';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import type { Impression } from '../../src/users/events.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const START = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

describe('the shopper simulator against the real service', () => {
  let runtime: Runtime;
  let server: Server;
  let baseUrl: string;
  let catalog: SimulationCatalog;

  beforeAll(async () => {
    runtime = await createTestRuntime({ DEMO_CATALOG: 'auto', ...SIMULATED_TRAFFIC_ENV });
    await loadDemoCatalogIfEmpty(runtime);
    server = await new Promise<Server>((resolve) => {
      const listening = runtime.createApp().listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const products: Product[] = [];
    for await (const batch of runtime.backend.scanProducts(500)) products.push(...batch);
    catalog = new SimulationCatalog(products);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await runtime.close();
  });

  const options = (): Partial<TrafficOptions> & Pick<TrafficOptions, 'baseUrl' | 'catalog'> => ({
    baseUrl,
    catalog,
    shoppers: 6,
    sessionsPerShopper: 2,
    queriesPerSession: 2,
    seed: 42,
    concurrency: 3,
    startTime: START,
    spanDays: 10,
  });

  async function storedImpressions(): Promise<Map<string, Impression>> {
    const impressions = new Map<string, Impression>();
    for await (const page of runtime.eventStore.impressionsSince(0)) {
      for (const impression of page) impressions.set(impression.queryId, impression);
    }
    return impressions;
  }

  it('searches, then stores clicks, carts and purchases joined to what was shown', async () => {
    const before = new Set((await storedImpressions()).keys());
    const { report, signedIn } = await simulateTraffic(options());
    expect(report.searches).toBe(24);
    expect(report.sessions).toBe(12);
    expect(report.zeroResultSearches).toBeLessThan(report.searches);
    expect(report.shoppers).toEqual({ total: 6, signedIn: 6, anonymous: 0 });
    const sent = report.events.click + report.events.add_to_cart + report.events.purchase;
    expect(report.events.click).toBeGreaterThan(0);
    expect(report.stored, JSON.stringify(report.stored.errors.slice(0, 2))).toMatchObject({
      inserted: sent,
      duplicates: 0,
      rejected: 0,
    });
    expect(report.ctrByPosition).toHaveLength(20);
    expect(report.shownByGrade.reduce((a, b) => a + b)).toBeGreaterThan(report.searches * 5);

    const impressions = new Map([...(await storedImpressions())].filter(([id]) => !before.has(id)));
    expect(impressions.size).toBe(24);
    const events = await runtime.eventStore.eventsForQueries([...impressions.keys()]);
    expect(events).toHaveLength(sent);
    for (const event of events) {
      const shown = impressions.get(event.queryId!)!;
      expect(shown.items.find((item) => item.position === event.position)?.productId).toBe(event.productId);
      expect(event.userHash).toBe(shown.userHash);
      expect(event.sessionId).toBe(shown.sessionId);
      expect(event.timestamp).toBeGreaterThanOrEqual(START);
      expect(event.timestamp).toBeLessThan(START + 11 * DAY);
    }

    // Every signed-in shopper's profile holds exactly their events.
    let profiled = 0;
    for (const shopper of signedIn) {
      const profile = await runtime.events.profile(shopper.userId);
      profiled += profile.counts.clicks + profile.counts.carts + profile.counts.purchases;
    }
    expect(profiled).toBe(sent);
  });

  it('makes the same choices for the same seed', async () => {
    // New shoppers each time (their own id prefix): history from an earlier run would change
    // what the profile boost serves them.
    const first = (await simulateTraffic({ ...options(), idPrefix: 'seeded-a' })).report;
    const second = (await simulateTraffic({ ...options(), idPrefix: 'seeded-b' })).report;
    const choices = (r: typeof first) => [
      r.searches,
      r.events,
      r.shownByGrade,
      r.clicksByGrade,
      r.ctrByPosition,
    ];
    expect(choices(second)).toEqual(choices(first));
    expect(second.stored.duplicates).toBe(0); // new searches, new query ids, new event ids
    const other = (await simulateTraffic({ ...options(), idPrefix: 'seeded-c', seed: 43 })).report;
    expect(choices(other)).not.toEqual(choices(first));
  });

  it('simulates shoppers who are not signed in: events by session, no profile', async () => {
    const { report, shoppers, signedIn } = await simulateTraffic({
      ...options(),
      anonymousShare: 1,
      idPrefix: 'guest',
    });
    expect(signedIn).toEqual([]);
    expect(report.shoppers.anonymous).toBe(6);
    expect(report.stored.rejected).toBe(0);
    for (const shopper of shoppers) {
      expect((await runtime.events.profile(shopper.userId)).counts).toEqual({
        clicks: 0,
        carts: 0,
        purchases: 0,
      });
    }
  });

  it('evaluates personalization against the shoppers’ own preferences', async () => {
    const { signedIn } = await simulateTraffic({ ...options(), idPrefix: 'evaluated' });
    const evaluation = await evaluatePersonalization({
      search: new SearchApiClient(baseUrl).search,
      catalog,
      shoppers: signedIn,
      queriesPerShopper: 2,
      seed: 5,
    });
    expect(evaluation.queries + evaluation.skipped).toBe(12);
    expect(evaluation.queries).toBeGreaterThan(0);
    for (const value of Object.values(evaluation.ndcg)) {
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    // No ranker is trained here: shoppers without history get the fused order, and those with
    // it the profile boost (which the ranker counts do not include).
    expect(evaluation.reranked).toEqual({ history: 0, newShopper: 0, anonymous: 0, fused: 0 });
    expect(evaluation.ndcg.newShopper).toBe(evaluation.ndcg.fused);
    expect(evaluation.ndcg.anonymous).toBe(evaluation.ndcg.fused);
    expect(evaluation.changeOverAnonymous.newShopper).toBe(0);
  });

  it('runs as the `simulate` command against a service URL', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const program = new Command().exitOverride();
      registerSimulateCommand(program);
      await program.parseAsync(
        ['simulate', '--url', baseUrl, '--shoppers', '3', '--sessions', '1', '--seed', '9', '--no-progress'],
        { from: 'user' },
      );
      const output = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
      expect(output.catalog.products).toBe(catalog.size);
      expect(output.traffic.searches).toBe(9);
      expect(output.traffic.stored.rejected).toBe(0);
    } finally {
      log.mockRestore();
    }
  });
});
