import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { experimentReport } from '../../src/experiments/experiment-report.ts';
import { loadMappings } from '../../src/main/mappings.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const day = 86_400_000;
const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * day).toISOString();

const experimentsYaml = (firstEnds = iso(1)) => `alpha: 0.05
experiments:
  - id: fused-vs-active
    control: fused
    treatment: active
    start: "${iso(-1)}"
    end: "${firstEnds}"
  - id: split
    method: ab
    control: fused
    treatment: active
    traffic: 1
    start: "${iso(-1)}"
    end: "${iso(1)}"
  - id: over
    control: fused
    treatment: active
    start: "${iso(-3)}"
    end: "${iso(-2)}"
`;

function mappingsWith(experiments: string): string {
  const dir = temporaryDirectory('mappings-');
  fs.cpSync(inject('mappingsDir'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'experiments.yaml'), experiments);
  return dir;
}

let eventId = 0;

describe('online experiments', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ MAPPINGS_DIR: mappingsWith(experimentsYaml()) });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  const search = async (shopper: Record<string, string>) =>
    (
      await request(app)
        .get('/v1/search')
        .query({ q: 'mower', ...shopper })
        .expect(200)
    ).body;

  it('interleaves the first experiment running, logs the team of each product and credits clicks per arm', async () => {
    const body = await search({ session_id: 'shopper-a' });
    expect(body.ranking.experiment).toEqual({ id: 'fused-vs-active', method: 'interleaving' });
    await runtime.eventStore.flush();
    const shown = await runtime.eventStore.impression(body.query_id);
    expect(shown!.experiment).toEqual({ id: 'fused-vs-active', method: 'interleaving' });
    const teams = shown!.items.map((i) => i.team);
    expect(teams.every((t) => t === 'control' || t === 'treatment')).toBe(true);
    expect(new Set(teams).size).toBe(Math.min(2, teams.length));
    const first = shown!.items[0]!;
    await request(app)
      .post('/v1/events')
      .send({
        event_id: `x-${++eventId}`,
        type: 'click',
        session_id: 'shopper-a',
        query_id: body.query_id,
        product_id: first.productId,
        timestamp: new Date().toISOString(),
      })
      .expect(200);
    await expect
      .poll(async () => (await request(app).get('/metrics')).text)
      .toContain(
        `experiment_actions_total{experiment="fused-vs-active",arm="${first.team}",action="click"} 1`,
      );
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).toContain('experiment_searches_total{experiment="fused-vs-active",arm="interleaved"} 1');
    const experiment = runtime.mappings.current.experiments.experiments[0]!;
    const report = await experimentReport(runtime.eventStore, experiment, 0.05);
    expect(report).toMatchObject({ status: 'running', searches: 1, winner: null });
    expect(report.interleaving!.clicks[first.team!]).toBe(1);
    expect(report.interleaving![first.team === 'control' ? 'control_wins' : 'treatment_wins']).toBe(1);
  });

  it('keeps an experiment that ended out of the searches and reports it as ended', async () => {
    const over = runtime.mappings.current.experiments.experiments[2]!;
    const report = await experimentReport(runtime.eventStore, over, 0.05);
    expect(report).toMatchObject({ status: 'ended', searches: 0, winner: null, p_value: 1 });
  });

  it('splits shoppers in half for an A/B experiment, sticky per shopper', async () => {
    // The interleaving experiment ended half a day ago: the A/B one is the first running.
    const dir = mappingsWith(experimentsYaml(iso(-0.5)));
    const ab = await createTestRuntime({ MAPPINGS_DIR: dir });
    try {
      const abApp = ab.createApp();
      await request(abApp).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
      const arms = new Map<string, string>();
      for (let i = 0; i < 40; i++) {
        const res = await request(abApp)
          .get('/v1/search')
          .query({ q: 'drill', user_id: `u${i}` })
          .expect(200);
        expect(res.body.ranking.experiment).toMatchObject({ id: 'split', method: 'ab' });
        arms.set(`u${i}`, res.body.ranking.experiment.arm);
      }
      const counts: Record<string, number> = {};
      for (const arm of arms.values()) counts[arm] = (counts[arm] ?? 0) + 1;
      expect(counts.control).toBeGreaterThan(8);
      expect(counts.treatment).toBeGreaterThan(8);
      for (const user of ['u1', 'u2', 'u3']) {
        const again = await request(abApp)
          .get('/v1/search')
          .query({ q: 'hose', user_id: user, page: 1 })
          .expect(200);
        expect(again.body.ranking.experiment.arm).toBe(arms.get(user));
      }
      const split = ab.mappings.current.experiments.experiments[1]!;
      const report = await experimentReport(ab.eventStore, split, 0.05);
      expect(report.arms!.control.searches + report.arms!.treatment.searches).toBe(43);
      expect(report.arms!.control.click_through).toMatchObject({ estimate: 0, low: 0 });
    } finally {
      await ab.close();
    }
  });

  it('reports through the CLI', async () => {
    await runtime.eventStore.flush();
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'src/cli/index.ts', 'experiments', 'report', '--id', 'fused-vs-active'],
      {
        env: {
          ...process.env,
          DATA_DIR: runtime.config.dataDir,
          MODELS_DIR: runtime.config.modelsDir,
          MAPPINGS_DIR: runtime.config.mappingsDir,
          DEMO_CATALOG: 'off',
          LOG_LEVEL: 'silent',
        },
      },
    );
    const report = JSON.parse(stdout).experiments[0];
    expect(report).toMatchObject({ id: 'fused-vs-active', method: 'interleaving', searches: 1 });
  });
});

describe('experiments.yaml validation', () => {
  it('points at the line and column of a mistake', () => {
    const dir = mappingsWith(`experiments:
  - id: one
    control: fused
    treatment: fused
    start: "2026-01-01T00:00:00Z"
    end: "2025-01-01T00:00:00Z"
`);
    expect(() => loadMappings(dir)).toThrow(
      /experiments\.yaml:\d+:\d+ .*(control and treatment must differ|end must be after start)/,
    );
    const unknown = mappingsWith('experiments: []\nalpah: 0.1\n');
    expect(() => loadMappings(unknown)).toThrow(/experiments\.yaml:2:1/);
  });
});
