/** First phase ends: both legs fused into one ranking (reciprocal rank or normalized weighted sum). */
import type { RankedHit } from '../../catalog/search-backend.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { fuse as fuseLegs } from '../fusion.ts';
import type { FusionMethod } from '../search-request.ts';
import type { SearchStart, Stage } from './stage.ts';

export interface Fused {
  fused: FusedCandidate[];
  method: FusionMethod;
  /** 1-based position of each candidate in the fused list. */
  fusedRank: ReadonlyMap<string, number>;
  /** The serving order so far: later stages (rerank) replace it. */
  ranked: FusedCandidate[];
  total: number;
}

export const fuse: Stage<SearchStart & { bm25: RankedHit[]; knn: RankedHit[] }, Fused> = {
  name: 'fuse',
  run({ request, settings, bm25, knn }) {
    const method = request.fusion ?? settings.search.fusion.method;
    const { rrf_k, weights } = settings.search.fusion;
    const fused = fuseLegs(method, { bm25, knn }, { rrfK: rrf_k, weights });
    const fusedRank = new Map(fused.map((c, i) => [c.id, i + 1]));
    return { fused, method, fusedRank, ranked: fused, total: fused.length };
  },
  explain({ fused, fusedRank, method }, id) {
    const rank = fusedRank.get(id);
    if (rank === undefined) return undefined;
    const { bm25, knn, score } = fused[rank - 1]!;
    return { bm25: bm25 ?? null, knn: knn ?? null, fused: { method, score, rank } };
  },
};
