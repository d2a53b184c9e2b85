/**
 * Model files that are truncated, bit-flipped, deleted or replaced (issue 14, finding 8):
 * each is refused by its checksum with one line naming the file and a documented fallback
 * (encoder: keyword search alone and 503 on catalog writes, or the newest good version;
 * ranker: the fused order, `model_unavailable`), the service never rewrites a pointer in
 * MODELS_DIR on its own, and a failure repeated on every search is logged once.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadEncoderArtifact } from '../../src/embeddings/encoder/encoder-artifact.ts';
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import { isServiceError } from '../../src/main/errors.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { trainAndGate } from '../../src/ranking/training/ranker-training.ts';
import { listsFromJudgments, splitLists } from '../../src/ranking/training/training-lists.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

/** A copy of the test run's trained encoder, to break without touching the shared one. */
function encoderModels(): { dir: string; version: string } {
  const dir = temporaryDirectory('models-');
  fs.cpSync(inject('encoderModelsDir'), dir, { recursive: true });
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'encoder', 'active.json'), 'utf8'));
  return { dir, version };
}

function flipByte(file: string, at: number): void {
  const bytes = fs.readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x01;
  fs.writeFileSync(file, bytes);
}

function truncate(file: string): void {
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
}

/** Log lines at error level and above, parsed. */
function capturingLogger(): { logger: pino.Logger; lines: { msg: string; [key: string]: unknown }[] } {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}

