/** First phase: the query vector. A failing embedder costs the vector leg, not the search. */
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import type { SearchStart, Stage } from './stage.ts';

export const embed: Stage<SearchStart & { query: AnalyzedQuery }, { vector: Float32Array | undefined }> = {
  name: 'embed',
  async run({ query, deps }) {
    try {
      return { vector: (await deps.embedder.current.embed([query.text], 'query'))[0] };
    } catch (error) {
      deps.observer?.embedderError(error);
      return { vector: undefined };
    }
  },
};
