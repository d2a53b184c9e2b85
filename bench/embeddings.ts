/**
 * npm run bench:embeddings: the embedders compared on the Home Depot data, in one run:
 * training time of the in-house encoder on all 54,667 titles, products embedded per
 * second for each embedder, vector-only and hybrid NDCG@10 / Recall@100 on the dev
 * judgments, and the recall of the IVF vector index against an exact scan.
 *   npm run bench:embeddings -- --queries 1000
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTinyOnnxModel } from '../scripts/make-tiny-onnx-model.ts';
import { EmbeddedBackend } from '../src/backends/embedded/embedded-backend.ts';
import type { Embedder } from '../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../src/embeddings/hashing-embedder.ts';
import { TransformersEmbedder } from '../src/embeddings/transformers-embedder.ts';
import { percentile } from '../src/eval/ranking-metrics.ts';
import {
  benchRuntime,
  evaluateRetrieval,
  fmt,
  homeDepotCatalogTexts,
  homeDepotEncoder,
  ingestHomeDepot,
  loadDevJudgments,
  machineDescription,
  type RetrievalQuality,
  writeResult,
} from './homedepot.ts';

const { values: args } = parseArgs({
  options: { queries: { type: 'string' }, reuse: { type: 'boolean', default: false } },
});

const titles = homeDepotCatalogTexts().map((p) => p.text);
const judgments = loadDevJudgments(args.queries ? Number(args.queries) : undefined);
console.error(`machine: ${machineDescription()}`);

// 1. Train the in-house encoder on the whole catalog.
const { encoder, trainedNow } = await homeDepotEncoder(!args.reuse);
const training = encoder.metadata;
console.error(
  `encoder ${training.version}: ${fmt(training.training.seconds, 0)} s on ${training.tensorflow.backend}${trainedNow ? '' : ' (reused)'}`,
);

// 2. Throughput: products embedded per second, 256 texts per call.
async function throughput(embedder: Embedder, texts: readonly string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < texts.length; i += 256) await embedder.embed(texts.slice(i, i + 256), 'passage');
  return texts.length / ((performance.now() - started) / 1000);
}
const tinyRoot = path.resolve('bench/out/tiny-model');
writeTinyOnnxModel(path.join(tinyRoot, 'local', 'tiny-bert'));
const tiny = (dtype: 'fp32' | 'q8') =>
  TransformersEmbedder.load({
    model: 'local/tiny-bert',
    localModelPath: tinyRoot,
    allowRemoteModels: false,
    dtype,
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    batchSize: 256,
  });
const hashing = new HashingEmbedder();
const rates: Record<string, number> = {
  [encoder.id]: await throughput(encoder, titles),
  [hashing.id]: await throughput(hashing, titles),
  'transformers.js tiny generated model (fp32)': await throughput(
    await tiny('fp32'),
    titles.slice(0, 10_000),
  ),
  'transformers.js tiny generated model (q8)': await throughput(await tiny('q8'), titles.slice(0, 10_000)),
};

// 3. Retrieval quality with each real embedder, and IVF recall against an exact scan.
interface IndexQuality {
  ingestPerSecond: number;
  quality: RetrievalQuality;
  ivf: { recallAt100: number; probedP50: number; probedP99: number; exactP50: number; cells: number };
}
async function indexQuality(embedder: Embedder): Promise<IndexQuality> {
  const runtime = await benchRuntime({ embedder });
  const ingest = await ingestHomeDepot(runtime);
  const quality = await evaluateRetrieval(runtime, judgments);
  const exact = new EmbeddedBackend({
    dataDir: runtime.config.dataDir,
    embedder,
    vectorIndex: { probes: 1_000_000 },
  });
  await exact.open();
  const sample = [...judgments.keys()].slice(0, 300);
  const vectors = await embedder.embed(sample, 'query');
  let found = 0;
  const probed: number[] = [];
  const scanned: number[] = [];
  for (const vector of vectors) {
    let t = performance.now();
    const approximate = await runtime.backend.vectorSearch({ vector, filters: {}, limit: 100 });
    probed.push(performance.now() - t);
    t = performance.now();
    const truth = new Set((await exact.vectorSearch({ vector, filters: {}, limit: 100 })).map((h) => h.id));
    scanned.push(performance.now() - t);
    found += approximate.filter((h) => truth.has(h.id)).length;
  }
  const cells = (await runtime.backend.optimize()) as { cells?: number };
  await exact.close();
  await runtime.close();
  probed.sort((a, b) => a - b);
  scanned.sort((a, b) => a - b);
  return {
    ingestPerSecond: ingest.productsPerSecond,
    quality,
    ivf: {
      recallAt100: found / (vectors.length * 100),
      probedP50: percentile(probed, 50),
      probedP99: percentile(probed, 99),
      exactP50: percentile(scanned, 50),
      cells: cells.cells ?? 1,
    },
  };
}
const results: Record<string, IndexQuality> = {
  [encoder.id]: await indexQuality(encoder),
  [hashing.id]: await indexQuality(hashing),
};

const file = writeResult('embeddings', {
  date: new Date().toISOString(),
  machine: machineDescription(),
  queries: judgments.size,
  encoder_training: {
    ...training.training,
    metrics: training.metrics,
    tensorflow: training.tensorflow,
    trained_now: trainedNow,
  },
  embedded_per_second: rates,
  retrieval: results,
});

console.log(`\n### bench:embeddings (${new Date().toISOString().slice(0, 10)}, ${machineDescription()})\n`);
console.log(
  `In-house encoder \`${encoder.id}\`: trained in ${fmt(training.training.seconds, 0)} s on ${training.training.products} products ` +
    `(${training.training.epochs} epochs, tfjs backend ${training.tensorflow.backend} via ${training.tensorflow.provider}); ` +
    `held-out fragment -> product recall@10 ${fmt(training.metrics.recall_at_10)} (untrained ${fmt(training.metrics.untrained_recall_at_10)}).\n`,
);
console.log('| embedder | products embedded / s |\n|---|---|');
for (const [name, rate] of Object.entries(rates)) console.log(`| ${name} | ${fmt(rate, 0)} |`);
console.log(`\n${judgments.size} dev queries:\n`);
console.log(
  '| embedder | bm25 NDCG@10 / R@100 | vector NDCG@10 / R@100 | hybrid NDCG@10 / R@100 | IVF recall@100 vs exact | kNN p50 / p99 (exact p50) | ingest products/s |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  const q = r.quality;
  console.log(
    `| ${name} | ${fmt(q.bm25.ndcg10)} / ${fmt(q.bm25.recall100)} | ${fmt(q.vector.ndcg10)} / ${fmt(q.vector.recall100)} | ` +
      `${fmt(q.hybrid.ndcg10)} / ${fmt(q.hybrid.recall100)} | ${fmt(r.ivf.recallAt100)} (${r.ivf.cells} cells) | ` +
      `${fmt(r.ivf.probedP50, 1)} / ${fmt(r.ivf.probedP99, 1)} ms (${fmt(r.ivf.exactP50, 1)} ms) | ${fmt(r.ingestPerSecond, 0)} |`,
  );
}
console.error(`\nfull result: ${file}`);
