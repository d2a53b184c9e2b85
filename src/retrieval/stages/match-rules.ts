/**
 * Before retrieval: the merchandising rules whose conditions the search meets (on the query
 * as typed and the search's own filters), and what they do to it. Their hides and forced
 * filters go into the filters both legs apply; a rewrite replaces the query text that the
 * analyze and embed stages read. Moving products happens after the ranker (`rules`).
 */
import { type MerchandisingPlan, planMerchandising } from '../../merchandising/plan.ts';
import type { SearchRequest } from '../search-request.ts';
import type { SearchStart, Stage } from './stage.ts';

interface Matched {
  /** The search as the engines run it: the rewritten query, the rules' filters added. */
  request: SearchRequest;
  plan: MerchandisingPlan;
}

export const matchRules: Stage<SearchStart, Matched> = {
  name: 'match_rules',
  skip: ({ settings, request }) =>
    settings.rules.size === 0
      ? {
          request,
          plan: planMerchandising(settings.rules, { q: request.q, filters: request.filters, now: 0 }),
        }
      : undefined,
  run({ settings, request, now }) {
    const plan = planMerchandising(settings.rules, { q: request.q, filters: request.filters, now });
    if (plan.fired.length === 0) return { request, plan };
    return { request: { ...request, q: plan.rewrittenQuery ?? request.q, filters: plan.filters }, plan };
  },
};
