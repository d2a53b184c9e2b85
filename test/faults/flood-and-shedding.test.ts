/**
 * Issue 14, findings 2 and 3 against the real service in a child process: a flood of
 * oversized and near-limit bodies on the public routes must keep the child's memory
 * bounded and the service answering; 128 concurrent searching clients get answers or
 * quick 503 `overloaded` sheds instead of waiting, none longer than 10 s.
 */
import http from 'node:http';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { type ServiceProcess, startService } from './service-process.ts';

const MB = 1024 * 1024;

async function send(url: string, body: Buffer | string, type = 'application/json') {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    // The service may close the connection once it has answered 413 to the headers.
    return { status: 0, ms: performance.now() - started };
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe('body flood and load shedding of the real service', () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  it('keeps memory bounded and keeps answering under a flood of oversized and near-limit bodies', async () => {
    service = await startService({ DATA_DIR: temporaryDirectory('flood-'), DEMO_CATALOG: 'auto' });
    const base = service.base;
    await fetch(`${base}/v1/search?q=drill`).then((r) => r.arrayBuffer());
    const baseline = service.rss()!;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, service!.rss() ?? 0);
    }, 50);

    // 60 MB of nested arrays, as in the finding; near-limit bodies just under each route's cap.
    const huge = Buffer.alloc(60 * MB, '[');
    const nearSearch = JSON.stringify({
      q: 'drill',
      filters: { brand: Array.from({ length: 1500 }, (_, i) => `b${i}`) },
    });
    const nearEvents = JSON.stringify(
      Array.from({ length: 1000 }, (_, i) => ({
        event_id: `flood-${i}-${'x'.repeat(200)}`,
        type: 'click',
        user_id: 'flood',
        product_id: 'demo-0001',
        timestamp: new Date().toISOString(),
      })),
    ).slice(0, 500 * 1024);
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const probes: number[] = [];
    const probeStatuses: number[] = [];
    const flood = async (i: number) => {
      for (let round = 0; round < 4; round++) {
        const kind = (i + round) % 4;
        const answer =
          kind === 0
            ? await send(`${base}/v1/search`, huge)
            : kind === 1
              ? await send(`${base}/v1/events`, huge)
              : kind === 2
                ? await send(`${base}/v1/search`, nearSearch)
                : await send(`${base}/v1/events`, nearEvents);
        count(answer.status);
      }
    };
    // A shopper's search meanwhile, on a connection of its own (the flood's are closed after their 413).
    const probe = async () => {
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const status = await new Promise<number>((resolve) => {
          http
            .get(`${base}/v1/search?q=lawn+mower`, { agent: false }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            })
            .on('error', () => resolve(0));
        });
        probeStatuses.push(status);
        probes.push(performance.now() - started);
        await sleep(200);
      }
    };
    await Promise.all([...Array.from({ length: 32 }, (_, i) => flood(i)), probe()]);
    clearInterval(sampler);
    const growthMb = (peak - baseline) / MB;
    console.log(
      `body flood: 128 bodies (64 of 60 MB, 64 near the limits) from 32 clients; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `RSS ${(baseline / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB (+${growthMb.toFixed(0)} MB); ` +
        `a plain search meanwhile: p50 ${percentile(probes, 50).toFixed(0)} ms, max ${Math.max(...probes).toFixed(0)} ms`,
    );
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(growthMb).toBeLessThan(256);
    expect(probeStatuses.every((status) => status === 200)).toBe(true);
    // Not stalled: on a quiet machine a probe takes milliseconds; on the shared 2-core one
    // this ran on (load average 15) up to 8 s. A stalled parser (the finding) never answers.
    expect(Math.max(...probes)).toBeLessThan(30_000);
    await service.stop();
    service = undefined;
  });

  it('answers 128 concurrent clients with 200s or quick 503s, none waiting over 10 s', async () => {
    service = await startService({
      DATA_DIR: temporaryDirectory('shed-'),
      DEMO_CATALOG: 'auto',
      MAX_CONCURRENT_REQUESTS: '32',
      MAX_QUEUE_WAIT_MS: '1000',
    });
    const base = service.base;
    const queries = ['drill', 'lawn mower', 'headphones', 'faucet', 'skillet', 'garden hose', 'led bulb'];
    const results: { status: number; ms: number; code?: string }[] = [];
    const until = Date.now() + 10_000;
    // node:http with one keep-alive agent, as a proxy's upstream pool holds its connections.
    // Not fetch: undici's pool in this one test process leaves the first request of some of
    // 128 clients unsent until the others stop (about 25 of them, each "waiting" 10 s that
    // the service never saw; node:http clients against the same service wait at most 1 s).
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const get = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(url, { agent }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            res.on('error', reject);
          })
          .on('error', reject);
      });
    const client = async (i: number) => {
      for (let n = 0; Date.now() < until; n++) {
        const started = performance.now();
        try {
          const res = await get(
            `${base}/v1/search?q=${encodeURIComponent(queries[(i + n) % queries.length]!)}&size=50`,
          );
          const body = JSON.parse(res.body) as { error?: { code?: string } };
          results.push({
            status: res.status,
            ms: performance.now() - started,
            ...(body.error?.code && { code: body.error.code }),
          });
        } catch {
          results.push({ status: 0, ms: performance.now() - started });
        }
      }
    };
    await Promise.all(Array.from({ length: 128 }, (_, i) => client(i)));
    const ok = results.filter((r) => r.status === 200);
    const shed = results.filter((r) => r.status === 503);
    const other = results.filter((r) => r.status !== 200 && r.status !== 503);
    const slowest = Math.max(...results.map((r) => r.ms));
    console.log(
      `load shedding at 128 clients for 10 s: ${results.length} requests, ${ok.length} answered 200 ` +
        `(p50 ${percentile(
          ok.map((r) => r.ms),
          50,
        ).toFixed(0)} ms, p99 ${percentile(
          ok.map((r) => r.ms),
          99,
        ).toFixed(0)} ms), ` +
        `${shed.length} shed with 503 (${((100 * shed.length) / results.length).toFixed(1)}%, p50 ${percentile(
          shed.map((r) => r.ms),
          50,
        ).toFixed(0)} ms, ` +
        `p99 ${percentile(
          shed.map((r) => r.ms),
          99,
        ).toFixed(0)} ms), ${other.length} other; ` +
        `${results.filter((r) => r.ms > 1000).length} waited over MAX_QUEUE_WAIT_MS (1 s), ${results.filter((r) => r.ms > 10_000).length} over 10 s; slowest ${slowest.toFixed(0)} ms`,
    );
    // Status 0: a keep-alive connection the server closed as the client reused it.
    expect(other.filter((r) => r.status !== 0)).toEqual([]);
    expect(other.length).toBeLessThanOrEqual(results.length * 0.02);
    expect(shed.every((r) => r.code === 'overloaded')).toBe(true);
    expect(ok.length).toBeGreaterThan(0);
    const loadPerCore = os.loadavg()[0]! / os.cpus().length;
    console.log(`load average per core during the run: ${loadPerCore.toFixed(1)}`);
    agent.destroy();
    // The bound: no client waits over 10 s (the guard sheds what queues over 1 s).
    expect(results.filter((r) => r.ms > 10_000)).toEqual([]);
  });
});
