/** `mappings/search.yaml`: retrieval window, fusion and facet settings. */
import { z } from 'zod';
import { FUSION_METHODS } from './search-request.ts';

export const searchSettingsSchema = z.strictObject({
  retrieval: z.strictObject({
    /** Candidates each leg (BM25, kNN) contributes before fusion. */
    window: z.number().int().min(10).max(1000),
    /**
     * kNN hits below this cosine similarity are dropped; `auto`: the similarity that random
     * letter strings reach in this catalog (measured after each catalog change), so a
     * nonsense query finds nothing.
     */
    knn_min_similarity: z.union([z.number().min(-1).max(1), z.literal('auto')]),
  }),
  fusion: z.strictObject({
    method: z.enum(FUSION_METHODS),
    rrf_k: z.number().positive().max(10_000),
    weights: z.strictObject({ bm25: z.number().min(0).max(10), knn: z.number().min(0).max(10) }),
    /** `coverage`: the vector weight falls as the best keyword hit holds more of the query's words. */
    knn_gate: z.enum(['coverage', 'none']),
    /** Bonus for keyword hits with the query's words side by side, as a share of the best BM25 score. */
    proximity: z.number().min(0).max(5),
  }),
  spelling: z.strictObject({
    /** Correct misspelt query words against the catalog's vocabulary for the keyword leg. */
    enabled: z.boolean(),
  }),
  facets: z.strictObject({
    price_edges: z
      .array(z.number().nonnegative())
      .max(20)
      .refine(
        (edges) => edges.every((e, i) => i === 0 || e > edges[i - 1]!),
        'price_edges must be strictly ascending',
      ),
    max_values: z.number().int().min(1).max(1000),
  }),
  ranking: z.strictObject({
    /** Top fused candidates the learning-to-rank model reorders (K). */
    window: z.number().int().min(1).max(1000),
    /** A small share of searches gets a pair of positions swapped at random: how position bias is measured. */
    randomization: z
      .strictObject({
        /** Share of searches (0 turns it off). */
        share: z.number().min(0).max(1),
        /** Positions 1..depth take part (2-30). */
        depth: z.number().int().min(2).max(30),
        /** `random_pairs`: position 1 with one drawn from 2..depth, the rest in pairs (ADR 0015); `adjacent_pairs`: FairPairs. */
        method: z.enum(['random_pairs', 'adjacent_pairs']).default('random_pairs'),
      })
      .default({ share: 0.02, depth: 10, method: 'random_pairs' }),
    /** A newly trained model scores live searches in shadow before it serves (ranking/shadow.ts). */
    shadow: z
      .strictObject({
        /** Searches it shadows before its report decides (0: a model that passes its gate serves at once). */
        searches: z.number().int().min(0).max(10_000_000),
        /** Clicks on shadowed searches the click estimate needs before it decides. */
        min_clicks: z.number().int().min(1),
        /** Share of the served order's clicks the shadow order may lose (inverse-propensity estimate). */
        max_click_loss: z.number().min(0).max(1),
      })
      .default({ searches: 500, min_clicks: 50, max_click_loss: 0.02 }),
    /** Where no model serves a shopper with history (user or session), their profile lifts what fits it. */
    personalization: z
      .strictObject({
        /** Most a perfect fit adds, as a share of the fused score's range over the window (0 turns it off). */
        impact: z.number().min(0).max(1),
      })
      .default({ impact: 0.3 }),
  }),
  vector_index: z.strictObject({
    /** hnsw: the usearch graph beside the SQLite file; ivf: the previous k-means cells (embedded engine). */
    kind: z.enum(['hnsw', 'ivf']).default('hnsw'),
    /** HNSW candidate list per search: recall against latency. */
    ef_search: z.number().int().min(16).max(10_000).default(256),
    cell_size: z.number().int().min(16).max(100_000),
    probes: z.number().int().min(1).max(10_000),
  }),
});

export type SearchSettings = z.output<typeof searchSettingsSchema>;
