/**
 * Ranker versions for tests of the model registry: trained quickly on judgments the test
 * makes (cheaper products judged more relevant), saved without being promoted.
 */
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { trainAndGate } from '../../src/ranking/training/ranker-training.ts';
import { listsFromJudgments, splitLists } from '../../src/ranking/training/training-lists.ts';

/** Judgments of `queries` over the stored products: the cheaper, the more relevant. */
export function priceJudgments(
  products: { id: string | number; price?: number }[],
  queries: string[],
): string {
  const priced = products.filter((p) => p.price !== undefined).sort((a, b) => a.price! - b.price!);
  const rows = ['query,product_uid,relevance'];
  for (const [qi, q] of queries.entries())
    for (let copy = 0; copy < 4; copy++)
      for (const [i, p] of priced.entries())
        rows.push(`${q} ${copy || ''}${qi},${p.id},${(3 - (2 * i) / priced.length).toFixed(2)}`);
  return rows.join('\n');
}

/** Trains `count` ranker versions on the runtime's catalog; returns their versions, oldest first. */
export async function trainRankers(
  runtime: Runtime,
  products: { id: string | number; price?: number }[],
  queries: string[],
  count = 2,
): Promise<string[]> {
  const lists = await listsFromJudgments(
    (q) => runtime.search.candidates(q),
    parseJudgmentsCsv(priceJudgments(products, queries)),
  );
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = await trainAndGate(
      { source: 'judgments', ...splitLists(lists, 0.3) },
      { registry: runtime.rankers, promote: 'never', training: { epochs: 3 } },
    );
    versions.push(outcome.metadata.version);
  }
  return versions;
}