describe('encoder files', () => {
  it('records each weight file’s size and sha256 and refuses a bit-flipped one', () => {
    const { dir, version } = encoderModels();
    const versionDir = path.join(dir, 'encoder', version);
    const metadata = JSON.parse(fs.readFileSync(path.join(versionDir, 'metadata.json'), 'utf8'));
    for (const name of ['weights.bin', 'scales.bin']) {
      const bytes = fs.readFileSync(path.join(versionDir, name));
      expect(metadata.files[name]).toEqual({
        bytes: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }
    expect(() => loadEncoderArtifact(versionDir)).not.toThrow();
    flipByte(path.join(versionDir, 'weights.bin'), 1000);
    let refused: unknown;
    try {
      loadEncoderArtifact(versionDir);
    } catch (error) {
      refused = error;
    }
    expect(isServiceError(refused, 'invalid_model')).toBe(true);
    expect((refused as Error).message).toMatch(/weights\.bin does not match the sha256 in its metadata/);
  });

  it('serves keyword search and answers 503 to catalog writes when the index’s encoder is truncated', async () => {
    const { dir, version } = encoderModels();
    const dataDir = temporaryDirectory();
    const env = { DATA_DIR: dataDir, MODELS_DIR: dir };
    const first = await createTestRuntime(env);
    await request(first.createApp()).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    await first.close();
    const pointer = fs.readFileSync(path.join(dir, 'encoder', 'active.json'), 'utf8');
    truncate(path.join(dir, 'encoder', version, 'weights.bin'));

    const { logger, lines } = capturingLogger();
    const runtime = await createTestRuntime(env, { logger });
    try {
      const app = runtime.createApp();
      const found = await request(app).get('/v1/search').query({ q: 'lawn mower' }).expect(200);
      expect(found.body.hits.map((h: { id: string }) => h.id)).toContain('mower-1');
      const write = await request(app)
        .post('/v1/products')
        .send([{ ...FIXTURE_PRODUCTS[0], title: 'Honda 21 in. Lawn Mower, renamed' }])
        .expect(503);
      expect(write.body.error.code).toBe('embedder_unavailable');
      expect(write.headers['retry-after']).toBeDefined();
      for (let i = 0; i < 5; i++) await request(app).get('/v1/search').query({ q: 'drill' }).expect(200);
      const startup = lines.filter((l) => /the encoder the index was built with cannot be used/.test(l.msg));
      expect(startup).toHaveLength(1);
      expect(startup[0]!.msg).toMatch(/weights\.bin is \d+ bytes, its metadata says \d+/);
      expect(lines.filter((l) => /embedding the query failed/.test(l.msg))).toHaveLength(1);
    } finally {
      await runtime.close();
    }
    expect(fs.readFileSync(path.join(dir, 'encoder', 'active.json'), 'utf8')).toBe(pointer);
  });

  it('serves with the newest good version when the active one is corrupt or deleted, leaving active.json alone', async () => {
    const { dir, version } = encoderModels();
    const root = path.join(dir, 'encoder');
    // A newer version, made active, whose scales are then truncated.
    const newer = `${version}-newer`;
    fs.cpSync(path.join(root, version), path.join(root, newer), { recursive: true });
    const metadataFile = path.join(root, newer, 'metadata.json');
    const metadata = JSON.parse(fs.readFileSync(metadataFile, 'utf8'));
    fs.writeFileSync(
      metadataFile,
      JSON.stringify({ ...metadata, version: newer, trained_at: new Date().toISOString() }),
    );
    const pointer = JSON.stringify({ version: newer, activated_at: '2026-01-01T00:00:00.000Z' });
    fs.writeFileSync(path.join(root, 'active.json'), pointer);
    truncate(path.join(root, newer, 'scales.bin'));

    const { logger, lines } = capturingLogger();
    const corrupt = await createTestRuntime({ MODELS_DIR: dir }, { logger });
    expect(corrupt.embedder.current.id).toMatch(new RegExp(`^encoder:${version}:d\\d+$`));
    await corrupt.close();
    expect(lines.map((l) => l.msg).join('\n')).toMatch(
      new RegExp(`the active encoder cannot be used: .*scales\\.bin.*; serving with ${version}`),
    );

    fs.rmSync(path.join(root, newer), { recursive: true });
    const deleted = await createTestRuntime({ MODELS_DIR: dir });
    expect(deleted.embedder.current.id).toMatch(new RegExp(`^encoder:${version}:d\\d+$`));
    await deleted.close();
    expect(fs.readFileSync(path.join(root, 'active.json'), 'utf8')).toBe(pointer);
    expect(fs.readdirSync(root).sort()).toEqual(['active.json', version].sort());
  });
});

/** Cheaper is better, for every query: a model learns it and reorders. */
function priceJudgments(): string {
  const queries = ['garden', 'drill', 'mower', 'tools', 'power', 'steel', 'hose', 'cordless'];
  const priced = FIXTURE_PRODUCTS.filter((p) => p.price !== undefined).sort((a, b) => a.price! - b.price!);
  const rows = ['query,product_uid,relevance'];
  for (const [qi, q] of queries.entries())
    for (let copy = 0; copy < 4; copy++)
      for (const [i, p] of priced.entries())
        rows.push(`${q} ${copy || ''}${qi},${p.id},${(3 - (2 * i) / priced.length).toFixed(2)}`);
  return rows.join('\n');
}

describe('ranker files', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let modelsDir: string;
  let versions: string[];
  const log = capturingLogger();

  beforeAll(async () => {
    modelsDir = temporaryDirectory('models-');
    runtime = await createTestRuntime({ MODELS_DIR: modelsDir, EMBEDDER: 'hashing' }, { logger: log.logger });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    const lists = await listsFromJudgments(
      (q) => runtime.search.candidates(q),
      parseJudgmentsCsv(priceJudgments()),
    );
    versions = [];
    for (let i = 0; i < 2; i++) {
      const outcome = await trainAndGate(
        { source: 'judgments', ...splitLists(lists, 0.3) },
        { registry: runtime.rankers, promote: 'never', training: { epochs: 3 } },
      );
      versions.push(outcome.metadata.version);
    }
    runtime.rankers.promote(versions[0]!);
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(versions[0]), { timeout: 5000 });
  }, 120_000);
  afterAll(() => runtime.close());

  const weightsOf = (version: string) => path.join(runtime.rankers.dir, version, 'weights.json');

  it('falls back to the fused order when the serving model’s weights are bit-flipped', async () => {
    const file = weightsOf(versions[0]!);
    const good = fs.readFileSync(file, 'utf8');
    // Still valid JSON of the same size: one digit of a weight changed.
    const weightsStart = good.indexOf('"weights":[');
    const at = weightsStart + good.slice(weightsStart).search(/[1-8]/);
    fs.writeFileSync(file, `${good.slice(0, at)}${Number(good[at]) + 1}${good.slice(at + 1)}`);
    try {
      runtime.reranker.load();
      const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
      expect(res.body.ranking).toMatchObject({ reranked: false, fallback: 'model_unavailable' });
      expect(log.lines.map((l) => l.msg).join('\n')).toMatch(
        /ranking model cannot be loaded: .*weights\.json does not match the sha256/,
      );
      expect(() => runtime.rankers.promote(versions[0]!)).toThrow(/does not match the sha256/);
    } finally {
      fs.writeFileSync(file, good);
      runtime.reranker.load();
    }
    const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(res.body.ranking).toMatchObject({ model: versions[0], reranked: true });
  });

  it('refuses a hand-edited metadata file without the fields serving reads, and search keeps the fused order', async () => {
    const file = path.join(runtime.rankers.dir, versions[0]!, 'metadata.json');
    const good = fs.readFileSync(file, 'utf8');
    const { training: _training, ...rest } = JSON.parse(good);
    fs.writeFileSync(file, JSON.stringify(rest));
    try {
      runtime.reranker.load();
      const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
      expect(res.body.ranking).toMatchObject({ reranked: false, fallback: 'model_unavailable' });
      expect(log.lines.map((l) => l.msg).join('\n')).toMatch(
        /ranking model cannot be loaded: .*metadata\.json: training: /,
      );
    } finally {
      fs.writeFileSync(file, good);
      runtime.reranker.load();
    }
    const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(res.body.ranking).toMatchObject({ model: versions[0], reranked: true });
  });

  it('logs a model that fails on every search once, not once a search', async () => {
    const file = weightsOf(versions[0]!);
    const metadataFile = path.join(runtime.rankers.dir, versions[0]!, 'metadata.json');
    const good = { weights: fs.readFileSync(file, 'utf8'), metadata: fs.readFileSync(metadataFile, 'utf8') };
    // Saved with a matching checksum but a bias beyond float32: it loads and cannot score.
    const layers = JSON.parse(good.weights);
    layers[0].bias = layers[0].bias.map(() => 1e39);
    const broken = JSON.stringify(layers);
    const metadata = JSON.parse(good.metadata);
    metadata.files = {
      ...metadata.files,
      'weights.json': {
        bytes: Buffer.byteLength(broken),
        sha256: createHash('sha256').update(broken).digest('hex'),
      },
    };
    fs.writeFileSync(file, broken);
    fs.writeFileSync(metadataFile, JSON.stringify(metadata));
    try {
      runtime.reranker.load();
      for (let i = 0; i < 10; i++) {
        const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
        expect(res.body.ranking).toMatchObject({ reranked: false, fallback: 'scoring_failed' });
      }
      expect(log.lines.filter((l) => /ranking model failed to score/.test(l.msg))).toHaveLength(1);
    } finally {
      fs.writeFileSync(file, good.weights);
      fs.writeFileSync(metadataFile, good.metadata);
      runtime.reranker.load();
    }
  });

  it('follows a ranker directory replaced while it serves', async () => {
    const replacement = temporaryDirectory('ranker-');
    fs.cpSync(runtime.rankers.dir, replacement, { recursive: true });
    fs.writeFileSync(
      path.join(replacement, 'active.json'),
      JSON.stringify({ active: versions[1], history: [versions[0]] }),
    );
    fs.rmSync(runtime.rankers.dir, { recursive: true });
    // The removal is seen (no model for a moment) before the replacement arrives.
    await vi.waitFor(() => expect(runtime.reranker.active).toBeUndefined(), { timeout: 15_000 });
    fs.renameSync(replacement, runtime.rankers.dir);
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(versions[1]), {
      timeout: 15_000,
      interval: 200,
    });
    const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(res.body.ranking).toMatchObject({ model: versions[1], reranked: true });
  }, 20_000);

  it('`models list` shows a damaged version’s problem and skips unreadable metadata, in one process start', async () => {
    const copy = temporaryDirectory('models-');
    fs.cpSync(modelsDir, copy, { recursive: true });
    truncate(path.join(copy, 'ranker', versions[1]!, 'weights.json'));
    fs.mkdirSync(path.join(copy, 'ranker', 'broken'));
    fs.writeFileSync(path.join(copy, 'ranker', 'broken', 'metadata.json'), '{"kind": "ranker", "vers');
    const outcome = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/hybrid-search.js', 'models', 'list'],
        {
          env: {
            ...Object.fromEntries(
              Object.entries(process.env).filter(
                ([key]) => !key.startsWith('ELASTICSEARCH_') && key !== 'SEARCH_BACKEND',
              ),
            ),
            DATA_DIR: temporaryDirectory(),
            MODELS_DIR: copy,
            EMBEDDER: 'hashing',
            LOG_LEVEL: 'silent',
            DEMO_CATALOG: 'off',
          },
          timeout: 30_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    expect(outcome.code).toBe(0);
    const listed = JSON.parse(outcome.stdout) as { version: string; files: string }[];
    expect(listed.map((m) => m.version).sort()).toEqual([...versions].sort());
    const byVersion = new Map(listed.map((m) => [m.version, m.files]));
    expect(byVersion.get(versions[0]!)).toBe('ok');
    expect(byVersion.get(versions[1]!)).toMatch(/weights\.json is \d+ bytes, its metadata says \d+/);
  }, 40_000);
});
