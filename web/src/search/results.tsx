/** Product cards (image, price, brand, rating, cart and buy buttons) and their explanations. */
import { useState } from 'preact/hooks';
import type { HitExplain, SearchHit } from '../api.ts';
import type { ShopperAction } from './events.ts';

function price(value: number | undefined, currency = 'USD'): string {
  if (value === undefined) return '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

const round = (n: number | undefined) => (n === undefined ? '–' : Number(n.toFixed(3)).toString());

/** Why the hit is where it is: each leg's rank and score, the fusion, the model's strongest reasons. */
function Explanation({ explain }: { explain: HitExplain }) {
  const contributions = Object.entries(explain.ranking?.contributions ?? {})
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 5);
  return (
    <dl class="explain">
      <dt>keyword (BM25)</dt>
      <dd>
        {explain.bm25 ? `rank ${explain.bm25.rank}, score ${round(explain.bm25.score)}` : 'not matched'}
      </dd>
      <dt>vector (kNN)</dt>
      <dd>
        {explain.knn ? `rank ${explain.knn.rank}, similarity ${round(explain.knn.score)}` : 'not matched'}
      </dd>
      {explain.fused && (
        <>
          <dt>fused ({explain.fused.method})</dt>
          <dd>
            rank {explain.fused.rank}, score {round(explain.fused.score)}
            {explain.fused.knn_weight !== undefined && `, vector weight ${round(explain.fused.knn_weight)}`}
          </dd>
        </>
      )}
      {explain.ranking && (
        <>
          <dt>model {explain.ranking.model}</dt>
          <dd>score {round(explain.ranking.score)}</dd>
          {contributions.map(([feature, value]) => (
            <>
              <dt class="feature">{feature}</dt>
              <dd class={value >= 0 ? 'up' : 'down'}>{value >= 0 ? `+${round(value)}` : round(value)}</dd>
            </>
          ))}
        </>
      )}
      {explain.rules && explain.rules.length > 0 && (
        <>
          <dt>rules</dt>
          <dd>
            {explain.rules.map((rule) => (typeof rule === 'string' ? rule : JSON.stringify(rule))).join('; ')}
          </dd>
        </>
      )}
    </dl>
  );
}

export function ProductCard(props: {
  hit: SearchHit;
  position: number;
  onAction: (action: ShopperAction) => Promise<void>;
}) {
  const { product, explain } = props.hit;
  const [done, setDone] = useState<string>('');
  const [imageFailed, setImageFailed] = useState(false);
  const act = (action: ShopperAction, label: string) => async () => {
    try {
      await props.onAction(action);
      setDone(label);
    } catch {
      setDone('could not send the event');
    }
  };
  const stars = product.rating === undefined ? '' : '★'.repeat(Math.round(product.rating)).padEnd(5, '☆');
  return (
    <li class="card" data-product-id={product.id} data-position={props.position}>
      {product.image_url && !imageFailed ? (
        <img src={product.image_url} alt="" loading="lazy" onError={() => setImageFailed(true)} />
      ) : (
        <div class="no-image" aria-hidden="true">
          {product.title.slice(0, 1)}
        </div>
      )}
      <h3>
        <button type="button" class="link title" onClick={act('click', 'clicked')}>
          {product.title}
        </button>
      </h3>
      <p class="meta">
        {product.brand && <span class="brand">{product.brand}</span>}
        {product.rating !== undefined && (
          <span class="rating" title={`${product.rating} of 5`}>
            {stars} <small>({product.review_count ?? 0})</small>
          </span>
        )}
      </p>
      <p class="price">
        {price(product.price, product.currency)}
        {product.in_stock === false && <span class="stock"> out of stock</span>}
      </p>
      <div class="actions">
        <button type="button" onClick={act('add_to_cart', 'added to cart')}>
          Add to cart
        </button>
        <button type="button" onClick={act('purchase', 'bought')}>
          Buy
        </button>
        {done && (
          <span class="done" role="status">
            {done}
          </span>
        )}
      </div>
      {explain && <Explanation explain={explain} />}
    </li>
  );
}
