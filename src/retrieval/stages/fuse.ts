/**
 * First phase ends: both legs fused into one ranking (reciprocal rank or normalized weighted
 * sum). Two things keep the vector leg from hurting:
 * - it fills in where the keyword leg is weak: its weight falls with the share of the query's
 *   words that the best keyword hit holds (`knn_gate: coverage`), to nothing when that hit
 *   holds them all; measured on the Home Depot dev judgments, BM25 alone ranks those
 *   queries best whatever the vector model (docs/benchmarks.md);
 * - keyword hits whose title holds the query's words side by side rank higher
 *   (`proximity`, a share of the best BM25 score), as a phrase boost would.
 * An order other than relevance (price, newest) lists only the candidates that match the
 * query best (every word where some product has every word), not every loose match.
 */
import type { RankedHit } from '../../catalog/search-backend.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { productText, termCoverage, termProximity } from '../../ranking/features/product-text.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import { fuse as fuseLegs } from '../fusion.ts';
import type { FusionMethod } from '../search-request.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

export interface Fused {
  fused: FusedCandidate[];
  method: FusionMethod;
  /** 1-based position of each candidate in the fused list. */
  fusedRank: ReadonlyMap<string, number>;
  /** The serving order so far: later stages (rerank) replace it. */
  ranked: FusedCandidate[];
  total: number;
  /** The vector leg's weight for this query, after gating. */
  knnWeight: number;
  /** Share of the query's words the best keyword hit holds. */
  coverage: number;
}

type In = SearchStart & { query: AnalyzedQuery; bm25: RankedHit[]; knn: RankedHit[]; summaries: Summaries };

export const fuse: Stage<In, Fused> = {
  name: 'fuse',
  run({ request, settings, query, bm25, knn, summaries }) {
    const { rrf_k, weights, knn_gate, proximity } = settings.search.fusion;
    const method = request.fusion ?? settings.search.fusion.method;
    const text = (id: string) => productText(summaries.get(id));
    const best = bm25[0]?.score ?? 0;
    const lexical =
      proximity > 0 && query.terms.length > 1
        ? bm25
            .map((hit) => ({
              id: hit.id,
              score: hit.score + proximity * best * termProximity(query.terms, text(hit.id)),
            }))
            .sort((a, b) => b.score - a.score)
        : bm25;
    const coverage = lexical[0] ? termCoverage(query.terms, text(lexical[0].id)) : 0;
    const knnWeight = knn_gate === 'coverage' ? weights.knn * (1 - coverage) : weights.knn;
    let fused = fuseLegs(
      method,
      { bm25: lexical, knn },
      { rrfK: rrf_k, weights: { bm25: weights.bm25, knn: knnWeight } },
    );
    // Explain shows the engine's BM25 score; the rank is the one after the proximity bonus.
    const engineScore = new Map(bm25.map((hit) => [hit.id, hit.score]));
    for (const c of fused) if (c.bm25) c.bm25.score = engineScore.get(c.id)!;
    if (request.sort !== 'relevance') fused = bestMatches(fused, query.terms, text);
    const fusedRank = new Map(fused.map((c, i) => [c.id, i + 1]));
    return { fused, method, fusedRank, ranked: fused, total: fused.length, knnWeight, coverage };
  },
  explain({ fused, fusedRank, method, knnWeight, coverage }, id) {
    const rank = fusedRank.get(id);
    if (rank === undefined) return undefined;
    const { bm25, knn, score } = fused[rank - 1]!;
    return {
      bm25: bm25 ?? null,
      knn: knn ?? null,
      fused: { method, score, rank, knn_weight: knnWeight, query_coverage: coverage },
    };
  },
};

/** For price or date order: the keyword hits that hold the most query words, or the vector hits when none does. */
function bestMatches(
  fused: FusedCandidate[],
  terms: readonly string[],
  text: (id: string) => ReturnType<typeof productText>,
): FusedCandidate[] {
  const lexical = fused.filter((c) => c.bm25);
  if (lexical.length === 0) return fused;
  const coverage = new Map(lexical.map((c) => [c.id, termCoverage(terms, text(c.id))]));
  const most = Math.max(...coverage.values());
  return lexical.filter((c) => coverage.get(c.id)! >= most);
}
