/**
 * First phase: the query text analyzed once, for the keyword leg and the text-match
 * features, after misspelt words are corrected against the catalog's vocabulary (numbers
 * and model codes never are). The vector leg embeds the query as typed.
 */
import { type AnalyzedQuery, analyzeQuery } from '../../text/analyzer.ts';
import type { SpellingCorrection } from '../../text/spelling.ts';
import type { SearchStart, Stage } from './stage.ts';

export interface Analyzed {
  query: AnalyzedQuery;
  /** What the keyword leg searched instead of the typed words, when some were corrected. */
  correction?: SpellingCorrection;
}

export const analyze: Stage<SearchStart, Analyzed> = {
  name: 'analyze',
  run({ request, settings, deps }) {
    const dictionary =
      settings.search.spelling.enabled && request.autocorrect !== false
        ? deps.calibration.spelling
        : undefined;
    const correction = dictionary?.correct(request.q, (word) => settings.synonyms.mentions(word));
    return correction
      ? { query: analyzeQuery(correction.text), correction }
      : { query: analyzeQuery(request.q) };
  },
};
