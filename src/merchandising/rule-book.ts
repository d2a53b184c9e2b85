/**
 * The rules of rules.yaml compiled once per load and indexed by their query condition, so
 * a search looks up the few rules that can apply instead of testing every rule:
 *   - exact:    a map from the query's normalized words to the rules;
 *   - prefix:   by the first word, then the rest compared;
 *   - contains: by the condition's first word, looked up at each position of the query;
 *   - any query, and context-only rules (category, filters): short lists, tested each time.
 * A rule with several query conditions is indexed under one (exact before prefix before
 * contains) and the others are checked on the few candidates found.
 */
import { CATEGORY_SEPARATOR, type SearchFilters } from '../catalog/catalog-query.ts';
import type { RuleDefinition, RulesFile } from './rules.ts';
import { textWords } from './synonyms.ts';

export interface CompiledRule {
  definition: RuleDefinition;
  id: string;
  /** Position in the file: the tie-break after priority. */
  order: number;
  exact?: string[][];
  prefix?: string[][];
  contains?: string[][];
  anyQuery: boolean;
  /** Epoch ms; undefined: open-ended. */
  from?: number;
  until?: number;
}

/** What the rule conditions look at: the query's words (empty for a browse) and the search's own filters. */
export interface RuleContext {
  words: readonly string[];
  filters: SearchFilters;
  /** Epoch ms: campaign windows are checked against it. */
  now: number;
}

function startsWith(words: readonly string[], pattern: readonly string[], at = 0): boolean {
  if (at + pattern.length > words.length) return false;
  for (let j = 0; j < pattern.length; j++) if (words[at + j] !== pattern[j]) return false;
  return true;
}

function containsSequence(words: readonly string[], pattern: readonly string[]): boolean {
  for (let i = 0; i + pattern.length <= words.length; i++) if (startsWith(words, pattern, i)) return true;
  return false;
}

function underCategory(paths: readonly string[] | undefined, roots: readonly string[]): boolean {
  return (paths ?? []).some((path) =>
    roots.some((root) => path === root || path.startsWith(`${root}${CATEGORY_SEPARATOR}`)),
  );
}

function normalizePath(path: string): string {
  return path
    .split('>')
    .map((s) => s.trim())
    .join(CATEGORY_SEPARATOR);
}

function contextMatches(rule: CompiledRule, filters: SearchFilters): boolean {
  const when = rule.definition.when;
  if (when.category && !underCategory(filters.category, when.category.map(normalizePath))) return false;
  const wanted = when.filters;
  if (!wanted) return true;
  if (wanted.brand && !wanted.brand.some((b) => filters.brand?.includes(b))) return false;
  if (wanted.in_stock !== undefined && filters.inStock !== wanted.in_stock) return false;
  for (const [key, values] of Object.entries(wanted.attributes ?? {})) {
    const given = filters.attributes?.[key];
    if (!given || !('values' in given) || !values.some((v) => given.values.includes(v))) return false;
  }
  return true;
}

function queryMatches(rule: CompiledRule, words: readonly string[]): boolean {
  const hasQueryCondition = rule.anyQuery || rule.exact || rule.prefix || rule.contains;
  if (!hasQueryCondition) return true;
  if (words.length === 0) return false;
  if (rule.exact && !rule.exact.some((p) => p.length === words.length && startsWith(words, p))) return false;
  if (rule.prefix && !rule.prefix.some((p) => startsWith(words, p))) return false;
  if (rule.contains && !rule.contains.some((p) => containsSequence(words, p))) return false;
  return true;
}

function compile(definition: RuleDefinition, order: number): CompiledRule {
  const query = definition.when.query;
  const rule: CompiledRule = { definition, id: definition.id, order, anyQuery: query?.any === true };
  if (query?.exact) rule.exact = query.exact.map(textWords);
  if (query?.prefix) rule.prefix = query.prefix.map(textWords);
  if (query?.contains) rule.contains = query.contains.map(textWords);
  if (definition.active?.from) rule.from = Date.parse(definition.active.from);
  if (definition.active?.until) rule.until = Date.parse(definition.active.until);
  return rule;
}

function push<K>(map: Map<K, CompiledRule[]>, key: K, rule: CompiledRule): void {
  const list = map.get(key);
  if (list) {
    if (list.at(-1) !== rule) list.push(rule);
  } else map.set(key, [rule]);
}

export class RuleBook {
  readonly rules: readonly CompiledRule[];
  private readonly exact = new Map<string, CompiledRule[]>();
  private readonly byFirstWord = new Map<string, CompiledRule[]>();
  private readonly containsWord = new Map<string, CompiledRule[]>();
  /** Rules without a query condition, by the category path of their browse context. */
  private readonly byCategory = new Map<string, CompiledRule[]>();
  private readonly unindexed: CompiledRule[] = [];

  constructor(file: RulesFile) {
    this.rules = file.rules.map(compile);
    for (const rule of this.rules) {
      if (!rule.definition.enabled) continue;
      if (rule.exact) for (const p of rule.exact) push(this.exact, p.join(' '), rule);
      else if (rule.prefix) for (const p of rule.prefix) push(this.byFirstWord, p[0]!, rule);
      else if (rule.contains) for (const p of rule.contains) push(this.containsWord, p[0]!, rule);
      else if (!rule.anyQuery && rule.definition.when.category)
        for (const path of rule.definition.when.category) push(this.byCategory, normalizePath(path), rule);
      else this.unindexed.push(rule);
    }
  }

  static readonly EMPTY = new RuleBook({ rules: [] });

  get size(): number {
    return this.rules.length;
  }

  get ids(): string[] {
    return this.rules.map((r) => r.id);
  }

  /** The rules that apply to a search, highest priority first, then in file order. */
  matching(context: RuleContext): CompiledRule[] {
    const { words, filters, now } = context;
    const candidates = new Set<CompiledRule>(this.unindexed);
    if (words.length > 0) {
      for (const rule of this.exact.get(words.join(' ')) ?? []) candidates.add(rule);
      for (const rule of this.byFirstWord.get(words[0]!) ?? []) candidates.add(rule);
      for (const word of new Set(words))
        for (const rule of this.containsWord.get(word) ?? []) candidates.add(rule);
    }
    // A category filter `A > B > C` is in the context of rules on `A`, `A > B` and `A > B > C`.
    for (const path of filters.category ?? []) {
      const segments = path.split(CATEGORY_SEPARATOR);
      for (let depth = 1; depth <= segments.length; depth++) {
        for (const rule of this.byCategory.get(segments.slice(0, depth).join(CATEGORY_SEPARATOR)) ?? [])
          candidates.add(rule);
      }
    }
    const matched: CompiledRule[] = [];
    for (const rule of candidates) {
      if (rule.from !== undefined && now < rule.from) continue;
      if (rule.until !== undefined && now >= rule.until) continue;
      if (!queryMatches(rule, words) || !contextMatches(rule, filters)) continue;
      matched.push(rule);
    }
    return matched.sort((a, b) => b.definition.priority - a.definition.priority || a.order - b.order);
  }
}
