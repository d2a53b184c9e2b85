/**
 * What the matching rules do to one search, decided before retrieval, in priority order
 * (higher first, then file order): where two rules want the same thing (a position, a
 * product, the rewrite, the redirect) the first wins and the other is reported as
 * overridden. Then, after the learned ranker, `applyPlan` moves the candidates: boosts and
 * buries reorder them within the candidate window, pins place products at exact positions.
 *
 *   - hide and the forced filter go into the engines' filters, so hidden products are never
 *     retrieved, counted in facets or totals;
 *   - rewrite changes the query text before it is analyzed and embedded;
 *   - redirect is returned in the response.
 */
import type { SearchFilters } from '../catalog/catalog-query.ts';
import { compileFilters } from '../catalog/filter-match.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import type { CompiledRule, RuleBook } from './rule-book.ts';
import { toSearchFilters } from './rules.ts';
import { textWords } from './synonyms.ts';

export type RuleActionKind = 'pin' | 'hide' | 'boost' | 'bury' | 'filter' | 'rewrite' | 'redirect';

export interface FiredRule {
  id: string;
  description?: string;
  priority: number;
  /** What it did to this search (an action another rule overrode is not listed). */
  actions: RuleActionKind[];
}

export interface OverriddenAction {
  rule: string;
  action: RuleActionKind;
  /** The rule that won. */
  by: string;
  detail: string;
}

interface PlannedPin {
  id: string;
  position: number;
  rule: string;
  /** The product is shown only when it passes these (the shopper's and forced filters, earlier hides). */
  allowedBy: SearchFilters;
}

interface PlannedAdjustment {
  rule: string;
  kind: 'boost' | 'bury';
  filters: SearchFilters;
  factor: number;
}

export interface MerchandisingPlan {
  fired: FiredRule[];
  overridden: OverriddenAction[];
  /** The query as typed, and as rewritten when a rule rewrote it. */
  typedQuery: string;
  rewrittenQuery?: string;
  redirect?: { url: string; rule: string };
  /** The search's filters with the forced filters and hides added: what the engines apply. */
  filters: SearchFilters;
  pins: PlannedPin[];
  adjustments: PlannedAdjustment[];
}

/** What one rule did to one hit (`explain=true`). */
export interface HitRuleEffect {
  rule: string;
  action: 'pin' | 'boost' | 'bury';
  /** The pin's position, or where a boost or bury moved the hit from and to (1-based). */
  position?: number;
  from?: number;
  to?: number;
  factor?: number;
}

function rewriteWords(
  words: string[],
  rewrite: NonNullable<CompiledRule['definition']['rewrite']>,
): string[] {
  let out = [...words];
  const replacements = Object.entries(rewrite.replace ?? {})
    .map(([from, to]) => ({ from: textWords(from), to: textWords(to) }))
    .sort((a, b) => b.from.length - a.from.length);
  if (replacements.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < out.length; ) {
      const found = replacements.find((r) => r.from.every((w, j) => out[i + j] === w));
      if (found) {
        next.push(...found.to);
        i += found.from.length;
      } else next.push(out[i++]!);
    }
    out = next;
  }
  for (const phrase of (rewrite.remove ?? []).map(textWords)) {
    for (let i = 0; i + phrase.length <= out.length; ) {
      if (phrase.every((w, j) => out[i + j] === w)) out.splice(i, phrase.length);
      else i++;
    }
  }
  for (const word of (rewrite.add ?? []).flatMap(textWords)) if (!out.includes(word)) out.push(word);
  return out;
}

