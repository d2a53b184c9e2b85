/**
 * The search page's state lives in the URL (`/?q=cordless+drill&brand=Bosch&page=2`), so a
 * search can be shared, reloaded and walked back with the browser's back button. This
 * maps it to and from the URL and to the API's parameters.
 */

export interface SearchState {
  q: string;
  /** facet name -> chosen values (brand and category, and attribute facets). */
  filters: Record<string, string[]>;
  priceMin?: number;
  priceMax?: number;
  inStock: boolean;
  sort: string;
  page: number;
  explain: boolean;
  autocorrect: boolean;
  /** The shopper the page searches as (personalization); empty: anonymous. */
  user: string;
}

const SCALARS = new Set([
  'q',
  'price_min',
  'price_max',
  'in_stock',
  'sort',
  'page',
  'explain',
  'autocorrect',
  'user',
]);
export const PAGE_SIZE = 12;

function number(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function stateFromUrl(search: string): SearchState {
  const params = new URLSearchParams(search);
  const filters: Record<string, string[]> = {};
  for (const [key, value] of params) {
    if (SCALARS.has(key) || !value) continue;
    filters[key] = [...(filters[key] ?? []), value];
  }
  const priceMin = number(params.get('price_min'));
  const priceMax = number(params.get('price_max'));
  return {
    q: params.get('q') ?? '',
    filters,
    ...(priceMin !== undefined && { priceMin }),
    ...(priceMax !== undefined && { priceMax }),
    inStock: params.get('in_stock') === 'true',
    sort: params.get('sort') ?? 'relevance',
    page: Math.max(1, Math.floor(number(params.get('page')) ?? 1)),
    explain: params.get('explain') === 'true',
    autocorrect: params.get('autocorrect') !== 'false',
    user: params.get('user') ?? '',
  };
}

export function urlFromState(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const [name, values] of Object.entries(state.filters)) for (const v of values) params.append(name, v);
  if (state.priceMin !== undefined) params.set('price_min', String(state.priceMin));
  if (state.priceMax !== undefined) params.set('price_max', String(state.priceMax));
  if (state.inStock) params.set('in_stock', 'true');
  if (state.sort !== 'relevance') params.set('sort', state.sort);
  if (state.page > 1) params.set('page', String(state.page));
  if (state.explain) params.set('explain', 'true');
  if (!state.autocorrect) params.set('autocorrect', 'false');
  if (state.user) params.set('user', state.user);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

export function hasSearch(state: SearchState): boolean {
  return (
    state.q.trim() !== '' ||
    Object.values(state.filters).some((values) => values.length > 0) ||
    state.priceMin !== undefined ||
    state.priceMax !== undefined ||
    state.inStock
  );
}

/** The `/v1/search` query string for a state. */
export function searchParams(state: SearchState, sessionId: string): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set('q', state.q.trim());
  for (const [name, values] of Object.entries(state.filters))
    for (const v of values) params.append(`filter.${name}`, v);
  if (state.priceMin !== undefined) params.set('filter.price_min', String(state.priceMin));
  if (state.priceMax !== undefined) params.set('filter.price_max', String(state.priceMax));
  if (state.inStock) params.set('filter.in_stock', 'true');
  params.set('sort', state.sort);
  params.set('page', String(state.page));
  params.set('size', String(PAGE_SIZE));
  if (state.explain) params.set('explain', 'true');
  if (!state.autocorrect) params.set('autocorrect', 'false');
  if (state.user) params.set('user_id', state.user);
  params.set('session_id', sessionId);
  return params;
}
