/** A first-phase candidate as the second phase sees it: its fused score and each leg's rank and score. */
export interface LegPosition {
  rank: number;
  score: number;
}

export interface FusedCandidate {
  id: string;
  score: number;
  bm25?: LegPosition;
  knn?: LegPosition;
}
