/**
 * The search page: the reference integration of the API. Search box with autocomplete,
 * product cards, facets, sort, paging, "did you mean", a shopper switch for trying
 * personalization and an explain toggle; the state lives in the URL; click, add-to-cart
 * and purchase events carry the result list's `query_id`.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson, type SearchResponse } from '../api.ts';
import '../styles.css';
import { SearchBox } from './autocomplete.tsx';
import { type ShopperAction, sendEvent, sessionId } from './events.ts';
import { Facets } from './facets.tsx';
import { ProductCard } from './results.tsx';
import {
  hasSearch,
  PAGE_SIZE,
  type SearchState,
  searchParams,
  stateFromUrl,
  urlFromState,
} from './search-state.ts';

const SHOPPERS = ['', 'shopper-ann', 'shopper-bob', 'shopper-cy'];
const SORTS: [string, string][] = [
  ['relevance', 'Relevance'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['newest', 'Newest'],
];
const MAX_PAGE = Math.floor(1000 / PAGE_SIZE);

function Pager(props: { page: number; total: number; onPage: (page: number) => void }) {
  const last = Math.min(MAX_PAGE, Math.max(1, Math.ceil(props.total / PAGE_SIZE)));
  if (last <= 1) return null;
  const pages = [...new Set([1, props.page - 1, props.page, props.page + 1, last])].filter(
    (p) => p >= 1 && p <= last,
  );
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous
      </button>
      {pages.map((p) => (
        <button
          type="button"
          key={p}
          aria-current={p === props.page ? 'page' : undefined}
          onClick={() => props.onPage(p)}
        >
          {p}
        </button>
      ))}
      <button type="button" disabled={props.page >= last} onClick={() => props.onPage(props.page + 1)}>
        Next
      </button>
    </nav>
  );
}

function App() {
  const [state, setState] = useState<SearchState>(() => stateFromUrl(location.search));
  const [result, setResult] = useState<SearchResponse | undefined>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    const back = () => setState(stateFromUrl(location.search));
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);

  useEffect(() => {
    if (!hasSearch(state)) {
      setResult(undefined);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    getJson<SearchResponse>(`/v1/search?${searchParams(state, sessionId())}`, { signal: controller.signal })
      .then((found) => {
        setResult(found);
        setError('');
      })
      .catch((failed: Error) => {
        if (!controller.signal.aborted) setError(failed.message);
      })
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [state]);

  /** A new search state: a new history entry, so Back returns to the previous one. */
  function go(next: Partial<SearchState>, options: { keepPage?: boolean } = {}) {
    const merged = { ...state, ...next, ...(options.keepPage ? {} : { page: next.page ?? 1 }) };
    for (const key of ['priceMin', 'priceMax'] as const) if (merged[key] === undefined) delete merged[key];
    history.pushState(null, '', urlFromState(merged));
    setState(merged);
    scrollTo({ top: 0 });
  }

  const act = (hitIndex: number) => (type: ShopperAction) => {
    if (!result) return Promise.resolve();
    const position = (result.page - 1) * result.size + hitIndex + 1;
    return sendEvent({
      type,
      queryId: result.query_id,
      productId: result.hits[hitIndex]!.id,
      position,
      userId: state.user,
    });
  };

  return (
    <div class="page">
      <header>
        <a class="home" href="/">
          Product search
        </a>
        <SearchBox value={state.q} onSearch={(q) => go({ q, autocorrect: true })} />
        <div class="controls">
          <label>
            Shopper{' '}
            <select
              value={state.user}
              onChange={(e) => go({ user: e.currentTarget.value }, { keepPage: true })}
            >
              {SHOPPERS.map((s) => (
                <option key={s} value={s}>
                  {s || 'anonymous'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sort{' '}
            <select value={state.sort} onChange={(e) => go({ sort: e.currentTarget.value })}>
              {SORTS.map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              name="explain"
              checked={state.explain}
              onChange={() => go({ explain: !state.explain }, { keepPage: true })}
            />{' '}
            Explain ranking
          </label>
        </div>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!hasSearch(state) && (
        <p class="hint">Type what you are looking for: suggestions appear as you type.</p>
      )}
      {result && (
        <main aria-busy={loading}>
          <Facets facets={result.facets} state={state} onChange={(next) => go(next)} />
          <section class="results" aria-label="Results">
            <p class="summary" role="status">
              {result.total === 0
                ? `Nothing found for "${result.q}".`
                : `${result.total} results${result.q ? ` for "${result.q}"` : ''}`}
              {result.ranking?.reranked && <span class="badge">ranked by model {result.ranking.model}</span>}
            </p>
            {result.did_you_mean && (
              <p class="did-you-mean">
                Showing results for <strong>{result.did_you_mean}</strong>.{' '}
                <button type="button" class="link" onClick={() => go({ autocorrect: false })}>
                  Search instead for "{state.q}"
                </button>
              </p>
            )}
            <ol class="cards">
              {result.hits.map((hit, i) => (
                <ProductCard
                  key={`${result.query_id}:${hit.id}`}
                  hit={hit}
                  position={(result.page - 1) * result.size + i + 1}
                  onAction={act(i)}
                />
              ))}
            </ol>
            <Pager
              page={result.page}
              total={result.total}
              onPage={(page) => go({ page }, { keepPage: true })}
            />
          </section>
        </main>
      )}
      <footer>
        <a href="/console">Console</a> · <a href="/docs">API reference</a>
      </footer>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
