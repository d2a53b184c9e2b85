/**
 * Merchandising rules on recommendation lists. A list has no query, so the rules that
 * apply are those a browse would fire: unconditional ones and those whose context (a
 * category, filters) the list meets. The context is the request's filters, and the
 * product's category (similar, bought together) or the trending category when the request
 * filters no category: a product page in Kitchen is in the Kitchen context, as a browse
 * there would be, without the list being narrowed to it.
 *
 * - hides and forced filters join the list's filters, so hidden products are never
 *   candidates (not from the kNN, the engagement lists or the popularity fill-in);
 * - boosts reorder the list as in a search (rank-based factors, plan.ts);
 * - buried products go after every other product of the list: a list is ten slots, where
 *   a bury factor would move a product a slot or two at most;
 * - pins place products on the browse-like lists (trending, the feed); a product page's
 *   lists are about that product, so pins there are not shown.
 * Query rewrites and redirects need a query: they never fire here.
 */
import { CATEGORY_SEPARATOR, type SearchFilters } from '../catalog/catalog-query.ts';
import { compileFilters } from '../catalog/filter-match.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import {
  applyPlan,
  type HitRuleEffect,
  type MerchandisingPlan,
  planMerchandising,
} from '../merchandising/plan.ts';
import type { RuleBook } from '../merchandising/rule-book.ts';
import type { Candidate } from './recommendation-types.ts';

export interface ListRules {
  /** The request's filters with the rules' hides and forced filters: what every source applies. */
  filters: SearchFilters;
  plan: MerchandisingPlan;
  /** Whether pins place products on this list. */
  pins: boolean;
}

export function planListRules(
  rules: RuleBook,
  filters: SearchFilters,
  context: { category?: readonly string[] | string; pins: boolean; now: number },
): ListRules {
  const category =
    typeof context.category === 'string' ? context.category : context.category?.join(CATEGORY_SEPARATOR);
  const contextFilters =
    !filters.category?.length && category ? { ...filters, category: [category] } : filters;
  const plan = planMerchandising(rules, { q: '', filters: contextFilters, now: context.now });
  const { require, excludeIds, exclude } = plan.filters;
  return {
    filters: {
      ...filters,
      ...(require && { require }),
      ...(excludeIds && { excludeIds }),
      ...(exclude && { exclude }),
    },
    plan,
    pins: context.pins,
  };
}

/** Whether the rules move or place anything, i.e. whether the list's summaries are needed. */
export function movesProducts(rules: ListRules): boolean {
  return rules.plan.adjustments.length > 0 || (rules.pins && rules.plan.pins.length > 0);
}

/** The ids the rules may place on the list besides its candidates. */
export function pinnedIds(rules: ListRules): string[] {
  return rules.pins ? rules.plan.pins.map((p) => p.id) : [];
}

/**
 * The list as the rules order it: boosts, then buried products last, then pins; cut to
 * `size`. A pinned product that was not a candidate comes in with a score of 0.
 */
export function applyListRules(
  rules: ListRules,
  candidates: readonly Candidate[],
  summaries: ReadonlyMap<string, ProductSummary>,
  size: number,
): { candidates: Candidate[]; effects: Map<string, HitRuleEffect[]> } {
  const { plan } = rules;
  const effects = new Map<string, HitRuleEffect[]>();
  const note = (id: string, effect: HitRuleEffect) => effects.set(id, [...(effects.get(id) ?? []), effect]);
  const merge = (more: ReadonlyMap<string, HitRuleEffect[]>) => {
    for (const [id, list] of more) for (const effect of list) note(id, effect);
  };
  const boosts = plan.adjustments.filter((a) => a.kind === 'boost');
  const buries = plan.adjustments.filter((a) => a.kind === 'bury');
  let list = [...candidates];
  if (boosts.length > 0) {
    const boosted = applyPlan({ ...plan, adjustments: boosts, pins: [] }, list, summaries, emptyCandidate);
    list = boosted.ranked;
    merge(boosted.effects);
  }
  if (buries.length > 0) {
    const tests = buries.map((b) => compileFilters(b.filters));
    const kept: Candidate[] = [];
    const buried: { candidate: Candidate; from: number; by: typeof buries }[] = [];
    list.forEach((candidate, i) => {
      const summary = summaries.get(candidate.id);
      const by = summary ? buries.filter((_, j) => tests[j]!(summary)) : [];
      if (by.length > 0) buried.push({ candidate, from: i + 1, by });
      else kept.push(candidate);
    });
    buried.forEach(({ candidate, from, by }, i) => {
      for (const b of by)
        note(candidate.id, { rule: b.rule, action: 'bury', factor: b.factor, from, to: kept.length + i + 1 });
    });
    list = [...kept, ...buried.map((b) => b.candidate)];
  }
  if (rules.pins && plan.pins.length > 0) {
    const pinned = applyPlan({ ...plan, adjustments: [] }, list, summaries, emptyCandidate);
    list = pinned.ranked;
    merge(pinned.effects);
  }
  return { candidates: list.slice(0, size), effects };
}

function emptyCandidate(id: string): Candidate {
  return { id, score: 0, explain: { sources: [], reason: 'placed by a merchandising rule' } };
}
