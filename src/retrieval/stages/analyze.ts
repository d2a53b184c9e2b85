/** First phase: the query text analyzed once, for the keyword leg and the text-match features. */
import { type AnalyzedQuery, analyzeQuery } from '../../text/analyzer.ts';
import type { SearchStart, Stage } from './stage.ts';

export const analyze: Stage<SearchStart, { query: AnalyzedQuery }> = {
  name: 'analyze',
  run: ({ request }) => ({ query: analyzeQuery(request.q) }),
};
