/**
 * The simulator's view of the catalog: the product fields a shopper's taste depends on
 * (brand, category, price) and the title their queries come from, indexed by every level
 * of the category tree so shoppers and queries can be drawn from a category quickly.
 */

import { categoryPrefixes } from '../../catalog/product.ts';
import type { ProductSummary } from '../../catalog/search-backend.ts';

export type ShopperProduct = Pick<ProductSummary, 'id' | 'title' | 'brand' | 'category' | 'price'>;

export class SimulationCatalog {
  readonly products: readonly ShopperProduct[];
  private readonly byCategory = new Map<string, ShopperProduct[]>();

  constructor(products: Iterable<ShopperProduct>) {
    const list: ShopperProduct[] = [];
    for (const p of products) {
      const product: ShopperProduct = {
        id: p.id,
        title: p.title,
        ...(p.brand && { brand: p.brand }),
        ...(p.category && p.category.length > 0 && { category: [...p.category] }),
        ...(p.price !== undefined && { price: p.price }),
      };
      list.push(product);
      for (const prefix of categoryPrefixes(product.category)) {
        let members = this.byCategory.get(prefix);
        if (!members) {
          members = [];
          this.byCategory.set(prefix, members);
        }
        members.push(product);
      }
    }
    if (list.length === 0) throw new Error('the simulator needs a catalog with at least one product');
    this.products = list;
  }

  get size(): number {
    return this.products.length;
  }

  /** Products at or below a category path (`"Garden > Outdoor Power"`). */
  inCategory(path: string): readonly ShopperProduct[] {
    return this.byCategory.get(path) ?? [];
  }

  /** Every category path that occurs, at every level. */
  categoryPaths(): string[] {
    return [...this.byCategory.keys()];
  }
}
