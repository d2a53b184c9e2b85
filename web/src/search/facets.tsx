/**
 * Facets as the response gives them, whatever their name (brand, category, price, and
 * attribute facets): each value with its count, chosen ones ticked. Price buckets set a
 * price range; every other facet filters on its own name.
 */
import type { FacetValue } from '../api.ts';
import type { SearchState } from './search-state.ts';

const LABELS: Record<string, string> = { brand: 'Brand', category: 'Category', price: 'Price' };

function label(name: string): string {
  return LABELS[name] ?? name.replace(/^attributes?\./, '').replace(/_/g, ' ');
}

function priceLabel(bucket: FacetValue): string {
  if (bucket.to === undefined) return `${bucket.from ?? 0} and up`;
  return `${bucket.from ?? 0} – ${bucket.to}`;
}

export function Facets(props: {
  facets: Record<string, FacetValue[]>;
  state: SearchState;
  onChange: (next: Partial<SearchState>) => void;
}) {
  const { state } = props;
  const toggle = (name: string, value: string) => {
    const chosen = state.filters[name] ?? [];
    const next = chosen.includes(value) ? chosen.filter((v) => v !== value) : [...chosen, value];
    const filters = { ...state.filters, [name]: next };
    if (next.length === 0) delete filters[name];
    props.onChange({ filters });
  };
  const choosePrice = (bucket: FacetValue) => {
    const same = state.priceMin === bucket.from && state.priceMax === bucket.to;
    props.onChange(
      same
        ? { priceMin: undefined, priceMax: undefined }
        : { priceMin: bucket.from, priceMax: bucket.to === undefined ? undefined : bucket.to },
    );
  };
  return (
    <aside class="facets" aria-label="Refine">
      {Object.entries(props.facets)
        .filter(([, values]) => values.length > 0)
        .map(([name, values]) => (
          <fieldset key={name} class="facet" data-facet={name}>
            <legend>{label(name)}</legend>
            {values.map((bucket) => {
              const isPrice = name === 'price';
              const value = bucket.value ?? bucket.key ?? '';
              const checked = isPrice
                ? state.priceMin === bucket.from && state.priceMax === bucket.to
                : (state.filters[name] ?? []).includes(value);
              return (
                <label key={value} class="facet-value">
                  <input
                    type="checkbox"
                    checked={checked}
                    onChange={() => (isPrice ? choosePrice(bucket) : toggle(name, value))}
                  />
                  <span class="value">{isPrice ? priceLabel(bucket) : value}</span>
                  <span class="count">{bucket.count}</span>
                </label>
              );
            })}
          </fieldset>
        ))}
      <label class="facet-value in-stock">
        <input
          type="checkbox"
          checked={state.inStock}
          onChange={() => props.onChange({ inStock: !state.inStock })}
        />
        <span class="value">In stock only</span>
      </label>
    </aside>
  );
}
