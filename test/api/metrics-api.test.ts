/**
 * `GET /metrics` end to end: a real runtime serves searches, events and bad requests, and
 * the scrape, parsed as Prometheus text, counts them with bounded labels (route templates,
 * status codes, stages), and the online ranking-quality gauges follow the clicks shoppers
 * make at known positions.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

type App = ReturnType<Runtime['createApp']>;
type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

class Scrape {
  readonly families: Map<string, Family>;
  /**
   * The parser folds every series of a labelled histogram into one (labels, `_sum` and
   * `_count` are lost). Read again without the histogram TYPE lines, each histogram's
   * `_bucket`, `_sum` and `_count` come back as plain (untyped) samples with their labels.
   */
  private readonly plain: Map<string, Family>;

  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    this.plain = new Map();
    for (const family of parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ''))) {
      // prom-client writes a histogram series by series, so `_bucket`, `_sum` and `_count` recur.
      const seen = this.plain.get(family.name);
      if (seen) seen.metrics.push(...family.metrics);
      else this.plain.set(family.name, family);
    }
  }

  family(name: string): Family {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric family ${name} in the scrape`);
    return family;
  }

  /** Every series of a counter or gauge, or of a histogram's `_count`, `_sum` or `_bucket`. */
  series(name: string): Series[] {
    const family = this.plain.get(name);
    return (family?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
  }

  /** The value of the one series with exactly these labels; 0 when it does not exist (yet). */
  value(name: string, labels: Labels = {}): number {
    const matching = this.series(name).filter(
      (s) =>
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    expect(matching.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
    return matching[0]?.value ?? 0;
  }

  /** Every label set of a family (for a histogram: of its `_count` series). */
  labelSets(name: string): Labels[] {
    const type = this.family(name).type;
    return this.series(type === 'HISTOGRAM' ? `${name}_count` : name).map((s) => s.labels);
  }
}

async function scrape(app: App): Promise<Scrape> {
  const res = await request(app).get('/metrics').expect(200);
  return new Scrape(res.text, res.headers['content-type'] ?? '');
}

const http = (method: string, route: string, status: number) => ({
  method,
  route,
  status_code: String(status),
});

describe('GET /metrics', () => {
  let runtime: Runtime;
  let app: App;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('is the Prometheus text format, every family with help and type', async () => {
    const metrics = await scrape(app);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.families.size).toBeGreaterThan(20);
    for (const family of metrics.families.values()) {
      expect(family.help, family.name).not.toBe('');
      expect(['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY'], family.name).toContain(family.type);
      expect(family.name, family.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    }
    const types = Object.fromEntries([...metrics.families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      http_request_duration_seconds: 'HISTOGRAM',
      search_stage_duration_seconds: 'HISTOGRAM',
      search_requests_total: 'COUNTER',
      search_zero_results_total: 'COUNTER',
      search_results: 'HISTOGRAM',
      search_ranking_fallbacks_total: 'COUNTER',
      search_ctr_by_position: 'GAUGE',
      search_first_click_mrr: 'GAUGE',
      search_purchases_per_search: 'GAUGE',
      process_cpu_user_seconds_total: 'COUNTER',
    });
  });

  it('counts searches by method, route template and status code, and their results', async () => {
    const before = await scrape(app);
    const totals: number[] = [];
    for (const q of ['cordless drill', 'garden hose', '运动鞋']) {
      const res = await request(app).get('/v1/search').query({ q }).expect(200);
      totals.push(res.body.total);
    }
    const posted = await request(app).post('/v1/search').send({ q: 'lawn mower' }).expect(200);
    totals.push(posted.body.total);
    const after = await scrape(app);

    const count = 'http_request_duration_seconds_count';
    const get = http('GET', '/v1/search', 200);
    expect(after.value(count, get) - before.value(count, get)).toBe(3);
    expect(
      after.value(count, http('POST', '/v1/search', 200)) -
        before.value(count, http('POST', '/v1/search', 200)),
    ).toBe(1);
    // The scrape before this one was counted too, under its own route.
    expect(after.value(count, http('GET', '/metrics', 200))).toBeGreaterThanOrEqual(1);
    expect(after.value('http_request_duration_seconds_sum', get)).toBeGreaterThan(
      before.value('http_request_duration_seconds_sum', get),
    );
    // Buckets are cumulative and end at the count.
    const buckets = after
      .series('http_request_duration_seconds_bucket')
      .filter(
        (s) => s.labels.route === '/v1/search' && s.labels.method === 'GET' && s.labels.status_code === '200',
      );
    expect(buckets.length).toBeGreaterThan(5);
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(after.value(count, get));

    expect(
      after.value('search_requests_total', { mode: 'hybrid' }) -
        before.value('search_requests_total', { mode: 'hybrid' }),
    ).toBe(4);
    // search_results has no labels, so the parser's own histogram reading applies.
    const results = (metrics: Scrape) => {
      const sample = metrics.family('search_results').metrics[0];
      return { count: Number(sample?.count ?? 0), sum: Number(sample?.sum ?? 0), sample };
    };
    expect(results(after).count - results(before).count).toBe(4);
    expect(results(after).sum - results(before).sum).toBe(totals.reduce((a, b) => a + b, 0));
    expect(Number(results(after).sample?.buckets?.['+Inf'])).toBe(results(after).count);
  });

  it('counts browsing by filters, and searches that found nothing, by mode', async () => {
    const before = await scrape(app);
    const ego = await request(app).get('/v1/search').query({ 'filter.brand': 'EGO' }).expect(200);
    expect(ego.body).toMatchObject({ mode: 'browse', total: 2 });
    const none = await request(app).get('/v1/search').query({ 'filter.brand': 'NoSuchBrand' }).expect(200);
    expect(none.body).toMatchObject({ mode: 'browse', total: 0 });
    const after = await scrape(app);
    const delta = (name: string, labels: Labels) => after.value(name, labels) - before.value(name, labels);
    expect(delta('search_requests_total', { mode: 'browse' })).toBe(2);
    expect(delta('search_requests_total', { mode: 'hybrid' })).toBe(0);
    expect(delta('search_zero_results_total', { mode: 'browse' })).toBe(1);
    expect(delta('search_zero_results_total', { mode: 'hybrid' })).toBe(0);
  });

  it('times each stage of the search path, as the response reports it', async () => {
    const before = await scrape(app);
    const res = await request(app).get('/v1/search').query({ q: 'leaf blower' }).expect(200);
    const after = await scrape(app);
    const stages = res.body.took.stages as Record<string, number>;
    expect(Object.keys(stages)).toEqual(
      expect.arrayContaining(['parse', 'embed', 'bm25', 'knn', 'fuse', 'features', 'rerank', 'fetch']),
    );
    for (const [stage, ms] of Object.entries(stages)) {
      const labels = { stage };
      expect(
        after.value('search_stage_duration_seconds_count', labels) -
          before.value('search_stage_duration_seconds_count', labels),
        stage,
      ).toBe(1);
      expect(
        after.value('search_stage_duration_seconds_sum', labels) -
          before.value('search_stage_duration_seconds_sum', labels),
        stage,
      ).toBeCloseTo(ms / 1000, 9);
    }
    // Stage labels are the stage names the search path knows, nothing else.
    for (const labels of after.labelSets('search_stage_duration_seconds'))
      expect(labels.stage).toMatch(
        /^(parse|match_rules|analyze|synonyms|embed|bm25|knn|fuse|summaries|facet_rows|features|rerank|rules|facets|sort|page|fetch|browse)$/,
      );
  });

  it('counts rejected and unknown requests with their status, under their route template', async () => {
    const before = await scrape(app);
    await request(app).get('/v1/search').query({ q: 'drill', size: 0 }).expect(400);
    await request(app).get('/v1/search').query({ q: 'drill', 'filter.colour': 'red' }).expect(400);
    await request(app).get('/v1/search').query({ q: 'drill', sort: 'cheapest' }).expect(400);
    await request(app).get('/v1/suggest').query({ q: 'dr', size: 99 }).expect(400);
    await request(app).get('/v1/products/no-such-product').expect(404);
    await request(app).get('/v1/no/such/path').expect(404);
    await request(app).get('/v1/admin/jobs').expect(403); // refused before routing: admin API off
    await request(app)
      .post('/v1/events')
      .send([{ event_id: 'bad', type: 'like' }])
      .expect(422);
    const after = await scrape(app);
    const delta = (labels: Labels) =>
      after.value('http_request_duration_seconds_count', labels) -
      before.value('http_request_duration_seconds_count', labels);
    expect(delta(http('GET', '/v1/search', 400))).toBe(3);
    expect(delta(http('GET', '/v1/search', 200))).toBe(0);
    expect(delta(http('GET', '/v1/suggest', 400))).toBe(1);
    expect(delta(http('GET', '/v1/products/:id', 404))).toBe(1);
    expect(delta(http('GET', 'unmatched', 404))).toBe(1);
    expect(delta(http('GET', 'unmatched', 403))).toBe(1);
    expect(delta(http('POST', '/v1/events', 422))).toBe(1);
    // A rejected search never reached the search path.
    expect(after.value('search_requests_total', { mode: 'hybrid' })).toBe(
      before.value('search_requests_total', { mode: 'hybrid' }),
    );
  });

  it('keeps label values bounded: no query text, id or raw path becomes a label', async () => {
    const marker = 'zqxmarker';
    const traffic = async (round: number) => {
      for (let i = 0; i < 10; i++) {
        const q = `${marker}${round}x${i} drill`;
        const res = await request(app)
          .get('/v1/search')
          .query({ q, user_id: `${marker}-user-${round}-${i}`, session_id: `${marker}-session-${i}` })
          .expect(200);
        await request(app)
          .post('/v1/events')
          .send({
            event_id: `${marker}-event-${round}-${i}`,
            type: 'click',
            user_id: `${marker}-user-${round}-${i}`,
            query_id: res.body.query_id,
            product_id: res.body.hits[0].id,
            position: 1,
            timestamp: new Date().toISOString(),
          })
          .expect(200);
        await request(app)
          .get('/v1/suggest')
          .query({ q: `${marker}${round}${i}` })
          .expect(200);
        await request(app).get(`/v1/products/${marker}-product-${round}-${i}`).expect(404);
        await request(app).get(`/${marker}/raw/${round}/${i}?q=${marker}`).expect(404);
        await request(app).get(`/v1/users/${marker}-user-${round}-${i}/profile`).expect(200);
      }
    };
    const seriesCount = (metrics: Scrape) =>
      [...metrics.families.keys()]
        .filter((name) => /^(http_|search_)/.test(name))
        .map((name) => metrics.labelSets(name).length)
        .reduce((a, b) => a + b, 0);

    await traffic(0);
    const first = await scrape(app);
    await traffic(1);
    const second = await scrape(app);
    // Ten more distinct queries, shoppers, products and paths: not one more series.
    expect(seriesCount(second)).toBe(seriesCount(first));
    expect(second.text).not.toContain(marker);

    const routes = new Set(second.labelSets('http_request_duration_seconds').map((l) => l.route));
    expect([...routes].sort()).toEqual(
      [
        '/metrics',
        '/v1/events',
        '/v1/products',
        '/v1/products/:id',
        '/v1/search',
        '/v1/suggest',
        '/v1/users/:id/profile',
        'unmatched',
      ].sort(),
    );
    for (const labels of second.labelSets('http_request_duration_seconds')) {
      expect(Object.keys(labels).sort()).toEqual(['method', 'route', 'status_code']);
      expect(labels.status_code).toMatch(/^[1-5]\d\d$/);
    }
    const positions = second.labelSets('search_ctr_by_position').map((l) => l.position);
    expect(positions).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });
});

/** A fresh runtime with the fixture catalog, and a shopper who searches, clicks and buys. */
function shopperTraffic() {
  let runtime: Runtime;
  let app: App;
  let nextEvent = 0;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  /**
   * A search showing at least `atLeast` hits; its query id and the ids in the order shown.
   * (Queries the keyword leg only partly matches, so the vector leg fills the list.)
   */
  async function search(
    q: string,
    { page = 1, size = 20, atLeast = 5 } = {},
  ): Promise<{ queryId: string; ids: string[] }> {
    const res = await request(app)
      .get('/v1/search')
      .query({ q, page, size, user_id: 'shopper-1' })
      .expect(200);
    const ids = (res.body.hits as { id: string }[]).map((h) => h.id);
    expect(ids.length, q).toBeGreaterThanOrEqual(atLeast);
    return { queryId: res.body.query_id, ids };
  }

  function event(type: 'click' | 'purchase', queryId: string, productId: string, position?: number) {
    return {
      event_id: `quality-${++nextEvent}`,
      type,
      user_id: 'shopper-1',
      query_id: queryId,
      product_id: productId,
      ...(position !== undefined && { position }),
      timestamp: new Date().toISOString(),
    };
  }

  async function post(events: object[]): Promise<void> {
    await request(app).post('/v1/events').send(events).expect(200);
  }

  async function quality() {
    const metrics = await scrape(app);
    const ctr = (position: number) => metrics.value('search_ctr_by_position', { position: String(position) });
    return {
      mrr: metrics.value('search_first_click_mrr'),
      purchasesPerSearch: metrics.value('search_purchases_per_search'),
      ctr,
      ctrs: Array.from({ length: 10 }, (_, p) => ctr(p + 1)),
      eventsPosted: metrics.value('http_request_duration_seconds_count', http('POST', '/v1/events', 200)),
    };
  }

  return { app: () => app, search, event, post, quality };
}

describe('online ranking quality on /metrics', () => {
  const { app, search, event, post, quality } = shopperTraffic();

  it('moves CTR by position, first-click MRR and purchases per search with what shoppers do', async () => {
    const start = await quality();
    expect(start).toMatchObject({ mrr: 0, purchasesPerSearch: 0, ctrs: Array(10).fill(0), eventsPosted: 0 });

    // Search A, clicked at rank 1: MRR 1, CTR@1 = 1 click / 1 search.
    const a = await search('cordless drill for the garden');
    await post([event('click', a.queryId, a.ids[0]!, 1)]);
    let q = await quality();
    expect(q.mrr).toBe(1);
    expect(q.ctr(1)).toBe(1);
    expect(q.eventsPosted).toBe(1);

    // Search B, clicked at rank 5 (the position is filled in from what the search showed):
    // MRR (1 + 1/5) / 2 = 0.6, CTR@1 = 1/2, CTR@5 = 1/2.
    const b = await search('garden tools for the yard');
    await post([event('click', b.queryId, b.ids[4]!)]);
    q = await quality();
    expect(q.mrr).toBeCloseTo(0.6, 12);
    expect(q.ctr(1)).toBeCloseTo(0.5, 12);
    expect(q.ctr(5)).toBeCloseTo(0.5, 12);
    expect(q.purchasesPerSearch).toBe(0);

    // Search C, not clicked, and a purchase from search A: MRR is over searches with a
    // click (still 0.6); CTR and purchases are over all three searches.
    await search('mower for the lawn and garden');
    await post([event('purchase', a.queryId, a.ids[0]!)]);
    q = await quality();
    expect(q.mrr).toBeCloseTo(0.6, 12);
    expect(q.ctr(1)).toBeCloseTo(1 / 3, 12);
    expect(q.ctr(5)).toBeCloseTo(1 / 3, 12);
    expect(q.purchasesPerSearch).toBeCloseTo(1 / 3, 12);
    expect(q.eventsPosted).toBe(3);

    // A later click at rank 1 on B is not B's first click: MRR stays, CTR@1 rises to 2/3.
    await post([event('click', b.queryId, b.ids[0]!, 1)]);
    q = await quality();
    expect(q.mrr).toBeCloseTo(0.6, 12);
    expect(q.ctr(1)).toBeCloseTo(2 / 3, 12);
    expect(q.ctr(2)).toBe(0);

    // A search clicked at rank 2 first: MRR (1 + 1/5 + 1/2) / 3.
    const d = await search('outdoor power', { atLeast: 2 });
    await post([event('click', d.queryId, d.ids[1]!, 2), event('click', d.queryId, d.ids[0]!, 1)]);
    q = await quality();
    expect(q.mrr).toBeCloseTo(1.7 / 3, 12);
    expect(q.ctr(1)).toBeCloseTo(3 / 4, 12);
    expect(q.ctr(2)).toBeCloseTo(1 / 4, 12);
    expect(q.purchasesPerSearch).toBeCloseTo(1 / 4, 12);
  });

  it('ignores repeated events; refuses events of unknown searches and of browsing (no logged list)', async () => {
    const before = await quality();
    const a = await search('power tools', { atLeast: 1 });
    const click = event('click', a.queryId, a.ids[0]!, 1);
    await post([click]);
    const once = await quality();
    expect(once.ctr(1)).not.toBe(before.ctr(1));

    const again = await request(app()).post('/v1/events').send([click]).expect(200);
    expect(again.body).toMatchObject({ accepted: 1, duplicates: 1 });
    const unknown = await request(app())
      .post('/v1/events')
      .send([event('click', 'no-such-search', 'drill-1', 1), event('purchase', 'no-such-search', 'drill-1')])
      .expect(422);
    const codes = (body: { errors: { errors: { code: string }[] }[] }) =>
      body.errors.map((e) => e.errors[0]!.code);
    expect(codes(unknown.body)).toEqual(['unknown_query', 'unknown_query']);
    const browse = await request(app()).get('/v1/search').query({ 'filter.brand': 'EGO' }).expect(200);
    const browsed = await request(app())
      .post('/v1/events')
      .send([event('click', browse.body.query_id, browse.body.hits[0].id, 1)])
      .expect(422);
    expect(codes(browsed.body)).toEqual(['unknown_query']);
    const after = await quality();
    expect(after.mrr).toBe(once.mrr);
    expect(after.ctrs).toEqual(once.ctrs);
    expect(after.purchasesPerSearch).toBe(once.purchasesPerSearch);
    expect(after.eventsPosted).toBe(once.eventsPosted + 1);
  });
});

describe('online ranking quality of a later result page', () => {
  const { search, event, post, quality } = shopperTraffic();

  it('counts the positions a later page showed, not the first ones again', async () => {
    const first = await search('cordless drill for the garden', { page: 1, size: 2, atLeast: 2 });
    const second = await search('cordless drill for the garden', { page: 2, size: 2, atLeast: 2 }); // positions 3-4
    // The click on the second page's first hit is at position 3 (filled in from the impression).
    await post([event('click', second.queryId, second.ids[0]!)]);
    let q = await quality();
    expect(q.mrr).toBeCloseTo(1 / 3, 12);
    // Each of positions 1-4 was shown once: CTR@3 = 1/1; position 1 was shown by page 1 only.
    expect(q.ctrs).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);

    await post([event('click', first.queryId, first.ids[0]!, 1)]);
    q = await quality();
    expect(q.ctr(1)).toBe(1);
    expect(q.mrr).toBeCloseTo((1 + 1 / 3) / 2, 12);
  });
});
