/**
 * Fusion of the BM25 and kNN legs into one ranking. Reciprocal rank fusion needs no score
 * calibration; the normalized weighted sum keeps score gaps (min-max per leg).
 */
import type { RankedHit } from '../catalog/search-backend.ts';
import type { FusedCandidate } from '../ranking/candidate.ts';
import type { FusionMethod } from './search-request.ts';

export interface FusionLegs {
  bm25: readonly RankedHit[];
  knn: readonly RankedHit[];
}

export interface LegWeights {
  bm25: number;
  knn: number;
}

function collect(legs: FusionLegs): Map<string, FusedCandidate> {
  const byId = new Map<string, FusedCandidate>();
  const add = (leg: 'bm25' | 'knn', hits: readonly RankedHit[]) => {
    hits.forEach((hit, i) => {
      let candidate = byId.get(hit.id);
      if (!candidate) {
        candidate = { id: hit.id, score: 0 };
        byId.set(hit.id, candidate);
      }
      candidate[leg] = { rank: i + 1, score: hit.score };
    });
  };
  add('bm25', legs.bm25);
  add('knn', legs.knn);
  return byId;
}

function ranked(candidates: Iterable<FusedCandidate>): FusedCandidate[] {
  // Ties go to the better BM25 rank, then the better kNN rank: deterministic order.
  return [...candidates].sort(
    (a, b) =>
      b.score - a.score ||
      (a.bm25?.rank ?? Number.MAX_SAFE_INTEGER) - (b.bm25?.rank ?? Number.MAX_SAFE_INTEGER) ||
      (a.knn?.rank ?? Number.MAX_SAFE_INTEGER) - (b.knn?.rank ?? Number.MAX_SAFE_INTEGER),
  );
}

export function fuseReciprocalRank(legs: FusionLegs, k: number, weights: LegWeights): FusedCandidate[] {
  const candidates = collect(legs);
  for (const c of candidates.values()) {
    c.score = (c.bm25 ? weights.bm25 / (k + c.bm25.rank) : 0) + (c.knn ? weights.knn / (k + c.knn.rank) : 0);
  }
  return ranked(candidates.values());
}

function minMax(hits: readonly RankedHit[]): (score: number) => number {
  if (hits.length === 0) return () => 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const h of hits) {
    min = Math.min(min, h.score);
    max = Math.max(max, h.score);
  }
  const span = max - min;
  return span > 0 ? (score) => (score - min) / span : () => 1;
}

export function fuseWeightedSum(legs: FusionLegs, weights: LegWeights): FusedCandidate[] {
  const candidates = collect(legs);
  const normBm25 = minMax(legs.bm25);
  const normKnn = minMax(legs.knn);
  for (const c of candidates.values()) {
    c.score =
      (c.bm25 ? weights.bm25 * normBm25(c.bm25.score) : 0) + (c.knn ? weights.knn * normKnn(c.knn.score) : 0);
  }
  return ranked(candidates.values());
}

/** A leg weighted 0 takes no part: its products join no list through it. */
export function fuse(method: FusionMethod, legs: FusionLegs, options: { rrfK: number; weights: LegWeights }) {
  const { weights } = options;
  const taking = { bm25: weights.bm25 > 0 ? legs.bm25 : [], knn: weights.knn > 0 ? legs.knn : [] };
  return method === 'rrf'
    ? fuseReciprocalRank(taking, options.rrfK, weights)
    : fuseWeightedSum(taking, weights);
}