/** Decides what the rules matching this search do, resolving conflicts by priority then file order. */
export function planMerchandising(
  rules: RuleBook,
  search: { q: string; filters: SearchFilters; now: number },
): MerchandisingPlan {
  const words = textWords(search.q);
  const matched = rules.size === 0 ? [] : rules.matching({ words, filters: search.filters, now: search.now });
  const plan: MerchandisingPlan = {
    fired: [],
    overridden: [],
    typedQuery: search.q,
    filters: search.filters,
    pins: [],
    adjustments: [],
  };
  if (matched.length === 0) return plan;
  const forced: SearchFilters[] = [];
  const hiddenIds = new Map<string, string>();
  const hideFilters: SearchFilters[] = [];
  const pinnedIds = new Map<string, string>();
  const takenPositions = new Map<number, string>();
  const pins: { rule: string; id: string; position: number; hidesBefore: number; idsBefore: string[] }[] = [];
  let rewriteBy: string | undefined;
  for (const rule of matched) {
    const { definition: d, id } = rule;
    const actions: RuleActionKind[] = [];
    const overridden = (action: RuleActionKind, by: string, detail: string) =>
      plan.overridden.push({ rule: id, action, by, detail });
    if (d.filter) {
      forced.push(toSearchFilters(d.filter, search.now));
      actions.push('filter');
    }
    if (d.hide) {
      let hid = false;
      for (const productId of d.hide.ids ?? []) {
        const pinnedBy = pinnedIds.get(productId);
        if (pinnedBy) overridden('hide', pinnedBy, `${productId} is pinned`);
        else if (!hiddenIds.has(productId)) {
          hiddenIds.set(productId, id);
          hid = true;
        }
      }
      if (d.hide.filter) {
        hideFilters.push(toSearchFilters(d.hide.filter, search.now));
        hid = true;
      }
      if (hid) actions.push('hide');
    }
    if (d.pin) {
      let pinned = false;
      for (const pin of d.pin) {
        const byPosition = takenPositions.get(pin.position);
        const byProduct = pinnedIds.get(pin.id);
        const hiddenBy = hiddenIds.get(pin.id);
        if (byPosition) overridden('pin', byPosition, `position ${pin.position} is taken`);
        else if (byProduct) overridden('pin', byProduct, `${pin.id} is pinned elsewhere`);
        else if (hiddenBy) overridden('pin', hiddenBy, `${pin.id} is hidden`);
        else {
          takenPositions.set(pin.position, id);
          pinnedIds.set(pin.id, id);
          pins.push({
            rule: id,
            id: pin.id,
            position: pin.position,
            hidesBefore: hideFilters.length,
            idsBefore: [...hiddenIds.keys()],
          });
          pinned = true;
        }
      }
      if (pinned) actions.push('pin');
    }
    for (const kind of ['boost', 'bury'] as const) {
      for (const adjustment of d[kind] ?? []) {
        plan.adjustments.push({
          rule: id,
          kind,
          filters: toSearchFilters(adjustment.filter, search.now),
          factor: adjustment.factor,
        });
      }
      if (d[kind]) actions.push(kind);
    }
    if (d.rewrite && words.length > 0) {
      if (rewriteBy) overridden('rewrite', rewriteBy, 'one rewrite per search');
      else {
        const rewritten = rewriteWords(words, d.rewrite).join(' ');
        rewriteBy = id;
        if (rewritten && rewritten !== words.join(' ')) plan.rewrittenQuery = rewritten;
        actions.push('rewrite');
      }
    }
    if (d.redirect) {
      if (plan.redirect) overridden('redirect', plan.redirect.rule, 'one redirect per search');
      else {
        plan.redirect = { url: d.redirect, rule: id };
        actions.push('redirect');
      }
    }
    plan.fired.push({
      id,
      ...(d.description && { description: d.description }),
      priority: d.priority,
      actions,
    });
  }
  const withForced: SearchFilters =
    forced.length > 0 ? { ...search.filters, require: forced } : search.filters;
  plan.filters = {
    ...withForced,
    ...(hiddenIds.size > 0 && { excludeIds: [...hiddenIds.keys()] }),
    ...(hideFilters.length > 0 && { exclude: hideFilters }),
  };
  plan.pins = pins
    .sort((a, b) => a.position - b.position)
    .map(({ rule, id, position, hidesBefore, idsBefore }) => ({
      rule,
      id,
      position,
      allowedBy: {
        ...withForced,
        ...(idsBefore.length > 0 && { excludeIds: idsBefore }),
        ...(hidesBefore > 0 && { exclude: hideFilters.slice(0, hidesBefore) }),
      },
    }));
  return plan;
}

/** Whether the plan changes the order of the results (not when the shopper sorts by a field). */
export function reordersResults(plan: MerchandisingPlan, sort: string): boolean {
  return sort === 'relevance' && (plan.pins.length > 0 || plan.adjustments.length > 0);
}

export interface Placed<C extends { id: string }> {
  ranked: C[];
  /** Pinned products that were not among the candidates. */
  inserted: string[];
  effects: Map<string, HitRuleEffect[]>;
  /** Pins not shown: the product is unknown or does not pass the search's filters. */
  skippedPins: { rule: string; id: string }[];
}

/**
 * Moves the candidates as the plan says: boosts and buries reorder them, then pins place
 * products at their positions (at the end when there are fewer results). A candidate at
 * position p counts as relevant as factor / p (every matching factor multiplied; ties keep
 * their order): a boost of 2 moves position 20 to about 10, a bury of 0.5 position 5 to
 * about 10. Ranks rather than scores, so a factor means the same on every engine and
 * whether the learned ranker or the fusion ordered the list.
 */
export function applyPlan<C extends { id: string }>(
  plan: MerchandisingPlan,
  ranked: readonly C[],
  summaries: ReadonlyMap<string, ProductSummary>,
  makeCandidate: (id: string) => C,
): Placed<C> {
  const effects = new Map<string, HitRuleEffect[]>();
  const note = (id: string, effect: HitRuleEffect) => effects.set(id, [...(effects.get(id) ?? []), effect]);
  let list = [...ranked];
  if (plan.adjustments.length > 0) {
    const tests = plan.adjustments.map((a) => compileFilters(a.filters));
    const factors = list.map((candidate) => {
      const summary = summaries.get(candidate.id);
      return summary ? plan.adjustments.filter((_, j) => tests[j]!(summary)) : [];
    });
    const scored = list.map((candidate, i) => ({
      candidate,
      from: i + 1,
      applied: factors[i]!,
      value: factors[i]!.reduce((v, a) => v * a.factor, 1) / (i + 1),
    }));
    scored.sort((a, b) => b.value - a.value || a.from - b.from);
    list = scored.map((s) => s.candidate);
    scored.forEach((s, i) => {
      for (const a of s.applied) {
        note(s.candidate.id, { rule: a.rule, action: a.kind, factor: a.factor, from: s.from, to: i + 1 });
      }
    });
  }
  const inserted: string[] = [];
  const skippedPins: { rule: string; id: string }[] = [];
  if (plan.pins.length > 0) {
    const shown = plan.pins.filter((pin) => {
      const summary = summaries.get(pin.id);
      const ok = summary !== undefined && compileFilters(pin.allowedBy)(summary);
      if (!ok) skippedPins.push({ rule: pin.rule, id: pin.id });
      return ok;
    });
    const byId = new Map(list.map((c) => [c.id, c]));
    const pinnedIds = new Set(shown.map((p) => p.id));
    list = list.filter((c) => !pinnedIds.has(c.id));
    for (const pin of shown) {
      let candidate = byId.get(pin.id);
      if (!candidate) {
        candidate = makeCandidate(pin.id);
        inserted.push(pin.id);
      }
      list.splice(Math.min(pin.position - 1, list.length), 0, candidate);
      note(pin.id, { rule: pin.rule, action: 'pin', position: pin.position });
    }
  }
  return { ranked: list, inserted, effects, skippedPins };
}
