/**
 * Search filters as SQL: once against the products table (BM25 leg, browse) and once as
 * sqlite-vec metadata constraints (kNN leg), so both legs see the same filtered catalog.
 */
import type { SearchFilters } from '../../catalog/catalog-query.ts';

export interface SqlFragment {
  /** Conditions joined with AND, each starting with ` AND `; empty when nothing to filter. */
  sql: string;
  params: unknown[];
}

/** Category levels stored as vec0 metadata columns (cat1 .. cat4). */
export const VECTOR_CATEGORY_LEVELS = 4;
/** vec0 metadata cannot be NULL: a missing price is stored as this sentinel. */
export const MISSING_PRICE = -1;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function categoryDepth(path: string): number {
  return path.split(' > ').length;
}

export function productFilterSql(filters: SearchFilters, alias = 'p'): SqlFragment {
  let sql = '';
  const params: unknown[] = [];
  if (filters.brand?.length) {
    sql += ` AND ${alias}.brand IN (SELECT value FROM json_each(?))`;
    params.push(JSON.stringify(filters.brand));
  }
  if (filters.category?.length) {
    const alternatives = filters.category.map(
      () => `${alias}.category = ? OR ${alias}.category LIKE ? ESCAPE '\\'`,
    );
    sql += ` AND (${alternatives.join(' OR ')})`;
    for (const path of filters.category) params.push(path, `${escapeLike(path)} > %`);
  }
  if (filters.priceMin !== undefined) {
    sql += ` AND ${alias}.price >= ?`;
    params.push(filters.priceMin);
  }
  if (filters.priceMax !== undefined) {
    sql += ` AND ${alias}.price <= ?`;
    params.push(filters.priceMax);
  }
  if (filters.inStock !== undefined) {
    sql += filters.inStock ? ` AND ${alias}.in_stock IS NOT 0` : ` AND ${alias}.in_stock = 0`;
  }
  return { sql, params };
}

export interface VectorFilterSql extends SqlFragment {
  /** Category filters vec0 cannot express (mixed or deep levels); applied after the kNN. */
  residualCategories?: string[];
}

export function vectorFilterSql(filters: SearchFilters): VectorFilterSql {
  let sql = '';
  const params: unknown[] = [];
  let residualCategories: string[] | undefined;
  if (filters.brand?.length) {
    sql += ' AND brand IN (SELECT value FROM json_each(?))';
    params.push(JSON.stringify(filters.brand));
  }
  if (filters.category?.length) {
    const depths = new Set(filters.category.map(categoryDepth));
    const [depth] = depths;
    if (depths.size === 1 && depth !== undefined && depth <= VECTOR_CATEGORY_LEVELS) {
      sql += ` AND cat${depth} IN (SELECT value FROM json_each(?))`;
      params.push(JSON.stringify(filters.category));
    } else {
      residualCategories = filters.category;
    }
  }
  if (filters.priceMin !== undefined) {
    sql += ' AND price >= ?';
    params.push(filters.priceMin);
  }
  if (filters.priceMax !== undefined) {
    sql += ' AND price <= ? AND price >= 0';
    params.push(filters.priceMax);
  }
  if (filters.inStock !== undefined) {
    sql += ' AND in_stock = ?';
    params.push(filters.inStock ? 1n : 0n); // vec0 booleans bind as integers
  }
  return { sql, params, ...(residualCategories && { residualCategories }) };
}
