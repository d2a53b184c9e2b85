/** First phase, keyword leg: BM25 over the fields weighted by boosts.yaml, filters applied inside. */
import type { RankedHit } from '../../catalog/search-backend.ts';
import type { KeywordQuery } from '../../merchandising/keyword-query.ts';
import { retrievalWindow, type SearchStart, type Stage } from './stage.ts';

export const bm25: Stage<SearchStart & { keyword: KeywordQuery }, { bm25: RankedHit[] }> = {
  name: 'bm25',
  run: async (input) => ({
    bm25: await input.deps.backend.lexicalSearch({
      text: input.keyword.text,
      terms: input.keyword.terms,
      phrases: input.keyword.phrases,
      filters: input.request.filters,
      limit: retrievalWindow(input),
      fieldWeights: input.settings.boosts.fields,
    }),
  }),
};
