/**
 * The Grafana dashboard (k8s/monitoring/grafana-dashboard.json) charts only what the
 * service exports: every metric an expression selects, and every label it groups by, is
 * in the /metrics of a running app (after a search, an event and a job, so the labelled
 * series exist).
 */
import fs from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../src/catalog/demo-catalog.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

interface Panel {
  title: string;
  targets: { expr: string }[];
}

const dashboard = JSON.parse(fs.readFileSync('k8s/monitoring/grafana-dashboard.json', 'utf8')) as {
  uid: string;
  panels: Panel[];
};
/** Labels Prometheus adds at scrape time; the service's own `job` label arrives as `exported_job`. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'exported_job', 'le']);

describe('the Grafana dashboard', () => {
  let runtime: Runtime;
  const exported = new Map<string, Set<string>>();

  beforeAll(async () => {
    runtime = await createTestRuntime({ EMBEDDER: 'hashing' });
    await runtime.catalog.ingest(demoProducts().slice(0, 40));
    const app = runtime.createApp();
    await request(app).get('/v1/search?q=drill').expect(200);
    await runtime.jobs.runner.run('suggestions', 'cli');
    const text = (await request(app).get('/metrics').expect(200)).text;
    // Read the exposition text itself: the parser in devDependencies drops the labels of
    // histogram samples whose `le` comes first, as prom-client writes them.
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const names =
        type === 'histogram'
          ? ['', '_bucket', '_count', '_sum']
          : type === 'summary'
            ? ['', '_count', '_sum']
            : [''];
      // Labels the metric declares (series of some appear only once something happened, a
      // model served, say), plus those seen on its samples below.
      const declared = (
        runtime.metrics.registry.getSingleMetric(name!) as { labelNames?: string[] } | undefined
      )?.labelNames;
      for (const suffix of names) exported.set(`${name}${suffix}`, new Set(declared ?? []));
    }
    for (const [, name, labels] of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /gm)) {
      const known = exported.get(name!) ?? new Set<string>();
      for (const [, label] of (labels ?? '').matchAll(/(\w+)="/g)) known.add(label!);
      exported.set(name!, known);
    }
  });
  afterAll(() => runtime.close());

  it('has panels, each with at least one expression', () => {
    expect(dashboard.uid).toBe('hybrid-search');
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });

  it('selects only metrics the service exports, grouped by labels they carry', () => {
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const selected = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)].map((m) => m[1]!);
        expect(selected.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        const labels = new Set<string>(SCRAPE_LABELS);
        for (const name of selected) {
          expect(exported.has(name), `${panel.title}: ${name}`).toBe(true);
          for (const label of exported.get(name)!) labels.add(label === 'job' ? 'exported_job' : label);
          // A histogram's labels are on its _bucket, _count and _sum series.
          for (const suffix of ['_bucket', '_count', '_sum'])
            for (const label of exported.get(name.replace(/_(bucket|count|sum)$/, '') + suffix) ?? [])
              labels.add(label);
        }
        for (const [, group] of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
          for (const label of group!.split(',').map((l) => l.trim()))
            expect(labels.has(label), `${panel.title}: by ${label}`).toBe(true);
      }
    }
  });
});
