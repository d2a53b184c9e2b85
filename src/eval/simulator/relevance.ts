/**
 * How relevant a product truly is to a query, for the simulated shoppers: what their clicks
 * follow (with their taste on top, click-model.ts). With judgments (the Home Depot dev
 * judgments), a judged query's products have their human grade, 1-3 mapped to 0-1, and the
 * products nobody judged for it a low default: retrieval found them, but a person did not
 * find them worth judging. Other queries fall back on the title: the share of the query's
 * words it has, discounted when the product is of another kind than the query names (a
 * "drill battery" has every word of "drill" but is not a drill).
 *
 * Complements are products of another kind that go with the one searched for: a case for
 * "laptop", a battery for "drill". Their titles name the product searched for, their own
 * kind differs, and shoppers click some of them although they are not what the query
 * asked for (click-model.ts): the clicks that made a model trained on them put laptop
 * cases above laptops.
 */

import { analyze } from '../../text/analyzer.ts';
import type { Judgments } from '../judgments.ts';
import { productTypeWords } from './queries.ts';
import type { ShopperProduct } from './simulation-catalog.ts';

export interface RelevanceOracle {
  /** 0 (not what the query asks for) .. 1 (exactly it). */
  relevance(query: string, product: ShopperProduct): number;
}

/** Relevance of a product of another kind than the query names, however well its title matches. */
const OTHER_KIND = 0.3;
/** Words that name no kind of product: a title's kind is the last type word that is not one of these. */
const NOT_A_KIND = new Set(['kit', 'set', 'pack', 'combo', 'only', 'tool', 'system', 'unit', 'assembly']);

function analyzed(words: readonly string[]): string[] {
  return words.flatMap((word) => analyze(word));
}

/** The kind of product a title names: its last type word (analyzed), or undefined. */
export function productKind(product: Pick<ShopperProduct, 'title' | 'brand'>): string | undefined {
  const words = productTypeWords(product.title, product.brand).filter((w) => !NOT_A_KIND.has(w));
  return analyzed(words).at(-1);
}

/** The kind of product a query names: its last analyzed word. */
export function queryKind(query: string): string | undefined {
  return analyze(query).at(-1);
}

/** A product of another kind whose title names the kind searched for. */
export function isComplement(query: string, product: Pick<ShopperProduct, 'title' | 'brand'>): boolean {
  const wanted = queryKind(query);
  const kind = productKind(product);
  if (!wanted || !kind || kind === wanted) return false;
  return new Set(analyze(product.title)).has(wanted) && !analyze(query).includes(kind);
}

/** The title-based relevance: query words found, discounted for a product of another kind. */
export const titleRelevance: RelevanceOracle = {
  relevance(query, product) {
    const terms = [...new Set(analyze(query))];
    if (terms.length === 0) return 0;
    const title = new Set(analyze(product.title));
    const coverage = terms.filter((t) => title.has(t)).length / terms.length;
    const kind = productKind(product);
    const sameKind = kind === undefined || terms.includes(kind);
    return coverage * (sameKind ? 1 : OTHER_KIND);
  },
};

/** Judgments where there are some (grade 1-3 -> 0-1, unjudged -> `unjudged`), the title elsewhere. */
export function judgedRelevance(judgments: Judgments, unjudged = 0.05): RelevanceOracle {
  const byQuery = new Map([...judgments].map(([q, products]) => [q.trim().toLowerCase(), products]));
  return {
    relevance(query, product) {
      const judged = byQuery.get(query.trim().toLowerCase());
      if (!judged) return titleRelevance.relevance(query, product);
      const grade = judged.get(product.id);
      return grade === undefined ? unjudged : Math.min(1, Math.max(0, (grade - 1) / 2));
    },
  };
}
