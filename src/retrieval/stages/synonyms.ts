/**
 * First phase, after the query is analyzed (and spelled): the keyword leg's query, with the
 * stopwords of stopwords.txt left out and the synonyms of synonyms.txt added. Only the
 * keyword leg reads it; the vector leg embeds the query as typed.
 */
import { type KeywordQuery, keywordQuery } from '../../merchandising/keyword-query.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import type { SearchStart, Stage } from './stage.ts';

export const synonyms: Stage<SearchStart & { query: AnalyzedQuery }, { keyword: KeywordQuery }> = {
  name: 'synonyms',
  skip: ({ settings, query }) =>
    settings.synonyms.size === 0 && settings.stopwords.size === 0
      ? { keyword: { text: query.text, terms: query.terms, phrases: [], synonyms: [], stopwords: [] } }
      : undefined,
  run: ({ settings, query }) => ({
    keyword: keywordQuery(query.text, settings.synonyms, settings.stopwords),
  }),
};
