/**
 * The product record: what a shop sends and what the search index stores. Only `id` and
 * `title` are required because real catalogs are often that thin.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CatalogText } from '../embeddings/encoder/training-pairs.ts';

const CATEGORY_SEPARATOR = '>';

const attributeValue = z.union([
  z.string().max(1000),
  z.number(),
  z.boolean(),
  z.array(z.string().max(1000)).max(100),
]);

/** A category path: `"Tools > Power Tools > Drills"` or `["Tools", "Power Tools", "Drills"]`. */
const categoryPath = z
  .union([z.string().max(1000), z.array(z.string().max(200)).max(10)])
  .transform((value) => (typeof value === 'string' ? value.split(CATEGORY_SEPARATOR) : value))
  .transform((segments) => segments.map((s) => s.trim()).filter((s) => s.length > 0))
  .pipe(
    z.array(z.string()).min(1, 'category path has no segments').max(10, 'category path is deeper than 10'),
  );

/**
 * Shop pages put the image URL into HTML as it is: http(s) only (no `javascript:`, `data:`
 * or `file:`), and none of the characters that end an attribute or a tag.
 */
const imageUrl = z
  .url({ protocol: /^https?$/, error: 'image_url must be an http:// or https:// URL' })
  .max(2000)
  .refine(
    (url) => !/[\s"'<>\\`\p{Cc}]/u.test(url),
    'image_url must not contain spaces, quotes, <, >, ` or backslashes (percent-encode them)',
  );

export const productSchema = z.strictObject({
  id: z
    .union([z.string(), z.number().int().nonnegative()])
    .transform(String)
    .pipe(z.string().trim().min(1, 'id must not be empty').max(256)),
  title: z.string().trim().min(1, 'title must not be empty').max(1000),
  description: z.string().max(50_000).optional(),
  brand: z.string().trim().min(1).max(200).optional(),
  category: categoryPath.optional(),
  price: z.number().finite().nonnegative().optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as USD')
    .optional(),
  in_stock: z.boolean().optional(),
  rating: z.number().min(0).max(5).optional(),
  review_count: z.number().int().nonnegative().optional(),
  popularity: z.number().finite().nonnegative().optional(),
  created_at: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  attributes: z.record(z.string().min(1).max(100), attributeValue).optional(),
  image_url: imageUrl.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'language must be a BCP 47 tag such as en or zh-CN')
    .optional(),
});

export type Product = z.output<typeof productSchema>;
export type ProductInput = z.input<typeof productSchema>;

export interface FieldError {
  path: string;
  code: string;
  message: string;
}

/**
 * A record that could not even be read (a malformed NDJSON line): validation reports it by
 * its index. A class, not a shape, so that no record a client sends can pass for one.
 */
export class UnreadableRecord {
  constructor(readonly unreadable: FieldError) {}
}

export function isUnreadable(record: unknown): record is UnreadableRecord {
  return record instanceof UnreadableRecord;
}

export type ProductValidation = { ok: true; product: Product } | { ok: false; errors: FieldError[] };

/** JSON `null` means "not given": catalogs exported from databases are full of them. */
function dropNulls(record: unknown): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
}

export function validateProduct(record: unknown): ProductValidation {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return {
      ok: false,
      errors: [{ path: '', code: 'invalid_type', message: 'a product must be a JSON object' }],
    };
  }
  const parsed = productSchema.safeParse(dropNulls(record));
  if (parsed.success) return { ok: true, product: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path:
        issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : ''),
      code: issue.code,
      message: issue.message,
    })),
  };
}

export function categoryPathText(category: readonly string[] | undefined): string | undefined {
  return category?.join(' > ');
}

/** Every ancestor of a category path, root first: `A`, `A > B`, `A > B > C`. */
export function categoryPrefixes(category: readonly string[] | undefined): string[] {
  if (!category) return [];
  return category.map((_, i) => category.slice(0, i + 1).join(' > '));
}

/**
 * The searchable text of the attributes: the values (a value says what the product is:
 * `red`, `stainless steel`), the key of a `true` flag (`cordless`) and the key with a number
 * (`voltage 20`), so a catalog with thousands of distinct keys does not fill the text with
 * key names that every product of a kind shares.
 */
export function attributesText(attributes: Product['attributes']): string {
  if (!attributes) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value === true) parts.push(key);
    else if (typeof value === 'number') parts.push(`${key} ${value}`);
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) parts.push(...value);
  }
  return parts.join(' ');
}

/** One attribute value as filters and facets see it: text (exact match) and, when numeric, the number. */
export interface AttributeEntry {
  key: string;
  value: string;
  number?: number;
}

const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

/** Every (key, value) of a product's attributes, lists unrolled; both engines index these. */
export function attributeEntries(attributes: Product['attributes']): AttributeEntry[] {
  if (!attributes) return [];
  const entries: AttributeEntry[] = [];
  for (const [key, raw] of Object.entries(attributes)) {
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const value = String(item);
      const number = typeof item === 'number' ? item : NUMERIC_TEXT.test(value) ? Number(value) : undefined;
      entries.push({ key, value, ...(number !== undefined && Number.isFinite(number) && { number }) });
    }
  }
  return entries;
}

/** The text an embedder sees for a product (title first: it carries the most signal). */
export function productEmbeddingText(product: Product): string {
  return [product.title, product.brand, categoryPathText(product.category)].filter(Boolean).join(' | ');
}

/** A product as encoder training text: title and brand (for self-supervised pairs), and what is embedded. */
export function productTrainingText(product: Product): CatalogText {
  return {
    title: product.title,
    ...(product.brand && { brand: product.brand }),
    text: productEmbeddingText(product),
  };
}

/** Stable hash of the normalized record: an unchanged upsert is detected and skipped. */
export function productContentHash(product: Product): string {
  return createHash('sha256').update(stableStringify(product)).digest('base64url').slice(0, 22);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
