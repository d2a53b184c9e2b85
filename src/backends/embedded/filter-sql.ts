/**
 * Search filters as SQL: once against the products table (BM25 leg, browse) and once as
 * sqlite-vec metadata constraints (kNN leg), so both legs see the same filtered catalog.
 */
import { type AttributeFilter, isValuesFilter, type SearchFilters } from '../../catalog/catalog-query.ts';

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

function attributeSql(alias: string, key: string, filter: AttributeFilter, params: unknown[]): string {
  params.push(key);
  if (isValuesFilter(filter)) {
    params.push(JSON.stringify(filter.values));
    return ` AND ${alias}.rowid IN (SELECT rowid FROM product_attributes WHERE key = ? AND value IN (SELECT value FROM json_each(?)))`;
  }
  let range = '';
  if (filter.min !== undefined) {
    range += ' AND number >= ?';
    params.push(filter.min);
  }
  if (filter.max !== undefined) {
    range += ' AND number <= ?';
    params.push(filter.max);
  }
  return ` AND ${alias}.rowid IN (SELECT rowid FROM product_attributes WHERE key = ? AND number IS NOT NULL${range})`;
}

function conditionsSql(filters: SearchFilters, alias: string, params: unknown[]): string {
  let sql = '';
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
  for (const [key, filter] of Object.entries(filters.attributes ?? {})) {
    sql += attributeSql(alias, key, filter, params);
  }
  // created_at holds dates and date-times with offsets: compared as instants, not as text.
  if (filters.createdFrom !== undefined) {
    sql += ` AND julianday(${alias}.created_at) >= julianday(?)`;
    params.push(filters.createdFrom);
  }
  if (filters.createdTo !== undefined) {
    sql += ` AND julianday(${alias}.created_at) <= julianday(?)`;
    params.push(filters.createdTo);
  }
  if (filters.excludeIds?.length) {
    sql += ` AND ${alias}.id NOT IN (SELECT value FROM json_each(?))`;
    params.push(JSON.stringify(filters.excludeIds));
  }
  for (const excluded of filters.exclude ?? []) {
    // IS NOT 1: a condition on a missing value (NULL) does not exclude the product.
    sql += ` AND (1 = 1${conditionsSql(excluded, alias, params)}) IS NOT 1`;
  }
  for (const required of filters.require ?? []) sql += conditionsSql(required, alias, params);
  return sql;
}

export function productFilterSql(filters: SearchFilters, alias = 'p'): SqlFragment {
  const params: unknown[] = [];
  const sql = conditionsSql(filters, alias, params);
  return { sql, params };
}

export interface VectorFilterSql extends SqlFragment {
  /** Filters vec0 metadata cannot express (mixed or deep category levels, attributes, dates, exclusions); applied after the kNN. */
  residual?: SearchFilters;
}

export function vectorFilterSql(filters: SearchFilters): VectorFilterSql {
  let sql = '';
  const params: unknown[] = [];
  const { brand, category, priceMin, priceMax, inStock, ...rest } = filters;
  const residual: SearchFilters = { ...rest };
  if (brand?.length) {
    sql += ' AND brand IN (SELECT value FROM json_each(?))';
    params.push(JSON.stringify(brand));
  }
  if (category?.length) {
    const depths = new Set(category.map(categoryDepth));
    const [depth] = depths;
    if (depths.size === 1 && depth !== undefined && depth <= VECTOR_CATEGORY_LEVELS) {
      sql += ` AND cat${depth} IN (SELECT value FROM json_each(?))`;
      params.push(JSON.stringify(category));
    } else {
      residual.category = category;
    }
  }
  if (priceMin !== undefined) {
    sql += ' AND price >= ?';
    params.push(priceMin);
  }
  if (priceMax !== undefined) {
    sql += ' AND price <= ? AND price >= 0';
    params.push(priceMax);
  }
  if (inStock !== undefined) {
    sql += ' AND in_stock = ?';
    params.push(inStock ? 1n : 0n); // vec0 booleans bind as integers
  }
  const hasResidual = Object.values(residual).some((v) => v !== undefined);
  return { sql, params, ...(hasResidual && { residual }) };
}
