/** The products of the page shown, as stored. */
import type { Product } from '../../catalog/product.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import type { SearchStart, Stage } from './stage.ts';

export const fetchProducts: Stage<
  SearchStart & { page: FusedCandidate[] },
  { products: Map<string, Product> }
> = {
  name: 'fetch',
  run: async ({ deps, page }) => ({ products: await deps.backend.getProducts(page.map((c) => c.id)) }),
};
