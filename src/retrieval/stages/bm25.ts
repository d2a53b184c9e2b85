/** First phase, keyword leg: BM25 over the fields weighted by boosts.yaml, filters applied inside. */
import type { RankedHit } from '../../catalog/search-backend.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import { retrievalWindow, type SearchStart, type Stage } from './stage.ts';

export const bm25: Stage<SearchStart & { query: AnalyzedQuery }, { bm25: RankedHit[] }> = {
  name: 'bm25',
  run: async (input) => ({
    bm25: await input.deps.backend.lexicalSearch({
      text: input.query.text,
      terms: input.query.terms,
      filters: input.request.filters,
      limit: retrievalWindow(input),
      fieldWeights: input.settings.boosts.fields,
    }),
  }),
};
