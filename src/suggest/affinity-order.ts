/**
 * Autocomplete that leans towards the shopper: among the suggestions for a prefix, those
 * naming a brand or category the shopper (user or session) engaged with move up by how
 * much of the shopper's affinity it holds. The base order (by weight) still decides
 * between suggestions the profile says nothing about.
 */
import { analyze } from '../text/analyzer.ts';
import type { UserProfile } from '../users/profiles.ts';
import type { Suggestion } from './suggestion-generator.ts';

/** How far one full share of affinity lifts a suggestion, in base-rank units (0..1). */
const LEAN = 0.6;
/** The base order's rank counts in steps of 1 / BASE_DEPTH: a full share lifts a suggestion about 12 places. */
const BASE_DEPTH = 20;

interface Interest {
  terms: string[];
  share: number;
}

/** The shopper's brands and category names as analyzed terms, with their share of the affinity. */
export function shopperInterests(profile: UserProfile): Interest[] {
  const interests: Interest[] = [];
  const add = (values: Record<string, number>, name: (key: string) => string) => {
    const total = Object.values(values).reduce((a, b) => a + b, 0);
    if (total <= 0) return;
    for (const [key, weight] of Object.entries(values)) {
      const terms = analyze(name(key));
      if (terms.length > 0) interests.push({ terms, share: weight / total });
    }
  };
  add(profile.brands, (brand) => brand);
  // A category's weight includes its children's: shares are taken among the paths of one depth.
  const byDepth = new Map<number, Record<string, number>>();
  for (const [path, weight] of Object.entries(profile.categories)) {
    const depth = path.split(' > ').length;
    byDepth.set(depth, { ...byDepth.get(depth), [path]: weight });
  }
  for (const level of byDepth.values()) add(level, (path) => path.split(' > ').at(-1) ?? path);
  return interests;
}

/** How much of the shopper's interest a suggestion names (0..1): the largest share whose terms it holds. */
function interestIn(suggestion: Suggestion, interests: readonly Interest[]): number {
  const terms = new Set(analyze(suggestion.text));
  let best = 0;
  for (const interest of interests)
    if (interest.share > best && interest.terms.every((t) => terms.has(t))) best = interest.share;
  return best;
}

export function leanTowardsInterests(
  suggestions: readonly Suggestion[],
  interests: readonly Interest[],
  size: number,
): Suggestion[] {
  if (interests.length === 0) return suggestions.slice(0, size);
  return suggestions
    .map((s, i) => ({ s, score: 1 - i / BASE_DEPTH + LEAN * interestIn(s, interests) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, size)
    .map(({ s }) => s);
}
