/** Second phase starts: the ranker's features of the top K fused candidates (the rerank window). */
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { FEATURE_COUNT } from '../../ranking/features/feature-set.ts';
import type { CandidateFeatures } from '../../ranking/features/feature-source.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

export interface RankedFeatures extends CandidateFeatures {
  /** A candidate's feature row (undefined below the window). */
  row(id: string): Float32Array | undefined;
}

type In = SearchStart & {
  query: AnalyzedQuery;
  fused: FusedCandidate[];
  fusedRank: ReadonlyMap<string, number>;
  summaries: Summaries;
};

export const features: Stage<In, { features: RankedFeatures }> = {
  name: 'features',
  async run({ deps, request, settings, query, fused, fusedRank, summaries }) {
    const window = settings.search.ranking.window;
    const extracted = await deps.ranking.features.forCandidates(
      {
        query,
        text: request.q,
        ...(request.userId && { userId: request.userId }),
        ...(request.sessionId && { sessionId: request.sessionId }),
      },
      fused,
      summaries,
      window,
    );
    const row = (id: string) => {
      const i = (fusedRank.get(id) ?? Number.POSITIVE_INFINITY) - 1;
      return i < extracted.count
        ? extracted.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)
        : undefined;
    };
    return { features: { ...extracted, row } };
  },
};
